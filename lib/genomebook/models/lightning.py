"""Thin LightningModules: sequences -> logits, and (locus, cell type) pairs -> logits or values.

Validation metrics are those of :mod:`genomebook.metrics` (one definition of each), computed at
the end of the epoch on everything the epoch saw, from every process under DDP (:class:`EpochMetric`).
"""

from __future__ import annotations

from typing import Any, Callable

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from genomebook import metrics


class EpochMetric:
    """Scores and targets gathered over one validation / test epoch, scored at its end by one function.

    ``update(scores, target)`` keeps detached CPU float64 copies of a batch's scores and targets
    (any matching shapes; flattened); ``compute()`` applies ``fn(target (n,), scores (n,))`` to
    the epoch's n values and returns a 0-d float tensor, or a dict of them when ``fn`` returns a
    dict; NaN when nothing was gathered or ``fn`` raises ``ValueError`` (e.g. one class only).
    ``reset()`` empties it (Lightning modules call it at the start and end of each epoch).
    Under torch.distributed (DDP) ``compute()`` gathers every process's values first, so every
    process must call it; each then returns the metric of the whole epoch.
    """

    def __init__(self, fn: Callable[[np.ndarray, np.ndarray], float | dict[str, float]]) -> None:
        self.fn = fn
        self.reset()

    def reset(self) -> None:
        self._scores: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []

    def update(self, scores: torch.Tensor, target: torch.Tensor) -> None:
        self._scores.append(scores.detach().reshape(-1).to("cpu", torch.float64))
        self._targets.append(target.detach().reshape(-1).to("cpu", torch.float64))

    def __len__(self) -> int:
        return sum(t.numel() for t in self._targets)

    def _gathered(self) -> tuple[np.ndarray, np.ndarray]:
        """(targets, scores) of this epoch, from every process when torch.distributed runs (DDP)."""
        empty = torch.zeros(0, dtype=torch.float64)
        t = torch.cat(self._targets) if self._targets else empty
        s = torch.cat(self._scores) if self._scores else empty
        if torch.distributed.is_available() and torch.distributed.is_initialized() \
                and torch.distributed.get_world_size() > 1:
            parts: list[Any] = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(parts, (t, s))
            t, s = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        return t.numpy(), s.numpy()

    def compute(self) -> torch.Tensor | dict[str, torch.Tensor]:
        nan = float("nan")
        y, s = self._gathered()
        try:
            value = self.fn(y, s) if y.size else nan
        except ValueError:
            value = nan
        if isinstance(value, dict):
            return {k: torch.tensor(float(v)) for k, v in value.items()}
        return torch.tensor(float(value))


def _auroc(y: np.ndarray, s: np.ndarray) -> float:
    return float(metrics.auroc_rows(y[None], s[None])[0])


def _auprc(y: np.ndarray, s: np.ndarray) -> float:
    return float(metrics.auprc_rows(y[None], s[None])[0])


class SequenceModel(L.LightningModule):
    """Train a network ``(N, 4, L) -> (N, 1)`` logits for binary labels with BCE and AdamW.

    Batches are ``(x, y)`` with ``x`` float one-hot and ``y`` in {0, 1}. Logs ``train_loss``,
    ``val_loss`` and ``val_auroc`` (:func:`genomebook.metrics.auroc_rows` over the whole
    validation epoch; NaN when it holds one class). ``predict_step`` returns probabilities.
    """

    def __init__(self, net: nn.Module, lr: float = 1e-3, weight_decay: float = 1e-4) -> None:
        super().__init__()
        self.net = net
        self.save_hyperparameters(ignore=["net"])
        self.val_auroc = EpochMetric(_auroc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)

    def _loss(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y = batch
        logits = self(x)
        return F.binary_cross_entropy_with_logits(logits, y.float()), logits, y

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss, _, _ = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch)
        self.val_auroc.update(logits, y)  # rank-based: logits rank as probabilities do, without float32 ties
        self.log("val_loss", loss, prog_bar=True, on_epoch=True)

    def on_validation_epoch_start(self) -> None:
        self.val_auroc.reset()

    def on_validation_epoch_end(self) -> None:
        self.log("val_auroc", self.val_auroc.compute(), prog_bar=True)
        self.val_auroc.reset()

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return torch.sigmoid(self(x))

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay)


TASKS = ("classification", "regression")


class CellTypeModel(L.LightningModule):
    """Train a cross-cell-type network ``net(x, motif, expr) -> (B, K)`` with AdamW.

    Batches are dicts: ``x`` (B, 4, L) one-hot, ``motif`` (B, T), ``expr`` (K, T) (the batch's
    cell types; a collated (B, K, T) stack of identical rows is accepted and its first row
    used), ``y`` (B, K) float targets. NaN targets are masked out of the loss and metrics.
    ``task="classification"``: BCE with logits, logs ``val_auprc`` (average precision over all
    pairs of the epoch, :func:`genomebook.metrics.auprc_rows`); ``"regression"``: MSE, logs
    ``val_pearson`` (:func:`genomebook.metrics.pearson` over all pairs of the epoch). Also logs
    ``train_loss`` (per epoch) and ``val_loss``, both means over the valid pairs.
    ``predict_step`` returns (B, K) probabilities (classification) or values.
    """

    def __init__(self, net: nn.Module, task: str = "classification", lr: float = 1e-3,
                 weight_decay: float = 0.0) -> None:
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}.")
        self.net = net
        self.save_hyperparameters(ignore=["net"])
        self.classification = task == "classification"
        if self.classification:
            self.val_metric, self.metric_name = EpochMetric(_auprc), "val_auprc"
        else:
            self.val_metric, self.metric_name = EpochMetric(metrics.pearson), "val_pearson"

    def forward(self, x: torch.Tensor, motif: torch.Tensor, expr: torch.Tensor) -> torch.Tensor:
        return self.net(x, motif, expr)

    @staticmethod
    def _expr(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        expr = batch["expr"]
        return expr[0] if expr.dim() == 3 else expr

    def _outputs(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["x"], batch["motif"], self._expr(batch))

    def _loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(mean loss over non-NaN targets, their outputs, their targets)."""
        out = self._outputs(batch)
        y = batch["y"].to(out.dtype)
        if y.shape != out.shape:
            raise ValueError(f"y must be (B, K) = {tuple(out.shape)}; got {tuple(y.shape)}.")
        mask = ~torch.isnan(y)
        pred, target = out[mask], y[mask]
        if target.numel() == 0:
            return out.sum() * 0.0, pred, target
        if self.classification:
            loss = F.binary_cross_entropy_with_logits(pred, target)
        else:
            loss = F.mse_loss(pred, target)
        return loss, pred, target

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss, _, target = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False,
                 batch_size=max(1, target.numel()))
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        loss, pred, target = self._loss(batch)
        n = max(1, target.numel())
        if target.numel():
            # classification: logits rank as probabilities do (auPR depends on the ranking only)
            self.val_metric.update(pred, target)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=n)

    def on_validation_epoch_start(self) -> None:
        self.val_metric.reset()

    def on_validation_epoch_end(self) -> None:
        self.log(self.metric_name, self.val_metric.compute(), prog_bar=True)
        self.val_metric.reset()

    def predict_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        out = self._outputs(batch)
        return torch.sigmoid(out) if self.classification else out

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay)
