"""A promoter world for DNABERT's promoter tasks: prom-300, prom-core and prom-scan, with ground truth.

Promoters are built around a transcription start site (TSS, position +1) on a human-like
Markov background, with core-promoter elements sampled from their PPMs at the positions
biology puts them:

* **TATA promoters** carry a TATA box (JASPAR TBP) starting 31..24 bp upstream of the TSS,
  so the box covers roughly -31..-18 and attention maps should peak around -20..-30; most
  carry an initiator (Inr, IUPAC ``YYANWYY`` with its A on the +1); a few also carry GC or
  CCAAT boxes.
* **Non-TATA promoters** carry one to three GC boxes (JASPAR SP1) and/or a CCAAT box (JASPAR
  NFYA) between -100 and -40, often an Inr, and sit in a CpG island (GC- and CpG-rich DNA whose
  edges are drawn at random in -250..-100 and +50..+150).

Negatives follow DNABERT's prom-300 recipe:

* **TATA decoy** — background carrying a TATA box somewhere *outside* the TSS neighbourhood
  (and no Inr), the hard negative for TATA promoters;
* **shuffled** — independently built non-TATA promoters, dinucleotide-shuffled (Altschul and
  Erickson's Euler-path shuffle: every dinucleotide count, and the first and last base, kept
  exactly), the negative for non-TATA promoters.

Labels: 1 promoter, 0 negative, half each; ``kind`` says which of the four groups a sequence
is in, so a chapter can score the TATA (TATA + TATA decoy) and non-TATA (non-TATA + shuffled)
subsets as DNABERT and GUE do. The world keeps every planted site and a **true promoter
score** (:meth:`PromoterWorld.score`): per element, its weight times the best PWM log-odds
(bits, uniform background, clipped at 0) among starts inside the element's window. The
score is motif grammar only (it ignores the CpG-rich stretch), and ``score(mut) -
score(ref)`` is the ground truth for variant effects.

:func:`scan_regions` puts one promoter into each long background region and labels sliding
windows by DNABERT's prom-scan rule (positive when at least half the window overlaps
TSS-500..TSS+500); :func:`promoter_corpus` is unlabelled DNA for pre-training with promoters
at a chosen density.

Every constant below is **chosen** (documented where it comes from); change them here.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from genomebook import motifs
from genomebook.seq import BASE_CODE
from genomebook.simulate.background import MarkovBackground, as_rng, composition
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.plant import plant, random_positions

__all__ = [
    "ELEMENTS", "KINDS", "PromoterWorld", "ScanRegions", "dinucleotide_shuffle", "element_ppms",
    "label_windows", "promoter_corpus", "promoter_world", "scan_regions", "true_score",
]

# --------------------------------------------------------------------------- constants (chosen)

#: JASPAR 2024 matrices of the planted elements (pinned versions: pyjaspar ships them offline).
TATA_ID = "MA0108.3"   # TBP, consensus TATAAAA (7 bp)
GC_BOX_ID = "MA0079.5"  # SP1, consensus GGGGCGGGG (9 bp)
CCAAT_ID = "MA0060.4"   # NFYA, consensus CCAATCAG (8 bp)
#: Inr (initiator) as an IUPAC word; its A (index INR_TSS_OFFSET) is the +1, i.e. the TSS.
INR_IUPAC = "YYANWYY"
INR_TSS_OFFSET = 2
#: Pseudo-probability added to every PPM cell before normalising (keeps log-odds finite).
PPM_PSEUDOCOUNT = 0.01

#: Element names in a fixed order, and the JASPAR ID (or IUPAC word) behind each.
ELEMENTS = ("TATA", "Inr", "GC box", "CCAAT")
ELEMENT_SOURCE = {"TATA": TATA_ID, "Inr": f"IUPAC {INR_IUPAC}", "GC box": GC_BOX_ID,
                  "CCAAT": CCAAT_ID}
#: Where each element may START, relative to the TSS (0 = +1, -1 = the base before it), both
#: ends inclusive. The TATA box at -31..-24 (TBP binds ~30 bp upstream); the Inr puts its A
#: on the +1; GC and CCAAT boxes in the proximal promoter, -100..-40. The same windows decide
#: where an element counts in the true score.
WINDOWS: dict[str, tuple[int, int]] = {"TATA": (-31, -24), "Inr": (-INR_TSS_OFFSET, -INR_TSS_OFFSET),
                                       "GC box": (-100, -40), "CCAAT": (-100, -40)}
#: Strands on which an element is planted and scored: TATA and Inr are oriented towards the
#: gene; GC and CCAAT boxes work in either orientation.
STRANDS: dict[str, tuple[int, ...]] = {"TATA": (1,), "Inr": (1,), "GC box": (1, -1), "CCAAT": (1, -1)}
#: Weight of each element in the true promoter score (TATA counts most in a TATA promoter).
WEIGHTS: dict[str, float] = {"TATA": 1.0, "Inr": 0.5, "GC box": 0.5, "CCAAT": 0.5}

#: Probability that a promoter of each kind carries each element (TATA promoters always carry
#: their TATA box; non-TATA promoters never do and carry at least one GC or CCAAT box).
P_ELEMENT: dict[str, dict[str, float]] = {
    "TATA": {"Inr": 0.7, "GC box": 0.2, "CCAAT": 0.2},
    "non-TATA": {"Inr": 0.5, "GC box": 0.8, "CCAAT": 0.5},
}
#: A promoter with GC boxes carries 1..MAX_GC_BOXES of them (uniform).
MAX_GC_BOXES = 3
#: CpG-richer stretch (a CpG island) around non-TATA TSSs, relative to the TSS [lo, hi): lo is
#: drawn uniformly from CPG_ISLAND_START, hi from CPG_ISLAND_END: the GC-rich core always covers
#: -100..+50 and its upstream edge falls anywhere in -250..-100, so on average GC content rises
#: towards the TSS (as in human promoters) without a fixed landmark. A dinucleotide shuffle keeps
#: the composition but erases this gradient. Its chain: GC ~0.6-0.7, CpG o/e > 0.6.
CPG_ISLAND_START = (-250, -100)
CPG_ISLAND_END = (50, 150)
CPG_ISLAND = (CPG_ISLAND_START[0], CPG_ISLAND_END[1])  # the most a promoter can own, [lo, hi)
CPG_ISLAND_BACKGROUND = {"gc": 0.62, "cpg_ratio": 0.75}
#: The genome-wide background: human GC 41%, CpG obs/exp 0.25.
HUMAN_BACKGROUND = {"gc": 0.41, "cpg_ratio": 0.25}
#: A TATA decoy's box may not start in this range relative to the TSS (both ends inclusive):
#: it keeps decoy boxes well away from the TATA window (-31..-24) and the Inr.
DECOY_EXCLUDED = (-45, 10)
#: Labels and kinds.
KINDS = ("TATA", "non-TATA", "TATA decoy", "shuffled")
LABEL_OF_KIND = {"TATA": 1, "non-TATA": 1, "TATA decoy": 0, "shuffled": 0}
#: prom-scan: extra TATA boxes and GC boxes scattered over every 10 kb of a region's background
#: (genomes are full of isolated motif matches that are not promoters).
SCAN_DECOYS_PER_10KB = {"TATA": 2, "GC box": 2}
#: Pre-training corpus: chunk length and promoter density. Human has ~10-20 annotated TSSs per
#: Mb; the default is denser so a short pre-training run sees promoters at all.
CORPUS_CHUNK = 10_000
CORPUS_PROMOTERS_PER_MB = 50.0
#: Upstream and downstream bp a promoter needs so that all its windows fit.
MIN_UPSTREAM = 100
MIN_DOWNSTREAM = 5

_INR_PPM_TABLE = {"A": "A", "C": "C", "G": "G", "T": "T", "Y": "CT", "R": "AG", "W": "AT",
                  "S": "CG", "K": "GT", "M": "AC", "N": "ACGT"}


# --------------------------------------------------------------------------- built in by construction


def _built_in() -> list:
    """What this world makes true by construction (numbers read from the constants above)."""
    # widths (bp) of the pinned JASPAR matrices: TBP MA0108.3 7, SP1 MA0079.5 9, NFYA MA0060.4 8
    tata_bp, inr_bp = 7, len(INR_IUPAC)
    t_lo, t_hi = WINDOWS["TATA"]
    up_lo, up_hi = WINDOWS["GC box"]
    inr = WINDOWS["Inr"][0]
    d_lo, d_hi = DECOY_EXCLUDED
    pe = P_ELEMENT
    owned = (CPG_ISLAND[0], CPG_ISLAND[1] - 1)
    return [
        BuiltIn(f"TATA box (JASPAR {TATA_ID}, {tata_bp} bp, + strand) planted in every TATA promoter, its start "
                f"drawn uniformly in {t_lo}..{t_hi} bp from the TSS, so the box covers {t_lo}..{t_hi + tata_bp - 1}",
                "an attention peak at -30..-20 on TATA promoters is an input of the world, not a discovery; the "
                "TATA-promoter signal sits at one fixed place",
                claims=("attention", "prom300_tata", "tata_vs_nontata")),
        BuiltIn(f"TATA decoys (the negatives matched to TATA promoters): human-like background with one TATA box "
                f"whose start may fall anywhere except {d_lo}..{d_hi:+d} bp from the TSS, no Inr, no CpG island",
                "on the TATA subset the label is exactly 'TATA box at -31..-24 (plus Inr) or elsewhere': a "
                "position-aware reader of one 7 bp word separates the classes, and any attention to the TATA "
                "window is rewarded",
                claims=("attention", "prom300", "prom300_tata", "tata_vs_nontata")),
        BuiltIn(f"Inr ({INR_IUPAC}, {inr_bp} bp) planted with its A on the +1 (start {inr:+d}) in "
                f"{pe['TATA']['Inr']:.0%} of TATA and {pe['non-TATA']['Inr']:.0%} of non-TATA promoters, never in "
                "TATA decoys (shuffling breaks it in the other negatives)",
                "a fixed-position word on the TSS marks positives; it lies inside the prom-core crop (-34..+35), "
                "so prom-core can be solved from it and the TATA box",
                claims=("prom300", "promcore_cnns")),
        BuiltIn(f"GC boxes (JASPAR {GC_BOX_ID}, 1..{MAX_GC_BOXES} of them; in {pe['non-TATA']['GC box']:.0%} of "
                f"non-TATA and {pe['TATA']['GC box']:.0%} of TATA promoters) and CCAAT boxes (JASPAR {CCAAT_ID}; "
                f"{pe['non-TATA']['CCAAT']:.0%} / {pe['TATA']['CCAAT']:.0%}) start in {up_lo}..{up_hi} bp, "
                "either strand; every non-TATA promoter carries at least one",
                "the non-TATA signal of prom-300 is these boxes in a fixed stretch; they lie outside the prom-core "
                "crop (-34..+35), which sees none of them",
                claims=("prom300", "tata_vs_nontata", "promcore_cnns")),
        BuiltIn(f"CpG island around every non-TATA TSS (GC {CPG_ISLAND_BACKGROUND['gc']:.2f}, CpG o/e "
                f"{CPG_ISLAND_BACKGROUND['cpg_ratio']:.2f}; from {CPG_ISLAND_START[0]}..{CPG_ISLAND_START[1]} to "
                f"{CPG_ISLAND_END[0]:+d}..{CPG_ISLAND_END[1]:+d} bp, so it always covers "
                f"{CPG_ISLAND_START[1]}..{CPG_ISLAND_END[0] - 1:+d}) on a background of GC "
                f"{HUMAN_BACKGROUND['gc']:.2f}, CpG o/e {HUMAN_BACKGROUND['cpg_ratio']:.2f}",
                "non-TATA promoters are GC-rich around the TSS; their shuffled negatives keep the 300 bp "
                "composition but spread it evenly, so the 70 bp prom-core crop of a shuffle is on average less "
                "GC-rich than a promoter's: composition alone partly separates non-TATA prom-core",
                claims=("tata_vs_nontata", "promcore_cnns")),
        BuiltIn("Negatives are half the world, one per promoter: a TATA decoy per TATA promoter, and per "
                "non-TATA promoter a fresh non-TATA promoter dinucleotide-shuffled over its whole length "
                "(Altschul-Erickson: dinucleotide counts, first and last base kept); "
                "the chapter's tata_fraction sets the TATA share of promoters",
                "how hard the TATA and non-TATA subsets are is set by these two recipes and the planted "
                "elements, not by human promoters: which subset is 'easier' is a property of the world",
                claims=("tata_vs_nontata", "prom300", "prom300_tata")),
        BuiltIn(f"prom-scan regions: human-like background, one promoter per region owning "
                f"{owned[0]}..{owned[1]:+d} bp around its TSS (built as above), plus isolated decoys "
                f"({', '.join(f'{v} {e} per 10 kb' for e, v in SCAN_DECOYS_PER_10KB.items())}) kept clear of it; "
                "a window is positive when at least half of it overlaps TSS-flank..TSS+flank",
                "positive windows are the ones holding the region's only promoter elements and CpG island; the "
                "rest is Markov background with a few isolated boxes, far simpler than a genome",
                claims=("promscan", "promscan_harder")),
    ]


#: What the promoter world makes true by construction (``genomebook.simulate.builtin.BuiltIn``);
#: claim keys: prom300, prom300_tata, promcore_cnns, promscan, promscan_harder, tata_vs_nontata,
#: attention. What the pre-training genome builds in (key "pretraining") is declared in
#: ``genomebook.simulate.genome.BUILT_IN``.
BUILT_IN = _built_in()


# --------------------------------------------------------------------------- elements


def _iupac_ppm(word: str, pseudocount: float = PPM_PSEUDOCOUNT) -> np.ndarray:
    """PPM (4, w) of an IUPAC word: allowed bases share the mass, plus a pseudo-probability."""
    ppm = np.zeros((4, len(word)))
    for j, letter in enumerate(word.upper()):
        for b in _INR_PPM_TABLE[letter]:
            ppm["ACGT".index(b), j] = 1.0 / len(_INR_PPM_TABLE[letter])
    ppm += pseudocount
    return ppm / ppm.sum(axis=0, keepdims=True)


@functools.lru_cache(maxsize=1)
def _element_ppms_cached() -> tuple[tuple[str, np.ndarray], ...]:
    out = {"Inr": _iupac_ppm(INR_IUPAC)}
    for name, mid in (("TATA", TATA_ID), ("GC box", GC_BOX_ID), ("CCAAT", CCAAT_ID)):
        out[name] = motifs.load_jaspar(ids=mid)[0].ppm(PPM_PSEUDOCOUNT)
    return tuple((name, out[name]) for name in ELEMENTS)


def element_ppms() -> dict[str, np.ndarray]:
    """The PPMs (4, w), rows A, C, G, T, of the four elements, keyed by ELEMENTS (copies)."""
    return {name: ppm.copy() for name, ppm in _element_ppms_cached()}


def _log_odds(ppm: np.ndarray) -> np.ndarray:
    """Log-odds (4, w) in bits against a uniform background: log2(p / 0.25)."""
    return np.log2(np.asarray(ppm, dtype=float) / 0.25)


def _codes(seqs: Sequence[str]) -> np.ndarray:
    """Equal-length seqs to a (N, L) uint8 code array, A0 C1 G2 T3, anything else 4."""
    length = len(seqs[0]) if len(seqs) else 0
    buf = "".join(seqs).encode("ascii", errors="replace")
    return BASE_CODE[np.frombuffer(buf, dtype=np.uint8)].reshape(len(seqs), length)


def _window_scores(codes: np.ndarray, pwm: np.ndarray, lo: int, hi: int, strands: Sequence[int]) -> np.ndarray:
    """Best log-odds (N,) of a (4, w) PWM over starts lo..hi (inclusive, clipped) and strands; -inf if none fit."""
    n, length = codes.shape
    w = pwm.shape[1]
    lo, hi = max(lo, 0), min(hi, length - w)
    if hi < lo or n == 0:
        return np.full(n, -np.inf)
    m = hi - lo + 1
    best = np.full(n, -np.inf)
    padded = {1: np.vstack([pwm, np.zeros((1, w))]),  # code 4 (N) scores 0
              -1: np.vstack([pwm[::-1, ::-1], np.zeros((1, w))])}  # reverse complement
    for s in strands:
        p = padded[s]
        total = np.zeros((n, m))
        for i in range(w):
            total += p[codes[:, lo + i : lo + i + m], i]
        best = np.maximum(best, total.max(axis=1))
    return best


def true_score(seqs: Sequence[str], tss: int, windows: dict[str, tuple[int, int]] | None = None,
               weights: dict[str, float] | None = None) -> np.ndarray:
    """True promoter score (N,): sum over elements of weight x max(0, best log-odds in its window), bits.

    ``tss`` is the 0-based index of the +1 in every sequence (all of one length); windows are
    start windows relative to the TSS, both ends inclusive, clipped to the sequence; an element
    whose window does not fit contributes 0.
    """
    seqs = list(seqs)
    if not seqs:
        return np.zeros(0)
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        raise ValueError(f"score needs sequences of one length (TSS at index {tss}); got lengths "
                         f"{sorted(lengths)[:5]}")
    windows = WINDOWS if windows is None else windows
    weights = WEIGHTS if weights is None else weights
    codes = _codes(seqs)
    ppms = element_ppms()
    total = np.zeros(len(seqs))
    for name in ELEMENTS:
        lo, hi = windows[name]
        best = _window_scores(codes, _log_odds(ppms[name]), tss + lo, tss + hi, STRANDS[name])
        total += weights[name] * np.clip(np.nan_to_num(best, neginf=0.0), 0, None)
    return total


# --------------------------------------------------------------------------- dinucleotide shuffle


def dinucleotide_shuffle(seq: str, rng=None) -> str:
    """A random sequence with exactly the dinucleotide counts, first and last letter of seq (str -> str).

    Altschul and Erickson (1985): the sequence is an Eulerian path through the graph whose
    vertices are letters and whose edges are its dinucleotides. Pick, for every letter but the
    last, a random "last exit" edge such that the last exits form a tree into the final letter
    (redrawn until they do), shuffle each letter's other exits, put the last exit at the end,
    and walk from the first letter. Every such walk uses every edge once.
    """
    rng = as_rng(rng)
    n = len(seq)
    if n <= 2:
        return seq
    exits: dict[str, list[str]] = {}
    for a, b in zip(seq[:-1], seq[1:]):
        exits.setdefault(a, []).append(b)
    end = seq[-1]
    letters = [v for v in exits if v != end]
    while True:
        last = {v: exits[v][int(rng.integers(len(exits[v])))] for v in letters}
        ok = True
        for v in letters:  # every letter's chain of last exits must reach the final letter
            seen, u = set(), v
            while u != end:
                if u in seen:
                    ok = False
                    break
                seen.add(u)
                u = last[u]
            if not ok:
                break
        if ok:
            break
    order: dict[str, list[str]] = {}
    for v, outs in exits.items():
        rest = list(outs)
        if v in last:
            rest.remove(last[v])
        rest = [rest[i] for i in rng.permutation(len(rest))]
        if v in last:
            rest.append(last[v])
        order[v] = rest[::-1]  # pop() from the end takes them in order
    out = [seq[0]]
    for _ in range(n - 1):
        out.append(order[out[-1]].pop())
    return "".join(out)


# --------------------------------------------------------------------------- building promoters


@functools.lru_cache(maxsize=2)
def _chain(island: bool) -> MarkovBackground:
    """The genome-wide (island=False) or CpG-island (island=True) background chain, built once."""
    return MarkovBackground.human_like(**(CPG_ISLAND_BACKGROUND if island else HUMAN_BACKGROUND))


def _background(n: int, length: int, rng) -> list[str]:
    """n human-like background sequences of length bp."""
    return _chain(False).sample(n, length, rng)


def _cpg_islands(seqs: list[str], rows: Sequence[int], tss: Sequence[int], rng) -> tuple[list[str], pd.DataFrame]:
    """Write a CpG island around tss[j] into seqs[rows[j]]; returns new seqs and islands (seq, start, end), clipped."""
    seqs = list(seqs)
    n = len(rows)
    lo_rel = rng.integers(CPG_ISLAND_START[0], CPG_ISLAND_START[1] + 1, size=n)
    hi_rel = rng.integers(CPG_ISLAND_END[0], CPG_ISLAND_END[1] + 1, size=n)
    spans = [(max(int(t) + int(a), 0), min(int(t) + int(b), len(seqs[r])))
             for r, t, a, b in zip(rows, tss, lo_rel, hi_rel)]
    width = max((hi - lo for lo, hi in spans), default=0)
    if n and width > 0:  # one batched draw, each island takes the start of its row
        rich = _chain(True).sample(n, width, rng)
        for j, (lo, hi) in enumerate(spans):
            r = rows[j]
            seqs[r] = seqs[r][:lo] + rich[j][: hi - lo] + seqs[r][hi:]
    islands = pd.DataFrame({"seq": np.asarray(rows, dtype=np.int64).reshape(-1),
                            "start": np.array([a for a, _ in spans], dtype=np.int64),
                            "end": np.array([b for _, b in spans], dtype=np.int64)})
    return seqs, islands


def _promoter_plan(kinds: Sequence[str], tss: np.ndarray, rng) -> pd.DataFrame:
    """Which elements each promoter carries and where: rows seq, element, start, strand."""
    ppms = element_ppms()
    width = {name: ppms[name].shape[1] for name in ELEMENTS}
    rows: list[tuple[int, str, int, int]] = []
    for i, kind in enumerate(kinds):
        t = int(tss[i])
        p = P_ELEMENT[kind]
        if kind == "TATA":
            lo, hi = WINDOWS["TATA"]
            rows.append((i, "TATA", t + int(rng.integers(lo, hi + 1)), 1))
        if rng.random() < p["Inr"]:
            rows.append((i, "Inr", t + WINDOWS["Inr"][0], 1))
        n_gc = int(rng.integers(1, MAX_GC_BOXES + 1)) if rng.random() < p["GC box"] else 0
        has_ccaat = rng.random() < p["CCAAT"]
        if kind == "non-TATA" and n_gc == 0 and not has_ccaat:  # "and/or": at least one of them
            n_gc, has_ccaat = (1, False) if rng.random() < 0.5 else (0, True)
        upstream = ["GC box"] * n_gc + ["CCAAT"] * int(has_ccaat)
        if upstream:
            # starts inside -100..-40: place in the stretch [t-100, t-40+w) of each element
            lo = WINDOWS["GC box"][0]
            span = WINDOWS["GC box"][1] - lo + min(width[e] for e in upstream)
            widths = np.array([width[e] for e in upstream])
            starts = random_positions([len(upstream)], span, widths, rng, min_gap=1)
            for e, s in zip(upstream, starts):
                strand = STRANDS[e][int(rng.integers(len(STRANDS[e])))]
                rows.append((i, e, t + lo + int(s), strand))
    return pd.DataFrame(rows, columns=["seq", "element", "start", "strand"])


def _plant_plan(seqs: list[str], plan: pd.DataFrame, rng) -> tuple[list[str], pd.DataFrame]:
    """Write the planned sites into seqs; ground truth rows seq, element, motif_id, start, end, strand."""
    cols = ["seq", "element", "motif_id", "start", "end", "strand"]
    if plan.empty:
        return seqs, pd.DataFrame({c: pd.Series(dtype=object if c in ("element", "motif_id") else np.int64)
                                   for c in cols})
    seqs, truth = plant(seqs, element_ppms(), motif_ids=plan["element"].tolist(),
                        positions=plan["start"].to_numpy(), strands=plan["strand"].to_numpy(),
                        rng=rng, seq_index=plan["seq"].to_numpy())
    sites = pd.DataFrame({
        "seq": truth["seq_index"].to_numpy(np.int64),
        "element": truth["motif_id"].astype(str).to_numpy(),
        "motif_id": truth["motif_id"].map(ELEMENT_SOURCE).to_numpy(),
        "start": truth["start"].to_numpy(np.int64),
        "end": truth["end"].to_numpy(np.int64),
        "strand": truth["strand"].to_numpy(np.int64),
    })
    return seqs, sites


def _build_promoters(kinds: Sequence[str], length: int, tss: np.ndarray, rng) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """Promoters of the given kinds ("TATA"/"non-TATA"), TSS at tss[i]; non-TATA get a CpG island.

    Returns (seqs, planted sites, islands (seq, start, end))."""
    kinds = list(kinds)
    seqs = _background(len(kinds), length, rng)
    non = [i for i, kind in enumerate(kinds) if kind == "non-TATA"]  # CpG-rich stretch around their TSSs
    seqs, islands = _cpg_islands(seqs, non, [int(tss[i]) for i in non], rng)
    seqs, sites = _plant_plan(seqs, _promoter_plan(kinds, tss, rng), rng)
    return seqs, sites, islands


def _decoy_starts(n: int, length: int, tss: int, width: int, rng) -> np.ndarray:
    """n TATA-decoy starts in 0..length-width, none in tss + DECOY_EXCLUDED."""
    allowed = np.setdiff1d(np.arange(length - width + 1),
                           np.arange(tss + DECOY_EXCLUDED[0], tss + DECOY_EXCLUDED[1] + 1))
    if allowed.size == 0:
        raise ValueError(f"no room for a TATA decoy outside {DECOY_EXCLUDED} around the TSS in {length} bp")
    return allowed[rng.integers(allowed.size, size=n)]


# --------------------------------------------------------------------------- the world


@dataclass
class PromoterWorld:
    """Promoters and negatives of one length around a TSS, with planted sites and a true score."""

    seqs: list[str]  # N sequences, all the same length
    labels: np.ndarray  # (N,) int: 1 promoter, 0 non-promoter
    kind: np.ndarray  # (N,) str: "TATA", "non-TATA" (promoters), "TATA decoy", "shuffled" (negatives)
    tss: int  # 0-based index of the TSS (+1) in every sequence
    sites: pd.DataFrame  # seq, element, motif_id, start, end (0-based, half-open), strand (+1/-1)
    elements: dict[str, np.ndarray]  # element -> PPM (4, w), rows A, C, G, T (the library's layout)
    windows: dict[str, tuple[int, int]]  # element -> start window relative to the TSS, both ends inclusive
    seed: int = 0
    islands: pd.DataFrame | None = None  # CpG islands of non-TATA promoters: seq, start, end (clipped, half-open)

    def __len__(self) -> int:
        return len(self.seqs)

    @property
    def length(self) -> int:
        """Sequence length in bp."""
        return len(self.seqs[0]) if self.seqs else 0

    @property
    def span(self) -> tuple[int, int]:
        """The covered stretch relative to the TSS, [lo, hi): e.g. (-249, 51) for prom-300."""
        return -self.tss, self.length - self.tss

    def subset(self, kinds: Sequence[str]) -> np.ndarray:
        """Indices (M,) of the sequences whose kind is in kinds."""
        return np.flatnonzero(np.isin(self.kind, list(kinds)))

    def score(self, seqs: Sequence[str] | None = None) -> np.ndarray:
        """The world's true promoter score (N,) in weighted bits for seqs (default: its own)."""
        return true_score(self.seqs if seqs is None else seqs, self.tss, self.windows)

    def crop(self, start: int, end: int) -> PromoterWorld:
        """The world cut to [start, end) relative to the TSS, e.g. crop(-34, 36) = prom-core (70 bp).

        Sites not wholly inside the crop are dropped; the TSS is re-indexed to -start; windows
        stay relative to the TSS, so :meth:`score` keeps working (elements whose window falls
        outside the crop contribute 0).
        """
        lo, hi = -self.tss, self.length - self.tss
        if not (lo <= start < end <= hi):
            raise ValueError(f"crop [{start}, {end}) relative to the TSS must lie within the "
                             f"world's [{lo}, {hi}) and be non-empty")
        a, b = self.tss + start, self.tss + end
        keep = (self.sites["start"] >= a) & (self.sites["end"] <= b)
        sites = self.sites[keep].copy()
        sites["start"] -= a
        sites["end"] -= a
        islands = self.islands
        if islands is not None:
            islands = islands.assign(start=islands["start"].clip(a, b) - a, end=islands["end"].clip(a, b) - a)
            islands = islands[islands["end"] > islands["start"]].reset_index(drop=True)
        return replace(self, seqs=[s[a:b] for s in self.seqs], tss=-start,
                       sites=sites.reset_index(drop=True), islands=islands)

    def take(self, idx: Sequence[int] | np.ndarray) -> PromoterWorld:
        """A world of the sequences idx (in that order), sites re-indexed."""
        idx = np.asarray(idx, dtype=np.int64)
        new_of_old = pd.Series(np.arange(idx.size), index=idx)
        def pick(df: pd.DataFrame | None) -> pd.DataFrame | None:
            if df is None:
                return None
            out = df[df["seq"].isin(idx)].copy()
            out["seq"] = new_of_old.loc[out["seq"].to_numpy()].to_numpy()
            return out.sort_values(["seq", "start"], kind="stable").reset_index(drop=True)

        return replace(self, seqs=[self.seqs[i] for i in idx], labels=self.labels[idx],
                       kind=self.kind[idx], sites=pick(self.sites), islands=pick(self.islands))

    def describe(self) -> pd.DataFrame:
        """Data card (rows: quantity, value): sizes, kinds, planted sites, composition, motif sources."""
        rows: list[tuple[str, str]] = [
            ("sequences", f"{len(self):,}"),
            ("length (bp)", f"{self.length} (TSS at index {self.tss}; covers {self.span[0]}..{self.span[1] - 1})"),
            ("promoters (label 1)", f"{int(self.labels.sum()):,}"),
        ]
        for k in KINDS:
            rows.append((f"  {k}", f"{int((self.kind == k).sum()):,}"))
        for k in ("TATA", "non-TATA", "TATA decoy", "shuffled"):
            ix = self.subset([k])
            if ix.size:
                c = composition([self.seqs[i] for i in ix])
                rows.append((f"GC / CpG o/e, {k}", f"{c['gc']:.3f} / {c['cpg_obs_exp']:.2f}"))
        for e in ELEMENTS:
            n_e = int((self.sites["element"] == e).sum())
            lo, hi = self.windows[e]
            rows.append((f"planted {e} sites", f"{n_e:,} ({ELEMENT_SOURCE[e]}; starts {lo:+d}..{hi:+d})"))
        rows.append(("background", f"order-1 Markov, GC {HUMAN_BACKGROUND['gc']:.2f}, CpG o/e "
                                   f"{HUMAN_BACKGROUND['cpg_ratio']:.2f}"))
        rows.append(("CpG islands (non-TATA)", f"from {CPG_ISLAND_START[0]}..{CPG_ISLAND_START[1]} to "
                     f"{CPG_ISLAND_END[0]:+d}..{CPG_ISLAND_END[1]:+d} around the TSS (uniform); GC "
                     f"{CPG_ISLAND_BACKGROUND['gc']:.2f}, CpG o/e {CPG_ISLAND_BACKGROUND['cpg_ratio']:.2f}"))
        rows.append(("seed", str(self.seed)))
        return pd.DataFrame(rows, columns=["quantity", "value"])


def promoter_world(n: int, *, upstream: int = 249, downstream: int = 50, tata_fraction: float = 0.3,
                   seed: int = 0) -> PromoterWorld:
    """n sequences covering -upstream..+downstream around a TSS (length upstream + downstream + 1).

    Half are promoters (tata_fraction of them TATA, the rest non-TATA); the negatives match
    them one to one: a TATA decoy per TATA promoter, a shuffled non-TATA promoter per non-TATA
    promoter. Order is random; deterministic for a seed. Defaults give DNABERT's prom-300.
    """
    if n < 2:
        raise ValueError(f"n must be >= 2 (half promoters, half negatives); got {n}")
    if upstream < MIN_UPSTREAM or downstream < MIN_DOWNSTREAM:
        raise ValueError(f"upstream >= {MIN_UPSTREAM} and downstream >= {MIN_DOWNSTREAM} bp are needed so "
                         f"every element's window fits; got {upstream}, {downstream}. "
                         "Build a wider world and crop() it.")
    if not 0 <= tata_fraction <= 1:
        raise ValueError(f"tata_fraction must be in [0, 1]; got {tata_fraction}")
    rng = np.random.default_rng(seed)
    length, tss = upstream + downstream + 1, upstream
    n_pos = n // 2
    n_tata = int(round(n_pos * tata_fraction))
    n_non = n_pos - n_tata
    n_decoy = min(n_tata, n - n_pos)
    n_shuf = n - n_pos - n_decoy
    kinds_pos = ["TATA"] * n_tata + ["non-TATA"] * n_non
    pos_seqs, pos_sites, islands = _build_promoters(kinds_pos, length, np.full(n_pos, tss), rng)
    # TATA decoys: background, one TATA box outside the TSS neighbourhood, no Inr
    w_tata = element_ppms()["TATA"].shape[1]
    decoy_plan = pd.DataFrame({"seq": np.arange(n_decoy), "element": "TATA",
                               "start": _decoy_starts(n_decoy, length, tss, w_tata, rng),
                               "strand": np.ones(n_decoy, dtype=np.int64)})
    decoy_seqs, decoy_sites = _plant_plan(_background(n_decoy, length, rng), decoy_plan, rng)
    # shuffled: fresh non-TATA promoters, dinucleotide-shuffled (their sites do not survive)
    src, *_ = _build_promoters(["non-TATA"] * n_shuf, length, np.full(n_shuf, tss), rng)
    shuf_seqs = [dinucleotide_shuffle(s, rng) for s in src]

    seqs = pos_seqs + decoy_seqs + shuf_seqs
    kind = np.array(kinds_pos + ["TATA decoy"] * n_decoy + ["shuffled"] * n_shuf, dtype=object)
    decoy_sites = decoy_sites.assign(seq=decoy_sites["seq"] + n_pos)
    sites = pd.concat([pos_sites, decoy_sites], ignore_index=True)
    perm = rng.permutation(n)  # new position j holds old sequence perm[j]
    new_of_old = np.empty(n, dtype=np.int64)
    new_of_old[perm] = np.arange(n)
    sites["seq"] = new_of_old[sites["seq"].to_numpy()]
    sites = sites.sort_values(["seq", "start"], kind="stable").reset_index(drop=True)
    islands["seq"] = new_of_old[islands["seq"].to_numpy()]
    islands = islands.sort_values("seq", kind="stable").reset_index(drop=True)
    kind = kind[perm].astype(str)
    labels = np.array([LABEL_OF_KIND[k] for k in kind], dtype=np.int64)
    return PromoterWorld(seqs=[seqs[i] for i in perm], labels=labels, kind=kind, tss=tss, sites=sites,
                         elements=element_ppms(), windows=dict(WINDOWS), seed=seed, islands=islands)


# --------------------------------------------------------------------------- prom-scan


def label_windows(starts: np.ndarray, window: int, tss: int | np.ndarray, flank: int = 500) -> np.ndarray:
    """Prom-scan labels (M,) int: 1 when >= 50% of [start, start+window) overlaps [tss-flank, tss+flank]."""
    starts = np.asarray(starts, dtype=np.int64)
    tss = np.asarray(tss, dtype=np.int64)
    overlap = np.minimum(starts + window, tss + flank + 1) - np.maximum(starts, tss - flank)
    return (2 * np.maximum(overlap, 0) >= window).astype(np.int64)


@dataclass
class ScanRegions:
    """Long background regions with one promoter each, cut into labelled sliding windows."""

    regions: list[str]  # R regions of region_len bp
    tss: np.ndarray  # (R,) 0-based TSS index in each region
    kind: np.ndarray  # (R,) "TATA" or "non-TATA"
    windows: pd.DataFrame  # region, start, end (half-open), label (prom-scan 50% rule)
    sites: pd.DataFrame  # planted sites: seq (= region), element, motif_id, start, end, strand, role ("promoter"/"decoy")
    window: int
    stride: int
    flank: int
    islands: pd.DataFrame | None = None  # CpG islands of non-TATA promoters: seq (= region), start, end

    def window_seqs(self, rows: Sequence[int] | np.ndarray | None = None) -> list[str]:
        """Sequences of the windows (rows of ``windows``; default all), each ``window`` bp."""
        w = self.windows if rows is None else self.windows.iloc[np.asarray(rows)]
        return [self.regions[r][s:e] for r, s, e in zip(w["region"], w["start"], w["end"])]

    def track(self, probs: np.ndarray, rows: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """Per-base track (R, region_len): mean probability of the windows covering each base (NaN if none).

        ``probs`` (M,) are the positive-class probabilities of the windows in ``rows`` (default all).
        """
        w = self.windows if rows is None else self.windows.iloc[np.asarray(rows)]
        probs = np.asarray(probs, dtype=float).ravel()
        if probs.size != len(w):
            raise ValueError(f"probs has {probs.size} values for {len(w)} windows")
        length = len(self.regions[0]) if self.regions else 0
        total = np.zeros((len(self.regions), length + 1))
        count = np.zeros_like(total)
        r, s, e = (w[c].to_numpy() for c in ("region", "start", "end"))
        np.add.at(total, (r, s), probs)
        np.add.at(total, (r, e), -probs)
        np.add.at(count, (r, s), 1)
        np.add.at(count, (r, e), -1)
        total, count = np.cumsum(total, axis=1)[:, :length], np.cumsum(count, axis=1)[:, :length]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _scattered_decoys(n_regions: int, region_len: int, busy: list[list[tuple[int, int]]], rng) -> pd.DataFrame:
    """Isolated TATA and GC boxes (SCAN_DECOYS_PER_10KB) at random, clear of busy spans and of each other."""
    width = {e: p.shape[1] for e, p in element_ppms().items()}
    rows = []
    for e, per10kb in SCAN_DECOYS_PER_10KB.items():
        k = int(rng.poisson(per10kb * region_len / 10_000 * n_regions)) if n_regions else 0
        if k == 0 or region_len < width[e]:
            continue
        reg = rng.integers(n_regions, size=k)
        pos = rng.integers(0, region_len - width[e] + 1, size=k)
        strand = rng.choice(STRANDS[e], size=k)
        rows += [(int(r), e, int(p), int(s)) for r, p, s in zip(reg, pos, strand)]
    taken = [list(b) for b in busy]
    keep = []
    for r, e, p, s in rows:  # first come, first kept; 1 bp gap to anything already there
        end = p + width[e]
        if all(p > b or end < a for a, b in taken[r]):
            taken[r].append((p, end))
            keep.append((r, e, p, s))
    return pd.DataFrame(keep, columns=["seq", "element", "start", "strand"])


def _regions_with_promoters(n_regions: int, region_len: int, rng, *, tata_fraction: float,
                            n_promoters: np.ndarray | None = None):
    """Regions of background with n_promoters[i] (default 1) promoters each and scattered decoy motifs.

    Returns (seqs, tss (P,), region of each promoter (P,), kinds (P,), sites with a role column,
    CpG islands (seq, start, end)).
    """
    up, down = -CPG_ISLAND[0], CPG_ISLAND[1]
    span = up + down  # a promoter owns [tss-600, tss+400): its largest island and all its elements
    counts = np.ones(n_regions, dtype=np.int64) if n_promoters is None else np.asarray(n_promoters, np.int64)
    if counts.sum() and region_len < span:
        raise ValueError(f"region_len must be >= {span} bp to hold a promoter; got {region_len}")
    starts = random_positions(counts, region_len, span, rng, min_gap=1)
    tss = starts + up
    region_of = np.repeat(np.arange(n_regions), counts)
    kinds = np.where(rng.random(counts.sum()) < tata_fraction, "TATA", "non-TATA").astype(str)
    seqs = _background(n_regions, region_len, rng)
    non = np.flatnonzero(kinds == "non-TATA")
    seqs, islands = _cpg_islands(seqs, region_of[non].tolist(), tss[non].tolist(), rng)
    plan = _promoter_plan(list(kinds), tss, rng)
    plan["seq"] = region_of[plan["seq"].to_numpy()]
    plan["role"] = "promoter"
    busy: list[list[tuple[int, int]]] = [[] for _ in range(n_regions)]
    for j in range(len(tss)):
        busy[region_of[j]].append((int(starts[j]), int(starts[j]) + span))
    decoys = _scattered_decoys(n_regions, region_len, busy, rng).assign(role="decoy")
    plan = pd.concat([plan, decoys], ignore_index=True)
    roles = plan["role"].to_numpy()
    seqs, sites = _plant_plan(seqs, plan.drop(columns="role"), rng)
    sites["role"] = roles  # plant() keeps the order of its inputs
    sites = sites.sort_values(["seq", "start"], kind="stable").reset_index(drop=True)
    return seqs, tss, region_of, kinds, sites, islands


def scan_regions(n_regions: int, *, region_len: int = 10_000, window: int = 1001, stride: int = 100,
                 flank: int = 500, tata_fraction: float = 0.3, seed: int = 0) -> ScanRegions:
    """n_regions background regions of region_len bp, one promoter each, cut into labelled windows.

    Windows start at 0, stride, ... (the last one ends at or before the region's end); a window
    is positive when at least half of it overlaps TSS-flank..TSS+flank (DNABERT's prom-scan:
    window 1001, flank 500). Deterministic for a seed.
    """
    if window > region_len:
        raise ValueError(f"window ({window}) must not exceed region_len ({region_len})")
    if stride < 1 or window < 1 or flank < 0:
        raise ValueError(f"need stride >= 1, window >= 1, flank >= 0; got {stride}, {window}, {flank}")
    rng = np.random.default_rng(seed)
    seqs, tss, _, kinds, sites, islands = _regions_with_promoters(n_regions, region_len, rng,
                                                                  tata_fraction=tata_fraction)
    starts = np.arange(0, region_len - window + 1, stride)
    reg = np.repeat(np.arange(n_regions), starts.size)
    st = np.tile(starts, n_regions)
    windows = pd.DataFrame({"region": reg, "start": st, "end": st + window,
                            "label": label_windows(st, window, tss[reg], flank)})
    return ScanRegions(regions=seqs, tss=tss, kind=kinds, windows=windows, sites=sites,
                       window=window, stride=stride, flank=flank, islands=islands)


def promoter_corpus(n_bp: int, *, seed: int = 0, promoters_per_mb: float = CORPUS_PROMOTERS_PER_MB,
                    chunk: int = CORPUS_CHUNK, tata_fraction: float = 0.3) -> list[str]:
    """Unlabelled DNA for MLM pre-training: chunks of ``chunk`` bp (the last one shorter) totalling n_bp.

    Human-like background with promoters (Poisson, ``promoters_per_mb`` on average, at most as
    many as fit a chunk) and scattered TATA and GC boxes, as in :func:`scan_regions`.
    """
    if n_bp < 1 or chunk < 1:
        raise ValueError(f"n_bp and chunk must be >= 1; got {n_bp}, {chunk}")
    rng = np.random.default_rng(seed)
    n_chunks = -(-n_bp // chunk)
    span = CPG_ISLAND[1] - CPG_ISLAND[0]
    fit = (chunk + 1) // (span + 1)  # promoters that fit a chunk with 1 bp gaps
    counts = np.minimum(rng.poisson(promoters_per_mb * chunk / 1e6, size=n_chunks), fit)
    seqs, *_ = _regions_with_promoters(n_chunks, chunk, rng, tata_fraction=tata_fraction, n_promoters=counts)
    seqs[-1] = seqs[-1][: n_bp - (n_chunks - 1) * chunk]
    return seqs
