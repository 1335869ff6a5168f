"""Eukaryotic Promoter Database (EPD / EPDnew) files: promoter windows, flat files and SGA TSS lists.

Promoter-window FASTAs come in several header styles:

* Depicter / EPDnew exports: ``>FP001834 MMP8_1  :+U  EU:NC; range  -249 to    50.``
* classic EPD r128: ``>EP17001 (+) Pv snRNA U1; range -499 to 100.`` (species abbrev. in field 3)
* no range at all (zebrafish CAGE windows, Depicter negatives): give ``tss_index`` or
  rely on the table of known files below.

Positions: ``range A to B`` means the window covers TSS+A .. TSS+B (no position 0; +1 is
the TSS), so the TSS base is at 0-based index ``-A`` of the sequence.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook import seq as _seq
from genomebook.datasets._io import iter_lines, read_fasta_records
from genomebook.seq import SequenceError

__all__ = ["read_promoter_fasta", "read_epdnew_dat", "read_sga", "KNOWN_FILES"]

_RANGE = re.compile(r"range\s+(-?\d+)\s+to\s+(-?\d+)")
_EPD_CLASSIC = re.compile(r"^(?P<id>EP\d+)\s+\((?P<strand>[+-])\)\s+(?P<sp>\S+)\s+(?P<gene>[^;]*);")

#: Files without a range in their headers, by name stem: tss_index, species, positive.
KNOWN_FILES: dict[str, dict] = {
    "zebrafishPromoters_converted": {"tss_index": 400, "species": "D. rerio", "positive": True},
}
# Depicter negative sets (Ntrain/Ntest): non-promoter windows, no TSS.
_NEGATIVE_FILE = re.compile(r"^N(train|test)$")
_SPECIES_NAMES = {
    "celegans": "C. elegans", "pfalciparum": "P. falciparum", "scerevisiae": "S. cerevisiae",
    "hsapiens": "H. sapiens", "mmusculus": "M. musculus", "dmelanogaster": "D. melanogaster",
    "athaliana": "A. thaliana", "drerio": "D. rerio", "zebrafish": "D. rerio", "human": "H. sapiens",
    "mouse": "M. musculus",
}
_GENUS_SPECIES = re.compile(r"(?:^|[^A-Za-z])([A-Z])_([a-z]{3,})")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.rsplit(".", 1)[0] if "." in name else name


def species_from_path(path: str | os.PathLike) -> str | None:
    """Species guessed from a file or folder name ('H_sapiens_TATA' -> 'H. sapiens'), else None."""
    path = Path(path)
    for part in (path.name, path.parent.name):
        m = _GENUS_SPECIES.search(part)
        if m:
            return f"{m.group(1)}. {m.group(2)}"
        low = re.split(r"[_.\-]", part.lower())
        for word in low:
            if word in _SPECIES_NAMES:
                return _SPECIES_NAMES[word]
    return None


def read_promoter_fasta(path: str | os.PathLike, *, species: str | None = None,
                        tss_index: int | None = None) -> pd.DataFrame:
    """Promoter windows of a FASTA file, with the position of the TSS in each sequence.

    Returns DataFrame[name, sequence, tss_index, upstream, downstream, species, description]:
    ``tss_index`` is the 0-based index of the TSS base in ``sequence`` (nullable Int64),
    ``upstream``/``downstream`` the bases before/after it. The range is parsed from a
    header's ``range A to B`` when present; otherwise ``tss_index`` must be given, or the
    file must be a known one (:data:`KNOWN_FILES`) or a Depicter negative set
    (``Ntrain``/``Ntest``, whose TSS columns are NA). Species come from the header (classic
    EPD field 3, e.g. 'Hs'), else the ``species`` argument, else the file/folder name
    ('H_sapiens_TATA' -> 'H. sapiens'), else NA. Sequences are upper-cased (some
    negative sets are soft-masked lower case) and may contain N.
    """
    path = Path(path)
    records = read_fasta_records(path)
    known = KNOWN_FILES.get(_stem(path), {})
    negative = bool(_NEGATIVE_FILE.match(_stem(path))) and tss_index is None
    if tss_index is None:
        tss_index = known.get("tss_index")
    file_species = species or known.get("species") or species_from_path(path)
    rows = []
    for line, header, raw in records:
        name = header.split()[0] if header.split() else ""
        if not name:
            raise SequenceError(f"{path}, line {line}: empty FASTA header; give each promoter an id after '>'.")
        (s,) = _seq.validate([raw], [name], source=path)
        rng = _RANGE.search(header)
        m = _EPD_CLASSIC.match(header)
        sp = m.group("sp") if m else file_species
        if rng:
            a, b = int(rng.group(1)), int(rng.group(2))
            up, down = -a, b
            if up + down + 1 != len(s):
                raise SequenceError(
                    f"{path}, record {name!r} (line {line}): header says range {a} to {b} "
                    f"({up + down + 1} bp: {up} upstream + TSS + {down} downstream) but the sequence has "
                    f"{len(s)} bp. Fix the header's range or the sequence.")
            tss = up
        elif tss_index is not None:
            if not 0 <= tss_index < len(s):
                raise SequenceError(f"{path}, record {name!r} (line {line}): tss_index={tss_index} is outside "
                                    f"the {len(s)} bp sequence; give a 0-based index 0..{len(s) - 1}.")
            tss, up, down = tss_index, tss_index, len(s) - tss_index - 1
        elif negative:
            tss = up = down = None
        else:
            raise SequenceError(
                f"{path}, record {name!r} (line {line}): the header has no 'range A to B' and no tss_index was "
                "given, so the TSS position is unknown. Pass tss_index=<0-based index of the TSS base> "
                "(e.g. tss_index=400 for a -400..+599 window).")
        rows.append((name, s, tss, up, down, sp, header[len(name):].strip()))
    df = pd.DataFrame(rows, columns=["name", "sequence", "tss_index", "upstream", "downstream", "species",
                                     "description"])
    for col in ("tss_index", "upstream", "downstream"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    df.attrs["source"] = str(path)
    df.attrs["positive"] = not negative
    return df


# --------------------------------------------------------------------------- EPDnew flat file

_UCSC = re.compile(r"^DR\s+UCSC;\s+(\S+)\s+(\S+)\s+([+-])\s+(\d+)")
_FP = re.compile(r"^FP\s+(\S+)\s*:.*?EU:(\S+)\s+\d+([+-])\s+(\d+);")


def read_epdnew_dat(path: str | os.PathLike) -> pd.DataFrame:
    """An EPDnew flat file (EMBL-like, entries end with '//'): one row per promoter.

    Columns: ``id``, ``gene``, ``species`` (OS line), ``assembly``, ``chrom`` (UCSC name),
    ``accession`` (RefSeq chromosome), ``strand``, ``tss`` (1-based genome position of the
    TSS, from the FP line; the DR UCSC line is 0-based on the + strand), ``sequence``
    (the 60 nt SE line, upper-cased; NA when the entry has none) and ``tss_index``
    (0-based index of the TSS in ``sequence``: the first upper-case letter, 49).
    """
    path = Path(path)
    rows = []
    entry: dict = {}
    start_line = None
    for i, line in iter_lines(path, "EPDnew flat file"):
        if not line.strip():
            continue
        code = line[:2]
        if start_line is None:
            start_line = i
        if code == "ID":
            entry["id"] = line[2:].split()[0]
        elif code == "GN":
            m = re.search(r"Name=([^;]+);", line)
            entry["gene"] = m.group(1) if m else None
        elif code == "OS":
            entry["species"] = line[2:].strip().rstrip(".")
        elif code == "DR" and _UCSC.match(line):
            asm, chrom, strand, pos = _UCSC.match(line).groups()
            entry.update(assembly=asm, chrom=chrom, ucsc_strand=strand)
        elif code == "SE":
            entry["se"] = line[2:].strip()
            entry["se_line"] = i
        elif code == "FP":
            m = _FP.match(line)
            if not m:
                raise SequenceError(f"{path}, line {i}: cannot read the FP line {line.strip()[:70]!r}; expected "
                                    "'FP   <id> : <type>  EU:<accession>  1<strand>  <position>; <n>.' "
                                    "Is it an EPDnew .dat file?")
            entry.update(accession=m.group(2), strand=m.group(3), tss=int(m.group(4)))
        elif code == "//":
            missing = [k for k in ("id", "tss") if k not in entry]
            if missing:
                raise SequenceError(f"{path}, entry ending at line {i} (starting at line {start_line}): no "
                                    f"{' and no '.join('ID line' if k == 'id' else 'FP line' for k in missing)}. "
                                    "Each entry needs 'ID' and 'FP' lines before '//'.")
            se = entry.get("se") or None
            tss_idx = None
            if se is not None:
                upper = [j for j, c in enumerate(se) if c.isupper()]
                tss_idx = upper[0] if upper else None
                (se,) = _seq.validate([se], [f"{entry['id']} (line {entry['se_line']})"], source=path)
            rows.append((entry["id"], entry.get("gene"), entry.get("species"), entry.get("assembly"),
                         entry.get("chrom"), entry.get("accession"), entry["strand"], entry["tss"], se, tss_idx))
            entry, start_line = {}, None
    if entry.get("id"):
        raise SequenceError(f"{path}: the last entry ({entry['id']!r}, from line {start_line}) does not end "
                            "with '//'; the file may be truncated. Download it again.")
    if not rows:
        raise SequenceError(f"{path}: no entries found; an EPDnew .dat file has entries ending with '//'.")
    df = pd.DataFrame(rows, columns=["id", "gene", "species", "assembly", "chrom", "accession", "strand", "tss",
                                     "sequence", "tss_index"])
    df["tss"] = df["tss"].astype("int64")
    df["tss_index"] = pd.array(df["tss_index"].tolist(), dtype="Int64")
    return df


# --------------------------------------------------------------------------- SGA


def read_sga(path: str | os.PathLike) -> pd.DataFrame:
    """An EPDnew SGA file: DataFrame[chrom, position (1-based), strand, promoter_id].

    SGA lines are tab-separated: chromosome (RefSeq accession), feature ('TSS'), position,
    strand, count, promoter id.
    """
    path = Path(path)
    chroms, pos, strands, ids = [], [], [], []
    for i, line in iter_lines(path, "SGA file"):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) < 6:
            raise SequenceError(f"{path}, line {i}: found {len(f)} tab-separated columns, SGA needs 6 "
                                "(chrom, feature, position, strand, count, id). Use tabs between columns.")
        try:
            p = int(f[2])
        except ValueError:
            raise SequenceError(f"{path}, line {i}: position {f[2]!r} is not an integer; column 3 of an SGA "
                                "line is the 1-based position.") from None
        if p < 1:
            raise SequenceError(f"{path}, line {i}: position {p} is below 1; SGA positions are 1-based.")
        if f[3] not in ("+", "-", "0"):
            raise SequenceError(f"{path}, line {i}: strand {f[3]!r} must be '+', '-' or '0'.")
        chroms.append(f[0])
        pos.append(p)
        strands.append(f[3])
        ids.append(f[5].strip())
    if not chroms:
        raise SequenceError(f"{path}: no SGA lines found; expected tab-separated lines "
                            "'chrom<TAB>TSS<TAB>position<TAB>strand<TAB>count<TAB>id'.")
    return pd.DataFrame({"chrom": chroms, "position": np.asarray(pos, dtype=np.int64), "strand": strands,
                         "promoter_id": ids})
