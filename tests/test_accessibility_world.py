"""The simulated accessibility world (DeepCAGE): arrays, genome layout, planted truth and mechanism."""

import numpy as np
import pandas as pd
import pytest

from conftest import MIRROR
from genomebook.datasets import registry
from genomebook.datasets.accessibility import AccessibilityData
from genomebook.metrics import auprc, auroc
from genomebook.motifs import log_odds, scan
from genomebook.simulate import AccessibilityWorld, accessibility_world

SMALL = dict(n_loci=1200, n_cells=12, seq_len=300, n_tfs=20, n_drivers=5, n_lineages=4, seed=3)
BOOK = dict(n_loci=8000, n_cells=40, seq_len=400, n_tfs=60, n_drivers=12, seed=0)


@pytest.fixture(scope="module")
def small():
    return accessibility_world(**SMALL)


@pytest.fixture(scope="module")
def book():
    return accessibility_world(**BOOK)


def _one_hot(codes):
    return (codes[:, None, :] == np.arange(4)[None, :, None]).astype(np.float32)


def test_shapes_and_dtypes(small):
    w, d = small, small.data
    assert isinstance(w, AccessibilityWorld) and isinstance(d, AccessibilityData)
    n, k, m = SMALL["n_loci"], SMALL["n_cells"], SMALL["n_tfs"]
    want = {"codes": ((n, SMALL["seq_len"]), np.uint8), "motif_scores": ((n, m), np.float32),
            "expression": ((k, m), np.float32), "labels": ((n, k), np.int8), "signal": ((n, k), np.float32)}
    for name, (shape, dtype) in want.items():
        arr = getattr(d, name)
        assert arr.shape == shape and arr.dtype == dtype, name
    assert d.codes.max() <= 4 and set(np.unique(d.labels)) <= {0, 1}
    assert w.planted.shape == (n, m) and w.planted.dtype == np.int8
    assert w.activity.shape == (n, k) and w.activity.dtype == np.float32
    assert w.effect.shape == (m,) and w.lineage.shape == (k,) and w.depth.shape == (k,)
    assert len(w.motifs) == m and [mo.name for mo in w.motifs] == d.tfs
    assert len(set(d.tfs)) == m and len(set(d.cell_types)) == k
    assert len(w.driver_tfs) == SMALL["n_drivers"] and set(w.driver_tfs) <= set(d.tfs)
    nonzero = {d.tfs[i] for i in np.flatnonzero(w.effect)}
    assert nonzero == set(w.driver_tfs)
    assert set(w.cell_drivers) == set(d.cell_types)
    for cell, drv in w.cell_drivers.items():
        assert set(drv) <= set(w.driver_tfs) and all(w.effect[d.tfs.index(t)] > 0 for t in drv)
    assert d.meta["seed"] == 3 and d.meta["n_replicates"] == 3 and d.meta["bin_size"] == 200
    assert np.isfinite(d.motif_scores).all() and np.isfinite(d.signal).all()


def test_deterministic_for_a_seed(small):
    again = accessibility_world(**SMALL)
    for name in ("codes", "motif_scores", "expression", "labels", "signal"):
        assert np.array_equal(getattr(small.data, name), getattr(again.data, name)), name
    assert np.array_equal(small.activity, again.activity) and np.array_equal(small.planted, again.planted)
    pd.testing.assert_frame_equal(small.sites, again.sites)
    assert small.driver_tfs == again.driver_tfs and small.data.tfs == again.data.tfs
    other = accessibility_world(**{**SMALL, "seed": 4})
    assert not np.array_equal(small.data.codes, other.data.codes)
    assert not np.array_equal(small.data.labels, other.data.labels)


def test_loci_are_contiguous_bins_and_windows_overlap(small):
    d, bin_size, seq_len = small.data, 200, SMALL["seq_len"]
    loci = d.loci
    assert list(dict.fromkeys(loci["chrom"])) == ["chr1", "chr2", "chr3", "chr4"]
    for _, grp in loci.groupby("chrom", sort=False):
        assert (grp["start"].to_numpy() == np.arange(len(grp)) * bin_size).all()
        assert ((grp["end"] - grp["start"]) == bin_size).all()
        rows = grp.index.to_numpy()
        assert (np.diff(rows) == 1).all()
        # neighbouring windows are shifted by one bin and agree on the bases they share
        left, right = d.codes[rows[:-1], bin_size:], d.codes[rows[1:], : seq_len - bin_size]
        assert np.array_equal(left, right)
        # the window is centred on the bin: 50 bp of N before the first bin of a chromosome
        pad = seq_len // 2 - bin_size // 2
        assert (d.codes[rows[0], :pad] == 4).all() and (d.codes[rows[0], pad:] < 4).all()
        assert (d.codes[rows[-1], -pad:] == 4).all()
        assert (d.codes[rows[1:-1]] < 4).all()


def test_planted_sites_are_where_the_table_says(small):
    d, sites = small.data, small.sites
    assert len(sites) > 0 and set(sites["tf"]) <= set(small.driver_tfs)
    letters = np.array(list("ACGTN"))
    for r in sites.itertuples():
        got = "".join(letters[d.codes[r.locus, r.start:r.end]])
        assert got == r.site
        assert r.end - r.start == small.motifs[d.tfs.index(r.tf)].width
        assert r.chrom == d.loci.at[r.locus, "chrom"]
        assert d.loci.at[r.locus, "start"] <= r.chrom_start < d.loci.at[r.locus, "end"]
    # the planted matrix counts the table's sites
    counts = sites.groupby(["locus", "tf"]).size()
    planted = small.planted
    assert planted.sum() == len(sites)
    for (locus, tf), n in counts.items():
        assert planted[locus, d.tfs.index(tf)] == n
    share = (planted.sum(axis=1) > 0).mean()
    assert 0.2 < share < 0.4


def test_motif_scores_are_the_scan_and_see_planted_sites(small):
    d = small.data
    pwms = [log_odds(m.counts) for m in small.motifs]
    ref = scan(_one_hot(d.codes[:100]), pwms).max_score
    np.testing.assert_allclose(d.motif_scores[:100], ref, rtol=0, atol=1e-4)
    for tf in small.driver_tfs:
        i = d.tfs.index(tf)
        hit = small.planted[:, i] > 0
        assert np.median(d.motif_scores[hit, i]) > np.median(d.motif_scores[~hit, i]) + 2.0, tf


def test_labels_follow_activity_and_rates_are_in_range(small, book):
    for w in (small, book):
        labels, act = w.data.labels, w.activity
        rate = labels.mean(axis=0)
        assert (rate >= 0.05).all() and (rate <= 0.30).all(), rate
        for k in range(w.data.n_cells):
            y = labels[:, k]
            assert act[y == 1, k].mean() > act[y == 0, k].mean() + 1.0
            assert auroc(y, act[:, k]) > 0.9


def test_signal_is_depth_normalised_pooled_counts(small):
    d, counts = small.data, small.counts
    assert counts.shape == (d.n_loci, d.n_cells) and (counts >= 0).all()
    assert np.allclose(small.depth, counts.sum(axis=0))
    n_min = small.depth.min()
    expected = np.log1p(counts * (n_min / small.depth)[None, :])
    np.testing.assert_allclose(d.signal, expected, rtol=1e-5, atol=1e-5)
    k = int(np.argmin(small.depth))
    np.testing.assert_allclose(d.signal[:, k], np.log1p(counts[:, k]), rtol=1e-6)
    assert len(set(np.round(small.depth))) > 1  # depths differ between cell types
    # more reads where more accessible
    assert np.corrcoef(d.signal.ravel(), small.activity.ravel())[0, 1] > 0.6


def test_expression_is_log_tpm_quantile_normalised_by_lineage(book):
    e = book.data.expression
    assert (e >= 0).all()
    # quantile normalised: every cell type has the same distribution (up to tied zeros, which
    # share their average rank, so compare the upper half)
    srt = np.sort(e, axis=1)[:, e.shape[1] // 2:]
    np.testing.assert_allclose(srt, np.broadcast_to(srt.mean(axis=0), srt.shape), atol=1e-4)
    assert (e < np.log1p(1.0)).mean() > 0.3  # many TFs near zero
    lin = book.lineage
    assert len(set(lin)) == 6
    c = np.corrcoef(e)
    same = lin[:, None] == lin[None, :]
    off = ~np.eye(len(lin), dtype=bool)
    assert c[same & off].mean() > c[~same].mean() + 0.2  # lineage mates resemble each other


def test_mechanism_oracle_beats_training_mean(book):
    """The paper's mechanism is measurable: expression x motifs explains what the locus mean cannot."""
    d = book.data
    labels, k = d.labels, d.n_cells
    perm = np.random.default_rng(0).permutation(k)
    test, train = perm[: k // 5], perm[k // 5:]
    mean = labels[:, train].mean(axis=1) + 1e-6 * np.random.default_rng(1).random(d.n_loci)
    oracle = np.mean([auprc(labels[:, c], book.activity[:, c]) for c in test])
    baseline = np.mean([auprc(labels[:, c], mean) for c in test])
    rate = labels[:, test].mean()
    # the known mechanism (planted sites x effect x on-state), added to the locus mean
    drv = [d.tfs.index(t) for t in book.driver_tfs]
    contrib = book.planted[:, drv].astype(float) @ (book.effect[drv][:, None] * book.g[:, drv].T)
    mech = mean[:, None] + 0.3 * (contrib - contrib[:, train].mean(axis=1, keepdims=True))
    mechanism = np.mean([auprc(labels[:, c], mech[:, c]) for c in test])
    print(f"oracle {oracle:.3f}  mechanism {mechanism:.3f}  training mean {baseline:.3f}  positive rate {rate:.3f}")
    assert oracle > 0.9
    assert baseline < oracle - 0.12
    assert baseline > rate + 0.3
    assert mechanism > baseline + 0.08
    # a locus's openness differs across lineages
    lineage_rate = pd.DataFrame(labels.T).groupby(book.lineage).mean().to_numpy()
    assert (lineage_rate.max(axis=0) - lineage_rate.min(axis=0) > 0.5).mean() > 0.1


def test_describe_is_a_data_card(small):
    card = small.describe()
    assert list(card.columns) == ["field", "value"]
    fields = set(card["field"])
    for f in ("loci", "cell types", "TFs", "drivers", "lineages", "replicates", "window bp", "bin bp",
              "positive rate", "expression source", "motif source", "seed"):
        assert f in fields
    assert all(isinstance(v, str) for v in card["value"])


def test_saves_and_loads(small, tmp_path):
    back = AccessibilityData.load(small.data.save(tmp_path / "w"))
    assert np.array_equal(back.labels, small.data.labels) and back.tfs == small.data.tfs


@pytest.mark.parametrize("kwargs, words", [
    (dict(n_drivers=30), ["n_drivers=30", "n_tfs=20"]),
    (dict(expression_source="rna"), ["'rna'", "'simulated'", "'real'"]),
    (dict(motif_source="meme"), ["'meme'", "'jaspar'", "'hocomoco'"]),
    (dict(expression_source="real", n_cells=60), ["n_cells=60", "tf_gexp_matrix", "55"]),
    (dict(n_tfs=5000), ["n_tfs=5000", "JASPAR"]),
    (dict(n_loci=0), ["n_loci"]),
    (dict(seq_len=5), ["seq_len"]),
])
def test_bad_arguments_say_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError) as err:
        accessibility_world(**{**SMALL, **kwargs})
    for word in words:
        assert word in str(err.value)


def _need_mirror(monkeypatch):
    if not (MIRROR / "deepcage" / "tf_gexp_matrix.txt.gz").exists():
        pytest.skip(f"DeepCAGE files not in the mirror at {MIRROR}: set GENOMEBOOK_MIRROR")
    monkeypatch.setenv("GENOMEBOOK_MIRROR", str(MIRROR))


def test_real_expression_and_hocomoco_motifs(monkeypatch):
    _need_mirror(monkeypatch)
    w = accessibility_world(n_loci=400, n_cells=55, seq_len=200, n_tfs=None, n_drivers=8,
                            expression_source="real", motif_source="hocomoco", seed=0)
    d = w.data
    assert d.n_cells == 55 and {"K562", "HepG2", "GM12878"} <= set(d.cell_types)
    assert d.n_tfs == 401 and {"GATA1", "CTCF", "HNF4A"} <= set(d.tfs)
    assert not any("_HUMAN" in t for t in d.tfs)
    assert all(m.id.endswith(("A", "B", "C", "D")) and "H11MO" in m.id for m in w.motifs)
    assert 1 < len(set(w.lineage)) <= 6
    k562, gata1 = d.cell_types.index("K562"), d.tfs.index("GATA1")
    assert d.expression[k562, gata1] > np.median(d.expression[:, gata1])
    rate = d.labels.mean(axis=0)
    assert (rate > 0.03).all() and (rate < 0.35).all()
    card = w.describe().set_index("field")["value"]
    assert "tf_gexp_matrix" in card["expression source"] and "HOCOMOCO" in card["motif source"]


def test_real_expression_with_jaspar_motifs_matches_columns(monkeypatch):
    _need_mirror(monkeypatch)
    w = accessibility_world(n_loci=300, n_cells=20, seq_len=200, n_tfs=40, n_drivers=6,
                            expression_source="real", motif_source="jaspar", seed=2)
    cols = set(registry.read("deepcage_tf_gexp_matrix").columns)
    assert set(w.data.tfs) <= cols and w.data.n_cells == 20
    assert set(w.data.cell_types) <= set(registry.read("deepcage_cells")["biosample"])
