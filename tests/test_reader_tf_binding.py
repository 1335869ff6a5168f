"""The tf_binding chapter on a reader's files (issue 18): every format, a second species for transfer.

Tiny files written here (a few hundred sequences, a CTCF-like core planted in the bound ones);
each run fine-tunes the smoke build's cached pre-trained BERT (fixture ``reader_results``).
"""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import run_book
from genomebook.datasets.__main__ import main
from genomebook.report import OUTCOME_UNTESTABLE
from genomebook.simulate import MarkovBackground

EVALUATED = {"supported", "not supported", "inconclusive"}
SITE = "CCACTAGGGGGCGC"  # a CTCF-like core, planted in bound sequences
LENGTH = 80


def _bound_unbound(n: int, seed: int, site: str = SITE) -> tuple[list[str], np.ndarray]:
    """n sequences of LENGTH bp, half bound (label 1: ``site`` planted at a random place)."""
    rng = np.random.default_rng(seed)
    seqs = MarkovBackground.human_like().sample(n, LENGTH, rng)
    labels = rng.permutation(np.arange(n) % 2)
    out = []
    for s, y in zip(seqs, labels):
        if y:
            at = int(rng.integers(5, LENGTH - len(site) - 5))
            s = s[:at] + site + s[at + len(site):]
        out.append(s)
    return out, labels


def _table(seqs, labels) -> str:
    return "sequence,label\n" + "".join(f"{s},{y}\n" for s, y in zip(seqs, labels))


def write_gue_folder(folder, seed=1):
    """A GUE-style folder: train.csv (200), dev.csv (50), test.csv.gz (50)."""
    seqs, labels = _bound_unbound(300, seed)
    folder.mkdir()
    (folder / "train.csv").write_text(_table(seqs[:200], labels[:200]))
    (folder / "dev.csv").write_text(_table(seqs[200:250], labels[200:250]))
    (folder / "test.csv.gz").write_bytes(gzip.compress(_table(seqs[250:], labels[250:]).encode()))


def _run(tmp_path, results, *params):
    args = ["run", "tf_binding", "-p", "profile", "smoke"]
    for name, value in params:
        args += ["-p", name, str(value)]
    proc = run_book(*args, "--site", str(tmp_path / "site"), results=results)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = results / "tf_binding" / "smoke" / "seed0"
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert set(claims["data_source"]) == {"user files"}
    assert json.loads((out / "run.json").read_text())["data_source"] == "user files"
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "tf_binding.ipynb").read_text()
    assert '"output_type": "error"' not in nb
    # no planted sites: the per-kind analysis and the true-motif scanner are left out
    assert not (out / "tables" / "probability_by_kind.csv").exists()
    scores = pd.read_csv(out / "tables" / "test_scores.csv")
    assert "motif scanner (true motif)" not in set(scores["model"])
    return out, claims, scores, nb


def _check_kmer(claims, scores, datasets):
    """The k-mer baseline: rows with intervals in the metrics table, and its claim evaluated."""
    for ds in datasets:
        k = scores[(scores["model"] == "k-mer baseline") & (scores["species"] == ds)].set_index("metric")
        assert set(k.index) >= {"auROC", "MCC", "accuracy", "F1", "auPR"}, ds
        assert (k["ci_low"] <= k["value"] + 1e-9).all() and (k["value"] <= k["ci_high"] + 1e-9).all(), ds
    kmer = claims[claims["claim"].str.startswith("DNABERT beats the k-mer baseline")]
    assert len(kmer) == 1
    row = kmer.iloc[0]
    assert row["outcome"] in EVALUATED and row["ci_low"] <= row["value"] <= row["ci_high"]
    assert "chosen on validation from 2 to 6" in row["detail"] and "paired bootstrap" in row["detail"]
    # the planted core is plain composition to a 6-mer model: the baseline finds it
    auroc = scores[(scores["model"] == "k-mer baseline") & (scores["metric"] == "auROC")].set_index("species")
    assert auroc.loc["your data", "value"] > 0.8


def _transfer_claims(claims):
    rows = claims[claims["claim"].str.startswith("Transfer:")]
    assert len(rows) == 2
    return rows


@pytest.mark.slow
def test_gue_folder_with_a_transfer_set(tmp_path, reader_results):
    """(a) A GUE-style folder, and transfer_data_path a GUE-style CSV of a second species: all claims evaluated."""
    write_gue_folder(tmp_path / "human_gue")
    seqs, labels = _bound_unbound(140, 7, site="CCACTAGAGGGCGC")  # the second species' site diverged at one base
    (tmp_path / "mouse.csv").write_text(_table(seqs, labels))
    out, claims, scores, nb = _run(tmp_path, reader_results, ("data_path", tmp_path / "human_gue"),
                                   ("transfer_data_path", tmp_path / "mouse.csv"))
    assert set(claims["outcome"]) <= EVALUATED  # nothing needs the simulated ground truth here
    for _, row in _transfer_claims(claims).iterrows():
        assert row["outcome"] in EVALUATED and not math.isnan(row["value"]) and row["n"] == 120
    _check_kmer(claims, scores, ["your data", "transfer set"])
    card = pd.read_csv(out / "tables" / "data_card.csv", dtype=str).set_index("dataset")
    assert card.loc["your data", "records read"] == "300" and card.loc["transfer set", "records read"] == "140"
    assert card.loc["your data", "train / val / test used"] == "160 / 50 / 50"  # the smoke cap on train
    assert card.loc["transfer set", "train / val / test used"] == "– / – / 120"  # a test set only, capped
    assert (card["length (bp)"] == str(LENGTH)).all()
    leak = pd.read_csv(out / "tables" / "leakage.csv")
    against = set(leak.loc[leak["dataset"] == "transfer set", "reference"])
    assert {"train", "val"} <= against and len(against) == 3  # your training and validation sets, pre-training
    assert "train: 160 of 200 records used" in nb and "transfer set test: 120 of 140 records used" in nb
    assert "(csv folder); its own split" in nb


@pytest.mark.slow
def test_fasta_and_labels_with_a_split_column(tmp_path, reader_results):
    """(b) FASTA + a label table with a split column; no transfer set: the transfer claims are not testable."""
    seqs, labels = _bound_unbound(260, 2)
    split = np.array(["train"] * 150 + ["val"] * 40 + ["test"] * 70)
    (tmp_path / "mine.fa").write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(seqs)))
    (tmp_path / "mine.tsv").write_text("name\tlabel\tsplit\tspecies\n" + "".join(
        f"r{i}\t{y}\t{sp}\tHomo sapiens\n" for i, (y, sp) in enumerate(zip(labels, split))))
    out, claims, scores, nb = _run(tmp_path, reader_results, ("fasta_path", tmp_path / "mine.fa"),
                                   ("labels_path", tmp_path / "mine.tsv"))
    for _, row in _transfer_claims(claims).iterrows():
        assert row["outcome"] == OUTCOME_UNTESTABLE and math.isnan(row["value"])
        assert "give transfer_data_path" in row["detail"]
    others = claims[~claims["claim"].str.startswith("Transfer:")]
    assert set(others["outcome"]) <= EVALUATED  # every other claim is evaluated
    _check_kmer(claims, scores, ["your data"])
    assert set(scores["species"]) == {"your data"}
    card = pd.read_csv(out / "tables" / "data_card.csv", dtype=str).set_index("dataset")
    assert card.loc["your data", "train / val / test used"] == "150 / 40 / 70"
    assert "split: the data's own" in nb and "No transfer set: give transfer_data_path" in nb


@pytest.mark.slow
def test_one_fasta_per_class(tmp_path, reader_results):
    """(c) One FASTA per class (gzip for one), no split given: the chapter's 70/15/15 split; a per-class transfer set."""
    seqs, labels = _bound_unbound(240, 3)
    (tmp_path / "pos.fa").write_text("".join(f">p{i}\n{s}\n" for i, s in enumerate(np.array(seqs)[labels == 1])))
    (tmp_path / "neg.fa.gz").write_bytes(gzip.compress("".join(
        f">n{i}\n{s}\n" for i, s in enumerate(np.array(seqs)[labels == 0])).encode()))
    t_seqs, t_labels = _bound_unbound(60, 4)
    (tmp_path / "t_pos.fa").write_text("".join(f">tp{i}\n{s}\n" for i, s in enumerate(np.array(t_seqs)[t_labels == 1])))
    (tmp_path / "t_neg.fa").write_text("".join(f">tn{i}\n{s}\n" for i, s in enumerate(np.array(t_seqs)[t_labels == 0])))
    out, claims, scores, nb = _run(
        tmp_path, reader_results, ("data_path", f"positives={tmp_path / 'pos.fa'},negatives={tmp_path / 'neg.fa.gz'}"),
        ("transfer_data_path", f"positives={tmp_path / 't_pos.fa'},negatives={tmp_path / 't_neg.fa'}"))
    for _, row in _transfer_claims(claims).iterrows():
        assert row["outcome"] in EVALUATED and row["n"] == 60
    _check_kmer(claims, scores, ["your data", "transfer set"])
    card = pd.read_csv(out / "tables" / "data_card.csv", dtype=str).set_index("dataset")
    assert card.loc["your data", "format"] == "fasta per class"
    assert card.loc["your data", "train / val / test used"] == "160 / 36 / 36"  # 70/15/15 of 240, train capped
    assert "split: stratified by label, 70/15/15 (seed 0)" in nb and "(fasta per class); no split given" in nb


@pytest.mark.slow
def test_a_transfer_set_needs_the_readers_first_species(tmp_path):
    (tmp_path / "mouse.csv").write_text(_table(*_bound_unbound(20, 5)))
    proc = run_book("run", "tf_binding", "-p", "profile", "smoke", "-p", "transfer_data_path",
                    str(tmp_path / "mouse.csv"), "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 1
    nb = (tmp_path / "site" / "notebooks" / "tasks" / "tf_binding.ipynb").read_text()
    assert "is a second species for your own data" in nb


def test_check_command_for_the_chapter(tmp_path, monkeypatch, capsys):
    write_gue_folder(tmp_path / "human_gue")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "human_gue", "--chapter", "tf_binding"])
    out = capsys.readouterr().out
    assert code == 0
    assert "(csv folder); its own split: train 200, dev 50, test 50" in out
    assert "the tf_binding chapter will use: 300 records, 80 bp, 2 classes" in out
    assert "claims: The transfer claims are testable only with transfer_data_path" in out
    assert "ok: the files can be read by the tf_binding chapter" in out
