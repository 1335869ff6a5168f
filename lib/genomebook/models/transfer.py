"""Task heads on the small DNA language models, and the one Lightning wrapper that fine-tunes them.

The fine-tuning of the Small-transformers thesis (Lorello 2021, sections 4.2.2-4.2.4 and
appendix B.3-B.5): a pre-trained (or freshly built, "untrained") encoder of
:mod:`genomebook.models.language` with one of three heads.

* ``"position"`` - a linear layer scores every token; a softmax over the row's tokens (pads
  excluded) says where the transcription start site is (section 4.2.2, the tss_localisation
  chapter). Target: the index of the TSS token.
* ``"class"`` - one label per row (softmax over classes): the 12S species of the
  metagenomics_12s chapter (section 4.2.3). Target: the class index.
* ``"labels"`` - many independent labels per row (sigmoid each, cross-entropy with a weight
  on positives): the 919 chromatin features of the chromatin_profiles chapter (section 4.2.4).
  Target: a (C,) 0/1 vector.

Pooling (``pooling``): ``"cls"`` reads the ``[CLS]`` token's final state (the small
Longformer's connectivity, section 4.2.3); ``"flatten"`` reads every token's state, flattened
(the thesis's ELMo and large-Longformer heads, appendix B.4; needs rows padded to
``max_tokens``). ``hidden`` adds the deep head of appendix B.4 (dropout, dense + tanh, then
the output layer). The position head always reads every token.

:class:`TransferModel` is a plain ``nn.Module``; :class:`TransferTask` is its thin Lightning
wrapper (Adam, constant rate: the thesis's optimiser).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F

from genomebook.models.language import ELMoLM, LongformerLM

__all__ = ["HEADS", "POOLINGS", "encoder_states", "TransferModel", "TransferTask"]

#: Head kinds: token position (softmax over tokens), one class per row, many 0/1 labels per row.
HEADS = ("position", "class", "labels")
POOLINGS = ("cls", "flatten")


def encoder_states(encoder: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Final hidden states (N, T, H) of any language model of :mod:`genomebook.models.language`:
    the Longformer / Longalbert encoder output, or ELMo's forward and backward LSTM states side by
    side (H = 2 x hidden). Used by the tss_localisation, metagenomics_12s and chromatin_profiles chapters."""
    if isinstance(encoder, ELMoLM):
        fwd, bwd = encoder.states(input_ids, attention_mask)
        return torch.cat([fwd, bwd], -1)
    if isinstance(encoder, LongformerLM):  # Longalbert is a LongformerLM
        return encoder.encode(input_ids, attention_mask).last_hidden_state
    raise TypeError(f"encoder must be a model of genomebook.models.language; got {type(encoder).__name__}.")


def _width(encoder: nn.Module) -> int:
    cfg = encoder.config
    return 2 * cfg.hidden_size if isinstance(encoder, ELMoLM) else cfg.hidden_size


class TransferModel(nn.Module):
    """An encoder of :mod:`genomebook.models.language` with a task head (see the module docstring).

    ``forward(input_ids, attention_mask)`` returns logits: (N, T) for ``"position"`` (pads at
    -inf), (N, n_out) otherwise. ``max_tokens`` is needed by ``pooling="flatten"`` (rows must
    be padded to it). ``dropout`` is applied to the states the head reads (the thesis's 0 / 0.1 /
    0.2 in section 5.2; 0.1 before the deep head of appendix B.4). Used by the tss_localisation,
    metagenomics_12s and chromatin_profiles chapters.
    """

    def __init__(self, encoder: nn.Module, head: str, n_out: int = 1, *, pooling: str = "cls",
                 hidden: int | None = None, dropout: float = 0.1, max_tokens: int | None = None) -> None:
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(HEADS)}; got {head!r}.")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}; got {pooling!r}.")
        if head != "position" and int(n_out) < 1:
            raise ValueError(f"n_out must be at least 1 for a {head!r} head; got {n_out}.")
        if pooling == "flatten" and head != "position" and not max_tokens:
            raise ValueError("pooling='flatten' reads every token's state: give max_tokens (rows are padded to it).")
        self.encoder, self.head_kind, self.pooling = encoder, head, pooling
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        width = _width(encoder)
        self.dropout = nn.Dropout(float(dropout))
        if head == "position":
            self.head = nn.Linear(width, 1)
            return
        n_in = width * (self.max_tokens if pooling == "flatten" else 1)
        layers: list[nn.Module] = []
        if hidden:
            layers += [nn.Linear(n_in, int(hidden)), nn.Tanh()]
            n_in = int(hidden)
        self.head = nn.Sequential(*layers, nn.Linear(n_in, int(n_out)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.dropout(encoder_states(self.encoder, input_ids, attention_mask))
        if self.head_kind == "position":
            logits = self.head(states).squeeze(-1).float()
            return logits.masked_fill(~attention_mask.bool(), float("-inf"))
        if self.pooling == "cls":
            return self.head(states[:, 0])
        if states.shape[1] != self.max_tokens:
            raise ValueError(f"pooling='flatten' needs rows of exactly max_tokens={self.max_tokens} tokens; "
                             f"got {states.shape[1]} (pad the batch to max_tokens).")
        states = states * attention_mask[..., None].to(states.dtype)  # pads read as zeros
        return self.head(states.flatten(1))


class TransferTask(L.LightningModule):
    """Thin Lightning wrapper fine-tuning a :class:`TransferModel` (encoder and head together).

    Batches: dict(``input_ids``, ``attention_mask``, ``target``): the TSS token index (position
    head), the class index (class head) or a (N, C) 0/1 float matrix (labels head). Loss:
    cross-entropy over tokens or classes; for labels, binary cross-entropy with
    ``pos_weight`` on positives (the thesis's 8, section 4.2.4). Adam at ``lr`` (the thesis:
    1e-4; 1e-3 for ELMo, 1e-5 / 1e-4 for the large Longformer, appendix B). Logs
    ``train_loss``, ``val_loss`` and, for position and class heads, ``val_accuracy``.
    :meth:`predict_logits` gives the logits of a loader. Used by the tss_localisation,
    metagenomics_12s and chromatin_profiles chapters.
    """

    def __init__(self, model: TransferModel, lr: float = 1e-4, *, pos_weight: float = 1.0,
                 betas: tuple[float, float] = (0.9, 0.999)) -> None:
        super().__init__()
        self.model, self.lr, self.betas = model, float(lr), tuple(betas)
        self.pos_weight = float(pos_weight)
        self._val: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean loss of one batch (see the class docstring)."""
        if self.model.head_kind == "labels":
            weight = torch.tensor(self.pos_weight, device=logits.device)
            return F.binary_cross_entropy_with_logits(logits.float(), target.float(), pos_weight=weight)
        return F.cross_entropy(logits.float(), target.long())

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.model(batch["input_ids"], batch["attention_mask"])

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self.loss(self(batch), batch["target"])
        self.log("train_loss", loss, on_epoch=True, on_step=False, batch_size=len(batch["target"]))
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        logits = self(batch)
        self._val.append((self.loss(logits, batch["target"]).detach() * len(logits), logits.detach(),
                          batch["target"].detach()))

    def on_validation_epoch_end(self) -> None:
        if not self._val:
            return
        n = sum(len(l) for _, l, _ in self._val)
        self.log("val_loss", sum(s for s, _, _ in self._val) / n)
        if self.model.head_kind != "labels":
            hits = sum(int((l.argmax(-1) == t).sum()) for _, l, t in self._val)
            self.log("val_accuracy", hits / n)
        self._val = []

    @torch.no_grad()
    def predict_logits(self, loader: Any) -> torch.Tensor:
        """Logits of every batch of ``loader`` on the CPU, in order (model in eval mode)."""
        self.eval()
        device = next(self.parameters()).device
        out = []
        for batch in loader:
            out.append(self({k: v.to(device) for k, v in batch.items()}).float().cpu())
        if self.model.head_kind != "position":
            return torch.cat(out)
        width = max(o.shape[1] for o in out)
        return torch.cat([F.pad(o, (0, width - o.shape[1]), value=float("-inf")) for o in out])

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr, betas=self.betas)
