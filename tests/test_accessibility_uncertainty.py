"""What the DeepCAGE chapters use to state uncertainty and leakage: paired intervals over cell types and the
novel-loci bootstrap over loci and cell types (genomebook.workflows.deepcage), and the leakage card's window
overlaps and sequences (genomebook.datasets.accessibility)."""

import numpy as np
import pandas as pd
import pytest

from genomebook.datasets.accessibility import AccessibilityData, locus_sequences, window_overlaps
from genomebook.workflows.deepcage import bootstrap_cells, bootstrap_cells_and_loci, mean_difference
from genomebook.metrics import celltype_wise


def test_bootstrap_cells_paired_difference():
    a = np.array([0.5, 0.6, 0.7, np.nan])
    b = np.array([0.4, 0.5, 0.6, 0.1])
    res = bootstrap_cells({"a": a, "b": b}, mean_difference("a", "b"), n_boot=200, seed=1)
    assert res["value"] == pytest.approx(0.1) and res["n"] == 4
    # every resample's defined differences are 0.1 (the NaN cell type is left out)
    assert res["ci_low"] == pytest.approx(0.1) and res["ci_high"] == pytest.approx(0.1)
    again = bootstrap_cells({"a": a, "b": b}, mean_difference("a", "b"), n_boot=200, seed=1)
    assert again == res
    with pytest.raises(ValueError, match="differ in length"):
        bootstrap_cells({"a": a, "b": b[:3]}, mean_difference("a", "b"))


def test_bootstrap_cells_and_loci_value_and_identical_models():
    rng = np.random.default_rng(0)
    y = (rng.random((40, 5)) < 0.3).astype(int)
    y[0], y[1] = 1, 0  # both classes in every column
    p, q = rng.random((40, 5)) + 0.5 * y, rng.random((40, 5))
    res = bootstrap_cells_and_loci(y, {"p": p, "q": q}, "auprc", mean_difference("p", "q"),
                                       n_boot=100, seed=0)
    expected = np.mean(celltype_wise(y, p, "auprc") - celltype_wise(y, q, "auprc"))
    assert res["value"] == pytest.approx(expected) and res["n"] == 40 and res["n_cells"] == 5
    assert res["ci_low"] <= res["value"] <= res["ci_high"]
    same = bootstrap_cells_and_loci(y, {"p": p, "q": p}, "auprc", mean_difference("p", "q"),
                                        n_boot=50, seed=0)
    assert same["value"] == 0 and same["ci_low"] == 0 and same["ci_high"] == 0


def test_window_overlaps_and_locus_sequences():
    loci = pd.DataFrame({"chrom": ["c1"] * 5 + ["c2"] * 2, "start": [0, 200, 400, 600, 800, 0, 200],
                         "end": [200, 400, 600, 800, 1000, 200, 400]})
    # 200 bp windows on 200 bp bins only touch their neighbours
    assert not window_overlaps(loci, 200, [1, 3, 6], [0, 2, 5]).any()
    # 1000 bp windows reach two bins either side, never across chromosomes
    assert window_overlaps(loci, 1000, [1, 3, 6], [0, 2, 5]).tolist() == [True, True, True]
    assert window_overlaps(loci, 1000, [6], [0]).tolist() == [False]
    data = AccessibilityData(
        codes=np.array([[0, 1, 2, 3, 4], [3, 3, 0, 0, 1]], dtype=np.uint8),
        motif_scores=np.zeros((2, 1), np.float32), expression=np.zeros((1, 1), np.float32),
        labels=np.zeros((2, 1), np.int8), signal=np.zeros((2, 1), np.float32),
        loci=pd.DataFrame({"chrom": ["c1", "c1"], "start": [0, 5], "end": [5, 10]}), tfs=["T"], cell_types=["A"])
    assert locus_sequences(data, [1, 0]) == ["TTAAC", "ACGTN"]
