"""The convolutional and hybrid baselines DNABERT compares with on promoters, TF binding and splicing.

DNABERT (Ji et al. 2021) names, as baselines for sequence classification,

* CNN, CNN+LSTM and CNN+GRU (core promoters, 70 bp; mouse ChIP-seq; splice sites), and
* DeePromoter (Oubounyt et al. 2019) for 300 bp proximal promoters.

The main text of DNABERT gives no sizes for the first three (it defers them to its supplement,
which is not available to us), so their sizes here are **chosen**, and chosen so that the
three share one convolutional trunk and differ only in how the trunk's feature sequence is
summarised (global max-pool vs an LSTM vs a GRU): the comparison the paper draws.
Note that DNABERT's DeePromoter numbers come from the DeePromoter web server's predictions on
DNABERT's test sets (the authors' ``promoter/benchmark_deepromoter.ipynb``), not from a
retrained network; :class:`DeePromoter` here is the architecture, for retraining.

Every network maps one-hot DNA ``(N, 4, L)`` to logits ``(N, n_classes)``; ``n_classes = 1``
is a single binary logit (train with :class:`genomebook.models.lightning.SequenceClassifier`
and ``n_classes=2``). Any ``L >= 50`` works: convolutions use 'same' padding, poolings
``ceil_mode``, and DeePromoter's flatten is preceded by an adaptive pooling to the length its
original reaches at 300 bp.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from genomebook.models.cnn import same_conv

READOUTS = ("last", "max", "mean")
CONCATS = ("channels", "length")


def _conv_trunk(channels: tuple[int, ...], widths: tuple[int, ...], pool: int,
                dropout: float, batch_norm: bool) -> tuple[nn.Sequential, int]:
    """len(channels) x (conv 'same', [BatchNorm], ReLU, max-pool, dropout); returns (trunk, out channels)."""
    if len(channels) != len(widths) or not channels:
        raise ValueError(f"conv_channels {channels} and conv_widths {widths} must be equally long "
                         "and not empty.")
    layers: list[nn.Module] = []
    ch = 4
    for out, width in zip(channels, widths):
        layers.append(same_conv(ch, out, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(out))
        layers.append(nn.ReLU())
        if pool > 1:
            layers.append(nn.MaxPool1d(pool, ceil_mode=True))
        layers.append(nn.Dropout(dropout))
        ch = out
    return nn.Sequential(*layers), ch


def _head(n_in: int, hidden: int, dropout: float, n_classes: int) -> nn.Sequential:
    """Dense head: FC hidden, ReLU, dropout, FC n_classes (hidden = 0: one linear layer)."""
    if hidden <= 0:
        return nn.Sequential(nn.Dropout(dropout), nn.Linear(n_in, n_classes))
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden, n_classes))


# --------------------------------------------------------------------------- CNN


@dataclass
class PromoterCNNConfig:
    """Sizes of :class:`PromoterCNN`. All **chosen** (DNABERT's main text gives none).

    Two convolutions of 128 filters (widths 9 and 7 cover the 6-8 bp core-promoter motifs
    such as TATA and Inr and their pairs) keep the network small enough for 70 bp inputs and
    tens of thousands of sequences; the dense head follows DeepBind-style classifiers.
    """

    conv_channels: tuple[int, ...] = (128, 128)
    conv_widths: tuple[int, ...] = (9, 7)
    pool: int = 2                    # max-pool size (= stride) after every convolution
    conv_dropout: float = 0.2
    batch_norm: bool = True
    hidden: int = 64                 # dense layer after the global max-pool (0: none)
    dropout: float = 0.5
    n_classes: int = 1               # 1: one binary logit; 3 for donor/acceptor/non-site


class PromoterCNN(nn.Module):
    """CNN baseline: conv layers (BN, ReLU, max-pool, dropout), global max-pool, dense; (N,4,L) -> (N,C)."""

    def __init__(self, config: PromoterCNNConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or PromoterCNNConfig(**sizes)
        self.trunk, ch = _conv_trunk(c.conv_channels, c.conv_widths, c.pool, c.conv_dropout,
                                     c.batch_norm)
        self.head = _head(ch, c.hidden, c.dropout, c.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x).amax(dim=-1))


# --------------------------------------------------------------------------- CNN + RNN


@dataclass
class _ConvRNNConfig:
    """Sizes shared by :class:`CNNLSTM` and :class:`CNNGRU`. All **chosen** (see module doc).

    The convolutional trunk is :class:`PromoterCNNConfig`'s, so the three baselines differ
    only in how they summarise the feature sequence.
    """

    conv_channels: tuple[int, ...] = (128, 128)
    conv_widths: tuple[int, ...] = (9, 7)
    pool: int = 2
    conv_dropout: float = 0.2
    batch_norm: bool = True
    rnn_hidden: int = 64             # per direction
    rnn_layers: int = 1
    bidirectional: bool = True
    readout: str = "last"            # "last": final states of both directions; "max" | "mean" over steps
    hidden: int = 64
    dropout: float = 0.5
    n_classes: int = 1


@dataclass
class CNNLSTMConfig(_ConvRNNConfig):
    """Sizes of :class:`CNNLSTM`; see :class:`_ConvRNNConfig`."""


@dataclass
class CNNGRUConfig(_ConvRNNConfig):
    """Sizes of :class:`CNNGRU`; see :class:`_ConvRNNConfig`."""


class _ConvRNN(nn.Module):
    """Conv trunk, then an RNN over the pooled positions, then a dense head; (N,4,L) -> (N,C)."""

    rnn_type: type[nn.RNNBase] = nn.LSTM
    config_type: type[_ConvRNNConfig] = _ConvRNNConfig

    def __init__(self, config: _ConvRNNConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or self.config_type(**sizes)
        if c.readout not in READOUTS:
            raise ValueError(f"readout must be one of {', '.join(READOUTS)}; got {c.readout!r}.")
        self.trunk, ch = _conv_trunk(c.conv_channels, c.conv_widths, c.pool, c.conv_dropout,
                                     c.batch_norm)
        self.rnn = self.rnn_type(ch, c.rnn_hidden, num_layers=c.rnn_layers, batch_first=True,
                                 bidirectional=c.bidirectional,
                                 dropout=c.dropout if c.rnn_layers > 1 else 0.0)
        n_dir = 2 if c.bidirectional else 1
        self.head = _head(n_dir * c.rnn_hidden, c.hidden, c.dropout, c.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq = self.trunk(x).transpose(1, 2)                  # (N, T, C)
        out, state = self.rnn(seq)                           # out (N, T, dirs*hidden)
        readout = self.config.readout
        if readout == "max":
            z = out.amax(dim=1)
        elif readout == "mean":
            z = out.mean(dim=1)
        else:                                                # final state of each direction
            h = state[0] if isinstance(state, tuple) else state   # (layers*dirs, N, hidden)
            n_dir = 2 if self.config.bidirectional else 1
            z = torch.cat(list(h[-n_dir:]), dim=1)           # last layer: forward, backward
        return self.head(z)


class CNNLSTM(_ConvRNN):
    """CNN+LSTM baseline: conv layers + max-pool, a (bi-)LSTM over positions, dense."""

    rnn_type = nn.LSTM
    config_type = CNNLSTMConfig


class CNNGRU(_ConvRNN):
    """CNN+GRU baseline: conv layers + max-pool, a (bi-)GRU over positions, dense."""

    rnn_type = nn.GRU
    config_type = CNNGRUConfig


# --------------------------------------------------------------------------- DeePromoter


@dataclass
class DeePromoterConfig:
    """Sizes of :class:`DeePromoter` (Oubounyt et al. 2019, Front. Genet. 10:286).

    From the paper: parallel convolutions of widths 27, 14 and 7 on 300 bp one-hot input, each
    followed by max-pooling, concatenated, a bidirectional LSTM, dropout, then fully connected
    layers. Pool size 6, dropout 0.5 and a 128-unit dense layer are the values that two public
    re-implementations (egochao/DeePromoter; the SUPR-REF benchmark's DPROM module) agree on;
    we could not re-read the paper's own text here, so treat them as "paper, via
    re-implementations".

    Chosen: 32 filters per branch and 32 LSTM units per direction (the SUPR-REF module's
    numbers; egochao uses 4), ReLU (SUPR-REF uses ELU), 'same' padding and concatenation along
    channels (``concat="length"`` instead concatenates the three pooled maps along positions,
    as the SUPR-REF module does with its 'valid' convolutions), and the adaptive average pool to
    ``pooled_length`` = 300 / 6 = 50 LSTM steps before the flatten, so any L works and L = 300
    is unchanged.
    """

    # --- paper (widths) and paper via re-implementations (pool, dropout, dense)
    conv_widths: tuple[int, ...] = (27, 14, 7)
    pool: int = 6
    dropout: float = 0.5             # after each conv branch, after the BiLSTM, in the dense head
    hidden: int = 128
    # --- chosen
    n_filters: int = 32              # per branch
    lstm_hidden: int = 32            # per direction
    concat: str = "channels"         # "channels" | "length"
    pooled_length: int = 50          # LSTM steps (per branch for concat="length") kept for the flatten
    n_classes: int = 1


class DeePromoter(nn.Module):
    """DeePromoter: parallel convs (27/14/7) + max-pool, concatenated, BiLSTM, flatten, FC 128, FC.

    (N, 4, L) one-hot -> (N, n_classes) logits.
    """

    def __init__(self, config: DeePromoterConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or DeePromoterConfig(**sizes)
        if c.concat not in CONCATS:
            raise ValueError(f"concat must be one of {', '.join(CONCATS)}; got {c.concat!r}.")
        self.branches = nn.ModuleList(
            nn.Sequential(same_conv(4, c.n_filters, w), nn.ReLU(),
                          nn.MaxPool1d(c.pool, ceil_mode=True), nn.Dropout(c.dropout))
            for w in c.conv_widths
        )
        by_channels = c.concat == "channels"
        lstm_in = c.n_filters * (len(c.conv_widths) if by_channels else 1)
        steps = c.pooled_length * (1 if by_channels else len(c.conv_widths))
        self.lstm = nn.LSTM(lstm_in, c.lstm_hidden, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(
            nn.Dropout(c.dropout), nn.AdaptiveAvgPool1d(steps), nn.Flatten(),
            nn.Linear(2 * c.lstm_hidden * steps, c.hidden), nn.ReLU(), nn.Dropout(c.dropout),
            nn.Linear(c.hidden, c.n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = [branch(x) for branch in self.branches]       # each (N, F, ceil(L / pool))
        h = torch.cat(maps, dim=1 if self.config.concat == "channels" else 2)
        out, _ = self.lstm(h.transpose(1, 2))                # (N, T, 2 * lstm_hidden)
        return self.head(out.transpose(1, 2))                # (N, n_classes)
