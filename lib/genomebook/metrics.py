"""Evaluation metrics: thin wrappers over scikit-learn / scipy, plus bootstrap confidence intervals.

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
    "pearson",
    "topk_accuracy",
    "bootstrap_ci",
    "paired_wilcoxon",
    "summary",
]

Metric = Callable[[np.ndarray, np.ndarray], float]


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
        return p[:, 1]
    return p


def _predict(p: np.ndarray, threshold: float) -> np.ndarray:
    """Hard predictions: p >= threshold for (N,) scores, argmax over columns for (N, C)."""
    return np.argmax(p, axis=1) if p.ndim == 2 else (p >= threshold).astype(int)


def auroc(y, p) -> float:
    """Area under the ROC curve for binary y (N,) and scores p (N,) (or (N, 2): column 1 used)."""
    y, p = _as_pair(y, p)
    _need_both_classes(y, "auROC")
    return float(skm.roc_auc_score(y, _binary_scores(p, "auROC")))


def auprc(y, p) -> float:
    """Area under the precision-recall curve as average precision, for binary y (N,) and scores p (N,)."""
    y, p = _as_pair(y, p)
    _need_both_classes(y, "auPR")
    return float(skm.average_precision_score(y, _binary_scores(p, "auPR")))


def f1(y, p, threshold: float = 0.5) -> float:
    """F1 score of p >= threshold for binary (N,) p; macro F1 of argmax for (N, C) p with C > 2."""
    y, p = _as_pair(y, p)
    if p.ndim == 2 and p.shape[1] > 2:
        return float(skm.f1_score(y, _predict(p, threshold), average="macro", zero_division=0.0))
    return float(skm.f1_score(y, _predict(p, threshold), labels=[0, 1], zero_division=0.0))


def mcc(y, p, threshold: float = 0.5) -> float:
    """Matthews correlation coefficient of p >= threshold (N,), or of argmax for (N, C) p; in [-1, 1]."""
    y, p = _as_pair(y, p)
    pred = _predict(p, threshold)
    with warnings.catch_warnings():  # a single label (e.g. in a bootstrap resample) is fine: MCC is 0
        warnings.simplefilter("ignore", UserWarning)
        return float(skm.matthews_corrcoef(y, pred))


def accuracy(y, p, threshold: float = 0.5) -> float:
    """Fraction correct of p >= threshold (N,), or of argmax for (N, C) p; in [0, 1]."""
    y, p = _as_pair(y, p)
    return float(skm.accuracy_score(y, _predict(p, threshold)))


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
