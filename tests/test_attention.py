"""attention: DNABERT-viz pieces on hand-made attention with exact answers, and a tiny BERT's landscape."""

import numpy as np
import pytest
import torch

from genomebook.attention import (
    attention_maps,
    attention_to_tokens,
    kmer_to_base_scores,
    landscape,
    landscape_peak,
)
from genomebook.models.bert import BertClassifier, bert_config
from genomebook.tokenize import KmerTokenizer

# --------------------------------------------------------------------------- k-mers → bases


def test_kmer_to_base_scores_takes_the_mean_of_covering_kmers():
    # 3 tokens of k = 3 cover 5 bases: base j is covered by tokens max(0, j-2) .. min(j, 2)
    got = kmer_to_base_scores(np.array([[3.0, 6.0, 9.0]]), 3)
    np.testing.assert_array_equal(got, [[3.0, 4.5, 6.0, 7.5, 9.0]])
    # k = 2: 4 bases; 1-D in, 1-D out
    np.testing.assert_array_equal(kmer_to_base_scores([3.0, 6.0, 9.0], 2), [3.0, 4.5, 7.5, 9.0])
    # k = 1 is the identity
    np.testing.assert_array_equal(kmer_to_base_scores([3.0, 6.0, 9.0], 1), [3.0, 6.0, 9.0])


def test_kmer_to_base_scores_skips_nan_padding_and_normalises():
    got = kmer_to_base_scores(np.array([[3.0, 6.0, np.nan]]), 3)
    np.testing.assert_array_equal(got, [[3.0, 4.5, 4.5, 6.0, np.nan]])
    norm = kmer_to_base_scores(np.array([[3.0, 6.0, 9.0]]), 3, normalize=True)
    l2 = np.sqrt(3.0**2 + 4.5**2 + 6.0**2 + 7.5**2 + 9.0**2)
    np.testing.assert_allclose(norm, [[3.0 / l2, 4.5 / l2, 6.0 / l2, 7.5 / l2, 9.0 / l2]], rtol=1e-15)


# --------------------------------------------------------------------------- attention → tokens


def _toy_attention():
    """(layers=2, N=1, heads=2, T=5, T=5): only the [CLS] rows matter here."""
    a = np.zeros((2, 1, 2, 5, 5))
    a[1, 0, 0, 0] = [0.1, 0.2, 0.3, 0.4, 0.0]  # last layer, head 0, row [CLS]
    a[1, 0, 1, 0] = [0.1, 0.4, 0.1, 0.2, 0.2]  # last layer, head 1
    a[0, 0, 0, 0] = [0.0, 1.0, 0.0, 0.0, 0.0]  # first layer
    a[1, 0, 0, 2] = [0.0, 0.0, 0.0, 0.0, 1.0]  # another query row, ignored
    return a


def test_attention_to_tokens_reads_cls_row_mean_over_heads_and_drops_specials():
    a = _toy_attention()
    # head mean of the last layer's [CLS] row: [.1, .3, .2, .3, .1]; drop [CLS] and [SEP]
    np.testing.assert_allclose(attention_to_tokens(a), [[0.3, 0.2, 0.3]], rtol=1e-15)
    np.testing.assert_allclose(attention_to_tokens(a, heads="sum"), [[0.6, 0.4, 0.6]], rtol=1e-15)
    np.testing.assert_allclose(attention_to_tokens(a, drop_cls=False, drop_sep=False),
                               [[0.1, 0.3, 0.2, 0.3, 0.1]], rtol=1e-15)
    # layers added up: first layer head mean [0, .5, 0, 0, 0]
    np.testing.assert_allclose(attention_to_tokens(a, layer=[0, 1]), [[0.8, 0.2, 0.3]], rtol=1e-15)
    np.testing.assert_allclose(attention_to_tokens(a, query=2, heads="sum"), [[0.0, 0.0, 0.0]])
    # a Hugging Face tuple of per-layer torch tensors gives the same
    as_tuple = tuple(torch.from_numpy(a[l]) for l in range(2))
    np.testing.assert_array_equal(attention_to_tokens(as_tuple), attention_to_tokens(a))


def test_attention_to_tokens_with_padding_mask():
    a = _toy_attention()
    # 4 real tokens: [CLS], two k-mers, [SEP] at column 3; column 4 is padding
    got = attention_to_tokens(a, attention_mask=np.array([[1, 1, 1, 1, 0]]))
    np.testing.assert_allclose(got, [[0.3, 0.2, np.nan]], rtol=1e-15)
    with pytest.raises(ValueError, match="layers, N, heads, T, T"):
        attention_to_tokens(np.zeros((1, 2, 5, 5)))


# --------------------------------------------------------------------------- a model's landscape


def _tiny_bert(k=3):
    torch.manual_seed(0)
    return BertClassifier(bert_config("tiny", KmerTokenizer(k).vocab_size, max_position=64), 2)


def _dna(n, length, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def test_attention_maps_match_the_model_and_keep_its_mode():
    model, seqs = _tiny_bert().train(), _dna(5, 20)
    enc = KmerTokenizer(3, max_length=None).batch_encode_equal(seqs)
    direct = model.attentions(enc["input_ids"], enc["attention_mask"]).numpy()  # (layers, N, heads, T, T)
    for bs in (2, 5):
        got = attention_maps(model, seqs, 3, batch_size=bs)
        assert got.shape == direct.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, direct, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(attention_maps(model, seqs, 3, layers=[-1]), direct[-1:], rtol=1e-6, atol=1e-7)
    assert model.training  # mode kept
    with pytest.raises(ValueError, match="one length"):
        attention_maps(model, ["ACGTA", "ACGTAC"], 3)


def test_landscape_is_cls_attention_of_the_last_layer_spread_over_bases():
    model, seqs = _tiny_bert().eval(), _dna(4, 20, seed=1)
    maps = attention_maps(model, seqs, 3)
    rows = landscape(model, seqs, 3, batch_size=3)
    assert rows.shape == (4, 20) and rows.dtype == np.float64
    np.testing.assert_array_equal(rows, kmer_to_base_scores(attention_to_tokens(maps, layer=-1), 3))
    # an earlier layer is another landscape
    first = landscape(model, seqs, 3, layer=0)
    np.testing.assert_array_equal(first, kmer_to_base_scores(attention_to_tokens(maps, layer=0), 3))
    assert not model.training


def test_landscape_peak_inside_outside_and_on_the_edge():
    pos = np.arange(-10, 5)
    s = np.zeros((6, 15))
    s[:, 3] = 1.0  # -7 bp
    inside = landscape_peak(s, pos, (-8, -6), n_boot=50)
    assert (inside["peak"], inside["distance"], inside["edge"], inside["n"]) == (-7, 0, False, 6)
    assert inside["ci_low"] == inside["ci_high"] == 0
    outside = landscape_peak(s, pos, (-3, -1), n_boot=0)
    assert outside["distance"] == 4 and np.isnan(outside["ci_low"])
    s[:, 0] = 2.0
    assert landscape_peak(s, pos, (-3, -1), n_boot=0)["edge"]
    with pytest.raises(ValueError, match="len\\(positions\\)"):
        landscape_peak(s, pos[:-1], (-3, -1))
