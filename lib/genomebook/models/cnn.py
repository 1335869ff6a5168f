"""Convolutional networks on one-hot DNA."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class MotifCNNConfig:
    """Sizes of :class:`MotifCNN`; defaults suit 200-1000 bp sequences and 5-20 bp motifs."""

    n_filters: int = 32
    filter_width: int = 19
    hidden: int = 32
    n_outputs: int = 1
    dropout: float = 0.1


class MotifCNN(nn.Module):
    """One wide convolution (motif detectors), global max-pool, then a small MLP.

    Input (N, 4, L) one-hot; output (N, n_outputs) logits. The first layer's filters are
    read as motifs (:func:`genomebook.interpret.filters_to_ppms`), and the MLP lets the
    network combine them (e.g. two motifs that must co-occur).
    """

    def __init__(self, config: MotifCNNConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = config or MotifCNNConfig(**sizes)
        c = self.config
        self.conv = nn.Conv1d(4, c.n_filters, c.filter_width, padding=c.filter_width // 2)
        self.head = nn.Sequential(
            nn.Dropout(c.dropout),
            nn.Linear(c.n_filters, c.hidden),
            nn.ReLU(),
            nn.Linear(c.hidden, c.n_outputs),
        )

    def activations(self, x: torch.Tensor) -> torch.Tensor:
        """First-layer activations after ReLU, (N, n_filters, L)."""
        return torch.relu(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.activations(x).amax(dim=-1))
