"""Non-neural baselines (no training loop): cross-cell-type ones and a k-mer composition classifier.

:class:`TrainingMean` and :class:`BIRDLike` predict an (L loci, K' test cell types) matrix from
what was seen in training cell types. :class:`KmerLogisticRegression` classifies sequences from
their k-mer composition alone, the baseline that keeps a sequence model honest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, diags
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from genomebook import metrics

_BASE_CODE = np.full(256, 4, dtype=np.int64)  # A C G T -> 0..3 (any case); anything else (N) -> 4
for _i, _b in enumerate("ACGT"):
    _BASE_CODE[ord(_b)] = _BASE_CODE[ord(_b.lower())] = _i


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


def kmer_counts(seqs: Sequence[str], k: int, *, both_strands: bool = True, sparse: bool = False):
    """Overlapping k-mer frequencies of each sequence: (N, 4**k) float64, rows summing to 1 (or 0).

    Column ``j`` is the k-mer whose bases, read as base-4 digits (A=0, C=1, G=2, T=3), spell
    ``j`` (AA..A first). k-mers holding an N (or any other letter) are skipped. With
    ``both_strands`` a k-mer and its reverse complement are counted together (the count of
    each is the sum of both), so the features do not depend on the strand. Frequencies, not
    counts, so that sequence length does not enter. ``sparse=True`` returns a SciPy CSR matrix
    (a 200 bp sequence has at most ~400 of the 4096 6-mers), dense NumPy otherwise. Used by
    :class:`KmerLogisticRegression`.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n_words = 4 ** k
    weights = 4 ** np.arange(k - 1, -1, -1)
    rows, cols, vals = [], [], []
    for row, s in enumerate(seqs):
        codes = _BASE_CODE[np.frombuffer(s.encode("ascii", "replace"), dtype=np.uint8)]
        if len(codes) < k:
            continue
        windows = np.lib.stride_tricks.sliding_window_view(codes, k)
        words, counts = np.unique(windows[(windows < 4).all(axis=1)] @ weights, return_counts=True)
        rows.append(np.full(len(words), row))
        cols.append(words)
        vals.append(counts.astype(np.float64))
    cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype))  # noqa: E731
    out = csr_matrix((cat(vals, np.float64), (cat(rows, np.int64), cat(cols, np.int64))),
                     shape=(len(seqs), n_words))
    if both_strands:
        # reverse complement of word j: complement every digit (3 - d) and reverse the digits
        digits = (np.arange(n_words)[:, None] // weights) % 4
        rc = ((3 - digits)[:, ::-1] * weights).sum(axis=1)
        out = (out + out[:, rc]).tocsr()
    totals = np.asarray(out.sum(axis=1)).ravel()
    out = csr_matrix(diags(np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)) @ out)
    return out if sparse else out.toarray()


class KmerLogisticRegression:
    """Logistic regression on k-mer frequencies, k chosen on a validation set.

    ``fit(train_seqs, y_train, val_seqs, y_val)`` fits one L2-penalised logistic regression
    (scikit-learn, standardised :func:`kmer_counts` features, both strands) per k in ``ks`` on
    the training sequences only, scores each on the validation sequences (auROC for two classes,
    accuracy for more) and keeps the best k (the smallest on a tie); ``validation_`` holds the
    scores (columns k, metric, value). ``predict_proba(seqs) -> (N, C)`` class probabilities.
    It sees composition only (GC, CpG, short words), never positions: when it matches a
    sequence model, the model has not shown that it learned more than composition. Used by
    the motifs chapter.
    """

    def __init__(self, ks: Sequence[int] = (2, 3, 4, 5, 6), *, C: float = 1.0, max_iter: int = 2000,
                 seed: int = 0) -> None:
        if not len(ks) or min(ks) < 1:
            raise ValueError(f"ks must be a non-empty list of k >= 1; got {list(ks)}")
        self.ks, self.C, self.max_iter, self.seed = list(ks), C, max_iter, seed

    def _model(self, k: int, seqs, y):
        x = kmer_counts(seqs, k, sparse=True)
        scaler = StandardScaler(with_mean=False).fit(x)  # sparse input: scale, do not centre
        clf = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
        return scaler, clf.fit(scaler.transform(x), y)

    def fit(self, train_seqs: Sequence[str], y_train, val_seqs: Sequence[str], y_val) -> "KmerLogisticRegression":
        y_train, y_val = np.asarray(y_train), np.asarray(y_val)
        if len(set(y_train.tolist())) < 2:
            raise ValueError("the training labels hold one class only; a classifier needs two or more.")
        binary = len(set(y_train.tolist()) | set(y_val.tolist())) == 2
        rows, fitted = [], {}
        for k in self.ks:
            scaler, clf = self._model(k, train_seqs, y_train)
            p = clf.predict_proba(scaler.transform(kmer_counts(val_seqs, k, sparse=True)))
            value = (metrics.auroc(y_val, p[:, 1]) if binary
                     else float((clf.classes_[p.argmax(1)] == y_val).mean()))
            rows.append({"k": k, "metric": "auROC" if binary else "accuracy", "value": value})
            fitted[k] = (scaler, clf)
        self.validation_ = pd.DataFrame(rows)
        best = self.validation_["value"].to_numpy()
        self.k_ = int(self.validation_["k"].iloc[int(np.nanargmax(best))])
        self.scaler_, self.model_ = fitted[self.k_]
        return self

    def predict_proba(self, seqs: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise RuntimeError("call fit(train_seqs, y_train, val_seqs, y_val) before predict_proba().")
        return self.model_.predict_proba(self.scaler_.transform(kmer_counts(seqs, self.k_, sparse=True)))
