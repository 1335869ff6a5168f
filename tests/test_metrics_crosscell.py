"""Cross-cell-type metrics of DeepCAGE (loci × cell types): expected values computed by hand.

Y and P are (L loci × K cell types). Cell-type-wise = per column (over loci), locus-wise =
per row (over cell types). Each expected value below has its arithmetic in a comment.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from genomebook import metrics as m

# Regression example, L = 3 loci × K = 4 cell types.
Y = np.array([[1.0, 2, 3, 4],
              [2.0, 2, 2, 2],
              [0.0, 1, 0, 1]])
P = np.array([[1.0, 3, 2, 4],
              [1.0, 2, 3, 4],
              [1.0, 0, 1, 0]])

# Classification example, L = 3 × K = 4; column 2 is all 0, column 3 all 1.
YB = np.array([[1, 0, 0, 1],
               [0, 1, 0, 1],
               [1, 0, 0, 1]])
PB = np.array([[0.9, 0.2, 0.5, 0.4],
               [0.8, 0.7, 0.1, 0.3],
               [0.3, 0.6, 0.2, 0.6]])


def no_warnings(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kw)


# --------------------------------------------------------------------------- Pearson


def test_locus_wise_pearson_hand():
    # row 0: y = [1,2,3,4] -> centred [-1.5,-.5,.5,1.5]; p = [1,3,2,4] -> [-1.5,.5,-.5,1.5]
    #   sum ab = 2.25 - .25 - .25 + 2.25 = 4; |a|^2 = |b|^2 = 5  ->  r = 4/5 = 0.8
    # row 1: y constant (2,2,2,2) -> NaN
    # row 2: y = [0,1,0,1], p = [1,0,1,0] = 1 - y -> r = -1
    out = no_warnings(m.locus_wise, Y, P, "pearson")
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [0.8, np.nan, -1.0], equal_nan=True)


def test_celltype_wise_pearson_hand():
    # col 0: p = [1,1,1] constant -> NaN
    # col 1: y = [2,2,1] -> [1/3,1/3,-2/3]; p = [3,2,0] -> [4/3,1/3,-5/3]
    #   sum ab = 4/9 + 1/9 + 10/9 = 5/3; |a|^2 = 2/3; |b|^2 = 42/9 = 14/3
    #   r = (5/3) / sqrt(28/9) = 5 / sqrt(28)
    # col 2: y = [3,2,0] -> [4/3,1/3,-5/3]; p = [2,3,1] -> [0,1,-1]
    #   sum ab = 1/3 + 5/3 = 2; |a|^2 = 14/3; |b|^2 = 2  ->  r = 2 / sqrt(28/3) = sqrt(3/7)
    # col 3: y = [4,2,1] -> [5/3,-1/3,-4/3]; p = [4,4,0] -> [4/3,4/3,-8/3]
    #   sum ab = (20 - 4 + 32)/9 = 16/3; |a|^2 = 14/3; |b|^2 = 96/9 = 32/3
    #   r = (16/3) / sqrt(448/9) = 16 / sqrt(448) = 2 / sqrt(7)
    out = no_warnings(m.celltype_wise, Y, P, "pearson")
    assert out.shape == (4,)
    np.testing.assert_allclose(out, [np.nan, 5 / math.sqrt(28), math.sqrt(3 / 7), 2 / math.sqrt(7)],
                               equal_nan=True)
    # the module's pearson function selects the same computation
    np.testing.assert_allclose(m.celltype_wise(Y, P, m.pearson), out, equal_nan=True)


def test_pearson_single_cell_type_and_scipy_agreement():
    # K = 1: a correlation over one cell type is undefined for every locus
    assert np.isnan(no_warnings(m.locus_wise, Y[:, :1], P[:, :1])).all()
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=(200, 11)), rng.normal(size=(200, 11))
    want = [stats.pearsonr(y[i], p[i]).statistic for i in range(200)]
    np.testing.assert_allclose(m.locus_wise(y, p), want, rtol=1e-10)
    want = [stats.pearsonr(y[:, k], p[:, k]).statistic for k in range(11)]
    np.testing.assert_allclose(m.celltype_wise(y, p), want, rtol=1e-10)


# --------------------------------------------------------------------------- auPR / auROC


def test_celltype_wise_auprc_hand():
    # col 0: y = [1,0,1], p = [.9,.8,.3]: ranked +(.9) -(.8) +(.3)
    #   recall .5 at precision 1, recall 1 at precision 2/3  ->  AP = .5*1 + .5*2/3 = 5/6
    # col 1: y = [0,1,0], p = [.2,.7,.6]: the top score .7 is the positive -> AP = 1
    # col 2 (all 0) and col 3 (all 1): one class -> NaN
    out = no_warnings(m.celltype_wise, YB, PB, "auprc")
    np.testing.assert_allclose(out, [5 / 6, 1.0, np.nan, np.nan], equal_nan=True)
    np.testing.assert_allclose(m.celltype_wise(YB, PB, m.auprc), out, equal_nan=True)


def test_locus_wise_auprc_hand_with_ties():
    # row 0: y = [1,0,0,1], p = [.9,.2,.5,.4]: +(.9) -(.5) +(.4) -(.2) -> .5*1 + .5*2/3 = 5/6
    # row 1: y = [0,1,0,1], p = [.8,.7,.1,.3]: -(.8) +(.7) P=1/2, +(.3) P=2/3 -> .5*1/2 + .5*2/3 = 7/12
    # row 2: y = [1,0,0,1], p = [.3,.6,.2,.6]: tie at .6 (one +, one -) is one threshold:
    #   tp=1 of 2 predicted -> P=1/2 at R=.5; then +(.3): P=2/3 at R=1 -> 1/4 + 1/3 = 7/12
    out = no_warnings(m.locus_wise, YB, PB, "auprc")
    np.testing.assert_allclose(out, [5 / 6, 7 / 12, 7 / 12])
    # a single-class row is NaN (no warnings): append rows of all 0 and all 1
    y = np.vstack([YB, [0, 0, 0, 0], [1, 1, 1, 1]])
    p = np.vstack([PB, [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]])
    np.testing.assert_allclose(no_warnings(m.locus_wise, y, p, "auprc"), [5 / 6, 7 / 12, 7 / 12, np.nan, np.nan],
                               equal_nan=True)


def test_locus_wise_auroc_hand():
    # row 0: pos .9, .4 vs neg .2, .5: (.9>.2) (.9>.5) (.4>.2) (.4<.5) -> 3/4
    # row 1: pos .7, .3 vs neg .8, .1: (.7<.8) (.7>.1) (.3<.8) (.3>.1) -> 2/4
    # row 2: pos .3, .6 vs neg .6, .2: (.3<.6) (.3>.2) (.6=.6 counts 1/2) (.6>.2) -> 2.5/4
    out = no_warnings(m.locus_wise, YB, PB, "auroc")
    np.testing.assert_allclose(out, [3 / 4, 1 / 2, 5 / 8])
    # columns: col 0 pos .9, .3 vs neg .8 -> 1/2; col 1 pos .7 vs neg .2, .6 -> 1
    np.testing.assert_allclose(m.celltype_wise(YB, PB, "auroc"), [0.5, 1.0, np.nan, np.nan], equal_nan=True)


def test_vectorised_rows_match_sklearn():
    rng = np.random.default_rng(0)
    y = (rng.random((3000, 11)) < 0.3).astype(int)
    p = np.round(rng.random((3000, 11)), 1)  # many ties
    ap, roc = m.locus_wise(y, p, "auprc"), m.locus_wise(y, p, "auroc")
    both = (y.sum(1) > 0) & (y.sum(1) < 11)
    assert np.isnan(ap[~both]).all() and np.isnan(roc[~both]).all()
    for i in np.flatnonzero(both)[:500]:
        assert ap[i] == pytest.approx(average_precision_score(y[i], p[i]), abs=1e-12)
        assert roc[i] == pytest.approx(roc_auc_score(y[i], p[i]), abs=1e-12)


def test_locus_wise_fast_for_100k_loci():
    rng = np.random.default_rng(0)
    y, p = rng.random((100_000, 11)), rng.random((100_000, 11))
    t = time.perf_counter()
    assert m.locus_wise(y, p, "pearson").shape == (100_000,)
    assert m.locus_wise((y > 0.7).astype(int), p, "auprc").shape == (100_000,)
    assert time.perf_counter() - t < 10  # about 0.3 s on one core


def test_callable_metric_nan_on_value_error():
    # a user function: ValueError (e.g. one class) -> NaN; m.auroc raises ValueError on one class
    out = no_warnings(m.celltype_wise, YB, PB, lambda y, p: m.auroc(y, p))
    np.testing.assert_allclose(out, [0.5, 1.0, np.nan, np.nan], equal_nan=True)
    out = m.locus_wise(Y, P, lambda y, p: float(np.abs(y - p).max()))  # max abs error per locus
    np.testing.assert_allclose(out, [1.0, 2.0, 1.0])  # |0,1,1,0|, |1,0,1,2|, |1,1,1,1|


# --------------------------------------------------------------------------- PSR, range, variability


def test_psr_hand():
    # column means of Y: (1+2+0)/3 = 1, (2+2+1)/3 = 5/3, (3+2+0)/3 = 5/3, (4+2+1)/3 = 7/3
    #   sum_k mean^2 = 1 + 25/9 + 25/9 + 49/9 = 108/9 = 12; times L = 3 loci -> denominator 36
    # (Y - P)^2: row 0 (0,1,1,0) -> 2; row 1 (1,0,1,4) -> 6; row 2 (1,1,1,1) -> 4; numerator 12
    assert m.psr(Y, P) == pytest.approx(12 / 36)
    assert m.psr(Y, Y) == 0.0
    # not the variance form: shifting y and p by the same constant changes the denominator only
    # (Y+1 column means 2, 8/3, 8/3, 10/3 -> (36 + 64 + 64 + 100)/9 = 264/9; x3 = 88)
    assert m.psr(Y + 1, P + 1) == pytest.approx(12 / 88)
    assert np.isnan(no_warnings(m.psr, np.zeros((2, 2)), np.ones((2, 2))))  # every column mean 0


def test_cell_range_and_variability_hand():
    # range: 4-1 = 3; 2-2 = 0; 1-0 = 1
    np.testing.assert_allclose(m.cell_range(Y), [3.0, 0.0, 1.0])
    # population sd (ddof=0): [1,2,3,4] -> var = (2.25+.25+.25+2.25)/4 = 1.25; [2,2,2,2] -> 0;
    # [0,1,0,1] -> var = 4 * .25 / 4 = .25 -> sd .5
    np.testing.assert_allclose(m.cell_variability(Y), [math.sqrt(1.25), 0.0, 0.5])


# --------------------------------------------------------------------------- groupings


def test_quartile_groups_hand():
    # 1..9: q1 = percentile 25 = value at index .25*8 = 2 -> 3; q3 at index 6 -> 7
    out = m.quartile_groups(np.arange(1, 10))
    assert out.tolist() == ["low", "low"] + ["median"] * 5 + ["high", "high"]
    # [4,1,3,2]: sorted 1,2,3,4; q1 at index .75 -> 1.75; q3 at index 2.25 -> 3.25
    assert m.quartile_groups([4, 1, 3, 2]).tolist() == ["high", "low", "median", "median"]
    # quartiles themselves are 'median' (inclusive): [1,2,3,4,5] -> q1 = 2, q3 = 4
    assert m.quartile_groups([1, 2, 3, 4, 5]).tolist() == ["low", "median", "median", "median", "high"]


def test_bin_groups_integer_labels():
    # number of active test cell types (0..11) in bins [0,2) [2,4) [4,6) [6,11]
    out = m.bin_groups([0, 1, 2, 5, 11, 6], [0, 2, 4, 6, 11])
    assert out.tolist() == ["0–1", "0–1", "2–3", "4–5", "6–11", "6–11"]
    assert m.bin_groups([0, 1, 3], [0, 1, 3]).tolist() == ["0", "1–3", "1–3"]


def test_bin_groups_fraction_labels_and_custom():
    # fraction of active test cell types: [0, .1) [.1, .5) [.5, 1]
    out = m.bin_groups([0.05, 0.1, 0.5, 1.0, 0.0], [0, 0.1, 0.5, 1])
    assert out.tolist() == ["[0, 0.1)", "[0.1, 0.5)", "[0.5, 1]", "[0.5, 1]", "[0, 0.1)"]
    # integer edges but fractional values -> interval labels
    assert m.bin_groups([0.5, 2.0], [0, 1, 2]).tolist() == ["[0, 1)", "[1, 2]"]
    out = m.bin_groups([0.05, 0.7], [0, 0.1, 1], labels=["<10%", ">=10%"])
    assert out.tolist() == ["<10%", ">=10%"]


# --------------------------------------------------------------------------- bad inputs


def test_shape_and_value_errors():
    with pytest.raises(ValueError, match=r"y has shape \(3, 4\) but p has shape \(3, 3\)"):
        m.locus_wise(Y, P[:, :3])
    with pytest.raises(ValueError, match=r"must be a 2-D .*reshape\(-1, 1\)"):
        m.celltype_wise(Y[0], P[0])
    with pytest.raises(ValueError, match=r"p\[1, 2\] is nan .*Drop or fill"):
        bad = P.copy()
        bad[1, 2] = np.nan
        m.psr(Y, bad)
    with pytest.raises(ValueError, match=r"auprc needs binary labels .*y\[0, 1\] is 2.0.*Threshold"):
        m.celltype_wise(Y, P, "auprc")
    with pytest.raises(ValueError, match=r"auroc needs binary labels .*y\[0, 1\] is 2.0"):
        m.locus_wise(Y, P, m.auroc)
    with pytest.raises(ValueError, match="unknown metric 'r2'"):
        m.locus_wise(Y, P, "r2")
    with pytest.raises(ValueError, match=r"cell_range: y\[0, 1\] is inf"):
        m.cell_range([[0, np.inf]])
    with pytest.raises(ValueError, match="at least one locus"):
        m.cell_variability(np.zeros((0, 3)))


def test_grouping_errors():
    with pytest.raises(ValueError, match=r"values\[1\] is nan"):
        m.quartile_groups([1.0, np.nan])
    with pytest.raises(ValueError, match="must be 1-D"):
        m.quartile_groups(Y)
    with pytest.raises(ValueError, match=r"values\[2\] = 12 is outside the edges \[0, 11\].*Widen"):
        m.bin_groups([0, 3, 12], [0, 2, 11])
    with pytest.raises(ValueError, match="outside"):
        m.bin_groups([-0.1], [0, 1])
    with pytest.raises(ValueError, match="increase strictly"):
        m.bin_groups([1], [0, 2, 2])
    with pytest.raises(ValueError, match="2 labels for 3 bins"):
        m.bin_groups([1], [0, 1, 2, 3], labels=["a", "b"])


def test_mean_ci():
    est, lo, hi = m.mean_ci([1.0, 2.0, 3.0, float("nan")], n_boot=500, seed=1)
    assert est == pytest.approx(2.0)  # NaN dropped
    assert 1.0 <= lo <= 2.0 <= hi <= 3.0
    assert m.mean_ci([5.0, 5.0], n_boot=50) == (5.0, 5.0, 5.0)
    assert all(np.isnan(m.mean_ci([float("nan")])))
