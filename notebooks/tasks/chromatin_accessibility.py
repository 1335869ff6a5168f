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
# # Accessibility across cell types: why sequence is not enough
#
# Every cell of a body carries the same genome, yet a liver cell and a B cell open different
# stretches of it. A network that reads only DNA gives a locus one answer, the same in every
# cell type; it cannot say *where* the locus is open. DeepCAGE {cite}`liu2019deepcage` adds
# what differs between cell types: the expression of the transcription factors (TFs) whose
# motifs the DNA carries. This chapter trains one sequence-only network and one DeepCAGE on
# the same loci and asks them about cell types neither has seen.
#
# It also shows the two ways of scoring such a model, which answer different questions:
#
# * **cell-type-wise** — in one cell type, rank all loci: which loci are open here?
# * **locus-wise** — for one locus, rank all cell types: in which cell types is it open?
#
# A sequence-only model can do well on the first and cannot do the second at all. The
# full reproduction of the paper, with every baseline and figure, is the
# [DeepCAGE chapter](../papers/deepcage).

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper: sets the sizes below when they are None
seed = 0
fold = 0  # which of the five cell-type folds is held out as the test set (0-4)
expression_source = "simulated"  # simulated | real (DeepCAGE's TF expression of 55 ENCODE cell types)
motif_source = "jaspar"  # jaspar (JASPAR 2024) | hocomoco (the paper's 401 HOCOMOCO v11 core motifs); your files: also a JASPAR group (plants, ...) or a motif file
data_dir = None  # your data: a folder of plain files (labels.tsv, expression.tsv, windows.fa or genome.fa; see book/your-data.md) or one written by AccessibilityData.save
window = None  # with genome.fa in data_dir: bp read around each locus (None: 1000, the paper's)
n_loci = None  # loci of the simulated world (None: from the profile)
epochs = None  # maximum training epochs (None: from the profile)
results_dir = None  # folder for tables, figures and caches (None: ./results); the book runner sets it
progress = True  # progress bars; the book runner passes False (one log line per epoch on the page)

# %%

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from matplotlib.patches import Rectangle

from genomebook import chapter, metrics, report, train
from genomebook.datasets import accessibility_files
from genomebook.datasets.accessibility import (
    AccessibilityDataModule, cell_type_folds, locus_sequences, window_overlaps,
)
from genomebook.models import CROSS_CELL_MODELS, TrainingMean, cross_cell_model
from genomebook.models.sizes import width_factor
from genomebook.simulate.accessibility import BUILT_IN as WORLD_BUILT_IN
from genomebook.workflows.deepcage import (
    bootstrap_cells, bootstrap_cells_and_loci, celltype_scores, fit_cross_cell, load_or_simulate,
    mean_difference, predict_matrix,
)

run = chapter.open_run("chromatin_accessibility", results_dir=results_dir, progress=progress, profile=profile, seed=seed, data_source="simulated",
                       user_data=data_dir is not None, n_loci=n_loci, epochs=epochs)
sizes, store, source = run.sizes, run.store, run.source
print(f"fold={fold}")
data, world, _ = load_or_simulate(sizes, data_dir=data_dir, expression_source=expression_source,
                                 motif_source=motif_source, seed=seed, folder=store.dir / "world_data", window=window)
if world is None:
    display(report.note(
        "Your data", f"Loci, cell types, TF expression and peak labels from <code>{data_dir}</code> "
        "(the 'Run a chapter on your data' page describes the plain files; the profile's sizes do not apply). "
        "This chapter's claims need no ground truth: all are evaluated on your data (those on novel loci "
        "when the test fold has novel loci with a defined score).", "important"))
    if data.meta.get("reader") == accessibility_files.READER:  # plain files: what was read, and how
        run.card("your_files", accessibility_files.describe_files(data), data.meta["notes"])
else:
    display(report.note(
        "Simulated data", f"{data.n_loci:,} loci (200 bp bins of {len(set(data.loci['chrom']))} "
        f"simulated chromosomes) in {data.n_cells} cell types from {len(set(world.lineage))} "
        f"lineages. {len(world.driver_tfs)} of {data.n_tfs} TFs drive accessibility: a locus "
        "opens when it carries a driver's motif and the cell type expresses that driver, plus a "
        f"locus effect and noise. Expression: {expression_source}; motifs: {motif_source}. The loci, "
        "their sequences and their openness are simulated whatever the expression and motif sources.",
        "note"))

# %% [markdown]
# ## What the data look like
#
# Left: the expression of the driver TFs in each cell type, with cell types grouped by
# lineage. Right: peak calls over a stretch of consecutive loci. Some loci are open
# everywhere, others only in the lineages that express their TF.

# %% tags=["hide-input"]
card = world.describe() if world is not None else data.describe(data_dir)
store.table("data_card", card)
display(card.style.hide(axis="index"))
run.built_in(WORLD_BUILT_IN)

labels = np.asarray(data.labels)
cell_order = (np.argsort(world.lineage, kind="stable") if world is not None else np.arange(data.n_cells))
cell_names = np.array(data.cell_types)[cell_order]
shown_tfs = list(world.driver_tfs) if world is not None else list(
    pd.DataFrame(np.asarray(data.expression), columns=data.tfs).var().sort_values().index[-12:])
expr = pd.DataFrame(np.asarray(data.expression), index=data.cell_types, columns=data.tfs)
open_any = np.flatnonzero(labels.any(axis=1))
stretch = np.arange(open_any[0], min(open_any[0] + 120, data.n_loci)) if len(open_any) else np.arange(120)
fig, axes = plt.subplots(1, 2, figsize=(13, 0.16 * data.n_cells + 2),
                         gridspec_kw={"width_ratios": [len(shown_tfs) + 4, 60]})
sns.heatmap(expr.loc[cell_names, shown_tfs], cmap="magma", ax=axes[0],
            cbar_kws={"label": "log(TPM+1), quantile normalised"})
axes[0].set_title("driver TF expression" if world is not None else "most variable TFs")
axes[0].tick_params(axis="y", labelsize=6)
axes[0].set_xticks(np.arange(len(shown_tfs)) + 0.5, shown_tfs, rotation=90, fontsize=7)  # every TF named
axes[1].imshow(labels[stretch][:, cell_order].T, aspect="auto", cmap="Greys", interpolation="nearest")
axes[1].set(yticks=[], xlabel=f"{len(stretch)} consecutive loci", title="peak (black) or not")
fig.tight_layout()
run.figure("data_overview", fig, f"Expression of the {len(shown_tfs)} "
           f"{'driver TFs' if world is not None else 'most variable TFs'} in each of the {data.n_cells} cell types "
           f"(left) and which of {len(stretch)} consecutive loci are peaks in each (right); "
           f"{labels.mean():.1%} of all locus × cell-type entries are open")

# %% [markdown]
# ## Held-out cell types, known and novel loci
#
# The cell types are split five ways and one fold's cell types are the test set. As in the
# paper, a locus is **known** when it is a peak in at least two training cell types, and
# **novel** when it is a peak in at least two test cell types but not known. Both models
# train on known loci in training cell types (a few held out for early stopping) and are
# tested on the held-out cell types.

# %%
train_cells, test_cells = cell_type_folds(data.n_cells, 5, seed)[fold]
dm = AccessibilityDataModule(data, train_cells, test_cells, target="labels",
                             n_val_cells=sizes["n_val_cells"], batch_size=sizes["batch_size"],
                             seed=seed)
test_names = [data.cell_types[k] for k in test_cells]
y_known = labels[dm.known_idx][:, test_cells]
y_novel = labels[dm.novel_idx][:, test_cells]
split = pd.DataFrame({"cell types": [len(dm.fit_cells), len(dm.val_cells), len(test_cells)],
                      "role": ["training", "validation (early stopping)", "test"]})
display(split.style.hide(axis="index"))
print(f"known loci {len(dm.known_idx):,}, novel loci {len(dm.novel_idx):,}; test cell types: "
      + ", ".join(test_names))

# %% [markdown]
# **Leakage.** Only cell types are held out, not loci: a known locus is trained on in the
# training cell types and scored in the test cell types, so its sequence is seen in training
# by design. The novel loci are never trained on; the card checks that none of them is a
# copy, reverse complement or near-copy of a known locus, and the caption counts novel loci
# whose window overlaps a known locus's window in the genome.

# %%
bin_bp = int(np.median((data.loci["end"] - data.loci["start"]).to_numpy()))
overlapping = window_overlaps(data.loci, data.seq_len, dm.novel_idx, dm.known_idx)
leakage = run.leakage(
    {"train: known loci": locus_sequences(data, dm.known_idx),
     "test: novel loci": locus_sequences(data, dm.novel_idx)},
    seed=seed,
    caption=("Leakage card of the loci. Only cell types are held out: every known locus's sequence is "
             "seen in training by design and scored again in the test cell types, whose expression and "
             "labels are what is new. The row checks the novel loci (never trained on) against the known "
             f"loci the networks train on. In the genome, {int(overlapping.sum()):,} of "
             f"{len(dm.novel_idx):,} novel loci have a {data.seq_len} bp window overlapping a known "
             f"locus's window ({bin_bp} bp bins)."))

# %% [markdown]
# ## Two models
#
# * **Sequence only** — Basset {cite}`kelley2016basset`, three convolutions and two dense
#   layers on the DNA window, one score per locus.
# * **DeepCAGE** — a DenseNet on the same window, plus, for each TF, its best motif score in
#   the window multiplied by its expression in the cell type.
#
# Both see the same loci and labels; only DeepCAGE sees the expression.

# %%
model_sizes = dict(n_tfs=data.n_tfs, width=sizes["width"], layers_per_block=sizes["layers_per_block"])


models_table = pd.DataFrame([
    {"model": name, "sees": CROSS_CELL_MODELS[name], "width (× published)": round(width_factor(net), 3),
     "parameters": sum(p.numel() for p in net.parameters())}
    for name, net in ((n, cross_cell_model(n, **model_sizes)) for n in ["Basset", "DeepCAGE"])])
store.table("models", models_table)
display(models_table.style.hide(axis="index").format({"parameters": "{:,}"}))
widths = models_table.set_index("model")["width (× published)"]
width_text = f"Basset ×{widths['Basset']:g} of its published width vs DeepCAGE ×{widths['DeepCAGE']:g}"
if widths.min() < 1:
    display(report.note(
        "Networks shrunk for this profile",
        f"At profile <code>{profile}</code>: {width_text}. Published, Basset is far wider than DeepCAGE's "
        "trunk, so it is shrunk by a further half of DeepCAGE's factor; this favours DeepCAGE in the "
        "comparisons below (their details repeat it). The paper profile uses the published sizes.", "warning"))
train.seed_everything(seed)  # building the table drew random weights; start training from the seed
fitted, curves = {}, []
for name in ["Basset", "DeepCAGE"]:
    module, curve = fit_cross_cell(cross_cell_model(name, **model_sizes), dm, task="classification",
                                   epochs=sizes["epochs"], patience=sizes["patience"], lr=sizes["lr"],
                                   seed=seed)
    fitted["sequence only" if name == "Basset" else name] = module
    curves.append(curve.assign(model=name))
curves = pd.concat(curves, ignore_index=True)
store.table("training_curves", curves)
fig, ax = plt.subplots(figsize=(6, 3))
sns.lineplot(data=curves, x="epoch", y="val_loss", hue="model", marker="o", ax=ax)
ax.set_title("loss on held-out training cell types")
fig.tight_layout()
run.figure("training_curves", fig, "Validation loss per epoch on held-out training cell types; lowest: "
           + ", ".join(f"{m} {v:.3f}" for m, v in curves.groupby("model")["val_loss"].min().items()))

pred_known = {n: predict_matrix(m, data, dm.known_idx, test_cells) for n, m in fitted.items()}
pred_novel = {n: predict_matrix(m, data, dm.novel_idx, test_cells) for n, m in fitted.items()}
mean_model = TrainingMean().fit(labels[:, train_cells])
pred_known["training mean"] = mean_model.predict(len(test_cells))[dm.known_idx]
pred_novel["training mean"] = mean_model.predict(len(test_cells))[dm.novel_idx]

# %% [markdown]
# ## What the predictions look like
#
# The same known loci in the test cell types: the truth, the sequence-only model and
# DeepCAGE. The sequence-only model paints each locus one shade in every cell type
# (vertical stripes); DeepCAGE's predictions change from one cell type to the next.

# %% tags=["hide-input"]
vary = np.flatnonzero((y_known.sum(axis=1) > 0) & (y_known.sum(axis=1) < len(test_cells)))
pick = np.sort(np.random.default_rng(seed).choice(vary, size=min(60, len(vary)), replace=False)) \
    if len(vary) else np.arange(min(60, len(y_known)))
fig, axes = plt.subplots(3, 1, figsize=(11, 0.6 * len(test_cells) + 2.5), sharex=True)
for ax, (title, mat) in zip(axes, [("truth (peak = 1)", y_known),
                                  ("sequence only", pred_known["sequence only"]),
                                  ("DeepCAGE", pred_known["DeepCAGE"])]):
    im = ax.imshow(mat[pick].T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(range(len(test_names)), test_names, fontsize=7)
    ax.set_title(title, fontsize=10)
axes[-1].set_xlabel("known loci whose state differs between test cell types")
fig.colorbar(im, ax=axes, shrink=0.6, label="probability open")
spread = {n: float(pred_known[n][pick].std(axis=1).mean()) for n in ("sequence only", "DeepCAGE")}
run.figure("predictions", fig, f"Truth and predicted probability open for {len(pick)} known loci (columns) in the "
           f"{len(test_names)} test cell types (rows); a locus's prediction varies across cell types by "
           f"{spread['sequence only']:.3f} (s.d.) for the sequence-only model and {spread['DeepCAGE']:.3f} for DeepCAGE")

# %% [markdown]
# ## Two ways to score: down a column, or along a row
#
# The matrix below is loci × test cell types. **Cell-type-wise** auPR scores one column at a
# time (rank the loci in one cell type) and averages over cell types; **locus-wise** auPR
# scores one row at a time (rank the cell types of one locus) and averages over loci. A
# constant row — what a sequence-only model or the training mean predicts — has a
# locus-wise auPR equal to the fraction of cell types in which the locus is open: no better
# than guessing. Loci open in no or all test cell types have no locus-wise auPR and are left out.

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(4.5, 3.6))
demo = y_known[pick[:12]]
ax.imshow(demo, cmap="Greys", aspect="auto", interpolation="nearest")
ax.add_patch(Rectangle((0.5, -0.5), 1, demo.shape[0], fill=False, ec="#1f77b4", lw=3))
ax.add_patch(Rectangle((-0.5, 4.5), demo.shape[1], 1, fill=False, ec="#d62728", lw=3))
ax.set(xlabel="test cell types", ylabel="loci", xticks=[], yticks=[])
ax.text(1, -1.2, "cell-type-wise", color="#1f77b4", ha="center", fontsize=9)
ax.text(demo.shape[1] - 0.4, 5, "locus-wise", color="#d62728", va="center", fontsize=9)
fig.tight_layout()
run.figure("two_evaluations", fig, f"The two evaluations drawn on {demo.shape[0]} known loci × the test cell "
           "types (black: open): cell-type-wise auPR ranks the loci of one column (blue), locus-wise auPR "
           "the cell types of one row (red)")

rows = []
for name in pred_known:
    ct_known = metrics.celltype_wise(y_known, pred_known[name], "auprc")
    ct_novel = (metrics.celltype_wise(y_novel, pred_novel[name], "auprc") if len(y_novel)
                else np.array([np.nan]))
    lw = metrics.locus_wise(y_known, pred_known[name], "auprc")
    for what, values in [("cell-type-wise auPR, known loci", ct_known),
                         ("cell-type-wise auPR, novel loci", ct_novel),
                         ("locus-wise auPR, known loci", lw)]:
        est, lo, hi = metrics.mean_ci(values, n_boot=sizes["n_boot"], seed=seed)
        rows.append({"model": name, "evaluation": what, "mean": est, "ci_low": lo, "ci_high": hi,
                     "n": int(np.sum(~np.isnan(values))),
                     "width (× published)": widths.get("Basset" if name == "sequence only" else name, np.nan)})
scores = pd.DataFrame(rows)
store.table("scores", scores)
display(scores.pivot(index="evaluation", columns="model", values="mean").round(3))

per_cell = celltype_scores(y_known, pred_known, "auprc", test_names)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
wide = per_cell.pivot(index="cell_type", columns="model", values="value")
for _, r in wide.iterrows():
    axes[0].plot([0, 1, 2], r[["sequence only", "training mean", "DeepCAGE"]], color="#999", lw=0.8)
axes[0].scatter(np.repeat([0, 1, 2], len(wide)),
                wide[["sequence only", "training mean", "DeepCAGE"]].to_numpy().T.ravel(), s=12)
axes[0].set(xticks=[0, 1, 2], xticklabels=["sequence only", "training mean", "DeepCAGE"],
            ylabel="auPR", title="cell-type-wise (one line per test cell type)")
lw_plot = scores[scores["evaluation"] == "locus-wise auPR, known loci"]
axes[1].bar(lw_plot["model"], lw_plot["mean"], yerr=[lw_plot["mean"] - lw_plot["ci_low"],
                                                   lw_plot["ci_high"] - lw_plot["mean"]],
            color="#9ecae1", capsize=4)
axes[1].set(ylabel="mean locus-wise auPR", title="locus-wise: which cell types?")
fig.tight_layout()
run.figure("scores", fig, "auPR on known loci per test cell type (left) and mean locus-wise auPR with 95% "
           "interval (right); locus-wise: " + ", ".join(f"{r.model} {r.mean:.3f}" for r in lw_plot.itertuples()))

# %% [markdown]
# ## Claims
#
# Each comparison is a paired bootstrap over the test units: the test cell types for
# cell-type-wise auPR on known loci, the loci for locus-wise auPR, the novel loci *and* the
# test cell types on novel loci (they are few; `n` counts them). Fixed before any result was
# seen: the sequence-only model **failed to learn** when its mean cell-type-wise auPR is no
# more than 0.01 above the mean positive rate of the test cell types (what a constant score
# gets); a comparison with it is then *inconclusive*.

# %% tags=["hide-input"]
nan = float("nan")
n_boot = sizes["n_boot"]
FAIL_MARGIN_AUPR = 0.01  # fixed before results: auPR within this of the positive rate = failed to learn
s = scores.set_index(["model", "evaluation"])["mean"]
ct, ctn, lwk = ("cell-type-wise auPR, known loci", "cell-type-wise auPR, novel loci",
                "locus-wise auPR, known loci")


def built(*keys):
    return "; ".join(dict.fromkeys(t for k in keys for t in [run.built_in_for(k)] if t))


def failed(model, y, evaluation):
    if not len(y):
        return ""
    base = float(np.nanmean(y.mean(axis=0)))
    m = s[(model, evaluation)]
    return (f"{model} mean auPR {m:.3f} is within {FAIL_MARGIN_AUPR} of the positive rate {base:.3f} "
            "(a constant score)") if m <= base + FAIL_MARGIN_AUPR else ""


def claim_from(statement, res, **kw):
    return report.Claim(statement, res["value"], 0, ">", ci_low=res["ci_low"], ci_high=res["ci_high"],
                        n=res["n"], **kw)


per_known = {n: metrics.celltype_wise(y_known, p, "auprc") for n, p in pred_known.items()}
res_seq = bootstrap_cells(per_known, mean_difference("DeepCAGE", "sequence only"),
                          n_boot=n_boot, seed=seed)
res_mean = bootstrap_cells(per_known, mean_difference("DeepCAGE", "training mean"),
                           n_boot=n_boot, seed=seed)
if len(dm.novel_idx):
    res_novel = bootstrap_cells_and_loci(y_novel, {k: pred_novel[k] for k in ("DeepCAGE", "sequence only")},
                                         "auprc", mean_difference("DeepCAGE", "sequence only"),
                                         n_boot=n_boot, seed=seed)
else:
    res_novel = {"value": nan, "ci_low": nan, "ci_high": nan, "n": 0}
lw_diff = (metrics.locus_wise(y_known, pred_known["DeepCAGE"], "auprc")
           - metrics.locus_wise(y_known, pred_known["sequence only"], "auprc"))
est, lo, hi = metrics.mean_ci(lw_diff, n_boot=n_boot, seed=seed)
res_lw = {"value": est, "ci_low": lo, "ci_high": hi, "n": int(np.sum(~np.isnan(lw_diff)))}
claims = [
    claim_from("DeepCAGE beats the sequence-only model on mean cell-type-wise auPR in unseen cell types, "
               "known loci", res_seq,
               detail=(f"{s[('DeepCAGE', ct)]:.3f} vs {s[('sequence only', ct)]:.3f} (paired; bootstrap over "
                       f"{res_seq['n']} test cell types, {len(dm.known_idx):,} known loci fixed); {width_text}"),
               source="DeepCAGE Fig 2A (Results, classification)", built_in=built("seq_only"),
               failed_reference=failed("sequence only", y_known, ct)),
    claim_from("DeepCAGE beats the sequence-only model on mean cell-type-wise auPR in unseen cell types, "
               "novel loci", res_novel,
               detail=(f"{s[('DeepCAGE', ctn)]:.3f} vs {s[('sequence only', ctn)]:.3f} (paired; bootstrap over "
                       f"{res_novel['n']:,} novel loci × {len(test_cells)} test cell types); {width_text}"
                       if not np.isnan(res_novel["value"]) else
                       f"not measurable: cell-type-wise auPR is undefined on the {len(dm.novel_idx):,} novel loci"
                       if len(dm.novel_idx) else "no novel loci in this fold"),
               source="DeepCAGE Fig 2A (Results, classification)", built_in=built("seq_only", "novel"),
               failed_reference=failed("sequence only", y_novel, ctn)),
    claim_from("DeepCAGE ranks the cell types of a locus better than a constant score: mean locus-wise auPR "
               "above the sequence-only model's", res_lw,
               detail=(f"{s[('DeepCAGE', lwk)]:.3f} vs {s[('sequence only', lwk)]:.3f} (paired; bootstrap over "
                       f"{res_lw['n']:,} known loci open in some but not all test cell types)"),
               source="DeepCAGE Results: locus-wise auPR 'does not exist' for sequence-only models (Fig 2B)",
               reading=("the paper says sequence-only models cannot rank cell types; we compare with the constant "
                        "score they give, whose locus-wise auPR is the open fraction"),
               built_in=built("seq_only")),
    claim_from("DeepCAGE beats each locus's training mean on mean cell-type-wise auPR, known loci", res_mean,
               detail=(f"{s[('DeepCAGE', ct)]:.3f} vs {s[('training mean', ct)]:.3f} (paired; bootstrap over "
                       f"{res_mean['n']} test cell types)"),
               source="ChromDragoNN (Nair et al. 2019), baseline",
               reading="the DeepCAGE paper does not compare with the training mean; ChromDragoNN's authors propose it",
               built_in=built("training_mean")),
]
claims_df = run.close(
    claims,
    headline=(f"cell-type-wise auPR (known): DeepCAGE {s[('DeepCAGE', ct)]:.3f}, sequence only "
              f"{s[('sequence only', ct)]:.3f}; locus-wise: {s[('DeepCAGE', lwk)]:.3f} vs "
              f"{s[('sequence only', lwk)]:.3f}"),
    data_dir=data_dir, fold=fold, test_cell_types=test_names,
    expression_source=expression_source if world is not None else None,
    motif_source=motif_source if world is not None else None)

# %% [markdown]
# ## References
#
# ```{bibliography}
# :filter: docname in docnames
# ```
