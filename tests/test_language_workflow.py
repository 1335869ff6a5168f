"""The dna_language_models workflow on a reader's tiny FASTA: corpus, tokenisers, pre-training, cache, scores."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from genomebook.models.language import NGramMaskedLM
from genomebook.workflows import language as lw

pytestmark = pytest.mark.filterwarnings("ignore:.*padded to be a multiple", "ignore:.*does not have many workers")

SIZES = {"vocab": {6: 120, 9: 160, 12: 160, "bigbird": 160}, "model_size": "tiny", "max_tokens": 32, "batch": 4,
         "steps_per_epoch": 2, "epochs": 2, "lr": 3e-3, "eval_rows": 8}
GENERA = ["Salmo", "Danio", "Carcharodon", "Oryzias"]


def _fasta(path, n=24, length=2400, seed=0):
    rng = np.random.default_rng(seed)
    motif = "GATTACAGGCTTAACG"
    with open(path, "w") as f:
        for i in range(n):
            s = list(rng.choice(list("ACGT"), length))
            for p in range(0, length - 16, 300):
                s[p:p + 16] = motif
            f.write(f">rec{i} {GENERA[i % 4]} species{i % 8}\n{''.join(s)}\n")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = _fasta(tmp_path_factory.mktemp("dna") / "my_genomes.fa")
    return lw.load_corpora(SIZES, seed=0, fasta_path=path)["your DNA"]


def test_reader_fasta_becomes_a_corpus_split_two_ways(corpus, tmp_path):
    table = corpus["table"]
    assert len(table) == 24 and set(table["genus"]) == set(GENERA)
    for how in ("genome", "genus"):
        split = np.asarray(corpus["splits"][how])
        assert set(split) == {"train", "dev", "test"}
    by_genus = pd.DataFrame({"genus": table["genus"], "split": corpus["splits"]["genus"]})
    assert (by_genus.groupby("genus")["split"].nunique() == 1).all()  # no genus on two sides
    few = tmp_path / "few.fa"
    few.write_text(">a\nACGT\n>b\nACGT\n")
    with pytest.raises(ValueError, match="few.fa"):
        lw.load_corpora(SIZES, fasta_path=few)


def test_pretraining_is_cached_and_scored(corpus, tmp_path):
    train_dna = lw.split_sequences(corpus, "genome", "train")
    toks = lw.train_tokenisers(train_dna, SIZES, names=["9-mer BPE"], cache_dir=tmp_path)
    again = lw.train_tokenisers(train_dna, SIZES, names=["9-mer BPE"], cache_dir=tmp_path)
    assert toks["9-mer BPE"].vocab_size == again["9-mer BPE"].vocab_size <= 160
    spec = lw.RunSpec("Longformer", "9-mer BPE", "MLM+SOP", "your DNA")
    pre = lw.pretrain_language_model(spec, corpus, toks["9-mer BPE"], SIZES, cache_dir=tmp_path)
    assert not pre.cached and len(pre.history) == SIZES["epochs"]
    assert {"train_loss", "val_loss", "val_masked_accuracy", "val_sop_accuracy"} <= set(pre.history.columns)
    cached = lw.pretrain_language_model(spec, corpus, toks["9-mer BPE"], SIZES, cache_dir=tmp_path)
    assert cached.cached and cached.key == pre.key
    for (k, a), b in zip(pre.task.state_dict().items(), cached.task.state_dict().values()):
        assert torch.equal(a, b), k
    rows = lw.token_rows(toks["9-mer BPE"], train_dna, SIZES["max_tokens"])
    assert all(10 <= len(r) <= SIZES["max_tokens"] - 1 for r in rows)
    ev = lw.evaluate(pre, corpus, SIZES, ngram=NGramMaskedLM().fit(rows))
    assert len(ev) <= SIZES["eval_rows"] and (ev["masked"] > 0).any()
    assert ((ev["sop_correct"] == 0) | (ev["sop_correct"] == 1)).all()
    assert (ev["bases"] >= ev["ids"]).all()  # a 9-mer BPE token holds at least one base
    scores = lw.scores(ev, n_boot=50).set_index("score")
    assert list(scores.index) == list(lw.SCORES)
    for name in ("masked accuracy", "all-token accuracy", "copy baseline", "n-gram accuracy", "SOP accuracy"):
        assert 0 <= scores.loc[name, "value"] <= 1
    assert scores.loc["perplexity", "value"] >= 1 and scores.loc["bits per base", "value"] > 0


def test_scores_and_differences_by_hand():
    ev = pd.DataFrame({"nll": [2.0, 4.0], "masked": [2, 2], "masked_correct": [1, 2], "tokens": [10, 10],
                       "all_correct": [9, 8], "copy_correct": [9, 9], "all_nll": [5.0, 5.0],
                       "sop_correct": [-1, -1], "ngram_correct": [0, 1], "bases": [60, 60], "ids": [8, 8]})
    s = lw.scores(ev, n_boot=20).set_index("score")["value"]
    assert s["masked accuracy"] == 0.75 and s["n-gram accuracy"] == 0.25
    assert s["masked loss"] == 1.5 and math.isclose(s["perplexity"], math.exp(1.5))
    assert math.isclose(s["bits per base"], 1.5 * 16 / 120 / math.log(2))
    assert s["all-token accuracy"] == 0.85 and s["copy baseline"] == 0.9
    assert math.isclose(s["all-token perplexity"], math.exp(0.5))
    assert math.isnan(s["SOP accuracy"])
    d = lw.difference(ev, ev, "masked accuracy", "n-gram accuracy", paired=True, n_boot=50)
    assert d["value"] == 0.5 and d["ci_low"] <= 0.5 <= d["ci_high"]
    assert lw.epochs_to_plateau(pd.DataFrame({"val_loss": [5.0, 3.0, 2.01, 2.0, 2.0]})) == 3
    assert lw.epochs_to_plateau(pd.DataFrame({"val_loss": [5.0, 3.0, 2.5, 2.2]})) is None  # still improving
