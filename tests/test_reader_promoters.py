"""The promoters chapter on a reader's files (issue 18): three formats, the k-mer baseline, the check command.

Small files written here: a few hundred human-like background sequences, the promoters with
a TATA box 30 bp upstream of their TSS and an initiator on it. Each run fine-tunes the smoke
build's pre-trained DNABERT (copied in by the ``reader_results`` fixture, seed 0: the cache
is per seed) and takes well under a minute beyond loading it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import run_book

from genomebook.datasets.__main__ import main
from genomebook.simulate import MarkovBackground

LENGTH = 120
TATA, INR = "TATAAAAG", "TCAGTT"
KMER = "k-mer baseline"
# claims that need the simulated ground truth or a genome: TATA subset (twice), prom-scan (twice)
UNTESTABLE = ("prom-300, TATA promoters: DNABERT beats DeePromoter",
              "prom-scan: DNABERT beats the CNN",
              "prom-scan is harder than prom-300",
              "Non-TATA promoters are recognised better than TATA promoters")


def _promoter_data(n=300, seed=0, fixed_tss=None):
    """n sequences of LENGTH bp (half promoters), their labels and TSS positions (0-based)."""
    rng = np.random.default_rng(seed)
    seqs = MarkovBackground.human_like().sample(n, LENGTH, rng)
    labels = np.array([1, 0] * (n // 2))
    rng.shuffle(labels)
    tss = np.full(n, fixed_tss) if fixed_tss is not None else rng.integers(60, 100, n)
    out = []
    for s, y, t in zip(seqs, labels, tss):
        if y:  # TATA box at -31..-24, initiator from -2
            s = s[:t - 31] + TATA + s[t - 23:t - 2] + INR + s[t + 4:]
        out.append(s)
    assert all(len(s) == LENGTH for s in out)
    return out, labels, tss


def _run(results, site, *params):
    args = ["run", "promoters", "-p", "profile", "smoke"]
    for name, value in params:
        args += ["-p", name, str(value)]
    proc = run_book(*args, "--site", str(site), results=results)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = results / "promoters" / "smoke" / "seed0"
    nb = (site / "notebooks" / "tasks" / "promoters.ipynb").read_text()
    return out, pd.read_csv(out / "tables" / "claims.csv"), nb


def _check(out, claims, nb, *, tss: bool, used: tuple[int, int, int]):
    """What every run on a reader's files shows: source, untestable claims, the k-mer baseline, the counts."""
    assert set(claims["data_source"]) == {"user files"}
    assert json.loads((out / "run.json").read_text())["data_source"] == "user files"
    outcome = dict(zip(claims["claim"], claims["outcome"]))
    for start in UNTESTABLE:
        row = claims[claims["claim"].str.startswith(start)]
        assert len(row) == 1 and row["outcome"].iloc[0] == "not testable here", start
        assert row["value"].isna().all()
    attention = claims[claims["claim"].str.startswith("On your promoters")].iloc[0]
    if tss:
        assert attention["outcome"] in ("supported", "not supported", "inconclusive")
        assert attention["ci_low"] <= attention["value"] <= attention["ci_high"]
    else:
        assert attention["outcome"] == "not testable here" and "needs a tss column" in attention["detail"]
    assert (claims["outcome"] == "not testable here").sum() == len(UNTESTABLE) + (not tss)
    # the claims about prom-300 and prom-core are tested on the reader's set
    for start in ("your data: DNABERT beats DeePromoter", "your data: DNABERT beats every CNN baseline",
                  "your data: pre-training helps"):
        row = claims[claims["claim"].str.startswith(start)].iloc[0]
        assert outcome[row["claim"]] != "not testable here", start
    kmer = claims[claims["claim"].str.startswith("DNABERT beats the k-mer baseline")].iloc[0]
    assert kmer["outcome"] in ("supported", "not supported", "inconclusive")
    assert kmer["ci_low"] <= kmer["value"] <= kmer["ci_high"] and "paired bootstrap" in kmer["detail"]
    assert kmer["n"] == used[2]
    scores = pd.read_csv(out / "tables" / "test_scores.csv")
    assert set(scores["task"]) == {"your data"}
    assert {"DNABERT", "DNABERT (random init)", "CNN", "CNN+LSTM", "CNN+GRU", "DeePromoter", KMER} == set(scores["model"])
    rows = scores[(scores["model"] == KMER) & (scores["subset"] == "all")].set_index("metric")
    assert {"auROC", "MCC", "accuracy", "F1", "auPR"} <= set(rows.index)
    assert (rows["ci_low"] <= rows["value"] + 1e-9).all() and (rows["value"] <= rows["ci_high"] + 1e-9).all()
    assert (rows["n"] == used[2]).all()
    assert rows.loc["auROC", "value"] > 0.8  # the planted TATA box and initiator are words a k-mer model sees
    assert 2 <= int(pd.read_csv(out / "tables" / "kmer_validation.csv")["k"].max()) <= 6
    card = pd.read_csv(out / "tables" / "data_card.csv").set_index("quantity")["value"]
    assert card["records used (train / validation / test)"].startswith(" / ".join(str(n) for n in used))
    assert card["length (bp)"] == str(LENGTH)
    assert card["TSS"].startswith("tss column") == tss
    assert "leakage" in {p.stem for p in (out / "tables").glob("*.csv")}
    assert "Your data" in nb and "Your promoters" in nb and "k-mer baseline, k chosen by validation auROC" in nb
    assert f"--- your data: train {used[0]:,}, validation {used[1]:,}, test {used[2]:,}" in nb
    assert "model (95% interval)" in nb
    return scores


def test_promoters_on_a_gue_style_folder(reader_results, tmp_path):
    """data_path = a folder of train.csv, dev.csv, test.csv: its split used as given, no tss column."""
    seqs, labels, _ = _promoter_data(260, seed=1)
    folder = tmp_path / "gue_like"
    folder.mkdir()
    for name, rows in (("train.csv", slice(0, 160)), ("dev.csv", slice(160, 200)), ("test.csv", slice(200, 260))):
        (folder / name).write_text("sequence,label\n" + "".join(f"{s},{y}\n" for s, y in zip(seqs[rows], labels[rows])))
    out, claims, nb = _run(reader_results, tmp_path / "site", ("data_path", folder))
    _check(out, claims, nb, tss=False, used=(160, 40, 60))
    assert "split: the data's own (train/dev/test as given)" in nb and "(csv folder); its own split" in nb
    assert "records used (the profile's cap" not in nb  # nothing capped
    assert "needs a tss column" in nb


def test_promoters_on_fasta_and_labels_with_split_and_tss(reader_results, tmp_path):
    """fasta_path + labels_path with split and tss columns: the train split capped at smoke's n_train, the
    attention landscape aligned on each sequence's TSS and its claim evaluated."""
    seqs, labels, tss = _promoter_data(300, seed=2)
    split = ["train"] * 200 + ["dev"] * 40 + ["test"] * 60
    fa = tmp_path / "prom.fa"
    fa.write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(seqs)))
    lab = tmp_path / "prom.tsv"
    lab.write_text("name\tlabel\tsplit\ttss\n" + "".join(f"r{i}\t{y}\t{sp}\t{t}\n"
                                                      for i, (y, sp, t) in enumerate(zip(labels, split, tss))))
    out, claims, nb = _run(reader_results, tmp_path / "site", ("fasta_path", fa), ("labels_path", lab))
    _check(out, claims, nb, tss=True, used=(160, 40, 60))
    assert "train: 160 of 200 records used (the profile's cap" in nb
    assert "aligned on your tss column" in nb
    land = pd.read_csv(out / "tables" / "attention_landscape.csv")
    # positions every test promoter covers, relative to its own TSS (tss 60..99 in 120 bp)
    assert land["position"].min() >= -60 and land["position"].max() <= 59 and 0 in set(land["position"])


def test_promoters_on_one_fasta_per_class(reader_results, tmp_path):
    """data_path = 'positives=pos.fa,negatives=neg.fa': the chapter's 70/15/15 split, train capped."""
    seqs, labels, _ = _promoter_data(300, seed=3, fixed_tss=80)
    pos, neg = tmp_path / "pos.fa", tmp_path / "neg.fa"
    pos.write_text("".join(f">p{i}\n{s}\n" for i, s in enumerate(s for s, y in zip(seqs, labels) if y)))
    neg.write_text("".join(f">n{i}\n{s}\n" for i, s in enumerate(s for s, y in zip(seqs, labels) if not y)))
    out, claims, nb = _run(reader_results, tmp_path / "site", ("data_path", f"positives={pos},negatives={neg}"))
    _check(out, claims, nb, tss=False, used=(160, 45, 45))
    assert "(fasta per class); no split given" in nb and "split: stratified by label, 70/15/15 (seed 0)" in nb
    assert "train: 160 of 210 records used (the profile's cap" in nb


def test_check_command_for_the_promoters_chapter(tmp_path, monkeypatch, capsys):
    seqs, labels, tss = _promoter_data(100, seed=4)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "train.csv").write_text("sequence,label,tss\n" + "".join(
        f"{s},{y},{t}\n" for s, y, t in zip(seqs[:70], labels[:70], tss[:70])))
    (tmp_path / "folder" / "test.csv").write_text("sequence,label,tss\n" + "".join(
        f"{s},{y},{t}\n" for s, y, t in zip(seqs[70:], labels[70:], tss[70:])))
    monkeypatch.chdir(tmp_path)
    code = main(["check", "folder", "--chapter", "promoters"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "the promoters chapter will use: 100 records, 120 bp" in out.out
    assert "claims: The claims about TATA promoters" in out.out and "tss column" in out.out
    assert "the data's split has no dev rows" in out.out
    assert "ok: the files can be read by the promoters chapter" in out.out
    assert "JASPAR" not in out.out  # the promoters chapter matches no motifs
