"""Every chapter executed at profile=smoke, the site built from them, re-runs reproducible."""

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, run_book
from genomebook import book, motifs, published
from genomebook.report import OUTCOMES
from genomebook.simulate import MarkovBackground

pytestmark = pytest.mark.slow
CHAPTERS = [c.name for c in book.chapters(ROOT)]

# What each chapter must leave in its results store (tables/*.csv, figures/*.png|svg).
EXPECTED = {
    "motifs": {
        "tables": ["data_card", "leakage", "built_in", "training_curves", "test_metrics", "kmer_validation",
                   "probability_by_group", "filter_matches", "motif_recovery", "claims"],
        "figures": ["planted_logos", "training_curves", "roc_pr", "probability_by_group",
                    "planted_vs_learned"],
    },
    "chromatin_accessibility": {
        "tables": ["data_card", "leakage", "built_in", "models", "training_curves", "scores", "claims"],
        "figures": ["data_overview", "training_curves", "predictions", "two_evaluations", "scores"],
    },
    "deepcage": {
        "tables": ["data_card", "leakage", "built_in", "models", "fig5_filter_control", "celltype_auprc", "fig2a_mean_celltype_auprc", "fig2b_locus_auprc",
                   "training_curves", "celltype_pearson", "fig3abc_regression", "fig3b_wilcoxon",
                   "fig3d_locus_pearson_by_group", "fig3e_locus_pearson_by_active",
                   "fig3f_browser_track", "ablation", "fig4a_gis", "fig4b_top20_tfs",
                   "fig4_precision_at_20", "fig5_filters", "fig5_planted_recovery",
                   "published_vs_reproduced", "claims"],
        "figures": ["fig2a_celltype_auprc", "fig2b_locus_auprc", "training_curves",
                    "fig3abc_regression", "fig3de_locus_pearson", "fig3f_browser_track",
                    "fig4a_gis_heatmap", "fig4b_top20_tfs", "fig5_filters"],
    },
    "promoters": {
        "tables": ["data_card", "leakage", "leakage_prom_core", "leakage_prom_scan", "built_in",
                   "pretraining_curves", "test_scores", "kmer_validation", "attention_landscape", "published_vs_reproduced",
                   "claims"],
        "figures": ["element_positions", "pretraining_curves", "roc_pr", "prom_scan_track"],
    },
    "tf_binding": {
        "tables": ["data_card", "leakage", "built_in", "test_scores", "kmer_validation", "paired_differences",
                   "published_vs_reproduced", "claims"],
        "figures": ["tf_logos", "mcc_by_task", "mouse_transfer", "finetune_curves"],
    },
    "splice_sites": {
        "tables": ["data_card", "leakage", "leakage_rebuilt", "built_in", "rebuild_history", "test_scores",
                   "kmer_validation", "published_vs_reproduced", "claims"],
        "figures": ["splice_logos", "confusion", "rebuild"],
    },
    "dna_language_models": {
        "tables": ["data_card", "splits", "leakage", "tokenisers", "model_sizes", "runs", "pretraining_curves",
                   "test_scores", "published_vs_reproduced", "claims"],
        "figures": ["token_lengths", "pretraining_curves", "masked_vs_ngram"],
    },
    "tss_localisation": {
        "tables": ["data_card", "splits", "leakage", "leakage_random", "leakage_homology", "token_length_locator",
                   "training_curves", "human_test_accuracy", "accuracy_by_species", "built_in",
                   "simulated_accuracy_by_species", "published_vs_reproduced", "claims"],
        "figures": ["training_curves", "accuracy_vs_divergence", "error_bp", "simulated_accuracy_vs_divergence"],
    },
    "enhancer_promoter": {
        "tables": ["data_card", "built_in", "leakage", "protocol_scores", "training_curves", "model_sizes",
                   "published_vs_reproduced", "paired_differences", "claims"],
        "figures": ["leakage", "protocol_scores", "training_curves"],
    },
    "epsat_eplae": {
        "tables": ["data_card", "built_in", "leakage", "table3", "model_sizes", "published_vs_reproduced",
                   "training_curves", "fig5_separation", "cell_line_gaps", "mean_ranking", "claims"],
        "figures": ["table3", "loss_curves", "fig5_pca"],
    },
    "metagenomics_12s": {
        "tables": ["edna_reads", "data_card", "splits", "straddle", "leakage", "leakage_by_source",
                   "leakage_references", "runs", "scores", "published_vs_reproduced", "error_ranks", "accuracy_by_rank",
                   "errors_mitochondrial", "edna_species", "edna_species_library", "claims"],
        "figures": ["finetuning_curves", "topk", "error_ranks"],
    },
    "chromatin_profiles": {
        "tables": ["built_in", "prevalence", "deepsea_label_groups", "data_card", "leakage", "tokens_coverage", "runs",
                   "test_scores", "published_vs_reproduced", "claims"],
        "figures": ["where_the_evidence_lies", "validation_loss", "auc_by_group"],
    },
    "small_transformers": {
        "tables": ["runs", "thesis_tables", "findings", "leakage"],
        "figures": ["thesis_vs_ours", "findings", "worst_leak"],
    },
    "dnabert": {
        "tables": ["data_card", "leakage", "built_in", "test_scores_dedup", "pretraining_curves",
                   "finetune_scores", "finetune_summary", "task_metrics", "kmer_validation", "collapsed_runs",
                   "finetune_curves", "attention_landscape", "head_context", "motif_discovery",
                   "variant_effects", "ism_vs_truth", "published_vs_reproduced", "claims"],
        "figures": ["pretraining_curves", "seed_spread", "finetune_curves", "attention_landscape",
                    "attention_map", "head_context", "mutation_maps", "ism_vs_truth"],
    },
}


def test_build_succeeds_and_prints_the_summary(smoke_site):
    proc = smoke_site["proc"]
    if proc is None:
        pytest.skip("the smoke build was reused ($GENOMEBOOK_TEST_SITE), not run")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in CHAPTERS:
        assert any(line.split()[:2] == [name, "smoke"] and line.rstrip().endswith("ok")
                   for line in proc.stdout.splitlines()), proc.stdout
    assert (smoke_site["site"] / "_build" / "html" / "index.html").exists()
    log = proc.stdout + proc.stderr  # each page lists its own references: no duplicate or missing keys
    assert "duplicate citation" not in log and "could not find bibtex key" not in log, \
        [line for line in log.splitlines() if "citation" in line or "bibtex" in line]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_ran_at_smoke(smoke_site, name):
    rec = json.loads((smoke_site["site"] / "_runs" / f"{name}.json").read_text())
    assert rec["status"] == "ok", rec["error"]
    assert rec["profile"] == "smoke" and rec["data_source"]
    # No timed assertion: a loaded machine can double any chapter's time. The seconds are in
    # the run record and on the runs page, beside the profile's budget.
    assert rec["seconds"] > 0
    nb = (smoke_site["site"] / rec["notebook"]).read_text()
    assert '"output_type": "error"' not in nb


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_chapter_outputs(smoke_site, name):
    out = smoke_site["results"] / name / "smoke" / "seed0"
    for table in EXPECTED[name]["tables"]:
        df = pd.read_csv(out / "tables" / f"{table}.csv")
        assert len(df) > 0, table
    for fig in EXPECTED[name]["figures"]:
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{fig}.{ext}").stat().st_size > 1000, (fig, ext)
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert set(claims["outcome"]) <= set(OUTCOMES)
    assert set(claims["profile"]) == ({"smoke"} if name not in GATHERERS else set())
    meta = json.loads((out / "run.json").read_text())
    source = DEFAULT_SOURCE.get(name, "simulated")
    assert meta["data_source"] == source and meta["headline"]
    _check_skeleton(out, claims, simulated=source == "simulated" or name in SIMULATED_SECTION,
                    gatherer=name in GATHERERS)
    if name in SEQUENCE_CHAPTERS:  # the honest baseline is reported and its claim evaluated in every one
        kmer = claims[claims["claim"].str.contains("beats the k-mer baseline", regex=False)]
        assert len(kmer) >= 1 and (kmer["outcome"] != "not testable here").all(), name


#: Chapters whose default data are real (the registry's mirror) rather than a simulated world.
DEFAULT_SOURCE = {"dna_language_models": "real", "tss_localisation": "real", "metagenomics_12s": "real", "small_transformers": "real"}

#: Chapters on real data with a section on a simulated world (its built-in table is required).
SIMULATED_SECTION = ("tss_localisation",)

#: Paper chapters that gather the claims of their task chapters instead of checking their own.
GATHERERS = ("small_transformers",)

#: The sequence-classification chapters: each reports the k-mer baseline (issue 18).
SEQUENCE_CHAPTERS = ("motifs", "promoters", "tf_binding", "splice_sites", "dnabert")


def _check_skeleton(out, claims, *, simulated, gatherer=False):
    """What the chapter skeleton leaves in every run: leakage card, built-in table, what held.

    A gatherer (a paper chapter that shows the claims its task chapters check) checks none itself."""
    leak = pd.read_csv(out / "tables" / "leakage.csv")
    assert {"query", "reference", "class", "n", "exact", "revcomp", "near", "any", "method"} <= set(leak.columns)
    assert (leak["any"] <= leak["n"]).all() and (leak["any"] >= 0).all()
    assert (out / "tables" / "built_in.csv").exists() == simulated
    if simulated:
        world = pd.read_csv(out / "tables" / "built_in.csv")
        assert len(world) and world["built into this world"].str.len().min() > 20
    # Every claim with an interval has an outcome that agrees with it (the rule of report.Claim).
    for _, c in claims.dropna(subset=["ci_low", "ci_high"]).iterrows():
        assert c["ci_low"] <= c["ci_high"] + 1e-9, c["claim"]
    # The generated paragraph names every claim that did not hold, with its value.
    text = (out / "what_held.md").read_text()
    if gatherer:
        assert claims.empty and text == "This run checked no claims."
        return
    counts = claims["outcome"].value_counts()
    assert text.startswith(f"Of {len(claims)} claims checked on this run")
    for outcome, n in counts.items():
        assert f"{n} {outcome}" in text
    for _, c in claims[claims["outcome"] != "supported"].iterrows():
        assert f"- {c['claim']}: " in text, c["claim"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["claims"] == {o: int(counts.get(o, 0)) for o in OUTCOMES}


def test_motifs_tables_are_consistent(smoke_site):
    out = smoke_site["results"] / "motifs" / "smoke" / "seed0" / "tables"
    metrics = pd.read_csv(out / "test_metrics.csv")
    assert set(metrics["model"]) == {"CNN", "motif scanner", "k-mer baseline"}
    assert set(metrics["metric"]) == {"auROC", "auPR", "F1", "MCC", "accuracy"}
    assert (metrics["ci_low"] <= metrics["value"]).all() and (metrics["value"] <= metrics["ci_high"]).all()
    recovery = pd.read_csv(out / "motif_recovery.csv")
    assert list(recovery["motif"]) == ["MA0139.2 CTCF", "MA0080.7 Spi1", "MA0466.4 CEBPB"]
    claims = pd.read_csv(out / "claims.csv")
    n = int(recovery["recovered"].sum())
    first = claims.iloc[0]
    assert first["value"] == n
    assert first["outcome"] == ("supported" if n >= 2 else "not supported")


def test_same_seed_gives_identical_tables(smoke_site, tmp_path):
    """Re-running the chapter with the same seed reproduces every table byte for byte."""
    proc = run_book("run", "motifs", "-p", "profile", "smoke", "--site", str(tmp_path / "site"),
                    results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    first = smoke_site["results"] / "motifs" / "smoke" / "seed0" / "tables"
    second = tmp_path / "results" / "motifs" / "smoke" / "seed0" / "tables"
    names = sorted(p.name for p in first.glob("*.csv"))
    assert names == sorted(p.name for p in second.glob("*.csv"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), (
            f"{name} differs; number formats of the two runs: "
            f"{json.loads((first.parent / 'run.json').read_text()).get('number_formats')} vs "
            f"{json.loads((second.parent / 'run.json').read_text()).get('number_formats')}")


def _planted_reader_data(n=600, length=120, seed=0):
    """A reader's sequences: a human-like background with a CTCF-like core planted in positives."""
    rng = np.random.default_rng(seed)
    seqs = MarkovBackground.human_like().sample(n, length, rng)
    labels = rng.integers(0, 2, n)
    site = "CCACTAGGGGGCGC"  # a CTCF-like core planted in positives
    return [s[:50] + site + s[64:] if y else s for s, y in zip(seqs, labels)], labels


def _check_kmer_baseline(out):
    """The k-mer baseline is in the metrics table with intervals and in a claim that was evaluated."""
    metrics = pd.read_csv(out / "tables" / "test_metrics.csv").set_index(["model", "metric"])
    row = metrics.loc[("k-mer baseline", "auROC")]
    assert row["ci_low"] <= row["value"] <= row["ci_high"]
    claims = pd.read_csv(out / "tables" / "claims.csv")
    kmer = claims[claims["claim"].str.startswith("The CNN beats the k-mer baseline")].iloc[0]
    assert kmer["outcome"] in ("supported", "not supported", "inconclusive") and kmer["ci_low"] <= kmer["ci_high"]
    assert 2 <= int(pd.read_csv(out / "tables" / "kmer_validation.csv")["k"].max()) <= 6
    return metrics


def _check_control_claim(claims, collection):
    """On a reader's files the untrained-network control is evaluated against the collection used."""
    row = claims[claims["claim"].str.startswith("Recovery is learned")].iloc[0]
    assert row["outcome"] in ("supported", "not supported") and collection in row["claim"]
    assert "before; motifs matched:" in row["detail"]


def test_motifs_chapter_runs_on_a_readers_files(tmp_path):
    """fasta_path + labels_path (with split and species columns) replace the simulated world; ground-truth
    claims become untestable; a yeast species column picks JASPAR's fungi collection."""
    seqs, labels = _planted_reader_data()
    split = np.array(["train"] * 420 + ["val"] * 90 + ["test"] * 90)
    fa = tmp_path / "mine.fa"
    fa.write_text("".join(f">r{i}\n{s.lower() if i % 7 == 0 else s}\n" for i, s in enumerate(seqs)))
    lab = tmp_path / "mine.tsv"
    lab.write_text("name\tlabel\tsplit\tspecies\n" + "".join(f"r{i}\t{y}\t{sp}\tSaccharomyces cerevisiae\n"
                                                           for i, (y, sp) in enumerate(zip(labels, split))))
    proc = run_book("run", "motifs", "-p", "profile", "smoke", "-p", "fasta_path", str(fa),
                    "-p", "labels_path", str(lab), "-p", "seed", "1",
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "motifs" / "smoke" / "seed1"
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert set(claims["data_source"]) == {"user files"}
    by_claim = dict(zip(claims["claim"].str[:40], claims["outcome"]))
    assert by_claim["The CNN recovers at least 2 of the 3 pla"] == "not testable here"
    assert (claims["outcome"] == "not testable here").sum() == 2  # recovery and pair rule only
    _check_control_claim(claims, "JASPAR 2024 CORE fungi")
    assert "scanning the 178 motifs of JASPAR 2024 CORE fungi" in claims["claim"].iloc[1]
    assert json.loads((out / "run.json").read_text())["motif_collection"] == "JASPAR 2024 CORE fungi"
    _check_skeleton(out, claims, simulated=False)
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("field")["value"]
    assert card["records"] == "600" and card["length (bp)"] == "120"
    metrics = _check_kmer_baseline(out)
    assert metrics.loc[("CNN", "auROC"), "value"] > 0.9  # the planted core is easy to find
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "motifs.ipynb").read_text()
    assert "split: the data's own" in nb and "train 420  validation 90  test 90" in nb
    assert "Motif collection" in nb and "Saccharomyces cerevisiae (600) → JASPAR fungi" in nb


def test_motifs_chapter_on_a_gue_style_folder(tmp_path):
    """data_path = a folder of train.csv, dev.csv, test.csv.gz (GUE style): its split is used as given."""
    seqs, labels = _planted_reader_data(seed=2)
    folder = tmp_path / "gue_like"
    folder.mkdir()
    for name, rows in (("train.csv", slice(0, 400)), ("dev.csv", slice(400, 500)), ("test.csv", slice(500, 600))):
        text = "sequence,label\n" + "".join(f"{s},{y}\n" for s, y in zip(seqs[rows], labels[rows]))
        if name == "test.csv":
            (folder / "test.csv.gz").write_bytes(gzip.compress(text.encode()))
        else:
            (folder / name).write_text(text)
    proc = run_book("run", "motifs", "-p", "profile", "smoke", "-p", "data_path", str(folder),
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "motifs" / "smoke" / "seed0"
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert set(claims["data_source"]) == {"user files"}
    _check_skeleton(out, claims, simulated=False)
    metrics = _check_kmer_baseline(out)
    assert metrics.loc[("CNN", "auROC"), "value"] > 0.9
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "motifs.ipynb").read_text()
    assert "train 400  validation 100  test 100" in nb and "(csv folder); its own split" in nb
    assert "no species given: JASPAR vertebrates, the default" in nb
    _check_control_claim(claims, "JASPAR 2024 CORE vertebrates")


def test_motifs_chapter_on_one_fasta_per_class_with_repeated_names(tmp_path):
    """data_path = 'positives=...,negatives=...' (one gzip); repeated names renamed when asked."""
    seqs, labels = _planted_reader_data(seed=3)
    pos = tmp_path / "pos.fa"
    pos.write_text("".join(f">p{i % 250}\n{s}\n" for i, s in enumerate(s for s, y in zip(seqs, labels) if y)))
    neg = tmp_path / "neg.fa.gz"
    neg.write_bytes(gzip.compress("".join(f">n{i}\n{s}\n" for i, s in
                                          enumerate(s for s, y in zip(seqs, labels) if not y)).encode()))
    source = f"positives={pos},negatives={neg}"
    own = tmp_path / "own_motifs.meme"  # a reader's own motif file (MEME format)
    own.write_text("MEME version 4\n\nALPHABET= ACGT\n\n" + "".join(
        f"MOTIF {m.id} {m.name}\nletter-probability matrix: alength= 4 w= {m.width}\n"
        + "".join(" ".join(f"{v:.4f}" for v in col) + "\n" for col in m.ppm().T) + "\n"
        for m in motifs.load_jaspar(tax_group="insects")[:80]))
    common = ("run", "motifs", "-p", "profile", "smoke", "-p", "data_path", source)
    proc = run_book(*common, "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 1
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "motifs.ipynb").read_text()
    assert "record name(s) occur more than once" in nb and "Pass duplicate_names=" in nb
    proc = run_book(*common, "-p", "duplicate_names", "rename", "-p", "motif_collection", str(own),
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "motifs" / "smoke" / "seed0"
    claims = pd.read_csv(out / "tables" / "claims.csv")
    _check_skeleton(out, claims, simulated=False)
    metrics = _check_kmer_baseline(out)
    assert metrics.loc[("CNN", "auROC"), "value"] > 0.9
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "motifs.ipynb").read_text()
    assert "(fasta per class); no split given" in nb and "the repeats were renamed" in nb
    assert "80 motifs read from" in nb and "(meme format)" in nb
    _check_control_claim(claims, "own_motifs.meme")


def test_chapter_stops_on_a_bad_reader_file(tmp_path):
    fa = tmp_path / "bad.fa"
    fa.write_text(">r1\nACGTXACGT\n>r2\nACGTACGTA\n")
    lab = tmp_path / "bad.tsv"
    lab.write_text("name\tlabel\nr1\t1\nr2\t0\n")
    proc = run_book("run", "motifs", "-p", "profile", "smoke", "-p", "fasta_path", str(fa),
                    "-p", "labels_path", str(lab), "--site", str(tmp_path / "site"),
                    results=tmp_path / "results")
    assert proc.returncode == 1
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "motifs.ipynb").read_text()
    assert "record 'r1': letter 'X' at position 5 is not DNA" in nb
    assert not (tmp_path / "results" / "motifs").exists() or not list(
        (tmp_path / "results" / "motifs").rglob("claims.csv"))


def test_motifs_chapter_on_real_data(tmp_path):
    """data_source=real trains on GUE tf/0 from the registry; the note and the results say so."""
    from genomebook.datasets import registry

    names = [f"gue_tf_0_{s}" for s in ("train", "dev", "test")]
    if not all(registry.available(n) for n in names):
        pytest.skip("GUE tf/0 is not in the mirror or cache (set GENOMEBOOK_MIRROR to ../shared/mirror)")
    proc = run_book("run", "motifs", "-p", "profile", "smoke", "-p", "data_source", "real",
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "motifs" / "smoke" / "seed0"
    meta = json.loads((out / "run.json").read_text())
    assert meta["data_source"] == "real" and meta["real_dataset"] == "gue_tf_0"
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert set(claims["data_source"]) == {"real"}
    assert (claims["outcome"] == "not testable here").sum() == 2  # the planted-motif claims
    assert "scanning the 879 motifs of JASPAR 2024 CORE vertebrates" in claims["claim"].iloc[1]
    _check_control_claim(claims, "JASPAR 2024 CORE vertebrates")
    _check_skeleton(out, claims, simulated=False)
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "motifs.ipynb").read_text()
    assert "Real data" in nb and "Zhou et al." in nb
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("field")["value"]
    assert card["source"] == "real" and card["length (bp)"] == "101"


def test_deepcage_tables_are_consistent(smoke_site):
    """The claims are computed from the chapter's own tables, and the tables are well-formed."""
    out = smoke_site["results"] / "deepcage" / "smoke" / "seed0" / "tables"
    fig2a = pd.read_csv(out / "fig2a_mean_celltype_auprc.csv")
    assert set(fig2a["model"]) == {"DeepCAGE", "Basset", "DeepSEA", "DanQ", "ChromDragoNN-like",
                                   "training mean"}
    assert (fig2a["ci_low"] <= fig2a["mean auPR"] + 1e-9).all()
    assert (fig2a["mean auPR"] <= fig2a["ci_high"] + 1e-9).all()
    known = fig2a[fig2a["loci"] == "known"].set_index("model")["mean auPR"]
    claims = pd.read_csv(out / "claims.csv")
    first = claims.iloc[0]
    assert first["claim"].startswith("DeepCAGE beats every sequence-only model")
    expected = known["DeepCAGE"] - known[["Basset", "DeepSEA", "DanQ"]].max()
    assert first["value"] == pytest.approx(expected, abs=1e-3)
    assert first["ci_low"] <= first["value"] <= first["ci_high"]
    assert first["outcome"] == ("supported" if first["ci_low"] > 0 else
                                "not supported" if first["ci_high"] <= 0 else "inconclusive")
    ablation = pd.read_csv(out / "ablation.csv").set_index("model")
    assert ablation.loc["DeepCAGE", "change (%)"] == 0
    drop = claims[claims["claim"].str.startswith("Removing TF expression")].iloc[0]
    assert drop["value"] == pytest.approx(ablation.loc["DeepCAGE − motif scores", "change (%)"]
                                          - ablation.loc["DeepCAGE − expression", "change (%)"], abs=1e-3)
    p20 = pd.read_csv(out / "fig4_precision_at_20.csv").iloc[:, 1]
    assert p20.between(0, 1).all()
    gis = claims[claims["claim"].str.startswith("GIS ranks")].iloc[0]
    chance = 8 / 30  # smoke world: 8 drivers among 30 TFs
    assert gis["value"] == pytest.approx(p20.mean() / chance, abs=1e-3)
    pvr = pd.read_csv(out / "published_vs_reproduced.csv")
    row = pvr[pvr["published_id"] == "deepcage.fig2a.known.deepcage"].iloc[0]
    assert row["published"] == published.value("deepcage.fig2a.known.deepcage") and "Fig 2A" in row["reference"]
    assert row["reproduced"] == pytest.approx(known["DeepCAGE"], abs=1e-6)


def test_accessibility_chapters_run_on_a_readers_data_folder(tmp_path):
    """data_dir (an AccessibilityData folder) replaces the simulated world; ground-truth claims
    become untestable; a folder that is not one stops with a message naming what is missing."""
    from genomebook.simulate import accessibility_world

    world = accessibility_world(n_loci=1500, n_cells=15, seq_len=200, n_tfs=20, n_drivers=6, seed=3)
    folder = world.data.save(tmp_path / "mine")
    proc = run_book("run", "deepcage", "-p", "profile", "smoke", "-p", "data_dir", str(folder),
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    claims = pd.read_csv(tmp_path / "results" / "deepcage" / "smoke" / "seed0" / "tables" / "claims.csv")
    assert set(claims["data_source"]) == {"user files"}
    untestable = claims[claims["outcome"] == "not testable here"]["claim"]
    assert {"GIS ranks the true d", "First-layer filters "} <= set(untestable.str[:20])
    # anything else untestable is about novel loci, which a small folder may lack
    others = untestable[~untestable.str[:20].isin(["GIS ranks the true d", "First-layer filters "])]
    assert others.str.contains("novel loci").all(), others.tolist()
    (folder / "signal.npy").unlink()
    proc = run_book("run", "chromatin_accessibility", "-p", "profile", "smoke", "-p", "data_dir",
                    str(folder), "--site", str(tmp_path / "site2"), results=tmp_path / "results2")
    assert proc.returncode == 1
    nb = (tmp_path / "site2" / "notebooks" / "tasks" / "chromatin_accessibility.ipynb").read_text()
    assert "missing signal.npy" in nb and "AccessibilityData.save" in nb


def test_accessibility_chapter_on_real_expression_and_hocomoco_motifs(tmp_path):
    """expression_source=real and motif_source=hocomoco: DeepCAGE's own expression matrix and motifs."""
    from genomebook.datasets import registry

    needed = ["deepcage_tf_gexp_matrix", "deepcage_cells", "deepcage_bam_info",
              "deepcage_hocomoco_core_homer", "deepcage_hocomoco_core_tsv"]
    if not all(registry.available(n) for n in needed):
        pytest.skip("DeepCAGE inputs are not in the mirror or cache (set GENOMEBOOK_MIRROR to ../shared/mirror)")
    proc = run_book("run", "chromatin_accessibility", "-p", "profile", "smoke", "-p", "expression_source",
                    "real", "-p", "motif_source", "hocomoco", "--site", str(tmp_path / "site"),
                    results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "chromatin_accessibility" / "smoke" / "seed0"
    meta = json.loads((out / "run.json").read_text())
    assert meta["expression_source"] == "real" and meta["motif_source"] == "hocomoco"
    # real ENCODE biosample names, not the simulated lineage labels
    cells = json.loads((out / "world_data" / "meta.json").read_text())["cell_types"]
    real_names = set(registry.read("deepcage_cells")["biosample"])
    assert len(cells) == 20 and set(cells) <= real_names, cells
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("field")["value"]
    assert "HOCOMOCO" in card["motif source"]


def test_dnabert_tables_are_consistent(smoke_site):
    """The paper chapter's claims are computed from its own score tables."""
    out = smoke_site["results"] / "dnabert" / "smoke" / "seed0" / "tables"
    scores = pd.read_csv(out / "finetune_scores.csv")
    assert set(scores["task"]) == {"prom-core", "TF (human)", "TF (mouse)", "splice"}
    prom = scores[(scores["task"] == "prom-core") & (scores["metric"] == "MCC")]
    assert set(prom["model"]) == {"DNABERT", "DNABERT (random init)", "CNN", "CNN+LSTM", "CNN+GRU", "k-mer baseline"}
    assert prom.groupby("model")["seed"].nunique().min() >= 2  # several seeds per model
    ok = scores["ci_low"].isna() | ((scores["ci_low"] <= scores["value"] + 1e-9)
                                    & (scores["value"] <= scores["ci_high"] + 1e-9))
    assert ok.all()
    mean = prom.groupby("model")["value"].mean()
    claims = pd.read_csv(out / "claims.csv")
    first = claims.iloc[0]
    assert first["value"] == pytest.approx(round(mean["DNABERT"] - mean["DNABERT (random init)"], 4), abs=1e-4)
    # The outcome follows the interval rule, and a reference that failed to learn (MCC <= 0.05 on
    # every seed) makes it inconclusive whatever the numbers.
    random_failed = (prom[prom["model"] == "DNABERT (random init)"]["value"] <= 0.05).all()
    if random_failed:
        assert first["outcome"] == "inconclusive" and isinstance(first["failed reference"], str)
    elif first["ci_low"] > 0:
        assert first["outcome"] == "supported"
    elif first["ci_high"] <= 0:
        assert first["outcome"] == "not supported"
    else:
        assert first["outcome"] == "inconclusive"
    dedup = pd.read_csv(out / "test_scores_dedup.csv")
    assert set(dedup["test set"]) <= {"official", "deduplicated"} and "official" in set(dedup["test set"])
    landscape = pd.read_csv(out / "attention_landscape.csv")
    assert {"position", "TATA", "non-TATA"} <= set(landscape.columns)
    effects = pd.read_csv(out / "variant_effects.csv")
    assert (effects.groupby("sequence").size() == 3 * len(landscape)).all()  # 3 substitutions per base


def test_dnabert_chapter_on_real_data(tmp_path):
    """data_source=real fine-tunes on GUE (splice cropped to splice_len) after pre-training on EPD promoters."""
    from genomebook.datasets import registry

    names = ["epd128_promoters_m499_p100", *[f"gue_splice_reconstructed_{s}" for s in ("dev", "test")],
             *[f"gue_prom_prom_core_all_{s}" for s in ("train", "dev", "test")]]
    if not all(registry.available(n) for n in names):
        pytest.skip("GUE / EPD are not in the mirror or cache (set GENOMEBOOK_MIRROR to ../shared/mirror)")
    proc = run_book("run", "dnabert", "-p", "profile", "smoke", "-p", "data_source", "real",
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "dnabert" / "smoke" / "seed0" / "tables"
    card = pd.read_csv(out / "data_card.csv").set_index("task")
    assert card.loc["splice", "length (bp)"] == 100 and card.loc["prom-core", "length (bp)"] == 70
    claims = pd.read_csv(out / "claims.csv")
    assert set(claims["data_source"]) == {"real"}
    assert len(claims) == 8  # discovery and ISM need the planted motifs; + pre-trained vs random, deduplicated, k-mer
    leak = pd.read_csv(out / "leakage.csv")
    pre = leak[(leak["reference"] == "pre-training") & (leak["class"].astype(str) == "all")
               & leak["query"].isin(["dev", "test"])]
    assert len(pre) and (pre["any"] == 0).all()  # masking removed every overlap with dev and test
    before = pd.read_csv(out / "leakage_unmasked_corpus.csv")
    assert before.loc[before["class"].astype(str) == "all", "any"].sum() > 0  # ... that was there before
    assert (out / "pretraining_mask.csv").exists()
    dedup = pd.read_csv(out / "test_scores_dedup.csv")
    assert set(dedup["test set"]) == {"official", "deduplicated"}
    pvr = pd.read_csv(out / "published_vs_reproduced.csv")
    assert pvr["note"].fillna("").str.contains("cropped to the central 100 bp").any()
