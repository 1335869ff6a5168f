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


# --------------------------------------------------------------------------- published baselines
# Sequence-only multi-task networks. The originals flatten a fixed-length feature map into their
# first fully connected layer; here an adaptive pooling to the length the original reaches at its
# own input size (``pooled_length``) comes first, so any L >= ~100 works and, at the original L,
# the pooling is (nearly) the identity. Convolutions use 'same' padding for the same reason.


def same_conv(in_ch: int, out_ch: int, width: int) -> nn.Module:
    """Conv1d whose output has the input's length (even widths padded one more on the right)."""
    left = (width - 1) // 2
    if width % 2:
        return nn.Conv1d(in_ch, out_ch, width, padding=left)
    return nn.Sequential(nn.ConstantPad1d((left, width - 1 - left), 0.0),
                         nn.Conv1d(in_ch, out_ch, width))


@dataclass
class BassetConfig:
    """Sizes of :class:`Basset` (Kelley et al. 2016); defaults are the paper's."""

    conv_channels: tuple[int, ...] = (300, 200, 200)
    conv_widths: tuple[int, ...] = (19, 11, 7)
    pools: tuple[int, ...] = (3, 4, 4)
    pooled_length: int = 10          # what 600 bp reaches after the three conv/pool layers
    hidden: tuple[int, ...] = (1000, 1000)
    dropout: float = 0.3
    n_outputs: int = 1               # 164 DNase-seq cell types in the paper


class Basset(nn.Module):
    """Basset: 3 x (conv, BN, ReLU, max-pool), 2 x (FC, ReLU, dropout), FC; (B,4,L) -> (B, n_outputs)."""

    def __init__(self, config: BassetConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or BassetConfig(**sizes)
        layers: list[nn.Module] = []
        ch = 4
        for out, width, pool in zip(c.conv_channels, c.conv_widths, c.pools):
            layers += [same_conv(ch, out, width), nn.BatchNorm1d(out), nn.ReLU(),
                       nn.MaxPool1d(pool, ceil_mode=True)]
            ch = out
        layers += [nn.AdaptiveMaxPool1d(c.pooled_length), nn.Flatten()]
        n_in = ch * c.pooled_length
        for h in c.hidden:
            layers += [nn.Linear(n_in, h), nn.ReLU(), nn.Dropout(c.dropout)]
            n_in = h
        layers.append(nn.Linear(n_in, c.n_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@dataclass
class DeepSEAConfig:
    """Sizes of :class:`DeepSEA` (Zhou & Troyanskaya 2015); defaults are the paper's."""

    conv_channels: tuple[int, ...] = (320, 480, 960)
    conv_width: int = 8
    pool: int = 4                    # after the first two convolutions
    dropout: tuple[float, ...] = (0.2, 0.2, 0.5)
    pooled_length: int = 53          # what 1000 bp reaches with the original 'valid' convolutions
    hidden: int = 925
    n_outputs: int = 1               # 919 chromatin features in the paper


class DeepSEA(nn.Module):
    """DeepSEA: 3 convs (ReLU, max-pool after the first two, dropout), FC 925, FC.

    (B, 4, L) one-hot -> (B, n_outputs) logits.
    """

    def __init__(self, config: DeepSEAConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or DeepSEAConfig(**sizes)
        layers: list[nn.Module] = []
        ch = 4
        for i, (out, p) in enumerate(zip(c.conv_channels, c.dropout)):
            layers += [same_conv(ch, out, c.conv_width), nn.ReLU()]
            if i < len(c.conv_channels) - 1:
                layers.append(nn.MaxPool1d(c.pool, ceil_mode=True))
            layers.append(nn.Dropout(p))
            ch = out
        layers += [nn.AdaptiveMaxPool1d(c.pooled_length), nn.Flatten(),
                   nn.Linear(ch * c.pooled_length, c.hidden), nn.ReLU(),
                   nn.Linear(c.hidden, c.n_outputs)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@dataclass
class DanQConfig:
    """Sizes of :class:`DanQ` (Quang & Xie 2016); defaults are the paper's."""

    n_filters: int = 320
    filter_width: int = 26
    pool: int = 13
    conv_dropout: float = 0.2
    lstm_hidden: int = 320           # per direction
    lstm_dropout: float = 0.5
    pooled_length: int = 75          # LSTM steps at 1000 bp in the original
    hidden: int = 925
    n_outputs: int = 1               # 919 chromatin features in the paper


class DanQ(nn.Module):
    """DanQ: conv 320x26, ReLU, max-pool 13, dropout, BiLSTM, dropout, FC 925, FC; (B,4,L) -> (B, n_outputs).

    The BiLSTM's outputs (B, T, 2*hidden) are average-pooled over time to ``pooled_length``
    steps before the flatten (the original flattens all T = 75 steps of a 1000 bp input).
    """

    def __init__(self, config: DanQConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or DanQConfig(**sizes)
        self.conv = nn.Sequential(
            same_conv(4, c.n_filters, c.filter_width), nn.ReLU(),
            nn.MaxPool1d(c.pool, ceil_mode=True), nn.Dropout(c.conv_dropout),
        )
        self.lstm = nn.LSTM(c.n_filters, c.lstm_hidden, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(
            nn.Dropout(c.lstm_dropout), nn.AdaptiveAvgPool1d(c.pooled_length), nn.Flatten(),
            nn.Linear(2 * c.lstm_hidden * c.pooled_length, c.hidden), nn.ReLU(),
            nn.Linear(c.hidden, c.n_outputs),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(self.conv(x).transpose(1, 2))      # (B, T, 2*hidden)
        return self.head(h.transpose(1, 2))                 # (B, n_outputs)


class SequenceOnly(nn.Module):
    """Cross-cell-type adapter for a sequence-only net ``(B,4,L) -> (B,1)``.

    ``forward(x (B,4,L), motif (ignored), expr (K,T)) -> (B, K)``: the same score for every
    cell type, which is how sequence-only models predict in cell types they never saw.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, motif: torch.Tensor | None, expr: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        if out.dim() != 2 or out.shape[1] != 1:
            raise ValueError(f"SequenceOnly needs a net with one output (B, 1); got {tuple(out.shape)}.")
        return out.expand(-1, expr.shape[0])
