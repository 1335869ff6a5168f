"""MitoFish / mitohelper 12S rRNA reference sequences with their 7-rank taxonomy.

* sequences: FASTA, ids = GenBank accessions (IUPAC codes occur; they are read as N);
* taxonomy: TSV with header ``Feature ID<TAB>Taxon`` and QIIME-style strings
  ``d__Eukaryota;p__Chordata;c__...;o__...;f__...;g__...;s__Genus species``;
* FotW5 tables: small TSVs (``Family<TAB>FamilyID``, ``Order<TAB>OrderID``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook import seq as _seq
from genomebook.datasets._io import count_ambiguous, iter_lines, read_fasta_records
from genomebook.seq import SequenceError

__all__ = ["RANKS", "read_12s_fasta", "read_taxonomy", "parse_taxon", "read_12s", "read_table"]

RANKS = ["domain", "phylum", "class", "order", "family", "genus", "species"]
_PREFIX = dict(zip("dpcofgs", RANKS))


def read_12s_fasta(path: str | os.PathLike) -> pd.DataFrame:
    """12S sequences: DataFrame[id, sequence] (upper case; IUPAC ambiguity codes become N).

    ``df.attrs['n_ambiguous']`` counts the IUPAC letters turned into N.
    """
    path = Path(path)
    records = read_fasta_records(path)
    ids = [h.split()[0] if h.split() else "" for _, h, _ in records]
    for (line, _, _), i in zip(records, ids):
        if not i:
            raise SequenceError(f"{path}, line {line}: empty FASTA header; each 12S record needs an id "
                                "(the accession) after '>'.")
    raw = [r for _, _, r in records]
    n_amb = sum(count_ambiguous(s) for s in raw)
    seqs = _seq.validate(raw, ids, allow_iupac=True, source=path)
    df = pd.DataFrame({"id": ids, "sequence": seqs})
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise SequenceError(f"{path}: id {dup.iloc[0]!r} occurs more than once; ids must be unique. "
                            "Remove or rename the duplicate record.")
    df.attrs["n_ambiguous"] = n_amb
    return df


def parse_taxon(taxon: str) -> dict[str, str | None]:
    """'d__X;p__Y;...;s__Z' -> {rank: name or None}; raises ValueError on a field without a known 'x__' prefix.

    A taxon wrapped in double quotes (CSV-style, '""' for a quote, as one mitohelper line
    is) is unquoted, and quotes around a rank's name are dropped.
    """
    out: dict[str, str | None] = dict.fromkeys(RANKS)
    taxon = taxon.strip()
    if len(taxon) >= 2 and taxon[0] == taxon[-1] == '"':  # CSV-style quoting of a taxon containing ','
        taxon = taxon[1:-1].replace('""', '"')
    for field in taxon.split(";"):
        field = field.strip()
        if not field:
            continue
        if len(field) < 3 or field[1:3] != "__" or field[0] not in _PREFIX:
            raise ValueError(f"field {field!r} is not '<rank letter>__<name>' (rank letters d p c o f g s)")
        name = field[3:].strip().strip('"').strip()
        out[_PREFIX[field[0]]] = name or None
    return out


def read_taxonomy(path: str | os.PathLike) -> pd.DataFrame:
    """QIIME taxonomy TSV: DataFrame[id, domain, phylum, class, order, family, genus, species].

    Missing or empty ranks ('s__') are NA. A line without a tab or with a malformed
    taxon string raises SequenceError naming the line.
    """
    path = Path(path)
    rows = []
    header = False
    for i, line in iter_lines(path, "Taxonomy file"):
        if not line.strip():
            continue
        if not header:
            cols = [c.strip().lower() for c in line.split("\t")]
            if cols[:2] != ["feature id", "taxon"]:
                raise SequenceError(f"{path}, line {i}: header is '{line.strip()[:60].replace(chr(9), '<TAB>')}', "
                                    "expected 'Feature ID<TAB>Taxon' (QIIME 2 taxonomy.tsv).")
            header = True
            continue
        f = line.split("\t")
        if len(f) < 2:
            raise SequenceError(f"{path}, line {i}: found 1 column, expected 'id<TAB>taxon'. "
                                "Separate the id and the taxonomy string with a tab.")
        try:
            ranks = parse_taxon(f[1])
        except ValueError as err:
            raise SequenceError(f"{path}, line {i} (id {f[0].strip()!r}): {err}. Write the taxonomy as "
                                "'d__Domain;p__Phylum;c__Class;o__Order;f__Family;g__Genus;s__Species'.") from None
        rows.append([f[0].strip(), *(ranks[r] for r in RANKS)])
    if not header:
        raise SequenceError(f"{path}: the file is empty; expected the header 'Feature ID<TAB>Taxon'.")
    df = pd.DataFrame(rows, columns=["id", *RANKS])
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise SequenceError(f"{path}: id {dup.iloc[0]!r} has more than one taxonomy line; keep one per id.")
    return df


def read_12s(fasta_path: str | os.PathLike, taxonomy_path: str | os.PathLike, *,
             how: str = "inner") -> pd.DataFrame:
    """12S sequences joined with their taxonomy by id: DataFrame[id, sequence, domain, ..., species].

    ``how='inner'`` keeps sequences that have a taxonomy; ``'left'`` keeps all sequences
    (NA ranks). Ids without taxonomy (and taxonomy rows without sequence) are listed in
    ``df.attrs['ids_without_taxonomy']`` / ``['taxonomy_without_sequence']`` and a
    warning names how many.
    """
    if how not in ("inner", "left"):
        raise ValueError(f"how must be 'inner' or 'left', got {how!r}")
    seqs = read_12s_fasta(fasta_path)
    tax = read_taxonomy(taxonomy_path)
    no_tax = sorted(set(seqs["id"]) - set(tax["id"]))
    no_seq = sorted(set(tax["id"]) - set(seqs["id"]))
    if no_tax:
        warnings.warn(f"{len(no_tax)} sequence id(s) of {Path(fasta_path).name} have no taxonomy in "
                      f"{Path(taxonomy_path).name} (first: {no_tax[0]!r})"
                      + ("; they are dropped (how='inner')." if how == "inner" else "."), stacklevel=2)
    df = seqs.merge(tax, on="id", how=how, validate="one_to_one")
    df.attrs.update(ids_without_taxonomy=no_tax, taxonomy_without_sequence=no_seq,
                    n_ambiguous=seqs.attrs["n_ambiguous"])
    return df


def read_table(path: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """A small TSV with a header (e.g. FotW5 'Family<TAB>FamilyID').

    ``columns`` (default: the FotW5 form, a name column and an integer '...ID' column)
    must be present in the header. Columns whose name ends in 'ID' become int64 when every
    value is a whole number, else stay text (FotW5_family.tsv has '407a', '408a').
    """
    path = Path(path)
    lines = [(i, line) for i, line in iter_lines(path, "Table file") if line.strip()]
    if not lines:
        raise SequenceError(f"{path}: the file is empty; expected a tab-separated header line and rows.")
    hi, hline = lines[0]
    header = [c.strip() for c in hline.split("\t")]
    if columns is not None:
        missing = [c for c in columns if c not in header]
        if missing:
            raise SequenceError(f"{path}, line {hi}: missing column(s) {', '.join(missing)}; the header has "
                                f"{', '.join(header)}. The first line must name the columns, tab-separated.")
    elif len(header) < 2 or not any(c.endswith("ID") for c in header):
        raise SequenceError(f"{path}, line {hi}: header {hline.strip()[:60]!r} is not '<Name><TAB><Name>ID' "
                            "(e.g. 'Family<TAB>FamilyID'). Give the column names on the first line, tab-separated.")
    rows = []
    for i, line in lines[1:]:
        f = [c.strip() for c in line.split("\t")]
        if len(f) != len(header):
            raise SequenceError(f"{path}, line {i}: found {len(f)} columns, the header has {len(header)}. "
                                "Separate the columns with tabs and fill empty cells.")
        rows.append(f)
    df = pd.DataFrame(rows, columns=header)
    for c in header:
        if c.endswith("ID"):
            num = pd.to_numeric(df[c], errors="coerce")
            if num.notna().all() and (num == np.floor(num)).all():
                df[c] = num.astype("int64")
            # else keep text: FotW5_family has ids such as '407a' for families inserted later
    return df
