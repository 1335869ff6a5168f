"""The k-mer composition baseline: exact counts, learns composition, picks k on validation."""

import numpy as np
import pytest

from genomebook import metrics
from genomebook.models import KmerLogisticRegression, kmer_counts


def test_kmer_counts_are_frequencies_in_base4_order():
    one = kmer_counts(["ACGT"], 2, both_strands=False)[0]
    assert one.shape == (16,)
    assert np.flatnonzero(one).tolist() == [1, 6, 11] and np.allclose(one[[1, 6, 11]], 1 / 3)  # AC CG GT
    both = kmer_counts(["AAC"], 2)[0]  # AA, AC and their reverse complements TT, GT
    assert np.allclose(both[[0, 1, 11, 15]], 0.25) and both.sum() == pytest.approx(1)
    assert np.allclose(kmer_counts(["ANAA"], 2, both_strands=False)[0][0], 1.0)  # k-mers with N skipped
    assert kmer_counts(["A", "NNNN"], 2).sum() == 0  # too short, or all N: a zero row
    assert np.allclose(kmer_counts(["acgt"], 3), kmer_counts(["ACGT"], 3))
    many = ["ACGTTGCANNAC", "GGGCCCAT", "A"]
    assert np.allclose(kmer_counts(many, 3, sparse=True).toarray(), kmer_counts(many, 3))
    with pytest.raises(ValueError, match="k must be >= 1"):
        kmer_counts(["ACGT"], 0)


def _random(rng, n, length, gc=0.5):
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return ["".join(rng.choice(list("ACGT"), length, p=p)) for _ in range(n)]


def test_learns_a_composition_signal():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 600)
    seqs = [s for label in y for s in _random(rng, 1, 100, gc=0.56 if label else 0.44)]
    model = KmerLogisticRegression(ks=(2, 3)).fit(seqs[:400], y[:400], seqs[400:500], y[400:500])
    p = model.predict_proba(seqs[500:])
    assert p.shape == (100, 2) and np.allclose(p.sum(1), 1)
    assert metrics.auroc(y[500:], p[:, 1]) > 0.85


def test_picks_k_on_validation():
    """A planted 4-mer with equal base content: invisible to 1-mers, plain to 4-mers."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    seqs = []
    for label in y:
        s = _random(rng, 1, 120)[0]
        if label:
            for start in rng.choice(np.arange(0, 116, 8), 5, replace=False):
                s = s[:start] + "AGCT" + s[start + 4:]
        seqs.append(s)
    model = KmerLogisticRegression(ks=(1, 4)).fit(seqs[:300], y[:300], seqs[300:400], y[300:400])
    table = model.validation_.set_index("k")["value"]
    assert list(model.validation_.columns) == ["k", "metric", "value"]
    assert table[1] < 0.7 < 0.9 < table[4] and model.k_ == 4
    assert metrics.auroc(y[400:], model.predict_proba(seqs[400:])[:, 1]) > 0.9


def test_multiclass_and_misuse():
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1, 2], 60)
    seqs = [_random(rng, 1, 80, gc=0.35 + 0.15 * label)[0] for label in y]
    order = rng.permutation(len(y))
    seqs, y = [seqs[i] for i in order], y[order]
    model = KmerLogisticRegression(ks=(2,)).fit(seqs[:120], y[:120], seqs[120:], y[120:])
    assert model.predict_proba(seqs[:5]).shape == (5, 3) and model.validation_["metric"].iloc[0] == "accuracy"
    with pytest.raises(RuntimeError, match="call fit"):
        KmerLogisticRegression().predict_proba(["ACGT"])
    with pytest.raises(ValueError, match="one class only"):
        KmerLogisticRegression().fit(["ACGT", "ACGA"], [1, 1], ["ACGT"], [1])
    with pytest.raises(ValueError, match="ks must be"):
        KmerLogisticRegression(ks=())
