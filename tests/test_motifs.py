import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from genomebook.motifs import (
    Motif,
    ScanResult,
    best_matches,
    information_content,
    load_jaspar,
    log_odds,
    logo,
    sample_site,
    scan,
    to_ppm,
    tomtom,
)
from genomebook.seq import one_hot, reverse_complement

# Hand-made count matrix, 3 positions, 10 sites each (rows A, C, G, T).
COUNTS = np.array(
    [
        [10, 0, 5],
        [0, 10, 0],
        [0, 0, 5],
        [0, 0, 0],
    ],
    dtype=float,
)


def test_motif_dataclass():
    m = Motif("X1", "x", COUNTS)
    assert m.width == 3
    np.testing.assert_allclose(m.ppm()[:, 2], [0.5, 0, 0.5, 0])
    np.testing.assert_allclose(m.ppm().sum(axis=0), 1.0)
    with pytest.raises(ValueError, match=r"\(4, w\)"):
        Motif("bad", "bad", np.zeros((3, 2)))


def test_to_ppm_and_log_odds_exact():
    pc = 0.8
    p = to_ppm(COUNTS, pc)
    assert p[0, 0] == pytest.approx((10 + 0.2) / 10.8)
    assert p[3, 0] == pytest.approx(0.2 / 10.8)
    lo = log_odds(COUNTS, pseudocount=pc)
    assert lo.shape == (4, 3)
    expected = np.array(
        [[math.log2(((c + pc * 0.25) / (10 + pc)) / 0.25) for c in row] for row in COUNTS]
    )
    np.testing.assert_allclose(lo, expected)
    assert lo[0, 0] == pytest.approx(math.log2(10.2 / 10.8 / 0.25))
    assert lo[2, 2] == pytest.approx(math.log2(5.2 / 10.8 / 0.25))


def test_log_odds_background_and_ppm_input():
    bg = (0.3, 0.2, 0.2, 0.3)
    lo = log_odds(COUNTS, background=bg, pseudocount=1.0)
    assert lo[1, 1] == pytest.approx(math.log2(((10 + 0.2) / 11) / 0.2))
    ppm = np.array([[0.5, 1.0], [0.5, 0.0], [0.0, 0.0], [0.0, 0.0]])
    lo = log_odds(ppm)
    assert np.all(np.isfinite(lo))
    assert lo[0, 0] == pytest.approx(1.0, abs=1e-2)  # log2(0.5 / 0.25)
    assert lo[0, 1] == pytest.approx(2.0, abs=1e-2)
    np.testing.assert_allclose(log_odds(Motif("m", "m", COUNTS)), log_odds(COUNTS))


def test_information_content():
    ppm = np.array([[1, 0.25, 0.5], [0, 0.25, 0.5], [0, 0.25, 0], [0, 0.25, 0]])
    np.testing.assert_allclose(information_content(ppm), [2.0, 0.0, 1.0])


def _scores_numpy(x, pwm):
    """Brute-force reference: best score and start over both strands, loops over positions."""
    w = pwm.shape[1]
    rc = pwm[::-1, ::-1]
    best, pos, strand = -np.inf, -1, 0
    for j in range(x.shape[1] - w + 1):
        window = x[:, j : j + w]
        for s, mat in ((1, pwm), (-1, rc)):
            v = float((window * mat).sum())
            if v > best:
                best, pos, strand = v, j, s
    return best, pos, strand


def test_scan_planted_sites():
    pwm = log_odds(COUNTS)  # consensus "ACA"/"ACG"
    long_pwm = log_odds(np.tile(COUNTS, 3))  # width 9
    background = "TTTTTTTTTTTTTTTTTTTT"
    fwd = background[:5] + "ACG" + background[8:]
    rev = background[:11] + reverse_complement("ACA") + background[14:]
    # The width-9 motif fits only at starts 0..11 of a 20-bp sequence; its best
    # site is planted at start 13 where it cannot fit, and a weaker one at 2.
    near_end = "TTACACACAGTTT" + "ACAACAACA"[:7]
    res = scan(one_hot([fwd, rev, near_end]), [pwm, long_pwm])
    assert isinstance(res, ScanResult)
    assert res.max_score.shape == (3, 2) and res.max_score.dtype == np.float32
    site_score = pwm[0, 0] + pwm[1, 1] + pwm[2, 2]  # A, C, G
    aca_score = pwm[0, 0] + pwm[1, 1] + pwm[0, 2]  # A, C, A
    assert res.max_score[0, 0] == pytest.approx(site_score, rel=1e-6)
    assert (res.position[0, 0], res.strand[0, 0]) == (5, 1)
    assert res.max_score[1, 0] == pytest.approx(aca_score, rel=1e-6)
    assert (res.position[1, 0], res.strand[1, 0]) == (11, -1)
    x2 = one_hot(near_end)
    expected = _scores_numpy(x2, long_pwm)
    assert expected[1] <= 20 - 9
    assert res.max_score[2, 1] == pytest.approx(expected[0], rel=1e-6)
    assert (res.position[2, 1], res.strand[2, 1]) == expected[1:]


def test_scan_motif_longer_than_sequence():
    res = scan(one_hot(["ACG"]), [log_odds(np.tile(COUNTS, 2))])
    assert res.max_score[0, 0] == -np.inf
    assert res.position[0, 0] == -1 and res.strand[0, 0] == 0


def test_scan_n_contributes_zero():
    pwm = log_odds(COUNTS)
    res = scan(one_hot(["TTANGAA"]), [pwm])
    assert res.max_score[0, 0] == pytest.approx(pwm[0, 0] + pwm[2, 2], rel=1e-6)
    assert (res.position[0, 0], res.strand[0, 0]) == (2, 1)


def test_scan_matches_brute_force():
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGTN"), 60, p=[0.24, 0.24, 0.24, 0.24, 0.04])) for _ in range(25)]
    pwms = [log_odds(rng.integers(0, 20, size=(4, w)).astype(float)) for w in (4, 7, 12)]
    x = one_hot(seqs)
    res = scan(torch.from_numpy(x), pwms, batch_size=7)
    for i in range(len(seqs)):
        for m, pwm in enumerate(pwms):
            best, pos, strand = _scores_numpy(x[i], pwm)
            assert np.allclose(res.max_score[i, m], best, atol=1e-4)
            # positions agree unless two windows tie (up to float32 rounding)
            if (res.position[i, m], res.strand[i, m]) != (pos, strand):
                j, s = res.position[i, m], res.strand[i, m]
                mat = pwm if s == 1 else pwm[::-1, ::-1]
                assert np.isclose((x[i][:, j : j + pwm.shape[1]] * mat).sum(), best, atol=1e-4)


def test_scan_rejects_bad_input():
    with pytest.raises(ValueError, match="infinite"):
        scan(one_hot(["ACGT"]), [np.where(np.eye(4) > 0, 2.0, -np.inf)])
    with pytest.raises(TypeError, match="log_odds"):
        scan(one_hot(["ACGT"]), [Motif("m", "m", COUNTS)])


def test_load_jaspar_by_id():
    (ctcf,) = load_jaspar("MA0139.2")
    assert (ctcf.id, ctcf.name, ctcf.width) == ("MA0139.2", "CTCF", 15)
    assert ctcf.counts.shape == (4, 15)
    latest = load_jaspar(["MA0139"])
    assert latest[0].id.startswith("MA0139.")
    ids = [m.id for m in load_jaspar(["MA0139.2", "MA0004.1"])]
    assert ids == ["MA0139.2", "MA0004.1"]


def test_load_jaspar_by_name_and_collection():
    ctcf = load_jaspar(names=["ctcf"])
    assert "MA0139.2" in [m.id for m in ctcf]
    assert {m.name for m in ctcf} == {"CTCF"}
    vertebrates = load_jaspar()
    assert len(vertebrates) > 500
    with pytest.raises(KeyError, match="MA9999.1.*load_jaspar"):
        load_jaspar("MA9999.1")
    with pytest.raises(KeyError, match="NOT_A_TF"):
        load_jaspar(names=["NOT_A_TF"])


def test_tomtom_finds_itself():
    targets = load_jaspar()[:150]
    picks = [3, 42, 100]
    queries = [targets[i].ppm(0.8) for i in picks]
    df = tomtom(queries, targets)
    assert list(df.columns) == [
        "query", "target_id", "target_name", "p_value", "q_value", "e_value", "offset", "overlap",
        "strand"
    ]
    assert (df["q_value"] < 0.05).all()
    np.testing.assert_allclose(df["e_value"], df["p_value"] * len(targets))
    # with an E-value threshold the q-value no longer filters
    by_e = tomtom(queries, targets, q_threshold=0.0, e_threshold=0.01)
    assert len(by_e) and (by_e["e_value"] < 0.01).all()
    best = best_matches(df)
    assert list(best["query"]) == [0, 1, 2]
    assert list(best["target_id"]) == [targets[i].id for i in picks]
    assert (best["q_value"] < 1e-5).all()
    assert list(best["strand"]) == ["+", "+", "+"]
    assert list(best["offset"]) == [0, 0, 0]
    # a reverse-complemented query finds its target on the '-' strand
    rc = tomtom([queries[0][::-1, ::-1].copy()], targets)
    assert rc.iloc[0]["target_id"] == targets[3].id and rc.iloc[0]["strand"] == "-"
    assert df.groupby("query")["q_value"].apply(lambda q: q.is_monotonic_increasing).all()


def test_logo_returns_axes():
    ax = logo(to_ppm(COUNTS), title="hand-made")
    assert ax.get_ylabel() == "bits"
    assert ax.get_title() == "hand-made"
    assert [int(t) for t in ax.get_xticks()] == [1, 2, 3]


def test_sample_site():
    rng = np.random.default_rng(0)
    assert sample_site(one_hot("GATTACA"), rng) == "GATTACA"
    sites = [sample_site(to_ppm(COUNTS, 0.0), rng) for _ in range(200)]
    assert {s[:2] for s in sites} == {"AC"}
    frac_a = np.mean([s[2] == "A" for s in sites])
    assert 0.35 < frac_a < 0.65
