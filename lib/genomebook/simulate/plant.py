"""Plant motif sites sampled from position probability matrices into sequences, recording ground truth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from genomebook.seq import reverse_complement
from genomebook.simulate.background import LETTER_CODES, as_rng

__all__ = ["plant", "random_positions", "sample_sites"]



def _check_ppm(ppm, name) -> np.ndarray:
    ppm = np.asarray(ppm, dtype=float)
    if ppm.ndim != 2 or ppm.shape[0] != 4 or ppm.shape[1] == 0:
        raise ValueError(f"PPM {name!r} must have shape (4, w) with rows A, C, G, T; got {ppm.shape}")
    if (ppm < 0).any() or not np.allclose(ppm.sum(axis=0), 1, atol=1e-6):
        raise ValueError(f"PPM {name!r} columns must be non-negative and sum to 1")
    return ppm


def sample_sites(ppm: np.ndarray, n: int, rng=None) -> list[str]:
    """Draw n sites (strings of length w, motif orientation) from a PPM of shape (4, w), rows A, C, G, T."""
    ppm = _check_ppm(ppm, "ppm")
    rng = as_rng(rng)
    cum = np.cumsum(ppm, axis=0)[:3]  # (3, w); the last row is 1, so u < 1 falls through to T
    u = rng.random((n, ppm.shape[1]))
    codes = (u[:, None, :] >= cum[None, :, :]).sum(axis=1)  # (n, w) in 0..3
    w = ppm.shape[1]
    text = LETTER_CODES[codes].tobytes().decode("ascii")
    return [text[i * w : (i + 1) * w] for i in range(n)]


def _strand_array(strands, n: int) -> np.ndarray:
    raw = np.asarray(strands, dtype=object).ravel()
    if raw.size != n:
        raise ValueError(f"strands has {raw.size} entries; expected {n}")
    out = np.empty(n, dtype=np.int64)
    for i, s in enumerate(raw):
        if s in (1, "+", "1", "+1"):
            out[i] = 1
        elif s in (-1, "-", "-1"):
            out[i] = -1
        else:
            raise ValueError(f"strand must be +1/-1 (or '+'/'-'); got {s!r} at row {i}")
    return out


def plant(
    seqs: Sequence[str],
    ppms: Sequence[np.ndarray] | Mapping[object, np.ndarray],
    *,
    motif_ids,
    positions,
    strands,
    rng=None,
    seq_index=None,
) -> tuple[list[str], pd.DataFrame]:
    """Write sites sampled from ppms[motif_ids[i]] into seqs[seq_index[i]] at 0-based positions[i] on strands[i].

    All per-planting arguments are parallel arrays of length M; seq_index defaults to 0..M-1 (one planting per
    sequence). ppms is a list (motif_ids index it) or a dict (motif_ids are its keys) of (4, w) PPMs.
    Returns new sequences (inputs untouched) and a ground-truth table with columns
    seq_index, motif_id, start, end (exclusive), strand (+1/-1), site (as written on the + strand).
    """
    rng = as_rng(rng)
    motif_ids = list(np.asarray(motif_ids, dtype=object).ravel())
    n_plant = len(motif_ids)
    positions = np.asarray(positions, dtype=np.int64).ravel()
    seq_index = np.arange(n_plant) if seq_index is None else np.asarray(seq_index, dtype=np.int64).ravel()
    if positions.size != n_plant or seq_index.size != n_plant:
        raise ValueError(
            f"motif_ids, positions and seq_index must have equal length; "
            f"got {n_plant}, {positions.size}, {seq_index.size}"
        )
    strand = _strand_array(strands, n_plant)
    if n_plant and (seq_index.min() < 0 or seq_index.max() >= len(seqs)):
        raise ValueError(f"seq_index out of range for {len(seqs)} sequences")

    keys = range(len(ppms)) if not isinstance(ppms, Mapping) else ppms.keys()
    mats = {key: _check_ppm(ppms[key], key) for key in keys}
    for mid in motif_ids:
        if mid not in mats:
            raise ValueError(f"motif id {mid!r} is not in ppms")
    widths = np.array([mats[mid].shape[1] for mid in motif_ids], dtype=np.int64)
    ends = positions + widths

    # validate bounds and overlaps before touching anything
    lengths = np.array([len(seqs[i]) for i in seq_index], dtype=np.int64)
    bad = np.flatnonzero((positions < 0) | (ends > lengths))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"site out of range in seq_index {seq_index[i]}: [{positions[i]}, {ends[i]}) "
            f"does not fit a sequence of length {lengths[i]}"
        )
    order = np.lexsort((positions, seq_index))
    s_seq, s_start, s_end = seq_index[order], positions[order], ends[order]
    clash = np.flatnonzero((s_seq[1:] == s_seq[:-1]) & (s_start[1:] < s_end[:-1]))
    if clash.size:
        j = clash[0]
        raise ValueError(
            f"overlapping plantings in seq_index {s_seq[j]}: [{s_start[j]}, {s_end[j]}) "
            f"and [{s_start[j + 1]}, {s_end[j + 1]})"
        )

    # sample all sites of each motif at once, motifs in order of first appearance (deterministic)
    sites: list[str] = [""] * n_plant
    seen: dict[object, list[int]] = {}
    for i, mid in enumerate(motif_ids):
        seen.setdefault(mid, []).append(i)
    for mid, rows in seen.items():
        for i, site in zip(rows, sample_sites(mats[mid], len(rows), rng)):
            sites[i] = site if strand[i] == 1 else reverse_complement(site)

    out = list(seqs)
    by_seq: dict[int, list[int]] = {}
    for i in order:
        by_seq.setdefault(int(seq_index[i]), []).append(int(i))
    for si, rows in by_seq.items():
        s, parts, cursor = out[si], [], 0
        for i in rows:  # rows are sorted by start and non-overlapping
            parts += [s[cursor : positions[i]], sites[i]]
            cursor = int(ends[i])
        parts.append(s[cursor:])
        out[si] = "".join(parts)

    truth = pd.DataFrame(
        {
            "seq_index": seq_index,
            "motif_id": pd.Series(motif_ids, dtype=object),
            "start": positions,
            "end": ends,
            "strand": strand,
            "site": sites,
        }
    )
    if n_plant and all(isinstance(m, (int, np.integer)) for m in motif_ids):
        truth["motif_id"] = truth["motif_id"].astype(np.int64)
    return out, truth


def random_positions(n_sites_per_seq, length, widths, rng=None, *, min_gap: int = 2, max_tries: int = 1000) -> np.ndarray:
    """Random non-overlapping 0-based starts (M,) for sum(n_sites_per_seq) = M sites, grouped by sequence.

    Site j belongs to sequence np.repeat(np.arange(S), n_sites_per_seq)[j] and has width widths[j]
    (an int or (M,) array); length is an int or (S,) array. Sites in a sequence are at least min_gap bp
    apart. Rejection sampling: a sequence's sites are redrawn together until they fit (max_tries rounds).
    """
    rng = as_rng(rng)
    counts = np.asarray(n_sites_per_seq, dtype=np.int64).ravel()
    n_seqs, total = counts.size, int(counts.sum())
    if (counts < 0).any():
        raise ValueError("n_sites_per_seq must be non-negative")
    seq_of = np.repeat(np.arange(n_seqs), counts)
    widths = np.broadcast_to(np.asarray(widths, dtype=np.int64), (total,)).copy()
    lengths = np.broadcast_to(np.asarray(length, dtype=np.int64), (n_seqs,))
    span = lengths[seq_of] - widths + 1  # number of valid starts per site
    need = np.bincount(seq_of, weights=widths, minlength=n_seqs) + min_gap * np.maximum(counts - 1, 0)
    bad = np.flatnonzero((need > lengths) | (np.bincount(seq_of, weights=span < 1, minlength=n_seqs) > 0))
    if bad.size:
        s = bad[0]
        raise ValueError(
            f"cannot place {counts[s]} sites (total width {int(need[s])} bp with min_gap={min_gap}) "
            f"in sequence {s} of length {lengths[s]}"
        )
    starts = np.zeros(total, dtype=np.int64)
    todo = np.ones(n_seqs, dtype=bool)
    todo[counts == 0] = False
    for _ in range(max_tries):
        redraw = todo[seq_of]
        if not redraw.any():
            return starts
        starts[redraw] = (rng.random(int(redraw.sum())) * span[redraw]).astype(np.int64)
        order = np.lexsort((starts, seq_of))
        s_seq, s_start, s_end = seq_of[order], starts[order], starts[order] + widths[order]
        clash = (s_seq[1:] == s_seq[:-1]) & (s_start[1:] < s_end[:-1] + min_gap)
        todo[:] = False
        todo[s_seq[1:][clash]] = True
    if todo.any():
        s = int(np.flatnonzero(todo)[0])
        raise ValueError(
            f"could not place {counts[s]} non-overlapping sites in sequence {s} "
            f"(length {lengths[s]}, min_gap={min_gap}) after {max_tries} tries"
        )
    return starts
