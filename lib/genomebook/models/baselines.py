"""Non-neural cross-cell-type baselines (NumPy, closed form, no training loop).

Both predict an (L loci, K' test cell types) matrix from what was seen in training cell types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class TrainingMean:
    """Each locus's mean label/signal over the training cell types, for every test cell type.

    ``fit(y_train (L, K_train))``; ``predict(n_cells) -> (L, n_cells)``. NaN entries are
    skipped in the mean (a locus with no finite value predicts NaN). A strong baseline for
    cross-cell-type prediction (Nair et al. 2019, ChromDragoNN): most accessible loci are
    accessible in most cell types.
    """

    def fit(self, y_train: np.ndarray) -> "TrainingMean":
        y = np.asarray(y_train, dtype=np.float64)
        if y.ndim != 2:
            raise ValueError(f"y_train must be (loci, training cell types); got shape {y.shape}.")
        with np.errstate(invalid="ignore"):
            counts = np.isfinite(y).sum(axis=1)
            self.mean_ = np.where(counts > 0, np.nansum(y, axis=1) / np.maximum(counts, 1), np.nan)
        return self

    def predict(self, n_cells: int) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise RuntimeError("call fit(y_train) before predict().")
        return np.repeat(self.mean_[:, None], int(n_cells), axis=1)


@dataclass
class BIRDConfig:
    """Sizes of :class:`BIRDLike` (chosen; BIRD: Zhou et al. 2017, Nat. Commun.)."""

    n_components: int = 10   # principal components of the standardised TF expression kept
    ridge: float = 1.0       # L2 penalty on the component coefficients (intercept unpenalised)


class BIRDLike:
    """Expression-only regression of each locus's accessibility on the cell type's TF expression.

    ``fit(expr_train (K, T), y_train (L, K))``; ``predict(expr_test (K', T)) -> (L, K')``.
    Expression is standardised per TF (training-cell mean and s.d.), projected onto its top
    ``n_components`` principal components ``P = U S`` (K, n), and every locus gets its own ridge
    regression ``y_l ~ a_l + P b_l``, solved for all loci at once: because the scores are centred
    and orthogonal, ``a_l`` is the locus's training mean and ``b_l = diag(s / (s^2 + ridge)) U^T
    (y_l - a_l)``. At most K - 1 components are informative; components with zero variance are
    dropped. ``y_train`` must be finite.
    """

    def __init__(self, config: BIRDConfig | None = None, **sizes) -> None:
        self.config = config or BIRDConfig(**sizes)

    def fit(self, expr_train: np.ndarray, y_train: np.ndarray) -> "BIRDLike":
        e = np.asarray(expr_train, dtype=np.float64)
        y = np.asarray(y_train, dtype=np.float64)
        if e.ndim != 2 or y.ndim != 2 or y.shape[1] != e.shape[0]:
            raise ValueError(f"need expr_train (K, T) and y_train (L, K) with the same K; "
                             f"got {e.shape} and {y.shape}.")
        if not np.isfinite(y).all() or not np.isfinite(e).all():
            raise ValueError("expr_train and y_train must be finite (drop or impute NaNs first).")
        self.mean_ = e.mean(axis=0)
        sd = e.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        z = (e - self.mean_) / self.scale_
        u, s, vt = np.linalg.svd(z, full_matrices=False)
        keep = min(self.config.n_components, int((s > s.max(initial=0.0) * 1e-10).sum()))
        self.components_ = vt[:keep]                                    # (n, T)
        u, s = u[:, :keep], s[:keep]
        self.intercept_ = y.mean(axis=1)                                # (L,)
        yc = y - self.intercept_[:, None]
        shrink = s / (s**2 + self.config.ridge)                         # (n,)
        self.coef_ = (yc @ u) * shrink                                  # (L, n)
        return self

    def transform(self, expr: np.ndarray) -> np.ndarray:
        """Principal-component scores (K', n) of expression rows, on the training scale."""
        e = np.asarray(expr, dtype=np.float64)
        return ((e - self.mean_) / self.scale_) @ self.components_.T

    def predict(self, expr_test: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise RuntimeError("call fit(expr_train, y_train) before predict().")
        return self.intercept_[:, None] + self.coef_ @ self.transform(expr_test).T
