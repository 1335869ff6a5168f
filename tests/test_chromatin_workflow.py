"""The chromatin_profiles chapter's workflow: centred rows, the reader's table, the CNN, paired AUC bootstrap."""

import numpy as np
import pytest

from genomebook.dna_words import KmerBPETokenizer
from genomebook.metrics import auroc_rows
from genomebook.seq import SequenceError
from genomebook.tokenize import CLS_ID, SEP_ID
from genomebook.workflows import chromatin


def _dna(n, seed=0):
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def test_split_is_seeded_disjoint_and_complete():
    a, b = chromatin.split_indices(200, seed=1), chromatin.split_indices(200, seed=1)
    assert all((a[k] == b[k]).all() for k in a)
    allidx = np.concatenate(list(a.values()))
    assert sorted(allidx.tolist()) == list(range(200))
    assert (len(a["train"]), len(a["dev"]), len(a["test"])) == (162, 18, 20)
    with pytest.raises(ValueError, match="at least 3"):
        chromatin.split_indices(2)


def test_centred_rows_cover_the_centre_and_decode_to_the_crop():
    tok = KmerBPETokenizer.train([_dna(20000)], 3, 60)
    seqs = [_dna(900, s) for s in (1, 2)]
    rows, spans = chromatin.centred_rows(tok, seqs, 40)
    for s, r, (lo, hi) in zip(seqs, rows, spans):
        assert r[0] == CLS_ID and r[-1] == SEP_ID and len(r) == 40
        assert tok.decode(r) == s[lo:hi]
        assert lo <= 450 < hi and abs((lo + hi) / 2 - 450) < 40  # centred within a few tokens
    whole, spans = chromatin.centred_rows(tok, ["ACGTACGTA"], 40)  # shorter than the row: all of it
    assert tok.decode(whole[0]) == "ACGTACGTA" and tuple(spans[0]) == (0, 9)


def test_reader_table_errors_and_groups(tmp_path):
    good = tmp_path / "ok.tsv"
    good.write_text("chr1\t0\t8\t0,2\tACGTACGT\nchr1\t8\t16\t\tACGTACGA\n")
    names = tmp_path / "names.txt"
    names.write_text("K562|DNase|None\nK562|CTCF|None\nK562|H3K4me3|None\n")
    seqs, y, table = chromatin.read_reader_examples(good, names)
    assert seqs == ["ACGTACGT", "ACGTACGA"] and y.tolist() == [[1, 0, 1], [0, 0, 0]]
    assert table["group"].tolist() == ["DNase", "TF", "histone"]
    uneven = tmp_path / "uneven.tsv"
    uneven.write_text("chr1\t0\t8\t0\tACGTACGT\nchr1\t8\t12\t1\tACGT\n")
    with pytest.raises(SequenceError, match="different lengths"):
        chromatin.read_reader_examples(uneven)
    with pytest.raises(SequenceError, match="names only 2"):
        names.write_text("a|DNase|None\nb|CTCF|None\n")
        chromatin.read_reader_examples(good, names)


def test_weighted_auc_equals_auroc_on_resamples():
    rng = np.random.default_rng(0)
    y = (rng.random((40, 5)) < 0.3).astype(int)
    s = rng.normal(size=(40, 5)) + y
    s[:, 4] = np.round(s[:, 4])  # ties
    idx = rng.integers(0, 40, size=40)
    w = np.bincount(idx, minlength=40)[None, :].astype(float)
    got = chromatin._weighted_auc(y, s, w)[0]
    want = auroc_rows(y[idx].T, s[idx].T)
    assert np.allclose(got, want, equal_nan=True)


def test_table54_scores_and_paired_difference():
    rng = np.random.default_rng(1)
    y = (rng.random((60, 6)) < 0.25).astype(int)
    good, noise = 3.0 * y + rng.normal(size=y.shape), rng.normal(size=y.shape)
    groups = ["DNase", "TF", "TF", "histone", "histone", "TF"]
    table, boots = chromatin.table54_scores(y, {"good": good, "noise": noise}, groups, pos_weight=8, n_boot=50)
    v = table.set_index(["run", "score"])["value"]
    assert v["good", "AUC all"] > 0.9 > v["noise", "AUC all"]
    assert set(table["score"]) >= {"loss", "precision", "recall", "AUC DNase", "AUC TF", "AUC histone"}
    d = chromatin.differences(boots["good"]["all"], boots["noise"]["all"], len(y))
    assert d["ci_low"] > 0 and d["n"] == 60
    s = chromatin.label_scores(np.array([[1, 0]]), np.array([[0.0, 0.0]]), pos_weight=8)
    assert s["loss"] == pytest.approx((8 + 1) / 2 * np.log(2)) and s["recall"] == 0


def test_cnn_trains_and_caches(tmp_path):
    rng = np.random.default_rng(0)
    seqs = [_dna(120, i) for i in range(48)]
    y = np.array([[s[60:62] == "AC", s.count("G") > 30] for s in seqs], dtype=np.float32)
    x = chromatin.onehot_crops(seqs, 100)
    assert x.shape == (48, 4, 100)
    parts = {"train": (x[:32], y[:32]), "dev": (x[32:40], y[32:40]), "test": (x[40:], y[40:])}
    sizes = {"epochs": 1, "batch": 8, "steps_per_epoch": 2, "lr": 1e-3}
    a = chromatin.fit_cnn(parts, sizes, width=0.05, pos_weight=8, cache_dir=tmp_path)
    b = chromatin.fit_cnn(parts, sizes, width=0.05, pos_weight=8, cache_dir=tmp_path)
    assert a.logits["test"].shape == (8, 2) and not a.cached and b.cached
    assert np.allclose(a.logits["test"], b.logits["test"])
    with pytest.raises(ValueError, match="shorter"):
        chromatin.onehot_crops(["ACGT"], 10)
