"""Whole sequences: mitogenome collections (:func:`read_mitogenomes`) and genome FASTA files
(:class:`Genome`, :func:`read_genome`).

The text helpers every reader uses (plain or gzip by magic bytes, damaged gzip reported
with the file's name) live in :mod:`genomebook.datasets._io` and :mod:`genomebook.seq`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from genomebook import seq as _seq
from genomebook.seq import SequenceError
from genomebook.datasets._io import count_ambiguous, existing_file, read_fasta_records
from genomebook.seq import GZIP_ERRORS, damaged_gzip_message, is_gzip

__all__ = ["read_mitogenomes", "read_genome", "Genome"]


# --------------------------------------------------------------------------- mitogenomes

# '>GENE TYPE - ACCESSION--Genus_species' (OceanGenomes coral reference set)
_GENE_HEADER = re.compile(r"^(?P<gene>\S+)\s+(?P<feature>\S+)\s+-\s+(?P<acc>[^\s-]+(?:-[^\s-]+)*?)--(?P<sp>\S+)$")
_SPECIES_END = re.compile(
    r"\s+(?:mitochondrion\b|mitochondrial\b|genome assembly\b|voucher\b|isolate\b|strain\b|specimen\b|"
    r"haplotype\b|clone\b|breed\b|culture\b|from\b|chromosome\b|complete\b|partial\b).*$")
_PREFIXES = ("UNVERIFIED:", "PREDICTED:", "TPA:", "TPA_asm:")


def _species_from_description(desc: str) -> str | None:
    text = desc.strip()
    for p in _PREFIXES:
        if text.startswith(p):
            text = text[len(p):].strip()
    text = _SPECIES_END.sub("", text).strip().rstrip(",")
    return text or None


def read_mitogenomes(path: str | os.PathLike) -> pd.DataFrame:
    """Mitochondrial sequences of a FASTA file: one row per record.

    Columns: ``accession``, ``species``, ``description``, ``gene``, ``feature``,
    ``sequence`` (upper case, IUPAC ambiguity codes turned into N), ``length``,
    ``n_ambiguous`` (IUPAC letters that became N).

    Two header styles are understood:

    * NCBI: ``>KF597303.1 Cetorhinus maximus mitochondrion, complete genome``; the species
      is the description up to 'mitochondrion'/'mitochondrial'/'voucher'/'isolate'/...
      (``UNVERIFIED:`` is dropped); ``gene`` and ``feature`` are NA.
    * OceanGenomes genes: ``>ND5 CDS - NC_088089.1--Madrepora_piresae``; species
      'Madrepora piresae', gene 'ND5', feature 'CDS'.
    """
    path = Path(path)
    rows = []
    for line, header, raw in read_fasta_records(path):
        if not header:
            raise SequenceError(f"{path}, line {line}: empty FASTA header; give each record an accession.")
        m = _GENE_HEADER.match(header)
        if m:
            acc, sp = m.group("acc"), m.group("sp").replace("_", " ")
            gene, feature, desc = m.group("gene"), m.group("feature"), f"{m.group('gene')} {m.group('feature')}"
        else:
            acc, _, desc = header.partition(" ")
            sp, gene, feature = _species_from_description(desc), None, None
        if not raw:
            raise SequenceError(f"{path}, record {acc!r} (line {line}): the sequence is empty. "
                                "Remove the record or give it bases.")
        n_amb = count_ambiguous(raw)
        (clean,) = _seq.validate([raw], [acc], allow_iupac=True, source=path)
        rows.append((acc, sp, desc.strip(), gene, feature, clean, len(clean), n_amb))
    df = pd.DataFrame(rows, columns=["accession", "species", "description", "gene", "feature",
                                     "sequence", "length", "n_ambiguous"])
    return df.astype({"length": "int64", "n_ambiguous": "int64"})


# --------------------------------------------------------------------------- genomes


class Genome(Mapping):
    """Chromosome name -> sequence (upper case, IUPAC codes as N) of a genome FASTA.

    Plain files are read lazily through a pyfaidx index (``seq.fetch_region``), gzip files
    are read into memory. ``lengths`` gives every sequence's length, ``n_ambiguous`` the
    number of IUPAC letters turned into N (filled in as sequences are loaded; all of them
    for gzip files), ``fetch(chrom, start, end)`` a 0-based half-open region.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = existing_file(path)
        self._seqs: dict[str, str] = {}
        self.n_ambiguous: dict[str, int] = {}
        self.lengths: dict[str, int] = {}
        self.indexed = False
        if is_gzip(self.path):
            try:
                names, seqs = _seq.read_fasta(self.path, validate=False)
            except GZIP_ERRORS as err:
                raise SequenceError(damaged_gzip_message(self.path, err)) from None
            for n, s in zip(names, seqs):
                self._store(n, s)
        else:
            try:
                fa = _seq.open_indexed_fasta(self.path)
            except Exception:  # noqa: BLE001 - not indexable (uneven lines): read it whole
                for _, header, raw in read_fasta_records(self.path):
                    self._store(header.split()[0] if header else "", raw)
            else:
                with fa:
                    self.lengths = {k: len(fa[k]) for k in fa.keys()}
                self.indexed = True

    def _store(self, name: str, raw: str) -> str:
        n_amb = count_ambiguous(raw)
        (clean,) = _seq.validate([raw], [name], allow_iupac=True, source=self.path)
        self._seqs[name], self.n_ambiguous[name], self.lengths[name] = clean, n_amb, len(clean)
        return clean

    def __getitem__(self, name: str) -> str:
        if name in self._seqs:
            return self._seqs[name]
        if not self.indexed or name not in self.lengths:
            shown = ", ".join(repr(k) for k in list(self.lengths)[:5])
            raise KeyError(f"{self.path.name} has no sequence named {name!r}; it has {shown}"
                           f"{', ...' if len(self.lengths) > 5 else ''} ({len(self.lengths)} in all).")
        return self._store(name, _seq.fetch_region(self.path, name, 0, self.lengths[name]))

    def __iter__(self):
        return iter(self.lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Bases [start, end) of ``chrom`` (0-based, half-open), upper case, IUPAC as N."""
        if chrom not in self.lengths:
            self[chrom]  # raises the KeyError that lists the names
        size = self.lengths[chrom]
        if not (0 <= start < end <= size):
            raise SequenceError(f"region {chrom}:{start}-{end} is outside {chrom} of {self.path.name} (length "
                                f"{size}); coordinates are 0-based half-open, need 0 <= start < end <= {size}.")
        if chrom in self._seqs or not self.indexed:
            return self[chrom][start:end]
        region = _seq.fetch_region(self.path, chrom, start, end)
        return _seq.validate([region], [f"{chrom}:{start}-{end}"], allow_iupac=True, source=self.path)[0]

    @property
    def total_length(self) -> int:
        return sum(self.lengths.values())

    def __repr__(self) -> str:
        return f"Genome({self.path.name!r}, {len(self)} sequences, {self.total_length} bp)"


def read_genome(path: str | os.PathLike) -> Genome:
    """A genome FASTA (plain, bgzip or gzip) as a :class:`Genome` mapping name -> sequence."""
    return Genome(path)
