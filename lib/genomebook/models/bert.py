"""DNABERT in Lightning: BERT configs, masked-LM pre-training, fine-tuning and DNABERT-XL.

Thin LightningModules around Hugging Face ``transformers`` BERT models (built from configs
only, never downloaded), fed by :mod:`genomebook.tokenize` (k-mer ids, ``[PAD]`` = 0,
``[CLS]`` = 2, ``[SEP]`` = 3, labels -100 where not predicted):

* :func:`bert_config` - the ``tiny`` / ``small`` / ``base`` architectures (``base`` is DNABERT's).
* :class:`BertMLM` - pre-training on span-masked batches of :class:`genomebook.tokenize.MLMCollator`;
  logs ``train_loss``, ``val_loss``, ``val_perplexity`` and ``val_masked_accuracy``, all over
  masked tokens only.
* :class:`BertClassifier` - sequence classification from the ``[CLS]`` token (BERT's pooler
  and a linear layer); :meth:`BertClassifier.from_pretrained_mlm` starts from a pre-trained
  encoder, the alternative being the same model with random initial weights.
* :func:`split_pieces` and :class:`BertXLClassifier` - DNABERT-XL for inputs longer than the
  512 positions: pieces of at most 510 k-mers, each framed ``[CLS] ... [SEP]``, encoded
  separately; their ``[CLS]`` vectors are concatenated and classified by a linear layer.

All three modules train with :func:`linear_warmup_adamw` (AdamW, no weight decay on biases
and LayerNorm weights, linear warm-up then linear decay to 0, stepped every optimiser
step) and clip gradients to norm ``max_grad_norm`` (DNABERT's scripts: 1.0) unless the
Trainer sets its own ``gradient_clip_val``.

``transformers`` is imported inside functions: importing it takes seconds, and
``genomebook.models`` is imported by every chapter.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torchmetrics import MeanMetric

from genomebook import metrics
from genomebook.models.lightning import EpochMetric
from genomebook.tokenize import CLS_ID, IGNORE_INDEX, PAD_ID, SEP_ID

if TYPE_CHECKING:
    from transformers import BertConfig  # slow to import; genomebook.models loads without it

__all__ = [
    "BERT_SIZES",
    "bert_config",
    "linear_warmup_adamw",
    "masked_lm_metrics",
    "BertMLM",
    "BertClassifier",
    "split_pieces",
    "n_pieces_for",
    "BertXLClassifier",
]

# name -> (layers, hidden, heads, intermediate)
BERT_SIZES: dict[str, dict[str, int]] = {
    "tiny": dict(num_hidden_layers=1, hidden_size=32, num_attention_heads=2, intermediate_size=64),
    "small": dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=256),
    "base": dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12, intermediate_size=3072),
}


def bert_config(size: str, vocab_size: int, max_position: int = 512, **overrides: Any) -> BertConfig:
    """A ``transformers.BertConfig`` of a named size for a k-mer vocabulary.

    =========  ======  ======  =====  ============  ==========================================
    size       layers  hidden  heads  intermediate  use
    =========  ======  ======  =====  ============  ==========================================
    ``tiny``   1       32      2      64            smoke runs and tests (proves the code path)
    ``small``  2       64      4      256           CPU runs of the book: ~1,000 sequences/s of
                                                    70 bp in training on 2 cores, so a chapter
                                                    fine-tunes a dozen models in minutes
    ``base``   12      768     12     3072          DNABERT = BERT-base (paper profile, ~85 M
                                                    weights in the layers; section 2.2.2)
    =========  ======  ======  =====  ============  ==========================================

    Common to all sizes (BERT's and DNABERT's values): GELU, dropout 0.1 on hidden states
    and attention probabilities, initialiser std 0.02, LayerNorm eps 1e-12, ``pad_token_id``
    0 (``[PAD]`` of :mod:`genomebook.tokenize`), and ``max_position`` positions (DNABERT: 512
    = ``[CLS]`` + 510 k-mers + ``[SEP]``). ``vocab_size`` is ``KmerTokenizer(k).vocab_size``
    (4**k + 5). Attention is computed by the ``"eager"`` implementation on CPU and by
    ``"sdpa"`` (scaled-dot-product attention kernels) when CUDA is available; attention maps
    (:meth:`BertClassifier.attentions`) switch to eager temporarily. Pass
    ``attn_implementation=...`` to choose. Any other ``BertConfig`` field can be overridden,
    e.g. ``hidden_dropout_prob=0.0`` or ``num_labels=3``.
    """
    from transformers import BertConfig  # slow to import; genomebook.models loads without it

    if size not in BERT_SIZES:
        raise ValueError(f"size must be one of {', '.join(BERT_SIZES)}; got {size!r}.")
    for name, value in (("vocab_size", vocab_size), ("max_position", max_position)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    if max_position < 3:
        raise ValueError(f"max_position must be >= 3 ([CLS] + one k-mer + [SEP]); got {max_position}.")
    kwargs: dict[str, Any] = dict(
        vocab_size=vocab_size, max_position_embeddings=max_position, pad_token_id=PAD_ID,
        hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        initializer_range=0.02, layer_norm_eps=1e-12, type_vocab_size=2,
        # SDPA kernels on CUDA; eager on CPU (unchanged results there). attentions() switches to eager.
        attn_implementation="sdpa" if torch.cuda.is_available() else "eager", **BERT_SIZES[size],
    )
    kwargs.update(overrides)
    if kwargs["hidden_size"] % kwargs["num_attention_heads"]:
        raise ValueError(f"hidden_size ({kwargs['hidden_size']}) must be a multiple of num_attention_heads "
                         f"({kwargs['num_attention_heads']}).")
    return BertConfig(**kwargs)


def config_dict(config: BertConfig) -> dict[str, Any]:
    """A plain dict of ``config`` that rebuilds it, attention implementation included."""
    d = config.to_dict()
    d["attn_implementation"] = getattr(config, "_attn_implementation", None) or "eager"
    return d


def _as_config(config: BertConfig | dict[str, Any], **changes: Any) -> BertConfig:
    """A copy of ``config`` (a BertConfig or :func:`config_dict` dict) with ``changes`` set."""
    from transformers import BertConfig  # slow to import; genomebook.models loads without it

    if isinstance(config, dict):
        cfg = BertConfig(**{"attn_implementation": "eager", **config})
    elif isinstance(config, BertConfig):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError(f"config must be a transformers.BertConfig (see bert_config) or its dict; "
                        f"got {type(config).__name__}.")
    for key, value in changes.items():
        setattr(cfg, key, value)
    return cfg


# --------------------------------------------------------------------------- optimisation


def _warmup_steps(warmup: int | float, total_steps: int) -> int:
    if isinstance(warmup, bool):
        raise TypeError("warmup must be an int (steps) or a float in [0, 1) (fraction of the steps); got a bool.")
    if isinstance(warmup, float):
        if not 0.0 <= warmup < 1.0:
            raise ValueError(f"warmup as a float is a fraction of the total steps and must lie in [0, 1); got "
                             f"{warmup}. Pass an int for a number of steps.")
        return int(warmup * total_steps)
    if isinstance(warmup, int) and warmup >= 0:
        if warmup > total_steps:
            raise ValueError(f"warmup={warmup} steps exceeds the {total_steps} steps of the schedule, so the "
                             "learning rate would never decay; use fewer warm-up steps or a fraction.")
        return warmup
    raise ValueError(f"warmup must be an int >= 0 (steps) or a float in [0, 1) (fraction); got {warmup!r}.")


def linear_warmup_adamw(module: nn.Module, *, lr: float, weight_decay: float, betas: tuple[float, float],
                        eps: float, warmup: int | float, total_steps: int | None = None) -> dict[str, Any]:
    """AdamW with linear warm-up to ``lr`` then linear decay to 0, as a Lightning optimiser config.

    As DNABERT's scripts (after BERT): biases and LayerNorm weights get no weight decay.
    ``warmup`` is a number of steps (int) or a fraction of ``total_steps`` (float in [0, 1)).
    ``total_steps`` (the step at which the rate reaches 0) defaults to the Trainer's
    ``estimated_stepping_batches``; give it explicitly to decay over a longer horizon than
    you train (DNABERT: schedule to 200k steps, stopped at 120k). The scheduler is
    ``transformers.get_linear_schedule_with_warmup`` (a ``LambdaLR``), stepped every
    optimiser step.
    """
    from transformers import get_linear_schedule_with_warmup  # slow to import; genomebook.models loads without it

    if total_steps is None:
        trainer = getattr(module, "_trainer", None)
        if trainer is None:
            raise RuntimeError("total_steps is None and the module is not attached to a Trainer; pass "
                               "total_steps=... to size the learning-rate schedule.")
        total = trainer.estimated_stepping_batches
        if not math.isfinite(total):
            raise ValueError("The Trainer cannot estimate its number of steps (infinite data?); pass "
                             "total_steps=... or set max_steps.")
        total_steps = int(total)
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
        raise ValueError(f"total_steps must be a positive int; got {total_steps!r}.")
    decay, no_decay = [], []
    for name, p in module.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if name.endswith("bias") or "LayerNorm.weight" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    # One fused kernel per step when the weights are on CUDA; CPU keeps torch's default (same results).
    on_cuda = any(p.is_cuda for p in decay + no_decay)
    optimizer = torch.optim.AdamW(groups, lr=lr, betas=tuple(betas), eps=eps, **({"fused": True} if on_cuda else {}))
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=_warmup_steps(warmup, total_steps),
                                                num_training_steps=total_steps)
    return {"optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1, "name": "lr"}}


class _BertModule(L.LightningModule):
    """Shared parts: the optimiser/scheduler, gradient clipping and attention maps."""

    @property
    def encoder(self) -> nn.Module:
        """The transformers ``BertModel`` (embeddings + encoder) inside the task model."""
        return self.model.bert

    @property
    def config(self) -> BertConfig:
        return self.encoder.config

    def configure_optimizers(self):
        h = self.hparams
        return linear_warmup_adamw(self, lr=h.lr, weight_decay=h.weight_decay, betas=h.betas, eps=h.eps,
                                   warmup=h.warmup, total_steps=h.total_steps)

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        # The Trainer's gradient_clip_val wins; otherwise clip to max_grad_norm (DNABERT: 1.0).
        if gradient_clip_val is None:
            gradient_clip_val, gradient_clip_algorithm = self.hparams.max_grad_norm, "norm"
        if gradient_clip_val:
            self.clip_gradients(optimizer, gradient_clip_val=gradient_clip_val,
                                gradient_clip_algorithm=gradient_clip_algorithm)

    @torch.no_grad()
    def attentions(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Attention probabilities of every layer and head: (layers, N, heads, T, T) float.

        ``[b, n, h, i, j]`` is how much token i of sequence n attends to token j in head h of
        layer b (rows sum to 1 over unpadded j). Computed in eval mode (no dropout) without
        gradients; the module's mode is restored afterwards. Inputs must fit the model's
        positions (for DNABERT-XL inputs, take one piece of :func:`split_pieces`).
        """
        enc = self.encoder
        impl = enc.config._attn_implementation
        was_training = self.training
        self.eval()
        try:
            if impl != "eager":
                enc.set_attn_implementation("eager")
            out = enc(input_ids=input_ids, attention_mask=attention_mask, output_attentions=True)
        finally:
            if impl != "eager":
                enc.set_attn_implementation(impl)
            self.train(was_training)
        return torch.stack(out.attentions)


# --------------------------------------------------------------------------- masked LM


def _masked_stats(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, int, torch.Tensor]:
    """(summed NLL, number, number correct) over positions already restricted to masked ones."""
    nll = F.cross_entropy(logits.float(), targets, reduction="sum")
    correct = (logits.argmax(-1) == targets).sum()
    return nll, targets.numel(), correct


def masked_lm_metrics(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """Masked-LM loss, perplexity and accuracy over the masked tokens only (labels != -100).

    ``logits`` (N, T, V) and ``labels`` (N, T) as from :class:`genomebook.tokenize.MLMCollator`.
    Returns ``loss`` (mean cross-entropy over masked tokens, nats), ``perplexity``
    (exp(loss)), ``accuracy`` (fraction of masked tokens whose arg-max is the label) and
    ``n_masked``. Unmasked positions do not count, whatever the model predicts there.
    """
    if logits.shape[:-1] != labels.shape:
        raise ValueError(f"logits {tuple(logits.shape)} must be labels {tuple(labels.shape)} + (vocab,).")
    sel = labels != IGNORE_INDEX
    nll, n, correct = _masked_stats(logits[sel], labels[sel])
    loss = float(nll) / n if n else float("nan")
    return {"loss": loss, "perplexity": math.exp(loss) if n else float("nan"),
            "accuracy": float(correct) / n if n else float("nan"), "n_masked": n}


class BertMLM(_BertModule):
    """DNABERT pre-training: a ``transformers.BertForMaskedLM`` trained on span-masked k-mers.

    Batches are dicts ``input_ids``, ``attention_mask``, ``labels`` (N, T) as made by
    :class:`genomebook.tokenize.MLMCollator` (labels -100 where not predicted). The loss is
    the cross-entropy over masked tokens; the language-model head runs only on them. Logs
    ``train_loss`` (per epoch), and after each validation ``val_loss`` (mean cross-entropy over
    all masked validation tokens), ``val_perplexity`` = exp(val_loss) and
    ``val_masked_accuracy`` (arg-max == label over masked tokens).

    Defaults are DNABERT's pre-training settings: peak ``lr`` 4e-4 with linear warm-up over
    the first 5% of the schedule then linear decay to 0 (paper, section 2.2.2 Pre-training:
    0 -> 4e-4 over the first 10k steps, then to 0 at 200k steps; training stopped at 120k);
    AdamW with ``weight_decay`` 0.01, ``betas`` (0.9, 0.98), ``eps`` 1e-6 and gradient-norm
    clipping at 1.0 (DNABERT's ``run_pretrain.py`` command in its README; the paper says only
    "AdamW"). For the paper's exact horizon pass ``warmup=10_000, total_steps=200_000`` and
    train with ``max_steps=120_000``. ``total_steps`` and ``warmup``: see
    :func:`linear_warmup_adamw`.
    """

    def __init__(self, config: BertConfig | dict[str, Any], lr: float = 4e-4, weight_decay: float = 0.01,
                 betas: tuple[float, float] = (0.9, 0.98), eps: float = 1e-6, warmup: int | float = 0.05,
                 total_steps: int | None = None, max_grad_norm: float | None = 1.0) -> None:
        from transformers import BertForMaskedLM  # slow to import; genomebook.models loads without it

        super().__init__()
        cfg = _as_config(config)
        self.save_hyperparameters(ignore=["config"])
        self.hparams["config"] = config_dict(cfg)
        self.model = BertForMaskedLM(cfg)
        self.val_nll = MeanMetric()
        self.val_acc = MeanMetric()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits over the vocabulary at every position: (N, T, vocab_size)."""
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits

    def masked_logits(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits (M, vocab) at the M masked positions of the batch, their labels (M,))."""
        hidden = self.model.bert(input_ids=batch["input_ids"],
                                 attention_mask=batch.get("attention_mask")).last_hidden_state
        sel = batch["labels"] != IGNORE_INDEX
        return self.model.cls(hidden[sel]), batch["labels"][sel]

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        logits, targets = self.masked_logits(batch)
        nll, n, _ = _masked_stats(logits, targets)
        loss = nll / max(n, 1)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False, batch_size=max(n, 1))
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        logits, targets = self.masked_logits(batch)
        nll, n, correct = _masked_stats(logits, targets)
        denom = max(n, 1)
        # Weighted by the number of masked tokens: the epoch value is over all masked tokens.
        self.val_nll.update(nll / denom, weight=n)
        self.val_acc.update(correct.float() / denom, weight=n)

    def on_validation_epoch_end(self) -> None:
        loss = self.val_nll.compute()
        self.log("val_loss", loss, prog_bar=True)
        self.log("val_perplexity", torch.exp(loss), prog_bar=True)
        self.log("val_masked_accuracy", self.val_acc.compute(), prog_bar=True)
        self.val_nll.reset()
        self.val_acc.reset()


# --------------------------------------------------------------------------- fine-tuning


class _ClassifierBase(_BertModule):
    """Cross-entropy training on dict batches (input_ids, attention_mask, labels (N,))."""

    def _init_classifier(self, num_labels: int) -> None:
        if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 2:
            raise ValueError(f"num_labels must be an int >= 2 (use 2 for binary tasks); got {num_labels!r}.")
        self.num_labels = num_labels
        self.val_accuracy = EpochMetric(self._accuracy)  # arg-max classes over the whole validation epoch

    def _accuracy(self, y: np.ndarray, pred: np.ndarray) -> float:
        cm = metrics.confusion_matrices(y.astype(np.int64), pred.astype(np.int64), self.num_labels)
        return float(metrics.from_confusion(cm)["accuracy"][0])

    def _logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["input_ids"], batch.get("attention_mask"))

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = F.cross_entropy(self._logits(batch), batch["labels"].long())
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False,
                 batch_size=batch["labels"].shape[0])
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        logits = self._logits(batch)
        y = batch["labels"].long()
        self.val_accuracy.update(logits.argmax(-1), y)
        self.log("val_loss", F.cross_entropy(logits, y), prog_bar=True, on_epoch=True, batch_size=y.shape[0])

    def on_validation_epoch_start(self) -> None:
        self.val_accuracy.reset()

    def on_validation_epoch_end(self) -> None:
        self.log("val_accuracy", self.val_accuracy.compute(), prog_bar=True)
        self.val_accuracy.reset()

    def predict_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        """Class probabilities (N, num_labels)."""
        return torch.softmax(self._logits(batch), dim=-1)

    @classmethod
    def from_pretrained_mlm(cls, mlm: BertMLM, num_labels: int = 2, **kwargs: Any):
        """A classifier whose encoder (embeddings + transformer layers) is a copy of ``mlm``'s.

        The model is first built exactly as ``cls(mlm.config, num_labels, **kwargs)`` would
        be (same random draws), then the encoder weights are overwritten. So with the same
        torch seed, a pre-trained and a randomly initialised classifier differ only in their
        encoder; the head (pooler, classifier) is newly initialised in both. ``mlm`` is not
        modified or shared.
        """
        if not isinstance(mlm, BertMLM):
            raise TypeError(f"mlm must be a BertMLM; got {type(mlm).__name__}.")
        model = cls(mlm.config, num_labels, **kwargs)
        missing, unexpected = model.encoder.load_state_dict(mlm.encoder.state_dict(), strict=False)
        bad = [k for k in missing if not k.startswith("pooler.")] + list(unexpected)
        if bad:
            raise ValueError(f"the pre-trained encoder does not match this model: {bad[:5]}")
        return model


class BertClassifier(_ClassifierBase):
    """DNABERT fine-tuning: a ``transformers.BertForSequenceClassification`` (``[CLS]`` -> pooler -> linear).

    Batches are dicts ``input_ids``, ``attention_mask`` (N, T) and ``labels`` (N,) int class
    ids. Cross-entropy loss; logs ``train_loss``, ``val_loss`` and ``val_accuracy``.
    ``predict_step`` returns class probabilities (N, num_labels). Start from pre-trained
    weights with :meth:`from_pretrained_mlm`; construct directly for random initial weights.

    Defaults follow DNABERT's fine-tuning: AdamW with weight decay 0.01, linear warm-up over
    the first 10% of the steps then linear decay to 0 (paper section 2.2.3; the values are
    those of the README's ``run_finetune.py`` example: peak ``lr`` 2e-4, ``warmup_percent``
    0.1, ``weight_decay`` 0.01; betas (0.9, 0.999), eps 1e-8 and clipping 1.0 are that
    script's defaults). The paper tunes the peak rate per task (its Supplementary Table S5).
    """

    def __init__(self, config: BertConfig | dict[str, Any], num_labels: int = 2, lr: float = 2e-4,
                 weight_decay: float = 0.01, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 warmup: int | float = 0.1, total_steps: int | None = None,
                 max_grad_norm: float | None = 1.0) -> None:
        from transformers import BertForSequenceClassification  # slow to import; genomebook.models loads without it

        super().__init__()
        self._init_classifier(num_labels)
        cfg = _as_config(config, num_labels=num_labels)
        self.save_hyperparameters(ignore=["config"])
        self.hparams["config"] = config_dict(cfg)
        self.model = BertForSequenceClassification(cfg)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Class logits (N, num_labels)."""
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


# --------------------------------------------------------------------------- DNABERT-XL


def n_pieces_for(n_kmers: int, max_position: int = 512) -> int:
    """Pieces :func:`split_pieces` makes of ``n_kmers`` k-mer tokens: ceil(n_kmers / (max_position - 2)), at least 1.

    E.g. a 1001 bp window with k = 6 has 996 k-mers: 2 pieces of the 512-position model.
    """
    if max_position < 3:
        raise ValueError(f"max_position must be >= 3; got {max_position}.")
    return max(1, -(-int(n_kmers) // (max_position - 2)))


def split_pieces(input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, *,
                 max_position: int = 512, n_pieces: int | None = None) -> dict[str, torch.Tensor]:
    """Cut long token rows into model-sized pieces: (N, T) -> dict(input_ids, attention_mask) of (N, P, W).

    The k-mer tokens of each row (every token except ``[PAD]``, ``[CLS]``, ``[SEP]`` and
    positions where ``attention_mask`` is 0; ``[UNK]``/``[MASK]`` are kept) are cut, in order,
    into consecutive pieces of ``max_position - 2`` tokens (510 for DNABERT), the last one
    shorter; each piece is framed ``[CLS] ... [SEP]`` and right-padded with ``[PAD]`` to width
    W = min(max_position - 2, longest row) + 2. So rows may come framed or not, padded or
    not (e.g. ``KmerTokenizer(k, max_length=None).batch_encode``). A row of at most 510 k-mers
    gives one piece, identical to its ordinary framing.

    P is :func:`n_pieces_for` of the longest row, or ``n_pieces`` if given (a model's fixed
    number; rows needing more are an error). Pieces beyond a row's end are just
    ``[CLS] [SEP]``. The returned ``attention_mask`` is 1 on each piece's real tokens.
    """
    if not isinstance(input_ids, torch.Tensor) or input_ids.ndim != 2:
        raise ValueError("input_ids must be an (N, T) tensor of token ids; got "
                         f"{type(input_ids).__name__} of shape {tuple(getattr(input_ids, 'shape', ()))}.")
    ids = input_ids.long()
    content = (ids != PAD_ID) & (ids != CLS_ID) & (ids != SEP_ID)
    if attention_mask is not None:
        if attention_mask.shape != ids.shape:
            raise ValueError(f"attention_mask {tuple(attention_mask.shape)} must match input_ids {tuple(ids.shape)}.")
        content &= attention_mask.bool()
    piece_len = max_position - 2
    counts = content.sum(1)  # (N,)
    longest = int(counts.max()) if counts.numel() else 0
    needed = n_pieces_for(longest, max_position)
    if n_pieces is None:
        P = needed
    else:
        if needed > n_pieces:
            raise ValueError(f"a row has {longest} k-mer tokens, which needs {needed} pieces of {piece_len}, but "
                             f"n_pieces={n_pieces}; shorten the inputs (at most {n_pieces * piece_len} k-mers) or "
                             "use a model with more pieces.")
        P = int(n_pieces)
    N, W = ids.shape[0], min(piece_len, longest) + 2
    out = torch.full((N, P, W), PAD_ID, dtype=torch.long, device=ids.device)
    pos = content.long().cumsum(1) - 1  # rank of each k-mer token within its row
    rows = torch.arange(N, device=ids.device)[:, None].expand_as(ids)
    out[rows[content], pos[content] // piece_len, pos[content] % piece_len + 1] = ids[content]
    n_in = (counts[:, None] - torch.arange(P, device=ids.device)[None] * piece_len).clamp(0, piece_len)  # (N, P)
    out[:, :, 0] = CLS_ID
    out.scatter_(2, (n_in + 1)[..., None], SEP_ID)
    mask = (torch.arange(W, device=ids.device)[None, None] < (n_in + 2)[..., None]).long()
    return {"input_ids": out, "attention_mask": mask}


class BertXLClassifier(_ClassifierBase):
    """DNABERT-XL: classify inputs longer than the model's positions from the [CLS] vectors of their pieces.

    ``forward`` takes (N, T) token rows of any length T (e.g. 1001 bp windows:
    ``KmerTokenizer(6, max_length=None)``), cuts them with :func:`split_pieces` into exactly
    ``n_pieces`` pieces (see :func:`n_pieces_for`), encodes all N * n_pieces pieces with one
    ``transformers.BertModel``, concatenates each row's ``[CLS]`` final hidden states in piece
    order, (N, n_pieces * hidden), and applies dropout and a linear layer. Training, logging,
    ``predict_step``, optimiser defaults and :meth:`from_pretrained_mlm` are those of
    :class:`BertClassifier`. Paper: section 2.2.3 (split into pieces, concatenate their
    representations) and section 3.1 (DNABERT-Prom-scan on 1001 bp windows).
    """

    def __init__(self, config: BertConfig | dict[str, Any], num_labels: int = 2, n_pieces: int = 2,
                 lr: float = 2e-4, weight_decay: float = 0.01, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, warmup: int | float = 0.1, total_steps: int | None = None,
                 max_grad_norm: float | None = 1.0) -> None:
        from transformers import BertModel  # slow to import; genomebook.models loads without it

        super().__init__()
        self._init_classifier(num_labels)
        if isinstance(n_pieces, bool) or not isinstance(n_pieces, int) or n_pieces < 1:
            raise ValueError(f"n_pieces must be a positive int; got {n_pieces!r}.")
        cfg = _as_config(config, num_labels=num_labels)
        self.save_hyperparameters(ignore=["config"])
        self.hparams["config"] = config_dict(cfg)
        self.bert = BertModel(cfg, add_pooling_layer=False)
        drop = cfg.classifier_dropout if cfg.classifier_dropout is not None else cfg.hidden_dropout_prob
        self.dropout = nn.Dropout(drop)
        self.classifier = nn.Linear(n_pieces * cfg.hidden_size, num_labels)
        nn.init.normal_(self.classifier.weight, std=cfg.initializer_range)  # BERT's initialisation
        nn.init.zeros_(self.classifier.bias)

    @property
    def encoder(self) -> nn.Module:
        return self.bert

    def piece_embeddings(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """The pieces' [CLS] final hidden states: (N, n_pieces, hidden)."""
        pieces = split_pieces(input_ids, attention_mask, max_position=self.config.max_position_embeddings,
                              n_pieces=self.hparams.n_pieces)
        N, P, W = pieces["input_ids"].shape
        hidden = self.bert(input_ids=pieces["input_ids"].view(N * P, W),
                           attention_mask=pieces["attention_mask"].view(N * P, W)).last_hidden_state
        return hidden[:, 0].reshape(N, P, -1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Class logits (N, num_labels) of (N, T) token rows."""
        cls = self.piece_embeddings(input_ids, attention_mask)
        return self.classifier(self.dropout(cls.flatten(1)))
