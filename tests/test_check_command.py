"""`python -m genomebook.datasets check`: a reader's files validated before any training.

Small files written here, in each format the reader takes; the commands of book/your-data.md
are run as the page writes them.
"""

from __future__ import annotations

import gzip
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from genomebook.datasets.__main__ import _parser, main
from genomebook.seq import reverse_complement

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "your-data.md"


def _seqs(n=60, length=50, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)], rng.integers(0, 2, n)


def write_fasta_and_table(folder: Path, *, species="Saccharomyces cerevisiae"):
    seqs, labels = _seqs()
    seqs[45] = seqs[3]  # a test sequence that is also in train
    seqs[50] = reverse_complement(seqs[4])  # and one that is a train sequence's reverse complement
    seqs[10] = seqs[2]  # a repeat inside train
    (folder / "my.fa").write_text("".join(f">seq{i}\n{s}\n" for i, s in enumerate(seqs)))
    split = ["train"] * 40 + ["dev"] * 5 + ["test"] * 15
    (folder / "my_labels.tsv").write_text("name\tlabel\tsplit\tspecies\n" + "".join(
        f"seq{i}\t{y}\t{sp}\t{species}\n" for i, (y, sp) in enumerate(zip(labels, split))))


def write_gue_folder(folder: Path):
    seqs, labels = _seqs(seed=1)
    (folder / "my_gue_folder").mkdir()
    for name, rows in (("train.csv", slice(0, 40)), ("dev.csv", slice(40, 50)), ("test.csv.gz", slice(50, 60))):
        text = "sequence,label\n" + "".join(f"{s},{y}\n" for s, y in zip(seqs[rows], labels[rows]))
        path = folder / "my_gue_folder" / name
        path.write_bytes(gzip.compress(text.encode())) if name.endswith(".gz") else path.write_text(text)


def write_per_class(folder: Path):
    seqs, labels = _seqs(seed=2)
    (folder / "pos.fa").write_text("".join(f">p{i}\n{s}\n" for i, s in enumerate(s for s, y in zip(seqs, labels) if y)))
    (folder / "neg.fa").write_text("".join(f">n{i}\n{s}\n" for i, s in enumerate(s for s, y in zip(seqs, labels) if not y)))


def check(capsys, *argv):
    code = main(["check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_fasta_and_table(tmp_path, monkeypatch, capsys):
    write_fasta_and_table(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = check(capsys, "my.fa", "--labels", "my_labels.tsv", "--chapter", "motifs")
    assert code == 0, err
    assert "60 sequences" in out and "its own split: train 40, dev 5, test 15" in out
    assert re.search(r"train\s+\d+\s+\d+\ndev\s+\d+\s+\d+\ntest\s+\d+\s+\d+", out)  # counts per split and class
    assert "min  median  max" in out and "all 60 sequences are 50 bp" in out
    assert "2 record(s) repeat an earlier sequence exactly, 1 its reverse complement" in out
    assert re.search(r"test\s+train\s+15\s+1\s+1\s+\d+\s+\d+", out)  # leakage card: exact and revcomp
    assert "warning:" in out and "re-split" in out
    assert "the motifs chapter will use: 60 records, 50 bp" in out
    assert "claims: The claims about planted motifs cannot be tested" in out
    assert "train 40, dev 5, test 15" in out
    assert "JASPAR 2024 CORE fungi" in out and "Saccharomyces cerevisiae (60)" in out
    assert "ok: the files can be read by the motifs chapter" in out


def test_gue_folder_and_per_class(tmp_path, monkeypatch, capsys):
    write_gue_folder(tmp_path)
    write_per_class(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = check(capsys, "my_gue_folder", "--chapter", "motifs")
    assert code == 0, err
    assert "(csv folder); its own split: train 40, dev 10, test 10" in out and "JASPAR 2024 CORE vertebrates" in out
    code, out, err = check(capsys, "positives=pos.fa", "negatives=neg.fa")
    assert code == 0, err
    assert "(fasta per class); no split given" in out and "leakage across" not in out
    code, out, err = check(capsys, "positives=pos.fa", "negatives=neg.fa", "--chapter", "motifs",
                           "--motif-collection", "plants")
    assert code == 0, err
    assert "split: stratified by label, 70/15/15 (seed 0)" in out and "the motifs chapter's split" in out
    assert "JASPAR 2024 CORE plants" in out


def test_errors_exit_non_zero_with_the_readers_message(tmp_path, monkeypatch, capsys):
    write_fasta_and_table(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.fa").write_text(">a\nACGTXACGT\n>b\nACGTACGTA\n")
    (tmp_path / "bad.tsv").write_text("name\tlabel\na\t1\nb\t0\n")
    code, out, err = check(capsys, "bad.fa", "--labels", "bad.tsv")
    assert code == 1 and "record 'a': letter 'X' at position 5 is not DNA" in err and "ok:" not in out
    code, out, err = check(capsys, "my.fa")
    assert code == 1 and "no labels were given" in err
    code, out, err = check(capsys, "missing.fa", "--labels", "my_labels.tsv")
    assert code == 1 and "missing.fa" in err
    (tmp_path / "dup.fa").write_text(">a\nACGT\n>a\nTTTT\n")
    (tmp_path / "dup.tsv").write_text("name\tlabel\na\t1\n")
    code, out, err = check(capsys, "dup.fa", "--labels", "dup.tsv")
    assert code == 1 and "more than once" in err
    code, out, err = check(capsys, "my.fa", "--labels", "my_labels.tsv", "--chapter", "motifs",
                           "--motif-collection", "mammals")
    assert code == 1 and "neither 'auto', a JASPAR group" in err
    code, out, err = check(capsys, "my.fa", "other.fa")
    assert code == 2 and "class=path" in err


def _page_commands(prefix: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", PAGE.read_text(), flags=re.S)
    return [line for b in blocks for line in b.splitlines() if line.startswith(prefix)]


def test_the_pages_check_commands_run(tmp_path):
    """Each `check` command of book/your-data.md, on files the test writes with the page's names."""
    write_fasta_and_table(tmp_path)
    write_gue_folder(tmp_path)
    write_per_class(tmp_path)
    commands = _page_commands(".venv/bin/python -m genomebook.datasets check")
    assert len(commands) == 3
    for command in commands:
        argv = shlex.split(command)
        proc = subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, (command, proc.stderr)
        assert "ok: the files can be read by the motifs chapter" in proc.stdout, command
    # the options the page names are the parser's
    for option in ("--duplicate-names rename", "--allow-iupac", "--unequal-lengths pad",
                   "--motif-collection plants", "--seed 3"):
        assert f"`{option}`" in PAGE.read_text()
        _parser().parse_args(["check", "x.fa", *option.split()])


def test_the_pages_chapter_parameters_exist():
    """Every `-p NAME` of the page's book commands and every parameter of its table is a motifs parameter."""
    chapter = (ROOT / "notebooks" / "tasks" / "motifs.py").read_text()
    cell = chapter.split('# %% tags=["parameters"]', 1)[1].split("# %%", 1)[0]
    declared = set(re.findall(r"^(\w+) = ", cell, flags=re.M))
    used = {n for c in _page_commands(".venv/bin/python -m genomebook.book run motifs")
            for n in re.findall(r"-p (\w+)", c)}
    table = set(re.findall(r"^\| `(\w+)` \|", PAGE.read_text(), flags=re.M))
    assert used and table and (used | table) <= declared, (used | table) - declared
    assert {"data_path", "fasta_path", "labels_path", "duplicate_names", "allow_iupac", "unequal_lengths",
            "motif_collection"} <= table


@pytest.mark.parametrize("line", ["      - file: your-data"])
def test_the_page_is_in_the_toc(line):
    assert line in (ROOT / "book" / "_toc.yml").read_text().splitlines()
