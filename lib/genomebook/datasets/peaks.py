"""BED / narrowPeak intervals and per-bin peak labels (majority of replicates).

Coordinates are 0-based half-open ``[start, end)`` as in BED.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook.datasets._io import iter_lines
from genomebook.seq import SequenceError

__all__ = ["BED_COLUMNS", "NARROWPEAK_COLUMNS", "read_bed", "narrowpeak_to_bin_labels"]

BED_COLUMNS = ["chrom", "start", "end", "name", "score", "strand", "thickStart", "thickEnd", "itemRgb",
               "blockCount", "blockSizes", "blockStarts"]
NARROWPEAK_COLUMNS = ["chrom", "start", "end", "name", "score", "strand", "signalValue", "pValue", "qValue",
                      "peak"]
BROADPEAK_COLUMNS = NARROWPEAK_COLUMNS[:9]
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
