"""Seeding and the one Lightning ``Trainer`` factory every chapter uses (sizes: :mod:`genomebook.profiles`)."""

from __future__ import annotations

import logging
import os
import random
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, RandomSampler
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint, TQDMProgressBar

_PROGRESS = {"bars": True}
#: The number formats of the last trainer made (see :func:`number_formats`); empty before any.
_FORMATS: dict[str, Any] = {}
#: A precision every later trainer uses instead of the per-device default (:func:`use_precision`).
_PRECISION: dict[str, str | None] = {"override": None}


def show_progress(bars: bool) -> None:
    """Progress bars (True, the default) or one log line per epoch (False) for every later trainer.

    :func:`genomebook.chapter.open_run` calls it with the chapter's ``progress`` parameter; the
    book runner passes ``progress=False`` so that rendered pages get one line per epoch.
    """
    _PROGRESS["bars"] = bool(bars)


def use_precision(precision: str | None) -> None:
    """Make every later trainer use ``precision`` (a Lightning precision string such as
    ``"32-true"``, ``"bf16-mixed"`` or ``"16-mixed"``); None restores the per-device default
    of :func:`choose_precision`. For a profile or chapter parameter that overrides the default.
    """
    _PRECISION["override"] = None if precision is None else str(precision)


def uses_cuda(accelerator: str = "auto", devices: int | str = "auto") -> bool:
    """Whether a trainer made with ``accelerator`` and ``devices`` trains on CUDA (True/False).

    ``"auto"`` picks CUDA whenever torch sees a CUDA device, as Lightning does; ``devices=0``
    or an accelerator other than "auto", "gpu" and "cuda" means no CUDA.
    """
    if str(accelerator) not in ("auto", "gpu", "cuda") or devices in (0, "0"):
        return False
    return bool(torch.cuda.is_available())


def choose_precision(cuda: bool) -> str:
    """The Lightning precision for a trainer: ``"bf16-mixed"`` on a CUDA device that supports
    bfloat16 (Ampere and later), ``"32-true"`` otherwise (CPU, older GPUs). Chapters get it
    through :func:`make_trainer`; :func:`use_precision` or ``make_trainer(precision=...)`` override it.
    """
    if cuda and torch.cuda.is_bf16_supported():
        return "bf16-mixed"
    return "32-true"


def enable_tf32() -> None:
    """Let float32 matrix products and convolutions on CUDA use TF32 tensor cores.

    Sets ``torch.backends.cuda.matmul.allow_tf32``, ``torch.backends.cudnn.allow_tf32`` and
    ``torch.set_float32_matmul_precision("high")``. Process-wide; :func:`make_trainer` calls
    it only when the trainer trains on CUDA, so CPU runs keep strict float32 everywhere.
    """
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.set_float32_matmul_precision("high")


def number_formats() -> dict[str, Any]:
    """The number formats of the last trainer :func:`make_trainer` made, for the run record.

    A dict ``device`` ("cpu", or "cuda:<name>"), ``precision`` (Lightning's string, e.g.
    "32-true" on CPU, "bf16-mixed" on a recent GPU), ``tf32`` (bool: TF32 matmuls enabled)
    ``float32_matmul_precision`` (torch's setting), ``cpu_threads`` (torch's intra-op threads)
    and ``mkl_cbwr`` (MKL's reproducibility mode, see :func:`seed_everything`); before any trainer, what a trainer
    made now would choose. Recorded in each chapter's ``run.json`` by
    :meth:`genomebook.chapter.Run.close`.
    """
    if _FORMATS:
        return dict(_FORMATS)
    cuda = uses_cuda()
    return _formats(cuda, _PRECISION["override"] or choose_precision(cuda), tf32=False)


def _formats(cuda: bool, precision: str, tf32: bool) -> dict[str, Any]:
    return {"device": f"cuda:{torch.cuda.get_device_name()}" if cuda else "cpu", "precision": str(precision),
            "tf32": bool(tf32), "float32_matmul_precision": torch.get_float32_matmul_precision(),
            "cpu_threads": torch.get_num_threads(), "mkl_cbwr": os.environ.get("MKL_CBWR", "")}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch (and oneDNN) for deterministic kernels.

    With MKL's conditional numerical reproducibility (set when :mod:`genomebook` is imported),
    two runs of a chapter with the same seed on the same machine give the same tables.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    # oneDNN (torch's CPU convolutions) may use atomics unless asked for deterministic kernels.
    torch.backends.mkldnn.deterministic = True


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
    accelerator: str = "auto",
    precision: str | None = None,
    **kwargs: Any,
):
    """A Lightning Trainer: CPU/GPU picked automatically, early stopping, best-checkpoint restore.

    Number formats are chosen here, once for every chapter: ``precision=None`` gives
    :func:`choose_precision` (bf16 mixed precision on a CUDA device that supports it, strict
    float32 on CPU) unless :func:`use_precision` set another; on CUDA, TF32 matmuls are also
    enabled (:func:`enable_tf32`). :func:`number_formats` returns what was chosen.

    Several GPUs: pass ``devices=-1`` (Lightning then runs DDP); no custom distributed code.
    ``progress=None`` follows :func:`show_progress` (bars unless a chapter was run with
    ``progress=False``, as the book runner does: rendered chapters get one line per epoch).
    The best checkpoint by ``monitor`` is kept, so ``trainer.test(ckpt_path="best")`` and
    :func:`fit` use the best epoch rather than the last.
    """
    quiet_lightning()
    cuda = uses_cuda(accelerator, devices)
    precision = precision or _PRECISION["override"] or choose_precision(cuda)
    if cuda:
        enable_tf32()
    _FORMATS.clear()
    _FORMATS.update(_formats(cuda, precision, tf32=cuda and torch.backends.cuda.matmul.allow_tf32))
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
        accelerator=accelerator,
        devices=devices,
        precision=precision,
        strategy=strategy,
        callbacks=callbacks,
        enable_progress_bar=progress,
        enable_model_summary=False,
        logger=False,
        default_root_dir=str(root_dir) if root_dir else None,
        deterministic="warn",
        **kwargs,
    )


def loader_options(cuda: bool | None = None, num_workers: int | None = None) -> dict[str, Any]:
    """DataLoader keyword arguments for a loader feeding a trainer: ``pin_memory``,
    ``num_workers``, ``persistent_workers``.

    ``cuda`` None: :func:`uses_cuda`. Pinned memory only on CUDA. ``num_workers`` None: 0 on
    CPU (CPU runs keep their speed and results: workers would compete for the same cores),
    up to 4 (half the CPU cores) on CUDA, where batch preparation must keep up with the card.
    Used by :mod:`genomebook.workflows.dnabert` (pre-training and fine-tuning loaders).
    """
    cuda = uses_cuda() if cuda is None else bool(cuda)
    if num_workers is None:
        num_workers = min(4, max(0, (os.cpu_count() or 1) // 2)) if cuda else 0
    num_workers = int(num_workers)
    return {"pin_memory": cuda, "num_workers": num_workers, "persistent_workers": num_workers > 0}


def epoch_loader(dataset, batch: int, *, steps_per_epoch: int | None = None, seed: int = 0,
                 collate_fn=None, shuffle: bool = True):
    """A DataLoader for a fine-tuning epoch: ``steps_per_epoch`` batches of ``batch`` rows drawn at
    random without replacement (every row once when None), seeded; ``shuffle=False`` gives the rows
    in order (validation, test). Used by :mod:`genomebook.workflows.transfer` and
    :mod:`genomebook.workflows.chromatin` (the Small-transformers II chapters)."""
    if not shuffle:
        return DataLoader(dataset, batch_size=int(batch), shuffle=False, collate_fn=collate_fn)
    n = None if steps_per_epoch is None else min(len(dataset), int(steps_per_epoch) * int(batch))
    sampler = RandomSampler(dataset, replacement=False, num_samples=n, generator=torch.Generator().manual_seed(seed))
    return DataLoader(dataset, batch_size=int(batch), collate_fn=collate_fn, sampler=sampler)


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
    """One summary line per fit when progress bars are off (the rendered pages).

    At the end of fitting it prints, e.g., ``12 epochs in 34 s: train_loss 0.69 → 0.41,
    val_loss 0.68 → 0.45 (best 0.43 at epoch 9)`` — first and last value of every logged
    metric, and the best epoch of the monitored one. The per-epoch values stay available
    through :class:`History`.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self.t0 = 0.0

    def on_fit_start(self, trainer, pl_module) -> None:
        self.rows, self.t0 = [], time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.rows.append({k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1})

    def on_fit_end(self, trainer, pl_module) -> None:
        if not self.rows:
            return
        keys = sorted({k for r in self.rows for k in r})
        parts = []
        for k in keys:
            vals = [r[k] for r in self.rows if k in r]
            parts.append(f"{k} {vals[0]:.4g} → {vals[-1]:.4g}" if len(vals) > 1 else f"{k} {vals[0]:.4g}")
        ckpt = trainer.checkpoint_callback
        monitor = getattr(ckpt, "monitor", None)
        best = ""
        if monitor and any(monitor in r for r in self.rows):
            series = [(i + 1, r[monitor]) for i, r in enumerate(self.rows) if monitor in r]
            pick = min if getattr(ckpt, "mode", "min") == "min" else max
            epoch, value = pick(series, key=lambda e: e[1])
            best = f" (best {monitor} {value:.4g} at epoch {epoch})"
        n = len(self.rows)
        print(f"{n} epoch{'s' if n != 1 else ''} in {time.perf_counter() - self.t0:.0f} s: "
              f"{', '.join(parts)}{best}", flush=True)


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
