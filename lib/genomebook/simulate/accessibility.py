"""A simulated cross-cell-type accessibility world (DeepCAGE) with known ground truth.

DeepCAGE (Liu, Wong & Jiang) predicts whether a 200 bp bin of the genome is accessible in a
cell type from the bin's DNA sequence and the cell type's TF expression. The mechanism it
relies on is that a bin opens in a cell type when it carries binding sites of TFs that the
cell type expresses. :func:`accessibility_world` builds a world in which exactly that holds,
so that what a model learns can be checked against the truth.

Genome
    ``n_chroms`` chromosomes (``chr1``, ...) simulated as human-like Markov background
    (GC 0.41, CpG o/e 0.25; sampled in 1 kb pieces from the stationary law), cut into
    contiguous ``bin_size`` bins; every bin is a locus. The window of a locus is the
    ``seq_len`` bp centred on its bin midpoint, so neighbouring windows overlap (N = code 4
    beyond the chromosome ends), as in the paper (1000 bp around 200 bp bins).

TFs and motifs
    ``motif_source="jaspar"``: ``n_tfs`` JASPAR 2024 vertebrate CORE motifs with distinct TF
    names, drawn with the seed (width 6-20, no heterodimers, preferred). ``"hocomoco"``:
    the HOCOMOCO v11 core motifs DeepCAGE used (registry ``deepcage_hocomoco_core_homer``),
    named by gene symbol; ``n_tfs`` is capped at the 401 motifs (``None`` = all).

Expression (cells x TFs, the model's input)
    ``expression_source="simulated"``: ``n_lineages`` programmes switch TFs on
    (each driver on in a lineage with probability :data:`DRIVER_ON`, non-drivers
    :data:`OTHER_ON`); each cell type belongs to a lineage and flips a few TFs
    (:data:`CELL_FLIP`); TPM on ~ LogNormal(log 30 + TF and cell noise), off ~ 0 or
    LogNormal(log 0.5, 1). ``"real"``: the 55 ENCODE cell types of DeepCAGE
    (``deepcage_tf_gexp_matrix``), restricted to the TFs of the motif set; lineage =
    hierarchical clustering of the expression profiles (for reporting only). Both then
    get ``log(TPM + 1)`` and quantile normalisation across cell types
    (:func:`genomebook.datasets.deepcage.log_tpm`, :func:`~genomebook.datasets.deepcage.quantile_normalise`).

Mechanism
    ``n_drivers`` TFs are drivers: the first is *ubiquitous* (on in every cell type, like
    CTCF/SP1: the sequence-readable part of the locus effect), ``n_drivers // 10`` are
    repressors (negative effect), the others activators with effect ~ U(1.5, 2.5). A share
    :data:`CRE_FRACTION` of bins are candidate regulatory elements carrying 1-3 driver sites
    (probabilities :data:`SITES_PER_CRE`), sampled from the motif PPMs and planted inside the
    bin on a random strand. With ``g_ki`` = clip((E_ki - log 2) / (log 11 - log 2), 0, 1) the
    on/off state of TF i read from its normalised expression E in cell k (0 below 1 TPM, 1
    above 10 TPM),

        a_lk = b_l + o_k + sum_i planted_li * effect_i * g_ki + NOISE_SD * eps_lk,

    b_l ~ N(0, LOCUS_SD) a random locus effect, o_k ~ N(0, CELL_SD) a cell offset.
    tau = the (1 - TARGET_RATE) quantile of a, and per cell type tau_k = tau clipped to the
    cell's (1 - 0.28) and (1 - 0.06) quantiles of a (RATE_RANGE, so that every cell type has
    roughly 5-30% peaks). Replicate r of cell k calls a peak with probability
    sigmoid((a_lk - tau_k) / PEAK_SCALE); label = peak in at least half of the
    replicates (the paper's rule). Reads: n_lkr ~ Poisson(d_kr exp(READ_GAIN (a_lk - tau_k))),
    d_kr ~ DEPTH LogNormal(0, DEPTH_SD), pooled n_lk = sum_r n_lkr, N_k = sum_l n_lk and
    signal = log(1 + N n_lk / N_k) with N = min_k N_k (the paper's normalisation).

motif_scores
    Best log-odds score (bits, both strands) of each TF's motif in each window,
    :func:`genomebook.motifs.scan` with :func:`genomebook.motifs.log_odds` of the counts.

What this builds in
    Openness is computed from the planted sites of the very PPMs the motif scores are
    computed with, times the very expression the models are given: :data:`BUILT_IN` says so
    in words, with the claims each property favours.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from tqdm.auto import tqdm

from genomebook.datasets import registry
from genomebook.datasets.accessibility import AccessibilityData, one_hot_codes
from genomebook.datasets.deepcage import log_tpm, match_cells, quantile_normalise
from genomebook.motifs import Motif, information_content, load_jaspar, log_odds, scan
from genomebook.seq import BASE_CODE
from genomebook.simulate.background import MarkovBackground
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.plant import random_positions, sample_sites

__all__ = ["AccessibilityWorld", "accessibility_world", "BUILT_IN", "EXPRESSION_SOURCES", "MOTIF_SOURCES"]

EXPRESSION_SOURCES = ("simulated", "real")
MOTIF_SOURCES = ("jaspar", "hocomoco")
REAL_EXPRESSION = "deepcage_tf_gexp_matrix"  # registry name, upstream tf_gexp_matrix.txt
REAL_EXPRESSION_FILE = "tf_gexp_matrix.txt (registry: deepcage_tf_gexp_matrix)"
N_REAL_CELLS = 55
N_HOCOMOCO_CORE = 401

# --- default constants of the mechanism (see the module docstring)
CRE_FRACTION = 0.30  # share of bins that are candidate regulatory elements (carry driver sites)
SITES_PER_CRE = (0.5, 0.3, 0.2)  # P(1, 2, 3 driver sites) in a candidate element
EFFECT_RANGE = (1.5, 2.5)  # activator effect ~ U(lo, hi); repressors get minus U(1.0, 2.0)
REPRESSOR_RANGE = (1.0, 2.0)
G_LO_TPM, G_HI_TPM = 1.0, 10.0  # g = 0 at or below 1 TPM, 1 at or above 10 TPM (on log1p scale)
LOCUS_SD = 0.4  # random locus effect b_l
CELL_SD = 0.2  # cell-type offset o_k
NOISE_SD = 0.5  # locus x cell noise
TARGET_RATE = 0.13  # share of (locus, cell) with latent activity above tau
RATE_RANGE = (0.06, 0.28)  # per cell type, tau_k keeps the share above it within this range
PEAK_SCALE = 0.35  # slope of the per-replicate peak call
READ_GAIN = 1.0  # reads grow as exp(READ_GAIN * (a - tau))
DEPTH = 6.0  # mean reads per replicate of a bin at the threshold
DEPTH_SD = 0.5  # log-normal spread of replicate depths
DRIVER_ON = 0.30  # P(driver on in a lineage programme)
OTHER_ON = 0.35  # P(non-driver on in a lineage programme)
CELL_FLIP = 0.08  # P(a cell type flips a TF's lineage state)
DRIVER_MIN_IC = 10.0  # bits; drivers are drawn from motifs at least this informative
JASPAR_WIDTH = (6, 20)  # preferred JASPAR motif widths
CHUNK_BP = 1000  # background is sampled in pieces of this length
SCAN_BATCH = 2048  # loci per motif-scan call


#: What the accessibility world makes true by construction (shown by the DeepCAGE and
#: chromatin-accessibility chapters on simulated data, also with real TF expression or
#: HOCOMOCO motifs: the loci, their sites and their openness are simulated either way).
#: Claim keys: ``seq_only`` (expression-aware vs sequence-only models), ``training_mean``,
#: ``chromdragonn`` (DeepCAGE vs ChromDragoNN-like), ``regression`` (Fig 3 comparisons),
#: ``ablation``, ``gis``, ``filters`` (first-layer filters vs database motifs), ``novel``.
BUILT_IN: list[BuiltIn] = [
    BuiltIn(f"openness a = locus effect (sd {LOCUS_SD:g}) + cell-type offset (sd {CELL_SD:g}) + the sum over "
            "driver TFs of (driver sites planted in the bin) x effect x g(expression) + noise "
            f"(sd {NOISE_SD:g}); g is read from the very expression matrix the models are given "
            f"(0 at or below {G_LO_TPM:g} TPM, 1 at or above {G_HI_TPM:g} TPM), and nothing else about a "
            "cell type (chromatin state, cofactors, signalling) enters",
            "cell types differ only through the TF expression the expression-aware models see: a "
            "sequence-only model cannot tell them apart and the training mean cannot either, while a model "
            "given expression can learn the world's formula. Expression-aware beating sequence-only "
            "(and the training mean) is built in, not discovered",
            claims=("seq_only", "training_mean", "regression", "ablation")),
    BuiltIn("the TF term is, TF by TF, a count of planted sites times the TF's expression: the form of "
            "DeepCAGE's own input (best motif score x expression, per TF). The sites are sampled from the "
            "same PPMs the motif scores are computed with, so a driver's best score is high exactly in the "
            "bins where it was planted",
            "DeepCAGE is handed the world's mechanism almost ready-made: DeepCAGE beating ChromDragoNN-like "
            "(expression but no motif scores: it must learn the motifs from sequence), and DeepCAGE losing "
            "accuracy without expression, are favoured by construction",
            claims=("chromdragonn", "regression", "ablation")),
    BuiltIn(f"a few TFs (the profile's n_drivers) are drivers with effects U({EFFECT_RANGE[0]:g}, "
            f"{EFFECT_RANGE[1]:g}), one in ten of them repressors (minus U({REPRESSOR_RANGE[0]:g}, "
            f"{REPRESSOR_RANGE[1]:g})), one on in every cell type; every other TF has effect 0",
            "a sparse list of true driver TFs exists only because the world has one: precision@20 of GIS "
            "measures how well the network recovered the world's own formula, not a biological ranking",
            claims=("gis",)),
    BuiltIn(f"driver sites are sampled from the motif source's PPMs (JASPAR 2024 or HOCOMOCO v11) and "
            f"planted in {CRE_FRACTION:.0%} of bins (1-3 sites each), on Markov background that holds no "
            "other motifs",
            "first-layer filters matching database motifs, and recovering the planted ones, is favoured: "
            "the only sequence features that matter are database PPMs (with motif_source=jaspar, the very "
            "JASPAR entries TomTom compares the filters with)",
            claims=("filters",)),
    BuiltIn("known and novel loci are made the same way (planted sites plus a locus effect); a locus is "
            "novel only because the test cell types happen to express its drivers while fewer than two "
            "training cell types do",
            "novel loci obey the same formula as the training loci, so predicting them is easier than in a "
            "genome, where novel elements may be of kinds the training cell types never open",
            claims=("novel",)),
    BuiltIn("the background is a Markov chain (GC 0.41, CpG o/e 0.25) with no repeats, duplications or "
            "transposons; a window overlaps its neighbours only when seq_len exceeds the bin size",
            "the leakage card finds few or no duplicated or near-duplicated loci largely by construction; "
            "a genome has repeats",
            claims=("leakage",)),
]


@dataclass
class AccessibilityWorld:
    """A simulated accessibility data set and the ground truth that generated it.

    data : the :class:`~genomebook.datasets.accessibility.AccessibilityData` a model sees.
    motifs : one Motif per TF, in ``data.tfs`` order.
    driver_tfs : TFs whose planted sites and expression drive accessibility (the first is
        the ubiquitous one, repressors are those with negative ``effect``).
    cell_drivers : per cell type, its driver TFs with positive contribution
        effect_i * g_ki * (loci planted with i), strongest first.
    planted : (n_loci, n_tfs) int8, planted sites of TF i in locus l's bin.
    effect : (n_tfs,) float, weight of each TF (0 for non-drivers).
    activity : (n_loci, n_cells) float32 latent accessibility a_lk.
    lineage : (n_cells,) str, the programme (simulated) or expression cluster (real) of each cell type.
    depth : (n_cells,) pooled read total N_k before normalisation.
    counts : (n_loci, n_cells) int32 pooled raw read counts n_lk.
    sites : planted sites: locus, tf, start, end (in the locus window), strand (+1/-1),
        chrom, chrom_start (0-based on the chromosome), site (as written on the + strand).
    """

    data: AccessibilityData
    motifs: list[Motif]
    driver_tfs: list[str]
    cell_drivers: dict[str, list[str]]
    planted: np.ndarray
    effect: np.ndarray
    activity: np.ndarray
    lineage: np.ndarray
    depth: np.ndarray
    counts: np.ndarray
    sites: pd.DataFrame
    expression_source: str
    motif_source: str
    seed: int

    @property
    def g(self) -> np.ndarray:
        """(n_cells, n_tfs) on/off state of each TF read from the expression (the mechanism's g_ki)."""
        return _on_state(np.asarray(self.data.expression))

    def describe(self) -> pd.DataFrame:
        """Data card: one row per field, columns ``field`` and ``value`` (strings)."""
        d, m = self.data, self.data.meta
        rate = np.asarray(d.labels, dtype=float).mean(axis=0)
        loci = d.loci
        chroms = list(dict.fromkeys(loci["chrom"]))
        span = int((loci["end"] - loci["start"]).sum())
        lin, size = np.unique(self.lineage, return_counts=True)
        repress = [t for t in self.driver_tfs if self.effect[d.tfs.index(t)] < 0]
        drivers = ", ".join(f"{t}{' (ubiquitous)' if i == 0 and m.get('ubiquitous') == t else ''}"
                            f"{' (repressor)' if t in repress else ''}"
                            for i, t in enumerate(self.driver_tfs))
        n_cre = int((self.planted.sum(axis=1) > 0).sum())
        kind = "programmes" if self.expression_source == "simulated" else "expression clusters"
        rows = [
            ("loci", f"{d.n_loci:,} contiguous {m['bin_size']} bp bins on {len(chroms)} simulated "
                     f"chromosome(s) ({chroms[0]}-{chroms[-1]}), {span / 1e6:.2f} Mb"),
            ("window bp", f"{d.seq_len} bp centred on each bin (neighbouring windows overlap)"),
            ("bin bp", str(m["bin_size"])),
            ("cell types", f"{d.n_cells}: {', '.join(d.cell_types[:6])}{' ...' if d.n_cells > 6 else ''}"),
            ("lineages", f"{len(lin)} ({kind}): " + ", ".join(f"{a} x{b}" for a, b in zip(lin, size))),
            ("TFs", f"{d.n_tfs} ({self.motif_source} motifs)"),
            ("drivers", f"{len(self.driver_tfs)}: {drivers}"),
            ("candidate elements", f"{n_cre:,} bins ({n_cre / max(d.n_loci, 1):.0%}) with "
                                   f"{len(self.sites):,} planted driver sites"),
            ("replicates", f"{m['n_replicates']} per cell type; label = peak in at least half"),
            ("positive rate", f"{rate.mean():.3f} mean over cell types (range {rate.min():.3f}-{rate.max():.3f})"),
            ("read depth N_k", f"{int(self.depth.min()):,}-{int(self.depth.max()):,} pooled reads; "
                               f"signal = log(1 + N n/N_k), N = {int(self.depth.min()):,}"),
            ("expression source", _source_text(self.expression_source)),
            ("motif source", _source_text(self.motif_source)),
            ("seed", str(self.seed)),
        ]
        return pd.DataFrame(rows, columns=["field", "value"])


def _source_text(src: str) -> str:
    return {
        "simulated": "simulated lineage programmes (log-normal TPM), log(TPM+1), quantile normalised",
        "real": "DeepCAGE ENCODE RNA-seq TPM (tf_gexp_matrix.txt), log(TPM+1), quantile normalised",
        "jaspar": "JASPAR 2024 vertebrate CORE (pyjaspar, offline)",
        "hocomoco": "HOCOMOCO v11 core human mono (DeepCAGE's HOMER file)",
    }[src]


# --------------------------------------------------------------------------- helpers


def _on_state(expression: np.ndarray) -> np.ndarray:
    """g = clip((E - log 2) / (log 11 - log 2), 0, 1): 0 at <= 1 TPM, 1 at >= 10 TPM."""
    lo, hi = np.log1p(G_LO_TPM), np.log1p(G_HI_TPM)
    return np.clip((np.asarray(expression, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


@functools.lru_cache(maxsize=1)
def _jaspar_all() -> tuple[Motif, ...]:
    return tuple(load_jaspar())


def _ic(m: Motif) -> float:
    return float(information_content(m.ppm(0.8)).sum())


def _choose_jaspar(n_tfs: int | None, allowed: set[str] | None, rng: np.random.Generator) -> list[Motif]:
    """n_tfs motifs with distinct (upper-case) TF names; allowed restricts to those names."""
    best: dict[str, Motif] = {}
    for m in _jaspar_all():  # one motif per TF name: the first of preferred width
        key = m.name.upper()
        if allowed is not None and key not in allowed:
            continue
        good = JASPAR_WIDTH[0] <= m.width <= JASPAR_WIDTH[1]
        if key not in best or (good and not JASPAR_WIDTH[0] <= best[key].width <= JASPAR_WIDTH[1]):
            best[key] = m
    names = sorted(best)
    preferred = [k for k in names if "::" not in k and JASPAR_WIDTH[0] <= best[k].width <= JASPAR_WIDTH[1]]
    rest = [k for k in names if k not in set(preferred)]
    order = [preferred[i] for i in rng.permutation(len(preferred))] + [rest[i] for i in rng.permutation(len(rest))]
    if n_tfs is None:
        n_tfs = len(order)
    if n_tfs > len(order):
        where = " that are also columns of the real expression matrix" if allowed is not None else ""
        raise ValueError(f"n_tfs={n_tfs} but JASPAR 2024 vertebrate CORE has only {len(order)} distinct TF "
                         f"names{where}; ask for at most {len(order)} TFs.")
    chosen = sorted(order[:n_tfs])
    out = []
    for k in chosen:
        m = best[k]
        out.append(Motif(id=m.id, name=k if allowed is not None else m.name, counts=m.counts.copy()))
    return out


def _hocomoco(n_tfs: int | None, rng: np.random.Generator, mirror) -> list[Motif]:
    table = registry.read("deepcage_hocomoco_core_tsv", mirror=mirror)
    names = dict(zip(table["motif_id"], table["tf"]))
    motifs = registry.read("deepcage_hocomoco_core_homer", mirror=mirror, names=names)
    seen: set[str] = set()
    uniq = []
    for m in motifs:  # one motif per TF symbol (the core collection has one each)
        if m.name not in seen:
            seen.add(m.name)
            uniq.append(m)
    if n_tfs is None or n_tfs >= len(uniq):
        return uniq
    keep = np.sort(rng.choice(len(uniq), size=n_tfs, replace=False))
    return [uniq[i] for i in keep]


def _real_expression(mirror):
    expr = registry.read(REAL_EXPRESSION, mirror=mirror)
    cells = match_cells(expr.index, registry.read("deepcage_cells", mirror=mirror),
                        registry.read("deepcage_bam_info", mirror=mirror))
    expr = expr.copy()
    expr.index = pd.Index(cells["biosample"].tolist(), name="cell_type")
    return expr


def _normalise(tpm: pd.DataFrame) -> pd.DataFrame:
    return quantile_normalise(log_tpm(tpm))


def _lineage_names(n: int) -> list[str]:
    return list(string.ascii_uppercase[:n]) if n <= 26 else [f"L{i + 1}" for i in range(n)]


def _simulated_expression(tfs, driver_idx, ubiquitous, n_cells, n_lineages, rng):
    """Lineage programmes -> TPM (cells x TFs), lineage of each cell, cell names."""
    n_tfs = len(tfs)
    is_driver = np.zeros(n_tfs, bool)
    is_driver[driver_idx] = True
    on_p = np.where(is_driver, DRIVER_ON, OTHER_ON)
    prog = rng.random((n_lineages, n_tfs)) < on_p[None, :]
    specific = [i for i in driver_idx if i != ubiquitous]
    for i in specific:  # each cell-specific driver on in >= 1 and off in >= 1 programme
        if not prog[:, i].any():
            prog[rng.integers(n_lineages), i] = True
        if n_lineages > 1 and prog[:, i].all():
            prog[rng.integers(n_lineages), i] = False
    for li in range(n_lineages):  # every programme switches on at least one cell-specific driver
        if specific and not prog[li, specific].any():
            prog[li, specific[rng.integers(len(specific))]] = True
    if ubiquitous is not None:
        prog[:, ubiquitous] = True
    # assign cells to lineages: every lineage at least once, then at random; sorted for naming
    lin = np.concatenate([np.arange(n_lineages), rng.integers(0, n_lineages, n_cells - n_lineages)])
    lin = np.sort(lin)
    names = _lineage_names(n_lineages)
    counter: dict[int, int] = {}
    cell_names = []
    for li in lin:
        counter[li] = counter.get(li, 0) + 1
        cell_names.append(f"{names[li]}{counter[li]}")
    state = prog[lin].copy()
    flip = rng.random(state.shape) < CELL_FLIP
    if ubiquitous is not None:
        flip[:, ubiquitous] = False
    state ^= flip
    mu = rng.normal(np.log(30.0), 0.8, n_tfs)  # TF's typical on level
    lin_shift = rng.normal(0.0, 0.4, (n_lineages, n_tfs))
    on_tpm = np.exp(mu[None, :] + lin_shift[lin] + rng.normal(0.0, 0.5, state.shape))
    off_tpm = np.where(rng.random(state.shape) < 0.4, 0.0, np.exp(rng.normal(np.log(0.5), 1.0, state.shape)))
    tpm = pd.DataFrame(np.where(state, on_tpm, off_tpm), index=pd.Index(cell_names, name="cell_type"), columns=tfs)
    return tpm, np.array([names[i] for i in lin]), cell_names


def _choose_drivers(motifs, g, n_drivers, expression_source, rng):
    """Indices of the drivers (the ubiquitous one first, None when n_drivers == 1) and the ubiquitous index."""
    ic = np.array([_ic(m) for m in motifs])
    pool = np.flatnonzero(ic >= DRIVER_MIN_IC)
    if pool.size < n_drivers:  # too few informative motifs: take the most informative ones
        pool = np.sort(np.argsort(-ic, kind="stable")[:n_drivers])
    if expression_source == "simulated":
        chosen = list(rng.choice(pool, size=n_drivers, replace=False))
        ubiquitous = chosen[0] if n_drivers >= 2 else None
        return chosen, ubiquitous
    # real expression: ubiquitous = highest minimum on-state (expressed everywhere), then
    # cell-specific drivers preferring high across-cell variance of the on-state g
    chosen: list[int] = []
    ubiquitous = None
    if n_drivers >= 2:
        ubiquitous = int(pool[np.lexsort((-g[:, pool].mean(axis=0), -g[:, pool].min(axis=0)))[0]])
        chosen.append(ubiquitous)
    rest = np.array([i for i in pool if i != ubiquitous])
    need = n_drivers - len(chosen)
    var = g[:, rest].var(axis=0) + 1e-9 * rng.random(rest.size)  # seed breaks ties
    top = rest[np.argsort(-var, kind="stable")[: max(2 * need, need)]]
    chosen += list(rng.choice(top, size=need, replace=False))
    return chosen, ubiquitous


def _motif_scores(codes: np.ndarray, motifs: list[Motif], progress: bool) -> np.ndarray:
    pwms = [log_odds(m.counts) for m in motifs]
    out = np.empty((codes.shape[0], len(motifs)), dtype=np.float32)
    starts = range(0, codes.shape[0], SCAN_BATCH)
    if progress:
        starts = tqdm(starts, desc="motif scan", unit="batch")
    for lo in starts:
        out[lo: lo + SCAN_BATCH] = scan(one_hot_codes(codes[lo: lo + SCAN_BATCH]), pwms).max_score
    return out


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


# --------------------------------------------------------------------------- the world


def accessibility_world(
    *,
    n_loci: int,
    n_cells: int,
    seq_len: int,
    n_tfs: int | None,
    n_drivers: int,
    n_lineages: int = 6,
    n_replicates: int = 3,
    bin_size: int = 200,
    n_chroms: int = 4,
    expression_source: str = "simulated",
    motif_source: str = "jaspar",
    seed: int = 0,
    progress: bool = False,
    mirror=None,
) -> AccessibilityWorld:
    """Simulate loci x cell types whose accessibility follows planted motifs x TF expression.

    See the module docstring for the mechanism and its constants. ``n_tfs=None`` takes
    every motif of the source (401 for ``"hocomoco"``; larger requests are capped at 401).
    ``n_lineages`` is capped at ``n_cells`` (every lineage gets a cell type).
    ``mirror`` is passed to the registry for the real sources (default
    ``$GENOMEBOOK_MIRROR``). Deterministic for a seed.
    """
    _check(expression_source in EXPRESSION_SOURCES,
           f"expression_source={expression_source!r} is unknown; use one of "
           f"{', '.join(map(repr, EXPRESSION_SOURCES))}.")
    _check(motif_source in MOTIF_SOURCES,
           f"motif_source={motif_source!r} is unknown; use one of {', '.join(map(repr, MOTIF_SOURCES))}.")
    for name, val, lo in (("n_loci", n_loci, 1), ("n_cells", n_cells, 1), ("seq_len", seq_len, 1),
                          ("n_drivers", n_drivers, 1), ("n_lineages", n_lineages, 1),
                          ("n_replicates", n_replicates, 1), ("bin_size", bin_size, 1), ("n_chroms", n_chroms, 1)):
        _check(isinstance(val, (int, np.integer)) and val >= lo, f"{name} must be an integer >= {lo}; got {val!r}.")
    _check(n_tfs is None or (isinstance(n_tfs, (int, np.integer)) and n_tfs >= 1),
           f"n_tfs must be an integer >= 1 or None (all motifs of the source); got {n_tfs!r}.")
    _check(n_chroms <= n_loci, f"n_chroms={n_chroms} is more than n_loci={n_loci}; each chromosome needs a bin.")
    if n_tfs is not None:
        cap = N_HOCOMOCO_CORE if motif_source == "hocomoco" else n_tfs
        _check(n_drivers <= min(n_tfs, cap), f"n_drivers={n_drivers} is more than n_tfs={min(n_tfs, cap)}; "
                                             "drivers are a subset of the TFs.")
    if expression_source == "real":
        _check(n_cells <= N_REAL_CELLS,
               f"n_cells={n_cells} but the real expression matrix {REAL_EXPRESSION_FILE} has "
               f"{N_REAL_CELLS} cell types; ask for at most {N_REAL_CELLS}.")
    seed = int(seed)

    def stream(k: int) -> np.random.Generator:  # one independent stream per component
        return np.random.default_rng([seed, k])

    # ---- TFs, motifs and expression
    real_expr = _real_expression(mirror) if expression_source == "real" else None
    if real_expr is not None and len(real_expr) < n_cells:
        raise ValueError(f"n_cells={n_cells} but {REAL_EXPRESSION_FILE} has {len(real_expr)} cell types.")
    if motif_source == "jaspar":
        allowed = {c.upper() for c in real_expr.columns} if real_expr is not None else None
        motifs = _choose_jaspar(n_tfs, allowed, stream(1))
        if allowed is not None:
            upper = {c.upper(): c for c in real_expr.columns}
            motifs = [Motif(m.id, upper[m.name], m.counts) for m in motifs]
    else:
        motifs = _hocomoco(n_tfs, stream(1), mirror)
        if real_expr is not None:
            absent = [m.name for m in motifs if m.name not in real_expr.columns]
            _check(not absent, f"{len(absent)} HOCOMOCO TF(s) are not columns of {REAL_EXPRESSION_FILE}: "
                               f"{', '.join(absent[:10])}")
    tfs = [m.name for m in motifs]
    n_tfs_used = len(tfs)
    _check(n_drivers <= n_tfs_used, f"n_drivers={n_drivers} is more than the {n_tfs_used} TFs of the "
                                    f"{motif_source} motif set; drivers are a subset of the TFs.")

    rng = stream(2)
    if expression_source == "real":
        pick = np.arange(len(real_expr)) if n_cells == len(real_expr) else \
            np.sort(rng.choice(len(real_expr), size=n_cells, replace=False))
        tpm = real_expr.iloc[pick][tfs]
        expr = _normalise(tpm)
        g = _on_state(expr.to_numpy())
        driver_idx, ubiquitous = _choose_drivers(motifs, g, n_drivers, expression_source, stream(3))
        n_lin = max(1, min(n_lineages, n_cells))
        if n_cells >= 2 and n_lin >= 2:
            z = linkage(expr.to_numpy(), method="ward")  # Ward: clusters of comparable size
            cl = fcluster(z, t=n_lin, criterion="maxclust")
        else:
            cl = np.ones(n_cells, dtype=int)
        lineage = np.array([f"C{c}" for c in cl])
        cell_types = list(expr.index)
    else:
        driver_idx, ubiquitous = _choose_drivers(motifs, None, n_drivers, expression_source, stream(3))
        tpm, lineage, cell_types = _simulated_expression(tfs, driver_idx, ubiquitous, n_cells,
                                                         min(n_lineages, n_cells), rng)
        expr = _normalise(tpm)
        g = _on_state(expr.to_numpy())
    expression = expr.to_numpy(dtype=np.float32)

    # ---- effects
    rng = stream(4)
    n_rep = n_drivers // 10
    effect = np.zeros(n_tfs_used)
    effect[driver_idx] = rng.uniform(*EFFECT_RANGE, n_drivers)
    specific = [i for i in driver_idx if i != ubiquitous]
    repressors = specific[len(specific) - n_rep:] if n_rep else []
    effect[repressors] = -rng.uniform(*REPRESSOR_RANGE, len(repressors))
    driver_idx = np.array(driver_idx, dtype=np.int64)

    # ---- genome: chromosomes of contiguous bins, Markov background in CHUNK_BP pieces
    rng = stream(5)
    per_chrom = np.full(n_chroms, n_loci // n_chroms) + (np.arange(n_chroms) < n_loci % n_chroms)
    chrom_len = per_chrom * bin_size
    total = int(chrom_len.sum())
    n_pieces = -(-total // CHUNK_BP)
    genome = MarkovBackground.human_like().sample_codes(n_pieces, CHUNK_BP, rng).ravel()[:total]
    chrom_of = np.repeat(np.arange(n_chroms), per_chrom)
    bin_in_chrom = np.concatenate([np.arange(n) for n in per_chrom])
    offset = np.concatenate([[0], np.cumsum(chrom_len)[:-1]])  # chromosome start in `genome`
    starts = bin_in_chrom * bin_size
    loci = pd.DataFrame({"chrom": [f"chr{c + 1}" for c in chrom_of], "start": starts.astype(np.int64),
                         "end": (starts + bin_size).astype(np.int64)})

    # ---- plant driver sites in candidate elements (inside the bin and its window)
    rng = stream(6)
    rel_ws = bin_size // 2 - seq_len // 2  # window start relative to the bin start
    reg_lo, reg_hi = max(0, rel_ws), min(bin_size, rel_ws + seq_len)
    reg_len = reg_hi - reg_lo
    widths = np.array([m.width for m in motifs], dtype=np.int64)
    wmax = int(widths[driver_idx].max())
    max_sites = (reg_len + 2) // (wmax + 2)
    _check(max_sites >= 1, f"a {wmax} bp driver motif does not fit the {reg_len} bp where bin and window "
                           f"overlap (bin_size={bin_size}, seq_len={seq_len}); use a longer seq_len.")
    is_cre = rng.random(n_loci) < CRE_FRACTION
    cre = np.flatnonzero(is_cre)
    k = rng.choice(len(SITES_PER_CRE), size=cre.size, p=SITES_PER_CRE) + 1
    k = np.minimum(k, max_sites)
    which = driver_idx[rng.integers(0, n_drivers, int(k.sum()))]
    rel = random_positions(k, reg_len, widths[which], rng, min_gap=2) + reg_lo  # from the bin start
    locus_of = np.repeat(cre, k)
    strand = np.where(rng.random(which.size) < 0.5, 1, -1).astype(np.int64)
    pos = offset[chrom_of[locus_of]] + starts[locus_of] + rel  # in `genome`
    site_txt = np.empty(which.size, dtype=object)
    for t in np.unique(which):  # all sites of a TF at once, TFs in index order (deterministic)
        rows = np.flatnonzero(which == t)
        w = int(widths[t])
        drawn = sample_sites(motifs[t].ppm(), rows.size, rng)
        sc = BASE_CODE[np.frombuffer("".join(drawn).encode("ascii"), dtype=np.uint8)].reshape(rows.size, w)
        rc = strand[rows] == -1
        sc[rc] = 3 - sc[rc, ::-1]  # reverse complement on the minus strand
        genome[pos[rows, None] + np.arange(w)[None, :]] = sc
        site_txt[rows] = ["".join("ACGT"[c] for c in s) for s in sc]
    planted = np.zeros((n_loci, n_tfs_used), dtype=np.int8)
    np.add.at(planted, (locus_of, which), 1)
    sites = pd.DataFrame({
        "locus": locus_of.astype(np.int64), "tf": np.array(tfs, dtype=object)[which],
        "start": (rel - rel_ws).astype(np.int64), "end": (rel - rel_ws + widths[which]).astype(np.int64),
        "strand": strand, "chrom": loci["chrom"].to_numpy()[locus_of],
        "chrom_start": (starts[locus_of] + rel).astype(np.int64), "site": site_txt.astype(str)})
    sites = sites.sort_values(["locus", "start"], kind="stable").reset_index(drop=True)

    # ---- windows: seq_len bp centred on each bin midpoint, N beyond chromosome ends
    codes = np.empty((n_loci, seq_len), dtype=np.uint8)
    row = 0
    for c in range(n_chroms):
        padded = np.full(int(chrom_len[c]) + 2 * seq_len, 4, dtype=np.uint8)
        padded[seq_len: seq_len + chrom_len[c]] = genome[offset[c]: offset[c] + chrom_len[c]]
        view = np.lib.stride_tricks.sliding_window_view(padded, seq_len)
        n = int(per_chrom[c])
        codes[row: row + n] = view[np.arange(n) * bin_size + rel_ws + seq_len]
        row += n
    del genome

    # ---- latent activity
    rng = stream(7)
    b = rng.normal(0.0, LOCUS_SD, n_loci)
    o = rng.normal(0.0, CELL_SD, n_cells)
    contrib = (g[:, driver_idx] * effect[driver_idx][None, :]).T  # (n_drivers, n_cells)
    activity = planted[:, driver_idx].astype(np.float32) @ contrib.astype(np.float32)
    activity += (b[:, None] + o[None, :]).astype(np.float32)
    activity += rng.standard_normal((n_loci, n_cells), dtype=np.float32) * np.float32(NOISE_SD)
    flat = activity.ravel()
    step = max(1, flat.size // 2_000_000)
    tau = float(np.quantile(flat[::step], 1.0 - TARGET_RATE))
    # per cell type, tau_k = tau kept within the cell's (1 - RATE_RANGE) quantiles, so that
    # every cell type has 5-30% peaks (as a peak caller's FDR cut-off tends to give)
    sub = activity[:: max(1, n_loci // 200_000)]
    q_hi = np.quantile(sub, 1.0 - RATE_RANGE[0], axis=0)
    q_lo = np.quantile(sub, 1.0 - RATE_RANGE[1], axis=0)
    tau_k = np.clip(tau, q_lo, q_hi).astype(np.float32)

    # ---- replicates: peak calls and reads
    rng = stream(8)
    excess = activity - tau_k[None, :]
    p_peak = 1.0 / (1.0 + np.exp(-excess / np.float32(PEAK_SCALE)))
    rate = np.exp(np.float32(READ_GAIN) * np.minimum(excess, np.float32(12.0)))
    del excess
    depth_rep = DEPTH * np.exp(rng.normal(0.0, DEPTH_SD, (n_replicates, n_cells)))
    peaks = np.zeros((n_loci, n_cells), dtype=np.int16)
    counts = np.zeros((n_loci, n_cells), dtype=np.int64)
    for r in range(n_replicates):
        peaks += rng.random((n_loci, n_cells), dtype=np.float32) < p_peak
        counts += rng.poisson(rate * depth_rep[r][None, :].astype(np.float32))
    del p_peak, rate
    labels = (2 * peaks >= n_replicates).astype(np.int8)
    depth_k = counts.sum(axis=0).astype(np.float64)
    _check(bool((depth_k > 0).all()), "a cell type received no reads; use more loci.")
    n_min = depth_k.min()
    signal = np.log1p(counts * (n_min / depth_k)[None, :]).astype(np.float32)
    counts = counts.astype(np.int32)

    # ---- motif scores over the windows
    motif_scores = _motif_scores(codes, motifs, progress)

    # ---- ground truth per cell type
    n_planted = (planted[:, driver_idx] > 0).sum(axis=0)
    cell_drivers: dict[str, list[str]] = {}
    for kk, cell in enumerate(cell_types):
        score = effect[driver_idx] * g[kk, driver_idx] * n_planted
        order = np.argsort(-score, kind="stable")
        cell_drivers[cell] = [tfs[driver_idx[j]] for j in order if score[j] > 0]

    driver_tfs = [tfs[i] for i in driver_idx]
    meta = {
        "world": "simulated accessibility (genomebook.simulate.accessibility_world)",
        "seed": seed, "expression_source": expression_source, "motif_source": motif_source,
        "n_tfs_requested": n_tfs, "n_drivers": n_drivers, "n_lineages": int(len(np.unique(lineage))),
        "n_replicates": n_replicates, "bin_size": bin_size, "seq_len": seq_len, "n_chroms": n_chroms,
        "drivers": driver_tfs, "ubiquitous": tfs[ubiquitous] if ubiquitous is not None else None,
        "repressors": [tfs[i] for i in repressors], "tau": tau, "tau_k": [float(t) for t in tau_k],
        "N": float(n_min),
        "constants": {"CRE_FRACTION": CRE_FRACTION, "SITES_PER_CRE": list(SITES_PER_CRE),
                      "EFFECT_RANGE": list(EFFECT_RANGE), "REPRESSOR_RANGE": list(REPRESSOR_RANGE),
                      "G_LO_TPM": G_LO_TPM, "G_HI_TPM": G_HI_TPM, "LOCUS_SD": LOCUS_SD, "CELL_SD": CELL_SD,
                      "NOISE_SD": NOISE_SD, "TARGET_RATE": TARGET_RATE, "RATE_RANGE": list(RATE_RANGE),
                      "PEAK_SCALE": PEAK_SCALE,
                      "READ_GAIN": READ_GAIN, "DEPTH": DEPTH, "DEPTH_SD": DEPTH_SD},
    }
    data = AccessibilityData(codes=codes, motif_scores=motif_scores, expression=expression, labels=labels,
                             signal=signal, loci=loci, tfs=tfs, cell_types=cell_types, meta=meta)
    return AccessibilityWorld(
        data=data, motifs=motifs, driver_tfs=driver_tfs, cell_drivers=cell_drivers, planted=planted,
        effect=effect, activity=activity.astype(np.float32, copy=False), lineage=np.asarray(lineage, dtype=str),
        depth=depth_k, counts=counts, sites=sites, expression_source=expression_source,
        motif_source=motif_source, seed=seed)
