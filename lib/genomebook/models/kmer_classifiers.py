"""k-mer classifiers of the kind metabarcoding tools use, for many classes (species) at once.

* :class:`KmerNaiveBayes` - the RDP classifier's naive Bayes (Wang et al. 2007, Appl. Environ.
  Microbiol.): which k-mers each class's training sequences contain, smoothed word
  probabilities, and the sum of log-probabilities of the query's k-mers.
* :class:`KmerNearestNeighbour` - the training sequence sharing the most k-mers with the query
  (Jaccard index of the k-mer sets), the logic of BLAST-top-hit assignment without alignment.

Both use the presence (not the count) of overlapping k-mers of A/C/G/T (k-mers holding N are
skipped), held as SciPy sparse matrices over all ``4**k`` words, so thousands of ~200 bp
sequences and thousands of classes fit in seconds. Used by the metagenomics_12s chapter, beside
the transformers, on the same splits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from genomebook.models.baselines import kmer_counts

__all__ = ["KmerNaiveBayes", "KmerNearestNeighbour", "kmer_presence"]

_CHUNK = 1024  # queries scored at once: bounds the dense (chunk, classes) / (chunk, training) blocks


def kmer_presence(seqs: Sequence[str], k: int, *, both_strands: bool = False, what: str = "sequence"
                  ) -> csr_matrix:
    """Which overlapping k-mers each sequence holds: (N, 4**k) CSR of 0/1 (float64).

    Columns as in :func:`genomebook.models.baselines.kmer_counts` (base-4 spelling, A=0 ... T=3);
    k-mers with N are skipped; ``both_strands`` also marks each k-mer's reverse complement. A
    sequence with no k-mer of A/C/G/T (empty, shorter than k, or all N) raises ValueError naming
    it (``what`` names the kind of input in the message). Used by the metagenomics_12s chapter
    through :class:`KmerNaiveBayes` and :class:`KmerNearestNeighbour`.
    """
    if isinstance(seqs, str):
        raise TypeError(f"pass a list of {what}s, not one string (wrap it: [seq]).")
    seqs = list(seqs)
    x = kmer_counts(seqs, k, both_strands=both_strands, sparse=True)
    x.data[:] = 1.0
    x.eliminate_zeros()
    empty = np.flatnonzero(np.diff(x.indptr) == 0)
    if len(empty):
        i = int(empty[0])
        raise ValueError(f"{len(empty)} {what}(s) have no {k}-mer of A/C/G/T; the first is {what} {i} "
                         f"(length {len(seqs[i])}): {seqs[i][:30]!r}. Each needs at least {k} consecutive "
                         "A/C/G/T bases; drop empty or short reads first.")
    return x


def _check_fit(seqs, labels) -> tuple[list[str], np.ndarray]:
    if isinstance(seqs, str):
        raise TypeError("pass a list of training sequences, not one string.")
    seqs = list(seqs)
    labels = np.asarray(labels, dtype=object)
    if labels.ndim != 1 or len(labels) != len(seqs):
        raise ValueError(f"need one label per sequence; got {len(seqs)} sequences and labels of shape {labels.shape}.")
    if not len(seqs):
        raise ValueError("no training sequences.")
    return seqs, labels


def _topk(scores: np.ndarray, k: int, classes: np.ndarray) -> np.ndarray:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}.")
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]     # ties: the class listed first wins
    return classes[order]


class KmerNaiveBayes:
    """RDP-style naive Bayes over k-mer presence: ``fit(seqs, labels)``, ``predict_proba``, ``predict_topk``.

    For class g with ``M_g`` training sequences, of which ``n(w, g)`` contain word w, and ``N``
    training sequences of which ``n(w)`` contain w, the word probability is the RDP
    classifier's smoothed estimate ``P(w | g) = (n(w, g) + p_w) / (M_g + 1)`` with the prior
    ``p_w = (n(w) + 0.5) / (N + 1)`` (a Laplace-style pseudo-count that is larger for common
    words). A query's log-likelihood under g is the sum of ``log P(w | g)`` over its distinct
    k-mers; classes have equal priors, so ``predict_proba`` is the softmax of the
    log-likelihoods over classes (rows sum to 1; they are sharply peaked, as naive Bayes is).
    RDP's bootstrap confidence is not computed. Scoring is sparse: only words seen with a class
    enter a (classes, 4**k) sparse matrix, the rest is one term per class. Used by the
    metagenomics_12s chapter.
    """

    def __init__(self, k: int = 8, *, both_strands: bool = False) -> None:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}.")
        self.k, self.both_strands = int(k), both_strands

    def fit(self, seqs: Sequence[str], labels) -> "KmerNaiveBayes":
        """Count, per class, the training sequences holding each k-mer (see the class docstring)."""
        seqs, labels = _check_fit(seqs, labels)
        x = kmer_presence(seqs, self.k, both_strands=self.both_strands, what="training sequence")
        self.classes_, y = np.unique(labels.astype(str), return_inverse=True)
        n, c = x.shape[0], len(self.classes_)
        onehot = csr_matrix((np.ones(n), (y, np.arange(n))), shape=(c, n))
        n_wg = (onehot @ x).tocsr()                                    # (C, V) sequences of g holding w
        n_w = np.asarray(x.sum(axis=0)).ravel()                        # (V,)
        prior = (n_w + 0.5) / (n + 1.0)
        self.class_sizes_ = np.bincount(y, minlength=c)
        self.log_prior_word_ = np.log(prior)                            # log p_w: the score of an unseen word, before / (M_g + 1)
        self.log_norm_ = np.log(self.class_sizes_ + 1.0)                # (C,)
        gain = n_wg.copy()
        gain.data = np.log(n_wg.data + prior[n_wg.indices]) - self.log_prior_word_[n_wg.indices]
        self.word_gain_ = gain                                           # log(n + p_w) - log p_w, where n > 0
        return self

    def log_likelihood(self, seqs: Sequence[str]) -> np.ndarray:
        """(N, C) sum over each query's distinct k-mers of ``log P(w | class)``."""
        if not hasattr(self, "word_gain_"):
            raise RuntimeError("call fit(seqs, labels) before scoring.")
        q = kmer_presence(seqs, self.k, both_strands=self.both_strands, what="query")
        n_words = np.diff(q.indptr).astype(np.float64)
        out = np.empty((q.shape[0], len(self.classes_)))
        for a in range(0, q.shape[0], _CHUNK):
            b = min(a + _CHUNK, q.shape[0])
            block = q[a:b]
            out[a:b] = ((block @ self.word_gain_.T).toarray() + (block @ self.log_prior_word_)[:, None]
                        - n_words[a:b, None] * self.log_norm_[None, :])
        return out

    def predict_proba(self, seqs: Sequence[str]) -> np.ndarray:
        """(N, C) posterior over ``classes_`` (equal class priors); rows sum to 1."""
        ll = self.log_likelihood(seqs)
        ll -= ll.max(axis=1, keepdims=True)
        p = np.exp(ll)
        return p / p.sum(axis=1, keepdims=True)

    def predict_topk(self, seqs: Sequence[str], k: int) -> np.ndarray:
        """(N, k) class labels, most likely first (ties: the class listed first in ``classes_``)."""
        return _topk(self.log_likelihood(seqs), k, self.classes_)

    def predict(self, seqs: Sequence[str]) -> np.ndarray:
        """(N,) the most likely class of each query."""
        return self.predict_topk(seqs, 1)[:, 0]


class KmerNearestNeighbour:
    """The training sequence sharing the most k-mers with the query (Jaccard index of k-mer sets).

    ``fit(seqs, labels)`` stores the training k-mer sets; ``similarity(seqs)`` gives the (N, C)
    best Jaccard index per class (over that class's training sequences), ``predict`` the class of
    the nearest training sequence and ``predict_topk(seqs, k)`` the k classes with the highest
    best similarity (ties: the class listed first in ``classes_``). Intersections are one sparse
    product per block of queries. Used by the metagenomics_12s chapter.
    """

    def __init__(self, k: int = 8, *, both_strands: bool = False) -> None:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}.")
        self.k, self.both_strands = int(k), both_strands

    def fit(self, seqs: Sequence[str], labels) -> "KmerNearestNeighbour":
        """Store the training k-mer sets, grouped by class."""
        seqs, labels = _check_fit(seqs, labels)
        x = kmer_presence(seqs, self.k, both_strands=self.both_strands, what="training sequence")
        self.classes_, y = np.unique(labels.astype(str), return_inverse=True)
        order = np.argsort(y, kind="stable")
        self.train_ = x[order].T.tocsr()                                 # (V, N) for query @ train_
        self.train_sizes_ = np.diff(x.indptr)[order].astype(np.float64)
        self.train_index_ = order                                        # position in the fitted seqs
        self.starts_ = np.searchsorted(y[order], np.arange(len(self.classes_)))
        return self

    def _jaccard_blocks(self, seqs):
        if not hasattr(self, "train_"):
            raise RuntimeError("call fit(seqs, labels) before predicting.")
        q = kmer_presence(seqs, self.k, both_strands=self.both_strands, what="query")
        sizes = np.diff(q.indptr).astype(np.float64)
        for a in range(0, q.shape[0], _CHUNK):
            b = min(a + _CHUNK, q.shape[0])
            inter = (q[a:b] @ self.train_).toarray()
            yield a, b, inter / (sizes[a:b, None] + self.train_sizes_[None, :] - inter)

    def similarity(self, seqs: Sequence[str]) -> np.ndarray:
        """(N, C) the highest Jaccard index between each query and the training sequences of each class."""
        parts = [np.maximum.reduceat(jac, self.starts_, axis=1) for _, _, jac in self._jaccard_blocks(seqs)]
        return np.concatenate(parts) if parts else np.empty((0, len(self.classes_)))

    def nearest(self, seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(index, jaccard): for each query the position (in the sequences given to ``fit``) of the
        nearest training sequence and its Jaccard index - e.g. to see whether it is a noisy copy of
        the query's own reference."""
        idx, best = [], []
        for _, _, jac in self._jaccard_blocks(seqs):
            j = jac.argmax(axis=1)
            idx.append(self.train_index_[j])
            best.append(jac[np.arange(len(j)), j])
        if not idx:
            return np.empty(0, dtype=np.int64), np.empty(0)
        return np.concatenate(idx), np.concatenate(best)

    def predict_topk(self, seqs: Sequence[str], k: int) -> np.ndarray:
        """(N, k) classes by their best similarity, highest first."""
        return _topk(self.similarity(seqs), k, self.classes_)

    def predict(self, seqs: Sequence[str]) -> np.ndarray:
        """(N,) the class of the training sequence with the highest Jaccard index."""
        return self.predict_topk(seqs, 1)[:, 0]
