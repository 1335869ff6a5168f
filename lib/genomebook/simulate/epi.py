"""A simulated enhancer–promoter interaction (EPI) world with TargetFinder-shaped pair tables.

EPSAT, EPLAE and SPEID read 3 kb enhancer and 2 kb promoter sequences; the real pairs
(TargetFinder, six cell lines) need hg19, which is not here. :func:`epi_world` builds a world
whose pair table has the columns of :func:`genomebook.datasets.targetfinder.read_pairs` and
whose labels have a known cause. Used by the enhancer_promoter and epsat_eplae chapters.

Genome
    ``n_chromosomes`` equal chromosomes (``chr1``, ``chr2``, ...) long enough to hold
    :data:`ENHANCERS_PER_MB` enhancers per Mb and at least twice the largest pair distance.
    Every element sits in its own slot (``max(enhancer_bp, promoter_bp) + SLOT_GAP`` bp, random
    offset), so elements never overlap. Coordinates are 0-based half-open, like the reader's.

Elements
    Enhancers (``enhancer_bp``, human-like Markov background, :data:`ENHANCER_BACKGROUND`) and
    promoters (``promoter_bp``, GC- and CpG-richer, :data:`PROMOTER_BACKGROUND`). There are
    :data:`MOTIF_PAIRS` compatible motif pairs (JASPAR 2024, ids pinned): the first motif of a pair
    goes into enhancers, its partner into promoters. Every element carries each motif of its
    side independently with probability :data:`P_CARRY` (one site, anywhere, random strand,
    sampled from the PPM). Elements (and their sequences) are shared by all cell lines.

Cell lines
    Each cell line has :data:`ACTIVE_PAIRS` active motif pairs (distinct sets while there are
    enough, drawn with the seed); the other pairs' motifs are present in the sequences but do
    nothing there. Names are :data:`CELL_LINES` (TargetFinder's six), then ``cell7``, ...

Interaction
    A candidate pair is a promoter (uniform) and the enhancer nearest to a point at a
    log-uniform distance in ``[min_distance, max_distance]`` on either side, kept when their gap
    lies in that window. With ``n`` = the number of the cell line's active pairs whose enhancer
    motif is in the enhancer and partner in the promoter, and ``d`` the gap,
    ``P(interaction) = h(d) * (1 - (1 - BASE_RATE) * (1 - P_COMPATIBLE) ** n)``,
    ``h(d) = (d / min_distance) ** -DECAY_EXPONENT``. Labels are drawn from it; each cell line
    keeps the first ``positives_per_cell_line`` interacting and ``negative_ratio`` times as many
    non-interacting distinct candidates (TargetFinder's 1:20).

The world's ``built_in`` records state all this with numbers measured on the built world
(claim keys in :data:`CLAIM_KEYS`). Every constant below is **chosen**; change it here.

Examples
--------
>>> w = epi_world(n_cell_lines=1, positives_per_cell_line=5, negative_ratio=2, n_chromosomes=2, seed=1)
>>> int(w.pairs["label"].sum()), len(w.pairs)
(5, 15)
>>> enh, prom = pair_sequences(w, w.pairs.head(2))
>>> len(enh[0]), len(prom[0])
(3000, 2000)
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genomebook import motifs
from genomebook.datasets.targetfinder import PAIR_COLUMNS
from genomebook.seq import one_hot
from genomebook.simulate.background import MarkovBackground, as_rng
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.plant import plant, random_positions

__all__ = ["ACTIVE_PAIRS", "CELL_LINES", "CLAIM_KEYS", "EPIWorld", "MOTIF_PAIRS", "epi_world", "pair_sequences"]

# --------------------------------------------------------------------------- constants (chosen)

#: TargetFinder's six cell lines (the names of the first six simulated cell lines).
CELL_LINES = ("GM12878", "HeLa-S3", "HUVEC", "IMR90", "K562", "NHEK")
#: Compatible motif pairs (enhancer motif, promoter motif), JASPAR 2024 ids pinned. Chosen for
#: distinct, highly informative motifs (13-18 bp, 18-24 bits) so that chance matches in the
#: background are rare and a planted site is recognisable; the pairing is not biology.
MOTIF_PAIRS: tuple[tuple[str, str], ...] = (
    ("MA0112.4", "MA0088.2"),  # ESR1 - ZNF143
    ("MA0106.3", "MA0509.3"),  # TP53 - RFX1
    ("MA0083.3", "MA0469.4"),  # SRF - E2F3
    ("MA1419.2", "MA0105.4"),  # IRF4 - NFKB1
    ("MA0113.4", "MA1527.2"),  # NR3C1 - NFIC
    ("MA0781.2", "MA0752.2"),  # PAX9 - ZNF410
)
#: Active motif pairs per cell line.
ACTIVE_PAIRS = 3
#: Probability that an element carries each motif of its side (one planted site).
P_CARRY = 0.15
#: Chance that one active compatible motif pair makes a pair interact at the shortest distance.
P_COMPATIBLE = 0.9
#: Chance that a pair with no active compatible motif pair interacts at the shortest distance
#: (interactions the motifs do not explain).
BASE_RATE = 0.02
#: Distance window (gap between the elements, bp), TargetFinder-like.
MIN_DISTANCE = 10_000
MAX_DISTANCE = 2_000_000
#: Contact decay: h(d) = (d / min_distance) ** -DECAY_EXPONENT.
DECAY_EXPONENT = 0.25
#: Enhancer density that sets the chromosome length.
ENHANCERS_PER_MB = 20.0
#: Default pool sizes: pairs per promoter and per enhancer in one cell line (the real
#: TargetFinder tables reuse promoters several times and enhancers about once; measure with
#: read_pairs). Elements are shared across cell lines.
PAIRS_PER_PROMOTER = 5.0
PAIRS_PER_ENHANCER = 1.5
#: Smallest default pools (tiny worlds still need promoters that carry active partner motifs).
MIN_DEFAULT_PROMOTERS = 100
MIN_DEFAULT_ENHANCERS = 300
#: Spare bp in each element slot.
SLOT_GAP = 1_000
#: Backgrounds: enhancers human-like, promoters GC- and CpG-richer.
ENHANCER_BACKGROUND = {"gc": 0.41, "cpg_ratio": 0.25}
PROMOTER_BACKGROUND = {"gc": 0.55, "cpg_ratio": 0.6}
#: Pseudo-probability added to each PPM cell before normalising.
PPM_PSEUDOCOUNT = 0.01
#: Candidate rounds before a cell line gives up (each round draws 40 candidates per missing positive).
MAX_ROUNDS = 60
#: Claim keys the world's BuiltIn records bear on (the chapters mark their claims with them):
#: table3 (F1 per cell line), epsat_beats_speid, eplae_beats_targetfinder, epsat_f1_085,
#: floors (all-positive F1), distance_baseline, propensity_baseline, augmentation_leak
#: (copies before the split), honest_splits (chromosome / element-disjoint), cboep_negatives, fig5_pca.
CLAIM_KEYS = ("table3", "epsat_beats_speid", "eplae_beats_targetfinder", "epsat_f1_085", "floors",
              "distance_baseline", "propensity_baseline", "augmentation_leak", "honest_splits",
              "cboep_negatives", "fig5_pca")

_BIG = 10**12  # chromosome index * _BIG + position: one sorted key over the genome


# --------------------------------------------------------------------------- world


@dataclass
class EPIWorld:
    """A simulated EPI world: pairs, elements with sequences, motif ground truth and what it builds in.

    ``pairs``: one row per (cell line, enhancer, promoter) with :data:`PAIR_COLUMNS` of
    ``read_pairs`` first (``label, enhancer_chrom/start/end, promoter_chrom/start/end, distance,
    cell``), then ``enhancer_name``/``promoter_name`` (``CELL|chr:start-end`` as TargetFinder),
    ``enhancer_id``/``promoter_id`` (rows of the element tables) and the ground truth
    ``n_compatible`` (active compatible motif pairs) and ``true_p`` (the interaction probability).
    ``enhancers``/``promoters``: ``element_id, name, chrom, start, end, seq, motifs``.
    ``enhancer_motifs``/``promoter_motifs``: bool (n, n_pairs), carried motif k of pair k.
    ``sites``: planted sites (``element`` 'enhancer'/'promoter', ``element_id``, ``pair``,
    ``motif_id``, ``motif``, ``start``, ``end`` relative to the element, ``strand``, ``site``).
    ``motif_pairs``: the pairs' motifs; ``active``: cell line -> active pair indices;
    ``chrom_sizes``: chromosome -> bp; ``ppms``: motif id -> (4, w) PPM; ``built_in``: BuiltIn
    records with measured numbers; ``params``: the arguments. Used by the enhancer_promoter and
    epsat_eplae chapters.
    """

    pairs: pd.DataFrame
    enhancers: pd.DataFrame
    promoters: pd.DataFrame
    enhancer_motifs: np.ndarray
    promoter_motifs: np.ndarray
    sites: pd.DataFrame
    motif_pairs: pd.DataFrame
    active: dict[str, tuple[int, ...]]
    chrom_sizes: dict[str, int]
    ppms: dict[str, np.ndarray]
    built_in: list[BuiltIn] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    @property
    def cell_lines(self) -> list[str]:
        """The cell lines, in order."""
        return list(self.active)


@functools.lru_cache(maxsize=1)
def _motifs_cached() -> tuple[tuple[str, str, np.ndarray], ...]:
    ids = [m for pair in MOTIF_PAIRS for m in pair]
    return tuple((m.id, m.name, m.ppm(PPM_PSEUDOCOUNT)) for m in motifs.load_jaspar(ids=ids))


def _check_int(name: str, value, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ValueError(f"epi_world: {name} must be an integer >= {lo}; got {value!r}")
    return int(value)


def _place(rng, n_enh: int, n_prom: int, enh_bp: int, prom_bp: int, n_chrom: int, max_distance: int):
    """Chromosome index and start of every element (enhancers first), in non-overlapping slots."""
    slot = max(enh_bp, prom_bp) + SLOT_GAP
    chrom_len = max(n_enh / ENHANCERS_PER_MB / n_chrom * 1e6, 2 * max_distance + slot)
    slots_per_chrom = max(int(math.ceil(chrom_len / slot)), int(math.ceil((n_enh + n_prom) / n_chrom)) + 1)
    chosen = rng.choice(slots_per_chrom * n_chrom, size=n_enh + n_prom, replace=False)
    chrom = chosen // slots_per_chrom
    bp = np.r_[np.full(n_enh, enh_bp), np.full(n_prom, prom_bp)]
    start = (chosen % slots_per_chrom) * slot + rng.integers(0, slot - bp + 1)
    return chrom, start, slots_per_chrom * slot


def _elements(rng, kind: str, chrom, start, bp: int, background: dict, motif_ids: list[str],
              ppms: dict, names: dict):
    """Element table, carried-motif matrix and planted sites for one kind, in genome order."""
    order = np.lexsort((start, chrom))
    chrom, start = chrom[order], start[order]
    n, k = chrom.size, len(motif_ids)
    seqs = MarkovBackground.human_like(**background).sample(n, bp, rng)
    carries = rng.random((n, k)) < P_CARRY
    el, which = np.nonzero(carries)  # row-major: grouped by element, as random_positions needs
    mids = [motif_ids[j] for j in which]
    widths = np.array([ppms[m].shape[1] for m in mids], dtype=np.int64)
    pos = random_positions(carries.sum(axis=1), bp, widths, rng)
    strands = np.where(rng.random(el.size) < 0.5, 1, -1)
    seqs, truth = plant(seqs, ppms, motif_ids=mids, positions=pos, strands=strands, rng=rng, seq_index=el)
    chrom_names = np.array([f"chr{c + 1}" for c in chrom], dtype=object)
    end = start + bp
    table = pd.DataFrame({
        "element_id": np.arange(n), "name": [f"{c}:{s}-{e}" for c, s, e in zip(chrom_names, start, end)],
        "chrom": chrom_names, "start": start.astype(np.int64), "end": end.astype(np.int64), "seq": seqs,
        "motifs": [",".join(names[motif_ids[j]] for j in np.flatnonzero(row)) for row in carries],
    })
    sites = pd.DataFrame({"element": kind, "element_id": truth["seq_index"].to_numpy(), "pair": which,
                          "motif_id": truth["motif_id"].to_numpy(), "motif": [names[m] for m in truth["motif_id"]],
                          "start": truth["start"].to_numpy(), "end": truth["end"].to_numpy(),
                          "strand": truth["strand"].to_numpy(), "site": truth["site"].to_numpy()})
    return table, carries, sites, chrom


def _contact(d: np.ndarray, min_distance: int) -> np.ndarray:
    return (np.maximum(d, min_distance) / min_distance) ** -DECAY_EXPONENT


def _sample_cell(rng, cell: str, active: np.ndarray, n_pos: int, n_neg: int, enh_chrom, enh, prom_chrom, prom,
                 enh_carries, prom_carries, min_distance: int, max_distance: int) -> pd.DataFrame:
    """Distinct candidate pairs of one cell line with labels drawn; the first n_pos positives and n_neg negatives."""
    e_start, e_end = enh["start"].to_numpy(), enh["end"].to_numpy()
    p_start, p_end = prom["start"].to_numpy(), prom["end"].to_numpy()
    e_key = enh_chrom * _BIG + (e_start + e_end) // 2  # sorted: enhancers are in genome order
    p_mid = (p_start + p_end) / 2
    n_prom, n_enh = len(prom), len(enh)
    seen_e, seen_p, seen_y, seen_n, seen_pr = [], [], [], [], []
    n_have_pos = n_have_neg = 0
    keys = np.zeros(0, dtype=np.int64)
    lo, hi = math.log(min_distance), math.log(max_distance)
    for _ in range(MAX_ROUNDS):
        need = max(n_pos - n_have_pos, 0) * 40 + max(n_neg - n_have_neg, 0) * 2
        if need == 0:
            break
        m = max(need, 1000)
        p = rng.integers(n_prom, size=m)
        target = p_mid[p] + np.where(rng.random(m) < 0.5, -1, 1) * np.exp(rng.uniform(lo, hi, m))
        key = prom_chrom[p] * _BIG + np.round(target).astype(np.int64)
        i = np.searchsorted(e_key, key)
        left, right = np.clip(i - 1, 0, n_enh - 1), np.clip(i, 0, n_enh - 1)
        e = np.where(np.abs(e_key[left] - key) <= np.abs(e_key[right] - key), left, right)
        gap = np.maximum(p_start[p] - e_end[e], e_start[e] - p_end[p])
        ok = (enh_chrom[e] == prom_chrom[p]) & (gap >= min_distance) & (gap <= max_distance)
        e, p, gap = e[ok], p[ok], gap[ok]
        n_compat = (enh_carries[e] & prom_carries[p] & active[None, :]).sum(axis=1)
        prob = _contact(gap, min_distance) * (1 - (1 - BASE_RATE) * (1 - P_COMPATIBLE) ** n_compat)
        y = (rng.random(e.size) < prob).astype(np.int64)
        pair_key = e.astype(np.int64) * n_prom + p
        _, first = np.unique(pair_key, return_index=True)
        first.sort()
        first = first[~np.isin(pair_key[first], keys)]
        keys = np.union1d(keys, pair_key[first])
        for lst, arr in zip((seen_e, seen_p, seen_y, seen_n, seen_pr), (e, p, y, n_compat, prob)):
            lst.append(arr[first])
        n_have_pos += int(y[first].sum())
        n_have_neg += int(first.size - y[first].sum())
    if n_have_pos < n_pos or n_have_neg < n_neg:
        raise ValueError(
            f"epi_world: cell line {cell} yielded only {n_have_pos} interacting / {n_have_neg} non-interacting distinct "
            f"pairs (need {n_pos} / {n_neg}) from {len(enh)} enhancers and {len(prom)} promoters. Raise "
            "n_enhancers and n_promoters (or leave them None), or lower positives_per_cell_line.")
    e, p, y, n_compat, prob = (np.concatenate(lst) for lst in (seen_e, seen_p, seen_y, seen_n, seen_pr))
    keep = np.r_[np.flatnonzero(y == 1)[:n_pos], np.flatnonzero(y == 0)[:n_neg]]
    e, p, y, n_compat, prob = e[keep], p[keep], y[keep], n_compat[keep], prob[keep]
    gap = np.maximum(p_start[p] - e_end[e], e_start[e] - p_end[p])
    out = pd.DataFrame({
        "label": y, "enhancer_chrom": enh["chrom"].to_numpy()[e], "enhancer_start": e_start[e],
        "enhancer_end": e_end[e], "promoter_chrom": prom["chrom"].to_numpy()[p], "promoter_start": p_start[p],
        "promoter_end": p_end[p], "distance": gap.astype(np.int64), "cell": cell,
        "enhancer_name": [f"{cell}|{n}" for n in enh["name"].to_numpy()[e]],
        "promoter_name": [f"{cell}|{n}" for n in prom["name"].to_numpy()[p]],
        "enhancer_id": e.astype(np.int64), "promoter_id": p.astype(np.int64),
        "n_compatible": n_compat.astype(np.int64), "true_p": prob,
    })
    chrom_no = enh_chrom[e]
    return out.iloc[np.lexsort((p_start[p], e_start[e], chrom_no))].reset_index(drop=True)


def epi_world(n_cell_lines: int = 2, n_enhancers: int | None = None, n_promoters: int | None = None,
              positives_per_cell_line: int = 100, negative_ratio: int = 20, enhancer_bp: int = 3000,
              promoter_bp: int = 2000, n_chromosomes: int = 8, seed: int = 0, *,
              min_distance: int = MIN_DISTANCE, max_distance: int = MAX_DISTANCE) -> EPIWorld:
    """Build the simulated EPI world (see the module docstring); deterministic for a given seed.

    ``n_enhancers`` / ``n_promoters`` default to the pairs of one cell line
    (``positives_per_cell_line * (1 + negative_ratio)``) divided by :data:`PAIRS_PER_ENHANCER` /
    :data:`PAIRS_PER_PROMOTER`, at least :data:`MIN_DEFAULT_ENHANCERS` / :data:`MIN_DEFAULT_PROMOTERS`. Smoke: the defaults (2 cell lines x 100 positives) build in about a
    second; paper scale: ``n_cell_lines=6, positives_per_cell_line=2000``. Used by the
    enhancer_promoter and epsat_eplae chapters.
    """
    n_cells = _check_int("n_cell_lines", n_cell_lines, 1)
    n_pos = _check_int("positives_per_cell_line", positives_per_cell_line, 1)
    ratio = _check_int("negative_ratio", negative_ratio, 1)
    n_chrom = _check_int("n_chromosomes", n_chromosomes, 1)
    min_distance = _check_int("min_distance", min_distance, 1)
    max_distance = _check_int("max_distance", max_distance, 2)
    if max_distance <= min_distance:
        raise ValueError(f"epi_world: max_distance ({max_distance}) must exceed min_distance ({min_distance})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"epi_world: seed must be an integer; got {seed!r}")
    found = _motifs_cached()
    ppms = {mid: ppm for mid, _, ppm in found}
    names = {mid: name for mid, name, _ in found}
    widest = max(p.shape[1] for p in ppms.values())
    n_k = len(MOTIF_PAIRS)
    min_bp = n_k * (widest + 2)  # room for every motif of a side
    enh_bp = _check_int("enhancer_bp", enhancer_bp, min_bp)
    prom_bp = _check_int("promoter_bp", promoter_bp, min_bp)
    per_cell = n_pos * (1 + ratio)
    n_enh = (max(math.ceil(per_cell / PAIRS_PER_ENHANCER), MIN_DEFAULT_ENHANCERS) if n_enhancers is None
             else _check_int("n_enhancers", n_enhancers, 2))
    n_prom = (max(math.ceil(per_cell / PAIRS_PER_PROMOTER), MIN_DEFAULT_PROMOTERS) if n_promoters is None
              else _check_int("n_promoters", n_promoters, 1))
    params = dict(n_cell_lines=n_cells, n_enhancers=n_enh, n_promoters=n_prom, positives_per_cell_line=n_pos,
                  negative_ratio=ratio, enhancer_bp=enh_bp, promoter_bp=prom_bp, n_chromosomes=n_chrom, seed=int(seed),
                  min_distance=min_distance, max_distance=max_distance)
    rng = as_rng(int(seed))

    cells = [CELL_LINES[i] if i < len(CELL_LINES) else f"cell{i + 1}" for i in range(n_cells)]
    subsets = list(itertools.combinations(range(n_k), ACTIVE_PAIRS))
    pick = rng.permutation(len(subsets))
    active = {c: subsets[pick[i % len(subsets)]] for i, c in enumerate(cells)}

    chrom, start, chrom_len = _place(rng, n_enh, n_prom, enh_bp, prom_bp, n_chrom, max_distance)
    enh_ids, prom_ids = [a for a, _ in MOTIF_PAIRS], [b for _, b in MOTIF_PAIRS]
    enh, enh_carries, enh_sites, enh_chrom = _elements(rng, "enhancer", chrom[:n_enh], start[:n_enh], enh_bp,
                                                       ENHANCER_BACKGROUND, enh_ids, ppms, names)
    prom, prom_carries, prom_sites, prom_chrom = _elements(rng, "promoter", chrom[n_enh:], start[n_enh:], prom_bp,
                                                           PROMOTER_BACKGROUND, prom_ids, ppms, names)
    pairs = []
    for c in cells:
        mask = np.zeros(n_k, dtype=bool)
        mask[list(active[c])] = True
        pairs.append(_sample_cell(rng, c, mask, n_pos, ratio * n_pos, enh_chrom, enh, prom_chrom, prom,
                                  enh_carries, prom_carries, min_distance, max_distance))
    pairs = pd.concat(pairs, ignore_index=True)
    assert list(pairs.columns[: len(PAIR_COLUMNS)]) == PAIR_COLUMNS
    motif_pairs = pd.DataFrame({"pair": np.arange(n_k), "enhancer_motif_id": enh_ids,
                                "enhancer_motif": [names[m] for m in enh_ids], "promoter_motif_id": prom_ids,
                                "promoter_motif": [names[m] for m in prom_ids]})
    world = EPIWorld(pairs=pairs, enhancers=enh, promoters=prom, enhancer_motifs=enh_carries,
                     promoter_motifs=prom_carries, sites=pd.concat([enh_sites, prom_sites], ignore_index=True),
                     motif_pairs=motif_pairs, active=active,
                     chrom_sizes={f"chr{i + 1}": int(chrom_len) for i in range(n_chrom)},
                     ppms={m: p.copy() for m, p in ppms.items()}, params=params)
    world.built_in = _built_in(world)
    return world


# --------------------------------------------------------------------------- consumers


def pair_sequences(world: EPIWorld, pairs: pd.DataFrame, *, as_one_hot: bool = False):
    """The enhancer and promoter sequences of ``pairs`` rows (by ``enhancer_id`` / ``promoter_id``).

    Returns ``(enhancer_seqs, promoter_seqs)``: lists of uppercase ACGT strings, or with
    ``as_one_hot=True`` float32 arrays (N, 4, enhancer_bp) and (N, 4, promoter_bp), channels A, C,
    G, T (:func:`genomebook.seq.one_hot`). Rows keep their order (copies give copies). Used by the
    enhancer_promoter and epsat_eplae chapters.
    """
    missing = [c for c in ("enhancer_id", "promoter_id") if c not in pairs.columns]
    if missing:
        raise ValueError(f"pair_sequences: pairs lacks column(s) {', '.join(missing)}; pass rows of world.pairs "
                         "(or a table that kept its enhancer_id and promoter_id columns)")
    out = []
    for col, table in (("enhancer_id", world.enhancers), ("promoter_id", world.promoters)):
        ids = pd.to_numeric(pairs[col], errors="coerce").to_numpy()
        bad = np.flatnonzero(np.isnan(ids) | (ids < 0) | (ids >= len(table)) | (ids != np.floor(ids)))
        if bad.size:
            raise ValueError(f"pair_sequences: row {bad[0]} has {col} {pairs[col].iloc[bad[0]]!r}, not a row of the "
                             f"world's {len(table)} {col.split('_')[0]}s; the pairs come from another world?")
        seqs = table["seq"].to_numpy()[ids.astype(np.int64)].tolist()
        out.append(one_hot(seqs) if as_one_hot else seqs)
    return out[0], out[1]


# --------------------------------------------------------------------------- built in by construction


def _best_f1(y: np.ndarray, score: np.ndarray) -> float:
    """Best F1 over thresholds on score (ties kept together)."""
    order = np.argsort(-score, kind="stable")
    s, yy = score[order], y[order]
    tp = np.cumsum(yy)
    last = np.r_[s[1:] != s[:-1], True]
    k = np.arange(1, y.size + 1)[last]
    f1 = 2 * tp[last] / (k + y.sum())
    return float(f1.max()) if f1.size else float("nan")


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((y & pred).sum())
    return 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else float("nan")


def _built_in(w: EPIWorld) -> list[BuiltIn]:
    """What this world makes true by construction, with numbers measured on it."""
    pr = w.params
    pairs = w.pairs
    y = pairs["label"].to_numpy()
    comp = pairs["n_compatible"].to_numpy() > 0
    dist = pairs["distance"].to_numpy()
    mp = w.motif_pairs
    pair_txt = ", ".join(f"{a}-{b}" for a, b in zip(mp["enhancer_motif"], mp["promoter_motif"]))
    active_txt = "; ".join(f"{c}: " + ", ".join(f"{mp['enhancer_motif'][k]}-{mp['promoter_motif'][k]}" for k in ks)
                           for c, ks in w.active.items())
    lo_kb, hi_kb = pr["min_distance"] / 1e3, pr["max_distance"] / 1e3
    h_max = (pr["max_distance"] / pr["min_distance"]) ** -DECAY_EXPONENT
    # per-cell measurements, then averaged over cell lines
    f1_true, f1_comp, prom_reuse, prom_max, enh_reuse, rate_with, rate_without = [], [], [], [], [], [], []
    for c, ks in w.active.items():
        sub = pairs[pairs["cell"] == c]
        yc = sub["label"].to_numpy()
        f1_true.append(_best_f1(yc, sub["true_p"].to_numpy()))
        f1_comp.append(_f1(yc.astype(bool), sub["n_compatible"].to_numpy() > 0))
        counts = sub["promoter_id"].value_counts()
        prom_reuse.append(counts.mean())
        prom_max.append(counts.max())
        enh_reuse.append(sub["enhancer_id"].value_counts().mean())
        has = w.promoter_motifs[sub["promoter_id"].to_numpy()][:, list(ks)].any(axis=1)
        rate_with.append(yc[has].mean() if has.any() else float("nan"))
        rate_without.append(yc[~has].mean() if (~has).any() else float("nan"))
    widths = [p.shape[1] for p in w.ppms.values()]
    w_lo, w_hi = min(widths), max(widths)
    ratio = pr["negative_ratio"]
    floor = 2 / (2 + ratio)
    n_cells = len(w.active)
    return [
        BuiltIn(f"Interaction needs a compatible motif pair active in the cell line: {len(mp)} JASPAR pairs "
                f"(enhancer-promoter: {pair_txt}), {ACTIVE_PAIRS} active per cell line; P(interaction) = h(d) x "
                f"(1 - {1 - BASE_RATE:g} x {1 - P_COMPATIBLE:g}^n) for n active compatible pairs. "
                f"{comp[y == 1].mean():.0%} of positives vs {comp[y == 0].mean():.0%} of negatives carry one",
                "models that read motifs in both sequences and combine them (two branches + interaction: SPEID, "
                "EPSAT, EPLAE) can learn the label; which architecture wins is not built in, but the rule is a "
                "product of one motif per input, which any such model can represent",
                claims=("epsat_beats_speid", "eplae_beats_targetfinder", "table3")),
        BuiltIn(f"Cell-line specificity only through which {ACTIVE_PAIRS} of {len(mp)} pairs are active ({active_txt}); "
                f"elements and sequences are shared by all {n_cells} cell lines",
                "per-cell-line differences in F1 are draws of this world, not biology; a model trained on one "
                "cell line transfers to another exactly as far as their active pairs overlap",
                claims=("table3",)),
        BuiltIn(f"Contact decays with distance: h(d) = (d / {lo_kb:g} kb)^-{DECAY_EXPONENT:g} over the window "
                f"{lo_kb:g} kb-{hi_kb:g} kb (h = {h_max:.2f} at the far end); candidates are drawn log-uniform in "
                f"distance. Median distance: positives {np.median(dist[y == 1]) / 1e3:.0f} kb, negatives "
                f"{np.median(dist[y == 0]) / 1e3:.0f} kb",
                "distance alone ranks pairs better than chance; sequence models never see it, so the best possible "
                "sequence-only score is below the best score that also uses distance",
                claims=("distance_baseline", "epsat_f1_085")),
        BuiltIn(f"Label noise is part of the world: with the true probability as score the best F1 is "
                f"{np.mean(f1_true):.2f} (mean over cell lines); the sequence-only rule 'carries an active compatible "
                f"pair' gets F1 {np.mean(f1_comp):.2f}; predicting every pair positive gets {floor:.3f} "
                f"(1:{ratio})",
                "an honest model's F1 cannot exceed about these ceilings; F1 above them on a random split comes "
                "from memorised copies or elements, not from the mechanism",
                claims=("epsat_f1_085", "floors", "augmentation_leak", "honest_splits")),
        BuiltIn(f"Elements are reused: per cell line a promoter takes part in {np.mean(prom_reuse):.1f} pairs on "
                f"average (up to {int(max(prom_max))}), an enhancer in {np.mean(enh_reuse):.1f}; promoters "
                f"carrying a partner motif of an active pair have a positive rate of {np.nanmean(rate_with):.1%} vs "
                f"{np.nanmean(rate_without):.1%} for the others",
                "element identity predicts the label by construction: the element-propensity baseline (how often "
                "this promoter interacts in training) works on a random split, and a random split shares elements "
                "between training and test; element-disjoint and chromosome splits remove that",
                claims=("propensity_baseline", "honest_splits", "epsat_f1_085")),
        BuiltIn(f"Exactly {pr['positives_per_cell_line']} positives and {ratio} x as many negatives per cell line, "
                "the negatives drawn from the same candidates (same distance window, no distance matching, no "
                "control of element reuse); every element has one fixed sequence",
                f"the all-positive floor is F1 {floor:.3f}; copies of a positive (the paper's x{ratio} "
                "augmentation) are identical inputs, so copying before a random split puts test pairs in "
                "training; CBOEP-style negatives must be redrawn from this world's candidates",
                claims=("floors", "augmentation_leak", "cboep_negatives")),
        BuiltIn(f"Everything outside the planted sites is Markov background (enhancers GC "
                f"{ENHANCER_BACKGROUND['gc']:.2f}, promoters GC {PROMOTER_BACKGROUND['gc']:.2f}); each element carries "
                f"each motif of its side with probability {P_CARRY:g}; no chromatin signal exists",
                f"a PCA of raw one-hot inputs sees almost nothing of the label (a few {w_lo}-{w_hi} bp sites in "
                f"{(pr['enhancer_bp'] + pr['promoter_bp']) / 1e3:g} kb); "
                "TargetFinder-style models need features computed from sequence here (e.g. motif scores), "
                "not ENCODE signal",
                claims=("fig5_pca", "eplae_beats_targetfinder")),
    ]
