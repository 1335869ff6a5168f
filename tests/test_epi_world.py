"""The simulated EPI world: determinism, 1:20 balance, distances, element reuse, motif-pair mechanism, built-in records."""

import re

import numpy as np
import pandas as pd
import pytest

from genomebook import motifs
from genomebook.datasets.targetfinder import PAIR_COLUMNS
from genomebook.seq import one_hot
from genomebook.simulate import epi as E
from genomebook.simulate.builtin import BuiltIn

POS = 60


@pytest.fixture(scope="module")
def world():
    return E.epi_world(n_cell_lines=2, positives_per_cell_line=POS, n_chromosomes=4, seed=3)


def test_deterministic_by_seed(world):
    again = E.epi_world(n_cell_lines=2, positives_per_cell_line=POS, n_chromosomes=4, seed=3)
    other = E.epi_world(n_cell_lines=2, positives_per_cell_line=POS, n_chromosomes=4, seed=4)
    assert again.pairs.equals(world.pairs)
    assert again.enhancers.equals(world.enhancers) and again.promoters.equals(world.promoters)
    assert again.sites.equals(world.sites) and again.active == world.active
    assert other.enhancers["seq"].tolist() != world.enhancers["seq"].tolist()


def test_pair_table_is_shaped_like_read_pairs(world):
    p = world.pairs
    assert list(p.columns[: len(PAIR_COLUMNS)]) == PAIR_COLUMNS
    assert {"enhancer_name", "promoter_name", "enhancer_id", "promoter_id", "n_compatible", "true_p"} <= set(p.columns)
    assert world.cell_lines == ["GM12878", "HeLa-S3"] and set(p["cell"]) == set(world.cell_lines)
    row = p.iloc[0]
    assert row["enhancer_name"] == f"{row['cell']}|{row['enhancer_chrom']}:{row['enhancer_start']}-{row['enhancer_end']}"
    assert not p.duplicated(["cell", "enhancer_id", "promoter_id"]).any()
    assert (p["enhancer_chrom"] == p["promoter_chrom"]).all()


def test_class_balance_is_one_to_twenty(world):
    counts = world.pairs.groupby("cell")["label"].agg(["size", "sum"])
    assert (counts["sum"] == POS).all() and (counts["size"] == POS * 21).all()


def test_elements_and_distances(world):
    p, enh, prom = world.pairs, world.enhancers, world.promoters
    assert set((enh["end"] - enh["start"]).tolist()) == {3000} and set((prom["end"] - prom["start"]).tolist()) == {2000}
    assert {len(s) for s in enh["seq"]} == {3000} and set("".join(prom["seq"])) <= set("ACGT")
    both = np.r_[enh[["start", "end"]].to_numpy(), prom[["start", "end"]].to_numpy()]
    chrom = np.r_[enh["chrom"].to_numpy(), prom["chrom"].to_numpy()]
    order = np.lexsort((both[:, 0], chrom))
    same = chrom[order][1:] == chrom[order][:-1]
    assert (both[order][1:, 0][same] >= both[order][:-1, 1][same]).all()  # no overlaps
    assert (both[:, 1] <= world.chrom_sizes["chr1"]).all()
    gap = np.maximum(p["promoter_start"] - p["enhancer_end"], p["enhancer_start"] - p["promoter_end"])
    assert (p["distance"] == gap).all()
    assert p["distance"].between(E.MIN_DISTANCE, E.MAX_DISTANCE).all()
    assert (enh["start"].to_numpy()[p["enhancer_id"]] == p["enhancer_start"]).all()


def test_elements_are_reused(world):
    for _, sub in world.pairs.groupby("cell"):
        per_prom = sub["promoter_id"].value_counts()
        assert per_prom.mean() > 3 and per_prom.max() >= 8
        assert (sub.groupby("promoter_id")["label"].sum() >= 2).any()  # some promoters are in several positives


def test_positives_carry_an_active_motif_pair_found_by_scanning(world):
    """Scan the sequences (not the world's bookkeeping) for the cell line's active motif pairs."""
    cell = world.cell_lines[0]
    ks = list(world.active[cell])
    sub = world.pairs[world.pairs["cell"] == cell]
    sub = pd.concat([sub[sub["label"] == 1].head(POS), sub[sub["label"] == 0].head(4 * POS)])
    mp = world.motif_pairs
    sides = {}
    for side, col, table in (("enhancer", "enhancer_motif_id", world.enhancers), ("promoter", "promoter_motif_id",
                                                                                   world.promoters)):
        ids = [mp[col][k] for k in ks]
        uniq = np.unique(sub[f"{side}_id"])
        res = motifs.scan(one_hot(table["seq"].to_numpy()[uniq].tolist()), [motifs.log_odds(world.ppms[m]) for m in ids])
        thr = np.array([motifs.information_content(world.ppms[m]).sum() - 6 for m in ids])
        hit = np.zeros((len(table), len(ks)), dtype=bool)
        hit[uniq] = res.max_score >= thr
        sides[side] = hit[sub[f"{side}_id"].to_numpy()]
    carried = (sides["enhancer"] & sides["promoter"]).any(axis=1)
    y = sub["label"].to_numpy() == 1
    assert carried[y].mean() > 0.45 and carried[~y].mean() < 0.15  # seed 3: 0.63 vs 0.05
    assert carried[y].mean() > 4 * carried[~y].mean()
    # the world's own column agrees with its carried-motif matrices
    full = world.pairs
    mask = np.zeros(len(mp), dtype=bool)
    for c in world.cell_lines:
        mask[:] = False
        mask[list(world.active[c])] = True
        rows = full["cell"] == c
        n = (world.enhancer_motifs[full.loc[rows, "enhancer_id"]] & world.promoter_motifs[full.loc[rows, "promoter_id"]]
             & mask).sum(axis=1)
        assert (n == full.loc[rows, "n_compatible"].to_numpy()).all()
    assert world.active[world.cell_lines[0]] != world.active[world.cell_lines[1]]


def test_planted_sites_are_in_the_sequences(world):
    s = world.sites.head(50)
    for row in s.itertuples():
        table = world.enhancers if row.element == "enhancer" else world.promoters
        assert table["seq"].iloc[row.element_id][row.start:row.end] == row.site


def test_pair_sequences(world):
    rows = world.pairs.iloc[[5, 0, 5]]
    enh, prom = E.pair_sequences(world, rows)
    assert enh[0] == enh[2] == world.enhancers["seq"].iloc[rows["enhancer_id"].iloc[0]]
    assert len(prom[1]) == 2000
    x_e, x_p = E.pair_sequences(world, rows, as_one_hot=True)
    assert x_e.shape == (3, 4, 3000) and x_p.shape == (3, 4, 2000) and x_e.dtype == np.float32
    assert np.allclose(x_e.sum(axis=1), 1)
    with pytest.raises(ValueError, match="enhancer_id"):
        E.pair_sequences(world, rows.drop(columns=["enhancer_id"]))
    with pytest.raises(ValueError, match="another world"):
        E.pair_sequences(world, rows.assign(promoter_id=10**6))


@pytest.mark.parametrize("kwargs, match", [
    (dict(negative_ratio=0), "negative_ratio"),
    (dict(n_cell_lines=0), "n_cell_lines"),
    (dict(enhancer_bp=50), "enhancer_bp"),
    (dict(min_distance=5000, max_distance=5000), "max_distance"),
    (dict(positives_per_cell_line=2.5), "positives_per_cell_line"),
    (dict(n_enhancers=2, n_promoters=1), "Raise n_enhancers"),
])
def test_bad_arguments_say_what_to_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        E.epi_world(**{"positives_per_cell_line": 5, **kwargs})


def test_built_in_states_the_mechanism_with_numbers(world):
    b = world.built_in
    assert len(b) >= 5 and all(isinstance(x, BuiltIn) for x in b)
    assert all(re.search(r"\d", x.what) for x in b)
    text = " ".join(x.what + " " + x.consequence for x in b)
    assert "0.091" in text and "ESR1-ZNF143" in text and "1:20" in text
    keys = {k for x in b for k in x.claims}
    assert keys == set(E.CLAIM_KEYS)
