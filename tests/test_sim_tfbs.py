"""The TF-binding world (genomebook.simulate.tfbs): determinism, shapes, planted sites, label noise,
the mouse background and motif divergence, and the pretraining corpus."""

import numpy as np
import pandas as pd
import pytest

from genomebook import motifs
from genomebook.seq import reverse_complement
from genomebook.simulate import composition
from genomebook.simulate import tfbs
from genomebook.simulate.tfbs import (
    DECOY_NEGATIVES, HUMAN_GC, MOUSE_CPG, MOUSE_GC, MOUSE_SHIFT, OTHER_TF, TF_MOTIF_IDS, TF_TASKS,
    TWO_SITES, WEAK_POSITIVES, diverged_positions, site_score, task_index, tf_binding_world, tf_corpus,
    tf_motif,
)


@pytest.fixture(scope="module")
def worlds():
    """Large-ish worlds of every task in both species (fast: ~0.05 s each)."""
    return {(t, sp): tf_binding_world(t, 4000, species=sp, seed=3)
            for t in range(len(TF_TASKS)) for sp in ("human", "mouse")}


def test_tasks_are_five_distinct_jaspar_motifs():
    assert len(TF_TASKS) == len(TF_MOTIF_IDS) == 5 and len(set(TF_MOTIF_IDS)) == 5
    for name, mid in zip(TF_TASKS, TF_MOTIF_IDS):
        (m,) = motifs.load_jaspar(ids=[mid])
        assert m.name.upper() == name
        np.testing.assert_allclose(tf_motif(name), m.ppm(0.8))


def test_task_index_accepts_index_name_and_id():
    assert task_index(3) == 3
    assert task_index("gata1") == 1
    assert task_index("MA0080.7") == task_index("MA0080") == 4
    with pytest.raises(ValueError, match="unknown TF task"):
        task_index("NOTATF")
    with pytest.raises(ValueError, match="0..4"):
        task_index(5)
    with pytest.raises(ValueError, match="species"):
        tf_binding_world(0, 10, species="rat")


def test_deterministic_for_a_seed():
    a = tf_binding_world("CTCF", 300, seed=7)
    b = tf_binding_world("CTCF", 300, seed=7)
    assert a.seqs == b.seqs
    np.testing.assert_array_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.sites, b.sites)
    assert tf_binding_world("CTCF", 300, seed=8).seqs != a.seqs
    assert tf_binding_world("CTCF", 300, seed=7, species="mouse").seqs != a.seqs
    assert tf_binding_world("GATA1", 300, seed=7).seqs != a.seqs


@pytest.mark.parametrize("length", [101, 150])
def test_lengths_and_balance(length):
    w = tf_binding_world(2, 501, length=length, seed=1)
    assert len(w.seqs) == 501 and w.labels.shape == (501,) and w.kind.shape == (501,)
    assert {len(s) for s in w.seqs} == {length} and w.length == length
    assert set("".join(w.seqs)) <= set("ACGT")
    assert w.labels.dtype == np.int64 and int(w.labels.sum()) == 250  # n // 2 bound
    assert w.ppm.shape == (4, 8)  # FOXA1 MA0148.5 is 8 bp
    with pytest.raises(ValueError, match="too short"):
        tf_binding_world(0, 10, length=25)


def test_sites_are_where_recorded(worlds):
    for (t, sp), w in worlds.items():
        s = w.sites
        assert (s["end"] - s["start"]).eq(s["site"].str.len()).all()
        assert all(w.seqs[q][a:b] == site for q, a, b, site in zip(s["seq"], s["start"], s["end"], s["site"]))
        # the recorded score is the site, in motif orientation, scored against its TF's PPM of this species
        for row in s.sample(40, random_state=0).itertuples():
            oriented = row.site if row.strand == 1 else reverse_complement(row.site)
            assert row.score == pytest.approx(site_score(oriented, tf_motif(row.tf, sp)))
        # planted sites of the TF (not the weak ones) are high-scoring matches: above the 99th
        # percentile of every window, both strands, of background-only sequences
        pwm = motifs.log_odds(w.ppm, is_ppm=True)
        width = pwm.shape[1]
        bg = [x for x, k in zip(w.seqs, w.kind) if k == "background"][:300]
        windows = [x[j:j + width] for x in bg for j in range(len(x) - width + 1)]
        windows += [reverse_complement(x) for x in windows]
        cut = np.quantile([site_score(x, w.ppm) for x in windows[::7]], 0.99)
        strong = s.loc[s["kind"].isin(["site", "decoy"]), "score"]
        assert (strong > cut).mean() >= 0.8, (w.tf, sp)
        weak = s.loc[s["kind"] == "weak", "score"]
        assert weak.mean() < strong.mean() - 3


def test_positives_carry_the_tf_and_negatives_do_not(worlds):
    for w in worlds.values():
        own = w.sites[w.sites["tf"] == w.tf]
        carriers = set(own["seq"])
        pos = set(np.flatnonzero(w.labels == 1))
        decoys = set(np.flatnonzero(w.kind == "decoy site"))
        assert pos <= carriers and carriers == pos | decoys
        assert (w.labels[list(decoys)] == 0).all()
        n_own = own.groupby("seq").size()
        two = np.flatnonzero(w.kind == "two sites")
        assert (n_own.loc[two] == 2).all() and (n_own.drop(two) == 1).all()
        other = w.sites[w.sites["kind"] == "other TF"]
        assert (other["tf"] != w.tf).all() and other.groupby("seq").size().max() == 1


def test_label_noise_matches_constants(worlds):
    def close(share, n, p):  # within 4 binomial standard errors
        assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-9, (share, p, n)

    kinds = np.concatenate([w.kind for w in worlds.values()])
    labels = np.concatenate([w.labels for w in worlds.values()])
    pos, neg = kinds[labels == 1], kinds[labels == 0]
    close(np.mean(pos == "weak site"), pos.size, WEAK_POSITIVES)
    close(np.mean(pos == "two sites"), pos.size, (1 - WEAK_POSITIVES) * TWO_SITES)
    close(np.mean(neg == "decoy site"), neg.size, DECOY_NEGATIVES)
    assert set(pos) == {"site", "two sites", "weak site"} and set(neg) == {"decoy site", "background"}
    n_other = sum(w.sites.loc[w.sites["kind"] == "other TF", "seq"].nunique() for w in worlds.values())
    close(n_other / kinds.size, kinds.size, OTHER_TF)


def test_mouse_background_differs_in_gc(worlds):
    def background(w):
        clean = set(range(len(w.seqs))) - set(w.sites["seq"])
        return [w.seqs[i] for i in sorted(clean)]

    human = composition([s for t in range(5) for s in background(worlds[(t, "human")])])
    mouse = composition([s for t in range(5) for s in background(worlds[(t, "mouse")])])
    assert human["gc"] == pytest.approx(HUMAN_GC, abs=0.01)
    assert mouse["gc"] == pytest.approx(MOUSE_GC, abs=0.01)
    assert mouse["gc"] - human["gc"] > 0.03
    assert mouse["cpg_obs_exp"] == pytest.approx(MOUSE_CPG, abs=0.05)


def test_mouse_motif_diverges_by_transitions():
    for t in range(5):
        human, mouse = tf_motif(t), tf_motif(t, "mouse")
        pos = list(diverged_positions(t))
        assert len(pos) == int(np.ceil(tfbs.MOUSE_DIVERGED_SHARE * human.shape[1]))
        keep = [j for j in range(human.shape[1]) if j not in pos]
        np.testing.assert_array_equal(mouse[:, keep], human[:, keep])
        # A<->G, C<->T: row order A C G T -> G T A C
        expected = (1 - MOUSE_SHIFT) * human[:, pos] + MOUSE_SHIFT * human[[2, 3, 0, 1]][:, pos]
        np.testing.assert_allclose(mouse[:, pos], expected)
        np.testing.assert_allclose(mouse.sum(axis=0), 1)
        for j in pos:  # a strongly preferred base gives way to its transition partner
            if human[:, j].max() > 0.8:
                assert mouse[:, j].argmax() == [2, 3, 0, 1][human[:, j].argmax()]
    # a diverged position is one a mouse site is scored differently at: CTCF's consensus scores
    # lower under the mouse PPM
    cons = "".join("ACGT"[i] for i in tf_motif("CTCF").argmax(axis=0))
    assert site_score(cons, tf_motif("CTCF", "mouse")) < site_score(cons, tf_motif("CTCF")) - 3


def test_mouse_sites_come_from_the_mouse_motif(worlds):
    w = worlds[(0, "mouse")]
    s = w.sites[w.sites["kind"] == "site"]
    oriented = [x if st == 1 else reverse_complement(x) for x, st in zip(s["site"], s["strand"])]
    under_mouse = np.mean([site_score(x, tf_motif(0, "mouse")) for x in oriented])
    under_human = np.mean([site_score(x, tf_motif(0, "human")) for x in oriented])
    assert under_mouse > under_human + 2


def test_describe_is_a_data_card():
    w = tf_binding_world("MAX", 200, species="mouse", seed=2)
    card = w.describe().set_index("field")["value"]
    assert card["species"] == "mouse" and card["TF"] == "MAX" and card["JASPAR motif"] == "MA0058.4"
    assert card["sequences"] == "200" and card["bound (label 1)"] == "50.0%"
    kinds = sum(int(card[f"sequences: {k}"].replace(",", "")) for k in
                ("site", "two sites", "weak site", "decoy site", "background"))
    assert kinds == 200


def test_corpus_length_determinism_and_sites():
    corpus = tf_corpus(25_001, seed=4)
    assert [len(c) for c in corpus] == [10_000, 10_000, 5_001]
    assert corpus == tf_corpus(25_001, seed=4) and corpus != tf_corpus(25_001, seed=5)
    assert set("".join(corpus)) <= set("ACGT")
    assert sum(map(len, tf_corpus(777))) == 777
    with pytest.raises(ValueError):
        tf_corpus(0)
    # CTCF sites at roughly 1 per 5 x CORPUS_SITE_SPACING bp: far more strong CTCF matches than in
    # the same amount of plain background
    big = tf_corpus(400_000, seed=0)
    plain = tfbs.background_for("human").sample(40, 10_000, 0)
    pwm = motifs.log_odds(tf_motif("CTCF"), is_ppm=True)

    def hits(seqs):  # 100 bp pieces whose best CTCF match scores above 12 bits
        x = np.frombuffer("".join(seqs).encode(), np.uint8)
        x = x[: x.size // 100 * 100].reshape(-1, 100)
        onehot = (x[:, None, :] == np.frombuffer(b"ACGT", np.uint8)[None, :, None]).astype(np.float32)
        return int((motifs.scan(onehot, [pwm]).max_score > 12).sum())

    expected = 400_000 / tfbs.CORPUS_SITE_SPACING / 5
    assert hits(big) > 0.5 * expected and hits(plain) < 0.2 * expected
