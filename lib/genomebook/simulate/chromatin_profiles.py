"""A simulated 919-label chromatin-profile world (DeepSEA style) in which input length matters by construction.

DeepSEA (Zhou & Troyanskaya 2015) labels a 1000 bp window with the chromatin features (DNase I
hypersensitivity, TF ChIP-seq peaks, histone marks) that overlap its central 200 bp bin. The
Small-transformers thesis fine-tunes on 919 such labels at 256 / 512 / 1,024 tokens and reports
that longer input helps the DNase and histone labels more than the TF labels.
:func:`chromatin_profiles_world` builds a world whose labels carry DeepSEA's names
(``cell|assay|treatment``, read with :func:`genomebook.datasets.deepsea.read_feature_names`
from the registry entry ``deepsea_919_feature_names``) and whose mechanism makes that finding
true by construction. Used by the chromatin_profiles chapter.

Sequences
    ``length`` bp of human-like first-order Markov background (GC 0.41, CpG o/e 0.25); centre
    ``c = length // 2``. The **central window** is ``[c - CENTRAL_HALF, c + CENTRAL_HALF)``
    (DeepSEA's labelled 200 bp bin); the **distal zone** is every base at least
    ``DISTAL_MIN`` bp from the centre; the bases in between stay plain background.

Groups (from the assay field of the real label table)
    ``DNase`` (assay ``DNase``), ``histone`` (assays ``H2A*``, ``H2B*``, ``H3*``, ``H4*``) and
    ``TF`` (everything else, including DeepSEA's placeholder line ``NA|NA|NA``).

TF labels: one motif each, near the centre
    Every TF assay has one JASPAR 2024 motif: its own where JASPAR has one (:data:`ASSAY_MOTIF`,
    names matched by hand, e.g. NRSF -> REST, PU.1 -> SPI1; cohesin Rad21 / SMC3 -> CTCF) and
    otherwise a stand-in from :data:`MOTIF_POOL` (Pol2, p300, EZH2, ... bind no motif of their
    own). Each sequence carries Poisson(:data:`CENTRAL_SITE_RATE` x number of TF motifs) TF
    sites in the central window (at most one per :data:`CENTRAL_SLOT` bp slot; motif drawn
    uniformly among the TF motifs, random strand) and Poisson(:data:`DISTAL_TF_PER_KB` per kb) TF sites in the distal
    zone that no label counts. A site's strength is ``z = (log-odds - mean) / sd`` against its
    motif's own sampled sites (mean and sd exact from the PPM). Label (assay a, cell k) = 1 when
    the central window holds a site of a's motif with ``z >= z_min``; ``z_min`` is drawn per
    label from :data:`Z_MIN_RANGE` (the per-cell-type variation).

DNase labels: any of a cell type's TF motifs near the centre (plus, for some, long range)
    Cell k's DNase label is driven by :data:`DNASE_TFS` motifs of TFs assayed in cell k (drawn
    from all TF motifs when the cell has fewer): 1 when any of them has a central site with
    ``z >= z_min``. A share :data:`DNASE_LONG_SHARE` of DNase labels (drawn per label) is also 1
    when the sequence's count of CpG-rich stretches (the "active" histone family, below)
    reaches the label's ``min_count``: those labels read long range too.

Histone labels: density of a long-range element over the distal zone
    Each mark belongs to a family (:data:`HISTONE_FAMILY`): ``active`` (H3K4me2/3, H2A.Z and the
    acetylations) is driven by CpG-rich stretches (:data:`CPG_STRETCH` bp from a chain of GC
    :data:`CPG_GC`, CpG o/e :data:`CPG_RATIO`); ``enhancer`` (H3K4me1), ``transcribed``
    (H3K36me3, H3K79me1/2, H4K20me1), ``polycomb`` (H3K27me3) and ``heterochromatin`` (H3K9me1/3,
    H3K23me2) each by a pair of JASPAR motifs :data:`PAIR_GAP` bp apart (:data:`FAMILY_PAIR`).
    Elements go into the distal zone only: in a family's domain (probability
    :data:`DOMAIN_PROB` per sequence and family, independently) at :data:`DOMAIN_PER_KB` per kb
    of distal zone, elsewhere at :data:`OUTSIDE_PER_KB`. Label = 1 when the count of its
    family's elements reaches ``min_count = max(MIN_COUNT, round(f * DOMAIN_PER_KB * distal kb))``, ``f``
    drawn per label from :data:`COUNT_FRACTION_RANGE`. A central 200 bp crop holds none of these
    elements; a centred crop of width w holds a share of them that grows with w.

Label noise
    After the rule, positives flip to 0 with probability :data:`FALSE_NEGATIVE` and negatives to
    1 with :data:`FALSE_POSITIVE` (``clean_labels`` keeps the rule's labels).

The label table (motifs, thresholds, DNase motif sets) depends only on the label names and
:data:`TABLE_SEED`, never on the world's seed (CTCF's label is always driven by CTCF's motif);
the seed draws the sequences and their elements. A world with fewer labels (an evenly spaced
subset of the names) has the same sequences as the full one and a subset of its columns.

Crops must be centred: the labels describe the central bin, so a crop that takes the first
tokens of a long sequence (as the thesis did with DeepSEA's 1000 bp windows) misses the TF
sites when the sequence is longer than the crop.

Every constant below is **chosen** (not measured); change them here.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from genomebook import motifs
from genomebook.datasets import registry
from genomebook.metrics import auroc_rows
from genomebook.seq import BASE_CODE
from genomebook.simulate.background import LETTER_CODES, MarkovBackground
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.plant import plant

__all__ = [
    "ASSAY_MOTIF", "FAMILIES", "FAMILY_PAIR", "GROUPS", "HISTONE_FAMILY", "LABEL_NAMES_DATASET", "MOTIF_POOL",
    "ChromatinWorld", "chromatin_profiles_world", "group_auc", "label_group",
]

# --------------------------------------------------------------------------- constants (chosen)

#: Registry entry holding DeepSEA's 919 label names (read with deepsea.read_feature_names).
LABEL_NAMES_DATASET = "deepsea_919_feature_names"
#: The three label groups of DeepSEA (and the thesis's per-group AUC), in report order.
GROUPS = ("DNase", "TF", "histone")
_HISTONE_ASSAY = re.compile(r"^H(2A|2B|3|4)")

#: Half-width of the central window the labels describe (DeepSEA's bin is 200 bp).
CENTRAL_HALF = 100
#: Long-range elements sit at least this far from the centre (the 100..200 bp between is background).
DISTAL_MIN = 200
#: Slot widths: one site per central slot, one element per distal slot (no overlaps by construction).
CENTRAL_SLOT = 25
DISTAL_SLOT = 48
#: Shortest sequence: a distal slot on each side of the excluded centre.
MIN_LENGTH = 2 * (DISTAL_MIN + DISTAL_SLOT)

#: Central TF sites per sequence and TF motif: a sequence carries Poisson(rate x number of TF
#: motifs) central sites (capped at the 8 central slots), so each motif is central in ~1.6% of
#: sequences however many TF assays the label set holds (~2.5 sites with DeepSEA's ~150 motifs).
CENTRAL_SITE_RATE = 0.016
#: TF sites per kb of distal zone that no label counts (the genome is full of unbound matches).
DISTAL_TF_PER_KB = 1.0
#: Per-label minimum site strength (z against the motif's sampled sites), drawn uniformly.
Z_MIN_RANGE = (-1.5, -0.5)
#: TF motifs per cell type that drive its DNase label.
DNASE_TFS = 3
#: Share of DNase labels that also open on CpG-rich-stretch density (long range).
DNASE_LONG_SHARE = 0.5

#: Histone families and their long-range drivers.
FAMILIES = ("active", "enhancer", "transcribed", "polycomb", "heterochromatin")
#: JASPAR 2024 motif pairs of the four motif-pair families (from MOTIF_POOL; ids pinned).
FAMILY_PAIR: dict[str, tuple[str, str]] = {
    "enhancer": ("MA1726.2", "MA1503.2"),  # ZNF331, HOXB9
    "transcribed": ("MA0843.2", "MA0782.3"),  # TEF, PKNOX1
    "polycomb": ("MA0461.3", "MA0465.3"),  # ATOH1, CDX2
    "heterochromatin": ("MA2332.1", "MA0032.2"),  # ZNF175, FOXC1
}
#: Histone mark -> family. Marks not listed: acetylations (ending in 'ac') are 'active', the rest
#: 'heterochromatin'.
HISTONE_FAMILY: dict[str, str] = {
    **dict.fromkeys(("H3K4me2", "H3K4me3", "H3K9ac", "H3K27ac", "H2AZ", "H3K4ac"), "active"),
    "H3K4me1": "enhancer",
    **dict.fromkeys(("H3K36me3", "H3K79me1", "H3K79me2", "H4K20me1"), "transcribed"),
    "H3K27me3": "polycomb",
    **dict.fromkeys(("H3K9me1", "H3K9me3", "H3K23me2"), "heterochromatin"),
}
#: Probability per sequence and family of lying in the family's domain.
DOMAIN_PROB = 0.06
#: Family elements per kb of distal zone inside its domain, and outside it.
DOMAIN_PER_KB = 5.0
OUTSIDE_PER_KB = 0.25
#: Per-label count threshold as a share of the expected in-domain count, drawn uniformly.
COUNT_FRACTION_RANGE = (0.3, 0.6)
#: Smallest count threshold (one stray element outside a domain never makes a label positive).
MIN_COUNT = 2
#: CpG-rich stretch (the 'active' element): length and its chain's composition.
CPG_STRETCH = 40
CPG_GC = 0.65
CPG_RATIO = 0.8
#: Gap (bp, both ends inclusive) between the two motifs of a pair element.
PAIR_GAP = (2, 10)
#: The background: human-like GC and CpG depletion.
HUMAN_GC = 0.41
HUMAN_CPG = 0.25
#: Label noise: P(positive -> 0) and P(negative -> 1) after the rule.
FALSE_NEGATIVE = 0.02
FALSE_POSITIVE = 0.001
#: Pseudocount added to JASPAR counts when making PPMs.
PPM_PSEUDOCOUNT = 0.8
#: Seed of the label table's draws (thresholds, DNase motif sets, stand-in motifs): fixed, so
#: the table does not change with the world's seed.
TABLE_SEED = 14
#: Group shares of generated label names (chosen, roughly DeepSEA's proportions).
FALLBACK_SHARES = {"DNase": 0.15, "TF": 0.75, "histone": 0.10}

#: DeepSEA TF assay -> JASPAR 2024 vertebrate CORE matrix of that factor (matched by name by hand;
#: ChIP of a tagged factor -> the factor; cohesin subunits Rad21 / SMC3 -> CTCF, whose sites they
#: occupy). Assays not listed bind no motif of their own and get a stand-in from MOTIF_POOL.
ASSAY_MOTIF: dict[str, str] = {
    "AP-2alpha": "MA0872.1", "AP-2gamma": "MA0815.1", "ARID3A": "MA0151.1", "ATF1": "MA0604.1",
    "ATF2": "MA1632.2", "ATF3": "MA1988.2", "BATF": "MA1634.2", "BCL11A": "MA2324.1", "BHLHE40": "MA0464.3",
    "Bach1": "MA1633.2", "CEBPB": "MA0466.4", "CEBPD": "MA0836.3", "CREB1": "MA0018.5", "CTCF": "MA0139.2",
    "CTCFL": "MA1102.3", "E2F1": "MA0024.3", "E2F4": "MA0470.3", "E2F6": "MA0471.3", "EBF1": "MA0154.5",
    "ELF1": "MA0473.4", "ELK1": "MA0028.3", "ELK4": "MA0076.3", "ERRA": "MA0592.4", "ERalpha": "MA0112.4",
    "ETS1": "MA0098.4", "Egr-1": "MA0162.5", "FOSL1": "MA0477.3", "FOSL2": "MA0478.2", "FOXA1": "MA0148.5",
    "FOXA2": "MA0047.4", "FOXP2": "MA0593.2", "GABP": "MA0062.4", "GATA-1": "MA0035.5", "GATA-2": "MA0036.4",
    "GATA2": "MA0036.4", "GATA3": "MA0037.5", "GR": "MA0113.4", "GRp20": "MA0113.4", "HA-E2F1": "MA0024.3",
    "HNF4A": "MA1494.2", "HNF4G": "MA0484.3", "HSF1": "MA0486.2", "IKZF1": "MA1508.2", "IRF1": "MA0050.4",
    "IRF3": "MA1418.2", "IRF4": "MA1419.2", "JunD": "MA0492.2", "MAZ": "MA1522.2", "MEF2A": "MA0052.5",
    "MEF2C": "MA0497.2", "MYBL2": "MA0777.1", "MafF": "MA0495.4", "MafK": "MA0496.4", "Max": "MA0058.4",
    "Mxi1": "MA1108.3", "NANOG": "MA2339.1", "NF-E2": "MA0841.2", "NF-YA": "MA0060.4", "NF-YB": "MA0502.3",
    "NFATC1": "MA0624.3", "NFIC": "MA0161.3", "NFKB": "MA0107.1", "NR2F2": "MA1111.2", "NRSF": "MA0138.3",
    "Nrf1": "MA0506.3", "PAX5-C20": "MA0014.4", "PAX5-N19": "MA0014.4", "POU2F2": "MA0507.3",
    "POU5F1": "MA1115.2", "PRDM1": "MA0508.4", "PU.1": "MA0080.7", "Pbx3": "MA1114.2", "RFX5": "MA0510.3",
    "RUNX3": "MA0684.3", "RXRA": "MA0512.2", "Rad21": "MA0139.2", "SMC3": "MA0139.2", "SP1": "MA0079.5",
    "SP2": "MA0516.3", "SP4": "MA0685.2", "SRF": "MA0083.3", "STAT1": "MA0137.4", "STAT2": "MA1623.2",
    "STAT3": "MA0144.3", "STAT5A": "MA0519.2", "TAL1": "MA0091.2", "TBP": "MA0108.3", "TCF12": "MA0521.3",
    "TCF3": "MA0522.4", "TCF7L2": "MA0523.2", "TEAD4": "MA0809.3", "THAP1": "MA0597.3", "TR4": "MA0504.2",
    "USF-1": "MA0093.4", "USF1": "MA0093.4", "USF2": "MA0526.5", "YY1": "MA0095.4", "ZBTB33": "MA0527.2",
    "ZBTB7A": "MA0750.3", "ZEB1": "MA0103.4", "ZKSCAN1": "MA1585.2", "ZNF263": "MA0528.3",
    "ZNF274": "MA1592.2", "Znf143": "MA0088.2", "c-Fos": "MA0476.2", "c-Jun": "MA0489.3", "c-Myc": "MA0147.4",
    "eGFP-FOS": "MA0476.2", "eGFP-GATA2": "MA0036.4", "eGFP-JunB": "MA1140.3", "eGFP-JunD": "MA0492.2",
}
#: Stand-in motifs: JASPAR 2024 vertebrate CORE, width 8-12, >= 10 bits, no heterodimers, TF
#: names not in ASSAY_MOTIF; a seeded draw, pinned. The first eight are FAMILY_PAIR's; the rest
#: go, in order, to TF assays without a motif of their own (sorted by name; cycled if needed).
MOTIF_POOL = (
    "MA1726.2", "MA1503.2", "MA0843.2", "MA0782.3", "MA0461.3", "MA0465.3", "MA2332.1", "MA0032.2",
    "MA0631.2", "MA1998.2", "MA1656.2", "MA0158.2", "MA0131.3", "MA0754.3", "MA1625.2", "MA0757.2",
    "MA0595.1", "MA0778.2", "MA1512.2", "MA1604.2", "MA1463.2", "MA0017.3", "MA1547.2", "MA0749.2",
    "MA0611.3", "MA0874.2", "MA0776.1", "MA1970.2", "MA0614.1", "MA0767.2", "MA1707.2", "MA2122.1",
    "MA0826.1", "MA0070.2", "MA0765.4", "MA1986.2", "MA0667.1", "MA0845.1", "MA0732.2", "MA0646.2",
    "MA0493.3", "MA1992.2", "MA0883.2", "MA1607.2", "MA2327.1", "MA0485.3", "MA0692.2", "MA0837.3",
    "MA1961.2", "MA0811.2", "MA1113.3", "MA0842.3", "MA1979.2", "MA1421.1", "MA1725.2", "MA2126.1",
    "MA0640.3", "MA0766.3", "MA0664.2", "MA0474.4", "MA0146.3", "MA0869.3", "MA1480.2", "MA1104.3",
    "MA0830.3", "MA1517.2", "MA0846.2", "MA0818.2", "MA0908.2", "MA0623.2", "MA1630.3", "MA1641.2",
)
_N_PAIR_MOTIFS = 2 * len(FAMILY_PAIR)

# element kinds in the sites table
_CENTRAL, _DISTAL_TF, _PAIR, _CPG = "TF site (central)", "TF site (distal)", "pair motif", "CpG-rich stretch"


# --------------------------------------------------------------------------- the world


@dataclass
class ChromatinWorld:
    """Sequences with a DeepSEA-style multi-label matrix and the rule that made it.

    ``labels`` (N, L) uint8 after label noise, ``clean_labels`` before it; ``label_table`` one
    row per label (name, group, cell, assay, treatment, what drives it and its thresholds);
    ``built_in`` what the world makes true by construction; ``rule`` the mechanism in words;
    ``sites`` every planted element (seq, start, end, strand, element, family, motif_id, z);
    ``label_source`` where the label names came from. Used by the chromatin_profiles chapter.
    """

    sequences: list[str]
    labels: np.ndarray
    label_table: pd.DataFrame
    built_in: list[BuiltIn]
    rule: str
    clean_labels: np.ndarray
    sites: pd.DataFrame
    label_source: str
    seed: int = 0

    @property
    def length(self) -> int:
        """Sequence length in bp."""
        return len(self.sequences[0]) if self.sequences else 0

    @property
    def groups(self) -> np.ndarray:
        """(L,) group of each label: 'DNase', 'TF' or 'histone'."""
        return self.label_table["group"].to_numpy()

    def prevalence(self) -> pd.DataFrame:
        """Share of positive sequences per label, summarised per group (labels, mean, min, median, max)."""
        prev = self.labels.mean(axis=0)
        rows = []
        for g in [*GROUPS, "all"]:
            sel = np.ones(prev.size, bool) if g == "all" else self.groups == g
            if sel.any():
                p = prev[sel]
                rows.append((g, int(sel.sum()), p.mean(), p.min(), np.median(p), p.max()))
        return pd.DataFrame(rows, columns=["group", "labels", "mean", "min", "median", "max"])


def label_group(assay: str | None) -> str:
    """DeepSEA group of an assay name: 'DNase', 'histone' (H2A*/H2B*/H3*/H4*) or 'TF' (all else, None too).

    Used by the chromatin_profiles chapter to split AUCs as the thesis and DeepSEA do.
    """
    if assay == "DNase":
        return "DNase"
    if assay is not None and _HISTONE_ASSAY.match(assay):
        return "histone"
    return "TF"


# --------------------------------------------------------------------------- label names


def _generated_names(n: int) -> pd.DataFrame:
    """n names 'cell k|assay|None' in DeepSEA's group order (DNase, TF, histone), FALLBACK_SHARES of each."""
    n_dnase = int(round(n * FALLBACK_SHARES["DNase"]))
    n_hist = int(round(n * FALLBACK_SHARES["histone"]))
    n_tf = n - n_dnase - n_hist
    tf_assays = sorted(ASSAY_MOTIF)
    marks = sorted(HISTONE_FAMILY)
    # every name distinct: DNase one cell each; TF assays and marks cycle, the cell advancing per round
    rows = [(f"cell {i + 1}", "DNase") for i in range(n_dnase)]
    rows += [(f"cell {i // len(tf_assays) + 1}", tf_assays[i % len(tf_assays)]) for i in range(n_tf)]
    rows += [(f"cell {i // len(marks) + 1}", marks[i % len(marks)]) for i in range(n_hist)]
    return pd.DataFrame({"cell": [c for c, _ in rows], "assay": [a for _, a in rows], "treatment": "None",
                         "name": [f"{c}|{a}|None" for c, a in rows]})


def _parse_names(label_names) -> pd.DataFrame:
    """A reader's label names -> DataFrame cell, assay, treatment, name."""
    if isinstance(label_names, pd.DataFrame):
        missing = {"cell", "assay", "name"} - set(label_names.columns)
        if missing:
            raise ValueError(f"label_names DataFrame lacks column(s) {sorted(missing)}; pass the output of "
                             "genomebook.datasets.deepsea.read_feature_names or a list of 'cell|assay|treatment'.")
        df = label_names.reset_index(drop=True)
        tr = df["treatment"] if "treatment" in df else pd.Series(["None"] * len(df))
        return pd.DataFrame({"cell": df["cell"].to_numpy(object), "assay": df["assay"].to_numpy(object),
                             "treatment": tr.to_numpy(object), "name": df["name"].astype(str).to_numpy()})
    names = [str(x) for x in label_names]
    rows = []
    for i, n in enumerate(names):
        f = n.split("|")
        if len(f) != 3:
            raise ValueError(f"label_names[{i}] = {n!r} is not 'cell|assay|treatment' (DeepSEA's layout); pass "
                             "names in that layout or the DataFrame of genomebook.datasets.deepsea.read_feature_names.")
        rows.append(tuple(None if f == ["NA", "NA", "NA"] else x for x in f) + (n,))
    if not rows:
        raise ValueError("label_names is empty; give at least one name.")
    return pd.DataFrame(rows, columns=["cell", "assay", "treatment", "name"], dtype=object)


def _label_names(label_names) -> tuple[pd.DataFrame | None, str]:
    """(names or None, where they came from): the reader's, else the registry's, else None (generate)."""
    if label_names is not None:
        return _parse_names(label_names), "label names given by the caller"
    try:
        df = registry.read(LABEL_NAMES_DATASET)
    except registry.DataUnavailable as exc:
        why = " ".join(line.strip() for line in str(exc).splitlines()[1:] if line.strip().startswith("-"))
        msg = (f"generated label names ('cell k|assay|None'): the registry could not supply {LABEL_NAMES_DATASET} "
               f"({why}); set GENOMEBOOK_MIRROR to read the real DeepSEA names")
        warnings.warn(msg, stacklevel=3)
        return None, msg
    return _parse_names(df), f"DeepSEA's label names, registry entry {LABEL_NAMES_DATASET}"


# --------------------------------------------------------------------------- the label table


def _missing(x) -> bool:
    """None or NaN (a placeholder field such as DeepSEA's NA|NA|NA)."""
    return x is None or (isinstance(x, float) and np.isnan(x))


def _family_of(mark: str) -> str:
    if mark in HISTONE_FAMILY:
        return HISTONE_FAMILY[mark]
    return "active" if mark.endswith("ac") else "heterochromatin"


def _tf_motif_table(assays: Sequence[str]) -> dict[str, tuple[str, bool]]:
    """assay -> (JASPAR id, own motif?) for the TF assays (stand-ins from MOTIF_POOL in sorted-name order)."""
    pool = MOTIF_POOL[_N_PAIR_MOTIFS:]
    out: dict[str, tuple[str, bool]] = {}
    unknown = sorted({a for a in assays if a not in ASSAY_MOTIF})
    for a in assays:
        if a in ASSAY_MOTIF:
            out[a] = (ASSAY_MOTIF[a], True)
    for j, a in enumerate(unknown):
        out[a] = (pool[j % len(pool)], False)
    return out


def _label_table(names: pd.DataFrame) -> pd.DataFrame:
    """One row per label: group, drivers and thresholds (depends only on names and TABLE_SEED)."""
    rng = np.random.default_rng(TABLE_SEED)
    n = len(names)
    assay = ["NA" if _missing(a) else str(a) for a in names["assay"]]
    cell = [None if _missing(x) else str(x) for x in names["cell"]]
    treatment = [None if _missing(x) else str(x) for x in names["treatment"]]
    group = np.array([label_group(None if a == "NA" and c is None else a) for a, c in zip(assay, cell)], object)
    tf_rows = np.flatnonzero(group == "TF")
    tf_of = _tf_motif_table([assay[i] for i in tf_rows])
    tf_motifs = sorted({v[0] for v in tf_of.values()})
    z_min = rng.uniform(*Z_MIN_RANGE, size=n)
    frac = rng.uniform(*COUNT_FRACTION_RANGE, size=n)
    long_arm = rng.random(n) < DNASE_LONG_SHARE
    cell_tfs: dict[str | None, list[str]] = {}
    for i in tf_rows:
        cell_tfs.setdefault(cell[i], []).append(tf_of[assay[i]][0])
    rows = []
    for i in range(n):
        g = group[i]
        row = {"name": names["name"].iloc[i], "group": g, "cell": cell[i], "assay": None if assay[i] == "NA" and
               cell[i] is None else assay[i], "treatment": treatment[i]}
        if g == "TF":
            mid, own = tf_of[assay[i]]
            row.update(reach="central", family=None, motif_ids=(mid,), z_min=float(z_min[i]), count_fraction=np.nan,
                       driver=f"a site of JASPAR {mid} ({'its own motif' if own else 'stand-in: no motif of its own'}) "
                              f"in the central {2 * CENTRAL_HALF} bp with z >= {z_min[i]:.2f}")
        elif g == "DNase":
            own = sorted(set(cell_tfs.get(cell[i], [])))
            source = own if len(own) >= DNASE_TFS else tf_motifs
            # a per-label draw (cells with several DNase labels, e.g. treatments, may differ)
            mids = tuple(sorted(source[j] for j in rng.choice(len(source), size=min(DNASE_TFS, len(source)),
                                                                replace=False)))
            whose = "TFs assayed in this cell" if len(own) >= DNASE_TFS else "TFs drawn at random"
            text = (f"a central site (z >= {z_min[i]:.2f}) of any of {', '.join(mids)} ({whose})")
            if long_arm[i]:
                text += f", or CpG-rich stretches in the distal zone (count >= max({MIN_COUNT}, {frac[i]:.2f} x domain mean))"
            row.update(reach="central + distal" if long_arm[i] else "central", family="active" if long_arm[i] else None,
                       motif_ids=mids, z_min=float(z_min[i]), count_fraction=float(frac[i]) if long_arm[i] else np.nan,
                       driver=text)
        else:
            fam = _family_of(assay[i])
            what = ("CpG-rich stretches" if fam == "active" else
                    f"pairs {FAMILY_PAIR[fam][0]} + {FAMILY_PAIR[fam][1]}")
            row.update(reach="distal", family=fam, motif_ids=FAMILY_PAIR.get(fam, ()), z_min=np.nan,
                       count_fraction=float(frac[i]),
                       driver=f"density of {what} ('{fam}' family) in the distal zone (>= {DISTAL_MIN} bp from the "
                              f"centre): count >= max({MIN_COUNT}, {frac[i]:.2f} x domain mean)")
        rows.append(row)
    table = pd.DataFrame(rows)
    table.insert(0, "index", np.arange(n))
    return table


# --------------------------------------------------------------------------- motifs


@functools.lru_cache(maxsize=8)
def _motif_stats(ids: tuple[str, ...]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """(PPMs, log-odds matrices, mean and sd of a sampled site's log-odds) per JASPAR id, read once."""
    loaded = motifs.load_jaspar(ids=list(ids))
    ppms = tuple(m.ppm(PPM_PSEUDOCOUNT) for m in loaded)
    los = tuple(motifs.log_odds(p, is_ppm=True) for p in ppms)
    mean = np.array([(p * lo).sum() for p, lo in zip(ppms, los)])
    var = np.array([((p * lo ** 2).sum(axis=0) - (p * lo).sum(axis=0) ** 2).sum() for p, lo in zip(ppms, los)])
    for p in ppms + los:
        p.setflags(write=False)
    return ppms, los, mean, np.sqrt(var)


def _oriented_scores(sites: Sequence[str], strands: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Log-odds (n,) of sites written on the + strand, scored in motif orientation (minus-strand sites reversed)."""
    w = lo.shape[1]
    codes = BASE_CODE[np.frombuffer("".join(sites).encode("ascii"), dtype=np.uint8)].reshape(-1, w).astype(np.int64)
    rc = np.where(strands[:, None] == 1, codes, (3 - codes)[:, ::-1])
    return lo[rc, np.arange(w)[None, :]].sum(axis=1)


# --------------------------------------------------------------------------- building


def _slots(seq: np.ndarray, n_seqs: int, n_slots: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A distinct random slot per element of each sequence; elements beyond n_slots are dropped (keep False)."""
    order = np.lexsort((rng.random(seq.size), seq))
    s = seq[order]
    rank = np.empty(seq.size, dtype=np.int64)
    rank[order] = np.arange(seq.size) - np.searchsorted(s, s, side="left")
    keep = rank < n_slots
    perm = np.argsort(rng.random((n_seqs, n_slots)), axis=1)
    return perm[seq, np.minimum(rank, n_slots - 1)], keep


def chromatin_profiles_world(n_sequences: int, length: int, *, n_labels: int = 919, seed: int = 0,
                             label_names=None) -> ChromatinWorld:
    """Simulate ``n_sequences`` sequences of ``length`` bp with ``n_labels`` DeepSEA-named chromatin labels.

    ``label_names``: None reads DeepSEA's 919 names through the registry
    (``deepsea_919_feature_names``; when it cannot, names ``cell k|assay|None`` are generated, with
    a warning and ``label_source`` saying so); or a list of ``cell|assay|treatment`` strings, or the
    DataFrame of :func:`genomebook.datasets.deepsea.read_feature_names`. With fewer ``n_labels``
    than names, an evenly spaced subset (in name order) is used: the same sequences and the same
    columns as the full world. See the module docstring for the mechanism. Deterministic for a
    seed. Used by the chromatin_profiles chapter.
    """
    if n_sequences < 1:
        raise ValueError(f"n_sequences must be >= 1; got {n_sequences}")
    if length < MIN_LENGTH:
        raise ValueError(f"length must be >= {MIN_LENGTH} bp (a {DISTAL_SLOT} bp distal slot on each side of the "
                         f"{2 * DISTAL_MIN} bp centre); got {length}")
    if n_labels < 1:
        raise ValueError(f"n_labels must be >= 1; got {n_labels}")
    names, source = _label_names(label_names)
    if names is None:
        names = _generated_names(n_labels)
    if n_labels > len(names):
        raise ValueError(f"n_labels={n_labels} but only {len(names)} label names were given; pass "
                         f"n_labels={len(names)} (or fewer for an evenly spaced subset).")
    full = _label_table(names)
    subset = np.round(np.linspace(0, len(names) - 1, n_labels)).astype(np.int64) if n_labels < len(names) \
        else np.arange(len(names))
    table = full.iloc[subset].reset_index(drop=True).rename(columns={"index": "source_index"})
    table.insert(0, "index", np.arange(len(table)))

    # ---- motifs: the TF universe (from the full table, so subsets share sequences) and the pairs
    tf_ids = sorted({m for g, ms in zip(full["group"], full["motif_ids"]) if g == "TF" for m in ms})
    pair_ids = [m for fam in FAMILIES if fam in FAMILY_PAIR for m in FAMILY_PAIR[fam]]
    all_ids = tuple(sorted(set(tf_ids) | set(pair_ids)))
    ppms, los, means, sds = _motif_stats(all_ids)
    col = {m: j for j, m in enumerate(all_ids)}
    width = np.array([p.shape[1] for p in ppms], dtype=np.int64)
    tf_cols = np.array([col[m] for m in tf_ids], dtype=np.int64)
    if width[tf_cols].max() > CENTRAL_SLOT:
        raise ValueError(f"a TF motif is wider than the {CENTRAL_SLOT} bp central slot; use narrower motifs")

    rng = np.random.default_rng([seed, 919])
    n, c = int(n_sequences), int(length) // 2
    codes = MarkovBackground.human_like(gc=HUMAN_GC, cpg_ratio=HUMAN_CPG).sample_codes(n, length, rng)

    # ---- central TF sites
    n_central = 2 * CENTRAL_HALF // CENTRAL_SLOT
    k = np.minimum(rng.poisson(CENTRAL_SITE_RATE * tf_cols.size, size=n), n_central)
    c_seq = np.repeat(np.arange(n), k)
    c_mot = tf_cols[rng.integers(tf_cols.size, size=c_seq.size)]
    c_slot, _ = _slots(c_seq, n, n_central, rng)
    c_start = c - CENTRAL_HALF + c_slot * CENTRAL_SLOT + rng.integers(0, CENTRAL_SLOT - width[c_mot] + 1)

    # ---- distal elements: TF decoys, then one block per family (domain or not)
    left, right = (c - DISTAL_MIN) // DISTAL_SLOT, (length - c - DISTAL_MIN) // DISTAL_SLOT
    n_distal = left + right
    distal_kb = (length - 2 * DISTAL_MIN) / 1000
    fam_idx = {f: i for i, f in enumerate(FAMILIES)}
    in_domain = rng.random((n, len(FAMILIES))) < DOMAIN_PROB
    per_fam = rng.poisson(np.where(in_domain, DOMAIN_PER_KB, OUTSIDE_PER_KB) * distal_kb)  # (n, F)
    n_decoy = rng.poisson(DISTAL_TF_PER_KB * distal_kb, size=n)
    d_seq = np.concatenate([np.repeat(np.arange(n), n_decoy)] +
                           [np.repeat(np.arange(n), per_fam[:, j]) for j in range(len(FAMILIES))])
    d_fam = np.concatenate([np.full(n_decoy.sum(), -1)] +
                           [np.full(per_fam[:, j].sum(), j) for j in range(len(FAMILIES))])
    d_mot = np.where(d_fam < 0, tf_cols[rng.integers(tf_cols.size, size=d_seq.size)], -1)
    gap = rng.integers(PAIR_GAP[0], PAIR_GAP[1] + 1, size=d_seq.size)
    pair_a = np.array([col[FAMILY_PAIR[f][0]] if f in FAMILY_PAIR else -1 for f in FAMILIES])
    pair_b = np.array([col[FAMILY_PAIR[f][1]] if f in FAMILY_PAIR else -1 for f in FAMILIES])
    is_cpg = d_fam == fam_idx["active"]
    is_pair = (d_fam >= 0) & ~is_cpg
    a_mot, b_mot = pair_a[np.maximum(d_fam, 0)], pair_b[np.maximum(d_fam, 0)]
    d_width = np.where(d_fam < 0, width[np.maximum(d_mot, 0)],
                       np.where(is_cpg, CPG_STRETCH, width[a_mot] + gap + width[b_mot]))
    d_slot, keep = _slots(d_seq, n, max(n_distal, 1), rng)
    if n_distal == 0:
        keep[:] = False
    slot_start = np.where(d_slot < left, d_slot * DISTAL_SLOT, c + DISTAL_MIN + (d_slot - left) * DISTAL_SLOT)
    d_start = slot_start + rng.integers(0, DISTAL_SLOT - d_width + 1)
    d_strand = rng.choice([1, -1], size=d_seq.size)

    # ---- CpG-rich stretches written into the codes
    cpg = np.flatnonzero(keep & is_cpg)
    if cpg.size:
        rich = MarkovBackground.human_like(gc=CPG_GC, cpg_ratio=CPG_RATIO).sample_codes(cpg.size, CPG_STRETCH, rng)
        codes[d_seq[cpg][:, None], d_start[cpg][:, None] + np.arange(CPG_STRETCH)[None, :]] = rich
    text = LETTER_CODES[codes].tobytes().decode("ascii")
    seqs = [text[i * length:(i + 1) * length] for i in range(n)]

    # ---- motif sites planted (central TF, distal TF, pair A, pair B)
    dt = np.flatnonzero(keep & (d_fam < 0))
    pr = np.flatnonzero(keep & is_pair)
    m_seq = np.concatenate([c_seq, d_seq[dt], d_seq[pr], d_seq[pr]])
    m_mot = np.concatenate([c_mot, d_mot[dt], a_mot[pr], b_mot[pr]])
    m_pos = np.concatenate([c_start, d_start[dt], d_start[pr], d_start[pr] + width[a_mot[pr]] + gap[pr]])
    c_strand = rng.choice([1, -1], size=c_seq.size)
    b_strand = rng.choice([1, -1], size=pr.size)
    m_strand = np.concatenate([c_strand, d_strand[dt], d_strand[pr], b_strand])
    seqs, truth = plant(seqs, {j: ppms[j] for j in range(len(all_ids))}, motif_ids=m_mot, positions=m_pos,
                        strands=m_strand, rng=rng, seq_index=m_seq)
    z = np.full(m_mot.size, np.nan)
    site_text = truth["site"].to_numpy()
    for j in np.unique(m_mot):
        rows = np.flatnonzero(m_mot == j)
        z[rows] = (_oriented_scores(site_text[rows], m_strand[rows], los[j]) - means[j]) / sds[j]

    # ---- labels from what was planted
    n_c = c_seq.size
    best = np.full((n, len(all_ids)), -np.inf)
    np.maximum.at(best, (c_seq, c_mot), z[:n_c])
    counts = np.zeros((n, len(FAMILIES)), dtype=np.int64)
    np.add.at(counts, (d_seq[keep & (d_fam >= 0)], d_fam[keep & (d_fam >= 0)]), 1)
    domain_mean = DOMAIN_PER_KB * distal_kb
    min_count = np.where(table["count_fraction"].notna(),
                         np.maximum(MIN_COUNT, np.round(table["count_fraction"].fillna(0).to_numpy() * domain_mean)), 0)
    table["min_count"] = min_count.astype(np.int64)
    y = np.zeros((n, len(table)), dtype=bool)
    zmin = table["z_min"].to_numpy(float)
    for g in ("TF", "DNase"):
        rows = np.flatnonzero(table["group"].to_numpy() == g)
        if rows.size:
            width_set = max(len(table["motif_ids"].iloc[r]) for r in rows)
            sets = np.array([[col[m] for m in table["motif_ids"].iloc[r]] +
                             [col[table["motif_ids"].iloc[r][0]]] * (width_set - len(table["motif_ids"].iloc[r]))
                             for r in rows])  # (R, S), short sets padded with their first motif
            y[:, rows] = (best[:, sets] >= zmin[rows][None, :, None]).any(axis=2)
    fam = table["family"].to_numpy(object)
    for f in FAMILIES:
        rows = np.flatnonzero(fam == f)
        if rows.size:
            y[:, rows] |= counts[:, [fam_idx[f]]] >= table["min_count"].to_numpy()[rows][None, :]
    clean = y.astype(np.uint8)
    u = rng.random(y.shape)
    noisy = np.where(y, u >= FALSE_NEGATIVE, u < FALSE_POSITIVE).astype(np.uint8)

    # ---- the sites table
    name_of = np.array(all_ids, dtype=object)
    kinds = [_CENTRAL] * n_c + [_DISTAL_TF] * dt.size + [_PAIR] * (2 * pr.size)
    fams = [None] * (n_c + dt.size) + [FAMILIES[f] for f in d_fam[pr]] * 2
    motif_sites = pd.DataFrame({"seq": m_seq, "start": m_pos, "end": m_pos + width[m_mot], "strand": m_strand,
                                "element": kinds, "family": fams, "motif_id": name_of[m_mot], "z": z})
    cpg_sites = pd.DataFrame({"seq": d_seq[cpg], "start": d_start[cpg], "end": d_start[cpg] + CPG_STRETCH,
                              "strand": 1, "element": _CPG, "family": "active", "motif_id": None, "z": np.nan})
    sites = pd.concat([motif_sites, cpg_sites], ignore_index=True).sort_values(["seq", "start"], kind="stable")
    sites = sites.reset_index(drop=True)
    return ChromatinWorld(sequences=seqs, labels=noisy, label_table=table, built_in=_built_in(length),
                          rule=_rule(length), clean_labels=clean, sites=sites, label_source=source, seed=seed)


# --------------------------------------------------------------------------- words


def _rule(length: int) -> str:
    """The mechanism in one paragraph (numbers read from the constants)."""
    return (f"Each {length} bp sequence is human-like Markov background (GC {HUMAN_GC:.2f}, CpG o/e {HUMAN_CPG}). "
            f"A TF label (assay, cell) is positive when the central {2 * CENTRAL_HALF} bp hold a site of the assay's "
            f"JASPAR motif at least as strong as the label's threshold (each TF motif is central in about "
            f"{CENTRAL_SITE_RATE:.1%} of sequences, and {DISTAL_TF_PER_KB:g} uncounted TF site per kb lies further "
            "out). A DNase label is "
            f"positive when any of {DNASE_TFS} motifs of TFs assayed in its cell type (random TFs where fewer are "
            f"assayed) has a central site, and, for "
            f"{DNASE_LONG_SHARE:.0%} of DNase labels, also when CpG-rich stretches are dense far from the centre. "
            f"A histone label is positive when its family's elements (CpG-rich {CPG_STRETCH} bp stretches for active "
            f"marks, a JASPAR motif pair for the others) are dense in the zone at least {DISTAL_MIN} bp from the "
            f"centre: {DOMAIN_PROB:.0%} of sequences lie in each family's domain ({DOMAIN_PER_KB:g} elements per kb) "
            f"and the rest hold {OUTSIDE_PER_KB:g} per kb. Then {FALSE_NEGATIVE:.0%} of positives and "
            f"{FALSE_POSITIVE:.1%} of negatives are flipped. So TF labels live in the centre, histone labels far "
            "from it, and DNase labels in both.")


def _built_in(length: int) -> list[BuiltIn]:
    """What this world makes true by construction (numbers read from the constants above)."""
    distal_kb = (length - 2 * DISTAL_MIN) / 1000
    return [
        BuiltIn(f"TF labels are read from the central {2 * CENTRAL_HALF} bp only (one JASPAR motif per TF assay); "
                f"histone labels only from elements at least {DISTAL_MIN} bp from the centre (density of CpG-rich "
                f"stretches or of a motif pair over {distal_kb:.1f} kb of distal zone); {DNASE_LONG_SHARE:.0%} of "
                "DNase labels read both, the rest only the centre",
                "'longer input helps DNase and histone more than TF' is true by construction for centred crops: a "
                f"{2 * CENTRAL_HALF} bp crop holds every TF signal and no histone signal, and each longer crop adds "
                "histone (and long-range DNase) evidence but no TF evidence",
                claims=("context_length", "group_auc")),
        BuiltIn(f"the three groups differ in how hard they are by design: a TF label needs one motif in a fixed "
                f"window, a DNase label any of {DNASE_TFS} motifs (or a density), a histone label a count of "
                f"elements reaching a threshold ({COUNT_FRACTION_RANGE[0]:.0%}-{COUNT_FRACTION_RANGE[1]:.0%} of the "
                f"in-domain mean), so its AUC depends on how much of the distal zone the input covers",
                "which group scores highest, and by how much, is set by these rules and constants, not by chromatin "
                "biology", claims=("group_auc", "context_length")),
        BuiltIn("sequences are Markov background with planted JASPAR sites and CpG-rich stretches; none of the planted "
                "elements is enriched in the pre-training corpora beyond what any genome holds",
                "pre-training has nothing specific to this world to transfer, which favours 'initialisation barely "
                "matters for chromatin AUC'", claims=("initialisation",)),
        BuiltIn(f"labels are a few percent positive (each TF motif central in about {CENTRAL_SITE_RATE:.1%} of "
                f"sequences; {DOMAIN_PROB:.0%} domain sequences per histone family) and {FALSE_NEGATIVE:.0%} of "
                "positives "
                f"/ {FALSE_POSITIVE:.1%} of negatives are flipped",
                "the class imbalance the positive-class loss weight addresses is the world's; label noise caps AUC "
                "a little below 1 for every model", claims=("positive_weight", "group_auc")),
    ]


# --------------------------------------------------------------------------- evaluation


def group_auc(y_true, y_score, groups) -> pd.DataFrame:
    """Mean auROC over all labels and per group: rows 'all', then DNase / TF / histone (those present).

    ``y_true`` (N, L) binary, ``y_score`` (N, L) finite scores, ``groups`` (L,) group names or a
    table with a ``group`` column (e.g. ``world.label_table``). Labels with one class only in
    ``y_true`` are skipped and counted. auROC per label by :func:`genomebook.metrics.auroc_rows`
    (the row form of :func:`genomebook.metrics.auroc`, same values). Columns: group, labels,
    scored, skipped (one class), mean auROC. Used by the chromatin_profiles chapter.
    """
    y = np.asarray(y_true)
    p = np.asarray(y_score, dtype=float)
    if y.ndim != 2 or y.shape != p.shape:
        raise ValueError(f"group_auc: y_true and y_score must be (N, L) arrays of equal shape; got {y.shape} and "
                         f"{p.shape}.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"group_auc: y_true must be binary 0/1; got values {np.unique(y)[:5].tolist()}.")
    if not np.isfinite(p).all():
        i, j = np.argwhere(~np.isfinite(p))[0]
        raise ValueError(f"group_auc: y_score has NaN or inf (first at row {i}, label {j}).")
    g = groups["group"].to_numpy() if isinstance(groups, pd.DataFrame) else np.asarray(groups, dtype=object)
    if g.shape != (y.shape[1],):
        raise ValueError(f"group_auc: groups needs one name per label ({y.shape[1]}); got {g.shape[0]}.")
    auc = auroc_rows(y.T, p.T)
    order = [x for x in GROUPS if x in set(g)] + [x for x in dict.fromkeys(g) if x not in GROUPS]
    rows = []
    for name in ["all", *order]:
        sel = np.ones(g.size, bool) if name == "all" else g == name
        a = auc[sel]
        ok = ~np.isnan(a)
        mean = float(a[ok].mean()) if ok.any() else np.nan
        rows.append((name, int(sel.sum()), int(ok.sum()), int((~ok).sum()), mean))
    return pd.DataFrame(rows, columns=["group", "labels", "scored", "skipped (one class)", "mean auROC"])
