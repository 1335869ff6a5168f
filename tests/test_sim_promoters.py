"""The promoter world: placements, negatives, the exact dinucleotide shuffle, crops, the true score, prom-scan labels."""

from collections import Counter

import numpy as np
import pytest

from genomebook.simulate import promoters as P


@pytest.fixture(scope="module")
def world():
    return P.promoter_world(600, seed=3)


def _dinucleotides(s: str) -> Counter:
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def test_world_is_deterministic_and_shaped(world):
    again = P.promoter_world(600, seed=3)
    other = P.promoter_world(600, seed=4)
    assert again.seqs == world.seqs and np.array_equal(again.labels, world.labels)
    assert again.sites.equals(world.sites)
    assert other.seqs != world.seqs
    assert len(world.seqs) == 600 and {len(s) for s in world.seqs} == {300}
    assert world.tss == 249 and world.span == (-249, 51)
    assert set("".join(world.seqs)) <= set("ACGT")
    counts = Counter(world.kind)
    assert counts == {"TATA": 90, "non-TATA": 210, "TATA decoy": 90, "shuffled": 210}
    assert np.array_equal(world.labels, np.isin(world.kind, ["TATA", "non-TATA"]).astype(int))
    assert set(world.sites.columns) >= {"seq", "element", "motif_id", "start", "end", "strand"}
    assert all(ppm.shape[0] == 4 and np.allclose(ppm.sum(axis=0), 1) for ppm in world.elements.values())


def test_sites_are_where_the_world_says(world):
    s = world.sites
    rel = s["start"] - world.tss
    kind = world.kind[s["seq"].to_numpy()]
    tata_in_promoters = s[(s["element"] == "TATA") & (kind == "TATA")]
    assert len(tata_in_promoters) == 90  # every TATA promoter has exactly one box
    assert tata_in_promoters["seq"].is_unique
    assert rel[tata_in_promoters.index].between(-31, -24).all()
    assert set(rel[s["element"] == "Inr"]) == {-2}
    up = s["element"].isin(["GC box", "CCAAT"])
    assert rel[up].between(-100, -40).all()
    # written sites are what the table says (on the + strand for TATA: sampled from the PPM)
    for row in tata_in_promoters.head(20).itertuples():
        assert len(world.seqs[row.seq][row.start:row.end]) == 7
    # non-TATA promoters: no TATA box, and at least one GC or CCAAT box each
    non = set(np.flatnonzero(world.kind == "non-TATA"))
    assert not (set(s.loc[s["element"] == "TATA", "seq"]) & non)
    assert non <= set(s.loc[up, "seq"])


def test_decoys_carry_a_tata_box_outside_the_tss_window(world):
    s = world.sites
    decoys = np.flatnonzero(world.kind == "TATA decoy")
    ds = s[s["seq"].isin(decoys)]
    assert sorted(ds["seq"]) == sorted(decoys)  # one planted site per decoy ...
    assert set(ds["element"]) == {"TATA"}  # ... a TATA box and nothing else (no Inr)
    rel = ds["start"] - world.tss
    assert not rel.between(*P.DECOY_EXCLUDED).any()
    assert not rel.between(-31, -24).any()
    shuffled = np.flatnonzero(world.kind == "shuffled")
    assert not s["seq"].isin(shuffled).any()  # planted sites do not survive a shuffle


def test_dinucleotide_shuffle_keeps_counts_exactly():
    rng = np.random.default_rng(0)
    for seq in ["ACGTTGCAACGGTAC" * 5, "AAAAACCCCCGGGGGTTTTTAC", "ATGCATGCAATTGGCC", "GATTACAGATTACA"]:
        outs = {P.dinucleotide_shuffle(seq, rng) for _ in range(20)}
        for out in outs:
            assert _dinucleotides(out) == _dinucleotides(seq)
            assert out[0] == seq[0] and out[-1] == seq[-1] and len(out) == len(seq)
        assert len(outs) > 1  # it does shuffle
    # a sequence with a single Eulerian path comes back unchanged
    assert P.dinucleotide_shuffle("AAAACCCC", 1) == "AAAACCCC"
    assert P.dinucleotide_shuffle("AC", 1) == "AC"


def test_shuffled_negatives_keep_promoter_composition(world):
    from genomebook.simulate import composition
    non = [world.seqs[i] for i in np.flatnonzero(world.kind == "non-TATA")]
    shuf = [world.seqs[i] for i in np.flatnonzero(world.kind == "shuffled")]
    a, b = composition(non), composition(shuf)
    assert abs(a["gc"] - b["gc"]) < 0.02 and abs(a["cpg_obs_exp"] - b["cpg_obs_exp"]) < 0.1


def test_crop_to_prom_core(world):
    core = world.crop(-34, 36)
    assert {len(x) for x in core.seqs} == {70} and core.tss == 34 and core.span == (-34, 36)
    assert core.seqs[5] == world.seqs[5][249 - 34 : 249 + 36]
    # every TATA promoter's box survives, shifted by 249 - 34
    tata = world.sites[(world.sites["element"] == "TATA") & (world.kind[world.sites["seq"]] == "TATA")]
    kept = set(zip(core.sites["seq"], core.sites["element"], core.sites["start"], core.sites["end"]))
    for row in tata.itertuples():
        assert (row.seq, "TATA", row.start - 215, row.end - 215) in kept
    assert (core.sites["start"] >= 0).all() and (core.sites["end"] <= 70).all()
    assert not (core.sites["element"].isin(["GC box", "CCAAT"])).any()  # -100..-40 is outside
    # score keeps working: on TATA promoters the core score is the TATA + Inr part of the full score
    ix = core.subset(["TATA"])
    assert np.all(core.score()[ix] <= world.score()[ix] + 1e-9)
    with pytest.raises(ValueError):
        world.crop(-300, 10)


def test_score_ranks_promoters_above_negatives(world):
    score = world.score()
    assert score[world.labels == 1].mean() > 3 * score[world.labels == 0].mean()
    for pos, neg in (("TATA", "TATA decoy"), ("non-TATA", "shuffled")):
        assert score[world.subset([pos])].mean() > score[world.subset([neg])].mean() + 3


def test_destroying_a_tata_box_lowers_the_score_by_its_log_odds():
    ppm = P.element_ppms()["TATA"]
    consensus = "".join("ACGT"[j] for j in ppm.argmax(axis=0))
    assert consensus == "TATAAAA"
    expected = P.WEIGHTS["TATA"] * np.log2(ppm.max(axis=0) / 0.25).sum()  # bits, uniform background
    tss = 249
    background = ("GC" * 200)[:300]  # no TATA, Inr, GC-box or CCAAT match scores above 0 here ...
    ref = background[: tss - 30] + consensus + background[tss - 30 + 7 :]
    mut = background[: tss - 30] + "CCCCCCC" + background[tss - 30 + 7 :]
    s_bg, s_ref, s_mut = P.true_score([background, ref, mut], tss)
    assert s_mut == pytest.approx(s_bg)
    assert s_ref - s_mut == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(11.87, abs=0.01)  # log2(p_max / 0.25) summed over TATAAAA
    # the same box outside -31..-24 counts for nothing
    far = background[:100] + consensus + background[107:]
    assert P.true_score([far], tss)[0] == pytest.approx(s_bg)


def test_label_windows_follow_the_half_overlap_rule():
    # TSS 1000, flank 5 -> target 995..1005 (11 bp); window 10 bp positive when overlap >= 5
    starts = np.array([980, 990, 991, 996, 1000, 1001, 1010])
    # overlaps:         0    5    6   10     6     5     0
    assert P.label_windows(starts, 10, 1000, flank=5).tolist() == [0, 1, 1, 1, 1, 1, 0]
    starts = np.array([989, 1002])  # overlaps 4, 4
    assert P.label_windows(starts, 10, 1000, flank=5).tolist() == [0, 0]
    # the paper's case: 1001 bp windows are positive for starts tss-1000 .. tss
    st = np.arange(0, 5000, 1)
    lab = P.label_windows(st, 1001, 2500, flank=500)
    assert st[lab == 1].min() == 1500 and st[lab == 1].max() == 2500


def test_scan_regions_windows_and_track():
    r = P.scan_regions(4, region_len=3000, window=401, stride=50, flank=200, seed=1)
    assert len(r.regions) == 4 and {len(x) for x in r.regions} == {3000}
    assert r.windows["start"].max() + 401 <= 3000 and (r.windows["end"] - r.windows["start"] == 401).all()
    assert np.array_equal(r.windows["label"], P.label_windows(r.windows["start"], 401, r.tss[r.windows["region"]], 200))
    assert (r.windows.groupby("region")["label"].sum() > 0).all()
    prom = r.sites[r.sites["role"] == "promoter"]
    assert (prom.groupby("seq").size().index == np.arange(4)).all()
    assert len(r.window_seqs([0, 1])[1]) == 401
    # track: constant window probabilities give that constant wherever a window covers
    t = r.track(np.full(len(r.windows), 0.25))
    assert t.shape == (4, 3000) and np.nanmax(np.abs(t - 0.25)) < 1e-12
    assert np.isnan(t[:, -1]).all() == (r.windows["end"].max() < 3000)
    again = P.scan_regions(4, region_len=3000, window=401, stride=50, flank=200, seed=1)
    assert again.regions == r.regions


def test_promoter_corpus_length_and_content():
    corpus = P.promoter_corpus(55_000, seed=2, promoters_per_mb=200)
    assert sum(map(len, corpus)) == 55_000 and len(corpus) == 6
    assert set("".join(corpus)) <= set("ACGT")
    assert corpus == P.promoter_corpus(55_000, seed=2, promoters_per_mb=200)


def test_cpg_islands_sit_around_non_tata_tsss(world):
    isl = world.islands
    assert sorted(isl["seq"]) == sorted(np.flatnonzero(world.kind == "non-TATA"))
    # every island covers at least TSS-100 .. TSS+50 (clipped to the sequence) and stays inside it
    assert (isl["start"] <= world.tss - 100).all() and (isl["end"] >= world.tss + 50).all()
    assert (isl["start"] >= 0).all() and (isl["end"] <= 300).all()
    from genomebook.simulate import composition
    inside = [world.seqs[r.seq][r.start:r.end] for r in isl.itertuples()]
    assert composition(inside)["cpg_obs_exp"] > 0.6
    assert composition([world.seqs[i] for i in world.subset(["TATA"])])["cpg_obs_exp"] < 0.4
    core = world.crop(-34, 36)
    assert len(core.islands) == len(isl) and (core.islands[["start", "end"]].to_numpy() == [0, 70]).all()


def test_take_reindexes_sites_and_islands(world):
    idx = np.array([5, 0, 17])
    sub = world.take(idx)
    assert sub.seqs == [world.seqs[i] for i in idx] and list(sub.kind) == list(world.kind[idx])
    for new, old in enumerate(idx):
        a = world.sites[world.sites["seq"] == old][["element", "start", "end"]].to_numpy().tolist()
        b = sub.sites[sub.sites["seq"] == new][["element", "start", "end"]].to_numpy().tolist()
        assert sorted(a) == sorted(b)
        assert (sub.islands["seq"] == new).sum() == (world.islands["seq"] == old).sum()
