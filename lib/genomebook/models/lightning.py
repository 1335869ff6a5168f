"""Thin LightningModules: sequences -> logits, and (locus, cell type) pairs -> logits or values."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F
from torchmetrics.classification import BinaryAUROC, BinaryAveragePrecision
from torchmetrics.regression import PearsonCorrCoef


class SequenceModel(L.LightningModule):
    """Train a network ``(N, 4, L) -> (N, 1)`` logits for binary labels with BCE and AdamW.

    Batches are ``(x, y)`` with ``x`` float one-hot and ``y`` in {0, 1}. Logs ``train_loss``,
    ``val_loss`` and ``val_auroc``. ``predict_step`` returns probabilities.
    """

    def __init__(self, net: nn.Module, lr: float = 1e-3, weight_decay: float = 1e-4) -> None:
        super().__init__()
        self.net = net
        self.save_hyperparameters(ignore=["net"])
        self.val_auroc = BinaryAUROC()

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
        self.val_auroc.update(logits, y.long())
        self.log("val_loss", loss, prog_bar=True, on_epoch=True)
        self.log("val_auroc", self.val_auroc, prog_bar=True, on_epoch=True)

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
    pairs); ``"regression"``: MSE, logs ``val_pearson`` (over all pairs). Also logs
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
            self.val_metric, self.metric_name = BinaryAveragePrecision(), "val_auprc"
        else:
            self.val_metric, self.metric_name = PearsonCorrCoef(), "val_pearson"

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
            if self.classification:
                self.val_metric.update(torch.sigmoid(pred), target.long())
            else:
                self.val_metric.update(pred, target)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=n)
        self.log(self.metric_name, self.val_metric, prog_bar=True, on_epoch=True, batch_size=n)

    def predict_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        out = self._outputs(batch)
        return torch.sigmoid(out) if self.classification else out

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay)
