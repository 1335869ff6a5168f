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


# --------------------------------------------------------------------------- one definition per metric
#
# Every metric against scikit-learn, on continuous scores and on tied ones (scores rounded to one
# decimal, constant scores): the point functions, the row-wise forms and the bootstrap.

from sklearn import metrics as skm  # noqa: E402


def _scores(kind: str, y: np.ndarray, rng) -> np.ndarray:
    p = np.clip(0.3 * y + 0.7 * rng.random(y.size), 0, 1)
    if kind == "rounded":
        return np.round(p, 1)
    if kind == "constant":
        return np.full(y.size, 0.5)
    return p


KINDS = ["continuous", "rounded", "constant"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_point_metrics_equal_sklearn(kind, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 150)
    p = _scores(kind, y, rng)
    pred = (p >= 0.5).astype(int)
    assert m.auroc(y, p) == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert m.auprc(y, p) == pytest.approx(skm.average_precision_score(y, p), abs=1e-12)
    assert m.f1(y, p) == pytest.approx(skm.f1_score(y, pred, zero_division=0.0), abs=1e-12)
    assert m.mcc(y, p) == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-12)
    assert m.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    # (N, 2) probabilities: column 1 scores, argmax predictions
    p2 = np.c_[1 - p, p] if kind != "constant" else np.c_[np.full(y.size, 0.4), p]
    assert m.auprc(y, p2) == pytest.approx(skm.average_precision_score(y, p2[:, 1]), abs=1e-12)
    assert m.mcc(y, p2) == pytest.approx(skm.matthews_corrcoef(y, p2.argmax(1)), abs=1e-12)


def test_auprc_groups_tied_scores_hand_computed():
    # three units tie at 0.5 (two positives, one negative): one threshold with P = 2/3 at R = 1.
    # Breaking the tie by order (+, -, +) would give (1 + 2/3) / 2 = 5/6 instead.
    y = [1, 0, 1, 0]
    p = [0.5, 0.5, 0.5, 0.1]
    assert m.auprc(y, p) == pytest.approx(2 / 3)
    assert m.auprc(y, p) == pytest.approx(skm.average_precision_score(y, p))
    # constant scores: AP is the prevalence, auROC one half, whatever the order
    y = np.array([1, 0, 0, 1, 0])
    assert m.auprc(y, np.zeros(5)) == pytest.approx(2 / 5)
    assert m.auprc(y[::-1], np.zeros(5)) == pytest.approx(2 / 5)
    assert m.auroc(y, np.zeros(5)) == pytest.approx(0.5)


def test_rows_equal_sklearn_per_row_with_ties():
    rng = np.random.default_rng(4)
    y = (rng.random((400, 30)) < 0.4).astype(int)
    p = rng.random((400, 30))
    p[100:200] = np.round(p[100:200], 1)      # many ties
    p[200:250] = np.round(p[200:250] * 2) / 2  # three values only
    p[250:300] = 0.3                           # all equal
    y[300] = 0                                 # one class only: NaN
    y[301] = 1
    ap, roc = m.auprc_rows(y, p), m.auroc_rows(y, p)
    assert ap.shape == roc.shape == (400,)
    for i in range(400):
        if 0 < y[i].sum() < 30:
            assert ap[i] == pytest.approx(skm.average_precision_score(y[i], p[i]), abs=1e-12), i
            assert roc[i] == pytest.approx(skm.roc_auc_score(y[i], p[i]), abs=1e-12), i
        else:
            assert np.isnan(ap[i]) and np.isnan(roc[i])
    # the point functions are row 0 of the row-wise forms
    assert m.auprc(y[0], p[0]) == ap[0] and m.auroc(y[0], p[0]) == roc[0]


def test_rows_do_not_depend_on_the_order_of_tied_units():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, (50, 40))
    p = np.round(rng.random((50, 40)), 1)
    perm = rng.permutation(40)
    np.testing.assert_allclose(m.auprc_rows(y, p), m.auprc_rows(y[:, perm], p[:, perm]), rtol=1e-14)
    np.testing.assert_allclose(m.auroc_rows(y, p), m.auroc_rows(y[:, perm], p[:, perm]), rtol=1e-14)


def test_confusion_matrices_and_from_confusion_hand_computed():
    # TP=2, FN=1, FP=1, TN=2 -> accuracy 4/6, F1 2*2/(2*2+1+1) = 2/3, MCC (4 - 1)/sqrt(3^4) = 1/3
    y = np.array([1, 1, 1, 0, 0, 0])
    pred = np.array([1, 1, 0, 1, 0, 0])
    cm = m.confusion_matrices(y, pred, 2)
    np.testing.assert_array_equal(cm, [[[2, 1], [1, 2]]])
    s = m.from_confusion(cm)
    assert s["accuracy"][0] == pytest.approx(4 / 6)
    assert s["F1"][0] == pytest.approx(2 / 3)
    assert s["MCC"][0] == pytest.approx(1 / 3)
    # resamples: one matrix per row of idx; [0, 0, 3] -> unit 0 (TP) twice and unit 3 (FP)
    cm = m.confusion_matrices(y, pred, 2, idx=[[0, 0, 3], [2, 4, 5]])
    np.testing.assert_array_equal(cm[0], [[0, 1], [0, 2]])
    np.testing.assert_array_equal(cm[1], [[2, 0], [1, 0]])
    # MCC is 0.0 where undefined (a single predicted class), as sklearn
    s = m.from_confusion(m.confusion_matrices(y, np.ones(6, int), 2))
    assert s["MCC"][0] == 0.0 == skm.matthews_corrcoef(y, np.ones(6, int))
    with pytest.raises(ValueError, match="classes 0..1"):
        m.confusion_matrices(y, pred + 1, 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_multiclass_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 300)
    logits = rng.normal(size=(300, 4))
    logits[np.arange(300), y] += 1.0
    pred = logits.argmax(1)
    assert m.mcc(y, logits) == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-12)
    assert m.f1(y, logits) == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-12)
    assert m.accuracy(y, logits) == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    s = m.from_confusion(m.confusion_matrices(y, pred, 4))
    assert s["MCC"][0] == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-12)
    assert s["F1"][0] == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-12)
    # a class absent from both truth and predictions is left out of the macro F1, as in sklearn
    keep = (y != 3) & (pred != 3)
    s = m.from_confusion(m.confusion_matrices(y[keep], pred[keep], 4))
    assert s["F1"][0] == pytest.approx(skm.f1_score(y[keep], pred[keep], average="macro"), abs=1e-12)
    assert m.f1(y[keep], logits[keep]) == pytest.approx(skm.f1_score(y[keep], pred[keep], average="macro"))


def _probs(seed: int, n: int = 200, rounded: bool = False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p1 = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)
    if rounded:
        p1 = np.round(p1, 1)
    return y, np.c_[1 - p1, p1]


@pytest.mark.parametrize("rounded", [False, True])
def test_classification_scores_values_intervals_n(rounded):
    y, probs = _probs(0, rounded=rounded)
    df = m.classification_scores(y, probs, n_boot=300, seed=3)
    assert list(df.columns) == ["metric", "value", "ci_low", "ci_high", "n"]
    assert list(df["metric"]) == ["accuracy", "F1", "MCC", "auROC", "auPR"]
    assert (df["n"] == len(y)).all()
    v = df.set_index("metric")["value"]
    assert v["accuracy"] == pytest.approx(m.accuracy(y, probs))
    assert v["F1"] == pytest.approx(m.f1(y, probs))
    assert v["MCC"] == pytest.approx(m.mcc(y, probs))
    assert v["auROC"] == m.auroc(y, probs[:, 1])
    assert v["auPR"] == m.auprc(y, probs[:, 1])
    assert v["auPR"] == pytest.approx(skm.average_precision_score(y, probs[:, 1]), abs=1e-12)
    assert (df["ci_low"] <= df["value"]).all() and (df["value"] <= df["ci_high"]).all()
    assert (df["ci_low"] < df["ci_high"]).all()
    pd_equal = df.equals(m.classification_scores(y, probs, n_boot=300, seed=3))
    assert pd_equal
    assert not df.equals(m.classification_scores(y, probs, n_boot=300, seed=4))


def test_classification_scores_bootstrap_equals_a_loop_over_sklearn():
    # The vectorised bootstrap is the percentile interval of sklearn's metrics on the resamples
    # drawn by np.random.default_rng(seed).integers(0, N, (n_boot, N)) -- duplicated units tie.
    y, probs = _probs(1, n=80, rounded=True)
    df = m.classification_scores(y, probs, n_boot=60, seed=9).set_index("metric")
    idx = np.random.default_rng(9).integers(0, 80, (60, 80))
    pred = probs.argmax(1)
    loop = {
        "MCC": [skm.matthews_corrcoef(y[i], pred[i]) for i in idx],
        "F1": [skm.f1_score(y[i], pred[i]) for i in idx],
        "accuracy": [skm.accuracy_score(y[i], pred[i]) for i in idx],
        "auROC": [skm.roc_auc_score(y[i], probs[i, 1]) for i in idx],
        "auPR": [skm.average_precision_score(y[i], probs[i, 1]) for i in idx],
    }
    for name, values in loop.items():
        lo, hi = np.quantile(values, [0.025, 0.975])
        assert df.loc[name, "ci_low"] == pytest.approx(lo, abs=1e-12), name
        assert df.loc[name, "ci_high"] == pytest.approx(hi, abs=1e-12), name


def test_classification_scores_multiclass_and_no_bootstrap():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 120)
    logits = rng.normal(size=(120, 3))
    logits[np.arange(120), y] += 1.5
    df = m.classification_scores(y, logits, n_boot=0).set_index("metric")
    assert list(df.index) == ["accuracy", "F1", "MCC"]
    assert df["ci_low"].isna().all() and df["ci_high"].isna().all() and (df["n"] == 120).all()
    pred = logits.argmax(1)
    assert df.loc["MCC", "value"] == pytest.approx(skm.matthews_corrcoef(y, pred))
    assert df.loc["F1", "value"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    with pytest.raises(ValueError, match="labels must be 0..2"):
        m.classification_scores(np.r_[y[:-1], 3], logits)
    with pytest.raises(ValueError, match=r"probs must be \(N, C\)"):
        m.classification_scores(y, logits[:, 0])


def test_paired_difference_of_a_model_with_itself_is_zero():
    y, probs = _probs(3, rounded=True)
    for metric in ("MCC", "F1", "accuracy", "auROC", "auPR"):
        d = m.paired_difference(y, probs, probs.copy(), metric, n_boot=200, seed=1)
        assert d == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0, "n": len(y)}, metric


def test_paired_difference_value_and_pairing():
    y, good = _probs(4)
    rng = np.random.default_rng(0)
    p1 = np.clip(good[:, 1] + rng.normal(0, 0.3, len(y)), 0, 1)
    worse = np.c_[1 - p1, p1]
    for metric in ("MCC", "F1", "accuracy", "auROC", "auPR"):
        d = m.paired_difference(y, good, worse, metric, n_boot=300, seed=2)
        va = m.classification_scores(y, good, n_boot=0).set_index("metric").loc[metric, "value"]
        vb = m.classification_scores(y, worse, n_boot=0).set_index("metric").loc[metric, "value"]
        assert d["value"] == pytest.approx(va - vb, abs=1e-12)
        assert d["ci_low"] <= d["value"] <= d["ci_high"] and d["n"] == len(y)
        assert d == m.paired_difference(y, good, worse, metric.lower(), n_boot=300, seed=2)
    # paired: the interval of the difference is narrower than the two separate intervals allow
    d = m.paired_difference(y, good, worse, "auROC", n_boot=300, seed=2)
    a = m.classification_scores(y, good, n_boot=300, seed=2).set_index("metric").loc["auROC"]
    b = m.classification_scores(y, worse, n_boot=300, seed=2).set_index("metric").loc["auROC"]
    assert d["ci_high"] - d["ci_low"] < (a["ci_high"] - a["ci_low"]) + (b["ci_high"] - b["ci_low"])
    assert d["ci_low"] > 0  # the noisier model is worse
    swapped = m.paired_difference(y, worse, good, "auROC", n_boot=300, seed=2)
    assert swapped["value"] == -d["value"]
    assert (swapped["ci_low"], swapped["ci_high"]) == pytest.approx((-d["ci_high"], -d["ci_low"]))


def test_paired_difference_averages_runs_of_one_model():
    # several runs (seeds) of a model: its metric is the mean over runs, on the same resamples
    y, p0 = _probs(6)
    rng = np.random.default_rng(1)
    noisy = [np.c_[1 - q, q] for q in (np.clip(p0[:, 1] + rng.normal(0, s, len(y)), 0, 1) for s in (0.2, 0.4))]
    d = m.paired_difference(y, [p0, noisy[0]], noisy[1], "MCC", n_boot=200, seed=3)
    want = (m.mcc(y, p0) + m.mcc(y, noisy[0])) / 2 - m.mcc(y, noisy[1])
    assert d["value"] == pytest.approx(want, abs=1e-12)
    idx = np.random.default_rng(3).integers(0, len(y), (200, len(y)))
    boot = [(m.mcc(y[i], p0[i]) + m.mcc(y[i], noisy[0][i])) / 2 - m.mcc(y[i], noisy[1][i]) for i in idx]
    assert (d["ci_low"], d["ci_high"]) == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])), abs=1e-12)
    # a list of one run, or an (S, N, C) array, is the same as the arrays themselves
    assert m.paired_difference(y, [p0], [noisy[1]], "auPR", n_boot=50) == \
        m.paired_difference(y, p0, noisy[1], "auPR", n_boot=50)
    assert m.paired_difference(y, np.stack([p0, noisy[0]]), noisy[1], n_boot=50) == \
        m.paired_difference(y, [p0, noisy[0]], noisy[1], n_boot=50)
    assert m.paired_difference(y, [p0, noisy[0]], [p0, noisy[0]], "auROC", n_boot=50)["ci_high"] == 0.0


def test_paired_difference_rejects_bad_input():
    y, probs = _probs(5)
    with pytest.raises(ValueError, match="unknown metric"):
        m.paired_difference(y, probs, probs, "Brier")
    with pytest.raises(ValueError, match="same shape"):
        m.paired_difference(y, probs, np.c_[probs, np.zeros(len(y))] / 1.0)
    three = np.random.default_rng(0).random((len(y), 3))
    with pytest.raises(ValueError, match="binary"):
        m.paired_difference(y, three, three, "auPR")


def test_lightning_classifier_logs_the_metrics_of_this_module():
    """SequenceClassifier's val_/test_ accuracy and MCC are metrics' values over the whole epoch."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    import lightning as L

    from genomebook.models.lightning import SequenceClassifier

    class Fixed(nn.Module):  # logits = a fixed per-sequence score, read from the input
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(()))

        def forward(self, x):
            return self.w * x[:, 0, :1]

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50)
    z = y + rng.normal(0, 0.8, 50) - 0.5
    x = torch.zeros(50, 4, 3)
    x[:, 0, 0] = torch.tensor(z, dtype=torch.float32)
    loader = DataLoader(TensorDataset(x, torch.tensor(y)), batch_size=16)  # 4 batches, uneven
    module = SequenceClassifier(Fixed(), n_classes=2)
    trainer = L.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, accelerator="cpu")
    val = trainer.validate(module, loader, verbose=False)[0]
    test = trainer.test(module, loader, verbose=False)[0]
    pred = (z > 0).astype(int)
    assert val["val_mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-6)
    assert val["val_accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-6)
    assert test["test_mcc"] == pytest.approx(val["val_mcc"]) and test["test_accuracy"] == val["val_accuracy"]
