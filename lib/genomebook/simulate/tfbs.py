"""A transcription-factor binding world: ChIP-seq-like bound / unbound sequences for five JASPAR TFs, in a
human-like and a mouse-like genome.

The teaching world of the TF-binding chapter (DNABERT's TFBS task and its human → mouse transfer).
For one TF a world holds ``n`` sequences of ``length`` bp, half labelled bound (1) and half unbound (0):

* **bound** sequences carry a site of the TF sampled from its PPM at a random position and strand
  (a share :data:`TWO_SITES` carry two). A share :data:`WEAK_POSITIVES` of bound sequences carry only
  a *weak* site, sampled from the PPM flattened towards uniform (:data:`WEAK_FLATTEN`): bound in the
  experiment, but with little sequence evidence;
* **unbound** sequences are background, except a share :data:`DECOY_NEGATIVES` that carry a full-strength
  site anyway (a site the TF does not bind in this cell, e.g. in closed chromatin);
* in both classes a share :data:`OTHER_TF` carry a site of one of the *other* four TFs, so a model has
  to learn this TF's motif, not "any motif".

So no model can be perfect: weak positives and decoy negatives are label noise from the sequence's
point of view, and short, low-information motifs (GATA1, MAX) also occur by chance in the background.

**Species.** ``species="human"`` draws the background from :meth:`MarkovBackground.human_like`
(GC 41 %, CpG observed/expected 0.25). ``species="mouse"`` differs in two ways, both documented
constants: its background has GC :data:`MOUSE_GC` and CpG o/e :data:`MOUSE_CPG` (exaggerated relative
to the real genomes, 42 % vs 41 % GC, so the shift is visible), and each motif is *diverged*
(:func:`tf_motif`): at a share :data:`MOUSE_DIVERGED_SHARE` of its informative positions a fraction
:data:`MOUSE_SHIFT` of each base's probability moves to its transition partner (A↔G, C↔T), the most
common substitution, so the consensus base flips at those positions. The divergence is fixed per TF
(not per seed): it is a property of the species. A model pretrained on the human genome and fine-tuned
on mouse sequences must therefore adapt to a new background and to shifted motifs.

Matrix convention as in :mod:`genomebook.motifs`: PPMs are ``(4, w)`` with rows A, C, G, T.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from genomebook import motifs
from genomebook.seq import BASE_CODE, reverse_complement
from genomebook.simulate.background import LETTER_CODES, MarkovBackground, composition
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.mix import GENOME_MIX
from genomebook.simulate.plant import plant, random_positions

__all__ = [
    "TF_TASKS", "TF_MOTIF_IDS", "SPECIES", "TWO_SITES", "WEAK_POSITIVES", "WEAK_FLATTEN", "DECOY_NEGATIVES",
    "OTHER_TF", "HUMAN_GC", "HUMAN_CPG", "MOUSE_GC", "MOUSE_CPG", "MOUSE_DIVERGED_SHARE", "MOUSE_SHIFT",
    "CORPUS_SITE_SPACING", "CORPUS_CHUNK", "TFWorld", "tf_binding_world", "tf_corpus", "tf_motif",
    "task_index", "site_score", "background_for", "diverged_positions", "BUILT_IN",
]

# The five TFs standing in for GUE tf/0..4 and mouse/0..4 (GUE does not say which TFs its sets are):
# motifs of clearly different families, widths and information content (JASPAR 2024 CORE).
TF_TASKS: tuple[str, ...] = ("CTCF", "GATA1", "FOXA1", "MAX", "SPI1")
TF_MOTIF_IDS: tuple[str, ...] = ("MA0139.2", "MA0035.5", "MA0148.5", "MA0058.4", "MA0080.7")
SPECIES: tuple[str, ...] = ("human", "mouse")

TWO_SITES = 0.2  # share of (non-weak) bound sequences carrying two sites of the TF instead of one
WEAK_POSITIVES = 0.15  # share of bound sequences whose only site is weak
WEAK_FLATTEN = 0.2  # weak site PPM = (1 - WEAK_FLATTEN) * PPM + WEAK_FLATTEN * uniform
DECOY_NEGATIVES = 0.08  # share of unbound sequences carrying a full-strength site of the TF
OTHER_TF = 0.2  # share of sequences (either class) carrying a site of another TF of TF_TASKS

HUMAN_GC, HUMAN_CPG = 0.41, 0.25  # human-like background: GC fraction, CpG observed/expected
MOUSE_GC, MOUSE_CPG = 0.45, 0.18  # mouse-like background (exaggerated so the shift is visible)
MOUSE_DIVERGED_SHARE = 0.3  # share of a motif's positions (ceil, at least 1) that diverge in mouse
MOUSE_SHIFT = 0.6  # at a diverged position, this share of each base's probability moves to its transition
_TRANSITION = np.array([2, 3, 0, 1])  # A<->G, C<->T as row indices of a (4, w) matrix
_DIVERGENCE_SEED = 20_021  # fixed: which positions diverge is a property of the species, not of a run

CORPUS_SITE_SPACING = 500  # tf_corpus: one TF site per this many bp on average (Poisson)
CORPUS_CHUNK = 10_000  # tf_corpus: bp per returned chunk (the last one may be shorter)

_KIND_ORDER = ("site", "two sites", "weak site", "decoy site", "background")


def task_index(task: int | str) -> int:
    """Index 0..4 into TF_TASKS of a task given as an index, a TF name (any case) or a JASPAR ID."""
    if isinstance(task, (int, np.integer)):
        if not 0 <= int(task) < len(TF_TASKS):
            raise ValueError(f"task index must be 0..{len(TF_TASKS) - 1}; got {task}")
        return int(task)
    key = str(task).upper()
    for i, (name, mid) in enumerate(zip(TF_TASKS, TF_MOTIF_IDS)):
        if key in (name, mid.upper(), mid.split(".")[0].upper()):
            return i
    raise ValueError(f"unknown TF task {task!r}; use 0..{len(TF_TASKS) - 1} or one of "
                     f"{', '.join(TF_TASKS)} ({', '.join(TF_MOTIF_IDS)})")


def _check_species(species: str) -> str:
    if species not in SPECIES:
        raise ValueError(f"species must be one of {', '.join(SPECIES)}; got {species!r}")
    return species


@lru_cache(maxsize=None)
def _human_ppm(i: int) -> np.ndarray:
    ppm = motifs.load_jaspar(ids=[TF_MOTIF_IDS[i]])[0].ppm(0.8)
    ppm.setflags(write=False)
    return ppm


@lru_cache(maxsize=None)
def _mouse_ppm(i: int) -> tuple[np.ndarray, tuple[int, ...]]:
    human = _human_ppm(i)
    w = human.shape[1]
    ic = motifs.information_content(human)
    informative = np.flatnonzero(ic >= 0.5)
    pool = informative if informative.size else np.arange(w)
    n_div = max(1, math.ceil(MOUSE_DIVERGED_SHARE * w))
    rng = np.random.default_rng([_DIVERGENCE_SEED, i])
    pos = np.sort(rng.choice(pool, size=min(n_div, pool.size), replace=False))
    mouse = human.copy()
    mouse[:, pos] = (1 - MOUSE_SHIFT) * human[:, pos] + MOUSE_SHIFT * human[_TRANSITION][:, pos]
    mouse.setflags(write=False)
    return mouse, tuple(int(p) for p in pos)


def tf_motif(task: int | str, species: str = "human") -> np.ndarray:
    """PPM (4, w), rows A, C, G, T, that sites of the TF are drawn from in ``species`` (mouse: diverged)."""
    i = task_index(task)
    return (_human_ppm(i) if _check_species(species) == "human" else _mouse_ppm(i)[0]).copy()


def diverged_positions(task: int | str) -> tuple[int, ...]:
    """0-based motif positions whose base preferences differ between the human and the mouse PPM."""
    return _mouse_ppm(task_index(task))[1]


def background_for(species: str) -> MarkovBackground:
    """The species' background chain: human GC 41 % / CpG o/e 0.25, mouse MOUSE_GC / MOUSE_CPG."""
    if _check_species(species) == "human":
        return MarkovBackground.human_like(gc=HUMAN_GC, cpg_ratio=HUMAN_CPG)
    return MarkovBackground.human_like(gc=MOUSE_GC, cpg_ratio=MOUSE_CPG)


def _site_scores(sites: list[str], pwm: np.ndarray) -> np.ndarray:
    w = pwm.shape[1]
    if any(len(s) != w for s in sites):
        raise ValueError(f"every site must have {w} bp, the motif's width")
    if not sites:
        return np.zeros(0)
    codes = BASE_CODE[np.frombuffer("".join(sites).upper().encode("ascii"), dtype=np.uint8)].reshape(-1, w)
    if (codes > 3).any():
        raise ValueError("sites must contain only A, C, G, T")
    return pwm[codes, np.arange(w)[None, :]].sum(axis=1)


def site_score(site: str, ppm: np.ndarray) -> float:
    """Log-odds score in bits (vs uniform) of a site written in the motif's orientation; len(site) == w."""
    return float(_site_scores([site], motifs.log_odds(np.asarray(ppm, dtype=float), is_ppm=True))[0])


@dataclass
class TFWorld:
    """Bound / unbound sequences of one TF in one species, with every planted site as ground truth."""

    seqs: list[str]
    labels: np.ndarray  # (N,) int64, 1 bound, 0 unbound
    tf: str
    motif_id: str
    species: str  # "human" | "mouse"
    ppm: np.ndarray  # (4, w) PPM the TF's sites were drawn from (mouse: the diverged one)
    # every planted site: seq (index), start, end (0-based, half-open), strand (+1/-1), kind ("site",
    # "weak", "decoy" or "other TF"), tf, motif_id, site (as written on the + strand), score (log-odds
    # bits of the site in motif orientation against its TF's full-strength PPM of this species)
    sites: pd.DataFrame
    # (N,) str per sequence: "site", "two sites", "weak site" (bound), "decoy site", "background" (unbound)
    kind: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    seed: int = 0

    @property
    def length(self) -> int:
        """Sequence length in bp."""
        return len(self.seqs[0]) if self.seqs else 0

    def describe(self) -> pd.DataFrame:
        """A data card: one row per field (species, TF, sizes, class balance, site kinds, composition)."""
        comp = composition(self.seqs)
        kinds = pd.Series(self.kind).value_counts()
        rows = [
            ("species", self.species), ("TF", self.tf), ("JASPAR motif", self.motif_id),
            ("motif width (bp)", self.ppm.shape[1]), ("sequences", f"{len(self.seqs):,}"),
            ("length (bp)", self.length), ("bound (label 1)", f"{self.labels.mean():.1%}"),
        ]
        rows += [(f"sequences: {k}", f"{int(kinds.get(k, 0)):,}") for k in _KIND_ORDER]
        rows += [("sequences with another TF's site",
                  f"{self.sites.loc[self.sites['kind'] == 'other TF', 'seq'].nunique():,}"),
                 ("GC fraction", f"{comp['gc']:.3f}"), ("CpG obs/exp", f"{comp['cpg_obs_exp']:.2f}"),
                 ("seed", self.seed)]
        return pd.DataFrame(rows, columns=["field", "value"]).astype({"value": str})


def _balanced_labels(n: int, rng: np.random.Generator) -> np.ndarray:
    labels = np.zeros(n, dtype=np.int64)
    labels[: n // 2] = 1
    return rng.permutation(labels)


def tf_binding_world(task: int | str, n: int, *, length: int = 101, species: str = "human",
                     seed: int = 0) -> TFWorld:
    """Simulate ``n`` sequences of ``length`` bp, half bound by TF ``task`` (index, name or JASPAR ID).

    Deterministic for (task, species, seed); see the module docstring for the mechanism and constants.
    """
    i = task_index(task)
    species = _check_species(species)
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    ppms = {TF_TASKS[j]: tf_motif(j, species) for j in range(len(TF_TASKS))}
    widths = {name: p.shape[1] for name, p in ppms.items()}
    tf = TF_TASKS[i]
    weak_name = f"{tf} (weak)"
    ppms[weak_name] = (1 - WEAK_FLATTEN) * ppms[tf] + WEAK_FLATTEN * 0.25
    widths[weak_name] = widths[tf]
    if 2 * widths[tf] + 2 > length or widths[tf] + max(widths.values()) + 2 > length:
        raise ValueError(f"length {length} bp is too short for two sites of {max(widths.values())} bp")

    rng = np.random.default_rng([seed, i, SPECIES.index(species)])
    labels = _balanced_labels(n, rng)
    u = rng.random(n)
    kind = np.where(
        labels == 1,
        np.where(u < WEAK_POSITIVES, "weak site",
                 np.where(rng.random(n) < TWO_SITES, "two sites", "site")),
        np.where(u < DECOY_NEGATIVES, "decoy site", "background"),
    ).astype(object)
    others = [name for name in TF_TASKS if name != tf]
    has_other = rng.random(n) < OTHER_TF
    other_of = np.array(others, dtype=object)[rng.integers(len(others), size=n)]

    # sites per sequence, in a fixed order: the TF's own site(s), then another TF's site
    names: list[list[str]] = []
    kinds: list[list[str]] = []
    for s in range(n):
        k = kind[s]
        own = {"site": [tf], "two sites": [tf, tf], "weak site": [weak_name], "decoy site": [tf],
               "background": []}[k]
        lab = {"site": "site", "two sites": "site", "weak site": "weak", "decoy site": "decoy",
               "background": None}[k]
        nm, kd = list(own), [lab] * len(own)
        if has_other[s]:
            nm.append(other_of[s])
            kd.append("other TF")
        names.append(nm)
        kinds.append(kd)
    counts = np.array([len(x) for x in names], dtype=np.int64)
    flat_names = [x for nm in names for x in nm]
    flat_kinds = [x for kd in kinds for x in kd]
    starts = random_positions(counts, length, np.array([widths[x] for x in flat_names], dtype=np.int64), rng)
    strands = rng.choice([1, -1], size=len(flat_names))
    seqs = background_for(species).sample(n, length, rng)
    seqs, truth = plant(seqs, ppms, motif_ids=flat_names, positions=starts, strands=strands, rng=rng,
                        seq_index=np.repeat(np.arange(n), counts))

    site_tf = np.array([x.removesuffix(" (weak)") for x in flat_names], dtype=object)
    oriented = [s if st == 1 else reverse_complement(s) for s, st in zip(truth["site"], truth["strand"])]
    score = np.zeros(len(oriented))
    for name in set(site_tf):  # score against the TF's own full-strength PPM of this species
        rows = np.flatnonzero(site_tf == name)
        score[rows] = _site_scores([oriented[r] for r in rows], motifs.log_odds(ppms[name], is_ppm=True))
    sites = pd.DataFrame({
        "seq": truth["seq_index"].to_numpy(),
        "start": truth["start"].to_numpy(),
        "end": truth["end"].to_numpy(),
        "strand": truth["strand"].to_numpy(),
        "kind": flat_kinds,
        "tf": site_tf,
        "motif_id": [TF_MOTIF_IDS[TF_TASKS.index(t)] for t in site_tf],
        "site": truth["site"].to_numpy(),  # as written on the + strand
        "score": score,  # log-odds bits of the site in motif orientation vs the TF's full PPM
    }).sort_values(["seq", "start"], kind="stable").reset_index(drop=True)
    return TFWorld(seqs=seqs, labels=labels, tf=tf, motif_id=TF_MOTIF_IDS[i], species=species,
                   ppm=tf_motif(i, species), sites=sites, kind=kind.astype(str), seed=seed)


def tf_corpus(n_bp: int, *, species: str = "human", seed: int = 0) -> list[str]:
    """Unlabelled DNA of n_bp bases in total (chunks of CORPUS_CHUNK bp) with sites of all TF_TASKS.

    Background of ``species`` with one site per CORPUS_SITE_SPACING bp on average (Poisson per chunk),
    each of a TF drawn uniformly from TF_TASKS, sampled from that species' PPM, on a random strand.
    Far denser than in a real genome, so that a short pretraining corpus contains the motifs at all.
    For MLM pretraining; deterministic for (n_bp, species, seed).
    """
    species = _check_species(species)
    if n_bp < 1:
        raise ValueError(f"n_bp must be >= 1; got {n_bp}")
    rng = np.random.default_rng([seed, 99, SPECIES.index(species)])
    n_chunks = -(-int(n_bp) // CORPUS_CHUNK)
    lengths = np.full(n_chunks, CORPUS_CHUNK, dtype=np.int64)
    lengths[-1] = int(n_bp) - CORPUS_CHUNK * (n_chunks - 1)
    ppms = {name: tf_motif(j, species) for j, name in enumerate(TF_TASKS)}
    wmax = max(p.shape[1] for p in ppms.values())
    codes = background_for(species).sample_codes(n_chunks, CORPUS_CHUNK, rng)  # all chunks advance together
    text = LETTER_CODES[codes].tobytes().decode("ascii")
    chunks = [text[c * CORPUS_CHUNK : c * CORPUS_CHUNK + int(L)] for c, L in enumerate(lengths)]
    cap = lengths // (2 * wmax)  # keeps rejection sampling of non-overlapping starts fast
    counts = np.minimum(rng.poisson(lengths / CORPUS_SITE_SPACING), cap)
    which = [TF_TASKS[j] for j in rng.integers(len(TF_TASKS), size=int(counts.sum()))]
    if not which:
        return chunks
    widths = np.array([ppms[x].shape[1] for x in which], dtype=np.int64)
    starts = random_positions(counts, lengths, widths, rng)
    chunks, _ = plant(chunks, ppms, motif_ids=which, positions=starts, strands=rng.choice([1, -1], size=len(which)),
                      rng=rng, seq_index=np.repeat(np.arange(n_chunks), counts))
    return chunks


# --------------------------------------------------------------------------- built in by construction


def _built_in() -> list:
    """What this world makes true by construction (numbers read from the constants above)."""
    motifs_text = ", ".join(f"{name} {mid}" for name, mid in zip(TF_TASKS, TF_MOTIF_IDS))
    return [
        BuiltIn(f"bound sequences carry a site sampled from the TF's JASPAR 2024 matrix ({motifs_text}) at a "
                f"random position and strand ({TWO_SITES:.0%} of the full-site ones carry two); unbound sequences "
                "are background from the same Markov chain, so the planted site is the only difference between "
                "the classes (no composition, flank or chromatin signal)",
                "a model that learns one PWM solves the task, and a scanner given the true matrix is a near "
                "ceiling; which model 'reads the motif best' is what every comparison measures",
                claims=("tfbs_accuracy", "pretrain_human", "mouse_vs_cnn", "mouse_pretrain")),
        BuiltIn(f"label noise by design: {WEAK_POSITIVES:.0%} of bound sequences carry only a weak site (the matrix "
                f"flattened {WEAK_FLATTEN:.0%} towards uniform) and {DECOY_NEGATIVES:.0%} of unbound ones carry a "
                f"full-strength site; {OTHER_TF:.0%} of all sequences carry a site of one of the other four TFs",
                "test accuracy and F1 are capped near 0.9 by these constants, not by the models: the 'above 0.9' "
                "check is set by the world's noise level",
                claims=("tfbs_accuracy",)),
        BuiltIn(f"mouse differs from human only as written here: background GC {MOUSE_GC:.0%} vs {HUMAN_GC:.0%} and "
                f"CpG o/e {MOUSE_CPG} vs {HUMAN_CPG} (exaggerated; real genomes: 42% vs 41% GC), and each motif "
                f"diverged at {MOUSE_DIVERGED_SHARE:.0%} of its informative positions (at least one), where "
                f"{MOUSE_SHIFT:.0%} of each base's probability moves to its transition partner (A<->G, C<->T); "
                "nothing else (no repeats, no lineage-specific sites, no change of binding partners)",
                "how much human pre-training transfers to mouse is set by these two constants; the mouse motifs "
                "still share most positions with the human ones the pre-training genome carries",
                claims=("mouse_vs_cnn", "mouse_pretrain")),
        BuiltIn(f"the simulated pre-training genome takes {GENOME_MIX['tf sites']:.0%} of its bp from tf_corpus: "
                f"human background with sites of these same five TFs drawn from the same matrices, one per "
                f"{CORPUS_SITE_SPACING} bp on average (a real genome holds far fewer)",
                "masked-LM pre-training sees the fine-tuning tasks' own motifs (never a test sequence itself: the "
                "leakage card checks), which favours the pre-trained model over random initialisation",
                claims=("pretrain_human", "mouse_pretrain", "pretrain_loss")),
    ]


#: What the TF-binding world makes true by construction (``genomebook.simulate.builtin.BuiltIn``);
#: claim keys: tfbs_accuracy, pretrain_human, mouse_vs_cnn, mouse_pretrain, pretrain_loss.
BUILT_IN = _built_in()
