"""GUE benchmark CSVs (DNABERT-2), DNABERT's k-mer tokenised TSVs, and labelled splits.

* GUE: ``sequence,label`` CSV, one raw DNA sequence and an integer class per line.
* DNABERT: ``sequence<TAB>label`` TSV whose sequence is space-separated overlapping
  k-mers (``ACGTAC CGTACG ...``); the header may use spaces instead of a tab, lines may
  end in CRLF, and some files (SNP examples) have no header at all.
* :class:`Split`: labelled DNA (sequences and integer classes), the unit the DNABERT
  workflow (:mod:`genomebook.workflows.dnabert`) trains and scores on; :func:`gue` reads
  the train / dev / test splits of one GUE task from the registry.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook import seq as _seq
from genomebook.datasets import registry
from genomebook.datasets._io import iter_lines
from genomebook.seq import SequenceError
from genomebook.tokenize import check_k, detokenize_kmers

__all__ = ["read_gue_csv", "class_balance", "read_kmer_tsv", "Split", "gue"]


def class_balance(df: pd.DataFrame) -> dict[int, int]:
    """Rows per label, ``{label: count}`` sorted by label."""
    counts = df["label"].value_counts().sort_index()
    return {int(k): int(v) for k, v in counts.items()}


def _parse_label(text: str, path: Path, line: int) -> int:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        raise SequenceError(f"{path}, line {line}: label {t!r} is not an integer. Labels must be whole "
                            "numbers (0, 1, ... one per class).") from None


def _finish(path: Path, seqs: list[str], labels: list[int], lines: list[int], length: int | None,
            allow_iupac: bool) -> pd.DataFrame:
    if not seqs:
        raise SequenceError(f"{path}: no data rows after the header; the file needs one 'sequence,label' row "
                            "per example.")
    names = [f"line {i}" for i in lines]
    seqs = _seq.validate(seqs, names, length=length, allow_iupac=allow_iupac, source=path)
    df = pd.DataFrame({"sequence": seqs, "label": pd.array(labels, dtype="int64")})
    df.attrs["source"] = str(path)
    df.attrs["class_balance"] = class_balance(df)
    return df


def read_gue_csv(path: str | os.PathLike, *, length: int | None = None,
                 allow_iupac: bool = False) -> pd.DataFrame:
    """Read a GUE ``sequence,label`` CSV: DataFrame[sequence (str, upper case), label (int64)].

    The header must be ``sequence,label``; sequences must be DNA (A, C, G, T, N; pass
    ``allow_iupac=True`` to turn IUPAC codes into N); ``length`` optionally requires
    one length. ``df.attrs['class_balance']`` holds ``{label: count}``.
    """
    path = Path(path)
    seqs: list[str] = []
    labels: list[int] = []
    lines: list[int] = []
    header_seen = False
    for i, line in iter_lines(path, "GUE CSV file"):
        if not line.strip():
            continue
        if not header_seen:
            cols = [c.strip().lower() for c in line.split(",")]
            if cols != ["sequence", "label"]:
                raise SequenceError(
                    f"{path}, line {i}: header is {line.strip()[:60]!r}, expected 'sequence,label'. "
                    "GUE files start with the header line 'sequence,label' (comma-separated).")
            header_seen = True
            continue
        parts = line.split(",")
        if len(parts) != 2:
            raise SequenceError(f"{path}, line {i}: found {len(parts)} comma-separated fields, expected 2 "
                                "(sequence,label). Remove extra commas or fill the missing field.")
        seqs.append(parts[0].strip())
        labels.append(_parse_label(parts[1], path, i))
        lines.append(i)
    if not header_seen:
        raise SequenceError(f"{path}: the file is empty; expected the header 'sequence,label' and data rows.")
    return _finish(path, seqs, labels, lines, length, allow_iupac)


def read_kmer_tsv(path: str | os.PathLike, *, k: int | None = None, length: int | None = None) -> pd.DataFrame:
    """Read a DNABERT k-mer TSV: DataFrame[sequence (de-tokenised DNA), label (int64)].

    Accepts a header 'sequence<TAB>label' (tab or spaces, LF or CRLF) or no header at
    all (detected when the first field of line 1 is not 'sequence'). Consecutive k-mers
    must overlap by k-1 (:func:`genomebook.tokenize.detokenize_kmers`; errors name the
    file, line and fix). ``df.attrs['k']`` holds the k-mer size; ``k`` optionally requires it.
    """
    path = Path(path)
    seqs: list[str] = []
    labels: list[int] = []
    lines: list[int] = []
    ks: set[int] = set()
    first = True
    for i, line in iter_lines(path, "k-mer TSV file"):
        if not line.strip():
            continue
        if first:
            first = False
            if line.split() and line.split()[0].lower() == "sequence":
                continue  # header (some DNABERT files separate it with spaces, not a tab)
        if "\t" not in line:
            raise SequenceError(f"{path}, line {i}: no tab found; expected 'k-mer sequence<TAB>label'. "
                                "Separate the k-mers from the label with a tab.")
        tok_text, label = line.rsplit("\t", 1)
        tokens = tok_text.split()
        try:
            s = detokenize_kmers(tokens)
        except SequenceError as err:
            raise SequenceError(f"{path}, line {i}: {err}") from None
        ks.add(len(tokens[0]))
        seqs.append(s)
        labels.append(_parse_label(label, path, i))
        lines.append(i)
    if first:
        raise SequenceError(f"{path}: the file is empty; expected rows 'k-mer sequence<TAB>label'.")
    df = _finish(path, seqs, labels, lines, length, False)
    if len(ks) > 1:
        raise SequenceError(f"{path}: rows use different k-mer sizes {sorted(ks)}; one file must use one k.")
    df.attrs["k"] = ks.pop()
    if k is not None and df.attrs["k"] != check_k(k):
        raise SequenceError(f"{path}: the file holds {df.attrs['k']}-mers but k={k} was asked for. "
                            f"Use the matching KmerTokenizer({df.attrs['k']}) or the file for k={k}.")
    return df


# --------------------------------------------------------------------------- labelled splits


@dataclass
class Split:
    """Labelled DNA: ``seqs`` (N str, upper-cased) and ``labels`` (N,) int64 class ids 0..C-1.

    The train / validation / test unit of the DNABERT chapters (promoters, tf_binding,
    splice_sites, papers/dnabert) and of :func:`genomebook.adversarial.adversarial_rebuild`.
    """

    seqs: list[str]
    labels: np.ndarray

    def __post_init__(self) -> None:
        self.seqs = [str(s).upper() for s in self.seqs]
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.seqs) != len(self.labels):
            raise ValueError(f"{len(self.seqs)} sequences but {len(self.labels)} labels.")

    @property
    def n(self) -> int:
        return len(self.seqs)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, seq_col: str = "sequence", label_col: str = "label") -> Split:
        """From a table with a sequence and an integer label column (the GUE CSV layout)."""
        missing = [c for c in (seq_col, label_col) if c not in df.columns]
        if missing:
            raise ValueError(f"table has no column(s) {missing}; it has {list(df.columns)}.")
        return cls(list(df[seq_col]), df[label_col].to_numpy())

    def take(self, idx: Sequence[int] | np.ndarray) -> Split:
        """The rows ``idx``, in that order."""
        idx = np.asarray(idx, dtype=np.int64)
        return Split([self.seqs[i] for i in idx], self.labels[idx])

    def subsample(self, n: int | None, seed: int = 0) -> Split:
        """At most ``n`` rows, drawn per class in proportion to its size (stratified); order shuffled."""
        if n is None or n >= self.n:
            return self
        rng = np.random.default_rng(seed)
        classes, counts = np.unique(self.labels, return_counts=True)
        quota = np.floor(counts / counts.sum() * n).astype(int)
        quota[np.argsort(-(counts / counts.sum() * n - quota))[: n - quota.sum()]] += 1
        idx = np.concatenate([rng.choice(np.flatnonzero(self.labels == c), q, replace=False)
                              for c, q in zip(classes, quota)])
        return self.take(rng.permutation(idx))

    def class_counts(self) -> dict[int, int]:
        """Rows per class, ``{class id: count}`` sorted by class."""
        return {int(c): int(n) for c, n in zip(*np.unique(self.labels, return_counts=True))}


def gue(prefix: str) -> dict[str, Split]:
    """The splits of one GUE task the registry holds: ``gue("gue_tf_0")`` -> {"train", "dev", "test"} Splits.

    Takes a registry name prefix (``gue_prom_300_tata``, ``gue_tf_0``, ``gue_mouse_0``,
    ``gue_splice``, ...); returns {split name: :class:`Split`} for the splits present in
    ``data/registry.yaml`` (some GUE train splits are not mirrored). An unknown prefix is an
    error naming the known GUE prefixes. Used by the promoters, tf_binding, splice_sites and
    papers/dnabert chapters on real data.
    """
    reg = registry.load_registry()
    names = {s: f"{prefix}_{s}" for s in ("train", "dev", "test") if f"{prefix}_{s}" in reg}
    if not names:
        known = sorted({n.rsplit("_", 1)[0] for n in reg if n.startswith("gue_")})
        raise ValueError(f"no GUE splits named {prefix}_train/_dev/_test in the registry; known: {known}")
    return {s: Split.from_frame(registry.read(n)) for s, n in names.items()}
