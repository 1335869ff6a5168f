"""Command line for the book: list chapters, run one with parameters, build the site.

    python -m genomebook.book list
    python -m genomebook.book run motifs -p profile smoke -p seed 3
    python -m genomebook.book build --profile book          # what `make book` does
    python -m genomebook.book build --profile smoke --site /tmp/site   # what the tests do

A chapter is a Jupytext py:percent file under ``notebooks/tasks`` or ``notebooks/papers``,
named by its file stem. ``run`` converts it to ``.ipynb``, executes it with papermill and
writes the executed notebook where the site is built from (``<site>/notebooks/...``), a log
and a JSON record of the run (``<site>/_runs/<name>.{log,json}``). ``build`` runs every
chapter, prints a summary table, writes the generated pages (claims scoreboard, published vs
reproduced, runs, data: :mod:`genomebook.site`) and builds the static site with Jupyter Book
(execution off: the notebooks are already executed).
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from genomebook import site as pages

GROUPS = ("tasks", "papers")


class ChapterError(ValueError):
    """A chapter name or parameter the book does not know."""


def project_root() -> Path:
    """The checkout holding ``notebooks/`` and ``book/``: $GENOMEBOOK_ROOT, cwd or the package's."""
    if "GENOMEBOOK_ROOT" in os.environ:
        return Path(os.environ["GENOMEBOOK_ROOT"]).resolve()
    for start in (Path.cwd(), Path(__file__).resolve()):
        for p in (start, *start.parents):
            if (p / "notebooks").is_dir() and (p / "book" / "_toc.yml").is_file():
                return p
    raise FileNotFoundError(
        "Cannot find the genomebook checkout (a folder with notebooks/ and book/_toc.yml). "
        "Run from inside the clone or set GENOMEBOOK_ROOT to it."
    )


@dataclass
class Chapter:
    """One chapter: its file stem (``name``), ``group`` (tasks / papers) and its Jupytext source."""

    name: str
    group: str
    source: Path

    def output(self, site: Path) -> Path:
        """Where the executed notebook goes in ``site``: ``notebooks/<group>/<name>.ipynb``."""
        return site / "notebooks" / self.group / f"{self.name}.ipynb"


def chapters(root: Path | None = None) -> list[Chapter]:
    """Every chapter, tasks first, in file-name order (files starting with '_' are helpers)."""
    root = root or project_root()
    out = []
    for group in GROUPS:
        for src in sorted((root / "notebooks" / group).glob("*.py")):
            if not src.name.startswith("_"):
                out.append(Chapter(src.stem, group, src))
    return out


def find_chapter(name: str, root: Path | None = None) -> Chapter:
    """The chapter with file stem ``name``; a ChapterError lists the known ones otherwise."""
    known = chapters(root)
    for ch in known:
        if ch.name == name:
            return ch
    raise ChapterError(f"No chapter named {name!r}. Chapters: {', '.join(c.name for c in known)}. "
                       "See `python -m genomebook.book list`.")


def parse_value(text: str) -> Any:
    """Papermill-style typing of a command-line value: YAML ('3' → 3, '[a, b]' → list)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


_CITE = re.compile(r"(\{cite(?::[a-z]+)?\}`)([^`]+)(`)")
_BIBLIOGRAPHY = re.compile(r"(```\{bibliography\}[^\n]*\n)")


def local_citations(markdown: list[str], prefix: str) -> list[str]:
    """The markdown cells of one page, with its citations and bibliography made local to it.

    When the page has a ``{bibliography}`` directive, every ``{cite}`a,b``` role (and
    ``{cite:p}``, ``{cite:t}``, ...) gets ``prefix`` in front of each key, and the directive the
    option ``:keyprefix: prefix``, as sphinxcontrib-bibtex asks for a work cited on several
    pages: each page then lists its own references without "duplicate citation" warnings. A
    page without a bibliography is returned unchanged (its citations link to the home page's
    list). Chapters are written with plain keys; :func:`prepare_site` pairs every chapter with
    this applied (prefix: the chapter's name and a dash).
    """
    if not any(_BIBLIOGRAPHY.search(text) for text in markdown):
        return list(markdown)

    def cite(m: re.Match) -> str:
        return m.group(1) + ",".join(prefix + k.strip() for k in m.group(2).split(",")) + m.group(3)

    return [_BIBLIOGRAPHY.sub(lambda m: m.group(1) + f":keyprefix: {prefix}\n", _CITE.sub(cite, text))
            for text in markdown]


def _to_notebook(ch: Chapter, path: Path) -> None:
    # jupytext and nbformat: slow to import, needed only to pair a chapter with its notebook
    import jupytext
    import nbformat

    nb = jupytext.read(ch.source)
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    for cell, text in zip(md, local_citations([c.source for c in md], f"{ch.name}-")):
        cell.source = text
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def notebook_parameters(ch: Chapter, site: Path) -> dict[str, Any]:
    """Defaults of the chapter's ``parameters`` cell, as papermill reads them."""
    import papermill  # slow to import (Jupyter client stack); `book list` and the tests of parsing do not need it

    path = ch.output(site)
    _to_notebook(ch, path)
    params = papermill.inspect_notebook(str(path))
    out = {}
    for name, p in params.items():
        try:
            out[name] = ast.literal_eval(p["default"])
        except (ValueError, SyntaxError):  # a non-literal default is shown as written
            out[name] = p["default"]
    return out


#: Parameters every chapter declares that the runner sets itself: where results go, and one log
#: line per epoch instead of progress-bar frames in the rendered page.
RUNNER_PARAMETERS = ("results_dir", "progress")


def check_parameters(ch: Chapter, given: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Stop on a parameter the chapter does not declare, naming the valid ones."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ChapterError(
            f"Chapter {ch.name!r} ({ch.source.name}) has no parameter "
            f"{', '.join(repr(u) for u in unknown)}. Its parameters are: "
            f"{', '.join(sorted(defaults))}."
        )


def prune_stale(run_dir: Path, since: float) -> list[Path]:
    """Delete tables and figures in ``run_dir`` last written before ``since`` (epoch seconds).

    A chapter run writes into ``<results>/<chapter>/<profile>/seed<seed>/``. When the same
    folder held an earlier run with other parameters (say the simulated world, then
    ``data_source=real``, which has no prom-scan), that run's extra tables would sit beside the
    new ones as if they belonged to it. Called only after a successful run, so a failed run
    still leaves the last good results untouched. Returns the deleted paths.
    """
    gone = []
    for sub in ("tables", "figures"):
        folder = Path(run_dir) / sub
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.stat().st_mtime < since:
                path.unlink()
                gone.append(path)
    return gone


def run_chapter(name: str, parameters: dict[str, Any] | None = None, *, site: Path | None = None,
                root: Path | None = None, results: Path | None = None) -> dict[str, Any]:
    """Execute one chapter with papermill; return its run record (also saved as JSON).

    ``results`` is the results folder (a ``results_dir`` in ``parameters`` wins; default
    ``$GENOMEBOOK_RESULTS``, else ``<root>/results``); it reaches the chapter as its
    ``results_dir`` parameter, with ``progress=False``.
    """
    import papermill  # slow to import (Jupyter client stack); only executing a chapter needs it

    root = root or project_root()
    site = Path(site) if site else root / "book"
    ch = find_chapter(name, root)
    parameters = dict(parameters or {})
    defaults = notebook_parameters(ch, site)
    check_parameters(ch, parameters, defaults)
    missing = [p for p in RUNNER_PARAMETERS if p not in defaults]
    if missing:
        raise ChapterError(f"Chapter {ch.name!r} ({ch.source.name}) does not declare the runner's parameters "
                           f"{', '.join(missing)}; add them to its parameters cell and pass them to open_run.")
    results = parameters.pop("results_dir", None) or results or os.environ.get("GENOMEBOOK_RESULTS") \
        or root / "results"
    results_dir = str(Path(results).resolve())
    parameters.pop("progress", None)  # a rendered page gets one line per epoch, never bar frames
    given = {**parameters, "results_dir": results_dir, "progress": False}
    effective = {**defaults, **given}
    out = ch.output(site)
    runs = site / "_runs"
    runs.mkdir(parents=True, exist_ok=True)
    log_path = runs / f"{name}.log"

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    handler = logging.FileHandler(log_path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    pm_log = logging.getLogger("papermill")
    pm_log.addHandler(handler)
    pm_log.setLevel(logging.INFO)
    status, error = "ok", ""
    started = time.time() - 1.0  # file times can be coarser than a second
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(out), str(out), parameters=given, cwd=str(root), kernel_name="python3",
            progress_bar=False, log_output=True, request_save_on_cell_execute=False,
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and reported
        status = "failed"
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
    finally:
        pm_log.removeHandler(handler)
        handler.close()
    seconds = time.perf_counter() - t0

    profile, seed = effective.get("profile", ""), effective.get("seed", 0)
    meta_path = Path(results_dir) / name / str(profile) / f"seed{seed}" / "run.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() and status == "ok" else {}
    stale = prune_stale(meta_path.parent, started) if status == "ok" else []
    record = {
        "chapter": name, "group": ch.group, "profile": profile, "seed": seed,
        "data_source": meta.get("data_source", ""), "seconds": round(seconds, 1),
        "status": status, "error": error, "parameters": parameters,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "results_dir": results_dir,
        "notebook": str(out.relative_to(site)), "log": str(log_path.relative_to(site)),
        "headline": meta.get("headline", ""),
        "stale_removed": [p.name for p in stale],
        "environment": pages.environment(root),
    }
    (runs / f"{name}.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def summary_table(records: list[dict[str, Any]]) -> str:
    """A plain-text table: chapter, profile, data source, seconds, status."""
    head = ("chapter", "profile", "data source", "seconds", "status")
    rows = [(r["chapter"], str(r["profile"]), r["data_source"] or "-", f"{r['seconds']:.1f}",
             r["status"] + (f" ({r['error']})" if r["error"] else "")) for r in records]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def prepare_site(site: Path, root: Path) -> None:
    """Copy the prose of ``book/`` into another site folder (the tests build in a temp dir)."""
    src = root / "book"
    if site.resolve() == src.resolve():
        return
    site.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.name in pages.SITE_GENERATED:
            continue
        dest = site / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)


def build_site(site: Path, root: Path, results: Path | None = None) -> int:
    """Write the generated pages (:func:`genomebook.site.write_pages`: scoreboard, published vs
    reproduced, runs, data, each chapter's downloads), ``jupyter-book build`` ``site`` with the
    top-level ``_config.yml`` and copy the chapters' downloads in; returns the build's exit code.

    ``results``: the results folder of the runs; None reads each run's folder from its record.
    """
    results = Path(results).resolve() if results else None
    pages.write_pages(site, results, root)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(site), "--all",
           "--path-output", str(site),
           "--config", str(root / "_config.yml"), "--toc", str(site / "_toc.yml")]
    code = subprocess.call(cmd, cwd=root)
    if code == 0:
        pages.copy_downloads(site, results)
    return code


def build(profile: str, *, site: Path | None = None, execute: bool = True,
          parameters: dict[str, Any] | None = None, only: list[str] | None = None,
          results: Path | None = None) -> int:
    """Run every chapter at ``profile``, print the summary, build the site; non-zero on failure."""
    root = project_root()
    site = Path(site) if site else root / "book"
    prepare_site(site, root)
    records = []
    if execute:
        for ch in chapters(root):
            if only and ch.name not in only:
                continue
            print(f"[genomebook] running {ch.group}/{ch.name} at profile={profile} ...", flush=True)
            records.append(run_chapter(ch.name, {**(parameters or {}), "profile": profile},
                                       site=site, root=root, results=results))
            print(f"[genomebook]   {records[-1]['status']} in {records[-1]['seconds']} s", flush=True)
        print("\n" + summary_table(records) + "\n", flush=True)
    code = build_site(site, root, results)
    failed = [r["chapter"] for r in records if r["status"] != "ok"]
    if failed:
        print(f"[genomebook] chapters failed: {', '.join(failed)}; "
              f"see {site / '_runs'}/<chapter>.log and the executed notebook.", file=sys.stderr)
        return 1
    if code:
        print(f"[genomebook] jupyter-book build failed (exit {code}).", file=sys.stderr)
        return code
    print(f"[genomebook] site built: {site / '_build' / 'html' / 'index.html'}")
    return 0


def _params(pairs: list[list[str]] | None) -> dict[str, Any]:
    return {k: parse_value(v) for k, v in (pairs or [])}


#: Parameter names that hold paths: ``*_path``, ``*_dir``, ``*_fasta`` and ``*_paths``.
PATH_PARAMETER = re.compile(r".*_(path|paths|dir|fasta)$")


def absolute_paths(parameters: dict[str, Any], cwd: Path | None = None) -> dict[str, Any]:
    """Path parameters made absolute against the caller's folder ``cwd`` (default: the current one).

    Chapters run with the project root as their working folder (papermill's ``cwd``), so a
    relative path typed on the command line would otherwise be read from there. A value is
    rewritten only where the file exists relative to ``cwd``: a plain path, each ``class=path``
    part of ``"positives=pos.fa,negatives=neg.fa"``, or each value of a mapping (a chapter's
    ``task_paths``); anything else is passed on unchanged (the chapter's error then says where
    it looked).
    """
    cwd = Path(cwd or Path.cwd())

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if not isinstance(value, str) or not value:
            return value
        if "=" in value and not (cwd / value).exists():
            return ",".join(f"{c}={fix(p)}" for c, p in (part.split("=", 1) for part in value.split(",")))
        path = Path(value).expanduser()
        return str((cwd / path).resolve()) if not path.is_absolute() and (cwd / path).exists() else value

    return {k: fix(v) if PATH_PARAMETER.match(k) else v for k, v in parameters.items()}


def main(argv: list[str] | None = None) -> int:
    """The command line (``python -m genomebook.book list | run NAME | build``); returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m genomebook.book", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list chapters and their parameters")
    p_run = sub.add_parser("run", help="execute one chapter with papermill")
    p_run.add_argument("name", help="chapter file stem, e.g. motifs")
    p_build = sub.add_parser("build", help="execute every chapter, then build the site")
    p_build.add_argument("--no-execute", action="store_true",
                         help="build from the notebooks already executed")
    p_build.add_argument("--only", nargs="*", help="execute only these chapters")
    for p in (p_run, p_build):
        p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                       help="papermill parameter (value typed as YAML); repeatable")
        p.add_argument("--profile", help="shortcut for -p profile VALUE")
        p.add_argument("--site", type=Path, help="folder to build the site in (default: book/)")
        p.add_argument("--results", type=Path, help="folder for tables, figures and caches "
                       "(default: $GENOMEBOOK_RESULTS, else results/)")
    args = parser.parse_args(argv)

    try:
        if args.command == "list":
            root = project_root()
            for ch in chapters(root):
                params = notebook_parameters(ch, root / "book")
                shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
                print(f"{ch.name:<24} {ch.group:<7} {ch.source.relative_to(root)}\n    {shown}")
            return 0
        params = absolute_paths(_params(args.parameter))
        if args.profile:
            params["profile"] = args.profile
        if args.command == "run":
            rec = run_chapter(args.name, params, site=args.site, results=args.results)
            print(summary_table([rec]))
            if rec["status"] != "ok":
                print(f"See {rec['log']} under {args.site or 'book'}/ and the executed notebook "
                      f"{rec['notebook']}.", file=sys.stderr)
                return 1
            return 0
        profile = params.pop("profile", "book")
        return build(profile, site=args.site, execute=not args.no_execute, parameters=params,
                     only=args.only, results=args.results)
    except (ChapterError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
