"""A splice-site world: donors, acceptors, easy non-sites and hard GT/AG decoys, with ground truth.

Every sequence has the same length and an exon/intron boundary at index ``centre``
(``length // 2``), the layout of GUE's splice set (400 bp, boundary at 200). Labels follow GUE:
0 acceptor, 1 donor, 2 non-site.

* **donor** (5' splice site): exon | intron. The 9 bases ``centre-3 .. centre+5`` follow a
  human-like 5'ss profile (MAG | GURAGU, the GT invariant at ``centre``, ``centre+1``).
* **acceptor** (3' splice site): intron | exon. A branch point (YNYURAY) whose A lies 18-40 bp
  upstream of the boundary, a polypyrimidine tract between it and the 3'ss, then YAG | G
  (the AG ends just before ``centre``).
* Exons are codon-like (period-3 composition, GC ≈ 0.52) and intron DNA is a human-like Markov
  chain (GC 0.40); true sites often carry a purine-rich exonic enhancer near the boundary.
* **random** non-sites: background in one of four layouts (intron, exon, exon|intron,
  intron|exon) with neither AG ending at the centre nor GT starting at it: the easy negatives.
* **decoy GT** / **decoy AG** non-sites: the same backgrounds with the dinucleotide at the
  centre but only a partial consensus around it: the site profile (and, for AG decoys, the
  pyrimidine tract) diluted towards uniform by a per-decoy strength drawn from
  DECOY_STRENGTH (``decoy_strength`` keeps it); no branch point, no enhancer. A model that
  saw only easy negatives can lean on "GT/AG at the centre" and call many decoys sites,
  the strong ones most; that is what an adversarial rebuild of the training set fixes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from genomebook.seq import BASE_CODE
from genomebook.simulate.background import LETTER_CODES, MarkovBackground, encode_codes
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.mix import GENOME_MIX

__all__ = ["ACCEPTOR", "DONOR", "NON_SITE", "LABEL_NAMES", "KINDS", "SpliceWorld", "splice_world",
           "decoy_pool", "gene_corpus", "position_frequencies", "consensus_scores", "infer_kinds",
           "DONOR_PPM", "ACCEPTOR_PPM", "BRANCH_POINT_PPM", "PPT_PROBS", "EXON_CODON_PROBS", "BUILT_IN"]

ACCEPTOR, DONOR, NON_SITE = 0, 1, 2
LABEL_NAMES = ("acceptor", "donor", "non-site")
KINDS = ("acceptor", "donor", "random", "decoy GT", "decoy AG")
_KIND_LABEL = {"acceptor": ACCEPTOR, "donor": DONOR, "random": NON_SITE, "decoy GT": NON_SITE,
               "decoy AG": NON_SITE}

# Position probability matrices, rows A, C, G, T. Values are rounded approximations of the
# well-known human splice-site compositions, written here for the simulation.
# 5' splice site, positions -3..+6 relative to the boundary (columns centre-3 .. centre+5).
DONOR_PPM = np.array([
    #  -3    -2    -1    +1   +2   +3    +4    +5    +6
    [0.33, 0.60, 0.09, 0.0, 0.0, 0.58, 0.70, 0.07, 0.17],  # A
    [0.37, 0.13, 0.04, 0.0, 0.0, 0.03, 0.08, 0.05, 0.14],  # C
    [0.19, 0.14, 0.79, 1.0, 0.0, 0.37, 0.12, 0.79, 0.20],  # G
    [0.11, 0.13, 0.08, 0.0, 1.0, 0.02, 0.10, 0.09, 0.49],  # T
])
DONOR_OFFSET = -3  # first column relative to the boundary
# 3' splice site core, positions -3..+1 (columns centre-3 .. centre): Y A G | G
ACCEPTOR_PPM = np.array([
    #  -3   -2   -1    +1
    [0.04, 1.0, 0.0, 0.24],  # A
    [0.65, 0.0, 0.0, 0.13],  # C
    [0.01, 0.0, 1.0, 0.52],  # G
    [0.30, 0.0, 0.0, 0.11],  # T
])
ACCEPTOR_OFFSET = -3
# branch point YNYURAY; the branch A is column 5
BRANCH_POINT_PPM = np.array([
    [0.03, 0.25, 0.03, 0.05, 0.45, 0.94, 0.05],  # A
    [0.47, 0.25, 0.47, 0.10, 0.05, 0.02, 0.45],  # C
    [0.03, 0.25, 0.03, 0.05, 0.45, 0.02, 0.05],  # G
    [0.47, 0.25, 0.47, 0.80, 0.05, 0.02, 0.45],  # T
])
BRANCH_A = 5
BRANCH_DISTANCE = (18, 40)  # bp from the branch A to the boundary, inclusive
PPT_PROBS = np.array([0.06, 0.36, 0.06, 0.52])  # polypyrimidine tract, per base (Y = 0.88)
PPT_LENGTH = (10, 20)
ESE_PPM = np.array([  # purine-rich exonic splicing enhancer, GAAGAAG-like
    [0.10, 0.80, 0.80, 0.10, 0.80, 0.80, 0.10],
    [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
    [0.80, 0.10, 0.10, 0.80, 0.10, 0.10, 0.80],
    [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
])
ESE_PROBABILITY = 0.6
ESE_WINDOW = (5, 40)  # start of the enhancer, bp into the exon from the boundary
# exon composition at codon positions 1, 2, 3 (rows) over A, C, G, T
EXON_CODON_PROBS = np.array([
    [0.26, 0.23, 0.35, 0.16],
    [0.31, 0.23, 0.18, 0.28],
    [0.18, 0.32, 0.30, 0.20],
])
INTRON_GC = 0.40
# A decoy's strength s, drawn uniformly from this range, makes its flanks (and, for AG decoys,
# its pyrimidine tract) s * the true site's profile + (1 - s) * uniform: from barely any
# consensus to nearly a real site. The GT or AG itself is always intact.
DECOY_STRENGTH = (0.1, 0.9)
MIN_LENGTH = 100

_LAYOUTS = ("intron", "exon", "exon|intron", "intron|exon")


@dataclass
class SpliceWorld:
    """Sequences (N, each ``length`` bp), labels (N,) 0/1/2, kinds (N,) and the planted elements."""

    seqs: list[str]
    labels: np.ndarray  # (N,) int64: 0 acceptor, 1 donor, 2 non-site
    kind: np.ndarray  # (N,) str, one of KINDS
    centre: int  # 0-based index of the boundary: acceptor AG ends before it, donor GT starts at it
    sites: pd.DataFrame  # seq, element, start, end (0-based, end exclusive)
    layout: np.ndarray  # (N,) str: background left|right of the centre, e.g. "exon|intron"
    decoy_strength: np.ndarray  # (N,) float: share of the true profile in a decoy's flanks; NaN otherwise

    @property
    def n(self) -> int:
        return len(self.seqs)

    @property
    def length(self) -> int:
        return len(self.seqs[0]) if self.seqs else 0

    def describe(self) -> pd.DataFrame:
        """Data card: one row per kind with label, count, share, GC, and the centre dinucleotides."""
        c = self.centre
        rows = []
        for kind in KINDS:
            idx = np.flatnonzero(self.kind == kind)
            if not idx.size:
                continue
            seqs = [self.seqs[i] for i in idx]
            codes = encode_codes(seqs)
            gc = float(np.isin(codes, (1, 2)).sum() / (codes < 4).sum())
            rows.append({
                "kind": kind, "label": int(_KIND_LABEL[kind]),
                "class": LABEL_NAMES[_KIND_LABEL[kind]], "sequences": int(idx.size),
                "share": idx.size / self.n, "length (bp)": self.length, "GC": round(gc, 3),
                "AG ends at centre": float(np.mean([s[c - 2:c] == "AG" for s in seqs])),
                "GT starts at centre": float(np.mean([s[c:c + 2] == "GT" for s in seqs])),
            })
        return pd.DataFrame(rows)


def _draw(probs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Codes (n, w) drawn column-wise from a (4, w) PPM."""
    cum = np.cumsum(probs, axis=0)[:3]
    u = rng.random((n, probs.shape[1]))
    return (u[:, None, :] >= cum[None, :, :]).sum(axis=1).astype(np.uint8)


def _exon_codes(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """Codon-like exon DNA (n, length): period-3 base composition in a random frame."""
    frame = rng.integers(0, 3, size=n)
    pos = (np.arange(length)[None, :] + frame[:, None]) % 3
    cum = np.cumsum(EXON_CODON_PROBS, axis=1)[:, :3][pos]  # (n, length, 3)
    u = rng.random((n, length))
    return (u[..., None] >= cum).sum(axis=-1).astype(np.uint8)


_INTRON = MarkovBackground.human_like(gc=INTRON_GC)


def _background(layouts: np.ndarray, length: int, centre: int, rng: np.random.Generator) -> np.ndarray:
    """Background codes (n, length) for each layout (left|right of the centre)."""
    n = len(layouts)
    intron = _INTRON.sample_codes(n, length, rng)
    exon = _exon_codes(n, length, rng)
    left_exon = np.isin(layouts, ("exon", "exon|intron"))
    right_exon = np.isin(layouts, ("exon", "intron|exon"))
    out = intron.copy()
    out[left_exon, :centre] = exon[left_exon, :centre]
    out[right_exon, centre:] = exon[right_exon, centre:]
    return out


def _weaken(ppm: np.ndarray, keep: tuple[int, ...], strength: np.ndarray) -> np.ndarray:
    """Diluted profiles (n, 4, w): strength[i]*ppm + (1-strength[i])*uniform, columns in ``keep`` unchanged."""
    strength = np.asarray(strength, dtype=float)[:, None, None]
    weak = strength * ppm[None] + (1 - strength) * 0.25
    weak[:, :, list(keep)] = ppm[:, list(keep)]
    return weak


def _draw_each(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Codes (n, w), row i drawn column-wise from its own (4, w) profile probs[i]."""
    cum = np.cumsum(probs, axis=1)[:, :3]  # (n, 3, w)
    u = rng.random((probs.shape[0], probs.shape[2]))
    return (u[:, None, :] >= cum).sum(axis=1).astype(np.uint8)


def _simulate(kinds: np.ndarray, length: int, rng: np.random.Generator) -> SpliceWorld:
    """Sequences of the given kinds (N,), with their planted elements."""
    if length < MIN_LENGTH:
        raise ValueError(f"length must be at least {MIN_LENGTH} bp (room for a branch point 40 bp "
                         f"upstream of the boundary); got {length}")
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; expected some of {KINDS}")
    n, c = len(kinds), length // 2
    layout = np.empty(n, dtype=object)
    layout[kinds == "donor"] = "exon|intron"
    layout[kinds == "acceptor"] = "intron|exon"
    other = np.flatnonzero(~np.isin(kinds, ("donor", "acceptor")))
    layout[other] = np.array(_LAYOUTS, dtype=object)[rng.integers(0, 4, size=other.size)]
    codes = _background(layout, length, c, rng)
    rows: list[tuple[int, str, int, int]] = []

    def put(idx: np.ndarray, start: np.ndarray, block: np.ndarray, element: str) -> None:
        w = block.shape[1]
        cols = start[:, None] + np.arange(w)[None, :]
        codes[idx[:, None], cols] = block
        rows.extend(zip(idx.tolist(), [element] * idx.size, start.tolist(), (start + w).tolist()))

    def ppt(idx: np.ndarray, probs: np.ndarray, lo_bound: np.ndarray, element: str) -> None:
        """Pyrimidine tract ending at centre-3, PPT_LENGTH long but not reaching below lo_bound.

        probs: (4,) for every tract, or (n, 4) one per tract."""
        if not idx.size:
            return
        want = rng.integers(PPT_LENGTH[0], PPT_LENGTH[1] + 1, size=idx.size)
        start = np.maximum(c - 3 - want, lo_bound)
        per_row = np.broadcast_to(np.asarray(probs, dtype=float).reshape(-1, 4), (idx.size, 4))
        draws = _draw_each(np.repeat(per_row[:, :, None], PPT_LENGTH[1], axis=2), rng)
        for j, (i, s) in enumerate(zip(idx.tolist(), start.tolist())):
            codes[i, s:c - 3] = draws[j, : c - 3 - s]
            rows.append((i, element, s, c - 3))

    def ese(idx: np.ndarray, exon_right: bool) -> None:
        has = idx[rng.random(idx.size) < ESE_PROBABILITY]
        w = ESE_PPM.shape[1]
        into = rng.integers(ESE_WINDOW[0], ESE_WINDOW[1] + 1, size=has.size)
        start = c + into if exon_right else c - into - w
        put(has, start, _draw(ESE_PPM, has.size, rng), "exonic enhancer")

    don = np.flatnonzero(kinds == "donor")
    put(don, np.full(don.size, c + DONOR_OFFSET), _draw(DONOR_PPM, don.size, rng), "5' splice site")
    ese(don, exon_right=False)

    acc = np.flatnonzero(kinds == "acceptor")
    dist = rng.integers(BRANCH_DISTANCE[0], BRANCH_DISTANCE[1] + 1, size=acc.size)
    bp_start = c - dist - BRANCH_A
    put(acc, bp_start, _draw(BRANCH_POINT_PPM, acc.size, rng), "branch point")
    ppt(acc, PPT_PROBS, bp_start + BRANCH_POINT_PPM.shape[1], "polypyrimidine tract")
    put(acc, np.full(acc.size, c + ACCEPTOR_OFFSET), _draw(ACCEPTOR_PPM, acc.size, rng), "3' splice site")
    ese(acc, exon_right=True)

    strength = np.full(n, np.nan)
    dgt = np.flatnonzero(kinds == "decoy GT")
    strength[dgt] = rng.uniform(*DECOY_STRENGTH, size=dgt.size)
    put(dgt, np.full(dgt.size, c + DONOR_OFFSET), _draw_each(_weaken(DONOR_PPM, (3, 4), strength[dgt]), rng),
        "decoy GT")

    dag = np.flatnonzero(kinds == "decoy AG")
    strength[dag] = rng.uniform(*DECOY_STRENGTH, size=dag.size)
    weak_tract = strength[dag, None] * PPT_PROBS[None] + (1 - strength[dag, None]) * 0.25
    ppt(dag, weak_tract, np.zeros(dag.size, dtype=np.int64), "weak pyrimidine tract")
    put(dag, np.full(dag.size, c + ACCEPTOR_OFFSET), _draw_each(_weaken(ACCEPTOR_PPM, (1, 2), strength[dag]), rng),
        "decoy AG")

    # easy negatives: no AG ending at the centre, no GT starting at it (redraw one base)
    ran = np.flatnonzero(kinds == "random")
    ag = ran[(codes[ran, c - 2] == 0) & (codes[ran, c - 1] == 2)]
    codes[ag, c - 1] = np.array([0, 1, 3], dtype=np.uint8)[rng.integers(0, 3, size=ag.size)]
    gt = ran[(codes[ran, c] == 2) & (codes[ran, c + 1] == 3)]
    codes[gt, c + 1] = np.array([0, 1, 2], dtype=np.uint8)[rng.integers(0, 3, size=gt.size)]

    text = LETTER_CODES[codes].tobytes().decode("ascii")
    seqs = [text[i * length:(i + 1) * length] for i in range(n)]
    sites = pd.DataFrame(rows, columns=["seq", "element", "start", "end"])
    sites = sites.sort_values(["seq", "start"], kind="stable").reset_index(drop=True)
    labels = np.array([_KIND_LABEL[k] for k in kinds], dtype=np.int64)
    return SpliceWorld(seqs, labels, np.asarray(kinds, dtype=str), c, sites, layout.astype(str), strength)


def _shuffled(counts: dict[str, int], rng: np.random.Generator) -> np.ndarray:
    kinds = np.concatenate([np.full(v, k, dtype=object) for k, v in counts.items()]) if counts else \
        np.empty(0, dtype=object)
    return kinds[rng.permutation(kinds.size)]


def splice_world(n: int, *, length: int = 400, decoy_fraction: float = 0.0, seed: int = 0) -> SpliceWorld:
    """n sequences of length bp: 1/4 acceptors, 1/4 donors, 1/2 non-sites of which decoy_fraction are decoys.

    Counts are exact (acceptors = donors = round(n/4); decoys = round(non-sites * decoy_fraction),
    split GT/AG with the odd one GT); order is shuffled. Deterministic from ``seed``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    if not 0 <= decoy_fraction <= 1:
        raise ValueError(f"decoy_fraction must be in [0, 1]; got {decoy_fraction}")
    rng = np.random.default_rng(seed)
    n_site = round(n / 4)
    n_non = n - 2 * n_site
    n_decoy = round(n_non * decoy_fraction)
    counts = {"acceptor": n_site, "donor": n_site, "random": n_non - n_decoy,
              "decoy GT": n_decoy - n_decoy // 2, "decoy AG": n_decoy // 2}
    return _simulate(_shuffled(counts, rng), length, rng)


def decoy_pool(n: int, *, length: int = 400, seed: int = 0) -> SpliceWorld:
    """n hard non-sites (label NON_SITE): GT or AG at the centre with a partial consensus around it.

    Half are "decoy GT", half "decoy AG" (the odd one GT), shuffled; deterministic from ``seed``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    rng = np.random.default_rng(seed)
    return _simulate(_shuffled({"decoy GT": n - n // 2, "decoy AG": n // 2}, rng), length, rng)


def _codes_to_str(codes: np.ndarray) -> str:
    return LETTER_CODES[codes].tobytes().decode("ascii")


class _Stream:
    """Consecutive slices of one long pre-sampled code array (refilled in blocks)."""

    def __init__(self, draw, rng: np.random.Generator, block: int = 200_000):
        self.draw, self.rng, self.block = draw, rng, block
        self.buf, self.pos = np.empty(0, dtype=np.uint8), 0

    def take(self, n: int) -> np.ndarray:
        if self.pos + n > self.buf.size:
            rows = max(1, -(-max(n, self.block) // 1000))
            self.buf = np.concatenate([self.buf[self.pos:], self.draw(rows, 1000, self.rng).reshape(-1)])
            self.pos = 0
        out = self.buf[self.pos:self.pos + n].copy()
        self.pos += n
        return out


def gene_corpus(n_bp: int, *, seed: int = 0) -> list[str]:
    """Unlabelled gene-like DNA for MLM pretraining: genes (str) totalling exactly n_bp.

    Each gene: 200-1,000 bp of intron-like flank, then 2-8 codon-like exons (50-300 bp)
    separated by introns (150-1,500 bp) that start with a donor consensus and end with a
    branch point, polypyrimidine tract and acceptor, then flank again. The last gene is cut
    to make the total n_bp. Deterministic from ``seed``.
    """
    if n_bp < 0:
        raise ValueError(f"n_bp must be >= 0; got {n_bp}")
    rng = np.random.default_rng(seed)
    intron_dna = _Stream(_INTRON.sample_codes, rng)
    exon_dna = _Stream(_exon_codes, rng)
    genes: list[str] = []
    total = 0
    while total < n_bp:
        n_exons = int(rng.integers(2, 9))
        parts = [intron_dna.take(int(rng.integers(200, 1001)))]
        for e in range(n_exons):
            exon = exon_dna.take(int(rng.integers(50, 301)))
            if e > 0:  # exon starts after an acceptor: +1 from the acceptor profile
                exon[0] = _draw(ACCEPTOR_PPM[:, 3:], 1, rng)[0, 0]
            if e < n_exons - 1:  # exon ends with the donor's -3..-1
                exon[-3:] = _draw(DONOR_PPM[:, :3], 1, rng)[0]
            parts.append(exon)
            if e == n_exons - 1:
                break
            intron = intron_dna.take(int(rng.integers(150, 1501)))
            end = intron.size
            intron[:6] = _draw(DONOR_PPM[:, 3:], 1, rng)[0]  # GURAGU
            intron[end - 3:] = _draw(ACCEPTOR_PPM[:, :3], 1, rng)[0]  # YAG
            tract = int(rng.integers(PPT_LENGTH[0], PPT_LENGTH[1] + 1))
            intron[end - 3 - tract:end - 3] = _draw(np.repeat(PPT_PROBS[:, None], tract, axis=1), 1, rng)[0]
            dist = int(rng.integers(tract + 5, BRANCH_DISTANCE[1] + 1))  # branch point clear of the tract
            bp_start = end - dist - BRANCH_A
            intron[bp_start:bp_start + BRANCH_POINT_PPM.shape[1]] = _draw(BRANCH_POINT_PPM, 1, rng)[0]
            parts.append(intron)
        parts.append(intron_dna.take(int(rng.integers(200, 1001))))
        gene = _codes_to_str(np.concatenate(parts))[: n_bp - total]
        genes.append(gene)
        total += len(gene)
    return genes


def _window_codes(seqs: list[str], start: int, width: int) -> np.ndarray:
    """Codes (N, width) of seqs[start:start+width] (A0 C1 G2 T3, other 4); every window must fit."""
    short = [i for i, s in enumerate(seqs) if start < 0 or len(s) < start + width]
    if short:
        raise ValueError(f"sequence {short[0]} ({len(seqs[short[0]])} bp) does not cover "
                         f"[{start}, {start + width})")
    text = "".join(s[start:start + width] for s in seqs).encode("ascii")
    return BASE_CODE[np.frombuffer(text, dtype=np.uint8)].reshape(len(seqs), width)


def position_frequencies(seqs: list[str], start: int, end: int) -> np.ndarray:
    """Base frequencies (4, end-start), rows A, C, G, T, of seqs[start:end] (non-ACGT ignored)."""
    if not seqs:
        raise ValueError("position_frequencies needs at least one sequence")
    if end <= start:
        raise ValueError(f"end must be greater than start; got {start}, {end}")
    codes = _window_codes(seqs, start, end - start)
    counts = np.stack([(codes == b).sum(axis=0) for b in range(4)]).astype(float)
    total = counts.sum(axis=0, keepdims=True)
    return np.divide(counts, total, out=np.full_like(counts, 0.25), where=total > 0)


TRACT_WINDOW = 20  # bp before -3 scored for pyrimidines by consensus_scores


def consensus_scores(seqs: list[str], centre: int) -> pd.DataFrame:
    """Ground-truth log-odds in bits vs uniform at the centre (N rows): columns donor and acceptor.

    donor: the 5'ss PPM over -3..+6; acceptor: the 3'ss core over -3..+1 plus the pyrimidine
    tract model over the TRACT_WINDOW bp before -3. Impossible bases score -20 bits.
    """
    def lo(ppm: np.ndarray, start: int) -> np.ndarray:
        codes = _window_codes(seqs, start, ppm.shape[1])
        with np.errstate(divide="ignore"):
            table = np.maximum(np.log2(ppm / 0.25), -20.0)
        cols = np.broadcast_to(np.arange(ppm.shape[1]), codes.shape)
        return np.where(codes < 4, table[np.minimum(codes, 3), cols], 0.0).sum(axis=1)

    tract = np.repeat(PPT_PROBS[:, None], TRACT_WINDOW, axis=1)
    return pd.DataFrame({
        "donor": lo(DONOR_PPM, centre + DONOR_OFFSET),
        "acceptor": lo(ACCEPTOR_PPM, centre + ACCEPTOR_OFFSET)
        + lo(tract, centre + ACCEPTOR_OFFSET - TRACT_WINDOW),
    })


def infer_kinds(seqs: list[str], labels: np.ndarray, centre: int) -> np.ndarray:
    """Kinds (N,) from labels (0/1/2) and the centre dinucleotides, for data without ground truth (GUE).

    Sites keep their class name; a non-site is "decoy GT" when GT starts at ``centre``, else
    "decoy AG" when AG ends just before it, else "random".
    """
    labels = np.asarray(labels)
    if len(seqs) != labels.size:
        raise ValueError(f"{len(seqs)} sequences but {labels.size} labels")
    gt = np.array([s[centre:centre + 2] == "GT" for s in seqs], dtype=bool)
    ag = np.array([s[centre - 2:centre] == "AG" for s in seqs], dtype=bool)
    non = np.where(gt, "decoy GT", np.where(ag, "decoy AG", "random"))
    return np.where(labels == ACCEPTOR, "acceptor", np.where(labels == DONOR, "donor", non)).astype(str)


# --------------------------------------------------------------------------- built in by construction


def _built_in() -> list:
    """What this world makes true by construction (numbers read from the constants above)."""
    lo, hi = DECOY_STRENGTH
    return [
        BuiltIn(f"every site sits at the same index (the centre, length // 2): donors carry 9 bp -3..+6 drawn from "
                f"DONOR_PPM (MAG|GURAGU, GT invariant at +1,+2); acceptors YAG|G (AG invariant, ending at the "
                f"boundary), a polypyrimidine tract of {PPT_LENGTH[0]}-{PPT_LENGTH[1]} bp and a branch point "
                f"(YNYURAY) whose A lies {BRANCH_DISTANCE[0]}-{BRANCH_DISTANCE[1]} bp upstream; "
                f"{ESE_PROBABILITY:.0%} of true sites also carry a purine-rich exonic enhancer",
                "a model needs to read only a few dozen positions around one fixed index; no non-canonical "
                "site, no alternative splicing, no site off-centre",
                claims=("rebuild_mcc", "rebuild_recall", "bert_vs_cnn")),
        BuiltIn("layout follows the label: a donor is always exon|intron and an acceptor intron|exon around the "
                "centre, non-sites take one of four layouts at random; exons are codon-like (period-3 composition, "
                f"GC {EXON_CODON_PROBS[:, 1:3].sum(1).mean():.2f}), introns a Markov chain of GC {INTRON_GC}",
                "composition on either side of the centre already separates much of site from non-site, "
                "independently of the splice signals",
                claims=("rebuild_mcc", "bert_vs_cnn")),
        BuiltIn("easy non-sites ('random') are edited so that no AG ends and no GT starts at the centre, and the first "
                "training set holds only these (decoy_fraction 0)",
                "on the first training set 'GT or AG at the centre' is a perfect rule, so a model trained on it "
                "must over-call decoys: the first claim is a consequence of this recipe",
                claims=("decoy_fp_initial",)),
        BuiltIn(f"decoys keep the invariant GT or AG at the centre with flanks (and, for AG decoys, the pyrimidine "
                f"tract) diluted to a strength s drawn uniformly from {lo}..{hi} of the true profile, no branch "
                "point, no enhancer; half of the test set's non-sites are decoys, and the pool the rebuild draws "
                "from is all decoys of the same recipe",
                "the rebuild adds negatives drawn from exactly the distribution of the test decoys, so lowering "
                "the false-positive rate on test decoys is what the world is built to reward; decoys near s = "
                f"{hi} are nearly real sites and stay hard",
                claims=("rebuild_bert", "rebuild_cnn", "rebuild_mcc", "rebuild_recall")),
        BuiltIn("labels follow GUE (0 acceptor, 1 donor, 2 non-site) with exact shares 1/4 : 1/4 : 1/2 in every "
                "simulated set",
                "the three-class MCC is measured at this balance; GUE's splice set has its own class shares",
                claims=()),
        BuiltIn(f"the simulated pre-training genome takes {GENOME_MIX['genes']:.0%} of its bp from gene_corpus: "
                "gene-like DNA whose introns start with the same donor profile and end with the same branch point, "
                "tract and acceptor (same matrices as the fine-tuning world)",
                "masked-LM pre-training sees the fine-tuning world's own splice signals (never a test sequence "
                "itself: the leakage card checks), which favours the pre-trained BERT over a CNN from scratch",
                claims=("bert_vs_cnn",)),
    ]


#: What the splice world makes true by construction (``genomebook.simulate.builtin.BuiltIn``);
#: claim keys: decoy_fp_initial, rebuild_bert, rebuild_cnn, rebuild_mcc, rebuild_recall, bert_vs_cnn.
BUILT_IN = _built_in()
