"""Seeding and the one Lightning ``Trainer`` factory every chapter uses (sizes: :mod:`genomebook.profiles`)."""

from __future__ import annotations

import logging
import os
import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint, TQDMProgressBar

_PROGRESS = {"bars": True}


def show_progress(bars: bool) -> None:
    """Progress bars (True, the default) or one log line per epoch (False) for every later trainer.

    :func:`genomebook.chapter.open_run` calls it with the chapter's ``progress`` parameter; the
    book runner passes ``progress=False`` so that rendered pages get one line per epoch.
    """
    _PROGRESS["bars"] = bool(bars)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def quiet_lightning() -> None:
    """Silence Lightning's start-up chatter (GPU availability, tips) so chapters stay readable."""
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for pattern in (
        ".*does not have many workers.*",
        ".*LightningModule.*has parameters that were not used.*",
        ".*Checkpoint directory.*exists and is not empty.*",
        ".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*",
    ):
        warnings.filterwarnings("ignore", message=pattern)


def make_trainer(
    *,
    max_epochs: int,
    patience: int | None = None,
    monitor: str = "val_loss",
    mode: str = "min",
    root_dir: str | Path | None = None,
    progress: bool | None = None,
    devices: int | str = "auto",
    strategy: str = "auto",
    **kwargs: Any,
):
    """A Lightning Trainer: CPU/GPU picked automatically, early stopping, best-checkpoint restore.

    Several GPUs: pass ``devices=-1`` (Lightning then runs DDP); no custom distributed code.
    ``progress=None`` follows :func:`show_progress` (bars unless a chapter was run with
    ``progress=False``, as the book runner does: rendered chapters get one line per epoch).
    The best checkpoint by ``monitor`` is kept, so ``trainer.test(ckpt_path="best")`` and
    :func:`fit` use the best epoch rather than the last.
    """
    quiet_lightning()
    if progress is None:
        progress = _PROGRESS["bars"]
    callbacks: list[Any] = [ModelCheckpoint(monitor=monitor, mode=mode, save_top_k=1),
                            *kwargs.pop("callbacks", [])]
    if patience:
        callbacks.append(EarlyStopping(monitor=monitor, mode=mode, patience=patience))
    if progress:
        callbacks.append(TQDMProgressBar(refresh_rate=max(1, int(kwargs.pop("refresh_rate", 10)))))
    else:
        callbacks.append(EpochLog())
    return L.Trainer(
        max_epochs=max_epochs,
        accelerator="auto",
        devices=devices,
        strategy=strategy,
        callbacks=callbacks,
        enable_progress_bar=progress,
        enable_model_summary=False,
        logger=False,
        default_root_dir=str(root_dir) if root_dir else None,
        deterministic="warn",
        **kwargs,
    )


def fit(module, datamodule=None, *, train_dataloaders=None, val_dataloaders=None, **trainer_kwargs):
    """Train ``module`` with :func:`make_trainer` and load the best epoch's weights back into it.

    Returns the trainer, whose ``callback_metrics`` and ``current_epoch`` say how training went.
    The module is left in eval mode on the device it was trained on (Lightning moves it back to
    the CPU when fitting ends; predictions, mutagenesis and attention maps should run where the
    training ran).
    """
    with tempfile.TemporaryDirectory(prefix="genomebook-ckpt-") as tmp:
        trainer_kwargs.setdefault("root_dir", tmp)
        trainer = make_trainer(**trainer_kwargs)
        trainer.fit(module, datamodule=datamodule, train_dataloaders=train_dataloaders,
                    val_dataloaders=val_dataloaders)
        ckpt = trainer.checkpoint_callback
        if ckpt is not None and ckpt.best_model_path:
            state = torch.load(ckpt.best_model_path, map_location="cpu", weights_only=False)
            module.load_state_dict(state["state_dict"])
    module.to(trainer.strategy.root_device)
    module.eval()
    return trainer


class EpochLog(Callback):
    """Print one line per epoch with the logged metrics (used when progress bars are off)."""

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        shown = ", ".join(f"{k} {float(v):.4f}" for k, v in sorted(trainer.callback_metrics.items()))
        print(f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}: {shown}", flush=True)


class History(Callback):
    """A Lightning callback keeping each epoch's logged metrics, for learning-curve figures."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        # Runs after the epoch's validation, so both losses of this epoch are in callback_metrics.
        row = {"epoch": float(trainer.current_epoch)}
        row.update({k: float(v) for k, v in trainer.callback_metrics.items()})
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        """One row per epoch: epoch, train_loss, val_loss, and whatever else was logged."""
        return pd.DataFrame(self.rows)
