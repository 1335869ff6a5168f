"""DeepCAGE (a DenseNet on sequence + TF motif scores x TF expression) and a ChromDragoNN-like model.

Cross-cell-type models share one signature, ``forward(x, motif, expr) -> (B, K)``:

* ``x``     (B, 4, L) float one-hot DNA of B loci,
* ``motif`` (B, T)    max motif score of each of T TFs in each locus,
* ``expr``  (K, T)    expression of the same T TFs in the K cell types of the batch,

and return logits (classification) or values (regression) for every (locus, cell type) pair.
The sequence trunk runs once per locus; only the cheap cell-type-specific part runs per pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

POOLINGS = ("max", "avg", "avgmax")


def _global_pool(h: torch.Tensor, how: str) -> torch.Tensor:
    """(B, C, L) -> (B, C) by max or mean over positions, or (B, 2C) for both concatenated."""
    if how == "max":
        return h.amax(dim=-1)
    if how == "avg":
        return h.mean(dim=-1)
    return torch.cat([h.mean(dim=-1), h.amax(dim=-1)], dim=1)


def _crp(in_ch: int, out_ch: int, width: int, dropout: float) -> nn.Sequential:
    """Conv ('same' padding, odd width) -> ReLU -> BatchNorm -> Dropout, the paper's order."""
    return nn.Sequential(
        nn.Conv1d(in_ch, out_ch, width, padding=width // 2),
        nn.ReLU(),
        nn.BatchNorm1d(out_ch),
        nn.Dropout(dropout),
    )


# --------------------------------------------------------------------------- DenseNet trunk


@dataclass
class DenseNetConfig:
    """Sizes of :class:`DenseNetTrunk`.

    From the paper (Methods): a first transition module of 160 filters of width 15 then
    max-pooling; three dense blocks of five layers; each layer a 1x1 convolution that reduces
    the concatenated channels to a fixed number, then a width-3 convolution; ReLU, then
    BatchNorm, then dropout after every convolution; conv + max-pool transitions between blocks.

    Chosen here: the paper defers the remaining numbers to its Supplementary Table 1, which is
    not available to us, so growth rate, bottleneck width, compression, pool sizes, dropout and
    the final pooling follow DenseNet-BC (Huang et al. 2017) and common genomics practice.
    """

    # --- from the paper
    n_filters: int = 160          # first conv: 160 filters ...
    filter_width: int = 15        # ... of width 15 (4 x 15 on one-hot DNA)
    n_blocks: int = 3             # three dense blocks
    layers_per_block: int = 5     # five layers per block
    dense_width: int = 3          # 1x1 then 3x1 convolutions in each layer
    # --- chosen (Supp. Table 1 not available)
    growth_rate: int = 32         # channels each dense layer adds (DenseNet-BC's k = 32)
    bottleneck: int = 128         # the 1x1 conv's fixed output width (4k, as in DenseNet-BC)
    compression: float = 0.5      # a transition conv keeps this fraction of channels (DenseNet-BC)
    transition_width: int = 1     # transition conv width (1x1, as in DenseNet-BC)
    first_pool: int = 4           # max-pool size (= stride) after the first conv
    transition_pool: int = 4      # max-pool size (= stride) in the transitions between blocks
    dropout: float = 0.2          # after every ReLU + BatchNorm
    global_pool: str = "max"      # "max" | "avg" | "avgmax": length-agnostic, no flatten

    @classmethod
    def book(cls) -> "DenseNetConfig":
        """A smaller DenseNet (~4x fewer FLOPs) for CPU-sized chapters; same layout."""
        return cls(n_filters=64, layers_per_block=3, growth_rate=16, bottleneck=64)


class _DenseLayer(nn.Module):
    """1x1 bottleneck conv then width-3 conv; returns the new ``growth_rate`` channels."""

    def __init__(self, in_ch: int, c: DenseNetConfig) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _crp(in_ch, c.bottleneck, 1, c.dropout),
            _crp(c.bottleneck, c.growth_rate, c.dense_width, c.dropout),
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.body(h)


class _DenseBlock(nn.Module):
    """Each layer sees the concatenation of the block input and all earlier layers' outputs."""

    def __init__(self, in_ch: int, c: DenseNetConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            _DenseLayer(in_ch + i * c.growth_rate, c) for i in range(c.layers_per_block)
        )
        self.out_channels = in_ch + c.layers_per_block * c.growth_rate

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            h = torch.cat([h, layer(h)], dim=1)
        return h


class DenseNetTrunk(nn.Module):
    """DeepCAGE's sequence network: (B, 4, L) one-hot -> (B, out_features) features.

    first conv (ReLU, BN, dropout) + max-pool, then dense blocks separated by conv + max-pool
    transitions, then global pooling over positions (so any L works). Max-pools use
    ``ceil_mode`` so short windows (L >= 1) never pool to zero length.
    """

    def __init__(self, config: DenseNetConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or DenseNetConfig(**sizes)
        if c.global_pool not in POOLINGS:
            raise ValueError(f"global_pool must be one of {POOLINGS}; got {c.global_pool!r}.")
        if c.filter_width % 2 == 0 or c.dense_width % 2 == 0 or c.transition_width % 2 == 0:
            raise ValueError("convolution widths must be odd so that 'same' padding is symmetric.")
        self.first_conv = nn.Conv1d(4, c.n_filters, c.filter_width, padding=c.filter_width // 2)
        self.first_rest = nn.Sequential(
            nn.BatchNorm1d(c.n_filters), nn.Dropout(c.dropout),
            nn.MaxPool1d(c.first_pool, ceil_mode=True),
        )
        stages: list[nn.Module] = []
        ch = c.n_filters
        for b in range(c.n_blocks):
            block = _DenseBlock(ch, c)
            stages.append(block)
            ch = block.out_channels
            if b < c.n_blocks - 1:
                out = max(1, int(ch * c.compression))
                stages += [_crp(ch, out, c.transition_width, c.dropout),
                           nn.MaxPool1d(c.transition_pool, ceil_mode=True)]
                ch = out
        self.blocks = nn.Sequential(*stages)
        self._channels = ch

    @property
    def out_features(self) -> int:
        """Length of the feature vector :meth:`forward` returns."""
        return self._channels * (2 if self.config.global_pool == "avgmax" else 1)

    def first_activations(self, x: torch.Tensor) -> torch.Tensor:
        """First-layer activations after ReLU, (B, n_filters, L), aligned with the bases."""
        return torch.relu(self.first_conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.first_rest(self.first_activations(x)))
        return _global_pool(h, self.config.global_pool)


# --------------------------------------------------------------------------- DeepCAGE


def _check_inputs(x: torch.Tensor, motif: torch.Tensor, expr: torch.Tensor, n_tfs: int) -> None:
    if x.dim() != 3 or x.shape[1] != 4:
        raise ValueError(f"x must be (B, 4, L) one-hot; got shape {tuple(x.shape)}.")
    if expr.dim() == 3 and expr.shape[0] != x.shape[0]:
        raise ValueError(f"a per-locus expr must be (B, K, T) with B = {x.shape[0]}; got shape "
                         f"{tuple(expr.shape)}.")
    if expr.dim() not in (2, 3):
        raise ValueError(f"expr must be (K, T), one row per cell type (or (B, K, T) per locus); got "
                         f"shape {tuple(expr.shape)}.")
    if motif.dim() != 2 or motif.shape[0] != x.shape[0]:
        raise ValueError(f"motif must be (B, T) with B = {x.shape[0]}; got shape {tuple(motif.shape)}.")
    if motif.shape[1] != n_tfs or expr.shape[-1] != n_tfs:
        raise ValueError(f"motif and expr need T = n_tfs = {n_tfs} columns; "
                         f"got {motif.shape[1]} and {expr.shape[-1]}.")


@dataclass
class DeepCAGEConfig:
    """Sizes of :class:`DeepCAGE`; hidden=512 and the 402 HOCOMOCO core TFs are the paper's."""

    trunk: DenseNetConfig = field(default_factory=DenseNetConfig)
    n_tfs: int = 402              # paper: 402 human core TFs
    hidden: int = 512             # paper: one FC layer of 512 units on the hybrid feature
    dropout: float = 0.5          # chosen: dropout after the FC layer's ReLU
    use_expression: bool = True   # ablation: False -> the feature is the motif scores alone
    use_motif_scores: bool = True  # ablation: False -> the feature is the expression alone


class DeepCAGE(nn.Module):
    """DeepCAGE: DenseNet(sequence) ++ (motif ⊙ expression) -> FC 512 -> 1 per (locus, cell type).

    ``forward(x (B,4,L), motif (B,T), expr (K,T)) -> (B, K)`` logits or values. The hybrid
    feature is ``concat(trunk(x), f)`` with ``f = motif ⊙ expr`` (B, K, T). The first FC layer
    on it, ``W [h; f] + b``, is computed as ``W_h h + W_f f + b``: identical, but ``W_h h`` is
    computed once per locus, so each extra cell type costs only the feature and the head.
    :meth:`forward_per_pair` is the naive version (trunk once per pair) for comparison.
    """

    def __init__(self, config: DeepCAGEConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or DeepCAGEConfig(**sizes)
        self.trunk = DenseNetTrunk(c.trunk)
        self.fc_seq = nn.Linear(self.trunk.out_features, c.hidden)        # W_h and the bias b
        self.fc_feat = (nn.Linear(c.n_tfs, c.hidden, bias=False)         # W_f
                        if (c.use_expression or c.use_motif_scores) else None)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(c.dropout), nn.Linear(c.hidden, 1))

    def _feature(self, motif: torch.Tensor, expr: torch.Tensor) -> torch.Tensor | None:
        """The cell-type-aware feature, broadcastable to (B, K, T); None for trunk only."""
        c = self.config
        if expr.dim() == 2:
            expr = expr[None, :, :]                             # (1, K, T); (B, K, T) kept
        if c.use_motif_scores and c.use_expression:
            return motif[:, None, :] * expr                     # (B, K, T)
        if c.use_motif_scores:
            return motif[:, None, :]                            # (B, 1, T)
        if c.use_expression:
            return expr                                         # (1 or B, K, T)
        return None

    def forward(self, x: torch.Tensor, motif: torch.Tensor, expr: torch.Tensor) -> torch.Tensor:
        _check_inputs(x, motif, expr, self.config.n_tfs)
        n_loci, n_cells = x.shape[0], expr.shape[-2]
        z = self.fc_seq(self.trunk(x))[:, None, :]              # (B, 1, H), once per locus
        f = self._feature(motif, expr)
        if f is not None:
            z = z + self.fc_feat(f)                             # (B, K, H) by broadcasting
        z = z.expand(n_loci, n_cells, z.shape[-1])
        return self.head(z).squeeze(-1)

    def forward_per_pair(self, x: torch.Tensor, motif: torch.Tensor,
                         expr: torch.Tensor) -> torch.Tensor:
        """Same outputs as :meth:`forward` (eval mode), running the trunk on all B*K pairs."""
        _check_inputs(x, motif, expr, self.config.n_tfs)
        n_loci, n_cells = x.shape[0], expr.shape[-2]
        h = self.trunk(x.repeat_interleave(n_cells, dim=0))     # (B*K, F): K trunk passes/locus
        f = self._feature(motif, expr)
        if f is None:
            hybrid, weight = h, self.fc_seq.weight
        else:
            f = f.expand(n_loci, n_cells, f.shape[-1]).reshape(n_loci * n_cells, -1)
            hybrid = torch.cat([h, f], dim=1)                   # the paper's concatenation
            weight = torch.cat([self.fc_seq.weight, self.fc_feat.weight], dim=1)
        z = F.linear(hybrid, weight, self.fc_seq.bias)
        return self.head(z).view(n_loci, n_cells)


# --------------------------------------------------------------------------- ChromDragoNN-like


@dataclass
class ResidualCNNConfig:
    """Sizes of :class:`ResidualCNN` (chosen: a small ResNet in the spirit of ChromDragoNN's)."""

    n_filters: int = 128
    first_width: int = 15
    n_stages: int = 3
    blocks_per_stage: int = 2
    kernel_width: int = 3
    pool: int = 4
    dropout: float = 0.2


class _ResidualBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus the input, then ReLU; (B, C, L) -> (B, C, L)."""

    def __init__(self, ch: int, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(ch, ch, width, padding=width // 2), nn.BatchNorm1d(ch), nn.ReLU(),
            nn.Conv1d(ch, ch, width, padding=width // 2), nn.BatchNorm1d(ch),
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(h + self.body(h))


class ResidualCNN(nn.Module):
    """(B, 4, L) one-hot -> (B, n_filters): wide conv, residual stages with max-pool, global max."""

    def __init__(self, config: ResidualCNNConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or ResidualCNNConfig(**sizes)
        layers: list[nn.Module] = [
            nn.Conv1d(4, c.n_filters, c.first_width, padding=c.first_width // 2),
            nn.BatchNorm1d(c.n_filters), nn.ReLU(),
        ]
        for _ in range(c.n_stages):
            layers += [_ResidualBlock(c.n_filters, c.kernel_width) for _ in range(c.blocks_per_stage)]
            layers.append(nn.MaxPool1d(c.pool, ceil_mode=True))
        layers.append(nn.Dropout(c.dropout))
        self.body = nn.Sequential(*layers)

    @property
    def out_features(self) -> int:
        return self.config.n_filters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).amax(dim=-1)


@dataclass
class ChromDragoNNConfig:
    """Sizes of :class:`ChromDragoNNLike` (all chosen; ChromDragoNN: Nair et al. 2019)."""

    trunk: ResidualCNNConfig = field(default_factory=ResidualCNNConfig)
    n_tfs: int = 402
    expr_embedding: int = 128
    hidden: int = 256
    dropout: float = 0.3


class ChromDragoNNLike(nn.Module):
    """Sequence + expression, no motif feature: ResNet(x) ++ ReLU(Linear(expr)) -> FC -> 1.

    ``forward(x (B,4,L), motif (ignored), expr (K,T)) -> (B, K)``. As in :class:`DeepCAGE`, the
    first FC layer on the concatenation is split into a per-locus and a per-cell-type part.
    """

    def __init__(self, config: ChromDragoNNConfig | None = None, **sizes) -> None:
        super().__init__()
        self.config = c = config or ChromDragoNNConfig(**sizes)
        self.trunk = ResidualCNN(c.trunk)
        self.embed = nn.Sequential(nn.Linear(c.n_tfs, c.expr_embedding), nn.ReLU())
        self.fc_seq = nn.Linear(self.trunk.out_features, c.hidden)
        self.fc_expr = nn.Linear(c.expr_embedding, c.hidden, bias=False)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(c.dropout), nn.Linear(c.hidden, 1))

    def forward(self, x: torch.Tensor, motif: torch.Tensor | None, expr: torch.Tensor) -> torch.Tensor:
        if expr.dim() not in (2, 3) or expr.shape[-1] != self.config.n_tfs:
            raise ValueError(f"expr must be (K, {self.config.n_tfs}) (or (B, K, {self.config.n_tfs}) "
                             f"per locus); got shape {tuple(expr.shape)}.")
        zs = self.fc_seq(self.trunk(x))[:, None, :]                  # (B, 1, H)
        ze = self.fc_expr(self.embed(expr))                          # (K, H) or (B, K, H)
        if ze.dim() == 2:
            ze = ze[None, :, :]
        return self.head(zs + ze).squeeze(-1)                        # (B, K)
