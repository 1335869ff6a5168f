"""EPI floors and baselines (genomebook.models.epi_baselines) on tiny pair tables."""

import numpy as np
import pandas as pd
import pytest

from genomebook import metrics
from genomebook.datasets.epi import centre_distance, make_protocol
from genomebook.models.epi_baselines import (AllPositive, DistanceBaseline, ElementPropensity, TargetFinderGBT,
                                             feature_columns)


def pairs(n_promoters=60, per_promoter=6, hub_fraction=0.25, seed=0):
    """Promoters of two kinds: 'hubs' interact with every enhancer, the rest with none (so each
    promoter's label is consistent); signals: H3K27ac over the promoter tracks the hub status."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_promoters):
        hub = p < int(hub_fraction * n_promoters)
        chrom = f"chr{1 + p % 10}"
        ps = 1_000_000 + 100_000 * p
        for e in range(per_promoter):
            es = ps - 20_000 - 3_000 * e
            rows.append({"label": int(hub), "enhancer_chrom": chrom, "enhancer_start": es, "enhancer_end": es + 500,
                         "promoter_chrom": chrom, "promoter_start": ps, "promoter_end": ps + 1000,
                         "H3K27ac (enhancer)": rng.normal(), "H3K27ac (promoter)": float(hub) + 0.3 * rng.normal(),
                         "H3K27ac (window)": rng.normal()})
    t = pd.DataFrame(rows)
    t["distance"] = centre_distance(t)
    return t


def test_all_positive_is_the_f1_floor():
    y = np.r_[np.ones(10), np.zeros(200)].astype(int)
    test = pd.DataFrame({"label": y})
    p = AllPositive().fit(test).predict_proba(test)
    rate = y.mean()
    assert metrics.f1(y, p) == pytest.approx(2 * rate / (1 + rate))      # about 0.09 at 1:20
    assert metrics.auprc(y, p) == pytest.approx(rate)


def test_element_propensity_beats_chance_when_elements_are_consistent():
    m = make_protocol(pairs(), "augment_train_only", seed=0, augment=1)
    train, test = m[m["split"] == "train"], m[m["split"] == "test"]
    model = ElementPropensity().fit(train)
    p = model.predict_proba(test)
    y = test["label"].to_numpy()
    assert y.mean() < 0.5 and metrics.auprc(y, p) > 0.95
    # unseen elements fall back to the training rate
    unseen = test.assign(enhancer_id="chrZ:1-2", promoter_id="chrZ:3-4")
    np.testing.assert_allclose(model.predict_proba(unseen), train["label"].mean())


def test_element_propensity_falls_to_the_rate_on_an_element_disjoint_split():
    m = make_protocol(pairs(), "element_disjoint", seed=0, augment=1)
    train, test = m[m["split"] == "train"], m[m["split"] == "test"]
    p = ElementPropensity().fit(train).predict_proba(test)
    np.testing.assert_allclose(p, train["label"].mean())


def test_element_propensity_reads_coordinates_without_ids():
    t = pairs()
    a = ElementPropensity(smoothing=2.0).fit(t).predict_proba(t)
    b = ElementPropensity(smoothing=2.0).fit(make_protocol(t, "paper", seed=0, augment=1)).predict_proba(t)
    np.testing.assert_allclose(a, b)


def test_distance_baseline_learns_the_direction():
    t = pairs()
    t["label"] = (t["distance"] < t["distance"].median()).astype(int)    # near pairs interact
    p = DistanceBaseline().fit(t).predict_proba(t)
    assert metrics.auprc(t["label"].to_numpy(), p) > 0.9
    with pytest.raises(ValueError, match="distance"):
        DistanceBaseline().fit(t.drop(columns=["distance"]))


def test_targetfinder_feature_sets_and_fit():
    t = pairs()
    assert feature_columns(t, "E/P") == ["H3K27ac (enhancer)", "H3K27ac (promoter)"]
    assert "H3K27ac (window)" in feature_columns(t, "E/P/W") and "distance" not in feature_columns(t, "E/P/W")
    with pytest.raises(ValueError, match="extended enhancer"):
        feature_columns(t, "EE/P")
    m = make_protocol(t, "element_disjoint", seed=0, augment=1)
    train, test = m[m["split"] == "train"], m[m["split"] == "test"]
    model = TargetFinderGBT("E/P", max_iter=30, n_threads=1, seed=0).fit(train)
    p = model.predict_proba(test)
    assert p.shape == (len(test),)
    assert metrics.auprc(test["label"].to_numpy(), p) > 0.9                # the promoter signal generalises
    again = TargetFinderGBT("E/P", max_iter=30, n_threads=1, seed=0).fit(train)
    np.testing.assert_allclose(p, again.predict_proba(test))
    gap = train.copy()
    gap.loc[gap.index[0], "H3K27ac (window)"] = np.nan
    with pytest.raises(ValueError, match="missing"):
        TargetFinderGBT("E/P/W", max_iter=5, n_threads=1).fit(gap)


def test_unfitted_and_one_class_errors():
    t = pairs()
    with pytest.raises(RuntimeError, match="fit"):
        ElementPropensity().predict_proba(t)
    with pytest.raises(ValueError, match="one class"):
        DistanceBaseline().fit(t[t["label"] == 0])
