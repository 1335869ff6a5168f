# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Small transformers for bioinformatics tasks, reproduced
#
# Lorello's thesis {cite}`lorello2021small` asked whether transformers small enough for one
# laptop GPU (two Longformer blocks, 256 tokens) can learn DNA: a language model on
# mitochondrial genomes and on the human genome (its chapter 5.1), then three fine-tuning
# tasks: locating the transcription start site across species (5.2), naming the fish a 12S
# sequence comes from (5.3) and predicting 919 chromatin features (5.4), with larger models
# in appendix B.
#
# Four chapters of this book run the thesis's experiments and check its findings, each on
# its own page with its data, leakage cards and baselines:
#
# | thesis | chapter |
# |---|---|
# | 5.1, Table 5.1, B.1–B.2 | [Turning DNA into words and learning its language](../tasks/dna_language_models.ipynb) |
# | 5.2, Table 5.2, B.3 (Table B.2) | [Where does transcription start?](../tasks/tss_localisation.ipynb) |
# | 5.3, Table 5.3, B.4 (Table B.3) | [Which fish is this 12S read from?](../tasks/metagenomics_12s.ipynb) |
# | 5.4, Table 5.4, B.5 (Table B.4) | [919 chromatin features from sequence](../tasks/chromatin_profiles.ipynb) |
#
# This page gathers them: every table of the thesis's chapter 5 and appendix B beside our
# numbers, every finding with its outcome, and the leakage cards behind them. It computes
# nothing new: it reads the four chapters' results at the same profile and seed, and runs a
# chapter first when its results are missing (minutes each at `book`). The claims are
# counted once, on the chapters that check them.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper: the profile of the four chapters gathered here
seed = 0
results_dir = None  # folder for tables, figures and caches (None: ./results); the book runner sets it
progress = True  # progress bars; the book runner passes False

# %% tags=["hide-input"]
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from genomebook import book, chapter, published, report

CHAPTERS = {"dna_language_models": "Language models (5.1)", "tss_localisation": "TSS localisation (5.2)",
            "metagenomics_12s": "12S metagenomics (5.3)", "chromatin_profiles": "Chromatin profiles (5.4)"}
run = chapter.open_run("small_transformers", results_dir=results_dir, progress=progress, profile=profile,
                       seed=seed, data_source="real", datasets=[], sizes_block="small_transformers")
store = run.store

# %% [markdown]
# ## The four runs gathered here

# %%
dirs, records = {}, []
for name, title in CHAPTERS.items():
    d = report.ResultsStore(name, profile, seed, root=results_dir).dir
    if not (d / "run.json").exists():
        print(f"{name}: no results at profile {profile}, seed {seed}; running it now", flush=True)
        params = {"profile": profile, "seed": seed, "progress": progress}
        if results_dir is not None:
            params["results_dir"] = str(results_dir)
        rec = book.run_chapter(name, params, results=None if results_dir is None else results_dir)
        if rec.get("status") != "ok":
            raise RuntimeError(f"{name} failed at profile {profile}: {rec.get('status')}; see its log.")
    meta = json.loads((d / "run.json").read_text())
    dirs[name] = d
    records.append({"chapter": title, "data": meta.get("data_source"), "seconds": meta.get("seconds"),
                    **meta.get("claims", {})})
runs_table = pd.DataFrame(records)
store.table("runs", runs_table)
display(runs_table.style.hide(axis="index").format(precision=0, na_rep="–"))

# %% [markdown]
# ## The thesis's tables beside ours
#
# Each row is one number of the thesis (table and quantity) beside the number of ours that
# measures the same thing, with its interval and the chapter's note on what differs (data,
# scale, scoring). Rows without a number of ours say why in their note.

# %%
frames = []
for name, d in dirs.items():
    for path in sorted((d / "tables").glob("published_vs_reproduced*.csv")):
        t = pd.read_csv(path)
        frames.append(t.assign(chapter=CHAPTERS[name]))
gathered = pd.concat(frames, ignore_index=True)
entries = published.load()
gathered = gathered[gathered["published_id"].str.startswith("small_transformers.")]
gathered["table"] = [entries[i].where for i in gathered["published_id"]]
order = {w: k for k, w in enumerate(dict.fromkeys(e.where for e in entries.values()
                                                  if e.id.startswith("small_transformers.")))}
gathered = gathered.sort_values("table", key=lambda s: s.map(order), kind="stable")
store.table("thesis_tables", gathered.drop(columns=["reference"]))
for table_name, g in gathered.groupby("table", sort=False):
    display(Markdown(f"**{table_name}** ({g['chapter'].iloc[0]}; {int(g['reproduced'].notna().sum())} of "
                     f"{len(g)} numbers with ours)"))
    shown = g.drop(columns=["published_id", "reference", "table", "chapter"]).dropna(axis=1, how="all")
    display(shown.style.hide(axis="index").format(precision=3, na_rep="–", escape="html"))

# %%
fig, ax = plt.subplots(figsize=(6.2, 5.6))
ok = gathered.dropna(subset=["reproduced"])
ok = ok[~ok["quantity"].str.contains("loss|perplexity", case=False)]  # accuracies, AUCs, precision, recall
for table_name, g in ok.groupby("table", sort=False):
    yerr = np.vstack([g["reproduced"] - g["ci_low"].fillna(g["reproduced"]),
                      g["ci_high"].fillna(g["reproduced"]) - g["reproduced"]])
    ax.errorbar(g["published"], g["reproduced"], yerr=np.clip(yerr, 0, None), fmt="o", ms=4, capsize=2,
                label=table_name)
ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
ax.set(xlabel="the thesis's number", ylabel="ours (95% interval)", xlim=(0, 1.02), ylim=(0, 1.02))
ax.legend(fontsize=8)
fig.tight_layout()
_ = run.figure("thesis_vs_ours", fig, "Every accuracy, AUC, precision and recall of the thesis's tables against "
               "ours (losses and perplexities, which are not on a 0–1 scale, are in the tables above)")

# %% [markdown]
# ## The thesis's findings, checked
#
# Every claim the four chapters check, with its outcome on their runs (*supported* only
# when the whole 95% interval lies on the claimed side). The chapters say next to each claim
# what is our reading and what a simulated world builds in.

# %%
claims = pd.concat([pd.read_csv(d / "tables" / "claims.csv").assign(chapter=CHAPTERS[n]) for n, d in dirs.items()],
                   ignore_index=True)
store.table("findings", claims)
cols = ["chapter", "claim", "value", "ci_low", "ci_high", "test", "outcome", "source"]
display(claims[cols].style.hide(axis="index").format(precision=3, na_rep="–"))
tally = claims.groupby(["chapter", "outcome"], sort=False).size().unstack(fill_value=0)
fig, ax = plt.subplots(figsize=(8, 2.8))
tally.reindex(columns=[o for o in report.OUTCOMES if o in tally.columns]).plot.barh(stacked=True, ax=ax, width=0.7)
ax.set(xlabel="claims", ylabel="")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
_ = run.figure("findings", fig, "Outcomes of the thesis's findings, per chapter")

# %% [markdown]
# ## The leakage cards behind them

# %%
leaks = pd.concat([pd.read_csv(d / "tables" / "leakage.csv").assign(chapter=CHAPTERS[n]) for n, d in dirs.items()],
                  ignore_index=True)
leaks = leaks[["chapter", *[c for c in leaks.columns if c != "chapter"]]]
run.show_leakage(leaks, caption="Leakage cards of the four chapters (each chapter shows its own, with more detail)")
card_rows = leaks[(leaks["class"] == "all") & (leaks["n"] > 0)].copy() if "class" in leaks else leaks[leaks["n"] > 0].copy()
card_rows["share"] = card_rows["any"] / card_rows["n"]
worst = card_rows.loc[card_rows.groupby("chapter", sort=False)["share"].idxmax()]
fig, ax = plt.subplots(figsize=(8, 2.6))
labels = [f"{r['chapter']}\n{r['query']} vs {r['reference']}"
          + (f" ({r['split']})" if isinstance(r.get("split"), str) else "") for _, r in worst.iterrows()]
ax.barh(labels, worst["share"], color="#c44e52")
ax.set(xlim=(0, 1), xlabel="share of the rows with an exact, reverse-complement or near copy (or shared 30-mer)")
ax.invert_yaxis()
fig.tight_layout()
_ = run.figure("worst_leak", fig, "The largest leak each chapter's cards found (the query set against its reference)")

# %% [markdown]
# ## What held
#
# The generated summary of each chapter's claims, as its page states it:

# %%
for name, d in dirs.items():
    text = (d / "what_held.md").read_text() if (d / "what_held.md").exists() else "(no summary)"
    display(Markdown(f"**{CHAPTERS[name]}.** {text}"))
claims_df = run.close([], headline=f"{len(claims)} findings checked in four chapters: "
                      + ", ".join(f"{int((claims['outcome'] == o).sum())} {o}" for o in report.OUTCOMES
                                  if (claims["outcome"] == o).any()))

# %% [markdown]
# ## References
#
# ```{bibliography}
# :filter: docname in docnames
# ```
