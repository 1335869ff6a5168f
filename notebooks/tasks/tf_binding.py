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
# # Transcription-factor binding sites with a k-mer BERT
#
# A ChIP-seq experiment pulls down the DNA a transcription factor (TF) is bound to; the peaks it
# finds are a few hundred bases wide, and somewhere inside most of them sits the TF's binding
# site, a short and fuzzy word (its **motif**). Classifying 101 bp sequences as *bound* or *not
# bound* is the classic deep-learning task on such data. DNABERT {cite}`ji2021dnabert`
# fine-tuned its pre-trained k-mer BERT on 690 ENCODE ChIP-seq sets and reported it as the
# only method with mean and median accuracy and F1 above 0.9. It then asked a second question:
# does a model **pre-trained on the human genome** still help when it is fine-tuned on
# **mouse** ChIP-seq, a genome whose non-coding DNA is only about half alignable to ours? It
# compared that transfer with CNN, CNN+LSTM and CNN+GRU trained on the mouse data directly, and
# with the same BERT started from random weights.
#
# This chapter asks both questions of five TFs with clearly different motifs (CTCF, GATA1,
# FOXA1, MAX, SPI1), in a simulated human-like genome and in a simulated mouse-like genome
# whose background composition differs and whose motifs have diverged. The world keeps its
# ground truth: which sequences carry a full site, a weak one, a decoy site in an unbound
# sequence, or another TF's site. With `data_source="real"` the same code runs on the GUE
# benchmark's human TF sets (tf/0-4) and mouse sets (mouse/0-4), next to the MCCs that
# DNABERT-2's authors published for DNABERT, DNABERT-2 and the Nucleotide Transformer.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper: sets the sizes below when they are None
seed = 0
data_source = "simulated"  # simulated | real (GUE tf/0-4 and mouse/0-4) | auto
tasks = None  # task indices 0-4 (TF_TASKS in the simulated world, GUE tf/i and mouse/i); None: from the profile
n_train = None  # training sequences per task (simulated), or the cap on GUE's train splits (None: profile)
epochs = None  # BERT fine-tuning epochs (None: from the profile)

# %%
import time

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd
from IPython.display import display

from genomebook import finetune as ft
from sklearn.linear_model import LogisticRegression

from genomebook import motifs, report, seq, train
from genomebook.datasets import registry
from genomebook.simulate import tfbs

t_start = time.perf_counter()
pre_sizes = train.profile("dnabert_pretraining", profile)
sizes = {**pre_sizes, **train.profile("tf_binding", profile, n_train=n_train, epochs=epochs)}
if n_train is not None:
    sizes["n_train_real"] = int(n_train)
task_ids = [int(t) for t in (sizes["tasks"] if tasks is None else tasks)]
if not task_ids or any(not 0 <= t < len(tfbs.TF_TASKS) for t in task_ids):
    raise ValueError(f"tasks must be a non-empty list of indices 0..{len(tfbs.TF_TASKS) - 1}; got {tasks!r}.")
train.seed_everything(seed)
train.quiet_lightning()
report.set_style()
store = report.ResultsStore("tf_binding", profile, seed)

SPECIES = ("human", "mouse")
GUE_PREFIX = {"human": "gue_tf_{}", "mouse": "gue_mouse_{}"}
reg = registry.load_registry()
real_names = [f"{GUE_PREFIX[sp].format(t)}_{part}" for sp in SPECIES for t in task_ids
              for part in ("train", "dev", "test") if f"{GUE_PREFIX[sp].format(t)}_{part}" in reg]
source, why = registry.resolve_source(data_source, real_names)
simulated = source == "simulated"
MODELS = {"human": ["DNABERT", "DNABERT (random init)", *sizes["human_baselines"]],
          "mouse": ["DNABERT", "DNABERT (random init)", *sizes["mouse_baselines"]]}
print(f"profile={profile} seed={seed} data_source={source} tasks={task_ids}")
print(f"sizes={sizes}")
if simulated:
    display(report.note(
        "Simulated data",
        f"For each of {len(task_ids)} TF(s) ({', '.join(tfbs.TF_TASKS[t] for t in task_ids)}) and each species, "
        f"{sizes['n_train'] + sizes['n_val'] + sizes['n_test']:,} sequences of {sizes['length']} bp, half bound. "
        f"Bound sequences carry a site of the TF sampled from its JASPAR 2024 matrix ({tfbs.TWO_SITES:.0%} of the "
        f"strong ones carry two); {tfbs.WEAK_POSITIVES:.0%} of bound sequences carry only a weak site and "
        f"{tfbs.DECOY_NEGATIVES:.0%} of unbound ones carry a full site anyway, so no model can be perfect; "
        f"{tfbs.OTHER_TF:.0%} of all sequences carry another TF's site. Human: GC {tfbs.HUMAN_GC:.0%}, CpG "
        f"o/e {tfbs.HUMAN_CPG}. Mouse: GC {tfbs.MOUSE_GC:.0%}, CpG o/e {tfbs.MOUSE_CPG}, and every motif "
        f"diverged at {tfbs.MOUSE_DIVERGED_SHARE:.0%} of its positions. ({why}.)", "note"))
else:
    display(report.note(
        "Real data",
        "GUE (DNABERT-2's benchmark): human TF ChIP-seq sets tf/0-4 and mouse sets mouse/0-4, 101 bp, "
        "with their own train/dev/test splits; which TF each set is, GUE does not record. To fit the "
        f"budget the splits are subsampled (stratified) to at most {sizes['n_train_real']:,} training, "
        f"{sizes['n_val_real']:,} validation and {sizes['n_test_real']:,} test sequences. mouse/1 has no "
        "training split in the data registry, so it is left out. The pre-trained model read human "
        "promoter DNA from EPD, not the whole genome as DNABERT did. The claims that need planted "
        "sites are not testable on real data.", "important"))

# %% [markdown]
# ## Data
#
# One world per task and species. The sequences of a world are in random order, so the first
# `n_train` are the training set, the next `n_val` the validation set (early stopping) and the
# rest the test set.

# %%
splits: dict[tuple[str, int], dict[str, ft.Split]] = {}
test_kind: dict[tuple[str, int], np.ndarray] = {}  # simulated: ground-truth kind of each test sequence
skipped: list[str] = []
card_rows = []
if simulated:
    n_tr, n_va, n_te = sizes["n_train"], sizes["n_val"], sizes["n_test"]
    for sp in SPECIES:
        for t in task_ids:
            w = tfbs.tf_binding_world(t, n_tr + n_va + n_te, length=sizes["length"], species=sp, seed=seed)
            cut = {"train": np.arange(n_tr), "val": np.arange(n_tr, n_tr + n_va),
                   "test": np.arange(n_tr + n_va, n_tr + n_va + n_te)}
            splits[(sp, t)] = {part: ft.Split([w.seqs[i] for i in ix], w.labels[ix]) for part, ix in cut.items()}
            test_kind[(sp, t)] = w.kind[cut["test"]]
            d = w.describe().set_index("field")["value"]
            card_rows.append({
                "species": sp, "task": t, "TF": w.tf, "JASPAR": w.motif_id, "width (bp)": d["motif width (bp)"],
                "train / val / test": f"{n_tr:,} / {n_va:,} / {n_te:,}", "bound": d["bound (label 1)"],
                "weak-site bound": d["sequences: weak site"], "decoy unbound": d["sequences: decoy site"],
                "GC": d["GC fraction"], "CpG o/e": d["CpG obs/exp"]})
    card = pd.DataFrame(card_rows)
else:
    frames = {}
    for sp in SPECIES:
        for t in task_ids:
            prefix = GUE_PREFIX[sp].format(t)
            have = ft.gue(prefix)
            if "train" not in have:
                skipped.append(f"{prefix.removeprefix('gue_')} (no training split)")
                continue
            splits[(sp, t)] = {"train": have["train"].subsample(sizes["n_train_real"], seed),
                               "val": have["dev"].subsample(sizes["n_val_real"], seed),
                               "test": have["test"].subsample(sizes["n_test_real"], seed)}
            for part, name in (("train", "train"), ("val", "dev"), ("test", "test")):
                frames[f"{prefix}_{name}"] = registry.read(f"{prefix}_{name}")
                card_rows.append(f"{splits[(sp, t)][part].n:,}")
    card = registry.data_card(frames)
    card.insert(1, "used", card_rows)
    if skipped:
        print("left out: " + ", ".join(skipped))
store.table("data_card", card)
display(card.style.hide(axis="index"))

# %% [markdown]
# ## Five TFs, two species
#
# The motifs the simulated sites are drawn from: JASPAR 2024's matrix for each TF (left) and
# its mouse version (right). At the shaded positions the mouse motif has diverged: part of each
# base's probability moved to its transition partner (A↔G, C↔T), so the preferred base changes.
# A model that learned the human motif has to adapt. (On real data these are the simulated
# world's motifs; GUE does not say which TFs its sets are.)

# %%
fig, axes = plt.subplots(len(tfbs.TF_TASKS), 2, figsize=(10, 1.7 * len(tfbs.TF_TASKS)), squeeze=False)
for t, name in enumerate(tfbs.TF_TASKS):
    for col, sp in enumerate(SPECIES):
        ax = axes[t, col]
        motifs.logo(tfbs.tf_motif(t, sp), ax=ax, title=f"task {t}: {name} ({tfbs.TF_MOTIF_IDS[t]}), {sp}")
        if sp == "mouse":
            for j in tfbs.diverged_positions(t):
                ax.axvspan(j + 0.5, j + 1.5, color="C3", alpha=0.15, lw=0)
        ax.set_xlabel("")
fig.tight_layout()
store.figure("tf_logos", fig)
plt.show()

# %% [markdown]
# ## Pre-training
#
# Every DNABERT chapter starts from the same masked-language model, pre-trained once and cached
# (see the promoters chapter for its curves): on the book's simulated *human* genome, which
# carries these five TFs' human sites among promoters, genes and plain background, or on real
# data on human promoter DNA from EPD. It never sees a mouse sequence or a label.

# %%
pretrained = ft.pretrain_default(profile, data_source=source, seed=seed)
last = pretrained.history.iloc[-1] if len(pretrained.history) else None
print(f"pre-trained on {pretrained.corpus}: {pre_sizes['bert_size']} BERT, k = {pretrained.k}, "
      f"{pre_sizes['pretrain_steps']} steps, {'read from the cache' if pretrained.cached else 'computed now'} "
      f"({pretrained.seconds:.0f} s)" + (f"; held-out perplexity {last['val_perplexity']:.0f}, masked-token "
                                         f"accuracy {last['val_masked_accuracy']:.3f}" if last is not None else ""))

# %% [markdown]
# ## Human TFs: pre-trained vs random initialisation vs CNN
#
# For each task: DNABERT (the pre-trained encoder plus a classifier on [CLS], all fine-tuned),
# the same BERT fine-tuned from random weights (same seed, so the same head and batches: only the
# encoder's starting point differs), and the convolutional baselines of the profile on one-hot
# DNA. Test scores come with 95% bootstrap intervals over test sequences. On the simulated world
# a black bar marks a reference none of the models has: a logistic regression on the best
# log-odds score of the *true* motif (the one the sites were drawn from). Label noise keeps even
# that reference well below an MCC of 1.

# %%
runs: dict[tuple[str, int], ft.Comparison] = {}
SCANNER = "motif scanner (true motif)"  # simulated world only: a ceiling no model is told about


def run_species(sp: str) -> None:
    """Fit and score every model of MODELS[sp] on every task of species sp (results in runs)."""
    for t in task_ids:
        if (sp, t) not in splits:
            continue
        s = splits[(sp, t)]
        print(f"--- {sp} task {t}: train {s['train'].n:,}, validation {s['val'].n:,}, test {s['test'].n:,}")
        runs[(sp, t)] = ft.compare(s["train"], s["val"], s["test"], MODELS[sp], sizes, pretrained=pretrained,
                                   seeds=(seed,), n_boot=sizes["n_boot"], keep_models=False)
        if simulated:  # the reference: the true motif's best log-odds score, logistic regression on train
            pwm = motifs.log_odds(tfbs.tf_motif(t, sp), is_ppm=True)
            best = {part: motifs.scan(seq.one_hot(x.seqs), [pwm]).max_score for part, x in s.items()}
            p = LogisticRegression().fit(best["train"], s["train"].labels).predict_proba(best["test"])
            sc = ft.scores(s["test"].labels, p, n_boot=sizes["n_boot"], seed=seed).assign(model=SCANNER, seed=seed)
            runs[(sp, t)].scores = pd.concat([runs[(sp, t)].scores, sc], ignore_index=True)
            runs[(sp, t)].probs[(SCANNER, seed)] = p
            print(f"{SCANNER:<22} test MCC {sc.set_index('metric').loc['MCC', 'value']:.3f}")


def task_label(sp: str, t: int) -> str:
    return f"{t}: {tfbs.TF_TASKS[t]}" if simulated else f"{'tf' if sp == 'human' else 'mouse'}/{t}"


def score_table() -> pd.DataFrame:
    rows = [run.scores.assign(species=sp, task=t, dataset=task_label(sp, t)) for (sp, t), run in runs.items()]
    cols = ["species", "task", "dataset", "model", "seed", "metric", "value", "ci_low", "ci_high", "seconds", "epochs"]
    return pd.concat(rows, ignore_index=True)[cols]


def bars(sp: str, ax, metric: str = "MCC") -> None:
    """Grouped bars: metric per task (and the mean over tasks) per model, with 95% bootstrap intervals."""
    sc = score_table()
    sc = sc[(sc["species"] == sp) & (sc["metric"] == metric)]
    labels = list(dict.fromkeys(sc["dataset"]))
    names = MODELS[sp]
    width = 0.8 / len(names)
    for j, name in enumerate(names):
        r = sc[sc["model"] == name].set_index("dataset").reindex(labels)
        x = np.arange(len(labels)) + (j - (len(names) - 1) / 2) * width
        err = np.vstack([r["value"] - r["ci_low"], r["ci_high"] - r["value"]]).clip(min=0)
        ax.bar(x, r["value"], width, yerr=err, capsize=2, label=name, color=f"C{j}")
        ax.bar(len(labels) + (j - (len(names) - 1) / 2) * width, r["value"].mean(), width, color=f"C{j}",
               hatch="//", edgecolor="white")
    ref = score_table()
    ref = ref[(ref["species"] == sp) & (ref["metric"] == metric) & (ref["model"] == SCANNER)]
    if len(ref):
        r = ref.set_index("dataset").reindex(labels)["value"]
        xs, ys = np.arange(len(labels) + 1), np.append(r.to_numpy(), r.mean())
        ax.hlines(ys, xs - 0.42, xs + 0.42, color="k", lw=2, label=SCANNER)
    ax.set_xticks(np.arange(len(labels) + 1), labels + ["mean"])
    ax.axhline(0, color="k", lw=0.8)
    ax.set(ylabel=f"test {metric}", ylim=(min(-0.05, float(sc["ci_low"].min()) - 0.05), 1.0))
    ax.legend(fontsize=7, ncol=min(len(names) + 1, 6), loc="upper center", bbox_to_anchor=(0.5, -0.12),
              frameon=False)


run_species("human")
test_scores = score_table()
display(test_scores[(test_scores["species"] == "human") & (test_scores["metric"] == "MCC")]
        .pivot_table(index="dataset", columns="model", values="value", sort=False).round(3))

fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * (len(task_ids) + 1)), 3.6))
bars("human", ax)
ax.set_title("Human TF binding: test MCC per task (hatched: mean over tasks)")
fig.tight_layout()
store.figure("mcc_by_task", fig)
plt.show()

# %% [markdown]
# ## Mouse TFs: does human pre-training transfer?
#
# The same pre-trained model (human DNA only) is fine-tuned on each mouse task, next to the BERT
# from random weights and the three baselines the paper used on mouse: CNN, CNN+LSTM and CNN+GRU.

# %%
run_species("mouse")
test_scores = score_table()
store.table("test_scores", test_scores)
display(test_scores[(test_scores["species"] == "mouse") & (test_scores["metric"] == "MCC")]
        .pivot_table(index="dataset", columns="model", values="value", sort=False).round(3))

fig, axes = plt.subplots(1, 2, figsize=(max(9.0, 1.6 * (len(task_ids) + 1) + 4), 3.6),
                         gridspec_kw={"width_ratios": [max(2, len(task_ids) + 1), 2]})
bars("mouse", axes[0])
axes[0].set_title("Mouse TF binding: test MCC per task (hatched: mean)")
mean_mcc = (test_scores[test_scores["metric"] == "MCC"].groupby(["species", "model"], sort=False)["value"]
            .mean().unstack("species").reindex(MODELS["mouse"]))
for j, sp in enumerate(SPECIES):
    if sp in mean_mcc:
        axes[1].barh(np.arange(len(mean_mcc)) + (j - 0.5) * 0.4, mean_mcc[sp], 0.4, label=sp,
                     color=["C7", "C3"][j])
axes[1].set_yticks(np.arange(len(mean_mcc)), mean_mcc.index)
axes[1].invert_yaxis()
axes[1].set(xlabel="mean test MCC over tasks", title="Human vs mouse")
axes[1].legend(fontsize=8)
fig.tight_layout()
store.figure("mouse_transfer", fig)
plt.show()

# %% [markdown]
# ## Does pre-training help fine-tuning converge?
#
# DNABERT's Fig. 6d shows the fine-tuning loss of the pre-trained model falling to a markedly
# lower level than that of the randomly initialised one (there on promoters). Here: the
# validation loss after each fine-tuning epoch, pre-trained (solid) and random init (dashed),
# one colour per task. Read it with the number of optimisation steps in mind (epochs × training
# sequences / batch size): with few steps a randomly initialised BERT may not leave the plateau
# at ln 2 ≈ 0.693 (one class for everything), the regime in which pre-training looks most
# essential; given many more steps it can learn as well, so this comparison is about the budget
# of this profile, not about what a random-init BERT can ever reach.

# %%
curves = pd.concat([run.histories.assign(species=sp, task=t, dataset=task_label(sp, t))
                    for (sp, t), run in runs.items()], ignore_index=True)
curves = curves[curves["model"].isin(ft.BERT_MODELS)]
store.table("finetune_curves", curves)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for ax, sp in zip(axes, SPECIES):
    part = curves[curves["species"] == sp]
    for i, (lab, m) in enumerate(part.groupby("dataset", sort=False)):
        for name, style in zip(ft.BERT_MODELS, ("-", "--")):
            h = m[m["model"] == name]
            ax.plot(h["epoch"] + 1, h["val_loss"], style, marker="o", ms=3, color=f"C{i}",
                    label=f"{lab}, {'pre-trained' if name == 'DNABERT' else 'random init'}")
    ax.set(xlabel="fine-tuning epoch", ylabel="validation loss", title=sp)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_tick_params(labelleft=True)
    ax.legend(fontsize=6, ncol=2)
fig.tight_layout()
store.figure("finetune_curves", fig)
plt.show()
last_best = curves.groupby(["species", "task", "model"])["val_loss"].apply(lambda v: int(np.argmin(v.to_numpy())) == len(v) - 1)
still = last_best[last_best & (curves.groupby(["species", "task", "model"]).size() > 1)]
if len(still):
    print(f"{len(still)} of {len(last_best)} BERT fine-tuning runs had their lowest validation loss in the last "
          "epoch: more epochs would probably have helped them.")

# %% [markdown]
# ## What do the models get wrong?
#
# On the simulated world every test sequence has a known kind. A model that learned the motif
# gives full sites (one or two) high probabilities and background low ones; weak-site bound
# sequences and decoy unbound ones are where the labels and the sequence disagree.

# %%
if simulated:
    rows = []
    for (sp, t), run in runs.items():
        for (name, _), p in run.probs.items():
            rows.append(pd.DataFrame({"species": sp, "task": t, "model": name, "kind": test_kind[(sp, t)],
                                      "P(bound)": p[:, 1]}))
    by_kind = (pd.concat(rows).groupby(["species", "model", "kind"], sort=False)["P(bound)"].mean()
               .unstack("kind").reindex(columns=[k for k in ("two sites", "site", "weak site", "decoy site",
                                                             "background")]).reset_index())
    store.table("probability_by_kind", by_kind)
    display(by_kind.round(3).style.hide(axis="index").set_caption("mean P(bound) over test sequences of each kind"))
else:
    print("Real data: the kind of each sequence (full, weak or decoy site) is unknown.")

# %% [markdown]
# ## Published numbers
#
# DNABERT's own TFBS results are violin plots over 690 ENCODE sets and its mouse results are bar
# charts, so the numbers we can set next to ours come from the GUE benchmark, which re-ran
# DNABERT (6-mer), DNABERT-2 and the Nucleotide Transformer (2.5B, multi-species) on these exact
# splits. MCC is reported ×100 in the source; here as fractions. The source is a transcription
# of DNABERT-2's Table 6 (Zhou et al. 2024), not the paper itself. On simulated data the
# reproduced column stays empty: the worlds are not GUE's data.

# %%
PUBLISHED_MCC = {  # DNABERT-2 paper (Zhou et al. 2024), Table 6, MCC x 100 (transcription; see peers.md)
    "tf/0": {"DNABERT (6-mer)": 66.84, "DNABERT-2": 71.99, "NT-2500M-multi": 66.64},
    "tf/1": {"DNABERT (6-mer)": 70.14, "DNABERT-2": 76.06, "NT-2500M-multi": 70.28},
    "tf/2": {"DNABERT (6-mer)": 61.03, "DNABERT-2": 66.52, "NT-2500M-multi": 58.72},
    "tf/3": {"DNABERT (6-mer)": 51.89, "DNABERT-2": 58.54, "NT-2500M-multi": 51.65},
    "tf/4": {"DNABERT (6-mer)": 70.97, "DNABERT-2": 77.43, "NT-2500M-multi": 69.34},
    "mouse/0": {"DNABERT (6-mer)": 44.42, "DNABERT-2": 56.76, "NT-2500M-multi": 63.31},
    "mouse/1": {"DNABERT (6-mer)": 78.94, "DNABERT-2": 84.77, "NT-2500M-multi": 83.76},
    "mouse/2": {"DNABERT (6-mer)": 71.44, "DNABERT-2": 79.32, "NT-2500M-multi": 71.52},
    "mouse/3": {"DNABERT (6-mer)": 44.89, "DNABERT-2": 66.47, "NT-2500M-multi": 69.44},
    "mouse/4": {"DNABERT (6-mer)": 42.48, "DNABERT-2": 52.66, "NT-2500M-multi": 47.07},
}
ours = test_scores[(test_scores["metric"] == "MCC") & (test_scores["model"] == "DNABERT")]
ours = ours.set_index(["species", "task"])
pub_rows = []
for sp in SPECIES:
    for t in task_ids:
        dataset = f"{'tf' if sp == 'human' else 'mouse'}/{t}"
        for model, value in PUBLISHED_MCC[dataset].items():
            row = {"quantity": f"GUE {dataset} MCC, {model}", "published": value / 100,
                   "reference": "DNABERT-2 Table 6 (transcription)", "reproduced": None, "ci_low": None,
                   "ci_high": None}
            if not simulated and model == "DNABERT (6-mer)" and (sp, t) in ours.index:
                r = ours.loc[(sp, t)]
                row.update(reproduced=r["value"], ci_low=r["ci_low"], ci_high=r["ci_high"],
                           note=f"our DNABERT ({pre_sizes['bert_size']} BERT, {pretrained.k}-mer, "
                                f"{splits[(sp, t)]['train'].n:,} training sequences)")
            elif not simulated and (sp, t) not in ours.index:
                row["note"] = "not run: no training split in the registry"
            pub_rows.append(row)
published = report.published_vs_reproduced(pub_rows)
store.table("published_vs_reproduced", published)
display(published.style.hide(axis="index").format(precision=3, na_rep=""))

# %% [markdown]
# ## Claims
#
# DNABERT's TFBS section (its 3.2, Fig. 3) and its pre-training and mouse-transfer section (3.5,
# Fig. 6d and 6f) as checks on this run. "Beats" means a higher mean test MCC over the tasks of
# this run (one seed), with the gap reported; the per-task intervals are in the scores table.

# %%
nan = float("nan")
mcc = test_scores[test_scores["metric"] == "MCC"]
mean = mcc.groupby(["species", "model"])["value"].mean()


def m(sp: str, model: str) -> float:
    return float(mean.get((sp, model), nan))


pre_gap = m("human", "DNABERT") - m("human", "DNABERT (random init)")
mouse_base = {b: m("mouse", b) for b in ("CNN", "CNN+LSTM", "CNN+GRU") if b in MODELS["mouse"]}
best_base = max(mouse_base, key=mouse_base.get) if mouse_base else None
mouse_gap = m("mouse", "DNABERT") - mouse_base[best_base] if best_base else nan
mouse_pre_gap = m("mouse", "DNABERT") - m("mouse", "DNABERT (random init)")
final = curves.groupby(["species", "task", "model"])["val_loss"].min().unstack("model")
loss_gap = float((final["DNABERT (random init)"] - final["DNABERT"]).mean()) if len(final) else nan

acc_f1 = test_scores[(test_scores["species"] == "human") & (test_scores["model"] == "DNABERT")
                     & test_scores["metric"].isin(["accuracy", "F1"])].groupby("metric")["value"]
acc_stats = {f"{how} {metric}": float(getattr(acc_f1.get_group(metric), how)())
             for metric in ("accuracy", "F1") for how in ("mean", "median")}
stats_text = ", ".join(f"{k} {v:.3f}" for k, v in acc_stats.items())
if simulated:
    ref = test_scores[(test_scores["species"] == "human") & (test_scores["model"] == SCANNER)]
    ref_acc = float(ref.loc[ref["metric"] == "accuracy", "value"].mean())
    tfbs_value = nan
    tfbs_detail = (f"ours: {stats_text}. Not comparable: the paper's numbers are over 690 ENCODE ChIP-seq sets; "
                   f"this world's label noise ({tfbs.WEAK_POSITIVES:.0%} weak-site positives, "
                   f"{tfbs.DECOY_NEGATIVES:.0%} decoy negatives) is a design choice that caps accuracy (the "
                   f"scanner given the true motif: mean accuracy {ref_acc:.3f})")
    tfbs_statement = ("TFBS: DNABERT's mean and median accuracy and F1 exceed 0.9 (paper: 0.918 and 0.919 over "
                      "690 ENCODE sets)")
else:
    tfbs_value = min(acc_stats.values())
    tfbs_detail = f"ours: {stats_text} (GUE tf sets, not the paper's 690 ENCODE sets)"
    tfbs_statement = ("TFBS, on GUE's human TF sets (a different collection from the paper's 690 ENCODE sets): "
                      "DNABERT's mean and median accuracy and F1 exceed 0.9 (paper: 0.918 and 0.919)")
claims = [
    report.Claim("Pre-training helps: on the human TF tasks DNABERT beats the same BERT fine-tuned from random "
                 "weights on mean test MCC", pre_gap, 0, ">",
                 detail=f"{m('human', 'DNABERT'):.3f} vs {m('human', 'DNABERT (random init)'):.3f}",
                 source="DNABERT 3.5"),
    report.Claim(f"Transfer: the human-pretrained DNABERT fine-tuned on mouse beats {', '.join(mouse_base)} "
                 "on mean test MCC over the mouse tasks", mouse_gap, 0, ">",
                 detail=(f"DNABERT {m('mouse', 'DNABERT'):.3f}; " + ", ".join(f"{b} {v:.3f}" for b, v in
                                                                       mouse_base.items())),
                 source="DNABERT 3.5, Fig. 6f"),
    report.Claim("Transfer: on mouse, the human-pretrained DNABERT beats the same BERT from random weights on "
                 "mean test MCC", mouse_pre_gap, 0, ">",
                 detail=f"{m('mouse', 'DNABERT'):.3f} vs {m('mouse', 'DNABERT (random init)'):.3f}",
                 source="DNABERT 3.5, Fig. 6f"),
    report.Claim("Pre-trained fine-tuning reaches a lower validation loss than random initialisation (best "
                 "epoch, mean over all tasks and both species)", loss_gap, 0, ">",
                 detail=f"mean gap {loss_gap:+.3f}", source="DNABERT 3.5, Fig. 6d (there on promoters)"),
    report.Claim(tfbs_statement, tfbs_value, 0.9, ">", detail=tfbs_detail, source="DNABERT 3.2, Fig. 3"),
]
claims_df = report.claims_table(claims, profile=profile, data_source=source)
store.table("claims", claims_df)
display(report.style_claims(claims_df))
n_ok, n_not, lost = report.tally(claims)
display(report.note(
    "What this run shows",
    f"{n_ok} of {len(claims)} claims supported, {n_not} not supported at profile <code>{profile}</code> on "
    f"{source} data. Mean test MCC, human: DNABERT {m('human', 'DNABERT'):.3f}, random init "
    f"{m('human', 'DNABERT (random init)'):.3f}" + "".join(f", {b} {m('human', b):.3f}" for b in
                                                      sizes["human_baselines"])
    + f"; mouse: DNABERT {m('mouse', 'DNABERT'):.3f}, random init {m('mouse', 'DNABERT (random init)'):.3f}"
    + "".join(f", {b} {v:.3f}" for b, v in mouse_base.items()) + "."
    + (" Not supported here: " + "; ".join(lost) + "." if lost else "")
    + (" At this profile the BERT is small and briefly pre-trained and fine-tuned; the paper profile is the "
       "published scale." if profile != "paper" else ""), "note"))

# %%
seconds = time.perf_counter() - t_start
store.record(
    data_source=source, data_source_requested=data_source, data_source_note=why, sizes=sizes, tasks=task_ids,
    skipped=skipped, seconds=round(seconds, 1),
    pretraining={"corpus": pretrained.corpus, "cached": pretrained.cached, "seconds": round(pretrained.seconds, 1)},
    headline=(f"mean test MCC, human: DNABERT {m('human', 'DNABERT'):.3f} vs random init "
              f"{m('human', 'DNABERT (random init)'):.3f}; mouse: DNABERT {m('mouse', 'DNABERT'):.3f} vs best "
              f"baseline {best_base} {mouse_base.get(best_base, nan):.3f}"),
)
print(f"Finished in {seconds:.0f} s; results in {store.dir}")

# %% [markdown]
# ## References
#
# ```{bibliography}
# :filter: docname in docnames
# ```
