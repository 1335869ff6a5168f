"""The DNABERT workflow (genomebook.workflows.dnabert) and GUE splits: scores (checked against scikit-learn),
pre-training cache, fitting, prediction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score, matthews_corrcoef,
                             roc_auc_score)

from genomebook.datasets.gue import Split
from genomebook.workflows import dnabert

TINY = dict(k=3, bert_size="tiny", max_tokens=64, pretrain_steps=4, pretrain_batch=4, pretrain_len=40,
            pretrain_lr=1e-3, epochs=1, cnn_epochs=1, batch_size=16, lr_bert=1e-3, lr_cnn=1e-3, patience=None,
            n_boot=50)


def _random_dna(rng, n, length):
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def test_split_subsample_is_stratified_and_deterministic():
    s = Split(["A" * 5] * 100, np.r_[np.zeros(80, int), np.ones(20, int)])
    sub = s.subsample(10, seed=3)
    assert sub.n == 10 and sub.class_counts() == {0: 8, 1: 2}
    assert sub.labels.tolist() == s.subsample(10, seed=3).labels.tolist()
    assert s.subsample(None) is s and s.subsample(500) is s


def test_split_rejects_mismatched_lengths_and_missing_columns():
    with pytest.raises(ValueError, match="2 sequences but 1 labels"):
        Split(["AC", "GT"], [0])
    with pytest.raises(ValueError, match="no column"):
        Split.from_frame(pd.DataFrame({"seq": ["AC"], "label": [0]}))


def test_scores_match_sklearn_binary():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p1 = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    probs = np.c_[1 - p1, p1]
    df = dnabert.scores(y, probs, n_boot=200).set_index("metric")
    pred = probs.argmax(1)
    assert df.loc["accuracy", "value"] == pytest.approx(accuracy_score(y, pred))
    assert df.loc["F1", "value"] == pytest.approx(f1_score(y, pred))
    assert df.loc["MCC", "value"] == pytest.approx(matthews_corrcoef(y, pred))
    assert df.loc["auROC", "value"] == pytest.approx(roc_auc_score(y, p1))
    assert df.loc["auPR", "value"] == pytest.approx(average_precision_score(y, p1))
    assert (df["ci_low"] <= df["value"]).all() and (df["value"] <= df["ci_high"]).all()


def test_scores_match_sklearn_multiclass():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 400)
    logits = rng.normal(size=(400, 3))
    logits[np.arange(400), y] += 1.0
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    df = dnabert.scores(y, probs, n_boot=0).set_index("metric")
    pred = probs.argmax(1)
    assert set(df.index) == {"accuracy", "F1", "MCC"}
    assert df.loc["F1", "value"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert df.loc["MCC", "value"] == pytest.approx(matthews_corrcoef(y, pred))


def test_scores_hand_computed_mcc():
    # TP=2, FN=1, FP=1, TN=2: MCC = (4 - 1) / sqrt(3*3*3*3) = 1/3.
    y = np.array([1, 1, 1, 0, 0, 0])
    pred = np.array([1, 1, 0, 1, 0, 0])
    probs = np.eye(2)[pred]
    df = dnabert.scores(y, probs, n_boot=0).set_index("metric")
    assert df.loc["MCC", "value"] == pytest.approx(1 / 3)
    assert df.loc["accuracy", "value"] == pytest.approx(4 / 6)


def test_scores_is_the_metrics_bootstrap_and_groups_tied_scores():
    from genomebook import metrics

    assert dnabert.scores is metrics.classification_scores
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    p1 = np.round(np.clip(0.3 * y + rng.random(200) * 0.7, 0, 1), 1)  # 11 distinct scores: many ties
    df = dnabert.scores(y, np.c_[1 - p1, p1], n_boot=50).set_index("metric")
    assert df.loc["auPR", "value"] == pytest.approx(average_precision_score(y, p1), abs=1e-12)
    assert df.loc["auROC", "value"] == pytest.approx(roc_auc_score(y, p1), abs=1e-12)
    assert (df["n"] == 200).all()


def test_scores_rejects_labels_outside_columns():
    with pytest.raises(ValueError, match="labels must be 0..1"):
        dnabert.scores([0, 2], np.full((2, 2), 0.5))


def test_pretrain_caches_and_reloads(tmp_path):
    corpus = _random_dna(np.random.default_rng(0), 20, 120)
    first = dnabert.pretrain(corpus, TINY, seed=0, name="toy", n_evals=2, cache_dir=tmp_path)
    assert not first.cached and len(first.history) >= 1
    assert {"step", "val_loss", "val_perplexity", "val_masked_accuracy"} <= set(first.history.columns)
    np.testing.assert_allclose(first.history["val_perplexity"], np.exp(first.history["val_loss"]), rtol=1e-5)
    second = dnabert.pretrain(corpus, TINY, seed=0, name="toy", n_evals=2, cache_dir=tmp_path)
    assert second.cached and second.key == first.key
    for (n1, w1), (n2, w2) in zip(first.mlm.state_dict().items(), second.mlm.state_dict().items()):
        assert n1 == n2 and np.array_equal(w1.numpy(), w2.numpy())
    other = dnabert.pretrain(corpus, TINY, seed=1, name="toy", n_evals=2, cache_dir=tmp_path)
    assert not other.cached and other.key != first.key


def test_pretrain_cache_goes_to_an_explicit_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dnabert.default_cache_dir() == (tmp_path / "results" / "_cache").resolve()
    corpus = _random_dna(np.random.default_rng(2), 12, 100)
    first = dnabert.pretrain(corpus, TINY, seed=0, n_evals=1, cache_dir=tmp_path / "mine")
    assert (tmp_path / "mine" / "pretrain" / f"{first.key}.pt").exists() and not (tmp_path / "results").exists()
    assert dnabert.pretrain(corpus, TINY, seed=0, n_evals=1, cache_dir=tmp_path / "mine").cached


def test_pretrained_and_random_init_differ_only_in_encoder(tmp_path):
    rng = np.random.default_rng(0)
    pre = dnabert.pretrain(_random_dna(rng, 20, 120), TINY, seed=0, n_evals=1, cache_dir=tmp_path)
    data = Split(_random_dna(rng, 32, 30), rng.integers(0, 2, 32))
    sizes = dict(TINY, epochs=0)  # no training steps: compare the initial weights
    a = dnabert.finetune_bert(data, data, sizes, pretrained=pre, seed=5)
    b = dnabert.finetune_bert(data, data, sizes, pretrained=None, seed=5)
    sa, sb = a.model.state_dict(), b.model.state_dict()
    head = [n for n in sa if n.startswith("model.classifier") or ".pooler." in n]
    assert head and all(np.array_equal(sa[n].numpy(), sb[n].numpy()) for n in head)
    emb = "model.bert.embeddings.word_embeddings.weight"
    assert not np.array_equal(sa[emb].numpy(), sb[emb].numpy())
    assert np.array_equal(sa[emb].numpy(), pre.mlm.state_dict()[emb].numpy())


def test_long_sequences_use_dnabert_xl_pieces():
    rng = np.random.default_rng(0)
    data = Split(_random_dna(rng, 16, 100), rng.integers(0, 2, 16))  # 98 3-mers > 62 positions
    f = dnabert.finetune_bert(data, data, TINY, seed=0)
    assert type(f.model).__name__ == "BertXLClassifier" and f.model.hparams.n_pieces == 2
    p = dnabert.predict(f, data.seqs)
    assert p.shape == (16, 2) and np.allclose(p.sum(1), 1, atol=1e-5)
    f.model.train()  # predict runs in eval mode, in batches, and gives the mode back
    np.testing.assert_allclose(dnabert.predict(f, data.seqs, batch_size=5), p, rtol=1e-5, atol=1e-6)
    assert f.model.training
    assert dnabert.predict(f, []).shape == (0, 2)


def test_compare_learns_a_planted_word_with_a_cnn():
    """A CNN must separate sequences with and without TATAAAAG far above chance."""
    rng = np.random.default_rng(0)

    def make(n):
        seqs, y = _random_dna(rng, n, 60), rng.integers(0, 2, n)
        return Split([s[:20] + "TATAAAAG" + s[28:] if yi else s for s, yi in zip(seqs, y)], y)

    sizes = dict(TINY, cnn_epochs=4, batch_size=32)
    c = dnabert.compare(make(600), make(100), make(300), ["CNN"], sizes, seeds=(0,), n_boot=20, log=None)
    assert c.mean("MCC")["CNN"] > 0.8
    assert set(c.scores["metric"]) == {"accuracy", "F1", "MCC", "auROC", "auPR"}
    assert ("CNN", 0) in c.probs and c.probs[("CNN", 0)].shape == (300, 2)


def test_fit_model_rejects_unknown_names_and_missing_pretraining():
    data = Split(["ACGTACGT"] * 4, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="unknown baseline"):
        dnabert.fit_model("SVM", data, data, TINY)
    with pytest.raises(ValueError, match="pre-trained"):
        dnabert.fit_model("DNABERT", data, data, TINY)
