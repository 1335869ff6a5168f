"""The adversarial rebuild with a toy model whose calls are known by hand, so every count is exact."""

import numpy as np
import pytest

from genomebook.adversarial import adversarial_rebuild, false_positive_mask
from genomebook.datasets.gue import Split

NEG = 2  # GUE's non-site label


def toy_fit(split: Split) -> frozenset:
    """The toy 'model' remembers the sequences it was told are negatives."""
    return frozenset(s for s, y in zip(split.seqs, split.labels) if y == NEG)


def toy_predict(model: frozenset, seqs: list[str]) -> np.ndarray:
    """Calls a donor (p = 0.8) for every sequence starting with GT it has not seen as a negative."""
    rows = [[0.0, 0.8, 0.2] if s.startswith("GT") and s not in model else [0.05, 0.05, 0.9] for s in seqs]
    return np.array(rows)


TRAIN = Split(["GTAAGT", "CAGGTA", "AAAAAA", "CCCCCC"], [1, 0, NEG, NEG])
POOL = [f"GT{i:04d}" for i in range(7)] + ["AAAA01", "CCCC02", "TTTT03"]  # 7 toy false positives, 3 not


def test_false_positive_mask_is_strict_and_ignores_the_negative_column():
    probs = np.array([[0.6, 0.1, 0.3], [0.5, 0.0, 0.5], [0.1, 0.1, 0.8], [0.2, 0.51, 0.29]])
    assert false_positive_mask(probs, NEG).tolist() == [True, False, False, True]
    assert false_positive_mask(probs, 0, threshold=0.4).tolist() == [False, True, True, True]
    # threshold None: the arg-max class decides (row 1 ties 0.5/0.5 -> class 0, a site)
    assert false_positive_mask(probs, NEG, threshold=None).tolist() == [True, True, False, True]
    three_way = np.array([[0.4, 0.25, 0.35]])  # called a site by arg-max, not by p > 0.5
    assert false_positive_mask(three_way, NEG, None).tolist() == [True]
    assert false_positive_mask(three_way, NEG, 0.5).tolist() == [False]
    with pytest.raises(ValueError, match="not a column"):
        false_positive_mask(probs, 3)


def test_rebuild_counts_are_exact():
    models, hist, splits = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=3, per_round=3,
                                               negative_label=NEG, seed=0)
    assert len(models) == len(splits) == 4
    assert hist["round"].tolist() == [0, 1, 2, 3]
    assert hist["n_train"].tolist() == [4, 7, 10, 11]
    assert hist["n_negatives"].tolist() == [2, 5, 8, 9]
    assert hist["n_pool"].tolist() == [10, 7, 4, 3]
    assert hist["n_false_positive"].tolist() == [7, 4, 1, 0]
    assert hist["pool_false_positive_rate"].tolist() == pytest.approx([0.7, 4 / 7, 0.25, 0.0])
    assert hist["n_added"].tolist() == [3, 3, 1, 0]
    # what was added are the GT pool sequences, labelled negative, appended after the original rows
    final = splits[-1]
    assert final.seqs[:4] == TRAIN.seqs and final.labels[:4].tolist() == TRAIN.labels.tolist()
    assert set(final.seqs[4:]) == {s for s in POOL if s.startswith("GT")}
    assert (final.labels[4:] == NEG).all()
    assert splits[0] is TRAIN and isinstance(final, Split)
    # each model knows exactly the negatives of its own split
    assert all(m == toy_fit(s) for m, s in zip(models, splits))


def test_all_false_positives_are_added_when_they_fit_and_the_choice_is_seeded():
    _, hist, splits = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=2, per_round=10,
                                          negative_label=NEG)
    assert hist["n_added"].tolist() == [7, 0, 0]
    assert hist["n_false_positive"].tolist() == [7, 0, 0]
    assert splits[1].seqs[4:] == POOL[:7]  # in pool order
    a = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=1, per_round=3, negative_label=NEG, seed=1)
    b = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=1, per_round=3, negative_label=NEG, seed=1)
    assert a[2][1].seqs == b[2][1].seqs
    picks = {tuple(adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=1, per_round=3,
                                       negative_label=NEG, seed=s)[2][1].seqs[4:]) for s in range(6)}
    assert len(picks) > 1  # different seeds choose different false positives


def test_round_zero_only_fits_once_and_evaluate_adds_columns():
    calls = []

    def evaluate(model, r):
        calls.append(r)
        return {"known_negatives": len(model)}

    models, hist, _ = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=0, per_round=3,
                                          negative_label=NEG, evaluate=evaluate)
    assert len(models) == 1 and hist["n_added"].tolist() == [0] and calls == [0]
    assert hist["known_negatives"].tolist() == [2]
    _, hist, _ = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=2, per_round=5,
                                     negative_label=NEG, evaluate=evaluate)
    assert hist["known_negatives"].tolist() == [2, 7, 9]


def test_threshold_above_every_call_adds_nothing_and_bad_sizes_fail():
    _, hist, splits = adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=2, per_round=3,
                                          negative_label=NEG, threshold=0.8)
    assert hist["n_false_positive"].tolist() == [0, 0, 0] and splits[-1] is TRAIN
    with pytest.raises(ValueError, match=">= 0"):
        adversarial_rebuild(TRAIN, POOL, toy_fit, toy_predict, rounds=-1, per_round=3, negative_label=NEG)
