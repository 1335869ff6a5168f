"""BED / narrowPeak intervals, per-bin peak labels (majority of replicates) and per-bin read counts.

Coordinates are 0-based half-open ``[start, end)`` as in BED.

DeepCAGE regression targets (Methods): replicate read counts per 200 bp bin are pooled
(:func:`read_bin_counts`, :func:`pooled_bin_counts`), then depth-normalised and
log-transformed, ``log1p(N * n_lk / N_k)`` with ``N = min_k N_k`` (:func:`normalise_counts`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook.datasets._io import iter_lines, read_text
from genomebook.seq import SequenceError

__all__ = ["BED_COLUMNS", "NARROWPEAK_COLUMNS", "COUNT_COLUMNS", "read_bed", "narrowpeak_to_bin_labels",
           "read_bin_counts", "pooled_bin_counts", "normalise_counts"]

BED_COLUMNS = ["chrom", "start", "end", "name", "score", "strand", "thickStart", "thickEnd", "itemRgb",
               "blockCount", "blockSizes", "blockStarts"]
NARROWPEAK_COLUMNS = ["chrom", "start", "end", "name", "score", "strand", "signalValue", "pValue", "qValue",
                      "peak"]
BROADPEAK_COLUMNS = NARROWPEAK_COLUMNS[:9]
COUNT_COLUMNS = ["chrom", "start", "end", "count"]
_SKIP = ("#", "track", "browser")


def _column_names(path: Path, n: int) -> list[str]:
    low = path.name.lower()
    if n == 10 or "narrowpeak" in low:
        base = NARROWPEAK_COLUMNS
    elif n == 9 and "broadpeak" in low:
        base = BROADPEAK_COLUMNS
    else:
        base = BED_COLUMNS
    return base[:n] + [f"extra{i + 1}" for i in range(n - len(base))]


def read_bed(path: str | os.PathLike, *, min_columns: int = 3) -> pd.DataFrame:
    """Read a BED-like file (BED3..BED12, narrowPeak, broadPeak; plain or gzip) into a DataFrame.

    Columns are named after the format (``chrom, start, end, name, score, strand, ...``;
    10 columns or a '.narrowPeak' name give ``signalValue, pValue, qValue, peak``).
    Comment, ``track`` and ``browser`` lines and blank lines are skipped. Every line must
    have the same number of tab-separated columns (at least ``min_columns``); start and
    end must be integers with 0 <= start <= end.
    """
    path = Path(path)
    if min_columns < 3:
        raise ValueError(f"min_columns must be >= 3, got {min_columns}")
    rows: list[list[str]] = []
    lines: list[int] = []
    ncol = None
    for i, line in iter_lines(path, "BED file"):
        if not line.strip() or line.startswith(_SKIP):
            continue
        f = line.split("\t") if "\t" in line else line.split()
        if len(f) < min_columns:
            need = "at least 3 (chrom, start, end)" if min_columns == 3 else f"at least {min_columns}"
            raise SequenceError(f"{path}, line {i}: found {len(f)} column{'s' if len(f) != 1 else ''}, BED needs "
                                f"{need}. Separate columns with tabs; comment lines must start with '#'.")
        if ncol is None:
            ncol = len(f)
        elif len(f) != ncol:
            raise SequenceError(f"{path}, line {i}: found {len(f)} columns but the first data line has {ncol}. "
                                "Every line of a BED file must have the same number of columns.")
        rows.append(f)
        lines.append(i)
    if not rows:
        raise SequenceError(f"{path}: no intervals found (the file is empty or only has comment/track lines); "
                            "expected tab-separated lines 'chrom<TAB>start<TAB>end'.")
    df = pd.DataFrame(rows, columns=_column_names(path, ncol))
    line_no = np.asarray(lines)
    for col in ("start", "end"):
        num = pd.to_numeric(df[col].str.strip(), errors="coerce")
        bad = num.isna().to_numpy() | (num.to_numpy() != np.floor(num.to_numpy()))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise SequenceError(f"{path}, line {line_no[j]}: {col} {df[col].iloc[j]!r} is not an integer. "
                                "BED start and end are whole-number, 0-based coordinates (columns 2 and 3).")
        df[col] = num.astype("int64")
    neg = df["start"].to_numpy() < 0
    if neg.any():
        j = int(np.flatnonzero(neg)[0])
        raise SequenceError(f"{path}, line {line_no[j]}: start {df['start'].iloc[j]} is negative; BED coordinates "
                            "are 0-based and start at 0. Clip the interval at 0 or remove it.")
    inverted = df["start"].to_numpy() > df["end"].to_numpy()
    if inverted.any():
        j = int(np.flatnonzero(inverted)[0])
        raise SequenceError(f"{path}, line {line_no[j]}: start {df['start'].iloc[j]} > end {df['end'].iloc[j]}; "
                            "BED needs start <= end (swap them, and give the strand in column 6).")
    for col in df.columns[3:]:
        if col in ("name", "strand", "itemRgb", "blockSizes", "blockStarts") or col.startswith("extra"):
            continue
        num = pd.to_numeric(df[col], errors="coerce")
        if num.notna().all():
            df[col] = num.astype("int64") if col in ("thickStart", "thickEnd", "blockCount", "peak") and \
                (num == np.floor(num)).all() else num
    df.attrs["source"] = str(path)
    return df


def _peak_overlap(bins: pd.DataFrame, peaks: pd.DataFrame) -> np.ndarray:
    """Boolean (n_bins,): does bin i overlap any peak? Half-open intervals, per chromosome with searchsorted."""
    out = np.zeros(len(bins), dtype=bool)
    bchrom = bins["chrom"].astype(str).to_numpy()
    bstart, bend = bins["start"].to_numpy(np.int64), bins["end"].to_numpy(np.int64)
    grouped = {c: g for c, g in peaks.groupby(peaks["chrom"].astype(str), sort=False)}
    for chrom in np.unique(bchrom):
        g = grouped.get(chrom)
        if g is None:
            continue
        idx = np.flatnonzero(bchrom == chrom)
        starts = np.sort(g["start"].to_numpy(np.int64))
        ends = np.sort(g["end"].to_numpy(np.int64))
        # peaks overlapping [s, e) = #(peak start < e) - #(peak end <= s)
        n = np.searchsorted(starts, bend[idx], side="left") - np.searchsorted(ends, bstart[idx], side="right")
        out[idx] = n > 0
    return out


def narrowpeak_to_bin_labels(paths: Sequence[str | os.PathLike | pd.DataFrame] | str | os.PathLike,
                             bins: pd.DataFrame, *, min_fraction: float = 0.5) -> np.ndarray:
    """0/1 label per bin: 1 if the bin overlaps a peak in at least ``min_fraction`` of the replicates.

    ``paths`` are BED/narrowPeak files (or DataFrames from :func:`read_bed`), one per
    replicate; ``bins`` is a DataFrame with ``chrom, start, end`` (0-based half-open).
    Returns an int8 array of length ``len(bins)``, in the order of ``bins``.
    """
    if isinstance(paths, (str, os.PathLike, pd.DataFrame)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise ValueError("give at least one peak file (one per replicate)")
    missing = {"chrom", "start", "end"} - set(bins.columns)
    if missing:
        raise ValueError(f"bins needs columns chrom, start, end; missing {', '.join(sorted(missing))}")
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction}")
    if (bins["start"].to_numpy() > bins["end"].to_numpy()).any():
        raise ValueError("bins has start > end; bins must be 0-based half-open [start, end)")
    votes = np.zeros(len(bins), dtype=np.int64)
    for p in paths:
        peaks = p if isinstance(p, pd.DataFrame) else read_bed(p)
        votes += _peak_overlap(bins, peaks)
    return (votes >= min_fraction * len(paths) - 1e-9).astype(np.int8)


# --------------------------------------------------------------------------- read counts per bin


def _whole_numbers(tokens: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int64 values, bad mask) of str tokens that must be whole numbers (e.g. '12', '12.0', '1e3')."""
    num = pd.to_numeric(tokens.str.strip(), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(num) | (num != np.floor(num))
    return np.where(bad, 0, num).astype(np.int64), bad


def _read_bin_counts(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """(DataFrame chrom, start, end, count; 1-based file line of each row)."""
    lines = read_text(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    keep = [i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith(_SKIP)]
    if keep:  # optional header line: the first data line, when start and end are not numbers
        f = lines[keep[0]].split("\t")
        if len(f) == 4 and not (f[1].strip().lstrip("-").isdigit() or f[2].strip().lstrip("-").isdigit()):
            keep = keep[1:]
    if not keep:
        raise SequenceError(f"{path}: no bins found (the file is empty or only has comment/header lines); "
                            "expected tab-separated lines 'chrom<TAB>start<TAB>end<TAB>count'.")
    n_tabs = np.fromiter((lines[i].count("\t") for i in keep), dtype=np.int64, count=len(keep))
    wrong = np.flatnonzero(n_tabs != 3)
    if wrong.size:
        i = keep[int(wrong[0])]
        raise SequenceError(f"{path}, line {i + 1}: found {n_tabs[wrong[0]] + 1} tab-separated field(s), "
                            "expected 4 (chrom, start, end, count). Separate the columns with tabs; comment "
                            "lines must start with '#'.")
    line_no = np.asarray(keep, dtype=np.int64) + 1
    body = "\n".join(lines[i] for i in keep)
    del lines
    read = dict(sep="\t", header=None, names=COUNT_COLUMNS, keep_default_na=False, na_filter=False, quoting=3)
    try:  # fast path: pandas parses the numbers; anything unusual goes through the checked path below
        df = pd.read_csv(io.StringIO(body), dtype={"chrom": str}, **read)
    except (ValueError, OverflowError):
        df = None
    if df is None or any(df[c].dtype.kind not in "iu" for c in ("start", "end", "count")):
        df = pd.read_csv(io.StringIO(body), dtype=str, **read)
        for col in ("start", "end", "count"):
            values, bad = _whole_numbers(df[col])
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                what = ("a read count: counts are whole numbers >= 0 (column 4)" if col == "count" else
                        "an integer: start and end are whole-number 0-based coordinates (columns 2 and 3)")
                raise SequenceError(f"{path}, line {line_no[j]}: {col} {df[col].iloc[j]!r} is not {what}.")
            df[col] = values
    else:
        df = df.astype({c: np.int64 for c in ("start", "end", "count")})
    codes, names = pd.factorize(df["chrom"])  # strip the few distinct names, not every row
    names = pd.Index(names.astype(str)).str.strip()
    empty = names == ""
    if empty.any():
        j = int(np.flatnonzero(codes == int(np.flatnonzero(empty)[0]))[0])
        raise SequenceError(f"{path}, line {line_no[j]}: empty chromosome name in column 1. Fill it in or "
                            "delete the line.")
    df["chrom"] = names.to_numpy()[codes]
    for col, fix in (("start", "Coordinates are 0-based and start at 0."),
                     ("count", "Read counts cannot be negative; check the column order (count is column 4).")):
        neg = df[col].to_numpy() < 0
        if neg.any():
            j = int(np.flatnonzero(neg)[0])
            raise SequenceError(f"{path}, line {line_no[j]}: {col} {df[col].iloc[j]} is negative. {fix}")
    inverted = df["start"].to_numpy() >= df["end"].to_numpy()
    if inverted.any():
        j = int(np.flatnonzero(inverted)[0])
        raise SequenceError(f"{path}, line {line_no[j]}: start {df['start'].iloc[j]} >= end {df['end'].iloc[j]}; "
                            "a bin needs start < end (0-based, half-open [start, end)).")
    df.attrs["source"] = str(path)
    return df, line_no


def read_bin_counts(path: str | os.PathLike) -> pd.DataFrame:
    """Read counts per bin from a 4-column BED-like file -> DataFrame ``chrom, start, end, count``.

    Tab-separated, plain or gzip, one line per bin: ``chrom<TAB>start<TAB>end<TAB>count``
    (e.g. ``bedtools intersect -c`` output). An optional header line (start / end not
    numbers) and ``#`` / ``track`` / ``browser`` lines are skipped. start, end: int64,
    0-based half-open, ``0 <= start < end``; count: int64 read count >= 0 (whole numbers
    such as ``12.0`` are accepted). Errors name the file, the line and the fix.
    """
    path = Path(path)
    return _read_bin_counts(path)[0]


def _check_bins(bins: pd.DataFrame, fn: str) -> pd.MultiIndex:
    if not isinstance(bins, pd.DataFrame):
        raise TypeError(f"{fn}: bins must be a DataFrame with columns chrom, start, end; got {type(bins).__name__}")
    missing = {"chrom", "start", "end"} - set(bins.columns)
    if missing:
        raise ValueError(f"{fn}: bins needs columns chrom, start, end; missing {', '.join(sorted(missing))}")
    key = pd.MultiIndex.from_arrays([bins["chrom"].astype(str).to_numpy(),
                                     bins["start"].to_numpy(np.int64), bins["end"].to_numpy(np.int64)])
    dup = key.duplicated()
    if dup.any():
        j = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero(key == key[j])[0])
        raise ValueError(f"{fn}: bins rows {first} and {j} are the same bin {key[j][0]}:{key[j][1]}-{key[j][2]}. "
                         "Give each bin once (e.g. bins.drop_duplicates()).")
    return key


def pooled_bin_counts(paths: Sequence[str | os.PathLike] | str | os.PathLike, bins: pd.DataFrame) -> np.ndarray:
    """Sum of the replicate read-count tables, aligned to ``bins`` -> (len(bins),) int64.

    ``paths`` are count files (:func:`read_bin_counts` format), one per replicate, pooled as
    in DeepCAGE (Methods: replicate BAMs of a cell type pooled, reads counted per bin).
    ``bins`` is a DataFrame ``chrom, start, end``; a bin is matched by its exact
    coordinates. A bin absent from a file counts 0 there; bins of a file that are not in
    ``bins`` are ignored, but a file sharing no bin at all with ``bins`` raises (wrong
    chromosome names or coordinates). A bin listed twice in one file raises, naming the
    file and both lines.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("pooled_bin_counts: give at least one count file (one per replicate)")
    key = _check_bins(bins, "pooled_bin_counts")
    total = np.zeros(len(bins), dtype=np.int64)
    for path in paths:
        df, line_no = _read_bin_counts(path)
        cols = [df["chrom"].to_numpy(), df["start"].to_numpy(), df["end"].to_numpy()]
        fkey = pd.MultiIndex.from_arrays(cols)
        dup = fkey.duplicated()
        if dup.any():
            j = int(np.flatnonzero(dup)[0])
            first = int(np.flatnonzero(fkey == fkey[j])[0])
            raise SequenceError(f"{path}, lines {line_no[first]} and {line_no[j]}: bin "
                                f"{fkey[j][0]}:{fkey[j][1]}-{fkey[j][2]} is listed twice. Give one line per bin "
                                "(sum the counts first).")
        where = key.get_indexer(fkey)
        hit = where >= 0
        if len(bins) and not hit.any():
            ex = f"{df['chrom'].iloc[0]}:{df['start'].iloc[0]}-{df['end'].iloc[0]}"
            want = f"{bins['chrom'].iloc[0]}:{bins['start'].iloc[0]}-{bins['end'].iloc[0]}"
            raise SequenceError(f"{path}: none of its {len(df)} bins is in bins (e.g. file line {line_no[0]} has "
                                f"{ex}, bins start with {want}). Check the chromosome names ('chr1' vs '1') "
                                "and that both use the same 0-based bin coordinates.")
        np.add.at(total, where[hit], df["count"].to_numpy()[hit])
    return total


def normalise_counts(counts, depth=None) -> np.ndarray:
    """Depth-normalised log counts: counts (L, K) -> (L, K) float32, ``log1p(N * n_lk / N_k)``.

    DeepCAGE (Methods): ``n_lk`` is the pooled read count of bin l in cell type k,
    ``N_k`` the total count of cell type k (column sums, or ``depth`` (K,) if given, e.g.
    the mapped reads of the BAMs), and ``N = min_k N_k``; the normalised count
    ``N * n_lk / N_k`` is log-transformed with a pseudocount of 1 (natural log).
    ``counts`` may be a DataFrame (its column names are used in errors). Negative or
    non-finite counts, and a cell type with ``N_k = 0``, raise naming the column.
    """
    names = [str(c) for c in counts.columns] if isinstance(counts, pd.DataFrame) else None
    n = np.asarray(counts, dtype=float)
    if n.ndim != 2:
        raise ValueError(f"normalise_counts: counts must be 2-D (loci × cell types); got shape {n.shape}. "
                         "Stack the pooled counts of each cell type as columns, e.g. np.column_stack(...).")
    label = (lambda k: f"column {k} ({names[k]!r})") if names else (lambda k: f"column {k}")
    bad = ~np.isfinite(n) | (n < 0)
    if bad.any():
        i, k = map(int, np.argwhere(bad)[0])
        raise ValueError(f"normalise_counts: counts[{i}, {k}] is {n[i, k]} in {label(k)}; read counts must be "
                         "finite and >= 0.")
    if depth is None:
        nk = n.sum(axis=0)
        what = "total count"
    else:
        nk = np.asarray(depth, dtype=float).reshape(-1)
        what = "depth"
        if nk.shape != (n.shape[1],):
            raise ValueError(f"normalise_counts: depth has {nk.size} values for {n.shape[1]} cell-type columns; "
                             "give one sequencing depth per column.")
        if not np.all(np.isfinite(nk)):
            k = int(np.flatnonzero(~np.isfinite(nk))[0])
            raise ValueError(f"normalise_counts: depth of {label(k)} is {nk[k]}; give a finite number.")
    zero = nk <= 0
    if zero.any():
        k = int(np.flatnonzero(zero)[0])
        raise ValueError(f"normalise_counts: {what} N_k of {label(k)} is {nk[k]:g}, so it cannot be normalised. "
                         "Drop that cell type (it has no reads) or check its count files.")
    if n.shape[1] == 0:
        return n.astype(np.float32)
    return np.log1p(n * (nk.min() / nk)).astype(np.float32)
