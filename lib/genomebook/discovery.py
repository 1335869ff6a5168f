"""Motif discovery from any per-base score: high-score regions, enrichment, merging, TomTom scoring.

DNABERT-viz (Ji et al. 2021, section 3.3) finds motifs in the regions of positive sequences
where a per-base score is high, keeps the words enriched in positives over negatives and
merges similar ones into PPMs. Nothing in that pipeline needs the score to be attention:
:mod:`genomebook.attention` gives DNABERT's per-base attention, and gradients, ISM or any
(N, L) track work the same. The pipeline follows the authors' released code
(``motif/motif_utils.py`` of github.com/jerryji1993/DNABERT):

1. :func:`high_score_regions` -- contiguous runs of bases whose score is above the
   sequence mean *and* above 10 x the sequence minimum, at least ``min_len = 5`` long.
2. :func:`motif_enrichment` -- each distinct region sequence is kept when it occurs in more
   positive sequences than expected: hypergeometric test, Benjamini-Hochberg q-values.
3. :func:`group_instances` / :func:`merge_to_ppms` -- similar kept regions are aligned
   without gaps and merged; their instances make one position probability matrix each.
4. :func:`discover_motifs` chains 1-3; :func:`score_discovery` compares the found PPMs with
   planted ones through TomTom (:func:`genomebook.motifs.tomtom`).

Used by the papers/dnabert chapter (motif discovery from attention). Conventions: base
positions are 0-based, regions are half-open ``(start, end)``; PPMs are (4, w) with rows
A, C, G, T (as in :mod:`genomebook.motifs`). Scores may hold NaN (e.g. padding of shorter
sequences); NaN is never "high" and is left out of means and minima.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, hypergeom

from genomebook.interpret import trim_ppm
from genomebook.motifs import Motif, best_matches, load_jaspar, tomtom
from genomebook.seq import reverse_complement

__all__ = [
    "to_numpy",
    "high_score_regions",
    "motif_enrichment",
    "group_instances",
    "merge_to_ppms",
    "discover_motifs",
    "score_discovery",
]

_BASE_INDEX = {b: i for i, b in enumerate("ACGT")}


def to_numpy(x: Any) -> np.ndarray:
    """A numpy array from an array-like or a (CPU/GPU, any float type) torch tensor.

    Floating tensors come back as float64 (bfloat16 / float16 have no numpy twin); other
    inputs go through ``np.asarray``. Used by :mod:`genomebook.attention` and this module.
    """
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        if x.dtype.is_floating_point:
            x = x.double()  # bfloat16 / float16 have no numpy twin
        return x.numpy()
    return np.asarray(x)


# --------------------------------------------------------------------------- regions


def high_score_regions(
    scores: Any,
    *,
    min_len: int = 5,
    threshold: float | None = None,
    above_mean: bool = True,
    min_factor: float | None = 10.0,
    max_fraction: float | None = None,
) -> list[tuple[int, int]]:
    """Contiguous high-score regions of one sequence: scores (L,) -> list of ``(start, end)``, end exclusive.

    A base is *high* when its score is strictly above every active cut:

    * the sequence mean (``above_mean=True``; DNABERT's ``score > np.mean(score)``);
    * ``min_factor`` x the sequence minimum (default 10; DNABERT's ``score > 10 * np.min(score)``,
      which assumes positive scores such as attention);
    * ``max_fraction`` x the sequence maximum (off by default; not in DNABERT);

    or, when ``threshold`` is given, above ``threshold`` alone (the other cuts are then
    ignored: DNABERT's custom ``cond`` argument). Runs of high bases shorter than
    ``min_len`` are dropped (DNABERT keeps runs with ``end - start >= min_len``; its
    command line default is ``--min_len 5``). NaN scores are never high and are left out
    of the mean, minimum and maximum. Regions come in order of position.
    """
    s = np.asarray(to_numpy(scores), dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"scores must be one sequence (L,), got shape {s.shape}")
    if min_len < 1:
        raise ValueError(f"min_len must be >= 1, got {min_len}")
    finite = np.isfinite(s)
    if not finite.any():
        return []
    high = finite.copy()
    with np.errstate(invalid="ignore"):
        if threshold is not None:
            high &= s > threshold
        else:
            if above_mean:
                high &= s > np.nanmean(s[finite])
            if min_factor is not None:
                high &= s > min_factor * np.min(s[finite])
            if max_fraction is not None:
                high &= s > max_fraction * np.max(s[finite])
    edges = np.diff(np.concatenate([[0], high.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, ends) if b - a >= min_len]


# --------------------------------------------------------------------------- enrichment


def _count_containing(seqs: Sequence[str], words: Sequence[str]) -> np.ndarray:
    """For each word, the number of sequences that contain it at least once (int array)."""
    counts = dict.fromkeys(words, 0)
    for w in sorted({len(x) for x in words}):
        wanted = {x for x in words if len(x) == w}
        for s in seqs:
            present = {s[i:i + w] for i in range(len(s) - w + 1)} & wanted
            for x in present:
                counts[x] += 1
    return np.array([counts[x] for x in words], dtype=np.int64)


def _bh(p: np.ndarray) -> np.ndarray:
    if p.size == 0:
        return p.copy()
    return false_discovery_control(np.clip(p, 0.0, 1.0), method="bh")


def motif_enrichment(
    pos_seqs: Sequence[str],
    neg_seqs: Sequence[str],
    candidates: Sequence[str],
    *,
    revcomp: bool = False,
) -> pd.DataFrame:
    """Hypergeometric enrichment of candidate words in positive over negative sequences; one row per candidate.

    For each candidate, ``pos_hits`` / ``neg_hits`` count the positive / negative
    sequences containing it at least once (several occurrences in one sequence count
    once: DNABERT's ``allow_multi_match=False``). With ``N`` sequences in all, ``K``
    positives and ``n = pos_hits + neg_hits`` sequences holding the candidate, the
    p-value is the chance of at least ``pos_hits`` positives among ``n`` sequences drawn
    without replacement, ``hypergeom.sf(pos_hits - 1, N, K, n)`` (DNABERT's
    ``motifs_hypergeom_test``); ``q_value`` is Benjamini-Hochberg over all candidates
    (DNABERT's ``fdr_bh``). Candidates are upper-cased and de-duplicated (first
    occurrence kept); sequences are upper-cased. ``revcomp=True`` also counts a sequence
    holding the reverse complement (DNABERT does not).

    Columns: motif, pos_hits, neg_hits, p_value, q_value (in the order of ``candidates``).
    """
    pos = [str(s).upper() for s in pos_seqs]
    neg = [str(s).upper() for s in neg_seqs]
    cands = list(dict.fromkeys(str(c).upper() for c in candidates))
    if any(len(c) == 0 for c in cands):
        raise ValueError("motif_enrichment: empty candidate word")
    words = cands
    if revcomp:
        pos = [s + "N" + reverse_complement(s) for s in pos]  # the N keeps words from spanning the join
        neg = [s + "N" + reverse_complement(s) for s in neg]
    x = _count_containing(pos, words)
    y = _count_containing(neg, words)
    n_all, k_pos = len(pos) + len(neg), len(pos)
    p = hypergeom.sf(x - 1, n_all, k_pos, x + y) if cands else np.zeros(0)
    p = np.asarray(p, dtype=np.float64)
    return pd.DataFrame({"motif": pd.Series(cands, dtype=object), "pos_hits": x, "neg_hits": y,
                         "p_value": p, "q_value": _bh(p)})


# --------------------------------------------------------------------------- merging


def _best_offset(word: str, seed: str, max_mismatches: int, min_overlap: float) -> tuple[int, int] | None:
    """Best gapless placement of ``word`` on ``seed``: (matches, offset of word start in seed), or None."""
    a = np.frombuffer(word.encode(), dtype=np.uint8)
    s = np.frombuffer(seed.encode(), dtype=np.uint8)
    need = math.ceil(min_overlap * min(len(a), len(s)) - 1e-9)
    best: tuple[int, int, int] | None = None  # (matches, -|offset|, -offset)
    for o in range(-(len(a) - 1), len(s)):
        lo, hi = max(0, o), min(len(s), o + len(a))
        overlap = hi - lo
        if overlap < max(need, 1):
            continue
        mismatches = int(np.count_nonzero(s[lo:hi] != a[lo - o:hi - o]))
        if mismatches > max_mismatches:
            continue
        key = (overlap - mismatches, -abs(o), -o)
        if best is None or key > best:
            best = key
    return None if best is None else (best[0], -best[2])


def group_instances(
    instances: Sequence[str],
    weights: Sequence[float] | None = None,
    *,
    max_mismatches: int = 1,
    min_overlap: float = 0.8,
) -> list[list[tuple[int, int]]]:
    """Greedy gapless grouping of similar words: list of groups, each a list of ``(index, offset)``.

    Words are visited by decreasing weight (default 1 each), then decreasing length, then
    input order. The first word of a group is its *seed*. A word joins the group whose
    seed it aligns to best, where an alignment is a shift of the word along the seed
    without gaps whose overlap covers at least ``min_overlap`` x the shorter of the two
    lengths (rounded up) and holds at most ``max_mismatches`` mismatches; *best* means most
    matching bases, then the smaller shift, then the earlier group. A word that aligns to
    no seed starts a new group. ``offset`` is where the word starts relative to the
    seed's first base (negative: it starts before). Groups are returned by decreasing
    total weight (then order of creation).

    This is a simpler stand-in for DNABERT's ``merge_motifs`` (Biopython pairwise
    alignment without internal gaps, accepted when the score reaches
    ``max(min_len - 1, 0.5 x shorter length)``), which is more permissive.
    """
    words = [str(w).upper() for w in instances]
    w = np.ones(len(words)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(words),):
        raise ValueError(f"weights must have one value per instance ({len(words)}), got shape {w.shape}")
    order = sorted(range(len(words)), key=lambda i: (-w[i], -len(words[i]), i))
    groups: list[list[tuple[int, int]]] = []
    seeds: list[str] = []
    for i in order:
        best: tuple[int, int, int] | None = None  # (matches, -group, offset)
        for g, seed in enumerate(seeds):
            hit = _best_offset(words[i], seed, max_mismatches, min_overlap)
            if hit is not None and (best is None or (hit[0], -g) > best[:2]):
                best = (hit[0], -g, hit[1])
        if best is None:
            seeds.append(words[i])
            groups.append([(i, 0)])
        else:
            groups[-best[1]].append((i, best[2]))
    totals = [sum(w[i] for i, _ in grp) for grp in groups]
    ranked = sorted(range(len(groups)), key=lambda g: (-totals[g], g))
    return [groups[g] for g in ranked]


def _group_ppm(words: Sequence[str], members: Sequence[tuple[int, int]], weights: np.ndarray,
               min_coverage: float) -> np.ndarray:
    lo = min(o for _, o in members)
    hi = max(o + len(words[i]) for i, o in members)
    counts = np.zeros((4, hi - lo))
    coverage = np.zeros(hi - lo)
    for i, o in members:
        for j, base in enumerate(words[i]):
            col = o - lo + j
            coverage[col] += weights[i]
            if base in _BASE_INDEX:
                counts[_BASE_INDEX[base], col] += weights[i]
    keep = np.flatnonzero(coverage >= min_coverage * sum(weights[i] for i, _ in members) - 1e-12)
    if keep.size:
        counts = counts[:, keep[0]:keep[-1] + 1]
    total = counts.sum(axis=0, keepdims=True)
    return np.where(total > 0, counts / np.where(total > 0, total, 1.0), 0.25)


def merge_to_ppms(
    instances: Sequence[str],
    weights: Sequence[float] | None = None,
    *,
    max_mismatches: int = 1,
    min_overlap: float = 0.8,
    min_coverage: float = 0.5,
    return_groups: bool = False,
) -> list[np.ndarray] | tuple[list[np.ndarray], list[list[tuple[int, int]]]]:
    """Merge similar words into position probability matrices: list of (4, w) PPMs, one per group.

    Words are grouped by :func:`group_instances` (gapless alignment to a seed with at most
    ``max_mismatches`` mismatches over at least ``min_overlap`` of the shorter length).
    Each group's words are stacked at their offsets and each column counts the bases of
    the words covering it, each word with its weight (default 1; e.g. its number of
    occurrences). End columns covered by less than ``min_coverage`` x the group's total
    weight are cut off; every column is normalised to sum to 1 (N letters count nothing;
    a column of only N is uniform). PPMs come by decreasing group weight; with
    ``return_groups=True`` the groups (lists of ``(index, offset)``) come too.
    """
    words = [str(w).upper() for w in instances]
    w = np.ones(len(words)) if weights is None else np.asarray(weights, dtype=float)
    groups = group_instances(words, w, max_mismatches=max_mismatches, min_overlap=min_overlap)
    ppms = [_group_ppm(words, g, w, min_coverage) for g in groups]
    return (ppms, groups) if return_groups else ppms


# --------------------------------------------------------------------------- pipeline


def discover_motifs(
    seqs: Sequence[str],
    labels: Any,
    base_scores: Any,
    *,
    min_len: int = 5,
    q_threshold: float = 0.05,
    window: int | None = 24,
    min_instances: int = 3,
    max_mismatches: int = 1,
    min_overlap: float = 0.8,
    min_coverage: float = 0.5,
    trim_ic: float | None = 0.2,
    revcomp: bool = False,
    **region_kwargs: Any,
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """DNABERT-viz motif discovery from a per-base score: (candidate table, list of (4, w) PPMs).

    ``seqs``: N DNA str; ``labels``: (N,) 1 positive / 0 negative (other values ignored);
    ``base_scores``: (N, L) or a list of (L_i,) per-base scores (attention from
    :func:`genomebook.attention.landscape`, or ISM / gradient tracks). Used by the
    papers/dnabert chapter.


    1. In every positive sequence (``labels == 1``), the high-score regions of its
       base scores (:func:`high_score_regions` with ``min_len`` and ``region_kwargs``;
       scores beyond a sequence's length are ignored) give candidate words; words with
       letters other than ACGT are skipped.
    2. Each distinct word is tested for enrichment in the positives against the negatives
       (``labels == 0``) with :func:`motif_enrichment`; words with ``q_value < q_threshold``
       are kept (DNABERT's command line uses ``--pval_cutoff 0.005`` on the same
       BH-adjusted values).
    3. Kept words are grouped (:func:`group_instances`, each word weighted by its number of
       regions). Every region of a group's words is placed on the group's seed; with
       ``window`` (DNABERT: 24) the PPM counts the ``window`` bases of the original
       sequence centred on the seed's span (an odd remainder goes to the right; windows
       running off the sequence are dropped, as DNABERT's ``make_window``); with
       ``window=None`` it counts the words themselves (:func:`merge_to_ppms`).
    4. Groups with fewer than ``min_instances`` instances (regions or windows) are dropped
       (DNABERT's ``--min_n_motif 3``); flanks below ``trim_ic`` bits are cut
       (:func:`genomebook.interpret.trim_ppm`; ``None`` keeps them).

    Returns
    -------
    table : one row per candidate word: motif, pos_hits, neg_hits, p_value, q_value,
        regions (high-score regions with that word), kept (q < q_threshold),
        motif_index (index into ``ppms`` of the motif it went into, else NA), offset (its
        start relative to the motif's seed); sorted by q_value, then p_value.
    ppms : (4, w) PPMs by decreasing number of instances; ``table.attrs["instances"]``
        holds the number of instances of each.
    """
    seqs = [str(s).upper() for s in seqs]
    lab = np.asarray(to_numpy(labels)).astype(int).ravel()
    if lab.shape != (len(seqs),):
        raise ValueError(f"labels must have one value per sequence ({len(seqs)}), got shape {lab.shape}")
    if isinstance(base_scores, (list, tuple)):
        scores = [np.asarray(to_numpy(s), dtype=np.float64) for s in base_scores]
    else:
        arr = np.asarray(to_numpy(base_scores), dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(f"base_scores must be (N, L) or a list of (L_i,) arrays, got shape {arr.shape}")
        scores = list(arr)
    if len(scores) != len(seqs):
        raise ValueError(f"base_scores has {len(scores)} rows for {len(seqs)} sequences")
    pos_idx = np.flatnonzero(lab == 1)
    neg_idx = np.flatnonzero(lab == 0)
    if pos_idx.size == 0 or neg_idx.size == 0:
        raise ValueError("discover_motifs needs positive (label 1) and negative (label 0) sequences")

    regions: dict[str, list[tuple[int, int, int]]] = {}
    for i in pos_idx:
        s = scores[i][: len(seqs[i])]
        for a, b in high_score_regions(s, min_len=min_len, **region_kwargs):
            word = seqs[i][a:b]
            if set(word) <= set("ACGT"):
                regions.setdefault(word, []).append((int(i), a, b))
    words = list(regions)
    table = motif_enrichment([seqs[i] for i in pos_idx], [seqs[i] for i in neg_idx], words,
                             revcomp=revcomp)
    table["regions"] = np.array([len(regions[w]) for w in words], dtype=np.int64)
    table["kept"] = table["q_value"] < q_threshold
    kept = [w for w, k in zip(words, table["kept"]) if k]
    weights = np.array([len(regions[w]) for w in kept], dtype=float)
    groups = group_instances(kept, weights, max_mismatches=max_mismatches, min_overlap=min_overlap)

    ppms: list[np.ndarray] = []
    n_inst: list[int] = []
    where: dict[str, tuple[int, int]] = {}
    built = []
    for grp in groups:
        if window is None:
            ppm = _group_ppm(kept, grp, weights, min_coverage)
            n = int(sum(weights[i] for i, _ in grp))
        else:
            seed_len = len(kept[grp[0][0]])
            left = (window - seed_len) // 2
            counts = np.zeros((4, window))
            n = 0
            for i, o in grp:
                for seq_i, a, _b in regions[kept[i]]:
                    w0 = a - o - left
                    if w0 < 0 or w0 + window > len(seqs[seq_i]):
                        continue
                    n += 1
                    for j, base in enumerate(seqs[seq_i][w0:w0 + window]):
                        if base in _BASE_INDEX:
                            counts[_BASE_INDEX[base], j] += 1
            total = counts.sum(axis=0, keepdims=True)
            ppm = np.where(total > 0, counts / np.where(total > 0, total, 1.0), 0.25)
        if n < min_instances:
            continue
        if trim_ic is not None:
            ppm = trim_ppm(ppm, min_ic=trim_ic)
        built.append((n, len(built), ppm, grp))
    built.sort(key=lambda t: (-t[0], t[1]))
    for m, (n, _, ppm, grp) in enumerate(built):
        ppms.append(ppm)
        n_inst.append(n)
        for i, o in grp:
            where[kept[i]] = (m, o)
    table["motif_index"] = pd.array([where[w][0] if w in where else pd.NA for w in words], dtype="Int64")
    table["offset"] = pd.array([where[w][1] if w in where else pd.NA for w in words], dtype="Int64")
    table = table.sort_values(["q_value", "p_value"], kind="stable").reset_index(drop=True)
    table.attrs["instances"] = n_inst
    return table, ppms


# --------------------------------------------------------------------------- scoring


def score_discovery(
    found_ppms: Sequence[np.ndarray],
    planted_ppms: Sequence[Any],
    *,
    q_threshold: float = 0.05,
    decoys: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Precision and recall of discovered motifs against planted ones, through TomTom; a dict.

    Every found PPM is compared by :func:`genomebook.motifs.tomtom` with the planted motifs
    *plus decoys*: TomTom's p-values use the targets as background, which needs many
    targets, so by default the whole JASPAR CORE vertebrates collection
    (:func:`genomebook.motifs.load_jaspar`) is added, less the matrices sharing a planted
    motif's base ID (other versions of the same matrix). A found PPM *matches* planted motif
    ``j`` when its best target (lowest q, then p, among those with q < ``q_threshold``) is
    planted motif ``j``; a best target that is a decoy, even of a related TF, is no match.

    ``planted_ppms`` may hold :class:`genomebook.motifs.Motif` objects or (4, w) PPMs (given
    to TomTom as counts of 100 sites). ``decoys=[]`` uses the planted motifs alone.

    Returns ``{"precision", "recall", "precision_any", "recall_any", "n_found", "n_planted",
    "matches"}``: precision is the fraction of found PPMs matching some planted motif (NaN
    when nothing was found), recall the fraction of planted motifs matched by some found
    PPM. The lenient ``precision_any`` / ``recall_any`` count a planted motif that is *any*
    significant target of a found PPM, not only its best (a found SP1 GC-box whose best
    target is KLF12 still counts there). ``matches`` has one row per found PPM: found,
    best_target_id, best_target_name, q_value, planted_index (Int64, NA when the best target
    is not planted), any_planted_index (the planted motif with the lowest q among the
    PPM's significant targets, else NA) and any_planted_q_value.
    """
    planted: list[Motif] = []
    for j, p in enumerate(planted_ppms):
        if isinstance(p, Motif):
            planted.append(p)
        else:
            arr = np.asarray(p, dtype=float)
            if arr.ndim != 2 or arr.shape[0] != 4:
                raise ValueError(f"planted_ppms[{j}] must be a Motif or a (4, w) PPM, got shape {arr.shape}")
            planted.append(Motif(id=f"planted_{j}", name=f"planted_{j}", counts=100.0 * arr))
    if len({m.id for m in planted}) != len(planted):
        raise ValueError("planted motifs must have distinct ids")
    if decoys is None:
        decoys = load_jaspar()
    bases = {m.id.split(".")[0] for m in planted}
    targets = planted + [d for d in decoys if d.id.split(".")[0] not in bases]
    columns = ["found", "best_target_id", "best_target_name", "q_value", "planted_index",
               "any_planted_index", "any_planted_q_value"]
    n_found, n_planted = len(found_ppms), len(planted)
    if n_found == 0 or n_planted == 0:
        nothing = float("nan") if n_found == 0 else 0.0
        return {"precision": nothing, "recall": 0.0, "precision_any": nothing, "recall_any": 0.0,
                "n_found": n_found, "n_planted": n_planted,
                "matches": pd.DataFrame({c: [] for c in columns})}
    hits = tomtom(list(found_ppms), targets, q_threshold=q_threshold)
    best = best_matches(hits).set_index("query") if len(hits) else pd.DataFrame()
    planted_pos = {m.id: j for j, m in enumerate(planted)}
    rows = []
    for f in range(n_found):
        row = {"found": f, "best_target_id": None, "best_target_name": None, "q_value": float("nan"),
               "planted_index": pd.NA, "any_planted_index": pd.NA, "any_planted_q_value": float("nan")}
        if f in best.index:
            b = best.loc[f]
            row.update(best_target_id=b["target_id"], best_target_name=b["target_name"],
                       q_value=float(b["q_value"]), planted_index=planted_pos.get(b["target_id"], pd.NA))
            mine = hits[(hits["query"] == f) & hits["target_id"].isin(list(planted_pos))]
            if len(mine):  # hits are sorted by q within a query
                row.update(any_planted_index=planted_pos[mine["target_id"].iloc[0]],
                           any_planted_q_value=float(mine["q_value"].iloc[0]))
        rows.append(row)
    matches = pd.DataFrame(rows, columns=columns)
    for c in ("planted_index", "any_planted_index"):
        matches[c] = matches[c].astype("Int64")
    return {
        "precision": float(matches["planted_index"].notna().mean()),
        "recall": matches["planted_index"].dropna().nunique() / n_planted,
        "precision_any": float(matches["any_planted_index"].notna().mean()),
        "recall_any": hits.loc[hits["target_id"].isin(list(planted_pos)), "target_id"].nunique() / n_planted,
        "n_found": n_found,
        "n_planted": n_planted,
        "matches": matches,
    }
