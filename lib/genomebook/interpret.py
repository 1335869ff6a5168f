"""Reading trained networks: filters as motifs, filter influence, and gradient importance of inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from genomebook.motifs import best_matches, information_content, tomtom

if TYPE_CHECKING:
    from genomebook.motifs import Motif


def filters_to_ppms(
    activations: torch.Tensor | np.ndarray,
    x: torch.Tensor | np.ndarray,
    width: int,
    *,
    alpha: float = 0.5,
    min_sites: int = 10,
    batch_size: int = 512,
) -> tuple[np.ndarray, np.ndarray]:
    """Position probability matrices of first-layer filters from their strongest activations.

    For each filter, every window whose activation exceeds ``alpha`` × the filter's maximum
    activation over all sequences is collected, and the windows' bases are counted (the
    DeepCAGE paper uses ``alpha = 0.7``). Activations must come from a 'same'-padded
    convolution of width ``width`` (odd): position ``i`` looks at bases ``i - width//2``
    to ``i + width//2``; bases beyond the ends count as nothing.

    Parameters
    ----------
    activations : (N, F, L) filter activations (after the non-linearity).
    x : (N, 4, L) one-hot sequences the activations were computed on.

    Returns
    -------
    ppms : (F, 4, width) column-normalised counts (uniform where a filter had no site).
    n_sites : (F,) number of windows used per filter; filters with fewer than ``min_sites``
        get a uniform PPM.
    """
    act = torch.as_tensor(activations, dtype=torch.float32)
    x = torch.as_tensor(x, dtype=torch.float32)
    if act.ndim != 3 or x.ndim != 3 or act.shape[0] != x.shape[0] or act.shape[2] != x.shape[2]:
        raise ValueError(f"activations (N, F, L) and x (N, 4, L) must agree; got "
                         f"{tuple(act.shape)} and {tuple(x.shape)}.")
    if width % 2 != 1:
        raise ValueError(f"width must be odd for a 'same'-padded filter; got {width}.")
    half = width // 2
    top = act.amax(dim=(0, 2))  # (F,)
    thresh = (alpha * top).clamp_min(1e-12)[None, :, None]
    counts = torch.zeros(act.shape[1], 4, width)
    n_sites = torch.zeros(act.shape[1])
    for i in range(0, act.shape[0], batch_size):
        a = act[i:i + batch_size]
        mask = (a > thresh).float()  # (n, F, L)
        windows = torch.nn.functional.pad(x[i:i + batch_size], (half, half)).unfold(-1, width, 1)
        counts += torch.einsum("nfl,nclw->fcw", mask, windows)  # windows: (n, 4, L, width)
        n_sites += mask.sum(dim=(0, 2))
    counts = counts.numpy().astype(np.float64)
    n_sites = n_sites.numpy().astype(int)
    totals = counts.sum(axis=1, keepdims=True)
    ppms = np.where(totals > 0, counts / np.maximum(totals, 1e-12), 0.25)
    ppms[n_sites < min_sites] = 0.25
    return ppms, n_sites


def trim_ppm(ppm: np.ndarray, min_ic: float = 0.2, min_width: int = 4) -> np.ndarray:
    """Cut the low-information flanks (< ``min_ic`` bits) off a (4, w) PPM, keeping ≥ ``min_width``."""
    p = np.clip(ppm, 1e-9, 1)
    ic = 2 + (p * np.log2(p)).sum(axis=0)
    keep = np.flatnonzero(ic >= min_ic)
    if keep.size == 0:
        return ppm[:, :min_width] if ppm.shape[1] > min_width else ppm
    lo, hi = keep[0], keep[-1] + 1
    while hi - lo < min_width and (lo > 0 or hi < ppm.shape[1]):
        lo, hi = max(0, lo - 1), min(ppm.shape[1], hi + 1)
    return ppm[:, lo:hi]


@dataclass
class FilterMotifs:
    """First-layer filters read as motifs and matched to a motif database."""

    ppms: list[np.ndarray]  # trimmed (4, w_f) PPM per filter
    n_sites: np.ndarray  # (F,) windows that made each PPM
    matches: pd.DataFrame  # every (filter, target) match with q < q_threshold
    table: pd.DataFrame  # one row per filter: sites, bits, best match, q

    def recovery(self, motifs: Sequence[Motif]) -> pd.DataFrame:
        """For each motif: is it matched by some filter, by how many, and the best filter and q."""
        rows = []
        for m in motifs:
            hits = self.matches[self.matches["target_id"] == m.id].sort_values("q_value")
            rows.append({
                "motif": f"{m.id} {m.name}",
                "recovered": len(hits) > 0,
                "filters matching": len(hits),
                "best filter": int(hits["filter"].iloc[0]) if len(hits) else pd.NA,
                "best q": float(hits["q_value"].iloc[0]) if len(hits) else np.nan,
            })
        out = pd.DataFrame(rows, columns=["motif", "recovered", "filters matching",
                                          "best filter", "best q"])
        out["best filter"] = out["best filter"].astype("Int64")
        return out


def filter_motifs(
    activations: torch.Tensor | np.ndarray,
    x: torch.Tensor | np.ndarray,
    width: int,
    targets: Sequence[Motif],
    *,
    alpha: float = 0.5,
    min_sites: int = 10,
    min_bits: float = 6.0,
    q_threshold: float = 0.05,
    e_threshold: float | None = None,
) -> FilterMotifs:
    """Filters → PPMs (:func:`filters_to_ppms`), trimmed, then TomTom against ``targets``.

    Filters with fewer than ``min_sites`` windows or fewer than ``min_bits`` of total
    information after trimming are not compared: near-uniform PPMs otherwise pick up
    spurious matches to long, low-information database motifs. A match needs
    q < ``q_threshold``, or E < ``e_threshold`` when that is given (see :func:`tomtom`).
    """
    ppms, n_sites = filters_to_ppms(activations, x, width, alpha=alpha, min_sites=min_sites)
    trimmed = [trim_ppm(p) for p in ppms]
    bits = np.array([information_content(p).sum() for p in trimmed])
    used = [i for i in range(len(trimmed)) if n_sites[i] >= min_sites and bits[i] >= min_bits]
    columns = ["query", "target_id", "target_name", "p_value", "q_value", "e_value", "offset",
               "overlap", "strand"]
    matches = (tomtom([trimmed[i] for i in used], targets, q_threshold=q_threshold,
                      e_threshold=e_threshold) if used
               else pd.DataFrame(columns=columns))
    matches.insert(0, "filter", [used[q] for q in matches["query"]])
    matches = matches.drop(columns="query")
    table = pd.DataFrame({"filter": np.arange(len(trimmed)), "sites": n_sites,
                          "bits": bits.round(2), "compared": np.isin(np.arange(len(trimmed)), used)})
    if len(matches):
        best = best_matches(matches.rename(columns={"filter": "query"})).rename(
            columns={"query": "filter"})
        table = table.merge(best[["filter", "target_id", "target_name", "q_value"]],
                            on="filter", how="left")
    else:
        table = table.assign(target_id=None, target_name=None, q_value=np.nan)
    table = table.rename(columns={"target_id": "best match", "target_name": "TF",
                                  "q_value": "q"})
    return FilterMotifs(trimmed, n_sites, matches, table)


def gradient_importance(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    batches: Iterable[dict],
) -> np.ndarray:
    """Gradient importance score (DeepCAGE's GIS) of each TF's expression in each cell type, (K, T).

    ``GIS[k, i]`` = mean over the loci of ``|∂ŷ[l, k] / ∂g[k, i]|``, where ``g`` is the
    expression (K, T) of the batches' cell types and ``ŷ = fn(x, motif, expr)`` (B, K) is
    the predicted openness (pass a function returning probabilities for a classifier).
    ``batches`` yield dicts with ``x``, ``motif`` and ``expr`` (K, T); every batch must hold
    the same cell types. The gradient of each locus is taken separately: the expression is
    expanded to (B, K, T) so one backward pass gives every locus's own gradient, which
    needs ``fn`` to accept a per-locus expression tensor (the cross-cell models do).
    """
    total: torch.Tensor | None = None
    n = 0
    for batch in batches:
        x, motif, expr = batch["x"], batch["motif"], batch["expr"]
        per_locus = expr.detach().unsqueeze(0).expand(x.shape[0], -1, -1).clone().requires_grad_(True)
        out = fn(x, motif, per_locus)
        if out.shape != per_locus.shape[:2]:
            raise ValueError(f"fn must return (B, K) = {tuple(per_locus.shape[:2])}; got {tuple(out.shape)}.")
        (grad,) = torch.autograd.grad(out.sum(), per_locus)
        part = grad.abs().sum(dim=0)
        total = part if total is None else total + part
        n += x.shape[0]
    if total is None:
        raise ValueError("gradient_importance: no batches given.")
    return (total / n).numpy().astype(np.float64)


def filter_influence(
    conv: torch.nn.Conv1d,
    score: Callable[[], float],
    filters: Sequence[int] | None = None,
    *,
    progress: bool = False,
) -> np.ndarray:
    """Influence of each first-layer filter: ``score()`` with all filters minus ``score()`` with it zeroed, (F,).

    DeepCAGE's influence score is the drop in mean cell-type-wise Pearson's r when a
    filter's weights are set to zero; ``score`` evaluates the model as it stands. Each
    filter's weights and bias are zeroed in turn and restored afterwards; ``score`` runs
    without gradients.
    """
    chosen = list(range(conv.out_channels)) if filters is None else list(filters)
    with torch.no_grad():
        base = float(score())
    out = np.full(len(chosen), np.nan)
    for j, f in enumerate(tqdm(chosen, desc="filters", disable=not progress)):
        with torch.no_grad():
            w = conv.weight[f].clone()
            b = conv.bias[f].clone() if conv.bias is not None else None
            conv.weight[f].zero_()
            if b is not None:
                conv.bias[f].zero_()
        try:
            with torch.no_grad():
                out[j] = base - float(score())
        finally:
            with torch.no_grad():
                conv.weight[f].copy_(w)
                if b is not None:
                    conv.bias[f].copy_(b)
    return out


def precision_at_k(scores: np.ndarray, names: Sequence[str], truth: Iterable[str], k: int = 20) -> float:
    """Fraction of the ``k`` highest-scoring names that are in ``truth`` (ties broken by name order)."""
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (len(names),):
        raise ValueError(f"scores must have one value per name ({len(names)}); got shape {scores.shape}.")
    k = min(k, len(names))
    if k < 1:
        raise ValueError("precision_at_k needs k >= 1 and at least one name.")
    order = np.argsort(-scores, kind="stable")[:k]
    truth = set(truth)
    return float(np.mean([names[i] in truth for i in order]))
