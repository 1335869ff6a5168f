"""12S metabarcoding data: reference sequences per fish species, their noisy copies, splits and
errors by taxonomy. Used by the metagenomics_12s chapter ("which fish is this 12S read from?").

* :func:`species_references` - reference 12S sequences (MitoFish / mitohelper through the
  registry, or a reader's own FASTA + taxonomy) with the taxonomy ranks :data:`TAXON_RANKS`,
  ``per_species`` records per species (the thesis: one, "the 12S gene per species"), a seeded
  subset of ``n_species`` species. :func:`references_from_table` does the choosing on any table
  read by :func:`genomebook.datasets.mitofish.read_12s`.
* :func:`noisy_copies` - the thesis's samples: each reference plus ``n_copies`` copies with
  uniform substitutions at a rate drawn in ``rate`` (simulated sequencing error).
* :func:`split_random` (the thesis's split of samples: copies of one reference straddle
  train/test) and :func:`split_by_source` (all copies of one reference in one split), with
  :func:`split_summary`; arrays of ``"train"``/``"dev"``/``"test"`` aligned with the rows.
* :func:`lowest_shared_rank`, :func:`error_table` and :func:`error_ranks` - for each wrong
  prediction, the lowest rank the true and the predicted species share, and the counts per rank.

What a split means for top-1 over species
------------------------------------------
The thesis shuffles all 32 samples of every species and cuts 81/9/10, so nearly every test
sample has ~26 training copies of the same reference, each within 0.5-5% substitutions of it:
top-1 then largely measures recognising a copy of a sequence seen in training.
:func:`split_by_source` keeps a reference and all its copies in one split. With one reference
per species (the thesis's data) that puts whole *species* in dev/test, unseen in training: a
classifier over species cannot name them (top-1 is 0 by construction), and the split only
supports a higher-rank question (does the nearest training species share the genus / family?).
For an honest species-level top-1, take several references per species
(``species_references(..., per_species=2)``) and ``split_by_source(...,
species_in_train=True)``: each species keeps one reference (with its copies) in training and
its other references go whole to dev/test, so a test sample is a noisy copy of *another* record
of a species the model has seen (another specimen or study), never of a training sequence.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from genomebook.datasets import mitofish, registry
from genomebook.datasets._io import existing_file
from genomebook.datasets.corpora import SPLITS, THESIS_FRACTIONS, check_fractions, split_by_genome
from genomebook.seq import SequenceError

__all__ = ["read_library", "NO_SHARED_RANK", "SEQS_DATASET", "SHARED_RANKS", "TAXON_RANKS", "TAXONOMY_DATASET",
           "binomial", "error_ranks", "error_table", "lowest_shared_rank", "noisy_copies",
           "references_from_table", "species_references", "split_by_source", "split_random",
           "split_summary"]

SEQS_DATASET = "mitohelper_12S_seqs"
TAXONOMY_DATASET = "mitohelper_12S_taxonomy"

TAXON_RANKS = mitofish.RANKS[mitofish.RANKS.index("class"):]
"""The ranks kept in the tables: class, order, family, genus, species."""

NO_SHARED_RANK = "none above class"
"""Label of a wrong prediction whose species share no rank from class down (at most phylum)."""

SHARED_RANKS = ["species", *TAXON_RANKS[-2::-1], NO_SHARED_RANK]
"""Categories of :func:`lowest_shared_rank`, lowest first: species, genus, family, order, class,
:data:`NO_SHARED_RANK`."""

# Words that mark a name as not resolved to one species (open nomenclature, hybrids, groups).
_OPEN_WORDS = {"sp", "spp", "cf", "aff", "gen", "nr", "x", "×", "complex", "hybrid", "group", "gr",
               "indet", "undescribed", "unclassified", "unidentified", "environmental", "uncultured"}
_GENUS_RE = re.compile(r"^[A-Z][a-z]+$")
_EPITHET_RE = re.compile(r"^[a-z][a-z-]+$")
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


# --------------------------------------------------------------------------- references

def binomial(name: object) -> str | None:
    """The species-level name ``"Genus epithet"`` of a taxonomy name, or None when it has none.

    A name has a species-level name when its first word is a capitalised genus, its second a
    lower-case epithet (letters and hyphens), and no word marks open nomenclature, a hybrid or
    a group (sp., spp., cf., aff., gen., nr., x, complex, hybrid, gr., ...). Subspecies,
    varieties and authorities after the binomial are dropped, so ``"Salmo trutta trutta"``
    and ``"Salmo trutta"`` are one species. Used by the metagenomics_12s chapter (through
    :func:`references_from_table`).

    Examples
    --------
    >>> binomial("Carassius auratus auratus"), binomial("Centropogon australis (White, 1790)")
    ('Carassius auratus', 'Centropogon australis')
    >>> [binomial(n) for n in ["Corydoras sp. 'C91'", "Rhinodoras cf. boehlkei",
    ...                        "Epinephelus fuscoguttatus x Epinephelus lanceolatus", None]]
    [None, None, None, None]
    """
    if not isinstance(name, str):
        return None
    words = name.split()
    if len(words) < 2:
        return None
    if any(w.strip(".'\"(),").lower() in _OPEN_WORDS for w in words):
        return None
    if not (_GENUS_RE.match(words[0]) and _EPITHET_RE.match(words[1])):
        return None
    return f"{words[0]} {words[1]}"


def references_from_table(table: pd.DataFrame, n_species: int | None = None, *, seed: int = 0,
                          min_length: int = 150, max_length: int | None = 1200,
                          per_species: int = 1) -> pd.DataFrame:
    """Choose ``per_species`` reference sequences per species from a 12S table.

    ``table`` has the columns of :func:`genomebook.datasets.mitofish.read_12s` (id, sequence
    and the ranks; IUPAC codes already read as N). A record is eligible when its taxonomy name
    has a species-level name (:func:`binomial`), its sequence has no N, and its length is in
    ``[min_length, max_length]`` (``max_length=None``: no upper bound). Our choice of
    representative: the longest eligible record, ties broken by the smaller id (and for
    ``per_species > 1`` the next longest ones); species with fewer than ``per_species``
    eligible records are dropped. The defaults (ours, not the thesis's): 150 bp keeps records
    that can hold the ~170 bp MiFish region of 12S, and 1,200 bp leaves out records that carry
    flanking tRNA / 16S or whole mitogenome stretches beyond the ~950 bp fish 12S gene, which
    the longest-record rule would otherwise prefer. ``n_species`` species are then drawn at
    random (seeded, uniform over eligible species; None = all).

    Returns
    -------
    pandas.DataFrame
        One row per reference, sorted by species then length (longest first): ``id``,
        ``class``, ``order``, ``family``, ``genus``, ``species`` (the binomial), ``name`` (the
        taxonomy's own species field), ``sequence``, ``length``. ``attrs["notes"]`` lists, with
        counts, what was dropped and drawn. Used by the metagenomics_12s chapter.
    """
    missing = [c for c in ["id", "sequence", *TAXON_RANKS] if c not in table.columns]
    if missing:
        raise ValueError(f"the 12S table lacks column(s) {', '.join(missing)}; read it with "
                         "genomebook.datasets.mitofish.read_12s(fasta, taxonomy).")
    if per_species < 1:
        raise ValueError(f"per_species must be >= 1, got {per_species}.")
    if min_length < 1 or (max_length is not None and max_length < min_length):
        raise ValueError(f"need 1 <= min_length <= max_length; got min_length={min_length}, "
                         f"max_length={max_length}.")
    notes: list[str] = []
    df = table[["id", *TAXON_RANKS, "sequence"]].rename(columns={"species": "name"})
    df["species"] = df["name"].map(binomial)
    df["length"] = df["sequence"].str.len()
    n0 = len(df)
    no_name = df["species"].isna()
    if no_name.any():
        notes.append(f"{int(no_name.sum()):,} of {n0:,} record(s) ({df.loc[no_name, 'name'].nunique():,} "
                     "name(s)) dropped: no species-level name (open nomenclature such as 'sp.' / 'cf.', "
                     "hybrids, or a missing species rank).")
    has_n = df["sequence"].str.contains("N", regex=False)
    if (has_n & ~no_name).any():
        notes.append(f"{int((has_n & ~no_name).sum()):,} record(s) with a species name dropped: the "
                     "sequence holds N (or another IUPAC ambiguity code).")
    out_of_range = (df["length"] < min_length) | (df["length"] > (max_length or np.inf))
    if (out_of_range & ~no_name & ~has_n).any():
        notes.append(f"{int((out_of_range & ~no_name & ~has_n).sum()):,} further record(s) dropped: "
                     f"length outside {min_length}-{max_length or 'any'} bp.")
    ok = df[~no_name & ~has_n & ~out_of_range]
    n_named = df.loc[~no_name, "species"].nunique()
    ok = ok.sort_values(["species", "length", "id"], ascending=[True, False, True], kind="mergesort")
    counts = ok.groupby("species").size()
    enough = counts.index[counts >= per_species]
    lost = n_named - len(enough)
    if lost:
        notes.append(f"{lost:,} of {n_named:,} species dropped: "
                     + ("no eligible record." if per_species == 1 else f"fewer than {per_species} eligible records."))
    if not len(enough):
        raise ValueError(f"no species has {per_species} eligible record(s) (species-level name, no N, "
                         f"{min_length}-{max_length or 'any'} bp) among {n0:,} records. Lower per_species or "
                         "widen the length range.")
    species = np.asarray(sorted(enough), dtype=object)
    if n_species is not None:
        if n_species < 1 or n_species > len(species):
            raise ValueError(f"n_species={n_species} but {len(species):,} species are eligible; ask for 1 to "
                             f"{len(species):,} (or None for all).")
        pick = np.random.default_rng(seed).choice(len(species), size=n_species, replace=False)
        species = np.sort(species[pick])
        notes.append(f"{n_species:,} of {len(enough):,} eligible species drawn at random (seed {seed}).")
    ok = ok[ok["species"].isin(set(species))].groupby("species", sort=True).head(per_species)
    out = ok[["id", *TAXON_RANKS, "name", "sequence", "length"]].reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def read_library(fasta: str | os.PathLike | None = None, taxonomy: str | os.PathLike | None = None, *,
                 mirror=None, cache=None, download: bool = True) -> pd.DataFrame:
    """The 12S sequences joined with their taxonomy (:func:`genomebook.datasets.mitofish.read_12s`).

    MitoFish / mitohelper (:data:`SEQS_DATASET` and :data:`TAXONOMY_DATASET`) through the
    registry (``mirror``, ``cache``, ``download`` as for
    :func:`genomebook.datasets.registry.fetch`), or a reader's ``fasta`` (ids = the first word of
    each header) with ``taxonomy`` (QIIME ``Feature ID<TAB>Taxon``, ranks
    ``d__;p__;c__;o__;f__;g__;s__``): both or neither. ``attrs["notes"]`` holds the reader's
    warnings (ids without taxonomy and the like), ``attrs["source"]`` the two files. Used by the
    metagenomics_12s chapter.
    """
    if (fasta is None) != (taxonomy is None):
        given, missing = ("the 12S FASTA", "its taxonomy TSV") if fasta is not None else \
            ("the taxonomy TSV", "its 12S FASTA")
        raise ValueError(f"{given} was given without {missing}: give your 12S FASTA (fasta_path) and its QIIME "
                         "taxonomy TSV (taxonomy_path, header 'Feature ID<TAB>Taxon') together, or neither to "
                         "read MitoFish / mitohelper from the registry.")
    if fasta is None:
        fasta = registry.fetch(SEQS_DATASET, mirror=mirror, cache=cache, download=download)
        taxonomy = registry.fetch(TAXONOMY_DATASET, mirror=mirror, cache=cache, download=download)
    else:
        fasta = existing_file(fasta, "12S FASTA (fasta_path)")
        taxonomy = existing_file(taxonomy, "12S taxonomy TSV (taxonomy_path)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = mitofish.read_12s(fasta, taxonomy)
    if not len(table):
        raise SequenceError(f"{fasta} and {taxonomy} share no id: the first word of each FASTA header must be a "
                            "'Feature ID' of the taxonomy file.")
    table.attrs["notes"] = [str(w.message) for w in caught]
    table.attrs["source"] = f"{fasta} and {taxonomy}"
    return table


def species_references(n_species: int | None = None, *, seed: int = 0, min_length: int = 150,
                       max_length: int | None = 1200, per_species: int = 1,
                       fasta: str | os.PathLike | None = None, taxonomy: str | os.PathLike | None = None,
                       mirror=None, cache=None, download: bool = True) -> pd.DataFrame:
    """Reference 12S sequences per fish species, from MitoFish / mitohelper or a reader's own files.

    Reads :data:`SEQS_DATASET` and :data:`TAXONOMY_DATASET` through the registry (``mirror``,
    ``cache``, ``download`` are passed to :func:`genomebook.datasets.registry.fetch`), or a
    reader's ``fasta`` and ``taxonomy`` (QIIME ``Feature ID<TAB>Taxon`` TSV; both or neither),
    joins them by id and chooses references with :func:`references_from_table` (see there for
    the representative, the length range and the seeded subset of ``n_species``). The thesis
    used one sequence, the 12S gene, per species: ``per_species=1``.

    Returns
    -------
    pandas.DataFrame
        Columns id, class, order, family, genus, species, name, sequence, length;
        ``attrs["notes"]`` says what was dropped (with counts). Used by the metagenomics_12s chapter.
    """
    table = read_library(fasta, taxonomy, mirror=mirror, cache=cache, download=download)
    refs = references_from_table(table, n_species, seed=seed, min_length=min_length, max_length=max_length,
                                 per_species=per_species)
    refs.attrs["notes"] = table.attrs["notes"] + refs.attrs["notes"]
    return refs


# --------------------------------------------------------------------------- samples

def noisy_copies(table: pd.DataFrame, n_copies: int = 31, *, rate: tuple[float, float] = (0.005, 0.05),
                 seed: int = 0) -> pd.DataFrame:
    """Each reference plus ``n_copies`` copies with random substitutions (the thesis's samples).

    For each copy a rate is drawn uniformly in ``rate``; exactly ``round(rate * L)`` positions
    (``L`` = the number of A/C/G/T positions; an N is never substituted) are chosen uniformly
    without replacement, and each gets one of the three other bases, uniformly: substitutions
    only, every substitution equally likely (the thesis's model of sequencing error). Copy 0 is
    the reference itself (rate 0). References are processed in table order from one generator
    seeded with ``seed``, so the output is deterministic for a seed and table.

    Returns
    -------
    pandas.DataFrame
        ``(n_copies + 1) * len(table)`` rows: sample_id (``"<id>#<copy>"``), source_id (the
        reference's id), species, copy, rate, n_substitutions, the other ranks of
        :data:`TAXON_RANKS` present in ``table``, sequence, length. Used by the metagenomics_12s chapter.
    """
    for col in ("id", "species", "sequence"):
        if col not in table.columns:
            raise ValueError(f"the reference table lacks column {col!r}; use species_references().")
    lo, hi = (float(r) for r in rate)
    if not 0 <= lo <= hi <= 1:
        raise ValueError(f"rate must be (low, high) with 0 <= low <= high <= 1, got {tuple(rate)}.")
    if n_copies < 0:
        raise ValueError(f"n_copies must be >= 0, got {n_copies}.")
    if table["id"].duplicated().any():
        raise ValueError(f"reference id {table['id'][table['id'].duplicated()].iloc[0]!r} occurs twice; "
                         "sample ids are built from reference ids, which must be unique.")
    rng = np.random.default_rng(seed)
    ranks = [r for r in TAXON_RANKS if r in table.columns and r != "species"]
    cols: dict[str, list] = {k: [] for k in ["sample_id", "source_id", "copy", "rate", "n_substitutions",
                                             "sequence"]}
    for ref_id, ref in zip(table["id"], table["sequence"]):
        ref = str(ref).upper()
        codes = np.frombuffer(ref.encode("ascii"), dtype=np.uint8)
        base_idx = np.searchsorted(_BASES, codes)
        acgt = np.flatnonzero((base_idx < 4) & (_BASES[np.minimum(base_idx, 3)] == codes))
        rates = rng.uniform(lo, hi, size=n_copies)
        cols["sample_id"].append(f"{ref_id}#0")
        cols["rate"].append(0.0)
        cols["n_substitutions"].append(0)
        cols["sequence"].append(ref)
        for c, r in enumerate(rates, start=1):
            n_sub = int(round(r * len(acgt)))
            pos = rng.choice(acgt, size=n_sub, replace=False)
            new = codes.copy()
            new[pos] = _BASES[(base_idx[pos] + rng.integers(1, 4, size=n_sub)) % 4]
            cols["sample_id"].append(f"{ref_id}#{c}")
            cols["rate"].append(float(r))
            cols["n_substitutions"].append(n_sub)
            cols["sequence"].append(new.tobytes().decode("ascii"))
        cols["source_id"].extend([ref_id] * (n_copies + 1))
        cols["copy"].extend(range(n_copies + 1))
    out = pd.DataFrame(cols)
    rep = np.repeat(np.arange(len(table)), n_copies + 1)
    out.insert(2, "species", table["species"].to_numpy()[rep])
    for r in ranks:
        out.insert(len(out.columns) - 1, r, table[r].to_numpy()[rep])
    out["length"] = out["sequence"].str.len()
    return out


# --------------------------------------------------------------------------- splits

def split_random(samples: pd.DataFrame, fractions: Sequence[float] = THESIS_FRACTIONS,
                 seed: int = 0) -> np.ndarray:
    """The thesis's split: samples shuffled and cut 81/9/10, ignoring where they came from.

    Copies of one reference straddle train/dev/test, so a test sample usually has training
    copies of its own reference within a few percent substitutions: top-1 partly measures
    recognising the copy. A species can (rarely) have no training sample at all, as the thesis
    notes. Returns ``"train"``/``"dev"``/``"test"`` per row of ``samples`` (exact counts
    ``round(n * fraction)`` for test and dev). Used by the metagenomics_12s chapter.
    """
    return split_by_genome(samples, fractions, seed, by="sample_id")


def split_by_source(samples: pd.DataFrame, fractions: Sequence[float] = THESIS_FRACTIONS, seed: int = 0,
                    *, species_in_train: bool = False) -> np.ndarray:
    """A reference and all its noisy copies in one split, so no copy straddles train and test.

    ``species_in_train=False``: whole references (``source_id``) are drawn at random into
    train/dev/test (fractions of references, hence of samples when every reference has the
    same number of copies). With one reference per species this means the dev/test *species*
    are unseen in training: a classifier over species cannot be right on them (top-1 = 0 by
    construction); use it to ask at which rank the prediction still agrees
    (:func:`error_ranks`), and a warning says so.

    ``species_in_train=True`` (the honest species-level split; needs several references per
    species, ``species_references(per_species=2)``): each species keeps one reference, drawn at
    random, with its copies in train; the other references, in a seeded random order, fill
    test and then dev whole, each reference going to the first of them it brings closer to
    ``round(n_samples * fraction)`` samples, and the rest go to train. Species with one reference
    stay wholly in train (classes to confuse with, never tested). Test then asks: given noisy
    copies of one record of a species, is another record of it recognised? The achieved
    fractions are those of :func:`split_summary`; a warning is given when they fall short.

    Returns
    -------
    numpy.ndarray of str
        ``"train"``, ``"dev"`` or ``"test"`` for each row of ``samples``. Used by the metagenomics_12s chapter.
    """
    for col in ("source_id", "species"):
        if col not in samples.columns:
            raise ValueError(f"samples lack column {col!r}; build them with noisy_copies().")
    per_species = samples.groupby("species")["source_id"].nunique()
    if not species_in_train:
        if (per_species == 1).all():
            warnings.warn("every species has one reference, so split_by_source puts whole species in dev/test, "
                          "unseen in training: species top-1 is 0 there by construction. For a species-level "
                          "score use species_references(per_species=2) and split_by_source(species_in_train=True); "
                          "this split answers only higher-rank questions (error_ranks).", stacklevel=2)
        return split_by_genome(samples, fractions, seed, by="source_id")
    f = check_fractions(fractions)
    if (per_species < 2).all():
        raise ValueError("species_in_train=True needs species with two or more references, and every species has "
                         "one: build the references with species_references(..., per_species=2) (or more).")
    rng = np.random.default_rng(seed)
    sources = samples.drop_duplicates("source_id")[["source_id", "species"]]
    size = samples.groupby("source_id").size()
    order = sources.iloc[rng.permutation(len(sources))]
    anchors = set(order.drop_duplicates("species")["source_id"])      # one random reference per species
    free = [s for s in order["source_id"] if s not in anchors]
    n = len(samples)
    target = {"test": int(round(n * f[2])), "dev": int(round(n * f[1]))}
    which = dict.fromkeys(sources["source_id"], "train")
    got = {"test": 0, "dev": 0}
    for s in free:
        for name in ("test", "dev"):
            if abs(got[name] + size[s] - target[name]) < abs(got[name] - target[name]):   # closer to target
                which[s] = name
                got[name] += int(size[s])
                break
    short = [k for k in ("test", "dev") if target[k] - got[k] > size.max() / 2]   # ran out of references
    if short:
        warnings.warn(f"split_by_source(species_in_train=True): {', '.join(short)} got "
                      f"{', '.join(f'{got[k]:,} of {target[k]:,}' for k in short)} samples; too few species have "
                      "a second reference. Use more references per species or smaller dev/test fractions.",
                      stacklevel=2)
    return samples["source_id"].map(which).to_numpy(dtype=object)


def split_summary(samples: pd.DataFrame, split: Sequence[str]) -> pd.DataFrame:
    """One row per split: samples, references, species, the fraction of samples, and how many of
    its species / references also occur in train (what a split leaks). Used by the metagenomics_12s
    chapter to show the random and the by-source split side by side."""
    split = np.asarray(split, dtype=object)
    if len(split) != len(samples):
        raise ValueError(f"split has {len(split)} labels for {len(samples)} samples.")
    train = split == "train"
    train_species, train_sources = set(samples["species"][train]), set(samples["source_id"][train])
    rows = []
    for name in SPLITS:
        sel = samples[split == name]
        species, sources = set(sel["species"]), set(sel["source_id"])
        rows.append({"split": name, "samples": len(sel), "fraction": len(sel) / max(len(samples), 1),
                     "references": len(sources), "species": len(species),
                     "species_in_train": len(species & train_species),
                     "references_in_train": len(sources & train_sources)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- errors by taxonomy

def lowest_shared_rank(true_taxa: pd.DataFrame, predicted_taxa: pd.DataFrame) -> pd.Series:
    """The lowest rank two taxa share, row by row: species, genus, family, order, class or
    :data:`NO_SHARED_RANK`.

    Both tables hold the columns of :data:`TAXON_RANKS` and are aligned by position. A rank is
    shared when both names are present and equal (NA never matches). Returns an ordered
    categorical Series with categories :data:`SHARED_RANKS` and the index of ``true_taxa``.
    Used by the metagenomics_12s chapter.

    Examples
    --------
    >>> t = pd.DataFrame({"class": ["A", "A"], "order": ["O", "O"], "family": ["F", "F"],
    ...                   "genus": ["G", "G"], "species": ["G a", "G a"]})
    >>> p = t.assign(genus=["G", "H"], species=["G b", "H c"])
    >>> lowest_shared_rank(t, p).tolist()
    ['genus', 'family']
    """
    for name, df in (("true_taxa", true_taxa), ("predicted_taxa", predicted_taxa)):
        missing = [r for r in TAXON_RANKS if r not in df.columns]
        if missing:
            raise ValueError(f"{name} lacks rank column(s) {', '.join(missing)}.")
    if len(true_taxa) != len(predicted_taxa):
        raise ValueError(f"true_taxa has {len(true_taxa)} rows and predicted_taxa {len(predicted_taxa)}; "
                         "they must be aligned row by row.")
    out = np.full(len(true_taxa), NO_SHARED_RANK, dtype=object)
    done = np.zeros(len(true_taxa), dtype=bool)
    for rank in TAXON_RANKS[::-1]:                       # species, genus, ..., class
        a, b = true_taxa[rank].to_numpy(dtype=object), predicted_taxa[rank].to_numpy(dtype=object)
        same = ~pd.isna(a) & ~pd.isna(b) & (a == b) & ~done
        out[same] = rank
        done |= same
    return pd.Series(pd.Categorical(out, categories=SHARED_RANKS, ordered=True), index=true_taxa.index,
                     name="shared_rank")


def _taxa_of(species: np.ndarray, taxonomy: pd.DataFrame, what: str) -> pd.DataFrame:
    missing = [r for r in TAXON_RANKS if r not in taxonomy.columns]
    if missing:
        raise ValueError(f"taxonomy lacks rank column(s) {', '.join(missing)}; pass the references table.")
    tax = taxonomy.drop_duplicates("species").set_index("species")
    unknown = sorted(set(species) - set(tax.index), key=str)
    if unknown:
        raise KeyError(f"{len(unknown)} {what} species not in the taxonomy table (first: {unknown[0]!r}); pass "
                       "the table of the references the classifier was trained on.")
    return tax.loc[species, TAXON_RANKS[:-1]].assign(species=species).reset_index(drop=True)


def error_table(true_species: Sequence[str], predicted_species: Sequence[str],
                taxonomy: pd.DataFrame) -> pd.DataFrame:
    """Every wrong prediction with the lowest rank the true and predicted species share.

    ``taxonomy`` maps species to ranks (any table with the :data:`TAXON_RANKS` columns, e.g.
    the references). Correct predictions are not errors and are left out. Columns: position
    (index into the inputs), true_species, predicted_species, shared_rank, shared_taxon (the
    name at that rank; NA for :data:`NO_SHARED_RANK`). Used by the metagenomics_12s chapter.
    """
    t = np.asarray(true_species, dtype=object)
    p = np.asarray(predicted_species, dtype=object)
    if t.shape != p.shape or t.ndim != 1:
        raise ValueError(f"true_species and predicted_species must be 1-D and aligned; got {t.shape} and {p.shape}.")
    wrong = np.flatnonzero(t != p)
    tt, pt = _taxa_of(t[wrong], taxonomy, "true"), _taxa_of(p[wrong], taxonomy, "predicted")
    rank = lowest_shared_rank(tt, pt)
    taxon = [tt.at[i, r] if r in TAXON_RANKS else pd.NA for i, r in enumerate(rank.astype(object))]
    return pd.DataFrame({"position": wrong, "true_species": t[wrong], "predicted_species": p[wrong],
                         "shared_rank": rank.to_numpy(), "shared_taxon": taxon})


def error_ranks(true_species: Sequence[str], predicted_species: Sequence[str],
                taxonomy: pd.DataFrame) -> pd.DataFrame:
    """Wrong predictions counted by the lowest rank the two species share.

    One row per rank (genus, family, order, class, :data:`NO_SHARED_RANK`): ``errors`` (count),
    ``fraction_of_errors`` and ``fraction_of_predictions``; ``attrs`` holds ``n_predictions``
    and ``n_errors``. Correct predictions are not errors. Used by the metagenomics_12s chapter
    (table and figure of the thesis's error analysis, done for every error).
    """
    errors = error_table(true_species, predicted_species, taxonomy)
    n = len(np.asarray(true_species, dtype=object))
    ranks = SHARED_RANKS[1:]
    counts = errors["shared_rank"].astype(object).value_counts().reindex(ranks, fill_value=0)
    out = pd.DataFrame({"rank": ranks, "errors": counts.to_numpy(dtype=np.int64)})
    out["fraction_of_errors"] = out["errors"] / max(len(errors), 1)
    out["fraction_of_predictions"] = out["errors"] / max(n, 1)
    out.attrs.update(n_predictions=n, n_errors=len(errors))
    return out
