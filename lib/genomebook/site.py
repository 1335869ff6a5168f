"""The site's generated pages: claims scoreboard, published vs reproduced, runs, data, downloads.

Every page here is written from what the chapters left behind, never typed by hand, so a
chapter added to ``notebooks/`` appears on them as soon as it has run:

- the run records of the runner (``<site>/_runs/<chapter>.json``: chapter, group, profile,
  seed, parameters, status, finish time; see :func:`genomebook.book.run_chapter`);
- each run's results folder (``<results>/<chapter>/<profile>/seed<seed>/``):
  ``tables/claims.csv`` (:func:`genomebook.report.claims_table`), ``tables/published_vs_reproduced*.csv``
  (:func:`genomebook.report.published_vs_reproduced`) and ``run.json`` (:meth:`genomebook.chapter.Run.close`);
- the published numbers (:mod:`genomebook.published`) and the data registry.

:func:`write_pages` writes the Markdown pages before ``jupyter-book build`` (and appends a
"Downloads and re-running" section to each executed notebook); :func:`copy_downloads` puts
the files that section links to into the built site afterwards. Used by
:func:`genomebook.book.build_site`.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
from html import escape
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from genomebook import published as published_numbers
from genomebook.datasets.registry import load_registry
from genomebook.profiles import BOOK_BUDGET_SECONDS, BUDGET_SECONDS
from genomebook.report import OUTCOMES

#: Files and folders of a site folder that are generated (never copied from ``book/``).
SITE_GENERATED = ("_build", "notebooks", "_runs", "runs.md", "data.md", "claims.md", "published.md",
                  "_generated")
GROUP_ORDER = ("tasks", "papers")
#: Where the files a chapter page offers for download go in the built site (``<html>/downloads/<chapter>/``).
DOWNLOADS = "downloads"
#: Notebook-cell metadata key marking the cell :func:`add_chapter_downloads` appends.
CELL_MARK = "genomebook_site"
#: The claims table's columns, in the order the scoreboard shows them.
SCOREBOARD_COLUMNS = ("paper", "chapter", "claim", "published", "published_value", "published_where",
                      "value", "ci_low", "ci_high", "n", "test", "outcome", "profile", "data_source",
                      "run_date", "page")
THIS_BOOK = "this book (the chapter's own check)"
#: Front matter of a generated page with a wide table: no right-hand "contents" sidebar (the
#: table takes its room, see ``book/_static/genomebook-tables.css``).
WIDE_PAGE = ("---", "html_theme.sidebar_secondary.remove: true", "---", "")


# --------------------------------------------------------------------------- sources
def results_root(results: str | os.PathLike | None = None, root: Path | None = None) -> Path:
    """The results folder: ``results``, else ``$GENOMEBOOK_RESULTS``, else ``<root>/results``."""
    if results:
        return Path(results).resolve()
    if os.environ.get("GENOMEBOOK_RESULTS"):
        return Path(os.environ["GENOMEBOOK_RESULTS"]).resolve()
    return (Path(root) if root else Path.cwd()).resolve() / "results"


def run_records(site: Path) -> list[dict[str, Any]]:
    """The run records of ``<site>/_runs/*.json``, tasks before papers, by chapter name."""
    records = [json.loads(p.read_text()) for p in sorted((Path(site) / "_runs").glob("*.json"))]
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    return sorted(records, key=lambda r: (order.get(r.get("group", ""), len(order)), r["chapter"]))


def run_dir(record: dict[str, Any], results: str | os.PathLike | None = None) -> Path:
    """The results folder of one run: ``<results>/<chapter>/<profile>/seed<seed>``.

    ``results`` wins; else the record's own ``results_dir`` (written by the runner); else
    :func:`results_root`'s default.
    """
    base = Path(results) if results else Path(record["results_dir"]) if record.get("results_dir") \
        else results_root()
    return base / record["chapter"] / str(record["profile"]) / f"seed{record['seed']}"


def page_link(record: dict[str, Any], anchor: str = "") -> str:
    """The chapter page's address relative to the site root, e.g. ``notebooks/tasks/motifs.html#claims``."""
    return str(Path(record["notebook"]).with_suffix(".html")) + (f"#{anchor}" if anchor else "")


def _papers() -> list[str]:
    return sorted({e.paper for e in published_numbers.load().values()}, key=len, reverse=True)


def paper_of(row: dict[str, Any], record: dict[str, Any], papers: Sequence[str] | None = None) -> str:
    """Which paper a claim checks.

    The paper of its ``published`` id when it has one; else a paper of ``data/published/``
    named in its ``source`` (the longest name that occurs, so 'DNABERT-2' wins over
    'DNABERT'); else, in a paper chapter, the paper the chapter is named after; else
    :data:`THIS_BOOK`.
    """
    papers = list(papers) if papers is not None else _papers()
    pid = _str(row.get("published"))
    if pid:
        try:
            return published_numbers.get(pid).paper
        except KeyError:
            pass
    source = _str(row.get("source"))
    for name in papers:  # longest first
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", source):
            return name
    if record.get("group") == "papers":
        for name in papers:
            if name.lower().replace("-", "") == record["chapter"].lower().replace("_", ""):
                return name
    return THIS_BOOK


def _str(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x).strip()


def _float(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def fmt(x: Any) -> str:
    """A number as the pages print it: 3 decimals (trailing zeros cut), integers plain,
    tiny or huge values in scientific notation; '–' for a missing value."""
    v = _float(x)
    if v is None:
        return "–"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.3g}"
    if abs(v - round(v)) < 1e-12:
        return f"{int(round(v))}"
    return f"{v:.3f}".rstrip("0").rstrip(".")


def with_interval(value: Any, lo: Any, hi: Any) -> str:
    """``0.806 [0.786, 0.827]``, or the value alone when there is no interval."""
    text = fmt(value)
    if _float(value) is not None and _float(lo) is not None and _float(hi) is not None:
        text += f" [{fmt(lo)}, {fmt(hi)}]"
    return text


def gather_claims(site: Path, results: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every claim of every chapter that ran for this site, one row each.

    Reads each ok run's ``tables/claims.csv`` (the run records say which runs: see
    :func:`run_records`; ``results`` as in :func:`run_dir`). Columns
    :data:`SCOREBOARD_COLUMNS`: the claims table's own (claim, value, ci_low, ci_high, n,
    test, outcome, profile, data_source, published id) plus ``paper`` (:func:`paper_of`),
    ``chapter``, the paper's number ``published_value`` and ``published_where`` (for a
    claim with a published id), ``run_date`` (the run record's finish time) and ``page``
    (the chapter page's claims section, relative to the site root). Used by the scoreboard
    and its tests.
    """
    papers = _papers()
    rows = []
    for rec in run_records(site):
        path = run_dir(rec, results) / "tables" / "claims.csv"
        if rec.get("status") != "ok" or not path.exists():
            continue
        for raw in pd.read_csv(path, keep_default_na=False, na_values=[""]).to_dict("records"):
            pid = _str(raw.get("published"))
            entry = published_numbers.load().get(pid) if pid else None
            rows.append({
                "paper": paper_of(raw, rec, papers), "chapter": rec["chapter"], "claim": _str(raw["claim"]),
                "published": pid, "published_value": entry.value if entry else None,
                "published_where": f"{entry.paper}, {entry.where}" if entry else "",
                "value": _float(raw.get("value")), "ci_low": _float(raw.get("ci_low")),
                "ci_high": _float(raw.get("ci_high")), "n": _float(raw.get("n")),
                "test": _str(raw.get("test")), "outcome": _str(raw.get("outcome")),
                "profile": _str(raw.get("profile")) or str(rec["profile"]),
                "data_source": _str(raw.get("data_source")) or rec.get("data_source", ""),
                "run_date": str(rec.get("finished", "")), "page": page_link(rec, "claims"),
            })
    df = pd.DataFrame(rows, columns=list(SCOREBOARD_COLUMNS))
    key = df["paper"].map(lambda p: (p == THIS_BOOK, p.lower()))
    return df.iloc[sorted(range(len(df)), key=lambda i: key.iloc[i])].reset_index(drop=True)


def gather_published(site: Path, results: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every row of every ``tables/published_vs_reproduced*.csv`` of the runs of this site.

    Columns: ``paper`` (of the published id), ``chapter``, ``table`` (the file's stem),
    ``page``, ``order`` (the entry's place in ``data/published/``), ``spread_low`` /
    ``spread_high`` (the paper's reported spread, NaN when none), ``remarks`` (the table's
    extra columns as 'name: value; …') and the table's own columns (quantity, published,
    reference, reproduced, ci_low, ci_high, published_id). Used by the
    published-vs-reproduced page.
    """
    entries = published_numbers.load()
    order = {k: i for i, k in enumerate(entries)}
    base = ["quantity", "published", "reference", "reproduced", "ci_low", "ci_high", "published_id"]
    rows = []
    for rec in run_records(site):
        if rec.get("status") != "ok":
            continue
        for path in sorted((run_dir(rec, results) / "tables").glob("published_vs_reproduced*.csv")):
            for raw in pd.read_csv(path).to_dict("records"):
                pid = _str(raw.get("published_id"))
                e = entries.get(pid)
                extra = [f"{k}: {fmt(v) if _float(v) is not None else _str(v)}" for k, v in raw.items()
                         if k not in base and _str(v)]
                rows.append({"paper": e.paper if e else _str(raw.get("reference")).split(",")[0],
                             "chapter": rec["chapter"], "table": path.stem, "page": page_link(rec),
                             "order": order.get(pid, len(order)),
                             "spread_low": e.low if e else None, "spread_high": e.high if e else None,
                             "remarks": "; ".join(extra), **{k: raw.get(k) for k in base}})
    return pd.DataFrame(rows, columns=["paper", "chapter", "table", "page", "order", "spread_low",
                                       "spread_high", "remarks", *base])


def spread_mark(value: Any, low: Any, high: Any) -> str:
    """'none reported' (no spread in ``data/published/``), 'not reproduced' (no value of ours),
    'within' or 'outside' (our value against the paper's spread ``[low, high]``)."""
    lo, hi, v = _float(low), _float(high), _float(value)
    if lo is None or hi is None:
        return "none reported"
    if v is None:
        return "not reproduced"
    return "within" if min(lo, hi) <= v <= max(lo, hi) else "outside"


# --------------------------------------------------------------------------- HTML helpers
def _cell(text: Any, *, sort: Any = None, cls: str = "", raw: bool = False) -> str:
    attrs = ""
    if sort is not None:
        attrs += f' data-sort="{escape(str(sort))}"'
    if cls:
        attrs += f' class="{cls}"'
    body = str(text) if raw else escape(_str(text))
    return f"<td{attrs}>{body}</td>"


def _outcome_class(outcome: str) -> str:
    return "gb-outcome gb-" + re.sub(r"[^a-z]+", "-", outcome.lower()).strip("-")


def _table(table_id: str, headers: Sequence[str], rows: Iterable[str], *, sortable: bool = True,
           caption: str = "") -> str:
    """One HTML table on a single line per row (a Markdown HTML block must not hold a blank line)."""
    cls = "gb-table gb-sortable" if sortable else "gb-table"
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    body = "\n".join(f"<tr>{r}</tr>" for r in rows)
    return (f'<div class="gb-table-wrap gb-wide">\n<table id="{table_id}" class="{cls}">{cap}\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</div>")


def _filters(table_id: str, selects: dict[str, tuple[int, list[str]]], what: str) -> str:
    parts = [f'<div class="gb-filters" data-table="{table_id}">',
             f'<label>Search <input type="search" class="gb-filter-text" placeholder="words in any column"></label>']
    for label, (col, values) in selects.items():
        opts = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
        parts.append(f'<label>{escape(label)} <select class="gb-filter-select" data-col="{col}">'
                     f'<option value="">all</option>{opts}</select></label>')
    parts.append(f'<span class="gb-filter-count" data-what="{escape(what)}"></span>')
    parts.append("</div>")
    return "\n".join(parts)


def _counts_table(df: pd.DataFrame, by: str, label: str) -> str:
    """A Markdown table: one row per value of ``by``, a column per outcome, and the total."""
    lines = [f"| {label} | " + " | ".join(OUTCOMES) + " | all |", "|---" * (len(OUTCOMES) + 2) + "|"]
    for key, grp in df.groupby(by, sort=True):
        counts = grp["outcome"].value_counts()
        lines.append(f"| {key} | " + " | ".join(str(int(counts.get(o, 0))) for o in OUTCOMES)
                     + f" | {len(grp)} |")
    counts = df["outcome"].value_counts()
    lines.append("| **all** | " + " | ".join(f"**{int(counts.get(o, 0))}**" for o in OUTCOMES)
                 + f" | **{len(df)}** |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- figure
#: Outcome colours of the scoreboard figure (those of the chapters' claims tables, darker).
OUTCOME_COLOURS = {"supported": "#4c9a4c", "not supported": "#c0504d", "inconclusive": "#e0a526",
                   "not testable here": "#9e9e9e"}


def outcome_figure(claims: pd.DataFrame, path: Path) -> Path:
    """Save a PNG: one horizontal bar per (paper, data source), split by outcome counts.

    ``claims`` is :func:`gather_claims`' table; returns ``path``.
    """
    # matplotlib: slow to import, only the scoreboard page draws; the Figure API needs no
    # pyplot backend (the runner may have set an inline one for the notebooks)
    from matplotlib.figure import Figure

    keys = sorted({(p, s) for p, s in zip(claims["paper"], claims["data_source"])},
                  key=lambda k: (k[0] == THIS_BOOK, k[0].lower(), k[1]))
    groups = [((p, s), claims[(claims["paper"] == p) & (claims["data_source"] == s)]) for p, s in keys]
    labels = [f"{p}\n({s})".replace(" (the chapter's own check)", "") for p, s in keys]
    fig = Figure(figsize=(8, 0.6 * max(len(labels), 1) + 1.4), dpi=120)
    ax = fig.add_subplot()
    left = [0] * len(labels)
    for outcome in OUTCOMES:
        counts = [int((g["outcome"] == outcome).sum()) for _, g in groups]
        bars = ax.barh(labels, counts, left=left, color=OUTCOME_COLOURS[outcome], label=outcome,
                       edgecolor="white")
        ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center",
                     color="white", fontsize=9)
        left = [a + b for a, b in zip(left, counts)]
    ax.invert_yaxis()
    ax.set_xlabel("claims checked on this build")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(ncol=len(OUTCOMES), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", bbox_inches="tight", metadata={"Software": None})
    return path


# --------------------------------------------------------------------------- pages
def write_claims_page(site: Path, results: str | os.PathLike | None = None) -> Path:
    """``<site>/claims.md``: the claims scoreboard (and ``_generated/claims_outcomes.png``).

    One sortable, filterable table of :func:`gather_claims` (the sorting and filtering is
    ``book/_static/genomebook-tables.js``), counts per paper and per data source, and the
    outcome figure (:func:`outcome_figure`). Returns the page's path.
    """
    site = Path(site)
    claims = gather_claims(site, results)
    records = run_records(site)
    lines = [*WIDE_PAGE, "# Claims scoreboard", "",
             "Every claim the chapters check, gathered from their claims tables "
             "(`tables/claims.csv` of each run). A claim is *supported* only when its whole "
             "bootstrap interval lies on the claimed side of the threshold, *not supported* when "
             "it lies wholly on the other side, *inconclusive* when it straddles it (or the "
             "reference model failed to learn), and *not testable here* when this run cannot "
             "measure it. Nothing here is tuned: a claim that failed on a run stays failed.", ""]
    failed = [r for r in records if r.get("status") != "ok"]
    if failed:
        lines += ["```{warning}", "These chapters failed on this build, so their claims are missing: "
                  + "; ".join(f"{r['chapter']} ({r.get('error') or 'failed'})" for r in failed) + ".", "```", ""]
    if claims.empty:
        lines.append("No chapter has reported claims for this build.")
        return _write(site / "claims.md", lines)
    profiles = ", ".join(sorted(set(claims["profile"])))
    order = [r["chapter"] for r in records if r["chapter"] in set(claims["chapter"])]
    lines += [f"{_n(len(claims), 'claim')} from {_n(claims['chapter'].nunique(), 'chapter')} "
              f"({', '.join(order)}), profile {profiles}. "
              "Click a column head to sort; the search box and menus filter the rows; the "
              "chapter link opens the claims table of its page.", ""]
    fig = outcome_figure(claims, site / "_generated" / "claims_outcomes.png")
    lines += ["```{figure} " + fig.relative_to(site).as_posix(), ":name: fig-claims-outcomes",
              ":alt: Claims by outcome for each paper and data source", ":width: 100%", "",
              f"Outcome of every claim checked on this build (profile {profiles}), per paper and "
              "data source. Claims marked *this book* are the chapters' own checks, not a paper's.",
              "```", "", "## All claims", ""]
    headers = ["paper", "chapter", "claim", "paper's number", "ours [interval], n", "threshold",
               "outcome", "data source", "run"]
    rows = []
    for r in claims.to_dict("records"):
        paper_num = (f'{escape(fmt(r["published_value"]))}<br><span class="gb-where">'
                     f'{escape(r["published_where"])}</span>') if r["published"] else "–"
        ours = escape(with_interval(r["value"], r["ci_low"], r["ci_high"]))
        if _float(r["n"]) is not None:
            ours += f'<br><span class="gb-where">n = {int(r["n"]):,}</span>'
        rows.append("".join([
            _cell(r["paper"]),
            _cell(f'<a href="{escape(r["page"])}">{escape(r["chapter"])}</a>', raw=True, sort=r["chapter"]),
            _cell(r["claim"], cls="gb-claim"),
            _cell(paper_num, raw=True, sort=r["published_value"] if r["published"] else ""),
            _cell(ours, raw=True, sort="" if _float(r["value"]) is None else r["value"]),
            _cell(r["test"], cls="gb-nowrap"),
            _cell(r["outcome"], cls=_outcome_class(r["outcome"])),
            _cell(r["data_source"]),
            _cell(f'{escape(r["profile"])}<br><span class="gb-where">{escape(r["run_date"][:10])}</span>',
                  raw=True, sort=f'{r["profile"]} {r["run_date"]}'),
        ]))
    selects = {"paper": (0, sorted(set(claims["paper"]))), "chapter": (1, order),
               "outcome": (6, [o for o in OUTCOMES if o in set(claims["outcome"])]),
               "data source": (7, sorted(set(claims["data_source"])))}
    lines += [_filters("gb-scoreboard", selects, "claims"), "",
              _table("gb-scoreboard", headers, rows), "",
              "## Counts per paper", "", _counts_table(claims, "paper", "paper"), "",
              "## Counts per data source", "", _counts_table(claims, "data_source", "data source"), ""]
    return _write(site / "claims.md", lines)


def write_published_page(site: Path, results: str | os.PathLike | None = None) -> Path:
    """``<site>/published.md``: every published-vs-reproduced table, gathered per paper.

    For each paper: the paper's number (from ``data/published/``) and ours with its
    interval, the chapter that computed it, the table's remarks, and, where the entry
    gives the paper's spread (``low``/``high``), whether ours lies within it
    (:func:`spread_mark`). Returns the page's path.
    """
    site = Path(site)
    table = gather_published(site, results)
    lines = [*WIDE_PAGE, "# Published vs reproduced", "",
             "Every number of a paper that a chapter sets beside its own, gathered from the "
             "chapters' `published_vs_reproduced` tables. The paper's numbers come from "
             "`data/published/*.yaml` (with where in the paper they are); ours are this build's, "
             "with their bootstrap interval where the chapter computed one. Rows without a number "
             "of ours were not reproduced on this run (the remarks say why). A simulated world or "
             "a smaller profile makes most of these numbers not comparable in size: the claims "
             "scoreboard ({doc}`claims`) says what each comparison supports.", ""]
    if table.empty:
        lines.append("No chapter has written a published-vs-reproduced table for this build.")
        return _write(site / "published.md", lines)
    for paper, grp in sorted(table.groupby("paper"), key=lambda kv: kv[1]["order"].min()):
        grp = grp.sort_values(["order", "chapter"], kind="stable")
        has_spread = grp["spread_low"].notna().any()
        reproduced = grp["reproduced"].map(_float).notna().sum()
        lines += [f"## {paper}", "",
                  f"{_n(grp['published_id'].nunique(), 'number')} of {paper}, shown in "
                  f"{_n(grp['chapter'].nunique(), 'chapter')} ({', '.join(dict.fromkeys(grp['chapter']))}); "
                  f"{reproduced} of {len(grp)} rows have a number of ours.", ""]
        if not has_spread:
            lines += [f"{paper} reports no spread (standard deviation, range or interval) for these "
                      "numbers in `data/published/`, so no row can be marked as outside it.", ""]
        headers = ["quantity", "where in the paper", "paper's number", "ours [interval]", "chapter", "remarks"]
        if has_spread:
            headers.insert(4, "paper's spread")
        rows = []
        for r in grp.to_dict("records"):
            where = _str(r["reference"])
            cells = [_cell(r["quantity"]), _cell(where),
                     _cell(fmt(r["published"]), sort=_float(r["published"]) if _float(r["published"]) is not None else ""),
                     _cell(with_interval(r["reproduced"], r["ci_low"], r["ci_high"]),
                           sort=_float(r["reproduced"]) if _float(r["reproduced"]) is not None else "")]
            if has_spread:
                mark = spread_mark(r["reproduced"], r["spread_low"], r["spread_high"])
                text = mark if mark in ("none reported", "not reproduced") else \
                    f"{'✗ outside' if mark == 'outside' else 'within'} [{fmt(r['spread_low'])}, {fmt(r['spread_high'])}]"
                cells.append(_cell(text, cls="gb-outside" if mark == "outside" else ""))
            cells += [_cell(f'<a href="{escape(r["page"])}">{escape(r["chapter"])}</a>', raw=True,
                            sort=r["chapter"]), _cell(r["remarks"])]
            rows.append("".join(cells))
        slug = re.sub(r"[^a-z0-9]+", "-", paper.lower()).strip("-")
        lines += [_table(f"gb-published-{slug}", headers, rows), ""]
    return _write(site / "published.md", lines)


#: The packages whose versions the runs page states (those that decide the numbers).
PACKAGES = ("torch", "lightning", "transformers", "numpy", "pandas", "scikit-learn")
#: Where the book's source lives (the runs page links it): ``$GENOMEBOOK_REPOSITORY``, else the
#: ``origin`` remote of the checkout (none is configured in this checkout, so the page then
#: names the commit only).
REPOSITORY_ENV = "GENOMEBOOK_REPOSITORY"


def repository_url(root: Path | None = None) -> str:
    """The repository's address: ``$GENOMEBOOK_REPOSITORY``, else ``git remote get-url origin``
    of ``root``; '' when neither is known."""
    if os.environ.get(REPOSITORY_ENV):
        return os.environ[REPOSITORY_ENV]
    if root is None:
        return ""
    try:
        return subprocess.run(["git", "remote", "get-url", "origin"], cwd=root, text=True,
                              capture_output=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def environment(root: Path | None = None) -> dict[str, Any]:
    """Where a chapter runs: ``commit`` (``git rev-parse HEAD`` of ``root``, with ``+changes``
    when the tree has uncommitted edits; '' outside a checkout), ``packages`` ({name: version}
    of :data:`PACKAGES`), ``python``, ``cpus`` (``os.cpu_count()``) and ``gpu`` (CUDA device
    names, '' for none). Stored in every run record by :func:`genomebook.book.run_chapter`
    and shown on the runs page."""
    commit = ""
    if root is not None:
        try:
            commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, text=True,
                                    capture_output=True, timeout=10).stdout.strip()
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                   text=True, capture_output=True, timeout=10).stdout.strip()
            commit += "+changes" if commit and dirty else ""
        except (OSError, subprocess.SubprocessError):
            commit = ""
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = md.version(name)
        except md.PackageNotFoundError:
            packages[name] = "not installed"
    gpu = ""
    if shutil.which("nvidia-smi"):  # the driver's tool names the GPUs without importing torch
        try:
            names = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], text=True,
                                   capture_output=True, timeout=20).stdout.split("\n")
            gpu = ", ".join(n.strip() for n in names if n.strip())
        except (OSError, subprocess.SubprocessError):
            gpu = ""
    return {"commit": commit, "packages": packages, "python": platform.python_version(),
            "cpus": os.cpu_count() or 0, "gpu": gpu, "platform": platform.platform(terse=True)}


def _env_line(env: dict[str, Any]) -> str:
    hw = f"{env.get('cpus', '?')} CPU cores, " + (f"GPU: {env['gpu']}" if env.get("gpu") else "no GPU")
    pkgs = ", ".join(f"{k} {v}" for k, v in (env.get("packages") or {}).items())
    commit = env.get("commit") or "unknown"
    return f"commit `{commit}`; {hw}; Python {env.get('python', '?')}; {pkgs}"


def _budget(seconds: float, budget: float | None) -> str:
    """'300 ✓' within the budget (whole seconds, as shown), '300 ✗ (+25%)' over it, '–' without one."""
    if budget is None:
        return "–"
    return f"{budget:,} ✓" if round(seconds) <= budget else f"{budget:,} ✗ (+{max(seconds / budget - 1, 0.01):.0%})"


def write_runs_page(site: Path, root: Path | None = None) -> Path:
    """``<site>/runs.md``: every chapter's last run (profile, seed, data source, seconds, status,
    parameters, finish time) and where it ran (commit, package versions, CPU cores, GPU: the run
    record's ``environment``; runs recorded before it was kept say so and the build's own
    environment is shown). ``root``: the checkout, for the build's commit. Returns the path."""
    records = run_records(site)
    build_env = environment(root)
    lines = ["# Run metadata", "",
             "Every chapter of this site was executed by `python -m genomebook.book` before the "
             "site was built. This page lists how each was run and on what. The seconds are "
             "wall-clock time of the whole chapter on the machine named below, including "
             "pre-training when the chapter was the first to need it.", "",
             (f"Source: <{repository_url(root)}>. " if repository_url(root) else "")
             + "Rebuild this site from a clone with "
             f"`python -m genomebook.book build --profile {records[0]['profile'] if records else 'book'}` "
             "(or `make book`); each chapter page gives its own re-run command.", ""]
    if not records:
        lines.append("No chapter has been executed for this build.")
        return _write(Path(site) / "runs.md", lines)
    lines += ["| chapter | profile | seed | data | seconds | budget (s) | status | finished |",
              "|---|---|---|---|--:|---|---|---|"]
    for r in records:
        status = r["status"] + (f": {r['error']}" if r["error"] else "")
        lines.append(f"| [{r['chapter']}]({Path(r['notebook']).with_suffix('')}) | "
                     f"{r['profile']} | {r['seed']} | {r['data_source'] or '–'} | "
                     f"{float(r['seconds']):,.0f} | {_budget(float(r['seconds']), BUDGET_SECONDS.get(r['profile']))} | "
                     f"{status} | {str(r['finished'])[:16]} |")
    profiles_run = {r["profile"] for r in records}
    total = sum(float(r["seconds"]) for r in records)
    whole = BOOK_BUDGET_SECONDS.get(next(iter(profiles_run))) if len(profiles_run) == 1 else None
    within = whole is not None and round(total) <= whole
    lines += ["", f"All chapters together: {total:,.0f} s"
              + (f" against a budget of {whole:,} s for the whole book: "
                 + ("within it." if within else f"over it by {total / whole - 1:.0%}.") if whole else ".")
              + " Budgets (profiles.yaml) hold for an idle 2-core machine; on a loaded one the times "
              "are upper bounds, and on a GPU they are not the measure."]
    shown = lambda r: {k: v for k, v in (r.get("parameters") or {}).items() if k not in ("profile", "seed")}  # noqa: E731
    given = [r for r in records if shown(r)]
    lines += ["", "## Parameters given", ""]
    if given:
        lines += [f"- **{r['chapter']}**: " + ", ".join(f"`{k}={_yaml_value(v)}`" for k, v in shown(r).items())
                  for r in given]
    else:
        lines.append("None: every chapter ran with its defaults at the profile above.")
    envs: dict[str, list[str]] = {}
    for r in records:
        key = _env_line(r["environment"]) if r.get("environment") else ""
        envs.setdefault(key, []).append(r["chapter"])
    lines += ["", "## Where they ran", ""]
    for key, names in envs.items():
        if key:
            lines.append(f"- {', '.join(names)}: {key}.")
        else:
            lines.append(f"- {', '.join(names)}: not recorded (run before run records kept it); "
                         f"the machine that built this page: {_env_line(build_env)}.")
    lines += ["", f"This page was built at commit `{build_env['commit'] or 'unknown'}`."]
    return _write(Path(site) / "runs.md", lines)


def _size(e) -> str:
    if e.bytes:
        n = float(e.bytes)
        for unit in ("B", "kB", "MB", "GB"):
            if n < 1000 or unit == "GB":
                return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
            n /= 1000
    return e.size or "-"


def chapters_using(site: Path, results: str | os.PathLike | None = None,
                   root: Path | None = None) -> dict[str, list[str]]:
    """{registry name: chapters that read it}: the registry's own ``chapters`` field, the names
    each run asked for (``datasets`` of its ``run.json``, written by
    :meth:`genomebook.chapter.Run.close` from ``open_run(datasets=...)``), and names written
    literally in a chapter's source (``<root>/notebooks/<group>/<chapter>.py``). Used by the data page."""
    reg = load_registry()
    used: dict[str, set[str]] = {name: set(e.chapters or []) for name, e in reg.items()}
    for rec in run_records(site):
        path = run_dir(rec, results) / "run.json"
        meta = json.loads(path.read_text()) if path.exists() else {}
        for name in meta.get("datasets") or []:
            used.setdefault(name, set()).add(rec["chapter"])
    if root is not None:
        for group in GROUP_ORDER:
            for src in sorted((Path(root) / "notebooks" / group).glob("*.py")):
                text = src.read_text()
                for name in reg:
                    if re.search(rf"[\"']{re.escape(name)}[\"']", text):
                        used[name].add(src.stem)
    return {k: sorted(v) for k, v in used.items()}


def write_data_page(site: Path, results: str | os.PathLike | None = None, root: Path | None = None) -> Path:
    """``<site>/data.md``: every registered dataset, per task: a summary table (files, scale,
    chapters), then each task's files in a folded block, grouped by licence and citation so
    each is stated once, with records, size and the chapters that use them
    (:func:`chapters_using`). Returns the page's path."""
    entries = list(load_registry().values())
    used = chapters_using(site, results, root)
    group_of = {r["chapter"]: r.get("group", "tasks") for r in run_records(site)}
    if root is not None:
        for group in GROUP_ORDER:
            for src in (Path(root) / "notebooks" / group).glob("*.py"):
                group_of.setdefault(src.stem, group)

    def link(ch: str) -> str:
        return f'<a href="notebooks/{group_of.get(ch, "tasks")}/{escape(ch)}.html">{escape(ch)}</a>'

    lines = ["# Data", "",
             "Every real dataset the book can use is registered in `data/registry.yaml` with its "
             "source, checksum, licence and citation. Files are read from a local mirror "
             "(`GENOMEBOOK_MIRROR`) or a download cache (`GENOMEBOOK_CACHE`), always checked "
             "against the checksum; `python -m genomebook.datasets list` shows what is available "
             "on your machine and `python -m genomebook.datasets fetch NAME` gets one. "
             "Entries marked *paper* are the papers' full-scale sources, to download by hand. "
             "*Used by* names the chapters that read a file with `data_source=real` (or `auto` "
             "when it is on the machine).", "",
             f"{sum(e.scale == 'book' for e in entries)} files at book scale, "
             f"{sum(e.scale == 'paper' for e in entries)} paper-scale sources.", ""]
    by_task: dict[str, list] = {}
    for e in entries:
        by_task.setdefault(e.task or "other", []).append(e)
    heading = lambda task: re.sub(r"^\d+_", "", task).replace("_", " ")  # noqa: E731
    lines += ["| task | files | book / paper scale | used by |", "|---|--:|---|---|"]
    for task in sorted(by_task):
        es = by_task[task]
        chs = sorted({c for e in es for c in used.get(e.name, [])})
        slug = re.sub(r"[^a-z0-9]+", "-", heading(task).lower()).strip("-")
        lines.append(f"| {{ref}}`{heading(task)} <gb-data-{slug}>` | {len(es)} | {sum(e.scale == 'book' for e in es)} / "
                     f"{sum(e.scale == 'paper' for e in es)} | "
                     + (", ".join(f"[{c}](notebooks/{group_of.get(c, 'tasks')}/{c})" for c in chs) or "–") + " |")
    lines.append("")
    for task in sorted(by_task):
        es = by_task[task]
        slug = re.sub(r"[^a-z0-9]+", "-", heading(task).lower()).strip("-")
        lines += [f"(gb-data-{slug})=", f"## {heading(task)}", ""]
        groups: dict[tuple[str, str], list] = {}
        for e in es:
            groups.setdefault((e.licence or "not stated", e.citation or "not stated"), []).append(e)
        for (licence, citation), members in groups.items():
            rows = []
            for e in members:
                chs = used.get(e.name, [])
                rows.append("".join([
                    _cell(f'<a href="{escape(e.url)}">{escape(e.name)}</a>', raw=True),
                    _cell(e.records or "–"), _cell(_size(e), cls="gb-nowrap"), _cell(e.scale),
                    _cell(", ".join(link(c) for c in chs) or "–", raw=True)]))
            lines += [f"<details class=\"gb-data\"><summary>{_n(len(members), 'file')}: "
                      f"{escape(', '.join(m.name for m in members[:3]))}{', …' if len(members) > 3 else ''}</summary>",
                      f"<p><b>Licence:</b> {escape(licence)}<br><b>Cite:</b> {escape(citation)}</p>",
                      _table(f"gb-data-{re.sub(r'[^a-z0-9]+', '-', members[0].name.lower())}",
                             ["dataset", "records", "size", "scale", "used by"], rows, sortable=False)
                      .replace("gb-table-wrap gb-wide", "gb-table-wrap"),
                      "</details>", ""]
    return _write(Path(site) / "data.md", lines)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------- chapter downloads
def _yaml_value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def rerun_command(record: dict[str, Any]) -> str:
    """The command that re-runs a chapter as the record says it ran (parameters, profile, seed)."""
    params = {"profile": record["profile"], "seed": record["seed"], **(record.get("parameters") or {})}
    args = " ".join(f"-p {k} {shlex.quote(_yaml_value(v))}" for k, v in params.items())
    return f"python -m genomebook.book run {record['chapter']} {args}"


def downloads_markdown(record: dict[str, Any], files: Sequence[str], meta: dict[str, Any]) -> str:
    """The "Downloads and re-running this chapter" section of a chapter page (Markdown).

    ``files`` are the result tables' names (``tables/<name>.csv``) offered beside the
    notebook and ``run.json``; ``meta`` is the run's ``run.json`` (sizes, requested source).
    """
    name, base = record["chapter"], f"../../{DOWNLOADS}/{record['chapter']}"
    link = lambda f, label=None: f'<a href="{base}/{escape(f)}" download>{escape(label or f)}</a>'  # noqa: E731
    items = [f"<li>{link(name + '.ipynb')}: the executed notebook this page shows</li>"]
    if record.get("status") == "ok":
        items.append(f"<li>{link('run.json')}: the run record (sizes, data source, seconds, claim tally)</li>")
        if files:
            items.append("<li>result tables (CSV): " + ", ".join(link(f"tables/{f}", f) for f in files) + "</li>")
    else:
        items.append(f"<li>this run failed ({escape(record.get('error') or 'see its log')}): no result "
                     "tables are offered</li>")
    sizes = meta.get("sizes") or {}
    requested, source = meta.get("data_source_requested", ""), meta.get("data_source") or record.get("data_source")
    src_note = (f" The chapter asked for `data_source={requested}` and got {source}; add "
                f"`-p data_source {source}` to be sure of the same data." if requested and source
                and requested != source and source != "user files" else "")
    given = ", ".join(f"`{k}={_yaml_value(v)}`" for k, v in (record.get("parameters") or {}).items()) or "none"
    group = record.get("group", "tasks")
    lines = ["## Downloads and re-running this chapter", "",
             '<ul class="gb-downloads">', *items, "</ul>", "",
             "````{admonition} Re-run this chapter", ":class: tip gb-rerun", "",
             f"This page was produced on {record.get('finished', '?')} in {record.get('seconds', '?')} s "
             f"at profile `{record['profile']}`, seed {record['seed']}, on {source or 'unknown'} data "
             f"(parameters given: {given}). From a clone of the repository:", "",
             "```bash", rerun_command(record), "```", "",
             f"Tables and figures go to `results/{name}/{record['profile']}/seed{record['seed']}/`."
             + src_note]
    if sizes:
        lines += ["", "Sizes of this run (from the profile, with the chapter's overrides): "
                  + ", ".join(f"`{k}={_yaml_value(v)}`" for k, v in sizes.items()) + "."]
    lines += ["", "Or with papermill on the paired notebook:", "", "```bash",
              f"jupytext --to ipynb notebooks/{group}/{name}.py -o {name}.ipynb",
              f"papermill {name}.ipynb {name}-out.ipynb "
              + " ".join(f"-p {k} {shlex.quote(_yaml_value(v))}" for k, v in
                         {"profile": record["profile"], "seed": record["seed"],
                          **(record.get("parameters") or {})}.items()),
              "```", "````"]
    return "\n".join(lines)


#: Tags :func:`tidy_notebook` gives the runner's injected-parameters cell: its values are in
#: the re-run box, and it holds the machine's absolute results folder.
INJECTED_TAGS = ("remove-cell",)
#: Cell tags taken from a chapter's Jupytext source onto its executed notebook at build time.
DISPLAY_TAGS = ("hide-input", "hide-output", "hide-cell", "remove-input", "remove-output", "remove-cell")


def tidy_notebook(nb, source=None) -> int:
    """Set the display tags of an executed chapter notebook for the site; returns cells changed.

    ``source``: the chapter's Jupytext notebook (``jupytext.read`` of its ``.py``); each code
    cell of ``nb`` with the same source text gets that cell's :data:`DISPLAY_TAGS` (so a
    ``# %% tags=["hide-input"]`` added after the run shows on the next build, without
    re-executing). papermill's injected-parameters cell is removed (:data:`INJECTED_TAGS`).
    """
    wanted: dict[str, set[str]] = {}
    for cell in (source.cells if source is not None else []):
        if cell.cell_type == "code":
            wanted[cell.source.strip()] = set(cell.metadata.get("tags", [])) & set(DISPLAY_TAGS)
    changed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        keep = [t for t in tags if t not in DISPLAY_TAGS]
        if "injected-parameters" in tags:
            new = keep + list(INJECTED_TAGS)
        else:
            new = keep + sorted(wanted.get(cell.source.strip(), set(tags) & set(DISPLAY_TAGS)))
        if new != tags:
            cell.metadata["tags"] = new
            changed += 1
    return changed


def add_chapter_downloads(site: Path, results: str | os.PathLike | None = None,
                          root: Path | None = None) -> list[Path]:
    """Append (or refresh) the downloads and re-run section at the end of each executed notebook,
    and set its cells' display tags (:func:`tidy_notebook`, from ``<root>/notebooks/<group>/<chapter>.py``).

    The cell is marked in its metadata (:data:`CELL_MARK`), so a rebuild replaces it rather
    than adding a second one. Returns the notebooks changed.
    """
    # nbformat, jupytext: slow to import (jsonschema), only the site build edits notebooks
    import jupytext
    import nbformat

    changed = []
    for rec in run_records(site):
        nb_path = Path(site) / rec["notebook"]
        if not nb_path.exists():
            continue
        out = run_dir(rec, results)
        meta = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
        files = sorted(p.name for p in (out / "tables").glob("*.csv")) if rec.get("status") == "ok" else []
        nb = nbformat.read(nb_path, as_version=4)
        nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(CELL_MARK)]
        src = Path(root) / Path(rec["notebook"]).with_suffix(".py") if root is not None else None
        tidy_notebook(nb, jupytext.read(src) if src is not None and src.exists() else None)
        cell = nbformat.v4.new_markdown_cell(downloads_markdown(rec, files, meta))
        cell.metadata[CELL_MARK] = "downloads"
        nb.cells.append(cell)
        nbformat.write(nb, nb_path)
        changed.append(nb_path)
    return changed


def copy_downloads(site: Path, results: str | os.PathLike | None = None) -> list[Path]:
    """Copy each chapter's notebook (without the generated cell), tables and ``run.json`` to
    ``<site>/_build/html/downloads/<chapter>/`` after the build; returns the files written."""
    # nbformat: slow to import (jsonschema), only the site build edits notebooks
    import nbformat

    html = Path(site) / "_build" / "html"
    written = []
    for rec in run_records(site):
        dest = html / DOWNLOADS / rec["chapter"]
        if dest.exists():
            shutil.rmtree(dest)
        (dest / "tables").mkdir(parents=True)
        nb_path = Path(site) / rec["notebook"]
        if nb_path.exists():
            nb = nbformat.read(nb_path, as_version=4)
            nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(CELL_MARK)]
            nbformat.write(nb, dest / f"{rec['chapter']}.ipynb")
            written.append(dest / f"{rec['chapter']}.ipynb")
        if rec.get("status") != "ok":
            continue
        out = run_dir(rec, results)
        for src in [out / "run.json", *sorted((out / "tables").glob("*.csv"))]:
            if src.exists():
                target = dest / src.relative_to(out)
                shutil.copy2(src, target)
                written.append(target)
    return written


def write_pages(site: Path, results: str | os.PathLike | None = None, root: Path | None = None) -> list[Path]:
    """Everything :func:`genomebook.book.build_site` generates before ``jupyter-book build``:
    the scoreboard, published-vs-reproduced, runs and data pages, and the chapters' downloads
    sections. ``root``: the checkout (chapter sources, for cell tags and "used by"; the commit).
    Returns the pages written."""
    site = Path(site)
    pages = [write_claims_page(site, results), write_published_page(site, results),
             write_runs_page(site, root), write_data_page(site, results, root)]
    return pages + add_chapter_downloads(site, results, root)


# --------------------------------------------------------------------------- Sphinx hook


def _unique_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated inline scripts from a page (``html-page-context``).

    sphinx-thebe registers its inline configuration (``const THEBE_JS_URL = ...``) once per
    ``env-before-read-docs`` event, which this build emits twice; the second copy redeclares
    the constants and each page logged a console error. Same filename and same body: keep the
    first.
    """
    scripts, seen = [], set()
    for js in context.get("script_files", []):
        key = (getattr(js, "filename", str(js)) or "", getattr(js, "attributes", {}).get("body", ""))  # None or ""
        if key not in seen:
            seen.add(key)
            scripts.append(js)
    context["script_files"][:] = scripts  # in place: the theme holds the same list


def setup(app) -> dict:
    """Sphinx extension (``_config.yml``: ``sphinx.extra_extensions``): each page's scripts once."""
    app.connect("html-page-context", _unique_scripts, priority=999)  # after the extensions that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
