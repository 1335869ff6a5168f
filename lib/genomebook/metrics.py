"""Evaluation metrics, each defined once, with bootstrap confidence intervals and paired comparisons.

Every metric has one vectorised definition over rows, used by the point functions, by the
bootstrap and by the Lightning modules' validation logging:

* :func:`confusion_matrices` / :func:`from_confusion` - accuracy, F1 (binary: of class 1;
  multi-class: macro) and MCC (binary MCC; multi-class Gorodkin's R_K) from a batch of
  confusion matrices;
* :func:`auroc_rows` - ROC AUC by the rank sum with average ranks for ties;
* :func:`auprc_rows` - average precision with tied scores forming one threshold.

All equal scikit-learn's ``accuracy_score``, ``f1_score``, ``matthews_corrcoef``,
``roc_auc_score`` and ``average_precision_score`` (tests check it, tied scores included).
:func:`auroc`, :func:`auprc`, :func:`f1`, :func:`mcc` and :func:`accuracy` are their
one-example-set forms; :func:`classification_scores` bootstraps all of them at once over test
units and :func:`paired_difference` bootstraps the difference between two models scored on the
same units.

Cross-cell-type metrics (DeepCAGE) take (L loci × K cell types) matrices: :func:`celltype_wise`,
:func:`locus_wise`, :func:`psr`, :func:`cell_range`, :func:`cell_variability`, and the locus
groupings :func:`quartile_groups` and :func:`bin_groups`.

Conventions: ``y`` holds true labels (binary {0, 1}, or integer classes); ``p`` holds scores or
probabilities, shape (N,) for binary tasks or (N, C) for multi-class (then predictions are argmax).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

__all__ = [
    "auroc",
    "auprc",
    "f1",
    "mcc",
    "accuracy",
    "auroc_rows",
    "auprc_rows",
    "confusion_matrices",
    "from_confusion",
    "classification_scores",
    "paired_difference",
    "CLASSIFICATION_METRICS",
    "pearson",
    "topk_accuracy",
    "bootstrap_ci",
    "paired_wilcoxon",
    "summary",
    "mean_ci",
    "celltype_wise",
    "locus_wise",
    "psr",
    "cell_range",
    "cell_variability",
    "quartile_groups",
    "bin_groups",
]

Metric = Callable[[np.ndarray, np.ndarray], float]

# --------------------------------------------------------------------------- one definition per metric


def confusion_matrices(y, pred, n_classes: int, idx=None) -> np.ndarray:
    """Confusion matrices [true, predicted] of resamples of (y, pred): (B, C, C) float counts.

    Parameters
    ----------
    y, pred : (N,) int
        True and predicted classes, each in ``0 .. n_classes - 1``.
    n_classes : int
        C, the number of classes (rows and columns of each matrix).
    idx : (B, N') int, optional
        Row ``b`` lists the examples (indices into y, with repeats) of resample ``b``, e.g.
        bootstrap indices. ``None`` is all N examples once: B = 1.

    Returns
    -------
    (B, C, C) float array; entry [b, i, j] counts examples of resample b with true class i
    predicted as j.
    """
    y = np.asarray(y, dtype=np.int64)
    pred = np.asarray(pred, dtype=np.int64)
    C = int(n_classes)
    if y.shape != pred.shape or y.ndim != 1:
        raise ValueError(f"y and pred must be 1-D of equal length; got shapes {y.shape} and {pred.shape}.")
    for name, v in (("y", y), ("pred", pred)):
        if v.size and (v.min() < 0 or v.max() >= C):
            raise ValueError(f"{name} must hold classes 0..{C - 1}; got {v.min()}..{v.max()}.")
    idx = np.arange(y.size)[None] if idx is None else np.asarray(idx, dtype=np.int64)
    if idx.ndim != 2:
        raise ValueError(f"idx must be (B, N') resample indices; got shape {idx.shape}.")
    B = idx.shape[0]
    codes = (np.arange(B)[:, None] * C * C + y[idx] * C + pred[idx]).ravel()
    return np.bincount(codes, minlength=B * C * C).reshape(B, C, C).astype(float)


def from_confusion(cm, *, binary: bool | None = None) -> dict[str, np.ndarray]:
    """Accuracy, F1 and MCC of each of a batch of confusion matrices: {"accuracy", "F1", "MCC"} -> (B,).

    Parameters
    ----------
    cm : (B, C, C) or (C, C)
        Counts [true, predicted], as :func:`confusion_matrices` returns (one matrix is B = 1).
    binary : bool, optional
        ``True``: F1 is that of class 1 (the positive class of a {0, 1} task); ``False``: the
        macro average of per-class F1 over the classes present in the truth or the predictions
        (sklearn's ``f1_score(average="macro")``). Default: binary when C == 2.

    Returns
    -------
    dict of (B,) float arrays: ``accuracy`` (fraction correct), ``F1`` and ``MCC`` (binary MCC;
    for C > 2 Gorodkin's R_K, as sklearn's ``matthews_corrcoef``), in [-1, 1]. MCC is 0.0 where
    its denominator is 0 (a single true or a single predicted class), as in sklearn; a class
    with neither true nor predicted examples has F1 0 (class 1 of a binary task) or is left out
    of the macro average.
    """
    cm = np.asarray(cm, dtype=float)
    if cm.ndim == 2:
        cm = cm[None]
    if cm.ndim != 3 or cm.shape[1] != cm.shape[2]:
        raise ValueError(f"cm must be (B, C, C) confusion matrices; got shape {cm.shape}.")
    C = cm.shape[-1]
    binary = C == 2 if binary is None else bool(binary)
    if binary and C != 2:
        raise ValueError(f"binary F1 needs 2 classes; got {C}.")
    n = cm.sum((1, 2))
    tp = np.einsum("bii->bi", cm)
    true_k, pred_k = cm.sum(2), cm.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        present = true_k + pred_k > 0
        f1_k = np.where(present, 2 * tp / (true_k + pred_k), 0.0)
        c = tp.sum(1)
        num = c * n - (true_k * pred_k).sum(1)
        den = np.sqrt(n ** 2 - (pred_k ** 2).sum(1)) * np.sqrt(n ** 2 - (true_k ** 2).sum(1))
        mcc_ = np.where(den > 0, num / den, 0.0)
        f1_ = f1_k[:, 1] if binary else f1_k.sum(1) / present.sum(1)
        acc = c / n
    return {"accuracy": acc, "F1": f1_, "MCC": mcc_}


def _binary_rows(y, p, fn: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.ndim != 2 or y.shape != p.shape:
        raise ValueError(f"{fn}: y and p must be (B, N) arrays of equal shape; got {y.shape} and {p.shape}.")
    return y, p


def _both_classes_rows(y: np.ndarray) -> np.ndarray:
    n_pos = y.sum(axis=1)
    return (n_pos > 0) & (n_pos < y.shape[1])


def auroc_rows(y, p) -> np.ndarray:
    """ROC AUC of each row of binary labels y (B, N) scored by p (B, N) -> (B,); NaN without both classes.

    The Mann–Whitney form: (sum of the positives' ranks - n1 (n1 + 1) / 2) / (n1 n0), with
    average ranks for tied scores, which equals ``sklearn.metrics.roc_auc_score`` per row (a tie
    between a positive and a negative counts one half).
    """
    y, p = _binary_rows(y, p, "auroc_rows")
    out = np.full(y.shape[0], np.nan)
    ok = _both_classes_rows(y)
    if ok.any():
        yy = y[ok]
        ranks = stats.rankdata(p[ok], axis=1)
        n_pos = yy.sum(axis=1)
        n_neg = yy.shape[1] - n_pos
        out[ok] = ((ranks * yy).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return out


def auprc_rows(y, p) -> np.ndarray:
    """Average precision of each row of binary labels y (B, N) scored by p (B, N) -> (B,); NaN without both classes.

    Equals ``sklearn.metrics.average_precision_score`` per row: AP = sum over the distinct
    score thresholds t of (R_t - R_{t-1}) P_t. Tied scores form one threshold, so each positive
    contributes the precision at the end of its tie group, divided by the number of positives
    (the result does not depend on the order of tied examples).
    """
    y, p = _binary_rows(y, p, "auprc_rows")
    out = np.full(y.shape[0], np.nan)
    ok = _both_classes_rows(y)
    if not ok.any():
        return out
    yy, pp = y[ok], p[ok]
    order = np.argsort(-pp, axis=1, kind="stable")
    ys = np.take_along_axis(yy, order, axis=1)
    ps = np.take_along_axis(pp, order, axis=1)
    m = ys.shape[1]
    tp = np.cumsum(ys, axis=1)
    is_end = np.ones_like(ys, dtype=bool)
    is_end[:, :-1] = ps[:, :-1] != ps[:, 1:]
    # index of the end of each position's tie group: next j >= i with is_end[j]
    end_idx = np.where(is_end, np.arange(m), m)
    end_idx = np.minimum.accumulate(end_idx[:, ::-1], axis=1)[:, ::-1]
    precision_at_end = np.take_along_axis(tp, end_idx, axis=1) / (end_idx + 1)
    out[ok] = (ys * precision_at_end).sum(axis=1) / tp[:, -1]
    return out


# --------------------------------------------------------------------------- one set of examples


def _as_pair(y, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    p = np.asarray(p, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y.shape}")
    if p.ndim not in (1, 2) or p.shape[0] != y.shape[0]:
        raise ValueError(f"p must have shape (N,) or (N, C) with N={y.shape[0]}; got {p.shape}")
    if y.shape[0] == 0:
        raise ValueError("metrics need at least one example; got n=0")
    return y, p


def _need_both_classes(y: np.ndarray, name: str) -> None:
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(f"{name} needs binary labels in {{0, 1}}; got values {values.tolist()}")
    if values.size < 2:
        raise ValueError(f"{name} needs both classes in y; got only {int(values[0])}s (n={y.size})")


def _binary_scores(p: np.ndarray, name: str) -> np.ndarray:
    if p.ndim == 2:
        if p.shape[1] != 2:
            raise ValueError(f"{name} is binary-only; got p with {p.shape[1]} columns")
        p = p[:, 1]
    if not np.isfinite(p).all():
        i = int(np.flatnonzero(~np.isfinite(p))[0])
        raise ValueError(f"{name}: scores contain NaN or inf (first at index {i}: {p[i]})")
    return p


def _predict(p: np.ndarray, threshold: float) -> np.ndarray:
    """Hard predictions: p >= threshold for (N,) scores, argmax over columns for (N, C)."""
    return np.argmax(p, axis=1) if p.ndim == 2 else (p >= threshold).astype(int)


def _is_binary(p: np.ndarray) -> bool:
    return p.ndim == 1 or p.shape[1] == 2


def _threshold_metric(y, p, threshold: float, name: str) -> float:
    """One of from_confusion's metrics of the hard predictions of p (see f1 / mcc / accuracy)."""
    y, p = _as_pair(y, p)
    pred = _predict(p, threshold)
    binary = _is_binary(p)
    classes = np.unique(np.concatenate([y, pred]))
    if binary and np.isin(classes, (0, 1)).all():
        classes = np.array([0, 1])
    elif binary and name == "F1":
        raise ValueError(f"F1 of (N,) or (N, 2) scores needs binary labels in {{0, 1}}; got values "
                         f"{np.unique(y).tolist()}. Pass (N, C) scores for a macro F1 over C classes.")
    cm = confusion_matrices(np.searchsorted(classes, y), np.searchsorted(classes, pred), classes.size)
    return float(from_confusion(cm, binary=binary and classes.size == 2)[name][0])


def auroc(y, p) -> float:
    """Area under the ROC curve for binary y (N,) and scores p (N,) (or (N, 2): column 1 used).

    Ties count one half; equals ``sklearn.metrics.roc_auc_score``; see :func:`auroc_rows`.
    """
    y, p = _as_pair(y, p)
    _need_both_classes(y, "auROC")
    return float(auroc_rows(y[None], _binary_scores(p, "auROC")[None])[0])


def auprc(y, p) -> float:
    """Average precision (area under the precision-recall curve, ties grouped) for binary y (N,) and scores p (N,).

    ``p`` may be (N, 2) (column 1 is used). Equals ``sklearn.metrics.average_precision_score``;
    see :func:`auprc_rows`.
    """
    y, p = _as_pair(y, p)
    _need_both_classes(y, "auPR")
    return float(auprc_rows(y[None], _binary_scores(p, "auPR")[None])[0])


def f1(y, p, threshold: float = 0.5) -> float:
    """F1 score of class 1 of p >= threshold for (N,) p (argmax for (N, 2)); macro F1 of argmax for (N, C>2) p."""
    return _threshold_metric(y, p, threshold, "F1")


def mcc(y, p, threshold: float = 0.5) -> float:
    """Matthews correlation coefficient of p >= threshold (N,), or of argmax for (N, C) p; in [-1, 1].

    Binary MCC, or Gorodkin's R_K for more than two classes (sklearn's ``matthews_corrcoef``);
    0.0 where undefined (a single true or predicted class). See :func:`from_confusion`.
    """
    return _threshold_metric(y, p, threshold, "MCC")


def accuracy(y, p, threshold: float = 0.5) -> float:
    """Fraction correct of p >= threshold (N,), or of argmax for (N, C) p; in [0, 1]."""
    return _threshold_metric(y, p, threshold, "accuracy")


def pearson(y, p) -> float:
    """Pearson correlation of two (N,) arrays; nan (without warnings) if either is constant or N < 2."""
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"pearson needs arrays of equal length; got {y.size} and {p.size}")
    if y.size < 2 or np.ptp(y) == 0 or np.ptp(p) == 0:
        return float("nan")
    return float(stats.pearsonr(y, p).statistic)


def topk_accuracy(y, scores, k: int) -> float:
    """Fraction of examples whose true class y (N,) is among the k highest of scores (N, C)."""
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2 or scores.shape[0] != y.shape[0]:
        raise ValueError(f"scores must have shape (N, C) with N={y.shape[0]}; got {scores.shape}")
    n_classes = scores.shape[1]
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    if k == 1:
        return float(skm.accuracy_score(y, np.argmax(scores, axis=1)))
    if k >= n_classes:  # every class is in the top k (sklearn would warn, and rejects binary 2-column scores)
        return 1.0
    return float(skm.top_k_accuracy_score(y, scores, k=k, labels=np.arange(n_classes)))


def _bootstrap(
    metrics: Mapping[str, Metric], y, p, *, n_boot: int, level: float, seed: int
) -> dict[str, tuple[float, float, float]]:
    """Percentile bootstrap for several metrics sharing the same resampled indices."""
    y, p = _as_pair(y, p)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1; got {n_boot}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, y.shape[0], size=(n_boot, y.shape[0]))
    values = {name: np.full(n_boot, np.nan) for name in metrics}
    for b in range(n_boot):
        yb, pb = y[idx[b]], p[idx[b]]
        for name, metric in metrics.items():
            try:
                values[name][b] = metric(yb, pb)
            except ValueError:  # undefined on this resample (e.g. a single class)
                pass
    q = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
    out = {}
    for name, metric in metrics.items():
        ok = values[name][~np.isnan(values[name])]
        skipped = n_boot - ok.size
        if skipped > 0.1 * n_boot:
            raise ValueError(
                f"bootstrap of {name}: metric undefined on {skipped}/{n_boot} resamples (> 10%); "
                "too few examples of one class"
            )
        lo, hi = np.percentile(ok, q)
        out[name] = (float(metric(y, p)), float(lo), float(hi))
    return out


def bootstrap_ci(
    metric: Metric, y, p, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """(estimate on all data, lower, upper) percentile-bootstrap interval of metric(y, p) over examples."""
    name = getattr(metric, "__name__", "metric")
    return _bootstrap({name: metric}, y, p, n_boot=n_boot, level=level, seed=seed)[name]


def paired_wilcoxon(a, b, alternative: str = "two-sided") -> tuple[float, float]:
    """(statistic, p-value) of the Wilcoxon signed-rank test on paired scores a (N,) and b (N,)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired_wilcoxon needs paired arrays of equal shape; got {a.shape} and {b.shape}")
    res = stats.wilcoxon(a, b, alternative=alternative)
    return float(res.statistic), float(res.pvalue)


def summary(y, p, *, threshold: float = 0.5, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Table of auROC, auPR, F1, MCC, accuracy for binary y (N,), scores p (N,): metric, value, ci_low, ci_high."""
    metrics: dict[str, Metric] = {
        "auROC": auroc,
        "auPR": auprc,
        "F1": lambda yy, pp: f1(yy, pp, threshold),
        "MCC": lambda yy, pp: mcc(yy, pp, threshold),
        "accuracy": lambda yy, pp: accuracy(yy, pp, threshold),
    }
    res = _bootstrap(metrics, y, p, n_boot=n_boot, level=0.95, seed=seed)
    return pd.DataFrame(
        [(name, *res[name]) for name in metrics], columns=["metric", "value", "ci_low", "ci_high"]
    )


# --------------------------------------------------------------------------- bootstrap over test units

CLASSIFICATION_METRICS: tuple[str, ...] = ("accuracy", "F1", "MCC", "auROC", "auPR")
_CHUNK = 2_000_000  # resampled examples per vectorised step (bounds memory, not the result)


def _classification_inputs(y, probs, fn: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    probs = np.asarray(probs, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"{fn}: y must be 1-D class labels (N,); got shape {y.shape}.")
    if probs.ndim != 2 or probs.shape[0] != len(y):
        raise ValueError(f"probs must be (N, C) with N = {len(y)}; got {probs.shape}.")
    if len(y) == 0:
        raise ValueError(f"{fn}: no test examples (N = 0).")
    if not np.isfinite(probs).all():
        i = int(np.flatnonzero(~np.isfinite(probs).all(1))[0])
        raise ValueError(f"{fn}: probs[{i}] is not finite ({probs[i].tolist()}).")
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise ValueError(f"{fn}: y must hold integer class labels; got non-integer values.")
    y = y.astype(np.int64)
    C = probs.shape[1]
    if y.min() < 0 or y.max() >= C:
        raise ValueError(f"labels must be 0..{C - 1} for {C} probability columns; got {y.min()}..{y.max()}.")
    return y, probs


def _check_boot(n_boot: int, level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}")
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0; got {n_boot}")


def _resamples(n: int, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap indices (n_boot, n) of n test units, drawn with ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(n_boot, n)) if n_boot else np.zeros((0, n), dtype=np.int64)


def _scores_of(y: np.ndarray, probs: np.ndarray, idx: np.ndarray, names) -> dict[str, np.ndarray]:
    """The named metrics of the resamples idx (B, N') of (y, probs): name -> (B,), in chunks of rows."""
    C = probs.shape[1]
    pred = probs.argmax(1)
    p1 = probs[:, 1] if C == 2 else None
    out: dict[str, list[np.ndarray]] = {name: [] for name in names}
    step = max(1, _CHUNK // max(1, idx.shape[1]))
    for start in range(0, max(1, idx.shape[0]), step):
        part = idx[start:start + step]
        if {"accuracy", "F1", "MCC"} & set(names):
            conf = from_confusion(confusion_matrices(y, pred, C, part))
        for name in names:
            if name in ("auROC", "auPR"):
                rows = auroc_rows if name == "auROC" else auprc_rows
                out[name].append(rows(y[part], p1[part]))
            else:
                out[name].append(conf[name])
    return {name: np.concatenate(v) for name, v in out.items()}


def _interval(dist: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval of the finite values of dist (NaN resamples, where a metric is undefined, dropped)."""
    ok = dist[~np.isnan(dist)]
    if ok.size == 0:
        return float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.quantile(ok, [a, 1 - a])
    return float(lo), float(hi)


def classification_scores(y, probs, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Test-set scores of a classifier with percentile-bootstrap intervals over test units.

    Parameters
    ----------
    y : (N,) int
        True classes 0..C-1 of the N test units.
    probs : (N, C) float
        Class probabilities (or any scores); predictions are the arg-max class.
    n_boot : int
        Bootstrap resamples of the N units (0: no intervals, ``ci_low`` / ``ci_high`` NaN).
    seed, level
        Seed of ``np.random.default_rng`` drawing the resamples; interval coverage.

    Returns
    -------
    DataFrame with one row per metric and columns ``metric``, ``value`` (on all N units),
    ``ci_low``, ``ci_high`` (percentiles of the resampled values) and ``n`` (N). Metrics:
    accuracy, F1 (binary: of class 1; multi-class: macro), MCC (binary MCC; multi-class
    Gorodkin's R_K), and for binary tasks (C = 2) auROC and auPR of P(class 1) -- the
    definitions of :func:`from_confusion`, :func:`auroc_rows` and :func:`auprc_rows`. A
    resample with one class only has no auROC / auPR and is left out of their intervals.
    """
    y, probs = _classification_inputs(y, probs, "classification_scores")
    _check_boot(n_boot, level)
    names = CLASSIFICATION_METRICS if probs.shape[1] == 2 else CLASSIFICATION_METRICS[:3]
    point = _scores_of(y, probs, np.arange(len(y))[None], names)
    dist = _scores_of(y, probs, _resamples(len(y), n_boot, seed), names) if n_boot else {}
    rows = []
    for name in names:
        lo, hi = _interval(dist[name], level) if n_boot else (float("nan"), float("nan"))
        rows.append({"metric": name, "value": float(point[name][0]), "ci_low": lo, "ci_high": hi, "n": len(y)})
    return pd.DataFrame(rows, columns=["metric", "value", "ci_low", "ci_high", "n"])


_METRIC_NAMES = {name.lower(): name for name in CLASSIFICATION_METRICS} | {"auprc": "auPR", "auc": "auROC"}


def _runs(probs, fn: str) -> list[np.ndarray]:
    """One model's runs: an (N, C) array is one run; a list of (N, C) arrays or an (S, N, C) array is S runs."""
    if isinstance(probs, (list, tuple)) and len(probs) and np.ndim(probs[0]) == 2:
        return list(probs)
    a = np.asarray(probs, dtype=float)
    if a.ndim == 3:
        if a.shape[0] == 0:
            raise ValueError(f"{fn}: no runs (an empty list of probability arrays).")
        return list(a)
    return [a]


def paired_difference(y, probs_a, probs_b, metric: str = "MCC", *, n_boot: int = 1000, seed: int = 0,
                      level: float = 0.95) -> dict[str, float]:
    """Difference metric(a) - metric(b) of two classifiers on the same test units, with a paired bootstrap interval.

    Parameters
    ----------
    y : (N,) int
        True classes 0..C-1 of the N test units.
    probs_a, probs_b : (N, C) float, or a list of them (or an (S, N, C) array)
        Class probabilities of models a and b on the same units, in the same order. A list
        holds several runs of one model (e.g. seeds): its metric is then the mean over its runs,
        on each resample as on the whole test set. a and b may have different numbers of runs.
    metric : str
        ``"MCC"``, ``"F1"``, ``"accuracy"``, ``"auROC"`` or ``"auPR"`` (case-insensitive; the
        last two for C = 2 only), as in :func:`classification_scores`.
    n_boot, seed, level
        As in :func:`classification_scores`; with the same seed the resamples are the same.

    Returns
    -------
    dict with ``value`` (the difference on all N units), ``ci_low``, ``ci_high`` (percentile
    interval of the differences, both models scored on the same resampled units each time) and
    ``n`` (N). "a beats b" at this level reads ``ci_low > 0``. A model compared with itself
    gives exactly 0 and the interval [0, 0].
    """
    runs_a = _runs(probs_a, "paired_difference")
    runs_b = _runs(probs_b, "paired_difference")
    checked = [_classification_inputs(y, p, "paired_difference") for p in runs_a + runs_b]
    y = checked[0][0]
    runs = [p for _, p in checked]
    runs_a, runs_b = runs[:len(runs_a)], runs[len(runs_a):]
    if len({p.shape for p in runs}) > 1:
        raise ValueError(f"paired_difference: every probability array must have the same shape (the same test "
                         f"units and classes); got {sorted({p.shape for p in runs})}.")
    name = _METRIC_NAMES.get(str(metric).lower())
    if name is None:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(CLASSIFICATION_METRICS)}.")
    if name in ("auROC", "auPR") and runs[0].shape[1] != 2:
        raise ValueError(f"{name} is defined for binary tasks (2 probability columns); got {runs[0].shape[1]}.")
    _check_boot(n_boot, level)

    def mean_of(model_runs: list[np.ndarray], idx: np.ndarray) -> np.ndarray:
        values = [_scores_of(y, p, idx, (name,))[name] for p in model_runs]
        return values[0] if len(values) == 1 else np.mean(values, axis=0)

    def diff(idx: np.ndarray) -> np.ndarray:
        return mean_of(runs_a, idx) - mean_of(runs_b, idx)

    value = float(diff(np.arange(len(y))[None])[0])
    lo, hi = _interval(diff(_resamples(len(y), n_boot, seed)), level) if n_boot else (float("nan"),) * 2
    return {"value": value, "ci_low": lo, "ci_high": hi, "n": len(y)}


# --------------------------------------------------------------------------- cross-cell-type matrices
#
# DeepCAGE (Methods, "evaluation metrics"): Y and Ŷ are (L loci × K test cell types) matrices.
# Cell-type-wise metrics use each column y_{*k} (over loci), locus-wise metrics each row y_{l*}
# (over cell types). Undefined values (one class for auPR / auROC, a constant vector for
# Pearson) are NaN, computed without warnings.

_MATRIX_METRICS = {"auprc": "auprc", "aupr": "auprc", "average_precision": "auprc",
                   "auroc": "auroc", "pearson": "pearson"}


def _finite_matrix(x, name: str, fn: str) -> np.ndarray:
    """``x`` as a float (L, K) array; a wrong shape or a NaN/inf entry raises naming its position."""
    a = np.asarray(x, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{fn}: {name} must be a 2-D (loci × cell types) matrix; got shape {a.shape}. "
                         "Reshape 1-D values with .reshape(-1, 1) for one cell type.")
    if a.size == 0:
        raise ValueError(f"{fn}: {name} has shape {a.shape}; it needs at least one locus and one cell type.")
    bad = ~np.isfinite(a)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise ValueError(f"{fn}: {name}[{i}, {j}] is {a[i, j]} ({int(bad.sum())} non-finite entries in all). "
                         "Drop or fill those loci / cell types first; NaN is not a label or a prediction.")
    return a


def _matrix_pair(y, p, fn: str) -> tuple[np.ndarray, np.ndarray]:
    y = _finite_matrix(y, "y", fn)
    p = _finite_matrix(p, "p", fn)
    if y.shape != p.shape:
        raise ValueError(f"{fn}: y has shape {y.shape} but p has shape {p.shape}; both must be "
                         "(L loci × K cell types) with the same rows and columns.")
    return y, p


def _binary_matrix(y: np.ndarray, fn: str, metric: str) -> None:
    bad = (y != 0) & (y != 1)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise ValueError(f"{fn}: {metric} needs binary labels in {{0, 1}}; y[{i}, {j}] is {y[i, j]}. "
                         "Threshold the signal first (e.g. y > 1 for 'active'), or use metric='pearson'.")


def _pearson_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Pearson r of each row pair of (n, m) arrays -> (n,); NaN where a row is constant or m < 2."""
    out = np.full(y.shape[0], np.nan)
    ok = (np.ptp(y, axis=1) > 0) & (np.ptp(p, axis=1) > 0) if y.shape[1] >= 2 else np.zeros(y.shape[0], bool)
    if ok.any():
        a = y[ok] - y[ok].mean(axis=1, keepdims=True)
        b = p[ok] - p[ok].mean(axis=1, keepdims=True)
        r = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
        out[ok] = np.clip(r, -1.0, 1.0)
    return out


def _metric_key(metric) -> str | None:
    if isinstance(metric, str):
        key = _MATRIX_METRICS.get(metric.lower())
        if key is None:
            raise ValueError(f"unknown metric {metric!r}; use one of 'auprc', 'auroc', 'pearson' or pass a "
                             "function f(y, p) -> float of two 1-D arrays.")
        return key
    if metric is auprc:
        return "auprc"
    if metric is auroc:
        return "auroc"
    if metric is pearson:
        return "pearson"
    if not callable(metric):
        raise TypeError(f"metric must be a name ('auprc', 'auroc', 'pearson') or a function; got "
                        f"{type(metric).__name__}")
    return None


def _rowwise(y: np.ndarray, p: np.ndarray, metric, fn: str) -> np.ndarray:
    key = _metric_key(metric)
    if key == "pearson":
        return _pearson_rows(y, p)
    if key is not None:
        _binary_matrix(y, fn, key)
        return auprc_rows(y, p) if key == "auprc" else auroc_rows(y, p)
    out = np.full(y.shape[0], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(y.shape[0]):
            try:
                out[i] = float(metric(y[i], p[i]))
            except ValueError:  # undefined on this vector (e.g. a single class)
                pass
    return out


def celltype_wise(y, p, metric="pearson") -> np.ndarray:
    """Metric of each column (cell type, over loci) of y, p (L, K) -> (K,) float; NaN where undefined.

    ``metric`` is ``"auprc"`` (average precision, as :func:`auprc`), ``"auroc"``,
    ``"pearson"``, one of those functions of this module, or any ``f(y, p) -> float`` on
    two (L,) arrays (a ``ValueError`` from it gives NaN). auPR / auROC need binary y and are
    NaN for a column with one class; Pearson is NaN for a constant column. No warnings.
    """
    y, p = _matrix_pair(y, p, "celltype_wise")
    key = _metric_key(metric)
    if key is None:
        return _rowwise(y.T, p.T, metric, "celltype_wise")
    if key == "pearson":
        return _pearson_rows(y.T, p.T)
    _binary_matrix(y, "celltype_wise", key)
    return auprc_rows(y.T, p.T) if key == "auprc" else auroc_rows(y.T, p.T)


def locus_wise(y, p, metric="pearson") -> np.ndarray:
    """Metric of each row (locus, over the K cell types) of y, p (L, K) -> (L,) float; NaN where undefined.

    Same ``metric`` choices as :func:`celltype_wise`. ``"pearson"``, ``"auprc"`` and
    ``"auroc"`` are vectorised over rows (100k loci × 11 cell types in well under a second);
    auPR equals ``sklearn.metrics.average_precision_score`` per row (ties handled the same
    way), auROC is the Mann–Whitney form with average ranks. Rows with one class (auPR,
    auROC) or a constant y or p row (Pearson), and every row when K < 2 (Pearson), are NaN.
    """
    y, p = _matrix_pair(y, p, "locus_wise")
    return _rowwise(y, p, metric, "locus_wise")


def psr(y, p) -> float:
    """Prediction squared error of y, p (L, K): sum_k sum_l (y_lk - p_lk)^2 / sum_k sum_l (ybar_{*k})^2.

    This is the paper's formula as printed (DeepCAGE, Methods): ``ybar_{*k}`` is the mean of
    column k (cell type k over loci), and the denominator sums the *squared column means*
    over all L loci and K cell types, i.e. ``L * sum_k ybar_{*k}^2`` -- not the variance
    (a variance denominator would be 1 - R^2 style). Dimensionless, >= 0; NaN when every
    column mean is 0.
    """
    y, p = _matrix_pair(y, p, "psr")
    den = y.shape[0] * float(np.sum(y.mean(axis=0) ** 2))
    if den == 0:
        return float("nan")
    return float(np.sum((y - p) ** 2) / den)


def cell_range(y) -> np.ndarray:
    """Cell range of each locus of y (L, K) -> (L,): max - min over the K cell types (units of y)."""
    y = _finite_matrix(y, "y", "cell_range")
    return np.ptp(y, axis=1)


def cell_variability(y) -> np.ndarray:
    """Cell variability of each locus of y (L, K) -> (L,): standard deviation over the K cell types.

    Population standard deviation (``ddof=0``, divide by K), in the units of y.
    """
    y = _finite_matrix(y, "y", "cell_variability")
    return y.std(axis=1, ddof=0)


def _finite_vector(values, fn: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"{fn}: values must be 1-D (one value per locus); got shape {v.shape}. "
                         "Pass e.g. cell_range(y), a (L,) array.")
    if v.size == 0:
        raise ValueError(f"{fn}: values is empty; give at least one value.")
    bad = ~np.isfinite(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{fn}: values[{i}] is {v[i]} ({int(bad.sum())} non-finite in all). Drop those "
                         "loci first (e.g. values[np.isfinite(values)]).")
    return v


def quartile_groups(values) -> np.ndarray:
    """'low' / 'median' / 'high' group of each of values (L,) -> (L,) str, the paper's Fig 3D groups.

    'low': below the 1st quartile; 'high': above the 3rd quartile; 'median': between them,
    both quartiles included. Quartiles are ``np.percentile(values, [25, 75])`` (linear
    interpolation).
    """
    v = _finite_vector(values, "quartile_groups")
    q1, q3 = np.percentile(v, [25, 75])
    out = np.full(v.shape, "median", dtype="<U6")
    out[v < q1] = "low"
    out[v > q3] = "high"
    return out


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def bin_groups(values, edges, labels=None) -> np.ndarray:
    """Label of the bin of each of values (N,) -> (N,) str; bins [e_i, e_{i+1}), the last one closed.

    For the paper's groupings by the fraction (Fig 2B) or the number (Fig 3E) of active test
    cell types. ``edges`` must increase strictly (at least 2). Default labels: when edges
    and values are all whole numbers, the integers each bin holds, ``'0–1'``, ``'2–3'``,
    ..., the last including its right edge (``'4–6'``), a single integer as ``'5'``;
    otherwise intervals ``'[0.1, 0.3)'``, the last ``'[0.5, 1]'``. A value outside
    [edges[0], edges[-1]] raises.
    """
    v = _finite_vector(values, "bin_groups")
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)):
        raise ValueError(f"bin_groups: edges must be a 1-D list of at least 2 finite numbers; got {edges!r}.")
    if np.any(np.diff(e) <= 0):
        raise ValueError(f"bin_groups: edges must increase strictly; got {e.tolist()}. Sort them and drop repeats.")
    n_bins = e.size - 1
    if labels is None:
        if np.all(e == np.floor(e)) and np.all(v == np.floor(v)):
            labels = []
            for i in range(n_bins):
                lo, hi = int(e[i]), int(e[i + 1]) - (0 if i == n_bins - 1 else 1)
                labels.append(str(lo) if lo == hi else f"{lo}–{hi}")
        else:
            labels = [f"[{_fmt(e[i])}, {_fmt(e[i + 1])}{']' if i == n_bins - 1 else ')'}" for i in range(n_bins)]
    labels = [str(s) for s in labels]
    if len(labels) != n_bins:
        raise ValueError(f"bin_groups: {len(labels)} labels for {n_bins} bins ({e.size} edges); give one "
                         "label per bin (len(edges) - 1).")
    outside = (v < e[0]) | (v > e[-1])
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ValueError(f"bin_groups: values[{i}] = {_fmt(v[i])} is outside the edges [{_fmt(e[0])}, "
                         f"{_fmt(e[-1])}] ({int(outside.sum())} values in all). Widen the edges to cover "
                         f"min {_fmt(v.min())} and max {_fmt(v.max())}.")
    idx = np.searchsorted(e, v, side="right") - 1
    idx = np.minimum(idx, n_bins - 1)  # the right edge belongs to the last bin
    return np.asarray(labels, dtype=str)[idx]


def mean_ci(values, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """(mean, lower, upper): percentile-bootstrap interval of the mean of ``values`` (NaNs dropped).

    Used for means over cell types (e.g. mean cell-type-wise auPR over the test cell types).
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    if v.size == 0:
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    lo, hi = np.percentile(means, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(v.mean()), float(lo), float(hi)
