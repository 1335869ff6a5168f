"""The splice-site world: exact class counts, planted elements where the ground truth says, decoys weaker."""

import re

import numpy as np
import pytest

from genomebook.simulate import splicing as sp


@pytest.fixture(scope="module")
def world():
    return sp.splice_world(2000, length=120, decoy_fraction=0.5, seed=3)


def test_label_coding_is_gue_s():
    assert (sp.ACCEPTOR, sp.DONOR, sp.NON_SITE) == (0, 1, 2)
    assert sp.LABEL_NAMES == ("acceptor", "donor", "non-site")


def test_counts_labels_and_lengths_are_exact(world):
    assert world.n == 2000 and world.centre == 60 and world.length == 120
    assert all(len(s) == 120 for s in world.seqs)
    kinds, counts = np.unique(world.kind, return_counts=True)
    assert dict(zip(kinds, counts)) == {"acceptor": 500, "donor": 500, "random": 500,
                                        "decoy GT": 250, "decoy AG": 250}
    expected = {"acceptor": 0, "donor": 1, "random": 2, "decoy GT": 2, "decoy AG": 2}
    assert all(world.labels[i] == expected[k] for i, k in enumerate(world.kind))
    assert world.labels.dtype == np.int64
    # odd numbers: acceptors = donors = round(n/4), the odd decoy is a GT
    odd = sp.splice_world(23, length=100, decoy_fraction=0.5, seed=0)
    kinds, counts = np.unique(odd.kind, return_counts=True)
    assert dict(zip(kinds, counts)) == {"acceptor": 6, "donor": 6, "random": 5, "decoy GT": 3, "decoy AG": 3}
    easy = sp.splice_world(40, length=100, seed=0)
    assert set(easy.kind) == {"acceptor", "donor", "random"}


def test_centre_dinucleotides_follow_the_kind(world):
    c = world.centre
    for s, k in zip(world.seqs, world.kind):
        ag, gt = s[c - 2:c] == "AG", s[c:c + 2] == "GT"
        if k in ("donor", "decoy GT"):
            assert gt
        if k in ("acceptor", "decoy AG"):
            assert ag
        if k == "random":
            assert not ag and not gt


def test_planted_elements_sit_where_the_ground_truth_says(world):
    c = world.centre
    sites = world.sites
    assert list(sites.columns) == ["seq", "element", "start", "end"]
    assert (sites["start"] >= 0).all() and (sites["end"] <= world.length).all()
    by_kind = {k: set(sites.loc[world.kind[sites["seq"]] == k, "element"]) for k in sp.KINDS}
    assert by_kind["donor"] == {"5' splice site", "exonic enhancer"}
    assert by_kind["acceptor"] == {"branch point", "polypyrimidine tract", "3' splice site", "exonic enhancer"}
    assert by_kind["decoy GT"] == {"decoy GT"}
    assert by_kind["decoy AG"] == {"decoy AG", "weak pyrimidine tract"}
    assert by_kind["random"] == set()
    bp = sites[sites["element"] == "branch point"]
    distance = c - (bp["start"] + sp.BRANCH_A)  # branch A to the boundary
    assert distance.between(*sp.BRANCH_DISTANCE).all()
    assert distance.min() < 22 and distance.max() > 36  # the whole range is used
    ppt = sites[sites["element"] == "polypyrimidine tract"].set_index("seq")
    assert (ppt["end"] == c - 3).all()
    assert (ppt["start"] >= bp.set_index("seq").loc[ppt.index, "end"]).all()  # tract after the branch point
    tract = "".join(world.seqs[i][r.start:r.end] for i, r in ppt.iterrows())
    assert (tract.count("C") + tract.count("T")) / len(tract) == pytest.approx(0.88, abs=0.02)
    branch_a = [world.seqs[r.seq][r.start + sp.BRANCH_A] for r in bp.itertuples()]
    assert np.mean([b == "A" for b in branch_a]) > 0.9
    ese = sites[sites["element"] == "exonic enhancer"]
    side = np.where(world.kind[ese["seq"]] == "donor", ese["end"] <= c, ese["start"] >= c)
    assert side.all()  # enhancers on the exon side
    assert 0.5 < len(ese) / 1000 < 0.7
    for r in sites[sites["element"] == "5' splice site"].itertuples():
        assert (r.start, r.end) == (c - 3, c + 6)


def test_exon_side_is_gc_richer_than_intron_side(world):
    donors = [s for s, k in zip(world.seqs, world.kind) if k == "donor"]
    acceptors = [s for s, k in zip(world.seqs, world.kind) if k == "acceptor"]
    c = world.centre

    def gc(parts):
        text = "".join(parts)
        return (text.count("G") + text.count("C")) / len(text)

    assert gc(s[:c - 10] for s in donors) > gc(s[c + 10:] for s in donors) + 0.07
    assert gc(s[c + 10:] for s in acceptors) > gc(s[:c - 45] for s in acceptors) + 0.07
    assert set(world.layout[world.kind == "donor"]) == {"exon|intron"}
    assert set(world.layout[world.kind == "random"]) == {"intron", "exon", "exon|intron", "intron|exon"}


def test_donor_profile_is_recovered_and_decoys_are_weaker(world):
    c = world.centre
    donors = [s for s, k in zip(world.seqs, world.kind) if k == "donor"]
    freq = sp.position_frequencies(donors, c - 3, c + 6)
    assert np.abs(freq - sp.DONOR_PPM).max() < 0.07
    scores = sp.consensus_scores(world.seqs, c)
    mean = scores.groupby(world.kind).mean()
    assert mean.loc["donor", "donor"] > mean.loc["decoy GT", "donor"] + 3
    assert mean.loc["acceptor", "acceptor"] > mean.loc["decoy AG", "acceptor"] + 6
    # partial consensus: decoys still beat the easy negatives, and overlap the true sites
    assert mean.loc["decoy GT", "donor"] > mean.loc["random", "donor"]
    decoy_gt = scores["donor"][world.kind == "decoy GT"]
    assert (decoy_gt > np.median(scores["donor"][world.kind == "donor"])).mean() > 0.02
    # the recorded strength is what makes a decoy look like a site
    strength = world.decoy_strength
    is_decoy = np.isin(world.kind, ("decoy GT", "decoy AG"))
    assert np.isnan(strength[~is_decoy]).all()
    assert (strength[is_decoy] >= sp.DECOY_STRENGTH[0]).all() and (strength[is_decoy] <= sp.DECOY_STRENGTH[1]).all()
    gt = world.kind == "decoy GT"
    assert np.corrcoef(strength[gt], scores["donor"][gt])[0, 1] > 0.3
    ag = world.kind == "decoy AG"
    assert np.corrcoef(strength[ag], scores["acceptor"][ag])[0, 1] > 0.3


def test_position_frequencies_and_consensus_scores_exact():
    seqs = ["ACGTA", "ACGTT", "AAGNT"]
    freq = sp.position_frequencies(seqs, 1, 4)
    np.testing.assert_allclose(freq, [[1 / 3, 0, 0], [2 / 3, 0, 0], [0, 1, 0], [0, 0, 1]])  # N not counted
    with pytest.raises(ValueError, match="does not cover"):
        sp.position_frequencies(seqs, 3, 7)
    # donor consensus CAG|GTAAGT at centre 23 of a poly-C tract window
    s = "C" * 20 + "CAGGTAAGT" + "A" * 11
    got = sp.consensus_scores([s], centre=23)
    by_hand = np.log2(np.array([0.37, 0.60, 0.79, 1, 1, 0.58, 0.70, 0.79, 0.49]) / 0.25).sum()
    assert got.loc[0, "donor"] == pytest.approx(by_hand)
    # acceptor: core -3..+1 is "CAGG"; the 20 bp before -3 are all C
    acc = np.log2(np.array([0.65, 1, 1, 0.52]) / 0.25).sum() + 20 * np.log2(0.36 / 0.25)
    assert got.loc[0, "acceptor"] == pytest.approx(acc)


def test_deterministic_from_the_seed():
    a = sp.splice_world(200, length=100, decoy_fraction=0.3, seed=5)
    b = sp.splice_world(200, length=100, decoy_fraction=0.3, seed=5)
    c = sp.splice_world(200, length=100, decoy_fraction=0.3, seed=6)
    assert a.seqs == b.seqs and np.array_equal(a.labels, b.labels) and a.sites.equals(b.sites)
    assert a.seqs != c.seqs


def test_decoy_pool_holds_only_hard_negatives():
    pool = sp.decoy_pool(101, length=100, seed=2)
    assert (pool.labels == sp.NON_SITE).all()
    kinds, counts = np.unique(pool.kind, return_counts=True)
    assert dict(zip(kinds, counts)) == {"decoy GT": 51, "decoy AG": 50}
    assert pool.seqs != sp.decoy_pool(101, length=100, seed=3).seqs


def test_describe_is_a_data_card(world):
    card = world.describe().set_index("kind")
    assert card.loc["donor", "sequences"] == 500 and card.loc["donor", "GT starts at centre"] == 1.0
    assert card.loc["random", "AG ends at centre"] == 0.0
    assert card["share"].sum() == pytest.approx(1.0)


def test_gene_corpus_is_gene_like_and_exactly_sized():
    genes = sp.gene_corpus(200_000, seed=1)
    assert sum(map(len, genes)) == 200_000 and len(genes) > 10
    assert genes == sp.gene_corpus(200_000, seed=1)
    assert genes != sp.gene_corpus(200_000, seed=2)
    text = "".join(genes)
    assert set(text) == set("ACGT")
    # acceptors (12 pyrimidines then AG) and strong donors (AG|GTRAGT) far above what
    # uniform random DNA of this size holds (about 3 of each)
    assert len(re.findall("(?=[CT]{12}AG)", text)) > 20
    assert len(re.findall("(?=AGGT[AG]AGT)", text)) > 15


def test_infer_kinds_recovers_the_world_s_kinds(world):
    got = sp.infer_kinds(world.seqs, world.labels, world.centre)
    c = world.centre
    both = np.array([s[c - 2:c] == "AG" and s[c:c + 2] == "GT" for s in world.seqs])
    assert (got[~both] == world.kind[~both]).all()  # with both dinucleotides the kind is ambiguous
    assert (got[both & (world.labels == 2)] == "decoy GT").all() and 0 < both.sum() < 600
    got = sp.infer_kinds(["CCCGTA", "CAGCAA", "CCCCCC", "CAGGTA"], [2, 2, 2, 1], centre=3)
    assert got.tolist() == ["decoy GT", "decoy AG", "random", "donor"]


def test_bad_arguments_stop_with_a_message():
    with pytest.raises(ValueError, match="at least 100 bp"):
        sp.splice_world(10, length=60)
    with pytest.raises(ValueError, match="decoy_fraction"):
        sp.splice_world(10, decoy_fraction=1.5)
