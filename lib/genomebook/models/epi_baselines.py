"""Floors and simple baselines for enhancer–promoter interaction, and TargetFinder's boosted trees.

Every model here takes pair tables as :func:`genomebook.datasets.epi.make_protocol` (or
:func:`genomebook.datasets.targetfinder.read_pairs`) returns them: ``fit(table)`` reads the
``label`` column of the training rows (augmented copies included, so the training class
balance sets what a 0.5 threshold means, as for the sequence models), and
``predict_proba(table) -> (N,)`` gives each pair's probability of interacting. Score them with
:func:`genomebook.metrics.f1` and :func:`genomebook.metrics.auprc`.

* :class:`AllPositive` - every pair interacts: the F1 floor (2p / (1 + p) at positive rate p).
* :class:`DistanceBaseline` - logistic regression on log distance.
* :class:`ElementPropensity` - how often this enhancer and this promoter interact in training.
* :class:`TargetFinderGBT` - gradient-boosted trees on TargetFinder's E/P, EE/P or E/P/W
  signal features (Whalen et al. 2016).
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from genomebook.datasets.epi import element_ids

__all__ = ["AllPositive", "DistanceBaseline", "ElementPropensity", "TargetFinderGBT", "FEATURE_SETS",
           "feature_columns"]

FEATURE_SETS = {
    "E/P": (" (enhancer)", " (promoter)"),
    "EE/P": (" (extended enhancer)", " (promoter)"),
    "E/P/W": (" (enhancer)", " (promoter)", " (window)"),
}
"""TargetFinder's feature sets as column-name suffixes of a pair table (signal over the region)."""


def _labels(table: pd.DataFrame, who: str) -> np.ndarray:
    if "label" not in table.columns:
        raise ValueError(f"{who}.fit: the table has no 'label' column; pass the training rows of a pair table.")
    y = table["label"].to_numpy()
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{who}.fit: labels must be 0 or 1; got values {sorted(set(y.tolist()))[:5]}.")
    if len(np.unique(y)) < 2:
        raise ValueError(f"{who}.fit: the training rows hold one class only (all {int(y[0])}); a baseline needs "
                         "both interacting and non-interacting pairs.")
    return y.astype(np.int64)


def _fitted(model, attr: str) -> None:
    if not hasattr(model, attr):
        raise RuntimeError(f"{type(model).__name__}: call fit(train_table) before predict_proba().")


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


class AllPositive:
    """Predicts that every pair interacts (probability 1): the floor every model must beat.

    Sees nothing. Its F1 is 2p / (1 + p) for a test set with positive rate p (about 0.09 at
    TargetFinder's 1:20) and its auPR is p. Used by the enhancer_promoter and epsat_eplae
    chapters.
    """

    def fit(self, table: pd.DataFrame) -> "AllPositive":
        """Nothing to learn; records the training positive rate (``rate_``) for reference."""
        self.rate_ = float(_labels(table, "AllPositive").mean())
        return self

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """1.0 for every row of ``table``."""
        return np.ones(len(table))


class DistanceBaseline:
    """Logistic regression on log10(1 + distance) between enhancer and promoter.

    Sees only the ``distance`` column (as the table gives it); not the elements, their
    signals or their sequence. TargetFinder drew its negatives in distance bins matched to the
    positives, so on its tables distance alone should be weak; CBOEP's negatives cover other
    distances. A monotone function of distance: its auPR is that of ranking pairs by distance
    (in the direction training favours). Used by the enhancer_promoter and epsat_eplae chapters.
    """

    def __init__(self, *, C: float = 1.0, seed: int = 0) -> None:
        self.C, self.seed = C, seed

    @staticmethod
    def _x(table: pd.DataFrame) -> np.ndarray:
        if "distance" not in table.columns:
            raise ValueError("DistanceBaseline: the table has no 'distance' column (enhancer-promoter distance, bp).")
        d = pd.to_numeric(table["distance"], errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(d) | (d < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"DistanceBaseline: row {i} has distance {table['distance'].iloc[i]!r}; distances must "
                             "be non-negative numbers (the file's enhancer_distance_to_promoter, or centre_distance).")
        return np.log10(1.0 + d)[:, None]

    def fit(self, table: pd.DataFrame) -> "DistanceBaseline":
        """Fit on the training rows' log distance and label."""
        y = _labels(table, "DistanceBaseline")
        x = self._x(table)
        self.mean_, self.scale_ = float(x.mean()), float(x.std()) or 1.0
        self.model_ = LogisticRegression(C=self.C, random_state=self.seed).fit((x - self.mean_) / self.scale_, y)
        return self

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """P(interaction | distance) for each row, (N,)."""
        _fitted(self, "model_")
        return self.model_.predict_proba((self._x(table) - self.mean_) / self.scale_)[:, 1]


class ElementPropensity:
    """How often this enhancer and this promoter interact in training, combined naive-Bayes style.

    For each element seen in training, its smoothed positive rate
    ``r = (positives + smoothing * pi) / (pairs + smoothing)`` over the training rows that
    contain it (``pi`` = the training positive rate); an element not seen in training gets
    ``pi``. The pair's probability adds the two elements' evidence on the log-odds scale:
    ``logit p = logit r_enhancer + logit r_promoter - logit pi`` (independence assumed), so a
    pair of two unseen elements gets ``pi``.

    Sees only element identities (coordinates, :func:`genomebook.datasets.epi.element_ids`) and
    the training labels - no sequence, signal or distance. It can only rank pairs whose elements
    it has met: under a random split of pairs most test elements were in training and it scores
    well (the known explanation of inflated EPI scores, Mao, Kostka & Chikina 2018); under a
    chromosome or element-disjoint split every test element is new and it falls to the training
    rate. On training rows it has seen the row's own label. Used by the enhancer_promoter and
    epsat_eplae chapters.
    """

    def __init__(self, *, smoothing: float = 1.0) -> None:
        if not smoothing > 0:
            raise ValueError(f"smoothing must be > 0 (pseudo-pairs at the training rate), got {smoothing}.")
        self.smoothing = float(smoothing)

    @staticmethod
    def _ids(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        if {"enhancer_id", "promoter_id"} <= set(table.columns):
            return table["enhancer_id"].to_numpy(), table["promoter_id"].to_numpy()
        return element_ids(table)

    def fit(self, table: pd.DataFrame) -> "ElementPropensity":
        """Count each element's positives and pairs among the training rows."""
        y = _labels(table, "ElementPropensity").astype(np.float64)
        self.rate_ = float(y.mean())
        self.tables_ = {}
        for side, ids in zip(("enhancer", "promoter"), self._ids(table)):
            g = pd.Series(y).groupby(ids).agg(["sum", "size"])
            self.tables_[side] = (g["sum"] + self.smoothing * self.rate_) / (g["size"] + self.smoothing)
        return self

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """The combined propensity of each row's enhancer and promoter, (N,)."""
        _fitted(self, "rate_")
        prior = _logit(np.float64(self.rate_))
        z = np.full(len(table), prior)
        for side, ids in zip(("enhancer", "promoter"), self._ids(table)):
            r = pd.Series(ids).map(self.tables_[side]).fillna(self.rate_).to_numpy(np.float64)
            z += _logit(r) - prior
        return 1.0 / (1.0 + np.exp(-z))


def feature_columns(table: pd.DataFrame, feature_set: str) -> list[str]:
    """The columns of ``table`` that make TargetFinder's ``feature_set`` (see :data:`FEATURE_SETS`).

    ``E/P``: ``X (enhancer)`` and ``X (promoter)`` signals; ``E/P/W``: those plus ``X (window)``
    (the signal between the two elements); ``EE/P``: ``X (extended enhancer)`` (signal over the
    enhancer with 3 kb flanks, TargetFinder's ``output-eep`` tables) and ``X (promoter)``.
    Distance is never a feature (TargetFinder lists it as a non-predictor). Used by the
    enhancer_promoter and epsat_eplae chapters.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {', '.join(FEATURE_SETS)}; got {feature_set!r}.")
    cols = [c for c in table.columns if isinstance(c, str) and c.endswith(FEATURE_SETS[feature_set])]
    for suffix in FEATURE_SETS[feature_set]:
        if not any(c.endswith(suffix) for c in cols):
            extra = (" No mirrored table has extended-enhancer signal: TargetFinder's output-eep training tables "
                     "(registry 'targetfinder_ep_pairs', fetch: manual) store it under '(enhancer)' names - rename "
                     "those columns to '... (extended enhancer)'.") if "extended" in suffix else (
                     " Read a feature table (e.g. registry 'transepi_whalen_<cell>').")
            raise ValueError(f"feature set {feature_set} needs columns named 'X{suffix}'; the table has none."
                             + extra)
    return cols


class TargetFinderGBT:
    """TargetFinder (Whalen et al. 2016): gradient-boosted trees on the pair's functional-genomics signals.

    Sees the signal columns of one feature set (:func:`feature_columns`): ``E/P`` the signals
    over the enhancer and the promoter, ``EE/P`` over the enhancer with 3 kb flanks and the
    promoter, ``E/P/W`` also over the window between them. Not the sequence, not the distance,
    not element identities - but identical elements carry identical signals, so under a random
    split it can recognise elements it has met. scikit-learn's ``HistGradientBoostingClassifier``
    (seeded, no early stopping, so every row given is used for fitting). TargetFinder's own
    settings (its README: 4,000 trees, learning rate 0.1, depth 5, log2 features per split) are
    slower; ``max_iter`` trades time for fit. ``n_threads`` caps the OpenMP threads of fit and
    predict (1 is much faster on small tables and busy shared cores; None leaves the library's
    default, all cores). Missing values are refused: on a CBOEP table the
    negatives have no window signal, and a tree would read the label off the gap. Used by the
    enhancer_promoter and epsat_eplae chapters.
    """

    def __init__(self, feature_set: str = "E/P/W", *, max_iter: int = 300, learning_rate: float = 0.1,
                 max_depth: int | None = 5, max_features: float = 1.0, n_threads: int | None = None,
                 seed: int = 0) -> None:
        if feature_set not in FEATURE_SETS:
            raise ValueError(f"feature_set must be one of {', '.join(FEATURE_SETS)}; got {feature_set!r}.")
        self.feature_set, self.max_iter, self.learning_rate = feature_set, max_iter, learning_rate
        self.max_depth, self.max_features, self.n_threads, self.seed = max_depth, max_features, n_threads, seed

    def _threads(self):
        return nullcontext() if self.n_threads is None else threadpool_limits(limits=int(self.n_threads))

    def _x(self, table: pd.DataFrame, cols: list[str]) -> np.ndarray:
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"TargetFinderGBT ({self.feature_set}): the table lacks {len(missing)} feature column(s) "
                             f"seen in training, e.g. {missing[0]!r}.")
        x = table[cols].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(x)
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(f"TargetFinderGBT ({self.feature_set}): row {i}, column {cols[j]!r} is missing or not a "
                             "number. Features must be complete (CBOEP negatives carry no window signal: use E/P "
                             "there).")
        return x

    def fit(self, table: pd.DataFrame) -> "TargetFinderGBT":
        """Fit the trees on the training rows' feature-set columns and labels."""
        y = _labels(table, "TargetFinderGBT")
        self.columns_ = feature_columns(table, self.feature_set)
        x = self._x(table, self.columns_)
        with self._threads():
            self.model_ = HistGradientBoostingClassifier(
                max_iter=self.max_iter, learning_rate=self.learning_rate, max_depth=self.max_depth,
                max_features=self.max_features, early_stopping=False, random_state=self.seed,
            ).fit(x, y)
        return self

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """P(interaction | signals) for each row, (N,)."""
        _fitted(self, "model_")
        x = self._x(table, self.columns_)
        with self._threads():
            return self.model_.predict_proba(x)[:, 1]
