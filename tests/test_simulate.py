import time

import numpy as np
import pandas as pd
import pytest

from genomebook.simulate import MarkovBackground, composition, plant, random_positions, sample_sites


def onehot(consensus: str) -> np.ndarray:
    m = np.zeros((4, len(consensus)))
    for j, base in enumerate(consensus):
        m["ACGT".index(base), j] = 1.0
    return m


# ---------------------------------------------------------------- background


@pytest.fixture(scope="module")
def human_seqs():
    return MarkovBackground.human_like(gc=0.41, cpg_ratio=0.25).sample(2000, 1000, np.random.default_rng(0))


def test_human_like_composition(human_seqs):
    assert len(human_seqs) == 2000 and {len(s) for s in human_seqs} == {1000}
    comp = composition(human_seqs)
    assert comp["gc"] == pytest.approx(0.41, abs=0.01)
    assert comp["cpg_obs_exp"] == pytest.approx(0.25, abs=0.05)
    assert sum(comp[b] for b in "ACGT") == pytest.approx(1.0)


@pytest.mark.parametrize("order", [2, 3])
def test_human_like_higher_order(order):
    bg = MarkovBackground.human_like(gc=0.41, cpg_ratio=0.25, order=order)
    assert bg.order == order and bg.transition.shape == (4**order, 4) and bg.initial.shape == (4**order,)
    comp = composition(bg.sample(500, 1000, 1))
    assert comp["gc"] == pytest.approx(0.41, abs=0.01)
    assert comp["cpg_obs_exp"] == pytest.approx(0.25, abs=0.05)


def test_composition_hand_computed():
    # bases A C G C G T c g -> A1 C3 G3 T1 (N ignored, case folded);
    # dinucleotides AC CG CG GT cg (none across N or across sequences) -> f(CG) = 3/5
    comp = composition(["ACGNNCGT", "cg"])
    assert comp["gc"] == pytest.approx(6 / 8)
    assert comp["C"] == pytest.approx(3 / 8) and comp["A"] == pytest.approx(1 / 8)
    assert comp["cpg_obs_exp"] == pytest.approx((3 / 5) / ((3 / 8) * (3 / 8)))


def test_fit_recovers_known_chain():
    transition = np.array(
        [
            [0.10, 0.20, 0.30, 0.40],
            [0.40, 0.30, 0.05, 0.25],
            [0.25, 0.25, 0.25, 0.25],
            [0.30, 0.10, 0.40, 0.20],
        ]
    )
    true = MarkovBackground(transition, np.full(4, 0.25))
    seqs = true.sample(300, 1000, 5)
    seqs[0] = seqs[0][:500] + "NNNN" + seqs[0][504:]  # k-mers with N are ignored
    fitted = MarkovBackground.fit(seqs, order=1, pseudocount=1)
    assert fitted.order == 1
    assert np.abs(fitted.transition - transition).max() < 0.02
    assert fitted.initial.sum() == pytest.approx(1.0)


def test_fit_order2_shapes():
    bg = MarkovBackground.fit(["ACGTACGTTTGACN", "GGGCCA"], order=2)
    assert bg.transition.shape == (16, 4) and np.allclose(bg.transition.sum(axis=1), 1)


def test_sample_deterministic_for_seed():
    bg = MarkovBackground.human_like()
    a = bg.sample(50, 200, np.random.default_rng(42))
    assert a == bg.sample(50, 200, 42)  # int seed == Generator with that seed
    assert a != bg.sample(50, 200, 43)
    assert set("".join(a)) <= set("ACGT")


def test_sample_speed():
    bg = MarkovBackground.human_like()
    t0 = time.perf_counter()
    seqs = bg.sample(10_000, 1_000, 0)
    elapsed = time.perf_counter() - t0
    assert len(seqs) == 10_000 and len(seqs[-1]) == 1_000
    assert elapsed < 2.0, f"sampling 10,000 x 1,000 bp took {elapsed:.2f}s"


def test_invalid_chain():
    with pytest.raises(ValueError):
        MarkovBackground(np.ones((4, 4)), np.full(4, 0.25))
    with pytest.raises(ValueError):
        MarkovBackground.human_like(order=4)


# ---------------------------------------------------------------- planting


def test_plant_exact_consensus_and_truth_table():
    seqs = ["A" * 20, "C" * 15]
    ppms = [onehot("GATTACA"), onehot("TTG")]
    out, truth = plant(
        seqs, ppms, seq_index=[0, 0, 1], motif_ids=[0, 1, 1], positions=[2, 12, 0], strands=[1, -1, 1], rng=0
    )
    # reverse strand writes the reverse complement of TTG, i.e. CAA
    assert out == ["AA" + "GATTACA" + "AAA" + "CAA" + "AAAAA", "TTG" + "C" * 12]
    assert seqs == ["A" * 20, "C" * 15]  # input untouched
    expected = pd.DataFrame(
        {
            "seq_index": [0, 0, 1],
            "motif_id": [0, 1, 1],
            "start": [2, 12, 0],
            "end": [9, 15, 3],
            "strand": [1, -1, 1],
            "site": ["GATTACA", "CAA", "TTG"],
        }
    )
    pd.testing.assert_frame_equal(truth, expected, check_dtype=False)
    for _, row in truth.iterrows():
        assert out[row.seq_index][row.start : row.end] == row.site


def test_plant_named_motifs_default_seq_index():
    out, truth = plant(["T" * 10, "T" * 10], {"gata": onehot("GATA")}, motif_ids=["gata", "gata"],
                       positions=[0, 6], strands=["+", "-"], rng=1)
    assert out == ["GATA" + "T" * 6, "T" * 6 + "TATC"]
    assert truth["seq_index"].tolist() == [0, 1] and truth["motif_id"].tolist() == ["gata", "gata"]


def test_plant_samples_follow_ppm_and_are_deterministic():
    ppm = np.array([[0.7, 0.0], [0.1, 0.0], [0.1, 0.5], [0.1, 0.5]])
    sites = sample_sites(ppm, 20_000, 3)
    first = np.array([s[0] for s in sites])
    assert np.mean(first == "A") == pytest.approx(0.7, abs=0.015)
    assert set(s[1] for s in sites) == {"G", "T"}
    seqs = ["A" * 30] * 5
    args = dict(motif_ids=[0] * 5, positions=[3] * 5, strands=[1] * 5)
    assert plant(seqs, [ppm], rng=9, **args)[0] == plant(seqs, [ppm], rng=np.random.default_rng(9), **args)[0]


def test_plant_out_of_range():
    with pytest.raises(ValueError, match=r"out of range in seq_index 1: \[8, 11\)"):
        plant(["A" * 20, "A" * 10], [onehot("GAT")], seq_index=[0, 1], motif_ids=[0, 0],
              positions=[0, 8], strands=[1, 1], rng=0)
    with pytest.raises(ValueError, match="out of range"):
        plant(["A" * 20], [onehot("GAT")], motif_ids=[0], positions=[-1], strands=[1], rng=0)


def test_plant_overlap():
    with pytest.raises(ValueError, match=r"overlapping plantings in seq_index 0: \[5, 8\) and \[7, 10\)"):
        plant(["A" * 20], [onehot("GAT")], seq_index=[0, 0], motif_ids=[0, 0], positions=[7, 5],
              strands=[1, 1], rng=0)
    # abutting sites are fine
    out, _ = plant(["A" * 10], [onehot("GAT")], seq_index=[0, 0], motif_ids=[0, 0], positions=[2, 5],
                   strands=[1, 1], rng=0)
    assert out == ["AAGATGATAA"]


def test_random_positions_never_overlap():
    rng = np.random.default_rng(11)
    n_seqs, length, min_gap = 1000, 60, 2
    counts = rng.integers(0, 4, n_seqs)
    widths = rng.integers(5, 12, counts.sum())
    starts = random_positions(counts, length, widths, rng, min_gap=min_gap)
    seq_of = np.repeat(np.arange(n_seqs), counts)
    assert starts.shape == widths.shape
    assert (starts >= 0).all() and (starts + widths <= length).all()
    for s in range(n_seqs):
        sel = seq_of == s
        order = np.argsort(starts[sel])
        st, en = starts[sel][order], (starts + widths)[sel][order]
        assert (st[1:] >= en[:-1] + min_gap).all()
    # and they are usable by plant directly
    ppms = {w: np.full((4, w), 0.25) for w in range(5, 12)}
    plant(["A" * length] * n_seqs, ppms, seq_index=seq_of, motif_ids=widths, positions=starts,
          strands=np.ones(widths.size, int), rng=0)


def test_random_positions_impossible():
    with pytest.raises(ValueError, match="cannot place"):
        random_positions([3], 20, 8, 0)
    assert (random_positions([2, 0, 1], 50, 10, 0) >= 0).all()
