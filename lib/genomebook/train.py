"""Profiles, seeding and the one Lightning ``Trainer`` factory every chapter uses."""

from __future__ import annotations

import logging
import os
import random
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
import yaml
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint, TQDMProgressBar

PROFILES = ("smoke", "book", "paper")


@lru_cache(maxsize=1)
def _profile_table() -> dict[str, dict[str, dict[str, Any]]]:
    text = resources.files("genomebook").joinpath("profiles.yaml").read_text()
    return yaml.safe_load(text)


def profile(chapter: str, name: str = "book", **overrides: Any) -> dict[str, Any]:
    """Sizes of ``chapter`` at profile ``name`` (smoke/book/paper); non-None overrides win.

    A chapter's block may name the block it ``extends`` (e.g. the DNABERT task chapters extend
    ``dnabert_pretraining``): the parent's sizes come first and the chapter's own win.
    """
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}; got {name!r}.")
    table = _profile_table()
    if chapter not in table:
        raise KeyError(
            f"No sizes for chapter {chapter!r} in genomebook/profiles.yaml; "
            f"known chapters: {', '.join(sorted(table))}."
        )
    block = table[chapter]
    sizes = dict(profile(block["extends"], name)) if "extends" in block else {}
    sizes.update(block[name])
    unknown = set(overrides) - set(sizes)
    if unknown:
        raise KeyError(
            f"{', '.join(sorted(unknown))} not a size of chapter {chapter!r}; "
            f"sizes are {', '.join(sorted(sizes))}."
        )
    sizes.update({k: v for k, v in overrides.items() if v is not None})
    return sizes


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
    ``progress=None`` shows progress bars unless ``$GENOMEBOOK_PROGRESS`` is ``0`` (the book
    runner sets it, so rendered chapters get one line per epoch instead of bar frames).
    The best checkpoint by ``monitor`` is kept, so ``trainer.test(ckpt_path="best")`` and
    :func:`fit` use the best epoch rather than the last.
    """
    quiet_lightning()
    if progress is None:
        progress = os.environ.get("GENOMEBOOK_PROGRESS", "1") != "0"
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
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="genomebook-ckpt-") as tmp:
        trainer_kwargs.setdefault("root_dir", tmp)
        trainer = make_trainer(**trainer_kwargs)
        trainer.fit(module, datamodule=datamodule, train_dataloaders=train_dataloaders,
                    val_dataloaders=val_dataloaders)
        ckpt = trainer.checkpoint_callback
        if ckpt is not None and ckpt.best_model_path:
            state = torch.load(ckpt.best_model_path, map_location="cpu", weights_only=False)
            module.load_state_dict(state["state_dict"])
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
