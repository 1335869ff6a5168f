"""The five EPI evaluation protocols and their leakage card (genomebook.datasets.epi), on tiny tables."""

import numpy as np
import pandas as pd
import pytest

from conftest import MIRROR
from genomebook.datasets import registry
from genomebook.datasets.epi import PROTOCOLS, centre_distance, element_ids, leakage_counts, make_protocol


def pair_table(n_chroms=6, promoters=3, enhancers=6, pos_every=4, seed=0):
    """Per chromosome, `promoters` hubs each paired with its own `enhancers` enhancers (one small
    component per promoter, the promoter reused by every pair); one pair in `pos_every` is positive."""
    rows = []
    for c in range(1, n_chroms + 1):
        for p in range(promoters):
            ps = 1_000_000 * (p + 1)
            for e in range(enhancers):
                es = ps - 50_000 - 10_000 * e
                rows.append({"label": int(len(rows) % pos_every == 0), "enhancer_chrom": f"chr{c}",
                             "enhancer_start": es, "enhancer_end": es + 1500, "promoter_chrom": f"chr{c}",
                             "promoter_start": ps, "promoter_end": ps + 1000})
    t = pd.DataFrame(rows)
    t["distance"] = centre_distance(t)
    t["cell"] = "TOY"
    t["CTCF (enhancer)"] = np.arange(len(t), dtype=float)
    t["CTCF (promoter)"] = t["promoter_start"] / 1e6
    t["CTCF (window)"] = 0.5
    return t


def test_every_protocol_gives_train_dev_test():
    t = pair_table()
    c = pd.concat([t[t["label"] == 1], t[t["label"] == 0].iloc[::3]])
    c = c[["label", "enhancer_chrom", "enhancer_start", "enhancer_end", "promoter_chrom", "promoter_start",
           "promoter_end", "distance", "cell"]]
    assert PROTOCOLS == ("paper", "augment_train_only", "chromosome", "element_disjoint", "cboep")
    for p in PROTOCOLS:
        m = make_protocol(t, p, seed=1, cboep=c if p == "cboep" else None)
        assert set(m["split"]) == {"train", "dev", "test"}, p
        assert (m["protocol"] == p).all() and m.attrs["protocol"] == p
        assert list(m.columns[-2:]) == ["protocol", "split"]
        again = make_protocol(t, p, seed=1, cboep=c if p == "cboep" else None)
        pd.testing.assert_frame_equal(m, again)


def test_paper_copies_straddle_and_the_card_counts_them():
    t = pair_table()
    n_pos = int(t["label"].sum())
    m = make_protocol(t, "paper", seed=0, augment=20)
    assert len(m) == len(t) + 19 * n_pos                       # Table 1: 20 rows per positive
    copies = m[m["copy_of"].notna()]
    assert (copies["copy_of"] == copies["pair_id"]).all() and (copies["label"] == 1).all()
    assert (copies["enhancer_shift"] == 0).all()               # the paper's copies are exact
    straddling = m.groupby("pair_id")["split"].nunique()
    assert (straddling > 1).sum() > 0                          # copies of one pair on both sides
    card = leakage_counts(m).set_index("split")
    train_pairs = set(m.loc[m["split"] == "train", "pair_id"])
    test = m[m["split"] == "test"]
    expected = int(test["pair_id"].isin(train_pairs).sum())
    assert expected > 0
    assert card.loc["test", "copy"] == expected
    assert card.loc["test", "n"] == len(test)
    assert card.loc["test", "fraction_copy"] == pytest.approx(expected / len(test))
    assert card.loc["test", "shared_element"] >= card.loc["test", "copy"]


def test_augment_train_only_never_straddles():
    t = pair_table()
    m = make_protocol(t, "augment_train_only", seed=0, augment=5)
    assert m["copy_of"].notna().sum() == 4 * int(((m["split"] == "train") & m["copy_of"].isna()
                                                  & (m["label"] == 1)).sum())
    assert (m.loc[m["copy_of"].notna(), "split"] == "train").all()
    assert (m.groupby("pair_id")["split"].nunique() == 1).all()
    card = leakage_counts(m).set_index("split")
    assert (card["copy"] == 0).all()
    assert card.loc["test", "shared_promoter"] > 0             # a random split of pairs still shares elements


def test_shifted_copies_keep_their_identity():
    t = pair_table()
    m = make_protocol(t, "paper", seed=3, augment=4, max_shift=200)
    copies = m[m["copy_of"].notna()]
    assert copies["enhancer_shift"].abs().max() <= 200 and copies["enhancer_shift"].abs().max() > 0
    orig = m[m["copy_of"].isna()].set_index("pair_id")
    o = orig.loc[copies["pair_id"]]
    assert (copies["enhancer_start"].to_numpy() - o["enhancer_start"].to_numpy()
            == copies["enhancer_shift"].to_numpy()).all()
    assert (copies["enhancer_end"] - copies["enhancer_start"] == 1500).all()
    e, _ = element_ids(copies)
    assert (e != copies["enhancer_id"].to_numpy()).any()       # coordinates moved, identity did not
    assert leakage_counts(m).set_index("split").loc["test", "copy"] > 0


def test_chromosome_split_holds_whole_chromosomes():
    t = pair_table(n_chroms=10)
    m = make_protocol(t, "chromosome", seed=2)
    assert (m.groupby("enhancer_chrom")["split"].nunique() == 1).all()
    named = m.attrs["chromosomes"]
    assert named["test"] and named["dev"]
    assert set(m.loc[m["split"] == "test", "enhancer_chrom"]) == set(named["test"])
    card = leakage_counts(m)
    assert (card["shared_element"] == 0).all()
    fixed = make_protocol(t, "chromosome", seed=2, chromosomes={"test": ["chr8", "chr9"], "dev": ["chr1"]})
    assert set(fixed.loc[fixed["split"] == "test", "enhancer_chrom"]) == {"chr8", "chr9"}
    with pytest.raises(ValueError, match="chr99"):
        make_protocol(t, "chromosome", seed=2, chromosomes={"test": ["chr99"]})


def _disjoint(m):
    for col in ("enhancer_id", "promoter_id"):
        assert (m.groupby(col)["split"].nunique() == 1).all(), col


def test_element_disjoint_is_disjoint_without_drops_on_small_components():
    t = pair_table()
    m = make_protocol(t, "element_disjoint", seed=0, augment=3)
    _disjoint(m)
    assert m.attrs["dropped"] == 0
    assert (leakage_counts(m)[["copy", "shared_enhancer", "shared_promoter"]] == 0).all().all()


def test_element_disjoint_cuts_a_giant_component_and_counts_drops():
    # one chain: enhancer i pairs with promoters i and i+1, so all 80 pairs form one component
    rows = []
    for i in range(40):
        for j in (i, i + 1):
            rows.append({"label": int(j == i), "enhancer_chrom": "chr1", "enhancer_start": 10_000 * i,
                         "enhancer_end": 10_000 * i + 500, "promoter_chrom": "chr1",
                         "promoter_start": 10_000 * j + 5_000, "promoter_end": 10_000 * j + 6_000})
    t = pd.DataFrame(rows)
    m = make_protocol(t, "element_disjoint", seed=0, augment=1, fractions=(0.6, 0.2, 0.2))
    _disjoint(m)
    assert m.attrs["dropped"] > 0
    assert len(m) + m.attrs["dropped"] == len(t)
    assert set(m["split"]) == {"train", "dev", "test"}


def test_cboep_takes_negatives_from_the_second_table():
    t = pair_table()
    cb = t[t["label"] == 1].copy()                             # CBOEP: the same positives ...
    neg = t[t["label"] == 0].iloc[:20].copy()                  # ... and its own, fewer negatives
    neg["distance"] = 123                                      # another distance definition
    cb = pd.concat([cb, neg])[["label", "enhancer_chrom", "enhancer_start", "enhancer_end", "promoter_chrom",
                               "promoter_start", "promoter_end", "distance", "cell"]]
    m = make_protocol(t, "cboep", seed=0, cboep=cb)
    assert (m.loc[m["source"] == "cboep", "label"] == 0).all() and (m.loc[m["source"] == "pairs", "label"] == 1).all()
    assert int((m["source"] == "cboep").sum()) == 20
    np.testing.assert_allclose(m["distance"], centre_distance(m))
    assert m.attrs["augment"] == 1 and m["copy_of"].isna().all()   # already balanced: no copies
    negs = m[m["source"] == "cboep"]
    lookup = dict(zip(element_ids(t)[0], t["CTCF (enhancer)"]))
    assert (negs["CTCF (enhancer)"].to_numpy() == negs["enhancer_id"].map(lookup).to_numpy()).all()
    assert negs["CTCF (window)"].isna().all()                  # window signal belongs to a pair
    bad = cb.copy()
    bad.loc[bad["label"] == 1, "label"] = 0
    with pytest.raises(ValueError, match="positive in pairs and negative"):
        make_protocol(t, "cboep", seed=0, cboep=bad)


def test_errors_name_the_fix():
    t = pair_table()
    with pytest.raises(ValueError, match="one of paper"):
        make_protocol(t, "random", seed=0)
    with pytest.raises(ValueError, match="needs cboep="):
        make_protocol(t, "cboep", seed=0)
    with pytest.raises(ValueError, match="promoter_start"):
        make_protocol(t.drop(columns=["promoter_start"]), "paper", seed=0)
    with pytest.raises(ValueError, match="fractions"):
        make_protocol(t, "paper", seed=0, fractions=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="augment"):
        make_protocol(t, "paper", seed=0, augment=0)
    with pytest.raises(ValueError, match="make_protocol"):
        make_protocol(make_protocol(t, "paper", seed=0), "paper", seed=0)


def test_real_cboep_table_random_split_shares_elements_disjoint_does_not():
    try:
        real = registry.read("cboep_TargetFinder-P_CBMF-N_IMR90", mirror=MIRROR, download=False)
    except registry.DataUnavailable as exc:
        pytest.skip(f"mirror not available: {exc}")
    real = real[real["enhancer_chrom"].isin(["chr1", "chr2", "chr3", "chr17", "chr19"])]   # a few hundred rows
    assert 300 < len(real) < 1000
    tabs = [make_protocol(real, p, seed=0, augment=1) for p in ("augment_train_only", "element_disjoint")]
    card = leakage_counts(pd.concat(tabs, ignore_index=True)).set_index(["protocol", "split"])
    assert card.loc[("augment_train_only", "test"), "fraction"] > 0.5
    assert card.loc[("element_disjoint", "test"), "shared_element"] == 0
    _disjoint(tabs[1])


def test_given_element_ids_are_kept():
    t = pair_table()
    e, p = element_ids(t)
    t["enhancer_id"] = pd.factorize(e)[0]                      # a simulated world's element indices
    t["promoter_id"] = pd.factorize(p)[0]
    m = make_protocol(t, "element_disjoint", seed=0, augment=2)
    assert m["enhancer_id"].dtype.kind == "i"
    assert (m["pair_id"] == m["enhancer_id"].astype(str) + "|" + m["promoter_id"].astype(str)).all()
    _disjoint(m)
