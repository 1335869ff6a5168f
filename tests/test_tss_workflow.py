"""The tss_localisation chapter's workflow: samples in tokens and bases, scores, the token-length locator."""

import numpy as np
import pandas as pd
import pytest

from genomebook.dna_words import KmerBPETokenizer
from genomebook.workflows import tss as wt


@pytest.fixture(scope="module")
def promoters():
    rng = np.random.default_rng(0)
    # promoters made of 40 recurring 9-mers, so that whole 9-mer words are in the vocabulary
    pool = ["".join(rng.choice(list("ACGT"), 9)) for _ in range(40)]
    seqs = ["".join(rng.choice(pool, 34))[:301] for _ in range(240)]
    table = pd.DataFrame({"id": [f"p{i}" for i in range(240)], "species": "toy", "sequence": seqs, "tss": 200,
                          "source": "test"})
    return table, KmerBPETokenizer.train(seqs, 9, 400)


@pytest.mark.parametrize("kind", ["thesis", "crop"])
def test_samples_point_at_the_tss_base(promoters, kind):
    table, tok = promoters
    s = wt.samples(tok, table, max_tokens=20, max_before=17, kind=kind, crop_bp=100, seed=1)
    for row, seq in zip(s.itertuples(), table["sequence"]):
        assert row.ids[0] == 2 and row.ids[-1] == 3 and len(row.ids) <= 20
        assert len(row.dna) == sum(row.lengths)
        # the TSS base of the sample is the promoter's TSS base, with its neighbours
        assert seq[200:].startswith(row.dna[row.tss_base:]) and seq[:200].endswith(row.dna[:row.tss_base])
        starts = np.cumsum([0, *row.lengths[:-1]])
        assert starts[row.target] <= row.tss_base < starts[row.target] + row.lengths[row.target]
        if kind == "thesis":
            assert starts[row.target] == row.tss_base  # the split puts a token boundary at the TSS


def test_scores_in_tokens_and_bases(promoters):
    table, tok = promoters
    s = wt.samples(tok, table.iloc[:20], max_tokens=20, max_before=17, seed=0)
    s = s[s["tss_base"] + 1 < s["dna"].str.len()].reset_index(drop=True)  # a base after the TSS exists
    exact = wt.score_samples(s, s["target"])
    assert exact["hit"].all() and (exact["error_bp"] == 0).all()
    by_base = wt.score_samples(s, pred_base=s["tss_base"] + 1)  # one base off: same token unless it is 1 bp long
    one_bp = np.array([l[t] == 1 for l, t in zip(s["lengths"], s["target"])])
    assert (by_base["hit"].to_numpy() == ~one_bp).all() and (by_base["error_bp"] == 1).all()
    t = wt.accuracy_table(exact, n_boot=50)
    assert t.loc[0, "accuracy"] == 1 and t.loc[0, "n"] == len(s)
    with pytest.raises(ValueError, match="exactly one"):
        wt.score_samples(s)


def test_token_lengths_give_the_thesis_sample_away_but_not_the_crop(promoters):
    table, tok = promoters
    acc = {}
    for kind in ("thesis", "crop"):
        s = wt.samples(tok, table, max_tokens=20, max_before=17, kind=kind, crop_bp=100, seed=2)
        loc = wt.TokenLengthLocator().fit(s.iloc[:180])
        acc[kind] = (loc.predict(s.iloc[180:]) == s["target"].iloc[180:].to_numpy()).mean()
    # 200 upstream bases = 22 words of 9 + a 2-base left-over right before the TSS
    assert acc["thesis"] > 0.5 and acc["crop"] < 0.3, acc


def test_crop_needs_its_length(promoters):
    table, tok = promoters
    with pytest.raises(ValueError, match="crop_bp"):
        wt.samples(tok, table.iloc[:2], max_tokens=20, max_before=17, kind="crop")


def test_reader_promoters(tmp_path):
    ok = tmp_path / "mine.fa"
    ok.write_text(">p1\n" + "A" * 250 + "C" * 150 + "\n>p2\n" + "G" * 400 + "\n")
    t = wt.reader_promoters(ok, "mine", tss_index=250)
    assert list(t["species"]) == ["mine", "mine"] and t["sequence"].str.len().eq(301).all()
    assert t["sequence"].iloc[0][200] == "C" and t["sequence"].iloc[0][199] == "A"
    with pytest.raises(ValueError, match="TSS position is unknown"):
        wt.reader_promoters(ok, "mine")
    with pytest.raises(ValueError, match=r"mine\.fa: no record covers 200 bases before"):
        wt.reader_promoters(ok, "mine", tss_index=100)
