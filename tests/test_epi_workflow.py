"""The enhancer_promoter workflow: pair inputs (world, FASTA), CBOEP-style world negatives, a reader's
pair table, one model under one protocol, scores with intervals, the leakage card, the ranking text."""

import numpy as np
import pandas as pd
import pytest
import torch

from genomebook import published
from genomebook.datasets.targetfinder import PAIR_COLUMNS
from genomebook.models.epi import EPLAE, EPLAEConfig
from genomebook.models.epi_baselines import feature_columns
from genomebook.models.lightning import EPIPairTask
from genomebook.seq import SequenceError, write_fasta
from genomebook.simulate.epi import epi_world
from genomebook.workflows import epi as ew


@pytest.fixture(scope="module")
def world():
    return epi_world(n_cell_lines=1, positives_per_cell_line=12, negative_ratio=5, n_chromosomes=4,
                     enhancer_bp=150, promoter_bp=130, seed=3)


def _pairs(rows):
    cols = ["label", "enhancer_chrom", "enhancer_start", "enhancer_end", "promoter_chrom", "promoter_start",
            "promoter_end"]
    return pd.DataFrame(rows, columns=cols)


def test_fasta_inputs_cut_windows_around_centres_and_refuse_bad_coordinates(tmp_path):
    rng = np.random.default_rng(0)
    chr1 = "".join(rng.choice(list("ACGT"), 400))
    fasta = tmp_path / "tiny.fa"
    write_fasta(fasta, ["chr1", "chr2"], [chr1, "ACGT" * 50])
    inputs = ew.fasta_inputs(fasta, enhancer_bp=30, promoter_bp=20)
    enh, prom = inputs(_pairs([[1, "chr1", 100, 140, "chr1", 300, 310]]))
    assert enh.shape == (1, 4, 30) and prom.shape == (1, 4, 20)
    bases = "ACGT"
    assert "".join(bases[i] for i in enh[0].argmax(0)) == chr1[105:135]      # centre 120, 120 - 15 .. 120 + 15
    assert "".join(bases[i] for i in prom[0].argmax(0)) == chr1[295:315]
    with pytest.raises(SequenceError, match="chrX.*lacks|lacks"):
        inputs(_pairs([[1, "chrX", 100, 140, "chrX", 300, 310]]))
    with pytest.raises(SequenceError, match="outside chr1"):
        inputs(_pairs([[1, "chr1", 0, 10, "chr1", 300, 310]]))             # window starts before 0
    with pytest.raises(SequenceError, match="outside chr2"):
        inputs(_pairs([[1, "chr2", 10, 40, "chr2", 190, 200]]))            # promoter window past the end
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ew.fasta_inputs(tmp_path / "absent.fa")


def test_read_user_pairs_names_missing_columns_and_fills_distance(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,enhancer_chrom,enhancer_start,enhancer_end\n1,chr1,0,10\n")
    with pytest.raises(SequenceError, match="missing column"):
        ew.read_user_pairs(bad)
    rows = [[i % 2, f"chr{i % 3 + 1}", 1000 * i, 1000 * i + 200, f"chr{i % 3 + 1}", 50_000 + 1000 * i,
             50_000 + 1000 * i + 100] for i in range(9)]
    good = tmp_path / "good.csv"
    _pairs(rows).to_csv(good, index=False)
    t = ew.read_user_pairs(good)
    assert t["distance"].notna().all() and "centres" in t.attrs["notes"][0]
    one = tmp_path / "one.csv"
    _pairs([[1, *r[1:]] for r in rows]).to_csv(one, index=False)
    with pytest.raises(SequenceError, match="interacting"):
        ew.read_user_pairs(one)


def test_world_cboep_negatives_reuse_positive_elements_no_more_often(world):
    neg = ew.world_cboep(world, seed=1)
    pos = world.pairs[world.pairs["label"] == 1]
    assert list(neg.columns[:len(PAIR_COLUMNS)]) == PAIR_COLUMNS and (neg["label"] == 0).all() and len(neg) > 0
    assert not set(zip(neg["enhancer_id"], neg["promoter_id"])) & set(zip(pos["enhancer_id"], pos["promoter_id"]))
    assert (neg["enhancer_chrom"] == neg["promoter_chrom"]).all()
    for col in ("enhancer_id", "promoter_id"):
        used, avail = neg[col].value_counts(), pos[col].value_counts()
        assert (used <= avail.reindex(used.index).fillna(0)).all()
    assert neg.equals(ew.world_cboep(world, seed=1))


def test_world_motif_features_make_a_targetfinder_ep_set(world):
    t = ew.world_motif_features(world)
    cols = feature_columns(t, "E/P")
    assert len(cols) == 4 * len(world.motif_pairs) and np.isfinite(t[cols].to_numpy()).all()


def test_scores_floor_and_gaps():
    y = np.r_[np.ones(10, int), np.zeros(190, int)]
    s = ew.score(y, np.ones(200), n_boot=50)
    p = y.mean()
    assert s["F1"] == pytest.approx(2 * p / (1 + p)) and s["n_pos"] == 10 and s["F1_low"] <= s["F1"] <= s["F1_high"]
    rng = np.random.default_rng(0)
    q = np.clip(y * 0.4 + rng.random(200) * 0.6, 0, 1)
    same = ew.paired_gap(y, q, q, n_boot=50)
    assert same["value"] == 0 and same["ci_low"] == 0 == same["ci_high"]
    gap = ew.unpaired_gap(y, q, y, np.ones(200), "auPR", n_boot=50)
    assert gap["value"] > 0 and gap["ci_low"] <= gap["value"] <= gap["ci_high"]


def test_run_protocols_on_the_world_with_leakage_card_and_ranking(world):
    pairs = ew.world_motif_features(world)
    res = ew.run_protocols(pairs, data="w", protocols=("paper", "chromosome", "cboep"),
                           targetfinder=["TargetFinder E/P"], sequence_models=["EPLAE"],
                           inputs=ew.world_inputs(world), cboep=ew.world_cboep(world, seed=0), epochs=1,
                           steps_per_epoch=2, batch=16, threads=1, gbt_iter=5, n_boot=20, log=None)
    assert set(res.scores["protocol"]) == {"paper", "chromosome", "cboep"}
    assert set(res.scores["model"]) == {*ew.BASELINES, "TargetFinder E/P", "EPLAE"}
    for (protocol, model), p in res.probs.items():
        assert p.shape == res.y[protocol].shape and np.all((p >= 0) & (p <= 1))
    card = res.leakage.set_index(["protocol", "query", "class"])
    assert card.at[("paper", "test", "interacting"), "exact"] > 0                  # copies straddle the split
    assert card.at[("chromosome", "test", "all"), "any"] == 0                      # no element on two sides
    assert {"query", "reference", "class", "n", "exact", "revcomp", "near", "any", "method"} <= set(res.leakage.columns)
    assert (res.leakage["any"] <= res.leakage["n"]).all()
    assert {"train_loss", "val_loss", "val_mse"} <= set(res.histories[("paper", "EPLAE")].columns)
    comp = [{"data": "w", "a": "EPLAE", "b": "distance", "protocol": "paper", "value": 0.1, "ci_low": 0.05,
             "ci_high": 0.2}]
    text = ew.ranking_paragraph(res.scores, comp)
    assert "**w.**" in text and "EPLAE is ahead under paper's" in text and "only under the paper's protocol" in text


def test_epi_pair_task_needs_a_loss_for_an_autoencoder():
    net = EPLAE(EPLAEConfig.small(enhancer_length=40, promoter_length=24))
    batch = (torch.zeros(2, 4, 40), torch.zeros(2, 4, 24), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="eplae_loss"):
        EPIPairTask(net).training_step(batch, 0)


def test_published_ids_exist():
    for cell in ew.CELL_KEYS:
        for pid in ew.table3_ids(cell).values():
            assert 0 < published.value(pid) <= 1
    for pid in ew.PARAMETER_IDS.values():
        assert published.value(pid) >= 1000 or pid.endswith("eplae_logistic")
    with pytest.raises(KeyError, match="Table 3 has no cell line"):
        ew.table3_ids("HepG2")
