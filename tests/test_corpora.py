"""Pre-training corpora (genomebook.datasets.corpora): names parsed from the real mirror files,
the genome and genus splits, deterministic windows and the leakage card on a hand-made example."""

import numpy as np
import pandas as pd
import pytest

from conftest import MIRROR, mirror_file
from genomebook.datasets import corpora as C

MITO_FILES = ["unikseq_mitogenomes/shark.fa.gz", "unikseq_mitogenomes/teleost.fa.gz",
              "oceangenomes_coral_mito/coral_mito_refdb.label.fasta.gz",
              "oceangenomes_coral_mito/coral_mito_refdb.manifest.tsv"]
NUCLEAR_FILES = ["mcb185_small_genomes/GCF_000005845.2_ASM584v2_genomic.fna.gz",
                 "mcb185_small_genomes/A.thaliana.fa.gz", "mcb185_small_genomes/C.elegans.fa.gz",
                 "mcb185_small_genomes/D.melanogaster.fa.gz"]


@pytest.fixture(scope="module")
def mito():
    for rel in MITO_FILES:
        mirror_file(rel)
    return C.mitochondrial_corpus(mirror=MIRROR, download=False)


def straddling_genera(table, split):
    """Genera (other than '?') found in more than one split."""
    per = pd.DataFrame({"genus": table["genus"].to_numpy(), "split": np.asarray(split)})
    per = per[per["genus"] != "?"].groupby("genus")["split"].nunique()
    return sorted(per.index[per > 1])


def random_dna(rng, n):
    return "".join(rng.choice(list("ACGT"), n))


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("organism, species, genus", [
    ("Cetorhinus maximus", "Cetorhinus maximus", "Cetorhinus"),
    ("Sander vitreus isolate PigR-3", "Sander vitreus", "Sander"),   # the reader already cut 'isolate'
    ("Cyprinus carpio (triploid)", "Cyprinus carpio", "Cyprinus"),
    ("Carassius auratus 'high back crucian carp'", "Carassius auratus", "Carassius"),
    ("Sinularia cf. cruciata GS-2016", "Sinularia cf. cruciata", "Sinularia"),
    ("Pimephales promelas", "Pimephales promelas", "Pimephales"),
    ("Keratoisidinae sp. ANT-29", "Keratoisidinae sp. ANT-29", "?"),
    ("", "?", "?"),
    (None, "?", "?"),
])
def test_parse_taxon(organism, species, genus):
    assert C.parse_taxon(organism) == (species, genus)


def test_known_mitochondrial_records(mito):
    rec = mito.set_index("id")
    assert rec.loc["KF597303.1", ["species", "genus", "source"]].tolist() == \
        ["Cetorhinus maximus", "Cetorhinus", "shark"]
    assert rec.loc["KF597303.1", "length"] == 16670
    hybrid = rec.loc["KP218514.1"]
    assert (hybrid["species"], hybrid["genus"], hybrid["source"]) == \
        ("Oncorhynchus mykiss x Salmo salar", "Oncorhynchus", "teleost")
    nd5 = rec.loc["NC_088089.1:ND5"]
    assert (nd5["species"], nd5["genus"], nd5["family"], nd5["source"], nd5["genome"], nd5["gene"]) == \
        ("Madrepora piresae", "Madrepora", "Oculinidae", "coral", "NC_088089.1", "ND5")
    # the RefSeq copy of the hybrid is the same sequence as its GenBank record
    assert (rec.loc["NC_026537.1", "duplicate_of"], rec.loc["NC_026537.1", "duplicate_kind"]) == \
        ("KP218514.1", "exact")
    # the accession listed three times keeps one genome and unique ids
    assert rec.index.is_unique and {"KP218514.1#2", "KP218514.1#3"} <= set(rec.index)
    assert set(mito.loc[mito["id"].str.startswith("KP218514.1"), "genome"]) == {"KP218514.1"}


def test_mitochondrial_counts_and_unparsed_genus_note(mito):
    summary = C.corpus_summary(mito).set_index("source")
    assert summary.loc[["shark", "teleost", "coral"], "records"].tolist() == [189, 872, 3776]
    assert summary.loc[["shark", "teleost", "coral"], "genomes"].tolist() == [189, 868, 221]
    assert summary.loc["shark", "species"] == 16
    unparsed = mito[mito["genus"] == "?"]
    assert set(unparsed["organism"]) == {"Keratoisidinae sp. ANT-29"}
    assert any(n.startswith(f"{len(unparsed)} record(s) with no parseable genus") for n in mito.attrs["notes"])
    assert list(mito.columns[:10]) == ["id", "genome", "organism", "species", "genus", "family", "source",
                                       "gene", "length", "sequence"]


def test_caps_take_whole_genomes_deterministically():
    for rel in MITO_FILES:
        mirror_file(rel)
    a = C.mitochondrial_corpus(max_genomes=40, max_bp=400_000, seed=3, mirror=MIRROR, download=False)
    b = C.mitochondrial_corpus(max_genomes=40, max_bp=400_000, seed=3, mirror=MIRROR, download=False)
    assert a["id"].tolist() == b["id"].tolist()
    assert a["genome"].nunique() <= 40 and a["length"].sum() <= 400_000
    assert any(n.startswith("capped to") for n in a.attrs["notes"])
    coral = a[a["source"] == "coral"]
    # a coral genome is taken with all of its gene records or not at all
    full = C.mitochondrial_corpus(sources=["coral"], mirror=MIRROR, download=False)
    for g in coral["genome"].unique()[:5]:
        assert (coral["genome"] == g).sum() == (full["genome"] == g).sum()


def test_nuclear_standin_is_labelled_and_has_no_organelle_dna():
    for rel in NUCLEAR_FILES:
        mirror_file(rel)
    nuc = C.nuclear_standin_corpus(max_bp=400_000, segment=16_000, mirror=MIRROR, download=False)
    assert nuc.attrs["notes"][0] == C.NUCLEAR_STANDIN_NOTE and "hg38" in C.NUCLEAR_STANDIN_NOTE
    assert set(nuc["source"]) == {"ecoli", "fly", "worm", "arabidopsis"}
    assert not nuc["id"].str.contains("ChrM|ChrC|MtDNA").any()
    assert set(nuc["genus"]) == {"Escherichia", "Drosophila", "Caenorhabditis", "Arabidopsis"}
    assert nuc["length"].max() <= 16_000 and nuc["id"].is_unique
    per_source = nuc.groupby("source")["length"].sum()
    assert (per_source <= 100_000 + 7).all() and (per_source >= 99_000).all()


# --------------------------------------------------------------------------- splits


def test_split_by_genome_follows_81_9_10():
    t = pd.DataFrame({"genome": [f"g{i}" for i in range(2000)]})
    s = C.split_by_genome(t, seed=0)
    assert [int((s == k).sum()) for k in C.SPLITS] == [1620, 180, 200]      # the thesis's 6-mer counts


def test_splits_of_the_real_corpus(mito):
    n = mito["genome"].nunique()
    for seed in (0, 1):
        by_genome = C.split_by_genome(mito, seed=seed)
        by_genus = C.split_by_genus(mito, seed=seed)
        for split in (by_genome, by_genus):
            # whole genomes only
            assert (pd.DataFrame({"g": mito["genome"], "s": split}).groupby("g")["s"].nunique() == 1).all()
        got = C.split_summary(mito, by_genome).set_index("split")["genomes"]
        assert abs(got["test"] - 0.10 * n) <= 0.5 and abs(got["dev"] - 0.09 * n) <= 0.5
        assert straddling_genera(mito, by_genus) == []
        assert len(straddling_genera(mito, by_genome)) > 10       # the check sees straddling when it happens
        summary = C.split_summary(mito, by_genus).set_index("split")
        assert (summary.loc[["dev", "test"], "genera also in train"] == 0).all()
        assert np.allclose(summary["fraction"], summary["target"], atol=0.02)


def test_split_by_genus_keeps_genera_whole_on_uneven_groups():
    rng = np.random.default_rng(0)
    sizes = [30, 12, 9, 7, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1]
    genus = np.repeat([f"G{i}" for i in range(len(sizes))], sizes)
    t = pd.DataFrame({"genome": [f"x{i}" for i in range(len(genus))], "genus": genus,
                      "length": rng.integers(100, 200, len(genus))})
    for seed in range(5):
        s = C.split_by_genus(t, seed=seed)
        assert straddling_genera(t, s) == []
        assert set(s) == set(C.SPLITS)


# --------------------------------------------------------------------------- windows and leakage


def test_windows_are_deterministic_and_cut_as_documented():
    rng = np.random.default_rng(1)
    t = pd.DataFrame({"id": ["a", "b", "c"], "sequence": [random_dna(rng, 1000), random_dna(rng, 250),
                                                          "N" * 300]})
    split = ["train", "dev", "train"]
    w1 = C.windows(t, split, 200, 150, max_windows=4, seed=7)
    w2 = C.windows(t, split, 200, 150, max_windows=4, seed=7)
    assert {k: (v.seqs, v.ids, v.starts.tolist()) for k, v in w1.items()} == \
        {k: (v.seqs, v.ids, v.starts.tolist()) for k, v in w2.items()}
    full = C.windows(t, split, 200, 150)
    assert full["train"].starts.tolist() == [0, 150, 300, 450, 600, 750]     # the all-N record gives none
    assert full["train"].ids == ["a"] * 6
    assert full["dev"].seqs == [t["sequence"][1][:200]]
    assert all(len(s) == 200 for s in full["train"].seqs)
    assert set(w1["train"].seqs) <= set(full["train"].seqs) and len(w1["train"]) == 4
    kept_short = C.windows(t, split, 200, 150, min_length=50)
    assert kept_short["dev"].starts.tolist() == [0, 150] and len(kept_short["dev"].seqs[1]) == 100


def test_leakage_counted_under_genome_split_not_under_genus_split():
    rng = np.random.default_rng(2)
    a = random_dna(rng, 2000)
    twin = list(a)
    for p in range(100, 2000, 200):            # one substitution in each 200-bp window
        twin[p] = "ACGT"[("ACGT".index(twin[p]) + 1) % 4]
    twin = "".join(twin)
    others = [random_dna(rng, 2000) for _ in range(10)]
    t = pd.DataFrame({"id": ["A", "A2"] + [f"o{i}" for i in range(10)],
                      "genome": ["A", "A2"] + [f"o{i}" for i in range(10)],
                      "genus": ["Alpha", "Alpha"] + [f"G{i}" for i in range(10)],
                      "length": 2000, "sequence": [a, twin] + others})
    by_genome = np.array(["train", "test", "dev"] + ["train"] * 8 + ["test"], dtype=object)
    by_genus = C.split_by_genus(t, seed=0)
    assert by_genus[0] == by_genus[1]
    card = C.leakage_summary(t, {"by genome": by_genome, "by genus": by_genus}, 200).set_index(["split", "query"])
    assert card.loc[("by genome", "test"), ["n", "exact", "revcomp", "near", "any"]].tolist() == [20, 0, 0, 10, 10]
    assert card.loc[("by genome", "dev"), "any"] == 0
    assert card.loc[("by genus", "dev"), "any"] == 0 and card.loc[("by genus", "test"), "any"] == 0
    assert card["method"].str.contains("MinHash LSH, canonical 8-mers, Jaccard ≥ 0.8").all()
