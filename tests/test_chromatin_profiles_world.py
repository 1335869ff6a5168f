"""The simulated chromatin-profile world (genomebook.simulate.chromatin_profiles): determinism, shapes,
realistic prevalences, the label groups, the built-in records, the mechanism (TF labels in the centre,
histone labels far from it), group_auc, and DeepSEA's real label names read through the registry."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from conftest import MIRROR, mirror_file
from genomebook import motifs
from genomebook.datasets import registry
from genomebook.datasets.deepsea import read_feature_names
from genomebook.metrics import auroc
from genomebook.seq import BASE_CODE
from genomebook.simulate import chromatin_profiles as CP

# a small DeepSEA-style label set: every group, a treatment, cohesin (-> CTCF), stand-in motifs, the placeholder
NAMES = ["K562|DNase|None", "GM12878|DNase|None", "HepG2|DNase|None", "8988T|DNase|None",
         "K562|CTCF|None", "GM12878|CTCF|None", "HepG2|CTCF|None", "K562|Rad21|None", "K562|GATA-1|None",
         "K562|Pol2|None", "GM12878|PU.1|None", "HepG2|FOXA1|None", "HepG2|HNF4A|Forskolin",
         "GM12878|c-Myc|None", "K562|NRSF|None", "HepG2|p300|None", "NA|NA|NA",
         "K562|H3K4me3|None", "GM12878|H3K27ac|None", "HepG2|H3K36me3|None", "K562|H3K27me3|None",
         "GM12878|H3K9me3|None", "HepG2|H3K4me1|None", "K562|H4K20me1|None"]
NAMES_FILE = "deepsea_basset_labels/DeepSEA_predictor.names.txt"


def world(n, length, seed=0, names=NAMES, **kw):
    return CP.chromatin_profiles_world(n, length, n_labels=len(names), seed=seed, label_names=names, **kw)


@pytest.fixture(scope="module")
def big():
    """1,500 sequences of 1,200 bp: enough positives for the mechanism checks."""
    return world(1500, 1200, seed=3)


def test_deterministic_for_a_seed():
    a, b, c = world(60, 800, seed=5), world(60, 800, seed=5), world(60, 800, seed=6)
    assert a.sequences == b.sequences
    np.testing.assert_array_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.sites, b.sites)
    pd.testing.assert_frame_equal(a.label_table, b.label_table)
    assert a.sequences != c.sequences
    pd.testing.assert_frame_equal(a.label_table, c.label_table)  # the table never depends on the seed


def test_shapes_groups_and_table(big):
    n, labels = len(big.sequences), len(NAMES)
    assert big.labels.shape == big.clean_labels.shape == (n, labels)
    assert big.labels.dtype == np.uint8 and set(np.unique(big.labels)) <= {0, 1}
    assert all(len(s) == 1200 and set(s) <= set("ACGT") for s in big.sequences)
    t = big.label_table
    assert list(t["name"]) == NAMES and t["group"].isin(CP.GROUPS).all() and t["driver"].str.len().min() > 20
    assert dict(t["group"].value_counts()) == {"TF": 13, "histone": 7, "DNase": 4}
    row = t.set_index("name")
    assert row.loc["K562|Rad21|None", "motif_ids"] == ("MA0139.2",) == row.loc["K562|CTCF|None", "motif_ids"]
    assert "stand-in" in row.loc["K562|Pol2|None", "driver"] and row.loc["NA|NA|NA", "group"] == "TF"
    assert "TFs assayed in this cell" in row.loc["K562|DNase|None", "driver"]
    assert row.loc["HepG2|H3K36me3|None", "family"] == "transcribed"
    assert row.loc["K562|H3K4me3|None", "family"] == "active"
    assert (big.labels != big.clean_labels).mean() < 0.01  # label noise is small
    assert big.rule and "histone" in big.rule


def test_every_label_has_a_group():
    assert [CP.label_group(a) for a in ("DNase", "CTCF", "H3K4me3", "H2AZ", "H4K20me1", "Pol2", None)] == \
        ["DNase", "TF", "histone", "histone", "histone", "TF", "TF"]


def test_a_builtin_names_the_context_length_mechanism(big):
    keys = [k for b in big.built_in for k in b.claims]
    assert {"context_length", "initialisation", "group_auc"} <= set(keys)
    ctx = [b for b in big.built_in if "context_length" in b.claims]
    assert any("histone" in b.what and "TF" in b.consequence and "construction" in b.consequence for b in ctx)


def test_tf_labels_follow_their_central_sites_exactly(big):
    """Clean TF labels are exactly 'a central site of the motif with z >= z_min'; the motif's score predicts them."""
    t, s, c = big.label_table, big.sites, big.length // 2
    central = s[s["element"] == "TF site (central)"]
    for j in np.flatnonzero(t["group"] == "TF")[:6]:
        (mid,), zmin = t["motif_ids"].iloc[j], t["z_min"].iloc[j]
        hit = central.loc[(central["motif_id"] == mid) & (central["z"] >= zmin), "seq"].unique()
        expect = np.zeros(len(big.sequences), np.uint8)
        expect[hit] = 1
        np.testing.assert_array_equal(big.clean_labels[:, j], expect, err_msg=t["name"].iloc[j])
    ctcf = t.index[t["name"] == "K562|CTCF|None"][0]
    pwm = motifs.log_odds(motifs.load_jaspar(ids="MA0139.2")[0].ppm(0.8), is_ppm=True)
    f = motif_features([s[c - 100:c + 100] for s in big.sequences], [pwm])
    score = np.maximum(f[:, 0], f[:, 2])  # best of both strands
    assert auroc(big.labels[:, ctcf], score) > 0.9


def motif_features(seqs, pwms):
    """Per PWM and strand: best log-odds and number of strong hits; plus the CpG count."""
    codes = BASE_CODE[np.frombuffer("".join(seqs).encode(), np.uint8)].reshape(len(seqs), -1).astype(np.int64)
    x = torch.nn.functional.one_hot(torch.from_numpy(codes), 5)[..., :4].permute(0, 2, 1).float()
    out = []
    for p in pwms:
        for q in (p, p[::-1, ::-1].copy()):
            s = torch.nn.functional.conv1d(x, torch.from_numpy(q).float()[None])[:, 0]
            out += [s.max(1).values.numpy(), (s >= 0.6 * q.max(0).sum()).sum(1).numpy()]
    return np.column_stack(out + [np.array([s.count("CG") for s in seqs])])


def test_histone_signal_lives_far_from_the_centre(big):
    """A logistic model on the central 200 bp loses to the whole sequence on histone labels, not on TF labels."""
    t, c = big.label_table, big.length // 2
    tf = [t.index[t["name"] == "K562|CTCF|None"][0], t.index[t["name"] == "K562|NRSF|None"][0]]
    hist = [t.index[t["name"] == n][0] for n in ("K562|H3K4me3|None", "HepG2|H3K36me3|None", "K562|H3K27me3|None")]
    ids = sorted({m for j in tf + hist for m in t["motif_ids"].iloc[j]})
    pwms = [motifs.log_odds(m.ppm(0.8), is_ppm=True) for m in motifs.load_jaspar(ids=ids)]
    feats = {"central": motif_features([s[c - 100:c + 100] for s in big.sequences], pwms),
             "whole": motif_features(big.sequences, pwms)}
    tr, te = np.arange(900), np.arange(900, len(big.sequences))

    def auc(j, crop):
        x = feats[crop]
        x = (x - x[tr].mean(0)) / (x[tr].std(0) + 1e-9)
        y = big.labels[:, j]
        return auroc(y[te], LogisticRegression(max_iter=500).fit(x[tr], y[tr]).predict_proba(x[te])[:, 1])

    tf_gain = np.mean([auc(j, "whole") - auc(j, "central") for j in tf])
    hist_gain = np.mean([auc(j, "whole") - auc(j, "central") for j in hist])
    assert tf_gain < 0.05, tf_gain
    assert hist_gain > 0.25, hist_gain
    assert min(auc(j, "central") for j in tf) > 0.8


def test_subset_of_labels_is_the_same_world():
    full, part = world(40, 800, seed=2), world(40, 800, seed=2, names=NAMES[:len(NAMES)])
    sub = CP.chromatin_profiles_world(40, 800, n_labels=8, seed=2, label_names=NAMES)
    assert sub.sequences == full.sequences == part.sequences
    np.testing.assert_array_equal(sub.clean_labels, full.clean_labels[:, sub.label_table["source_index"]])
    assert sub.label_table["source_index"].iloc[[0, -1]].tolist() == [0, len(NAMES) - 1]


def test_generated_names_when_the_registry_cannot_supply_them(monkeypatch):
    def unavailable(name, **kw):
        raise registry.DataUnavailable(f"Dataset {name!r} is not available. Tried:\n  - mirror: not set")
    monkeypatch.setattr(registry, "read", unavailable)
    with pytest.warns(UserWarning, match="generated label names"):
        w = CP.chromatin_profiles_world(400, 1000, seed=1)
    assert w.labels.shape == (400, 919) and "generated" in w.label_source and "mirror: not set" in w.label_source
    prev = w.prevalence().set_index("group")
    assert set(prev.index) == {*CP.GROUPS, "all"}
    assert 0.005 < prev.loc["TF", "mean"] < 0.04
    assert 0.02 < prev.loc["DNase", "mean"] < 0.15 and 0.02 < prev.loc["histone", "mean"] < 0.15


def test_real_deepsea_label_names_through_the_registry(monkeypatch):
    path = mirror_file(NAMES_FILE)
    monkeypatch.setenv(registry.MIRROR_ENV, str(MIRROR))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning
        w = CP.chromatin_profiles_world(30, 600, seed=0)
    real = read_feature_names(path)
    assert w.label_table["name"].tolist() == real["name"].tolist() and "registry" in w.label_source
    groups = w.label_table["group"]
    assert (groups == "DNase").sum() == (real["assay"] == "DNase").sum()
    assert (groups == "histone").sum() == real["assay"].dropna().str.match(r"^H(2A|2B|3|4)").sum()
    ctcf = w.label_table[w.label_table["assay"] == "CTCF"]
    assert len(ctcf) and (ctcf["motif_ids"] == ("MA0139.2",)).all()


def test_group_auc_scores_groups_and_skips_one_class_labels():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 4)) < 0.2).astype(np.uint8)
    y[:, 3] = 0  # one class only: skipped
    score = y + rng.random(y.shape) * 0.5  # perfect ranking
    score[:, 1] = rng.random(200)
    out = CP.group_auc(y, score, ["TF", "TF", "histone", "histone"]).set_index("group")
    assert out.index.tolist() == ["all", "TF", "histone"]
    assert out.loc["all", "scored"] == 3 and out.loc["all", "skipped (one class)"] == 1
    assert out.loc["histone", "mean auROC"] == 1.0 and out.loc["histone", "skipped (one class)"] == 1
    assert 0.6 < out.loc["TF", "mean auROC"] < 0.9
    with pytest.raises(ValueError, match="one name per label"):
        CP.group_auc(y, score, ["TF"])


def test_bad_inputs_say_what_to_do():
    with pytest.raises(ValueError, match="length must be >="):
        world(10, 300)
    with pytest.raises(ValueError, match="pass n_labels=24"):
        CP.chromatin_profiles_world(10, 800, label_names=NAMES)
    with pytest.raises(ValueError, match="cell\\|assay\\|treatment"):
        CP.chromatin_profiles_world(10, 800, n_labels=1, label_names=["CTCF"])
