"""Tests of genomebook.workflows.metabarcoding (the metagenomics_12s chapter's logic), on tiny inputs."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from genomebook.models.language import build_language_model
from genomebook.models.transfer import TransferModel, TransferTask
from genomebook.seq import SequenceError, reverse_complement
from genomebook.datasets import metabarcoding as mb
from genomebook.workflows import metabarcoding as wm

RNG = np.random.default_rng(0)


def _dna(n: int, rng=RNG) -> str:
    return "".join(rng.choice(list("ACGT"), size=n))


def _mutate(s: str, n: int, rng) -> str:
    s = list(s)
    for i in rng.choice(len(s), size=n, replace=False):
        s[i] = {"A": "C", "C": "G", "G": "T", "T": "A"}[s[i]]
    return "".join(s)


TAXA = [("Actinopteri", "Perciformes", "Sparidae", "Acanthopagrus", "Acanthopagrus schlegelii"),
        ("Actinopteri", "Perciformes", "Sparidae", "Acanthopagrus", "Acanthopagrus latus"),
        ("Actinopteri", "Perciformes", "Sparidae", "Pagrus", "Pagrus major"),
        ("Actinopteri", "Tetraodontiformes", "Tetraodontidae", "Takifugu", "Takifugu rubripes"),
        ("Actinopteri", "Clupeiformes", "Engraulidae", "Engraulis", "Engraulis japonicus"),
        ("Chondrichthyes", "Carcharhiniformes", "Carcharhinidae", "Carcharhinus", "Carcharhinus leucas")]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Six species, two records each (the second a near copy of the first), plus a record without a species name."""
    d = tmp_path_factory.mktemp("s12")
    rng = np.random.default_rng(1)
    fa, tax = [], ["Feature ID\tTaxon"]
    for i, (c, o, f, g, s) in enumerate(TAXA):
        base = _dna(300, rng)
        for j in range(2):
            rid = f"AB{i}{j}"
            fa.append(f">{rid} {s}\n{base if j == 0 else _mutate(base, 3, rng)[:290]}")
            tax.append(f"{rid}\td__Eukaryota;p__Chordata;c__{c};o__{o};f__{f};g__{g};s__{s}")
    fa.append(f">XX1\n{_dna(300, rng)}")
    tax.append("XX1\td__Eukaryota;p__Chordata;c__Actinopteri;o__Perciformes;f__Sparidae;g__Pagrus;s__Pagrus sp.")
    (d / "refs.fa").write_text("\n".join(fa) + "\n")
    (d / "tax.tsv").write_text("\n".join(tax) + "\n")
    return d / "refs.fa", d / "tax.tsv"


def test_read_table_and_references(files):
    table = mb.read_library(*files)
    assert len(table) == 13
    refs = wm.reference_table(table, 4, seed=0, include=["Takifugu rubripes", "Nothing here"])
    assert refs["species"].nunique() == 4 and len(refs) == 8
    assert "Takifugu rubripes" in set(refs["species"])
    assert any("found in the eDNA sample" in n for n in refs.attrs["notes"])
    assert any("no species-level name" in n for n in refs.attrs["notes"])
    everything = wm.reference_table(table, 50, seed=0)
    assert everything["species"].nunique() == 6
    assert any("all are used" in n for n in everything.attrs["notes"])
    lib = wm.library_table(table)
    assert len(lib) == 6 and lib["species"].is_unique


def test_read_table_errors(files, tmp_path):
    with pytest.raises(ValueError, match="12S FASTA was given without its taxonomy TSV"):
        mb.read_library(files[0], None)
    with pytest.raises(Exception, match="missing.fa"):
        mb.read_library(tmp_path / "missing.fa", files[1])


def test_samples_splits_and_straddle(files):
    refs = wm.reference_table(mb.read_library(*files), None, seed=0)
    samples, splits = wm.samples_and_splits(refs, 31, seed=0)
    assert len(samples) == 12 * 32 and set(splits) == set(wm.SPLIT_NAMES)
    st = wm.straddle_table(samples, splits).set_index(["split", "part"])
    assert st.loc[(wm.SPLIT_NAMES[0], "test"), "fraction"] > 0.9          # copies straddle the random split
    assert st.loc[(wm.SPLIT_NAMES[1], "test"), "own reference copied in train"] == 0
    by_source = np.asarray(splits[wm.SPLIT_NAMES[1]])
    test_species = set(samples["species"][by_source == "test"])
    assert test_species <= set(samples["species"][by_source == "train"])   # every test species seen in training
    card = wm.data_card(refs, samples)
    assert card.loc[0, "species"] == 6 and card.loc[0, "samples per species"] == 64
    fit = wm.fitted_rows(splits[wm.SPLIT_NAMES[0]], 50, seed=0)
    assert len(fit) == 50 and (np.asarray(splits[wm.SPLIT_NAMES[0]])[fit] == "train").all()
    assert len(wm.fitted_rows(splits[wm.SPLIT_NAMES[0]], None)) == int((splits[wm.SPLIT_NAMES[0]] == "train").sum())


def test_scores_and_differences():
    classes = np.array(["a", "b", "c"], dtype=object)
    logits = np.array([[3.0, 1, 0], [0, 2, 1], [0, 1, 2], [2, 1, 0]])
    top = wm.topk_species(logits, classes, 5)
    assert top.shape == (4, 3) and list(top[:, 0]) == ["a", "b", "c", "a"]
    true = np.array(["a", "c", "c", "b"], dtype=object)
    assert wm.hits(true, top, 1).tolist() == [True, False, True, False]
    assert wm.hits(true, top, 2).tolist() == [True, True, True, True]
    ce = wm.cross_entropy(logits, [0, 2, 2, 1])
    z = logits - logits.max(1, keepdims=True)
    manual = -(z - np.log(np.exp(z).sum(1, keepdims=True)))[np.arange(4), [0, 2, 2, 1]]
    assert np.allclose(ce, manual)
    rows = pd.DataFrame(wm.score_rows("m", "s", true, top, loss=ce, groups=["r1", "r1", "r2", "r3"], n_boot=200))
    assert rows.set_index("score").loc["top-1", "value"] == 0.5
    assert rows["n"].eq(3).all() and rows["samples"].eq(4).all()
    a, b = np.array([1, 1, 0, 1.0]), np.array([0, 1, 0, 0.0])
    d = wm.paired_difference(a, b, n_boot=300)
    assert d["value"] == 0.5 and d["ci_low"] <= 0.5 <= d["ci_high"]
    same = wm.paired_difference(a, a, n_boot=50)
    assert same["value"] == same["ci_low"] == same["ci_high"] == 0
    u = wm.unpaired_difference(np.ones(20), np.zeros(10), n_boot=100)
    assert u["value"] == u["ci_low"] == u["ci_high"] == 1 and u["n"] == 10
    # model a errs within the genus twice; model b errs beyond the order twice
    ra = ["species", "genus", "genus", "species"]
    rb = ["species", "class", "none above class", "species"]
    e = wm.error_share_difference(ra, rb, n_boot=200)
    assert e["value"] == 1.0 and e["n"] == 2


def test_shared_ranks_and_kmer_topk(files):
    refs = wm.reference_table(mb.read_library(*files), None, seed=0)
    true = ["Acanthopagrus schlegelii", "Acanthopagrus schlegelii", "Pagrus major", "Takifugu rubripes"]
    pred = ["Acanthopagrus schlegelii", "Acanthopagrus latus", "Engraulis japonicus", "Carcharhinus leucas"]
    assert wm.shared_ranks(true, pred, refs).tolist() == ["species", "genus", "class", "none above class"]
    samples, splits = wm.samples_and_splits(refs, 7, seed=0)
    train = np.asarray(splits[wm.SPLIT_NAMES[0]]) == "train"
    out = wm.kmer_topk("naive Bayes", samples["sequence"][train], samples["species"][train],
                       {"q": samples["sequence"][~train].tolist()}, top=3)
    assert out["q"].shape == (int((~train).sum()), 3)
    assert (out["q"][:, 0] == samples["species"][~train].to_numpy()).mean() > 0.9
    with pytest.raises(ValueError, match="kind must be"):
        wm.kmer_topk("blast", ["ACGTACGTAC"], ["a"], {})


PRIMERS = """#comment
Forward primers
>MiFish-Unity
NNNNNNGYYGGTAAAWCTCGTGCCAGC
#>MiFish-U
#NNNNNNGTCGGTAAAACTCGTGCCAGC

Reverse primers
>MiFish-Unity
NNNNNNCATAGKRGGGTRTCTAATCCYMGTTTG
"""


def test_primers_trim_and_merge(tmp_path):
    (tmp_path / "Primers.txt").write_text(PRIMERS)
    p = wm.read_primers(tmp_path / "Primers.txt")
    assert p == {"forward": "GYYGGTAAAWCTCGTGCCAGC", "reverse": "CATAGKRGGGTRTCTAATCCYMGTTTG"}
    fwd = "ACGTAC" + "GTCGGTAAAACTCGTGCCAGC" + "TTTTGGGG"
    assert wm.trim_primer([fwd, "A" * 40], p["forward"]).tolist() == [27, -1]
    rng = np.random.default_rng(3)
    amplicon = _dna(170, rng)
    r1, r2 = amplicon[:120], reverse_complement(amplicon)[:118]
    assert wm.merge_pairs([r1], [r2]) == [amplicon]
    bad = reverse_complement(_dna(170, rng))[:118]
    assert wm.merge_pairs([r1], [bad]) == [None]


def _fastq(path, names, seqs):
    text = "".join(f"@{n} x\n{s}\n+\n{'I' * len(s)}\n" for n, s in zip(names, seqs))
    with gzip.open(path, "wt") as fh:
        fh.write(text)


def test_pmifish_reads_read_reads_and_species_list(tmp_path):
    (tmp_path / "Primers.txt").write_text(PRIMERS)
    rng = np.random.default_rng(4)
    f, r = "GTCGGTAAAACTCGTGCCAGC", "CATAGTGGGGTATCTAATCCCAGTTTG"
    inserts = [_dna(170, rng), _dna(170, rng)]
    amp = [inserts[0], inserts[0], inserts[1]]
    r1 = ["ACGTAC" + f + a for a in amp]
    r2 = ["TGCATG" + r + reverse_complement(a) for a in amp]
    names = ["p1", "p2", "p3"]
    _fastq(tmp_path / "R1.fastq.gz", names, [s[:151] for s in r1])
    _fastq(tmp_path / "R2.fastq.gz", names, [s[:151] for s in r2])
    reads, steps = wm.pmifish_reads(tmp_path / "R1.fastq.gz", tmp_path / "R2.fastq.gz", tmp_path / "Primers.txt")
    assert steps["reads"].tolist() == [3, 3, 3, 3]
    assert reads["sequence"].tolist() == amp
    u = wm.dereplicate(reads)
    assert u["reads"].tolist() == [2] and u["sequence"].tolist() == [inserts[0]]
    (tmp_path / "reads.fa").write_text(f">a\n{inserts[0]}\n>b\n{inserts[0]}\n>c\n{inserts[1]}\n")
    assert wm.read_reads(tmp_path / "reads.fa")["sequence"].tolist() == amp
    (tmp_path / "bad.fa").write_text(">a\nACGTXACGTACGTACGTACGTACGT\n")
    with pytest.raises(SequenceError, match="bad.fa, read 'a'"):
        wm.read_reads(tmp_path / "bad.fa")
    with pytest.raises(Exception, match="nope.fa"):
        wm.read_reads(tmp_path / "nope.fa")
    uniq = pd.DataFrame({"sequence": ["A", "C", "G"], "reads": [10, 5, 1]})
    table = wm.species_list(uniq, {"model": ["x", "x", "y"], "nb": ["x", "z", "y"]}, by="model")
    assert table["species (model)"].tolist() == ["x", "y"] and table["reads"].tolist() == [15, 1]
    assert table["nb: same call (reads)"].tolist() == [10, 1]
    assert table["nb: its main call on these reads"].tolist() == ["x", "y"]


def test_predict_logits_of_a_class_head():
    model = TransferModel(build_language_model("ELMo", "tiny", vocab_size=40, objective="masked"), "class", 3,
                          pooling="flatten", max_tokens=8)
    rows = [[2, 7, 8, 3], [2, 9, 10, 11, 12, 3], [2, 5, 3]]
    out = wm.predict_logits(TransferTask(model), rows, batch=2, length=8)
    assert out.shape == (3, 3) and np.isfinite(out).all()
