"""Chromatin accessibility across cell types (DeepCAGE): the data, its Dataset, DataModule and folds.

The data of a cross-cell-type accessibility task is a set of genomic loci (200 bp bins with a
sequence window around each), a set of cell types with TF expression profiles, and a loci ×
cell-types matrix of labels (peak or not) and signal (normalised log counts).
:class:`AccessibilityData` holds it as plain arrays that may be memory-mapped from disk, so
the paper's scale (about 1.4 M loci × 55 cell types) never needs the cross product in RAM.

Also here: cross-validation over cell types (:func:`cell_type_folds`), the paper's 'known' and
'novel' loci of a fold (:func:`known_novel_loci`), a lazy :class:`LocusDataset` of loci × cell
types and the :class:`AccessibilityDataModule` that serves one fold to Lightning, and the
helpers of the leakage card (:func:`locus_sequences`, :func:`window_overlaps`). Simulated
worlds (:mod:`genomebook.simulate.accessibility`) build an :class:`AccessibilityData`; training
and scoring live in :mod:`genomebook.workflows.deepcage`. Used by the chapters
``chromatin_accessibility`` and ``deepcage``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

__all__ = ["AccessibilityData", "AccessibilityDataModule", "DeviceArrays", "DeviceLoci", "LocusBatch", "LocusDataset",
           "cell_type_folds",
           "known_novel_loci", "locus_sequences", "one_hot_codes", "window_overlaps"]

_ARRAYS = ("codes", "motif_scores", "expression", "labels", "signal")
_DTYPES = {"codes": np.uint8, "motif_scores": np.float32, "expression": np.float32,
           "labels": np.int8, "signal": np.float32}


@dataclass
class AccessibilityData:
    """Loci × cell types, as arrays (NumPy or memory-mapped).

    codes : (n_loci, seq_len) uint8 base codes A0 C1 G2 T3, N4 (``seq.BASE_CODE``), the
        sequence window centred on each bin (1000 bp in the paper).
    motif_scores : (n_loci, n_tfs) float32, best motif score of each TF in the window.
    expression : (n_cells, n_tfs) float32, log(TPM + 1), quantile normalised.
    labels : (n_loci, n_cells) int8, 1 = peak in at least half of the replicates.
    signal : (n_loci, n_cells) float32, log(1 + depth-normalised read count).
    loci : DataFrame with chrom, start, end of each bin (0-based, half-open).
    tfs, cell_types : names of the columns of ``expression`` / ``motif_scores`` and of the
        cell axis.

    Built by :func:`genomebook.simulate.accessibility_world` or by a reader's own code (see
    ``book/how-to-use.md``), saved with :meth:`save` and read back with :meth:`load`; the
    ``data_dir`` of the chapters ``chromatin_accessibility`` and ``deepcage``.
    """

    codes: np.ndarray
    motif_scores: np.ndarray
    expression: np.ndarray
    labels: np.ndarray
    signal: np.ndarray
    loci: pd.DataFrame
    tfs: list[str]
    cell_types: list[str]
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tfs, self.cell_types = list(self.tfs), list(self.cell_types)
        n_loci, n_cells, n_tfs = len(self.loci), len(self.cell_types), len(self.tfs)
        want = {"codes": (n_loci, None), "motif_scores": (n_loci, n_tfs),
                "expression": (n_cells, n_tfs), "labels": (n_loci, n_cells),
                "signal": (n_loci, n_cells)}
        for name, shape in want.items():
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[0] != shape[0] or (shape[1] is not None and arr.shape[1] != shape[1]):
                raise ValueError(
                    f"AccessibilityData.{name} has shape {arr.shape}; expected "
                    f"({shape[0]}, {shape[1] if shape[1] is not None else 'seq_len'}) for "
                    f"{n_loci} loci, {n_cells} cell types and {n_tfs} TFs.")
        missing = {"chrom", "start", "end"} - set(self.loci.columns)
        if missing:
            raise ValueError(f"AccessibilityData.loci needs columns chrom, start, end; missing "
                             f"{', '.join(sorted(missing))}.")

    @property
    def n_loci(self) -> int:
        return len(self.loci)

    @property
    def n_cells(self) -> int:
        return len(self.cell_types)

    @property
    def n_tfs(self) -> int:
        return len(self.tfs)

    @property
    def seq_len(self) -> int:
        return int(self.codes.shape[1])

    def describe(self, source: str) -> pd.DataFrame:
        """Data-card rows (field, value) for data without a simulated world, e.g. a reader's folder."""
        return pd.DataFrame({"field": ["source", "loci", "cell types", "TFs", "window (bp)"],
                             "value": [str(source), f"{self.n_loci:,}", str(self.n_cells), str(self.n_tfs),
                                       str(self.seq_len)]})

    def save(self, directory: str | os.PathLike) -> Path:
        """Write one ``.npy`` per array, ``loci.csv`` and ``meta.json`` into ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(d / f"{name}.npy", np.asarray(getattr(self, name), dtype=_DTYPES[name]))
        self.loci.to_csv(d / "loci.csv", index=False)
        (d / "meta.json").write_text(json.dumps(
            {"tfs": self.tfs, "cell_types": self.cell_types, "meta": self.meta}, indent=1, default=str))
        return d

    @classmethod
    def load(cls, directory: str | os.PathLike, *, mmap: bool = True) -> AccessibilityData:
        """Read a folder written by :meth:`save`; arrays are memory-mapped (read-only) by default."""
        d = Path(directory)
        need = [f"{n}.npy" for n in _ARRAYS] + ["loci.csv", "meta.json"]
        absent = [n for n in need if not (d / n).exists()]
        if absent:
            raise FileNotFoundError(
                f"{d}: not an accessibility data folder (missing {', '.join(absent)}); "
                "write one with AccessibilityData.save(folder).")
        info = json.loads((d / "meta.json").read_text())
        arrays = {n: np.load(d / f"{n}.npy", mmap_mode="r" if mmap else None) for n in _ARRAYS}
        loci = pd.read_csv(d / "loci.csv", dtype={"chrom": str})
        return cls(**arrays, loci=loci, tfs=info["tfs"], cell_types=info["cell_types"],
                   meta=info.get("meta", {}))


# =========================================================================== cross-validation
# Everything below streams from the (possibly memory-mapped) arrays of AccessibilityData: a
# batch is a set of loci read with one fancy-index per array, with all the cell types of the
# stage as the second axis of y. The (locus, cell type) cross product is never built.

_TARGETS = ("labels", "signal")
_CHUNK_ROWS = 1 << 16  # rows of labels read at a time by known_novel_loci


def _index_array(idx: Any, n: int, what: str, *, allow_empty: bool = True) -> np.ndarray:
    """``idx`` as a 1-D int64 array of indices in ``[0, n)``; a boolean mask of length n is
    turned into the indices where it is True. Raises ValueError naming ``what``."""
    a = np.asarray(idx)
    if a.dtype == bool:
        if a.shape != (n,):
            raise ValueError(f"{what} is a boolean mask of shape {a.shape}; a mask needs shape "
                             f"({n},), or pass integer indices.")
        a = np.flatnonzero(a)
    if a.ndim != 1:
        raise ValueError(f"{what} must be a 1-D array of indices; got shape {a.shape}.")
    if a.size == 0:
        if not allow_empty:
            raise ValueError(f"{what} is empty; pass at least one index.")
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{what} must hold integer indices; got dtype {a.dtype}. "
                         "Convert with np.asarray(idx, dtype=int).")
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= n:
        raise ValueError(f"{what} has indices in [{lo}, {hi}] but must lie in [0, {n - 1}] "
                         f"({n} in all).")
    return a.astype(np.int64, copy=False)


def cell_type_folds(n_cells: int, n_folds: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """K-fold split of cell types: a list of ``(train_idx, test_idx)``, one per fold.

    The test sets partition ``range(n_cells)`` (sizes differ by at most one: 55 cells, 5
    folds -> 11 test cells per fold), in an order shuffled by ``seed``; both arrays are
    sorted int64. As DeepCAGE: train on 44 cell types, test on the 11 held out. Used by the
    chapters ``chromatin_accessibility`` and ``deepcage`` (``fold`` picks one of the 5).

    Examples
    --------
    >>> folds = cell_type_folds(55, 5, seed=0)
    >>> [(len(train), len(test)) for train, test in folds][:2]
    [(44, 11), (44, 11)]
    >>> sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(55))
    True
    """
    if int(n_folds) < 2:
        raise ValueError(f"n_folds={n_folds}: cross-validation needs at least 2 folds.")
    if int(n_cells) < int(n_folds):
        raise ValueError(f"n_cells={n_cells} is fewer than n_folds={n_folds}: every fold needs "
                         "at least one test cell type; lower n_folds.")
    perm = np.random.default_rng(seed).permutation(int(n_cells))
    everything = np.arange(int(n_cells))
    folds = []
    for part in np.array_split(perm, int(n_folds)):
        test = np.sort(part).astype(np.int64)
        train = np.setdiff1d(everything, test).astype(np.int64)
        folds.append((train, test))
    return folds


def known_novel_loci(labels: np.ndarray, train_cells: Any, test_cells: Any,
                     min_positive: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """'Known' and 'novel' loci of a fold, as two boolean masks of shape (n_loci,).

    labels : (n_loci, n_cells) with positives > 0 (NumPy or memory-mapped; read in chunks of
        rows, so only a chunk is ever in RAM).
    known = positive in >= ``min_positive`` of ``train_cells``; novel = positive in >=
    ``min_positive`` of ``test_cells`` and not known (DeepCAGE: bins do not overlap, so 'does
    not overlap a known locus' is 'is not known'). The two masks are disjoint. The chapters
    read them from :class:`AccessibilityDataModule` (``known_idx``, ``novel_idx``).
    """
    if getattr(labels, "ndim", None) != 2:
        raise ValueError(f"labels must be a 2-D (n_loci, n_cells) array; got shape "
                         f"{getattr(labels, 'shape', None)}.")
    n_loci, n_cells = labels.shape
    train = _index_array(train_cells, n_cells, "train_cells", allow_empty=False)
    test = _index_array(test_cells, n_cells, "test_cells")
    shared = np.intersect1d(train, test)
    if shared.size:
        raise ValueError(f"train_cells and test_cells share cell types {shared.tolist()}; pass "
                         "disjoint sets, e.g. from cell_type_folds(n_cells).")
    if int(min_positive) < 1:
        raise ValueError(f"min_positive={min_positive} must be >= 1 (the paper uses 2).")
    known = np.zeros(n_loci, dtype=bool)
    novel = np.zeros(n_loci, dtype=bool)
    for s in range(0, n_loci, _CHUNK_ROWS):
        chunk = np.asarray(labels[s:s + _CHUNK_ROWS])
        k = (chunk[:, train] > 0).sum(1) >= min_positive
        known[s:s + len(chunk)] = k
        if test.size:
            novel[s:s + len(chunk)] = ((chunk[:, test] > 0).sum(1) >= min_positive) & ~k
    return known, novel


def one_hot_codes(codes: Any) -> torch.Tensor:
    """Base codes (B, L) uint8 (A0 C1 G2 T3, N4) -> float32 one-hot tensor (B, 4, L).

    Code 4 (N) gives an all-zero column; any other code outside 0..4 is an error. Used by
    :meth:`LocusDataset.collate` and by the ``deepcage`` chapter (first-layer filters, Fig 5).

    Examples
    --------
    >>> one_hot_codes(np.array([[0, 3, 4]], dtype=np.uint8))[0]
    tensor([[1., 0., 0.],
            [0., 0., 0.],
            [0., 0., 0.],
            [0., 1., 0.]])
    """
    t = codes if isinstance(codes, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(codes))
    if t.ndim != 2:
        raise ValueError(f"one_hot_codes needs codes of shape (B, L); got {tuple(t.shape)}. "
                         "Add a batch axis with codes[None] for a single sequence.")
    if t.is_floating_point() or t.dtype == torch.bool:
        raise ValueError(f"one_hot_codes needs integer base codes (uint8); got {t.dtype}.")
    if t.numel() and int(t.max()) > 4:
        raise ValueError(f"one_hot_codes: codes hold {int(t.max())}; valid codes are A0 C1 G2 T3 "
                         "N4 (see genomebook.seq.BASE_CODE).")
    return _one_hot(t)


def _one_hot(t: torch.Tensor) -> torch.Tensor:
    """(B, L) integer codes already checked to lie in 0..4 -> (B, 4, L) float32, on t's device."""
    channels = torch.arange(4, dtype=t.dtype, device=t.device).view(1, 4, 1)
    return (t.unsqueeze(1) == channels).to(torch.float32)


class LocusBatch(NamedTuple):
    """Rows read for a batch of loci: codes (B, L) uint8, motif (B, T) and y (B, K) float32."""

    codes: np.ndarray
    motif: np.ndarray
    y: np.ndarray


def _reopenable(arr: np.ndarray) -> dict | None:
    """How to reopen a top-level read-only np.memmap (None for anything else)."""
    if (isinstance(arr, np.memmap) and getattr(arr, "filename", None)
            and not isinstance(arr.base, np.ndarray) and arr.mode == "r"):
        return {"filename": arr.filename, "dtype": arr.dtype, "shape": arr.shape,
                "offset": arr.offset, "order": "C" if arr.flags.c_contiguous else "F"}
    return None


class LocusDataset(Dataset):
    """Loci of an :class:`AccessibilityData` × a fixed set of cell types, read lazily.

    Item ``i`` is ``(codes (L,) uint8, motif (T,) float32, y (K,) float32)`` of locus
    ``loci[i]``, with y the ``target`` ("labels" or "signal") over ``cells`` in that order;
    ``len`` is the number of loci. ``__getitems__`` reads a whole batch with one sorted
    fancy-index per array (what DataLoader calls when it exists), and :meth:`collate` makes
    the model's batch dict ``{x (B,4,L), motif (B,T), expr (K,T), y (B,K)}``; pass it as
    ``DataLoader(ds, collate_fn=ds.collate)``. Memory-mapped arrays stay memory-mapped, also
    when the dataset is pickled into DataLoader workers (they are reopened from their files).
    """

    def __init__(self, data: AccessibilityData, loci: Any, cells: Any,
                 target: str = "labels") -> None:
        if target not in _TARGETS:
            raise ValueError(f"target={target!r}; use 'labels' (classification) or 'signal' "
                             "(regression).")
        self.target = target
        self.loci = _index_array(loci, data.n_loci, "loci")
        self.cells = _index_array(cells, data.n_cells, "cells", allow_empty=False)
        self.codes = data.codes
        self.motif_scores = data.motif_scores
        self.values = getattr(data, target)
        self.expr = torch.as_tensor(np.asarray(data.expression[self.cells], dtype=np.float32))

    def __len__(self) -> int:
        return len(self.loci)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r = int(self.loci[i])
        return (np.asarray(self.codes[r]),
                np.asarray(self.motif_scores[r], dtype=np.float32),
                np.asarray(self.values[r], dtype=np.float32)[self.cells])

    def __getitems__(self, indices: Sequence[int]) -> LocusBatch:
        """Rows of dataset items ``indices`` in their order: one sorted read per array."""
        rows = self.loci[np.asarray(indices, dtype=np.int64)]
        uniq, inv = np.unique(rows, return_inverse=True)  # sorted: sequential reads on disk
        codes = np.asarray(self.codes[uniq])[inv]
        motif = np.asarray(self.motif_scores[uniq], dtype=np.float32)[inv]
        y = np.asarray(self.values[uniq], dtype=np.float32)[:, self.cells][inv]
        return LocusBatch(codes, motif, y)

    def collate(self, items: LocusBatch | Sequence[tuple]) -> dict[str, torch.Tensor]:
        """A batch (from ``__getitems__``, or a list of items) -> {x (B,4,L) float one-hot,
        motif (B,T), expr (K,T) of this dataset's cells, y (B,K) float32}."""
        if isinstance(items, LocusBatch):
            codes, motif, y = items
        else:
            if len(items) == 0:
                raise ValueError("LocusDataset.collate got an empty batch.")
            codes, motif, y = (np.stack(col) for col in zip(*items))
        return {"x": one_hot_codes(codes),
                "motif": torch.from_numpy(np.ascontiguousarray(motif, dtype=np.float32)),
                "expr": self.expr,
                "y": torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))}

    # Pickling (DataLoader workers under spawn/forkserver): a memmap would be pickled as its
    # full contents; keep the file reference instead and map it again on the other side.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for name in ("codes", "motif_scores", "values"):
            how = _reopenable(state[name])
            if how is not None:
                state[name] = ("__memmap__", how)
        return state

    def __setstate__(self, state: dict) -> None:
        for name in ("codes", "motif_scores", "values"):
            v = state[name]
            if isinstance(v, tuple) and len(v) == 2 and v[0] == "__memmap__":
                state[name] = np.memmap(mode="r", **v[1])
        self.__dict__.update(state)


# =========================================================================== device-resident batches
# On an accelerator the DataLoader path (read rows on the CPU, one-hot there, copy each batch)
# cannot keep up with the network. The arrays of a fold fit in GPU memory (paper scale: 200k x
# 1000 bp codes = 200 MB as uint8), so they are copied once and batches are drawn by index on
# the device, one-hot included. The order of loci is drawn exactly as DataLoader draws it
# (same sampler, same generator), so both paths give the same batches.


class DeviceArrays:
    """The arrays of an :class:`AccessibilityData` copied once to ``device`` as tensors.

    ``codes`` (n_loci, L) uint8, ``motif_scores`` (n_loci, T) float32, ``expression``
    (n_cells, T) float32 and the ``targets`` asked for ("labels" and/or "signal", (n_loci,
    n_cells) float32, the values :class:`LocusDataset` gives). Memory-mapped arrays are copied
    in chunks of rows, so the host never holds more than a chunk beyond the array itself.
    Codes are checked once here (0..4), not per batch. Used by :class:`DeviceLoci`.
    """

    def __init__(self, data: AccessibilityData, device: str | torch.device,
                 targets: Sequence[str] = _TARGETS) -> None:
        self.device = torch.device(device)
        for t in targets:
            if t not in _TARGETS:
                raise ValueError(f"target={t!r}; use 'labels' or 'signal'.")
        self.codes = self._upload(data.codes, np.uint8, check_codes=True)
        self.motif_scores = self._upload(data.motif_scores, np.float32)
        self.expression = self._upload(data.expression, np.float32)
        self.values = {t: self._upload(getattr(data, t), np.float32) for t in targets}

    def _upload(self, arr: np.ndarray, dtype: type, check_codes: bool = False) -> torch.Tensor:
        out = torch.empty(tuple(arr.shape), dtype=torch.from_numpy(np.zeros(0, dtype)).dtype, device=self.device)
        for s in range(0, arr.shape[0], _CHUNK_ROWS):
            chunk = np.asarray(arr[s:s + _CHUNK_ROWS])
            if check_codes and chunk.size and (int(chunk.min()) < 0 or int(chunk.max()) > 4):
                raise ValueError(f"codes hold values in [{int(chunk.min())}, {int(chunk.max())}]; valid "
                                 "codes are A0 C1 G2 T3 N4 (see genomebook.seq.BASE_CODE).")
            out[s:s + len(chunk)].copy_(torch.from_numpy(np.require(chunk, dtype, ["C", "W"])))
        return out


class DeviceLoci:
    """Batches of loci × cell types drawn by index from :class:`DeviceArrays` (one-hot on the device).

    An iterable of batch dicts ``{x (B,4,L) float32 one-hot, motif (B,T), expr (K,T), y (B,K)}``
    on ``arrays.device``, like ``DataLoader(LocusDataset(...), batch_size, shuffle, generator,
    collate_fn=ds.collate)``, with the same tensors in the same order for the same generator
    (the same sampler draws the order; checked by ``tests/test_device_batches.py``);
    ``len`` is the number of batches. What :class:`AccessibilityDataModule` serves when it
    trains on CUDA (``device_batches``).
    """

    def __init__(self, arrays: DeviceArrays, loci: Any, cells: Any, target: str = "labels", *,
                 batch_size: int = 64, shuffle: bool = False, generator: torch.Generator | None = None) -> None:
        if target not in arrays.values:
            raise ValueError(f"target={target!r} was not copied to the device; DeviceArrays holds "
                             f"{', '.join(arrays.values)}.")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size={batch_size} must be >= 1.")
        n_loci, n_cells = arrays.values[target].shape
        self.arrays, self.target = arrays, target
        self.loci = _index_array(loci, n_loci, "loci")
        self.cells = _index_array(cells, n_cells, "cells", allow_empty=False)
        dev = arrays.device
        self._loci = torch.from_numpy(self.loci).to(dev)
        self._cells = torch.from_numpy(self.cells).to(dev)
        self.expr = arrays.expression.index_select(0, self._cells)
        self.generator = generator
        order = RandomSampler(range(len(self.loci)), generator=generator) if shuffle else SequentialSampler(
            range(len(self.loci)))
        self.batch_sampler = BatchSampler(order, int(batch_size), drop_last=False)

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def batch(self, positions: torch.Tensor) -> dict[str, torch.Tensor]:
        """The batch dict of the items at ``positions`` (1-D int64 tensor on the device)."""
        rows = self._loci.index_select(0, positions)
        a = self.arrays
        return {"x": _one_hot(a.codes.index_select(0, rows)),
                "motif": a.motif_scores.index_select(0, rows),
                "expr": self.expr,
                "y": a.values[self.target].index_select(0, rows).index_select(1, self._cells)}

    def __iter__(self):
        # DataLoader draws a base seed for its workers before the sampler runs, from its
        # generator (or torch's global one without); draw it too, so later epochs get the same
        # order and the global random stream (dropout) stays where the DataLoader leaves it.
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        batches = list(self.batch_sampler)
        if not batches:
            return
        sizes = [len(b) for b in batches]
        order = torch.as_tensor([i for b in batches for i in b], dtype=torch.int64).to(self.arrays.device)
        for positions in torch.split(order, sizes):
            yield self.batch(positions)


class AccessibilityDataModule(L.LightningDataModule):
    """One cross-validation fold of DeepCAGE as a LightningDataModule.

    From ``train_cells``/``test_cells`` (e.g. from :func:`cell_type_folds`) it defines
    known/novel loci with :func:`known_novel_loci` (on labels), holds ``n_val_cells`` of the
    training cell types out for validation (an int, or a fraction in (0, 1); chosen by
    ``seed``), and serves batches of loci × all cell types of a stage:

    - train: known loci × ``fit_cells`` (training cells minus validation cells), reshuffled
      each epoch by a generator seeded with ``seed``; ``max_train_loci`` takes a seeded
      subsample of the known loci.
    - val: known loci × ``val_cells`` (a seeded subsample of ``max_val_loci`` loci when more).
    - test: ``[known loci × test_cells, novel loci × test_cells]`` (dataloader_idx 0 and 1),
      in locus order; also :meth:`test_known_dataloader` / :meth:`test_novel_dataloader`.

    Attributes: ``known``, ``novel`` (masks over all loci), ``known_idx``, ``novel_idx``,
    ``train_idx`` and ``val_idx`` (locus indices served), ``fit_cells``, ``val_cells``,
    ``test_cells`` (sorted cell indices). :meth:`loader` builds a loader for any loci × cells.
    Used by the chapters ``chromatin_accessibility`` (one fold, labels) and ``deepcage`` (one
    fold, labels and signal).

    Feeding an accelerator: ``device_batches`` None (default) copies the arrays to the device
    once and draws train and validation batches there (:class:`DeviceLoci`, the same batches
    as the DataLoaders) when the attached trainer trains on one CUDA device; True does so on
    whatever device the trainer (or, without one, ``device``) uses; False always uses
    DataLoaders. The device copy is kept for later fits (the chapters fit several models on one
    module); :meth:`free_device` drops it. DataLoaders pin memory when the trainer is on CUDA; ``num_workers`` (default
    0) sets their worker processes.
    """

    def __init__(self, data: AccessibilityData, train_cells: Any, test_cells: Any, *,
                 target: str = "labels", n_val_cells: int | float = 4,
                 known_min_positive: int = 2, batch_size: int = 64, seed: int = 0,
                 max_train_loci: int | None = None, max_val_loci: int | None = 50_000,
                 num_workers: int = 0, device_batches: bool | None = None,
                 device: str | torch.device = "cpu") -> None:
        super().__init__()
        if target not in _TARGETS:
            raise ValueError(f"target={target!r}; use 'labels' (classification) or 'signal' "
                             "(regression).")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size={batch_size} must be >= 1.")
        self.data, self.target = data, target
        self.batch_size, self.seed, self.num_workers = int(batch_size), int(seed), int(num_workers)
        self.device_batches, self.device = device_batches, torch.device(device)
        self._device_arrays: DeviceArrays | None = None
        train = np.unique(_index_array(train_cells, data.n_cells, "train_cells", allow_empty=False))
        self.test_cells = np.unique(_index_array(test_cells, data.n_cells, "test_cells",
                                                 allow_empty=False))
        self.known, self.novel = known_novel_loci(data.labels, train, self.test_cells,
                                                  known_min_positive)
        self.known_idx = np.flatnonzero(self.known)
        self.novel_idx = np.flatnonzero(self.novel)
        if self.known_idx.size == 0:
            raise ValueError(f"no known loci: no locus is positive in >= {known_min_positive} "
                             f"of the {train.size} training cell types; lower known_min_positive "
                             "or check the labels.")

        rng = np.random.default_rng(self.seed)
        n_val = self._n_val(n_val_cells, train.size)
        self.val_cells = np.sort(rng.choice(train, size=n_val, replace=False)).astype(np.int64)
        self.fit_cells = np.setdiff1d(train, self.val_cells).astype(np.int64)
        self.train_idx = self._subsample(self.known_idx, max_train_loci, rng, "max_train_loci")
        self.val_idx = self._subsample(self.known_idx, max_val_loci, rng, "max_val_loci")

    @staticmethod
    def _n_val(n_val_cells: int | float, n_train: int) -> int:
        if isinstance(n_val_cells, float) and not float(n_val_cells).is_integer():
            if not 0 < n_val_cells < 1:
                raise ValueError(f"n_val_cells={n_val_cells}: a fraction must lie in (0, 1).")
            n = max(1, int(round(n_val_cells * n_train)))
        else:
            n = int(n_val_cells)
        if n < 0 or n >= n_train:
            raise ValueError(f"n_val_cells={n_val_cells} gives {n} validation cell types out of "
                             f"{n_train} training cell types; it must leave at least one to fit "
                             "on (use 0 <= n_val_cells < number of training cells).")
        return n

    @staticmethod
    def _subsample(idx: np.ndarray, n_max: int | None, rng: np.random.Generator,
                   what: str) -> np.ndarray:
        if n_max is not None and int(n_max) < 1:
            raise ValueError(f"{what}={n_max} must be >= 1 or None (all loci).")
        if n_max is None or len(idx) <= int(n_max):
            return idx
        return np.sort(rng.choice(idx, size=int(n_max), replace=False))

    def _trainer_device(self) -> tuple[torch.device, int]:
        """(device, number of processes) of the attached trainer; (``self.device``, 1) without one."""
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            return self.device, 1
        return trainer.strategy.root_device, int(getattr(trainer, "world_size", 1))

    def on_device(self) -> torch.device | None:
        """The device batches are drawn on by :meth:`device_loader` for training and validation,
        or None when DataLoaders are used (see ``device_batches``)."""
        dev, world = self._trainer_device()
        if self.device_batches is False:
            return None
        if self.device_batches is None and (dev.type != "cuda" or world != 1):
            return None
        return dev

    def device_loader(self, loci_idx: Any, cells: Any, shuffle: bool = False,
                      device: str | torch.device | None = None) -> DeviceLoci:
        """:class:`DeviceLoci` over ``loci_idx`` × ``cells`` on ``device`` (default: the trainer's):
        the same batches as :meth:`loader`, drawn on the device; the arrays are copied there once."""
        dev = torch.device(device) if device is not None else self._trainer_device()[0]
        if self._device_arrays is None or self._device_arrays.device != dev:
            self._device_arrays = None  # free the old copy first
            self._device_arrays = DeviceArrays(self.data, dev, targets=(self.target,))
        gen = torch.Generator().manual_seed(self.seed) if shuffle else None
        return DeviceLoci(self._device_arrays, loci_idx, cells, self.target, batch_size=self.batch_size,
                          shuffle=shuffle, generator=gen)

    def free_device(self) -> None:
        """Drop the device copy of the arrays made by :meth:`device_loader` (frees accelerator memory)."""
        self._device_arrays = None

    def loader(self, loci_idx: Any, cells: Any, shuffle: bool = False) -> DataLoader:
        """DataLoader of dicts {x, motif, expr, y} over ``loci_idx`` × ``cells`` (this module's
        target, batch size and workers); ``shuffle`` reshuffles loci each epoch, seeded.
        Memory is pinned when the attached trainer trains on CUDA."""
        ds = LocusDataset(self.data, loci_idx, cells, self.target)
        gen = torch.Generator().manual_seed(self.seed) if shuffle else None
        return DataLoader(ds, batch_size=self.batch_size, shuffle=shuffle, generator=gen,
                          collate_fn=ds.collate, num_workers=self.num_workers,
                          persistent_workers=self.num_workers > 0,
                          pin_memory=self._trainer_device()[0].type == "cuda")

    def train_dataloader(self) -> DataLoader | DeviceLoci:
        dev = self.on_device()
        if dev is not None:
            return self.device_loader(self.train_idx, self.fit_cells, shuffle=True, device=dev)
        return self.loader(self.train_idx, self.fit_cells, shuffle=True)

    def val_dataloader(self) -> DataLoader | DeviceLoci | list:
        """Known loci × validation cell types; ``[]`` (no validation) when n_val_cells=0."""
        if self.val_cells.size == 0:
            return []
        dev = self.on_device()
        if dev is not None:
            return self.device_loader(self.val_idx, self.val_cells, device=dev)
        return self.loader(self.val_idx, self.val_cells)

    def test_known_dataloader(self) -> DataLoader:
        return self.loader(self.known_idx, self.test_cells)

    def test_novel_dataloader(self) -> DataLoader:
        return self.loader(self.novel_idx, self.test_cells)

    def test_dataloader(self) -> list[DataLoader]:
        """``[known loci × test cells, novel loci × test cells]`` (dataloader_idx 0, 1)."""
        return [self.test_known_dataloader(), self.test_novel_dataloader()]

def locus_sequences(data: AccessibilityData, loci_idx: Any) -> list[str]:
    """The sequence windows of ``loci_idx`` (n,) as n strings of ``data.seq_len`` letters (A C G T,
    N for code 4); the leakage cards of the chapters ``chromatin_accessibility`` and ``deepcage``."""
    idx = _index_array(loci_idx, data.n_loci, "loci_idx")
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    codes = np.asarray(data.codes[idx]) if len(idx) else np.zeros((0, data.seq_len), dtype=np.uint8)
    return [row.tobytes().decode("ascii") for row in letters[np.minimum(codes, 4)]]


def window_overlaps(loci: pd.DataFrame, seq_len: int, query_idx: Any, ref_idx: Any) -> np.ndarray:
    """Which query loci have a sequence window that overlaps the window of some reference locus.

    Windows are ``seq_len`` bp centred on each bin's midpoint (as the models read them), on
    the same chromosome; a query locus that is itself in ``ref_idx`` counts as overlapping.
    Returns a bool array (len(query_idx),). With windows no longer than the bins and bins
    that do not overlap, nothing overlaps but the locus itself. The leakage cards of the
    chapters ``chromatin_accessibility`` and ``deepcage`` count novel test loci overlapping
    known training loci with it.
    """
    n = len(loci)
    q = _index_array(query_idx, n, "query_idx")
    r = _index_array(ref_idx, n, "ref_idx")
    out = np.zeros(len(q), dtype=bool)
    if len(q) == 0 or len(r) == 0:
        return out
    chrom = loci["chrom"].astype(str).to_numpy()
    mid = ((loci["start"].to_numpy(dtype=np.int64) + loci["end"].to_numpy(dtype=np.int64)) // 2)
    start = mid - int(seq_len) // 2
    end = start + int(seq_len)
    for c in np.unique(chrom[q]):
        rq = q[chrom[q] == c]
        rr = r[chrom[r] == c]
        if len(rr) == 0:
            continue
        order = np.argsort(start[rr], kind="stable")
        r_start, r_end = start[rr][order], end[rr][order]
        run_max_end = np.maximum.accumulate(r_end)  # furthest end among references starting at or before
        # references starting before the query's end; overlap iff the furthest of their ends > query start
        k = np.searchsorted(r_start, end[rq], side="left")
        hit = (k > 0) & (run_max_end[np.maximum(k - 1, 0)] > start[rq])
        out[np.flatnonzero(chrom[q] == c)] = hit
    return out
