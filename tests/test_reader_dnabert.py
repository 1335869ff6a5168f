"""The DNABERT paper chapter on a reader's tasks (issue 18): task_paths in every format, the k-mer baseline.

One run of the chapter at profile=smoke holds three tiny tasks the test writes (60 bp, two
classes, a short word planted in the positives), one per format: a GUE-style folder of
train/dev/test.csv, a FASTA with a label table that has a split column, and one FASTA per
class. It fine-tunes the smoke build's cached pre-trained BERT (the ``reader_results``
fixture), so no pre-training runs here.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
from conftest import ROOT, run_book

LENGTH = 60
UNTESTABLE = "not testable here"
MODELS = {"DNABERT", "DNABERT (random init)", "CNN", "CNN+LSTM", "CNN+GRU", "k-mer baseline"}


def planted(n: int, word: str, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """n sequences of LENGTH random bases, every other one (label 1) with ``word`` at a random place."""
    seqs, labels = [], np.arange(n) % 2
    for y in labels:
        s = "".join(rng.choice(list("ACGT"), LENGTH))
        if y:
            i = int(rng.integers(0, LENGTH - len(word)))
            s = s[:i] + word + s[i + len(word):]
        seqs.append(s)
    return seqs, labels


def write_tasks(base) -> dict[str, object]:
    """The three tasks' files under ``base``; returns task_paths as the chapter takes it."""
    rng = np.random.default_rng(0)
    gue = base / "gue"
    gue.mkdir()
    for split, n in (("train", 60), ("dev", 20), ("test", 30)):
        seqs, labels = planted(n, "TATAAAAG", rng)
        (gue / f"{split}.csv").write_text("sequence,label\n" + "".join(f"{s},{y}\n" for s, y in zip(seqs, labels)))
    seqs, labels = planted(100, "CCACGTGG", rng)
    split = ["train"] * 60 + ["dev"] * 15 + ["test"] * 25
    (base / "tf.fa").write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(seqs)))
    (base / "tf.tsv").write_text("name\tlabel\tsplit\n" + "".join(f"r{i}\t{y}\t{sp}\n"
                                                                  for i, (y, sp) in enumerate(zip(labels, split))))
    seqs, labels = planted(100, "TGACTCAT", rng)
    (base / "pos.fa").write_text("".join(f">p{i}\n{s}\n" for i, (s, y) in enumerate(zip(seqs, labels)) if y))
    (base / "neg.fa").write_text("".join(f">n{i}\n{s}\n" for i, (s, y) in enumerate(zip(seqs, labels)) if not y))
    return {"tata": str(gue), "tf": {"fasta": str(base / "tf.fa"), "labels": str(base / "tf.tsv")},
            "ap1": f"positives={base / 'pos.fa'},negatives={base / 'neg.fa'}"}


def yaml_dict(task_paths: dict) -> str:
    """task_paths as the YAML the runner's -p reads (papermill's way of passing a dict)."""
    def value(v):
        return "{" + ", ".join(f"{k}: '{p}'" for k, p in v.items()) + "}" if isinstance(v, dict) else f"'{v}'"
    return "{" + ", ".join(f"{t}: {value(v)}" for t, v in task_paths.items()) + "}"


def test_three_tasks_in_every_format(reader_results, tmp_path):
    """task_paths with a GUE folder, a FASTA + table with a split column, and one FASTA per class, in one run."""
    task_paths = write_tasks(tmp_path)
    site = tmp_path / "site"
    proc = run_book("run", "dnabert", "-p", "profile", "smoke", "-p", "task_paths", yaml_dict(task_paths),
                    "--site", str(site), results=reader_results)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = reader_results / "dnabert" / "smoke" / "seed0"
    tables = out / "tables"
    meta = json.loads((out / "run.json").read_text())
    assert meta["data_source"] == "user files" and list(meta["task_paths"]) == ["tata", "tf", "ap1"]

    # the data card: the reader's numbers, each task's own split where it has one
    card = pd.read_csv(tables / "data_card.csv").set_index("task")
    assert list(card.index) == ["tata", "tf", "ap1"]
    assert card["records read"].tolist() == [110, 100, 100]
    assert card["format"].tolist() == ["csv folder", "fasta+labels", "fasta per class"]
    assert card.loc["tata", "test"] == 30 and card.loc["tf", "test"] == 25  # as given
    assert card.loc["tf", "split"] == "its own" and card.loc["ap1", "split"].startswith("70/15/15")
    assert (card["length (bp)"] == LENGTH).all() and (card["classes"] == 2).all()

    # the leakage card per task, with the pre-training corpus
    leak = pd.read_csv(tables / "leakage.csv")
    assert set(leak["task"]) == {"tata", "tf", "ap1"}
    assert (leak["reference"] == "pre-training").any()

    # per-task metrics: every model, the k-mer baseline among them, with intervals
    m = pd.read_csv(tables / "task_metrics.csv")
    assert set(m["task"]) == {"tata", "tf", "ap1"} and set(m["model"]) == MODELS
    kmer = m[m["model"] == "k-mer baseline"]
    assert set(kmer["metric"]) == {"MCC", "accuracy", "auROC"} and len(kmer) == 9
    assert ((kmer["ci_low"] <= kmer["value"] + 1e-9) & (kmer["value"] <= kmer["ci_high"] + 1e-9)).all()
    assert set(pd.read_csv(tables / "kmer_validation.csv")["task"]) == {"tata", "tf", "ap1"}

    # claims: the models' comparisons evaluated on each task, the paper's task-bound claims not testable
    claims = pd.read_csv(tables / "claims.csv")
    assert set(claims["data_source"]) == {"user files"}
    for task in ("tata", "tf", "ap1"):
        rows = claims[claims["claim"].str.contains(f"your task '{task}'", regex=False)]
        assert len(rows) == 2 and (rows["outcome"] != UNTESTABLE).all() and rows["value"].notna().all(), rows
    k = claims[claims["claim"].str.startswith("DNABERT beats the k-mer baseline")]
    assert len(k) == 1 and k["outcome"].iloc[0] != UNTESTABLE and not math.isnan(k["value"].iloc[0])
    assert "one aggregation over the 3 tasks (tata, tf, ap1): accuracy over their pooled test" in k["detail"].iloc[0]
    assert k["n"].iloc[0] == 30 + 25 + 15
    untestable = claims[claims["outcome"] == UNTESTABLE]
    assert len(untestable) == 4 and untestable["value"].isna().all()
    assert untestable["detail"].str.startswith("not testable here: ").all()
    assert any("mouse TF binding" in c for c in untestable["claim"])

    # the published numbers are not compared; the simulation-only sections say they were skipped
    pub = pd.read_csv(tables / "published_vs_reproduced.csv")
    assert pub["reproduced"].isna().all() and (pub["note"] == "not comparable: your tasks, not the paper's").all()
    nb = (site / "notebooks" / "papers" / "dnabert.ipynb").read_text()
    assert "Skipped on your tasks" in nb and "Your tasks" in nb
    assert not (tables / "attention_landscape.csv").exists() and not (tables / "test_scores_dedup.csv").exists()


def test_check_command_for_the_chapter(tmp_path):
    """`python -m genomebook.datasets check FOLDER --chapter dnabert` reads a task as the chapter will."""
    write_tasks(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "genomebook.datasets", "check", str(tmp_path / "gue"),
                           "--chapter", "dnabert"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "the dnabert chapter will use: 110 records, 60 bp, 2 classes" in out
    assert "split: the data's own (train/dev/test as given)" in out
    assert "claims: The paper's published numbers" in out and "evaluated on each of your tasks" in out
    assert "ok: the files can be read by the dnabert chapter" in out
    # one FASTA per class, as class=path arguments
    proc = subprocess.run([sys.executable, "-m", "genomebook.datasets", "check", f"positives={tmp_path / 'pos.fa'}",
                           f"negatives={tmp_path / 'neg.fa'}", "--chapter", "dnabert"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "100 records, 60 bp, 2 classes" in proc.stdout, proc.stdout + proc.stderr
    # a three-class table stops with the reader's message (the chapter takes two classes per task)
    bad = tmp_path / "three.csv"
    bad.write_text("sequence,label\n" + "".join(f"{'ACGT' * 15},{i % 3}\n" for i in range(9)))
    proc = subprocess.run([sys.executable, "-m", "genomebook.datasets", "check", str(bad), "--chapter", "dnabert"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "three.csv" in proc.stderr, proc.stdout + proc.stderr
