"""The generated pages (genomebook.site) on a small hand-made site: no chapter is run."""

import json

import pytest
import yaml

from genomebook import published, site
from genomebook.report import Claim, claims_table, published_vs_reproduced


def _run(tmp_path, chapter, group, claims, pvr=None, status="ok"):
    """A run record under <tmp>/site/_runs and its results under <tmp>/results, as the runner leaves them."""
    rec = {"chapter": chapter, "group": group, "profile": "smoke", "seed": 0, "data_source": "simulated",
           "seconds": 1.0, "status": status, "error": "" if status == "ok" else "ValueError: boom",
           "parameters": {"profile": "smoke"}, "finished": "2026-11-21 10:00:00",
           "notebook": f"notebooks/{group}/{chapter}.ipynb", "log": f"_runs/{chapter}.log"}
    (tmp_path / "site" / "_runs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "site" / "_runs" / f"{chapter}.json").write_text(json.dumps(rec))
    out = tmp_path / "results" / chapter / "smoke" / "seed0"
    (out / "tables").mkdir(parents=True, exist_ok=True)
    claims_table(claims, profile="smoke", data_source="simulated").to_csv(out / "tables" / "claims.csv", index=False)
    if pvr is not None:
        published_vs_reproduced(pvr).to_csv(out / "tables" / "published_vs_reproduced.csv", index=False)
    (out / "run.json").write_text(json.dumps({"chapter": chapter, "data_source": "simulated",
                                              "data_source_requested": "auto", "sizes": {"epochs": 2}}))
    return rec


@pytest.fixture
def small_site(tmp_path):
    pid = "deepcage.fig2a.known.deepcage"
    _run(tmp_path, "deepcage", "papers", [
        Claim("beats Basset", 0.1, 0, op=">", ci_low=0.05, ci_high=0.2, n=4, source="Fig 2A", published=pid),
        Claim("ChromDragoNN baseline", 0.0, 0, op=">", ci_low=-0.1, ci_high=0.1, source="ChromDragoNN (2019)"),
    ], pvr=[published.row(pid, 0.8, 0.7, 0.9, note="simulated")])
    _run(tmp_path, "motifs", "tasks", [Claim("recovers motifs", 3, 2, n=3),
                                       Claim("GUE number", None, 0.5, source="GUE, DNABERT-2 Table 6")])
    _run(tmp_path, "broken", "tasks", [Claim("never shown", 1, 0)], status="failed")
    return tmp_path


def test_gather_claims_reads_every_ok_run_and_names_the_paper(small_site):
    df = site.gather_claims(small_site / "site", small_site / "results")
    assert list(df.columns) == list(site.SCOREBOARD_COLUMNS)
    got = {(r.chapter, r.claim): (r.paper, r.outcome) for r in df.itertuples()}
    assert got == {("deepcage", "beats Basset"): ("DeepCAGE", "supported"),
                   ("deepcage", "ChromDragoNN baseline"): ("DeepCAGE", "inconclusive"),  # a paper chapter
                   ("motifs", "recovers motifs"): (site.THIS_BOOK, "supported"),
                   ("motifs", "GUE number"): ("DNABERT-2", "not testable here")}
    row = df[df["claim"] == "beats Basset"].iloc[0]
    assert row["published_value"] == published.value("deepcage.fig2a.known.deepcage")
    assert row["page"] == "notebooks/papers/deepcage.html#claims" and row["run_date"].startswith("2026-11-21")


def test_claims_page_lists_claims_counts_failures_and_draws_the_figure(small_site):
    page = site.write_claims_page(small_site / "site", small_site / "results").read_text()
    assert page.count("<tr><td>") == 4 and "never shown" not in page
    assert "broken (ValueError: boom)" in page  # a failed chapter is named, not silently missing
    assert "| **all** | **2** | **0** | **1** | **1** | **4** |" in page
    assert (small_site / "site" / "_generated" / "claims_outcomes.png").stat().st_size > 5000
    assert '<td class="gb-outcome gb-not-testable-here">not testable here</td>' in page


def test_published_page_and_spread_marks(small_site, tmp_path, monkeypatch):
    page = site.write_published_page(small_site / "site", small_site / "results").read_text()
    assert "## DeepCAGE" in page and "0.8 [0.7, 0.9]" in page and "reports no spread" in page
    assert site.spread_mark(0.8, None, None) == "none reported"
    assert site.spread_mark(None, 0.1, 0.2) == "not reproduced"
    assert site.spread_mark(0.15, 0.1, 0.2) == "within" and site.spread_mark(0.8, 0.1, 0.2) == "outside"
    # an entry with a spread: the page gets the column and marks ours outside it
    folder = tmp_path / "pub"
    folder.mkdir()
    entry = {"id": "deepcage.fig2a.known.deepcage", "paper": "DeepCAGE", "where": "Fig 2A",
             "quantity": "auPR", "value": 0.418, "low": 0.40, "high": 0.44}
    (folder / "x.yaml").write_text(yaml.safe_dump({"numbers": [entry]}))
    published.load.cache_clear()
    monkeypatch.setattr(published, "DEFAULT_DIR", folder)
    try:
        assert published.get(entry["id"]).has_spread
        page = site.write_published_page(small_site / "site", small_site / "results").read_text()
        assert "paper&#x27;s spread" in page and "✗ outside [0.4, 0.44]" in page
    finally:
        published.load.cache_clear()


def test_published_spread_needs_both_ends(tmp_path):
    (tmp_path / "x.yaml").write_text(yaml.safe_dump({"numbers": [
        {"id": "x.a", "paper": "X", "where": "Fig 1", "quantity": "q", "value": 1, "low": 0.5}]}))
    with pytest.raises(ValueError, match="both low and high"):
        published.load(tmp_path)
    published.load.cache_clear()


def test_downloads_section_and_rerun_command(small_site):
    import nbformat

    s = small_site / "site"
    for rec in site.run_records(s):
        path = s / rec["notebook"]
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter")]), path)
    site.add_chapter_downloads(s, small_site / "results")
    site.add_chapter_downloads(s, small_site / "results")  # a rebuild replaces the section
    nb = nbformat.read(s / "notebooks/tasks/motifs.ipynb", as_version=4)
    assert len(nb.cells) == 2
    text = nb.cells[-1].source
    assert "python -m genomebook.book run motifs -p profile smoke -p seed 0" in text
    assert "`data_source=auto` and got simulated" in text and "`epochs=2`" in text
    assert 'href="../../downloads/motifs/tables/claims.csv"' in text
    assert "no result tables are offered" in nbformat.read(s / "notebooks/tasks/broken.ipynb", 4).cells[-1].source
    (s / "_build" / "html").mkdir(parents=True)
    written = site.copy_downloads(s, small_site / "results")
    html = s / "_build" / "html" / "downloads"
    assert (html / "motifs" / "tables" / "claims.csv").exists() and (html / "motifs" / "run.json").exists()
    assert len(nbformat.read(html / "motifs" / "motifs.ipynb", 4).cells) == 1  # without the generated cell
    assert not (html / "broken" / "run.json").exists() and html / "broken" / "broken.ipynb" in written
    assert site.rerun_command({"chapter": "motifs", "profile": "book", "seed": 3,
                               "parameters": {"scanner_motifs": ["MA0139.2"], "fasta_path": "my file.fa"}}) == \
        "python -m genomebook.book run motifs -p profile book -p seed 3 -p scanner_motifs '[\"MA0139.2\"]' " \
        "-p fasta_path 'my file.fa'"


def test_runs_page_shows_each_chapters_time_against_its_budget(small_site):
    """The runs page puts each chapter's seconds beside the profile's budget and sums the book."""
    rec = json.loads((small_site / "site" / "_runs" / "motifs.json").read_text())
    rec["seconds"] = 75.0  # over the smoke budget of 60 s
    (small_site / "site" / "_runs" / "motifs.json").write_text(json.dumps(rec))
    text = site.write_runs_page(small_site / "site").read_text()
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| [")}
    assert "| 1 | 60 ✓ |" in rows["[deepcage](notebooks/papers/deepcage)"]
    assert "| 75 | 60 ✗ (+25%) |" in rows["[motifs](notebooks/tasks/motifs)"]
    assert "All chapters together: 77 s." in text  # no whole-book budget at smoke
