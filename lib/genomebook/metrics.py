"""Evaluation metrics: thin wrappers over scikit-learn / scipy, plus bootstrap confidence intervals.

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
    "pearson",
    "topk_accuracy",
    "bootstrap_ci",
    "paired_wilcoxon",
    "summary",
    "celltype_wise",
    "locus_wise",
    "psr",
    "cell_range",
    "cell_variability",
    "quartile_groups",
    "bin_groups",
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


def _both_classes_rows(y: np.ndarray) -> np.ndarray:
    n_pos = y.sum(axis=1)
    return (n_pos > 0) & (n_pos < y.shape[1])


def _average_precision_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Average precision of each row of binary y (n, m) scored by p (n, m) -> (n,); NaN without both classes.

    Vectorised form of ``sklearn.metrics.average_precision_score``: AP = sum over distinct
    score thresholds of (R_t - R_{t-1}) P_t; tied scores form one threshold, so every
    positive contributes the precision at the end of its tie group, divided by #positives.
    """
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


def _auroc_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """ROC AUC of each row (Mann–Whitney U with average ranks for ties) -> (n,); NaN without both classes."""
    out = np.full(y.shape[0], np.nan)
    ok = _both_classes_rows(y)
    if ok.any():
        yy = y[ok]
        ranks = stats.rankdata(p[ok], axis=1)
        n_pos = yy.sum(axis=1)
        n_neg = yy.shape[1] - n_pos
        out[ok] = ((ranks * yy).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
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
        return _average_precision_rows(y, p) if key == "auprc" else _auroc_rows(y, p)
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
    score = skm.average_precision_score if key == "auprc" else skm.roc_auc_score
    out = np.full(y.shape[1], np.nan)
    for k in np.flatnonzero(_both_classes_rows(y.T)):
        out[k] = float(score(y[:, k], p[:, k]))
    return out


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
