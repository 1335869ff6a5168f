"""Results store, published-vs-reproduced tables, claim checks and the house figure style."""

from __future__ import annotations

import json
import math
import numbers
import operator
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from genomebook import metrics
from genomebook.datasets._io import atomic_write  # the one definition (data layer); re-used here

OUTCOME_SUPPORTED = "supported"
OUTCOME_NOT_SUPPORTED = "not supported"
OUTCOME_INCONCLUSIVE = "inconclusive"
OUTCOME_UNTESTABLE = "not testable here"
OUTCOMES = (OUTCOME_SUPPORTED, OUTCOME_NOT_SUPPORTED, OUTCOME_INCONCLUSIVE, OUTCOME_UNTESTABLE)

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}


#: Where results live unless a chapter's ``results_dir`` parameter says otherwise (relative to
#: the working directory; the book runner passes its own folder explicitly).
DEFAULT_RESULTS = Path("results")


class ResultsStore:
    """Tables (CSV), figures (PNG + SVG) and run metadata of one chapter run.

    Files go to ``<root>/<chapter>/<profile>/seed<seed>/``; every write is atomic, so a
    failed run never leaves a half-written table behind or clobbers the last good one.
    """

    def __init__(self, chapter: str, profile: str, seed: int, root: str | Path | None = None):
        self.chapter, self.profile, self.seed = chapter, profile, int(seed)
        self.root = Path(root if root is not None else DEFAULT_RESULTS).resolve()
        self.dir = self.root / chapter / profile / f"seed{self.seed}"
        self._recorded = False  # has this store (this run) written run.json yet?

    def table(self, name: str, df: pd.DataFrame, *, index: bool = False) -> Path:
        """Save ``df`` as ``tables/<name>.csv`` (floats to 6 significant digits)."""
        return atomic_write(self.dir / "tables" / f"{name}.csv",
                             lambda p: df.to_csv(p, index=index, float_format="%.6g"))

    def text(self, name: str, text: str) -> Path:
        """Save ``text`` as ``<name>`` in the run's folder (e.g. the "what held" paragraph)."""
        return atomic_write(self.dir / name, lambda p: p.write_text(text))

    def read_table(self, name: str) -> pd.DataFrame:
        """Load a table saved by :meth:`table`."""
        return pd.read_csv(self.dir / "tables" / f"{name}.csv")

    def figure(self, name: str, fig) -> list[Path]:
        """Save a matplotlib figure as ``figures/<name>.png`` and ``.svg`` (no timestamps)."""
        out = []
        for ext, kw in (("png", {"dpi": 120, "metadata": {"Software": None}}),
                        ("svg", {"metadata": {"Date": None, "Creator": None}})):
            out.append(atomic_write(self.dir / "figures" / f"{name}.{ext}",
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
        atomic_write(path, lambda p: p.write_text(json.dumps(current, indent=2, default=str)))
        return current

    def meta(self) -> dict[str, Any]:
        """The run metadata recorded so far."""
        path = self.dir / "run.json"
        return json.loads(path.read_text()) if path.exists() else {}


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, (float, int)) and math.isnan(float(x)))


@dataclass
class Claim:
    """A paper's or chapter's statement turned into a check ``value <op> threshold``.

    The outcome respects uncertainty. With an interval (``ci_low``, ``ci_high``: a bootstrap
    over the test units, and over seeds where a chapter runs several) a claim is
    *supported* only when the whole interval lies on the claimed side of the threshold,
    *not supported* when it lies wholly on the other side, and *inconclusive* otherwise.
    Without an interval (a count, a deterministic quantity) the value itself is compared.
    ``value`` NaN (or None) means this run cannot test it (e.g. no ground truth on a reader's
    own data): *not testable here*, never supported.

    Other fields say what a reader needs to weigh the outcome:

    - ``n``: the number of test units behind the value (sequences, loci, cell types, …);
    - ``source``: where the paper states the claim (table/figure/section);
    - ``reading``: set when the claim, pairing or threshold is our reading rather than the
      paper's words (say what we read into it);
    - ``built_in``: set when the simulated world makes the claim true by construction (what it
      builds in): the claim then tests the world, not the method;
    - ``failed_reference``: set when the comparison is against a run that failed to learn (e.g.
      a model at MCC 0); the outcome is then *inconclusive*, whatever the numbers;
    - ``published``: the id of the paper's number in ``data/published/``, if any.
    """

    statement: str
    value: float | None
    threshold: float
    op: str = ">="
    detail: str = ""
    source: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    reading: str = ""
    built_in: str = ""
    failed_reference: str = ""
    published: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"Claim op must be one of {list(_OPS)}; got {self.op!r}.")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError(f"Claim {self.statement!r}: give both ci_low and ci_high, or neither.")

    @property
    def has_interval(self) -> bool:
        return not (_missing(self.ci_low) or _missing(self.ci_high))

    @property
    def outcome(self) -> str:
        if _missing(self.value):
            return OUTCOME_UNTESTABLE
        if self.failed_reference:
            return OUTCOME_INCONCLUSIVE
        test = _OPS[self.op]
        if not self.has_interval:
            return OUTCOME_SUPPORTED if test(float(self.value), float(self.threshold)) else OUTCOME_NOT_SUPPORTED
        lo, hi = sorted((float(self.ci_low), float(self.ci_high)))
        # the end of the interval nearest the threshold must pass for support; the far end
        # must fail for "not supported"
        near, far = (lo, hi) if self.op in (">=", ">") else (hi, lo)
        if test(near, float(self.threshold)):
            return OUTCOME_SUPPORTED
        if not test(far, float(self.threshold)):
            return OUTCOME_NOT_SUPPORTED
        return OUTCOME_INCONCLUSIVE

    def numbers(self) -> str:
        """The value, its interval and n in words, e.g. ``0.753 [0.691, 0.795], n = 44``."""
        if _missing(self.value):
            return "not measurable on this run"
        text = f"{_fmt(self.value)}"
        if self.has_interval:
            text += f" [{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]"
        if self.n is not None:
            text += f", n = {int(self.n):,}"
        return text


def beats_baseline(model: str, baseline: str, y, p_model, p_baseline, *, metric: str = "auROC",
                   n_boot: int = 1000, seed: int = 0, detail: str = "") -> Claim:
    """The claim "``model`` beats the ``baseline``": test ``metric`` of the model minus the baseline's > 0.

    ``model`` opens the statement as given ("The CNN", "DNABERT").

    ``y`` (N,) true classes; ``p_model``, ``p_baseline``: P(positive) (N,) for two classes, or
    class probabilities (N, C) (a list of them for several seeds), on the same test units in
    the same order. The difference and its interval come from
    :func:`genomebook.metrics.paired_difference` (paired bootstrap); the outcome follows
    :class:`Claim` (a tie, or an interval that reaches 0, is not "beats"). The rule is the
    same in every chapter and fixed before any run: used for the k-mer baseline in the motifs,
    promoters, tf_binding, splice_sites and dnabert chapters.
    """
    def as_probs(p):
        if isinstance(p, list):
            return [as_probs(q) for q in p]
        p = np.asarray(p, dtype=np.float64)
        return np.c_[1 - p, p] if p.ndim == 1 else p

    gap = metrics.paired_difference(y, as_probs(p_model), as_probs(p_baseline), metric, n_boot=n_boot, seed=seed)
    return Claim(f"{model} beats the {baseline}: its test {metric} minus the baseline's is above 0",
                 gap["value"], 0.0, ">", ci_low=gap["ci_low"], ci_high=gap["ci_high"], n=gap["n"],
                 detail=(detail + "; " if detail else "") + "paired bootstrap over test sequences")


def _fmt(x: Any) -> str:
    x = float(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.3g}"
    return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x - round(x)) > 1e-12 else f"{int(round(x))}"


def tally(claims: Iterable[Claim]) -> dict[str, int]:
    """How many claims have each outcome: {outcome: count} over :data:`OUTCOMES` (zeros kept)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for c in claims:
        counts[c.outcome] += 1
    return counts


def claims_table(claims: Iterable[Claim], *, profile: str, data_source: str) -> pd.DataFrame:
    """One row per claim: statement, value, interval, n, test, outcome, what it rests on, profile, data source."""
    rows = []
    for c in claims:
        rows.append({
            "claim": c.statement,
            "value": None if _missing(c.value) else round(float(c.value), 4),
            "ci_low": None if not c.has_interval else round(float(c.ci_low), 4),
            "ci_high": None if not c.has_interval else round(float(c.ci_high), 4),
            "n": None if c.n is None else int(c.n),
            "test": f"{c.op} {c.threshold:g}",
            "outcome": c.outcome,
            "detail": c.detail,
            "source": c.source,
            "our reading": c.reading,
            "built into the world": c.built_in,
            "failed reference": c.failed_reference,
            "published": c.published,
            "profile": profile,
            "data_source": data_source,
        })
    columns = ["claim", "value", "ci_low", "ci_high", "n", "test", "outcome", "detail", "source", "our reading",
               "built into the world", "failed reference", "published", "profile", "data_source"]
    return pd.DataFrame(rows, columns=columns)  # the columns also when no claim was checked


def what_held(claims: Iterable[Claim]) -> str:
    """A paragraph (Markdown) saying what held and what did not, naming every claim that is not
    supported, inconclusive or untestable with its numbers."""
    claims = list(claims)
    if not claims:
        return "This run checked no claims."
    counts = tally(claims)
    parts = [f"{counts[o]} {o}" for o in OUTCOMES if counts[o]]
    text = [f"Of {len(claims)} claims checked on this run, " + ", ".join(parts) + "."]
    for outcome, lead in ((OUTCOME_NOT_SUPPORTED, "**Did not hold**"),
                          (OUTCOME_INCONCLUSIVE, "**Inconclusive** (the interval straddles the "
                                                 "threshold, or the reference failed to learn)"),
                          (OUTCOME_UNTESTABLE, "**Not testable here**")):
        these = [c for c in claims if c.outcome == outcome]
        if not these:
            continue
        text.append(f"\n{lead}:\n")
        for c in these:
            line = f"- {c.statement}: {c.numbers()}"
            if outcome != OUTCOME_UNTESTABLE:
                line += f" (needed {c.op} {_fmt(c.threshold)})"
            why = "; ".join(x for x in (c.failed_reference, c.detail) if x)
            if why:
                line += f"; {why}"
            text.append(line + ".")
    held = [c for c in claims if c.outcome == OUTCOME_SUPPORTED]
    if held:
        text.append("\n**Held**: " + "; ".join(
            f"{c.statement} ({c.numbers()})" + (" — built into the simulated world" if c.built_in else "")
            for c in held) + ".")
    world = [c for c in claims if c.built_in]
    if world:
        text.append(f"\n{len(world)} of these claims rest on what the simulated world builds in, "
                    "so they test the world and the method together, not the method alone.")
    return "\n".join(text)


def published_vs_reproduced(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Table of published numbers (with their paper and table/figure) next to ours.

    Build each row with :func:`genomebook.published.row` so the paper's number comes from
    ``data/published/``: a row that carries a ``published`` number without its
    ``published_id`` is refused. Columns: ``quantity``, ``published``, ``reference``,
    ``reproduced``, ``ci_low``, ``ci_high``, ``published_id`` and any extra columns.
    """
    rows = list(rows)
    for r in rows:
        if not _missing(r.get("published")) and not r.get("published_id"):
            raise ValueError(f"published_vs_reproduced: row {r.get('quantity')!r} types a published "
                             "number; take it from data/published/ with published.row(id, ...).")
    cols = ["quantity", "published", "reference", "reproduced", "ci_low", "ci_high", "published_id"]
    df = pd.DataFrame(rows)
    for c in cols:
        if c not in df:
            df[c] = None
    return df[cols + [c for c in df.columns if c not in cols]]


def style_claims(df: pd.DataFrame):
    """The claims table for display: outcome coloured (green supported, red not, grey untestable).

    Profile and data source, the same on every row, go to the caption; empty columns are dropped.
    """
    colours = {OUTCOME_SUPPORTED: "#d8f0d8", OUTCOME_NOT_SUPPORTED: "#f6d5d5",
               OUTCOME_INCONCLUSIVE: "#fbeccb", OUTCOME_UNTESTABLE: "#e8e8e8"}
    caption = ", ".join(f"{c.replace('_', ' ')}: {df[c].iloc[0]}"
                        for c in ("profile", "data_source") if c in df and len(df))
    shown = df.drop(columns=[c for c in ("profile", "data_source") if c in df])
    shown = shown.drop(columns=[c for c in shown if shown[c].isna().all()
                                or (shown[c].astype(str) == "").all()])
    return (shown.style.hide(axis="index").set_caption(caption).format(precision=3, escape="html")
            .map(lambda v: f"background-color: {colours.get(v, '')}", subset=["outcome"]))


#: Column names read as P- or q-values: shown in scientific notation (``3.37e-05``, never ``0.000``).
P_COLUMNS = re.compile(r"(^|[^a-z])(p|q|pval|qval|p_value|q_value|p-value|q-value|fdr|padj)([^a-z]|$)", re.I)


def _sig(x: Any, p_value: bool = False) -> str:
    """One table cell: '–' for a missing value, integers plain (thousands separated from
    10,000), P/q-values in scientific notation below 0.001, other floats to 3 significant digits."""
    if x is None or x is pd.NA or isinstance(x, bool):
        return "–" if x is None or x is pd.NA else str(x)
    if isinstance(x, numbers.Integral):
        return f"{int(x):,}" if abs(int(x)) >= 10_000 else str(int(x))
    if not isinstance(x, numbers.Real):
        return str(x)
    v = float(x)
    if math.isnan(v):
        return "–"
    if v != 0 and abs(v) < 1e-3:
        return f"{v:.2e}"
    if p_value:
        return f"{v:.3g}"
    if abs(v) >= 1e6:
        return f"{v:.2e}"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def format_table(df: pd.DataFrame, caption: str = ""):
    """A DataFrame as the book shows it: a pandas Styler without the index (a named or
    non-default index becomes the first columns), floats to 3 significant digits, P- and
    q-value columns (:data:`P_COLUMNS`) in scientific notation, '–' for NaN/None/<NA>, and
    an optional caption. Used for every table a chapter displays (see :func:`format_tables`)."""
    shown = df
    if not isinstance(df.index, pd.RangeIndex) or any(n is not None for n in df.index.names):
        shown = df.reset_index()
    if shown.columns.duplicated().any():
        return df.style
    fmt = {}
    for col in shown.columns:
        kind = shown[col].dtype.kind
        if kind in "fcmiu" or shown[col].dtype == object:
            fmt[col] = (lambda v, p=bool(P_COLUMNS.search(str(col))): _sig(v, p))
    styler = shown.style.hide(axis="index").format(fmt, na_rep="–", escape="html")
    return styler.set_caption(caption) if caption else styler


def format_tables() -> None:
    """Show every DataFrame a notebook displays through :func:`format_table` (an IPython HTML
    formatter), and give the chapters' own Stylers '–' for missing values and 3 decimals
    (pandas options); outside IPython nothing changes. Called by :func:`genomebook.chapter.open_run`."""
    try:
        from IPython import get_ipython  # only inside a notebook
    except ImportError:
        return
    ip = get_ipython()
    if ip is None:
        return
    ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda df: format_table(df).to_html())
    # Stylers a chapter builds itself: '–' for missing values and 3 decimals unless it says otherwise
    pd.set_option("styler.format.na_rep", "–")
    pd.set_option("styler.format.precision", 3)


def note(title: str, text: str, kind: str = "note"):
    """An admonition box (HTML) for the top of a chapter, e.g. 'Simulated data'."""
    from IPython.display import HTML  # only inside a notebook

    return HTML(f'<div class="admonition {kind}"><p class="admonition-title">{title}</p>'
                f"<p>{text}</p></div>")


def set_style() -> None:
    """The house figure style: seaborn ticks, readable fonts, no top/right spines."""
    # plotting libraries: slow to import, needed only by chapters that draw
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="ticks", context="notebook", palette="colorblind")
    mpl.rcParams.update({"figure.dpi": 100, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "genomebook"})
