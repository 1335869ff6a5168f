"""Shared text-file helpers of the readers: plain or gzip input, any newline, clear errors.

Every reader of :mod:`genomebook.datasets` opens its files through :func:`open_text`,
:func:`read_lines` or :func:`read_table`, so gzip detection (by magic bytes, not by file
name), CRLF handling and the wording of "file is damaged" errors live in one place.
Errors are :class:`genomebook.seq.SequenceError` (a ``ValueError``) naming the file and
the fix; a missing file raises :class:`MissingFileError`, which is both a
``SequenceError`` and a ``FileNotFoundError``.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import pandas as pd

from genomebook.seq import SequenceError

__all__ = ["MissingFileError", "is_gzip", "read_text", "open_text", "read_lines", "read_table"]

GZIP_MAGIC = b"\x1f\x8b"


class MissingFileError(SequenceError, FileNotFoundError):
    """A data file that does not exist (also a ``FileNotFoundError``)."""


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: file does not exist. Check the path (or set "
                               "GENOMEBOOK_MIRROR to the directory holding the mirror files).")
    if path.is_dir():
        raise SequenceError(f"{path}: is a directory, not a file. Give the path of the file itself.")
    return path


def is_gzip(path: str | os.PathLike) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its name)."""
    with open(_existing(path), "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def read_text(path: str | os.PathLike, *, encoding: str = "utf-8") -> str:
    """The whole text of a plain or gzip file, with CRLF / CR newlines turned into LF.

    A truncated or corrupt gzip file, or bytes that are not text in ``encoding``, raise a
    :class:`SequenceError` naming the file.
    """
    path = _existing(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise SequenceError(
                f"{path}: the gzip file is truncated or corrupt ({type(exc).__name__}: {exc}). "
                "Download or copy it again (check its sha256), or give the uncompressed file.") from None
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
