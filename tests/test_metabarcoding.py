"""12S metabarcoding groundwork (genomebook.datasets.metabarcoding, genomebook.models.kmer_classifiers):
references chosen per species, noisy copies, splits, errors by taxonomy and the k-mer classifiers,
on a tiny hand-made taxonomy (12 species, 3 genera, 2 families) and a few real mitohelper records."""

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import MIRROR
from genomebook.datasets import metabarcoding as M
from genomebook.datasets import registry
from genomebook.models import KmerNaiveBayes, KmerNearestNeighbour
from genomebook.models.kmer_classifiers import kmer_presence

# family F1: genera Ga, Gb; family F2: genus Gc; all in order O1, class C1; four species per genus
GENERA = {"Ga": "F1", "Gb": "F1", "Gc": "F2"}
EPITHETS = ["alba", "brevis", "ciliata", "dorsalis"]


def random_seq(rng, n):
    return "".join(rng.choice(list("ACGT"), size=n))


@pytest.fixture(scope="module")
def table():
    """A read_12s-like table: two good records per species plus records the chooser must drop."""
    rng = np.random.default_rng(7)
    rows = []
    for genus, family in GENERA.items():
        for ep in EPITHETS:
            sp = f"{genus} {ep}"
            for j, n in enumerate((220, 200)):
                rows.append({"id": f"{genus}{ep[:2]}{j}", "species": sp, "sequence": random_seq(rng, n),
                             "class": "C1", "order": "O1", "family": family, "genus": genus})
    extra = [("Xsp", "Ga sp. ABC-1", random_seq(rng, 300)),         # open nomenclature
             ("Xhy", "Ga alba x Gb brevis", random_seq(rng, 300)),  # hybrid
             ("Xn", "Gc alba", random_seq(rng, 150) + "N" + random_seq(rng, 149)),   # holds N
             ("Xshort", "Gb alba", random_seq(rng, 40)),             # too short
             ("Xtie", "Gc brevis", random_seq(rng, 220)),             # ties with Gcbr0 (220 bp), larger id
             ("Xsub", "Gb ciliata ciliata", random_seq(rng, 210))]   # subspecies -> Gb ciliata
    for i, name, s in extra:
        g = name.split()[0]
        rows.append({"id": i, "species": name, "sequence": s, "class": "C1", "order": "O1",
                     "family": GENERA[g], "genus": g})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def refs(table):
    return M.references_from_table(table, min_length=100)


def test_references_one_per_species_longest_then_id(table, refs):
    assert len(refs) == 12 and refs["species"].is_unique
    assert list(refs.columns) == ["id", "class", "order", "family", "genus", "species", "name", "sequence", "length"]
    assert (refs["length"] == 220).all()                                 # the longer record of each pair
    assert refs.set_index("species").at["Gc brevis", "id"] == "Gcbr0"    # tie on length: smaller id
    assert not refs["sequence"].str.contains("N").any()
    notes = " ".join(refs.attrs["notes"])
    assert "2 of 30 record(s) (2 name(s)) dropped: no species-level name" in notes
    assert "1 record(s) with a species name dropped: the sequence holds N" in notes
    assert "1 further record(s) dropped: length outside" in notes
    two = M.references_from_table(table, min_length=100, per_species=2)
    assert (two.groupby("species").size() == 2).all()
    assert two.set_index("id").at["Xsub", "species"] == "Gb ciliata"   # subspecies folded into its species


def test_references_seeded_subset(table):
    a = M.references_from_table(table, 5, seed=1, min_length=100)
    b = M.references_from_table(table, 5, seed=1, min_length=100)
    c = M.references_from_table(table, 5, seed=2, min_length=100)
    assert a.equals(b) and len(a) == 5 and list(a["species"]) == sorted(a["species"])
    assert set(a["species"]) != set(c["species"])
    assert "5 of 12 eligible species drawn at random (seed 1)" in a.attrs["notes"][-1]
    with pytest.raises(ValueError, match="12 species are eligible"):
        M.references_from_table(table, 13, min_length=100)
    with pytest.raises(ValueError, match="was given without its taxonomy TSV"):
        M.species_references(3, fasta="x.fa")


def test_binomial_names():
    assert M.binomial("Salmo trutta trutta") == "Salmo trutta"
    assert M.binomial("Carassius auratus ssp. 'Kinbuna'") == "Carassius auratus"
    for bad in ["Hypostomus gr. affinis NS 4211", "natural gynogenetic Carassius auratus red var.",
                "Tariqilabeo Tariqlabeo bicornis", "Saurogobio dabryi complex sp. 2", "Gadus", "", None]:
        assert M.binomial(bad) is None, bad


@pytest.fixture(scope="module")
def samples(refs):
    return M.noisy_copies(refs, n_copies=31, seed=3)


def test_noisy_copies_substitutions_match_rate(refs, samples):
    assert len(samples) == 32 * 12
    assert set(M.TAXON_RANKS) <= set(samples.columns)
    ref = refs.set_index("id")["sequence"]
    for row in samples.itertuples():
        r, s = ref[row.source_id], row.sequence
        assert len(s) == len(r)                                             # substitutions only
        diff = [i for i, (a, b) in enumerate(zip(r, s)) if a != b]
        assert len(diff) == row.n_substitutions == round(row.rate * len(r))
        assert set(s) <= set("ACGT")
        if row.copy == 0:
            assert row.rate == 0 and s == r and row.sample_id == f"{row.source_id}#0"
        else:
            assert 0.005 <= row.rate <= 0.05
    copies = samples[samples["copy"] > 0]
    assert copies["rate"].min() < 0.015 and copies["rate"].max() > 0.04     # spread over the range
    # the new base is uniform among the three others: every (old, new) pair occurs, none with old == new
    pairs = pd.Series([(a, b) for row in copies.itertuples() for a, b in zip(ref[row.source_id], row.sequence)
                       if a != b]).value_counts()
    assert len(pairs) == 12 and pairs.min() > 0.4 * pairs.mean()


def test_noisy_copies_deterministic(refs, samples):
    again = M.noisy_copies(refs, n_copies=31, seed=3)
    other = M.noisy_copies(refs, n_copies=31, seed=4)
    assert samples.equals(again) and not samples["sequence"].equals(other["sequence"])
    with pytest.raises(ValueError, match="rate must be"):
        M.noisy_copies(refs, rate=(0.05, 0.01))


def test_split_random_fractions_and_straddling(samples):
    split = M.split_random(samples, seed=0)
    counts = [int((split == k).sum()) for k in M.SPLITS]
    assert counts == [384 - 38 - 35, 35, 38]                            # round(384 * .09), round(384 * .10)
    assert (samples.assign(s=split).groupby("source_id")["s"].nunique() > 1).all()  # copies straddle
    assert np.array_equal(split, M.split_random(samples, seed=0))


def test_split_by_source_keeps_copies_together(samples):
    with pytest.warns(UserWarning, match="unseen in training"):
        split = M.split_by_source(samples, seed=0)
    per_source = samples.assign(s=split).groupby("source_id")["s"].nunique()
    assert (per_source == 1).all()
    summary = M.split_summary(samples, split).set_index("split")
    assert summary.loc["test", "references"] == 1 and summary.loc["dev", "references"] == 1  # round(12 * .1)
    assert summary.loc["test", "species_in_train"] == 0                 # one reference per species
    with pytest.raises(ValueError, match="per_species=2"):
        M.split_by_source(samples, species_in_train=True)


def test_split_by_source_species_in_train(table):
    refs2 = M.references_from_table(table, min_length=100, per_species=2)
    s = M.noisy_copies(refs2, n_copies=3, seed=0)                       # 24 references x 4 samples
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = M.split_by_source(s, seed=5, species_in_train=True)
    df = s.assign(s=split)
    assert (df.groupby("source_id")["s"].nunique() == 1).all()
    train_species = set(df.loc[df["s"] == "train", "species"])
    assert train_species == set(df["species"])                          # every species keeps a training reference
    summary = M.split_summary(s, split).set_index("split")
    for name, target in (("test", 10), ("dev", 9)):                      # round(96 * f), within half a reference
        assert abs(summary.loc[name, "samples"] - target) <= 2
        assert summary.loc[name, "references_in_train"] == 0
        assert summary.loc[name, "species_in_train"] == summary.loc[name, "species"]


def taxa(rows):
    return pd.DataFrame(rows, columns=M.TAXON_RANKS)


def test_lowest_shared_rank_hand_made():
    true = taxa([["C1", "O1", "F1", "Ga", "Ga alba"]] * 7)
    pred = taxa([["C1", "O1", "F1", "Ga", "Ga alba"],        # same species
                 ["C1", "O1", "F1", "Ga", "Ga brevis"],      # genus
                 ["C1", "O1", "F1", "Gb", "Gb alba"],        # family
                 ["C1", "O1", "F2", "Gc", "Gc alba"],        # order
                 ["C1", "O2", "F3", "Gd", "Gd alba"],        # class
                 ["C2", "O3", "F4", "Ge", "Ge alba"],        # nothing from class down
                 ["C1", "O1", None, None, "Gz alba"]])       # missing ranks never match
    got = M.lowest_shared_rank(true, pred)
    assert got.tolist() == ["species", "genus", "family", "order", "class", M.NO_SHARED_RANK, "order"]
    assert list(got.cat.categories) == M.SHARED_RANKS


def test_error_ranks_counts_only_errors(refs):
    true = ["Ga alba", "Ga alba", "Ga alba", "Gc brevis", "Gb ciliata", "Ga brevis"]
    pred = ["Ga alba", "Ga brevis", "Gb alba", "Ga alba", "Gb dorsalis", "Ga brevis"]
    table = M.error_table(true, pred, refs)
    assert table["position"].tolist() == [1, 2, 3, 4]
    assert table["shared_rank"].astype(str).tolist() == ["genus", "family", "order", "genus"]
    assert table["shared_taxon"].tolist() == ["Ga", "F1", "O1", "Gb"]
    summary = M.error_ranks(true, pred, refs).set_index("rank")
    assert summary["errors"].to_dict() == {"genus": 2, "family": 1, "order": 1, "class": 0, M.NO_SHARED_RANK: 0}
    assert summary.loc["genus", "fraction_of_errors"] == 0.5
    assert summary.loc["genus", "fraction_of_predictions"] == pytest.approx(2 / 6)
    assert summary.attrs["n_errors"] == 4 and summary.attrs["n_predictions"] == 6
    with pytest.raises(KeyError, match="Hx nova"):
        M.error_ranks(["Ga alba"], ["Hx nova"], refs)


def test_naive_bayes_matches_formula_on_tiny_example():
    seqs, labels = ["ACGTAC", "ACGGGG", "TTTTAC"], ["a", "a", "b"]
    nb = KmerNaiveBayes(k=2).fit(seqs, labels)
    words = [set(s[i:i + 2] for i in range(len(s) - 1)) for s in seqs]
    n = len(seqs)
    query = "ACGTTT"
    ll = []
    for c in ("a", "b"):
        members = [w for w, lab in zip(words, labels) if lab == c]
        total = 0.0
        for w in set(query[i:i + 2] for i in range(len(query) - 1)):
            prior = (sum(w in ws for ws in words) + 0.5) / (n + 1)
            total += np.log((sum(w in ws for ws in members) + prior) / (len(members) + 1))
        ll.append(total)
    assert np.allclose(nb.log_likelihood([query])[0], ll)
    p = nb.predict_proba([query])[0]
    assert np.allclose(p, np.exp(ll) / np.exp(ll).sum())


@pytest.mark.parametrize("model", [KmerNaiveBayes, KmerNearestNeighbour])
def test_classifiers_recognise_noisy_copies(refs, model):
    clf = model(k=8).fit(refs["sequence"], refs["species"])
    assert list(clf.classes_) == sorted(refs["species"])
    copies = M.noisy_copies(refs, n_copies=5, rate=(0.01, 0.01), seed=11)
    copies = copies[copies["copy"] > 0]
    top = clf.predict_topk(copies["sequence"], 3)
    assert top.shape == (len(copies), 3)
    assert (top[:, 0] == copies["species"].to_numpy()).mean() >= 0.95
    assert np.array_equal(clf.predict(copies["sequence"]), top[:, 0])
    if model is KmerNaiveBayes:
        p = clf.predict_proba(copies["sequence"])
        assert p.shape == (len(copies), 12) and np.allclose(p.sum(axis=1), 1)
    else:
        sim = clf.similarity(refs["sequence"])
        assert np.allclose(sim.max(axis=1), 1.0)                         # a reference is its own neighbour
        idx, jac = clf.nearest(refs["sequence"])
        assert np.array_equal(idx, np.arange(len(refs))) and np.allclose(jac, 1.0)


@pytest.mark.parametrize("model", [KmerNaiveBayes, KmerNearestNeighbour])
def test_classifiers_fail_clearly_on_empty_query(refs, model):
    clf = model(k=8).fit(refs["sequence"], refs["species"])
    with pytest.raises(ValueError, match="no 8-mer of A/C/G/T; the first is query 1 \\(length 0\\)"):
        clf.predict(["ACGTACGTAC", ""])
    with pytest.raises(ValueError, match="query 0 \\(length 12\\)"):
        clf.predict(["NNNNNNNNNNNN"])
    with pytest.raises(TypeError, match="not one string"):
        clf.predict("ACGTACGTACGT")
    with pytest.raises(RuntimeError, match="call fit"):
        model(k=8).predict(["ACGTACGTAC"])
    assert kmer_presence(["ACGTA"], 2).sum() == 4


def test_real_mitohelper_references():
    if not all(registry.available(n, mirror=MIRROR) for n in (M.SEQS_DATASET, M.TAXONOMY_DATASET)):
        pytest.skip(f"{M.SEQS_DATASET} / {M.TAXONOMY_DATASET} not in the mirror at {MIRROR} nor the cache: "
                    "set GENOMEBOOK_MIRROR")
    refs = M.species_references(5, seed=0, mirror=MIRROR, download=False)
    assert len(refs) == 5 and refs["species"].is_unique
    assert refs["length"].between(150, 1200).all() and not refs["sequence"].str.contains("N").any()
    assert refs["species"].map(M.binomial).eq(refs["species"]).all()
    assert refs[M.TAXON_RANKS].notna().all().all()
    assert any("no species-level name" in n for n in refs.attrs["notes"])
    s = M.noisy_copies(refs, n_copies=2, seed=0)
    assert len(s) == 15 and (s.groupby("source_id")["n_substitutions"].max() > 0).all()
