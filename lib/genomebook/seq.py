"""DNA sequences: validation, one-hot encoding, reverse complements and FASTA input/output.

Conventions used throughout the book:

* The alphabet is ``ACGT``; one-hot channels are in that order (rows A, C, G, T).
* One-hot arrays are channels-first, as PyTorch's ``Conv1d`` expects: a single
  sequence is ``(4, L)`` and a batch is ``(N, 4, L)``.
* ``N`` (unknown base) and any other non-ACGT letter encode as an all-zero column.
* Genomic coordinates are 0-based and half-open, ``[start, end)``, as in BED files.
* Lower-case letters (soft-masked repeats) are accepted everywhere and treated as
  upper-case.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyfaidx

__all__ = [
    "ALPHABET",
    "fingerprint",
    "SequenceError",
    "validate",
    "one_hot",
    "decode_one_hot",
    "reverse_complement",
    "reverse_complement_one_hot",
    "kmers",
    "pad_or_trim",
    "is_gzip",
    "FastaRecord",
    "read_fasta_records",
    "read_fasta",
    "write_fasta",
    "fetch_region",
]

ALPHABET = "ACGT"
IUPAC_AMBIGUITY = "RYSWKMBDHV"

_DNA_BYTES = b"ACGTNacgtn"
_IUPAC_BYTES = (IUPAC_AMBIGUITY + IUPAC_AMBIGUITY.lower()).encode()
_NOT_DNA = re.compile(r"[^ACGTNacgtn]")
_NOT_DNA_OR_IUPAC = re.compile(rf"[^ACGTN{IUPAC_AMBIGUITY}acgtn{IUPAC_AMBIGUITY.lower()}]")
# bytes.translate table: IUPAC ambiguity codes -> N, everything else unchanged.
_IUPAC_TO_N = bytes.maketrans(_IUPAC_BYTES, b"N" * len(_IUPAC_BYTES))

# 256-entry lookup: byte value -> channel index 0..3, or 4 for "no base" (all-zero column).
BASE_CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(ALPHABET):
    BASE_CODE[ord(_b)] = _i
    BASE_CODE[ord(_b.lower())] = _i
_CHANNELS = np.arange(len(ALPHABET), dtype=np.uint8).reshape(1, -1, 1)
_DECODE = np.frombuffer(b"ACGTN", dtype=np.uint8)

_COMPLEMENT_FROM = "ACGTNRYSWKMBDHV"
_COMPLEMENT_TO = "TGCANYRSWMKVHDB"
_COMPLEMENT = str.maketrans(
    _COMPLEMENT_FROM + _COMPLEMENT_FROM.lower(), _COMPLEMENT_TO + _COMPLEMENT_TO.lower()
)
_NOT_IUPAC = re.compile(rf"[^{_COMPLEMENT_FROM}{_COMPLEMENT_FROM.lower()}]")


class SequenceError(ValueError):
    """A sequence or FASTA file that cannot be used as DNA; the message says where and how to fix it."""


# --------------------------------------------------------------------------- helpers


def _where(source: str | os.PathLike | None, name: str | None, index: int) -> str:
    """Human-readable location of record ``index`` (0-based): "file.fa, record 'x'"."""
    record = f"record {name!r}" if name is not None else f"record #{index + 1}"
    return f"{source}, {record}" if source is not None else record


def _as_str_list(seqs: str | Iterable[str]) -> list[str]:
    """A list of Python strings from one string or an iterable of str/bytes."""
    if isinstance(seqs, (str, bytes)):
        seqs = [seqs]
    out = []
    for s in seqs:
        if isinstance(s, (bytes, bytearray)):
            s = s.decode("latin-1")
        elif not isinstance(s, str):
            raise TypeError(f"sequences must be str, got {type(s).__name__}")
        out.append(s)
    return out


# --------------------------------------------------------------------------- validation


def validate(
    seqs: str | Iterable[str],
    names: Sequence[str] | None = None,
    *,
    length: int | None = None,
    allow_iupac: bool = False,
    source: str | os.PathLike | None = None,
) -> list[str]:
    """Check that sequences are DNA and return them upper-cased (list of N str).

    Parameters
    ----------
    seqs : str or iterable of str
        Sequences; lower case (soft-masked) is accepted and upper-cased; ``N`` is allowed.
    names : sequence of str, optional
        Record names used in error messages (default ``record #i``, 1-based).
    length : int, optional
        If given, every sequence must have exactly this length.
    allow_iupac : bool
        Turn IUPAC ambiguity codes (RYSWKMBDHV) into ``N`` instead of raising.
    source : path, optional
        File the sequences came from, named in error messages.

    Raises
    ------
    SequenceError
        On an empty sequence, a letter that is not DNA, or a wrong length.
    """
    seqs = _as_str_list(seqs)
    if names is not None and len(names) != len(seqs):
        raise ValueError(f"got {len(names)} names for {len(seqs)} sequences")
    bad_letter = _NOT_DNA_OR_IUPAC if allow_iupac else _NOT_DNA
    out = []
    for i, s in enumerate(seqs):
        name = None if names is None else names[i]
        if not s:
            raise SequenceError(
                f"{_where(source, name, i)}: the sequence is empty. Remove the record or give it bases."
            )
        if length is not None and len(s) != length:
            raise SequenceError(
                f"{_where(source, name, i)}: length {len(s)} differs from the required length {length}. "
                "Use genomebook.seq.pad_or_trim(seqs, length) to make all sequences the same length."
            )
        m = bad_letter.search(s)
        if m is not None:
            pos, letter = m.start() + 1, m.group()
            if letter.upper() in IUPAC_AMBIGUITY:
                hint = (
                    "is an IUPAC ambiguity code; pass allow_iupac=True to read it as N, "
                    "or fix the record."
                )
            else:
                hint = (
                    "is not DNA; allowed are A, C, G, T, N (any case). "
                    "Fix the record or remove it."
                )
            raise SequenceError(f"{_where(source, name, i)}: letter {letter!r} at position {pos} {hint}")
        if allow_iupac:
            s = s.encode("ascii").translate(_IUPAC_TO_N).decode("ascii")
        out.append(s.upper())
    return out


_validate = validate  # read_fasta has a keyword argument named ``validate``


# --------------------------------------------------------------------------- one-hot


def one_hot(seqs: str | Sequence[str], dtype: Any = np.float32) -> np.ndarray:
    """One-hot encode DNA: a str gives (4, L), a list of N equal-length str gives (N, 4, L).

    Channels are A, C, G, T. ``N`` and any other non-ACGT letter give an all-zero
    column; lower case is treated as upper case. Sequences are not validated here,
    call :func:`validate` first if unexpected letters should be an error.
    """
    single = isinstance(seqs, str)
    seqs = _as_str_list(seqs)
    if not seqs:
        return np.zeros((0, len(ALPHABET), 0), dtype=dtype)
    length = len(seqs[0])
    for i, s in enumerate(seqs):
        if len(s) != length:
            raise SequenceError(
                f"{_where(None, None, i)} has length {len(s)} but record #1 has length {length}; "
                "one_hot needs equal lengths. Use genomebook.seq.pad_or_trim(seqs, length) first."
            )
    # One bytes buffer for the whole batch; non-ASCII letters become '?' (one byte each).
    buf = "".join(seqs).encode("ascii", errors="replace")
    codes = BASE_CODE[np.frombuffer(buf, dtype=np.uint8)].reshape(len(seqs), 1, length)
    # Broadcast comparison against the channel index writes (N, 4, L) in one pass;
    # code 4 (N and anything else) matches no channel and stays all-zero.
    x = np.empty((len(seqs), len(ALPHABET), length), dtype=dtype)
    np.equal(codes, _CHANNELS, out=x, casting="unsafe")
    return x[0] if single else x


def decode_one_hot(x: Any) -> str | list[str]:
    """Decode a (4, L) one-hot array to a str, or (N, 4, L) to a list of str; all-zero columns give N."""
    x = _to_numpy(x)
    if x.ndim not in (2, 3) or x.shape[-2] != len(ALPHABET):
        raise ValueError(f"expected shape (4, L) or (N, 4, L), got {x.shape}")
    idx = x.argmax(axis=-2)
    idx[x.max(axis=-2) <= 0] = len(ALPHABET)
    letters = _DECODE[idx]
    if x.ndim == 2:
        return letters.tobytes().decode("ascii")
    return [row.tobytes().decode("ascii") for row in letters]


def _to_numpy(x: Any) -> np.ndarray:
    """A numpy view of a numpy array or (CPU/GPU) torch tensor."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


# --------------------------------------------------------------------------- strands and words


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA str (same length); keeps case, N stays N, IUPAC codes are complemented."""
    m = _NOT_IUPAC.search(seq)
    if m is not None:
        raise SequenceError(
            f"letter {m.group()!r} at position {m.start() + 1} has no DNA complement; "
            "allowed are A, C, G, T, N and IUPAC codes (any case)."
        )
    return seq.translate(_COMPLEMENT)[::-1]


def reverse_complement_one_hot(x: Any) -> Any:
    """Reverse complement of a one-hot (4, L) or (N, 4, L) numpy array or torch tensor (same shape and type)."""
    if x.ndim not in (2, 3) or x.shape[-2] != len(ALPHABET):
        raise ValueError(f"expected shape (4, L) or (N, 4, L), got {tuple(x.shape)}")
    if hasattr(x, "flip"):  # torch.Tensor
        return x.flip(dims=(-2, -1))
    return np.ascontiguousarray(x[..., ::-1, ::-1])


def kmers(seq: str, k: int, stride: int = 1) -> list[str]:
    """Overlapping k-mer words of a str, e.g. "ACGTAC", k=3 -> ACG CGT GTA TAC (list of len(seq)-k+1 str)."""
    if k < 1 or stride < 1:
        raise ValueError(f"k and stride must be >= 1, got k={k}, stride={stride}")
    return [seq[i : i + k] for i in range(0, len(seq) - k + 1, stride)]


def pad_or_trim(
    seqs: str | Sequence[str], length: int, *, fill: str = "N", align: str = "center"
) -> str | list[str]:
    """Pad with ``fill`` or trim each sequence to exactly ``length`` bases (str -> str, list -> list).

    ``align`` says which part is kept and where padding goes: ``"center"`` keeps the
    middle (extra base of padding on the right), ``"left"`` keeps the start and pads
    on the right, ``"right"`` keeps the end and pads on the left.
    """
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    if len(fill) != 1:
        raise ValueError(f"fill must be one letter, got {fill!r}")
    if align not in ("center", "left", "right"):
        raise ValueError(f"align must be 'center', 'left' or 'right', got {align!r}")
    single = isinstance(seqs, str)
    out = []
    for s in _as_str_list(seqs):
        extra = len(s) - length
        if extra >= 0:  # trim
            start = {"left": 0, "right": extra, "center": extra // 2}[align]
            out.append(s[start : start + length])
        else:  # pad
            pad = -extra
            before = {"left": 0, "right": pad, "center": pad // 2}[align]
            out.append(fill * before + s + fill * (pad - before))
    return out[0] if single else out


# --------------------------------------------------------------------------- FASTA


GZIP_MAGIC = b"\x1f\x8b"
#: What a truncated or corrupt gzip stream raises while it is read.
GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error, OSError)


def is_gzip(path: str | os.PathLike) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its name; bgzip is gzip too)."""
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def damaged_gzip_message(path: str | os.PathLike, exc: Exception) -> str:
    """The message for a gzip file that cannot be decompressed: names the file and the fix."""
    return (f"{path}: the gzip file is truncated or corrupt ({type(exc).__name__}: {exc}). "
            "Download or copy it again (check its sha256), or give the uncompressed file.")


class FastaRecord(NamedTuple):
    """One FASTA record as written in the file."""

    line: int  #: 1-based line number of the header
    header: str  #: the header line without '>' and surrounding whitespace
    sequence: str  #: sequence lines joined, spaces removed; case kept, not validated


def _no_records(path: Path, first: str | None) -> SequenceError:
    if first is None:
        return SequenceError(f"{path} contains no FASTA records (expected lines starting with '>'); "
                             "the file is empty.")
    return SequenceError(f"{path} contains no FASTA records (expected lines starting with '>'); "
                         f"its first line is {first[:40]!r}. Is it really a FASTA file?")


def _check_has_records(path: Path) -> None:
    """Raise SequenceError unless the first non-blank line of the file is a '>' header (reads no further)."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as fh:
        for line in fh:
            if line.strip():
                if line.startswith(">"):
                    return
                raise _no_records(path, line.strip())
    raise _no_records(path, None)


def read_fasta_records(path: str | os.PathLike) -> list[FastaRecord]:
    """Every record of a FASTA file (plain, gzip or bgzip) as (line, header, sequence), in file order.

    This is the book's one FASTA parser: :func:`read_fasta` and the readers of
    :mod:`genomebook.datasets` build on it. Gzip is detected by its magic bytes, not by
    the file name; LF, CRLF (Windows) and CR (old Mac) line endings all read the same; a
    UTF-8 byte-order mark is ignored. Sequences are returned raw (case kept, IUPAC codes
    kept, not validated), so an empty record gives ``""``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    SequenceError
        If the file holds no record, has text before its first header, or is a damaged gzip.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"FASTA file {path} does not exist")
    opener = gzip.open if is_gzip(path) else open
    records: list[FastaRecord] = []
    header: tuple[int, str] | None = None
    chunks: list[str] = []
    stray: tuple[int, str] | None = None  # first non-blank line before any header
    try:
        # newline="" splits on \n, \r\n and \r alike; utf-8-sig drops a byte-order mark.
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as fh:
            for i, line in enumerate(fh, 1):
                if line.startswith(">"):
                    if stray is not None:
                        raise SequenceError(
                            f"{path}, line {stray[0]}: expected a FASTA header starting with '>', found "
                            f"{stray[1][:40]!r}. Is it really a FASTA file? Each record needs a '>name' line.")
                    if header is not None:
                        records.append(FastaRecord(header[0], header[1], "".join(chunks)))
                    header, chunks = (i, line[1:].strip()), []
                elif header is not None:
                    chunks.append(line.strip().replace(" ", ""))
                elif stray is None and line.strip():
                    stray = (i, line.strip())
    except GZIP_ERRORS as exc:
        if opener is not gzip.open:
            raise
        raise SequenceError(damaged_gzip_message(path, exc)) from None
    if header is None:
        raise _no_records(path, None if stray is None else stray[1])
    records.append(FastaRecord(header[0], header[1], "".join(chunks)))
    return records


def _index_path(path: Path) -> str | None:
    """Where pyfaidx should keep the .fai: next to the file, or in a temp dir if that dir is read-only."""
    fai = Path(str(path) + ".fai")
    fresh = fai.exists() and fai.stat().st_mtime >= path.stat().st_mtime
    if fresh or os.access(path.parent, os.W_OK):
        return None  # pyfaidx default: <path>.fai
    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "genomebook-fai"
    folder.mkdir(exist_ok=True)
    return str(folder / f"{key}-{path.name}.fai")


def open_indexed_fasta(path: Path) -> pyfaidx.Fasta:
    """pyfaidx.Fasta with an index that works in read-only directories; friendly duplicate-name error."""
    try:
        return pyfaidx.Fasta(str(path), indexname=_index_path(path), sequence_always_upper=False)
    except ValueError as err:
        m = re.search(r"Duplicate key \"?([^\"\s]+)", str(err))
        if m:
            raise SequenceError(
                f"{path}: record name {m.group(1)!r} occurs more than once; "
                "FASTA record names (the first word after '>') must be unique. Rename or remove the duplicate."
            ) from None
        raise


def _duplicate_name(names: Sequence[str]) -> str | None:
    seen = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


def read_fasta(
    path: str | os.PathLike,
    *,
    validate: bool = True,
    allow_iupac: bool = False,
    length: int | None = None,
    unique_names: bool = True,
) -> tuple[list[str], list[str]]:
    """Read all records of a FASTA file (plain, bgzip or gzip): returns (names, sequences), lists of N str.

    Names are the first word of each header and must be unique (``unique_names=False``
    skips that check, for a caller that handles repeats itself, as
    :func:`genomebook.datasets.labelled.read_labelled_sequences` does). With ``validate=True``
    every record must have a name and bases, and not be all ``N``; the sequences are
    checked and upper-cased by :func:`validate`. Errors name the file, the record and,
    where it helps, the line. Any line ending (LF, CRLF, CR) is read the same. Parsing is
    :func:`read_fasta_records`; ``validate=False`` returns the sequences as written.
    """
    path = Path(path)
    records = read_fasta_records(path)
    names = [r.header.split()[0] if r.header else "" for r in records]
    seqs = [r.sequence for r in records]
    dup = _duplicate_name(names) if unique_names else None
    if dup is not None:
        raise SequenceError(
            f"{path}: record name {dup!r} occurs more than once; FASTA record names "
            "(the first word after '>') must be unique. Rename or remove the duplicate."
        )
    if validate:
        for r, name in zip(records, names):
            if not name:
                raise SequenceError(f"{path}, line {r.line}: the FASTA header has no name; give each "
                                    "record a name after '>' (e.g. '>seq1').")
            if not r.sequence:
                raise SequenceError(
                    f"{path}, record {name!r} (line {r.line}): the sequence is empty (a header with no "
                    "sequence lines under it). Remove the record or give it bases.")
        seqs = _validate(seqs, names, length=length, allow_iupac=allow_iupac, source=path)
        for r, name, s in zip(records, names, seqs):
            if s.count("N") == len(s):
                raise SequenceError(
                    f"{path}, record {name!r} (line {r.line}) is all N ({len(s)} bp): it has no known "
                    "base, and one-hot encodes it as zeros only. Remove the record, or give its real "
                    "bases (a record that is only partly N is fine).")
    elif length is not None:
        for i, s in enumerate(seqs):
            if len(s) != length:
                raise SequenceError(
                    f"{_where(path, names[i], i)}: length {len(s)} differs from the required length {length}."
                )
    return names, seqs


def write_fasta(
    path: str | os.PathLike, names: Sequence[str], seqs: Sequence[str], width: int | None = 60
) -> None:
    """Write records to a FASTA file atomically (temp file + os.replace), ``width`` letters per line."""
    path = Path(path)
    names, seqs = list(names), _as_str_list(seqs)
    if len(names) != len(seqs):
        raise ValueError(f"got {len(names)} names for {len(seqs)} sequences")
    for n in names:
        if not n or any(c.isspace() for c in n) or n.startswith(">"):
            raise ValueError(
                f"record name {n!r} cannot be written: names must be non-empty, without spaces and not start with '>'"
            )
    dup = _duplicate_name(names)
    if dup is not None:
        raise ValueError(f"record name {dup!r} occurs more than once; names must be unique")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            for name, s in zip(names, seqs):
                fh.write(f">{name}\n")
                step = width if width else max(len(s), 1)
                for i in range(0, len(s), step):
                    fh.write(s[i : i + step])
                    fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    # A stale pyfaidx index next to the file would describe the old contents.
    stale = Path(str(path) + ".fai")
    if stale.exists():
        stale.unlink()


def fetch_region(fasta_path: str | os.PathLike, chrom: str, start: int, end: int) -> str:
    """Bases [start, end) of ``chrom`` (0-based, half-open) from an indexed FASTA, as stored (case kept); str of end-start letters."""
    path = Path(fasta_path)
    if not path.exists():
        raise FileNotFoundError(f"FASTA file {path} does not exist")
    _check_has_records(path)
    with open_indexed_fasta(path) as fa:
        if chrom not in fa:
            keys = list(fa.keys())
            shown = ", ".join(repr(k) for k in keys[:5]) + (", ..." if len(keys) > 5 else "")
            raise SequenceError(
                f"{path} has no sequence named {chrom!r}; it has {shown} ({len(keys)} in all). "
                "Check the chromosome naming (e.g. 'chr1' vs '1')."
            )
        size = len(fa[chrom])
        if not (0 <= start < end <= size):
            raise SequenceError(
                f"region {chrom}:{start}-{end} is outside {chrom} of {path.name} (length {size}); "
                f"coordinates are 0-based half-open, need 0 <= start < end <= {size}."
            )
        return fa[chrom][start:end].seq


def fingerprint(seqs: Iterable[str]) -> str:
    """SHA-256 hex digest of sequences in order (each followed by a newline): the content part of
    a cache key. Used by the pre-training caches of the DNABERT chapters and the
    dna_language_models chapter (:mod:`genomebook.workflows`)."""
    h = hashlib.sha256()
    for s in seqs:
        h.update(s.encode())
        h.update(b"\n")
    return h.hexdigest()
