"""The DNABERT workflow: pre-train, fine-tune and compare DNA sequence classifiers (k-mer BERT and CNN baselines).

What the DNABERT chapters (tasks/promoters, tasks/tf_binding, tasks/splice_sites and
papers/dnabert) share; their data come as :class:`genomebook.datasets.gue.Split` (labelled
sequences; :func:`genomebook.datasets.gue.gue` reads a GUE task's splits).

* :func:`pretrain` / :func:`pretrain_default` - masked-LM pre-training with contiguous k-span
  masking on random chunks of unlabelled DNA, with perplexity and masked-token accuracy
  curves. Results are cached on disk (``<cache_dir>/pretrain``; the chapters pass their run's
  ``cache_dir``, the default is :func:`default_cache_dir`) keyed by the corpus,
  the sizes and the seed, so chapters that ask for the same pre-training share one run.
  Real-data pre-training reads EPD human promoters with every stretch that overlaps a GUE
  validation or test sequence masked out (:func:`real_pretraining_corpus`; the masking
  summary is ``Pretrained.mask``).
* :func:`finetune_bert` (pre-trained or randomly initialised; DNABERT-XL pieces when the
  sequences are longer than the model's positions) and :func:`fit_baseline` (CNN, CNN+LSTM,
  CNN+GRU, DeePromoter) both return a :class:`Fitted`; :func:`predict` gives class
  probabilities for either (through :func:`genomebook.predict.predict`).
* :func:`scores` - accuracy, F1, MCC (and auROC, auPR for binary tasks) with bootstrap
  intervals, vectorised so that many models can be scored in a CPU-sized chapter.
* :func:`compare` - several models x seeds on one train/validation/test split.

Sizes come from a profile block (``genomebook/profiles.yaml``, read with
:func:`genomebook.profiles.profile` by the chapters) as a dict: ``k``, ``bert_size``,
``max_tokens``, ``pretrain_*``, ``epochs`` (BERT), ``cnn_epochs``, ``batch_size``,
``lr_bert``, ``lr_cnn``, ``patience``. The module reads the ``dnabert_pretraining`` block
itself for the shared pre-training (:func:`pretrain_default`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import Callback
from sklearn.metrics import precision_recall_curve, roc_curve
from torch.utils.data import DataLoader, TensorDataset

from genomebook import metrics, profiles, train
from genomebook import predict as gpredict
from genomebook import seq as gseq
from genomebook.datasets import leakage, registry
from genomebook.datasets._io import atomic_write
from genomebook.datasets.gue import Split
from genomebook.models.bert import (BertClassifier, BertMLM, BertXLClassifier, config_dict, bert_config,
                                    n_pieces_for)
from genomebook.models import registry as model_registry
from genomebook.models.baselines import KmerLogisticRegression
from genomebook.models.lightning import SequenceClassifier
from genomebook.simulate.genome import dnabert_genome
from genomebook.tokenize import KmerTokenizer, mask_kmer_spans

__all__ = [
    "BASELINES", "BERT_MODELS", "KMER_BASELINE", "Pretrained", "Fitted", "Comparison", "evaluate", "pretrain", "pretrain_default",
    "pretraining_corpus", "real_pretraining_corpus", "pretraining_mask", "heldout_datasets", "MaskedCorpus",
    "HELDOUT_OVERLAP_K", "default_cache_dir", "finetune_bert", "fit_baseline", "fit_model", "predict", "scores",
    "compare", "plot_roc_pr", "probability_fn",
]

#: The CNN baselines: the "sequence" models of :mod:`genomebook.models.registry`.
BASELINES: tuple[str, ...] = model_registry.names("sequence")
BERT_MODELS: tuple[str, ...] = ("DNABERT", "DNABERT (random init)")
#: The composition baseline every sequence chapter reports (:class:`genomebook.models.KmerLogisticRegression`).
KMER_BASELINE = "k-mer baseline"
_CACHE_VERSION = 2  # 2: chunks drawn only from documents at least as long as the batch's chunks


# --------------------------------------------------------------------------- pre-training


@dataclass
class Pretrained:
    """A masked-LM pre-trained encoder and how it got there."""

    mlm: BertMLM
    k: int
    history: pd.DataFrame      # step, train_loss, val_loss, val_perplexity, val_masked_accuracy
    seconds: float             # wall time of the pre-training run (also when read from the cache)
    cached: bool               # True when read from the cache instead of computed now
    corpus: str                # what it read, e.g. "simulated genome, 3,000,000 bp"
    key: str = ""
    #: real data: how the corpus was masked (:func:`pretraining_mask`); empty on simulated data
    mask: dict[str, Any] = field(default_factory=dict)


class _StepHistory(Callback):
    """Rows of (step, mean train loss since the last validation, validation metrics)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self._losses: list[Any] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        # Kept as a tensor: float() here would wait for the accelerator after every step.
        self._losses.append(loss.detach() if isinstance(loss, torch.Tensor) else loss)

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        m = trainer.callback_metrics
        self.rows.append({"step": int(trainer.global_step),
                          "train_loss": float(np.mean([float(v) for v in self._losses])) if self._losses
                          else float("nan"),
                          **{k: float(m[k]) for k in ("val_loss", "val_perplexity", "val_masked_accuracy")}})
        self._losses = []


def _chunk_batches(corpus: list[str], n_batches: int, batch_size: int, max_len: int, min_len: int,
                   rng: np.random.Generator, full_fraction: float = 0.5) -> list[list[str]]:
    """Random chunks of ``corpus``: each batch has one length (``max_len``, or uniform in [min_len, max_len]).

    DNABERT mixed fixed-length and random-length chunks (paper 2.2.2); one length per batch
    keeps the vectorised tokeniser path and wastes no compute on padding. Chunks come from
    documents at least as long as the batch's length (length-weighted) whenever there are
    any, so short documents (e.g. the pieces of a masked corpus) do not shorten a batch;
    a batch only shrinks to its shortest chunk when no document is that long.
    """
    lengths = np.array([len(s) for s in corpus])
    usable = np.flatnonzero(lengths >= min_len)
    if not len(usable):
        raise ValueError(f"no corpus sequence is at least {min_len} bp long.")
    weights = lengths[usable] / lengths[usable].sum()
    batches = []
    for _ in range(n_batches):
        length = max_len if rng.random() < full_fraction else int(rng.integers(min_len, max_len + 1))
        long_enough = lengths[usable] >= length
        if long_enough.all() or not long_enough.any():
            picks = rng.choice(usable, size=batch_size, p=weights)
        else:
            pool = usable[long_enough]
            picks = rng.choice(pool, size=batch_size, p=lengths[pool] / lengths[pool].sum())
        batch = []
        for i in picks:
            s = corpus[i]
            if len(s) <= length:
                batch.append(s)
            else:
                start = int(rng.integers(0, len(s) - length + 1))
                batch.append(s[start:start + length])
        width = min(len(b) for b in batch)
        batches.append([b[:width] for b in batch])
    return batches


class _MaskedBatches(torch.utils.data.Dataset):
    """Pre-built chunk batches -> span-masked MLM dicts (mask drawn per item with its own seed)."""

    def __init__(self, batches: list[list[str]], tokenizer: KmerTokenizer, seed: int,
                 mlm_probability: float) -> None:
        self.batches, self.tok, self.seed, self.p = batches, tokenizer, seed, mlm_probability

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        enc = self.tok.batch_encode_equal(self.batches[i])
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + i)
        special = torch.zeros_like(enc["input_ids"], dtype=torch.bool)
        special[:, 0] = special[:, -1] = True
        ids, labels = mask_kmer_spans(enc["input_ids"], self.tok.k, mlm_probability=self.p,
                                      special_mask=special, generator=gen)
        return {"input_ids": ids, "attention_mask": enc["attention_mask"], "labels": labels}


_PRETRAIN_KEYS = ("k", "bert_size", "max_tokens", "pretrain_steps", "pretrain_batch", "pretrain_len",
                  "pretrain_lr")


def default_cache_dir() -> Path:
    """The cache folder used when no ``cache_dir`` is given: ``./results/_cache`` (absolute path).

    The default results folder's cache (as :class:`genomebook.report.ResultsStore`'s default
    root). The chapters pass their run's ``cache_dir`` (``<results_dir>/_cache``,
    :attr:`genomebook.chapter.Run.cache_dir`) instead, so every DNABERT chapter of one build
    shares one cache wherever its results go.
    """
    return Path("results").resolve() / "_cache"


def _cache_path(key: str, suffix: str = ".pt", cache_dir: str | os.PathLike | None = None) -> Path:
    """``<cache_dir>/pretrain/<key><suffix>``: pre-trained weights (.pt) or a masked corpus (.json)."""
    return Path(cache_dir if cache_dir is not None else default_cache_dir()) / "pretrain" / f"{key}{suffix}"


def pretrain(corpus: list[str], sizes: dict[str, Any], *, seed: int = 0, name: str = "corpus",
             mlm_probability: float = 0.15, cache: bool = True, n_evals: int = 10,
             mask: dict[str, Any] | None = None, cache_dir: str | os.PathLike | None = None,
             num_workers: int | None = None, callbacks: Sequence[Callback] = ()) -> Pretrained:
    """Masked-LM pre-training of a k-mer BERT on random chunks of ``corpus`` (list of DNA str).

    ``sizes`` keys: ``k``, ``bert_size``, ``max_tokens``, ``pretrain_steps`` (optimiser steps),
    ``pretrain_batch`` (chunks per step), ``pretrain_len`` (longest chunk, bp; half the
    batches are this long, the others uniform between a quarter of it and it) and
    ``pretrain_lr`` (peak rate of warm-up + linear decay). Contiguous k-token spans are
    masked at ``mlm_probability`` (DNABERT: 15%). The last 5% of the corpus sequences (at
    least one) are held out; validation loss, perplexity and masked-token accuracy on 8
    batches of them are computed ``n_evals`` times. With ``cache`` the weights and curves
    are stored under ``<cache_dir>/pretrain`` (default :func:`default_cache_dir`) keyed by the corpus
    content, the sizes above and ``seed``; a later call with the same key reads them instead
    of training.
    ``mask``: how the corpus was masked (the summary of :func:`pretraining_mask`); its
    ``overlap_k`` and ``datasets`` join the cache key (the masked content already does) and it
    is returned as ``Pretrained.mask``.
    ``num_workers``: DataLoader workers tokenising and masking batches (None: 0 on CPU, a few
    on CUDA, :func:`genomebook.train.loader_options`; the masks are seeded per batch, so the
    result does not depend on it). ``callbacks``: extra Lightning callbacks for the run (e.g.
    the throughput meter of ``bench/bench_gpu.py``).

    Returns a :class:`Pretrained` (the ``BertMLM`` in eval mode, its ``history`` with one row
    per evaluation, wall ``seconds``). Used through :func:`pretrain_default` by the four
    DNABERT chapters, and directly by tasks/promoters when its ``k`` differs from the
    shared pre-training's.
    """
    missing = [k for k in _PRETRAIN_KEYS if k not in sizes]
    if missing:
        raise KeyError(f"pretrain needs sizes {missing} (see the dnabert_pretraining block of profiles.yaml).")
    corpus = [s.upper() for s in corpus if s]
    if len(corpus) < 2:
        raise ValueError("pretrain needs at least two corpus sequences (one is held out for validation).")
    spec = {k: sizes[k] for k in _PRETRAIN_KEYS}
    mask = dict(mask or {})
    mask_spec = {m: mask[m] for m in ("overlap_k", "datasets") if m in mask}
    key = hashlib.sha256(json.dumps({"corpus": gseq.fingerprint(corpus), "seed": seed, "p": mlm_probability,
                                     "v": _CACHE_VERSION, **spec, **({"mask": mask_spec} if mask_spec else {})},
                                    sort_keys=True).encode()).hexdigest()[:20]
    desc = f"{name}, {sum(len(s) for s in corpus):,} bp"
    path = _cache_path(key, cache_dir=cache_dir)
    if cache and path.exists():
        state = torch.load(path, map_location="cpu", weights_only=False)
        mlm = BertMLM(state["config"], lr=spec["pretrain_lr"])
        mlm.load_state_dict(state["state_dict"])
        mlm.eval()
        return Pretrained(mlm, spec["k"], pd.DataFrame(state["history"]), state["seconds"], True, desc, key, mask)

    t0 = time.perf_counter()
    train.seed_everything(seed)
    k, steps, batch, max_len = spec["k"], int(spec["pretrain_steps"]), int(spec["pretrain_batch"]), int(spec["pretrain_len"])
    max_len = min(max_len, spec["max_tokens"] - 2 + k - 1)
    min_len = max(k + 4, max_len // 4)
    n_val = max(1, len(corpus) // 20)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(corpus))
    val_corpus, train_corpus = [corpus[i] for i in order[:n_val]], [corpus[i] for i in order[n_val:]]
    tok = KmerTokenizer(k, max_length=None)
    train_ds = _MaskedBatches(_chunk_batches(train_corpus, steps, batch, max_len, min_len, rng), tok, seed,
                              mlm_probability)
    val_ds = _MaskedBatches(_chunk_batches(val_corpus, 8, batch, max_len, min_len, rng, full_fraction=1.0), tok,
                            seed + 1, mlm_probability)
    cfg = bert_config(spec["bert_size"], tok.vocab_size, max_position=spec["max_tokens"])
    mlm = BertMLM(cfg, lr=spec["pretrain_lr"], total_steps=steps)
    hist = _StepHistory()
    loader = dict(batch_size=None, **train.loader_options(num_workers=num_workers))
    train.fit(mlm, train_dataloaders=DataLoader(train_ds, shuffle=False, **loader),
              val_dataloaders=DataLoader(val_ds, **loader), max_epochs=1, max_steps=steps,
              val_check_interval=max(1, steps // n_evals), num_sanity_val_steps=0, callbacks=[hist, *callbacks])
    seconds = time.perf_counter() - t0
    history = pd.DataFrame(hist.rows)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"config": config_dict(mlm.config), "state_dict": mlm.state_dict(),
                   "history": history.to_dict("list"), "seconds": seconds, "spec": spec, "corpus": desc}
        atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return Pretrained(mlm, k, history, seconds, False, desc, key, mask)


#: Real-data pre-training never reads a stretch of its corpus that shares a ``HELDOUT_OVERLAP_K``-mer
#: (either strand) with a validation or test sequence of a GUE task (the issue's check looked up
#: each test sequence's central 30-mer).
HELDOUT_OVERLAP_K = 30


def heldout_datasets() -> list[str]:
    """Registry names of the sequences real-data pre-training must not read (sorted).

    The dev and test splits of every GUE task in the registry. The book fine-tunes on
    prom_300_tata, prom_core_all, prom_core_tata, tf 0-4, mouse 0-4 and splice; masking the
    other GUE tasks' held-out splits too keeps one masked corpus, and so one pre-training
    cache, for all four DNABERT chapters whatever tasks each of them picks. Used by
    :func:`real_pretraining_corpus`.
    """
    return sorted(n for n in registry.load_registry()
                  if n.startswith("gue_") and n.rsplit("_", 1)[-1] in ("dev", "test"))


@dataclass
class MaskedCorpus:
    """The real-data pre-training corpus before and after masking (see :func:`real_pretraining_corpus`)."""

    unmasked: list[str]        # EPD human promoter windows as read
    masked: list[str]          # the same documents, every overlapping stretch replaced by N
    pieces: list[str]          # what pre-training reads: the masked documents split at their N runs
    summary: dict[str, Any]    # see real_pretraining_corpus


_MASKED: dict[str, MaskedCorpus] = {}


def _epd_human(genome_bp: int) -> list[str]:
    """EPD human promoter windows (-499..+100), in registry order, until ``genome_bp`` bp are reached."""
    df = registry.read("epd128_promoters_m499_p100")
    seqs, total = [], 0
    for s in df.loc[df["species"] == "Hs", "sequence"]:
        if total >= genome_bp:
            break
        seqs.append(str(s).upper())
        total += len(s)
    return seqs


def real_pretraining_corpus(profile: str, *, cache_dir: str | os.PathLike | None = None) -> MaskedCorpus:
    """The real-data pre-training corpus of ``profile``, with every held-out GUE region masked.

    Reads EPD's human promoter windows (``genome_bp`` of the ``dnabert_pretraining`` block)
    and replaces by N every base covered by a ``HELDOUT_OVERLAP_K``-mer (either strand) that
    also occurs in a validation or test sequence of :func:`heldout_datasets`
    (:func:`genomebook.datasets.leakage.mask_corpus`); the masked documents are then split at
    their N runs into the pieces pre-training reads (pieces shorter than ``k + 4`` bp, the
    shortest chunk pre-training draws, are dropped). Every DNABERT chapter gets the same
    masked corpus, so they share one pre-trained model.

    ``summary``: ``documents``, ``documents_touched``, ``bases_masked``, ``fraction_masked``
    (of the corpus's bases), ``overlap_k``, ``datasets`` (registry names masked against),
    ``missing`` (of :func:`heldout_datasets`, not available here: their regions are NOT
    masked), ``heldout_sequences`` (validation and test sequences read), ``heldout_overlapping``
    (those that shared a k-mer with the corpus), ``pieces``, ``pieces_bp``, ``seconds`` (to
    mask, when it was computed) and ``cached`` (read from the disk cache).
    The result is cached on disk under ``<cache_dir>/pretrain`` (default :func:`default_cache_dir`), keyed
    by the corpus, the held-out sequences and k, and in memory for the session. Used through
    :func:`pretraining_corpus`, :func:`pretraining_mask` and :func:`pretrain_default` by the
    four DNABERT chapters on real data.
    """
    sizes = profiles.profile("dnabert_pretraining", profile)
    unmasked = _epd_human(int(sizes["genome_bp"]))
    names = heldout_datasets()
    have = [n for n in names if registry.available(n)]
    heldout = [str(s).upper() for n in have for s in registry.read(n)["sequence"]]
    k = HELDOUT_OVERLAP_K
    key = hashlib.sha256(json.dumps({"corpus": gseq.fingerprint(unmasked), "heldout": gseq.fingerprint(heldout),
                                     "datasets": have, "overlap_k": k, "v": 1},
                                    sort_keys=True).encode()).hexdigest()[:20]
    min_piece = int(sizes["k"]) + 4
    if key in _MASKED:
        return _MASKED[key]
    path = _cache_path(f"corpus-{key}", ".json", cache_dir)
    if path.exists():
        saved = json.loads(path.read_text())
        masked, summary = saved["masked"], {**saved["summary"], "cached": True}
    else:
        t0 = time.perf_counter()
        # only held-out sequences that share a k-mer with the corpus (or occur in it) can mask
        # anything: finding them first keeps mask_corpus's k-mer table small (same result)
        touching = leakage.leaked(heldout, [], pretraining=unmasked, overlap_k=k)
        masked, summary = leakage.mask_corpus(unmasked, [s for s, t in zip(heldout, touching) if t], overlap_k=k)
        summary = {**summary, "overlap_k": k, "datasets": have, "missing": [n for n in names if n not in have],
                   "heldout_sequences": len(heldout), "heldout_overlapping": int(touching.sum()),
                   "seconds": round(time.perf_counter() - t0, 1)}
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: tmp.write_text(json.dumps({"masked": masked, "summary": summary})))
        summary = {**summary, "cached": False}
    pieces = [p for doc in masked for p in doc.split("N") if len(p) >= min_piece]
    summary = {**summary, "pieces": len(pieces), "pieces_bp": sum(map(len, pieces))}
    _MASKED[key] = MaskedCorpus(unmasked, masked, pieces, summary)
    return _MASKED[key]


def pretraining_mask(profile: str, *, cache_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """How real-data pre-training at ``profile`` was masked: the ``summary`` dict of :func:`real_pretraining_corpus`.

    Used by the DNABERT chapters' leakage cards (tasks/promoters, tf_binding, splice_sites,
    papers/dnabert).
    """
    return dict(real_pretraining_corpus(profile, cache_dir=cache_dir).summary)


def pretraining_corpus(profile: str, *, data_source: str = "simulated", seed: int = 0,
                       masked: bool = True, cache_dir: str | os.PathLike | None = None) -> tuple[list[str], str]:
    """Unlabelled DNA for :func:`pretrain_default`: (sequences, description).

    ``simulated``: the simulated genome of :func:`genomebook.simulate.genome.dnabert_genome`
    (``genome_bp`` of the ``dnabert_pretraining`` profile block; what it builds in:
    ``genomebook.simulate.genome.BUILT_IN``). ``real``: human promoter windows of EPD
    (-499..+100, the registry's ``epd128_promoters_m499_p100``), capped at ``genome_bp`` - the
    only human DNA in the mirror (1,867 human promoters, 1.1 Mbp; DNABERT read the whole
    hg38) - with every stretch that overlaps a GUE validation or test sequence masked and cut
    out (:func:`real_pretraining_corpus`): what pre-training reads. ``masked=False`` gives the
    EPD windows as read, for a leakage card of the corpus before masking. Used by the four
    DNABERT chapters (the pre-training section and its leakage card).
    """
    if data_source == "real":
        mc = real_pretraining_corpus(profile, cache_dir=cache_dir)
        if not masked:
            return list(mc.unmasked), "EPD human promoters (-499..+100), before masking"
        s = mc.summary
        return list(mc.pieces), (f"EPD human promoters (-499..+100) less GUE validation/test overlaps "
                                 f"({s['fraction_masked']:.1%} of bases masked, {s['overlap_k']}-mers)")
    sizes = profiles.profile("dnabert_pretraining", profile)
    return dnabert_genome(sizes["genome_bp"], seed=seed), "simulated genome"


def pretrain_default(profile: str, *, data_source: str = "simulated", seed: int = 0,
                     cache_dir: str | os.PathLike | None = None) -> Pretrained:
    """The shared pre-trained model of the DNABERT chapters at ``profile`` (computed once, then cached).

    Takes the profile name (its ``dnabert_pretraining`` block gives the sizes), the data
    source ("simulated" or "real"), the seed and the cache folder (default
    :func:`default_cache_dir`); returns a :class:`Pretrained`. On real data it reads the
    masked corpus of :func:`real_pretraining_corpus` (the same for every chapter, so the
    cache is shared) and returns its masking summary as ``.mask``; the cache key changes
    whenever the mask does (masked content, k and the datasets masked). Used by the four
    DNABERT chapters.
    """
    sizes = profiles.profile("dnabert_pretraining", profile)
    if data_source == "real":
        corpus, name = pretraining_corpus(profile, data_source="real", seed=seed, cache_dir=cache_dir)
        return pretrain(corpus, sizes, seed=seed, name=name, mask=pretraining_mask(profile, cache_dir=cache_dir),
                        cache_dir=cache_dir)
    corpus, name = pretraining_corpus(profile, data_source="simulated", seed=seed)
    return pretrain(corpus, sizes, seed=seed, name=name, cache_dir=cache_dir)


# --------------------------------------------------------------------------- fine-tuning


@dataclass
class Fitted:
    """A trained classifier: ``kind`` "bert" (k-mer ids), "onehot" (CNN baselines) or "kmer" (the k-mer baseline; ``k`` its chosen k)."""

    model: Any
    name: str
    kind: str
    history: pd.DataFrame
    seconds: float
    n_classes: int
    k: int | None = None
    seed: int = 0

    @property
    def epochs_run(self) -> int:
        return 0 if self.kind == "kmer" else len(self.history)

    @property
    def stopped_while_improving(self) -> bool:
        """True when the last epoch had the lowest validation loss (more epochs might have helped)."""
        h = self.history
        return "val_loss" in h and len(h) > 1 and int(h["val_loss"].idxmin()) == len(h) - 1


def _tokens(seqs: list[str], k: int) -> dict[str, torch.Tensor]:
    tok = KmerTokenizer(k, max_length=None)
    if len({len(s) for s in seqs}) == 1:
        return tok.batch_encode_equal(seqs)
    return tok.batch_encode(seqs, padding=True)


def _stack_rows(rows: list[tuple[torch.Tensor, ...]]) -> dict[str, torch.Tensor]:
    """Collate (input_ids, attention_mask, label) rows into a BERT batch dict (picklable for workers)."""
    return dict(zip(("input_ids", "attention_mask", "labels"), map(torch.stack, zip(*rows))))


def _bert_loader(split: Split, k: int, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    enc = _tokens(split.seqs, k)
    ds = TensorDataset(enc["input_ids"], enc["attention_mask"], torch.from_numpy(split.labels))
    gen = torch.Generator().manual_seed(seed)
    # pinned memory on CUDA; no workers: the batches are slices of pre-tokenised tensors
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=gen, collate_fn=_stack_rows,
                      pin_memory=train.uses_cuda())


def _onehot(seqs: list[str]) -> torch.Tensor:
    width = max(len(s) for s in seqs)
    if any(len(s) != width for s in seqs):
        seqs = gseq.pad_or_trim(seqs, width, align="left")
    return torch.from_numpy(gseq.one_hot(seqs))


def _onehot_loader(split: Split, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    ds = TensorDataset(_onehot(split.seqs), torch.from_numpy(split.labels))
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed),
                      pin_memory=train.uses_cuda())


def _history(cb: train.History) -> pd.DataFrame:
    df = cb.frame()
    keep = [c for c in ("epoch", "train_loss", "val_loss", "val_accuracy", "val_mcc") if c in df.columns]
    return df[keep].reset_index(drop=True)


def _n_classes(train_split: Split, n_classes: int | None) -> int:
    return int(n_classes) if n_classes else max(2, int(train_split.labels.max()) + 1)


def finetune_bert(train_split: Split, val_split: Split, sizes: dict[str, Any], *,
                  pretrained: Pretrained | None = None, n_classes: int | None = None, seed: int = 0,
                  name: str | None = None) -> Fitted:
    """Fine-tune a k-mer BERT classifier: from ``pretrained``'s encoder, or from random weights when None.

    With the same ``seed`` the two start from identical heads and see identical batches; only
    the encoder's initial weights differ. Sequences longer than ``sizes["max_tokens"] - 2``
    k-mers are classified DNABERT-XL style (:class:`~genomebook.models.bert.BertXLClassifier`).
    ``sizes``: ``k``, ``bert_size``, ``max_tokens`` (ignored when ``pretrained`` is given: its
    architecture is used), ``epochs``, ``batch_size``, ``lr_bert``, ``patience``.

    Takes train and validation :class:`~genomebook.datasets.gue.Split` s (class ids
    0..``n_classes`` - 1; default from the training labels); returns a :class:`Fitted` of kind
    "bert" holding the best epoch's weights (eval mode) and the per-epoch ``history``. Used by
    :func:`compare` and by the splice_sites and papers/dnabert chapters.
    """
    t0 = time.perf_counter()
    k = pretrained.k if pretrained is not None else int(sizes["k"])
    C = _n_classes(train_split, n_classes)
    batch = int(sizes["batch_size"])
    epochs = int(sizes["epochs"])
    total = max(1, epochs * math.ceil(train_split.n / batch))
    n_kmers = max(len(s) for s in train_split.seqs) - k + 1
    cfg = (pretrained.mlm.config if pretrained is not None
           else bert_config(sizes["bert_size"], KmerTokenizer(k).vocab_size, max_position=int(sizes["max_tokens"])))
    pieces = n_pieces_for(n_kmers, cfg.max_position_embeddings)
    cls, extra = (BertClassifier, {}) if pieces == 1 else (BertXLClassifier, {"n_pieces": pieces})
    train.seed_everything(seed)
    kwargs = dict(lr=float(sizes["lr_bert"]), total_steps=total, **extra)
    model = (cls.from_pretrained_mlm(pretrained.mlm, C, **kwargs) if pretrained is not None
             else cls(cfg, C, **kwargs))
    hist = train.History()
    train.fit(model, train_dataloaders=_bert_loader(train_split, k, batch, True, seed),
              val_dataloaders=_bert_loader(val_split, k, 256, False, seed), max_epochs=epochs,
              patience=sizes.get("patience"), callbacks=[hist])
    label = name or ("DNABERT" if pretrained is not None else "DNABERT (random init)")
    return Fitted(model, label, "bert", _history(hist), time.perf_counter() - t0, C, k, seed)


def fit_baseline(name: str, train_split: Split, val_split: Split, sizes: dict[str, Any], *,
                 n_classes: int | None = None, seed: int = 0) -> Fitted:
    """Train one of :data:`BASELINES` on one-hot DNA: a :class:`Fitted` of kind "onehot".

    ``sizes``: ``cnn_epochs``, ``batch_size``, ``lr_cnn``, ``patience``. Sequences of unequal
    length are padded with N on the right to the longest of their batch. Used by
    :func:`compare` and by the splice_sites chapter.
    """
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}.")
    t0 = time.perf_counter()
    C = _n_classes(train_split, n_classes)
    train.seed_everything(seed)
    net = model_registry.build(name, "sequence", n_classes=1 if C == 2 else C)
    model = SequenceClassifier(net, n_classes=C, lr=float(sizes["lr_cnn"]))
    hist = train.History()
    batch = int(sizes["batch_size"])
    train.fit(model, train_dataloaders=_onehot_loader(train_split, batch, True, seed),
              val_dataloaders=_onehot_loader(val_split, 256, False, seed), max_epochs=int(sizes["cnn_epochs"]),
              patience=sizes.get("patience"), callbacks=[hist])
    return Fitted(model, name, "onehot", _history(hist), time.perf_counter() - t0, C, None, seed)


def fit_kmer_baseline(train_split: Split, val_split: Split, *, n_classes: int | None = None, seed: int = 0) -> Fitted:
    """The k-mer baseline (:data:`KMER_BASELINE`): a :class:`Fitted` of kind "kmer".

    A :class:`~genomebook.models.KmerLogisticRegression` on both-strand k-mer frequencies, k
    from 2 to 6 chosen on ``val_split`` (auROC for two classes, accuracy for more). Its
    ``history`` holds the validation score per k (columns k, metric, value; no epochs). Used
    by :func:`fit_model`, hence by every chapter that compares models with :func:`compare`.
    """
    t0 = time.perf_counter()
    C = _n_classes(train_split, n_classes)
    model = KmerLogisticRegression(ks=range(2, 7), seed=seed).fit(train_split.seqs, train_split.labels,
                                                                   val_split.seqs, val_split.labels)
    return Fitted(model, KMER_BASELINE, "kmer", model.validation_, time.perf_counter() - t0, C, model.k_, seed)


def fit_model(name: str, train_split: Split, val_split: Split, sizes: dict[str, Any], *,
              pretrained: Pretrained | None = None, n_classes: int | None = None, seed: int = 0) -> Fitted:
    """Fit a model by name: "DNABERT" (needs ``pretrained``), "DNABERT (random init)", a CNN baseline or "k-mer baseline".

    Returns the :class:`Fitted` of :func:`finetune_bert`, :func:`fit_baseline` or
    :func:`fit_kmer_baseline`; used by :func:`compare`.
    """
    if name == KMER_BASELINE:
        return fit_kmer_baseline(train_split, val_split, n_classes=n_classes, seed=seed)
    if name == "DNABERT":
        if pretrained is None:
            raise ValueError("'DNABERT' starts from a pre-trained model: pass pretrained=pretrain_default(...).")
        return finetune_bert(train_split, val_split, sizes, pretrained=pretrained, n_classes=n_classes, seed=seed)
    if name == "DNABERT (random init)":
        return finetune_bert(train_split, val_split, sizes, pretrained=None, n_classes=n_classes, seed=seed)
    return fit_baseline(name, train_split, val_split, sizes, n_classes=n_classes, seed=seed)


def predict(fitted: Fitted, seqs: list[str], batch_size: int = 256) -> np.ndarray:
    """Class probabilities (N, n_classes) float32 of ``fitted`` on DNA ``seqs`` (N str; rows sum to 1).

    Runs :func:`genomebook.predict.predict` on the model's own device; a BERT reads k-mer ids
    (one batch's sequences padded to its longest), a CNN baseline one-hot DNA (shorter
    sequences of a batch padded with N on the right). Used by :func:`compare` and by the
    splice_sites and papers/dnabert chapters.
    """
    seqs = [s.upper() for s in seqs]
    if not seqs:
        return np.zeros((0, fitted.n_classes), np.float32)
    model = fitted.model
    if fitted.kind == "kmer":
        p = model.predict_proba(seqs).astype(np.float32)
        if p.shape[1] != fitted.n_classes:  # a class absent from training gets probability 0
            full = np.zeros((len(seqs), fitted.n_classes), np.float32)
            full[:, model.model_.classes_] = p
            p = full
        return p
    if fitted.kind == "bert":
        return gpredict.predict(model, seqs, batch_size=batch_size, batch_fn=lambda chunk: _tokens(chunk, fitted.k),
                                transform=lambda logits: torch.softmax(logits.float(), -1))
    return gpredict.predict(model, seqs, batch_size=batch_size, batch_fn=_onehot, transform=model.logits_to_proba)


def probability_fn(fitted: Fitted, cls: int = 1, batch_size: int = 256) -> Callable[[torch.Tensor], np.ndarray]:
    """A function one-hot (N, 4, L) -> P(class ``cls``) (N,), for :func:`genomebook.variants.ism` on any model.

    The one-hot input (tensor, any device) is decoded back to DNA and scored by
    :func:`predict`. Used by the papers/dnabert chapter (in-silico mutagenesis).
    """

    def fn(x: torch.Tensor) -> np.ndarray:
        seqs = gseq.decode_one_hot(x.detach().cpu().numpy())
        return predict(fitted, [seqs] if isinstance(seqs, str) else list(seqs), batch_size)[:, cls]

    return fn


# --------------------------------------------------------------------------- scores


#: Test-set scores with bootstrap intervals: :func:`genomebook.metrics.classification_scores`
#: (metric, value, ci_low, ci_high, n; accuracy, F1, MCC, and auROC, auPR for binary tasks).
scores = metrics.classification_scores


# --------------------------------------------------------------------------- comparisons


def evaluate(fitted: Fitted, test_split: Split, *, n_boot: int = 1000) -> tuple[pd.DataFrame, np.ndarray]:
    """Score a fitted model on ``test_split``: ``(rows, probs)``.

    ``rows``: :func:`scores` (metric, value, ci_low, ci_high, n; bootstrap seeded with the
    fit's seed) with the columns ``model``, ``seed`` first and the fit's ``seconds`` and
    ``epochs`` last; ``probs``: class probabilities (N, C). Used by :func:`compare` and by the
    tf_binding chapter (models fine-tuned on one dataset, scored on a reader's transfer set).
    """
    p = predict(fitted, test_split.seqs)
    sc = scores(test_split.labels, p, n_boot=n_boot, seed=fitted.seed)
    sc.insert(0, "seed", fitted.seed)
    sc.insert(0, "model", fitted.name)
    sc["seconds"] = round(fitted.seconds, 1)
    sc["epochs"] = fitted.epochs_run
    return sc, p


@dataclass
class Comparison:
    """Several models x seeds trained on one split and scored on one test set."""

    scores: pd.DataFrame                      # model, seed, metric, value, ci_low, ci_high, seconds, epochs
    probs: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    fitted: dict[tuple[str, int], Fitted] = field(default_factory=dict)
    histories: pd.DataFrame = field(default_factory=pd.DataFrame)  # model, seed, epoch, train_loss, val_loss, ...

    def metric(self, name: str = "MCC") -> pd.DataFrame:
        """One metric as a (model x seed) table of values."""
        s = self.scores[self.scores["metric"] == name]
        return s.pivot(index="model", columns="seed", values="value")

    def mean(self, name: str = "MCC") -> pd.Series:
        """Mean over seeds of one metric, per model."""
        return self.metric(name).mean(axis=1)


def compare(train_split: Split, val_split: Split, test_split: Split, models: Sequence[str], sizes: dict[str, Any], *,
            pretrained: Pretrained | None = None, n_classes: int | None = None, seeds: Sequence[int] = (0,),
            n_boot: int | None = None, keep_models: bool = True, log: Callable[[str], None] | None = print) -> Comparison:
    """Fit every model in ``models`` with every seed, predict ``test_split`` and score it (see :func:`scores`).

    Takes train / validation / test :class:`~genomebook.datasets.gue.Split` s, model names
    (:data:`BERT_MODELS`, :data:`BASELINES`, :data:`KMER_BASELINE`), the sizes dict and the seeds; returns a
    :class:`Comparison` whose ``scores`` has one row per model x seed x metric (with the
    fit's ``seconds`` and ``epochs``), ``probs`` the test probabilities (N, C) per (model,
    seed), and ``histories`` the training curves. ``log`` gets one line per fit (``None``:
    silent). Used by the promoters, tf_binding and papers/dnabert chapters.
    """
    C = _n_classes(train_split, n_classes)
    n_boot = int(sizes.get("n_boot", 1000) if n_boot is None else n_boot)
    rows, hists, probs, fitted = [], [], {}, {}
    for name in models:
        for seed in seeds:
            f = fit_model(name, train_split, val_split, sizes, pretrained=pretrained, n_classes=C, seed=seed)
            sc, p = evaluate(f, test_split, n_boot=n_boot)
            rows.append(sc)
            if f.kind != "kmer":  # the k-mer baseline has validation scores per k, no training curve
                h = f.history.copy()
                h.insert(0, "seed", seed)
                h.insert(0, "model", name)
                hists.append(h)
            probs[(name, seed)] = p
            if keep_models:
                fitted[(name, seed)] = f
            if log:
                mcc = float(sc.loc[sc["metric"] == "MCC", "value"].iloc[0])
                log(f"{name:<22} seed {seed}: test MCC {mcc:.3f}  ({f.epochs_run} epochs, {f.seconds:.0f} s)")
    return Comparison(pd.concat(rows, ignore_index=True), probs, fitted,
                      pd.concat(hists, ignore_index=True) if hists else pd.DataFrame())


def plot_roc_pr(y: Sequence[int] | np.ndarray, probs_by_name: dict[str, np.ndarray], axes) -> None:
    """ROC (left axis) and precision-recall (right axis) curves of binary classifiers, one line per model.

    Takes true labels (N,) 0/1, {model name: probabilities (N, 2) or P(class 1) (N,)} and a
    pair of matplotlib axes; draws on them and returns nothing. Used by tasks/promoters.
    """
    y = np.asarray(y)
    ax_roc, ax_pr = axes
    for name, p in probs_by_name.items():
        p1 = np.asarray(p)[:, 1] if np.ndim(p) == 2 else np.asarray(p)
        fpr, tpr, _ = roc_curve(y, p1)
        prec, rec, _ = precision_recall_curve(y, p1)
        auc = float(metrics.auroc_rows(y[None], p1[None])[0])
        ap = float(metrics.auprc_rows(y[None], p1[None])[0])
        ax_roc.plot(fpr, tpr, label=f"{name} ({auc:.3f})")
        ax_pr.plot(rec, prec, label=f"{name} ({ap:.3f})")
    ax_roc.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
    ax_pr.axhline(y.mean(), color="grey", lw=0.8, ls=":")
    ax_roc.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC (auROC)")
    ax_pr.set(xlabel="recall", ylabel="precision", title="precision-recall (auPR)")
    for ax in axes:
        ax.legend(fontsize=7, loc="lower right" if ax is ax_roc else "lower left")
