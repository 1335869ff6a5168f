"""Leakage checks between data splits, and between a split and a pre-training corpus.

A test set that contains the training sequences, their reverse complements or near copies
of them measures memory, not generalisation; a test set whose sequences were read during
masked-LM pre-training has been seen, even without labels. This module counts both, per
class, so that a chapter can show a **leakage card** next to its data card, and removes
the overlap from a pre-training corpus.

* :func:`leakage_card` - one row per (query split, reference, class): exact duplicates,
  reverse-complement duplicates, near-duplicates (MinHash LSH on canonical k-mers, so both
  strands count) and, against a pre-training corpus, shared ``overlap_k``-mers.
* :func:`leaked` - a boolean mask of the query sequences that any of those checks flags,
  e.g. to drop them or to score the clean part of a test set separately.
* :func:`mask_corpus` - a pre-training corpus with every stretch that shares an
  ``overlap_k``-mer with the given sequences replaced by ``N``.

Definitions (the ``method`` column of the card repeats them):

exact
    The query sequence (upper-cased) is identical to a reference sequence.
revcomp
    Not exact, but identical to the reverse complement of a reference sequence.
near
    Neither, but the MinHash estimate of the Jaccard similarity of its *canonical* k-mer
    set with that of some reference sequence is ``>= near_threshold``. A k-mer and its
    reverse complement count as one canonical k-mer, so a near copy on the other strand is
    found too. Windows that contain ``N`` give no k-mer; a sequence shorter than ``k`` has
    none and can only be an exact or reverse-complement duplicate. Candidates are found with
    :class:`datasketch.MinHashLSH` with ``b = num_perm - ceil(near_threshold * num_perm) + 1``
    bands (at least 2) of ``num_perm // b`` rows: a pair whose estimate reaches the threshold
    differs in at most ``b - 1`` slots, so it shares a band (pigeonhole) and the result equals
    a brute-force comparison of all signatures. Candidates are kept only when their estimate
    reaches the threshold. Signatures use datasketch's ``affine32`` scheme on a 32-bit hash
    of the 2-bit k-mer code and are computed for all sequences at once with numpy.
pre-training overlap
    Against the corpus (long documents), ``exact`` counts queries that occur as a substring
    of a document on either strand (so ``revcomp`` is always 0 there: it is folded into
    ``exact``) and ``near`` counts queries that share at least one ``overlap_k``-mer (either
    strand) with the corpus without being a substring.

K-mers are encoded as integers with two bits per base (A=0, C=1, G=2, T=3), so ``k`` and
``overlap_k`` must be at most 32; all look-ups are vectorised with numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from datasketch import LeanMinHash, MinHash, MinHashLSH

from genomebook.seq import BASE_CODE, reverse_complement, validate

__all__ = ["PRETRAINING", "leakage_card", "leaked", "mask_corpus"]

PRETRAINING = "pre-training"
"""Name of the pre-training corpus in the ``reference`` column of :func:`leakage_card`."""

_SCHEME = "affine32"  # datasketch's permutation scheme; signatures are uint32
_CHUNK = 1 << 18      # k-mer windows per block when computing signatures (bounds memory)
_CARD_COLUMNS = ["query", "reference", "class", "n", "exact", "revcomp", "near", "any", "fraction", "method"]


# --------------------------------------------------------------------------- k-mer codes


def _check_k(k: int, what: str) -> None:
    if not 1 <= int(k) <= 32:
        raise ValueError(f"{what} must be between 1 and 32 (2-bit codes in 64 bits), got {k}")


def _check_params(k: int, overlap_k: int, near_threshold: float, num_perm: int) -> None:
    _check_k(k, "k")
    _check_k(overlap_k, "overlap_k")
    if num_perm < 2:
        raise ValueError(f"num_perm must be at least 2, got {num_perm}")
    if not 0.0 < near_threshold <= 1.0:
        raise ValueError(f"near_threshold must be in (0, 1], got {near_threshold}")


def _clean(seqs: Sequence[str], where: str) -> list[str]:
    """Upper-cased copies of DNA strings (IUPAC codes become N); errors name ``where`` and the record."""
    if isinstance(seqs, str):
        raise TypeError(f"{where}: expected a list of sequences, got one str; wrap it in a list.")
    return validate(list(seqs), allow_iupac=True, source=where)


def _joined_codes(seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Base codes of the sequences joined by one separator: (codes uint8 (T,), starts int64 (n,)).

    Codes are 0..3 for A, C, G, T and 4 for N (and the separator), so no valid window
    crosses from one sequence into the next.
    """
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    starts = np.zeros(len(seqs), dtype=np.int64)
    if len(seqs) > 1:
        starts[1:] = np.cumsum(lengths[:-1] + 1)
    joined = "N".join(seqs).encode("ascii")
    return BASE_CODE[np.frombuffer(joined, dtype=np.uint8)], starts


def _forward_codes(base: np.ndarray, k: int) -> np.ndarray:
    """2-bit codes (uint64 (len(base) - k + 1,)) of every length-k window of base codes 0..3.

    Built by doubling (windows of 1, 2, 4, ... bases), so it takes O(log k) passes over the array.
    """
    n_win = len(base) - k + 1
    powers = [base.astype(np.uint64)]                 # powers[j][i]: code of base[i : i + 2**j]
    while 2 ** len(powers) <= k:
        j, prev = len(powers), powers[-1]
        half = 2 ** (j - 1)
        powers.append((prev[:-half] << np.uint64(2 * half)) | prev[half:])
    code = np.zeros(n_win, dtype=np.uint64)
    offset = 0
    for j in range(len(powers) - 1, -1, -1):
        if k & (1 << j):
            code = (code << np.uint64(2 * (1 << j))) | powers[j][offset : offset + n_win]
            offset += 1 << j
    return code


def _window_codes(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-bit codes of every length-k window: (forward, reverse complement, valid), each of shape (W,).

    Forward and reverse-complement codes are uint64, ``valid`` is bool.

    ``W = len(codes) - k + 1`` (0 when shorter); a window is valid when it holds no N.
    """
    n_win = len(codes) - k + 1
    if n_win <= 0:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, empty, np.zeros(0, dtype=bool)
    bad = codes > 3
    base = np.where(bad, 0, codes).astype(np.uint8)
    fwd = _forward_codes(base, k)
    # the reverse complement of window i is window W-1-i of the reverse-complemented array
    rev = _forward_codes((3 - base)[::-1], k)[::-1]
    n_bad = np.concatenate(([0], np.cumsum(bad, dtype=np.int64)))
    valid = n_bad[k:] == n_bad[:-k]
    return fwd, rev, valid


def _canonical_windows(seqs: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical k-mers of upper-case sequences: (codes uint64 (M,), sequence index int64 (M,), offset int64 (M,)).

    One entry per valid window (no N), in sequence order then position order; ``offset`` is
    the window's start within its sequence. The canonical code is the smaller of the
    window's forward and reverse-complement codes.
    """
    codes, starts = _joined_codes(seqs)
    fwd, rev, valid = _window_codes(codes, k)
    pos = np.flatnonzero(valid)
    canon = np.minimum(fwd[pos], rev[pos])
    owner = (np.searchsorted(starts, pos, side="right") - 1).astype(np.int64)
    return canon, owner, pos - starts[owner]


def _canonical_kmers(seqs: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Canonical k-mer codes of upper-case sequences: (codes uint64 (M,), sequence index int64 (M,))."""
    canon, owner, _ = _canonical_windows(seqs, k)
    return canon, owner


def _isin_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Bool mask (len(values),): which values occur in a sorted array (duplicates allowed).

    The values are sorted first, so that the binary searches walk the reference in order
    (several times faster than searching in random order on arrays of millions).
    """
    if len(sorted_ref) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    order = np.argsort(values)
    ordered = values[order]
    idx = np.searchsorted(sorted_ref, ordered)
    idx[idx == len(sorted_ref)] = 0
    found = np.empty(len(values), dtype=bool)
    found[order] = sorted_ref[idx] == ordered
    return found


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique is far slower on millions of uint64)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


# --------------------------------------------------------------------------- MinHash


def _hash32(codes: np.ndarray) -> np.ndarray:
    """A 32-bit hash (uint32, same shape) of 64-bit k-mer codes: the top half of the splitmix64 finalizer."""
    z = np.asarray(codes, dtype=np.uint64).copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(32)).astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before its affine32 permutations."""
    h = h.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a, b), each uint32 (num_perm,)."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _signatures(canon: np.ndarray, owner: np.ndarray, n: int, num_perm: int, seed: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of n k-mer sets: (uint32 (n, num_perm), has_kmers bool (n,)).

    Row i equals ``datasketch.MinHash(num_perm, seed, hashfunc=<_hash32 of the code>)``
    updated with the canonical codes of sequence i (scheme affine32: the hash is mixed with
    MurmurHash3's finalizer, then permuted as ``a * h + b mod 2**32``); rows without k-mers
    stay at the maximum value and are flagged False.
    """
    a, b = _permutations(num_perm, seed)
    sig = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    counts = np.bincount(owner, minlength=n)
    has = counts > 0
    if len(canon) == 0:
        return sig, has
    bounds = np.concatenate(([0], np.cumsum(counts)))      # window offsets of each sequence
    seq_ids = np.flatnonzero(has)
    i = 0
    while i < len(seq_ids):
        # a block of whole sequences holding about _CHUNK windows
        stop = max(int(np.searchsorted(bounds[seq_ids + 1], bounds[seq_ids[i]] + _CHUNK, side="right")), i + 1)
        block = seq_ids[i:stop]
        lo, hi = bounds[block[0]], bounds[block[-1] + 1]
        uniq, inv = np.unique(canon[lo:hi], return_inverse=True)
        h = _fmix32(_hash32(uniq))
        seg = bounds[block] - lo
        for p in range(num_perm):  # one 1-D gather and reduceat per permutation: far faster than 2-D
            table = h * a[p] + b[p]
            sig[block, p] = np.minimum.reduceat(table[inv], seg)
        i = stop
    return sig, has


def _slots_needed(num_perm: int, threshold: float) -> int:
    """Equal signature slots needed for a MinHash estimate (equal slots / num_perm) >= threshold."""
    return int(np.ceil(threshold * num_perm - 1e-9))


def _lsh_params(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows) such that every pair with a MinHash estimate >= threshold shares a band.

    Such a pair differs in at most ``num_perm - needed`` slots; with one band more than that,
    at least one band has no differing slot (pigeonhole). datasketch needs 2 bands or more.
    """
    bands = min(num_perm, max(2, num_perm - _slots_needed(num_perm, threshold) + 1))
    return bands, num_perm // bands


@dataclass
class _Indexed:
    """One set of sequences prepared for look-ups: exact set, MinHash signatures and (lazily) an LSH index."""

    seqs: list[str]
    k: int
    num_perm: int
    seed: int
    threshold: float
    exact: set[str] = field(init=False)
    sig: np.ndarray = field(init=False)
    has: np.ndarray = field(init=False)
    _lsh: MinHashLSH | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.exact = set(self.seqs)
        canon, owner = _canonical_kmers(self.seqs, self.k)
        self.sig, self.has = _signatures(canon, owner, len(self.seqs), self.num_perm, self.seed)

    def minhash(self, i: int) -> LeanMinHash:
        return LeanMinHash(seed=self.seed, hashvalues=self.sig[i], scheme=_SCHEME)

    @property
    def lsh(self) -> MinHashLSH:
        if self._lsh is None:
            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm,
                                   params=_lsh_params(self.num_perm, self.threshold))
            with self._lsh.insertion_session() as session:
                for i in np.flatnonzero(self.has):
                    session.insert(int(i), self.minhash(int(i)), check_duplication=False)
        return self._lsh


def _duplicate_flags(query: _Indexed, ref: _Indexed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exact, revcomp, near) bool arrays (len(query.seqs),), mutually exclusive, of query against ref."""
    n = len(query.seqs)
    exact = np.fromiter((s in ref.exact for s in query.seqs), dtype=bool, count=n)
    revcomp = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(~exact):
        revcomp[i] = reverse_complement(query.seqs[i]) in ref.exact
    near = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(~exact & ~revcomp & query.has)
    if len(todo) and ref.has.any():
        need = _slots_needed(query.num_perm, query.threshold)
        lsh = ref.lsh
        for i in todo:
            cand = lsh.query(query.minhash(int(i)))
            if cand:
                agree = (ref.sig[np.asarray(cand, dtype=np.int64)] == query.sig[i]).sum(axis=1)
                near[i] = agree.max() >= need
    return exact, revcomp, near


# --------------------------------------------------------------------------- pre-training corpus


@dataclass
class _Corpus:
    """A pre-training corpus ready for look-ups: joined text, sorted canonical overlap_k-mers and their starts."""

    docs: list[str]
    k: int
    text: str = field(init=False)
    kmers: np.ndarray = field(init=False)   # sorted canonical codes of all valid windows (uint64)
    where: np.ndarray = field(init=False)   # start of each of those windows in ``text`` (int64)

    def __post_init__(self) -> None:
        self.text = "|".join(self.docs)     # same positions as the joined codes
        codes, _ = _joined_codes(self.docs)
        fwd, rev, valid = _window_codes(codes, self.k)
        pos = np.flatnonzero(valid)
        canon = np.minimum(fwd[pos], rev[pos])
        order = np.argsort(canon, kind="stable")
        self.kmers, self.where = canon[order], pos[order]

    def contains(self, s: str, code: int, offset: int) -> bool:
        """Whether s or its reverse complement is in a document; (code, offset) is one of s's windows."""
        lo = np.searchsorted(self.kmers, np.uint64(code), side="left")
        hi = np.searchsorted(self.kmers, np.uint64(code), side="right")
        rc = reverse_complement(s)
        n, back = len(s), len(s) - offset - self.k   # offset of the same window in the reverse complement
        for at in self.where[lo:hi]:
            fwd_start, rc_start = at - offset, at - back
            if fwd_start >= 0 and self.text[fwd_start : fwd_start + n] == s:
                return True
            if rc_start >= 0 and self.text[rc_start : rc_start + n] == rc:
                return True
        return False


def _corpus_flags(seqs: list[str], corpus: _Corpus) -> tuple[np.ndarray, np.ndarray]:
    """(substring, shares_kmer) bool arrays (len(seqs),) of queries against a corpus, exclusive.

    ``substring``: the query or its reverse complement occurs in a document. ``shares_kmer``:
    not a substring, but at least one canonical overlap_k-mer of the query is in the corpus.
    """
    n = len(seqs)
    canon, owner, offset = _canonical_windows(seqs, corpus.k)
    hit = _isin_sorted(canon, corpus.kmers)
    n_kmers = np.bincount(owner, minlength=n)
    n_hits = np.bincount(owner[hit], minlength=n)
    shares = n_hits > 0
    first = np.searchsorted(owner, np.arange(n))   # each sequence's first window (when it has one)
    substring = np.zeros(n, dtype=bool)
    # a substring has every k-mer in the corpus: look it up where its first k-mer occurs;
    # sequences without a k-mer (short, or broken by N) are searched for directly
    for i in np.flatnonzero((n_kmers > 0) & (n_hits == n_kmers)):
        j = first[i]
        substring[i] = corpus.contains(seqs[i], int(canon[j]), int(offset[j]))
    for i in np.flatnonzero(n_kmers == 0):
        s = seqs[i]
        substring[i] = s in corpus.text or reverse_complement(s) in corpus.text
    return substring, shares & ~substring


# --------------------------------------------------------------------------- public


def leakage_card(
    splits: Mapping[str, Sequence[str]],
    labels: Mapping[str, Sequence[int]] | None = None,
    *,
    pretraining: Sequence[str] | None = None,
    against: Sequence[tuple[str, str]] | None = None,
    k: int = 8,
    near_threshold: float = 0.8,
    overlap_k: int = 30,
    num_perm: int = 64,
    seed: int = 0,
) -> pd.DataFrame:
    """Count duplicates and near-duplicates between splits, and overlap with a pre-training corpus.

    Parameters
    ----------
    splits : mapping of str to sequence of str
        Split name -> DNA sequences (ACGTN, any case; IUPAC codes are read as N), e.g.
        ``{"train": [...], "dev": [...], "test": [...]}``. Dict order is the split order.
    labels : mapping of str to sequence of int, optional
        Split name -> integer class of each sequence (same length as the split). Splits
        named here get one row per class besides the ``"all"`` row.
    pretraining : sequence of str, optional
        Documents of a pre-training corpus (e.g. promoter windows or chromosomes).
    against : sequence of (str, str), optional
        (query split, reference) pairs to report instead of the default: every split
        against each split before it in dict order (dev vs train, test vs train, test vs
        dev). A reference may be ``"pre-training"``. When ``pretraining`` is given and no pair
        names it, every split is also compared with the corpus.
    k : int
        k-mer length of the near-duplicate search (canonical k-mers, <= 32).
    near_threshold : float
        Minimum MinHash estimate of the Jaccard similarity of canonical k-mer sets for a
        near-duplicate, in (0, 1].
    overlap_k : int
        Length of the k-mers looked up in the pre-training corpus (either strand, <= 32).
    num_perm : int
        MinHash permutations.
    seed : int
        Seed of the MinHash permutations.

    Returns
    -------
    pandas.DataFrame
        One row per (query, reference, class), classes in increasing order then ``"all"``,
        with columns ``query``, ``reference`` (a split name or ``"pre-training"``),
        ``class`` (int or ``"all"``), ``n`` (query sequences), ``exact``, ``revcomp``,
        ``near`` (mutually exclusive counts; see the module docstring), ``any`` (their
        sum), ``fraction`` (any / n, NaN when n is 0) and ``method`` (how ``near`` was
        decided, with its threshold).

    Examples
    --------
    >>> card = leakage_card({"train": ["ACGTACGTAC", "GGGGCCCCAA"], "test": ["GTACGTACGT", "TTTTTTTTTT"]})
    >>> card[["query", "reference", "n", "exact", "revcomp", "near", "any"]].to_dict("records")
    [{'query': 'test', 'reference': 'train', 'n': 2, 'exact': 0, 'revcomp': 1, 'near': 0, 'any': 1}]
    """
    _check_params(k, overlap_k, near_threshold, num_perm)
    if not splits:
        raise ValueError("splits is empty; give at least one named list of sequences.")
    if PRETRAINING in splits:
        raise ValueError(f"a split may not be called {PRETRAINING!r}; that name is the pre-training corpus.")
    names = list(splits)
    seqs = {name: _clean(splits[name], f"split {name!r}") for name in names}
    classes: dict[str, np.ndarray] = {}
    for name, lab in (labels or {}).items():
        if name not in seqs:
            raise ValueError(f"labels given for {name!r}, which is not a split; splits are {names}.")
        lab = np.asarray(lab)
        if lab.shape != (len(seqs[name]),):
            raise ValueError(f"split {name!r}: {len(seqs[name])} sequences but labels of shape {lab.shape}.")
        classes[name] = lab.astype(np.int64)

    if against is None:
        pairs = [(names[j], names[i]) for j in range(len(names)) for i in range(j)]
    else:
        pairs = [tuple(p) for p in against]
        for q, r in pairs:
            if q not in seqs or (r not in seqs and r != PRETRAINING):
                raise ValueError(f"pair ({q!r}, {r!r}) names an unknown split; splits are {names} "
                                 f"and the corpus is {PRETRAINING!r}.")
    if pretraining is not None and not any(r == PRETRAINING for _, r in pairs):
        pairs += [(name, PRETRAINING) for name in names]
    if any(r == PRETRAINING for _, r in pairs) and pretraining is None:
        raise ValueError(f"a pair names {PRETRAINING!r} but no pretraining corpus was given.")

    indexed: dict[str, _Indexed] = {}

    def index(name: str) -> _Indexed:
        if name not in indexed:
            indexed[name] = _Indexed(seqs[name], k, num_perm, seed, near_threshold)
        return indexed[name]

    corpus = _Corpus(_clean(pretraining, "pre-training corpus"), overlap_k) if pretraining is not None else None
    near_method = f"MinHash LSH, canonical {k}-mers, Jaccard ≥ {near_threshold:g}, {num_perm} permutations"
    corpus_method = f"shared {overlap_k}-mer (either strand)"

    rows = []
    for q, r in pairs:
        if r == PRETRAINING:
            exact, near = _corpus_flags(seqs[q], corpus)
            revcomp = np.zeros_like(exact)
            method = corpus_method
        else:
            exact, revcomp, near = _duplicate_flags(index(q), index(r))
            method = near_method
        groups: list[tuple[object, np.ndarray]] = []
        if q in classes:
            groups += [(int(c), classes[q] == c) for c in np.unique(classes[q])]
        groups.append(("all", np.ones(len(exact), dtype=bool)))
        for cls, sel in groups:
            n = int(sel.sum())
            counts = [int((flag & sel).sum()) for flag in (exact, revcomp, near)]
            rows.append({"query": q, "reference": r, "class": cls, "n": n, "exact": counts[0],
                         "revcomp": counts[1], "near": counts[2], "any": sum(counts),
                         "fraction": sum(counts) / n if n else float("nan"), "method": method})
    return pd.DataFrame(rows, columns=_CARD_COLUMNS)


def leaked(
    query: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    pretraining: Sequence[str] | None = None,
    k: int = 8,
    near_threshold: float = 0.8,
    overlap_k: int = 30,
    num_perm: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """Which query sequences leak: bool array (len(query),).

    True where the sequence is an exact, reverse-complement or near duplicate (as in
    :func:`leakage_card`) of a sequence in any of ``references`` (e.g. ``[train, dev]``),
    or shares an ``overlap_k``-mer (either strand) with the ``pretraining`` corpus.
    ``~leaked(test, [train])`` selects the clean part of a test set.
    """
    _check_params(k, overlap_k, near_threshold, num_perm)
    if isinstance(references, str) or any(isinstance(r, str) for r in references):
        raise TypeError("references must be a list of splits, each a list of sequences: e.g. [train, dev].")
    q = _clean(query, "query")
    pool = [s for i, ref in enumerate(references) for s in _clean(ref, f"reference #{i + 1}")]
    out = np.zeros(len(q), dtype=bool)
    if pool:
        exact, revcomp, near = _duplicate_flags(_Indexed(q, k, num_perm, seed, near_threshold),
                                                _Indexed(pool, k, num_perm, seed, near_threshold))
        out |= exact | revcomp | near
    if pretraining is not None:
        substring, shares = _corpus_flags(q, _Corpus(_clean(pretraining, "pre-training corpus"), overlap_k))
        out |= substring | shares
    return out


def mask_corpus(corpus: Sequence[str], remove: Sequence[str], *, overlap_k: int = 30) -> tuple[list[str], dict]:
    """Replace by N every stretch of the corpus that shares an overlap_k-mer with ``remove``.

    Parameters
    ----------
    corpus : sequence of str
        Pre-training documents (any case; returned upper-cased, IUPAC codes as N).
    remove : sequence of str
        Sequences that must not be seen in pre-training (e.g. test and dev sets).
    overlap_k : int
        Length of the k-mers compared, either strand (<= 32).

    Returns
    -------
    masked : list of str
        The documents, same lengths and positions, with every base covered by a window whose
        overlap_k-mer (or its reverse complement) occurs in a ``remove`` sequence set to ``N``.
        Occurrences (either strand) of ``remove`` sequences that have no overlap_k-mer (shorter,
        or broken by N) are masked as whole strings. Afterwards :func:`leakage_card` finds no
        pre-training overlap for any ``remove`` sequence at the same ``overlap_k``.
    summary : dict
        ``documents`` (count), ``documents_touched`` (documents with a base masked),
        ``bases_masked`` (bases turned into N) and ``fraction_masked`` (bases_masked over
        the corpus length).
    """
    _check_k(overlap_k, "overlap_k")
    docs = _clean(corpus, "pre-training corpus")
    rm = _clean(remove, "remove")
    codes, starts = _joined_codes(docs)
    total = len(codes)
    mask = np.zeros(total + 1, dtype=np.int64)

    rm_canon, rm_owner = _canonical_kmers(rm, overlap_k)
    drop = _sorted_unique(rm_canon)
    fwd, rev, valid = _window_codes(codes, overlap_k)
    if len(fwd) and len(drop):
        hit = np.flatnonzero(valid & _isin_sorted(np.minimum(fwd, rev), drop))
        np.add.at(mask, hit, 1)
        np.add.at(mask, hit + overlap_k, -1)
    masked = np.cumsum(mask[:total]) > 0

    # remove sequences without a single overlap_k-mer: mask their literal occurrences
    no_kmer = np.flatnonzero(np.bincount(rm_owner, minlength=len(rm)) == 0)
    if len(no_kmer):
        text = "|".join(docs)  # same positions as the joined codes; "|" matches no pattern
        for i in no_kmer:
            s = rm[i]
            if not s.strip("N"):
                continue
            for pattern in {s, reverse_complement(s)}:
                at = text.find(pattern)
                while at != -1:
                    masked[at : at + len(s)] = True
                    at = text.find(pattern, at + 1)

    changed = masked & (codes < 4)
    raw = np.frombuffer("N".join(docs).encode("ascii"), dtype=np.uint8).copy()
    raw[changed] = ord("N")
    text = raw.tobytes().decode("ascii")
    out = [text[s : s + len(d)] for s, d in zip(starts, docs)]
    per_doc = np.add.reduceat(changed, starts) if docs else np.zeros(0, dtype=np.int64)  # documents are non-empty
    bases = int(changed.sum())
    n_bases = sum(len(d) for d in docs)
    summary = {"documents": len(docs), "documents_touched": int((per_doc > 0).sum()),
               "bases_masked": bases, "fraction_masked": bases / n_bases if n_bases else 0.0}
    return out, summary
