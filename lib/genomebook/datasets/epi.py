"""Enhancer–promoter pair tables under five evaluation protocols, and their leakage counts.

The EPSAT/EPLAE paper copies every positive pair 20 times *before* a random split, so copies
of one pair land in training and test; and even without copies, enhancers and promoters are
reused by many pairs, so a random split of pairs puts most test elements in training too
(Mao, Kostka & Chikina 2018; Xi & Beer 2018). :func:`make_protocol` builds one split table per
protocol from a pair table as :func:`genomebook.datasets.targetfinder.read_pairs` returns it,
and :func:`leakage_counts` measures, per protocol and split, how many evaluated pairs have a
copy of themselves or one of their elements in training: the chapters' **leakage card**.

Protocols (:data:`PROTOCOLS`):

``paper``
    Augment every positive, then split the rows at random (the paper's order). Copies of one
    pair straddle the split.
``augment_train_only``
    Split the original pairs at random, then augment the training positives only.
``chromosome``
    Whole chromosomes (of the enhancer; a pair's promoter lies on the same chromosome) go to
    train, dev or test, chosen by a seeded balanced draw over pair counts; training positives
    are augmented. Because pairs are intra-chromosomal, no element can be on two sides.
``element_disjoint``
    No enhancer and no promoter on two sides. The pairs form a bipartite graph (elements are
    nodes, pairs are edges); whole connected components are drawn into the splits (balanced
    over pair counts). A component larger than the smallest non-empty split's share is cut
    along the genome into contiguous blocks holding the split fractions of its pairs (block
    order seeded); each element goes to the block its centre lies in, and the pairs spanning
    a cut point, which would straddle, are dropped (``table.attrs["dropped"]`` counts them).
    Training positives are augmented.
``cboep``
    The positives of ``pairs`` with the negatives of a CBOEP table (``cboep=``: class-balanced
    negatives built to remove the distance and element-reuse biases of TargetFinder's), split
    at random like ``augment_train_only``. CBOEP sets are about 1.5 positives per negative,
    so training positives are copied only as far as balancing needs
    (``min(augment, max(1, round(negatives / positives)))``, i.e. not at all). ``distance`` is
    recomputed for every row as the distance between element centres, so positives and
    negatives share one definition (TargetFinder's original tables count the gap, TransEPI's
    the centre distance). Element feature columns (``X (enhancer)`` / ``X (promoter)``) of the
    CBOEP negatives are looked up from ``pairs`` by element; ``X (window)`` columns, which
    belong to a pair, stay NaN.

Identity (our reading): an element is its coordinates ``chrom:start-end`` as given in the
file (the names of every mirrored table carry the same coordinates); a pair is its enhancer
and promoter, ``pair_id = "<enhancer_id>|<promoter_id>"``. The cell line is not part of the
identity: a sequence model sees the same DNA in every cell line. A table that already has
``enhancer_id`` and ``promoter_id`` columns (the simulated EPI world's element indices) keeps
them as the identity.

Augmentation (our reading of the paper, section 2.1): the text cites SPEID's random shifts of
positive enhancers and promoters but says that this paper "simply" makes copies of each
positive, and Table 1's augmented counts are exactly 20 times the positives. So ``augment``
is the number of rows per positive pair (the original plus ``augment - 1`` copies) and copies
are exact by default (``max_shift=0``); ``max_shift > 0`` gives SPEID-style copies whose
enhancer and promoter are shifted by independent uniform integers in
``[-max_shift, max_shift]`` bp (coordinates move; ``distance`` and features stay those of the
original pair; the ids stay those of the original, so a reader that fetches sequences by id,
as the simulated world's does, gets exact copies).

Columns added to the returned table: ``pair_id``, ``enhancer_id`` and ``promoter_id`` (unless given),
``copy_of`` (the original's ``pair_id`` for an augmented copy, ``None`` for an original),
``enhancer_shift``, ``promoter_shift`` (bp), ``source`` (``"pairs"`` or ``"cboep"``),
``protocol`` and ``split`` (``"train"``, ``"dev"``, ``"test"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from genomebook.datasets.corpora import check_fractions, split_by_genome, split_by_genus
from genomebook.datasets.targetfinder import PAIR_COLUMNS

__all__ = ["PROTOCOLS", "SPLITS", "make_protocol", "leakage_counts", "element_ids", "centre_distance"]

PROTOCOLS = ("paper", "augment_train_only", "chromosome", "element_disjoint", "cboep")
"""Names of the five protocols of :func:`make_protocol`, the paper's first."""

SPLITS = ("train", "dev", "test")
"""Split names, in this order."""

_COORDS = ["enhancer_chrom", "enhancer_start", "enhancer_end", "promoter_chrom", "promoter_start", "promoter_end"]
_ADDED = ["pair_id", "copy_of", "enhancer_shift", "promoter_shift", "source", "protocol", "split"]
_IDS = ["enhancer_id", "promoter_id"]


# --------------------------------------------------------------------------- identity


def _check_pairs(pairs: pd.DataFrame, what: str) -> None:
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(f"{what}: expected a pandas DataFrame (as read_pairs returns), got {type(pairs).__name__}.")
    missing = [c for c in ["label", *_COORDS] if c not in pairs.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}. Read the table with "
                         "genomebook.datasets.targetfinder.read_pairs, or give columns "
                         + ", ".join(PAIR_COLUMNS) + ".")
    clash = [c for c in _ADDED if c in pairs.columns]
    if clash:
        raise ValueError(f"{what}: already has column(s) {', '.join(clash)} - it looks like the output of "
                         "make_protocol. Pass the pair table itself.")
    bad = ~pairs["label"].isin([0, 1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{what}: row {i} has label {pairs['label'].iloc[i]!r}; labels must be 0 or 1.")
    if len(pairs) == 0:
        raise ValueError(f"{what}: the table has no rows.")


def element_ids(pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Element identities ``chrom:start-end`` of each pair's enhancer and promoter: two (N,) str arrays.

    Identity is coordinates (the file's own, 0-based half-open), not cell line or name.
    Used by the enhancer_promoter and epsat_eplae chapters (through :func:`make_protocol`).

    Examples
    --------
    >>> t = pd.DataFrame({"enhancer_chrom": ["chr1"], "enhancer_start": [100], "enhancer_end": [300],
    ...                   "promoter_chrom": ["chr1"], "promoter_start": [9000], "promoter_end": [9200]})
    >>> [str(a[0]) for a in element_ids(t)]
    ['chr1:100-300', 'chr1:9000-9200']
    """
    out = []
    for p in ("enhancer", "promoter"):
        out.append((pairs[f"{p}_chrom"].astype(str) + ":" + pairs[f"{p}_start"].astype(np.int64).astype(str)
                    + "-" + pairs[f"{p}_end"].astype(np.int64).astype(str)).to_numpy(dtype=object))
    return out[0], out[1]


def centre_distance(pairs: pd.DataFrame) -> np.ndarray:
    """|enhancer centre - promoter centre| in bp (float (N,)), one definition for every table.

    Used by the enhancer_promoter chapter (the ``cboep`` protocol recomputes ``distance`` with it).
    """
    ce = (pairs["enhancer_start"].to_numpy(np.float64) + pairs["enhancer_end"].to_numpy(np.float64)) / 2
    cp = (pairs["promoter_start"].to_numpy(np.float64) + pairs["promoter_end"].to_numpy(np.float64)) / 2
    return np.abs(ce - cp)


def _has_ids(pairs: pd.DataFrame) -> bool:
    return set(_IDS) <= set(pairs.columns)


def _with_ids(pairs: pd.DataFrame, source: str) -> pd.DataFrame:
    t = pairs.reset_index(drop=True).copy()
    if not _has_ids(t):
        t["enhancer_id"], t["promoter_id"] = element_ids(t)
    t["pair_id"] = t["enhancer_id"].astype(str) + "|" + t["promoter_id"].astype(str)
    t["copy_of"] = None
    t["enhancer_shift"] = 0
    t["promoter_shift"] = 0
    t["source"] = source
    return t


# --------------------------------------------------------------------------- augmentation and splits


def _augment(t: pd.DataFrame, mask: np.ndarray, augment: int, max_shift: int, rng: np.random.Generator
             ) -> pd.DataFrame:
    """t plus ``augment - 1`` copies of each row where mask (positives) holds, each copy after its original."""
    if augment <= 1 or not mask.any():
        return t
    src = t[mask]
    reps = augment - 1
    copies = src.loc[src.index.repeat(reps)].copy()
    copies["copy_of"] = copies["pair_id"].to_numpy()
    n = len(copies)
    if max_shift > 0:
        es = rng.integers(-max_shift, max_shift + 1, size=n)
        ps = rng.integers(-max_shift, max_shift + 1, size=n)
        es = np.maximum(es, -copies["enhancer_start"].to_numpy())   # never move a window before 0
        ps = np.maximum(ps, -copies["promoter_start"].to_numpy())
        copies["enhancer_shift"], copies["promoter_shift"] = es, ps
        for p, s in (("enhancer", es), ("promoter", ps)):
            copies[f"{p}_start"] = copies[f"{p}_start"].to_numpy() + s
            copies[f"{p}_end"] = copies[f"{p}_end"].to_numpy() + s
    out = pd.concat([t, copies], ignore_index=False)
    order = np.argsort(out.index.to_numpy(), kind="stable")   # each copy right after its original
    return out.iloc[order].reset_index(drop=True)


def _random_split(t: pd.DataFrame, fractions: np.ndarray, seed: int) -> np.ndarray:
    """Rows drawn at random into splits (exact counts, as :func:`split_by_genome`)."""
    return split_by_genome(pd.DataFrame({"row": np.arange(len(t))}), fractions, seed, by="row")


def _grouped_split(groups: np.ndarray, fractions: np.ndarray, seed: int) -> np.ndarray:
    """Whole groups into splits, balanced over row counts (the seeded greedy of :func:`split_by_genus`)."""
    # split_by_genus balances whole "genera" over distinct "genomes": here groups over rows
    genus = pd.Series(groups).astype(str).radd("g").to_numpy()      # never its special genus "?"
    frame = pd.DataFrame({"genus": genus, "genome": np.arange(len(groups))})
    return split_by_genus(frame, fractions, seed, weight="genome")


def _components(e: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Connected component of each pair in the enhancer–promoter graph (int (N,))."""
    eu, ei = np.unique(e, return_inverse=True)
    pu, pi = np.unique(p, return_inverse=True)
    n = len(eu) + len(pu)
    graph = coo_matrix((np.ones(len(e)), (ei, pi + len(eu))), shape=(n, n))
    _, lab = connected_components(graph, directed=False)
    return lab[ei]


def _cut_component(t: pd.DataFrame, fractions: np.ndarray, seed: int) -> np.ndarray:
    """Split one large component along the genome; None marks a pair that would straddle (dropped).

    Pairs are ranked by position (chromosome, then the midpoint of the two element centres) and
    cut into contiguous blocks holding ``fractions`` of them, the blocks' order drawn with the
    seed; every element goes to the block its centre lies in. Only pairs that span a cut point
    have their two elements in different blocks, and they are dropped.
    """
    ce = (t["enhancer_start"].to_numpy(np.float64) + t["enhancer_end"].to_numpy(np.float64)) / 2
    cp = (t["promoter_start"].to_numpy(np.float64) + t["promoter_end"].to_numpy(np.float64)) / 2
    chrom = t["enhancer_chrom"].astype(str).to_numpy()
    chroms = np.unique(chrom)
    code = np.searchsorted(chroms, chrom).astype(np.float64)
    span = max(ce.max(), cp.max()) + 1.0
    key_pair = code * span + (ce + cp) / 2                      # one number orders (chromosome, position)
    key_e, key_p = code * span + ce, code * span + cp
    sorted_keys = np.sort(key_pair)
    splits = [s for s, f in zip(SPLITS, fractions) if f > 0]
    order = np.random.default_rng(seed).permutation(len(splits))
    names = [splits[i] for i in order]
    shares = np.array([fractions[SPLITS.index(s)] for s in names])
    ranks = np.round(np.cumsum(shares)[:-1] / shares.sum() * len(t)).astype(np.int64)
    ranks = np.clip(ranks, 1, len(t) - 1)
    cuts = (sorted_keys[ranks - 1] + sorted_keys[ranks]) / 2    # between neighbouring pairs
    label = np.array(names, dtype=object)
    side_e = label[np.searchsorted(cuts, key_e)]
    side_p = label[np.searchsorted(cuts, key_p)]
    return np.where(side_e == side_p, side_e, None)


def _element_disjoint_split(t: pd.DataFrame, fractions: np.ndarray, seed: int) -> tuple[np.ndarray, int]:
    e, p = t["enhancer_id"].astype(str).to_numpy(), t["promoter_id"].astype(str).to_numpy()
    comp = _components(e, p)
    sizes = np.bincount(comp)
    nonzero = fractions[fractions > 0]
    limit = nonzero.min() * len(t)
    big = np.flatnonzero(sizes > limit) if nonzero.size > 1 else np.array([], dtype=np.int64)
    split = np.empty(len(t), dtype=object)
    small = ~np.isin(comp, big)
    if small.any():
        split[small] = _grouped_split(comp[small], fractions, seed)
    for k, c in enumerate(big):
        rows = comp == c
        split[rows] = _cut_component(t[rows], fractions, seed + 1 + k)
    return split, int(sum(s is None for s in split))


def _chromosome_split(t: pd.DataFrame, fractions: np.ndarray, seed: int,
                      chromosomes: Mapping[str, Sequence[str]] | None) -> tuple[np.ndarray, dict]:
    chrom = t["enhancer_chrom"].astype(str).to_numpy()
    if chromosomes is None:
        split = _grouped_split(chrom, fractions, seed)
    else:
        unknown = set(chromosomes) - {"dev", "test"}
        if unknown:
            raise ValueError(f"chromosomes: keys must be 'dev' and/or 'test', got {sorted(unknown)}; every other "
                             "chromosome goes to train.")
        which = {}
        for s in ("dev", "test"):
            for c in chromosomes.get(s, ()):
                if c in which:
                    raise ValueError(f"chromosomes: {c!r} is listed under both {which[c]!r} and {s!r}.")
                which[c] = s
        absent = sorted(set(which) - set(chrom))
        if absent:
            raise ValueError(f"chromosomes: {', '.join(absent)} hold no pair of this table (it has "
                             f"{', '.join(sorted(set(chrom)))}).")
        split = np.array([which.get(c, "train") for c in chrom], dtype=object)
    named = {s: sorted(set(chrom[split == s]), key=_chrom_key) for s in SPLITS}
    return split, named


def _chrom_key(c: str):
    x = c.removeprefix("chr")
    return (0, int(x), "") if x.isdigit() else (1, 0, x)


def _cboep_table(pairs: pd.DataFrame, cboep: pd.DataFrame) -> pd.DataFrame:
    if _has_ids(pairs) != _has_ids(cboep):
        raise ValueError("cboep: one table has enhancer_id/promoter_id columns and the other has not, so their "
                         "elements cannot be matched. Drop those columns from both (coordinates then identify "
                         "elements) or give both.")
    pos = _with_ids(pairs[pairs["label"] == 1], "pairs")
    neg = _with_ids(cboep[cboep["label"] == 0], "cboep")
    if len(neg) == 0:
        raise ValueError("cboep: the CBOEP table has no negative (label 0) pair; pass a CBOEP table "
                         "(e.g. registry 'cboep_TargetFinder-P_CBMF-N_<cell>').")
    clash = set(pos["pair_id"]) & set(neg["pair_id"])
    if clash:
        raise ValueError(f"cboep: {len(clash)} pair(s) are positive in pairs and negative in the CBOEP table "
                         f"(first {sorted(clash)[0]}). Use the CBOEP table built from the same cell line.")
    ids = {c: pairs[c].to_numpy() for c in _IDS} if _has_ids(pairs) else dict(zip(_IDS, element_ids(pairs)))
    for col in pos.columns:
        if col in neg.columns:
            continue
        if col.endswith(" (enhancer)") or col.endswith(" (promoter)"):
            side = "enhancer_id" if col.endswith(" (enhancer)") else "promoter_id"
            lookup = pd.Series(pairs[col].to_numpy(), index=ids[side])
            lookup = lookup[~lookup.index.duplicated()]
            neg[col] = neg[side].map(lookup).to_numpy()
        else:
            neg[col] = np.nan
    t = pd.concat([pos, neg[pos.columns]], ignore_index=True)
    t["distance"] = centre_distance(t)
    return t


def make_protocol(pairs: pd.DataFrame, protocol: str, *, seed: int, fractions: Sequence[float] = (0.8, 0.1, 0.1),
                  augment: int = 20, cboep: pd.DataFrame | None = None, max_shift: int = 0,
                  chromosomes: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The pair table under one evaluation protocol, with a ``split`` column (see the module docstring).

    Parameters
    ----------
    pairs
        A pair table as :func:`genomebook.datasets.targetfinder.read_pairs` returns it (columns
        ``label`` and the enhancer/promoter coordinates at least; every other column is kept).
    protocol
        One of :data:`PROTOCOLS`.
    seed
        Seeds the split and the shifts: same inputs and seed, same table.
    fractions
        (train, dev, test), summing to 1; ``(0.9, 0, 0.1)`` is the paper's 90 % training.
    augment
        Rows per positive pair in the augmented part (``paper``: the whole table; the others:
        training only). 1 switches augmentation off.
    cboep
        The CBOEP table whose negatives replace those of ``pairs`` (``protocol="cboep"`` only).
    max_shift
        0: exact copies (the paper's); > 0: SPEID-style shifted copies, up to this many bp.
    chromosomes
        ``protocol="chromosome"`` only: ``{"test": [...], "dev": [...]}`` to name them instead of
        drawing them; every other chromosome goes to train.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``pair_id, enhancer_id, promoter_id, copy_of, enhancer_shift,
        promoter_shift, source, protocol, split``. ``attrs`` holds ``protocol``, ``seed``,
        ``fractions``, ``augment``, ``max_shift``, ``dropped`` (pairs dropped because they
        would straddle, ``element_disjoint`` only) and ``chromosomes`` (split -> names,
        ``chromosome`` only). Used by the enhancer_promoter and epsat_eplae chapters.

    Examples
    --------
    >>> t = pd.DataFrame({"label": [1, 0, 0, 0], "enhancer_chrom": ["chr1"] * 4,
    ...                   "enhancer_start": [0, 1000, 2000, 3000], "enhancer_end": [500, 1500, 2500, 3500],
    ...                   "promoter_chrom": ["chr1"] * 4, "promoter_start": [9000] * 4,
    ...                   "promoter_end": [9500] * 4})
    >>> m = make_protocol(t, "paper", seed=0, fractions=(0.5, 0, 0.5), augment=3)
    >>> len(m), int(m["copy_of"].notna().sum()), sorted(set(m["split"]))
    (6, 2, ['test', 'train'])
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}; got {protocol!r}.")
    f = check_fractions(fractions)
    if int(augment) != augment or augment < 1:
        raise ValueError(f"augment must be an integer >= 1 (rows per positive pair; 1 = no copies), got {augment}.")
    if int(max_shift) != max_shift or max_shift < 0:
        raise ValueError(f"max_shift must be a non-negative integer number of bp, got {max_shift}.")
    if chromosomes is not None and protocol != "chromosome":
        raise ValueError(f"chromosomes= applies to protocol 'chromosome' only, not {protocol!r}.")
    if (cboep is None) != (protocol != "cboep"):
        raise ValueError("protocol 'cboep' needs cboep=<a CBOEP pair table> (e.g. registry "
                         "'cboep_TargetFinder-P_CBMF-N_<cell>'), and only that protocol takes one.")
    _check_pairs(pairs, "pairs")
    augment, max_shift = int(augment), int(max_shift)
    rng = np.random.default_rng([seed, 1])
    attrs = {"protocol": protocol, "seed": seed, "fractions": tuple(float(x) for x in f), "augment": augment,
             "max_shift": max_shift, "dropped": 0}
    if protocol == "cboep":
        _check_pairs(cboep, "cboep")
        t = _cboep_table(pairs, cboep)
    else:
        t = _with_ids(pairs, "pairs")

    if protocol == "paper":
        t = _augment(t, t["label"].to_numpy() == 1, augment, max_shift, rng)
        t["split"] = _random_split(t, f, seed)
    else:
        if protocol in ("augment_train_only", "cboep"):
            split = _random_split(t, f, seed)
        elif protocol == "chromosome":
            split, attrs["chromosomes"] = _chromosome_split(t, f, seed, chromosomes)
        else:
            split, attrs["dropped"] = _element_disjoint_split(t, f, seed)
        t["split"] = split
        t = t[t["split"].notna()].reset_index(drop=True)
        train_pos = (t["split"].to_numpy() == "train") & (t["label"].to_numpy() == 1)
        factor = augment
        if protocol == "cboep":
            n_pos, n_neg = int(train_pos.sum()), int(((t["split"] == "train") & (t["label"] == 0)).sum())
            factor = min(augment, max(1, round(n_neg / max(n_pos, 1))))
            attrs["augment"] = factor
        t = _augment(t, train_pos, factor, max_shift, rng)
    t["protocol"] = protocol
    t = t[[c for c in t.columns if c not in ("protocol", "split")] + ["protocol", "split"]]
    t.attrs.update(attrs)
    return t


# --------------------------------------------------------------------------- leakage card

_CARD = ["protocol", "split", "n", "n_pos", "copy", "shared_enhancer", "shared_promoter", "shared_element",
         "fraction_copy", "fraction"]


def leakage_counts(table: pd.DataFrame) -> pd.DataFrame:
    """The EPI leakage card: per protocol and evaluated split, rows that training has seen in part.

    One row per (``protocol``, split other than train) of a :func:`make_protocol` table (or
    several concatenated). Counted over the split's rows (the evaluated units, augmented copies
    included):

    ``copy``
        the pair itself is in training: an exact duplicate or an augmented copy (same
        ``pair_id``, shifted or not);
    ``shared_enhancer`` / ``shared_promoter``
        its enhancer / promoter appears in some training pair;
    ``shared_element``
        either (a ``copy`` always counts here too);
    ``fraction_copy``, ``fraction``
        ``copy / n`` and ``shared_element / n``.

    ``n_pos`` counts the split's positives. Used by the enhancer_promoter and epsat_eplae
    chapters (the leakage card beside each protocol's F1 and auPR).
    """
    need = ["split", "pair_id", "enhancer_id", "promoter_id", "label"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ValueError(f"leakage_counts: missing column(s) {', '.join(missing)}; pass the output of "
                         "make_protocol (or several, concatenated).")
    t = table if "protocol" in table.columns else table.assign(protocol=table.attrs.get("protocol", "?"))
    rows = []
    for protocol, g in t.groupby("protocol", sort=False):
        train = g[g["split"] == "train"]
        seen = {c: set(train[c]) for c in ("pair_id", "enhancer_id", "promoter_id")}
        for split in [s for s in SPLITS if s != "train"]:
            q = g[g["split"] == split]
            if len(q) == 0:
                continue
            copy = q["pair_id"].isin(seen["pair_id"]).to_numpy()
            enh = q["enhancer_id"].isin(seen["enhancer_id"]).to_numpy()
            pro = q["promoter_id"].isin(seen["promoter_id"]).to_numpy()
            anyone = enh | pro
            n = len(q)
            rows.append({"protocol": protocol, "split": split, "n": n, "n_pos": int((q["label"] == 1).sum()),
                         "copy": int(copy.sum()), "shared_enhancer": int(enh.sum()),
                         "shared_promoter": int(pro.sum()), "shared_element": int(anyone.sum()),
                         "fraction_copy": copy.sum() / n, "fraction": anyone.sum() / n})
    return pd.DataFrame(rows, columns=_CARD)
