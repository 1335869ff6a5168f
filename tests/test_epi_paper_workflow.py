"""The epsat_eplae chapter's workflow: Table 3 across cell lines (joint bootstrap, mean and lowest cell
line), the paper's orderings per protocol, Fig 5 (PCA of raw inputs vs EPLAE's latent), the ranking text."""

import numpy as np
import pandas as pd
import pytest

from genomebook import metrics, published
from genomebook.datasets.epi import make_protocol
from genomebook.simulate.epi import epi_world
from genomebook.workflows import epi as ew


def _cell(rng, n=120, rate=0.2, skill=0.6):
    y = (rng.random(n) < rate).astype(int)
    return y, np.clip(y * skill + rng.random(n) * (1 - skill), 0, 1)


def test_across_cell_lines_per_cell_mean_and_lowest():
    rng = np.random.default_rng(0)
    groups = {c: _cell(rng, skill=s) for c, s in (("GM12878", 0.7), ("IMR90", 0.3), ("K562", 0.6))}
    t = ew.across_cell_lines(groups, "F1", n_boot=200, seed=1).set_index("cell")
    for c, (y, p) in groups.items():
        assert t.at[c, "value"] == pytest.approx(metrics.f1(y, p, 0.5))
        assert t.at[c, "ci_low"] <= t.at[c, "value"] <= t.at[c, "ci_high"] and t.at[c, "n"] == len(y)
    assert t.at["mean over cell lines", "value"] == pytest.approx(np.mean([t.at[c, "value"] for c in groups]))
    assert t.at["lowest cell line", "lowest"] == "IMR90"
    assert t.at["lowest cell line", "value"] == pytest.approx(t.at["IMR90", "value"])
    assert t.at["lowest cell line", "ci_high"] <= t.at["mean over cell lines", "ci_high"]
    same = ew.across_cell_lines({c: (y, p, p) for c, (y, p) in groups.items()}, "auPR", n_boot=50)
    assert (same[["value", "ci_low", "ci_high"]].to_numpy() == 0).all()
    assert same.equals(ew.across_cell_lines({c: (y, p, p) for c, (y, p) in groups.items()}, "auPR", n_boot=50))
    one = ew.across_cell_lines({**groups, "NHEK": (np.zeros(20, int), np.ones(20))}, n_boot=20).set_index("cell")
    assert one[["value", "ci_low", "ci_high"]].loc[["NHEK", "mean over cell lines", "lowest cell line"]].isna().all().all()
    with pytest.raises(ValueError, match="metric"):
        ew.across_cell_lines(groups, "MCC")
    with pytest.raises(ValueError, match="one length"):
        ew.across_cell_lines({"x": (np.ones(3), np.ones(4))})


def _fake_results(rng, cells, models):
    out = {}
    for c in cells:
        rows, probs, ys = [], {}, {}
        for protocol in ("paper", "chromosome"):
            y, _ = _cell(rng, n=150)
            ys[protocol] = y
            for m, skill in models.items():
                p = np.clip(y * skill + rng.random(y.size) * (1 - skill), 0, 1)
                probs[(protocol, m)] = p
                rows.append({"data": c, "protocol": protocol, "model": m, "kind": ew._kind(m),
                             **ew.score(y, p, n_boot=20)})
        out[c] = ew.ProtocolResults(c, {}, pd.DataFrame(rows), probs, ys, {}, pd.DataFrame())
    return out


def test_orderings_table3_ranking_and_paragraph():
    rng = np.random.default_rng(2)
    res = _fake_results(rng, ["GM12878", "HUVEC"], {"EPSAT": 0.4, "SPEID": 0.0, "element propensity": 0.9})
    gaps = ew.pairwise_gaps(res, [("EPSAT", "SPEID"), ("EPSAT", "EPLAE")], source="world", n_boot=100)
    assert set(gaps["protocol"]) == {"paper", "chromosome"} and set(gaps["b"]) == {"SPEID"}   # EPLAE never ran
    mean = gaps[gaps["cell"] == "mean over cell lines"].iloc[0]
    assert mean["value"] > 0 and "GM12878" in mean["reference_failed"]                          # SPEID: chance
    long = ew.table3_long(res, source="world", published=published.value)
    row = long[(long["cell"] == "HUVEC") & (long["model"] == "EPSAT")].iloc[0]
    assert row["published"] == published.value("epsat_eplae.table3.epsat.huvec")
    assert long.loc[long["model"] == "element propensity", "published"].isna().all()
    rank = ew.mean_ranking(long)
    top = rank[(rank["protocol"] == "paper")].iloc[0]
    assert list(rank["protocol"].unique()) == ["paper", "chromosome"] and top["rank"] == 1
    assert top["model"] == "element propensity" and np.isnan(top["published_rank"])
    text = ew.survival_paragraph(rank, gaps)
    assert text.startswith("**world.** Table 3 orders") and "EPSAT vs SPEID" in text
    assert "void, SPEID learnt nothing" in text and "element propensity baseline" in text


def test_fig5_views_pca_of_raw_inputs_and_latent():
    world = epi_world(n_cell_lines=1, positives_per_cell_line=12, negative_ratio=5, n_chromosomes=4,
                      enhancer_bp=150, promoter_bp=130, seed=3)
    table = make_protocol(world.pairs, "paper", seed=0, augment=3)
    inputs = ew.world_inputs(world)
    run = ew.fit_sequence_model("EPLAE", table, inputs, epochs=1, steps_per_epoch=2, batch=16, threads=1, keep=True)
    views = ew.fig5_views(run, table, inputs, max_rows=40, seed=0)
    assert set(views.points["space"]) == {"raw one-hot", "EPLAE latent"} and views.rows["train"] == 40
    test = views.points[(views.points["split"] == "test") & (views.points["space"] == "EPLAE latent")]
    assert len(test) == len(views.y) and np.isfinite(test[["pc1", "pc2"]].to_numpy()).all()
    for space, p in views.probs.items():
        assert p.shape == views.y.shape and np.all((p >= 0) & (p <= 1))
        assert 0 < sum(views.explained[space]) <= 1 + 1e-6
    lost = ew.fit_sequence_model("EPLAE", table, inputs, epochs=1, steps_per_epoch=1, batch=16, threads=1)
    with pytest.raises(ValueError, match="keep="):
        ew.fig5_views(lost, table, inputs)
