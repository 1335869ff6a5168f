"""Attention as importance: DNABERT-viz attention landscapes of a fine-tuned k-mer BERT.

DNABERT-viz (Ji et al. 2021, section 3.3 and Fig. 4) reads a fine-tuned k-mer BERT through
the attention that the ``[CLS]`` token pays to every k-mer in the last layer. The steps
follow the paper and the authors' released code (``examples/visualize.py`` and
``examples/run_finetune.py`` of github.com/jerryji1993/DNABERT):

1. :func:`attention_maps` -- every layer's (or the chosen layers') attention probabilities
   of a model on DNA sequences, in batches through :func:`genomebook.predict.predict`:
   (layers, N, heads, T, T).
2. :func:`attention_to_tokens` -- attention from ``[CLS]`` (row 0) to each k-mer token,
   over heads, ``[CLS]``/``[SEP]`` columns dropped: (N, T).
3. :func:`kmer_to_base_scores` -- each base gets the mean score of the k-mers covering it:
   (N, T) -> (N, T + k - 1).
4. :func:`landscape` chains 1-3: the per-base ``[CLS]`` attention of each sequence, whose
   mean over sequences aligned on a landmark (the TSS) is the attention *landscape*;
   :func:`landscape_peak` is the book's one attention test on it (where the mean peaks, and
   how far that is from a published span).

Motif discovery from high-attention regions works from any per-base score and lives in
:mod:`genomebook.discovery`. Used by the promoters and papers/dnabert chapters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from genomebook.discovery import to_numpy
from genomebook.predict import predict
from genomebook.tokenize import KmerTokenizer

__all__ = [
    "attention_maps",
    "attention_to_tokens",
    "kmer_to_base_scores",
    "landscape",
    "landscape_peak",
]


# --------------------------------------------------------------------------- attention → bases


def kmer_to_base_scores(token_scores: Any, k: int, *, normalize: bool = False) -> np.ndarray:
    """Per-k-mer scores to per-base scores: (N, T) or (T,) -> (N, T + k - 1) or (T + k - 1,).

    Token ``i`` is the k-mer covering bases ``i .. i + k - 1``. Base ``j`` gets the **mean**
    of the scores of the tokens covering it, tokens ``max(0, j - k + 1) .. min(j, T - 1)``:
    ``k`` tokens inside the sequence, fewer at the two ends (DNABERT's ``get_real_score``
    with ``metric="mean"``). NaN tokens (padding) are left out of the mean; a base that only
    NaN tokens cover is NaN.

    ``normalize=True`` then divides each sequence's base scores by their L2 norm, as
    DNABERT's ``run_finetune.py --do_visualize`` does before saving ``atten.npy`` (the
    region thresholds of :func:`genomebook.discovery.high_score_regions` do not change with the scale).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    s = np.asarray(to_numpy(token_scores), dtype=np.float64)
    single = s.ndim == 1
    if single:
        s = s[None]
    if s.ndim != 2:
        raise ValueError(f"token_scores must be (N, T) or (T,), got shape {s.shape}")
    n, t = s.shape
    finite = np.isfinite(s)
    vals = np.where(finite, s, 0.0)
    total = np.zeros((n, t + k - 1))
    count = np.zeros((n, t + k - 1))
    for offset in range(k):  # token i adds to bases i .. i + k - 1
        total[:, offset:offset + t] += vals
        count[:, offset:offset + t] += finite
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        if normalize:
            norm = np.sqrt(np.nansum(out**2, axis=1, keepdims=True))
            out = out / np.where(norm > 0, norm, 1.0)
    return out[0] if single else out


def attention_to_tokens(
    attentions: Any,
    layer: int | Sequence[int] = -1,
    query: str | int = "cls",
    *,
    heads: str = "mean",
    drop_cls: bool = True,
    drop_sep: bool = True,
    attention_mask: Any = None,
) -> np.ndarray:
    """Attention paid by the ``[CLS]`` token to every token: (layers, N, heads, T, T) -> (N, T').

    Parameters
    ----------
    attentions : array or tensor (layers, N, heads, T, T), or a tuple/list of per-layer
        (N, heads, T, T) tensors (what a Hugging Face model returns with
        ``output_attentions=True``). ``attentions[l, n, h, i, j]`` is how much query token
        ``i`` attends to key token ``j``.
    layer : which layer (default the last, as DNABERT-viz); a list of layers adds them up
        (DNABERT's ``--start_layer .. --end_layer``).
    query : ``"cls"`` reads row 0 (the ``[CLS]`` token); an int reads that query row.
    heads : ``"mean"`` (default) or ``"sum"`` over heads. DNABERT sums the heads; the sum is
        the mean times the number of heads, so regions found from either are the same.
    drop_cls, drop_sep : drop the ``[CLS]`` column (column 0) and the ``[SEP]`` column (the
        last real token: column ``T - 1``, or ``attention_mask[n].sum() - 1`` when a mask is
        given), so that column ``i`` of the result is k-mer token ``i``.
    attention_mask : optional (N, T), 1 on real tokens (``[CLS]``, k-mers, ``[SEP]``) and 0 on
        right padding; the columns of padding come back as NaN.

    Returns
    -------
    (N, T - drop_cls - drop_sep) float64 scores, ready for :func:`kmer_to_base_scores`.
    """
    if isinstance(attentions, (tuple, list)):
        a = np.stack([to_numpy(x) for x in attentions])
    else:
        a = to_numpy(attentions)
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 5 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"attentions must be (layers, N, heads, T, T), got shape {a.shape}")
    n_layers, n, _, t, _ = a.shape
    layers = [layer] if isinstance(layer, (int, np.integer)) else list(layer)
    for l_ in layers:
        if not -n_layers <= l_ < n_layers:
            raise ValueError(f"layer {l_} out of range for {n_layers} layers")
    if query == "cls":
        q = 0
    elif isinstance(query, (int, np.integer)):
        q = int(query)
    else:
        raise ValueError(f"query must be 'cls' or an int row, got {query!r}")
    rows = a[layers][:, :, :, q, :].sum(axis=0)  # (N, heads, T)
    if heads == "mean":
        tok = rows.mean(axis=1)
    elif heads == "sum":
        tok = rows.sum(axis=1)
    else:
        raise ValueError(f"heads must be 'mean' or 'sum', got {heads!r}")
    if attention_mask is None:
        length = np.full(n, t)
    else:
        mask = np.asarray(to_numpy(attention_mask))
        if mask.shape != (n, t):
            raise ValueError(f"attention_mask must be (N, T) = {(n, t)}, got {mask.shape}")
        length = (mask != 0).sum(axis=1)
    start = int(drop_cls)
    width = t - int(drop_cls) - int(drop_sep)
    end = length - int(drop_sep)  # exclusive, per row
    cols = start + np.arange(width)[None, :]
    valid = cols < end[:, None]
    picked = np.take_along_axis(tok, np.minimum(cols, t - 1).repeat(n, axis=0), axis=1)
    return np.where(valid, picked, np.nan)


# --------------------------------------------------------------------------- a model's attention


def attention_maps(model: Any, seqs: Sequence[str], k: int, *, layers: Sequence[int] | None = None,
                   batch_size: int = 256) -> np.ndarray:
    """Attention probabilities of a k-mer BERT on DNA: (layers, N, heads, T, T) float32.

    ``model`` has an ``attentions(input_ids, attention_mask)`` method returning (layers, B,
    heads, T, T) (:class:`genomebook.models.bert.BertClassifier`, ``BertMLM``); ``seqs`` are
    N DNA str of one length L, tokenised into ``T = L - k + 3`` tokens (``[CLS]``, the
    k-mers, ``[SEP]``). ``layers`` keeps only those layers (default all; only they are kept
    in memory, batch by batch). Runs :func:`genomebook.predict.predict` in batches of
    ``batch_size`` on the model's own device; the model's mode is unchanged.
    ``[l, n, h, i, j]`` is how much token ``i`` of sequence ``n`` attends to token ``j`` in
    head ``h`` of layer ``l``. Used by :func:`landscape` and by the papers/dnabert chapter
    (attention map and head context).
    """
    seqs = [str(s).upper() for s in seqs]
    if not seqs:
        raise ValueError("attention_maps needs at least one sequence.")
    if len({len(s) for s in seqs}) > 1:
        raise ValueError("attention_maps needs sequences of one length (they are compared position by position); "
                         f"got lengths {min(map(len, seqs))}..{max(map(len, seqs))}.")
    enc = KmerTokenizer(k, max_length=None).batch_encode_equal(seqs)
    keep = None if layers is None else list(layers)

    def per_sequence(att: torch.Tensor) -> torch.Tensor:  # (layers, B, ...) -> (B, layers, ...)
        return (att if keep is None else att[keep]).transpose(0, 1)

    out = predict(model.attentions, dict(enc), batch_size=batch_size,
                  transform=per_sequence)
    return np.ascontiguousarray(np.moveaxis(out, 0, 1))


def landscape(model: Any, seqs: Sequence[str], k: int, *, layer: int = -1, batch_size: int = 256) -> np.ndarray:
    """Per-base ``[CLS]`` attention of each sequence (DNABERT-viz): (N, L) float64.

    Row ``n``, base ``j`` is the attention the ``[CLS]`` token pays in ``layer`` (default the
    last), averaged over heads, to the k-mers covering base ``j`` (their mean:
    :func:`attention_maps` -> :func:`attention_to_tokens` -> :func:`kmer_to_base_scores`).
    ``seqs``: N DNA str of one length L, aligned on a landmark (e.g. the TSS). The mean of
    the rows over a group of sequences is that group's attention landscape;
    :func:`landscape_peak` tests where it peaks. Used by the promoters and papers/dnabert
    chapters.
    """
    maps = attention_maps(model, seqs, k, layers=[layer], batch_size=batch_size)
    return kmer_to_base_scores(attention_to_tokens(maps, layer=-1), k)


# --------------------------------------------------------------------------- landscape peak


def landscape_peak(base_scores: Any, positions: Any, span: tuple[int, int], *, n_boot: int = 1000,
                   seed: int = 0, level: float = 0.95) -> dict[str, Any]:
    """Where the mean attention landscape peaks, and how far that is from ``span``.

    The one attention test of the book (the DNABERT and promoters chapters both use it):
    the landscape is the mean over sequences of per-base scores, its peak the plain arg-max
    (no smoothing), and the distance is 0 when the peak lies inside ``span`` (inclusive, bp
    relative to the TSS, e.g. the paper's (-30, -20)) and the bp to the nearer end
    otherwise. No tolerance is added. The interval resamples the sequences ``n_boot`` times.

    Parameters
    ----------
    base_scores : (N, L) per-base scores of N sequences aligned on the TSS (NaN ignored).
    positions : (L,) bp of each column relative to the TSS.
    span : (first, last) bp, inclusive.

    Returns
    -------
    dict with ``peak`` (bp), ``distance`` (bp, 0 inside), ``ci_low``/``ci_high`` (bootstrap
    interval of the distance), ``n`` (sequences) and ``edge`` (True when the peak is the
    window's first or last base).

    Examples
    --------
    >>> s = np.zeros((4, 11)); s[:, 3] = 1.0
    >>> out = landscape_peak(s, np.arange(-8, 3), (-5, -4), n_boot=20)
    >>> out["peak"], out["distance"], out["edge"]
    (-5, 0, False)
    """
    x = to_numpy(base_scores).astype(float)
    pos = np.asarray(positions, dtype=int)
    if x.ndim != 2 or x.shape[1] != len(pos):
        raise ValueError(f"base_scores must be (N, L) with L = len(positions) = {len(pos)}; got {x.shape}.")
    lo, hi = sorted(span)

    def dist(peaks: np.ndarray) -> np.ndarray:
        return np.maximum.reduce([lo - peaks, peaks - hi, np.zeros_like(peaks)])

    filled = np.nan_to_num(x, nan=0.0)
    counts = (~np.isnan(x)).astype(float)
    mean = filled.sum(0) / np.maximum(counts.sum(0), 1)
    peak = int(pos[int(np.nanargmax(mean))])
    out = {"peak": peak, "distance": int(dist(np.array([peak]))[0]), "n": int(x.shape[0]),
           "edge": peak in (int(pos.min()), int(pos.max())), "ci_low": np.nan, "ci_high": np.nan}
    if n_boot and x.shape[0] > 1:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, x.shape[0], size=(n_boot, x.shape[0]))
        w = np.zeros((n_boot, x.shape[0]))
        np.add.at(w, (np.arange(n_boot)[:, None], idx), 1.0)
        boot = (w @ filled) / np.maximum(w @ counts, 1)
        d = dist(pos[np.argmax(boot, axis=1)])
        a = (1 - level) / 2
        out["ci_low"], out["ci_high"] = (float(v) for v in np.quantile(d, [a, 1 - a]))
    return out
