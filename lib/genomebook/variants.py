"""Variant effects: in-silico saturation mutagenesis and DNABERT's two variant scores.

DNABERT (Ji et al. 2021, section 3.5 and Fig. 6a-c) scores a variant by predicting the
sequence again with the altered allele and comparing the two predictions. The mutation
maps of Fig. 6 show two scores per substitution: a *difference score* (how much the
predicted probability moves) and a *log-odds ratio* (how much the predicted odds move, on
a log scale). Here, with ``p_ref`` the prediction for the reference sequence and
``p_mut`` the prediction with one base changed:

* difference score = ``p_mut - p_ref``;
* log-odds ratio = ``logit(p_mut) - logit(p_ref)`` with ``logit(p) = ln(p / (1 - p))``,
  i.e. the natural log of the odds ratio mutant : reference.

Both are positive when the mutation raises the prediction. DNABERT's released script
(``SNP/SNP.py``) differs in scale and sign: it multiplies the difference by
``max(p_ref, p_mut)`` (``difference_scores(..., scale_by_max=True)``) and reports
``log2 odds(ref) - log2 odds(mut)``, i.e. ``-log_odds_ratio(...) / ln 2``.

``fn`` is a model or any callable mapping a (B, 4, L) one-hot batch (torch tensor) to (B,)
(or (B, 1)) predictions (a tensor or a NumPy array), e.g. ``lambda x: model(x).sigmoid().squeeze(-1)``.
Batches run through :func:`genomebook.predict.predict`, without gradients: an ``nn.Module``
in eval mode (its mode restored after) on its own device; put the model inside a plain
function in ``eval()`` mode yourself. Predictions come back as float32 (rounded there by
:func:`~genomebook.predict.predict`) and are returned as float64. Used by the ``dnabert``
chapter (mutation maps and variant effects).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from genomebook.predict import model_device, predict
from genomebook.seq import decode_one_hot, one_hot

__all__ = ["ism", "difference_scores", "log_odds_ratio", "variant_effects"]

_BASES = "ACGT"


def _as_tensor(x: Any) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        t = x
    else:
        a = np.ascontiguousarray(x)
        t = torch.from_numpy(a if a.flags.writeable else a.copy())
    if t.ndim == 2:
        t = t.unsqueeze(0)
    if t.ndim != 3 or t.shape[1] != 4:
        raise ValueError(f"x must be one-hot (N, 4, L), got shape {tuple(t.shape)}")
    return t


def _one_per_sequence(out: Any) -> torch.Tensor:
    """``fn``'s output for a batch as a (B,) tensor: a NumPy array becomes a tensor, (B, 1) is squeezed."""
    t = out if isinstance(out, torch.Tensor) else torch.as_tensor(np.asarray(out, dtype=float))
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"fn must return one prediction per sequence, shape (B,) or (B, 1); got "
                         f"{tuple(t.shape)}")
    return t


def _predict(fn: Callable[[torch.Tensor], Any], inputs: Any, n: int, *, batch_size: int, device: Any,
             batch_fn: Callable[[Any], torch.Tensor] | None = None) -> np.ndarray:
    """(n,) float64 predictions of ``fn`` on ``inputs`` (one-hot (n, 4, L), or what ``batch_fn`` turns into it)."""
    if n == 0:
        return np.zeros(0)
    out = predict(fn, inputs, batch_size=batch_size, device=device, transform=_one_per_sequence,
                  batch_fn=batch_fn)
    if out.shape != (n,):
        raise ValueError(f"fn must return one prediction per sequence, shape ({n},); got {out.shape}")
    return out.astype(np.float64)


def _device(fn: Any, x: torch.Tensor, device: Any) -> torch.device:
    """Where to predict: ``device`` when given, else a model's own device, else where ``x`` is."""
    if device is not None:
        return torch.device(device)
    return model_device(fn) if isinstance(fn, nn.Module) else x.device


def _mutants(xt: torch.Tensor) -> Callable[[tuple[np.ndarray, np.ndarray, np.ndarray]], torch.Tensor]:
    """A batch builder: (sequence, base, position) index arrays -> those single-base mutants of ``xt``."""

    def build(batch: tuple[np.ndarray, np.ndarray, np.ndarray]) -> torch.Tensor:
        s, b, l_ = batch
        xb = xt[torch.tensor(s)].clone()
        rows, cols = torch.arange(len(s)), torch.tensor(l_)
        xb[rows, :, cols] = 0
        xb[rows, torch.tensor(b), cols] = 1
        return xb

    return build


def ism(
    fn: Callable[[torch.Tensor], Any],
    x: Any,
    *,
    positions: Sequence[int] | None = None,
    batch_size: int = 256,
    device: Any = None,
) -> np.ndarray:
    """Predictions for every single-base substitution: x (N, 4, L) one-hot -> (N, 4, L) float64.

    ``out[n, b, l]`` is ``fn`` of sequence ``n`` with base ``b`` (A, C, G, T) at position
    ``l``. The entry of the reference base holds the reference prediction ``fn(x[n])``
    (computed once, copied). An N position (all-zero column) gets all four substitutions.
    ``positions`` (default all) restricts the positions mutated; the others are NaN.
    Mutants are built and predicted ``batch_size`` at a time (``3 L`` per sequence), on
    ``device`` when given (default: the device of ``fn`` if it is an ``nn.Module``, else where
    ``x`` is); ``fn`` receives ``x``'s dtype.
    """
    xt = _as_tensor(x)
    n, _, length = xt.shape
    pos = np.arange(length) if positions is None else np.asarray(positions, dtype=np.int64).ravel()
    if pos.size and (pos.min() < -length or pos.max() >= length):
        raise ValueError(f"positions must lie in [0, {length}), got {pos.min()}..{pos.max()}")
    pos = np.unique(pos % length) if pos.size else pos
    out = np.full((n, 4, length), np.nan)
    dev = _device(fn, xt, device)
    ref = _predict(fn, xt, n, batch_size=batch_size, device=dev)
    # every (sequence, position, base) that differs from the reference, as flat index arrays
    onehot = xt[:, :, torch.from_numpy(pos)].detach().cpu().numpy() > 0  # (N, 4, P)
    seq_i, base_i, p_i = np.nonzero(~onehot)
    pos_i = pos[p_i]
    out[seq_i, base_i, pos_i] = _predict(fn, (seq_i, base_i, pos_i), seq_i.size, batch_size=batch_size,
                                         device=dev, batch_fn=_mutants(xt))
    ref_s, ref_b, ref_p = np.nonzero(onehot)
    out[ref_s, ref_b, pos[ref_p]] = ref[ref_s]
    return out


def _reference(ism_preds: Any, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """(preds (N, 4, L) float64, reference prediction per sequence (N, 1, 1)) from ISM output and x."""
    p = np.asarray(ism_preds, dtype=np.float64)
    xt = _as_tensor(x).detach().cpu().numpy() > 0
    if p.shape != xt.shape:
        raise ValueError(f"ism_preds {p.shape} and x {xt.shape} must have the same (N, 4, L) shape")
    at_ref = np.where(xt & np.isfinite(p), p, np.nan)
    found = np.isfinite(at_ref).any(axis=(1, 2))
    if not found.all():
        bad = int(np.flatnonzero(~found)[0])
        raise ValueError(f"sequence {bad} has no mutated position with a reference base (A, C, G or T), "
                         "so its reference prediction is unknown; run ism over such a position.")
    ref = np.nanmax(at_ref, axis=(1, 2))  # the reference entries all hold the same value
    return p, ref[:, None, None]


def difference_scores(ism_preds: Any, x: Any, *, scale_by_max: bool = False) -> np.ndarray:
    """DNABERT's difference score of every substitution, ``p_mut - p_ref``: (N, 4, L) -> (N, 4, L).

    ``ism_preds`` comes from :func:`ism` on ``x``; the reference entries give 0 and
    positions left out of the ISM stay NaN. ``scale_by_max=True`` multiplies by
    ``max(p_ref, p_mut)``, as DNABERT's ``SNP/SNP.py`` does.
    """
    p, ref = _reference(ism_preds, x)
    diff = p - ref
    return diff * np.maximum(p, ref) if scale_by_max else diff


def _logit(p: np.ndarray, eps: float) -> np.ndarray:
    q = np.clip(p, eps, 1.0 - eps)
    return np.log(q) - np.log1p(-q)


def log_odds_ratio(ism_preds: Any, x: Any, eps: float = 1e-6) -> np.ndarray:
    """DNABERT's log-odds ratio of every substitution, ``logit(p_mut) - logit(p_ref)`` (natural log): (N, 4, L).

    Predictions must be probabilities; they are clipped to ``[eps, 1 - eps]`` first so
    that 0 and 1 give finite values. For ``p = sigmoid(z)`` this is ``z_mut - z_ref``.
    """
    p, ref = _reference(ism_preds, x)
    return _logit(p, eps) - _logit(ref, eps)


def variant_effects(
    fn: Callable[[torch.Tensor], Any],
    seqs: Sequence[str] | Any,
    variants: pd.DataFrame,
    *,
    batch_size: int = 256,
    eps: float = 1e-6,
    device: Any = None,
) -> pd.DataFrame:
    """Predictions and DNABERT scores of listed single-base variants; one row per variant.

    ``seqs`` are equal-length str (or a one-hot (N, 4, L) array); ``variants`` has columns
    ``seq_index`` (row of ``seqs``), ``position`` (0-based) and ``alt`` (A, C, G or T), and
    optionally ``ref``, which must then agree with the sequence. Returns the variants'
    columns plus ``ref``, ``p_ref``, ``p_alt``, ``diff`` (``p_alt - p_ref``) and
    ``log_odds_ratio`` (``logit(p_alt) - logit(p_ref)``, clipped at ``eps``), in input order.
    Predictions run in batches of ``batch_size`` on ``device`` as in :func:`ism`.
    """
    if hasattr(seqs, "shape"):  # numpy array or torch tensor
        xt = _as_tensor(seqs)
    else:
        xt = torch.from_numpy(one_hot([seqs] if isinstance(seqs, str) else list(seqs)))
    letters = decode_one_hot(xt.detach().cpu().numpy())
    missing = {"seq_index", "position", "alt"} - set(variants.columns)
    if missing:
        raise ValueError(f"variants lacks column(s) {sorted(missing)}; needs seq_index, position, alt")
    n, _, length = xt.shape
    si = variants["seq_index"].to_numpy(dtype=np.int64)
    pos = variants["position"].to_numpy(dtype=np.int64)
    alt = variants["alt"].astype(str).str.upper().to_numpy()
    for r in range(len(variants)):
        where = f"variants row {variants.index[r]!r}"
        if not 0 <= si[r] < n:
            raise ValueError(f"{where}: seq_index {si[r]} is not in [0, {n})")
        if not 0 <= pos[r] < length:
            raise ValueError(f"{where}: position {pos[r]} is not in [0, {length})")
        if alt[r] not in _BASES:
            raise ValueError(f"{where}: alt {alt[r]!r} must be one of A, C, G, T")
    ref = np.array([letters[s][p] for s, p in zip(si, pos)], dtype=object)
    if "ref" in variants.columns:
        given = variants["ref"].astype(str).str.upper().to_numpy()
        bad = np.flatnonzero(given != ref)
        if bad.size:
            r = bad[0]
            raise ValueError(f"variants row {variants.index[r]!r}: ref {given[r]!r} but sequence "
                             f"{si[r]} has {ref[r]!r} at position {pos[r]}")
    dev = _device(fn, xt, device)
    used = np.unique(si)
    ref_pred = np.full(n, np.nan)
    ref_pred[used] = _predict(fn, xt[torch.from_numpy(used)], used.size, batch_size=batch_size, device=dev)
    base = np.array([_BASES.index(a) for a in alt], dtype=np.int64)
    alt_pred = _predict(fn, (si, base, pos), len(variants), batch_size=batch_size, device=dev,
                        batch_fn=_mutants(xt))
    out = variants.copy()
    out["alt"] = alt
    out["ref"] = ref
    out["p_ref"] = ref_pred[si]
    out["p_alt"] = alt_pred
    out["diff"] = out["p_alt"] - out["p_ref"]
    out["log_odds_ratio"] = _logit(alt_pred, eps) - _logit(ref_pred[si], eps)
    first = [c for c in variants.columns if c not in ("ref", "alt")]
    return out[first + ["ref", "alt", "p_ref", "p_alt", "diff", "log_odds_ratio"]].reset_index(drop=True)
