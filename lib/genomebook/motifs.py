"""Motifs: JASPAR loading, count/probability/log-odds matrices, fast PWM scanning, TomTom and logos.

Matrix conventions: every motif matrix is ``(4, w)`` with rows A, C, G, T (the same
channel order as :func:`genomebook.seq.one_hot`), so a log-odds matrix can be used
directly as a ``Conv1d`` filter. Log-odds scores are in bits (log2).
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.stats import false_discovery_control

__all__ = [
    "Motif",
    "ScanResult",
    "JASPAR_TAXA",
    "SPECIES_TAXON",
    "load_jaspar",
    "taxon_for_species",
    "to_ppm",
    "log_odds",
    "information_content",
    "scan",
    "tomtom",
    "best_matches",
    "warm_up",
    "logo",
    "sample_site",
]

UNIFORM = (0.25, 0.25, 0.25, 0.25)


@dataclass
class Motif:
    """A motif: identifier, name and a (4, w) count matrix with rows A, C, G, T."""

    id: str
    name: str
    counts: np.ndarray  # (4, w) float, rows A, C, G, T

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=float)
        if self.counts.ndim != 2 or self.counts.shape[0] != 4:
            raise ValueError(f"motif {self.id}: counts must have shape (4, w), got {self.counts.shape}")

    @property
    def width(self) -> int:
        """Number of positions w."""
        return self.counts.shape[1]

    def ppm(self, pseudocount: float = 0.0) -> np.ndarray:
        """Position probability matrix (4, w), columns sum to 1; see :func:`to_ppm`."""
        return to_ppm(self.counts, pseudocount)


# --------------------------------------------------------------------------- JASPAR


@functools.lru_cache(maxsize=4)
def _jaspar_db(release: str):
    """The (offline, bundled) pyjaspar database for a release, opened once."""
    from pyjaspar import jaspardb  # optional: opens the bundled JASPAR database only when motifs are loaded

    return jaspardb(release=release)


def _from_biopython(m) -> Motif:
    counts = np.array([m.counts[b] for b in "ACGT"], dtype=float)
    return Motif(id=m.matrix_id, name=m.name, counts=counts)


def load_jaspar(
    ids: Sequence[str] | str | None = None,
    names: Sequence[str] | str | None = None,
    *,
    collection: str = "CORE",
    tax_group: str | None = "vertebrates",
    release: str = "JASPAR2024",
) -> list[Motif]:
    """Motifs from the bundled JASPAR database, in the order requested (list of Motif).

    Parameters
    ----------
    ids : str or list of str, optional
        Matrix IDs such as ``"MA0139.2"``; a base ID without version (``"MA0139"``)
        gives the latest version.
    names : str or list of str, optional
        TF names (case-insensitive, exact); each gives every matrix ID with that name
        (latest version of each), in any collection or taxon.
    collection, tax_group : str
        Used only when neither ``ids`` nor ``names`` is given: the whole collection,
        restricted to ``tax_group`` (``None`` for all taxa).
    release : str
        JASPAR release bundled with pyjaspar.

    Raises
    ------
    KeyError
        For an ID or name that is not in the release.
    """
    db = _jaspar_db(release)
    if isinstance(ids, str):
        ids = [ids]
    if isinstance(names, str):
        names = [names]
    how_to_list = (
        f"List what exists with genomebook.motifs.load_jaspar() (the {collection} {tax_group or ''} "
        "collection) or look the motif up on https://jaspar.elixir.no."
    )
    motifs: list[Motif] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns (and returns None / []) for unknown IDs and names
        for mid in ids or []:
            m = db.fetch_motif_by_id(mid)
            if m is None:
                raise KeyError(f"JASPAR motif ID {mid!r} is not in {release}. {how_to_list}")
            motifs.append(_from_biopython(m))
        for name in names or []:
            found = [m for m in db.fetch_motifs_by_name(name) if m.name.upper() == name.upper()]
            if not found:
                raise KeyError(f"no JASPAR motif named {name!r} in {release}. {how_to_list}")
            motifs.extend(_from_biopython(m) for m in found)
        if ids is None and names is None:
            groups = None if tax_group is None else [tax_group]
            motifs = [_from_biopython(m) for m in db.fetch_motifs(collection=collection, tax_group=groups)]
            if not motifs:
                raise KeyError(f"no motifs in collection {collection!r}, tax_group {tax_group!r} of {release}")
    return motifs


#: The JASPAR 2024 CORE taxonomic groups a chapter can scan and match against (pyjaspar ``tax_group``).
JASPAR_TAXA = ("vertebrates", "insects", "nematodes", "plants", "fungi")

#: Genus (or common name), lower case -> JASPAR taxonomic group. Species not listed fall back to
#: vertebrates, and :func:`taxon_for_species` says so.
SPECIES_TAXON: dict[str, str] = {
    **dict.fromkeys(("homo", "human", "mus", "mouse", "rattus", "rat", "danio", "zebrafish", "gallus",
                     "chicken", "xenopus", "bos", "sus", "macaca", "pan", "canis"), "vertebrates"),
    **dict.fromkeys(("drosophila", "fly", "anopheles", "aedes", "apis", "bombyx", "tribolium"), "insects"),
    **dict.fromkeys(("caenorhabditis", "worm", "c.elegans"), "nematodes"),
    **dict.fromkeys(("arabidopsis", "zea", "maize", "oryza", "rice", "solanum", "tomato", "glycine",
                     "nicotiana", "triticum", "wheat", "hordeum", "medicago", "physcomitrella",
                     "physcomitrium", "marchantia", "populus", "vitis"), "plants"),
    **dict.fromkeys(("saccharomyces", "yeast", "schizosaccharomyces", "candida", "kluyveromyces",
                     "neurospora", "aspergillus", "pichia"), "fungi"),
}


def taxon_for_species(species: Sequence[str]) -> tuple[str, str]:
    """The JASPAR taxonomic group for a data set's species names, and why, as ``(taxon, reason)``.

    ``species`` holds one name per record (e.g. a ``species`` column: ``"Saccharomyces
    cerevisiae"``, ``"Arabidopsis thaliana"``, ``"mouse"``); each is looked up by its first word
    (the genus, case-insensitive) in :data:`SPECIES_TAXON`. The most common group wins; names not
    in the table count as vertebrates. ``reason`` is one sentence for the chapter to print.
    Used by the motifs chapter (``motif_collection="auto"``).
    """
    names = pd.Series([str(s).strip() for s in species if str(s).strip() and str(s) != "nan"], dtype=object)
    if names.empty:
        return "vertebrates", "the data names no species: JASPAR vertebrates, the default"
    counts = names.value_counts()
    genus = {n: n.replace("_", " ").split()[0].lower() for n in counts.index}
    taxa = pd.Series({n: SPECIES_TAXON.get(g, "vertebrates") for n, g in genus.items()})
    by_taxon = counts.groupby(taxa).sum().sort_values(ascending=False, kind="stable")
    taxon = str(by_taxon.index[0])
    shown = ", ".join(f"{n} ({c:,})" for n, c in counts.head(4).items()) + (", ..." if len(counts) > 4 else "")
    unknown = [n for n in counts.index if genus[n] not in SPECIES_TAXON]
    reason = f"species column: {shown} → JASPAR {taxon}"
    if unknown:
        reason += (f" ({', '.join(unknown[:3])} not in the book's species table, read as vertebrates; "
                   "set motif_collection to choose)")
    if len(by_taxon) > 1:
        reason += f"; the records span {', '.join(by_taxon.index)}: the most common group is used"
    return taxon, reason


# --------------------------------------------------------------------------- matrices


def to_ppm(counts: np.ndarray, pseudocount: float = 0.8, background: Sequence[float] = UNIFORM) -> np.ndarray:
    """Counts (4, w) to probabilities (4, w): p = (c + pseudocount * bg) / (n + pseudocount), n = column total."""
    c = np.asarray(counts, dtype=float)
    bg = np.asarray(background, dtype=float).reshape(4, 1)
    num = c + pseudocount * bg
    total = num.sum(axis=0, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("a column has no counts and pseudocount is 0; give a pseudocount > 0")
    return num / total


def _looks_like_ppm(m: np.ndarray) -> bool:
    return bool(np.all(m >= 0) and np.all(m <= 1) and np.allclose(m.sum(axis=0), 1.0, atol=1e-3))


def log_odds(
    counts_or_ppm: Any,
    background: Sequence[float] = UNIFORM,
    pseudocount: float = 0.8,
    *,
    is_ppm: bool | None = None,
) -> np.ndarray:
    """Log-odds scoring matrix (4, w) in bits, log2(p / bg), from counts, a PPM or a Motif.

    Counts are smoothed as in :func:`to_ppm` with ``pseudocount``. A PPM (columns
    summing to 1; detected automatically unless ``is_ppm`` says) is used as given,
    with a tiny 1e-3 pseudo-probability so that zeros give finite scores.
    """
    if isinstance(counts_or_ppm, Motif):
        counts_or_ppm = counts_or_ppm.counts
    m = np.asarray(counts_or_ppm, dtype=float)
    if m.ndim != 2 or m.shape[0] != 4:
        raise ValueError(f"expected a (4, w) matrix with rows A, C, G, T, got shape {m.shape}")
    bg = np.asarray(background, dtype=float).reshape(4, 1)
    if is_ppm is None:
        is_ppm = _looks_like_ppm(m)
    p = to_ppm(m, 1e-3 if is_ppm else pseudocount, background)
    return np.log2(p / bg)


def information_content(ppm: np.ndarray, background: Sequence[float] = UNIFORM) -> np.ndarray:
    """Information content per position (w,) in bits: sum_b p log2(p / bg), with 0 log 0 = 0."""
    p = np.asarray(ppm, dtype=float)
    bg = np.asarray(background, dtype=float).reshape(4, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(p / bg), 0.0)
    return terms.sum(axis=0)


# --------------------------------------------------------------------------- scanning


@dataclass
class ScanResult:
    """Best PWM hit per sequence and motif; all arrays are (N, M)."""

    max_score: np.ndarray  # float32, best log-odds score over both strands (bits); -inf if the motif never fits
    position: np.ndarray  # int64, 0-based start of the best window on the forward strand; -1 if none
    strand: np.ndarray  # int8, +1 forward, -1 reverse complement; 0 if none


def scan(x: Any, pwms: Sequence[np.ndarray], *, batch_size: int | None = None,
         device: str | None = None) -> ScanResult:
    """Best score, start and strand of each PWM in each one-hot sequence; x (N, 4, L) -> ScanResult of (N, M).

    All motifs and both strands are scored by one ``conv1d`` per batch: the M
    log-odds matrices (4, w_m) and their reverse complements are zero-padded on the
    right to the widest motif W, giving 2M filters whose window starts at the same
    forward-strand position. Starts where a motif would run past the end
    (start > L - w_m) are excluded. Positions holding N (all-zero one-hot columns)
    add 0 to a window's score. A tie between strands is reported as +1. Runs on
    ``device`` (default: CUDA when available, else CPU); results come back as NumPy.

    Parameters
    ----------
    x : numpy array or torch tensor, (N, 4, L) or (4, L)
        One-hot sequences, channels A, C, G, T.
    pwms : list of (4, w_m) arrays
        Log-odds matrices (e.g. from :func:`log_odds`), widths may differ.
    batch_size : int, optional
        Sequences per convolution; default about 32,000 bases per batch, which keeps
        the (batch, 2M, L) score tensor in cache (larger batches are several times
        slower on CPU).
    """
    if len(pwms) == 0:
        raise ValueError("no PWMs given")
    mats = []
    for i, p in enumerate(pwms):
        if isinstance(p, Motif):
            raise TypeError(f"pwms[{i}] is a Motif; pass log-odds matrices, e.g. log_odds(motif)")
        p = np.asarray(p, dtype=np.float32)
        if p.ndim != 2 or p.shape[0] != 4 or p.shape[1] < 1:
            raise ValueError(f"pwms[{i}] must have shape (4, w), got {p.shape}")
        if not np.all(np.isfinite(p)):
            raise ValueError(f"pwms[{i}] has infinite or NaN scores; build it with log_odds(..., pseudocount > 0)")
        mats.append(p)
    widths = np.array([p.shape[1] for p in mats])
    n_motifs, big_w = len(mats), int(widths.max())
    weight = np.zeros((2 * n_motifs, 4, big_w), dtype=np.float32)
    for m, p in enumerate(mats):
        weight[m, :, : p.shape[1]] = p
        weight[n_motifs + m, :, : p.shape[1]] = p[::-1, ::-1]  # reverse complement, left-aligned
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    weight_t = torch.from_numpy(weight).to(dev)

    xt = torch.as_tensor(x) if not isinstance(x, np.ndarray) else torch.from_numpy(x)
    if xt.ndim == 2:
        xt = xt.unsqueeze(0)
    if xt.ndim != 3 or xt.shape[1] != 4:
        raise ValueError(f"x must be one-hot with shape (N, 4, L), got {tuple(xt.shape)}")
    n_seq, length = xt.shape[0], xt.shape[2]
    if batch_size is None:
        batch_size = max(1, 2**15 // max(length, 1))

    # Window start j is valid for motif m when j <= L - w_m; only the last W-1 starts
    # can be invalid, so the -inf mask covers just those columns.
    tail = min(big_w - 1, length)
    starts = torch.arange(length - tail, length)
    limit = torch.from_numpy(np.concatenate([widths, widths])).unsqueeze(1)  # (2M, 1)
    mask = torch.zeros(2 * n_motifs, tail)
    mask[starts.unsqueeze(0) > length - limit] = float("-inf")
    mask = mask.to(dev)

    best = np.empty((n_seq, n_motifs), dtype=np.float32)
    pos = np.empty((n_seq, n_motifs), dtype=np.int64)
    strand = np.empty((n_seq, n_motifs), dtype=np.int8)
    with torch.no_grad():
        for lo in range(0, n_seq, batch_size):
            xb = xt[lo : lo + batch_size].to(device=dev, dtype=torch.float32)
            # Zero padding gives every start 0..L-1 an output (output j is start j - (W-1),
            # so drop the first W-1); padded columns score 0 and only reach starts that
            # the mask removes anyway.
            scores = F.conv1d(xb, weight_t, padding=big_w - 1)[..., big_w - 1 :]  # (B, 2M, L)
            if tail:
                scores[..., length - tail :] += mask
            val, idx = scores.max(dim=-1)  # (B, 2M)
            fwd, rev = val[:, :n_motifs], val[:, n_motifs:]
            use_rev = rev > fwd
            hi = lo + xb.shape[0]
            best[lo:hi] = torch.where(use_rev, rev, fwd).cpu().numpy()
            pos[lo:hi] = torch.where(use_rev, idx[:, n_motifs:], idx[:, :n_motifs]).cpu().numpy()
            strand[lo:hi] = np.where(use_rev.cpu().numpy(), -1, 1)
    none = ~np.isfinite(best)
    pos[none], strand[none] = -1, 0
    return ScanResult(max_score=best, position=pos, strand=strand)


# --------------------------------------------------------------------------- TomTom


def _bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values along the last axis of p (same shape)."""
    return false_discovery_control(np.clip(p, 0.0, 1.0), axis=-1, method="bh")


def tomtom(queries: Sequence[np.ndarray], targets: Sequence[Motif], *, q_threshold: float = 0.05,
           e_threshold: float | None = None) -> pd.DataFrame:
    """Compare query PPMs (4, w) to target motifs with memelite's TomTom; long DataFrame of matches.

    q-values are Benjamini-Hochberg over all targets, separately for each query; E-values
    are p × number of targets (as MEME's Tomtom reports them). Matches are kept when
    q < ``q_threshold``, or, when ``e_threshold`` is given, when E < ``e_threshold``
    (the DeepCAGE paper uses E < 0.01).
    Columns: query (index into ``queries``), target_id, target_name, p_value,
    q_value, e_value, offset, overlap, strand ('+' target as given, '-' its reverse
    complement). Sorted by query, then q_value. Use at least ~50 targets (e.g. a
    whole JASPAR collection): the p-values use the targets as background.
    """
    from memelite import tomtom as _tomtom  # slow: numba-compiled on first import

    if len(queries) == 0 or len(targets) == 0:
        raise ValueError("tomtom needs at least one query and one target")
    qs = [np.ascontiguousarray(np.asarray(q, dtype=np.float64)) for q in queries]
    for i, q in enumerate(qs):
        if q.ndim != 2 or q.shape[0] != 4:
            raise ValueError(f"queries[{i}] must be a (4, w) PPM, got shape {q.shape}")
    ts = [np.ascontiguousarray(t.ppm(pseudocount=0.8), dtype=np.float64) for t in targets]
    p, _scores, offsets, overlaps, strands = _tomtom(qs, ts)
    q = _bh_qvalues(p)
    e = p * len(targets)
    qi, ti = np.nonzero(q < q_threshold if e_threshold is None else e < e_threshold)
    df = pd.DataFrame(
        {
            "query": qi.astype(int),
            "target_id": np.array([t.id for t in targets], dtype=object)[ti],
            "target_name": np.array([t.name for t in targets], dtype=object)[ti],
            "p_value": p[qi, ti],
            "q_value": q[qi, ti],
            "e_value": e[qi, ti],
            "offset": offsets[qi, ti].astype(int),
            "overlap": overlaps[qi, ti].astype(int),
            "strand": np.where(strands[qi, ti] == 1, "-", "+"),
        }
    )
    return df.sort_values(["query", "q_value", "p_value"], kind="stable").reset_index(drop=True)


def best_matches(df: pd.DataFrame) -> pd.DataFrame:
    """One row per query from a :func:`tomtom` table: its match with the lowest q-value (then p-value)."""
    out = df.sort_values(["query", "q_value", "p_value"], kind="stable").groupby("query", sort=True).head(1)
    return out.reset_index(drop=True)


def warm_up(release: str = "JASPAR2024") -> float:
    """Run TomTom once on a tiny input (2 queries vs 30 JASPAR motifs) so numba compiles now; returns seconds taken."""
    t0 = time.perf_counter()
    targets = load_jaspar(release=release)[:30]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="tomtom was given")
        tomtom([t.ppm(0.8) for t in targets[:2]], targets)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- logos and sampling


def logo(ppm: np.ndarray, ax: Any = None, title: str | None = None, background: Sequence[float] = UNIFORM):
    """Sequence logo of a (4, w) PPM in bits (information content); returns the matplotlib Axes."""
    # plotting libraries: slow to import, needed only to draw
    import logomaker
    import matplotlib.pyplot as plt

    p = np.asarray(ppm, dtype=float)
    if p.ndim != 2 or p.shape[0] != 4:
        raise ValueError(f"expected a (4, w) PPM with rows A, C, G, T, got shape {p.shape}")
    probs = pd.DataFrame(p.T, columns=list("ACGT"), index=pd.RangeIndex(1, p.shape[1] + 1, name="pos"))
    bits = logomaker.transform_matrix(
        probs, from_type="probability", to_type="information", background=np.asarray(background, dtype=float)
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(max(2.0, 0.4 * p.shape[1]), 1.8))
    logomaker.Logo(bits, ax=ax)
    ax.set_ylabel("bits")
    ax.set_xlabel("position")
    ax.set_xticks(list(bits.index))
    ax.set_ylim(0, max(2.0, float(bits.clip(lower=0).sum(axis=1).max())))
    if title:
        ax.set_title(title)
    return ax


def sample_site(motif_ppm: np.ndarray, rng: np.random.Generator) -> str:
    """Draw one binding site (str of length w) from a (4, w) PPM, each position independently."""
    p = np.asarray(motif_ppm, dtype=float)
    cum = np.cumsum(p, axis=0)
    cum /= cum[-1:]
    u = rng.random(p.shape[1])
    idx = np.minimum((u[None, :] >= cum).sum(axis=0), 3)
    return "".join(np.array(list("ACGT"))[idx])
