"""Fine-tuning the small DNA language models on downstream tasks (Small transformers II).

The workflow shared by the tss_localisation, metagenomics_12s and chromatin_profiles chapters
and the small_transformers paper chapter (thesis sections 4.2.2-4.2.4, 5.2-5.4, appendix B):

* :func:`encoder` - the encoder a fine-tuning run starts from: pre-trained on the
  mitochondrial language, pre-trained on the nuclear stand-in, or untrained (the thesis's
  three initialisations), with the 9-mer BPE tokeniser its pre-training used. Pre-trained
  encoders come from :func:`genomebook.workflows.language.pretrain_language_model` at the
  same profile - read from the cache the dna_language_models chapter fills, pre-trained
  when absent.
* :func:`cls_rows` - DNA to ``[CLS] tokens [SEP]`` rows of at most ``max_tokens`` ids.
* :func:`finetune` - one run: a :class:`genomebook.models.transfer.TransferModel` trained by
  :func:`genomebook.train.fit` (the one training loop), logits of every part, history; cached
  under ``<cache_dir>/transfer`` keyed by the encoder, the data, the head and the sizes, so the
  paper chapter reads the task chapters' runs instead of training them again.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from genomebook import profiles, train
from genomebook.datasets import corpora
from genomebook.datasets._io import atomic_write
from genomebook.models.language import build_language_model, parameter_count
from genomebook.models.transfer import TransferModel, TransferTask
from genomebook.tokenize import CLS_ID, PAD_ID, SEP_ID
from genomebook.workflows import language

__all__ = ["INITS", "PRETRAINING_DATASETS", "pretraining_dna", "Encoder", "FineTuned", "encoder", "cls_rows", "pad_batch", "finetune"]

#: The thesis's initialisations, in table order (hg38 is ours "nuclear stand-in": see the chapters).
INITS = ("mitochondrial", "nuclear stand-in", "untrained")
#: Registry entries the pre-trained encoders are read from (their training DNA keys the cache):
#: the mitochondrial corpus and the nuclear stand-in of the dna_language_models chapter.
PRETRAINING_DATASETS = ([corpora.MITO_SOURCES[s] for s in corpora.MITO_SOURCES] + [corpora.CORAL_MANIFEST]
                        + [v[0] for v in corpora.NUCLEAR_SOURCES.values()])
_TOKENISER = "9-mer BPE"  # the tokeniser of every fine-tuning table of the thesis (Tables 5.2-5.4)
_CACHE_VERSION = 2  # 2: pre-trained copies fine-tune in train mode (dropout on); train logits not kept
_CORPORA: dict[tuple, dict] = {}


@dataclass
class Encoder:
    """Where a fine-tuning run starts: ``init`` (one of :data:`INITS`), the language model's
    name, its tokeniser, the pre-training run (None when untrained) and the
    ``dna_language_models`` sizes it was pre-trained at."""

    init: str
    model: str
    tokenizer: Any
    pretrained: language.Pretrained | None
    lm_sizes: dict[str, Any]

    @property
    def key(self) -> str:
        """The pre-training run's cache key, or ``untrained`` + the tokeniser's vocabulary."""
        if self.pretrained is not None:
            return self.pretrained.key
        vocab = json.dumps(self.tokenizer._hf.get_vocab(), sort_keys=True).encode()
        return "untrained-" + hashlib.sha256(vocab).hexdigest()[:16]

    def build(self, max_tokens: int | None = None) -> torch.nn.Module:
        """A copy of the pre-trained language model (the cached one is never changed), or a fresh
        one at the profile's size; ``max_tokens`` longer rows for an untrained model (the
        thesis's 512- and 1,024-token runs were untrained)."""
        if self.pretrained is not None:
            # the cached model is kept in eval mode; its copy trains with dropout on, as a fresh one does
            model = copy.deepcopy(self.pretrained.task.model).cpu().train()
            if max_tokens is not None and self.model != "ELMo" and max_tokens > model.config.max_tokens:
                raise ValueError(f"{self.init} {self.model} was pre-trained on rows of {model.config.max_tokens} "
                                 f"tokens; {max_tokens} needs an untrained encoder (as in the thesis).")
            return model
        kw: dict[str, Any] = {"vocab_size": int(self.tokenizer.vocab_size)}
        if self.model == "ELMo":
            kw["objective"] = "masked"
        else:
            kw["max_tokens"] = int(max_tokens or self.lm_sizes["max_tokens"])
        return build_language_model(self.model, self.lm_sizes["model_size"], **kw)


def _corpora(lm_sizes: dict[str, Any], seed: int) -> dict:
    key = (json.dumps({k: str(v) for k, v in lm_sizes.items()}, sort_keys=True), seed)
    if key not in _CORPORA:
        _CORPORA.clear()  # one profile at a time: the corpora are large
        _CORPORA[key] = language.load_corpora(lm_sizes, seed=seed)
    return _CORPORA[key]


def pretraining_dna(corpus: str, profile: str, *, seed: int = 0) -> list[str]:
    """The training DNA an encoder was pre-trained on: ``corpus`` ``"mitochondrial"`` or ``"nuclear
    stand-in"`` at ``profile`` (the genome split's training records), for the leakage cards that
    check a task's sequences against pre-training. Read once per profile and shared with
    :func:`encoder`. Used by the tss_localisation, metagenomics_12s and chromatin_profiles chapters."""
    data = _corpora(profiles.profile("dna_language_models", profile), seed)
    if corpus not in data:
        raise ValueError(f"corpus must be one of {', '.join(data)}; got {corpus!r}.")
    return language.split_sequences(data[corpus], "genome", "train")


def encoder(init: str, profile: str, *, model: str = "Longformer", seed: int = 0,
            cache_dir: str | Path | None = None) -> Encoder:
    """The encoder of a fine-tuning run (see the module docstring).

    ``"mitochondrial"``: the run ``RunSpec(model, "9-mer BPE")`` of the dna_language_models
    chapter; ``"nuclear stand-in"``: ``RunSpec("Longformer", "9-mer BPE", corpus="nuclear
    stand-in")`` with BPE learnt from the stand-in's own training DNA; ``"untrained"``: no
    pre-training, the mitochondrial 9-mer BPE tokeniser. Sizes: the ``dna_language_models``
    block at ``profile``; the pre-training (and its tokeniser) is read from ``cache_dir``
    when the dna_language_models chapter has run there, else trained now (tens of seconds at
    ``book``). Used by the tss_localisation, metagenomics_12s and chromatin_profiles chapters.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}.")
    if init == "nuclear stand-in" and model != "Longformer":
        raise ValueError(f"only the Longformer is pre-trained on the nuclear stand-in; got {model!r}.")
    lm_sizes = profiles.profile("dna_language_models", profile)
    data = _corpora(lm_sizes, seed)
    corpus = "nuclear stand-in" if init == "nuclear stand-in" else "mitochondrial"
    train_dna = language.split_sequences(data[corpus], "genome", "train")
    tok = language.train_tokenisers(train_dna, lm_sizes, names=[_TOKENISER], seed=seed,
                                    cache_dir=cache_dir)[_TOKENISER]
    if init == "untrained":
        return Encoder(init, model, tok, None, lm_sizes)
    spec = language.RunSpec(model, _TOKENISER, corpus=corpus)
    pre = language.pretrain_language_model(spec, data[corpus], tok, lm_sizes, seed=seed, cache_dir=cache_dir)
    return Encoder(init, model, tok, pre, lm_sizes)


def cls_rows(tokenizer: Any, seqs: Sequence[str], max_tokens: int) -> list[list[int]]:
    """``[CLS] tokens [SEP]`` per sequence, the tokens cut to ``max_tokens - 2`` (the thesis's 254
    tokens of a 12S gene, section 4.2.3; the first tokens of a chromatin window, 4.2.4). Used by
    the metagenomics_12s and chromatin_profiles chapters."""
    if int(max_tokens) < 3:
        raise ValueError(f"max_tokens must be at least 3 ([CLS], one token, [SEP]); got {max_tokens}.")
    return [[CLS_ID, *ids[:int(max_tokens) - 2], SEP_ID]
            for ids in tokenizer.encode_batch(list(seqs), add_special_tokens=False)]


def pad_batch(rows: Sequence[Sequence[int]], targets: Any, length: int | None = None) -> dict[str, torch.Tensor]:
    """A batch dict (``input_ids``, ``attention_mask``, ``target``) from id rows padded with
    ``[PAD]`` to the longest row (or to ``length``). Used by :func:`finetune`."""
    width = int(length) if length else max(len(r) for r in rows)
    ids = torch.full((len(rows), width), PAD_ID, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.as_tensor(r[:width], dtype=torch.long)
    target = torch.as_tensor(np.asarray(targets))
    return {"input_ids": ids, "attention_mask": (ids != PAD_ID).long(), "target": target}


class _Rows(torch.utils.data.Dataset):
    def __init__(self, rows, targets):
        self.rows, self.targets = rows, np.asarray(targets)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i], self.targets[i]


@dataclass
class FineTuned:
    """One fine-tuning run: the trained wrapper (None when read from a cache made without
    weights), per-epoch history, logits of each part, wall time, cache state and key."""

    label: str
    task: TransferTask | None
    history: pd.DataFrame
    logits: dict[str, np.ndarray]
    seconds: float
    cached: bool
    key: str
    parameters: int
    extra: dict[str, Any] = field(default_factory=dict)


def _data_key(parts: dict[str, tuple[list[list[int]], Any]]) -> str:
    h = hashlib.sha256()
    for name in sorted(parts):
        rows, target = parts[name]
        h.update(name.encode())
        h.update(json.dumps(rows).encode())
        h.update(np.ascontiguousarray(np.asarray(target)).tobytes())
    return h.hexdigest()[:20]


def finetune(enc: Encoder, head: str, parts: dict[str, tuple[list[list[int]], Any]], sizes: dict[str, Any], *,
             n_out: int = 1, pooling: str = "cls", hidden: int | None = None, dropout: float = 0.1,
             lr: float | None = None, pos_weight: float = 1.0, max_tokens: int | None = None, seed: int = 0,
             label: str = "", cache: bool = True, cache_dir: str | Path | None = None,
             score_train: bool = False) -> FineTuned:
    """Fine-tune ``enc`` with a ``head`` (:data:`genomebook.models.transfer.HEADS`) on ``parts``.

    ``parts``: ``{"train": (rows, targets), "dev": ..., "test": ..., other parts}``: id rows
    (with ``[CLS]``/``[SEP]`` as the task wants them) and targets (token index, class index or
    a 0/1 label matrix). Trains on ``train`` for ``sizes["epochs"]`` epochs of at most
    ``sizes["steps_per_epoch"]`` batches of ``sizes["batch"]`` rows (all rows when None), Adam
    at ``lr`` (default ``sizes["lr"]``), validating on ``dev`` after each epoch; the epoch with
    the lowest validation loss is kept. Returns logits of every part but ``train`` (position
    heads: (N, longest row), pads -inf); ``score_train=True`` adds the training rows'. Cached under ``<cache_dir>/transfer/<key>.pt`` (key: encoder,
    data, head, sizes, seed). Used by the tss_localisation, metagenomics_12s and
    chromatin_profiles chapters and the small_transformers paper chapter.
    """
    for need in ("train", "dev"):
        if need not in parts or not len(parts[need][0]):
            raise ValueError(f"finetune needs a non-empty {need!r} part; got parts {sorted(parts)}.")
    lr = float(sizes["lr"] if lr is None else lr)
    size_keys = {k: sizes.get(k) for k in ("epochs", "batch", "steps_per_epoch")}
    head_kw = {"head": head, "n_out": int(n_out), "pooling": pooling, "hidden": hidden, "dropout": float(dropout),
               "max_tokens": max_tokens, "lr": lr, "pos_weight": float(pos_weight), "score_train": bool(score_train)}
    key = hashlib.sha256(json.dumps({"enc": enc.key, "model": enc.model, "data": _data_key(parts), "head": head_kw,
                                     "sizes": size_keys, "seed": seed, "v": _CACHE_VERSION},
                                    sort_keys=True, default=str).encode()).hexdigest()[:20]
    path = language._cache_dir(cache_dir).parent / "transfer" / f"{key}.pt"
    length = max_tokens if pooling == "flatten" and head != "position" else None
    train.seed_everything(seed)
    model = TransferModel(enc.build(max_tokens), head, n_out, pooling=pooling, hidden=hidden, dropout=dropout,
                          max_tokens=max_tokens)
    task = TransferTask(model, lr=lr, pos_weight=pos_weight)
    batch = int(sizes["batch"])

    def collate(items):
        rows, targets = zip(*items)
        return pad_batch(rows, np.stack(targets), length)

    def loader(name, shuffle=False):
        return train.epoch_loader(_Rows(*parts[name]), batch, steps_per_epoch=sizes.get("steps_per_epoch"),
                                  seed=seed, collate_fn=collate, shuffle=shuffle)

    if cache and path.exists():
        state = torch.load(path, map_location="cpu", weights_only=False)
        task.load_state_dict(state["state_dict"])
        task.to("cuda" if train.uses_cuda() else "cpu").eval()
        return FineTuned(label, task, pd.DataFrame(state["history"]), state["logits"], state["seconds"], True, key,
                         parameter_count(model))
    t0 = time.perf_counter()
    history = train.History()
    train.fit(task, train_dataloaders=loader("train", shuffle=True), val_dataloaders=loader("dev"),
              max_epochs=int(sizes["epochs"]), callbacks=[history], num_sanity_val_steps=0)
    logits = {name: task.predict_logits(loader(name)).numpy() for name in parts if score_train or name != "train"}
    seconds = time.perf_counter() - t0
    hist = history.frame()
    if cache:
        payload = {"state_dict": task.state_dict(), "history": hist.to_dict("list"), "logits": logits,
                   "seconds": seconds, "head": head_kw, "sizes": size_keys}
        atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return FineTuned(label, task, hist, logits, seconds, False, key, parameter_count(model))
