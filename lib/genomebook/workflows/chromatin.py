"""Chromatin profiles from sequence: the logic of the chromatin_profiles chapter (Small transformers II).

The thesis (Lorello 2021, sections 4.2.4, 5.4 and B.5) fine-tunes Longformer 9-mer BPE on
DeepSEA's 919 chromatin labels at 256 tokens from three initialisations and, untrained, at
512 and 1,024 tokens, and compares the AUC over all labels and per group (DNase, TF,
histone) with DeepSEA's CNN. This module holds what the chapter computes beyond the shared
fine-tuning workflow (:mod:`genomebook.workflows.transfer`):

* :func:`split_indices` - the thesis's seeded 81/9/10 split of the sequences.
* :func:`centred_rows` - ``[CLS] tokens [SEP]`` rows cut *around the centre* of each
  sequence (DeepSEA's labels describe the central 200 bp; the thesis took the first tokens
  of 1,000 bp windows, which with ~4.6 bp per token covered the whole window anyway), with
  the bases each row covers.
* :func:`read_reader_examples` - a reader's DeepSEA-format table (the deepHaem layout read
  by :func:`genomebook.datasets.deepsea.read_examples`) as sequences + label matrix + names.
* :func:`onehot_crops` and :func:`fit_cnn` - the DeepSEA-style CNN on the same sequences,
  trained with the same loss (positive weight), optimiser and loop as the transformers.
* :func:`label_scores`, :func:`bootstrap_group_auc`, :func:`table54_scores` - Table 5.4's
  numbers (loss, precision, recall, AUC over all labels and per group) with intervals from a
  bootstrap over test sequences, paired across models so differences get intervals too.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import TensorDataset

from genomebook import train
from genomebook.datasets import deepsea
from genomebook.datasets._io import atomic_write
from genomebook.models.cnn import DeepSEA, DeepSEAConfig
from genomebook.models.language import parameter_count
from genomebook.models.transfer import TransferTask
from genomebook.seq import SequenceError, one_hot
from genomebook.simulate.chromatin_profiles import GROUPS, label_group
from genomebook.tokenize import CLS_ID, SEP_ID
from genomebook.workflows.transfer import FineTuned

__all__ = ["SPLIT_FRACTIONS", "split_indices", "centred_rows", "read_reader_examples", "onehot_crops",
           "deepsea_cnn", "fit_cnn", "label_scores", "bootstrap_group_auc", "table54_scores", "differences"]

#: The thesis's split of the chromatin samples (section 4.2.4): train / validation / test.
SPLIT_FRACTIONS = {"train": 0.81, "dev": 0.09, "test": 0.10}
_CACHE_VERSION = 1


# --------------------------------------------------------------------------- data


def split_indices(n: int, seed: int = 0, fractions: Mapping[str, float] = SPLIT_FRACTIONS) -> dict[str, np.ndarray]:
    """Seeded random split of ``n`` sequences into train / dev / test index arrays (the thesis's
    81 / 9 / 10, section 4.2.4); every part gets at least one sequence. Used by the
    chromatin_profiles chapter."""
    if n < 3:
        raise ValueError(f"need at least 3 sequences to split into train, dev and test; got {n}.")
    perm = np.random.default_rng([seed, 81910]).permutation(n)
    n_test = max(1, int(round(fractions["test"] * n)))
    n_dev = max(1, int(round(fractions["dev"] * n)))
    if n - n_test - n_dev < 1:
        raise ValueError(f"{n} sequences leave no training sequence after {n_dev} dev and {n_test} test.")
    return {"train": np.sort(perm[n_test + n_dev:]), "dev": np.sort(perm[n_test:n_test + n_dev]),
            "test": np.sort(perm[:n_test])}


def centred_rows(tokenizer: Any, seqs: Sequence[str], max_tokens: int, *,
                 ids: Sequence[Sequence[int]] | None = None) -> tuple[list[list[int]], np.ndarray]:
    """``[CLS] tokens [SEP]`` rows of at most ``max_tokens`` ids, the tokens taken around the centre.

    Each sequence is tokenised whole; the ``max_tokens - 2`` consecutive tokens whose span is
    centred on the sequence's middle base are kept (all of them when the sequence has fewer).
    ``ids``: the sequences' token ids (no specials) when already encoded, to crop one encoding
    at several lengths. Returns the rows and an (N, 2) array of the [start, end) bases each row covers. A crop
    from the start of a long sequence (what :func:`genomebook.workflows.transfer.cls_rows`
    does) would miss the centre that chromatin labels describe. Used by the chromatin_profiles
    chapter.
    """
    keep = int(max_tokens) - 2
    if keep < 1:
        raise ValueError(f"max_tokens must be at least 3 ([CLS], one token, [SEP]); got {max_tokens}.")
    lengths = np.asarray(tokenizer.token_lengths)
    rows, spans = [], np.zeros((len(seqs), 2), dtype=np.int64)
    if ids is None:
        ids = tokenizer.encode_batch(list(seqs), add_special_tokens=False)
    elif len(ids) != len(seqs):
        raise ValueError(f"ids has {len(ids)} rows for {len(seqs)} sequences.")
    for i, (s, row) in enumerate(zip(seqs, ids)):
        ids_i = np.asarray(row, dtype=np.int64)
        ends = np.cumsum(lengths[ids_i]) if ids_i.size else np.zeros(0, np.int64)
        if ids_i.size <= keep:
            lo = 0
        else:
            mid = len(s) // 2
            centre_tok = int(np.searchsorted(ends, mid, side="right"))  # the token holding base `mid`
            lo = min(max(0, centre_tok - keep // 2), ids_i.size - keep)
        hi = min(ids_i.size, lo + keep)
        spans[i] = (ends[lo - 1] if lo > 0 else 0, ends[hi - 1] if hi > 0 else 0)
        rows.append([CLS_ID, *ids_i[lo:hi].tolist(), SEP_ID])
    return rows, spans


def read_reader_examples(path: str | Path, label_names_path: str | Path | None = None,
                         n_labels: int | None = None) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    """A reader's DeepSEA-format examples -> (sequences, (N, L) uint8 labels, label table).

    ``path``: the tab-separated layout of :func:`genomebook.datasets.deepsea.read_examples`
    (``chrom start end label_ids sequence``, 0-based comma-separated label indices).
    ``label_names_path``: names one per line (:func:`~genomebook.datasets.deepsea.read_feature_names`;
    DeepSEA's ``cell|assay|treatment`` gives the DNase / TF / histone groups); without it
    labels are named ``label <i>`` in one group ``unnamed`` (scored only over all labels), and ``n_labels`` (default: the largest
    index + 1) sets their number. Sequences must share one length (the labels describe each
    window's centre). Errors name the file and the fix. Used by the chromatin_profiles chapter.
    """
    df = deepsea.read_examples(path)
    lengths = df["sequence"].str.len()
    if lengths.nunique() != 1:
        first = int(np.flatnonzero(lengths.to_numpy() != lengths.iloc[0])[0])
        raise SequenceError(f"{path}: windows of different lengths ({lengths.iloc[0]} bp on line 1, "
                            f"{lengths.iloc[first]} bp on example {first + 1}); give windows of one length "
                            "centred on the labelled bin, as DeepSEA's 1,000 bp windows are.")
    top = max((max(x) for x in df["labels"] if len(x)), default=-1)
    if label_names_path is not None:
        names = deepsea.read_feature_names(label_names_path)
        if top >= len(names):
            raise SequenceError(f"{path}: label index {top} but {label_names_path} names only {len(names)} "
                                f"labels (indices 0..{len(names) - 1}); give the names file of the same compendium.")
        table = pd.DataFrame({"name": names["name"], "cell": names["cell"], "assay": names["assay"],
                              "group": [label_group(a) for a in names["assay"]]})
    else:
        n = int(n_labels) if n_labels else top + 1
        if n < 1 or top >= n:
            raise SequenceError(f"{path}: label index {top} is outside n_labels={n}; give the right n_labels or "
                                "a label_names_path.")
        table = pd.DataFrame({"name": [f"label {i}" for i in range(n)], "cell": None, "assay": None,
                              "group": "unnamed"})
    y = deepsea.labels_to_matrix(df, len(table))
    if y.sum() == 0:
        raise SequenceError(f"{path}: no example has any label; nothing to learn.")
    table.insert(0, "index", np.arange(len(table)))
    return df["sequence"].tolist(), y, table


def onehot_crops(seqs: Sequence[str], width: int) -> np.ndarray:
    """(N, 4, width) float32 one-hot of each sequence's central ``width`` bases (N as zeros).
    Used by the chromatin_profiles chapter for the CNN's input."""
    short = [len(s) for s in seqs if len(s) < width]
    if short:
        raise ValueError(f"a sequence of {short[0]} bp is shorter than the CNN's {width} bp input.")
    crops = [s[(len(s) - width) // 2:(len(s) - width) // 2 + width] for s in seqs]
    return one_hot(crops, dtype=np.float32)


# --------------------------------------------------------------------------- the CNN


class _OneHotLabels(nn.Module):
    """A one-hot CNN exposed as a many-labels model (what :class:`TransferTask` reads)."""

    head_kind = "labels"

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class _CNNTask(TransferTask):
    """:class:`TransferTask` (weighted binary cross-entropy, Adam, the same validation) on one-hot
    batches ``{"x", "target"}`` instead of token ids."""

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.model(batch["x"])


def deepsea_cnn(n_labels: int, width: float = 1.0) -> nn.Module:
    """DeepSEA's CNN (:class:`genomebook.models.cnn.DeepSEA`) with ``n_labels`` outputs and its
    channels and dense layer scaled by ``width`` (1.0 = published). Used by the
    chromatin_profiles chapter."""
    c = DeepSEAConfig()
    scale = lambda v: max(4, int(round(v * float(width))))  # noqa: E731
    return DeepSEA(DeepSEAConfig(conv_channels=tuple(scale(v) for v in c.conv_channels), conv_width=c.conv_width,
                                 pool=c.pool, dropout=c.dropout, pooled_length=c.pooled_length,
                                 hidden=scale(c.hidden), n_outputs=int(n_labels)))


def fit_cnn(parts: Mapping[str, tuple[np.ndarray, np.ndarray]], sizes: Mapping[str, Any], *, width: float = 1.0,
            pos_weight: float = 1.0, lr: float | None = None, seed: int = 0, label: str = "DeepSEA-style CNN",
            cache_dir: str | Path | None = None) -> FineTuned:
    """Train :func:`deepsea_cnn` on one-hot ``parts`` {name: (x (N, 4, L), y (N, C))} like a transformer run.

    The same loop as :func:`genomebook.workflows.transfer.finetune`: ``sizes["epochs"]`` epochs
    of at most ``sizes["steps_per_epoch"]`` batches of ``sizes["batch"]`` rows, Adam at ``lr``
    (default ``sizes["lr"]``), binary cross-entropy with ``pos_weight`` on positives,
    validation on ``dev`` after each epoch, the epoch with the lowest validation loss kept.
    Returns a :class:`~genomebook.workflows.transfer.FineTuned` with the logits of every part;
    cached under ``<cache_dir>/transfer/cnn-<key>.pt`` when ``cache_dir`` is given. Used by the
    chromatin_profiles chapter.
    """
    for need in ("train", "dev"):
        if need not in parts or not len(parts[need][0]):
            raise ValueError(f"fit_cnn needs a non-empty {need!r} part; got {sorted(parts)}.")
    lr = float(sizes["lr"] if lr is None else lr)
    n_out = int(np.asarray(parts["train"][1]).shape[1])
    spec = {"width": float(width), "pos_weight": float(pos_weight), "lr": lr, "seed": int(seed), "v": _CACHE_VERSION,
            "sizes": {k: sizes.get(k) for k in ("epochs", "batch", "steps_per_epoch")}}
    h = hashlib.sha256(json.dumps(spec, sort_keys=True).encode())
    for name in sorted(parts):
        h.update(name.encode())
        for a in parts[name]:
            h.update(np.ascontiguousarray(a).tobytes())
    key = h.hexdigest()[:20]
    path = Path(cache_dir) / "transfer" / f"cnn-{key}.pt" if cache_dir is not None else None
    train.seed_everything(seed)
    task = _CNNTask(_OneHotLabels(deepsea_cnn(n_out, width)), lr=lr, pos_weight=pos_weight)
    batch = int(sizes["batch"])

    def collate(items):
        x, y = zip(*items)
        return {"x": torch.stack(x), "target": torch.stack(y)}

    def loader(name, shuffle=False):
        x, y = parts[name]
        ds = TensorDataset(torch.as_tensor(np.asarray(x, np.float32)), torch.as_tensor(np.asarray(y, np.float32)))
        return train.epoch_loader(ds, batch, steps_per_epoch=sizes.get("steps_per_epoch"), seed=seed,
                                  collate_fn=collate, shuffle=shuffle)

    if path is not None and path.exists():
        state = torch.load(path, map_location="cpu", weights_only=False)
        task.load_state_dict(state["state_dict"])
        return FineTuned(label, task, pd.DataFrame(state["history"]), state["logits"], state["seconds"], True, key,
                         parameter_count(task.model))
    t0 = time.perf_counter()
    history = train.History()
    train.fit(task, train_dataloaders=loader("train", shuffle=True), val_dataloaders=loader("dev"),
              max_epochs=int(sizes["epochs"]), callbacks=[history], num_sanity_val_steps=0)
    logits = {name: task.predict_logits(loader(name)).numpy() for name in parts}
    seconds = time.perf_counter() - t0
    hist = history.frame()
    if path is not None:
        payload = {"state_dict": task.state_dict(), "history": hist.to_dict("list"), "logits": logits,
                   "seconds": seconds, "spec": spec}
        atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return FineTuned(label, task, hist, logits, seconds, False, key, parameter_count(task.model))


# --------------------------------------------------------------------------- scores


def label_scores(y: np.ndarray, logits: np.ndarray, *, pos_weight: float = 1.0, threshold: float = 0.5) -> dict:
    """Table 5.4's loss, precision and recall of one run on one part: the mean binary cross-entropy
    with ``pos_weight`` on positives (the training loss), and precision / recall of every
    (sequence, label) pair called positive at probability ``threshold`` (pooled over labels:
    our reading of the thesis's single numbers). Used by the chromatin_profiles chapter."""
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(logits, dtype=np.float64)
    if y.shape != z.shape:
        raise ValueError(f"labels {y.shape} and logits {z.shape} differ in shape.")
    log_p, log_q = -np.logaddexp(0, -z), -np.logaddexp(0, z)  # log sigmoid(z), log (1 - sigmoid(z))
    loss = float(-(pos_weight * y * log_p + (1 - y) * log_q).mean())
    call = z > np.log(threshold / (1 - threshold))
    tp = float((call & (y == 1)).sum())
    return {"loss": loss, "precision": tp / call.sum() if call.any() else float("nan"),
            "recall": tp / y.sum() if y.sum() else float("nan")}


def _resample_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n) bootstrap counts of n test units (how often each unit is drawn)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    w = np.zeros((n_boot, n), dtype=np.float64)
    np.add.at(w, (np.repeat(np.arange(n_boot), n), idx.ravel()), 1.0)
    return w


def _weighted_auc(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> np.ndarray:
    """auROC of every label under every bootstrap weighting: y, s (N, L); w (B, N) counts -> (B, L).

    AUC = sum over (positive i, negative j) of w_i w_j [s_i > s_j] (+ half for ties) /
    (W_pos W_neg): a resample's AUC without re-ranking. NaN where a resample lacks a class.
    """
    n, n_lab = y.shape
    out = np.full((w.shape[0], n_lab), np.nan)
    for j in range(n_lab):
        pos = np.flatnonzero(y[:, j] == 1)
        if pos.size == 0 or pos.size == n:
            continue
        neg_mask = (y[:, j] == 0).astype(np.float64)
        sp = s[pos, j][:, None]
        beats = ((sp > s[None, :, j]) + 0.5 * (sp == s[None, :, j])) * neg_mask[None, :]  # (P, N)
        num = ((w @ beats.T) * w[:, pos]).sum(axis=1)
        w_pos = w[:, pos].sum(axis=1)
        w_neg = w @ neg_mask
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.where((w_pos > 0) & (w_neg > 0), num / (w_pos * w_neg), np.nan)
    return out


def bootstrap_group_auc(y: np.ndarray, scores: Mapping[str, np.ndarray], groups: Sequence[str], *,
                        n_boot: int = 1000, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Mean auROC over all labels and per group for each model, on the test set and on
    ``n_boot`` bootstrap resamples of the test sequences (the same resamples for every model,
    so differences are paired). Returns ``{model: {group: array (1 + n_boot,)}}``: element 0 the
    value on the test set, the rest the resamples (labels without both classes in a resample
    are skipped in it, as :func:`genomebook.simulate.chromatin_profiles.group_auc` skips them).
    Used by the chromatin_profiles chapter."""
    y = np.asarray(y)
    g = np.asarray(groups, dtype=object)
    w = np.vstack([np.ones((1, y.shape[0])), _resample_weights(y.shape[0], n_boot, seed)])
    sel = {"all": np.ones(g.size, bool), **{name: g == name for name in GROUPS if (g == name).any()}}
    out = {}
    for model, s in scores.items():
        auc = _weighted_auc(y, np.asarray(s, dtype=np.float64), w)
        with warnings.catch_warnings():  # a resample where no label of a group has both classes: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            out[model] = {name: np.nanmean(auc[:, m], axis=1) for name, m in sel.items()}
    return out


def _ci(dist: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    ok = dist[np.isfinite(dist)]
    if ok.size == 0:
        return float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.quantile(ok, [a, 1 - a])
    return float(lo), float(hi)


def table54_scores(y: np.ndarray, logits: Mapping[str, np.ndarray], groups: Sequence[str], *,
                   pos_weight: float = 1.0, n_boot: int = 1000, seed: int = 0
                   ) -> tuple[pd.DataFrame, dict[str, dict[str, np.ndarray]]]:
    """Table 5.4 for every run: one row per (run, score) with value, 95% interval (bootstrap over
    test sequences, percentile) and n, for ``AUC all`` and ``AUC <group>``; loss, precision and
    recall (:func:`label_scores`) without interval. Returns the table and the bootstrap
    distributions of :func:`bootstrap_group_auc` (for paired differences, :func:`differences`).
    Used by the chromatin_profiles chapter."""
    boots = bootstrap_group_auc(y, logits, groups, n_boot=n_boot, seed=seed)
    rows = []
    for run, z in logits.items():
        for name, v in label_scores(y, z, pos_weight=pos_weight).items():
            rows.append({"run": run, "score": name, "value": v, "ci_low": np.nan, "ci_high": np.nan, "n": len(y)})
        for grp, dist in boots[run].items():
            lo, hi = _ci(dist[1:])
            rows.append({"run": run, "score": f"AUC {grp}", "value": float(dist[0]), "ci_low": lo, "ci_high": hi,
                         "n": len(y)})
    return pd.DataFrame(rows), boots


def differences(dist_a: np.ndarray, dist_b: np.ndarray, n: int) -> dict[str, float]:
    """Paired difference a - b of two bootstrap distributions from :func:`bootstrap_group_auc`
    (element 0 the test-set value): dict(value, ci_low, ci_high, n) for ``report.Claim``. Any
    statistic of the same resamples can be passed (e.g. a difference of differences). Used by
    the chromatin_profiles chapter."""
    d = np.asarray(dist_a) - np.asarray(dist_b)
    lo, hi = _ci(d[1:])
    return {"value": float(d[0]), "ci_low": lo, "ci_high": hi, "n": int(n)}
