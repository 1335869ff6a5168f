"""TSS locators without a transformer: a core-promoter PWM scan and a small per-base CNN.

The thesis calls TSS localisation easy; these two baselines test how easy. Both take windows
of equal length (strings, or one-hot ``(N, 4, L)``; :func:`genomebook.datasets.tss.tss_base_sample`
makes them with the TSS at a random offset) and score every base as the TSS:
``scores(seqs) -> (N, L)``, ``predict(seqs) -> (N,)`` the index of the best-scoring base.

* :class:`PWMLocator` - log-odds of the initiator (Inr) centred on the candidate base plus a
  TATA-box term: the likelihood ratio of "a TATA box starts at one of the learned offsets
  upstream" (a mixture fitted by EM on training windows) against "no TATA box". The motifs
  are JASPAR's core-promoter matrices of the POLII collection, which pyjaspar bundles in its
  JASPAR 2020 database (not in 2022/2024): ``POL002.1`` INR (8 bp, consensus ``TCAGTCTT``,
  the A of column 2 is the +1) and ``POL012.1`` TATA-Box (15 bp, consensus
  ``GTATAAAAGGCGGGG``, the TATA starting at column 1).
* :class:`TSSCNN` - one-hot -> a motif convolution and a few residual dilated convolutions
  (all 'same' padded) -> one logit per base; trained by :func:`fit_tss_cnn` with a softmax
  over the window's bases (the thesis's token-level softmax, per base), through
  :class:`TSSLocatorTask` and :func:`genomebook.train.fit`.
* :func:`base_errors` and :func:`error_summary` - predicted minus true index in bp, and
  exact accuracy, within-k accuracy and median distance.

Used by the tss_localisation chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from genomebook import motifs, seq, train
from genomebook.models.cnn import same_conv
from genomebook.models.lightning import EpochMetric

__all__ = ["INR_ID", "INR_TSS_COLUMN", "JASPAR_RELEASE", "TATA_ID", "PWMLocator", "TSSCNN", "TSSCNNConfig",
           "TSSLocatorTask", "base_errors", "core_promoter_pwms", "error_summary", "fit_tss_cnn"]

#: pyjaspar's bundled release that still holds JASPAR's POLII (core promoter) collection.
JASPAR_RELEASE = "JASPAR2020"
#: JASPAR POLII INR (initiator; Bucher 1990), 8 columns, consensus TCAGTCTT.
INR_ID = "POL002.1"
#: Column of the INR matrix holding the +1 (the A of ``YYANWYY``, 288 of 352 sites).
INR_TSS_COLUMN = 2
#: JASPAR POLII TATA-Box (Bucher 1990), 15 columns, consensus GTATAAAAGGCGGGG.
TATA_ID = "POL012.1"


def core_promoter_pwms(pseudocount: float = 0.8, release: str = JASPAR_RELEASE) -> dict[str, np.ndarray]:
    """The Inr and TATA log-odds matrices (4, w), bits, rows A, C, G, T: ``{"Inr": ..., "TATA": ...}``.

    JASPAR ``POL002.1`` (INR) and ``POL012.1`` (TATA-Box) from pyjaspar's offline ``release``
    (the POLII collection is in JASPAR 2020), counts smoothed with ``pseudocount`` spread over a
    uniform background (:func:`genomebook.motifs.log_odds`). The Inr's +1 is column
    :data:`INR_TSS_COLUMN`. Used by the tss_localisation chapter through :class:`PWMLocator`.
    """
    inr, tata = motifs.load_jaspar(ids=[INR_ID, TATA_ID], release=release)
    return {"Inr": motifs.log_odds(inr.counts, pseudocount=pseudocount),
            "TATA": motifs.log_odds(tata.counts, pseudocount=pseudocount)}


# --------------------------------------------------------------------------- inputs


def _onehot(seqs: Any, what: str = "seqs") -> np.ndarray:
    """(N, 4, L) float32 one-hot from a list of equal-length strings or a one-hot array."""
    if isinstance(seqs, str):
        raise TypeError(f"{what}: pass a list of windows, not one string (wrap it: [seq]).")
    if isinstance(seqs, torch.Tensor):
        seqs = seqs.detach().cpu().numpy()
    if isinstance(seqs, np.ndarray) and seqs.dtype != object:
        x = np.asarray(seqs, dtype=np.float32)
        if x.ndim != 3 or x.shape[1] != 4:
            raise ValueError(f"{what}: a one-hot array must be (N, 4, L) with channels A, C, G, T; got {x.shape}.")
    else:
        x = seq.one_hot(list(seqs))
    if x.shape[0] == 0 or x.shape[2] == 0:
        raise ValueError(f"{what}: no windows (or windows of length 0); got shape {x.shape}.")
    return x


def _codes(x: np.ndarray) -> np.ndarray:
    """(N, L) base codes 0..3 for A, C, G, T and 4 for N (all-zero one-hot columns)."""
    return np.where(x.max(axis=1) > 0, x.argmax(axis=1), 4).astype(np.int64)


def _targets(tss: Any, n: int, length: int, what: str = "tss_index") -> np.ndarray:
    t = np.asarray(tss)
    if t.ndim != 1 or len(t) != n:
        raise ValueError(f"{what}: need one TSS index per window ({n}); got shape {t.shape}.")
    if not np.issubdtype(t.dtype, np.integer):
        if not np.all(np.isfinite(t.astype(float))) or np.any(t.astype(float) % 1):
            raise ValueError(f"{what}: TSS indices must be integers (0-based index of the TSS base in the window).")
    t = t.astype(np.int64)
    bad = np.flatnonzero((t < 0) | (t >= length))
    if len(bad):
        raise ValueError(f"{what}: {len(bad)} TSS index(es) outside 0..{length - 1} (the window's bases); the "
                         f"first is window {int(bad[0])} with {int(t[bad[0]])}.")
    return t


def _profile(codes: np.ndarray, pwm: np.ndarray, start_col: int) -> np.ndarray:
    """Score of ``pwm`` placed with its column ``start_col`` on each base: (N, L) float64.

    Column j reads base ``p - start_col + j``; bases outside the window and N add 0.
    """
    n, length = codes.shape
    w = pwm.shape[1]
    table = np.vstack([pwm, np.zeros((1, w))])                  # row 4: N or outside the window
    left, right = start_col, w - 1 - start_col
    padded = np.pad(codes, ((0, 0), (max(left, 0), max(right, 0))), constant_values=4)
    out = np.zeros((n, length))
    for j in range(w):
        out += table[:, j][padded[:, j:j + length]]
    return out


# --------------------------------------------------------------------------- PWM locator


class PWMLocator:
    """The TSS as the base with the best Inr log-odds plus a learned TATA-box term.

    For a candidate base ``p`` of a window (one strand: Inr and TATA face the transcript),

    ``score(p) = inr(p) + w * log2(1 - pi + pi * sum_d q(d) * 2 ** tata(p + d))``

    where ``inr(p)`` is the Inr log-odds (bits) with its +1 column on ``p`` (columns outside the
    window add 0, as N does), ``tata(s)`` the TATA log-odds of the matrix starting at ``s``
    (``-inf`` where it would run past either end: no box there), ``d`` runs over
    ``tata_range`` (start of the TATA matrix relative to the TSS, both ends included), ``q`` is
    the distribution of that start and ``pi`` the share of windows with a TATA box. The log term
    is the likelihood ratio of "a TATA box at one of those offsets" to "none" when the matrices
    are read as the sites' generative model, so ``w = 1`` is that model and ``w = 0`` the Inr
    alone. :meth:`fit` learns ``q`` and ``pi`` by EM on training windows with known TSS (a
    pseudocount of ``prior`` per offset), then picks ``w`` from ``weights`` by exact accuracy
    on the same windows (ties: lower median distance, then the first listed).
    ``predict`` returns the arg-max base (ties: the first).

    Parameters
    ----------
    inr, tata : Motif or (4, w) array, optional
        The matrices; default :func:`core_promoter_pwms` (JASPAR POL002.1 and POL012.1). A
        :class:`~genomebook.motifs.Motif` is turned into log-odds with ``pseudocount``; an
        array is taken as a log-odds matrix in bits, rows A, C, G, T.
    inr_tss_column : int
        Column of ``inr`` that sits on the TSS (2 for POL002.1).
    tata_range : (int, int)
        Offsets of the TATA matrix's first column relative to the TSS that :meth:`fit`
        considers. POL012.1's TATA starts at its column 1, so a box at -31 is offset -32.
    weights : sequence of float
        The grid for ``w``.

    Attributes after :meth:`fit`: ``tata_offsets_`` (D,), ``tata_prior_`` q (D,),
    ``tata_fraction_`` pi, ``tata_weight_`` w, ``grid_`` (a DataFrame: weight, accuracy,
    median_abs_error on the training windows). Used by the tss_localisation chapter.
    """

    def __init__(self, *, inr: Any = None, tata: Any = None, inr_tss_column: int = INR_TSS_COLUMN,
                 tata_range: tuple[int, int] = (-45, -15), weights: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0),
                 pseudocount: float = 0.8, prior: float = 0.5, em_iterations: int = 50,
                 release: str = JASPAR_RELEASE) -> None:
        default = core_promoter_pwms(pseudocount, release) if inr is None or tata is None else {}
        self.inr = self._matrix(default["Inr"] if inr is None else inr, "inr", pseudocount)
        self.tata = self._matrix(default["TATA"] if tata is None else tata, "tata", pseudocount)
        if not 0 <= int(inr_tss_column) < self.inr.shape[1]:
            raise ValueError(f"inr_tss_column={inr_tss_column} is not a column of the {self.inr.shape[1]}-column "
                             "Inr matrix; give the 0-based column that sits on the TSS base.")
        self.inr_tss_column = int(inr_tss_column)
        lo, hi = (int(v) for v in tata_range)
        if lo > hi:
            raise ValueError(f"tata_range={tata_range} must be (low, high) with low <= high, e.g. (-45, -15): "
                             "offsets of the TATA matrix's first column relative to the TSS.")
        self.tata_range = (lo, hi)
        self.weights = tuple(float(w) for w in weights)
        if not self.weights or any(w < 0 or not np.isfinite(w) for w in self.weights):
            raise ValueError(f"weights must be a non-empty list of finite non-negative numbers, got {weights!r}.")
        if prior < 0 or em_iterations < 1:
            raise ValueError(f"prior must be >= 0 and em_iterations >= 1, got {prior}, {em_iterations}.")
        self.prior, self.em_iterations = float(prior), int(em_iterations)
        self.tata_offsets_ = np.arange(lo, hi + 1)
        self.tata_prior_: np.ndarray | None = None
        self.tata_fraction_: float | None = None
        self.tata_weight_: float | None = None
        self.grid_: pd.DataFrame | None = None

    @staticmethod
    def _matrix(m: Any, what: str, pseudocount: float) -> np.ndarray:
        if isinstance(m, motifs.Motif):
            return motifs.log_odds(m.counts, pseudocount=pseudocount)
        a = np.asarray(m, dtype=float)
        if a.ndim != 2 or a.shape[0] != 4 or a.shape[1] < 1 or not np.all(np.isfinite(a)):
            raise ValueError(f"{what} must be a Motif or a finite (4, w) log-odds matrix (rows A, C, G, T), "
                             f"got shape {a.shape}; build one with genomebook.motifs.log_odds.")
        return a

    # ------------------------------------------------------------------ pieces

    def _terms(self, seqs: Any) -> tuple[np.ndarray, np.ndarray]:
        """(inr (N, L), tata (N, L)) log-odds: Inr on its TSS column, TATA by matrix start (-inf past an end)."""
        codes = _codes(_onehot(seqs))
        inr = _profile(codes, self.inr, self.inr_tss_column)
        tata = _profile(codes, self.tata, 0)
        w = self.tata.shape[1]
        if w > 1:
            tata[:, max(0, codes.shape[1] - w + 1):] = -np.inf       # the matrix would run past the end
        return inr, tata

    def _tata_term(self, tata: np.ndarray) -> np.ndarray:
        """log2(1 - pi + pi * sum_d q(d) 2^tata(p + d)) for every base p: (N, L)."""
        n, length = tata.shape
        with np.errstate(over="ignore"):
            ratio = np.exp2(np.minimum(tata, 1000.0))                   # -inf -> 0
        mix = np.zeros((n, length))
        for d, q in zip(self.tata_offsets_, self.tata_prior_):
            # bases p with p + d inside the window; others: no box there (ratio 0)
            lo, hi = max(0, -d), min(length, length - d)
            if lo < hi:
                mix[:, lo:hi] += q * ratio[:, lo + d:hi + d]
        pi = self.tata_fraction_
        return np.log2((1.0 - pi) + pi * mix)

    def _check_fitted(self) -> None:
        if self.tata_weight_ is None:
            raise RuntimeError("PWMLocator is not fitted: call fit(train_seqs, train_tss) first (it learns where "
                               "TATA boxes sit and how much they count).")

    # ------------------------------------------------------------------ API

    def fit(self, seqs: Any, tss_index: Any) -> PWMLocator:
        """Learn the TATA offsets ``q``, the TATA share ``pi`` (EM) and the weight ``w`` (grid, exact
        accuracy) from training windows ``seqs`` (list of equal-length str, or (N, 4, L) one-hot)
        and their TSS indices (N,). Returns self. Used by the tss_localisation chapter."""
        x = _onehot(seqs, "seqs")
        t = _targets(tss_index, x.shape[0], x.shape[2])
        inr, tata = self._terms(x)
        n, length = tata.shape
        pos = t[:, None] + self.tata_offsets_[None, :]                  # (N, D) TATA starts at each offset
        inside = (pos >= 0) & (pos < length)
        s = np.where(inside, tata[np.arange(n)[:, None], np.clip(pos, 0, length - 1)], -np.inf)
        with np.errstate(over="ignore"):
            ratio = np.exp2(np.minimum(s, 1000.0))                      # (N, D), 0 where no box can start
        D = len(self.tata_offsets_)
        q, pi = np.full(D, 1.0 / D), 0.5
        for _ in range(self.em_iterations):
            weighted = pi * q[None, :] * ratio                          # (N, D)
            resp = weighted / ((1.0 - pi) + weighted.sum(axis=1, keepdims=True))
            counts = resp.sum(axis=0) + self.prior
            q = counts / counts.sum()
            pi = float(np.clip(resp.sum() / n, 1e-3, 1.0 - 1e-3))
        self.tata_prior_, self.tata_fraction_ = q, pi
        term = self._tata_term(tata)
        rows = []
        for w in self.weights:
            err = np.abs((inr + w * term).argmax(axis=1) - t)
            rows.append({"weight": w, "accuracy": float((err == 0).mean()), "median_abs_error": float(np.median(err))})
        self.grid_ = pd.DataFrame(rows)
        best = self.grid_.sort_values(["accuracy", "median_abs_error"], ascending=[False, True], kind="stable")
        self.tata_weight_ = float(best["weight"].iloc[0])
        return self

    def scores(self, seqs: Any) -> np.ndarray:
        """Score (bits) of every base as the TSS, (N, L) float64, for windows ``seqs`` (list of
        equal-length str or (N, 4, L) one-hot). Used by the tss_localisation chapter."""
        self._check_fitted()
        inr, tata = self._terms(seqs)
        return inr + self.tata_weight_ * self._tata_term(tata) if self.tata_weight_ else inr

    def predict(self, seqs: Any) -> np.ndarray:
        """Predicted TSS index of each window, (N,) int64: the best-scoring base (ties: the first).
        Used by the tss_localisation chapter."""
        return self.scores(seqs).argmax(axis=1).astype(np.int64)

    def offset_table(self) -> pd.DataFrame:
        """The learned TATA-start distribution: columns offset (of the matrix's first column
        relative to the TSS) and probability, with ``attrs`` tata_fraction and tata_weight.
        Used by the tss_localisation chapter (where the TATA box sits, learned from data)."""
        self._check_fitted()
        df = pd.DataFrame({"offset": self.tata_offsets_, "probability": self.tata_prior_})
        df.attrs.update(tata_fraction=self.tata_fraction_, tata_weight=self.tata_weight_)
        return df


# --------------------------------------------------------------------------- CNN


@dataclass
class TSSCNNConfig:
    """Sizes of :class:`TSSCNN`. The receptive field is ``motif_width + sum((width - 1) * d)`` bases
    (defaults: 15 + 4 * (2 + 4 + 8) = 71, i.e. +-35 bp: a base sees a TATA box at -30).
    Used by the tss_localisation chapter."""

    channels: int = 32
    motif_width: int = 15
    width: int = 5                      # of the dilated convolutions (odd)
    dilations: tuple[int, ...] = (2, 4, 8)
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if self.channels < 1 or self.motif_width < 1:
            raise ValueError(f"TSSCNNConfig: channels and motif_width must be >= 1, got {self.channels}, "
                             f"{self.motif_width}.")
        if self.width < 1 or self.width % 2 == 0:
            raise ValueError(f"TSSCNNConfig: width must be odd (a 'same' dilated convolution), got {self.width}.")
        if any(int(d) < 1 for d in self.dilations):
            raise ValueError(f"TSSCNNConfig: dilations must be >= 1, got {self.dilations}.")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"TSSCNNConfig: dropout must be in [0, 1), got {self.dropout}.")
        self.dilations = tuple(int(d) for d in self.dilations)

    @property
    def receptive_field(self) -> int:
        """Bases one output logit sees."""
        return self.motif_width + sum((self.width - 1) * d for d in self.dilations)


class TSSCNN(nn.Module):
    """Per-base TSS logits from one-hot DNA: ``(N, 4, L) -> (N, L)``.

    A 'same' motif convolution (``motif_width``) and ReLU, then one residual block per
    dilation (dilated 'same' convolution, ReLU, dropout, added to its input), then a 1x1
    convolution to one logit per base. Windows shorter than the receptive field are fine
    (zero padding reads as N). ``scores`` / ``predict`` mirror :class:`PWMLocator`. Used by
    the tss_localisation chapter (trained by :func:`fit_tss_cnn`).
    """

    def __init__(self, config: TSSCNNConfig | None = None, **sizes: Any) -> None:
        super().__init__()
        self.config = c = config or TSSCNNConfig(**sizes)
        self.motif = nn.Sequential(same_conv(4, c.channels, c.motif_width), nn.ReLU())
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(c.channels, c.channels, c.width, dilation=d, padding=d * (c.width - 1) // 2),
                          nn.ReLU(), nn.Dropout(c.dropout))
            for d in c.dilations)
        self.out = nn.Conv1d(c.channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, L) of one-hot x (N, 4, L)."""
        if x.dim() != 3 or x.shape[1] != 4:
            raise ValueError(f"TSSCNN needs one-hot (N, 4, L), got shape {tuple(x.shape)}.")
        h = self.motif(x)
        for block in self.blocks:
            h = h + block(h)
        return self.out(h).squeeze(1)

    @torch.no_grad()
    def scores(self, seqs: Any, batch_size: int = 512) -> np.ndarray:
        """Log-softmax over each window's bases, (N, L) float32 (NumPy), in eval mode on the net's
        device; ``seqs`` a list of equal-length str or (N, 4, L) one-hot. Used by the
        tss_localisation chapter."""
        x = torch.from_numpy(_onehot(seqs))
        was_training = self.training
        self.eval()
        dev = next(self.parameters()).device
        out = [torch.log_softmax(self(x[i:i + batch_size].to(dev)).float(), dim=1).cpu()
               for i in range(0, len(x), batch_size)]
        self.train(was_training)
        return torch.cat(out).numpy()

    def predict(self, seqs: Any, batch_size: int = 512) -> np.ndarray:
        """Predicted TSS index of each window, (N,) int64 (arg-max base). Used by the
        tss_localisation chapter."""
        return self.scores(seqs, batch_size).argmax(axis=1).astype(np.int64)


def _position_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    err = np.abs(pred - y)
    return {"accuracy": float((err == 0).mean()), "median_abs_error": float(np.median(err))}


class TSSLocatorTask(L.LightningModule):
    """Train a per-base locator ``net: (N, 4, L) -> (N, L)`` with a softmax over the window's bases.

    Batches are ``(x (N, 4, L), tss (N,))``; the loss is the cross-entropy of the TSS index
    under the softmax over positions. Logs ``train_loss`` (per epoch), ``val_loss``,
    ``val_accuracy`` (exact base) and ``val_median_abs_error`` (bp) over the whole epoch
    (:class:`genomebook.models.lightning.EpochMetric`). AdamW. Used by the tss_localisation
    chapter through :func:`fit_tss_cnn`.
    """

    def __init__(self, net: nn.Module, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__()
        self.net = net
        self.save_hyperparameters(ignore=["net"])
        self.val_metrics = EpochMetric(_position_metrics)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, L)."""
        return self.net(x)

    def _loss(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits.float(), y.long()), logits, y

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss, _, y = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False, batch_size=y.numel())
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch)
        self.val_metrics.update(logits.argmax(dim=1), y)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=y.numel())

    def on_validation_epoch_start(self) -> None:
        self.val_metrics.reset()

    def on_validation_epoch_end(self) -> None:
        for k, v in self.val_metrics.compute().items():
            self.log(f"val_{k}", v, prog_bar=k == "accuracy")
        self.val_metrics.reset()

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self(x)

    def configure_optimizers(self):
        # One fused kernel per step on CUDA; CPU keeps torch's default implementation (same results).
        fused = {"fused": True} if self.device.type == "cuda" else {}
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay,
                                 **fused)


def _loader(seqs: Any, tss: Any, batch: int, shuffle: bool, seed: int, what: str) -> DataLoader:
    x = _onehot(seqs, what)
    t = _targets(tss, x.shape[0], x.shape[2], f"{what} TSS indices")
    ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(t))
    return DataLoader(ds, batch_size=batch, shuffle=shuffle, generator=torch.Generator().manual_seed(seed),
                      pin_memory=train.uses_cuda())


def fit_tss_cnn(train_seqs: Any, train_tss: Any, dev_seqs: Any = None, dev_tss: Any = None, *,
                config: TSSCNNConfig | None = None, epochs: int = 10, batch: int = 64, lr: float = 1e-3,
                weight_decay: float = 0.0, patience: int | None = None, seed: int = 0,
                **trainer_kwargs: Any) -> tuple[TSSCNN, pd.DataFrame]:
    """Train a :class:`TSSCNN` to locate the TSS; returns ``(net, history)``.

    ``train_seqs`` / ``dev_seqs``: equal-length windows (list of str or (N, 4, L) one-hot),
    ``train_tss`` / ``dev_tss`` the TSS index in each. :class:`TSSLocatorTask` under
    :func:`genomebook.train.fit` (the one training loop): best epoch by ``val_loss``
    (``train_loss`` without dev windows), early stopping after ``patience`` epochs, seeded
    just before training. ``history`` has one row per epoch (epoch, train_loss, val_loss,
    val_accuracy, val_median_abs_error). The net comes back in eval mode on the device it
    trained on. ``trainer_kwargs`` go to :func:`genomebook.train.fit`. Used by the
    tss_localisation chapter.
    """
    if (dev_seqs is None) != (dev_tss is None):
        raise ValueError("give both dev_seqs and dev_tss, or neither.")
    if epochs < 1 or batch < 1 or lr <= 0:
        raise ValueError(f"epochs and batch must be >= 1 and lr > 0; got epochs={epochs}, batch={batch}, lr={lr}.")
    train_dl = _loader(train_seqs, train_tss, batch, True, seed, "train")
    val_dl = _loader(dev_seqs, dev_tss, max(batch, 256), False, seed, "dev") if dev_seqs is not None else None
    if val_dl is not None and val_dl.dataset.tensors[0].shape[2] != train_dl.dataset.tensors[0].shape[2]:
        raise ValueError(f"train windows are {train_dl.dataset.tensors[0].shape[2]} bp but dev windows "
                         f"{val_dl.dataset.tensors[0].shape[2]} bp; crop both to one length.")
    train.seed_everything(seed)
    net = TSSCNN(config)
    task = TSSLocatorTask(net, lr=lr, weight_decay=weight_decay)
    history = train.History()
    monitor = "val_loss" if val_dl is not None else "train_loss"
    train.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, max_epochs=int(epochs),
              patience=patience, monitor=monitor, callbacks=[history, *trainer_kwargs.pop("callbacks", [])],
              **trainer_kwargs)
    df = history.frame()
    keep = [c for c in ("epoch", "train_loss", "val_loss", "val_accuracy", "val_median_abs_error") if c in df.columns]
    return task.net.eval(), df[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- errors


def base_errors(pred: Any, target: Any) -> np.ndarray:
    """Signed error in bp of per-base predictions: ``pred - target`` (negative: predicted upstream),
    int64. The base-level counterpart of :func:`genomebook.datasets.tss.base_error` (which is
    this with one base per token). Used by the tss_localisation chapter.

    Examples
    --------
    >>> base_errors([10, 7, 3], [10, 9, 0]).tolist()
    [0, -2, 3]
    """
    p, t = np.asarray(pred), np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(f"pred and target must have the same shape, got {p.shape} and {t.shape}.")
    return p.astype(np.int64) - t.astype(np.int64)


def error_summary(pred: Any, target: Any, within: Sequence[int] = (5, 10, 50)) -> dict[str, float]:
    """Exact accuracy, share within ``k`` bp for each ``k`` in ``within``, median and mean absolute
    error (bp) and ``n``: one dict, a row of the chapter's table. Used by the tss_localisation chapter.

    Examples
    --------
    >>> error_summary([10, 7, 3, 0], [10, 9, 0, 0], within=(2,))
    {'n': 4, 'accuracy': 0.5, 'within_2bp': 0.75, 'median_abs_error': 1.0, 'mean_abs_error': 1.25}
    """
    err = np.abs(base_errors(pred, target)).reshape(-1)
    if err.size == 0:
        raise ValueError("error_summary: no predictions.")
    out: dict[str, float] = {"n": int(err.size), "accuracy": float((err == 0).mean())}
    for k in within:
        out[f"within_{int(k)}bp"] = float((err <= int(k)).mean())
    out.update(median_abs_error=float(np.median(err)), mean_abs_error=float(err.mean()))
    return out
