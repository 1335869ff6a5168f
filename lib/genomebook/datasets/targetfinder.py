"""Enhancer–promoter pair tables: TargetFinder, CBOEP, TransEPI ('Whalen'), EP2vec and EPIANN.

:func:`read_pairs` reads the comma- or tab-separated pair tables of

* TargetFinder originals and CBOEP (``label, enhancer_distance_to_promoter,
  enhancer_chrom/start/end/name, promoter_chrom/start/end/name``; names ``CELL|chr:start-end``),
* EP2vec feature tables (same coordinate columns plus ``bin``, ``window_*`` and signal
  columns such as ``CTCF (enhancer)``),
* TransEPI 'Whalen' tables (comma-separated despite ``.tsv``: ``label, enh_name, prom_name,
  celltype, chrom, enhancer_distance_to_promoter`` + features; names ``chr:start-end|CELL|_``),

and returns the columns ``label, enhancer_chrom, enhancer_start, enhancer_end,
promoter_chrom, promoter_start, promoter_end, distance, cell`` followed by every other
column as-is (``enh_name``/``prom_name`` are renamed ``enhancer_name``/``promoter_name``;
TransEPI's ``celltype`` and ``chrom`` are folded into ``cell`` and the chrom columns).
:func:`read_epiann_split` pairs the three EPIANN files row by row.
Coordinates are hg19, 0-based half-open as in the files. Errors name file, line and fix.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from genomebook.datasets._io import read_lines, read_table
from genomebook.seq import SequenceError

__all__ = ["read_pairs", "read_epiann_split", "PAIR_COLUMNS"]

PAIR_COLUMNS = ["label", "enhancer_chrom", "enhancer_start", "enhancer_end",
                "promoter_chrom", "promoter_start", "promoter_end", "distance", "cell"]
_COORD = re.compile(r"^(?P<chrom>[^:|\s]+):(?P<start>[0-9]+)-(?P<end>[0-9]+)$")
_CHROM = re.compile(r"^chr[0-9A-Za-z_.]+$")


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _labels(path, values: pd.Series, *, line_offset: int, col: str) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce")
    bad = ~num.isin([0, 1]).to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise SequenceError(f"{path}, line {i + line_offset}, column {col!r}: label {str(values.iloc[i])!r} is "
                            "not 0 or 1. Labels must be 1 (interacting pair) or 0 (non-interacting).")
    return num.to_numpy().astype(np.int64)


def _coords(path, df: pd.DataFrame, prefix: str, *, line_offset: int, cols: dict[str, str]) -> None:
    """Validate and convert ``{prefix}_chrom/start/end`` in place; ``cols`` maps to source column names."""
    chrom = df[f"{prefix}_chrom"].astype(str).str.strip()
    bad = ~chrom.str.match(_CHROM).to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise SequenceError(f"{path}, line {i + line_offset}, column {cols['chrom']!r}: chromosome "
                            f"{chrom.iloc[i]!r} is not a UCSC name. Use names like 'chr1' (hg19).")
    df[f"{prefix}_chrom"] = chrom.to_numpy()
    parsed = {}
    for part in ("start", "end"):
        v = pd.to_numeric(df[f"{prefix}_{part}"], errors="coerce")
        bad = (v.isna() | (v < 0) | (v != np.floor(v))).to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise SequenceError(f"{path}, line {i + line_offset}, column {cols[part]!r}: "
                                f"{str(df[f'{prefix}_{part}'].iloc[i])!r} is not a non-negative integer "
                                "coordinate. Give 0-based integer positions.")
        parsed[part] = v.to_numpy().astype(np.int64)
    bad = parsed["start"] >= parsed["end"]
    if bad.any():
        i = _first_bad(bad)
        raise SequenceError(f"{path}, line {i + line_offset}: {prefix} start {parsed['start'][i]} is not less "
                            f"than end {parsed['end'][i]} (columns {cols['start']!r}, {cols['end']!r}). "
                            "Each region needs start < end.")
    df[f"{prefix}_start"] = parsed["start"]
    df[f"{prefix}_end"] = parsed["end"]


def _split_name(path, names: pd.Series, col: str, *, line_offset: int) -> pd.DataFrame:
    """Names 'CELL|chr:s-e' or 'chr:s-e|CELL|_' -> columns chrom, start, end, cell."""
    out = {"chrom": [], "start": [], "end": [], "cell": []}
    for i, name in enumerate(names.astype(str)):
        parts = name.split("|")
        coord = next((m for m in map(_COORD.match, parts) if m), None)
        if coord is None:
            raise SequenceError(f"{path}, line {i + line_offset}, column {col!r}: name {name!r} has no "
                                "'chr:start-end' part. Names look like 'chr1:9685722-9686400|GM12878|_'.")
        cells = [p for p in parts if p and p != "_" and not _COORD.match(p)]
        out["chrom"].append(coord["chrom"])
        out["start"].append(coord["start"])
        out["end"].append(coord["end"])
        out["cell"].append(cells[0] if cells else None)
    return pd.DataFrame(out, index=names.index)


def _cell_from_names(names: pd.Series) -> pd.Series:
    parts = names.astype(str).str.split("|")
    return parts.map(lambda ps: next((p for p in ps if p and p != "_" and not _COORD.match(p)), None))


def read_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """An enhancer–promoter pair table (TargetFinder / CBOEP / TransEPI / EP2vec), normalised.

    The separator (comma or tab) is detected from the header line, whatever the file name.
    Returned columns: :data:`PAIR_COLUMNS` (``label`` int 0/1, chrom str, start/end int,
    ``distance`` = the file's ``enhancer_distance_to_promoter`` (NaN when absent),
    ``cell`` from the ``celltype`` column or the region names, None when neither says)
    then all other columns unchanged. Checked: labels are 0/1, starts < ends, chromosome
    names are UCSC-style, enhancer and promoter lie on the same chromosome.
    """
    lines = read_lines(path)
    if not lines or not lines[0].strip():
        raise SequenceError(f"{path}: the file is empty or starts with a blank line. The first line must be "
                            "the header (label,enhancer_chrom,enhancer_start,...).")
    head = lines[0]
    sep = "," if head.count(",") >= head.count("\t") else "\t"
    df = read_table(path, sep=sep, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    cols = set(df.columns)
    src: dict[str, str] = {}
    if "label" not in cols:
        raise SequenceError(f"{path}, line 1: no 'label' column; found {', '.join(list(df.columns)[:12])}. "
                            "Expected a TargetFinder/CBOEP/TransEPI/EP2vec pair table with a 'label' column.")
    out = pd.DataFrame(index=df.index)
    out["label"] = _labels(path, df["label"], line_offset=2, col="label")
    rest = df.drop(columns=["label"])
    std = {f"{r}_{p}" for r in ("enhancer", "promoter") for p in ("chrom", "start", "end")}
    if std <= cols:
        for c in sorted(std):
            out[c] = df[c]
            src[c] = c
        rest = rest.drop(columns=sorted(std))
        cell = None
        if "celltype" in cols:
            cell = df["celltype"]
        else:
            for c in ("enhancer_name", "promoter_name"):
                if c in cols:
                    cell = _cell_from_names(df[c])
                    break
    elif {"enh_name", "prom_name"} <= cols:
        cell = df["celltype"] if "celltype" in cols else None
        for short, long in (("enh", "enhancer"), ("prom", "promoter")):
            parts = _split_name(path, df[f"{short}_name"], f"{short}_name", line_offset=2)
            for p in ("chrom", "start", "end"):
                out[f"{long}_{p}"] = parts[p]
                src[f"{long}_{p}"] = f"{short}_name"
            if cell is None:
                cell = parts["cell"]
        if "chrom" in cols:
            chrom = df["chrom"].str.strip()
            bad = (chrom != out["enhancer_chrom"]).to_numpy()
            if bad.any():
                i = _first_bad(bad)
                raise SequenceError(f"{path}, line {i + 2}: column 'chrom' is {chrom.iloc[i]!r} but enh_name "
                                    f"says {out['enhancer_chrom'].iloc[i]!r}. Make them agree.")
        rest = rest.drop(columns=[c for c in ("celltype", "chrom") if c in cols])
        rest = rest.rename(columns={"enh_name": "enhancer_name", "prom_name": "promoter_name"})
    else:
        missing = sorted(std - cols)
        raise SequenceError(f"{path}, line 1: missing column(s) {', '.join(missing)}. A pair table needs "
                            "enhancer_chrom/start/end and promoter_chrom/start/end (or TransEPI's "
                            "enh_name/prom_name 'chr:start-end|CELL|_').")
    for prefix in ("enhancer", "promoter"):
        _coords(path, out, prefix, line_offset=2,
                cols={p: src[f"{prefix}_{p}"] for p in ("chrom", "start", "end")})
    bad = (out["enhancer_chrom"] != out["promoter_chrom"]).to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise SequenceError(f"{path}, line {i + 2}: enhancer on {out['enhancer_chrom'].iloc[i]} but promoter "
                            f"on {out['promoter_chrom'].iloc[i]}. Pairs must be on the same chromosome.")
    if "enhancer_distance_to_promoter" in cols:
        raw = df["enhancer_distance_to_promoter"]
        d = pd.to_numeric(raw, errors="coerce")
        bad = (d.isna() | (d < 0)).to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise SequenceError(f"{path}, line {i + 2}, column 'enhancer_distance_to_promoter': "
                                f"{str(raw.iloc[i])!r} is not a non-negative number of bp.")
        out["distance"] = d.to_numpy().astype(np.int64) if (d == np.floor(d)).all() else d.to_numpy()
        rest = rest.drop(columns=["enhancer_distance_to_promoter"])
    else:
        out["distance"] = np.nan
    out["cell"] = None if cell is None else [
        None if (c is None or (isinstance(c, float) and np.isnan(c)) or str(c).strip() == "") else str(c).strip()
        for c in cell]
    out = out[PAIR_COLUMNS]
    for c in rest.columns:
        num = pd.to_numeric(rest[c], errors="coerce")
        nonempty = rest[c].str.strip() != ""
        out[c] = num if (num.notna() | ~nonempty).all() and nonempty.any() else rest[c]
    return out


def _read_bed4(path) -> pd.DataFrame:
    df = read_table(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    if df.shape[1] != 4:
        raise SequenceError(f"{path}, line 1: {df.shape[1]} tab-separated column(s), expected 4 "
                            "('label<TAB>chrom<TAB>start<TAB>end', the EPIANN layout).")
    df.columns = ["label", "chrom", "start", "end"]
    return df


def read_epiann_split(
    enhancer_bed: str | os.PathLike, promoter_bed: str | os.PathLike, labels: str | os.PathLike
) -> pd.DataFrame:
    """One EPIANN split: row i of the enhancer BED, promoter BED and label file form pair i.

    The BED files are ``label<TAB>chrom<TAB>start<TAB>end`` (no header; enhancers 3 kb,
    promoters 2 kb in the EPIANN IMR90 release); the label file has one 0/1 per line.
    Checked: the three files have the same number of rows (error naming each file and its
    count), labels are 0/1 and agree with the BED label columns, starts < ends, chromosome
    names are UCSC-style. Returns ``label, enhancer_chrom, enhancer_start, enhancer_end,
    promoter_chrom, promoter_start, promoter_end``.
    """
    enh = _read_bed4(enhancer_bed)
    pro = _read_bed4(promoter_bed)
    lab = [s.strip() for s in read_lines(labels)]
    while lab and lab[-1] == "":
        lab.pop()
    n = {enhancer_bed: len(enh), promoter_bed: len(pro), labels: len(lab)}
    if len(set(n.values())) != 1:
        counts = ", ".join(f"{p}: {k} rows" for p, k in n.items())
        raise SequenceError(f"EPIANN split files differ in length ({counts}). Row i of each file must describe "
                            "pair i: give the enhancer BED, promoter BED and label file of the same split.")
    y = _labels(labels, pd.Series(lab), line_offset=1, col="label")
    out = pd.DataFrame({"label": y})
    for prefix, df, path in (("enhancer", enh, enhancer_bed), ("promoter", pro, promoter_bed)):
        bl = _labels(path, df["label"], line_offset=1, col="column 1 (label)")
        bad = bl != y
        if bad.any():
            i = _first_bad(bad)
            raise SequenceError(f"{path}, line {i + 1}: label {bl[i]} disagrees with {labels} line {i + 1} "
                                f"({y[i]}). The files are not in the same row order; use files of one split.")
        for p in ("chrom", "start", "end"):
            out[f"{prefix}_{p}"] = df[p].to_numpy()
        _coords(path, out, prefix, line_offset=1, cols={"chrom": "column 2 (chrom)", "start": "column 3 (start)",
                                                         "end": "column 4 (end)"})
    return out
