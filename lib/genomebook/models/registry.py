"""The book's one registry of model names: what each network sees and how to build it by name.

Two kinds of model are compared by name in the chapters:

- ``"cross-cell"`` — ``net(x, motif, expr) -> (B, K)``: one score per locus and cell type
  (the DeepCAGE chapters: DeepCAGE, its ablations, Basset, DeepSEA, DanQ, ChromDragoNN-like).
  Built with ``n_tfs``, ``width`` (× published widths) and ``layers_per_block``.
- ``"sequence"`` — ``net(x) -> (N, n_classes)`` logits of one-hot DNA ``(N, 4, L)`` (the DNABERT
  family's CNN baselines: CNN, CNN+LSTM, CNN+GRU, DeePromoter). Built with ``n_classes``
  (1 = a single binary logit).

Examples
--------
>>> names("sequence")
('CNN', 'CNN+LSTM', 'CNN+GRU', 'DeePromoter')
>>> build("CNN", n_classes=1)(__import__("torch").zeros(2, 4, 70)).shape
torch.Size([2, 1])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from torch import nn

from genomebook.models.cnn import Basset, BassetConfig, DanQ, DanQConfig, DeepSEA, DeepSEAConfig, SequenceOnly
from genomebook.models.deepcage import (ChromDragoNNConfig, ChromDragoNNLike, DeepCAGE, DeepCAGEConfig,
                                        DenseNetConfig)
from genomebook.models.promoter_cnns import CNNGRU, CNNLSTM, DeePromoter, PromoterCNN
from genomebook.models.sizes import scaled

__all__ = ["KINDS", "MODELS", "ModelSpec", "build", "names", "CROSS_CELL_MODELS", "SEQUENCE_ONLY",
           "cross_cell_model"]

KINDS = ("cross-cell", "sequence")


@dataclass(frozen=True)
class ModelSpec:
    """One named model: its kind (see :data:`KINDS`), what it sees, and a builder of a fresh network."""

    name: str
    kind: str
    sees: str
    build: Callable[..., nn.Module]


def _deepcage(name: str) -> Callable[..., nn.Module]:
    def make(*, n_tfs: int, width: float = 1.0, layers_per_block: int = 5) -> nn.Module:
        trunk = dataclasses.replace(DenseNetConfig(), layers_per_block=layers_per_block)
        config = DeepCAGEConfig(trunk=trunk, n_tfs=n_tfs, use_expression=name != "DeepCAGE − expression",
                                use_motif_scores=name != "DeepCAGE − motif scores")
        return DeepCAGE(scaled(config, width))
    return make


def _chromdragonn(*, n_tfs: int, width: float = 1.0, layers_per_block: int = 5) -> nn.Module:
    return ChromDragoNNLike(scaled(ChromDragoNNConfig(n_tfs=n_tfs), width))


def _sequence_only(net_cls: type[nn.Module], config_cls: type, shrink: float) -> Callable[..., nn.Module]:
    # The published sequence-only networks are far wider than DeepCAGE's trunk (4-52 M
    # parameters); below published width their factor is divided by `shrink` so CPU runs stay
    # comparable in cost (the chapters show each network's width in their models table).
    def make(*, n_tfs: int, width: float = 1.0, layers_per_block: int = 5) -> nn.Module:
        return SequenceOnly(net_cls(scaled(config_cls(), width if width >= 1 else width / shrink)))
    return make


def _classifier(net_cls: type[nn.Module]) -> Callable[..., nn.Module]:
    def make(*, n_classes: int = 1) -> nn.Module:
        return net_cls(n_classes=n_classes)
    return make


MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("DeepCAGE", "cross-cell", "sequence (DenseNet) + motif scores × TF expression",
              _deepcage("DeepCAGE")),
    ModelSpec("DeepCAGE − expression", "cross-cell",
              "ablation: sequence + motif scores (no cell-type information)", _deepcage("DeepCAGE − expression")),
    ModelSpec("DeepCAGE − motif scores", "cross-cell", "ablation: sequence + TF expression",
              _deepcage("DeepCAGE − motif scores")),
    ModelSpec("Basset", "cross-cell", "sequence only", _sequence_only(Basset, BassetConfig, 2)),
    ModelSpec("DeepSEA", "cross-cell", "sequence only", _sequence_only(DeepSEA, DeepSEAConfig, 4)),
    ModelSpec("DanQ", "cross-cell", "sequence only (CNN + BiLSTM)", _sequence_only(DanQ, DanQConfig, 2)),
    ModelSpec("ChromDragoNN-like", "cross-cell", "sequence (ResNet) + TF expression, no motif scores",
              _chromdragonn),
    ModelSpec("CNN", "sequence", "one-hot DNA (conv trunk, global max-pool)", _classifier(PromoterCNN)),
    ModelSpec("CNN+LSTM", "sequence", "one-hot DNA (conv trunk + LSTM)", _classifier(CNNLSTM)),
    ModelSpec("CNN+GRU", "sequence", "one-hot DNA (conv trunk + GRU)", _classifier(CNNGRU)),
    ModelSpec("DeePromoter", "sequence", "one-hot DNA (parallel convs + BiLSTM)", _classifier(DeePromoter)),
)}


def names(kind: str) -> tuple[str, ...]:
    """Names of the registered models of ``kind`` ("cross-cell" or "sequence"), in registry order."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}.")
    return tuple(n for n, s in MODELS.items() if s.kind == kind)


def build(name: str, kind: str | None = None, **sizes) -> nn.Module:
    """A fresh network ``name`` built with ``sizes`` (see the module docstring for each kind's sizes).

    ``kind``, when given, must be the model's kind (a chapter asking for a cross-cell model
    gets a clear error for a sequence classifier's name, and the reverse).
    """
    spec = MODELS.get(name)
    if spec is None or (kind is not None and spec.kind != kind):
        choices = names(kind) if kind else tuple(MODELS)
        raise KeyError(f"No {kind + ' ' if kind else ''}model {name!r}; choose from {', '.join(choices)}.")
    return spec.build(**sizes)


#: name -> what the model sees, for the cross-cell models of the DeepCAGE chapters.
CROSS_CELL_MODELS: dict[str, str] = {n: MODELS[n].sees for n in names("cross-cell")}
SEQUENCE_ONLY: tuple[str, ...] = ("Basset", "DeepSEA", "DanQ")


def cross_cell_model(name: str, *, n_tfs: int, width: float = 1.0, layers_per_block: int = 5) -> nn.Module:
    """A fresh cross-cell network ``name`` with widths × ``width`` (DeepCAGE chapters).

    ``width=1`` and ``layers_per_block=5`` are the published sizes; profiles shrink both for
    CPU runs. Sequence-only networks are wrapped in :class:`~genomebook.models.cnn.SequenceOnly`,
    so they give one score per locus, the same for every cell type.
    """
    return build(name, "cross-cell", n_tfs=n_tfs, width=width, layers_per_block=layers_per_block)
