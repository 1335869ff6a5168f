"""The thin Lightning wrappers, one per task kind (nets are plain ``nn.Module``s, see :mod:`genomebook.models.registry`).

- :class:`SequenceClassifier` — one-hot DNA ``(N, 4, L)`` -> class logits (binary or multi-class);
  the motifs chapter and the DNABERT family's CNN baselines.
- :class:`CellTypeModel` — ``(locus, cell type)`` pairs -> logits or values; the DeepCAGE chapters.

The k-mer BERTs carry their own Lightning modules (:mod:`genomebook.models.bert`: masked-language
pre-training and classification of token ids).

Validation metrics are those of :mod:`genomebook.metrics` (one definition of each), computed at
the end of the epoch on everything the epoch saw, from every process under DDP (:class:`EpochMetric`).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from genomebook import metrics


class EpochMetric:
    """Scores and targets gathered over one validation / test epoch, scored at its end by one function.

    ``update(scores, target)`` keeps detached CPU float64 copies of a batch's scores and targets
    (any matching shapes; flattened); ``compute()`` applies ``fn(target (n,), scores (n,))`` to
    the epoch's n values and returns a 0-d float tensor, or a dict of them when ``fn`` returns a
    dict; NaN when nothing was gathered or ``fn`` raises ``ValueError`` (e.g. one class only).
    ``reset()`` empties it (Lightning modules call it at the start and end of each epoch).
    Under torch.distributed (DDP) ``compute()`` gathers every process's values first, so every
    process must call it; each then returns the metric of the whole epoch.
    """

    def __init__(self, fn: Callable[[np.ndarray, np.ndarray], float | dict[str, float]]) -> None:
        self.fn = fn
        self.reset()

    def reset(self) -> None:
        self._scores: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []

    def update(self, scores: torch.Tensor, target: torch.Tensor) -> None:
        self._scores.append(scores.detach().reshape(-1).to("cpu", torch.float64))
        self._targets.append(target.detach().reshape(-1).to("cpu", torch.float64))

    def __len__(self) -> int:
        return sum(t.numel() for t in self._targets)

    def _gathered(self) -> tuple[np.ndarray, np.ndarray]:
        """(targets, scores) of this epoch, from every process when torch.distributed runs (DDP)."""
        empty = torch.zeros(0, dtype=torch.float64)
        t = torch.cat(self._targets) if self._targets else empty
        s = torch.cat(self._scores) if self._scores else empty
        if torch.distributed.is_available() and torch.distributed.is_initialized() \
                and torch.distributed.get_world_size() > 1:
            parts: list[Any] = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(parts, (t, s))
            t, s = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        return t.numpy(), s.numpy()

    def compute(self) -> torch.Tensor | dict[str, torch.Tensor]:
        nan = float("nan")
        y, s = self._gathered()
        try:
            value = self.fn(y, s) if y.size else nan
        except ValueError:
            value = nan
        if isinstance(value, dict):
            return {k: torch.tensor(float(v)) for k, v in value.items()}
        return torch.tensor(float(value))


def _auroc(y: np.ndarray, s: np.ndarray) -> float:
    return float(metrics.auroc_rows(y[None], s[None])[0])


def _auprc(y: np.ndarray, s: np.ndarray) -> float:
    return float(metrics.auprc_rows(y[None], s[None])[0])


def _accuracy_mcc(y: np.ndarray, pred: np.ndarray, n_classes: int) -> dict[str, float]:
    """accuracy and mcc of predicted classes pred (n,) against true classes y (n,), both in 0..n_classes-1."""
    cm = metrics.confusion_matrices(y.astype(np.int64), pred.astype(np.int64), n_classes)
    s = metrics.from_confusion(cm)
    return {"accuracy": float(s["accuracy"][0]), "mcc": float(s["MCC"][0])}


class SequenceClassifier(L.LightningModule):
    """Train a classifier of one-hot DNA with AdamW; binary or multi-class.

    ``net`` maps ``(N, 4, L)`` to logits ``(N, C)``. With ``n_classes == 2`` the net may output
    one column (a single logit; binary cross-entropy) or two (softmax cross-entropy); with
    ``n_classes > 2`` it must output ``n_classes`` columns (cross-entropy). Batches are
    ``(x, y)`` with ``y`` integer class labels in ``0 .. n_classes - 1`` (shape (N,) or (N, 1)).

    Logs ``train_loss`` (per epoch), ``val_loss``, ``val_accuracy`` and ``val_mcc`` (and the
    ``test_*`` counterparts in ``trainer.test``); accuracy and MCC are of the arg-max class over
    the whole epoch, by :func:`genomebook.metrics.from_confusion` (binary MCC, or Gorodkin's R_K
    for ``n_classes > 2``; 0.0 where undefined, e.g. a single predicted class). Binary tasks also
    log ``val_auroc`` (:func:`genomebook.metrics.auroc_rows` of the positive-class logit over the
    epoch; NaN when the epoch holds one class).
    ``predict_step`` (and :meth:`predict_proba`) return probabilities ``(N, n_classes)`` whose
    rows sum to one; for binary tasks column 0 is P(negative) and column 1 P(positive).
    """

    def __init__(self, net: nn.Module, n_classes: int = 2, lr: float = 1e-3,
                 weight_decay: float = 0.0) -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2 (binary is n_classes=2); got {n_classes}.")
        self.net = net
        self.n_classes = n_classes
        self.save_hyperparameters(ignore=["net"])
        self.val_metrics = EpochMetric(partial(_accuracy_mcc, n_classes=n_classes))  # arg-max classes of the epoch
        self.test_metrics = EpochMetric(partial(_accuracy_mcc, n_classes=n_classes))
        self.val_auroc = EpochMetric(_auroc) if n_classes == 2 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw logits of the net, (N, 1) or (N, n_classes)."""
        return self.net(x)

    # ------------------------------------------------------------------ outputs -> loss / probs

    def _check(self, logits: torch.Tensor) -> None:
        ok = logits.dim() == 2 and (logits.shape[1] == self.n_classes
                                    or (self.n_classes == 2 and logits.shape[1] == 1))
        if not ok:
            allowed = "1 or 2" if self.n_classes == 2 else str(self.n_classes)
            raise ValueError(f"SequenceClassifier(n_classes={self.n_classes}) needs a net with "
                             f"{allowed} output columns; got shape {tuple(logits.shape)}.")

    def logits_to_proba(self, logits: torch.Tensor) -> torch.Tensor:
        """(N, 1) or (N, C) logits -> (N, n_classes) probabilities."""
        self._check(logits)
        if logits.shape[1] == 1:
            p = torch.sigmoid(logits)
            return torch.cat([1.0 - p, p], dim=1)
        return torch.softmax(logits, dim=1)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Probabilities (N, n_classes) for one-hot ``x`` (no gradient; the caller sets eval())."""
        with torch.no_grad():
            return self.logits_to_proba(self(x))

    def _loss(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y = batch
        logits = self(x)
        self._check(logits)
        y = y.reshape(-1).long()
        if logits.shape[1] == 1:
            loss = F.binary_cross_entropy_with_logits(logits.squeeze(1), y.to(logits.dtype))
        else:
            loss = F.cross_entropy(logits, y)
        return loss, logits, y

    def _update(self, outputs: EpochMetric, logits: torch.Tensor, y: torch.Tensor) -> None:
        pred = self.logits_to_proba(logits.detach()).argmax(dim=1)
        outputs.update(pred, y)

    def _log_epoch(self, outputs: EpochMetric, prefix: str, prog_bar: bool) -> None:
        values = outputs.compute()
        outputs.reset()
        if isinstance(values, dict):
            self.log_dict({f"{prefix}{k}": v for k, v in values.items()}, prog_bar=prog_bar)

    # ------------------------------------------------------------------ Lightning hooks

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss, _, y = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False,
                 batch_size=y.numel())
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch)
        self._update(self.val_metrics, logits, y)
        if self.val_auroc is not None:  # rank by logits: they order as probabilities do, without float32 ties
            self.val_auroc.update(logits[:, -1] - (logits[:, 0] if logits.shape[1] == 2 else 0.0), y)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=y.numel())

    def test_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch)
        self._update(self.test_metrics, logits, y)
        self.log("test_loss", loss, on_epoch=True, batch_size=y.numel())

    def on_validation_epoch_start(self) -> None:
        self.val_metrics.reset()
        if self.val_auroc is not None:
            self.val_auroc.reset()

    def on_validation_epoch_end(self) -> None:
        self._log_epoch(self.val_metrics, "val_", prog_bar=True)
        if self.val_auroc is not None:
            self.log("val_auroc", self.val_auroc.compute(), prog_bar=True)
            self.val_auroc.reset()

    def on_test_epoch_start(self) -> None:
        self.test_metrics.reset()

    def on_test_epoch_end(self) -> None:
        self._log_epoch(self.test_metrics, "test_", prog_bar=False)

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.logits_to_proba(self(x))

    def configure_optimizers(self):
        # One fused kernel per step on CUDA; CPU keeps torch's default implementation (same results).
        fused = {"fused": True} if self.device.type == "cuda" else {}
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay, **fused)


TASKS = ("classification", "regression")


class CellTypeModel(L.LightningModule):
    """Train a cross-cell-type network ``net(x, motif, expr) -> (B, K)`` with AdamW.

    Batches are dicts: ``x`` (B, 4, L) one-hot, ``motif`` (B, T), ``expr`` (K, T) (the batch's
    cell types; a collated (B, K, T) stack of identical rows is accepted and its first row
    used), ``y`` (B, K) float targets. NaN targets are masked out of the loss and metrics.
    ``task="classification"``: BCE with logits, logs ``val_auprc`` (average precision over all
    pairs of the epoch, :func:`genomebook.metrics.auprc_rows`); ``"regression"``: MSE, logs
    ``val_pearson`` (:func:`genomebook.metrics.pearson` over all pairs of the epoch). Also logs
    ``train_loss`` (per epoch) and ``val_loss``, both means over the valid pairs.
    ``predict_step`` returns (B, K) probabilities (classification) or values.
    """

    def __init__(self, net: nn.Module, task: str = "classification", lr: float = 1e-3,
                 weight_decay: float = 0.0) -> None:
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}.")
        self.net = net
        self.save_hyperparameters(ignore=["net"])
        self.classification = task == "classification"
        if self.classification:
            self.val_metric, self.metric_name = EpochMetric(_auprc), "val_auprc"
        else:
            self.val_metric, self.metric_name = EpochMetric(metrics.pearson), "val_pearson"

    def forward(self, x: torch.Tensor, motif: torch.Tensor, expr: torch.Tensor) -> torch.Tensor:
        return self.net(x, motif, expr)

    @staticmethod
    def _expr(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        expr = batch["expr"]
        return expr[0] if expr.dim() == 3 else expr

    def _outputs(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["x"], batch["motif"], self._expr(batch))

    def _loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(mean loss over non-NaN targets, their outputs, their targets)."""
        out = self._outputs(batch)
        y = batch["y"].to(out.dtype)
        if y.shape != out.shape:
            raise ValueError(f"y must be (B, K) = {tuple(out.shape)}; got {tuple(y.shape)}.")
        mask = ~torch.isnan(y)
        pred, target = out[mask], y[mask]
        if target.numel() == 0:
            return out.sum() * 0.0, pred, target
        if self.classification:
            loss = F.binary_cross_entropy_with_logits(pred, target)
        else:
            loss = F.mse_loss(pred, target)
        return loss, pred, target

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss, _, target = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False,
                 batch_size=max(1, target.numel()))
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        loss, pred, target = self._loss(batch)
        n = max(1, target.numel())
        if target.numel():
            # classification: logits rank as probabilities do (auPR depends on the ranking only)
            self.val_metric.update(pred, target)
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=n)

    def on_validation_epoch_start(self) -> None:
        self.val_metric.reset()

    def on_validation_epoch_end(self) -> None:
        self.log(self.metric_name, self.val_metric.compute(), prog_bar=True)
        self.val_metric.reset()

    def predict_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        out = self._outputs(batch)
        return torch.sigmoid(out) if self.classification else out

    def configure_optimizers(self):
        # One fused kernel per step on CUDA; CPU keeps torch's default implementation (same results).
        fused = {"fused": True} if self.device.type == "cuda" else {}
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay, **fused)


class EPIPairTask(L.LightningModule):
    """Train an enhancer–promoter network ``net(enhancer, promoter)`` with Adam; the enhancer_promoter
    and epsat_eplae chapters.

    ``net`` is one of :mod:`genomebook.models.epi` (SPEID, EPSAT: logits ``(N, 2)``; EPLAE: a dict
    with ``logits``, ``reconstruction`` and ``latent``). Batches are ``(enhancer (N, 4, L_e),
    promoter (N, 4, L_p), y (N,))`` with integer labels 0/1. Plain logits are trained with
    cross-entropy (the paper's softmax). A dict output needs ``loss``: a callable
    ``loss(out, (enhancer, promoter), y, model=net, return_terms=True) -> dict(total, mse, ce, ...)``,
    i.e. :func:`genomebook.models.epi.eplae_loss` (eq. 7: reconstruction MSE + cross-entropy +
    1e-5 x squared weights; passed in, not imported, because this module imports no model
    family). Adam with ``lr`` (the paper: 1e-3) and no weight decay (EPLAE's L2 term is in its loss).

    Logs ``train_loss`` (per epoch) and ``val_loss``; for EPLAE also ``train_mse``/``train_ce``
    and ``val_mse``/``val_ce`` (the terms, for loss curves); ``val_auprc`` (average precision of
    P(interacting) over the epoch, :func:`genomebook.metrics.auprc_rows`). ``predict_step``
    returns P(interacting) ``(N,)``; :meth:`latent` gives EPLAE's latent (Fig 5's PCA input).
    """

    def __init__(self, net: nn.Module, lr: float = 1e-3, loss: Callable[..., dict] | None = None) -> None:
        super().__init__()
        self.net = net
        self.loss_fn = loss
        self.save_hyperparameters(ignore=["net", "loss"])
        self.val_auprc = EpochMetric(_auprc)

    def forward(self, enhancer: torch.Tensor, promoter: torch.Tensor):
        """The net's raw output: logits (N, 2), or EPLAE's dict."""
        return self.net(enhancer, promoter)

    @staticmethod
    def _logits(out) -> torch.Tensor:
        return out["logits"] if isinstance(out, dict) else out

    def _loss(self, batch: Any, prefix: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        enhancer, promoter, y = batch
        y = y.reshape(-1).long()
        out = self(enhancer, promoter)
        logits = self._logits(out)
        if logits.dim() != 2 or logits.shape[1] != 2:
            raise ValueError(f"EPIPairTask needs a net with 2 output logits; got shape {tuple(logits.shape)}.")
        if isinstance(out, dict):
            if self.loss_fn is None:
                raise ValueError(f"EPIPairTask: {type(self.net).__name__} returns a dict (an auto-encoder); pass "
                                 "loss=genomebook.models.epi.eplae_loss (or another loss of that signature).")
            terms = self.loss_fn(out, (enhancer, promoter), y, model=self.net, return_terms=True)
            loss = terms["total"]
            for k in ("mse", "ce"):
                self.log(f"{prefix}_{k}", terms[k], on_epoch=True, on_step=False, batch_size=y.numel())
        else:
            loss = F.cross_entropy(logits, y)
        return loss, logits, y

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss, _, y = self._loss(batch, "train")
        self.log("train_loss", loss, prog_bar=True, on_epoch=True, on_step=False, batch_size=y.numel())
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        loss, logits, y = self._loss(batch, "val")
        self.val_auprc.update(logits[:, 1] - logits[:, 0], y)  # ranks as P(interacting) does
        self.log("val_loss", loss, prog_bar=True, on_epoch=True, batch_size=y.numel())

    def on_validation_epoch_start(self) -> None:
        self.val_auprc.reset()

    def on_validation_epoch_end(self) -> None:
        self.log("val_auprc", self.val_auprc.compute(), prog_bar=True)
        self.val_auprc.reset()

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        enhancer, promoter = batch[0], batch[1]
        return torch.softmax(self._logits(self(enhancer, promoter)).float(), dim=1)[:, 1]

    def latent(self, enhancer: torch.Tensor, promoter: torch.Tensor) -> torch.Tensor:
        """EPLAE's latent (N, latent) of each pair (no gradient); an error for nets without one."""
        if not hasattr(self.net, "encode"):
            raise ValueError(f"{type(self.net).__name__} has no latent; only EPLAE encodes pairs.")
        with torch.no_grad():
            return self.net.encode(enhancer, promoter)

    def configure_optimizers(self):
        # One fused kernel per step on CUDA; CPU keeps torch's default implementation (same results).
        fused = {"fused": True} if self.device.type == "cuda" else {}
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, **fused)
