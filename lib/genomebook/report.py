"""Results store, published-vs-reproduced tables, claim checks and the house figure style."""

from __future__ import annotations

import json
import math
import operator
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

OUTCOME_SUPPORTED = "supported"
OUTCOME_NOT_SUPPORTED = "not supported"
OUTCOME_UNTESTABLE = "not testable here"

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}


def results_root() -> Path:
    """Where results live: ``$GENOMEBOOK_RESULTS`` or ``./results``."""
    return Path(os.environ.get("GENOMEBOOK_RESULTS", "results")).resolve()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through a temporary file in the same folder, then rename: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


class ResultsStore:
    """Tables (CSV), figures (PNG + SVG) and run metadata of one chapter run.

    Files go to ``<root>/<chapter>/<profile>/seed<seed>/``; every write is atomic, so a
    failed run never leaves a half-written table behind or clobbers the last good one.
    """

    def __init__(self, chapter: str, profile: str, seed: int, root: str | Path | None = None):
        self.chapter, self.profile, self.seed = chapter, profile, int(seed)
        base = Path(root) if root is not None else results_root()
        self.dir = base / chapter / profile / f"seed{self.seed}"
        self._recorded = False  # has this store (this run) written run.json yet?

    def table(self, name: str, df: pd.DataFrame, *, index: bool = False) -> Path:
        """Save ``df`` as ``tables/<name>.csv`` (floats to 6 significant digits)."""
        return _atomic_write(self.dir / "tables" / f"{name}.csv",
                             lambda p: df.to_csv(p, index=index, float_format="%.6g"))

    def read_table(self, name: str) -> pd.DataFrame:
        """Load a table saved by :meth:`table`."""
        return pd.read_csv(self.dir / "tables" / f"{name}.csv")

    def figure(self, name: str, fig) -> list[Path]:
        """Save a matplotlib figure as ``figures/<name>.png`` and ``.svg`` (no timestamps)."""
        out = []
        for ext, kw in (("png", {"dpi": 120, "metadata": {"Software": None}}),
                        ("svg", {"metadata": {"Date": None, "Creator": None}})):
            out.append(_atomic_write(self.dir / "figures" / f"{name}.{ext}",
                                     lambda p, ext=ext, kw=kw: fig.savefig(
                                         p, format=ext, bbox_inches="tight", **kw)))
        return out

    def record(self, **meta: Any) -> dict[str, Any]:
        """Write ``meta`` to ``run.json`` (chapter, profile, seed are always there).

        The first call of a store replaces what an earlier run left there, so no key of that
        run survives into this one's record; later calls of the same store merge into it.
        """
        path = self.dir / "run.json"
        current = json.loads(path.read_text()) if path.exists() and self._recorded else {}
        self._recorded = True
        current.update(chapter=self.chapter, profile=self.profile, seed=self.seed)
        current.update(meta)
        _atomic_write(path, lambda p: p.write_text(json.dumps(current, indent=2, default=str)))
        return current

    def meta(self) -> dict[str, Any]:
        """The run metadata recorded so far."""
        path = self.dir / "run.json"
        return json.loads(path.read_text()) if path.exists() else {}


@dataclass
class Claim:
    """A paper's or chapter's statement turned into a check ``value <op> threshold``.

    ``value`` NaN (or None) means the run cannot test it (e.g. no ground truth on a
    reader's own data); it is then reported as such, never as supported.
    """

    statement: str
    value: float | None
    threshold: float
    op: str = ">="
    detail: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"Claim op must be one of {list(_OPS)}; got {self.op!r}.")

    @property
    def outcome(self) -> str:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return OUTCOME_UNTESTABLE
        ok = _OPS[self.op](float(self.value), float(self.threshold))
        return OUTCOME_SUPPORTED if ok else OUTCOME_NOT_SUPPORTED


def tally(claims: Iterable[Claim]) -> tuple[int, int, list[str]]:
    """(number supported, number not supported, statements of those not supported)."""
    outcomes = [(c.outcome, c.statement) for c in claims]
    lost = [st for out, st in outcomes if out == OUTCOME_NOT_SUPPORTED]
    return sum(out == OUTCOME_SUPPORTED for out, _ in outcomes), len(lost), lost


def claims_table(claims: Iterable[Claim], *, profile: str, data_source: str) -> pd.DataFrame:
    """One row per claim: statement, value, test, outcome, profile, data source."""
    rows = []
    for c in claims:
        d = asdict(c)
        rows.append({
            "claim": d["statement"],
            "value": None if c.value is None else round(float(c.value), 4),
            "test": f"{d['op']} {d['threshold']:g}",
            "outcome": c.outcome,
            "detail": d["detail"],
            "source": d["source"],
            "profile": profile,
            "data_source": data_source,
        })
    return pd.DataFrame(rows)


def published_vs_reproduced(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Table of published numbers (with their table/figure reference) next to ours.

    Each row: ``quantity``, ``published`` (number or None), ``reference`` (e.g. 'Fig 2A'),
    ``reproduced``, ``ci_low``, ``ci_high``. Missing keys are left empty.
    """
    cols = ["quantity", "published", "reference", "reproduced", "ci_low", "ci_high"]
    df = pd.DataFrame(list(rows))
    for c in cols:
        if c not in df:
            df[c] = None
    return df[cols + [c for c in df.columns if c not in cols]]


def style_claims(df: pd.DataFrame):
    """The claims table for display: outcome coloured (green supported, red not, grey untestable).

    Profile and data source, the same on every row, go to the caption; empty columns are dropped.
    """
    colours = {OUTCOME_SUPPORTED: "#d8f0d8", OUTCOME_NOT_SUPPORTED: "#f6d5d5",
               OUTCOME_UNTESTABLE: "#e8e8e8"}
    caption = ", ".join(f"{c.replace('_', ' ')}: {df[c].iloc[0]}"
                        for c in ("profile", "data_source") if c in df and len(df))
    shown = df.drop(columns=[c for c in ("profile", "data_source") if c in df])
    shown = shown.drop(columns=[c for c in shown if shown[c].isna().all()
                                or (shown[c].astype(str) == "").all()])
    return (shown.style.hide(axis="index").set_caption(caption).format(precision=3)
            .map(lambda v: f"background-color: {colours.get(v, '')}", subset=["outcome"]))


def note(title: str, text: str, kind: str = "note"):
    """An admonition box (HTML) for the top of a chapter, e.g. 'Simulated data'."""
    from IPython.display import HTML

    return HTML(f'<div class="admonition {kind}"><p class="admonition-title">{title}</p>'
                f"<p>{text}</p></div>")


def set_style() -> None:
    """The house figure style: seaborn ticks, readable fonts, no top/right spines."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="ticks", context="notebook", palette="colorblind")
    mpl.rcParams.update({"figure.dpi": 100, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "genomebook"})
