"""Shared text-file helpers of the readers: plain or gzip input, any newline, clear errors.

Every reader of :mod:`genomebook.datasets` opens its files through :func:`open_text`,
:func:`read_lines`, :func:`read_table` or :func:`read_fasta_records`, so CRLF handling and
clear errors are the same everywhere. Gzip detection (:func:`genomebook.seq.is_gzip`, by
magic bytes, not by file name), the "gzip file is damaged" wording and the one FASTA
parser (:func:`genomebook.seq.read_fasta_records`) live in :mod:`genomebook.seq`, the
bottom of the package, and are used from here.
Errors are :class:`genomebook.seq.SequenceError` (a ``ValueError``) naming the file and
the fix; a missing file raises :class:`MissingFileError`, which is both a
``SequenceError`` and a ``FileNotFoundError``.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from genomebook import seq as _seq
from genomebook.seq import GZIP_ERRORS, GZIP_MAGIC, SequenceError, damaged_gzip_message, is_gzip

__all__ = ["MissingFileError", "atomic_write", "count_ambiguous", "is_gzip", "iter_lines", "open_text",
           "read_fasta_records", "read_lines", "read_table", "read_text"]

_ACGTN = b"ACGTNacgtn"
# Older names, still imported by genomes.py; the definitions live in genomebook.seq.


class MissingFileError(SequenceError, FileNotFoundError):
    """A data file that does not exist (also a ``FileNotFoundError``)."""


def existing_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` as a Path when it is an existing file; else :class:`MissingFileError` naming it and ``what`` it is."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: {what} does not exist. Check the path (or set "
                               "GENOMEBOOK_MIRROR to the directory holding the mirror files).")
    if path.is_dir():
        raise SequenceError(f"{path}: is a directory, not a file. Give the path of the file itself.")
    return path


def read_text(path: str | os.PathLike, *, encoding: str = "utf-8") -> str:
    """The whole text of a plain or gzip file, with CRLF / CR newlines turned into LF.

    A truncated or corrupt gzip file, or bytes that are not text in ``encoding``, raise a
    :class:`SequenceError` naming the file.
    """
    path = existing_file(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except GZIP_ERRORS as exc:
            raise SequenceError(damaged_gzip_message(path, exc)) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SequenceError(
            f"{path}, line {line}: byte {raw[exc.start:exc.start + 1]!r} is not {encoding} text. "
            "Give a plain-text (or gzip-compressed text) file, saved as UTF-8.") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def open_text(path: str | os.PathLike, *, encoding: str = "utf-8") -> io.StringIO:
    """A text handle on a plain or gzip file (newlines normalised to ``\\n``).

    The file is decompressed and decoded at once, so a damaged gzip fails here with a clear
    error instead of half-way through a parser.
    """
    return io.StringIO(read_text(path, encoding=encoding))


def read_lines(path: str | os.PathLike, *, encoding: str = "utf-8") -> list[str]:
    """The lines of a plain or gzip text file, without their newline characters."""
    text = read_text(path, encoding=encoding)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_table(path: str | os.PathLike, **pandas_kw) -> pd.DataFrame:
    """``pandas.read_csv`` on a plain or gzip file; pandas errors become a ``SequenceError``.

    The message names the file and, when pandas reports one, the line.
    """
    text = read_text(path)
    if not text.strip():
        raise SequenceError(f"{path}: the file is empty. Give a table with a header line and data rows.")
    try:
        return pd.read_csv(io.StringIO(text), **pandas_kw)
    except pd.errors.EmptyDataError:
        raise SequenceError(f"{path}: the file has no columns to read. Give a table with a header "
                            "line and data rows.") from None
    except pd.errors.ParserError as exc:
        raise SequenceError(f"{path}: cannot be read as a table ({exc}). Make every line have the "
                            "same number of separated fields as the header.") from None
    except (ValueError, TypeError) as exc:
        raise SequenceError(f"{path}: cannot be read as a table ({exc}). Check the separator "
                            "and that numeric columns hold numbers.") from None


def iter_lines(path: str | os.PathLike, what: str = "File") -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line without its line ending) of a plain or gzip text file.

    CRLF and LF endings are both accepted. Damaged gzip data raises SequenceError naming the file.
    """
    path = existing_file(path, what)
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            for i, line in enumerate(fh, 1):
                yield i, line.rstrip("\r\n")
    except GZIP_ERRORS as exc:
        raise SequenceError(damaged_gzip_message(path, exc)) from None


def read_fasta_records(path: str | os.PathLike) -> list[_seq.FastaRecord]:
    """All records of a FASTA file as (header line number, header without '>', raw sequence).

    The parser is :func:`genomebook.seq.read_fasta_records` (one for the whole book); this
    adds the readers' missing-file error (:class:`MissingFileError`, with the mirror hint).
    Sequences are joined across lines with spaces removed but otherwise unchanged (case
    kept, not validated). Raises SequenceError if the file has no records or text before
    the first header.
    """
    return _seq.read_fasta_records(existing_file(path, "FASTA file"))


def count_ambiguous(s: str) -> int:
    """Number of letters that are not A, C, G, T or N (any case)."""
    return len(s.encode("ascii", errors="replace").translate(None, _ACGTN))


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` through a temporary file in the same folder, then rename: never a half file.

    ``write`` gets the temporary path and writes the content there (e.g.
    ``lambda tmp: tmp.write_text(text)``); the parent folder is created if needed. Returns
    ``path``. Used by the results store (:mod:`genomebook.report`) and the DNABERT
    pre-training cache (:mod:`genomebook.workflows.dnabert`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
