"""The cross-cell-type models of the DeepCAGE chapters by name, sized by one width factor."""

from __future__ import annotations

import dataclasses

from torch import nn

from genomebook.models.cnn import Basset, BassetConfig, DanQ, DanQConfig, DeepSEA, DeepSEAConfig, SequenceOnly
from genomebook.models.deepcage import (ChromDragoNNConfig, ChromDragoNNLike, DeepCAGE, DeepCAGEConfig,
                                        DenseNetConfig)
from genomebook.models.sizes import scaled

# name -> what the model sees; every one has forward(x, motif, expr) -> (B, K)
CROSS_CELL_MODELS = {
    "DeepCAGE": "sequence (DenseNet) + motif scores × TF expression",
    "DeepCAGE − expression": "ablation: sequence + motif scores (no cell-type information)",
    "DeepCAGE − motif scores": "ablation: sequence + TF expression",
    "Basset": "sequence only",
    "DeepSEA": "sequence only",
    "DanQ": "sequence only (CNN + BiLSTM)",
    "ChromDragoNN-like": "sequence (ResNet) + TF expression, no motif scores",
}
SEQUENCE_ONLY = ("Basset", "DeepSEA", "DanQ")


def cross_cell_model(name: str, *, n_tfs: int, width: float = 1.0, layers_per_block: int = 5) -> nn.Module:
    """A fresh network ``name`` (see :data:`CROSS_CELL_MODELS`) with widths × ``width``.

    ``width=1`` and ``layers_per_block=5`` are the published sizes; profiles shrink both for
    CPU runs. Sequence-only networks are wrapped in :class:`SequenceOnly`, so they give one
    score per locus, the same for every cell type.
    """
    if name not in CROSS_CELL_MODELS:
        raise KeyError(f"No cross-cell model {name!r}; choose from {', '.join(CROSS_CELL_MODELS)}.")
    if name.startswith("DeepCAGE"):
        trunk = dataclasses.replace(DenseNetConfig(), layers_per_block=layers_per_block)
        config = DeepCAGEConfig(trunk=trunk, n_tfs=n_tfs, use_expression=name != "DeepCAGE − expression",
                                use_motif_scores=name != "DeepCAGE − motif scores")
        return DeepCAGE(scaled(config, width))
    if name == "ChromDragoNN-like":
        return ChromDragoNNLike(scaled(ChromDragoNNConfig(n_tfs=n_tfs), width))
    # The published sequence-only networks are far wider than DeepCAGE's trunk (4-52 M
    # parameters); halving their factor keeps CPU runs comparable in cost.
    net = {"Basset": lambda: Basset(scaled(BassetConfig(), width if width >= 1 else width / 2)),
           "DeepSEA": lambda: DeepSEA(scaled(DeepSEAConfig(), width if width >= 1 else width / 4)),
           "DanQ": lambda: DanQ(scaled(DanQConfig(), width if width >= 1 else width / 2))}[name]()
    return SequenceOnly(net)
