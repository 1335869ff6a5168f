"""Enhancer–promoter interactions under five evaluation protocols: the logic of the enhancer_promoter chapter.

The EPSAT/EPLAE paper (Li, Lee & Nguyen) trains SPEID, EPSAT and EPLAE on one-hot enhancer
(3 kb) and promoter (2 kb) sequences after copying every positive pair 20 times and splitting
the rows at random; TargetFinder's boosted trees read ENCODE signals of the same pairs. This
module runs any of those models, and the floors a reader needs beside them, under each protocol
of :mod:`genomebook.datasets.epi` and scores them the same way. The enhancer_promoter chapter
(the task) calls it on the real TargetFinder feature tables and on the simulated EPI world; the
epsat_eplae chapter (the reproduction: Table 3 per cell line, Fig 5) calls it per cell line.

* Inputs of a pair: :func:`world_inputs` (the world's sequences), :func:`fasta_inputs` (an hg19
  FASTA: enhancer and promoter windows around the element centres), :func:`world_motif_features`
  (sequence-derived 'signals' for TargetFinder on the world, which has no chromatin),
  :func:`world_cboep` (CBOEP-style negatives of the world), :func:`read_user_pairs` (a reader's table).
* One model under one protocol: :func:`fit_baseline` (all-positive floor, distance, element
  propensity, TargetFinder E/P or E/P/W) and :func:`fit_sequence_model` (SPEID, EPSAT, EPLAE with
  :class:`genomebook.models.lightning.EPIPairTask` and :func:`genomebook.train.fit`).
* The protocol x model table: :func:`run_protocols` (every protocol, every model; test
  probabilities kept for paired comparisons), :func:`leakage_card` (per protocol, test pairs that
  have a copy or a shared element in training, in the book's leakage-card columns) and
  :func:`score` (F1 at 0.5 and auPR with bootstrap intervals over test pairs).
* Comparisons: :func:`paired_gap` (two models, same test pairs), :func:`unpaired_gap` (one model
  under two protocols), :func:`ranking_paragraph` (which ranking survives, written from numbers).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from genomebook import metrics, train
from genomebook.datasets.epi import PROTOCOLS, centre_distance, leakage_counts, make_protocol
from genomebook.datasets.targetfinder import PAIR_COLUMNS, read_pairs
from genomebook.models.epi import EPI_MODELS, eplae_loss
from genomebook.models.epi_baselines import (AllPositive, DistanceBaseline, ElementPropensity, TargetFinderGBT,
                                             feature_columns)
from genomebook.models.language import parameter_count
from genomebook.models.lightning import EPIPairTask
from genomebook.motifs import log_odds, scan
from genomebook.seq import SequenceError, one_hot, open_indexed_fasta
from genomebook.simulate.epi import EPIWorld, pair_sequences

__all__ = ["SEQUENCE_MODELS", "BASELINES", "TARGETFINDER", "HONEST", "PROTOCOL_LABELS", "CELL_KEYS", "table3_ids",
           "PARAMETER_IDS", "world_inputs", "fasta_inputs", "world_motif_features", "world_cboep", "read_user_pairs",
           "fit_baseline", "SequenceRun", "fit_sequence_model", "score", "ProtocolResults", "run_protocols",
           "leakage_card", "paired_gap", "unpaired_gap", "ranking_paragraph", "torch_threads"]

#: The paper's sequence networks, in the order the chapter shows them.
SEQUENCE_MODELS = ("SPEID", "EPSAT", "EPLAE")
#: The floor and the two simple baselines (see :mod:`genomebook.models.epi_baselines`).
BASELINES = ("all positive", "distance", "element propensity")
#: TargetFinder's boosted trees by feature set (EE/P needs extended-enhancer signal no mirrored table has).
TARGETFINDER = {"TargetFinder E/P": "E/P", "TargetFinder E/P/W": "E/P/W"}
#: The four protocols that do not copy positives before splitting.
HONEST = tuple(p for p in PROTOCOLS if p != "paper")
#: Short labels of the protocols for tables and figures.
PROTOCOL_LABELS = {
    "paper": "paper's (copy x20, then random split)",
    "augment_train_only": "random split, copy training positives only",
    "chromosome": "split by chromosome",
    "element_disjoint": "no shared enhancer or promoter",
    "cboep": "CBOEP negatives, random split",
}
#: TargetFinder's cell lines -> the key used in published ids (``epsat_eplae.table3.<model>.<key>``).
CELL_KEYS = {"GM12878": "gm12878", "HeLa-S3": "hela_s3", "HUVEC": "huvec", "IMR90": "imr90", "K562": "k562",
             "NHEK": "nhek"}
#: Our parameter_table rows (model, counted) -> published id of the paper's count.
PARAMETER_IDS = {
    ("EPSAT", "all parameters"): "epsat_eplae.table2.parameters.epsat",
    ("SPEID", "trainable (Keras)"): "epsat_eplae.table2.parameters.speid",
    ("SPEID", "trainable + batch-norm moving statistics (Keras total)"): "epsat_eplae.section3_2.parameters.speid",
    ("EPLAE", "encoder"): "epsat_eplae.table2.parameters.eplae_encoder",
    ("EPLAE", "logistic layer"): "epsat_eplae.table2.parameters.eplae_logistic",
}


def table3_ids(cell: str) -> dict[str, str]:
    """Published ids of Table 3's F1 for ``cell`` (one of :data:`CELL_KEYS`), by our model names.

    Used by the enhancer_promoter chapter (the paper's F1 beside ours under the paper's
    protocol) and the epsat_eplae chapter (the whole table).
    """
    if cell not in CELL_KEYS:
        raise KeyError(f"Table 3 has no cell line {cell!r}; it has {', '.join(CELL_KEYS)}.")
    c = CELL_KEYS[cell]
    return {"EPSAT": f"epsat_eplae.table3.epsat.{c}", "EPLAE": f"epsat_eplae.table3.eplae.{c}",
            "SPEID": f"epsat_eplae.table3.speid.{c}", "TargetFinder E/P": f"epsat_eplae.table3.targetfinder_ep.{c}",
            "TargetFinder EE/P": f"epsat_eplae.table3.targetfinder_eep.{c}",
            "TargetFinder E/P/W": f"epsat_eplae.table3.targetfinder_epw.{c}"}


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Run a block with ``n`` torch intra-op threads (None: leave torch's setting), restoring it after.

    Small CPU models train several times faster on one thread than on two busy shared cores.
    Used by the enhancer_promoter and epsat_eplae chapters (``threads`` in their profiles).
    """
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


# --------------------------------------------------------------------------- inputs

Inputs = Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]]


def world_inputs(world: EPIWorld) -> Inputs:
    """``inputs(table) -> (enhancer (N, 4, L_e), promoter (N, 4, L_p))`` one-hot from the world's sequences.

    Rows are looked up by ``enhancer_id`` / ``promoter_id`` (copies give copies). Used by the
    enhancer_promoter and epsat_eplae chapters.
    """
    return functools.partial(pair_sequences, world, as_one_hot=True)


def _window(start: int, end: int, width: int) -> tuple[int, int]:
    centre = (int(start) + int(end)) // 2
    lo = centre - width // 2
    return lo, lo + width


def fasta_inputs(fasta_path: str | Path, enhancer_bp: int = 3000, promoter_bp: int = 2000) -> Inputs:
    """``inputs(table)``: one-hot windows of a genome FASTA around each pair's element centres.

    The paper's inputs: ``enhancer_bp`` (3 kb) around the enhancer's centre and ``promoter_bp``
    (2 kb) around the promoter's (centre = ``(start + end) // 2``, window ``[centre - w // 2,
    centre - w // 2 + w)``, coordinates 0-based as the pair tables). Bases are upper-cased; N and
    other letters one-hot as zeros. Each element is read once (pyfaidx index; a read-only folder
    gets its index elsewhere) and kept for later tables. Errors: a FASTA that does not exist, a
    chromosome the FASTA lacks (its names listed) and a window outside the chromosome (the row,
    element and chromosome length named). Used by the enhancer_promoter chapter (``genome_fasta``)
    and the epsat_eplae chapter.
    """
    path = Path(fasta_path)
    if not path.exists():
        raise FileNotFoundError(f"genome_fasta {path} does not exist; give an hg19 FASTA (plain or bgzip) whose "
                                "records are named like the pair table's chromosomes ('chr1', ...).")
    for name, w in (("enhancer_bp", enhancer_bp), ("promoter_bp", promoter_bp)):
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise ValueError(f"fasta_inputs: {name} must be a positive integer number of bp; got {w!r}.")
    cache: dict[tuple[str, int, int], str] = {}
    fasta = open_indexed_fasta(path)
    sizes = {k: len(fasta[k]) for k in fasta.keys()}

    def side(table: pd.DataFrame, prefix: str, width: int) -> np.ndarray:
        seqs = []
        chroms = table[f"{prefix}_chrom"].astype(str).to_numpy()
        starts, ends = table[f"{prefix}_start"].to_numpy(), table[f"{prefix}_end"].to_numpy()
        for i, (c, s, e) in enumerate(zip(chroms, starts, ends)):
            lo, hi = _window(s, e, width)
            key = (c, lo, hi)
            if key not in cache:
                if c not in sizes:
                    shown = ", ".join(repr(k) for k in list(sizes)[:5]) + (", ..." if len(sizes) > 5 else "")
                    raise SequenceError(f"pair row {i}: {prefix} {c}:{s}-{e} is on {c!r}, which {path.name} lacks "
                                        f"(it has {shown}; {len(sizes)} in all). Use the FASTA of the table's "
                                        "assembly (hg19 for TargetFinder) with UCSC names ('chr1').")
                if lo < 0 or hi > sizes[c]:
                    raise SequenceError(f"pair row {i}: the {width} bp window around {prefix} {c}:{s}-{e} "
                                        f"({c}:{lo}-{hi}) lies outside {c} of {path.name} (length {sizes[c]:,}). "
                                        "Coordinates outside the genome: check the assembly (hg19) or drop the pair.")
                cache[key] = str(fasta[c][lo:hi].seq).upper()
            seqs.append(cache[key])
        return one_hot(seqs)

    def inputs(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        missing = [f"{p}_{k}" for p in ("enhancer", "promoter") for k in ("chrom", "start", "end")
                   if f"{p}_{k}" not in table.columns]
        if missing:
            raise ValueError(f"fasta_inputs: the pair table lacks {', '.join(missing)}.")
        return side(table, "enhancer", enhancer_bp), side(table, "promoter", promoter_bp)

    return inputs


def world_motif_features(world: EPIWorld, pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """``pairs`` (default ``world.pairs``) with TargetFinder-style feature columns computed from sequence.

    The world has no chromatin signal, so TargetFinder's boosted trees get, per element, the best
    log-odds score (bits, both strands, :func:`genomebook.motifs.scan`) of each of the world's
    JASPAR motifs (both sides' motifs on both elements) as ``'<motif> (enhancer)'`` and
    ``'<motif> (promoter)'`` columns: feature set ``E/P`` (there is no window signal). Our
    stand-in for ENCODE signals, not TargetFinder's features. Used by the enhancer_promoter and
    epsat_eplae chapters (the claim "EPLAE beats TargetFinder E/P" on the world).
    """
    pairs = world.pairs if pairs is None else pairs
    mp = world.motif_pairs
    ids = list(mp["enhancer_motif_id"]) + list(mp["promoter_motif_id"])
    names = list(mp["enhancer_motif"]) + list(mp["promoter_motif"])
    pwms = [log_odds(world.ppms[m], is_ppm=True) for m in ids]
    out = pairs.copy()
    for prefix, elements in (("enhancer", world.enhancers), ("promoter", world.promoters)):
        best = scan(one_hot(elements["seq"].tolist()), pwms, device="cpu").max_score
        idx = out[f"{prefix}_id"].to_numpy(np.int64)
        for j, name in enumerate(names):
            out[f"{name} ({prefix})"] = best[idx, j].astype(np.float64)
    return out


def world_cboep(world: EPIWorld, cell: str | None = None, *, seed: int = 0, rounds: int = 20) -> pd.DataFrame:
    """CBOEP-style negatives of the world's cell line ``cell`` (default: the first): a pair table of label 0.

    CBOEP (Tateyama & Maruyama 2023) draws negatives so that every element is used about as
    often among negatives as among positives, which removes TargetFinder's element-reuse bias.
    Here (our reading, in the spirit of its CBMF): the positives' enhancer and promoter "stubs"
    (one per positive pair they take part in) are re-paired at random within each chromosome,
    keeping a pair only when its gap lies in the world's distance window and it is not a positive;
    leftover stubs are re-paired again, ``rounds`` times. Each element then appears at most as
    often among negatives as among positives; there are somewhat fewer negatives than positives,
    as in the real CBOEP tables. Like CBOEP, every pair that is not a known positive counts as
    negative (some would interact in the world). Columns: :data:`PAIR_COLUMNS`, names and
    ``enhancer_id``/``promoter_id``. Used by the enhancer_promoter and epsat_eplae chapters
    (``make_protocol(..., "cboep", cboep=...)``).
    """
    cell = cell or world.cell_lines[0]
    if cell not in world.active:
        raise ValueError(f"world_cboep: cell line {cell!r} is not in this world ({', '.join(world.cell_lines)}).")
    pr = world.params
    pos = world.pairs[(world.pairs["cell"] == cell) & (world.pairs["label"] == 1)]
    positive = set(zip(pos["enhancer_id"], pos["promoter_id"]))
    enh, prom = world.enhancers, world.promoters
    rng = np.random.default_rng([seed, 7])
    stubs_e, stubs_p = pos["enhancer_id"].to_numpy(), pos["promoter_id"].to_numpy()
    chosen: set[tuple[int, int]] = set()
    for _ in range(rounds):
        if stubs_e.size == 0:
            break
        keep_e, keep_p = [], []
        chrom_e = enh["chrom"].to_numpy()[stubs_e]
        chrom_p = prom["chrom"].to_numpy()[stubs_p]
        for c in np.unique(chrom_e):
            ee = stubs_e[chrom_e == c]
            pp = rng.permutation(stubs_p[chrom_p == c])
            n = min(ee.size, pp.size)
            for e, p in zip(ee[:n], pp[:n]):
                gap = max(prom["start"].iat[p] - enh["end"].iat[e], enh["start"].iat[e] - prom["end"].iat[p])
                if (e, p) in positive or (e, p) in chosen or not pr["min_distance"] <= gap <= pr["max_distance"]:
                    keep_e.append(e)
                    keep_p.append(p)
                else:
                    chosen.add((int(e), int(p)))
            keep_e += ee[n:].tolist()
            keep_p += stubs_p[chrom_p == c][n:].tolist()
        stubs_e, stubs_p = np.array(keep_e, dtype=np.int64), np.array(keep_p, dtype=np.int64)
    if not chosen:
        raise ValueError(f"world_cboep: no negative pair could be drawn for {cell}; the world is too small "
                         "(raise positives_per_cell_line).")
    e, p = (np.array(v, dtype=np.int64) for v in zip(*sorted(chosen)))
    gap = np.maximum(prom["start"].to_numpy()[p] - enh["end"].to_numpy()[e],
                     enh["start"].to_numpy()[e] - prom["end"].to_numpy()[p])
    return pd.DataFrame({
        "label": 0, "enhancer_chrom": enh["chrom"].to_numpy()[e], "enhancer_start": enh["start"].to_numpy()[e],
        "enhancer_end": enh["end"].to_numpy()[e], "promoter_chrom": prom["chrom"].to_numpy()[p],
        "promoter_start": prom["start"].to_numpy()[p], "promoter_end": prom["end"].to_numpy()[p],
        "distance": gap.astype(np.int64), "cell": cell,
        "enhancer_name": [f"{cell}|{n}" for n in enh["name"].to_numpy()[e]],
        "promoter_name": [f"{cell}|{n}" for n in prom["name"].to_numpy()[p]],
        "enhancer_id": e, "promoter_id": p,
    })[PAIR_COLUMNS + ["enhancer_name", "promoter_name", "enhancer_id", "promoter_id"]]


def read_user_pairs(path: str | Path) -> pd.DataFrame:
    """A reader's enhancer–promoter pair table, checked for what the chapter needs.

    Read with :func:`genomebook.datasets.targetfinder.read_pairs` (TargetFinder, CBOEP, TransEPI or
    EP2vec layout; its errors name the file, line and the missing columns). Then: both classes
    present, pairs on at least three chromosomes (the chromosome split needs train, dev and test
    chromosomes), and a ``distance`` for every pair (missing distances are filled with the
    distance between element centres, and ``attrs['notes']`` says so). Feature columns named
    ``'X (enhancer)'``, ``'X (promoter)'`` (and ``'X (window)'``) are kept for TargetFinder.
    Used by the enhancer_promoter chapter (``pairs_path``).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"pairs_path {path} does not exist; give a comma- or tab-separated pair table with "
                                "columns " + ", ".join(PAIR_COLUMNS[:7]) + " (TargetFinder layout).")
    t = read_pairs(path)
    notes = []
    counts = t["label"].value_counts()
    if len(counts) < 2:
        raise SequenceError(f"{path}: every pair has label {int(t['label'].iloc[0])}; the table needs interacting (1) "
                            "and non-interacting (0) pairs.")
    chroms = t["enhancer_chrom"].nunique()
    if chroms < 3:
        raise SequenceError(f"{path}: pairs lie on {chroms} chromosome(s); the chromosome split needs at least 3 "
                            "(train, dev, test). Give pairs from more chromosomes.")
    missing = t["distance"].isna()
    if missing.any():
        t.loc[missing, "distance"] = centre_distance(t[missing])
        notes.append(f"{int(missing.sum()):,} pair(s) had no enhancer_distance_to_promoter; the distance between "
                     "element centres is used for them.")
    t.attrs["notes"] = notes
    return t


# --------------------------------------------------------------------------- one model under one protocol


def _split(table: pd.DataFrame, name: str) -> pd.DataFrame:
    return table[table["split"] == name]


def fit_baseline(name: str, table: pd.DataFrame, *, gbt_iter: int = 300, seed: int = 0,
                 n_threads: int | None = 1) -> dict[str, np.ndarray]:
    """Fit baseline ``name`` on a protocol table's training rows; P(interacting) of its dev and test rows.

    ``name``: one of :data:`BASELINES` or :data:`TARGETFINDER`'s keys. TargetFinder: ``gbt_iter``
    trees (TargetFinder's README: 4,000), ``n_threads`` OpenMP threads (1 on a busy 2-core
    machine). Returns ``{"dev": (N_dev,), "test": (N_test,)}``. Used by the enhancer_promoter and
    epsat_eplae chapters.
    """
    models = {"all positive": lambda: AllPositive(), "distance": lambda: DistanceBaseline(seed=seed),
              "element propensity": lambda: ElementPropensity()}
    models.update({k: (lambda fs=fs: TargetFinderGBT(fs, max_iter=gbt_iter, n_threads=n_threads, seed=seed))
                   for k, fs in TARGETFINDER.items()})
    if name not in models:
        raise ValueError(f"baseline must be one of {', '.join(models)}; got {name!r}.")
    model = models[name]().fit(_split(table, "train"))
    return {s: model.predict_proba(_split(table, s)) for s in ("dev", "test")}


@dataclass
class SequenceRun:
    """One sequence network trained under one protocol: P(interacting) per evaluated split, the
    per-epoch history (``epoch, train_loss, val_loss, val_auprc`` and EPLAE's ``*_mse``/``*_ce``),
    seconds, trainable parameters, and the trained :class:`EPIPairTask` (``task``; None unless kept).
    Used by the enhancer_promoter and epsat_eplae chapters."""

    model: str
    probs: dict[str, np.ndarray]
    history: pd.DataFrame
    seconds: float
    parameters: int
    task: EPIPairTask | None = None


def _config(name: str, size: str, enhancer_bp: int, promoter_bp: int):
    _, config_cls = EPI_MODELS[name]
    if size == "paper":
        return config_cls(enhancer_length=enhancer_bp, promoter_length=promoter_bp)
    if size == "small":
        return config_cls.small(enhancer_length=enhancer_bp, promoter_length=promoter_bp)
    raise ValueError(f"model_size must be 'small' or 'paper'; got {size!r}.")


def _predict(task: EPIPairTask, e: np.ndarray, p: np.ndarray, batch: int) -> np.ndarray:
    task.eval()
    out = []
    with torch.no_grad():
        for lo in range(0, len(e), batch):
            eb = torch.as_tensor(e[lo:lo + batch], device=task.device)
            pb = torch.as_tensor(p[lo:lo + batch], device=task.device)
            out.append(task.predict_step((eb, pb), 0).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def fit_sequence_model(name: str, table: pd.DataFrame, inputs: Inputs, *, model_size: str = "small",
                       epochs: int = 3, batch: int = 64, lr: float = 1e-3, seed: int = 0, patience: int | None = None,
                       steps_per_epoch: int | None = None, threads: int | None = None, keep: bool = False
                       ) -> SequenceRun:
    """Train SPEID, EPSAT or EPLAE on a protocol table's training rows; P(interacting) of dev and test.

    ``inputs(table)`` gives the one-hot pairs (:func:`world_inputs`, :func:`fasta_inputs`); the
    network is built for their lengths at ``model_size`` (``"small"``: the configs' ``small()``
    widths; ``"paper"``: the paper's layers). Adam at ``lr`` (the paper: 1e-3, batch 64, 50
    epochs), cross-entropy (EPLAE: :func:`genomebook.models.epi.eplae_loss`), the dev rows as
    validation; the epoch with the lowest validation loss is kept (:func:`genomebook.train.fit`).
    ``steps_per_epoch``: batches per epoch, drawn at random without replacement from the training
    rows (None: every row once per epoch; the ×20 copies make a full pass mostly repeats).
    Seeded: the same table and seed give the same network. ``threads``: torch threads while
    training (:func:`torch_threads`). ``keep`` keeps the trained task (EPLAE's latent for Fig 5).
    Used by the enhancer_promoter and epsat_eplae chapters.
    """
    if name not in EPI_MODELS:
        raise ValueError(f"model must be one of {', '.join(EPI_MODELS)}; got {name!r}.")
    t0 = time.perf_counter()
    parts = {s: _split(table, s) for s in ("train", "dev", "test")}
    if parts["train"]["label"].nunique() < 2:
        raise ValueError(f"{name}: the training rows hold one class only; a protocol table needs both.")
    if len(parts["dev"]) == 0:
        raise ValueError(f"{name}: the protocol table has no dev rows (the validation set that picks the epoch); "
                         "split with a dev fraction > 0, e.g. fractions=(0.8, 0.1, 0.1).")
    x = {s: inputs(t) for s, t in parts.items()}
    y = {s: torch.from_numpy(t["label"].to_numpy(np.int64).copy()) for s, t in parts.items()}
    enhancer_bp, promoter_bp = x["train"][0].shape[-1], x["train"][1].shape[-1]
    with torch_threads(threads):
        train.seed_everything(seed)
        net = EPI_MODELS[name][0](_config(name, model_size, enhancer_bp, promoter_bp))
        task = EPIPairTask(net, lr=lr, loss=eplae_loss if name == "EPLAE" else None)

        def loader(s: str, shuffle: bool) -> DataLoader:
            ds = TensorDataset(torch.as_tensor(x[s][0]), torch.as_tensor(x[s][1]), y[s])
            opts = train.loader_options(num_workers=0)
            if not shuffle:
                return DataLoader(ds, batch_size=4 * batch, shuffle=False, **opts)
            n = len(ds) if steps_per_epoch is None else min(len(ds), int(steps_per_epoch) * batch)
            sampler = RandomSampler(ds, num_samples=n, generator=torch.Generator().manual_seed(seed))
            return DataLoader(ds, batch_size=batch, sampler=sampler, **opts)

        history = train.History()
        train.fit(task, train_dataloaders=loader("train", True), val_dataloaders=loader("dev", False),
                  max_epochs=int(epochs), patience=patience, callbacks=[history])
        probs = {s: _predict(task, *x[s], 4 * batch) for s in ("dev", "test")}
    return SequenceRun(name, probs, history.frame(), time.perf_counter() - t0,
                       parameter_count(net, trainable_only=True), task if keep else None)


# --------------------------------------------------------------------------- scores


def score(y, p, *, n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """F1 (P >= 0.5, the paper's metric) and auPR of P(interacting) ``p`` with bootstrap intervals.

    Percentile intervals over test pairs (:func:`genomebook.metrics.classification_scores`; the
    evaluated rows, augmented copies included, are the units). Returns ``F1, F1_low, F1_high,
    auPR, auPR_low, auPR_high, n, n_pos``. Used by the enhancer_promoter and epsat_eplae chapters.
    """
    y = np.asarray(y, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    out = {"n": int(y.size), "n_pos": int(y.sum())}
    if y.size == 0 or len(np.unique(y)) < 2:
        return out | {k: float("nan") for k in ("F1", "F1_low", "F1_high", "auPR", "auPR_low", "auPR_high")}
    # classification_scores predicts the arg-max class: P(1) >= 0.5 up to the tie at exactly 0.5
    probs = np.c_[1.0 - p, p]
    probs[p == 0.5] = (0.5 - 1e-12, 0.5 + 1e-12)
    s = metrics.classification_scores(y, probs, n_boot=n_boot, seed=seed).set_index("metric")
    for m in ("F1", "auPR"):
        out |= {m: float(s.at[m, "value"]), f"{m}_low": float(s.at[m, "ci_low"]), f"{m}_high": float(s.at[m, "ci_high"])}
    return out


def paired_gap(y, p_a, p_b, metric: str = "F1", *, n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """metric(a) - metric(b) of two models on the same test pairs, paired bootstrap interval.

    ``p_a``, ``p_b``: P(interacting) (N,). Returns ``value, ci_low, ci_high, n``
    (:func:`genomebook.metrics.paired_difference`). Used by the enhancer_promoter and epsat_eplae
    chapters ("EPSAT beats SPEID", "EPLAE beats TargetFinder E/P").
    """
    def two(p):
        p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
        q = np.c_[1.0 - p, p]
        q[p == 0.5] = (0.5 - 1e-12, 0.5 + 1e-12)
        return q

    return metrics.paired_difference(np.asarray(y, dtype=np.int64), two(p_a), two(p_b), metric, n_boot=n_boot,
                                     seed=seed)


def unpaired_gap(y_a, p_a, y_b, p_b, metric: str = "F1", *, n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """metric on test set a minus metric on test set b (different pairs), independent bootstraps.

    For one model under two protocols (e.g. "random splits inflate scores"): each test set is
    resampled on its own, the difference of the two resampled metrics gives the percentile
    interval. ``metric``: ``"F1"`` (P >= 0.5) or ``"auPR"`` (:mod:`genomebook.metrics`). Returns
    ``value, ci_low, ci_high, n`` (n: pairs of test set a). Used by the enhancer_promoter chapter.
    """
    fn = {"F1": lambda y, p: metrics.f1(y, p, 0.5), "auPR": metrics.auprc}.get(metric)
    if fn is None:
        raise ValueError(f"metric must be 'F1' or 'auPR'; got {metric!r}.")
    ya, yb = np.asarray(y_a, dtype=np.int64), np.asarray(y_b, dtype=np.int64)
    pa, pb = np.asarray(p_a, dtype=np.float64), np.asarray(p_b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i, j = rng.integers(0, ya.size, ya.size), rng.integers(0, yb.size, yb.size)
        if ya[i].min() == ya[i].max() or yb[j].min() == yb[j].max():
            continue
        diffs.append(fn(ya[i], pa[i]) - fn(yb[j], pb[j]))
    lo, hi = np.quantile(diffs, [0.025, 0.975]) if diffs else (float("nan"), float("nan"))
    return {"value": float(fn(ya, pa) - fn(yb, pb)), "ci_low": float(lo), "ci_high": float(hi), "n": int(ya.size)}


# --------------------------------------------------------------------------- every protocol, every model


@dataclass
class ProtocolResults:
    """Every protocol x model run of one data set (:func:`run_protocols`).

    ``tables``: protocol -> the :func:`genomebook.datasets.epi.make_protocol` table;
    ``scores``: one row per (protocol, model) with :func:`score`'s columns and ``data``,
    ``protocol``, ``model``, ``kind`` (floor / baseline / TargetFinder / sequence), ``seconds``;
    ``probs``: (protocol, model) -> P(interacting) of the test rows; ``y``: protocol -> test labels;
    ``histories``: (protocol, model) -> per-epoch history of the sequence networks;
    ``runs``: (protocol, model) -> :class:`SequenceRun` (trained tasks only when kept); a model
    that cannot run under a protocol (TargetFinder E/P/W on CBOEP negatives, which have no window
    signal) gets a row of NaN scores with a ``note`` and no ``probs`` entry;
    ``leakage``: the :func:`leakage_card`. Used by the enhancer_promoter and epsat_eplae chapters.
    """

    data: str
    tables: dict[str, pd.DataFrame]
    scores: pd.DataFrame
    probs: dict[tuple[str, str], np.ndarray]
    y: dict[str, np.ndarray]
    histories: dict[tuple[str, str], pd.DataFrame]
    leakage: pd.DataFrame
    runs: dict[tuple[str, str], SequenceRun] = field(default_factory=dict)


def _kind(model: str) -> str:
    if model == "all positive":
        return "floor"
    if model in BASELINES:
        return "baseline"
    return "TargetFinder" if model.startswith("TargetFinder") else "sequence"


def run_protocols(pairs: pd.DataFrame, *, data: str, protocols: Sequence[str] = PROTOCOLS,
                  baselines: Sequence[str] = BASELINES, targetfinder: Sequence[str] = tuple(TARGETFINDER),
                  sequence_models: Sequence[str] = (), inputs: Inputs | None = None,
                  cboep: pd.DataFrame | None = None, seed: int = 0, fractions: Sequence[float] = (0.8, 0.1, 0.1),
                  augment: int = 20, gbt_iter: int = 300, n_threads: int | None = 1, model_size: str = "small",
                  epochs: int = 3, batch: int = 64, lr: float = 1e-3, patience: int | None = None,
                  steps_per_epoch: int | None = None, threads: int | None = None, n_boot: int = 1000, keep: Sequence[tuple[str, str]] = (),
                  log: Callable[[str], None] | None = print) -> ProtocolResults:
    """Every model of ``baselines``, ``targetfinder`` and ``sequence_models`` under every protocol.

    ``pairs``: one cell line's pair table (real, a reader's, or ``world.pairs`` of one cell);
    ``data`` names it in the tables. The ``cboep`` protocol runs only when a CBOEP table is given
    (:func:`world_cboep` on the world). TargetFinder runs only when ``pairs`` has its feature
    columns; the sequence networks only with ``inputs``. ``keep``: (protocol, model) whose trained
    task is kept (e.g. EPLAE under the paper's protocol, for Fig 5). ``log`` gets one line per
    protocol. Other arguments: :func:`make_protocol`, :func:`fit_baseline`,
    :func:`fit_sequence_model`, :func:`score`. Used by the enhancer_promoter and epsat_eplae chapters.
    """
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown:
        raise ValueError(f"unknown protocol(s) {unknown}; protocols are {', '.join(PROTOCOLS)}.")
    if sequence_models and inputs is None:
        raise ValueError("run_protocols: sequence_models need inputs= (world_inputs or fasta_inputs).")
    tf_models = []
    for name in targetfinder:
        try:
            feature_columns(pairs, TARGETFINDER[name])
            tf_models.append(name)
        except ValueError:
            if log:
                log(f"{data}: {name} skipped (no '{TARGETFINDER[name]}' feature columns).")
    rows, probs, ys, histories, runs, tables = [], {}, {}, {}, {}, {}
    for protocol in protocols:
        if protocol == "cboep" and cboep is None:
            continue
        t0 = time.perf_counter()
        table = make_protocol(pairs, protocol, seed=seed, fractions=fractions, augment=augment,
                              cboep=cboep if protocol == "cboep" else None)
        tables[protocol] = table
        test = _split(table, "test")
        y = test["label"].to_numpy(np.int64)
        ys[protocol] = y
        for name in [*baselines, *tf_models, *sequence_models]:
            t1 = time.perf_counter()
            if name in TARGETFINDER and table[feature_columns(table, TARGETFINDER[name])].isna().any().any():
                rows.append({"data": data, "protocol": protocol, "model": name, "kind": _kind(name),
                             **score(y[:0], y[:0]), "n": len(y), "n_pos": int(y.sum()), "seconds": 0.0,
                             "note": f"not run: some pairs lack {TARGETFINDER[name]} features (CBOEP negatives "
                                     "carry no window signal)"})
                if log:
                    log(f"{data}: {name} not run under {protocol} (features missing for some pairs).")
                continue
            if name in EPI_MODELS:
                r = fit_sequence_model(name, table, inputs, model_size=model_size, epochs=epochs, batch=batch, lr=lr,
                                       seed=seed, patience=patience, steps_per_epoch=steps_per_epoch, threads=threads,
                                       keep=(protocol, name) in keep)
                p = r.probs["test"]
                histories[(protocol, name)] = r.history
                runs[(protocol, name)] = r
            else:
                p = fit_baseline(name, table, gbt_iter=gbt_iter, seed=seed, n_threads=n_threads)["test"]
            probs[(protocol, name)] = p
            rows.append({"data": data, "protocol": protocol, "model": name, "kind": _kind(name),
                         **score(y, p, n_boot=n_boot, seed=seed), "seconds": round(time.perf_counter() - t1, 2)})
        if log:
            log(f"{data}: protocol {protocol} ({len(table):,} rows, {len(test):,} test pairs) in "
                f"{time.perf_counter() - t0:.0f} s")
    scores = pd.DataFrame(rows)
    return ProtocolResults(data, tables, scores, probs, ys, histories, leakage_card(tables, data=data), runs)


def leakage_card(tables: Mapping[str, pd.DataFrame], *, data: str = "") -> pd.DataFrame:
    """The leakage card of protocol tables, in the book's card columns (one row per protocol, split, class).

    For the dev and test rows of each protocol (:func:`genomebook.datasets.epi.leakage_counts`),
    against the training rows: ``exact`` = the pair itself (an exact or augmented copy) is in
    training; ``near`` = not the pair, but its enhancer or promoter is; ``any`` = either (the
    pair shares an element with training); ``revcomp`` is 0 (pairs are matched by element
    identity, not by sequence); ``shared_enhancer``, ``shared_promoter`` and ``fraction_copy``
    as in ``leakage_counts``. ``class``: all, interacting, non-interacting. Columns ``data``,
    ``protocol``, ``query``, ``reference``, ``class``, ``n``, ``exact``, ``revcomp``, ``near``,
    ``any``, ``fraction``, ``fraction_copy``, ``shared_enhancer``, ``shared_promoter``, ``method``.
    Used by the enhancer_promoter and epsat_eplae chapters.
    """
    rows = []
    for protocol, table in tables.items():
        train_rows = table[table["split"] == "train"]
        for cls, lab in (("all", None), ("interacting", 1), ("non-interacting", 0)):
            sub = table if lab is None else pd.concat([train_rows, table[(table["split"] != "train")
                                                                         & (table["label"] == lab)]])
            counts = leakage_counts(sub.assign(protocol=protocol))
            for r in counts.itertuples(index=False):
                rows.append({"data": data, "protocol": protocol, "query": r.split, "reference": "train",
                             "class": cls, "n": r.n, "exact": r.copy, "revcomp": 0, "near": r.shared_element - r.copy,
                             "any": r.shared_element, "fraction": r.fraction, "fraction_copy": r.fraction_copy,
                             "shared_enhancer": r.shared_enhancer, "shared_promoter": r.shared_promoter,
                             "method": "pair identity (enhancer|promoter); exact = same pair or an augmented copy; "
                                       "near = only an element in common"})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- which ranking survives


def _fmt(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.2f}"


def ranking_paragraph(scores: pd.DataFrame, comparisons: Sequence[dict], *, metric: str = "F1") -> str:
    """A paragraph (Markdown) on which ranking survives the honest protocols, written from numbers.

    ``scores``: :class:`ProtocolResults` ``scores`` (one data set or several, column ``data``);
    ``comparisons``: dicts ``data, a, b, protocol, value, ci_low, ci_high`` (a paired difference
    ``metric(a) - metric(b)`` per protocol, e.g. from :func:`paired_gap`). For each data set it
    names the best model under the paper's protocol and under each honest protocol, and whether
    it beats the best baseline that sees no sequence or signal (distance, element propensity);
    for each comparison, under which protocols ``a`` beats ``b`` (the interval above 0), loses
    (below 0) or neither. No outcome is typed: everything comes from the arguments. Used by the
    enhancer_promoter and epsat_eplae chapters.
    """
    out = []
    for data, g in scores.groupby("data", sort=False):
        parts = []
        for protocol, h in g.groupby("protocol", sort=False):
            h = h.dropna(subset=[metric])
            if h.empty:
                continue
            best = h.loc[h[metric].idxmax()]
            base = h[h["model"].isin(["distance", "element propensity"])]
            text = f"{PROTOCOL_LABELS.get(protocol, protocol)}: best {best['model']} ({metric} {_fmt(best[metric])})"
            if len(base) and best["kind"] not in ("baseline", "floor"):
                b = base.loc[base[metric].idxmax()]
                margin = best[metric] - b[metric]
                text += f", {_fmt(margin)} above {b['model']} ({_fmt(b[metric])})"
            floor = h[h["model"] == "all positive"]
            if len(floor):
                text += f"; all-positive floor {_fmt(floor[metric].iloc[0])}"
            parts.append(text)
        out.append(f"**{data}.** " + "; ".join(parts) + ".")
    verdicts: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for c in comparisons:
        key = (c["data"], c["a"], c["b"])
        v = verdicts.setdefault(key, {"wins": [], "loses": [], "open": []})
        label = f"{PROTOCOL_LABELS.get(c['protocol'], c['protocol'])} ({_fmt(c['value'])} [{_fmt(c['ci_low'])}, " \
                f"{_fmt(c['ci_high'])}])"
        if np.isfinite(c["ci_low"]) and c["ci_low"] > 0:
            v["wins"].append(label)
        elif np.isfinite(c["ci_high"]) and c["ci_high"] < 0:
            v["loses"].append(label)
        else:
            v["open"].append(label)
    for (data, a, b), v in verdicts.items():
        text = (f"- {a} vs {b} on {data} ({metric} difference, paired interval): {a} is ahead under "
                + ("; ".join(v["wins"]) if v["wins"] else "no protocol"))
        if v["loses"]:
            text += f"; behind under {'; '.join(v['loses'])}"
        if v["open"]:
            text += f"; undecided under {'; '.join(v['open'])}"
        paper = PROTOCOL_LABELS["paper"]
        honest_wins = [w for w in v["wins"] if not w.startswith(paper)]
        if any(w.startswith(paper) for w in v["wins"]) and not honest_wins:
            text += ". The ranking holds only under the paper's protocol"
        elif honest_wins:
            text += f". The ranking survives {len(honest_wins)} honest protocol(s)"
        out.append(text + ".")
    return "\n\n".join(out)


# --------------------------------------------------------------------------- the epsat_eplae chapter
# Table 3 across cell lines (joint bootstrap over each cell line's test pairs), Fig 5 (PCA of raw
# inputs vs EPLAE's latent) and which of the paper's orderings survive. Appended for the
# epsat_eplae chapter (the reproduction); the functions above are the enhancer_promoter chapter's.

# Appended after the enhancer_promoter chapter's module was finished, so these imports sit here.
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

__all__ += ["across_cell_lines", "pairwise_gaps", "table3_long", "mean_ranking", "Fig5Views", "fig5_views",
            "survival_paragraph"]

#: Metrics :func:`across_cell_lines` computes on bootstrap rows.
CELL_METRICS = ("F1", "auPR", "auROC")


def _metric_rows(metric: str, y: np.ndarray, p: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``metric`` of each resample ``idx[b]`` of (y, p): (B,), NaN where undefined (one class, for auPR/auROC)."""
    if metric == "F1":
        pred = (p >= 0.5).astype(np.int64)
        return metrics.from_confusion(metrics.confusion_matrices(y, pred, 2, idx), binary=True)["F1"]
    rows = {"auPR": metrics.auprc_rows, "auROC": metrics.auroc_rows}[metric]
    return rows(y[idx].astype(float), p[idx])


def across_cell_lines(groups: Mapping[str, Sequence], metric: str = "F1", *, n_boot: int = 1000, seed: int = 0,
                      level: float = 0.95) -> pd.DataFrame:
    """A metric (or a paired difference of two models) per cell line, its mean and its lowest cell line.

    ``groups``: cell line -> ``(y, p)`` (one model) or ``(y, p_a, p_b)`` (``metric(a) - metric(b)``
    on the same test pairs); ``p``: P(interacting), F1 at P >= 0.5 (the paper's metric).
    ``metric``: ``"F1"``, ``"auPR"`` or ``"auROC"``. One joint bootstrap: every resample redraws
    the test pairs of every cell line (each within its own cell line, the same draw for a and b),
    so the rows ``"mean over cell lines"`` and ``"lowest cell line"`` get percentile intervals
    that respect the uncertainty of each cell line (resamples where a cell's metric is undefined
    are left out of the summaries). Returns one row per cell line, then the two summary rows:
    ``cell, value, ci_low, ci_high, n`` (test pairs) and ``lowest`` (the cell line with the lowest
    value on the full test sets). Claims such as "EPSAT beats SPEID in every cell line" read the
    lowest row's interval. A cell line whose test pairs hold one class gets NaN, and so do the
    summaries (the claim is then not testable on this run). Used by the epsat_eplae chapter (Table 3's claims).
    """
    if metric not in CELL_METRICS:
        raise ValueError(f"metric must be one of {', '.join(CELL_METRICS)}; got {metric!r}.")
    if not groups:
        raise ValueError("across_cell_lines: no cell lines given.")
    if n_boot < 1 or not 0 < level < 1:
        raise ValueError(f"across_cell_lines: n_boot must be >= 1 and level in (0, 1); got {n_boot}, {level}.")
    rng = np.random.default_rng(seed)
    q = [(1 - level) / 2, (1 + level) / 2]
    full, boot, rows = {}, {}, []
    for cell, g in groups.items():
        if len(g) not in (2, 3):
            raise ValueError(f"across_cell_lines: {cell}: give (y, p) or (y, p_a, p_b); got {len(g)} arrays.")
        y = np.asarray(g[0], dtype=np.int64)
        ps = [np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0) for p in g[1:]]
        if any(p.shape != y.shape for p in ps) or y.ndim != 1 or y.size == 0:
            raise ValueError(f"across_cell_lines: {cell}: y and p must be (N,) arrays of one length N > 0.")
        idx = np.vstack([np.arange(y.size)[None], rng.integers(0, y.size, size=(n_boot, y.size))])
        vals = [_metric_rows(metric, y, p, idx) for p in ps]
        v = vals[0] - vals[1] if len(vals) == 2 else vals[0]
        if y.min() == y.max():  # a test set of one class scores nothing (as score() says)
            v = np.full_like(v, np.nan, dtype=float)
        full[cell], boot[cell] = v[0], v[1:]
        ok = v[1:][np.isfinite(v[1:])]
        lo, hi = np.quantile(ok, q) if ok.size else (np.nan, np.nan)
        rows.append({"cell": cell, "value": float(v[0]), "ci_low": float(lo), "ci_high": float(hi), "n": int(y.size),
                     "lowest": ""})
    b = np.vstack(list(boot.values()))                      # (cells, n_boot)
    ok = np.isfinite(b).all(0)
    values = np.array(list(full.values()))
    lowest = list(full)[int(np.nanargmin(values))] if np.isfinite(values).all() else ""
    n_all = int(sum(r["n"] for r in rows))
    for name, fn in (("mean over cell lines", np.mean), ("lowest cell line", np.min)):
        lo, hi = np.quantile(fn(b[:, ok], axis=0), q) if ok.any() else (np.nan, np.nan)
        rows.append({"cell": name, "value": float(fn(values)), "ci_low": float(lo), "ci_high": float(hi),
                     "n": n_all, "lowest": lowest if name == "lowest cell line" else ""})
    return pd.DataFrame(rows)


def pairwise_gaps(results: Mapping[str, ProtocolResults], pairs: Sequence[tuple[str, str]], *,
                  protocols: Sequence[str] = ("paper", "chromosome"), metric: str = "F1", source: str = "",
                  n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """``metric(a) - metric(b)`` per cell line, mean and lowest cell line, for each (a, b) and protocol.

    ``results``: cell line -> :class:`ProtocolResults` of that cell line (every cell line run
    under the same protocols). A pair is skipped under a protocol where a model did not run in
    some cell line. Returns :func:`across_cell_lines`'s rows with ``source``, ``protocol``, ``a``,
    ``b``, ``metric`` and ``reference_failed``: the cell lines where ``b`` ranks the test pairs no
    better than chance (nothing learnt to beat), comma-separated: test auPR <= min(1.25 r, (1 + r) / 2)
    for a positive rate r (the enhancer_promoter chapter's 1.25 r, capped halfway to a perfect
    ranking so that the rule stays satisfiable where copies make most test pairs positive).
    Used by the epsat_eplae chapter (the paper's orderings under its protocol and the honest split).
    """
    out = []
    for protocol in protocols:
        for a, b in pairs:
            if not all((protocol, m) in r.probs for r in results.values() for m in (a, b)):
                continue
            groups = {c: (r.y[protocol], r.probs[(protocol, a)], r.probs[(protocol, b)]) for c, r in results.items()}
            failed = []
            for c, r in results.items():
                y, p = r.y[protocol], r.probs[(protocol, b)]
                if y.min() == y.max() or not metrics.auprc(y, p) > min(1.25 * y.mean(), (1 + y.mean()) / 2):
                    failed.append(c)
            t = across_cell_lines(groups, metric, n_boot=n_boot, seed=seed)
            out.append(t.assign(source=source, protocol=protocol, a=a, b=b, metric=metric,
                                reference_failed=", ".join(failed)))
    cols = ["source", "protocol", "a", "b", "metric", "cell", "value", "ci_low", "ci_high", "n", "lowest",
            "reference_failed"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def table3_long(results: Mapping[str, ProtocolResults], *, source: str, published: Callable[[str], float],
                protocols: Sequence[str] = ("paper", "chromosome")) -> pd.DataFrame:
    """Table 3 in long form: one row per (cell line, protocol, model) with our F1 and the paper's.

    ``results``: cell line -> :class:`ProtocolResults`; ``source`` names the data (e.g.
    "simulated world", "real pairs"). Columns ``source, cell, protocol, model, kind, F1, F1_low,
    F1_high, auPR, auPR_low, auPR_high, n, n_pos, published, published_id``: ``published`` is
    the paper's Table 3 F1 of that model and cell line (under its own protocol; NaN for models
    or cell lines Table 3 lacks, e.g. the baselines) and is repeated beside every protocol so
    the honest split's number stands next to it too. ``published``: id -> the paper's value
    (the chapter passes :func:`genomebook.published.value`; the book layer sits above this one).
    Used by the epsat_eplae chapter.
    """
    rows = []
    for cell, r in results.items():
        ids = table3_ids(cell) if cell in CELL_KEYS else {}
        s = r.scores[r.scores["protocol"].isin(protocols)]
        for row in s.itertuples(index=False):
            pid = ids.get(row.model, "")
            rows.append({"source": source, "cell": cell, "protocol": row.protocol, "model": row.model,
                         "kind": row.kind, **{k: getattr(row, k) for k in ("F1", "F1_low", "F1_high", "auPR",
                                                                          "auPR_low", "auPR_high", "n", "n_pos")},
                         "published": published(pid) if pid else np.nan, "published_id": pid})
    return pd.DataFrame(rows)


def mean_ranking(long: pd.DataFrame) -> pd.DataFrame:
    """Mean F1 over cell lines per (source, protocol, model), ranked; the paper's mean beside it.

    ``long``: :func:`table3_long`'s rows. Columns ``source, protocol, model, kind, cells, F1``
    (mean over the cell lines run), ``published`` (the mean of Table 3 over the same cell
    lines; NaN when Table 3 lacks the model), ``rank`` (1 = highest mean F1 within source and
    protocol) and ``published_rank`` (rank among the models Table 3 has). Used by the
    epsat_eplae chapter (which ranking survives).
    """
    g = (long.groupby(["source", "protocol", "model"], sort=False)
         .agg(kind=("kind", "first"), cells=("cell", "nunique"), F1=("F1", "mean"),
              published=("published", lambda v: v.mean() if v.notna().all() else np.nan))
         .reset_index())
    g["rank"] = g.groupby(["source", "protocol"])["F1"].rank(ascending=False, method="min")
    g["published_rank"] = g.groupby(["source", "protocol"])["published"].rank(ascending=False, method="min")
    order = {"source": {s: i for i, s in enumerate(dict.fromkeys(g["source"]))},
             "protocol": {p: i for i, p in enumerate(PROTOCOLS)}}
    return (g.sort_values(["source", "protocol", "rank"], kind="stable",
                          key=lambda col: col.map(order[col.name]) if col.name in order else col)
            .reset_index(drop=True))


@dataclass
class Fig5Views:
    """Fig 5 of the paper: PCA of the raw one-hot pairs and of EPLAE's latent, coloured by interaction.

    ``points``: ``space`` ("raw one-hot" / "EPLAE latent"), ``split`` (train / test), ``label``,
    ``pc1``, ``pc2`` (PCA fitted on the training rows of that space); ``y``: labels of the test
    rows shown; ``probs``: space -> P(interacting) of those test rows from a logistic regression
    on the two PCs, fitted on the training rows (how much of the label the 2-D picture holds,
    scored on pairs the PCA and the regression never saw); ``explained``: space -> the two PCs'
    explained-variance ratios; ``rows``: the number of training and test rows used. Used by the
    epsat_eplae chapter.
    """

    points: pd.DataFrame
    y: np.ndarray
    probs: dict[str, np.ndarray]
    explained: dict[str, tuple[float, float]]
    rows: dict[str, int]


def fig5_views(run: SequenceRun, table: pd.DataFrame, inputs: Inputs, *, max_rows: int = 1500, seed: int = 0,
               batch: int = 256) -> Fig5Views:
    """PCA of raw inputs vs EPLAE's latent for one trained EPLAE (:class:`Fig5Views`).

    ``run``: EPLAE's :class:`SequenceRun` with its task kept (``run_protocols(keep=[(protocol,
    "EPLAE")])``); ``table``: that protocol's table; ``inputs``: as for training. At most
    ``max_rows`` training and ``max_rows`` test rows (a seeded draw) are encoded: raw = the
    flattened one-hot enhancer and promoter (4 x (L_e + L_p) values), latent =
    :meth:`EPIPairTask.latent`. For each space a 2-component PCA is fitted on the training rows
    and a logistic regression on their two PCs; both are applied to the test rows. Under the
    paper's protocol the test rows include copies of training pairs, so read its separation as
    the paper's; under an honest split it is what EPLAE learnt. Used by the epsat_eplae chapter.
    """
    task = run.task
    if task is None:
        raise ValueError(f"fig5_views: the {run.model} run kept no trained network; run run_protocols with "
                         f"keep=[(protocol, {run.model!r})].")
    if not hasattr(task.net, "encode"):
        raise ValueError(f"fig5_views: {run.model} has no latent; only EPLAE encodes pairs.")
    rng = np.random.default_rng([seed, 5])
    parts = {}
    for s in ("train", "test"):
        t = _split(table, s)
        if len(t) > max_rows:
            t = t.iloc[np.sort(rng.choice(len(t), max_rows, replace=False))]
        if t["label"].nunique() < 2:
            raise ValueError(f"fig5_views: the {s} rows hold one class only; Fig 5 needs both.")
        parts[s] = t
    spaces: dict[str, dict[str, np.ndarray]] = {"raw one-hot": {}, "EPLAE latent": {}}
    task.eval()
    for s, t in parts.items():
        e, p = inputs(t)
        spaces["raw one-hot"][s] = np.concatenate([e.reshape(len(e), -1), p.reshape(len(p), -1)], 1).astype(np.float32)
        lat = [task.latent(torch.as_tensor(e[i:i + batch], device=task.device),
                           torch.as_tensor(p[i:i + batch], device=task.device)).float().cpu().numpy()
               for i in range(0, len(e), batch)]
        spaces["EPLAE latent"][s] = np.concatenate(lat)
    y = {s: t["label"].to_numpy(np.int64) for s, t in parts.items()}
    points, probs, explained = [], {}, {}
    for space, x in spaces.items():
        pca = PCA(2, svd_solver="randomized" if x["train"].shape[1] > 2000 else "full", random_state=seed)
        z = {"train": pca.fit_transform(x["train"])}
        z["test"] = pca.transform(x["test"])
        clf = LogisticRegression(max_iter=1000).fit(z["train"], y["train"])
        probs[space] = clf.predict_proba(z["test"])[:, 1]
        explained[space] = tuple(float(v) for v in pca.explained_variance_ratio_)
        for s in ("train", "test"):
            points.append(pd.DataFrame({"space": space, "split": s, "label": y[s], "pc1": z[s][:, 0],
                                        "pc2": z[s][:, 1]}))
    return Fig5Views(pd.concat(points, ignore_index=True), y["test"], probs, explained,
                     {s: len(t) for s, t in parts.items()})


def _order(r: pd.DataFrame, col: str) -> str:
    r = r.dropna(subset=[col]).sort_values(col, ascending=False, kind="stable")
    return " > ".join(f"{m} ({_fmt(v)})" for m, v in zip(r["model"], r[col]))


def survival_paragraph(ranking: pd.DataFrame, gaps: pd.DataFrame, *, honest: str = "chromosome") -> str:
    """Which of the paper's rankings survive, in Markdown, written from numbers only.

    ``ranking``: :func:`mean_ranking`'s rows; ``gaps``: :func:`pairwise_gaps`'s rows (their
    ``"mean over cell lines"`` and ``"lowest cell line"`` rows are read). Per source: the
    paper's order of the models it reports (Table 3 means over the same cell lines), our order
    under the paper's protocol and under ``honest``, the best model overall under each
    (baselines included) and, for every pair compared, whether ``a`` is ahead on average (mean
    F1 difference, interval above 0), behind (below 0), undecided, or the comparison is void
    (the reference learnt nothing in some cell line). No outcome is typed. Used by the
    epsat_eplae chapter.
    """
    out = []
    for source, g in ranking.groupby("source", sort=False):
        paper = g[(g["protocol"] == "paper") & g["published"].notna()]
        text = [f"**{source}.** " + (f"Table 3 orders the models it reports as {_order(paper, 'published')}."
                                     if len(paper) else "Table 3 has no numbers for these pairs.")]
        for protocol in ("paper", honest):
            h = g[g["protocol"] == protocol]
            if h.empty:
                continue
            reported = h[h["published"].notna()] if len(paper) else h[~h["kind"].isin(["baseline", "floor"])]
            best = h.loc[h["F1"].idxmax()] if h["F1"].notna().any() else None
            line = f"Ours, {PROTOCOL_LABELS.get(protocol, protocol)}: " + (
                _order(reported, "F1") or "not scored (the test pairs hold one class)")
            same = list(reported.sort_values("published", ascending=False)["model"]) == list(
                reported.sort_values("F1", ascending=False)["model"])
            if len(paper):
                line += " (the paper's order)" if same else " (not the paper's order)"
            if best is not None and best["kind"] == "floor":
                line += f"; nothing beats predicting every pair positive ({_fmt(best['F1'])})"
            elif best is not None and best["kind"] == "baseline":
                line += f"; the best of all is the {best['model']} baseline ({_fmt(best['F1'])}), which reads no sequence"
            elif best is not None:
                line += f"; best of all {best['model']} ({_fmt(best['F1'])})"
            text.append(line + ".")
        gg = gaps[(gaps["source"] == source) & (gaps["cell"] == "mean over cell lines")] if len(gaps) else gaps
        for (a, b), h in gg.groupby(["a", "b"], sort=False):
            parts = []
            for row in h.itertuples(index=False):
                label = "paper's protocol" if row.protocol == "paper" else PROTOCOL_LABELS.get(row.protocol,
                                                                                               row.protocol)
                nums = f"{_fmt(row.value)} [{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]"
                if row.reference_failed:
                    verdict = f"void, {b} learnt nothing in {row.reference_failed}"
                elif np.isfinite(row.ci_low) and row.ci_low > 0:
                    verdict = "ahead"
                elif np.isfinite(row.ci_high) and row.ci_high < 0:
                    verdict = "behind"
                else:
                    verdict = "undecided"
                parts.append(f"{label}: {verdict} ({nums})")
            text.append(f"- {a} vs {b}, mean F1 difference over cell lines: " + "; ".join(parts) + ".")
        out.append("\n".join([" ".join(t for t in text if not t.startswith("- "))]
                             + [t for t in text if t.startswith("- ")]))
    return "\n\n".join(out)


def reader_note(pairs_path: object, genome_fasta: object, sizes: Mapping[str, object]) -> str:
    """The "Your data" box of a chapter run on a reader's pairs and/or genome (HTML text).
    Used by the enhancer_promoter and epsat_eplae chapters."""
    text = f"Pairs: <code>{pairs_path}</code> replace TargetFinder's. " if pairs_path else ""
    if genome_fasta:
        text += (f"Genome: <code>{genome_fasta}</code>: SPEID, EPSAT and EPLAE also run on the real pairs "
                 f"({sizes['enhancer_bp']:,} bp around each enhancer centre, {sizes['promoter_bp']:,} bp around each "
                 "promoter centre; the paper's 3,000 / 2,000 at profile paper).")
    return text + (" The simulated world runs as well; the published Table 3 numbers compare only with "
                   "TargetFinder's own pairs.")


def run_summary(sizes: Mapping[str, object]) -> str:
    """The "This run:" line of an EPI chapter: the simulated world's size and how the networks train
    (Markdown). Used by the enhancer_promoter and epsat_eplae chapters."""
    steps = (f" of {sizes['steps_per_epoch']} batches of {sizes['batch']}" if sizes["steps_per_epoch"] else
             f" over every training row, batches of {sizes['batch']}")
    return (f"**This run:** {sizes['world_cells']} simulated cell line(s), {sizes['positives']} interacting pairs "
            f"each at 1:{sizes['negative_ratio']}, enhancers {sizes['enhancer_bp']:,} bp and promoters "
            f"{sizes['promoter_bp']:,} bp; networks at `{sizes['model_size']}` widths, {sizes['epochs']} epoch(s)"
            f"{steps}, Adam at {sizes['lr']:g}")
