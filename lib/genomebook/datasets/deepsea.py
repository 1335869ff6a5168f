"""DeepSEA-style examples and the label names of DeepSEA (919), Beluga (2002) and Basset (164).

* :func:`read_examples` — deepHaem's DeepSEA-format training table (TSV, no header):
  ``chrom  start  end  label_ids  DNA_sequence`` with ``label_ids`` comma-separated 0-based
  indices of the chromatin features overlapping the window (empty / ``NA`` / ``-`` = none).
* :func:`labels_to_matrix` — those index lists as an ``(N, n_labels)`` uint8 matrix.
* :func:`read_feature_names` — ordered label names, one per line, in three layouts:
  DeepSEA ``cell|assay|treatment`` (919, with one placeholder line ``NA|NA|NA``), Beluga
  ``cell_assay_treatment`` (2002; cells and treatments may themselves contain ``_``) and
  Basset (164 DNase-seq cell types, one name per line).

Errors are :class:`genomebook.seq.SequenceError` naming the file, the line and the fix.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from genomebook.datasets._io import read_lines
from genomebook.seq import SequenceError

__all__ = ["read_examples", "labels_to_matrix", "read_feature_names"]

_DNA = re.compile(r"^[ACGTNacgtn]+$")
_NO_LABELS = {"", "na", "-", ".", "none"}


def read_examples(path: str | os.PathLike) -> pd.DataFrame:
    """DeepSEA-format examples: DataFrame ``[chrom, start, end, labels, sequence]``.

    ``labels`` is a sorted ``list[int]`` of 0-based feature indices (empty list when the
    field is empty, ``NA`` or ``-``); ``sequence`` is upper-cased and must be A/C/G/T/N of
    length ``end - start``. Errors name the file, the line and the column.
    """
    rows = []
    for lineno, line in enumerate(read_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 5:
            raise SequenceError(f"{path}, line {lineno}: {len(f)} tab-separated field(s), expected 5 "
                                "('chrom<TAB>start<TAB>end<TAB>label_ids<TAB>sequence').")
        chrom, start, end, lab, seq = (x.strip() for x in f)
        if not chrom:
            raise SequenceError(f"{path}, line {lineno}, column 1 (chrom): empty chromosome name.")
        try:
            s, e = int(start), int(end)
        except ValueError:
            col = "2 (start)" if not start.lstrip("-").isdigit() else "3 (end)"
            raise SequenceError(f"{path}, line {lineno}, column {col}: {start if col[0] == '2' else end!r} "
                                "is not an integer coordinate.") from None
        if s < 0 or s >= e:
            raise SequenceError(f"{path}, line {lineno}: start {s} / end {e} invalid; need 0 <= start < end.")
        if lab.lower() in _NO_LABELS:
            labels: list[int] = []
        else:
            toks = [t.strip() for t in lab.split(",")]
            if not all(t.isdigit() for t in toks):
                bad = next(t for t in toks if not t.isdigit())
                raise SequenceError(f"{path}, line {lineno}, column 4 (label_ids): {bad!r} is not a 0-based "
                                    "label index. Give comma-separated non-negative integers, e.g. '10,18,25'.")
            labels = sorted({int(t) for t in toks})
        if not _DNA.match(seq):
            bad = next((c for c in seq if c not in "ACGTNacgtn"), "")
            raise SequenceError(f"{path}, line {lineno}, column 5 (sequence): "
                                f"{'empty sequence' if not seq else f'character {bad!r} is not A/C/G/T/N'}. "
                                "Give the DNA sequence of the window.")
        if len(seq) != e - s:
            raise SequenceError(f"{path}, line {lineno}, column 5 (sequence): length {len(seq)} but end - start "
                                f"= {e - s}. The sequence must span exactly the window.")
        rows.append((chrom, s, e, labels, seq.upper()))
    if not rows:
        raise SequenceError(f"{path}: no examples. Expected lines 'chrom<TAB>start<TAB>end<TAB>label_ids<TAB>"
                            "sequence'.")
    df = pd.DataFrame(rows, columns=["chrom", "start", "end", "labels", "sequence"])
    df["labels"] = df["labels"].astype(object)
    return df


def labels_to_matrix(df: pd.DataFrame, n_labels: int = 919) -> np.ndarray:
    """``(N, n_labels)`` uint8 matrix with ``Y[i, j] = 1`` when ``j`` is in row i's ``labels``."""
    y = np.zeros((len(df), n_labels), dtype=np.uint8)
    for i, labels in enumerate(df["labels"]):
        labels = list(labels)
        if labels:
            top = max(labels)
            if top >= n_labels or min(labels) < 0:
                raise SequenceError(f"labels_to_matrix: row {i} has label index {top if top >= n_labels else min(labels)}"
                                    f" outside 0..{n_labels - 1}. Pass the right n_labels (919 for DeepSEA, 2002 "
                                    "for Beluga, 164 for Basset).")
            y[i, labels] = 1
    return y


def _split_beluga(names: list[str]) -> list[tuple[str, str, str]]:
    """Split 'cell_assay_treatment' names whose cell / treatment may contain '_'.

    Names ending in ``_None`` (the great majority) split as cell = everything before the
    assay, assay = the token before ``None``. Their cells form a vocabulary; any other name
    is split after the longest known cell prefix (assay = next token, treatment = the
    rest), or after its first token when no known cell matches.
    """
    known: set[str] = set()
    for n in names:
        t = n.split("_")
        if len(t) >= 3 and t[-1] == "None":
            known.add("_".join(t[:-2]))
    out = []
    for n in names:
        t = n.split("_")
        if len(t) >= 3 and t[-1] == "None":
            out.append(("_".join(t[:-2]), t[-2], "None"))
            continue
        k = max((k for k in range(1, len(t) - 1) if "_".join(t[:k]) in known), default=1)
        out.append(("_".join(t[:k]), t[k] if k < len(t) else "", "_".join(t[k + 1:]) or "None"))
    return out


def read_feature_names(path: str | os.PathLike, *, format: str = "auto") -> pd.DataFrame:
    """Ordered label names: DataFrame ``[index, cell, assay, treatment, name]``.

    ``index`` is the 0-based label column, ``name`` the line as written. ``format``:

    * ``"deepsea"`` — ``cell|assay|treatment`` (exactly 3 fields). The placeholder line
      ``NA|NA|NA`` (DeepSEA line 577, index 576) gets cell/assay/treatment = None.
    * ``"beluga"`` — ``cell_assay_treatment`` (see :func:`_split_beluga` for the split).
    * ``"basset"`` — one cell type per line; assay ``DNase``, treatment ``None``.
    * ``"auto"`` — ``deepsea`` when lines contain ``|``, ``beluga`` when every line has at
      least two ``_``, else ``basset``.
    """
    lines = read_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise SequenceError(f"{path}: no label names. Give one name per line.")
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            raise SequenceError(f"{path}, line {lineno}: blank line. Every line is one label (its line number "
                                "- 1 is the label index): remove the blank line or name the label.")
    names = [ln.strip() for ln in lines]
    if format == "auto":
        if any("|" in n for n in names):
            format = "deepsea"
        elif all(n.count("_") >= 2 for n in names):
            format = "beluga"
        else:
            format = "basset"
    if format == "deepsea":
        parts = []
        for lineno, n in enumerate(names, start=1):
            f = n.split("|")
            if len(f) != 3:
                raise SequenceError(f"{path}, line {lineno}: {n!r} has {len(f)} '|'-separated field(s), expected "
                                    "3 ('cell|assay|treatment').")
            parts.append(tuple(None if x == "NA" else x for x in f) if f == ["NA", "NA", "NA"] else tuple(f))
    elif format == "beluga":
        parts = _split_beluga(names)
    elif format == "basset":
        parts = [(n, "DNase", "None") for n in names]
    else:
        raise ValueError(f"format must be 'auto', 'deepsea', 'beluga' or 'basset', got {format!r}")
    df = pd.DataFrame(parts, columns=["cell", "assay", "treatment"], dtype=object)
    df.insert(0, "index", np.arange(len(df)))
    df["name"] = names
    return df
