"""A reader's own labelled sequences: a FASTA file plus a table of labels.

Nothing is changed without being asked: sequences of different lengths stop with a
message (a model could learn the label from the length, or from the padding) unless the
caller chooses ``unequal="pad"`` or ``"crop"``; :func:`length_summary` shows the lengths
per class so a chapter can say what it did.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook.datasets._io import read_text
from genomebook.seq import SequenceError, pad_or_trim, read_fasta

__all__ = ["UNEQUAL", "length_summary", "read_labelled_sequences", "read_labels"]

#: What :func:`read_labelled_sequences` may do with sequences of different lengths.
UNEQUAL = ("error", "pad", "crop")


def read_labels(path: str | os.PathLike) -> pd.DataFrame:
    """Read a label table with columns ``name`` and ``label`` (0/1), tab- or comma-separated.

    Plain or gzip; LF, CRLF or CR line endings; a UTF-8 byte-order mark is ignored.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Label file {path} does not exist. Give labels_path as a "
                                "table with columns 'name' and 'label'.")
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    try:
        df = pd.read_csv(io.StringIO(read_text(path)), sep=sep, dtype={"name": str})
    except pd.errors.EmptyDataError:
        raise SequenceError(f"{path}: the label file is empty; expected a header "
                            "'name<TAB>label' and one row per FASTA record.") from None
    missing = {"name", "label"} - set(df.columns)
    if missing:
        raise SequenceError(
            f"{path}: missing column(s) {', '.join(sorted(missing))}; found "
            f"{', '.join(map(str, df.columns))}. The first line must be the header "
            f"'name{'<TAB>' if sep == chr(9) else ','}label'.")
    bad = ~df["label"].isin([0, 1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2} (record {df['name'].iloc[i]!r}): label "
                            f"{str(df['label'].iloc[i])!r} is not 0 or 1. Labels must be 0 or 1.")
    dup = df["name"][df["name"].duplicated()]
    if len(dup):
        raise SequenceError(f"{path}: record {dup.iloc[0]!r} has more than one label; "
                            "keep one row per record.")
    return df[["name", "label"]].astype({"label": np.int64})


def length_summary(seqs: Sequence[str], labels: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """Sequence lengths per class: one row per label (sorted), columns n, min, median, max (bp)."""
    if len(seqs) != len(labels):
        raise ValueError(f"got {len(seqs)} sequences and {len(labels)} labels")
    df = pd.DataFrame({"label": np.asarray(labels), "length": [len(s) for s in seqs]})
    out = df.groupby("label")["length"].agg(n="size", min="min", median="median", max="max")
    return out.astype({"n": "int64", "min": "int64", "max": "int64", "median": "float64"})


def _ranges(seqs: Sequence[str], labels: np.ndarray) -> str:
    """'label 0: 300 bp, label 1: 180–250 bp'."""
    parts = []
    for row in length_summary(seqs, labels).itertuples():
        span = f"{row.min} bp" if row.min == row.max else f"{row.min}–{row.max} bp"
        label = row.Index
        parts.append(f"label {label}: {span}")
    return ", ".join(parts)


def _equal_lengths(seqs: list[str], y: np.ndarray, length: int | None, unequal: str,
                   fasta_path: str | os.PathLike) -> list[str]:
    """Check or make the sequences one length, as ``unequal`` says (see read_labelled_sequences)."""
    lengths = {len(s) for s in seqs}
    shortest, longest = min(lengths), max(lengths)
    if length is None:
        target = longest if unequal == "pad" else shortest if unequal == "crop" else None
        if len(lengths) == 1:
            return seqs
    else:
        target = length
        if lengths == {length}:
            return seqs
    if unequal == "error":
        n_lengths = f"{len(lengths)} different length{'s' if len(lengths) > 1 else ''}"
        if length is None:
            what = f"the sequences have {n_lengths} ({_ranges(seqs, y)})"
            fixes = ["unequal='pad' to centre-pad with N to the longest",
                     "'crop' to centre-crop to the shortest"]
        else:
            n_off = sum(len(s) != length for s in seqs)
            what = (f"{n_off} of {len(seqs)} sequences are not length={length} bp "
                    f"({n_lengths}: {_ranges(seqs, y)})")
            fixes = ([f"unequal='pad' to centre-pad with N to {length} bp"] if length >= longest else []) + \
                    ([f"unequal='crop' to centre-crop to {length} bp"] if length <= shortest else [])
            if not fixes:
                fixes = [f"unequal='pad' (to the longest, {longest} bp)",
                         f"'crop' (to the shortest, {shortest} bp) without a length"]
        raise SequenceError(
            f"{fasta_path}: {what}. A model could learn the label from a sequence's length or its "
            f"padding, so nothing is changed without asking: pass {', or '.join(fixes)} (in a "
            "chapter: the parameter unequal_lengths); the chapter will say which it did.")
    if unequal == "pad" and target < longest:
        raise SequenceError(
            f"{fasta_path}: unequal='pad' cannot shorten, but length={length} is less than the "
            f"longest sequence ({longest} bp; {_ranges(seqs, y)}). Pass length >= {longest}, "
            "or unequal='crop'.")
    if unequal == "crop" and target > shortest:
        raise SequenceError(
            f"{fasta_path}: unequal='crop' cannot lengthen, but length={length} is more than the "
            f"shortest sequence ({shortest} bp; {_ranges(seqs, y)}). Pass length <= {shortest}, "
            "or unequal='pad'.")
    return pad_or_trim(seqs, target, align="center")


def read_labelled_sequences(
    fasta_path: str | os.PathLike,
    labels_path: str | os.PathLike,
    *,
    length: int | None = None,
    unequal: str = "error",
) -> tuple[list[str], list[str], np.ndarray]:
    """Sequences of a FASTA file with their labels: (names, sequences, labels (N,) int), in FASTA order.

    Records and label rows are matched by name. All sequences must have one length
    (``length``, when given). Sequences of different lengths stop with a
    :class:`SequenceError` giving the length range per class, unless ``unequal`` says
    what to do:

    * ``"error"`` (default): stop;
    * ``"pad"``: centre-pad with N to ``length``, by default the longest (never shortens);
    * ``"crop"``: centre-crop to ``length``, by default the shortest (never lengthens).

    :func:`length_summary` on the sequences as read shows what was changed.
    """
    if unequal not in UNEQUAL:
        raise ValueError(f"unequal must be one of {', '.join(UNEQUAL)}; got {unequal!r}")
    if length is not None and length < 1:
        raise ValueError(f"length must be a positive number of bases, got {length}")
    names, seqs = read_fasta(fasta_path)
    labels = read_labels(labels_path)
    lookup = dict(zip(labels["name"], labels["label"]))
    missing = [n for n in names if n not in lookup]
    extra = sorted(set(lookup) - set(names))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} FASTA record(s) have no label (first: {missing[0]!r})")
        if extra:
            parts.append(f"{len(extra)} label row(s) match no FASTA record (first: {extra[0]!r})")
        raise SequenceError(
            f"{fasta_path} has {len(names)} records and {labels_path} has {len(labels)} labels: "
            f"{'; '.join(parts)}. Give every record exactly one label row with the same name.")
    y = np.array([lookup[n] for n in names], dtype=np.int64)
    if len(set(y.tolist())) < 2:
        raise SequenceError(f"{labels_path}: every label is {y[0]}; a classifier needs both 0 "
                            "and 1 labels.")
    seqs = _equal_lengths(seqs, y, length, unequal, fasta_path)
    return names, seqs, y
