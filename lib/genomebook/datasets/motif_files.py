"""Motif files: JASPAR/TRANSFAC count matrices, MEME and HOMER probability matrices, HOCOMOCO tables.

All readers take plain or gzip files (detected by magic bytes) and return
:class:`genomebook.motifs.Motif` objects (``counts`` is ``(4, w)`` with rows A, C, G, T)
or plain DataFrames. Errors are :class:`genomebook.seq.SequenceError` naming the file,
the line and the fix.

HOMER matrices hold probabilities; :func:`read_homer` stores them as pseudo-counts
``probability × scale`` (``scale=100`` by default, i.e. as if each motif came from 100
sites) so that pseudocounts in :func:`genomebook.motifs.to_ppm` behave as for JASPAR
counts; ``Motif.ppm()`` gives the original probabilities back. The HOMER log-odds
detection thresholds are returned by :func:`read_homer_thresholds` (same order as
:func:`read_homer`). MEME files hold probabilities too: :func:`read_meme` stores them as
``probability × nsites`` (``scale`` when a motif gives no ``nsites``).
:func:`read_motif_file` recognises the format of a file (MEME, JASPAR, HOMER or TRANSFAC)
from its content; the motifs chapter's ``motif_collection`` parameter uses it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook.datasets._io import read_lines, read_table
from genomebook.motifs import JASPAR_TAXA, Motif, load_jaspar, taxon_for_species
from genomebook.seq import SequenceError

__all__ = ["MOTIF_FORMATS", "read_transfac", "read_homer", "read_homer_thresholds", "read_hocomoco_table",
           "motif_file_format", "read_jaspar", "read_meme", "read_motif_file", "MotifCollection",
           "motif_collection"]

#: The motif file formats :func:`read_motif_file` recognises.
MOTIF_FORMATS = ("meme", "jaspar", "homer", "transfac")

_BASES = ("A", "C", "G", "T")


def _float(tok: str) -> float:
    v = float(tok)
    if not math.isfinite(v):
        raise ValueError(tok)
    return v


# --------------------------------------------------------------------------- TRANSFAC


def read_transfac(path: str | os.PathLike) -> list[Motif]:
    """Count matrices of a TRANSFAC-format file (as JASPAR exports it): a list of Motif.

    Each record has ``AC`` (accession, becomes ``Motif.id``), ``ID`` (name, becomes
    ``Motif.name``), an optional ``DE`` line, a ``PO``/``P0`` header naming the base order
    (A C G T in any order) and rows ``NN a c g t`` (an optional trailing consensus letter
    is ignored); records end with ``//``. Counts must be non-negative numbers.

    A small parser rather than ``Bio.motifs.parse(..., 'transfac')``: Biopython 1.8x
    rejects JASPAR's exports in strict mode ("should have 2 spaces between key and value
    columns: 'AC MA0001.3'") and cannot name the failing line. The JASPAR 2024 CORE file
    gives 2346 matrices.
    """
    lines = read_lines(path)
    motifs: list[Motif] = []
    rec: dict = {}
    order: list[str] | None = None
    rows: list[list[float]] = []
    start = 1

    def finish(lineno: int) -> None:
        nonlocal rec, order, rows
        if not rec and not rows:
            return
        mid = rec.get("AC") or rec.get("ID")
        if mid is None:
            raise SequenceError(f"{path}, record starting at line {start}: no 'AC' or 'ID' line. "
                                "Each TRANSFAC record needs 'AC <accession>' (and 'ID <name>').")
        if order is None or not rows:
            raise SequenceError(f"{path}, record {mid} (line {start}): no count matrix (a 'PO A C G T' "
                                "header followed by rows 'NN a c g t'). Add the matrix or remove the record.")
        counts = np.array(rows, dtype=float).T  # (4, w) in file order
        idx = [order.index(b) for b in _BASES]
        motifs.append(Motif(id=mid, name=rec.get("ID", mid), counts=counts[idx]))
        rec, order, rows = {}, None, []

    for lineno, line in enumerate(lines, start=1):
        s = line.strip()
        if not s or s.startswith("XX"):
            continue
        if s.startswith("//"):
            finish(lineno)
            start = lineno + 1
            continue
        parts = s.split(None, 1)
        key, rest = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        if key in ("PO", "P0"):
            cols = [c.upper() for c in rest.split()]
            if sorted(cols) != list(_BASES):
                raise SequenceError(f"{path}, line {lineno}: matrix header {s!r} must name the four "
                                    "bases, e.g. 'PO\tA\tC\tG\tT'.")
            if rows:
                raise SequenceError(f"{path}, line {lineno}: a second matrix header in record "
                                    f"{rec.get('AC', '?')}; end each record with '//'.")
            order = cols
        elif key.isdigit():
            if order is None:
                raise SequenceError(f"{path}, line {lineno}: matrix row {s!r} before the 'PO A C G T' "
                                    "header. Add the header line before the rows.")
            toks = rest.split()
            if len(toks) == 5 and not re.fullmatch(r"[-+0-9.eE]+", toks[4]):
                toks = toks[:4]  # trailing consensus letter
            if len(toks) != 4:
                raise SequenceError(f"{path}, line {lineno}: matrix row has {len(toks)} value column(s), "
                                    "expected 4 (counts for A, C, G, T): 'NN a c g t'.")
            try:
                vals = [_float(t) for t in toks]
            except ValueError:
                bad = next(t for t in toks if not _is_number(t))
                col = toks.index(bad)
                raise SequenceError(f"{path}, line {lineno}, column {order[col]}: {bad!r} is not a number. "
                                    "Matrix rows must hold 4 non-negative counts.") from None
            if min(vals) < 0:
                col = int(np.argmin(vals))
                raise SequenceError(f"{path}, line {lineno}, column {order[col]}: negative count "
                                    f"{vals[col]}. Counts must be >= 0.")
            rows.append(vals)
        elif key in ("AC", "ID"):
            if key in rec and rows:
                raise SequenceError(f"{path}, line {lineno}: record {rec.get('AC', rec.get('ID'))} "
                                    "is not closed; end each record with a '//' line.")
            if not rec and not rows:
                start = lineno
            rec[key] = rest.split()[0] if rest else ""
        else:
            rec.setdefault(key, rest)  # DE, CC, BF, ... kept only for error messages
    finish(len(lines))
    if not motifs:
        raise SequenceError(f"{path}: no TRANSFAC matrices found. Expected records 'AC ..', 'ID ..', "
                            "'PO A C G T', rows 'NN a c g t' and '//' separators.")
    return motifs


def _first_use(seen: dict[str, int], motif_id: str, path, lineno: int) -> None:
    """Record that ``motif_id`` starts at ``lineno``; a repeated id stops, naming both lines."""
    if motif_id in seen:
        raise SequenceError(f"{path}, line {lineno}: motif id {motif_id!r} repeats (first at line "
                            f"{seen[motif_id]}). Give every motif a unique id.")
    seen[motif_id] = lineno


def _probability_row(toks: list[str], path, lineno: int, motif_id: str, fmt: str) -> list[float]:
    """One matrix row of 4 probabilities (A, C, G, T) of a HOMER or MEME file, normalised to sum 1.

    Stops naming the file, line, motif and column when the row has another width, a token that
    is not a number, a negative value, or a sum more than 0.05 away from 1.
    """
    if len(toks) != 4:
        raise SequenceError(f"{path}, line {lineno} (motif {motif_id!r}): {len(toks)} column(s), expected 4 "
                            "probabilities for A, C, G, T.")
    try:
        vals = [_float(t) for t in toks]
    except ValueError:
        bad = next(i for i, t in enumerate(toks) if not _is_number(t))
        raise SequenceError(f"{path}, line {lineno}, column {_BASES[bad]} (motif {motif_id!r}): "
                            f"{toks[bad]!r} is not a number. Rows hold 4 probabilities.") from None
    tot = sum(vals)
    if min(vals) < 0 or abs(tot - 1.0) > 0.05:
        raise SequenceError(f"{path}, line {lineno} (motif {motif_id!r}): probabilities {toks} sum to "
                            f"{tot:.3g}. {fmt} rows must be 4 non-negative probabilities (A C G T) summing to 1.")
    return [v / tot for v in vals]


def _is_number(tok: str) -> bool:
    try:
        _float(tok)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- HOMER


def _parse_homer(path, scale: float, names=None) -> tuple[list[Motif], pd.DataFrame]:
    lines = read_lines(path)
    motifs: list[Motif] = []
    meta: list[tuple[str, str, float]] = []
    cur: tuple[str, str, float, int] | None = None
    rows: list[list[float]] = []
    seen: dict[str, int] = {}

    def finish() -> None:
        if cur is None:
            return
        cons, mid, thr, hline = cur
        if not rows:
            raise SequenceError(f"{path}, line {hline}: motif {mid!r} has no matrix rows. Each '>' header "
                                "must be followed by rows of 4 probabilities (A C G T).")
        p = np.array(rows, dtype=float).T
        motifs.append(Motif(id=mid, name=names.get(mid, mid) if names else mid, counts=p * scale))
        meta.append((mid, cons, thr))

    for lineno, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith(">"):
            finish()
            rows = []
            f = s[1:].split("\t")
            if len(f) < 3:
                raise SequenceError(f"{path}, line {lineno}: HOMER header has {len(f)} tab-separated field(s); "
                                    "expected '>consensus<TAB>motif_id<TAB>threshold'.")
            cons, mid = f[0].strip(), f[1].strip()
            if not mid:
                raise SequenceError(f"{path}, line {lineno}: empty motif id in the HOMER header. "
                                    "Put the id in the second tab-separated field.")
            _first_use(seen, mid, path, lineno)
            try:
                thr = _float(f[2])
            except ValueError:
                raise SequenceError(f"{path}, line {lineno}, column 3: threshold {f[2]!r} of motif {mid!r} "
                                    "is not a number. HOMER headers are '>consensus<TAB>id<TAB>log-odds "
                                    "threshold'.") from None
            cur = (cons, mid, thr, lineno)
            continue
        if cur is None:
            raise SequenceError(f"{path}, line {lineno}: matrix row before any '>' header. A HOMER file "
                                "starts with '>consensus<TAB>motif_id<TAB>threshold'.")
        rows.append(_probability_row(s.split(), path, lineno, cur[1], "HOMER"))
    finish()
    if not motifs:
        raise SequenceError(f"{path}: no HOMER motifs found. Expected '>consensus<TAB>motif_id<TAB>threshold' "
                            "headers each followed by rows of 4 probabilities.")
    table = pd.DataFrame(meta, columns=["motif_id", "consensus", "threshold"])
    return motifs, table


def read_homer(
    path: str | os.PathLike, *, scale: float = 100.0, names: dict[str, str] | None = None
) -> list[Motif]:
    """Motifs of a HOMER ``.motif`` file, in file order.

    ``Motif.id`` is the HOMER motif id (second header field, e.g.
    ``AHR_HUMAN.H11MO.0.B``). ``Motif.name`` is ``names[id]`` when given, else the id
    itself: the prefix of a HOCOMOCO id is the UniProt entry name (``ANDR`` for AR,
    ``P53`` for TP53), not the gene symbol, so pass
    ``names=dict(zip(table.motif_id, table.tf))`` from :func:`read_hocomoco_table` to get
    symbols. ``counts`` = probabilities (rows renormalised to sum 1) × ``scale``.
    Thresholds: :func:`read_homer_thresholds`.
    """
    return _parse_homer(path, scale, names)[0]


def read_homer_thresholds(path: str | os.PathLike) -> pd.DataFrame:
    """HOMER header fields as a DataFrame ``[motif_id, consensus, threshold]`` in file order."""
    return _parse_homer(path, 1.0)[1]


# --------------------------------------------------------------------------- HOCOMOCO


_HOCOMOCO_ID = ("Model", "model", "motif_id", "Motif", "ID", "id")
_HOCOMOCO_TF = ("Transcription factor", "transcription_factor", "tf", "TF")


def read_hocomoco_table(path: str | os.PathLike) -> pd.DataFrame:
    """A HOCOMOCO (v11) motif annotation table (TSV with header), all columns kept.

    The model id column (``Model``) is renamed ``motif_id``; ``tf`` is the gene symbol
    from ``Transcription factor`` (the first one where it lists several, e.g.
    ``HSFY1; HSFY2`` → ``HSFY1``, as in the DeepCAGE expression matrix). Checked: the id and TF columns exist, ids are unique
    and non-empty, ``Model length`` (if present) is a positive integer and ``Quality``
    (if present) is one of A–D.
    """
    df = read_table(path, sep="\t", dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    id_col = next((c for c in _HOCOMOCO_ID if c in df.columns), None)
    tf_col = next((c for c in _HOCOMOCO_TF if c in df.columns), None)
    if id_col is None or tf_col is None:
        missing = [n for n, c in (("Model", id_col), ("Transcription factor", tf_col)) if c is None]
        raise SequenceError(f"{path}, line 1: missing column(s) {', '.join(repr(m) for m in missing)}; found "
                            f"{', '.join(map(repr, df.columns))}. The header must be the HOCOMOCO one "
                            "('Model<TAB>LOGO<TAB>Transcription factor<TAB>Model length<TAB>Quality...').")
    df = df.rename(columns={id_col: "motif_id"})
    empty = df["motif_id"].str.strip() == ""
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2}, column {id_col!r}: empty motif id. Fill in the model id.")
    dup = df["motif_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2}, column {id_col!r}: motif id {df['motif_id'].iloc[i]!r} "
                            "repeats. Keep one row per model.")
    tf = df[tf_col].str.strip()
    if (tf == "").any():
        i = int(np.flatnonzero((tf == "").to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2}, column {tf_col!r}: empty TF symbol for "
                            f"{df['motif_id'].iloc[i]!r}. Fill in the gene symbol.")
    df["tf"] = tf.str.split(r"[;,]").str[0].str.strip()
    if "Model length" in df.columns:
        ok = df["Model length"].str.fullmatch(r"\s*[1-9][0-9]*\s*")
        if not ok.all():
            i = int(np.flatnonzero(~ok.to_numpy())[0])
            raise SequenceError(f"{path}, line {i + 2}, column 'Model length': "
                                f"{df['Model length'].iloc[i]!r} is not a positive integer.")
        df["Model length"] = df["Model length"].astype(int)
    if "Quality" in df.columns:
        ok = df["Quality"].str.strip().isin(list("ABCD"))
        if not ok.all():
            i = int(np.flatnonzero(~ok.to_numpy())[0])
            raise SequenceError(f"{path}, line {i + 2}, column 'Quality': {df['Quality'].iloc[i]!r} is not "
                                "one of A, B, C, D.")
    return df.replace("", np.nan)


# --------------------------------------------------------------------------- MEME


def read_meme(path: str | os.PathLike, *, scale: float = 100.0) -> list[Motif]:
    """Motifs of a MEME (minimal) motif file, in file order: a list of Motif.

    Each motif starts with ``MOTIF <id> [<name>]`` (``Motif.id``, ``Motif.name``; the name
    is the id when absent) and holds a ``letter-probability matrix: alength= 4 w= W
    [nsites= N] ...`` line followed by W rows of 4 probabilities (A C G T). ``counts`` =
    probabilities (rows renormalised to sum 1) × ``nsites`` (× ``scale`` when ``nsites`` is
    absent or 0). An ``ALPHABET=`` line other than ``ACGT`` stops; ``URL`` and background
    lines are ignored. This is the format MEME, STREME, Tomtom and JASPAR's "MEME" export write.
    """
    lines = read_lines(path)
    motifs: list[Motif] = []
    cur: dict | None = None
    seen: dict[str, int] = {}

    def finish() -> None:
        if cur is None:
            return
        if cur["rows"] is None:
            raise SequenceError(f"{path}, line {cur['line']}: motif {cur['id']!r} has no 'letter-probability "
                                "matrix:' line. Add 'letter-probability matrix: alength= 4 w= W' and W rows.")
        if cur["w"] is not None and len(cur["rows"]) != cur["w"]:
            raise SequenceError(f"{path}, line {cur['line']}: motif {cur['id']!r} declares w= {cur['w']} but has "
                                f"{len(cur['rows'])} matrix row(s). Make w= match the rows.")
        if not cur["rows"]:
            raise SequenceError(f"{path}, line {cur['line']}: motif {cur['id']!r} has no matrix rows.")
        p = np.array(cur["rows"], dtype=float).T
        motifs.append(Motif(id=cur["id"], name=cur["name"], counts=p * (cur["nsites"] or scale)))

    for lineno, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("ALPHABET"):
            alphabet = s.split("=", 1)[-1].split()[0].upper() if "=" in s else ""
            if alphabet not in ("ACGT", "DNA"):
                raise SequenceError(f"{path}, line {lineno}: alphabet {alphabet!r}; only DNA motifs (ALPHABET= ACGT) "
                                    "can be read.")
            continue
        if s.startswith("MOTIF"):
            finish()
            f = s.split()
            if len(f) < 2:
                raise SequenceError(f"{path}, line {lineno}: 'MOTIF' without an id. Write 'MOTIF <id> [<name>]'.")
            _first_use(seen, f[1], path, lineno)
            cur = {"id": f[1], "name": f[2] if len(f) > 2 else f[1], "line": lineno, "rows": None,
                   "w": None, "nsites": None}
            continue
        if s.startswith("letter-probability matrix"):
            if cur is None:
                raise SequenceError(f"{path}, line {lineno}: a matrix before any 'MOTIF <id>' line.")
            fields = dict(re.findall(r"(\w+)=\s*(\S+)", s))
            try:
                if "alength" in fields and int(fields["alength"]) != 4:
                    raise SequenceError(f"{path}, line {lineno} (motif {cur['id']!r}): alength= {fields['alength']}; "
                                        "DNA motifs have alength= 4.")
                cur["w"] = int(fields["w"]) if "w" in fields else None
                cur["nsites"] = _float(fields["nsites"]) if "nsites" in fields else None
            except ValueError:
                raise SequenceError(f"{path}, line {lineno} (motif {cur['id']!r}): cannot read {s!r}; expected "
                                    "'letter-probability matrix: alength= 4 w= W nsites= N'.") from None
            cur["rows"] = []
            continue
        if cur is None or cur["rows"] is None or (cur["w"] is not None and len(cur["rows"]) >= cur["w"]):
            continue  # header lines (version, strands, background), URL lines
        toks = s.split()
        if not _is_number(toks[0]):
            if cur["w"] is None and cur["rows"]:
                continue  # end of a matrix without w=
            raise SequenceError(f"{path}, line {lineno} (motif {cur['id']!r}): {s!r} is not a matrix row; "
                                f"expected {cur['w']} rows of 4 probabilities (A C G T).")
        cur["rows"].append(_probability_row(toks, path, lineno, cur["id"], "MEME"))
    finish()
    if not motifs:
        raise SequenceError(f"{path}: no MEME motifs found. Expected 'MOTIF <id> [<name>]' lines each followed by "
                            "'letter-probability matrix: alength= 4 w= W' and W rows of 4 probabilities.")
    return motifs


# --------------------------------------------------------------------------- JASPAR


def read_jaspar(path: str | os.PathLike) -> list[Motif]:
    """Count matrices of a JASPAR-format file (``.jaspar`` or ``.pfm``), in file order: a list of Motif.

    Each motif is a header ``>ID [name]`` (``Motif.id``, ``Motif.name``; the name is the id
    when absent) and four rows of counts, either labelled ``A [ 4 19 0 ]`` (any base order,
    brackets optional) or bare numbers in the order A, C, G, T. Counts must be non-negative
    and the four rows equally long.
    """
    lines = read_lines(path)
    motifs: list[Motif] = []
    cur: dict | None = None
    seen: dict[str, int] = {}

    def finish() -> None:
        if cur is None:
            return
        rows = cur["rows"]
        if len(rows) != 4:
            raise SequenceError(f"{path}, line {cur['line']}: motif {cur['id']!r} has {len(rows)} count row(s); "
                                "expected 4 (A, C, G, T).")
        letters = [b for b, _ in rows]
        if all(b is None for b in letters):
            letters = list(_BASES)
        if sorted(b or "?" for b in letters) != list(_BASES):
            raise SequenceError(f"{path}, line {cur['line']}: motif {cur['id']!r} rows are labelled "
                                f"{letters}; label them A, C, G, T once each (or leave all unlabelled).")
        widths = {len(v) for _, v in rows}
        if len(widths) != 1:
            raise SequenceError(f"{path}, line {cur['line']}: motif {cur['id']!r} rows have different lengths "
                                f"({', '.join(str(len(v)) for _, v in rows)}). Each row needs one count per position.")
        by_base = dict(zip(letters, (v for _, v in rows)))
        motifs.append(Motif(id=cur["id"], name=cur["name"], counts=np.array([by_base[b] for b in _BASES])))

    for lineno, line in enumerate(lines, start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith(">"):
            finish()
            f = s[1:].split(None, 1)
            if not f:
                raise SequenceError(f"{path}, line {lineno}: empty header. Write '>ID name'.")
            mid = f[0]
            _first_use(seen, mid, path, lineno)
            cur = {"id": mid, "name": f[1].strip() if len(f) > 1 else mid, "line": lineno, "rows": []}
            continue
        if cur is None:
            raise SequenceError(f"{path}, line {lineno}: count row before any '>ID name' header.")
        m = re.fullmatch(r"([ACGTacgt])?\s*\[?\s*(.*?)\s*\]?", s)
        letter = m.group(1).upper() if m and m.group(1) else None
        toks = (m.group(2) if m else s).split()
        try:
            vals = [_float(t) for t in toks]
        except ValueError:
            bad = next(t for t in toks if not _is_number(t))
            raise SequenceError(f"{path}, line {lineno} (motif {cur['id']!r}): {bad!r} is not a number. Rows are "
                                "'A [ counts ]' or bare counts.") from None
        if not vals or min(vals) < 0:
            raise SequenceError(f"{path}, line {lineno} (motif {cur['id']!r}): a row needs non-negative counts.")
        cur["rows"].append((letter, vals))
    finish()
    if not motifs:
        raise SequenceError(f"{path}: no JASPAR motifs found. Expected '>ID name' headers each followed by "
                            "four rows 'A [ counts ]', 'C [ ... ]', 'G [ ... ]', 'T [ ... ]'.")
    return motifs


# --------------------------------------------------------------------------- any format


def motif_file_format(path: str | os.PathLike) -> str:
    """The format of a motif file, one of :data:`MOTIF_FORMATS`, recognised from its first lines."""
    lines = [s.strip() for s in read_lines(path)[:200]]
    lines = [s for s in lines if s and not s.startswith("#")]
    if not lines:
        raise SequenceError(f"{path}: the file is empty. Expected a MEME, JASPAR, HOMER or TRANSFAC motif file.")
    first = lines[0]
    if first.startswith("MEME version") or any(s.startswith("MOTIF") for s in lines):
        return "meme"
    if first.startswith(">"):
        f = first[1:].split("\t")
        return "homer" if len(f) >= 3 and _is_number(f[2].strip()) else "jaspar"
    if first.split()[0] in ("AC", "ID", "XX", "PO", "P0", "DE", "NA"):
        return "transfac"
    raise SequenceError(f"{path}, line 1: {first[:60]!r} starts no motif format this book reads. Give a MEME "
                        "file ('MEME version 4' ...), a JASPAR file ('>ID name' and rows 'A [ ... ]'), a HOMER "
                        "file ('>consensus<TAB>id<TAB>threshold') or a TRANSFAC file ('AC ...', 'PO A C G T').")


def read_motif_file(path: str | os.PathLike) -> list[Motif]:
    """Motifs of a MEME, JASPAR, HOMER or TRANSFAC file (plain or gzip), format recognised from the content.

    Returns a list of :class:`~genomebook.motifs.Motif` in file order; errors name the file
    and line (:class:`~genomebook.seq.SequenceError`). Used by the motifs chapter
    (``motif_collection`` set to a file).
    """
    readers = {"meme": read_meme, "jaspar": read_jaspar, "homer": read_homer, "transfac": read_transfac}
    return readers[motif_file_format(path)](path)


# --------------------------------------------------------------------------- collections


@dataclass
class MotifCollection:
    """The motifs a chapter scans and matches filters against, and where they came from.

    ``motifs``: list of Motif; ``name``: ``"JASPAR 2024 CORE <taxon>"`` or the file name;
    ``taxon``: the JASPAR group, or None for a file; ``why``: one sentence on how it was chosen.
    """

    motifs: list[Motif]
    name: str
    taxon: str | None
    why: str


def motif_collection(spec: str | os.PathLike = "auto", species: Sequence[str] | None = None, *,
                     base_dir: str | os.PathLike | None = None) -> MotifCollection:
    """Resolve a chapter's ``motif_collection`` parameter to a :class:`MotifCollection`.

    ``spec`` is ``"auto"`` (the group of ``species``, see
    :func:`genomebook.motifs.taxon_for_species`; vertebrates when ``species`` is None), one of
    :data:`genomebook.motifs.JASPAR_TAXA` (JASPAR 2024 CORE of that group), or the path of a
    MEME, JASPAR, HOMER or TRANSFAC file (:func:`read_motif_file`; relative paths are read
    from ``base_dir``, default the working directory). Used by the motifs chapter and
    ``python -m genomebook.datasets check``.
    """
    spec = str(spec)
    if spec == "auto":
        if species is None:
            taxon, why = "vertebrates", "no species given: JASPAR vertebrates, the default"
        else:
            taxon, why = taxon_for_species(species)
        why = f"motif_collection='auto': {why}"
    elif spec in JASPAR_TAXA:
        taxon, why = spec, f"motif_collection={spec!r}, as given"
    else:
        given = Path(spec).expanduser()
        path = given if given.is_absolute() else Path(base_dir or Path.cwd()) / given
        if not path.exists():
            raise SequenceError(
                f"motif_collection={spec!r} is neither 'auto', a JASPAR group ({', '.join(JASPAR_TAXA)}) nor an "
                f"existing motif file (looked for {path}; relative paths are read from {path.parent if given.is_absolute() else Path(base_dir or Path.cwd())}).")
        motifs = read_motif_file(path)
        return MotifCollection(motifs, path.name, None, f"motif_collection={spec!r}: "
                               f"{len(motifs)} motifs read from {path} ({motif_file_format(path)} format)")
    motifs = load_jaspar(tax_group=taxon)
    return MotifCollection(motifs, f"JASPAR 2024 CORE {taxon}", taxon, why)
