"""Pre-training corpora of whole genomes for DNA language models, their splits and their leakage.

Used by the dna_language_models chapter (Small transformers I), which pre-trains on two
"languages" as the thesis did:

* :func:`mitochondrial_corpus` - the mitochondrial language: the shark and teleost
  mitogenomes (unikseq test data) and the coral mitochondrial genes (OceanGenomes reference
  set, with its manifest for organism and family), one row per genome or gene record.
* :func:`nuclear_standin_corpus` - a nuclear stand-in for hg38 (which the registry holds for
  the ``paper`` profile only): the E. coli K-12 genome and the 1% chromosome chunks of fly,
  worm and Arabidopsis; :data:`NUCLEAR_STANDIN_NOTE` is the sentence the chapter shows.

Both tables have the columns ``id`` (unique record id), ``genome`` (the unit a genome split
keeps whole: the accession of a mitogenome, of the mitogenome a coral gene comes from, or of
a nuclear chromosome chunk), ``organism`` (as written in the source), ``species``
(binomial, or the organism when none can be parsed), ``genus`` (``"?"`` when it cannot be
parsed), ``family`` (NA when the source does not give it), ``source``, ``gene`` (coral
genes only), ``length``, ``sequence``, ``duplicate_of`` and ``duplicate_kind`` (the first
earlier record with the identical sequence, ``"exact"``, or its reverse complement,
``"revcomp"``). ``table.attrs["notes"]`` lists what was dropped, capped or unparsed.

Splits (arrays of ``"train"``/``"dev"``/``"test"`` aligned with the rows):

* :func:`split_by_genome` - the thesis's split: a random 10% of genomes for test, 9% for
  dev, the rest (81%) for training, whole genomes only.
* :func:`split_by_genus` - the same fractions as closely as whole genera allow, so that no
  genus (and hence no species) is in two splits; :func:`split_summary` gives the achieved
  fractions.

:func:`windows` cuts each split into fixed-length pre-training windows (deterministic), and
:func:`leakage_summary` counts, per split scheme, the dev/test windows that have an exact,
reverse-complement or near duplicate among the training windows, with
:func:`genomebook.datasets.leakage.leakage_card` (MinHash LSH on canonical k-mers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from genomebook.datasets import registry
from genomebook.datasets.leakage import leakage_card
from genomebook.seq import reverse_complement

__all__ = ["MITO_SOURCES", "NUCLEAR_SOURCES", "NUCLEAR_STANDIN_NOTE", "SPLITS", "THESIS_FRACTIONS",
           "check_fractions", "Windows", "corpus_summary", "leakage_summary", "mitochondrial_corpus",
           "nuclear_standin_corpus", "parse_taxon", "split_by_genome", "split_by_genus",
           "split_summary", "windows"]

SPLITS = ("train", "dev", "test")
"""Split names, in order."""

THESIS_FRACTIONS = (0.81, 0.09, 0.10)
"""The thesis's split: 10% of genomes for test, 10% of the rest (9%) for validation, 81% train."""

MITO_SOURCES = {
    "shark": "unikseq_shark_mitogenomes",
    "teleost": "unikseq_teleost_mitogenomes",
    "coral": "oceangenomes_coral_mito_genes",
}
"""Source label -> registry name of the mitochondrial corpus's FASTA files."""

CORAL_MANIFEST = "oceangenomes_coral_mito_manifest"

NUCLEAR_SOURCES = {
    "ecoli": ("ecoli_k12_genome", "", "Escherichia coli", "Enterobacteriaceae"),
    "fly": ("D.melanogaster_1pct_chunks", "D.melanogaster:", "Drosophila melanogaster", "Drosophilidae"),
    "worm": ("C.elegans_1pct_chunks", "C.elegans:", "Caenorhabditis elegans", "Rhabditidae"),
    "arabidopsis": ("A.thaliana_1pct_chunks", "A.thaliana:", "Arabidopsis thaliana", "Brassicaceae"),
}
"""Source label -> (registry name, id prefix, species, family) of the nuclear stand-in."""

ORGANELLE_RECORDS = {"ChrM", "ChrC", "MtDNA", "chrM", "M", "MT"}
"""Record names of organelle DNA in the nuclear chunk files; left out of the nuclear stand-in."""

NUCLEAR_STANDIN_NOTE = (
    "Nuclear stand-in: the thesis's nuclear language is the human genome (hg38), which this book "
    "registers for the paper profile only. Here it is stood in for by the E. coli K-12 genome and "
    "the first 1% of each nuclear chromosome of D. melanogaster, C. elegans and A. thaliana (their "
    "organelle chunks left out): a few Mb of bacterial and invertebrate/plant DNA, not human, so "
    "comparisons with the mitochondrial language are about this mix, not about hg38.")
"""The sentence the chapter shows next to anything computed on :func:`nuclear_standin_corpus`."""

_COLUMNS = ["id", "genome", "organism", "species", "genus", "family", "source", "gene", "length",
            "sequence", "duplicate_of", "duplicate_kind"]

_GENUS = re.compile(r"^[A-Z][a-z]+$")
_RANK_SUFFIXES = ("idae", "inae", "aceae", "formes", "oidea")   # family, subfamily, order, superfamily
_NOT_GENERA = {"Uncultured", "Unidentified", "Unknown", "Environmental", "Unclassified", "Mixed"}
_EPITHET = re.compile(r"^[a-z][a-z-]+$")


# --------------------------------------------------------------------------- names


def parse_taxon(organism: str | None) -> tuple[str, str]:
    """(species, genus) of an organism name as written in a FASTA header or manifest.

    The genus is the first word when it looks like one (capitalised, letters only, not a
    family/subfamily/order name such as ``Keratoisidinae``); otherwise it is ``"?"``. The
    species is ``Genus epithet`` (sub-species, strains, vouchers and remarks dropped), kept
    as ``Genus cf. epithet`` / ``Genus sp. X`` for uncertain names and in full for hybrids
    (``A b x C d``, whose genus is the first one named: by convention the mother, whose
    mitochondria the hybrid carries). A name without a parseable genus is its own species.
    Used by :func:`mitochondrial_corpus` (dna_language_models chapter).

    Examples
    --------
    >>> parse_taxon("Carassius auratus auratus common triploid crucian carp")
    ('Carassius auratus', 'Carassius')
    >>> parse_taxon("Oncorhynchus mykiss x Salmo salar")
    ('Oncorhynchus mykiss x Salmo salar', 'Oncorhynchus')
    >>> parse_taxon("Keratoisidinae sp. ANT-29")
    ('Keratoisidinae sp. ANT-29', '?')
    """
    text = " ".join(str(organism or "").split())
    if not text:
        return "?", "?"
    tokens = text.split(" ")
    genus = tokens[0]
    if not _GENUS.match(genus) or genus.endswith(_RANK_SUFFIXES) or genus in _NOT_GENERA:
        return text, "?"
    if len(tokens) == 1:
        return genus, genus
    second = tokens[1]
    if second in ("sp.", "sp", "spp."):
        return text, genus
    if second in ("cf.", "aff.") and len(tokens) > 2:
        return f"{genus} {second} {tokens[2]}", genus
    if not _EPITHET.match(second):
        return genus, genus
    species = f"{genus} {second}"
    if len(tokens) >= 5 and tokens[2] == "x" and _GENUS.match(tokens[3]) and _EPITHET.match(tokens[4]):
        species = f"{species} x {tokens[3]} {tokens[4]}"
    return species, genus


def _mark_duplicates(df: pd.DataFrame) -> pd.DataFrame:
    """Fill duplicate_of / duplicate_kind: the first earlier record with the same sequence or its reverse complement."""
    seen: dict[str, str] = {}
    dup_of: list[object] = []
    kind: list[object] = []
    for rid, s in zip(df["id"], df["sequence"]):
        if s in seen:
            dup_of.append(seen[s])
            kind.append("exact")
            continue
        rc = reverse_complement(s)
        if rc in seen:
            dup_of.append(seen[rc])
            kind.append("revcomp")
            continue
        seen[s] = rid
        dup_of.append(pd.NA)
        kind.append(pd.NA)
    df["duplicate_of"] = pd.array(dup_of, dtype="string")
    df["duplicate_kind"] = pd.array(kind, dtype="string")
    return df


def _finish(rows: list[dict], notes: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[c for c in _COLUMNS if c not in ("duplicate_of", "duplicate_kind")])
    for col in ("id", "genome", "organism", "species", "genus", "family", "source", "gene", "sequence"):
        df[col] = df[col].astype("string")
    df["length"] = df["length"].astype("int64")
    nth = df.groupby("id", sort=False).cumcount()   # a repeated accession, or two records of one gene
    if (nth > 0).any():
        df["id"] = df["id"].where(nth == 0, df["id"] + "#" + (nth + 1).astype(str))
        notes.append(f"{int((nth > 0).sum())} record(s) repeat an id already read (a genome listed twice, "
                     "or a second copy of a gene); their ids get '#2', '#3', ... and they stay with their genome.")
    df = _mark_duplicates(df.reset_index(drop=True))
    n_dup = df["duplicate_kind"].value_counts()
    if len(n_dup):
        parts = ", ".join(f"{int(n_dup.get(k, 0))} {k}" for k in ("exact", "revcomp") if n_dup.get(k, 0))
        notes.append(f"{parts} duplicate sequence(s) of an earlier record (column duplicate_of); kept, "
                     "so that a genome split shows the leakage they cause.")
    df.attrs["notes"] = notes
    return df


def _cap_units(units: pd.DataFrame, max_genomes: int | None, max_bp: int | None, seed: int) -> np.ndarray:
    """Bool mask over ``units`` (one row per genome, column ``bp``): a seeded random subset within the caps."""
    n = len(units)
    if max_genomes is None and max_bp is None:
        return np.ones(n, dtype=bool)
    order = np.random.default_rng(seed).permutation(n)
    keep = np.zeros(n, dtype=bool)
    total, count = 0, 0
    for i in order:
        bp = int(units["bp"].iloc[i])
        if max_genomes is not None and count >= max_genomes:
            break
        if max_bp is not None and total + bp > max_bp:
            continue   # a smaller genome later in the order may still fit
        keep[i], total, count = True, total + bp, count + 1
    return keep


# --------------------------------------------------------------------------- corpora


def mitochondrial_corpus(
    *,
    sources: Sequence[str] = tuple(MITO_SOURCES),
    max_genomes: int | None = None,
    max_bp: int | None = None,
    seed: int = 0,
    mirror=None,
    cache=None,
    download: bool = True,
) -> pd.DataFrame:
    """The mitochondrial language: shark and teleost mitogenomes and coral mitochondrial genes.

    Parameters
    ----------
    sources : sequence of str
        Any of ``"shark"``, ``"teleost"``, ``"coral"`` (:data:`MITO_SOURCES` names the registry
        entries read; coral organisms and families come from ``oceangenomes_coral_mito_manifest``).
    max_genomes, max_bp : int, optional
        Caps for the smoke and book profiles: a seeded random subset of whole genomes (a coral
        genome is all its gene records) with at most ``max_genomes`` genomes and ``max_bp``
        bases in all. The subset keeps the sources' mix in expectation.
    seed : int
        Seed of that subset.
    mirror, cache, download
        Passed to :func:`genomebook.datasets.registry.read` / ``fetch``.

    Returns
    -------
    pandas.DataFrame
        One row per mitogenome (shark, teleost) or gene record (coral), in file order, with
        the columns of the module docstring; ``attrs["notes"]`` says how many records have no
        parseable genus (kept, genus ``"?"``), how many are duplicates, and the cap applied.
        Used by the dna_language_models chapter.
    """
    unknown = [s for s in sources if s not in MITO_SOURCES]
    if unknown or not sources:
        raise ValueError(f"unknown mitochondrial source(s) {unknown}; choose from {list(MITO_SOURCES)}.")
    rows: list[dict] = []
    for src in sources:
        df = registry.read(MITO_SOURCES[src], mirror=mirror, cache=cache, download=download)
        if src == "coral":
            manifest = pd.read_csv(registry.fetch(CORAL_MANIFEST, mirror=mirror, cache=cache,
                                                  download=download), sep="\t")
            organism = dict(zip(manifest["accession"], manifest["organism"]))
            family = dict(zip(manifest["accession"], manifest["family"]))
            ids = df["accession"] + ":" + df["gene"].astype(str)
            for rid, acc, sp, gene, s in zip(ids, df["accession"], df["species"], df["gene"], df["sequence"]):
                org = organism.get(acc, sp)
                species, genus = parse_taxon(org)
                fam = family.get(acc)
                rows.append({"id": rid, "genome": acc, "organism": org, "species": species, "genus": genus,
                             "family": fam if isinstance(fam, str) else pd.NA, "source": src, "gene": gene,
                             "length": len(s), "sequence": s})
        else:
            for acc, org, s in zip(df["accession"], df["species"], df["sequence"]):
                species, genus = parse_taxon(org)
                rows.append({"id": acc, "genome": acc, "organism": org, "species": species, "genus": genus,
                             "family": pd.NA, "source": src, "gene": pd.NA, "length": len(s), "sequence": s})
    notes: list[str] = []
    table = pd.DataFrame(rows)
    units = table.groupby("genome", sort=False)["length"].sum().rename("bp").reset_index()
    keep = _cap_units(units, max_genomes, max_bp, seed)
    if not keep.all():
        chosen = set(units["genome"][keep])
        sel = table["genome"].isin(chosen).to_numpy()
        notes.append(f"capped to {int(keep.sum())} of {len(units)} genomes ({int(sel.sum())} of {len(table)} "
                     f"records, {int(table['length'][sel].sum()):,} bp; seed {seed}).")
        rows = [r for r, k in zip(rows, sel) if k]
    unparsed = sum(r["genus"] == "?" for r in rows)
    if unparsed:
        names = sorted({r["organism"] for r in rows if r["genus"] == "?"})
        notes.append(f"{unparsed} record(s) with no parseable genus kept with genus '?' "
                     f"({', '.join(map(str, names[:5]))}{', ...' if len(names) > 5 else ''}); "
                     "split_by_genus keeps each such genome as its own group.")
    return _finish(rows, notes)


def nuclear_standin_corpus(
    *,
    sources: Sequence[str] = tuple(NUCLEAR_SOURCES),
    max_bp: int | None = None,
    segment: int | None = None,
    mirror=None,
    cache=None,
    download: bool = True,
) -> pd.DataFrame:
    """The nuclear stand-in for hg38: E. coli K-12 and the fly, worm and Arabidopsis chunks.

    Show :data:`NUCLEAR_STANDIN_NOTE` with anything computed on it.

    Parameters
    ----------
    sources : sequence of str
        Any of ``"ecoli"``, ``"fly"``, ``"worm"``, ``"arabidopsis"`` (:data:`NUCLEAR_SOURCES`).
        Organelle records of the chunk files (``ChrM``, ``ChrC``, ``MtDNA``) are left out.
    max_bp : int, optional
        Cap on the bases used: each source gets an equal share, spread over its records in
        proportion to their lengths, taken from each record's start (deterministic).
    segment : int, optional
        Cut each record into consecutive pieces of this many bases (the last one shorter),
        each its own row and ``genome`` unit (id ``<record>:<start>-<end>``), so that a genome
        split of the stand-in has units of about a mitogenome's size. Default: whole records,
        each its own unit.
    mirror, cache, download
        Passed to :func:`genomebook.datasets.registry.read`.

    Returns
    -------
    pandas.DataFrame
        The columns of the module docstring (``family`` from a constant table, ``gene`` NA).
        Used by the dna_language_models chapter.
    """
    unknown = [s for s in sources if s not in NUCLEAR_SOURCES]
    if unknown or not sources:
        raise ValueError(f"unknown nuclear source(s) {unknown}; choose from {list(NUCLEAR_SOURCES)}.")
    if segment is not None and segment < 1:
        raise ValueError(f"segment must be a positive number of bases, got {segment}.")
    notes = [NUCLEAR_STANDIN_NOTE]
    per_source = None if max_bp is None else max(1, int(max_bp) // len(sources))
    rows: list[dict] = []
    for src in sources:
        name, prefix, species, family = NUCLEAR_SOURCES[src]
        genome = registry.read(name, mirror=mirror, cache=cache, download=download)
        dropped = [c for c in genome if c in ORGANELLE_RECORDS]
        if dropped:
            notes.append(f"{src}: organelle record(s) {', '.join(dropped)} left out (not nuclear DNA).")
        chroms = [c for c in genome if c not in ORGANELLE_RECORDS]
        total = sum(genome.lengths[c] for c in chroms)
        for c in chroms:
            seq = genome[c]
            if per_source is not None and total > per_source:
                seq = seq[: max(1, int(np.ceil(per_source * len(seq) / total)))]
            rid = f"{prefix}{c}"
            pieces = [(0, len(seq))] if segment is None else \
                [(a, min(a + segment, len(seq))) for a in range(0, len(seq), segment)]
            for a, b in pieces:
                pid = rid if segment is None else f"{rid}:{a}-{b}"
                rows.append({"id": pid, "genome": pid, "organism": species, "species": species,
                             "genus": species.split()[0], "family": family, "source": src, "gene": pd.NA,
                             "length": b - a, "sequence": seq[a:b]})
        if per_source is not None and total > per_source:
            notes.append(f"{src}: capped to the first {per_source:,} of {total:,} bp (spread over its records).")
    return _finish(rows, notes)


def corpus_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per source and in all: records, genomes, species, genera (``"?"`` not counted), families,
    records with genus ``"?"``, bases and duplicate records. The chapter's data card
    (dna_language_models chapter)."""
    def one(df: pd.DataFrame) -> dict:
        known = df["genus"] != "?"
        return {"records": len(df), "genomes": df["genome"].nunique(), "species": df["species"].nunique(),
                "genera": df.loc[known, "genus"].nunique(), "families": df["family"].dropna().nunique(),
                "genus unparsed": int((~known).sum()), "bp": int(df["length"].sum()),
                "duplicates": int(df["duplicate_of"].notna().sum())}

    rows = [{"source": s, **one(g)} for s, g in table.groupby("source", sort=False)]
    rows.append({"source": "all", **one(table)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- splits


def check_fractions(fractions: Sequence[float]) -> np.ndarray:
    """(train, dev, test) fractions as an array; a ValueError unless three non-negative numbers
    summing to 1. The one check of every seeded split (this module's, and the 12S and TSS splits
    of :mod:`genomebook.datasets.metabarcoding` and :mod:`genomebook.datasets.tss`)."""
    f = np.asarray(fractions, dtype=float)
    if f.shape != (3,) or (f < 0).any() or not np.isclose(f.sum(), 1.0):
        raise ValueError(f"fractions must be three non-negative numbers (train, dev, test) summing to 1, "
                         f"got {tuple(fractions)}.")
    return f


def split_by_genome(table: pd.DataFrame, fractions: Sequence[float] = THESIS_FRACTIONS, seed: int = 0,
                    *, by: str = "genome") -> np.ndarray:
    """The thesis's split: whole genomes drawn at random into train/dev/test (81/9/10).

    ``round(n * test)`` random genomes (the ``by`` column's units) go to test, then
    ``round(n * dev)`` to dev, the rest to train: 2,000 genomes give 1,620/180/200 as in the
    thesis. Genomes of one species may land in different splits - the leakage this causes is
    what :func:`leakage_summary` measures.

    Returns
    -------
    numpy.ndarray of str
        ``"train"``, ``"dev"`` or ``"test"`` for each row of ``table``.
        Used by the dna_language_models chapter.

    Examples
    --------
    >>> t = pd.DataFrame({"genome": [f"g{i}" for i in range(100)]})
    >>> s = split_by_genome(t, seed=1)
    >>> [int((s == k).sum()) for k in SPLITS]
    [81, 9, 10]
    """
    f = check_fractions(fractions)
    units = pd.unique(table[by])
    n = len(units)
    n_test, n_dev = int(round(n * f[2])), int(round(n * f[1]))
    if n_test + n_dev > n:
        n_dev = n - n_test
    order = np.random.default_rng(seed).permutation(n)
    label = np.empty(n, dtype=object)
    label[order[:n_test]] = "test"
    label[order[n_test:n_test + n_dev]] = "dev"
    label[order[n_test + n_dev:]] = "train"
    which = dict(zip(units, label))
    return np.array([which[u] for u in table[by]], dtype=object)


def split_by_genus(table: pd.DataFrame, fractions: Sequence[float] = THESIS_FRACTIONS, seed: int = 0,
                   *, weight: str = "genome", n_tries: int = 200) -> np.ndarray:
    """Whole genera into train/dev/test, as close to ``fractions`` of genomes as the genera allow.

    No genus is in two splits, so no species either (a genome of genus ``"?"`` is a group of
    its own). Genera are drawn in ``n_tries`` seeded random orders; in each, a genus goes to the
    split furthest below its target (in units of ``weight``: ``"genome"`` counts distinct
    genomes, ``"bp"`` bases), and the order whose largest deviation from ``fractions`` is
    smallest wins. A genus larger than a split's share (e.g. the 128 white-shark mitogenomes)
    can only go to train or overshoot: :func:`split_summary` reports the fractions achieved.

    Returns
    -------
    numpy.ndarray of str
        ``"train"``, ``"dev"`` or ``"test"`` for each row of ``table``.
        Used by the dna_language_models chapter.
    """
    f = check_fractions(fractions)
    if weight not in ("genome", "bp"):
        raise ValueError(f"weight must be 'genome' or 'bp', got {weight!r}.")
    group = table["genus"].astype(str).where(table["genus"] != "?", "?:" + table["genome"].astype(str))
    if weight == "genome":
        sizes = pd.Series(table["genome"].to_numpy(), index=group.to_numpy()).groupby(level=0, sort=False).nunique()
    else:
        sizes = pd.Series(table["length"].to_numpy(), index=group.to_numpy()).groupby(level=0, sort=False).sum()
    names, w = sizes.index.to_numpy(), sizes.to_numpy(dtype=float)
    target = f * w.sum()
    rng = np.random.default_rng(seed)
    best, best_dev = None, np.inf
    for _ in range(max(1, n_tries)):
        order = rng.permutation(len(w))
        got = np.zeros(3)
        assign = np.empty(len(w), dtype=np.int64)
        for i in order:
            j = int(np.argmax((target - got) / np.maximum(target, 1e-12)))   # relative deficit
            assign[i] = j
            got[j] += w[i]
        dev = np.abs(got / w.sum() - f).max()
        if dev < best_dev - 1e-12:
            best, best_dev = assign, dev
    which = dict(zip(names, np.array(SPLITS, dtype=object)[best]))
    return np.array([which[g] for g in group], dtype=object)


def split_summary(table: pd.DataFrame, split: Sequence[str], fractions: Sequence[float] = THESIS_FRACTIONS
                  ) -> pd.DataFrame:
    """One row per split: records, genomes, genera, species, bases, the fraction of genomes
    achieved next to the target, and genera shared with train. Used by the dna_language_models
    chapter to show both splits side by side."""
    split = np.asarray(split, dtype=object)
    f = check_fractions(fractions)
    n_genomes = table["genome"].nunique()
    train_genera = set(table["genus"][split == "train"]) - {"?"}
    rows = []
    for name, target in zip(SPLITS, f):
        sel = split == name
        t = table[sel]
        genera = set(t["genus"]) - {"?"}
        rows.append({"split": name, "records": int(sel.sum()), "genomes": t["genome"].nunique(),
                     "genera": len(genera), "species": t["species"].nunique(), "bp": int(t["length"].sum()),
                     "fraction": t["genome"].nunique() / n_genomes if n_genomes else float("nan"),
                     "target": float(target),
                     "genera also in train": 0 if name == "train" else len(genera & train_genera)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- windows


@dataclass
class Windows:
    """The pre-training windows of one split: ``seqs`` (str), ``ids`` (the record each came
    from) and ``starts`` (0-based offset in that record). Made by :func:`windows`
    (dna_language_models chapter)."""

    seqs: list[str]
    ids: list[str]
    starts: np.ndarray

    def __len__(self) -> int:
        return len(self.seqs)


def windows(
    table: pd.DataFrame,
    split: Sequence[str],
    length: int,
    stride: int | None = None,
    *,
    min_length: int | None = None,
    max_n_fraction: float = 0.1,
    max_windows: int | Mapping[str, int | None] | None = None,
    seed: int = 0,
) -> dict[str, Windows]:
    """Pre-training windows of each split, deterministic.

    Each record (in table order) gives the windows ``[s, s + length)`` for ``s = 0, stride,
    2 * stride, ...`` that fit; a record's last, shorter piece (or a record shorter than
    ``length``) is kept only when it has at least ``min_length`` bases (default ``length``:
    full windows only). Windows with more than ``max_n_fraction`` N are dropped.

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus (:func:`mitochondrial_corpus`, :func:`nuclear_standin_corpus`).
    split : sequence of str
        The split of each row (:func:`split_by_genome`, :func:`split_by_genus`).
    length, stride : int
        Window length and step in bases (``stride`` defaults to ``length``: no overlap).
    max_windows : int or mapping of str to int, optional
        Cap per split (or per split name): a seeded random subset, kept in corpus order.
    seed : int
        Seed of that subset.

    Returns
    -------
    dict of str to Windows
        ``{"train": ..., "dev": ..., "test": ...}`` (splits that occur). Used by the
        dna_language_models chapter.

    Examples
    --------
    >>> t = pd.DataFrame({"id": ["a", "b"], "sequence": ["ACGTACGTAC", "GGGCCC"]})
    >>> w = windows(t, ["train", "test"], 4, 3)
    >>> w["train"].seqs, w["train"].ids, w["test"].seqs
    (['ACGT', 'TACG', 'GTAC'], ['a', 'a', 'a'], ['GGGC'])
    """
    if length < 1:
        raise ValueError(f"length must be positive, got {length}.")
    stride = length if stride is None else int(stride)
    if stride < 1:
        raise ValueError(f"stride must be positive, got {stride}.")
    min_length = length if min_length is None else int(min_length)
    split = np.asarray(split, dtype=object)
    if len(split) != len(table):
        raise ValueError(f"split has {len(split)} labels for {len(table)} records.")
    found: dict[str, tuple[list[str], list[str], list[int]]] = {}
    for rid, seq, name in zip(table["id"], table["sequence"], split):
        seqs, ids, starts = found.setdefault(str(name), ([], [], []))
        for s in range(0, max(len(seq), 1), stride):
            piece = seq[s:s + length]
            if len(piece) < min_length:
                break
            if piece.count("N") <= max_n_fraction * len(piece):
                seqs.append(piece)
                ids.append(str(rid))
                starts.append(s)
            if s + length >= len(seq):
                break
    order = [n for n in SPLITS if n in found] + sorted(n for n in found if n not in SPLITS)
    out = {}
    rng = np.random.default_rng(seed)
    for name in order:
        seqs, ids, starts = found[name]
        cap = max_windows.get(name) if isinstance(max_windows, Mapping) else max_windows
        idx = np.arange(len(seqs))
        if cap is not None and len(seqs) > cap:
            idx = np.sort(rng.choice(len(seqs), size=int(cap), replace=False))
        out[name] = Windows([seqs[i] for i in idx], [ids[i] for i in idx], np.asarray(starts, dtype=np.int64)[idx])
    return out


# --------------------------------------------------------------------------- leakage


def leakage_summary(
    table: pd.DataFrame,
    splits: Mapping[str, Sequence[str]],
    length: int,
    stride: int | None = None,
    *,
    max_query: int | None = 1000,
    max_reference: int | None = None,
    k: int = 8,
    near_threshold: float = 0.8,
    num_perm: int = 64,
    seed: int = 0,
) -> pd.DataFrame:
    """The leakage card of the pre-training windows under each split scheme, side by side.

    For each scheme (e.g. ``{"by genome": split_by_genome(t), "by genus": split_by_genus(t)}``)
    the corpus is cut by :func:`windows` (``length``, ``stride``; at most ``max_query`` dev and
    test windows and ``max_reference`` train windows, seeded) and
    :func:`genomebook.datasets.leakage.leakage_card` counts the dev and test windows that are
    an exact copy, a reverse-complement copy or a near-duplicate of a train window: MinHash LSH
    on canonical ``k``-mers (both strands), Jaccard estimate >= ``near_threshold`` with
    ``num_perm`` permutations (the ``method`` column says so).

    Returns
    -------
    pandas.DataFrame
        One row per (scheme, query split): ``split`` (the scheme), ``query`` (dev/test),
        ``reference`` (train), ``n`` windows, ``exact``, ``revcomp``, ``near``, ``any``,
        ``fraction`` (any / n) and ``method``. Used by the dna_language_models chapter.
    """
    frames = []
    for scheme, split in splits.items():
        caps = {"train": max_reference, "dev": max_query, "test": max_query}
        w = windows(table, split, length, stride, max_windows=caps, seed=seed)
        present = {n: w[n].seqs if n in w else [] for n in SPLITS}
        pairs = [(q, "train") for q in ("dev", "test")]
        card = leakage_card(present, against=pairs, k=k, near_threshold=near_threshold,
                            num_perm=num_perm, seed=seed)
        card = card[card["class"] == "all"].drop(columns="class")
        card.insert(0, "split", scheme)
        frames.append(card)
    return pd.concat(frames, ignore_index=True)
