"""The promoter-evolution world of the tss_localisation chapter: deterministic, identity to human falls
with divergence as declared, motif bases are conserved, the TSS stays put, and it declares what it builds in."""

import numpy as np
import pytest

from genomebook import published
from genomebook.datasets.tss import COMMON_WINDOW, PROMOTER_SOURCES
from genomebook.simulate import promoter_evolution as pe

N = 60


@pytest.fixture(scope="module")
def times():
    published.load.cache_clear()
    return {sp: published.value(i) for sp, i in pe.TIMETREE_IDS.items()}


@pytest.fixture(scope="module")
def world(times):
    return pe.promoter_evolution_world(N, divergence_mya=times, seed=3)


def test_timetree_ids_are_in_the_published_file_and_name_promoter_species(times):
    assert set(pe.TIMETREE_IDS) <= set(PROMOTER_SOURCES)
    for sp, i in pe.TIMETREE_IDS.items():
        e = published.get(i)
        assert e.unit == "Mya" and e.value > 0 and "timetree" in e.paper.lower(), i
    assert times["M. musculus"] < times["G. gallus"] < times["D. rerio"] < times["S. cerevisiae"]


def test_table_has_the_columns_of_tss_promoters_and_the_tss_where_it_says(world, times):
    assert list(world.columns) == ["id", "species", "sequence", "tss", "source", "divergence_mya"]
    a, b = COMMON_WINDOW
    assert (world["tss"] == -a).all() and (world["sequence"].str.len() == b - a + 1).all()
    assert (world["source"] == "simulated").all() and world["id"].is_unique
    assert world["species"].iloc[0] == pe.HUMAN and world["divergence_mya"].iloc[0] == 0
    assert world.groupby("species").size().eq(N).all() and set(world["species"]) == {pe.HUMAN, *times}
    assert world["divergence_mya"].is_monotonic_increasing
    # the Inr puts its A on the TSS in every species (P(A) = 0.97 in its PPM, redrawn from it)
    a_at_tss = world.apply(lambda r: r["sequence"][r["tss"]] == "A", axis=1).groupby(world["species"]).mean()
    assert (a_at_tss > 0.85).all(), a_at_tss
    sites = world.attrs["sites"]
    inr = sites[sites["element"] == "Inr"]
    assert len(inr) == N * len(set(world["species"])) and (inr["start"] == -a + pe.WINDOWS["Inr"][0]).all()


def test_deterministic_for_a_seed():
    div = {"mouse": 90, "yeast": 1000}
    one = pe.promoter_evolution_world(20, divergence_mya=div, seed=1)
    two = pe.promoter_evolution_world(20, divergence_mya=div, seed=1)
    other = pe.promoter_evolution_world(20, divergence_mya=div, seed=2)
    assert one.equals(two) and one.attrs["sites"].equals(two.attrs["sites"])
    assert not one["sequence"].equals(other["sequence"])


def test_background_identity_falls_with_divergence_as_jukes_cantor(world):
    ident = pe.identity_to_human(world).sort_values("divergence_mya")
    bg = ident["background_identity"].to_numpy()
    t = ident["divergence_mya"].to_numpy()
    # strictly lower for every strictly deeper split (mouse and rat share 90 Myr)
    deeper = t[1:] > t[:-1]
    assert (bg[1:][deeper] < bg[:-1][deeper]).all(), ident
    expected = pe.expected_identity(t, pe.DEFAULT_RATE)
    assert np.allclose(bg, expected, atol=0.03), (bg, expected)


def test_motif_bases_are_conserved_more_than_background(world):
    ident = pe.identity_to_human(world)
    assert (ident["motif_identity"] > ident["background_identity"] + 0.05).all(), ident
    deepest = ident.loc[ident["divergence_mya"].idxmax()]
    assert deepest["motif_identity"] > 0.85 and deepest["background_identity"] < 0.4


def test_without_selection_motif_bases_drift_like_background():
    w = pe.promoter_evolution_world(N, divergence_mya={"yeast": 1105}, selection=1.0, seed=0)
    ident = pe.identity_to_human(w).iloc[0]
    # redrawn from the PPM at the background rate: identity falls to the PPM floor, far below 0.9
    assert ident["motif_identity"] < 0.8


def test_turnover_moves_upstream_sites_but_not_the_core():
    w = pe.promoter_evolution_world(40, divergence_mya={"yeast": 1105}, turnover=2e-3, seed=0)
    s = w.attrs["sites"]
    h, y = s[s["species"] == pe.HUMAN], s[s["species"] == "S. cerevisiae"]

    def placed(d, core):
        d = d[d["element"].isin(["TATA", "Inr"]) == core]
        return set(zip(d["id"].str.split("_").str[0], d["element"], d["start"]))

    assert placed(h, True) == placed(y, True)
    assert placed(h, False) != placed(y, False)


def test_built_in_records_state_numbers_and_claim_keys(world):
    for items in (pe.BUILT_IN, world.attrs["built_in"]):
        assert len(items) >= 4
        text = " ".join(b.what + " " + b.consequence for b in items)
        assert "10x fewer substitutions" in text and "exp(-8/3 r t)" in text
        keys = {k for b in items for k in b.claims}
        assert {"tss_transfer_no_decline", "tss_homology_split", "tss_pwm_baseline"} <= keys <= set(pe.CLAIMS)
    assert "yeast (1105 Myr) 0.29" in " ".join(b.what for b in world.attrs["built_in"])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="needs divergence_mya"):
        pe.promoter_evolution_world(5, divergence_mya=None)
    with pytest.raises(ValueError, match="no divergence time from human"):
        pe.promoter_evolution_world(5, divergence_mya={"mouse": 90}, species=["fly"])
    with pytest.raises(ValueError, match="No promoter source for species"):
        pe.promoter_evolution_world(5, divergence_mya={"unicorn": 90})
    with pytest.raises(ValueError, match="must be > 0 Myr"):
        pe.promoter_evolution_world(5, divergence_mya={"mouse": 0})
    with pytest.raises(ValueError, match="must hold every element's window"):
        pe.promoter_evolution_world(5, divergence_mya={"mouse": 90}, window=(-50, 100))
