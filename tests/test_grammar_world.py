"""The motif-grammar world: labels follow A or (B and C), and the ground truth is exact."""

import numpy as np
import pytest

from genomebook.simulate import motif_grammar_world


def _ppms():
    # deterministic motifs: AAAAAA, CCCCC, GGGG (one-hot PPMs)
    return [np.eye(4)[:, [i] * w] for i, w in ((0, 6), (1, 5), (2, 4))]


def test_world_follows_the_grammar_without_noise():
    w = motif_grammar_world(_ppms(), ["A", "B", "C"], 400, 60, seed=1, label_noise=0.0)
    assert len(w.sequences) == 400 and all(len(s) == 60 for s in w.sequences)
    carried = {i: set() for i in range(400)}
    for row in w.sites.itertuples():
        carried[row.seq_index].add(row.motif_id)
        site = w.sequences[row.seq_index][row.start:row.end]
        assert site == {"A": "AAAAAA", "B": "CCCCC", "C": "GGGG"}[row.motif_id] or \
            site == {"A": "TTTTTT", "B": "GGGGG", "C": "CCCC"}[row.motif_id]
    expected_sets = {"A": {"A"}, "B+C": {"B", "C"}, "B only": {"B"}, "C only": {"C"}, "none": set()}
    for i in range(400):
        assert carried[i] == expected_sets[w.group[i]]
        assert w.labels[i] == int("A" in carried[i] or {"B", "C"} <= carried[i])
    assert set(w.group) == set(expected_sets)
    assert 0.4 < w.labels.mean() < 0.6
    assert "A present, or B and C both present" in w.rule


def test_world_is_deterministic_and_noise_flips_labels():
    a = motif_grammar_world(_ppms(), ["A", "B", "C"], 300, 50, seed=4, label_noise=0.1)
    b = motif_grammar_world(_ppms(), ["A", "B", "C"], 300, 50, seed=4, label_noise=0.1)
    assert a.sequences == b.sequences and np.array_equal(a.labels, b.labels)
    clean = np.array([g in ("A", "B+C") for g in a.group]).astype(int)
    flipped = (clean != a.labels).mean()
    assert 0.04 < flipped < 0.17


def test_world_needs_three_motifs():
    with pytest.raises(ValueError, match="exactly three motifs"):
        motif_grammar_world(_ppms()[:2], ["A", "B"], 10, 50, seed=0)
