"""A reader's own labelled sequences, in the formats people have: one reader for every chapter.

:func:`read_labelled_sequences` accepts

* a FASTA file plus a label table (``name<TAB>label``, optional columns ``split``, ``tss``,
  ``species``; tab-separated, or comma-separated when the name ends in ``.csv``);
* a GUE-style table of sequences (``sequence,label``, optional ``name``, ``split``, ``tss``,
  ``species``), or a folder of them named ``train``, ``dev`` (or ``val``) and ``test``
  (``.csv`` or ``.tsv``), the file name giving the split;
* one FASTA file per class: a mapping ``{class: path}``, a text ``"positives=a.fa,negatives=b.fa"``
  (``class=path`` pairs, for more than two classes too), or a folder holding ``positives.fa`` and
  ``negatives.fa``;

each plain or gzip. It returns a :class:`LabelledSequences`.

Nothing is changed without being asked: sequences of different lengths stop with a
message (a model could learn the label from the length, or from the padding) unless the
caller chooses ``unequal="pad"`` or ``"crop"``; repeated FASTA names stop unless the caller
chooses ``duplicate_names="rename"``. :func:`length_summary` shows the lengths per class
so a chapter can say what it did. Used by the motifs chapter (``notebooks/tasks/motifs.py``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from genomebook.datasets._io import MissingFileError, iter_lines, read_table
from genomebook.datasets.gue import Split
from genomebook.seq import SequenceError, pad_or_trim, read_fasta, read_fasta_records, validate

__all__ = ["CHAPTER_INPUTS", "DUPLICATE_NAMES", "SPLITS", "UNEQUAL", "ChapterInput", "LabelledSequences",
           "cap_splits", "chapter_split", "length_summary", "parse_class_paths", "read_labelled_sequences",
           "read_labels", "resolve_path", "user_source"]

#: What :func:`read_labelled_sequences` may do with sequences of different lengths.
UNEQUAL = ("error", "pad", "crop")
#: What :func:`read_labelled_sequences` may do with FASTA record names that repeat.
DUPLICATE_NAMES = ("error", "rename")
#: The split names of :attr:`LabelledSequences.split` (``val``/``validation`` are read as ``dev``).
SPLITS = ("train", "dev", "test")
_SPLIT_WORDS = {"train": "train", "training": "train", "dev": "dev", "val": "dev", "valid": "dev",
                "validation": "dev", "test": "test"}
_POSITIVE = ("positives", "positive", "pos")
_NEGATIVE = ("negatives", "negative", "neg")
_FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
_TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
_NOT_ACGTN = re.compile(r"[^ACGTNacgtn]")


@dataclass
class LabelledSequences:
    """Labelled sequences as read by :func:`read_labelled_sequences` (N records, in file order).

    Attributes
    ----------
    names : list of N str
        Record names (FASTA first words, a table's ``name`` column, or ``<file stem>_<line>``).
    seqs : list of N str
        Upper-case DNA (A, C, G, T, N), all one length.
    labels : (N,) int64
        Classes 0..C-1.
    split : (N,) str array of ``"train"``, ``"dev"``, ``"test"``, or None
        The data's own split, when it gives one (a ``split`` column or a folder of
        train/dev/test files); None when the caller must split.
    extra : dict of str -> (N,) array
        Other columns: ``tss`` (int, the TSS position, 0-based, in the sequence as returned,
        i.e. shifted by any padding or cropping), ``species`` (str), and any column the reader
        does not know (str, kept as given).
    lengths : (N,) int64
        Sequence lengths as read, before any padding or cropping.
    classes : list of C str
        What each label means (``"negatives"``/``"positives"``, a class name, or the label).
    format : str
        ``"fasta+labels"``, ``"csv"``, ``"csv folder"`` or ``"fasta per class"``.
    files : list of Path
        The files read (absolute).
    notes : list of str
        What the reader did that the caller should say (renamed records, unused columns).
    """

    names: list[str]
    seqs: list[str]
    labels: np.ndarray
    split: np.ndarray | None
    extra: dict[str, np.ndarray]
    lengths: np.ndarray
    classes: list[str]
    format: str
    files: list[Path]
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.seqs)

    def take(self, ix: Sequence[int] | np.ndarray) -> Split:
        """The records at positions ``ix`` as a :class:`~genomebook.datasets.gue.Split` (sequences, labels).

        The unit the DNABERT workflow trains and scores on; used by the promoters, tf_binding,
        splice_sites and dnabert chapters on a reader's files (``ix`` from :func:`chapter_split`).
        """
        ix = np.asarray(ix, dtype=np.int64)
        return Split([self.seqs[i] for i in ix], self.labels[ix])

    def counts(self) -> pd.DataFrame:
        """Records per split (rows; ``all`` when there is no split) and label (columns), ints."""
        split = self.split if self.split is not None else np.full(len(self), "all")
        table = pd.crosstab(pd.Series(split, name="split"), pd.Series(self.labels, name="label"))
        order = [s for s in (*SPLITS, "all") if s in table.index]
        return table.reindex(order)

    def describe(self) -> str:
        """One sentence: how many records, from which files, in which format, and the split."""
        where = (str(self.files[0]) if len(self.files) == 1
                 else f"{len(self.files)} files in {os.path.commonpath([str(f.parent) for f in self.files])}")
        by_class = ", ".join(f"{(self.labels == i).sum():,} {c}" for i, c in enumerate(self.classes))
        split = ("its own split: " + ", ".join(f"{s} {(self.split == s).sum():,}" for s in SPLITS)
                 if self.split is not None else "no split given")
        return f"{len(self):,} sequences ({by_class}) from {where} ({self.format}); {split}."


# --------------------------------------------------------------------------- paths


def resolve_path(path: str | os.PathLike, *, base_dir: str | os.PathLike | None = None,
                 what: str = "file") -> Path:
    """``path`` as an absolute, existing Path; relative paths are read from ``base_dir`` (default: cwd).

    A missing path raises :class:`~genomebook.datasets._io.MissingFileError` (a
    ``FileNotFoundError``) saying where it was looked for and from which folder relative
    paths are read.
    """
    given = Path(path).expanduser()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    full = given if given.is_absolute() else base / given
    if not full.exists():
        where = f"looked for {full}" + ("" if given.is_absolute() else
                                         f"; relative paths are read from {base}")
        raise MissingFileError(f"{path} does not exist: no such {what} ({where}). Check the path, "
                               "or give it as an absolute path.")
    return full


def parse_class_paths(text: str) -> dict[str, str] | None:
    """``"positives=a.fa,negatives=b.fa"`` as ``{"positives": "a.fa", ...}``; None when ``text`` is not pairs.

    Pairs are separated by commas or semicolons; spaces around names and paths are dropped.
    """
    parts = [p.strip() for p in re.split(r"[,;]", str(text)) if p.strip()]
    if not parts or not all("=" in p for p in parts):
        return None
    pairs = [tuple(s.strip() for s in p.split("=", 1)) for p in parts]
    names = [k for k, _ in pairs]
    dup = [k for k, c in Counter(names).items() if c > 1]
    if dup or not all(k and v for k, v in pairs):
        raise SequenceError(f"{text!r}: give each class once as class=path (e.g. "
                            "'positives=pos.fa,negatives=neg.fa'); "
                            + (f"class {dup[0]!r} is given twice." if dup else "a name or path is empty."))
    return dict(pairs)


# --------------------------------------------------------------------------- tables


def _split_values(values: pd.Series, path: Path, lines: np.ndarray) -> np.ndarray:
    words = values.astype(str).str.strip().str.lower()
    bad = ~words.isin(list(_SPLIT_WORDS))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SequenceError(
            f"{path}, line {lines[i]}: split {values.iloc[i]!r} is not one of train, dev (or val), "
            f"test ({int(bad.sum())} row(s) like this). Fix the column, or remove it to let the "
            "chapter make its own split.")
    return words.map(_SPLIT_WORDS).to_numpy(dtype=object).astype(str)


def _optional_columns(df: pd.DataFrame, path: Path, lines: np.ndarray, used: set[str]
                      ) -> tuple[np.ndarray | None, dict[str, np.ndarray], list[str]]:
    """The split, the extra columns (tss as int) and notes, from a table read as strings."""
    split = _split_values(df["split"], path, lines) if "split" in df.columns else None
    extra: dict[str, np.ndarray] = {}
    notes = []
    if "tss" in df.columns:
        text = df["tss"].astype(str).str.strip()
        bad = ~text.str.fullmatch(r"\d+")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SequenceError(f"{path}, line {lines[i]}: tss {df['tss'].iloc[i]!r} is not a position "
                                "(a whole number of bases from the sequence start, 0-based). Fix the "
                                "column, or remove it.")
        extra["tss"] = text.astype(np.int64).to_numpy()
    if "species" in df.columns:
        extra["species"] = df["species"].astype(str).str.strip().to_numpy()
    other = [c for c in df.columns if c not in used | {"split", "tss", "species"}]
    for c in other:
        extra[str(c)] = df[c].astype(str).to_numpy()
    if other:
        notes.append(f"{path}: column(s) {', '.join(map(str, other))} kept as given but not used "
                     "(the reader knows split, tss and species).")
    return split, extra, notes


def _labels(values: pd.Series, path: Path, lines: np.ndarray, names: Sequence[str], n_classes: int) -> np.ndarray:
    text = values.astype(str).str.strip()
    ok = text.isin([str(k) for k in range(n_classes)])
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        allowed = "0 or 1" if n_classes == 2 else f"one of 0..{n_classes - 1}"
        raise SequenceError(f"{path}, line {lines[i]} (record {names[i]!r}): label {values.iloc[i]!r} "
                            f"is not {allowed} ({int((~ok).sum())} row(s) like this). Labels must be "
                            f"{allowed}.")
    return text.astype(np.int64).to_numpy()


def _separator(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    return "," if name.endswith(".csv") else "\t"


def _default_classes(n_classes: int) -> list[str]:
    return ["negatives", "positives"] if n_classes == 2 else [str(k) for k in range(n_classes)]


def _read_strings(path: Path) -> pd.DataFrame:
    sep = _separator(path)
    df = read_table(path, sep=sep, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    return df


def read_labels(path: str | os.PathLike, *, n_classes: int = 2, base_dir: str | os.PathLike | None = None
                ) -> pd.DataFrame:
    """Read a label table: columns ``name``, ``label`` (0..n_classes-1) and any optional ones, as given.

    Tab-separated, or comma-separated when the name ends in ``.csv`` (``.gz`` allowed); plain
    or gzip; LF, CRLF or CR line endings; a UTF-8 byte-order mark is ignored. Returns a
    DataFrame with ``name`` (str), ``label`` (int64) and the other columns as strings.
    """
    path = resolve_path(path, base_dir=base_dir, what="label file")
    try:
        df = _read_strings(path)
    except SequenceError as exc:
        if "is empty" in str(exc) or "no columns" in str(exc):
            raise SequenceError(f"{path}: the label file is empty; expected a header "
                                "'name<TAB>label' and one row per FASTA record.") from None
        raise
    sep = _separator(path)
    missing = {"name", "label"} - set(df.columns)
    if missing:
        raise SequenceError(
            f"{path}: missing column(s) {', '.join(sorted(missing))}; found "
            f"{', '.join(map(str, df.columns))}. The first line must be the header "
            f"'name{'<TAB>' if sep == chr(9) else ','}label'.")
    lines = np.arange(len(df)) + 2
    df["label"] = _labels(df["label"], path, lines, df["name"].tolist(), n_classes)
    dup = df["name"][df["name"].duplicated()]
    if len(dup):
        raise SequenceError(f"{path}: record {dup.iloc[0]!r} has more than one label "
                            f"({len(dup)} repeated row(s)); keep one row per record.")
    return df


# --------------------------------------------------------------------------- one record set


@dataclass
class _Records:
    """Records of one or more files before the common checks; ``origin[i]`` = (file, index in file, line or None)."""

    names: list[str]
    seqs: list[str]
    labels: np.ndarray
    split: np.ndarray | None
    extra: dict[str, np.ndarray]
    origin: list[tuple[Path, int, int | None]]
    classes: list[str]
    format: str
    files: list[Path]
    notes: list[str]


def _line(origin: tuple[Path, int, int | None], cache: dict) -> str:
    path, index, line = origin
    if line is None:
        if path not in cache:
            cache[path] = [r.line for r in read_fasta_records(path)]
        line = cache[path][index]
    return f"{path}, line {line}"


def _unique_names(rec: _Records, duplicate_names: str, *, matched_by_name: bool = False) -> None:
    """Stop on repeated names, or rename the repeats name.2, name.3, ... (with a note), as asked."""
    counts = Counter(rec.names)
    repeated = {n: c for n, c in counts.items() if c > 1}
    if not repeated:
        return
    first = next(n for n in rec.names if n in repeated)
    at = [i for i, n in enumerate(rec.names) if n == first][:2]
    cache: dict = {}
    where = " and ".join(_line(rec.origin[i], cache) for i in at)
    n_repeats = sum(c - 1 for c in repeated.values())
    files = ", ".join(map(str, rec.files))
    what = (f"{len(repeated):,} record name(s) occur more than once ({n_repeats:,} repeat(s) among "
            f"{len(rec.names):,} records; first: {first!r} at {where})")
    if matched_by_name:
        raise SequenceError(
            f"{files}: {what}. The label table is matched to the FASTA by name, so repeated names "
            "cannot be told apart. Make the names unique in the FASTA and the table, or give one "
            "FASTA per class (in a chapter: data_path='positives=pos.fa,negatives=neg.fa') with "
            "duplicate_names='rename'.")
    if duplicate_names == "error":
        raise SequenceError(
            f"{files}: {what}. Record names (the first word after '>') tell records apart. Pass "
            f"duplicate_names='rename' (a chapter parameter too) to keep every record, renaming "
            f"the repeats {first}.2, {first}.3, ...; or make the names unique in the file.")
    taken = set(rec.names)
    seen: Counter = Counter()
    out = []
    for n in rec.names:
        seen[n] += 1
        if seen[n] == 1:
            out.append(n)
            continue
        k = seen[n]
        while f"{n}.{k}" in taken:
            k += 1
        new = f"{n}.{k}"
        taken.add(new)
        out.append(new)
    rec.names = out
    note = (f"duplicate_names='rename': {what}; the repeats were renamed (e.g. the second "
            f"{first!r} is now {out[at[1]]!r}).")
    print(note)
    rec.notes.append(note)


def _fasta_and_labels(fasta: Path, labels_path: Path, n_classes: int, allow_iupac: bool,
                      duplicate_names: str) -> _Records:
    names, seqs = read_fasta(fasta, allow_iupac=allow_iupac, unique_names=False)
    rec = _Records(names, seqs, np.zeros(0, np.int64), None, {},
                   [(fasta, i, None) for i in range(len(names))], [], "fasta+labels", [fasta, labels_path], [])
    _unique_names(rec, duplicate_names, matched_by_name=True)
    table = read_labels(labels_path, n_classes=n_classes)
    row = {n: i for i, n in enumerate(table["name"])}
    missing = [n for n in names if n not in row]
    extra = sorted(set(row) - set(names))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} FASTA record(s) have no label (first: {missing[0]!r})")
        if extra:
            parts.append(f"{len(extra)} label row(s) match no FASTA record (first: {extra[0]!r})")
        raise SequenceError(
            f"{fasta} has {len(names)} records and {labels_path} has {len(table)} labels: "
            f"{'; '.join(parts)}. Give every record exactly one label row with the same name.")
    order = np.array([row[n] for n in names], dtype=np.int64)
    lines = np.arange(len(table)) + 2
    split, columns, notes = _optional_columns(table, labels_path, lines, {"name", "label"})
    rec.labels = table["label"].to_numpy()[order]
    rec.split = None if split is None else split[order]
    rec.extra = {k: v[order] for k, v in columns.items()}
    rec.notes += notes
    rec.classes = _default_classes(n_classes)
    return rec


def _sequence_table(path: Path, n_classes: int, allow_iupac: bool, split_from_name: str | None = None) -> _Records:
    df = _read_strings(path)
    sep = _separator(path)
    missing = {"sequence", "label"} - set(df.columns)
    if missing:
        raise SequenceError(
            f"{path}: missing column(s) {', '.join(sorted(missing))}; found "
            f"{', '.join(map(str, df.columns))}. A table of sequences needs the header "
            f"'sequence{'<TAB>' if sep == chr(9) else ','}label' (the GUE format; optional columns "
            "name, split, tss, species). For a FASTA file with a label table, give both paths.")
    if not len(df):
        raise SequenceError(f"{path}: the table has a header but no rows. Give one row per sequence.")
    lines = np.arange(len(df)) + 2
    stem = path.name.split(".")[0]
    names = (df["name"].astype(str).str.strip().tolist() if "name" in df.columns
             else [f"{stem}_{line}" for line in lines])
    if "name" in df.columns and not all(names):
        i = names.index("")
        raise SequenceError(f"{path}, line {lines[i]}: the name is empty. Give every row a name, "
                            "or remove the name column.")
    raw = df["sequence"].astype(str).str.strip().tolist()
    for i, s in enumerate(raw):  # a row that is not plain DNA stops, named by its line
        if not s or _NOT_ACGTN.search(s) or not s.upper().strip("N"):
            clean = validate([s], [names[i]], allow_iupac=allow_iupac, source=f"{path}, line {lines[i]}")[0]
            if not clean.replace("N", ""):
                raise SequenceError(
                    f"{path}, line {lines[i]}, record {names[i]!r} is all N ({len(s)} bp): it has no "
                    "known base. Remove the row, or give its real bases.")
    seqs = validate(raw, names, allow_iupac=allow_iupac, source=path)
    labels = _labels(df["label"], path, lines, names, n_classes)
    split, extra, notes = _optional_columns(df, path, lines, {"sequence", "label", "name"})
    if split_from_name is not None:
        if split is not None:
            raise SequenceError(f"{path}: has a split column, but the file name already says "
                                f"'{split_from_name}'. Remove the column (or the other files).")
        split = np.full(len(df), split_from_name)
    return _Records(names, seqs, labels, split, extra, [(path, i, int(line)) for i, line in enumerate(lines)],
                    _default_classes(n_classes), "csv", [path], notes)


def _is_fasta(path: Path) -> bool:
    for _, line in iter_lines(path):
        text = line.lstrip("\ufeff").strip()
        if text:
            return text.startswith(">")
    return False


def _class_labels(classes: Sequence[str], n_classes: int) -> list[int] | None:
    """Labels of the classes: positives 1 / negatives 0, numbers as given, other names in the order given
    (more than two classes only; None for two classes with other names)."""
    keys = [str(c).strip().lower() for c in classes]
    if set(keys) <= set(_POSITIVE + _NEGATIVE) and len(keys) == 2 and \
            sum(k in _POSITIVE for k in keys) == 1:
        return [1 if k in _POSITIVE else 0 for k in keys]
    if all(re.fullmatch(r"\d+", k) for k in keys):
        return [int(k) for k in keys]
    return list(range(len(keys))) if n_classes > 2 else None


def _fasta_per_class(paths: Mapping[str, Path], n_classes: int, allow_iupac: bool) -> _Records:
    classes = list(paths)
    labels_of = _class_labels(classes, n_classes)
    if labels_of is None or sorted(labels_of) != list(range(n_classes)):
        given = ", ".join(f"{c}={paths[c]}" for c in classes)
        need = ("'positives=...' and 'negatives=...' (or classes 1 and 0)" if n_classes == 2
                else f"{n_classes} classes named 0..{n_classes - 1}, or {n_classes} names")
        raise SequenceError(f"{given}: {len(classes)} class file(s) given; this task needs {need}.")
    names, seqs, labels, origin = [], [], [], []
    for c, y in zip(classes, labels_of):
        path = paths[c]
        n, s = read_fasta(path, allow_iupac=allow_iupac, unique_names=False)
        names += n
        seqs += s
        labels += [y] * len(s)
        origin += [(path, i, None) for i in range(len(s))]
    names_of = [""] * n_classes
    for c, y in zip(classes, labels_of):
        names_of[y] = str(c)
    return _Records(names, seqs, np.array(labels, np.int64), None, {}, origin, names_of,
                    "fasta per class", list(paths.values()), [])


def _find(folder: Path, stems: Sequence[str], suffixes: Sequence[str]) -> list[Path]:
    found = []
    for f in sorted(folder.iterdir()):
        name = f.name.lower().removesuffix(".gz")
        stem, dot, suffix = name.rpartition(".")
        if f.is_file() and dot and stem in stems and f".{suffix}" in suffixes:
            found.append(f)
    return found


def _folder(folder: Path, n_classes: int, allow_iupac: bool) -> _Records:
    tables = _find(folder, list(_SPLIT_WORDS), _TABLE_SUFFIXES)
    if tables:
        by_split: dict[str, Path] = {}
        for t in tables:
            s = _SPLIT_WORDS[t.name.lower().split(".")[0]]
            if s in by_split:
                raise SequenceError(f"{folder}: both {by_split[s].name} and {t.name} give the {s} split. "
                                    "Keep one file per split.")
            by_split[s] = t
        if not {"train", "test"} <= set(by_split):
            raise SequenceError(f"{folder}: has {', '.join(t.name for t in tables)} but no "
                                f"{'train' if 'train' not in by_split else 'test'} file. A folder of "
                                "tables needs train.csv and test.csv (dev.csv is optional).")
        parts = [_sequence_table(by_split[s], n_classes, allow_iupac, s) for s in SPLITS if s in by_split]
        rec = parts[0]
        for p in parts[1:]:
            rec.names += p.names
            rec.seqs += p.seqs
            rec.labels = np.concatenate([rec.labels, p.labels])
            rec.split = np.concatenate([rec.split, p.split])
            if set(rec.extra) != set(p.extra):
                raise SequenceError(f"{folder}: {rec.files[0].name} and {p.files[0].name} have different "
                                    "optional columns. Give every file the same columns.")
            rec.extra = {k: np.concatenate([rec.extra[k], p.extra[k]]) for k in rec.extra}
            rec.origin += p.origin
            rec.files += p.files
            rec.notes += p.notes
        rec.format = "csv folder"
        return rec
    pos = _find(folder, _POSITIVE, _FASTA_SUFFIXES)
    neg = _find(folder, _NEGATIVE, _FASTA_SUFFIXES)
    if len(pos) == 1 and len(neg) == 1:
        return _fasta_per_class({"positives": pos[0], "negatives": neg[0]}, n_classes, allow_iupac)
    shown = ", ".join(f.name for f in sorted(folder.iterdir())[:10]) or "nothing"
    raise SequenceError(
        f"{folder}: a folder must hold train.csv, dev.csv, test.csv (GUE style; .tsv or .gz too) or "
        f"one positives.fa and one negatives.fa; it holds {shown}. Rename the files, or give the "
        "files themselves (a table, a FASTA with labels_path, or class=path pairs).")


# --------------------------------------------------------------------------- the reader


def chapter_split(labels: Sequence[int] | np.ndarray, split: Sequence[str] | np.ndarray | None = None, *,
                  seed: int = 0) -> tuple[dict[str, np.ndarray], list[str]]:
    """The train/dev/test rows a sequence chapter uses: ``({"train", "dev", "test"} -> index array, notes)``.

    With ``split`` (N strings ``train``/``dev``/``test``, e.g. :attr:`LabelledSequences.split`)
    the rows are taken as given; when it has no ``dev`` rows, 15% of ``train`` (stratified by
    label) becomes the validation set. Without it: a stratified 70/15/15 split, seeded. Index
    arrays are int positions into ``labels`` (N,). ``notes`` are lines for the chapter to print.
    Used by the motifs chapter and ``python -m genomebook.datasets check``.
    """
    labels = np.asarray(labels)
    notes = []
    if split is not None:
        split = np.asarray(split)
        idx_train, idx_val, idx_test = (np.flatnonzero(split == s) for s in SPLITS)
        if not len(idx_val):
            idx_train, idx_val = train_test_split(idx_train, test_size=0.15, stratify=labels[idx_train],
                                                  random_state=seed)
            notes.append(f"the data's split has no dev rows: validation is 15% of its train rows ({len(idx_val):,})")
        notes.append("split: the data's own (train/dev/test as given)")
    else:
        idx_train, idx_rest = train_test_split(np.arange(len(labels)), test_size=0.3, stratify=labels,
                                               random_state=seed)
        idx_val, idx_test = train_test_split(idx_rest, test_size=0.5, stratify=labels[idx_rest],
                                             random_state=seed)
        notes.append(f"split: stratified by label, 70/15/15 (seed {seed})")
    return {"train": idx_train, "dev": idx_val, "test": idx_test}, notes


@dataclass(frozen=True)
class ChapterInput:
    """What a sequence chapter expects of a reader's files.

    ``n_classes``: the labels it trains on (0..n_classes-1); ``untestable``: the sentence the
    chapter and ``check --chapter`` show about the claims a reader's files cannot test (and
    why); ``motif_collection``: whether it matches motifs (then ``check`` says which collection).
    """

    n_classes: int
    untestable: str
    motif_collection: bool = False


#: The sequence chapters that take a reader's files, read by
#: :meth:`genomebook.chapter.Run.user_data` and ``python -m genomebook.datasets check --chapter``.
CHAPTER_INPUTS = {
    "motifs": ChapterInput(2, "The claims about planted motifs cannot be tested: your data has no planted "
                              "motifs.", motif_collection=True),
    "tf_binding": ChapterInput(2, "The transfer claims are testable only with transfer_data_path (the same TF's "
                                  "sequences in a second species, scored by the models fine-tuned on your data), "
                                  "and the kind of each sequence (full, weak or decoy site) and the true-motif "
                                  "scanner need the simulated world's planted sites, which your data does not have."),
    "promoters": ChapterInput(2, "The claims about TATA promoters (DNABERT against DeePromoter on them, "
                                 "TATA against non-TATA) and prom-scan cannot be tested: your files do not "
                                 "say which promoters carry a TATA box and hold no genomic regions to scan; "
                                 "the attention claim needs a tss column."),
    # labels 0 acceptor, 1 donor, 2 non-site (GUE's splice task), the boundary in the middle
    "splice_sites": ChapterInput(3, "Labels are 0 acceptor, 1 donor, 2 non-site; the claim that a model "
                                    "trained on easy negatives calls GT/AG decoys sites more often than random "
                                    "non-sites cannot be tested (your non-sites are not easy negatives, and "
                                    "only the simulated world knows its decoys), nor the GUE reproduction "
                                    "(needs data_source='real')."),
    # dnabert: two classes per task of task_paths. The chapter trains any number (each task with the
    # classes its file holds), but one FASTA per class must give exactly n_classes files, so a larger
    # number here would refuse positives/negatives pairs; three-class tasks go to splice_sites
    "dnabert": ChapterInput(2, "The paper's published numbers and its claims about its own tasks (attention "
                                "around a TSS, planted motifs, true variant effects, the mouse transfer) cannot "
                                "be tested: your tasks are not the paper's and have no ground truth; "
                                "pre-trained vs random init, DNABERT vs the CNNs and the k-mer baseline are "
                                "evaluated on each of your tasks."),
}


def user_source(fasta_path: str | os.PathLike | None = None, labels_path: str | os.PathLike | None = None,
                data_path: str | os.PathLike | Mapping[str, str] | None = None):
    """The reader's files from a chapter's three data parameters: the ``source`` for :func:`read_labelled_sequences`, or None.

    ``fasta_path`` (with ``labels_path``) and ``data_path`` are alternatives; giving both, or a
    label table without its FASTA, stops with a message naming the parameters. None of them
    given returns None (the chapter uses its simulated or registry data). Used by every
    sequence chapter (motifs, promoters, tf_binding, splice_sites, dnabert).
    """
    if fasta_path is not None and data_path is not None:
        raise ValueError(f"Give fasta_path (with labels_path) or data_path, not both (got fasta_path={fasta_path!r}, "
                         f"data_path={data_path!r}).")
    if labels_path is not None and fasta_path is None and data_path is None:
        raise ValueError(f"labels_path={labels_path!r} labels the records of a FASTA file: give fasta_path too.")
    return fasta_path if fasta_path is not None else data_path


def cap_splits(data: LabelledSequences, caps: Mapping[str, int | None], parts: Mapping[str, np.ndarray], *,
               seed: int = 0) -> tuple[dict[str, np.ndarray], list[str]]:
    """Keep at most ``caps[split]`` rows of each split of ``parts`` (stratified by label, seeded).

    ``parts`` is :func:`chapter_split`'s ``{"train", "dev", "test"} -> index array``; a split
    missing from ``caps`` (or capped at None) is kept whole. Returns the kept index arrays (in
    their original order) and one note per capped split saying how many of how many rows were
    used, for the chapter to print: a profile's sizes apply to a reader's files, and the page
    says so. Used by the sequence chapters on a reader's files.
    """
    rng = np.random.default_rng(seed)
    kept, notes = {}, []
    for name, ix in parts.items():
        cap = caps.get(name)
        ix = np.asarray(ix)
        if cap is None or len(ix) <= cap:
            kept[name] = ix
            continue
        labels = data.labels[ix]
        take = []
        for c in np.unique(labels):  # each class keeps its share, at least one row
            rows = ix[labels == c]
            n = max(1, int(round(cap * len(rows) / len(ix))))
            take.append(rng.choice(rows, min(n, len(rows)), replace=False))
        kept[name] = np.sort(np.concatenate(take))
        notes.append(f"{name}: {len(kept[name]):,} of {len(ix):,} records used (the profile's cap; "
                     f"raise it with the chapter's size parameter or profile='paper')")
    return kept, notes


def length_summary(seqs: Sequence[str] | np.ndarray, labels: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """Sequence lengths per class: one row per label (sorted), columns n, min, median, max (bp).

    ``seqs`` holds the sequences, or their lengths (ints, e.g. :attr:`LabelledSequences.lengths`).
    """
    if len(seqs) != len(labels):
        raise ValueError(f"got {len(seqs)} sequences and {len(labels)} labels")
    lengths = [len(s) if isinstance(s, str) else int(s) for s in seqs]
    df = pd.DataFrame({"label": np.asarray(labels), "length": lengths})
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
    source: str | os.PathLike | Mapping[str, str | os.PathLike],
    labels_path: str | os.PathLike | None = None,
    *,
    length: int | None = None,
    unequal: str = "error",
    duplicate_names: str = "error",
    n_classes: int = 2,
    allow_iupac: bool = False,
    base_dir: str | os.PathLike | None = None,
) -> LabelledSequences:
    """Read labelled sequences in any of the module's formats: a :class:`LabelledSequences`, in file order.

    Parameters
    ----------
    source
        A FASTA file (with ``labels_path``); a table of sequences (``sequence,label``); a
        folder of ``train``/``dev``/``test`` tables or with ``positives.fa`` + ``negatives.fa``;
        a mapping ``{class: FASTA path}`` or the text ``"class=path,class=path"``. Gzip is
        read wherever plain text is.
    labels_path
        The label table of a FASTA ``source`` (``name``, ``label``; optional ``split``,
        ``tss``, ``species``), matched to records by name.
    length, unequal
        All sequences must have one length (``length``, when given). Different lengths stop
        with a :class:`SequenceError` giving the range per class, unless ``unequal`` is
        ``"pad"`` (centre-pad with N to ``length``, by default the longest; never shortens) or
        ``"crop"`` (centre-crop to ``length``, by default the shortest; never lengthens).
        ``tss`` positions move with the sequence.
    duplicate_names
        ``"error"`` (default): repeated FASTA record names stop with a count; ``"rename"``:
        the repeats become ``name.2``, ``name.3``, ... with a printed note. With a label table
        (matched by name) repeats always stop.
    n_classes
        Labels must be 0..n_classes-1 and at least two must occur.
    allow_iupac
        Read IUPAC ambiguity codes (R, Y, ...) as N instead of stopping.
    base_dir
        Folder relative paths are read from (default: the current working directory).

    Every error names the file, the record or line, and the fix. Used by the motifs chapter.
    """
    if unequal not in UNEQUAL:
        raise ValueError(f"unequal must be one of {', '.join(UNEQUAL)}; got {unequal!r}")
    if duplicate_names not in DUPLICATE_NAMES:
        raise ValueError(f"duplicate_names must be one of {', '.join(DUPLICATE_NAMES)}; got {duplicate_names!r}")
    if length is not None and length < 1:
        raise ValueError(f"length must be a positive number of bases, got {length}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    pairs = source if isinstance(source, Mapping) else None
    if pairs is None and isinstance(source, str) and "=" in source:
        given = Path(source).expanduser()
        if not (given if given.is_absolute() else Path(base_dir or Path.cwd()) / given).exists():
            pairs = parse_class_paths(source)
    if pairs is not None:
        if labels_path is not None:
            raise SequenceError("One FASTA per class carries its labels: give labels_path only with "
                                "a single FASTA file.")
        paths = {str(c): resolve_path(p, base_dir=base_dir, what=f"FASTA file of class {c!r}")
                 for c, p in pairs.items()}
        rec = _fasta_per_class(paths, n_classes, allow_iupac)
    else:
        path = resolve_path(source, base_dir=base_dir, what="sequence file or folder")
        if path.is_dir():
            if labels_path is not None:
                raise SequenceError(f"{path} is a folder; its files carry their labels. Give labels_path "
                                    "only with a single FASTA file.")
            rec = _folder(path, n_classes, allow_iupac)
        elif labels_path is not None:
            lab = resolve_path(labels_path, base_dir=base_dir, what="label file")
            rec = _fasta_and_labels(path, lab, n_classes, allow_iupac, duplicate_names)
        elif _is_fasta(path):
            raise SequenceError(
                f"{path} is a FASTA file, and no labels were given. Give labels_path (a table "
                "'name<TAB>label'), or one FASTA per class (in a chapter: "
                "data_path='positives=pos.fa,negatives=neg.fa').")
        else:
            rec = _sequence_table(path, n_classes, allow_iupac)
    _unique_names(rec, duplicate_names)
    where = ", ".join(map(str, rec.files)) if rec.format != "fasta+labels" else rec.files[0]
    present = sorted(set(rec.labels.tolist()))
    if len(present) < 2:
        raise SequenceError(f"{where if rec.format != 'fasta+labels' else rec.files[1]}: every label is "
                            f"{present[0]}; a classifier needs at least two classes.")
    if rec.split is not None and not {"train", "test"} <= set(rec.split.tolist()):
        raise SequenceError(
            f"{where}: the split column holds only {', '.join(sorted(set(rec.split.tolist())))}; it "
            "needs train and test rows (dev is optional: without it the chapter takes its "
            "validation set from train). Fix the column, or remove it to let the chapter split.")
    as_read = np.array([len(s) for s in rec.seqs], dtype=np.int64)
    if "tss" in rec.extra:
        off = np.flatnonzero(rec.extra["tss"] >= as_read)
        if len(off):
            i = int(off[0])
            raise SequenceError(f"{where}, record {rec.names[i]!r}: tss {rec.extra['tss'][i]} is outside "
                                f"its {as_read[i]} bp sequence (positions are 0-based). Fix the column.")
    seqs = _equal_lengths(rec.seqs, rec.labels, length, unequal, where)
    if "tss" in rec.extra:
        new = len(seqs[0])
        shift = np.where(as_read <= new, (new - as_read) // 2, -((as_read - new) // 2))
        tss = rec.extra["tss"] + shift
        out = np.flatnonzero((tss < 0) | (tss >= new))
        if len(out):
            i = int(out[0])
            raise SequenceError(f"{where}, record {rec.names[i]!r}: cropping to {new} bp cuts off its "
                                f"TSS (position {rec.extra['tss'][i]}; {len(out)} record(s) like this). "
                                "Pass unequal='pad' or a longer length.")
        rec.extra["tss"] = tss.astype(np.int64)
    return LabelledSequences(rec.names, seqs, rec.labels.astype(np.int64), rec.split, rec.extra, as_read,
                             rec.classes, rec.format, rec.files, rec.notes)
