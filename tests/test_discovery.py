"""discovery: high-score regions, enrichment, merging and TomTom scoring with exact answers."""

import numpy as np
import pytest
import torch
from scipy.stats import hypergeom

from genomebook.discovery import (
    discover_motifs,
    group_instances,
    high_score_regions,
    merge_to_ppms,
    motif_enrichment,
    score_discovery,
    to_numpy,
)
from genomebook.motifs import load_jaspar
from genomebook.seq import one_hot

# --------------------------------------------------------------------------- regions

# mean = 781 / 26 = 30.04, 10 x min = 10: high bases are 0-4 (edge), 6-9 (4 long), 12-17
S = np.array([50.0] * 5 + [1.0] + [40.0] * 4 + [1.0, 1.0] + [60.0] * 6 + [1.0] * 8)


def test_high_score_regions_dnabert_defaults_edges_and_min_len():
    assert high_score_regions(S) == [(0, 5), (12, 18)]
    assert high_score_regions(S, min_len=4) == [(0, 5), (6, 10), (12, 18)]
    assert high_score_regions(S, min_len=6) == [(12, 18)]
    # reversed: the last region ends at the sequence end (end exclusive = L)
    assert high_score_regions(S[::-1], min_len=4) == [(8, 14), (16, 20), (21, 26)]


def test_high_score_regions_conditions():
    s = np.array([1.0] * 10 + [8.0] * 5 + [20.0] * 5)  # mean 7.5, 10 x min = 10
    assert high_score_regions(s) == [(15, 20)]  # 8 is above the mean, not above 10
    assert high_score_regions(s, min_factor=None) == [(10, 20)]  # mean alone
    assert high_score_regions(s, above_mean=False, min_factor=None) == [(0, 20)]  # > nothing
    assert high_score_regions(s, min_factor=None, max_fraction=0.5) == [(15, 20)]  # > 10
    assert high_score_regions(s, threshold=5.0) == [(10, 20)]
    assert high_score_regions(s, threshold=8.0) == [(15, 20)]  # strictly above
    # NaN (padding) is never high and stays out of the mean: the same as without it
    padded = np.concatenate([s, [np.nan] * 4])
    assert high_score_regions(padded) == [(15, 20)]
    assert high_score_regions(np.full(6, np.nan)) == []


# --------------------------------------------------------------------------- enrichment

POS = ["AAAC", "AACC", "GGGG"]
NEG = ["AAAT", "TTTT", "CCCC", "GGGA"]


def test_motif_enrichment_hypergeometric_and_bh_by_hand():
    tab = motif_enrichment(POS, NEG, ["AAA", "AAC", "GGG", "CC", "ACGT", "aac"])
    assert tab["motif"].tolist() == ["AAA", "AAC", "GGG", "CC", "ACGT"]  # upper-cased, de-duplicated
    assert tab["pos_hits"].tolist() == [1, 2, 1, 1, 0]
    assert tab["neg_hits"].tolist() == [1, 0, 1, 1, 0]
    # N = 7 sequences, K = 3 positives; P(X >= x) with n = pos + neg holders
    p = [1 - 6 / 21, 3 / 21, 1 - 6 / 21, 1 - 6 / 21, 1.0]  # 1 - C(4,2)/C(7,2); C(3,2)/C(7,2)
    np.testing.assert_allclose(tab["p_value"], p, rtol=1e-12)
    np.testing.assert_allclose(tab["p_value"], [hypergeom.sf(x - 1, 7, 3, x + y) for x, y in
                                                zip(tab["pos_hits"], tab["neg_hits"])], rtol=0, atol=0)
    # BH with m = 5: sorted p = 1/7, 5/7, 5/7, 5/7, 1 -> q = 5/7, 25/28 (x3), 1
    np.testing.assert_allclose(tab["q_value"], [25 / 28, 5 / 7, 25 / 28, 25 / 28, 1.0], rtol=1e-12)


def test_motif_enrichment_counts_a_sequence_once_and_reverse_complements():
    tab = motif_enrichment(["AAAAA"], ["CCCCC"], ["AA"])
    assert (tab["pos_hits"].item(), tab["neg_hits"].item()) == (1, 0)
    # GTT is the reverse complement of AAC: found on the other strand only with revcomp
    assert motif_enrichment(POS, NEG, ["GTT"])["pos_hits"].item() == 0
    rc = motif_enrichment(POS, NEG, ["GTT"], revcomp=True)
    assert (rc["pos_hits"].item(), rc["neg_hits"].item()) == (2, 0)
    assert motif_enrichment(POS, NEG, []).empty


# --------------------------------------------------------------------------- merging


def test_merge_groups_identical_shifted_and_one_mismatch_instances():
    words = ["ACGTAC", "ACGTAC", "CGTACG", "ACGAAC", "TTTTTT"]
    groups = group_instances(words)
    assert groups == [[(0, 0), (1, 0), (2, 1), (3, 0)], [(4, 0)]]
    ppms = merge_to_ppms(words)
    # group 0 stacks   ACGTAC / ACGTAC / -CGTACG / ACGAAC: 7 columns. Column 0 is covered by
    # 3 of 4 words (all A), column 3 holds T, T, T, A; column 6 is covered by 1 of 4 (< 0.5): cut
    expected = np.array([
        # A    C    G    T     A    C
        [1.0, 0.0, 0.0, 0.25, 1.0, 0.0],  # A
        [0.0, 1.0, 0.0, 0.00, 0.0, 1.0],  # C
        [0.0, 0.0, 1.0, 0.00, 0.0, 0.0],  # G
        [0.0, 0.0, 0.0, 0.75, 0.0, 0.0],  # T
    ])
    assert len(ppms) == 2
    np.testing.assert_array_equal(ppms[0], expected)
    np.testing.assert_array_equal(ppms[1], one_hot("TTTTTT"))
    # keeping every column: the 7th column is G from CGTACG alone
    full = merge_to_ppms(words, min_coverage=0.0)[0]
    assert full.shape == (4, 7) and full[:, 6].tolist() == [0, 0, 1, 0]


def test_merge_respects_mismatches_overlap_and_weights():
    assert len(merge_to_ppms(["ACGTAC", "ACTTTC"])) == 2  # 2 mismatches
    assert len(merge_to_ppms(["ACGTAC", "ACTTTC"], max_mismatches=2)) == 1
    assert len(merge_to_ppms(["ACGTAC", "GTACGG"])) == 2  # shift 2: overlap 4 < 0.8 x 6
    assert len(merge_to_ppms(["ACGTAC", "GTACGG"], min_overlap=0.6)) == 1
    # the heavier word is the seed: offsets are relative to it
    ppms, groups = merge_to_ppms(["ACGTAC", "CGTACG"], weights=[1, 3], return_groups=True)
    assert groups == [[(1, 0), (0, -1)]]
    # the A before the seed is covered by weight 1 of 4 (cut); the G after it by 3 of 4 (kept)
    np.testing.assert_array_equal(ppms[0], one_hot("CGTACG"))
    # a longer word containing the seed joins with a negative offset
    assert group_instances(["GATTACA", "TGATTACAT"]) == [[(1, 0), (0, 1)]]


# --------------------------------------------------------------------------- pipeline


def _world(seed=0):
    """10 positives holding GATTACAG at known places, 10 random negatives; per-base scores."""
    rng = np.random.default_rng(seed)
    rand = lambda n: "".join(rng.choice(list("ACGT"), n))  # noqa: E731
    starts = [2, 3, 4, 6, 8, 10, 12, 14, 16, 18]
    pos, scores = [], []
    for i, s in enumerate(starts):
        seq = rand(s) + "GATTACAG" + rand(30 - s - 8)
        sc = np.ones(30)
        a = s if i < 5 else s + 1  # regions GATTACA (5 sequences) and ATTACAG (5 sequences)
        sc[a:a + 7] = 20.0
        pos.append(seq)
        scores.append(sc)
    neg = [rand(30) for _ in range(10)]
    assert not any("ATTACA" in n for n in neg)
    return pos + neg, np.array([1] * 10 + [0] * 10), np.vstack(scores + [np.ones(30)] * 10), starts


def test_discover_motifs_finds_and_merges_the_planted_word():
    seqs, labels, scores, starts = _world()
    table, ppms = discover_motifs(seqs, labels, scores, window=None, trim_ic=None)
    assert table["motif"].tolist()[:2] == ["GATTACA", "ATTACAG"]
    # every positive holds both words (a sequence counts, not a region): 10 of 10 holders
    assert table["pos_hits"].tolist() == [10, 10] and table["neg_hits"].tolist() == [0, 0]
    p = hypergeom.sf(9, 20, 10, 10)
    assert p == pytest.approx(1 / 184756, rel=1e-12)  # 1 / C(20, 10)
    np.testing.assert_allclose(table["p_value"], [p, p], rtol=1e-12)
    np.testing.assert_allclose(table["q_value"], [p, p], rtol=1e-12)
    assert table["regions"].tolist() == [5, 5] and table["kept"].all()
    assert table["motif_index"].tolist() == [0, 0] and table["offset"].tolist() == [0, 1]
    assert len(ppms) == 1 and table.attrs["instances"] == [10]
    np.testing.assert_array_equal(ppms[0], one_hot("GATTACAG"))


def test_discover_motifs_windows_and_min_instances():
    seqs, labels, scores, starts = _world()
    _, ppms = discover_motifs(seqs, labels, scores, window=12, trim_ic=None)
    # windows start 2 bases before the seed GATTACA: all 10 fit inside the 30 bases
    assert len(ppms) == 1 and ppms[0].shape == (4, 12)
    np.testing.assert_array_equal(ppms[0][:, 2:10], one_hot("GATTACAG"))
    expected_flank = one_hot([seqs[i][s - 2:s] for i, s in enumerate(starts)], dtype=float).mean(axis=0)
    np.testing.assert_allclose(ppms[0][:, :2], expected_flank, rtol=1e-15)
    # the window of 30 bases fits no sequence (windows running off the end are dropped)
    table, ppms = discover_motifs(seqs, labels, scores, window=30)
    assert ppms == [] and table["motif_index"].isna().all()
    _, ppms = discover_motifs(seqs, labels, scores, window=None, min_instances=11)
    assert ppms == []
    # a stricter q-value cut keeps nothing
    table, ppms = discover_motifs(seqs, labels, scores, q_threshold=5e-6)
    assert not table["kept"].any() and ppms == []


# --------------------------------------------------------------------------- scoring


@pytest.fixture(scope="module")
def jaspar():
    return load_jaspar()


def test_score_discovery_planted_given_back_is_perfect(jaspar):
    planted = load_jaspar(ids=["MA0139.2", "MA0079.5", "MA0112.3"])  # CTCF, SP1, ESR1 (older version)
    found = [m.ppm(0.8) for m in planted]
    res = score_discovery(found, planted, decoys=jaspar)
    assert res["precision"] == 1.0 and res["recall"] == 1.0
    assert res["matches"]["best_target_id"].tolist() == ["MA0139.2", "MA0079.5", "MA0112.3"]
    assert res["matches"]["planted_index"].tolist() == [0, 1, 2]
    assert res["precision_any"] == 1.0 and res["recall_any"] == 1.0


def test_score_discovery_counts_decoy_best_matches_as_misses(jaspar):
    ctcf, sp1 = load_jaspar(ids=["MA0139.2", "MA0079.5"])
    gata = next(m for m in jaspar if m.name.upper() == "GATA1")
    res = score_discovery([ctcf.ppm(0.8), gata.ppm(0.8)], [ctcf, sp1], decoys=jaspar)
    assert (res["precision"], res["recall"]) == (0.5, 0.5)
    assert res["matches"]["best_target_id"].tolist() == ["MA0139.2", gata.id]
    assert res["matches"]["planted_index"].isna().tolist() == [False, True]
    assert (res["precision_any"], res["recall_any"]) == (0.5, 0.5)
    assert res["matches"]["any_planted_index"].tolist()[0] == 0
    empty = score_discovery([], [ctcf], decoys=jaspar)
    assert np.isnan(empty["precision"]) and empty["recall"] == 0.0 and empty["matches"].empty


def test_to_numpy_takes_tensors_of_any_float_type():
    got = to_numpy(torch.tensor([1.5, 2.0], dtype=torch.bfloat16))
    assert got.dtype == np.float64 and got.tolist() == [1.5, 2.0]
    assert to_numpy([1, 2]).tolist() == [1, 2]
