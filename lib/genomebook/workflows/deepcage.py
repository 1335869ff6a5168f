"""The DeepCAGE workflow: what the accessibility chapters share, from data to scores with intervals.

Built on :mod:`genomebook.datasets.accessibility` (the data and its folds), the simulated world
(:func:`genomebook.simulate.accessibility_world`), the cross-cell networks and their Lightning
wrapper (:mod:`genomebook.models`), :func:`genomebook.train.fit` and the one batched inference
function :func:`genomebook.predict.predict`. Used by the chapters ``chromatin_accessibility``
and ``deepcage``:

- :func:`load_or_simulate` — the reader's folder or a simulated world, memory-mapped;
- :func:`fit_cross_cell` — train one cross-cell network on one fold;
- :func:`predict_matrix` — predictions for loci × cell types;
- :func:`celltype_scores` — a cell-type-wise metric per model, as a long table;
- :func:`nanmean`, :func:`mean_difference`, :func:`bootstrap_cells`,
  :func:`bootstrap_cells_and_loci` — statistics over test cell types with paired bootstrap intervals.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from genomebook import train
from genomebook.datasets.accessibility import AccessibilityData, DeviceArrays, DeviceLoci, LocusDataset
from genomebook.datasets.accessibility_files import is_plain_folder, read_accessibility_files
from genomebook.metrics import celltype_wise
from genomebook.models import CellTypeModel
from genomebook.predict import model_device, predict
from genomebook.simulate import accessibility_world

__all__ = ["bootstrap_cells", "bootstrap_cells_and_loci", "celltype_scores", "fit_cross_cell", "load_or_simulate",
           "mean_difference", "nanmean", "predict_matrix"]

_CLASSIFICATION_TASKS = {"classification", "classify", "binary", "clf"}
_REGRESSION_TASKS = {"regression", "regress", "reg"}


def _wants_sigmoid(model: Any, probabilities: bool | None) -> bool:
    if probabilities is not None:
        return bool(probabilities)
    hparams = getattr(model, "hparams", None)
    task = None
    if hparams is not None:
        task = hparams.get("task") if hasattr(hparams, "get") else getattr(hparams, "task", None)
    if task is None:
        return False  # a plain callable / nn.Module: outputs are returned as they are
    task = str(task).lower()
    if task in _CLASSIFICATION_TASKS:
        return True
    if task in _REGRESSION_TASKS:
        return False
    raise ValueError(f"predict_matrix: model.hparams.task={task!r} is neither classification "
                     "nor regression; pass probabilities=True (sigmoid) or False (raw).")


def predict_matrix(model: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
                   data: AccessibilityData, loci_idx: Any, cells: Any, *,
                   batch_size: int = 256, device: str | torch.device | None = None,
                   probabilities: bool | None = None, device_batches: bool | None = None,
                   arrays: DeviceArrays | None = None) -> np.ndarray:
    """Predictions for loci × cell types: float32 array (len(loci_idx), len(cells)), rows in
    the order of ``loci_idx`` and columns in the order of ``cells`` (indices into
    ``data.loci`` and ``data.cell_types``).

    ``model`` is any callable ``fn(x (B,4,L), motif (B,T), expr (K,T)) -> (B,K)``: a cross-cell
    nn.Module or a ``CellTypeModel``. It runs through :func:`genomebook.predict.predict`, in
    batches of ``batch_size`` loci read from the (possibly memory-mapped) arrays: an nn.Module
    in eval mode (its mode restored after), under no_grad, on ``device`` (default: the
    device of its parameters, where it was trained; CPU for a plain function).
    ``probabilities``: True applies a sigmoid, False returns raw outputs, None (default)
    decides from ``model.hparams.task`` (sigmoid for classification, so a CellTypeModel
    classifier gives probabilities in [0, 1]; raw for regression, i.e. predicted
    log(1 + normalised count), and for models without ``hparams.task``).
    ``device_batches``: None (default) draws the batches on the device when it is CUDA (the
    arrays are copied there once per call, or reused from ``arrays``, a
    :class:`~genomebook.datasets.accessibility.DeviceArrays` on that device); True always does
    so, False reads batches on the CPU. The same numbers either way. Used by the chapters
    ``chromatin_accessibility`` and ``deepcage`` (known and novel test loci, the browser view,
    filter influence).
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size={batch_size} must be >= 1.")
    if not callable(model):
        raise TypeError(f"predict_matrix needs a callable model(x, motif, expr); got "
                        f"{type(model).__name__}.")
    sigmoid = _wants_sigmoid(model, probabilities)
    ds = LocusDataset(data, loci_idx, cells, "labels")  # y unused; labels is the small array
    n_cells = len(ds.cells)
    dev = torch.device(device) if device is not None else model_device(model)
    on_device = dev.type == "cuda" if device_batches is None else bool(device_batches)

    if on_device and len(ds):
        if arrays is None or arrays.device != dev:
            arrays = DeviceArrays(data, dev, targets=("labels",))
        served = DeviceLoci(arrays, ds.loci, ds.cells, "labels")

        def inputs(rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            b = served.batch(torch.from_numpy(np.ascontiguousarray(rows, dtype=np.int64)).to(dev))
            return b["x"], b["motif"], b["expr"]
    else:
        def inputs(rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            b = ds.collate(ds.__getitems__(rows))
            return b["x"], b["motif"], b["expr"]

    def output(pred: Any) -> torch.Tensor:
        if isinstance(pred, (tuple, list)):
            pred = pred[0]
        if pred.ndim != 2 or pred.shape[1] != n_cells:
            raise ValueError(f"predict_matrix: the model returned shape {tuple(pred.shape)} for a batch "
                             f"of loci × {n_cells} cell types; it must return (B, K) = one value per "
                             "locus and cell type.")
        return torch.sigmoid(pred) if sigmoid else pred

    if len(ds) == 0:
        return np.zeros((0, n_cells), dtype=np.float32)
    out = predict(model, np.arange(len(ds)), batch_size=int(batch_size), device=device, transform=output,
                  batch_fn=inputs)
    if out.shape != (len(ds), n_cells):
        raise ValueError(f"predict_matrix: the model returned {out.shape[0]} rows for {len(ds)} loci; it "
                         "must return (B, K) = one value per locus and cell type.")
    return out.astype(np.float32, copy=False)


# --------------------------------------------------------------------------- chapters


def load_or_simulate(sizes: dict[str, Any], *, data_dir: str | os.PathLike | None, expression_source: str,
                     motif_source: str, seed: int, folder: str | os.PathLike, window: int | None = None,
                     need_signal: bool = False) -> tuple[AccessibilityData, Any, str]:
    """The accessibility chapters' data: ``(data, world, source)``.

    With ``data_dir`` the reader's folder is read (``world`` is None, source ``"user files"``):
    a folder written by :meth:`AccessibilityData.save` is read memory-mapped as it is; a folder
    of plain files (no ``.npy``; :func:`genomebook.datasets.accessibility_files.is_plain_folder`)
    is read by :func:`~genomebook.datasets.accessibility_files.read_accessibility_files` (motif
    scores from ``motif_source``, ``window`` bp around each locus when it gives ``genome.fa``;
    ``need_signal``: counts or signal are required), written to ``folder`` and read back
    memory-mapped (its ``meta`` says how it was read). Otherwise a simulated world
    (:class:`~genomebook.simulate.AccessibilityWorld`) of the profile's ``sizes`` (keys
    ``n_loci``, ``n_cells``, ``seq_len`` in bp, ``n_tfs``, ``n_drivers``) is built, written to
    ``folder`` and read back memory-mapped (source ``"simulated"``), so training streams loci
    from disk as it must at the paper's scale (and the folder can be reused as ``data_dir``).
    Used by the chapters ``chromatin_accessibility`` and ``deepcage``.
    """
    if data_dir is not None:
        if is_plain_folder(data_dir):
            data = read_accessibility_files(data_dir, motif_source=motif_source, window=window,
                                            need_signal=need_signal)
            return AccessibilityData.load(data.save(folder), mmap=True), None, "user files"
        return AccessibilityData.load(data_dir), None, "user files"
    world = accessibility_world(n_loci=sizes["n_loci"], n_cells=sizes["n_cells"], seq_len=sizes["seq_len"],
                                n_tfs=sizes["n_tfs"], n_drivers=sizes["n_drivers"],
                                expression_source=expression_source, motif_source=motif_source, seed=seed)
    return AccessibilityData.load(world.data.save(folder), mmap=True), world, "simulated"


# --------------------------------------------------------------------------- training and scoring


def fit_cross_cell(net: nn.Module, datamodule: Any, *, task: str, epochs: int, patience: int | None,
                   lr: float = 1e-3, seed: int = 0, callbacks: Sequence[Any] = (),
                   **trainer_kwargs: Any) -> tuple[Any, pd.DataFrame]:
    """Train a cross-cell network on ``datamodule`` (known loci × training cell types).

    ``net`` is a cross-cell network ``(x (B,4,L), motif (B,T), expr (K,T)) -> (B,K)`` (e.g. from
    :func:`genomebook.models.cross_cell_model`); ``datamodule`` an
    :class:`~genomebook.datasets.accessibility.AccessibilityDataModule`; ``task``
    "classification" (labels) or "regression" (signal). Returns the ``CellTypeModel`` at its
    best epoch (lowest validation loss on the held-out training cell types; training loss when
    there are no validation cells), in eval mode, and its learning curves (a DataFrame, one row
    per epoch: ``epoch`` and the logged losses). ``seed`` is applied just before training, so a
    model's result does not depend on which models ran before it. ``callbacks`` and
    ``trainer_kwargs`` (e.g. ``max_steps``, ``precision``) go to :func:`genomebook.train.fit`
    (``bench/bench_gpu.py`` meters throughput this way). On one CUDA device the datamodule
    serves batches drawn on the device (``AccessibilityDataModule(device_batches=...)``) and
    the trainer trains in bf16 mixed precision with TF32 (:func:`genomebook.train.make_trainer`).
    Used by the chapters ``chromatin_accessibility`` and ``deepcage``.
    """
    train.seed_everything(seed)
    module = CellTypeModel(net, task=task, lr=lr)
    history = train.History()
    has_val = len(getattr(datamodule, "val_cells", [])) > 0
    train.fit(module, datamodule=datamodule, max_epochs=epochs, patience=patience if has_val else None,
              monitor="val_loss" if has_val else "train_loss", callbacks=[history, *callbacks], **trainer_kwargs)
    return module, history.frame()


def celltype_scores(y: np.ndarray, predictions: dict[str, np.ndarray], metric: str,
                    cell_types: Sequence[str]) -> pd.DataFrame:
    """Long table (model, cell_type, value) of a cell-type-wise metric for each model's predictions.

    y : (L, K) truth of L loci in K cell types; predictions : model name -> (L, K);
    ``metric`` a name :func:`genomebook.metrics.celltype_wise` knows ("auprc", "pearson", ...);
    ``cell_types`` the K names. Returns len(predictions) × K rows, NaN where the metric is
    undefined in a cell type. Used by the chapters ``chromatin_accessibility`` (auPR per test
    cell type) and ``deepcage`` (auPR, Pearson's r).
    """
    rows = []
    for name, p in predictions.items():
        values = celltype_wise(y, p, metric)
        rows += [{"model": name, "cell_type": c, "value": float(v)} for c, v in zip(cell_types, values)]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- uncertainty and leakage


def nanmean(x: Any, axis: int = -1) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN; NaN (no warning) where every value is NaN (e.g. a
    statistic over cell types for :func:`bootstrap_cells`: arrays (B, K) -> (B,) float64).
    Used by :func:`mean_difference` and the ``deepcage`` chapter's statistics."""
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    n = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(ok, x, 0.0).sum(axis=axis) / np.maximum(n, 1), np.nan)


def mean_difference(a: str, b: str) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """Statistic for :func:`bootstrap_cells`: mean over cell types of ``values[a] - values[b]``
    (paired per cell type; cell types where either is NaN are left out), a function of a dict
    of (B, K) arrays returning (B,). Used by the chapters ``chromatin_accessibility`` and
    ``deepcage``.

    Examples
    --------
    >>> stat = mean_difference("a", "b")
    >>> stat({"a": np.array([[0.6, 0.8, np.nan]]), "b": np.array([[0.5, 0.5, 0.1]])})
    array([0.2])
    """
    return lambda v: nanmean(v[a] - v[b])


def _interval_of(dist: np.ndarray, level: float) -> tuple[float, float]:
    dist = np.asarray(dist, dtype=float)
    dist = dist[~np.isnan(dist)]
    if dist.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(dist, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(lo), float(hi)


def bootstrap_cells(per_cell: dict[str, Any], statistic: Callable[[dict[str, np.ndarray]], np.ndarray], *,
                    n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """A statistic of per-test-cell-type values with a bootstrap interval over cell types, paired.

    per_cell : name -> (K,) values of the same K test cell types (e.g. each model's
        cell-type-wise auPR); NaN marks a cell type where the value is undefined.
    statistic : dict of name -> (B, K) arrays -> (B,) values, e.g. :func:`mean_difference`;
        it is applied to the observed values (B = 1) and to ``n_boot`` resamples of the cell
        types, the same resampled cell types for every name (a paired bootstrap).

    Returns dict ``value``, ``ci_low``, ``ci_high`` (percentile interval at ``level``) and
    ``n`` (K, the cell types resampled). Used by the chapters ``chromatin_accessibility`` and
    ``deepcage`` (claims over known loci and over regression scores).
    """
    vals = {k: np.asarray(v, dtype=float).ravel() for k, v in per_cell.items()}
    sizes = {v.size for v in vals.values()}
    if len(sizes) != 1:
        raise ValueError(f"bootstrap_cells: per-cell arrays differ in length: "
                         f"{ {k: v.size for k, v in vals.items()} }; pass the same test cell types for each.")
    k = sizes.pop()
    value = float(np.asarray(statistic({n: v[None, :] for n, v in vals.items()})).ravel()[0])
    if k == 0 or n_boot < 1:
        return {"value": value, "ci_low": float("nan"), "ci_high": float("nan"), "n": k}
    idx = np.random.default_rng(seed).integers(0, k, size=(int(n_boot), k))
    lo, hi = _interval_of(statistic({n: v[idx] for n, v in vals.items()}), level)
    return {"value": value, "ci_low": lo, "ci_high": hi, "n": k}


def bootstrap_cells_and_loci(y: np.ndarray, predictions: dict[str, np.ndarray], metric: str,
                             statistic: Callable[[dict[str, np.ndarray]], np.ndarray], *, n_boot: int = 1000,
                             seed: int = 0, level: float = 0.95, chunk: int = 50) -> dict[str, float]:
    """Like :func:`bootstrap_cells`, but each resample also redraws the loci (a two-way bootstrap).

    y, predictions[name] : (L, K) truth and each model's predictions on the same L loci and K
        test cell types. Each of ``n_boot`` resamples draws L loci and K cell types with
        replacement, computes the cell-type-wise ``metric`` of every model on the resampled
        loci (:func:`genomebook.metrics.celltype_wise`) and applies ``statistic`` to the
        resampled cell types, the same draws for every model (paired). Use it where the loci
        are few (novel loci): a bootstrap over cell types alone would treat them as fixed.

    Returns dict ``value``, ``ci_low``, ``ci_high``, ``n`` (L, the loci) and ``n_cells`` (K).
    Used by the chapters ``chromatin_accessibility`` and ``deepcage`` (claims over novel loci).
    """
    y = np.asarray(y)
    preds = {name: np.asarray(p) for name, p in predictions.items()}
    n_loci, n_cells = y.shape
    point = {name: celltype_wise(y, p, metric) for name, p in preds.items()}
    value = float(np.asarray(statistic({n: v[None, :] for n, v in point.items()})).ravel()[0])
    if n_loci == 0 or n_boot < 1:
        return {"value": value, "ci_low": float("nan"), "ci_high": float("nan"), "n": n_loci,
                "n_cells": n_cells}
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n_loci, size=(int(n_boot), n_loci))
    cols = rng.integers(0, n_cells, size=(int(n_boot), n_cells))
    stats = []
    for s in range(0, int(n_boot), int(chunk)):
        r = rows[s:s + int(chunk)]  # (b, L)
        b = len(r)
        # loci resampled per replicate, replicates side by side as columns: (L, b*K)
        y_b = y[r].transpose(1, 0, 2).reshape(n_loci, b * n_cells)
        per = {}
        for name, p in preds.items():
            p_b = p[r].transpose(1, 0, 2).reshape(n_loci, b * n_cells)
            m = celltype_wise(y_b, p_b, metric).reshape(b, n_cells)
            per[name] = np.take_along_axis(m, cols[s:s + b], axis=1)
        stats.append(np.asarray(statistic(per)))
    lo, hi = _interval_of(np.concatenate(stats), level)
    return {"value": value, "ci_low": lo, "ci_high": hi, "n": n_loci, "n_cells": n_cells}


