"""A reader's own labelled sequences: a FASTA file plus a table of labels."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook.seq import SequenceError, pad_or_trim, read_fasta


def read_labels(path: str | os.PathLike) -> pd.DataFrame:
    """Read a label table with columns ``name`` and ``label`` (0/1), tab- or comma-separated."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Label file {path} does not exist. Give labels_path as a "
                                "table with columns 'name' and 'label'.")
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    try:
        df = pd.read_csv(path, sep=sep, dtype={"name": str})
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


def read_labelled_sequences(
    fasta_path: str | os.PathLike, labels_path: str | os.PathLike, *, length: int | None = None
) -> tuple[list[str], list[str], np.ndarray]:
    """Sequences of a FASTA file with their labels: (names, sequences, labels (N,) int).

    Records and label rows are matched by name. Sequences of different lengths are
    centred and padded with N (or trimmed) to ``length``, by default the longest.
    """
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
    length = length or max(map(len, seqs))
    if any(len(s) != length for s in seqs):
        seqs = pad_or_trim(seqs, length)
    return names, seqs, y
