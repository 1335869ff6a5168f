"""One thin LightningModule around any network that maps sequences to logits."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F
from torchmetrics.classification import BinaryAUROC


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
