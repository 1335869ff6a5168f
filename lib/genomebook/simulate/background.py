"""Background DNA: Markov chains over ACGT with realistic GC content and CpG depletion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from genomebook.seq import ALPHABET, BASE_CODE

__all__ = ["MarkovBackground", "composition", "encode_codes"]

_A, _C, _G, _T = range(4)
LETTER_CODES = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)  # byte of each base code (A, C, G, T, N)


def encode_codes(seqs: Sequence[str]) -> np.ndarray:
    """Concatenate seqs into one uint8 code array (A0 C1 G2 T3, other 4), with a 4 between sequences."""
    return BASE_CODE[np.frombuffer("N".join(seqs).encode("ascii"), dtype=np.uint8)]


def as_rng(rng) -> np.random.Generator:
    """``rng`` itself when it is a NumPy Generator, else a new Generator seeded with it."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _kmer_counts(codes: np.ndarray, k: int) -> np.ndarray:
    """Counts (4**k,) of valid k-mers (no code 4) in a code array; k-mer index is base-4, first base most significant."""
    m = codes.size - k + 1
    if m <= 0:
        return np.zeros(4**k)
    idx = np.zeros(m, dtype=np.int64)
    ok = np.ones(m, dtype=bool)
    for j in range(k):  # shift-and-add over the k offsets, no (m, k) window copy
        part = codes[j : j + m]
        ok &= part < 4
        idx = idx * 4 + part
    return np.bincount(idx[ok], minlength=4**k).astype(float)


def _cpg_dinucleotides(gc: float, cpg_ratio: float) -> np.ndarray:
    """Dinucleotide frequencies (4, 4) with both marginals (1-gc)/2, gc/2, gc/2, (1-gc)/2 and CpG o/e = cpg_ratio."""
    p = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])

    def balanced(mult: float) -> np.ndarray:
        f = np.outer(p, p)
        f[_C, _G] *= mult
        for _ in range(1000):  # iterative proportional fitting of row and column marginals to p
            f *= (p / f.sum(axis=1))[:, None]
            f *= (p / f.sum(axis=0))[None, :]
            if np.abs(f.sum(axis=1) - p).max() < 1e-14:
                break
        return f

    def oe_gap(mult: float) -> float:
        return balanced(mult)[_C, _G] / (p[_C] * p[_G]) - cpg_ratio

    # rebalancing lifts CG back up a little, so solve for the multiplier giving the exact target o/e
    hi = 1.0
    while oe_gap(hi) < 0:
        hi *= 2
        if hi > 1e6:
            raise ValueError(f"cpg_ratio {cpg_ratio} is not reachable with gc={gc}")
    mult = brentq(oe_gap, 1e-9, hi, xtol=1e-12)
    return balanced(mult)


class MarkovBackground:
    """Order-k Markov chain over ACGT: ``transition`` (4**k, 4) rows = P(next base | previous k-mer), ``initial`` (4**k,)."""

    def __init__(self, transition: np.ndarray, initial: np.ndarray, order: int | None = None):
        transition = np.asarray(transition, dtype=float)
        initial = np.asarray(initial, dtype=float)
        k = int(round(np.log(transition.shape[0]) / np.log(4))) if order is None else int(order)
        if not 1 <= k <= 3:
            raise ValueError(f"order must be 1, 2 or 3; got {k}")
        if transition.shape != (4**k, 4) or initial.shape != (4**k,):
            raise ValueError(
                f"order {k} needs transition (4**k, 4) = {(4**k, 4)} and initial ({4**k},); "
                f"got {transition.shape} and {initial.shape}"
            )
        if (transition < 0).any() or not np.allclose(transition.sum(axis=1), 1):
            raise ValueError("transition rows must be non-negative and sum to 1")
        if (initial < 0).any() or not np.isclose(initial.sum(), 1):
            raise ValueError("initial must be non-negative and sum to 1")
        self.order = k
        self.transition = transition
        self.initial = initial

    def __repr__(self) -> str:
        comp = self.stationary_composition()
        return f"MarkovBackground(order={self.order}, gc={comp[_C] + comp[_G]:.3f})"

    @classmethod
    def human_like(cls, gc: float = 0.41, cpg_ratio: float = 0.25, order: int = 1) -> MarkovBackground:
        """Chain with stationary GC fraction gc and CpG observed/expected ratio cpg_ratio (human genome ≈ 0.41, 0.25)."""
        if not 0 < gc < 1:
            raise ValueError(f"gc must be in (0, 1); got {gc}")
        if not cpg_ratio > 0:
            raise ValueError(f"cpg_ratio must be > 0; got {cpg_ratio}")
        f = _cpg_dinucleotides(gc, cpg_ratio)
        trans1 = f / f.sum(axis=1, keepdims=True)
        marg = f.sum(axis=1)
        # higher orders: same first-order dynamics, state = last k bases, initial = stationary k-mer law
        k = int(order)
        if not 1 <= k <= 3:
            raise ValueError(f"order must be 1, 2 or 3; got {k}")
        initial = marg
        for _ in range(k - 1):
            initial = (initial[:, None] * trans1[np.arange(initial.size) % 4]).ravel()
        transition = trans1[np.arange(4**k) % 4]
        return cls(transition, initial / initial.sum(), order=k)

    @classmethod
    def fit(cls, seqs: Sequence[str], order: int = 1, pseudocount: float = 1) -> MarkovBackground:
        """Learn an order-k chain from sequences: (k+1)-mer counts + pseudocount; k-mers containing non-ACGT are ignored."""
        k = int(order)
        if not 1 <= k <= 3:
            raise ValueError(f"order must be 1, 2 or 3; got {k}")
        codes = encode_codes(list(seqs))
        counts = _kmer_counts(codes, k + 1).reshape(4**k, 4) + pseudocount
        kmers = _kmer_counts(codes, k) + pseudocount
        if counts.sum() == 0 or kmers.sum() == 0:
            raise ValueError(f"no valid {k + 1}-mers to fit and pseudocount is 0")
        return cls(counts / counts.sum(axis=1, keepdims=True), kmers / kmers.sum(), order=k)

    def stationary_composition(self) -> np.ndarray:
        """Long-run base frequencies (4,) A, C, G, T of the chain."""
        # stationary distribution over k-mer states via power iteration on the state transition
        pi = self.initial.copy()
        nxt = (np.arange(4**self.order)[:, None] * 4 + np.arange(4)[None, :]) % 4**self.order
        for _ in range(2000):
            new = np.bincount(nxt.ravel(), weights=(pi[:, None] * self.transition).ravel(), minlength=pi.size)
            if np.abs(new - pi).max() < 1e-13:
                pi = new
                break
            pi = new
        return np.bincount(np.arange(pi.size) % 4, weights=pi, minlength=4)

    def sample_codes(self, n: int, length: int, rng=None) -> np.ndarray:
        """Sample n sequences as a uint8 code array (n, length), A0 C1 G2 T3; all chains advanced together."""
        rng = as_rng(rng)
        k, n_states = self.order, 4**self.order
        out = np.empty((n, length), dtype=np.uint8)
        if n == 0 or length == 0:
            return out
        state = np.minimum(np.searchsorted(np.cumsum(self.initial), rng.random(n), side="right"), n_states - 1)
        for j in range(min(k, length)):  # first k bases come from the initial k-mer
            out[:, j] = (state // 4 ** (k - 1 - j)) % 4
        cum = np.cumsum(self.transition, axis=1)[:, :3]  # last column is 1: u < 1 always lands in base 3
        for j in range(k, length):
            u = rng.random(n)
            b = (u[:, None] >= cum[state]).sum(axis=1)
            out[:, j] = b
            state = (state * 4 + b) % n_states
        return out

    def sample(self, n: int, length: int, rng=None) -> list[str]:
        """Sample n background sequences of length bp; rng is a np.random.Generator or an int seed."""
        codes = self.sample_codes(n, length, rng)
        text = LETTER_CODES[codes].tobytes().decode("ascii")
        return [text[i * length : (i + 1) * length] for i in range(n)]


def composition(seqs: Sequence[str]) -> dict[str, float]:
    """Pooled composition of seqs: gc fraction, cpg_obs_exp = f(CG)/(f(C)f(G)) over dinucleotides, and A/C/G/T frequencies."""
    codes = encode_codes(list(seqs))
    base = np.bincount(codes[codes < 4], minlength=4).astype(float)
    n_bases = base.sum()
    if n_bases == 0:
        raise ValueError("composition needs at least one A/C/G/T base")
    freq = base / n_bases
    di = _kmer_counts(codes, 2)
    n_di = di.sum()
    if n_di == 0 or freq[_C] == 0 or freq[_G] == 0:
        cpg = float("nan")
    else:
        cpg = float(di[_C * 4 + _G] / n_di / (freq[_C] * freq[_G]))
    return {
        "gc": float(freq[_C] + freq[_G]),
        "cpg_obs_exp": cpg,
        "A": float(freq[_A]),
        "C": float(freq[_C]),
        "G": float(freq[_G]),
        "T": float(freq[_T]),
    }
