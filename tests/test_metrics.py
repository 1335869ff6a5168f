import math

import numpy as np
import pytest
from scipy import stats

from genomebook import metrics as m

# A tiny binary example: y = [1,1,1,1,0,0,0,0], thresholded at 0.5 gives
# pred = [1,1,1,0,1,1,0,0]  ->  TP=3, FN=1, FP=2, TN=2.
Y8 = np.array([1, 1, 1, 1, 0, 0, 0, 0])
P8 = np.array([0.9, 0.8, 0.6, 0.2, 0.7, 0.51, 0.3, 0.1])
TP, FN, FP, TN = 3, 1, 2, 2


def test_auroc_auprc_hand_computed():
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    # positive-negative pairs ranked correctly: (0.35>0.1), (0.8>0.1), (0.8>0.4); wrong: (0.35<0.4)
    assert m.auroc(y, p) == pytest.approx(3 / 4)
    # ranking 0.8(+), 0.4(-), 0.35(+), 0.1(-): recall steps 0.5 at precision 1, 0.5 at precision 2/3
    assert m.auprc(y, p) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_threshold_metrics_from_confusion_matrix():
    assert m.f1(Y8, P8) == pytest.approx(2 * TP / (2 * TP + FP + FN))  # 6/9
    assert m.mcc(Y8, P8) == pytest.approx(
        (TP * TN - FP * FN) / math.sqrt((TP + FP) * (TP + FN) * (TN + FP) * (TN + FN))
    )  # 4/sqrt(240)
    assert m.accuracy(Y8, P8) == pytest.approx((TP + TN) / 8)  # 5/8


def test_threshold_argument():
    # at 0.75: pred = [1,1,0,0,0,0,0,0] -> TP=2, FN=2, FP=0, TN=4
    assert m.accuracy(Y8, P8, threshold=0.75) == pytest.approx(6 / 8)
    assert m.f1(Y8, P8, threshold=0.75) == pytest.approx(4 / 6)


def test_multiclass_argmax():
    y = [0, 1, 2, 2]
    p = np.array([[0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.2, 0.5, 0.3]])
    # argmax -> [0, 2, 2, 1]; per-class F1: class0 1, class1 0, class2 2*1/(2*1+1+1)=0.5
    assert m.accuracy(y, p) == pytest.approx(0.5)
    assert m.f1(y, p) == pytest.approx((1 + 0 + 0.5) / 3)
    assert -1 <= m.mcc(y, p) <= 1


def test_pearson():
    assert m.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert m.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_pearson_constant_is_nan_without_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(m.pearson([1, 1, 1], [1, 2, 3]))
        assert math.isnan(m.pearson([1, 2, 3], [5, 5, 5]))


def test_topk_accuracy():
    y = [0, 1, 2]
    scores = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.35, 0.45, 0.2]])
    # row 0: rank of true class 1; row 1: rank 2; row 2: rank 3
    assert m.topk_accuracy(y, scores, 1) == pytest.approx(1 / 3)
    assert m.topk_accuracy(y, scores, 2) == pytest.approx(2 / 3)
    assert m.topk_accuracy(y, scores, 3) == pytest.approx(1.0)


def test_single_class_error_message():
    with pytest.raises(ValueError, match=r"auROC needs both classes in y; got only 1s \(n=3\)"):
        m.auroc([1, 1, 1], [0.2, 0.5, 0.9])
    with pytest.raises(ValueError, match=r"auPR needs both classes in y; got only 0s \(n=2\)"):
        m.auprc([0, 0], [0.2, 0.5])


def _noisy(n=200, seed=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)


def test_bootstrap_ci_deterministic_and_contains_estimate():
    y, p = _noisy()
    a = m.bootstrap_ci(m.auroc, y, p, n_boot=200, seed=7)
    b = m.bootstrap_ci(m.auroc, y, p, n_boot=200, seed=7)
    c = m.bootstrap_ci(m.auroc, y, p, n_boot=200, seed=8)
    assert a == b
    assert a != c
    est, lo, hi = a
    assert est == pytest.approx(m.auroc(y, p))
    assert lo <= est <= hi
    assert lo < hi


def test_bootstrap_ci_perfect_predictions():
    y = np.array([0] * 10 + [1] * 10)
    p = y.astype(float)
    assert m.bootstrap_ci(m.auroc, y, p, n_boot=100) == (1.0, 1.0, 1.0)


def test_bootstrap_ci_too_many_undefined_resamples():
    y = np.array([1] * 19 + [0])  # one negative: most resamples have no negative at all
    p = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match="undefined"):
        m.bootstrap_ci(m.auroc, y, p, n_boot=100)


def test_paired_wilcoxon_known_example():
    b = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    d = np.array([0.5, -1.0, 1.1, 1.6, 2.0, 3.0])  # distinct |d|: ranks 1..6, W- = 2
    stat, pval = m.paired_wilcoxon(b + d, b)
    # exact null: #subsets of {1..6} with rank sum <= 2 is 3 ({}, {1}, {2}) -> p = 2 * 3 / 2**6
    assert stat == pytest.approx(2.0)
    assert pval == pytest.approx(2 * 3 / 64)
    ref = stats.wilcoxon(b + d, b)
    assert (stat, pval) == pytest.approx((ref.statistic, ref.pvalue))
    _, p_greater = m.paired_wilcoxon(b + d, b, alternative="greater")
    assert p_greater == pytest.approx(stats.wilcoxon(b + d, b, alternative="greater").pvalue)


def test_summary_table():
    y, p = _noisy()
    df = m.summary(y, p, n_boot=100, seed=1)
    assert list(df.columns) == ["metric", "value", "ci_low", "ci_high"]
    assert list(df["metric"]) == ["auROC", "auPR", "F1", "MCC", "accuracy"]
    assert df["value"].tolist() == pytest.approx(
        [m.auroc(y, p), m.auprc(y, p), m.f1(y, p), m.mcc(y, p), m.accuracy(y, p)]
    )
    assert (df["ci_low"] <= df["value"]).all() and (df["value"] <= df["ci_high"]).all()
    assert df.equals(m.summary(y, p, n_boot=100, seed=1))
