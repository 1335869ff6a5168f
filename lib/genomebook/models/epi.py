"""Enhancer–promoter interaction (EPI) networks on two one-hot sequences: SPEID, EPSAT and EPLAE.

Every network takes an enhancer ``(N, 4, L_e)`` and a promoter ``(N, 4, L_p)`` one-hot and is
called ``model(enhancer, promoter)``. SPEID and EPSAT return 2-class logits ``(N, 2)`` (class 1 =
interacting); EPLAE returns ``dict(logits=(N, 2), reconstruction=(enhancer_hat, promoter_hat),
latent=(N, latent))`` and is trained with :func:`eplae_loss`. Config defaults are the paper
sizes (enhancer 3000 bp, promoter 2000 bp; ``Config.paper()`` says so by name); ``Config.small()``
gives sizes for 300 bp / 200 bp smoke runs that train in seconds on a CPU. Used by the
enhancer_promoter and epsat_eplae chapters.

Where the sizes come from (Li, Lee & Nguyen, "Self-attention convolutional features and
auto-encoder to predict enhancer–promoter interactions", sections 2.4.1-2.4.2 and Table 2;
the published counts live in ``data/published/``, not here):

* **EPSAT** — the paper's layers: per branch conv 200 x 13 (padding 0, stride 1), batch-norm,
  ReLU, max-pool 6, dropout 0.2; concatenation along positions; BiLSTM hidden 100, 2 layers;
  dropout 0.4; self-attention with 8 heads of size 32 ("Multi-head Attention <head size> *
  <number of heads>" = "32*8" in Table 2: our reading of "x 32" is the head size, not 32
  heads), each head ReLU'd, the 8 heads concatenated and projected to the "multi-head size of
  100", ReLU, summed over positions and normalised ("collapsed ... through addition and
  normalized"), dense to 2 classes. With bias-free convolutions (the authors' public code) and
  PyTorch's LSTM this is **exactly the paper's count**: 2 x (4·13·200 + 2·200) convs+BN
  + 2 x 241,600 LSTM layers + 3 x (200·256 + 256) Q/K/V + (256·100 + 100) + (100·2 + 2).
* **SPEID** — the Keras SPEID the EPSAT authors ran as their baseline (a smaller variant of
  Singh et al. 2019, whose own code uses 1024 kernels, 100 LSTM units and a 1000-unit dense
  layer): conv 200 x 40 + ReLU + max-pool 20 (stride 20) per branch, concatenation along
  positions, batch-norm, dropout 0.25, BiLSTM 50 per direction (all steps), batch-norm,
  dropout 0.5, flatten, dense 800, batch-norm, ReLU, dropout 0.5, dense 1, batch-norm. These
  sizes give **exactly both of the paper's SPEID counts**: Keras's total (text, section 3.2)
  and its trainable count (Table 2), which differ by the batch-norms' moving statistics. Keras
  LSTMs have one bias per gate, PyTorch's two; ``lstm_single_bias=True`` (default) zeroes and
  freezes PyTorch's second bias so the function and the trainable count are Keras's (count
  with ``parameter_count(model, trainable_only=True)``). The sigmoid unit becomes 2-class
  logits ``[0, z]`` (softmax of them is sigmoid(z)), so no parameter is added.
* **EPLAE** — per branch ``n_convs`` halving convolutions (width 13, stride 2, padding 6, 256
  filters, LeakyReLU), flatten of both branches, dense 512, LeakyReLU, dense latent 512; the
  decoder mirrors it with transposed convolutions; a logistic layer (dense latent -> 2) on the
  latent. The text says "four consecutive convolutional layers", but Table 2 lists "Conv1-3"
  and its count, 85,619,200 + 1,026, is exactly the encoder with **three** halving convs per
  branch (+ the 512 -> 2 logistic layer); the decoder is not in the published count.
  ``EPLAEConfig.paper()`` therefore has ``n_convs=3``; ``n_convs=4`` is the text's reading.

Examples
--------
>>> import torch
>>> c = EPSATConfig.small()
>>> EPSAT(c)(torch.zeros(2, 4, c.enhancer_length), torch.zeros(2, 4, c.promoter_length)).shape
torch.Size([2, 2])
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from genomebook.models.language import parameter_count

__all__ = ["SPEIDConfig", "SPEID", "EPSATConfig", "EPSAT", "EPLAEConfig", "EPLAE", "eplae_loss",
           "EPI_MODELS", "parameter_table"]

# Smoke-size inputs: a tenth of the paper's 3 kb enhancers and 2 kb promoters.
SMALL_ENHANCER, SMALL_PROMOTER = 300, 200


def _check_pair(enhancer: torch.Tensor, promoter: torch.Tensor, model: str) -> None:
    """Both inputs one-hot-shaped (N, 4, L) with the same N; a clear error otherwise."""
    for name, x in (("enhancer", enhancer), ("promoter", promoter)):
        if x.dim() != 3 or x.shape[1] != 4:
            raise ValueError(f"{model}: {name} must be one-hot (N, 4, L); got shape {tuple(x.shape)}. "
                             "Encode with genomebook.seq (channels first).")
    if enhancer.shape[0] != promoter.shape[0]:
        raise ValueError(f"{model}: enhancer and promoter batches differ ({enhancer.shape[0]} vs "
                         f"{promoter.shape[0]}); pass one enhancer per promoter.")


def _check_lengths(enhancer: torch.Tensor, promoter: torch.Tensor, config, model: str) -> None:
    """Networks with a flatten need the lengths their config was built for."""
    got = (enhancer.shape[-1], promoter.shape[-1])
    want = (config.enhancer_length, config.promoter_length)
    if got != want:
        raise ValueError(f"{model} was built for enhancer {want[0]} bp and promoter {want[1]} bp "
                         f"(its dense layer flattens positions); got {got[0]} and {got[1]} bp. Build it "
                         f"with {type(config).__name__}(enhancer_length={got[0]}, promoter_length={got[1]}, ...).")


# --------------------------------------------------------------------------- SPEID


@dataclass(frozen=True)
class SPEIDConfig:
    """Sizes of :class:`SPEID`; defaults are the EPSAT paper's SPEID baseline (see the module doc).

    Used by the enhancer_promoter and epsat_eplae chapters.
    """

    enhancer_length: int = 3000
    promoter_length: int = 2000
    n_filters: int = 200             # per branch (Singh et al.'s own code: 1024)
    filter_width: int = 40
    pool: int = 20                   # max-pool size = stride (filter_width // 2 in SPEID)
    lstm_hidden: int = 50            # per direction (Singh et al.: 100)
    hidden: int = 800                # dense layer (Singh et al.: 1000)
    merge_dropout: float = 0.25      # after the concatenated branches (= dropout in each branch)
    lstm_dropout: float = 0.5
    dropout: float = 0.5
    lstm_single_bias: bool = True    # Keras: one LSTM bias per gate (see the module doc)

    def __post_init__(self) -> None:
        short = min(self.enhancer_length, self.promoter_length)
        if short < self.filter_width + self.pool - 1:
            raise ValueError(f"SPEIDConfig: sequences of {short} bp are too short for filter_width "
                             f"{self.filter_width} and pool {self.pool}; shorten them or use longer inputs.")

    @classmethod
    def paper(cls) -> "SPEIDConfig":
        """The paper size (the defaults), by name. Used by the enhancer_promoter and epsat_eplae chapters."""
        return cls()

    @classmethod
    def small(cls, **changes) -> "SPEIDConfig":
        """Smoke sizes: 300 bp / 200 bp inputs, 16 filters, 8 LSTM units; ``changes`` override fields.

        Used by the enhancer_promoter and epsat_eplae chapters.
        """
        base = dict(enhancer_length=SMALL_ENHANCER, promoter_length=SMALL_PROMOTER, n_filters=16,
                    filter_width=10, pool=5, lstm_hidden=8, hidden=32)
        return cls(**{**base, **changes})

    def steps(self) -> int:
        """Positions the BiLSTM sees: both branches' pooled lengths, concatenated."""
        return sum((length - self.filter_width + 1) // self.pool
                   for length in (self.enhancer_length, self.promoter_length))


class SPEID(nn.Module):
    """SPEID (Singh et al. 2019) as the EPSAT paper ran it: two conv branches, BiLSTM, dense.

    ``forward(enhancer (N,4,L_e), promoter (N,4,L_p)) -> (N, 2)`` logits ``[0, z]``: the
    original's single sigmoid unit ``z`` written as two classes. The inputs must have the
    config's lengths (the dense layer flattens every LSTM step). Used by the
    enhancer_promoter and epsat_eplae chapters.
    """

    def __init__(self, config: SPEIDConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or SPEIDConfig(**sizes)

        def branch() -> nn.Sequential:
            return nn.Sequential(nn.Conv1d(4, c.n_filters, c.filter_width), nn.ReLU(),
                                 nn.MaxPool1d(c.pool))

        self.enhancer_branch, self.promoter_branch = branch(), branch()
        self.merge = nn.Sequential(nn.BatchNorm1d(c.n_filters), nn.Dropout(c.merge_dropout))
        self.lstm = nn.LSTM(c.n_filters, c.lstm_hidden, batch_first=True, bidirectional=True)
        if c.lstm_single_bias:
            for name, p in self.lstm.named_parameters():
                if name.startswith("bias_hh"):
                    nn.init.zeros_(p)
                    p.requires_grad_(False)
        self.lstm_norm = nn.Sequential(nn.BatchNorm1d(2 * c.lstm_hidden), nn.Dropout(c.lstm_dropout))
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c.steps() * 2 * c.lstm_hidden, c.hidden), nn.BatchNorm1d(c.hidden),
            nn.ReLU(), nn.Dropout(c.dropout), nn.Linear(c.hidden, 1), nn.BatchNorm1d(1),
        )

    def forward(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> torch.Tensor:
        _check_pair(enhancer, promoter, "SPEID")
        _check_lengths(enhancer, promoter, self.config, "SPEID")
        h = torch.cat([self.enhancer_branch(enhancer), self.promoter_branch(promoter)], dim=2)
        h, _ = self.lstm(self.merge(h).transpose(1, 2))             # (N, T, 2*hidden)
        h = self.lstm_norm(h.transpose(1, 2)).transpose(1, 2)       # BN over channels; (N, T, C)
        z = self.head(h)                                            # (N, 1): the sigmoid's input
        return torch.cat([torch.zeros_like(z), z], dim=1)


# --------------------------------------------------------------------------- EPSAT


@dataclass(frozen=True)
class EPSATConfig:
    """Sizes of :class:`EPSAT`; defaults are the paper's (section 2.4.1, Table 2).

    ``enhancer_length`` / ``promoter_length`` only document the intended input (EPSAT sums
    over positions, so any length >= ``filter_width + pool - 1`` works). ``attention_dropout``
    (0.2, on the attention weights) is the authors' code; the paper is silent.
    Used by the enhancer_promoter and epsat_eplae chapters.
    """

    enhancer_length: int = 3000
    promoter_length: int = 2000
    n_filters: int = 200
    filter_width: int = 13
    pool: int = 6
    conv_dropout: float = 0.2
    lstm_hidden: int = 100           # per direction
    lstm_layers: int = 2
    lstm_dropout: float = 0.4        # after the BiLSTM
    n_heads: int = 8
    head_size: int = 32
    attention_out: int = 100         # "multi-head size": the projection of the concatenated heads
    attention_dropout: float = 0.2

    @classmethod
    def paper(cls) -> "EPSATConfig":
        """The paper size (the defaults), by name. Used by the enhancer_promoter and epsat_eplae chapters."""
        return cls()

    @classmethod
    def small(cls, **changes) -> "EPSATConfig":
        """Smoke sizes: 300 bp / 200 bp inputs, 16 filters, 1 BiLSTM layer of 16, 2 heads of 8.

        ``changes`` override fields. Used by the enhancer_promoter and epsat_eplae chapters.
        """
        base = dict(enhancer_length=SMALL_ENHANCER, promoter_length=SMALL_PROMOTER, n_filters=16,
                    filter_width=9, lstm_hidden=16, lstm_layers=1, n_heads=2, head_size=8,
                    attention_out=16)
        return cls(**{**base, **changes})


class EPSAT(nn.Module):
    """EPSAT: SPEID-like conv branches and BiLSTM, then SATORI-style multi-head self-attention.

    ``forward(enhancer (N,4,L_e), promoter (N,4,L_p)) -> (N, 2)`` logits (the paper's
    softmax is left to the loss). :meth:`attention` gives the heads' attention maps over the
    ``T`` pooled positions (enhancer positions first, then promoter). Used by the
    enhancer_promoter and epsat_eplae chapters.
    """

    def __init__(self, config: EPSATConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or EPSATConfig(**sizes)

        def branch() -> nn.Sequential:
            return nn.Sequential(nn.Conv1d(4, c.n_filters, c.filter_width, bias=False),
                                 nn.BatchNorm1d(c.n_filters), nn.ReLU(), nn.MaxPool1d(c.pool),
                                 nn.Dropout(c.conv_dropout))

        self.enhancer_branch, self.promoter_branch = branch(), branch()
        self.lstm = nn.LSTM(c.n_filters, c.lstm_hidden, num_layers=c.lstm_layers, batch_first=True,
                            bidirectional=True)
        self.lstm_dropout = nn.Dropout(c.lstm_dropout)
        width = c.n_heads * c.head_size
        self.query = nn.Linear(2 * c.lstm_hidden, width)   # = n_heads separate (2H -> head_size) maps
        self.key = nn.Linear(2 * c.lstm_hidden, width)
        self.value = nn.Linear(2 * c.lstm_hidden, width)
        self.multi_head = nn.Linear(width, c.attention_out)
        self.classifier = nn.Linear(c.attention_out, 2)

    def _run(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_pair(enhancer, promoter, "EPSAT")
        c = self.config
        h = torch.cat([self.enhancer_branch(enhancer), self.promoter_branch(promoter)], dim=2)
        h, _ = self.lstm(h.transpose(1, 2))
        h = self.lstm_dropout(h)                                     # (N, T, 2H)
        n, t, _ = h.shape

        def heads(x: torch.Tensor) -> torch.Tensor:                  # (N, heads, T, size)
            return x.view(n, t, c.n_heads, c.head_size).transpose(1, 2)

        q, k, v = heads(self.query(h)), heads(self.key(h)), heads(self.value(h))
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(c.head_size), dim=-1)
        z = torch.relu(F.dropout(attn, c.attention_dropout, self.training) @ v)   # ReLU per head
        z = torch.relu(self.multi_head(z.transpose(1, 2).reshape(n, t, -1)))      # (N, T, out)
        # Readout: sum over positions, then normalise each sample's vector (the authors
        # normalise over the whole batch; per sample keeps a prediction independent of its batch).
        z = F.layer_norm(z.sum(dim=1), (c.attention_out,))
        return self.classifier(z), attn

    def forward(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> torch.Tensor:
        return self._run(enhancer, promoter)[0]

    def attention(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> torch.Tensor:
        """Attention weights (N, n_heads, T, T) over the pooled positions (rows sum to 1)."""
        return self._run(enhancer, promoter)[1]


# --------------------------------------------------------------------------- EPLAE


@dataclass(frozen=True)
class EPLAEConfig:
    """Sizes of :class:`EPLAE`; defaults reproduce the paper's Table 2 count (``n_convs=3``).

    The text says four halving convolutions; ``n_convs=4`` builds that (see the module doc).
    ``filter_width`` must be odd (padding ``(w-1)/2`` halves lengths exactly). Activations
    (LeakyReLU) and the linear reconstruction output are the authors' code; the paper is
    silent. Used by the enhancer_promoter and epsat_eplae chapters.
    """

    enhancer_length: int = 3000
    promoter_length: int = 2000
    n_convs: int = 3                 # halving convolutions per branch
    n_filters: int = 256
    filter_width: int = 13
    hidden: int = 512                # dense layer between the convolutions and the latent
    latent: int = 512
    negative_slope: float = 0.01     # LeakyReLU

    def __post_init__(self) -> None:
        if self.filter_width % 2 == 0:
            raise ValueError(f"EPLAEConfig: filter_width must be odd (got {self.filter_width}) so that "
                             "each stride-2 convolution halves the length exactly.")
        if self.n_convs < 1:
            raise ValueError(f"EPLAEConfig: n_convs must be >= 1; got {self.n_convs}.")

    @classmethod
    def paper(cls) -> "EPLAEConfig":
        """The paper size (the defaults), by name. Used by the enhancer_promoter and epsat_eplae chapters."""
        return cls()

    @classmethod
    def small(cls, **changes) -> "EPLAEConfig":
        """Smoke sizes: 300 bp / 200 bp inputs, 16 filters of width 9, latent 16.

        ``changes`` override fields. Used by the enhancer_promoter and epsat_eplae chapters.
        """
        base = dict(enhancer_length=SMALL_ENHANCER, promoter_length=SMALL_PROMOTER, n_filters=16,
                    filter_width=9, hidden=32, latent=16)
        return cls(**{**base, **changes})

    def encoded_lengths(self) -> tuple[int, int]:
        """(enhancer, promoter) lengths after the ``n_convs`` halvings (each ceil(L / 2))."""
        out = []
        for length in (self.enhancer_length, self.promoter_length):
            for _ in range(self.n_convs):
                length = (length + 1) // 2
            out.append(length)
        return out[0], out[1]


class EPLAE(nn.Module):
    """EPLAE: a convolutional auto-encoder of the pair with a logistic classifier on its latent.

    ``forward(enhancer, promoter) -> dict(logits=(N, 2), reconstruction=(enhancer_hat,
    promoter_hat), latent=(N, latent))``; the reconstructions have the inputs' shapes (linear
    outputs, compared with the one-hot by :func:`eplae_loss`). ``encoder`` (both branches and
    the dense layers to the latent), ``decoder`` and ``head`` (the logistic layer) are
    submodules, so ``parameter_count(model.encoder)`` and ``parameter_count(model.head)`` are
    the two numbers the paper reports. Used by the enhancer_promoter and epsat_eplae chapters.
    """

    def __init__(self, config: EPLAEConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or EPLAEConfig(**sizes)
        pad = (c.filter_width - 1) // 2
        act = lambda: nn.LeakyReLU(c.negative_slope)  # noqa: E731
        t_e, t_p = c.encoded_lengths()
        flat = (t_e + t_p) * c.n_filters

        def down() -> nn.Sequential:
            layers: list[nn.Module] = []
            for i in range(c.n_convs):
                layers += [nn.Conv1d(4 if i == 0 else c.n_filters, c.n_filters, c.filter_width,
                                     stride=2, padding=pad), act()]
            return nn.Sequential(*layers)

        def up() -> nn.Sequential:
            layers: list[nn.Module] = []
            for i in range(c.n_convs):
                last = i == c.n_convs - 1
                layers.append(nn.ConvTranspose1d(c.n_filters, 4 if last else c.n_filters, c.filter_width,
                                                 stride=2, padding=pad, output_padding=1))
                if not last:
                    layers.append(act())
            return nn.Sequential(*layers)

        self.encoder = nn.ModuleDict({
            "enhancer": down(), "promoter": down(),
            "dense": nn.Sequential(nn.Flatten(), nn.Linear(flat, c.hidden), act(), nn.Linear(c.hidden, c.latent)),
        })
        self.decoder = nn.ModuleDict({
            "dense": nn.Sequential(nn.Linear(c.latent, c.hidden), act(), nn.Linear(c.hidden, flat), act()),
            "enhancer": up(), "promoter": up(),
        })
        self.head = nn.Linear(c.latent, 2)

    def encode(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> torch.Tensor:
        """The latent (N, latent) of each pair (Fig 5's PCA input)."""
        _check_pair(enhancer, promoter, "EPLAE")
        _check_lengths(enhancer, promoter, self.config, "EPLAE")
        h = torch.cat([self.encoder["enhancer"](enhancer), self.encoder["promoter"](promoter)], dim=2)
        return self.encoder["dense"](h)

    def decode(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(enhancer_hat (N,4,L_e), promoter_hat (N,4,L_p)) from a latent (N, latent)."""
        c = self.config
        t_e, _ = c.encoded_lengths()
        h = self.decoder["dense"](latent).view(latent.shape[0], c.n_filters, -1)
        # Each transposed conv doubles a length; crop to the input (needed when L is not a
        # multiple of 2**n_convs).
        e = self.decoder["enhancer"](h[:, :, :t_e])[:, :, :c.enhancer_length]
        p = self.decoder["promoter"](h[:, :, t_e:])[:, :, :c.promoter_length]
        return e, p

    def forward(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode(enhancer, promoter)
        return {"logits": self.head(z), "reconstruction": self.decode(z), "latent": z}


def eplae_loss(out: dict, x: tuple[torch.Tensor, torch.Tensor], y: torch.Tensor, l2_weight: float = 1e-5,
               model: nn.Module | None = None, return_terms: bool = False):
    """EPLAE's loss (paper eq. 7): MSE(x, x_hat) + CE(y, logits) + ``l2_weight`` x ||params||².

    ``out`` is :class:`EPLAE`'s output, ``x`` the input pair ``(enhancer, promoter)``, ``y``
    class indices (N,). The reconstruction term is the mean squared error over every element
    of both sequences (our reading of ||x - x_hat||²: a sum would outweigh the
    cross-entropy by the sequence length); the L2 term sums the squares of ``model``'s
    trainable parameters (encoder, decoder and logistic layer, as eq. 7). ``return_terms``
    returns ``dict(total, mse, ce, l2)`` instead of the total (for loss curves). Used by the
    enhancer_promoter and epsat_eplae chapters.
    """
    if l2_weight and model is None:
        raise ValueError("eplae_loss: pass model=... for the L2 term, or l2_weight=0.")
    x_hat = out["reconstruction"]
    if len(x) != 2 or any(a.shape != b.shape for a, b in zip(x, x_hat)):
        raise ValueError(f"eplae_loss: x must be (enhancer, promoter) with the reconstruction's shapes "
                         f"{[tuple(t.shape) for t in x_hat]}; got {[tuple(t.shape) for t in x]}.")
    squared = sum(((a - b) ** 2).sum() for a, b in zip(x, x_hat))
    mse = squared / sum(a.numel() for a in x)
    ce = F.cross_entropy(out["logits"], y)
    l2 = (sum((p ** 2).sum() for p in model.parameters() if p.requires_grad)
          if model is not None else torch.zeros((), device=ce.device))
    total = mse + ce + l2_weight * l2
    return {"total": total, "mse": mse, "ce": ce, "l2": l2} if return_terms else total


# --------------------------------------------------------------------------- sizes


#: name -> (network class, config class) of the sequence EPI networks, in the paper's order.
EPI_MODELS: dict[str, tuple[type[nn.Module], type]] = {
    "EPSAT": (EPSAT, EPSATConfig), "EPLAE": (EPLAE, EPLAEConfig), "SPEID": (SPEID, SPEIDConfig),
}


def _describe(config) -> str:
    return ", ".join(f"{f.name}={getattr(config, f.name)}" for f in dataclasses.fields(config)
                     if "dropout" not in f.name and f.name not in ("negative_slope", "lstm_single_bias"))


def parameter_table(size: str = "paper") -> pd.DataFrame:
    """Our parameter counts of the EPI networks, one row per number the paper reports.

    ``size`` is ``"paper"`` or ``"small"`` (the configs' classmethods). Rows: EPSAT (all
    parameters), SPEID trainable (Keras's "trainable params", Table 2), SPEID with batch-norm
    moving statistics (Keras's "total params", section 3.2), EPLAE encoder and EPLAE logistic
    layer (Table 2's "85,619,200+1026"), and EPLAE's whole network (decoder included; not
    reported). Columns ``model``, ``counted``, ``parameters``, ``sizes``. Networks are built on
    PyTorch's ``meta`` device (shapes only, no memory), so the 171 M-parameter EPLAE costs
    nothing. The published numbers are joined by the chapter from ``data/published/``.
    Used by the enhancer_promoter and epsat_eplae chapters.
    """
    if size not in ("paper", "small"):
        raise ValueError(f"size must be 'paper' or 'small'; got {size!r}.")
    nets = {}
    with torch.device("meta"):
        for name, (net_cls, config_cls) in EPI_MODELS.items():
            nets[name] = net_cls(getattr(config_cls, size)())
    speid = nets["SPEID"]
    moving = sum(m.running_mean.numel() + m.running_var.numel()
                 for m in speid.modules() if isinstance(m, nn.BatchNorm1d))
    trainable = parameter_count(speid, trainable_only=True)
    rows = [
        ("EPSAT", "all parameters", parameter_count(nets["EPSAT"])),
        ("SPEID", "trainable (Keras)", trainable),
        ("SPEID", "trainable + batch-norm moving statistics (Keras total)", trainable + moving),
        ("EPLAE", "encoder", parameter_count(nets["EPLAE"].encoder)),
        ("EPLAE", "logistic layer", parameter_count(nets["EPLAE"].head)),
        ("EPLAE", "all parameters (with decoder)", parameter_count(nets["EPLAE"])),
    ]
    return pd.DataFrame([{"model": m, "counted": what, "parameters": int(n),
                          "sizes": _describe(nets[m].config)} for m, what, n in rows])
