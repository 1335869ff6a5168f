"""Small DNA language models: Longformer, Longalbert and an ELMo-style BiLSTM, with one loss interface.

The models of the Small-transformers thesis (Lorello 2021, section 4.1 and appendix B.1),
used by the dna_language_models chapter (issue 13) and, through their cached encoders, by
the fine-tuning chapters of part II. All are plain ``nn.Module`` s built from a config
dataclass, never downloaded; they read token ids of :mod:`genomebook.dna_words` (or
:mod:`genomebook.tokenize`): ``[PAD]`` 0, ``[UNK]`` 1, ``[CLS]`` 2, ``[SEP]`` 3, ``[MASK]`` 4,
labels -100 where a token is not predicted.

* :class:`LongformerLM` - ``transformers`` Longformer (sliding-window attention, global
  attention on ``[CLS]``) with its masked-LM head and, optionally, a sentence-order (SOP)
  head on the first token. :class:`LongformerLMConfig`.
* :class:`LongalbertLM` - the thesis's hybrid: ALBERT's factorised embedding and
  cross-layer parameter sharing around Longformer's attention, assembled from
  ``transformers`` parts (see the class). :class:`LongalbertConfig`.
* :class:`ELMoLM` - ELMo-style baseline: a token embedding and two separate 2-layer LSTMs,
  the forward one predicting the next token and the backward one the previous token
  (``objective="causal"``), or both read together to predict masked tokens
  (``objective="masked"``). :class:`ELMoConfig`.

**One interface.** Every model's ``forward(input_ids, attention_mask, token_type_ids=None,
labels=None, sentence_order_label=None)`` returns a dict with ``loss`` (the sum of the
task losses present, or None), ``mlm_loss`` (mean cross-entropy in nats per predicted
token: the ``bits``-ready number for :func:`genomebook.dna_words.bits_per_base`),
``sop_loss`` (or None), ``logits`` (N, T, vocab) and ``sop_logits`` ((N, 2) or None), so
one training loop or Lightning wrapper trains any of them. The metrics beside the loss:
:func:`masked_token_accuracy` (masked positions only), :func:`all_token_accuracy` (the
thesis's, over every non-pad position) and :func:`copy_baseline_accuracy` (what copying the
input scores on the latter).

**Sizes.** :func:`language_model_config` gives each model at the thesis's size
(``"thesis"``) or narrower (``"small"``, ``"tiny"``); :func:`size_table` lists parameter
counts next to what the thesis reports (it reports no counts). Unreported sizes and how
they were filled are documented on each config.

``transformers`` is imported inside functions: importing it takes seconds, and
``genomebook.models`` is imported by every chapter.

Examples
--------
>>> import torch
>>> model = build_language_model("ELMo", size="tiny", vocab_size=40)
>>> ids = torch.tensor([[2, 7, 9, 11, 3, 0]])
>>> out = model(ids, (ids != 0).long())
>>> tuple(out["logits"].shape), out["sop_loss"] is None, bool(out["loss"] > 0)
((1, 6, 40), True, True)
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from genomebook.models.bert import masked_lm_metrics
from genomebook.tokenize import CLS_ID, IGNORE_INDEX, PAD_ID, SPECIAL_TOKENS

__all__ = [
    "THESIS_VOCAB",
    "LANGUAGE_MODELS",
    "LongformerLMConfig",
    "LongalbertConfig",
    "ELMoConfig",
    "language_model_config",
    "build_language_model",
    "LongformerLM",
    "LongalbertLM",
    "ELMoLM",
    "masked_token_accuracy",
    "all_token_accuracy",
    "copy_baseline_accuracy",
    "parameter_count",
    "size_table",
    "LanguageModelTask",
    "NGramMaskedLM",
]

#: The vocabulary of the thesis's best tokeniser (9-mer words + BPE, section 4.2.1, line 547:
#: 30,000 for 9-mer, 12-mer and BigBird-style words; 5,000 for 6-mers). Pass the tokeniser's
#: ``vocab_size`` in practice.
THESIS_VOCAB = 30000
N_SPECIAL = len(SPECIAL_TOKENS)  # ids below this are [PAD] [UNK] [CLS] [SEP] [MASK]

#: The models of the chapter, in the order of its tables.
LANGUAGE_MODELS = ("Longformer", "Longalbert", "Large Longformer", "ELMo")

# Where each thesis size comes from (section and line of ../shared/papers/002_6da08a14f7c17f9a.txt).
_SOURCES = {
    "Longformer": "section 4.1.3 (lines 473-478)",
    "Longalbert": "section 4.1.3 (lines 480-486)",
    "Large Longformer": "appendix B.1 (lines 1030-1035)",
    "ELMo": "appendix B.1 (lines 1036-1039)",
}


# --------------------------------------------------------------------------- configs


def _require_positive_ints(config: Any, names: tuple[str, ...]) -> None:
    """A ValueError naming the first field of ``names`` that is not a positive int (bools refused)."""
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")


@dataclass(frozen=True)
class LongformerLMConfig:
    """Sizes of a :class:`LongformerLM`; the defaults are the thesis's small Longformer.

    Thesis section 4.1.3 (lines 473-478): 2 blocks, 8 self-attention heads, 256 maximum
    input tokens, attention window 16, 256-dimensional output (hidden) size. Appendix B.1
    (lines 1030-1035), the large Longformer: 4 blocks, 32 heads, window 64, the rest equal.

    Not reported, and filled here: ``intermediate_size`` (feed-forward width) = 3072,
    ``transformers.LongformerConfig``'s default, read as "library default kept" because the
    one feed-forward width the thesis gives (Longalbert's 16,384) is ALBERT's library default;
    ``vocab_size`` = 30,000 (:data:`THESIS_VOCAB`, the 9-mer BPE target of section 4.2.1;
    give the tokeniser's); dropout 0.1 (the library default; the thesis fine-tunes with 0.1,
    table 5.2); GELU; initialiser std 0.02; ``type_vocab_size`` 2 so SOP segment ids have
    embeddings. ``sop`` adds the sentence-order head (MLM + SOP pre-training, section 4.2.1).
    Used by the dna_language_models chapter.
    """

    vocab_size: int = THESIS_VOCAB
    num_layers: int = 2
    num_heads: int = 8
    hidden_size: int = 256
    intermediate_size: int = 3072
    max_tokens: int = 256
    attention_window: int = 16
    hidden_dropout: float = 0.1
    attention_dropout: float = 0.1
    sop: bool = False
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12

    def __post_init__(self) -> None:
        _require_positive_ints(self, ("vocab_size", "num_layers", "num_heads", "hidden_size", "intermediate_size",
                                      "max_tokens", "attention_window"))
        if self.vocab_size <= N_SPECIAL:
            raise ValueError(f"vocab_size must exceed the {N_SPECIAL} special tokens; got {self.vocab_size}.")
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be a multiple of num_heads ({self.num_heads}).")
        if self.attention_window % 2:
            raise ValueError(f"attention_window must be even (Longformer looks w/2 tokens each side); "
                             f"got {self.attention_window}.")
        for name in ("hidden_dropout", "attention_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must lie in [0, 1); got {getattr(self, name)}.")


@dataclass(frozen=True)
class LongalbertConfig(LongformerLMConfig):
    """Sizes of a :class:`LongalbertLM`; the defaults are the thesis's Longalbert.

    Thesis section 4.1.3 (lines 480-486): 2 blocks in 1 group (``num_groups``: all blocks
    share one set of weights), 8 heads, 256 maximum input tokens, window 16, 256-dimensional
    output, and a "16384-dimensional intermediate input embedding".

    That last size is read as the feed-forward ``intermediate_size`` = 16,384, which is
    ``transformers.AlbertConfig``'s default, not as the factorised embedding size E: E is
    the point of the factorisation only when E < H = 256, and E = 16,384 would put
    30,000 x 16,384 = 492 M weights in the embedding alone (513 M in all), which
    could not be trained with Adam on the 2-8 GB laptop GPUs of section 4.1 (line 435).
    ``embedding_size`` (E) is therefore not reported; we take ALBERT's default 128. Pass
    ``embedding_size=16384`` to build the other reading. The remaining fields are those of
    :class:`LongformerLMConfig`. Used by the dna_language_models chapter.
    """

    intermediate_size: int = 16384
    embedding_size: int = 128
    num_groups: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_positive_ints(self, ("embedding_size", "num_groups"))
        if self.num_groups > self.num_layers:
            raise ValueError(f"num_groups ({self.num_groups}) cannot exceed num_layers ({self.num_layers}).")


@dataclass(frozen=True)
class ELMoConfig:
    """Sizes of an :class:`ELMoLM`; the defaults are the thesis's ELMo baseline.

    Thesis appendix B.1 (lines 1036-1039): 2 bidirectional LSTM layers, 256 units each (here:
    per direction), the last layer's hidden states as the embeddings. The thesis did not
    pre-train it (line 1063), so the language-model heads are ours. Not reported, and filled
    here: the token ``embedding_size`` 256, ``dropout`` 0.1, ``vocab_size`` 30,000
    (:data:`THESIS_VOCAB`). ``objective``: ``"causal"`` (ELMo's: forward LM predicts the
    next token, backward LM the previous one, one softmax layer shared by both) or
    ``"masked"`` (the same two LSTMs read the masked input and their states at a position,
    concatenated, predict the token there, so the task is the transformers' MLM).
    Used by the dna_language_models chapter.
    """

    vocab_size: int = THESIS_VOCAB
    embedding_size: int = 256
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.1
    objective: str = "causal"

    def __post_init__(self) -> None:
        _require_positive_ints(self, ("vocab_size", "embedding_size", "hidden_size", "num_layers"))
        if self.vocab_size <= N_SPECIAL:
            raise ValueError(f"vocab_size must exceed the {N_SPECIAL} special tokens; got {self.vocab_size}.")
        if self.objective not in ("causal", "masked"):
            raise ValueError(f"objective must be 'causal' or 'masked'; got {self.objective!r}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1); got {self.dropout}.")


# Narrower widths for CPU runs; depth, window and maximum length stay the thesis's.
_WIDTHS: dict[str, dict[str, int]] = {
    "tiny": dict(hidden_size=32, num_heads=2, intermediate_size=64, embedding_size=16),
    "small": dict(hidden_size=64, num_heads=4, intermediate_size=256, embedding_size=32),
}
_THESIS = {
    "Longformer": (LongformerLMConfig, {}),
    "Longalbert": (LongalbertConfig, {}),
    "Large Longformer": (LongformerLMConfig, dict(num_layers=4, num_heads=32, attention_window=64)),
    "ELMo": (ELMoConfig, {}),
}


def language_model_config(name: str, size: str = "thesis", *, vocab_size: int = THESIS_VOCAB,
                          **overrides: Any) -> LongformerLMConfig | LongalbertConfig | ELMoConfig:
    """The config of model ``name`` (one of :data:`LANGUAGE_MODELS`) at ``size``.

    ``"thesis"``: the thesis's sizes (see each config's docstring for the sources).
    ``"small"`` (hidden 64, 4 heads, feed-forward 256, Longalbert E = 32; ELMo 64 units and
    embedding 32) and ``"tiny"`` (hidden 32, 2 heads, feed-forward 64, E = 16; ELMo 32/16)
    keep each model's depth, window and maximum length, for CPU runs and tests (the large
    Longformer keeps more heads than the small one, as many as leave 8 dimensions per head:
    4 at ``tiny``, 8 at ``small``). Any field
    can be overridden, e.g. ``sop=True``, ``max_tokens=64`` or ``objective="masked"``.
    Used by the dna_language_models chapter.
    """
    if name not in _THESIS:
        raise KeyError(f"No language model {name!r}; choose from {', '.join(LANGUAGE_MODELS)}.")
    if size != "thesis" and size not in _WIDTHS:
        raise ValueError(f"size must be 'thesis', {', '.join(map(repr, _WIDTHS))}; got {size!r}.")
    cls, thesis = _THESIS[name]
    fields = {f.name for f in dataclasses.fields(cls)}
    kwargs = dict(thesis, vocab_size=vocab_size)
    if size != "thesis":
        widths = dict(_WIDTHS[size])
        if "num_heads" in thesis:  # the large model keeps more heads than the small one, within the width
            widths["num_heads"] = min(thesis["num_heads"] * widths["num_heads"] // 8, widths["hidden_size"] // 8)
        kwargs.update({k: v for k, v in widths.items() if k in fields})
    unknown = set(overrides) - fields
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}; fields: {sorted(fields)}.")
    kwargs.update(overrides)
    return cls(**kwargs)


def build_language_model(name: str | LongformerLMConfig | ELMoConfig, size: str = "thesis", *,
                         vocab_size: int = THESIS_VOCAB, **overrides: Any) -> nn.Module:
    """A fresh language model from a name (see :func:`language_model_config`) or from a config.

    A :class:`LongalbertConfig` builds a :class:`LongalbertLM`, any other
    :class:`LongformerLMConfig` a :class:`LongformerLM`, an :class:`ELMoConfig` an
    :class:`ELMoLM`. Used by the dna_language_models chapter.
    """
    config = name if not isinstance(name, str) else language_model_config(name, size, vocab_size=vocab_size,
                                                                           **overrides)
    if isinstance(config, LongalbertConfig):
        return LongalbertLM(config)
    if isinstance(config, LongformerLMConfig):
        return LongformerLM(config)
    if isinstance(config, ELMoConfig):
        return ELMoLM(config)
    raise TypeError(f"expected a model name or a language-model config; got {type(config).__name__}.")


# --------------------------------------------------------------------------- shared pieces


def _check_batch(model_name: str, input_ids: torch.Tensor, attention_mask: torch.Tensor | None,
                 token_type_ids: torch.Tensor | None, labels: torch.Tensor | None,
                 sentence_order_label: torch.Tensor | None, vocab_size: int,
                 max_tokens: int | None) -> torch.Tensor:
    """Validate one batch; returns the attention mask (from ``[PAD]`` when None)."""
    if not isinstance(input_ids, torch.Tensor) or input_ids.ndim != 2:
        raise ValueError(f"{model_name}: input_ids must be an (N, T) tensor of token ids; got "
                         f"{type(input_ids).__name__} of shape {tuple(getattr(input_ids, 'shape', ()))}.")
    if input_ids.dtype.is_floating_point or input_ids.dtype == torch.bool:
        raise TypeError(f"{model_name}: input_ids must be integer token ids; got dtype {input_ids.dtype}.")
    if input_ids.numel() and (int(input_ids.max()) >= vocab_size or int(input_ids.min()) < 0):
        raise ValueError(f"{model_name}: input_ids hold ids outside the vocabulary of {vocab_size} "
                         f"(min {int(input_ids.min())}, max {int(input_ids.max())}); was the model built "
                         "with the tokeniser's vocab_size?")
    if max_tokens is not None and input_ids.shape[1] > max_tokens:
        raise ValueError(f"{model_name}: rows of {input_ids.shape[1]} tokens exceed the model's {max_tokens}; "
                         "cut the samples (e.g. sop_sample(..., max_tokens=...)).")
    for name, t in (("attention_mask", attention_mask), ("token_type_ids", token_type_ids), ("labels", labels)):
        if t is not None and tuple(t.shape) != tuple(input_ids.shape):
            raise ValueError(f"{model_name}: {name} {tuple(t.shape)} must match input_ids {tuple(input_ids.shape)}.")
    if sentence_order_label is not None and tuple(sentence_order_label.shape) != (input_ids.shape[0],):
        raise ValueError(f"{model_name}: sentence_order_label must have shape ({input_ids.shape[0]},); got "
                         f"{tuple(sentence_order_label.shape)}.")
    if attention_mask is None:
        attention_mask = (input_ids != PAD_ID).long()
    return attention_mask.long()


def _mlm_loss(logits: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor | None:
    """Mean cross-entropy (nats) over the positions whose label is not -100; NaN if there are none."""
    if labels is None:
        return None
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1).long(),
                           ignore_index=IGNORE_INDEX)


def _total(*losses: torch.Tensor | None) -> torch.Tensor | None:
    present = [x for x in losses if x is not None]
    return sum(present[1:], present[0]) if present else None


def _quiet_padding_notice() -> None:
    """Silence transformers' notice that rows are padded to a multiple of the attention window:
    the padding is by design (documented on :class:`LongformerLM`), and the notice would print on
    every chapter page that trains a Longformer."""
    logging.getLogger("transformers.models.longformer.modeling_longformer").setLevel(logging.ERROR)


def _init_linear(layer: nn.Linear, std: float) -> nn.Linear:
    nn.init.normal_(layer.weight, std=std)  # BERT's initialisation, as the transformers heads
    nn.init.zeros_(layer.bias)
    return layer


# --------------------------------------------------------------------------- Longformer


class LongformerLM(nn.Module):
    """Longformer masked language model (+ optional SOP head), built from ``transformers``.

    The encoder and masked-LM head are those of ``transformers.LongformerForMaskedLM``
    (RoBERTa-style embeddings; every layer attends within a sliding window of
    ``attention_window`` tokens, w/2 each side; output projection tied to the word
    embeddings). Global attention is set on every ``[CLS]`` token
    (:meth:`global_attention_mask`): ``[CLS]`` attends to all tokens and all tokens attend
    to it, as Longformer does for its classification token. With ``config.sop`` the
    sentence-order head is ALBERT's: the first token's final state through a dense + tanh
    pooler (``transformers.LongformerPooler``), dropout and a linear layer to 2 classes
    (1 = swapped, :func:`genomebook.dna_words.sop_sample`).

    ``forward``: see the module docstring (one interface for all models). Rows are padded
    inside the model to a multiple of the window and trimmed back. Thesis section 4.1.1
    and 4.1.3; the large model of appendix B.1 is the same class with
    ``language_model_config("Large Longformer")``. Used by the dna_language_models chapter.
    """

    def __init__(self, config: LongformerLMConfig) -> None:
        # slow to import; genomebook.models loads without it
        from transformers import LongformerForMaskedLM
        from transformers.models.longformer.modeling_longformer import LongformerPooler

        super().__init__()
        if not isinstance(config, LongformerLMConfig):
            raise TypeError(f"config must be a LongformerLMConfig; got {type(config).__name__}.")
        _quiet_padding_notice()
        self.config = config
        hf = self._hf_config(config, num_hidden_layers=config.num_layers, hidden_size=config.hidden_size,
                             max_position_embeddings=config.max_tokens + PAD_ID + 1)
        mlm = LongformerForMaskedLM(hf)
        self.longformer = mlm.longformer  # embeddings + encoder
        self.lm_head = mlm.lm_head  # dense, GELU, LayerNorm, decoder tied to the word embeddings
        pooler = None
        if config.sop:
            pooler = LongformerPooler(hf)
            _init_linear(pooler.dense, hf.initializer_range)
        self._init_sop(pooler, hf)

    @staticmethod
    def _hf_config(config: LongformerLMConfig, **sizes: Any):
        from transformers import LongformerConfig  # slow to import; genomebook.models loads without it

        # Longformer positions run from pad_token_id + 1 (RoBERTa's convention), hence T + 1 positions for T tokens.
        return LongformerConfig(
            vocab_size=config.vocab_size, num_attention_heads=config.num_heads,
            intermediate_size=config.intermediate_size, attention_window=config.attention_window,
            hidden_dropout_prob=config.hidden_dropout, attention_probs_dropout_prob=config.attention_dropout,
            initializer_range=config.initializer_range, layer_norm_eps=config.layer_norm_eps, hidden_act="gelu",
            type_vocab_size=2, pad_token_id=PAD_ID, bos_token_id=CLS_ID, eos_token_id=3, sep_token_id=3, **sizes)

    def _init_sop(self, pooler: nn.Module | None, hf) -> None:
        self.pooler = pooler
        self.sop_head = None
        if pooler is not None:
            self.sop_head = nn.Sequential(nn.Dropout(hf.hidden_dropout_prob),
                                          _init_linear(nn.Linear(hf.hidden_size, 2), hf.initializer_range))

    @staticmethod
    def global_attention_mask(input_ids: torch.Tensor) -> torch.Tensor:
        """(N, T) long: 1 on ``[CLS]`` tokens (global attention), 0 elsewhere (sliding-window only)."""
        return (input_ids == CLS_ID).long()

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
               token_type_ids: torch.Tensor | None = None, output_attentions: bool = False):
        """The ``transformers`` encoder output (``last_hidden_state`` (N, T, hidden), and with
        ``output_attentions`` the local ``attentions`` and ``global_attentions`` per layer),
        with global attention on ``[CLS]``."""
        mask = _check_batch(type(self).__name__, input_ids, attention_mask, token_type_ids, None, None,
                            self.config.vocab_size, self.config.max_tokens)
        return self.longformer(input_ids=input_ids.long(), attention_mask=mask,
                               global_attention_mask=self.global_attention_mask(input_ids),
                               token_type_ids=None if token_type_ids is None else token_type_ids.long(),
                               output_attentions=output_attentions)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                sentence_order_label: torch.Tensor | None = None) -> dict[str, torch.Tensor | None]:
        """dict(loss, mlm_loss, sop_loss, logits (N, T, vocab), sop_logits (N, 2) or None).

        ``mlm_loss``: mean cross-entropy over positions with ``labels != -100`` (None without
        labels); ``sop_loss``: cross-entropy of ``sentence_order_label`` (None without it);
        ``loss``: their sum (ALBERT's pre-training loss), or the one present.
        """
        _check_batch(type(self).__name__, input_ids, attention_mask, token_type_ids, labels, sentence_order_label,
                     self.config.vocab_size, self.config.max_tokens)
        if sentence_order_label is not None and self.sop_head is None:
            raise ValueError(f"{type(self).__name__} was built without an SOP head (config.sop=False) but got "
                             "sentence_order_label; build it with sop=True or drop the labels.")
        hidden = self.encode(input_ids, attention_mask, token_type_ids).last_hidden_state
        logits = self.lm_head(hidden)
        sop_logits = self.sop_head(self.pooler(hidden)) if self.sop_head is not None else None
        mlm_loss = _mlm_loss(logits, labels)
        sop_loss = (F.cross_entropy(sop_logits.float(), sentence_order_label.long())
                    if sentence_order_label is not None else None)
        return {"loss": _total(mlm_loss, sop_loss), "mlm_loss": mlm_loss, "sop_loss": sop_loss,
                "logits": logits, "sop_logits": sop_logits}


    def masked_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                      token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(logits (M, vocab) at the M positions with ``labels != -100``, their labels (M,), sop_logits or None).

        The training path: the masked-LM head runs on the masked positions only (a 30,000-word
        head on every position would cost more than the encoder). Same numbers as
        ``forward(...)["logits"][labels != -100]``.
        """
        hidden = self.encode(input_ids, attention_mask, token_type_ids).last_hidden_state
        sel = labels != IGNORE_INDEX
        sop = self.sop_head(self.pooler(hidden)) if self.sop_head is not None else None
        return self.lm_head(hidden[sel]), labels[sel], sop


# --------------------------------------------------------------------------- Longalbert


class _FactorisedEmbeddings(nn.Module):
    """ALBERT's embeddings (word, position, segment: E dims, LayerNorm, dropout) then its E -> H projection.

    Takes the keyword arguments ``transformers.LongformerModel`` gives its embeddings.
    """

    def __init__(self, albert_embeddings: nn.Module, projection: nn.Linear) -> None:
        super().__init__()
        self.albert = albert_embeddings
        self.projection = projection

    @property
    def word_embeddings(self) -> nn.Embedding:
        return self.albert.word_embeddings

    def forward(self, input_ids=None, token_type_ids=None, position_ids=None, inputs_embeds=None):
        return self.projection(self.albert(input_ids=input_ids, token_type_ids=token_type_ids,
                                           position_ids=position_ids, inputs_embeds=inputs_embeds))


class _Pooler(nn.Module):
    """ALBERT's pooler: the first token's final state through its dense layer and tanh: (N, T, H) -> (N, H)."""

    def __init__(self, dense: nn.Linear, activation: nn.Module) -> None:
        super().__init__()
        self.dense = dense
        self.activation = activation

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden[:, 0]))


class LongalbertLM(LongformerLM):
    """Longalbert: ALBERT with Longformer's sliding-window + global attention, from ``transformers`` parts.

    Thesis section 4.1.2 (the hybrid) and 4.1.3 (sizes). Assembled, not written anew:

    * **from ALBERT** (``transformers.AlbertForPreTraining`` built with the same sizes and
      taken apart): the factorised embedding - word, position and segment embeddings of
      ``embedding_size`` E, LayerNorm, dropout (``AlbertEmbeddings``) followed by the E -> H
      projection ``embedding_hidden_mapping_in`` of ALBERT's transformer; the masked-LM
      head (``AlbertMLMHead``: H -> E, GELU, LayerNorm, E -> vocab tied to the E-dim word
      embeddings); the pooler (dense + tanh on the first token) and ``AlbertSOPHead``
      (dropout + linear to 2) for SOP. ALBERT's own layer stack is discarded.
    * **from Longformer** (``transformers.LongformerModel``): the frame - padding to a
      multiple of the window, merging global attention into the mask, the loop over layers
      - and its layers, ``LongformerLayer`` (Longformer self-attention: sliding window +
      global, output projection and LayerNorm; feed-forward; LayerNorm), which has the same
      post-LN structure as ``AlbertLayer`` with the attention swapped.

    **Sharing** is ALBERT's: the ``num_layers`` blocks are split into ``num_groups``
    consecutive groups, and every block of a group is the *same* ``LongformerLayer``
    object (block i uses group ``int(i / (num_layers / num_groups))``, ALBERT's rule), so
    the encoder's ``layer`` list holds ``num_layers`` references to ``num_groups`` modules;
    attention and feed-forward weights are both shared. The thesis's Longalbert has one
    group: two passes through one layer. The parameter count does not depend on
    ``num_layers`` (``parameters()`` yields each shared tensor once). Global attention on
    ``[CLS]``, ``forward`` and :meth:`encode` as :class:`LongformerLM`. Used by the
    dna_language_models chapter.
    """

    def __init__(self, config: LongalbertConfig) -> None:
        # slow to import; genomebook.models loads without it
        from transformers import AlbertConfig, AlbertForPreTraining, LongformerModel

        nn.Module.__init__(self)
        _quiet_padding_notice()
        if not isinstance(config, LongalbertConfig):
            raise TypeError(f"config must be a LongalbertConfig; got {type(config).__name__}.")
        self.config = config
        w = config.attention_window
        positions = -(-config.max_tokens // w) * w  # rows are padded to a multiple of the window before embedding
        albert = AlbertForPreTraining(AlbertConfig(
            vocab_size=config.vocab_size, embedding_size=config.embedding_size, hidden_size=config.hidden_size,
            num_hidden_layers=config.num_layers, num_hidden_groups=config.num_groups,
            num_attention_heads=config.num_heads, intermediate_size=config.intermediate_size, hidden_act="gelu",
            hidden_dropout_prob=config.hidden_dropout, attention_probs_dropout_prob=config.attention_dropout,
            classifier_dropout_prob=config.hidden_dropout, max_position_embeddings=positions, type_vocab_size=2,
            initializer_range=config.initializer_range, layer_norm_eps=config.layer_norm_eps, pad_token_id=PAD_ID,
            bos_token_id=CLS_ID, eos_token_id=3, num_labels=2))
        # The frame is built with one layer per group; its own (unfactorised) embeddings are replaced.
        hf = self._hf_config(config, num_hidden_layers=config.num_groups, hidden_size=config.hidden_size,
                             max_position_embeddings=config.max_tokens + PAD_ID + 1)
        frame = LongformerModel(hf, add_pooling_layer=False)
        frame.embeddings = _FactorisedEmbeddings(albert.albert.embeddings,
                                                 albert.albert.encoder.embedding_hidden_mapping_in)
        groups = list(frame.encoder.layer)
        n, g = config.num_layers, config.num_groups
        frame.encoder.layer = nn.ModuleList([groups[int(i / (n / g))] for i in range(n)])
        frame.config.num_hidden_layers = n
        frame.config.attention_window = [w] * n
        self.longformer = frame
        self.lm_head = albert.predictions  # decoder tied to albert.albert.embeddings.word_embeddings
        self.pooler = _Pooler(albert.albert.pooler, albert.albert.pooler_activation) if config.sop else None
        self.sop_head = albert.sop_classifier if config.sop else None

    @property
    def shared_layers(self) -> list[nn.Module]:
        """The distinct transformer layers (``num_groups`` of them), in order of first use."""
        seen: list[nn.Module] = []
        for layer in self.longformer.encoder.layer:
            if not any(layer is s for s in seen):
                seen.append(layer)
        return seen


# --------------------------------------------------------------------------- ELMo


class ELMoLM(nn.Module):
    """ELMo-style BiLSTM language model: the thesis's baseline (appendix B.1), with LM heads.

    A token embedding (``embedding_size``, ``[PAD]`` row fixed at 0) feeds two separate
    ``num_layers``-layer LSTMs of ``hidden_size`` units (ELMo keeps the directions apart so
    neither sees the tokens it predicts): the forward LSTM reads the row left to right, the
    backward one right to left (each row reversed within its length, so right-padding is
    never read before real tokens).

    * ``objective="causal"`` (ELMo): the forward state after token t-1 predicts token t
      and the backward state after token t+1 predicts token t, through one softmax layer
      shared by both directions (ELMo ties it). The model reads the *uncorrupted* row: when
      an MLM batch is given, masked positions are restored from ``labels`` first (a causal
      LM never sees the token it predicts, so masking is not needed). Targets are the word
      tokens (ids >= 5; specials are context only). ``mlm_loss`` is the mean cross-entropy
      over all forward and backward predictions (also returned apart as ``forward_loss``
      and ``backward_loss``); ``logits`` (N, T, vocab) are the forward LM's aligned with the
      tokens (``logits[:, t]`` predicts token t from tokens < t; row 0 is 0) and
      ``backward_logits`` the backward LM's (``[:, t]`` from tokens > t).
    * ``objective="masked"``: both LSTMs read the masked row; at each position their
      states are concatenated and a linear layer predicts the token; the loss is over
      ``labels != -100`` as for the transformers.

    ``token_type_ids`` are accepted and ignored; there is no SOP head (a
    ``sentence_order_label`` is an error). ``attention_mask`` must be a prefix of ones
    per row (right padding). ``forward`` returns the common dict (``sop_loss`` and
    ``sop_logits`` None). Used by the dna_language_models chapter.
    """

    def __init__(self, config: ELMoConfig) -> None:
        super().__init__()
        if not isinstance(config, ELMoConfig):
            raise TypeError(f"config must be an ELMoConfig; got {type(config).__name__}.")
        self.config = config
        c = config
        self.embedding = nn.Embedding(c.vocab_size, c.embedding_size, padding_idx=PAD_ID)
        self.dropout = nn.Dropout(c.dropout)
        lstm_dropout = c.dropout if c.num_layers > 1 else 0.0
        self.forward_lstm = nn.LSTM(c.embedding_size, c.hidden_size, c.num_layers, batch_first=True,
                                    dropout=lstm_dropout)
        self.backward_lstm = nn.LSTM(c.embedding_size, c.hidden_size, c.num_layers, batch_first=True,
                                     dropout=lstm_dropout)
        width = c.hidden_size if c.objective == "causal" else 2 * c.hidden_size
        self.head = nn.Linear(width, c.vocab_size)

    def states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Last-layer states (forward, backward), each (N, T, hidden_size).

        ``forward[:, t]`` has read tokens 0..t; ``backward[:, t]`` has read tokens t..end of
        the row (its real tokens). These are the thesis's embeddings (its downstream heads
        read the last layer's states).
        """
        mask = _check_batch(type(self).__name__, input_ids, attention_mask, None, None, None,
                            self.config.vocab_size, None)
        T = input_ids.shape[1]
        pos = torch.arange(T, device=input_ids.device)[None]
        lengths = mask.sum(1, keepdim=True)
        if not torch.equal(mask.bool(), pos < lengths):
            raise ValueError("ELMoLM needs right-padded rows: attention_mask must be ones then zeros in every row.")
        rev = torch.where(pos < lengths, lengths - 1 - pos, pos)  # reverses each row within its length
        x = self.dropout(self.embedding(input_ids.long()))
        fwd, _ = self.forward_lstm(x)
        bwd_rev, _ = self.backward_lstm(torch.gather(x, 1, rev[..., None].expand_as(x)))
        bwd = torch.gather(bwd_rev, 1, rev[..., None].expand_as(bwd_rev))
        return self.dropout(fwd), self.dropout(bwd)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                sentence_order_label: torch.Tensor | None = None) -> dict[str, torch.Tensor | None]:
        """dict(loss, mlm_loss, sop_loss=None, logits, sop_logits=None[, backward_logits, forward_loss,
        backward_loss, n_predicted]) - see the class docstring."""
        mask = _check_batch(type(self).__name__, input_ids, attention_mask, token_type_ids, labels,
                            sentence_order_label, self.config.vocab_size, None)
        if sentence_order_label is not None:
            raise ValueError("ELMoLM has no sentence-order head; drop sentence_order_label.")
        out: dict[str, torch.Tensor | None] = {"sop_loss": None, "sop_logits": None}
        if self.config.objective == "masked":
            fwd, bwd = self.states(input_ids, mask)
            logits = self.head(torch.cat([fwd, bwd], -1))
            mlm_loss = _mlm_loss(logits, labels)
            out.update(loss=mlm_loss, mlm_loss=mlm_loss, logits=logits)
            return out
        ids = input_ids.long()
        if labels is not None:  # a causal LM reads the true tokens
            ids = torch.where(labels != IGNORE_INDEX, labels.long(), ids)
        fwd, bwd = self.states(ids, mask)
        N, T = ids.shape
        zeros = fwd.new_zeros(N, 1, self.config.vocab_size)
        logits = torch.cat([zeros, self.head(fwd[:, :-1])], 1)  # [:, t] from tokens < t
        back = torch.cat([self.head(bwd[:, 1:]), zeros], 1)  # [:, t] from tokens > t
        pos = torch.arange(T, device=ids.device)[None]
        lengths = mask.sum(1, keepdim=True)
        word = (ids >= N_SPECIAL) & mask.bool()
        fwd_ok = word & (pos >= 1)
        bwd_ok = word & (pos + 1 < lengths)
        nll_f = F.cross_entropy(logits[fwd_ok].float(), ids[fwd_ok], reduction="sum")
        nll_b = F.cross_entropy(back[bwd_ok].float(), ids[bwd_ok], reduction="sum")
        n_f, n_b = int(fwd_ok.sum()), int(bwd_ok.sum())
        nan = logits.new_tensor(float("nan"))
        mlm_loss = (nll_f + nll_b) / (n_f + n_b) if n_f + n_b else nan
        out.update(loss=mlm_loss, mlm_loss=mlm_loss, logits=logits, backward_logits=back,
                   forward_loss=nll_f / n_f if n_f else nan, backward_loss=nll_b / n_b if n_b else nan,
                   n_predicted=torch.tensor(n_f + n_b))
        return out


    def masked_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                      token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, None]:
        """As :meth:`LongformerLM.masked_logits`; needs ``objective="masked"`` (a causal LM is not masked)."""
        if self.config.objective != "masked":
            raise ValueError("ELMoLM.masked_logits needs objective='masked'; the causal objective predicts every token.")
        fwd, bwd = self.states(input_ids, attention_mask)
        sel = labels != IGNORE_INDEX
        return self.head(torch.cat([fwd[sel], bwd[sel]], -1)), labels[sel], None


# --------------------------------------------------------------------------- metrics


def masked_token_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Masked-token accuracy: the fraction of MASKED positions (``labels != -100``) whose arg-max is the label.

    ``logits`` (N, T, vocab), ``labels`` (N, T) as from an MLM collator. Unmasked positions
    do not count at all, so copying the input earns nothing: chance is about 1 / vocabulary
    (more for frequent tokens). NaN if nothing is masked. The same number as
    :func:`genomebook.models.bert.masked_lm_metrics` ``["accuracy"]``. Used by the
    dna_language_models chapter (the honest MLM accuracy, beside the thesis's).
    """
    return float(masked_lm_metrics(logits.detach(), labels)["accuracy"])


def _true_ids(input_ids: torch.Tensor, labels: torch.Tensor | None,
              attention_mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    if labels is not None and labels.shape != input_ids.shape:
        raise ValueError(f"labels {tuple(labels.shape)} must match input_ids {tuple(input_ids.shape)}.")
    if attention_mask is not None and attention_mask.shape != input_ids.shape:
        raise ValueError(f"attention_mask {tuple(attention_mask.shape)} must match input_ids "
                         f"{tuple(input_ids.shape)}.")
    true = input_ids if labels is None else torch.where(labels != IGNORE_INDEX, labels, input_ids)
    counted = (input_ids != PAD_ID) if attention_mask is None else attention_mask.bool()
    return true.long(), counted


def all_token_accuracy(logits: torch.Tensor, input_ids: torch.Tensor, labels: torch.Tensor | None = None,
                       attention_mask: torch.Tensor | None = None) -> float:
    """The thesis's MLM accuracy: arg-max vs the true token at EVERY non-pad position (table 5.1).

    The true token is the input id, except at masked positions (``labels != -100``) where it
    is the label, the token before corruption. Counted positions: ``attention_mask == 1``
    (or ``input_ids != [PAD]`` without a mask), special tokens included. Since about 85% of
    positions are not masked, a model that copies its input already scores about 0.85 (the
    thesis's "random baseline", table 5.1): with 15% masked and 80/10/10 corruption,
    copying scores 0.85 + 0.15 x 0.1 = 0.865 in expectation; :func:`copy_baseline_accuracy`
    gives the exact value on a batch. Report it beside :func:`masked_token_accuracy`, never
    alone. NaN if no position counts. Used by the dna_language_models chapter.
    """
    true, counted = _true_ids(input_ids, labels, attention_mask)
    if logits.shape[:-1] != true.shape:
        raise ValueError(f"logits {tuple(logits.shape)} must be input_ids {tuple(true.shape)} + (vocab,).")
    n = int(counted.sum())
    return float(((logits.argmax(-1) == true) & counted).sum()) / n if n else float("nan")


def copy_baseline_accuracy(input_ids: torch.Tensor, labels: torch.Tensor | None = None,
                           attention_mask: torch.Tensor | None = None) -> float:
    """:func:`all_token_accuracy` of a model that predicts its (corrupted) input token everywhere.

    The fraction of counted positions whose input id is already the true token: every
    unmasked position, plus masked ones left unchanged (BERT's 10%) or replaced by chance
    with the same token. The bar the thesis's all-token accuracy must clear. Used by the
    dna_language_models chapter.
    """
    true, counted = _true_ids(input_ids, labels, attention_mask)
    n = int(counted.sum())
    return float(((input_ids.long() == true) & counted).sum()) / n if n else float("nan")


# --------------------------------------------------------------------------- sizes


def parameter_count(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of distinct parameters of ``model`` (tied and shared weights counted once).

    ``trainable_only`` counts only those with ``requires_grad``. Used by the
    dna_language_models chapter (its model table, :func:`size_table`).
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _describe(config: Any) -> str:
    if isinstance(config, ELMoConfig):
        return (f"{config.num_layers} BiLSTM layers x {config.hidden_size} per direction, "
                f"embedding {config.embedding_size}, {config.objective} LM head")
    text = (f"{config.num_layers} blocks, {config.num_heads} heads, hidden {config.hidden_size}, "
            f"feed-forward {config.intermediate_size}, window {config.attention_window}, "
            f"{config.max_tokens} tokens")
    if isinstance(config, LongalbertConfig):
        text += f", embedding E {config.embedding_size}, {config.num_groups} shared group(s)"
    return text


def size_table(vocab_size: int = THESIS_VOCAB, size: str = "thesis", **overrides: Any) -> pd.DataFrame:
    """Each model of :data:`LANGUAGE_MODELS`: its sizes, our parameter count, and the thesis's.

    Columns: ``model``, ``sizes`` (what was built), ``parameters`` (ours,
    :func:`parameter_count`, masked-LM heads included, SOP head not unless ``sop=True`` is
    passed), ``embedding_parameters`` (the token embedding matrix alone: most of a small
    model with a 30,000-token vocabulary), ``thesis_parameters`` and ``thesis_source``. The
    thesis reports no parameter count for any model (it gives sizes only: section 4.1.3 and
    appendix B.1), so ``thesis_parameters`` reads "not reported". Models are built on
    PyTorch's ``meta`` device (shapes only, no memory, no initialisation). ``overrides``
    apply to every transformer config (e.g. ``sop=True``); fields a config lacks are
    skipped. Used by the dna_language_models chapter.
    """
    rows = []
    for name in LANGUAGE_MODELS:
        cls = _THESIS[name][0]
        fields = {f.name for f in dataclasses.fields(cls)}
        config = language_model_config(name, size, vocab_size=vocab_size,
                                       **{k: v for k, v in overrides.items() if k in fields})
        with torch.device("meta"):
            model = build_language_model(config)
        emb = model.embedding if isinstance(model, ELMoLM) else model.longformer.embeddings.word_embeddings
        rows.append({"model": name, "sizes": _describe(config), "parameters": parameter_count(model),
                     "embedding_parameters": emb.weight.numel(), "thesis_parameters": "not reported",
                     "thesis_source": _SOURCES[name]})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- n-gram baseline


class NGramMaskedLM:
    """A token n-gram model of masked positions: the baseline a masked-LM accuracy must beat.

    Fitted on the training rows (token ids with specials, unmasked), it counts every word
    token ``v`` with its left and right neighbours ``(l, v, r)``. At a masked position it
    predicts the most frequent ``v`` seen between the input's neighbours ``(l, r)`` (as the
    model sees them: a neighbour may itself be ``[MASK]``), backing off to the most frequent
    token after ``l``, then before ``r``, then overall (ties: the smallest id). It reads
    the same corrupted input as the transformer and nothing else: word frequencies and
    immediate context, no long-range structure. Used by the dna_language_models chapter for
    the claim the thesis could not make (does masked-only accuracy beat this?).
    """

    def __init__(self) -> None:
        self.tables: list[dict[tuple[int, ...], int]] = []
        self.unigram = N_SPECIAL

    @staticmethod
    def _best(keys: pd.DataFrame, cols: list[str]) -> dict[tuple[int, ...], int]:
        counts = keys.groupby([*cols, "v"], sort=True).size().rename("n").reset_index()
        counts = counts.sort_values([*cols, "n", "v"], ascending=[True] * len(cols) + [False, True], kind="stable")
        first = counts.drop_duplicates(cols)
        return {tuple(int(x) for x in k): int(v) for k, v in zip(first[cols].itertuples(index=False), first["v"])}

    def fit(self, rows) -> NGramMaskedLM:
        """Count ``(l, v, r)`` over ``rows`` (an iterable of 1-D id sequences); returns self."""
        ls, vs, rs = [], [], []
        for row in rows:
            a = np.asarray(row, dtype=np.int64)
            if len(a) < 3:
                continue
            ls.append(a[:-2]); vs.append(a[1:-1]); rs.append(a[2:])
        if not vs:
            raise ValueError("NGramMaskedLM.fit needs rows of at least 3 tokens.")
        keys = pd.DataFrame({"l": np.concatenate(ls), "v": np.concatenate(vs), "r": np.concatenate(rs)})
        keys = keys[keys["v"] >= N_SPECIAL]
        self.tables = [self._best(keys, ["l", "r"]), self._best(keys, ["l"]), self._best(keys, ["r"])]
        counts = keys["v"].value_counts()
        self.unigram = int(counts[counts == counts.max()].index.min())
        return self

    def predict(self, input_ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Predicted ids (M,) at the M positions with ``labels != -100`` of (N, T) ``input_ids``."""
        if not self.tables:
            raise RuntimeError("NGramMaskedLM: call fit() first.")
        ids = input_ids.long().cpu().numpy()
        pad = np.full((ids.shape[0], 1), PAD_ID)
        left, right = np.hstack([pad, ids[:, :-1]]), np.hstack([ids[:, 1:], pad])
        sel = (labels != IGNORE_INDEX).cpu().numpy()
        both, lonly, ronly = self.tables
        out = []
        for l, r in zip(left[sel].tolist(), right[sel].tolist()):
            v = both.get((l, r))
            if v is None:
                v = lonly.get((l,))
            if v is None:
                v = ronly.get((r,))
            out.append(self.unigram if v is None else v)
        return torch.tensor(out, dtype=torch.long)


# --------------------------------------------------------------------------- Lightning


class LanguageModelTask(L.LightningModule):
    """Thin Lightning wrapper that pre-trains any model of this module on MLM (+ SOP) batches.

    Batches are those of :class:`genomebook.tokenize.MLMCollator` (``input_ids``,
    ``attention_mask``, ``labels``; with sentence-order samples also ``token_type_ids`` and
    ``sentence_order_label``). Training runs the model's ``masked_logits`` (the LM head on
    masked positions only); the loss is the masked-token cross-entropy plus, when the batch
    has SOP labels, the SOP cross-entropy (ALBERT's sum). Optimiser: Adam with a constant
    rate ``lr`` (the thesis: Adam, 1e-4, betas 0.9/0.999, appendix B.2).

    Logged per epoch: ``train_loss`` (masked-token cross-entropy, nats, as the model sees it
    in training: dropout on), ``train_sop_loss``; after each validation, over all validation
    tokens: ``val_loss`` (mean cross-entropy over masked tokens), ``val_perplexity``
    (exp of it, per token), ``val_masked_accuracy`` (masked positions only) and
    ``val_sop_accuracy``. :meth:`score` gives these per row, and also the thesis's all-token
    accuracy and what copying the input scores on it, for a final evaluation with intervals.
    Used by :mod:`genomebook.workflows.language` (the dna_language_models chapter).
    """

    def __init__(self, model: nn.Module, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.999)) -> None:
        super().__init__()
        self.model = model
        self.lr, self.betas = float(lr), tuple(betas)
        self._val: list[dict[str, torch.Tensor]] = []

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        logits, targets, sop = self.model.masked_logits(batch["input_ids"], batch["attention_mask"],
                                                        batch.get("token_type_ids"), batch["labels"])
        loss = F.cross_entropy(logits.float(), targets) if targets.numel() else logits.sum() * 0.0
        self.log("train_loss", loss, on_epoch=True, on_step=False, batch_size=max(1, targets.numel()))
        if sop is not None and "sentence_order_label" in batch:
            sop_loss = F.cross_entropy(sop.float(), batch["sentence_order_label"])
            self.log("train_sop_loss", sop_loss, on_epoch=True, on_step=False, batch_size=len(sop))
            loss = loss + sop_loss
        return loss

    @torch.no_grad()
    def score(self, batch: dict[str, torch.Tensor], all_tokens: bool = True) -> dict[str, torch.Tensor]:
        """Per row of the batch (N,): ``nll`` (summed over masked tokens, nats), ``masked``,
        ``masked_correct``, ``sop_correct`` (1/0; -1 when the batch has no SOP labels) and, with
        ``all_tokens``, ``tokens`` (non-pad), ``all_correct``, ``copy_correct`` and ``all_nll``
        (cross-entropy summed over every non-pad position, the true token being the label where
        masked and the input elsewhere); these need the LM head on every position: a final
        evaluation, not every epoch."""
        ids, mask, labels = batch["input_ids"], batch["attention_mask"], batch["labels"]
        sel = labels != IGNORE_INDEX
        rows = sel.nonzero()[:, 0]
        if all_tokens:
            out_all = self.model(ids, mask, batch.get("token_type_ids"))
            logits, sop = out_all["logits"], out_all["sop_logits"]
            pred_all = logits.argmax(-1)
            masked, targets = logits[sel], labels[sel]
        else:
            masked, targets, sop = self.model.masked_logits(ids, mask, batch.get("token_type_ids"), labels)
        zeros = torch.zeros(len(ids), device=ids.device)
        nll = F.cross_entropy(masked.float(), targets, reduction="none")
        out = {"nll": zeros.index_add(0, rows, nll), "masked": sel.sum(1),
               "masked_correct": zeros.index_add(0, rows, (masked.argmax(-1) == targets).float()).long()}
        if all_tokens:
            true = torch.where(sel, labels, ids)
            counted = mask.bool()
            every = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), true.reshape(-1),
                                    reduction="none").reshape(true.shape)
            out.update(tokens=counted.sum(1), all_correct=((pred_all == true) & counted).sum(1),
                       copy_correct=((ids == true) & counted).sum(1), all_nll=(every * counted).sum(1))
        out["sop_correct"] = ((sop.argmax(-1) == batch["sentence_order_label"]).long()
                              if sop is not None and "sentence_order_label" in batch
                              else torch.full_like(out["masked"], -1))
        return out

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._val.append(self.score(batch, all_tokens=False))

    def on_validation_epoch_end(self) -> None:
        if not self._val:
            return
        tot = {k: torch.cat([v[k] for v in self._val]) for k in self._val[0]}
        self._val = []
        n_masked = tot["masked"].sum().clamp(min=1).float()
        loss = tot["nll"].sum() / n_masked
        self.log("val_loss", loss)
        self.log("val_perplexity", torch.exp(loss))
        self.log("val_masked_accuracy", tot["masked_correct"].sum().float() / n_masked)
        sop = tot["sop_correct"]
        if (sop >= 0).any():
            self.log("val_sop_accuracy", sop[sop >= 0].float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr, betas=self.betas)
