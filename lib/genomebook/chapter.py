"""The chapter skeleton: one call opens a run, one call closes it.

Every chapter starts with :func:`open_run` (profile sizes with the chapter's overrides,
seeding, the house style, quiet Lightning, the results store, a timer and the data source)
and ends with :meth:`Run.close` (the claims table, a generated "what held and what did not"
paragraph naming every claim that is not supported with its numbers, the tally and the run
record). In between, :meth:`Run.leakage` shows the leakage card of the chapter's splits,
:meth:`Run.built_in` the "built into this world" box on simulated data, and
:meth:`Run.published` the published-vs-reproduced table. No chapter repeats these by hand.

Used by every chapter in ``notebooks/``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from genomebook import profiles, report, train
from genomebook.datasets import leakage as leakage_checks
from genomebook.datasets import registry
from genomebook.datasets.labelled import (CHAPTER_INPUTS, LabelledSequences, length_summary,
                                          read_labelled_sequences)
from genomebook.simulate.builtin import BuiltIn, affecting, built_in_table

SOURCES = ("simulated", "real", "user files")


@dataclass
class Run:
    """One chapter run: its sizes, store and data source, and what it has shown so far."""

    chapter: str
    profile: str
    seed: int
    sizes: dict[str, Any]
    store: report.ResultsStore
    source: str
    requested: str
    why: str
    t_start: float = field(default_factory=time.perf_counter)
    world: list[BuiltIn] = field(default_factory=list)
    world_section: bool = False  # a real-data chapter with a section on a simulated world
    shown: set[str] = field(default_factory=set)
    datasets: list[str] = field(default_factory=list)
    figures: int = 0

    @property
    def simulated(self) -> bool:
        return self.source == "simulated"

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.t_start

    @property
    def cache_dir(self) -> Path:
        """``<results folder>/_cache``: costly steps shared between chapters of one build (pre-training)."""
        return self.store.root / "_cache"

    # ------------------------------------------------------------------ data cards
    def leakage(self, splits: Mapping[str, Sequence[str]], labels: Mapping[str, Sequence[int]] | None = None, *,
                pretraining: Sequence[str] | None = None, name: str = "leakage", caption: str = "",
                **kw: Any) -> pd.DataFrame:
        """Compute, save (``tables/<name>.csv``) and show the leakage card of ``splits``.

        Exact, reverse-complement and near-duplicates between every pair of splits, per
        class, and overlap with the pre-training corpus when given
        (:func:`genomebook.datasets.leakage.leakage_card` says how). Returns the card.
        """
        card = leakage_checks.leakage_card(splits, labels, pretraining=pretraining, **kw)
        self.show_leakage(card, name=name, caption=caption)
        return card

    def show_leakage(self, card: pd.DataFrame, *, name: str = "leakage", caption: str = "") -> None:
        """Save and show a leakage card computed elsewhere (rows with any overlap shaded)."""
        self.store.table(name, card)
        self.shown.add("leakage")
        leaks = int(card.loc[card["class"].astype(str) == "all", "any"].sum()) if len(card) else 0
        head = caption or ("Leakage card: sequences of each split that also occur in an earlier split "
                           "or in the pre-training corpus (exact, reverse complement, near-duplicate).")
        verdict = ("no overlap found" if leaks == 0 else
                   f"{leaks:,} overlapping sequences (counted over all split pairs); shaded rows")
        styled = (card.style.hide(axis="index").format(precision=3, escape="html")
                  .set_caption(f"{head} Result: {verdict}.")
                  .apply(lambda r: ["background-color: #fbeccb" if r["any"] > 0 else "" for _ in r], axis=1))
        display(styled)

    def user_data(self, source, labels_path=None, *, length: int | None = None, unequal_lengths: str = "error", duplicate_names: str = "error",
                  allow_iupac: bool = False) -> LabelledSequences:
        """Read and show a reader's labelled sequences (:func:`genomebook.datasets.read_labelled_sequences`).

        ``source``/``labels_path`` come from :func:`genomebook.datasets.labelled.user_source`;
        the other arguments are the chapter's parameters of the same names (``unequal_lengths``
        is the reader's ``unequal``); the number of classes comes from the chapter's entry in
        :data:`genomebook.datasets.labelled.CHAPTER_INPUTS`. Shows a "Your data" box (what was
        read, and which claims cannot be tested on it and why), the lengths as read and
        the records per split and class, says how many sequences were padded or cropped, and
        prints the reader's notes. Bad files stop here, before any training, with the file,
        the record and the fix. Returns the :class:`LabelledSequences`.
        """
        spec = CHAPTER_INPUTS[self.chapter]
        data = read_labelled_sequences(source, labels_path, length=length, unequal=unequal_lengths,
                                       duplicate_names=duplicate_names, n_classes=spec.n_classes,
                                       allow_iupac=allow_iupac)
        display(report.note("Your data", escape(f"{data.describe()} {spec.untestable}"), "important"))
        display(length_summary(data.lengths, data.labels).rename_axis("label (lengths as read, bp)"))
        display(data.counts().rename_axis("split (records per label)"))
        new = len(data.seqs[0])
        changed = int((data.lengths != new).sum())
        did = {"pad": "centre-padded with N", "crop": "centre-cropped"}.get(unequal_lengths, "changed")
        print(f"unequal_lengths={unequal_lengths!r}: " + (
            f"{changed} of {len(data)} sequences {did} to {new} bp" if changed
            else f"all {len(data)} sequences are {new} bp as read; none padded or cropped"))
        for line in data.notes:
            print(line)
        self.shown.add("user_data")
        return data

    def card(self, name: str, table: pd.DataFrame, notes: Iterable[str] = (), formats: Any = None) -> None:
        """Save (``tables/<name>.csv``) and show a data card without its index, then print ``notes``.

        ``formats``: as pandas' ``Styler.format`` takes (e.g. ``{"bp": "{:,}"}``), for the page only.
        """
        self.store.table(name, table)
        display(table.style.hide(axis="index").format(formats))
        for line in notes:
            print(line)

    def built_in(self, items: Iterable[BuiltIn], *, section: bool = False) -> None:
        """Declare and show what the simulated world makes true by construction (on simulated data only).

        Saves ``tables/built_in.csv`` and shows a box; claims can then ask
        :meth:`built_in_for` which of these properties bear on them. ``section=True``: a
        chapter on real data with a section on a simulated world (tss_localisation's species
        tree) declares that world whatever its data source.
        """
        self.world = list(items)
        self.world_section = self.world_section or section
        if not (self.simulated or section):
            return
        table = built_in_table(self.world)
        self.store.table("built_in", table)
        self.shown.add("built_in")
        rows = "".join(f"<li><b>{escape(b.what)}</b>: {escape(b.consequence)}</li>" for b in self.world)
        display(HTML('<div class="admonition warning built-in"><p class="admonition-title">'
                     "Built into this world</p><p>This simulated world makes the following true by "
                     "construction. Claims that rest on them test the world as much as the method; "
                     f"the claims table marks them.</p><ul>{rows}</ul></div>"))

    def built_in_for(self, key: str) -> str:
        """What the world builds in that bears on claim ``key`` ('' on real data or your files)."""
        return affecting(self.world, key) if self.simulated or self.world_section else ""

    # ------------------------------------------------------------------ results
    def figure(self, name: str, fig, caption: str) -> list[Path]:
        """Save ``fig`` (:meth:`genomebook.report.ResultsStore.figure`) and show it with a numbered
        caption: ``caption`` (what is plotted, one line) followed by the data source and profile
        of this run. Closes the figure, so the notebook shows it once. Returns the saved paths."""
        # matplotlib: slow to import, only chapters that draw call this
        import matplotlib.pyplot as plt

        paths = self.store.figure(name, fig)
        self.figures += 1
        plt.close(fig)
        display(Image(filename=str(paths[0])))
        data = "simulated data" if self.simulated else f"{self.source} data"
        display(Markdown(f"**Figure {self.figures}.** {caption.rstrip('.')}. "
                         f"*{data.capitalize()}, profile `{self.profile}`, seed {self.seed}.*"))
        return paths

    def published(self, rows: Iterable[dict[str, Any]], name: str = "published_vs_reproduced") -> pd.DataFrame:
        """Save and show a published-vs-reproduced table built with :func:`genomebook.published.row`."""
        table = report.published_vs_reproduced(rows)
        self.store.table(name, table)
        display(table.drop(columns=["published_id"]).style.hide(axis="index").format(precision=3, na_rep="–", escape="html"))
        return table

    def close(self, claims: Sequence[report.Claim], *, headline: str = "", **meta: Any) -> pd.DataFrame:
        """End the chapter: claims table, the "what held and what did not" paragraph, tally, run record.

        Saves ``tables/claims.csv`` and ``what_held.md`` and writes ``run.json`` with the sizes,
        data source, seconds, headline, the tally and ``meta``. Returns the claims table.
        """
        claims = list(claims)
        table = report.claims_table(claims, profile=self.profile, data_source=self.source)
        self.store.table("claims", table)
        if len(table):  # a paper chapter that gathers its task chapters' claims checks none itself
            display(report.style_claims(table))
        text = report.what_held(claims)
        self.store.text("what_held.md", text)
        display(Markdown("**What held and what did not.** " + text))
        seconds = self.seconds
        self.store.record(data_source=self.source, data_source_requested=self.requested,
                          data_source_note=self.why, sizes=self.sizes, seconds=round(seconds, 1),
                          headline=headline, claims=report.tally(claims),
                          shown=sorted(self.shown), datasets=self.datasets,
                          number_formats=train.number_formats(), **meta)
        where = Path(self.store.root.name) / self.store.dir.relative_to(self.store.root)
        print(f"Finished in {seconds:.0f} s; tables and figures in {where.as_posix()}/ of the results folder.")
        return table


def open_run(chapter: str, *, profile: str, seed: int, data_source: str = "simulated",
             datasets: Sequence[str] = (), user_data: bool = False, sizes_block: str | None = None,
             results_dir: str | os.PathLike | None = None, progress: bool = True, **overrides: Any) -> Run:
    """Open a chapter run.

    Parameters
    ----------
    chapter : the chapter's name (results go to ``results/<chapter>/<profile>/seed<seed>``).
    profile, seed, data_source : the chapter's parameters of the same names.
    datasets : registry names the real data needs (``data_source`` 'real'/'auto' resolves them).
    user_data : the reader gave their own files (then the source is 'user files').
    sizes_block : the profiles.yaml block to read, when it is not named after the chapter.
    results_dir : the chapter's parameter of that name: the folder results (and the caches of
        costly steps, ``<results_dir>/_cache``) go to; None means ``./results``.
    progress : the chapter's parameter of that name: progress bars (True) or one line per
        epoch (False, what the book runner passes).
    overrides : the chapter's size parameters (None keeps the profile's value).

    Seeds Python/NumPy/torch, sets the figure style, silences Lightning's chatter and prints
    one line with the profile, seed, data source and sizes.
    """
    sizes = profiles.profile(sizes_block or chapter, profile, **overrides)
    train.seed_everything(seed)
    train.quiet_lightning()
    train.show_progress(progress)
    report.set_style()
    report.format_tables()
    store = report.ResultsStore(chapter, profile, seed, root=results_dir)
    if user_data:
        source, why = "user files", ""
    else:
        source, why = registry.resolve_source(data_source, list(datasets))
    run = Run(chapter, profile, int(seed), sizes, store, source, data_source, why, datasets=list(datasets))
    print(f"{chapter}: profile={profile} seed={seed} data_source={source} sizes={sizes}")
    return run
