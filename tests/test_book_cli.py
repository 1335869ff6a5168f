"""The book command line: chapter discovery, parameter typing and checks, summary tables."""

import json
from pathlib import Path

import pytest

from genomebook import book, site

ROOT = Path(__file__).resolve().parents[1]


def test_chapters_are_found_by_file_stem():
    names = [c.name for c in book.chapters(ROOT)]
    assert "motifs" in names
    ch = book.find_chapter("motifs", ROOT)
    assert ch.group == "tasks" and ch.source == ROOT / "notebooks" / "tasks" / "motifs.py"
    assert ch.output(Path("/s")) == Path("/s/notebooks/tasks/motifs.ipynb")


def test_unknown_chapter_lists_the_known_ones():
    with pytest.raises(book.ChapterError, match="No chapter named 'motif'. Chapters: .*motifs"):
        book.find_chapter("motif", ROOT)


@pytest.mark.parametrize("text, value", [
    ("3", 3), ("0.5", 0.5), ("smoke", "smoke"), ("[MA0139.2, MA0080.7]", ["MA0139.2", "MA0080.7"]),
    ("null", None), ("true", True), ("'3'", "3"),
])
def test_values_are_typed_like_papermill(text, value):
    assert book.parse_value(text) == value


def test_parameters_cell_is_read_and_unknown_parameters_refused(tmp_path):
    ch = book.find_chapter("motifs", ROOT)
    defaults = book.notebook_parameters(ch, tmp_path)
    assert {"profile", "seed", "n_sequences", "epochs", "motif_ids", "fasta_path",
            "labels_path"} <= set(defaults)
    assert defaults["profile"] == "book" and defaults["seed"] == 0
    assert defaults["motif_ids"] == ["MA0139.2", "MA0080.7", "MA0466.4"]
    with pytest.raises(book.ChapterError, match=r"has no parameter 'n_seqs'. Its parameters are: .*n_sequences"):
        book.check_parameters(ch, {"n_seqs": 10}, defaults)
    book.check_parameters(ch, {"seed": 2}, defaults)


def test_cli_refuses_unknown_parameter_before_running(tmp_path, capsys):
    code = book.main(["run", "motifs", "-p", "bogus", "1", "--site", str(tmp_path)])
    assert code == 2
    assert "has no parameter 'bogus'" in capsys.readouterr().err
    assert not (tmp_path / "_runs" / "motifs.json").exists()


def test_summary_table_and_runs_page(tmp_path):
    rec = {"chapter": "motifs", "group": "tasks", "profile": "smoke", "seed": 0,
           "data_source": "simulated", "seconds": 12.34, "status": "ok", "error": "",
           "parameters": {"profile": "smoke"}, "finished": "2026-11-21 10:00:00",
           "notebook": "notebooks/tasks/motifs.ipynb", "log": "_runs/motifs.log", "headline": ""}
    bad = dict(rec, chapter="other", status="failed", error="ValueError: boom", data_source="")
    table = book.summary_table([rec, bad]).splitlines()
    assert table[0].split() == ["chapter", "profile", "data", "source", "seconds", "status"]
    assert table[2].split() == ["motifs", "smoke", "simulated", "12.3", "ok"]
    assert table[3].split()[:5] == ["other", "smoke", "-", "12.3", "failed"]
    (tmp_path / "_runs").mkdir()
    (tmp_path / "_runs" / "motifs.json").write_text(json.dumps(rec))
    page = site.write_runs_page(tmp_path).read_text()
    assert "| [motifs](notebooks/tasks/motifs) | smoke | 0 | simulated | 12 | 60 ✓ | ok | 2026-11-21 10:00 |" in page
    # where it ran: a record without an environment says so and names the building machine
    assert "not recorded" in page and "CPU cores" in page and "torch " in page and "numpy " in page
    (tmp_path / "_runs" / "motifs.json").write_text(json.dumps(dict(rec, environment={
        "commit": "abc123", "packages": {"torch": "2.0"}, "python": "3.11", "cpus": 16, "gpu": "NVIDIA H200"})))
    page = site.write_runs_page(tmp_path).read_text()
    assert "- motifs: commit `abc123`; 16 CPU cores, GPU: NVIDIA H200; Python 3.11; torch 2.0." in page


def test_prune_stale_removes_only_older_tables_and_figures(tmp_path):
    import os
    import time

    run = tmp_path / "promoters" / "book" / "seed0"
    for rel in ("tables/old.csv", "tables/new.csv", "figures/old.png", "run.json"):
        (run / rel).parent.mkdir(parents=True, exist_ok=True)
        (run / rel).write_text("x")
    since = time.time()
    for rel in ("tables/old.csv", "figures/old.png", "run.json"):
        os.utime(run / rel, (since - 100, since - 100))
    os.utime(run / "tables" / "new.csv", (since + 5, since + 5))  # written during the run
    gone = book.prune_stale(run, since)
    assert sorted(p.name for p in gone) == ["old.csv", "old.png"]
    assert (run / "tables" / "new.csv").exists() and (run / "run.json").exists()
    assert not (run / "tables" / "old.csv").exists() and not (run / "figures" / "old.png").exists()
    assert book.prune_stale(tmp_path / "missing", since) == []


def test_relative_path_parameters_are_read_from_the_callers_folder(tmp_path):
    """Chapters run in the project root; the runner makes a reader's relative paths absolute first."""
    from genomebook.book import absolute_paths

    (tmp_path / "pos.fa").write_text(">a\nACGT\n")
    (tmp_path / "neg.fa").write_text(">b\nACGT\n")
    (tmp_path / "gue").mkdir()
    got = absolute_paths({"data_path": "positives=pos.fa,negatives=neg.fa", "fasta_path": "pos.fa",
                          "task_paths": {"prom": "gue"}, "labels_path": "missing.tsv", "profile": "pos.fa"},
                         tmp_path)
    assert got["data_path"] == f"positives={tmp_path / 'pos.fa'},negatives={tmp_path / 'neg.fa'}"
    assert got["fasta_path"] == str(tmp_path / "pos.fa") and got["task_paths"] == {"prom": str(tmp_path / "gue")}
    assert got["labels_path"] == "missing.tsv"  # not found there: passed on, the chapter's error says where it looked
    assert got["profile"] == "pos.fa"  # not a path parameter


def test_citations_are_made_local_to_a_page_with_a_bibliography():
    from genomebook.book import local_citations

    cells = ["As {cite}`a, b` and {cite:p}`c` showed.", "```{bibliography}\n:filter: docname in docnames\n```\n"]
    got = local_citations(cells, "motifs-")
    assert got[0] == "As {cite}`motifs-a,motifs-b` and {cite:p}`motifs-c` showed."
    assert got[1] == "```{bibliography}\n:keyprefix: motifs-\n:filter: docname in docnames\n```\n"
    assert local_citations(cells[:1], "x-") == cells[:1]  # no bibliography on the page: links to the home page's
