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
# # DNABERT: a k-mer BERT pre-trained on DNA, fine-tuned, and read through its attention
#
# DNABERT {cite}`ji2021dnabert` pre-trains BERT on the human genome, cut into overlapping
# k-mers, by masking contiguous spans of k-mers and asking the network to fill them in. The
# same network, fine-tuned, finds promoters, transcription-factor binding sites and splice
# sites; its attention is read (DNABERT-viz) to locate motifs, and in-silico mutagenesis scores
# variants. This chapter reproduces that chain at a size a laptop can run:
#
# 1. masked-LM **pre-training**, with perplexity and masked-token accuracy curves;
# 2. **fine-tuning** on core promoters (prom-core), TF binding (human, and mouse with the
#    human-pre-trained model) and splice sites, from pre-trained and from random weights,
#    over several seeds, against the paper's CNN baselines;
# 3. **DNABERT-viz**: one attention map, attention landscapes by position around the TSS,
#    what each head looks at, and motif discovery from high-attention regions scored against
#    the motifs the simulated world planted;
# 4. **variant effects**: mutation maps, and how well predicted effects follow the true ones;
# 5. published numbers next to ours, and the paper's claims checked on this run.
#
# The task chapters go deeper into each task: [promoters](../tasks/promoters),
# [TF binding](../tasks/tf_binding), [splice sites](../tasks/splice_sites).

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper: sets the sizes below when they are None
seed = 0
data_source = "simulated"  # simulated | real (GUE tasks; pre-training on EPD human promoters) | auto
n_seeds = None  # fine-tuning seeds per model on prom-core (None: from the profile)
n_train = None  # training sequences per task (None: from the profile)
epochs = None  # BERT fine-tuning epochs (None: from the profile)

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from IPython.display import display
from scipy import stats

from genomebook import attention as attn
from genomebook import finetune as ft
from genomebook import motifs, report, train, variants
from genomebook.datasets import registry
from genomebook.seq import one_hot
from genomebook.simulate import promoters as sim_prom
from genomebook.simulate import splicing as sim_splice
from genomebook.simulate import tfbs as sim_tf
from genomebook.tokenize import KmerTokenizer

t_start = time.perf_counter()
sizes = {**train.profile("dnabert_pretraining", profile),
         **train.profile("dnabert", profile, n_seeds=n_seeds, n_train=n_train, epochs=epochs)}
train.seed_everything(seed)
report.set_style()
store = report.ResultsStore("dnabert", profile, seed)
REAL_TASKS = {"prom-core": "gue_prom_prom_core_all", "TF (human)": "gue_tf_0", "TF (mouse)": "gue_mouse_0",
              "splice": "gue_splice_reconstructed", "viz": "gue_prom_prom_core_tata"}
source, why = registry.resolve_source(
    data_source, [f"{p}_{s}" for p in REAL_TASKS.values() for s in ("dev", "test")]
    + [f"{p}_train" for t, p in REAL_TASKS.items() if t != "splice"])
seeds = list(range(seed, seed + int(sizes["n_seeds"])))
print(f"profile={profile} seed={seed} data_source={source} sizes={sizes}")
if source == "simulated":
    display(report.note(
        "Simulated data",
        "Every task below runs on simulated DNA with known ground truth: promoters with a TATA box, "
        "Inr, GC and CCAAT boxes at set positions around the TSS; TF binding sites of JASPAR motifs "
        "in a human-like and a mouse-like genome; and splice sites with their consensus, branch point "
        "and polypyrimidine tract. Pre-training reads a simulated genome that carries these elements "
        "among plain background, as a real genome would." + (f" ({why})" if data_source != "simulated" else ""),
        "note"))
else:
    display(report.note(
        "Real data", "Fine-tuning uses DNABERT-2's GUE benchmark (prom_core_all, tf/0, mouse/0, splice; "
        "GUE's splice task has no training split here, so its dev split is divided 80/20 into training "
        f"and validation; its 400 bp sequences are cropped to the central {int(sizes['splice_len'])} bp when "
        "the profile's splice_len is shorter). Pre-training reads EPD's 1,867 human promoters (1.1 Mbp), not "
        "the whole hg38. "
        "Ground-truth checks (planted motifs, true variant effects) are not testable on real data.",
        "important"))

# %% [markdown]
# ## The data
#
# Each task gets its own training, validation and test sequences. On simulated data the
# promoter world also says, for every sequence, which elements were planted where, and gives a
# *true* promoter score (the weighted motif matches in their windows) against which predicted
# variant effects are checked.

# %%
n_tr, n_va, n_te = int(sizes["n_train"]), int(sizes["n_val"]), int(sizes["n_test"])


def by_ranges(split: ft.Split) -> tuple[ft.Split, ft.Split, ft.Split]:
    idx = np.arange(split.n)
    return split.take(idx[:n_tr]), split.take(idx[n_tr:n_tr + n_va]), split.take(idx[n_tr + n_va:])


GUE_SPLICE_CENTRE, GUE_SPLICE_LENGTH = 200, 400  # GUE splice: 400 bp, exon/intron boundary at index 200


def real_task(prefix: str) -> tuple[ft.Split, ft.Split, ft.Split]:
    parts = ft.gue(prefix)
    if "train" not in parts:  # GUE splice: dev -> 80% train, 20% validation
        dev = parts["dev"].subsample(parts["dev"].n, seed=seed)
        cut = int(0.8 * dev.n)
        parts["train"], parts["dev"] = dev.take(np.arange(cut)), dev.take(np.arange(cut, dev.n))
    if "splice" in prefix and int(sizes["splice_len"]) < GUE_SPLICE_LENGTH:  # the central splice_len bp
        a = GUE_SPLICE_CENTRE - int(sizes["splice_len"]) // 2
        parts = {p: ft.Split([x[a:a + int(sizes["splice_len"])] for x in sp.seqs], sp.labels)
                 for p, sp in parts.items()}
    return (parts["train"].subsample(n_tr, seed), parts["dev"].subsample(n_va, seed),
            parts["test"].subsample(n_te, seed))


n_all = n_tr + n_va + n_te
vs, ve = int(sizes["viz_start"]), int(sizes["viz_end"])
if source == "simulated":
    prom300 = sim_prom.promoter_world(n_all, seed=seed)
    core = prom300.crop(-34, 36)
    viz_world = prom300.crop(vs, ve)
    tasks = {
        "prom-core": by_ranges(ft.Split(core.seqs, core.labels)),
        "TF (human)": by_ranges(ft.Split(*(lambda w: (w.seqs, w.labels))(
            sim_tf.tf_binding_world(0, n_all, species="human", seed=seed)))),
        "TF (mouse)": by_ranges(ft.Split(*(lambda w: (w.seqs, w.labels))(
            sim_tf.tf_binding_world(0, n_all, species="mouse", seed=seed + 1)))),
        "splice": by_ranges(ft.Split(*(lambda w: (w.seqs, w.labels))(
            sim_splice.splice_world(n_all, length=int(sizes["splice_len"]), decoy_fraction=0.5, seed=seed)))),
    }
    viz_tasks = by_ranges(ft.Split(viz_world.seqs, viz_world.labels))
    viz_test_world = viz_world.take(np.arange(n_tr + n_va, n_all))
    viz_tss = viz_world.tss
else:
    tasks = {t: real_task(p) for t, p in REAL_TASKS.items() if t != "viz"}
    viz_tasks = real_task(REAL_TASKS["viz"])
    viz_test_world, viz_tss = None, 34  # GUE prom-core: 70 bp, -34..+35 around the TSS
card = pd.DataFrame([{"task": t, "length (bp)": len(tr.seqs[0]), "classes": len(tr.class_counts()),
                      "train": tr.n, "validation": va.n, "test": te.n,
                      "train class counts": str(tr.class_counts())} for t, (tr, va, te) in tasks.items()])
store.table("data_card", card)
display(card.style.hide(axis="index"))

# %% [markdown]
# ## 1. Pre-training
#
# The network reads DNA as overlapping 6-mers. In each chunk, spans of six consecutive
# k-mers are hidden (about 15% of the tokens), so a hidden k-mer cannot be read off its
# immediate neighbour, which would share five of its six bases.
# Perplexity is the exponential of the loss on hidden k-mers: it starts near the vocabulary
# size (4,101) and falls as the network learns which k-mers fit where. The model is cached,
# so the task chapters reuse this run.
#
# How low could it go? Six hidden 6-mers starting at base i cover bases i..i+10, but the
# visible 6-mer just before them reads bases i-1..i+4 and the one just after reads i+6..i+11:
# only base i+5 is truly hidden (for any k, one base per isolated span). A network that has
# learned to read its neighbours therefore reaches a perplexity of at most about 4 on such
# spans (4 letters for the hidden base; spans that merge hide a few more). A network that has
# only learned which k-mers are common sits near the genome's 6-mer perplexity (e to the
# 6-mer entropy), in the thousands: for the book-size simulated genome about 3,400, so
# anything below that is context learned. The dotted line marks 4; the gap between it and
# the curve says how far this short pre-training is from DNABERT's 120,000 steps.
#
# Masked-token accuracy needs a similar reading. BERT's rule leaves one in ten of the chosen
# tokens unchanged (and swaps one in ten for a random k-mer), so a network that merely
# copies its input already scores about 0.1; the dashed line marks it.

# %%
tok = KmerTokenizer(int(sizes["k"]))
example = tasks["prom-core"][0].seqs[0][:20]
print(f"{example} -> {tok.tokens(example)[:4]} ... -> ids {tok.encode(example)[:6]}")
pre = ft.pretrain_default(profile, data_source=source, seed=seed)
print(f"pre-trained on {pre.corpus}: {len(pre.history)} evaluations, "
      f"{'read from the cache (' + format(pre.seconds, '.0f') + ' s when computed)' if pre.cached else format(pre.seconds, '.0f') + ' s'}")
store.table("pretraining_curves", pre.history)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
axes[0].plot(pre.history["step"], pre.history["val_perplexity"], marker="o")
axes[0].axhline(4, ls=":", color="grey", label="reads its neighbours (about 4)")
axes[0].set(xlabel="optimiser step", ylabel="perplexity (masked k-mers)", yscale="log",
            title="validation perplexity")
axes[0].legend()
axes[1].plot(pre.history["step"], pre.history["val_masked_accuracy"], marker="o", color="C1")
axes[1].axhline(1 / (tok.vocab_size - 5), ls=":", color="grey", label="uniform guess")
axes[1].axhline(0.1, ls="--", color="grey", label="copies the unchanged 10%")
axes[1].set(xlabel="optimiser step", ylabel="accuracy", title="masked-token accuracy")
axes[1].legend()
fig.tight_layout()
store.figure("pretraining_curves", fig)
plt.show()

# %% [markdown]
# ## 2. Fine-tuning on every task, pre-trained and from scratch
#
# Each task fine-tunes DNABERT from the pre-trained weights and, with the same seed (same
# head, same batches), from random weights. On prom-core the paper's baselines (CNN,
# CNN+LSTM, CNN+GRU) train on the same sequences, and every model runs with several seeds:
# fine-tuning is known to fail on some seeds, and a single run would hide it. On mouse TF
# binding the model pre-trained on the (simulated) human genome is the paper's transfer
# experiment.

# %%
plan = {
    "prom-core": (["DNABERT", "DNABERT (random init)", "CNN", "CNN+LSTM", "CNN+GRU"], seeds),
    "TF (human)": (["DNABERT", "DNABERT (random init)"], seeds[:1]),
    "TF (mouse)": (["DNABERT", "DNABERT (random init)", "CNN", "CNN+LSTM", "CNN+GRU"], seeds[:1]),
    "splice": (["DNABERT", "DNABERT (random init)", "CNN"], seeds[:1]),
}
comparisons = {}
for task, (models, task_seeds) in plan.items():
    tr, va, te = tasks[task]
    print(f"--- {task}")
    comparisons[task] = ft.compare(tr, va, te, models, sizes, pretrained=pre, seeds=task_seeds)
all_scores = pd.concat([c.scores.assign(task=t) for t, c in comparisons.items()], ignore_index=True)
all_scores = all_scores[["task", "model", "seed", "metric", "value", "ci_low", "ci_high", "seconds", "epochs"]]
store.table("finetune_scores", all_scores)
mcc = all_scores[all_scores["metric"] == "MCC"]
summary = (mcc.groupby(["task", "model"], sort=False)["value"]
           .agg(["mean", "std", "min", "max", "count"]).round(3).reset_index()
           .rename(columns={"count": "seeds"}))
store.table("finetune_summary", summary)
display(summary.style.hide(axis="index").format(precision=3))

collapsed = mcc[mcc["value"] < 0.1]
store.table("collapsed_runs", collapsed if len(collapsed) else
            pd.DataFrame([{"task": "-", "model": "-", "seed": "-", "value": "no run below MCC 0.1"}]))
if len(collapsed):
    display(report.note("Runs that did not learn", f"{len(collapsed)} fine-tuning run(s) ended with test "
                        "MCC below 0.1: " + ", ".join(f"{r.task} / {r.model} / seed {r.seed} ({r.value:.2f})"
                                                     for r in collapsed.itertuples()), "warning"))

# %%
fig, axes = plt.subplots(1, len(plan), figsize=(4.2 * len(plan), 3.8), sharey=True)
for ax, task in zip(axes, plan):
    d = mcc[mcc["task"] == task]
    sns.stripplot(data=d, y="model", x="value", hue="model", ax=ax, size=7, jitter=0.15, legend=False)
    means = d.groupby("model", sort=False)["value"].mean()
    ax.scatter(means.values, range(len(means)), marker="|", s=400, color="black", zorder=3)
    ax.set(title=task, xlabel="test MCC (one dot per seed; bar = mean)", ylabel="")
fig.tight_layout()
store.figure("seed_spread", fig)
plt.show()

# %% [markdown]
# The paper compares the training loss of pre-trained and randomly initialised models
# (its Fig. 6d): pre-trained ones reach a lower loss. Here are the validation losses of the
# prom-core runs, one line per seed.

# %%
hist = comparisons["prom-core"].histories
hist = hist[hist["model"].isin(["DNABERT", "DNABERT (random init)"])]
store.table("finetune_curves", hist)
fig, ax = plt.subplots(figsize=(6, 3.6))
for (model, s), h in hist.groupby(["model", "seed"]):
    ax.plot(h["epoch"] + 1, h["val_loss"], color="C0" if model == "DNABERT" else "C3", alpha=0.8,
            label=model if s == seeds[0] else None, marker="o", ms=3)
ax.set(xlabel="epoch", ylabel="validation loss", title="prom-core fine-tuning")
ax.legend()
fig.tight_layout()
store.figure("finetune_curves", fig)
plt.show()

# %% [markdown]
# ## 3. DNABERT-viz: what the network attends to
#
# A model fine-tuned on a promoter window of `viz_start..viz_end` around the TSS is read
# through its attention. As in DNABERT-viz, the score of each k-mer is the attention the
# `[CLS]` token pays it in the last layer (averaged over heads), spread over the k bases it
# covers. Averaged over many promoters at each position relative to the TSS, this gives an
# attention *landscape*; the paper found that TATA promoters attend to the TATA box, 20-30 bp
# upstream of the TSS.

# %%
viz_tr, viz_va, viz_te = viz_tasks
viz = ft.finetune_bert(viz_tr, viz_va, sizes, pretrained=pre, seed=seed, name="DNABERT (viz window)")
viz_probs = ft.predict(viz, viz_te.seqs)
viz_scores = ft.scores(viz_te.labels, viz_probs, n_boot=0)
print("viz model test scores:", dict(zip(viz_scores["metric"], viz_scores["value"].round(3))))
k = viz.k
enc = KmerTokenizer(k, max_length=None).batch_encode_equal(viz_te.seqs)
with torch.no_grad():
    att = torch.cat([viz.model.attentions(enc["input_ids"][i:i + 256], enc["attention_mask"][i:i + 256])
                     for i in range(0, len(viz_te.seqs), 256)], dim=1)  # (layers, N, heads, T, T)
token_scores = attn.attention_to_tokens(att, layer=-1)
base_scores = attn.kmer_to_base_scores(token_scores, k)  # (N, L)
positions = np.arange(base_scores.shape[1]) - viz_tss
if viz_test_world is not None:
    kinds = viz_test_world.kind
    tata_sites = viz_test_world.sites[viz_test_world.sites["element"] == "TATA"]
    tata_sites = tata_sites[np.isin(tata_sites["seq"], np.flatnonzero(kinds == "TATA"))]
    tata_span = (int(tata_sites["start"].min()) - viz_tss, int(tata_sites["end"].max()) - viz_tss)
else:
    kinds = np.where(viz_te.labels == 1, "TATA", "negative")
    tata_span = (-31, -20)  # where TATA boxes sit in human promoters (paper, section 3.3)
landscape = pd.DataFrame({"position": positions})
for kind in pd.unique(kinds):
    landscape[kind] = base_scores[kinds == kind].mean(0)
store.table("attention_landscape", landscape)
fig, ax = plt.subplots(figsize=(9, 3.6))
for kind in pd.unique(kinds):
    ax.plot(landscape["position"], landscape[kind], label=f"{kind} (n={int((kinds == kind).sum())})")
ax.axvspan(*tata_span, color="gold", alpha=0.3, label="planted TATA boxes" if viz_test_world is not None
           else "TATA box region")
ax.axvline(0, color="grey", ls=":")
ax.set(xlabel="position relative to the TSS (bp)", ylabel="mean attention ([CLS], last layer)",
       title="attention landscapes")
ax.legend(fontsize=8)
fig.tight_layout()
store.figure("attention_landscape", fig)
plt.show()
tata_curve = landscape["TATA"].to_numpy()
peak = int(landscape["position"].iloc[int(np.nanargmax(tata_curve))])
print(f"TATA promoters: attention peaks at {peak:+d} bp; planted TATA boxes span {tata_span[0]:+d}..{tata_span[1] - 1:+d}")
# A diagnostic, not the claim: the window's first and last bases can draw attention in every kind of
# sequence (the claim below uses the plain peak). Where is the peak away from the outer 10 bp?
# Only meaningful when the TATA span itself lies inside that inner part (not on GUE's 70 bp prom-core).
lo_pos, hi_pos = int(landscape["position"].min()), int(landscape["position"].max())  # the window, bp
inner = (landscape["position"] >= lo_pos + 10) & (landscape["position"] <= hi_pos - 10)
inner_peak = None
if tata_span[0] >= lo_pos + 10 and tata_span[1] - 1 <= hi_pos - 10:
    inner_peak = int(landscape.loc[inner, "position"].iloc[int(np.nanargmax(tata_curve[inner.to_numpy()]))])
    print(f"diagnostic: ignoring the outer 10 bp of the window, TATA promoters' attention peaks at {inner_peak:+d} bp")

# %% [markdown]
# One TATA promoter up close: the attention of every token to every other in the last layer
# (mean over heads), and below it the `[CLS]` attention per base with the planted sites.

# %%
i_ex = int(np.flatnonzero((kinds == "TATA") & (viz_probs[:, 1] > 0.5))[0]) if np.any(
    (kinds == "TATA") & (viz_probs[:, 1] > 0.5)) else int(np.flatnonzero(kinds == "TATA")[0])
amap = att[-1, i_ex].mean(0).numpy()[1:-1, 1:-1]
fig, axes = plt.subplots(2, 1, figsize=(9, 8.5), gridspec_kw={"height_ratios": [4, 1]})
sns.heatmap(amap, ax=axes[0], cmap="viridis", cbar_kws={"label": "attention"}, xticklabels=False,
            yticklabels=False)
axes[0].set(title=f"test sequence {i_ex} ({kinds[i_ex]}), P(promoter) = {viz_probs[i_ex, 1]:.2f}",
            xlabel="key k-mer", ylabel="query k-mer")
axes[1].bar(positions, base_scores[i_ex], width=1.0, color="C0")
if viz_test_world is not None:
    for r in viz_test_world.sites[viz_test_world.sites["seq"] == i_ex].itertuples():
        axes[1].axvspan(r.start - viz_tss, r.end - viz_tss, alpha=0.25, color="gold")
        axes[1].text((r.start + r.end) / 2 - viz_tss, axes[1].get_ylim()[1] * 0.9, r.element, ha="center",
                     fontsize=8)
axes[1].set(xlabel="position relative to the TSS (bp)", ylabel="[CLS] attention")
fig.tight_layout()
store.figure("attention_map", fig)
plt.show()

# %% [markdown]
# **Head context.** What does each head look at? For every layer and head, the mean
# attention a token pays to the token `d` positions away (d from -12 to +12): heads that keep
# to the diagonal read local context; heads with spread-out mass gather from the whole window.

# %%
offsets = np.arange(-12, 13)
A = att[:, :, :, 1:-1, 1:-1].mean(1).numpy()  # (layers, heads, T, T) mean over sequences
T = A.shape[-1]
rows = []
for layer in range(A.shape[0]):
    for head in range(A.shape[1]):
        rows.append([np.mean(np.diagonal(A[layer, head], offset=int(d))) for d in offsets])
head_ctx = pd.DataFrame(rows, columns=[f"{d:+d}" for d in offsets],
                        index=[f"L{layer + 1} H{head + 1}" for layer in range(A.shape[0]) for head in range(A.shape[1])])
store.table("head_context", head_ctx, index=True)
fig, ax = plt.subplots(figsize=(9, 0.35 * len(head_ctx) + 1.5))
sns.heatmap(head_ctx, cmap="mako", ax=ax, cbar_kws={"label": "mean attention"})
ax.set(xlabel="key position - query position (k-mers)", ylabel="layer / head", title="attention-head context")
fig.tight_layout()
store.figure("head_context", fig)
plt.show()

# %% [markdown]
# **Motif discovery.** DNABERT-viz takes contiguous high-attention regions of the sequences
# predicted positive, keeps the words enriched in positives over negatives (hypergeometric
# test, Benjamini-Hochberg), merges them into motifs, and matches these with TomTom against
# JASPAR. On simulated data we also know what was planted, so discovery gets a precision and a
# recall.

# %%
pred_pos = viz_probs[:, 1] > 0.5
disc_labels = (viz_te.labels == 1) & pred_pos
cand, found = attn.discover_motifs(viz_te.seqs, disc_labels.astype(int), base_scores)
store.table("discovered_words", cand.head(200))
print(f"{int(cand['kept'].sum()) if len(cand) else 0} enriched words -> {len(found)} motifs")
tt = motifs.tomtom(found, motifs.load_jaspar(), q_threshold=0.01) if found else pd.DataFrame()
best = motifs.best_matches(tt) if len(tt) else pd.DataFrame(columns=["query", "target_id", "target_name", "q_value"])
n_matched = int(best["query"].nunique())
print(f"{n_matched} of {len(found)} discovered motifs match JASPAR at TomTom q < 0.01")
if viz_test_world is not None:
    planted = [viz_test_world.elements[e] for e in sim_prom.ELEMENTS]
    disc = attn.score_discovery(found, planted)
    disc_row = {"found motifs": disc["n_found"], "planted motifs": disc["n_planted"],
                "precision": disc["precision"], "recall": disc["recall"],
                "precision (lenient)": disc["precision_any"], "recall (lenient)": disc["recall_any"]}
else:
    disc = None
    disc_row = {"found motifs": len(found), "planted motifs": "unknown (real data)"}
store.table("motif_discovery", pd.DataFrame([disc_row]))
display(pd.DataFrame([disc_row]).style.hide(axis="index").format(precision=2))
n_show = min(4, len(found))
if n_show:
    names = dict(zip(best["query"], best["target_name"]))
    instances = cand.attrs.get("instances", [0] * len(found))
    fig, axes = plt.subplots(1, n_show, figsize=(3.6 * n_show, 2.4), squeeze=False)
    for j in range(n_show):
        motifs.logo(found[j], ax=axes[0, j],
                    title=f"motif {j + 1}: {instances[j]} sites; JASPAR: {names.get(j, 'no match')}")
    fig.tight_layout()
    store.figure("discovered_motifs", fig)
    plt.show()

# %% [markdown]
# ## 4. Variant effects
#
# In-silico mutagenesis replaces every base of a sequence by each of the three others and
# predicts again. DNABERT reports the *difference score* (change in predicted probability)
# and the *log-odds ratio* (change in logit). On the simulated world every substitution also
# has a true effect: the change in the world's promoter score. We correlate the two over all
# substitutions of `n_ism` test promoters.

# %%
prob_fn = ft.probability_fn(viz)
pos_idx = np.flatnonzero(viz_te.labels == 1)[: int(sizes["n_ism"])]
x = one_hot([viz_te.seqs[i] for i in pos_idx])
ism_preds = variants.ism(prob_fn, x)
diff = variants.difference_scores(ism_preds, x)
lor = variants.log_odds_ratio(ism_preds, x)
fig, axes = plt.subplots(2, 1, figsize=(11, 4.2), sharex=True)
for ax, m, name in zip(axes, (diff[0], lor[0]), ("difference score", "log-odds ratio")):
    lim = np.nanmax(np.abs(m)) or 1.0
    ax.imshow(m, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
              extent=(positions[0] - 0.5, positions[-1] + 0.5, 3.5, -0.5))
    ax.set(yticks=range(4), yticklabels=list("ACGT"), ylabel=name)
axes[0].set_title(f"mutation maps of test promoter {pos_idx[0]} (red: the substitution raises P(promoter))")
axes[1].set_xlabel("position relative to the TSS (bp)")
fig.tight_layout()
store.figure("mutation_maps", fig)
plt.show()

if viz_test_world is not None:
    ref_seqs = [viz_te.seqs[i] for i in pos_idx]
    true_ref = viz_test_world.score(ref_seqs)
    rows = []
    for n_i, s in enumerate(ref_seqs):
        muts, where = [], []
        for pos in range(len(s)):
            for b in "ACGT":
                if b != s[pos]:
                    muts.append(s[:pos] + b + s[pos + 1:])
                    where.append((pos, "ACGT".index(b)))
        true_mut = viz_test_world.score(muts)
        for (pos, b), t in zip(where, true_mut):
            rows.append({"sequence": int(pos_idx[n_i]), "position": pos - viz_tss, "alt": "ACGT"[b],
                         "true_effect": t - true_ref[n_i], "log_odds_ratio": lor[n_i, b, pos],
                         "difference": diff[n_i, b, pos]})
    effects = pd.DataFrame(rows)
    rho, rho_p = stats.spearmanr(effects["true_effect"], effects["log_odds_ratio"])
    r, r_p = stats.pearsonr(effects["true_effect"], effects["log_odds_ratio"])
    moved = effects["true_effect"] != 0
    rho_moved = stats.spearmanr(effects.loc[moved, "true_effect"], effects.loc[moved, "log_odds_ratio"])[0]
    store.table("variant_effects", effects)
    ism_corr = pd.DataFrame([{"substitutions": len(effects), "changing the true score": int(moved.sum()),
                              "Spearman rho": rho, "Spearman p": rho_p, "Pearson r": r,
                              "Spearman rho (true effect != 0)": rho_moved}])
    store.table("ism_vs_truth", ism_corr)
    display(ism_corr.style.hide(axis="index").format(precision=3))
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.hexbin(effects["true_effect"], effects["log_odds_ratio"], gridsize=40, mincnt=1, cmap="viridis", bins="log")
    ax.set(xlabel="true effect (change in the world's promoter score, bits)",
           ylabel="predicted log-odds ratio", title=f"ISM vs truth: Spearman {rho:.2f}")
    fig.tight_layout()
    store.figure("ism_vs_truth", fig)
    plt.show()
else:
    rho = float("nan")

# %% [markdown]
# ## Published and reproduced
#
# The paper's own numbers come from BERT-base pre-trained on hg38 and fine-tuned on its own
# datasets; DNABERT-2's GUE table (a transcription, MCC x 100 in the source) gives DNABERT's
# MCC on the GUE tasks used here with `data_source="real"`. On simulated data no published
# number is comparable: the rows say so.

# %%
def ours(task: str, model: str, metric: str = "MCC") -> float:
    d = all_scores[(all_scores["task"] == task) & (all_scores["model"] == model) & (all_scores["metric"] == metric)]
    return float(d["value"].mean()) if len(d) else float("nan")


real = source == "real"
note_sim = (f"same GUE task; our {sizes['bert_size']} BERT, at most {n_tr:,} training and {n_te:,} test sequences"
            if real else "not comparable: simulated data")
note_splice = note_sim + (f"; sequences cropped to the central {int(sizes['splice_len'])} bp"
                          if real and int(sizes["splice_len"]) < GUE_SPLICE_LENGTH else "")
pub_rows = [
    dict(quantity="prom-core (GUE prom_core_all) MCC, DNABERT 6-mer", reference="DNABERT-2 Table 6 (transcription)",
         published=0.6890, reproduced=ours("prom-core", "DNABERT"), note=note_sim),
    dict(quantity="prom-core MCC, DNABERT-2", reference="DNABERT-2 Table 6 (transcription)",
         published=0.6937, reproduced=float("nan"), note="model not run here"),
    dict(quantity="prom-core MCC, NT-2500M-multi", reference="DNABERT-2 Table 6 (transcription)",
         published=0.7033, reproduced=float("nan"), note="model not run here"),
    dict(quantity="TF (GUE tf/0) MCC, DNABERT 6-mer", reference="DNABERT-2 Table 6 (transcription)",
         published=0.6684, reproduced=ours("TF (human)", "DNABERT"), note=note_sim),
    dict(quantity="TF mouse (GUE mouse/0) MCC, DNABERT 6-mer", reference="DNABERT-2 Table 6 (transcription)",
         published=0.4442, reproduced=ours("TF (mouse)", "DNABERT"), note=note_sim),
    dict(quantity="splice (GUE reconstructed) MCC, DNABERT 6-mer", reference="DNABERT-2 Table 6 (transcription)",
         published=0.8407, reproduced=ours("splice", "DNABERT"), note=note_splice),
    dict(quantity="splice accuracy / F1 / MCC, DNABERT (own adversarial set)", reference="DNABERT section 3.4, Fig. 5",
         published="0.923 / 0.919 / 0.871",
         reproduced=" / ".join(f"{ours('splice', 'DNABERT', m):.3f}" for m in ("accuracy", "F1", "MCC")),
         note="different dataset" + ("" if real else "; simulated data")),
    dict(quantity="TFBS mean accuracy and F1 (690 ENCODE sets)", reference="DNABERT section 3.2, Fig. 3",
         published="0.918 / 0.919",
         reproduced=f"{ours('TF (human)', 'DNABERT', 'accuracy'):.3f} / {ours('TF (human)', 'DNABERT', 'F1'):.3f}",
         note="one task, not 690"),
    dict(quantity="prom-300 TATA: DNABERT minus DeePromoter, accuracy / MCC", reference="DNABERT section 3.1, Fig. 2a",
         published="+0.335 / +0.554", reproduced="see the promoters chapter", note="DeePromoter's web server there"),
    dict(quantity="motifs matched in JASPAR (TomTom q < 0.01)", reference="DNABERT section 3.3",
         published="1595 of 1999", reproduced=f"{n_matched} of {len(found)}",
         note="promoter model only"),
    dict(quantity="TATA promoters: attention peak (bp from TSS)", reference="DNABERT section 3.3, Fig. 4b",
         published="-20 to -30", reproduced=f"{peak:+d}", note=""),
]
pvr = report.published_vs_reproduced(pub_rows)
store.table("published_vs_reproduced", pvr)
display(pvr.style.hide(axis="index"))

# %% [markdown]
# ## Claims

# %%
means = summary.set_index(["task", "model"])["mean"]


def margin(task: str, a: str, others: list[str]) -> float:
    return float(means[(task, a)] - max(means[(task, o)] for o in others))


def versus(task: str, a: str, others: list[str]) -> str:
    """The means behind a margin, e.g. 'DNABERT 0.185 vs CNN 0.333, CNN+GRU 0.411'."""
    return f"{a} {means[(task, a)]:.3f} vs " + ", ".join(f"{o} {means[(task, o)]:.3f}" for o in others)


edge = " (the window's edge)" if peak in (lo_pos, hi_pos) else ""


claims = [
    report.Claim("Pre-trained DNABERT beats random initialisation on prom-core (mean test MCC over seeds)",
                 margin("prom-core", "DNABERT", ["DNABERT (random init)"]), 0.0, ">", source="DNABERT Fig. 6d-e",
                 detail=versus("prom-core", "DNABERT", ["DNABERT (random init)"])),
    report.Claim("Pre-trained DNABERT beats random initialisation on human TF binding (test MCC)",
                 margin("TF (human)", "DNABERT", ["DNABERT (random init)"]), 0.0, ">", source="DNABERT Fig. 6",
                 detail=versus("TF (human)", "DNABERT", ["DNABERT (random init)"])),
    report.Claim("DNABERT beats CNN, CNN+LSTM and CNN+GRU on prom-core (mean test MCC; margin over the best)",
                 margin("prom-core", "DNABERT", ["CNN", "CNN+LSTM", "CNN+GRU"]), 0.0, ">", source="DNABERT Fig. 2g",
                 detail=versus("prom-core", "DNABERT", ["CNN", "CNN+LSTM", "CNN+GRU"])),
    report.Claim("Human-pre-trained DNABERT fine-tuned on mouse beats CNN, CNN+LSTM, CNN+GRU and random init "
                 "(test MCC; margin over the best)",
                 margin("TF (mouse)", "DNABERT", ["CNN", "CNN+LSTM", "CNN+GRU", "DNABERT (random init)"]), 0.0, ">",
                 source="DNABERT Fig. 6f",
                 detail=versus("TF (mouse)", "DNABERT", ["CNN", "CNN+LSTM", "CNN+GRU", "DNABERT (random init)"])),
    report.Claim("DNABERT beats the CNN on splice sites (3-class test MCC)",
                 margin("splice", "DNABERT", ["CNN"]), 0.0, ">", source="DNABERT Fig. 5",
                 detail=versus("splice", "DNABERT", ["CNN"])),
    report.Claim(f"TATA promoters: the attention landscape peaks inside the TATA box span "
                 f"({tata_span[0]:+d}..{tata_span[1] - 1:+d} bp; value = bp from the peak to the span, 0 inside)",
                 float(max(tata_span[0] - peak, peak - (tata_span[1] - 1), 0)), 0.0, "<=", source="DNABERT Fig. 4b",
                 detail=f"peak at {peak:+d} bp{edge}; window {lo_pos:+d}..{hi_pos:+d}"
                        + (f"; away from its outer 10 bp the peak is at {inner_peak:+d} bp" if inner_peak is not None
                           else "")),
]
if disc is not None:
    claims.append(report.Claim("Attention-based discovery recovers at least half of the planted promoter motifs "
                               "(recall, TomTom best match)", float(disc["recall"]), 0.5, ">=", source="DNABERT Fig. 4-5",
                               detail=f"{disc['n_found']} motif(s) found, {disc['n_planted']} planted"
                                      + (f"; precision {disc['precision']:.2f}" if disc["n_found"] else "")))
    claims.append(report.Claim("Predicted variant effects (log-odds ratio) follow the true effects "
                               "(Spearman rho over all substitutions)", float(rho), 0.3, ">",
                               source="DNABERT Fig. 6a-c (our operationalisation)",
                               detail=f"{len(effects):,} substitutions in {len(pos_idx)} test promoters"))
claims_df = report.claims_table(claims, profile=profile, data_source=source)
store.table("claims", claims_df)
display(report.style_claims(claims_df))

# %%
seconds = time.perf_counter() - t_start
n_ok = report.tally(claims)[0]
headline = (f"{n_ok} of {len(claims_df)} claims supported; prom-core MCC DNABERT "
            f"{means[('prom-core', 'DNABERT')]:.3f} vs random init {means[('prom-core', 'DNABERT (random init)')]:.3f} "
            f"vs best CNN {max(means[('prom-core', m)] for m in ['CNN', 'CNN+LSTM', 'CNN+GRU']):.3f}")
store.record(data_source=source, data_source_requested=data_source, data_source_note=why, sizes=sizes,
             seconds=round(seconds, 1), headline=headline, pretraining_cached=pre.cached)
print(headline)
print(f"chapter ran in {seconds:.0f} s")
