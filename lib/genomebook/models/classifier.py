"""One Lightning interface for sequence classification: any net (N, 4, L) -> (N, C) logits."""

from __future__ import annotations

from functools import partial
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from genomebook import metrics
from genomebook.models.lightning import EpochMetric


def _accuracy_mcc(y: np.ndarray, pred: np.ndarray, n_classes: int) -> dict[str, float]:
    """accuracy and mcc of predicted classes pred (n,) against true classes y (n,), both in 0..n_classes-1."""
    cm = metrics.confusion_matrices(y.astype(np.int64), pred.astype(np.int64), n_classes)
    s = metrics.from_confusion(cm)
    return {"accuracy": float(s["accuracy"][0]), "mcc": float(s["MCC"][0])}


class SequenceClassifier(L.LightningModule):
    """Train a classifier of one-hot DNA with AdamW; binary or multi-class.

    ``net`` maps ``(N, 4, L)`` to logits ``(N, C)``. With ``n_classes == 2`` the net may output
    one column (a single logit; binary cross-entropy) or two (softmax cross-entropy); with
    ``n_classes > 2`` it must output ``n_classes`` columns (cross-entropy). Batches are
    ``(x, y)`` with ``y`` integer class labels in ``0 .. n_classes - 1`` (shape (N,) or (N, 1)).

    Logs ``train_loss`` (per epoch), ``val_loss``, ``val_accuracy`` and ``val_mcc`` (and the
    ``test_*`` counterparts in ``trainer.test``); accuracy and MCC are of the arg-max class over
    the whole epoch, by :func:`genomebook.metrics.from_confusion` (binary MCC, or Gorodkin's R_K
    for ``n_classes > 2``; 0.0 where undefined, e.g. a single predicted class).
    ``predict_step`` (and :meth:`predict_proba`) return probabilities ``(N, n_classes)`` whose
    rows sum to one; for binary tasks column 0 is P(negative) and column 1 P(positive).
    """

    def __init__(self, net: nn.Module, n_classes: int = 2, lr: float = 1e-3,
                 weight_decay: float = 0.0) -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2 (binary is n_classes=2); got {n_classes}.")
        self.net = net
        self.n_classes = n_classes
        self.save_hyperparameters(ignore=["net"])
        self.val_metrics = EpochMetric(partial(_accuracy_mcc, n_classes=n_classes))  # arg-max classes of the epoch
        self.test_metrics = EpochMetric(partial(_accuracy_mcc, n_classes=n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw logits of the net, (N, 1) or (N, n_classes)."""
        return self.net(x)

    # ------------------------------------------------------------------ outputs -> loss / probs

    def _check(self, logits: torch.Tensor) -> None:
        ok = logits.dim() == 2 and (logits.shape[1] == self.n_classes
                                    or (self.n_classes == 2 and logits.shape[1] == 1))
        if not ok:
            allowed = "1 or 2" if self.n_classes == 2 else str(self.n_classes)
            raise ValueError(f"SequenceClassifier(n_classes={self.n_classes}) needs a net with "
                             f"{allowed} output columns; got shape {tuple(logits.shape)}.")

    def logits_to_proba(self, logits: torch.Tensor) -> torch.Tensor:
        """(N, 1) or (N, C) logits -> (N, n_classes) probabilities."""
        self._check(logits)
        if logits.shape[1] == 1:
            p = torch.sigmoid(logits)
            return torch.cat([1.0 - p, p], dim=1)
        return torch.softmax(logits, dim=1)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Probabilities (N, n_classes) for one-hot ``x`` (no gradient; the caller sets eval())."""
        with torch.no_grad():
            return self.logits_to_proba(self(x))

    def _loss(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y = batch
        logits = self(x)
        self._check(logits)
        y = y.reshape(-1).long()
        if logits.shape[1] == 1:
            loss = F.binary_cross_entropy_with_logits(logits.squeeze(1), y.to(logits.dtype))
        else:
            loss = F.cross_entropy(logits, y)
        return loss, logits, y

    def _update(self, outputs: EpochMetric, logits: torch.Tensor, y: torch.Tensor) -> None:
        pred = self.logits_to_proba(logits.detach()).argmax(dim=1)
        outputs.update(pred, y)

    def _log_epoch(self, outputs: EpochMetric, prefix: str, prog_bar: bool) -> None:
        values = outputs.compute()
        outputs.reset()
        if isinstance(values, dict):
            self.log_dict({f"{prefix}{k}": v for k, v in values.items()}, prog_bar=prog_bar)

    # ------------------------------------------------------------------ Lightning hooks

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss, _, y = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False,
                 batch_size=y.numel())
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch)
        self._update(self.val_metrics, logits, y)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=y.numel())

    def test_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch)
        self._update(self.test_metrics, logits, y)
        self.log("test_loss", loss, on_epoch=True, batch_size=y.numel())

    def on_validation_epoch_start(self) -> None:
        self.val_metrics.reset()

    def on_validation_epoch_end(self) -> None:
        self._log_epoch(self.val_metrics, "val_", prog_bar=True)

    def on_test_epoch_start(self) -> None:
        self.test_metrics.reset()

    def on_test_epoch_end(self) -> None:
        self._log_epoch(self.test_metrics, "test_", prog_bar=False)

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.logits_to_proba(self(x))

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay)
