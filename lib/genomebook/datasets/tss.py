"""Promoters around their transcription start site (TSS), the thesis's TSS-localisation samples,
and the splits and error measure of the tss_localisation chapter ("where does transcription
start, and does it transfer across species?", Small transformers II).

Windows. A window ``(a, b)`` holds the bases at positions ``a .. b`` relative to the TSS, both
ends included, position 0 being the TSS base: ``b - a + 1`` bases, the TSS at 0-based index
``-a``. It is the layout of EPD's ``range a to b`` files as
:func:`genomebook.datasets.epd.read_promoter_fasta` reads them (``upstream = -a`` bases before
the TSS base, ``downstream = b`` after it) and of the thesis's "-4999 to +5000 (with position 0
being the TSS)". The TSS base lines up across the registered files: in each, the most frequent
base at index ``-a`` is the A of the initiator and TATA boxes start near -30 (checked by
tests/test_tss.py on the mirror).

Sources (:data:`PROMOTER_SOURCES`): classic EPD release 128 (-499..+100; human, mouse, rat,
chicken, fly, maize, Arabidopsis), EPDnew exports (-200..+200; worm, yeast, P. falciparum)
and zebrafish CAGE promoters (-400..+599). The thesis used -4999..+5000 windows, cut from
genomes that are not in the mirror, so :func:`promoters` crops every species to one common
window, by default :data:`COMMON_WINDOW`, the largest window every source covers.

* :func:`promoters` / :func:`crop_promoters` - one species' promoters (or a reader's own
  promoter FASTA read with ``read_promoter_fasta``) cropped to one window.
* :func:`tss_sample` / :func:`tss_batch` - the thesis's token-level sample and its padding;
  :func:`tss_base_sample` the base-level variant; :func:`token_starts` and
  :func:`base_error` turn a token prediction into an error in base pairs.
* :func:`random_split` and :func:`homology_split` - arrays of ``"train"``/``"dev"``/``"test"``;
  the second keeps every group of near-duplicate promoters in one split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from genomebook.datasets import registry
from genomebook.datasets.corpora import THESIS_FRACTIONS, split_by_genome
from genomebook.datasets.leakage import leaked
from genomebook.tokenize import CLS_ID, PAD_ID, SEP_ID

__all__ = ["COMMON_WINDOW", "PROMOTER_SOURCES", "PromoterSource", "base_error", "common_window",
           "crop_promoters", "homology_split", "promoters", "random_split", "resolve_species",
           "tss_base_sample", "tss_batch", "tss_sample", "token_starts"]

COLUMNS = ["id", "species", "sequence", "tss", "source"]


@dataclass(frozen=True)
class PromoterSource:
    """Where one species' promoters come from: the registry entry, the window its file holds
    (positions relative to the TSS, both ends included, as the file's headers or its registry
    description state), the species code of classic EPD headers that selects the species'
    records from a multi-species file (None: every record of the file), and a common name.
    Used by the tss_localisation chapter through :data:`PROMOTER_SOURCES`."""

    registry: str
    window: tuple[int, int]
    epd_code: str | None
    common: str


_EPD128 = "epd128_promoters_m499_p100"

PROMOTER_SOURCES: dict[str, PromoterSource] = {
    "H. sapiens": PromoterSource(_EPD128, (-499, 100), "Hs", "human"),
    "M. musculus": PromoterSource(_EPD128, (-499, 100), "Mm", "mouse"),
    "R. norvegicus": PromoterSource(_EPD128, (-499, 100), "Rn", "rat"),
    "G. gallus": PromoterSource(_EPD128, (-499, 100), "Gg", "chicken"),
    "D. rerio": PromoterSource("zebrafish_cage_promoters_fa", (-400, 599), None, "zebrafish"),
    "D. melanogaster": PromoterSource(_EPD128, (-499, 100), "Dm", "fly"),
    # classic EPD has 26 worm promoters, the EPDnew export 7,120: take the export
    "C. elegans": PromoterSource("epdnew_celegans_m200_p200", (-200, 200), None, "worm"),
    "Z. mays": PromoterSource(_EPD128, (-499, 100), "Zm", "maize"),
    "A. thaliana": PromoterSource(_EPD128, (-499, 100), "Ath", "arabidopsis"),
    "S. cerevisiae": PromoterSource("epdnew_scerevisiae_m200_p200", (-200, 200), None, "yeast"),
    "P. falciparum": PromoterSource("epdnew_pfalciparum_m200_p200", (-200, 200), None, "malaria parasite"),
}
"""Species -> :class:`PromoterSource`. Windows as the files state them: classic EPD r128 headers
say ``range -499 to 100`` (600 bp, TSS = base 500), the EPDnew exports ``range -200 to 200``
(401 bp), and the zebrafish CAGE windows (no range in the headers) are 1,000 bp with the
dominant CAGE TSS at index 400 (``epd.KNOWN_FILES``), i.e. -400..+599. Classic EPD species
codes may carry a locus in brackets (``Dm[eve]``, ``Hs[rig]``); the code before the bracket
selects the species (``At[pTiO]`` is the Agrobacterium Ti plasmid, not ``Ath``)."""


def common_window(sources: Mapping[str, PromoterSource] | None = None) -> tuple[int, int]:
    """The largest window ``(a, b)`` that every source covers: ``(max of the a, min of the b)``.

    Used by the tss_localisation chapter (and for :data:`COMMON_WINDOW`).

    Examples
    --------
    >>> common_window({"x": PromoterSource("r", (-499, 100), None, "x"),
    ...                "y": PromoterSource("s", (-200, 200), None, "y")})
    (-200, 100)
    """
    sources = PROMOTER_SOURCES if sources is None else sources
    if not sources:
        raise ValueError("common_window needs at least one source.")
    return (max(s.window[0] for s in sources.values()), min(s.window[1] for s in sources.values()))


COMMON_WINDOW: tuple[int, int] = common_window()
"""The default window of :func:`promoters`: -200..+100 (301 bp, the TSS at index 200). The
EPDnew exports give the upstream bound (200 bp) and classic EPD the downstream one (100 bp)."""


def _aliases() -> dict[str, str]:
    out = {}
    for name, src in PROMOTER_SOURCES.items():
        for alias in (name, name.replace(" ", ""), src.common, src.epd_code):
            if alias:
                out[alias.lower()] = name
    return out


def resolve_species(species: str) -> str:
    """The key of :data:`PROMOTER_SOURCES` for a species name, common name or EPD code
    (case-insensitive: ``"human"``, ``"Hs"``, ``"H. sapiens"`` -> ``"H. sapiens"``).
    Raises ValueError naming the species asked for and the available ones. Used by the
    tss_localisation chapter."""
    key = _aliases().get(str(species).strip().lower())
    if key is None:
        avail = ", ".join(f"{n} ({s.common}{', ' + s.epd_code if s.epd_code else ''})"
                          for n, s in PROMOTER_SOURCES.items())
        raise ValueError(f"No promoter source for species {species!r}. Available: {avail}. For another "
                         "species, read its promoter FASTA with genomebook.datasets.epd.read_promoter_fasta "
                         "and crop it with genomebook.datasets.tss.crop_promoters.")
    return key


def _check_window(window: Sequence[int]) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be two integers (a, b) with a <= 0 <= b, got {window!r}.") from None
    if not a <= 0 <= b:
        raise ValueError(f"window {(a, b)} must contain the TSS (a <= 0 <= b): positions a..b relative to the "
                         "TSS at 0, e.g. (-200, 100).")
    return a, b


def crop_promoters(table: pd.DataFrame, window: Sequence[int] = COMMON_WINDOW, *, species: str | None = None,
                   source: str | None = None, max_n: int = 0) -> pd.DataFrame:
    """Promoters cropped to one window around their TSS.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`genomebook.datasets.epd.read_promoter_fasta` (columns ``name``,
        ``sequence``, ``tss_index``, ``upstream``, ``downstream``, ``species``), e.g. a
        reader's own FASTA of -4999..+5000 windows.
    window : (int, int)
        Positions ``a..b`` relative to the TSS (0), both included.
    species, source : str, optional
        Written into the ``species`` (default: the table's) and ``source`` (default: the
        table's ``attrs["source"]``) columns.
    max_n : int
        Records with more ``N`` than this in the cropped window are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``species``, ``sequence`` (``b - a + 1`` bases), ``tss`` (0-based
        index of the TSS base in ``sequence``: ``-a`` for every row) and ``source``, in table
        order. Records that do not reach ``a`` upstream or ``b`` downstream (or have no TSS)
        and records over ``max_n`` are dropped; ``attrs["notes"]`` counts them and the exact
        duplicate windows kept, ``attrs["window"]`` is the window. Used by the
        tss_localisation chapter.
    """
    a, b = _check_window(window)
    missing = [c for c in ("name", "sequence", "tss_index") if c not in table.columns]
    if missing:
        raise ValueError(f"crop_promoters needs the columns of epd.read_promoter_fasta; missing {missing}.")
    src = source if source is not None else str(table.attrs.get("source", ""))
    tss = pd.array(table["tss_index"], dtype="Int64")
    lengths = table["sequence"].str.len().to_numpy()
    has_tss = ~np.asarray(tss.isna())
    t = np.asarray(tss.fillna(-1), dtype=np.int64)
    covers = has_tss & (t + a >= 0) & (t + b < lengths)
    seqs = [s[i + a:i + b + 1] if ok else "" for s, i, ok in zip(table["sequence"], t, covers)]
    n_count = np.fromiter((s.count("N") for s in seqs), dtype=np.int64, count=len(seqs))
    keep = covers & (n_count <= max_n)
    notes = []
    if (~covers).any():
        notes.append(f"{src}: {int((~covers).sum())} of {len(table)} record(s) dropped: they do not cover the "
                     f"window {a}..{b} around the TSS (or have no TSS).")
    if (covers & ~keep).any():
        notes.append(f"{src}: {int((covers & ~keep).sum())} record(s) dropped: more than {max_n} N in the "
                     f"window {a}..{b}.")
    sp = species if species is not None else (table["species"].to_numpy() if "species" in table.columns else None)
    df = pd.DataFrame({
        "id": table["name"].to_numpy()[keep],
        "species": (np.asarray(sp, dtype=object)[keep] if isinstance(sp, np.ndarray)
                    else np.full(int(keep.sum()), sp, dtype=object)),
        "sequence": np.asarray(seqs, dtype=object)[keep],
        "tss": np.full(int(keep.sum()), -a, dtype=np.int64),
        "source": np.full(int(keep.sum()), src, dtype=object),
    }, columns=COLUMNS)
    n_dup = int(df["sequence"].duplicated().sum())
    if n_dup:
        notes.append(f"{src}: {n_dup} kept window(s) repeat an earlier window exactly; homology_split keeps "
                     "such copies in one split, random_split does not.")
    df.attrs.update(notes=notes, window=(a, b))
    return df


def promoters(species: str, *, window: Sequence[int] = COMMON_WINDOW, max_records: int | None = None,
              seed: int = 0, max_n: int = 0, mirror: Any = None, cache: Any = None,
              download: bool = True) -> pd.DataFrame:
    """One species' promoter sequences from the registry, cropped to one window around the TSS.

    The thesis used -4999..+5000 windows downloaded from EPD; those need genomes that are not
    in the mirror, so every species here is cropped to one common window, by default
    :data:`COMMON_WINDOW` = -200..+100 (301 bp, TSS at index 200): the largest window that
    every registered source covers (classic EPD -499..+100, EPDnew -200..+200, zebrafish CAGE
    -400..+599; see :data:`PROMOTER_SOURCES`). A wider window is possible for the species
    whose file covers it; records that cannot cover ``window`` are dropped.

    Parameters
    ----------
    species : str
        A key of :data:`PROMOTER_SOURCES`, a common name or a classic EPD code (``"human"``,
        ``"Hs"``); an unknown name raises ValueError naming it and the available ones.
    window : (int, int)
        Positions ``a..b`` relative to the TSS (0), both included.
    max_records : int, optional
        Keep at most this many records, a seeded random subset (``seed``) kept in file order.
    max_n : int
        Records with more ``N`` than this in the window are dropped (classic EPD pads unknown
        sequence with N: e.g. 10 of the 1,869 human and 12 of the 72 chicken windows at
        -200..+100 hold some).
    mirror, cache, download
        As for :func:`genomebook.datasets.registry.read`.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``species`` (the :data:`PROMOTER_SOURCES` key), ``sequence``,
        ``tss`` (0-based index of the TSS base in ``sequence``, ``-window[0]``) and ``source``
        (the registry name); ``attrs["notes"]`` counts what was dropped or sampled,
        ``attrs["window"]`` is the window. Used by the tss_localisation chapter.
    """
    name = resolve_species(species)
    src = PROMOTER_SOURCES[name]
    a, b = _check_window(window)
    if a < src.window[0] or b > src.window[1]:
        raise ValueError(f"{name}: its promoters ({src.registry}) cover {src.window[0]}..{src.window[1]} around "
                         f"the TSS, not the window {a}..{b}. Use a window inside it, e.g. the common window "
                         f"{COMMON_WINDOW}, or read longer windows from your own FASTA with "
                         "epd.read_promoter_fasta and crop_promoters.")
    table = registry.read(src.registry, mirror=mirror, cache=cache, download=download)
    if src.epd_code is not None:
        code = table["species"].astype(str).str.split("[", n=1, regex=False).str[0].str.rstrip(";")
        table = table[(code == src.epd_code).to_numpy()]
        if table.empty:
            raise ValueError(f"{name}: no record of {src.registry} has the species code {src.epd_code!r}; "
                             "check PROMOTER_SOURCES against the file's headers.")
    stated = {(-int(u), int(d)) for u, d in zip(table["upstream"].dropna(), table["downstream"].dropna())}
    if stated - {src.window}:
        raise ValueError(f"{name}: {src.registry} holds windows {sorted(stated)}, but PROMOTER_SOURCES says "
                         f"{src.window}; fix PROMOTER_SOURCES.")
    table.attrs["source"] = src.registry
    df = crop_promoters(table, (a, b), species=name, source=src.registry, max_n=max_n)
    notes = list(df.attrs["notes"])
    if max_records is not None and len(df) > max_records:
        pick = np.sort(np.random.default_rng(seed).choice(len(df), size=int(max_records), replace=False))
        notes.append(f"{name}: kept {int(max_records)} of {len(df)} records, a random subset (seed {seed}).")
        df = df.iloc[pick].reset_index(drop=True)
    df.attrs.update(notes=notes, window=(a, b))
    return df


# --------------------------------------------------------------------------- samples


def tss_sample(ids_before: Sequence[int], ids_after: Sequence[int], rng: Any, *, max_tokens: int = 256,
               max_before: int = 200) -> tuple[list[int], int]:
    """The thesis's TSS-localisation sample (section 4.2.2) from the two tokenised halves of a promoter.

    Our reading of the thesis: the promoter window is split at the TSS and each half is
    tokenised separately (the caller does it, without special tokens): ``ids_before`` are the
    tokens of the bases upstream of the TSS, ``ids_after`` those from the TSS base on, so the
    TSS is the first base of ``ids_after[0]``. Then

    1. ``n = random(0, min(max_before, len(ids_before)))``, both ends included, one draw
       ``rng.integers(0, hi + 1)``: the number of tokens taken before the TSS (the thesis:
       "a random number between 0 and 200 tokens from the sequence before the TSS"). Where
       fewer than ``max_before`` tokens exist the range is capped, not the draw, so ``n``
       stays uniform instead of piling up at the cap; with the thesis's 10 kb windows the
       cap never binds and the two readings agree.
    2. the ``n`` tokens of ``ids_before`` nearest the TSS (its last ``n``), then the first
       ``min(len(ids_after), max_tokens - 2 - n)`` tokens of ``ids_after`` ("the rest from the
       one after, up to 254 tokens").
    3. ``[CLS]`` first and ``[SEP]`` last: at most ``max_tokens`` ids (256 in the thesis),
       fewer when the window runs out (:func:`tss_batch` pads).

    ``target = n + 1`` is the index in ``input_ids`` of the first token after the TSS. The
    thesis's label is "the chosen random number" ``n`` (counted from the first token after
    ``[CLS]``); its 256-way head scores every position, so the same token is at ``n + 1``.

    Short windows give the answer away: when the window holds fewer tokens than the sample
    takes, the sample ends at the window's end (and starts at its start when ``n`` is all of
    ``ids_before``), so the TSS sits a fixed number of bases before ``[SEP]``. Keep
    ``max_tokens`` below the tokens of the shortest window, or use :func:`tss_base_sample`.

    ``rng`` is a numpy Generator (or anything with ``integers(low, high)``). Returns
    ``(input_ids, target)``. Used by the tss_localisation chapter.

    Examples
    --------
    >>> ids, target = tss_sample([11, 12, 13], [21, 22, 23, 24], np.random.default_rng(0), max_tokens=6,
    ...                          max_before=2)
    >>> len(ids) <= 6 and ids[0] == CLS_ID and ids[-1] == SEP_ID and ids[target] == 21
    True
    """
    before = [int(i) for i in ids_before]
    after = [int(i) for i in ids_after]
    if not after:
        raise ValueError("tss_sample: no tokens after the TSS (ids_after is empty); the window must hold the TSS "
                         "base and what follows it.")
    if max_tokens < 3:
        raise ValueError(f"max_tokens must be at least 3 ([CLS], the TSS token, [SEP]), got {max_tokens}.")
    if not 0 <= max_before <= max_tokens - 3:
        raise ValueError(f"max_before must be in 0..max_tokens - 3 = {max_tokens - 3} (room for the TSS token), "
                         f"got {max_before}.")
    hi = min(max_before, len(before))
    n = int(rng.integers(0, hi + 1))
    if not 0 <= n <= hi:
        raise ValueError(f"rng.integers(0, {hi + 1}) returned {n}, outside 0..{hi}.")
    n_after = min(len(after), max_tokens - 2 - n)
    input_ids = [CLS_ID, *before[len(before) - n:], *after[:n_after], SEP_ID]
    return input_ids, n + 1


def tss_batch(samples: Sequence[tuple[Sequence[int], int]], pad_id: int = PAD_ID) -> dict[str, torch.Tensor]:
    """Batch :func:`tss_sample` outputs: dict of (N, T) ``input_ids`` (right-padded with ``pad_id`` to
    the longest), ``attention_mask`` (1 on real tokens) and (N,) ``labels`` (the targets).
    Used by the tss_localisation chapter."""
    if len(samples) == 0:
        raise ValueError("tss_batch got an empty batch.")
    width = max(len(ids) for ids, _ in samples)
    ids = torch.full((len(samples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(samples), width), dtype=torch.long)
    labels = torch.empty(len(samples), dtype=torch.long)
    for i, (row, target) in enumerate(samples):
        if not 0 <= int(target) < len(row):
            raise ValueError(f"sample {i}: target {target} is outside its {len(row)} ids.")
        ids[i, :len(row)] = torch.as_tensor(list(row), dtype=torch.long)
        mask[i, :len(row)] = 1
        labels[i] = int(target)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def tss_base_sample(sequence: str, tss: int, rng: Any, *, length: int, max_before: int) -> tuple[str, int]:
    """The base-level TSS sample: a crop of ``length`` bases with the TSS at a random offset.

    ``offset = random(lo, hi)`` (both ends included, one draw ``rng.integers(lo, hi + 1)``)
    with ``hi = min(max_before, tss)`` (bases that exist before the TSS) and
    ``lo = max(0, tss + length - len(sequence))`` (enough bases after it to fill the crop);
    the crop is ``sequence[tss - offset : tss - offset + length]`` and the target is
    ``offset``, the index of the TSS base in the crop. Unlike :func:`tss_sample` the crop
    never needs to touch the window's ends, so neither end tells where the TSS is; a CNN on
    the one-hot crop (:func:`genomebook.seq.one_hot`) and a tokeniser are then scored in the
    same unit. Raises ValueError when no offset fits. Returns ``(crop, target)``. Used by the
    tss_localisation chapter.

    Examples
    --------
    >>> crop, target = tss_base_sample("AAAACGTTTT", 4, np.random.default_rng(0), length=4, max_before=2)
    >>> crop[target]
    'C'
    """
    n = len(sequence)
    if not 0 <= tss < n:
        raise ValueError(f"tss={tss} is outside the {n} bp sequence; give the 0-based index of the TSS base.")
    if length < 1 or max_before < 0:
        raise ValueError(f"length must be >= 1 and max_before >= 0, got length={length}, max_before={max_before}.")
    hi = min(max_before, tss, length - 1)
    lo = max(0, tss + length - n)
    if lo > hi:
        raise ValueError(f"no crop of {length} bp with the TSS at offset 0..{max_before} fits a {n} bp sequence "
                         f"with the TSS at index {tss}: it needs an offset of at least {lo}. Use a shorter length "
                         "or a larger max_before.")
    offset = int(rng.integers(lo, hi + 1))
    if not lo <= offset <= hi:
        raise ValueError(f"rng.integers({lo}, {hi + 1}) returned {offset}, outside {lo}..{hi}.")
    start = tss - offset
    return sequence[start:start + length], offset


# --------------------------------------------------------------------------- errors in bases


def token_starts(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """Base offset of the first base of each token: ``[0, cumsum(lengths)[:-1]]`` along the last axis.

    ``lengths`` are the bases of each position of ``input_ids`` (1-D, or (N, T) padded), 0
    for ``[CLS]``, ``[SEP]`` and padding: a special token starts where the next base would.
    Used by the tss_localisation chapter with :func:`base_error`.

    Examples
    --------
    >>> token_starts([0, 3, 5, 2, 0]).tolist()
    [0, 0, 3, 8, 10]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.ndim not in (1, 2) or (lengths < 0).any():
        raise ValueError(f"lengths must be non-negative, 1-D or (N, T), got shape {lengths.shape}.")
    csum = np.cumsum(lengths, axis=-1)
    return np.concatenate([np.zeros(lengths.shape[:-1] + (1,), dtype=np.int64), csum[..., :-1]], axis=-1)


def base_error(pred_token: Any, target_token: Any, token_starts: Any) -> np.ndarray:
    """Error in base pairs of a token-level TSS prediction: first base of the predicted token
    minus the TSS (the first base of the target token), signed (negative: predicted upstream;
    ``abs`` gives the distance; 0 for a correct token).

    ``pred_token`` and ``target_token`` are indices into ``input_ids`` (scalars or (N,));
    ``token_starts`` the base offset of each position (1-D, or (N, T) for a batch), e.g. from
    :func:`token_starts`. Returns an int64 array (0-d for scalars). Used by the
    tss_localisation chapter for its error distribution.

    Examples
    --------
    >>> int(base_error(3, 2, [0, 0, 3, 8, 10]))
    5
    """
    starts = np.asarray(token_starts, dtype=np.int64)
    pred = np.asarray(pred_token, dtype=np.int64)
    target = np.asarray(target_token, dtype=np.int64)
    width = starts.shape[-1]
    if ((pred < 0) | (pred >= width)).any() or ((target < 0) | (target >= width)).any():
        raise ValueError(f"token indices must lie in 0..{width - 1} (the positions of token_starts).")
    if starts.ndim == 1:
        return starts[pred] - starts[target]
    if starts.ndim != 2 or pred.shape != (starts.shape[0],) or target.shape != pred.shape:
        raise ValueError(f"for a batch give token_starts (N, T) and pred/target (N,); got {starts.shape}, "
                         f"{pred.shape}, {target.shape}.")
    rows = np.arange(starts.shape[0])
    return starts[rows, pred] - starts[rows, target]


# --------------------------------------------------------------------------- splits


def random_split(table: pd.DataFrame, fractions: Sequence[float] = THESIS_FRACTIONS, seed: int = 0) -> np.ndarray:
    """Rows drawn at random into ``"train"``/``"dev"``/``"test"`` (round(n * f) rows for test and dev,
    the rest train; :func:`genomebook.datasets.corpora.split_by_genome` with one row per unit),
    the thesis's human split at the default 81/9/10. Near-duplicate promoters may straddle the
    splits. Used by the tss_localisation chapter."""
    return split_by_genome(pd.DataFrame({"row": np.arange(len(table))}), fractions, seed, by="row")


def homology_split(table: pd.DataFrame, fractions: Sequence[float] = THESIS_FRACTIONS, *, k: int = 8,
                   near_threshold: float = 0.8, seed: int = 0, num_perm: int = 64) -> np.ndarray:
    """A split in which no dev or test promoter has a near-duplicate in train (nor a test one in dev).

    Near-duplicates are those of :func:`genomebook.datasets.leakage.leaked` (exact, reverse
    complement, or MinHash estimate of the Jaccard similarity of canonical ``k``-mer sets
    ``>= near_threshold``, ``num_perm`` permutations). Starting from :func:`random_split`
    (``seed``), records that ``leaked`` flags are moved up until none is: dev records with a
    near-duplicate in train go to train, test records with one in train go to train, test
    records with one in dev go to dev, repeated until nothing moves. At that point no
    near-duplicate pair straddles two splits, so every group of near-duplicates (records
    linked by chains of near-duplicate pairs) lies whole in one split - the split of whole
    groups, found with ``leaked`` instead of listing the groups. A group lands in train when
    any of its members was drawn there, so train ends above its fraction by about the share of
    records whose group straddled the random split (small where near-duplicates are few).
    Returns an array of
    ``"train"``/``"dev"``/``"test"`` aligned with ``table`` (column ``sequence``). Used by the
    tss_localisation chapter.
    """
    if "sequence" not in table.columns:
        raise ValueError("homology_split needs a 'sequence' column (e.g. the output of promoters()).")
    seqs = np.asarray(table["sequence"], dtype=object)
    label = random_split(table, fractions, seed)
    moves = (("dev", ("train",), "train"), ("test", ("train",), "train"), ("test", ("dev",), "dev"))
    moved = True
    while moved:
        moved = False
        for query, refs, dest in moves:
            q = np.flatnonzero(label == query)
            ref = np.isin(label, refs)
            if not len(q) or not ref.any():
                continue
            flag = leaked(list(seqs[q]), [list(seqs[ref])], k=k, near_threshold=near_threshold,
                          num_perm=num_perm)
            if flag.any():
                label[q[flag]] = dest
                moved = True
    return label

