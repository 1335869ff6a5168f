"""The splice_sites chapter on a reader's files (issue 18): three classes in every format, the k-mer baseline.

Each run is the chapter at profile=smoke on a few hundred sequences the test writes (100 bp,
the exon/intron boundary at index 50: donors carry MAG|GTRAGT there, acceptors a pyrimidine
tract and YAG|G; some non-sites carry GT or AG at the boundary without the rest), fine-tuning
the smoke build's cached pre-trained BERT (the ``reader_results`` fixture).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
from conftest import ROOT, run_book

LENGTH, CENTRE = 100, 50
UNTESTABLE = "not testable here"


def splice_like(n_per_class: int = 100, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Sequences (LENGTH bp) and labels 0 acceptor, 1 donor, 2 non-site (a third of the non-sites GT/AG decoys)."""
    rng = np.random.default_rng(seed)

    def background() -> list[str]:
        return list(rng.choice(list("ACGT"), LENGTH))

    seqs, labels = [], []
    for _ in range(n_per_class):  # acceptors: pyrimidine tract, CAG|G
        s = background()
        s[CENTRE - 20:CENTRE - 3] = rng.choice(list("CT"), 17)
        s[CENTRE - 3:CENTRE + 1] = "CAGG"
        seqs.append("".join(s))
        labels.append(0)
    for _ in range(n_per_class):  # donors: MAG|GTRAGT
        s = background()
        s[CENTRE - 3:CENTRE + 6] = f"{rng.choice(['A', 'C'])}AGGT{rng.choice(['A', 'G'])}AGT"
        seqs.append("".join(s))
        labels.append(1)
    for i in range(n_per_class):  # non-sites: decoy GT, decoy AG, or background
        s = background()
        if i % 3 == 0:
            s[CENTRE:CENTRE + 2] = "GT"
        elif i % 3 == 1:
            s[CENTRE - 2:CENTRE] = "AG"
        seqs.append("".join(s))
        labels.append(2)
    order = rng.permutation(len(seqs))
    return [seqs[i] for i in order], np.array(labels)[order]


def write_gue_folder(folder, seed=0):
    """train.csv / dev.csv / test.csv with sequence,label (labels 0/1/2)."""
    seqs, labels = splice_like(seed=seed)
    folder.mkdir()
    for name, rows in (("train.csv", slice(0, 200)), ("dev.csv", slice(200, 250)), ("test.csv", slice(250, 300))):
        (folder / name).write_text("sequence,label\n" + "".join(f"{s},{y}\n" for s, y in zip(seqs[rows], labels[rows])))
    return folder


def _run(source_args, results, site, *extra):
    proc = run_book("run", "splice_sites", "-p", "profile", "smoke", *source_args, *extra,
                    "--site", str(site), results=results)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = results / "splice_sites" / "smoke" / "seed0"
    nb = (site / "notebooks" / "tasks" / "splice_sites.ipynb").read_text()
    return out, pd.read_csv(out / "tables" / "claims.csv"), nb


def _check_common(out, claims, *, rebuilt: bool):
    """What every run on a reader's files shows: the source, untestable claims, the k-mer baseline with intervals."""
    assert set(claims["data_source"]) == {"user files"}
    meta = json.loads((out / "run.json").read_text())
    assert meta["data_source"] == "user files" and meta["seq_len"] == LENGTH and meta["centre"] == CENTRE
    def claim(prefix):
        rows = claims[claims["claim"].str.startswith(prefix)]
        assert len(rows) == 1, prefix
        return rows.iloc[0]

    easy = claim("Trained only on easy negatives, DNABERT calls decoys")
    assert easy["outcome"] == UNTESTABLE and np.isnan(easy["value"])
    assert claim("DNABERT's GUE splice MCC (6-mer) is reproduced")["outcome"] == UNTESTABLE
    kmer = claims[claims["claim"].str.startswith("DNABERT beats the k-mer baseline")]
    assert len(kmer) == 1 and kmer["outcome"].iloc[0] in ("supported", "not supported", "inconclusive")
    assert np.isfinite(kmer[["value", "ci_low", "ci_high"]].to_numpy()).all()
    rebuild = claims[claims["claim"].str.contains("rebuild")]
    assert len(rebuild) == 4
    if rebuilt:  # the rebuild ran on the reader's held-out non-sites: its claims are evaluated
        assert (rebuild["outcome"] != UNTESTABLE).all(), rebuild[["claim", "outcome"]]
    else:
        assert (rebuild["outcome"] == UNTESTABLE).all(), rebuild[["claim", "outcome"]]
    scores = pd.read_csv(out / "tables" / "test_scores.csv")
    k = scores[scores["model"] == "k-mer baseline"].set_index("metric")
    assert {"accuracy", "F1", "MCC", "site recall"} <= set(k.index)
    assert k[["value", "ci_low", "ci_high"]].notna().all().all()
    assert ((k["ci_low"] <= k["value"] + 1e-9) & (k["value"] <= k["ci_high"] + 1e-9)).all()
    validation = pd.read_csv(out / "tables" / "kmer_validation.csv")
    assert set(validation["metric"]) == {"accuracy"} and set(validation["k"]) == {2, 3, 4, 5, 6}
    assert not (out / "tables" / "built_in.csv").exists()
    return scores


def test_gue_style_folder(reader_results, tmp_path):
    """data_path = a folder of train/dev/test.csv (labels 0/1/2): its split as given, the rebuild from its non-sites."""
    folder = write_gue_folder(tmp_path / "splice_gue")
    out, claims, nb = _run(("-p", "data_path", str(folder)), reader_results, tmp_path / "site")
    scores = _check_common(out, claims, rebuilt=True)
    assert "(csv folder); its own split: train 200, dev 50, test 50" in nb
    assert "split: the data's own (train/dev/test as given)" in nb
    assert "labels as given: 0 acceptor, 1 donor, 2 non-site" in nb
    # the pool: half of the training split's non-sites (the fixed rule), held out of round 0
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("set")
    n_non = int((pd.read_csv(folder / "train.csv")["label"] == 2).sum())
    assert card.loc["decoy pool", "sequences"] == n_non // 2
    assert card.loc["training (round 0)", "sequences"] == 200 - n_non // 2
    assert card.loc["test", "sequences"] == 50 and (card["length (bp)"] == LENGTH).all()
    assert f"rounds: The rebuild runs 1 round(s) of up to 60 sequences: its pool is {n_non // 2} of the {n_non} " \
           "non-sites of your training split" in nb
    assert "k-mer baseline on DNABERT's rebuilt set: k = " in nb and "metric (95% interval)" in nb
    assert set(scores["n"][scores["metric"] == "MCC"]) == {50}


def test_fasta_and_labels_with_split_column(reader_results, tmp_path):
    """fasta_path + labels_path (name, label, split) with rounds=0: no rebuild, its claims not testable."""
    seqs, labels = splice_like(seed=1)
    split = np.array(["train"] * 210 + ["val"] * 45 + ["test"] * 45)
    fa = tmp_path / "splice.fa"
    fa.write_text("".join(f">s{i} some description\n{s[:60]}\n{s[60:]}\n" for i, s in enumerate(seqs)))
    table = tmp_path / "splice_labels.tsv"
    table.write_text("name\tlabel\tsplit\n" + "".join(f"s{i}\t{y}\t{sp}\n" for i, (y, sp) in enumerate(zip(labels, split))))
    out, claims, nb = _run(("-p", "fasta_path", str(fa), "-p", "labels_path", str(table)), reader_results,
                           tmp_path / "site", "-p", "rounds", "0")
    _check_common(out, claims, rebuilt=False)
    assert "(fasta+labels); its own split: train 210, dev 45, test 45" in nb
    assert "rounds: No rebuild: rounds=0. The rebuild claims are not testable here." in nb
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("set")
    assert card.loc["training (round 0)", "sequences"] == 210 and card.loc["decoy pool", "sequences"] == 0
    assert json.loads((out / "run.json").read_text())["rounds"] == 0


def test_one_fasta_per_class_named(reader_results, tmp_path):
    """data_path = 'donor=...,acceptor=...,neither=...' (any order): classes matched by name, 70/15/15 split."""
    seqs, labels = splice_like(seed=2)
    paths = {}
    for y, name in ((1, "donor"), (0, "acceptor"), (2, "neither")):
        paths[name] = tmp_path / f"{name}.fa"
        paths[name].write_text("".join(f">{name}{i}\n{s}\n" for i, s in enumerate(s for s, c in zip(seqs, labels) if c == y)))
    source = ",".join(f"{name}={path}" for name, path in paths.items())
    out, claims, nb = _run(("-p", "data_path", source), reader_results, tmp_path / "site")
    _check_common(out, claims, rebuilt=True)
    assert "(fasta per class); no split given" in nb and "split: stratified by label, 70/15/15 (seed 0)" in nb
    assert "class files matched by name: donor -> 1 (donor), acceptor -> 0 (acceptor), neither -> 2 (non-site)" in nb
    # the labels reached the chapter right: every test donor has GT at the boundary, every acceptor AG before it
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("set")
    assert card.loc["test", "acceptor"] == card.loc["test", "donor"] == 15
    assert card.loc["test", "decoy GT"] + card.loc["test", "decoy AG"] > 0


def test_class_names_that_do_not_map_stop_the_run(tmp_path):
    """Class files named other than acceptor/donor/neither (or 0/1/2) stop with the fix, before any training."""
    seqs, labels = splice_like(n_per_class=10)
    paths = []
    for y, name in enumerate(("a", "b", "c")):
        path = tmp_path / f"{name}.fa"
        path.write_text("".join(f">{name}{i}\n{s}\n" for i, s in enumerate(s for s, c in zip(seqs, labels) if c == y)))
        paths.append(f"{name}={path}")
    proc = run_book("run", "splice_sites", "-p", "profile", "smoke", "-p", "data_path", ",".join(paths),
                    "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 1
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "splice_sites.ipynb").read_text()
    assert "class files a, b, c: name them acceptor=..., donor=..., neither=... (any order), or number them " \
           "0=<acceptors>, 1=<donors>, 2=<non-sites>." in nb
    assert not list((tmp_path / "results").rglob("claims.csv"))


def test_check_command_for_the_chapter(tmp_path):
    """`python -m genomebook.datasets check FOLDER --chapter splice_sites` reads three classes and says what is untestable."""
    folder = write_gue_folder(tmp_path / "splice_gue")
    proc = subprocess.run([sys.executable, "-m", "genomebook.datasets", "check", str(folder), "--chapter", "splice_sites"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "the splice_sites chapter will use: 300 records, 100 bp, 3 classes (0, 1, 2)" in out
    assert "split: the data's own (train/dev/test as given)" in out and "train 200, dev 50, test 50" in out
    assert "claims: Labels are 0 acceptor, 1 donor, 2 non-site" in out and "needs data_source='real'" in out
    assert "ok: the files can be read by the splice_sites chapter" in out
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "train.csv").write_text("sequence,label\nACGTACGT,3\n")
    (bad / "test.csv").write_text("sequence,label\nACGTACGT,0\n")
    proc = subprocess.run([sys.executable, "-m", "genomebook.datasets", "check", str(bad), "--chapter", "splice_sites"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "is not one of 0..2" in proc.stderr

