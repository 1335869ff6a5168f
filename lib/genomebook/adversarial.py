"""Adversarial rebuild of a training set: add the negatives a model wrongly calls positive, refit, repeat.

DNABERT's splice-site set (after SpliceFinder) was rebuilt this way: a model trained on easy
negatives is run over a pool of unused negatives; the pool sequences it calls a site are
added to the training set as negatives, and the model is trained again. The loop here is
generic: it takes the fitting and prediction functions, so any model (or a toy whose
behaviour is known exactly) can be plugged in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["adversarial_rebuild", "false_positive_mask"]


def false_positive_mask(probs: np.ndarray, negative_label: int, threshold: float | None = 0.5) -> np.ndarray:
    """(N,) bool: rows of probs (N, C) called positive: a non-negative class's probability exceeds threshold.

    ``threshold=None`` calls a row positive when a non-negative class has the highest
    probability (the arg-max prediction is not ``negative_label``; ties go to the lowest class).
    Used by :func:`adversarial_rebuild` (splice_sites chapter).
    """
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise ValueError(f"probs must have shape (N, C) with C >= 2; got {probs.shape}")
    if not 0 <= negative_label < probs.shape[1]:
        raise ValueError(f"negative_label {negative_label} is not a column of probs ({probs.shape[1]} classes)")
    if threshold is None:
        return probs.argmax(axis=1) != negative_label
    others = np.delete(probs, negative_label, axis=1)
    return others.max(axis=1) > threshold


def _with_negatives(train: Any, seqs: Sequence[str], negative_label: int) -> Any:
    """A new split of the same type: train's sequences and labels plus seqs labelled negative_label."""
    labels = np.asarray(train.labels)
    new_labels = np.concatenate([labels, np.full(len(seqs), negative_label, dtype=labels.dtype)])
    return type(train)(list(train.seqs) + list(seqs), new_labels)


def adversarial_rebuild(
    train: Any,
    pool_seqs: Sequence[str],
    fit: Callable[[Any], Any],
    predict: Callable[[Any, list[str]], np.ndarray],
    *,
    rounds: int,
    per_round: int,
    negative_label: int,
    threshold: float | None = 0.5,
    seed: int = 0,
    evaluate: Callable[[Any, int], Mapping[str, float]] | None = None,
) -> tuple[list, pd.DataFrame, list]:
    """Fit, find false positives in the unused pool of negatives, add up to per_round of them, refit.

    ``train`` is a split with ``.seqs`` (list of str) and ``.labels`` (N,) that can be built
    again as ``type(train)(seqs, labels)`` (a :class:`genomebook.datasets.gue.Split`);
    ``fit(split) -> model`` and ``predict(model, seqs) -> probs (N, C)``. A pool sequence is a
    false positive when its highest non-``negative_label`` probability exceeds ``threshold``
    (``None``: when its arg-max class is not ``negative_label``; see :func:`false_positive_mask`).
    After round r's model (r = 0 .. rounds) the still-unused pool is scored; unless r is the
    last round, up to ``per_round`` of its false positives (a random choice with ``seed`` when
    there are more) move into the training set with ``negative_label``, in pool order.

    Returns ``(models, history, splits)``: models[r] and the training split splits[r] it was
    fitted on (rounds + 1 each), and one history row per round with columns round, n_train,
    n_negatives, n_pool (unused pool scored), n_false_positive, pool_false_positive_rate,
    n_added (moved into training after this round), plus whatever ``evaluate(model, round)``
    returns (a mapping of column -> number). Used by the splice_sites chapter (DNABERT's
    adversarial splice-site set).
    """
    if rounds < 0 or per_round < 0:
        raise ValueError(f"rounds and per_round must be >= 0; got {rounds} and {per_round}")
    rng = np.random.default_rng(seed)
    pool_seqs = list(pool_seqs)
    unused = np.arange(len(pool_seqs))
    current = train
    models, splits, rows = [], [], []
    for r in range(rounds + 1):
        model = fit(current)
        models.append(model)
        splits.append(current)
        if unused.size:
            probs = np.asarray(predict(model, [pool_seqs[i] for i in unused]))
            if probs.shape[0] != unused.size:
                raise ValueError(f"predict returned {probs.shape[0]} rows for {unused.size} sequences")
            fp = unused[false_positive_mask(probs, negative_label, threshold)]
        else:
            fp = unused
        labels = np.asarray(current.labels)
        row: dict[str, Any] = {
            "round": r, "n_train": int(labels.size), "n_negatives": int((labels == negative_label).sum()),
            "n_pool": int(unused.size), "n_false_positive": int(fp.size),
            "pool_false_positive_rate": fp.size / unused.size if unused.size else float("nan"),
        }
        add = np.empty(0, dtype=np.int64)
        if r < rounds:
            add = np.sort(rng.choice(fp, size=per_round, replace=False)) if fp.size > per_round else fp
        row["n_added"] = int(add.size)
        if evaluate is not None:
            row.update(evaluate(model, r))
        rows.append(row)
        if add.size:
            current = _with_negatives(current, [pool_seqs[i] for i in add], negative_label)
            unused = np.setdiff1d(unused, add)
    return models, pd.DataFrame(rows), splits
