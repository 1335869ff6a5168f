"""Sequence windows centred on genomic bins, and the best motif score of every TF in each window.

DeepCAGE (Methods): each 200 bp bin is represented by the 1000 bp of hg19 centred on its
midpoint; this window is scanned with one motif per TF and "the maximal score of all
motif binding sites for each TF" is kept. :func:`bin_windows` gives the window
coordinates, :func:`window_motif_scores` the (loci × motifs) matrix of best log-odds
scores (both strands, :func:`genomebook.motifs.log_odds` + :func:`genomebook.motifs.scan`).

Coordinates are 0-based half-open ``[start, end)``. Windows that run past a chromosome
end are padded with ``N``. Errors are :class:`genomebook.seq.SequenceError` naming the
FASTA, the chromosome / bin and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyfaidx
from tqdm.auto import tqdm

from genomebook.datasets._io import existing_file
from genomebook.motifs import UNIFORM, Motif, log_odds, scan
from genomebook.seq import BASE_CODE, SequenceError, open_indexed_fasta

__all__ = ["bin_windows", "window_motif_scores"]

_CHANNELS = np.arange(4, dtype=np.uint8).reshape(1, 4, 1)
_GAP = 10_000  # windows closer than this on a chromosome are read with one FASTA fetch


def _bin_coords(bins: pd.DataFrame, fn: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chrom str array, start int64, end int64) of a chrom/start/end DataFrame, checked."""
    if not isinstance(bins, pd.DataFrame):
        raise TypeError(f"{fn}: bins must be a DataFrame with columns chrom, start, end; got {type(bins).__name__}")
    missing = {"chrom", "start", "end"} - set(bins.columns)
    if missing:
        raise ValueError(f"{fn}: bins needs columns chrom, start, end; missing {', '.join(sorted(missing))}. "
                         "Read them with genomebook.datasets.peaks.read_bed, or name the columns.")
    out = []
    for col in ("start", "end"):
        v = pd.to_numeric(bins[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v != np.floor(v))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{fn}: bins row {j}: {col} {bins[col].iloc[j]!r} is not an integer coordinate.")
        out.append(v.astype(np.int64))
    start, end = out
    wrong = (start < 0) | (start > end)
    if wrong.any():
        j = int(np.flatnonzero(wrong)[0])
        raise ValueError(f"{fn}: bins row {j} has start {start[j]}, end {end[j]}; bins need "
                         "0 <= start <= end (0-based, half-open).")
    return bins["chrom"].astype(str).to_numpy(), start, end


def _window_starts(start: np.ndarray, end: np.ndarray, window: int) -> np.ndarray:
    return (start + end) // 2 - window // 2


def bin_windows(bins: pd.DataFrame, window: int = 1000) -> pd.DataFrame:
    """Windows of ``window`` bp centred on each bin's midpoint: bins (L rows) -> DataFrame chrom, start, end (L rows).

    midpoint = (start + end) // 2; window = [midpoint - window // 2, that + window). For a
    200 bp bin [s, s + 200) and window 1000 this is [s - 400, s + 600). Coordinates are not
    clipped: a start < 0 or an end past the chromosome means the window runs off it.
    """
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"bin_windows: window must be a positive integer number of bp; got {window!r}")
    chrom, start, end = _bin_coords(bins, "bin_windows")
    ws = _window_starts(start, end, int(window))
    return pd.DataFrame({"chrom": chrom, "start": ws, "end": ws + int(window)}, index=bins.index)


def _scoring_matrices(motifs: Sequence, window: int, pseudocount: float, background) -> list[np.ndarray]:
    if isinstance(motifs, (Motif, np.ndarray)):
        motifs = [motifs]
    motifs = list(motifs)
    if not motifs:
        raise ValueError("window_motif_scores: no motifs given; pass a list of genomebook.motifs.Motif.")
    pwms = []
    for i, m in enumerate(motifs):
        name = f"motif {i} ({m.id} {m.name})" if isinstance(m, Motif) else f"motif {i}"
        try:
            pwm = log_odds(m, background, pseudocount)
        except ValueError as exc:
            raise ValueError(f"window_motif_scores: {name}: {exc}") from None
        if not np.all(np.isfinite(pwm)):
            raise ValueError(f"window_motif_scores: {name} gives infinite or NaN log-odds; give counts or "
                             "probabilities >= 0 (rows A, C, G, T), or a pseudocount > 0.")
        if pwm.shape[1] > window:
            raise ValueError(f"window_motif_scores: {name} is {pwm.shape[1]} bp wide, longer than the "
                             f"{window} bp window; use a larger window.")
        pwms.append(pwm)
    return pwms


def _fasta(path: Path) -> pyfaidx.Fasta:
    try:
        return open_indexed_fasta(path)
    except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat) as exc:
        raise SequenceError(f"{path}: cannot index the FASTA ({type(exc).__name__}: {exc}). Give a plain or "
                            "bgzip-compressed FASTA (decompress a plain .gz with gunzip, or recompress it "
                            "with bgzip) with lines of equal width.") from None


def window_motif_scores(
    fasta_path: str | os.PathLike,
    bins: pd.DataFrame,
    motifs: Sequence[Motif],
    *,
    window: int = 1000,
    batch_size: int = 1024,
    progress: bool = False,
    pseudocount: float = 0.8,
    background: Sequence[float] = UNIFORM,
) -> np.ndarray:
    """Best log-odds score of each motif in the window around each bin: (L bins) -> (L, T) float32, bits.

    For every bin (row of ``bins``: chrom, start, end, 0-based) the ``window`` bp centred on
    its midpoint (:func:`bin_windows`) are read from ``fasta_path`` (plain or bgzip,
    indexed with pyfaidx), one-hot encoded (lower case as upper case; N and other letters
    all-zero), and scanned with every motif on both strands by
    :func:`genomebook.motifs.scan`; the result is the maximum over positions and strands
    of the log2-odds score of :func:`genomebook.motifs.log_odds` (``pseudocount`` and
    ``background`` go to it; PPMs are detected and used as given). Columns follow
    ``motifs`` (Motif objects, or (4, w) count / probability matrices).

    A window that runs past a chromosome end is padded with N; an N position adds 0 to a
    site's score (so a window of only N scores 0). A chromosome not in the FASTA, or a bin
    whose midpoint lies outside its chromosome (another genome build?), raises naming the
    FASTA. ``batch_size`` windows are fetched and scanned at a time (about 16 MB of one-hot
    data for 1024 × 1000 bp); ``progress`` shows a tqdm bar over batches.
    """
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window_motif_scores: window must be a positive integer number of bp; got {window!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"window_motif_scores: batch_size must be a positive integer; got {batch_size!r}")
    window = int(window)
    path = existing_file(fasta_path, "FASTA file")
    chrom, start, end = _bin_coords(bins, "window_motif_scores")
    pwms = _scoring_matrices(motifs, window, pseudocount, background)
    wstart = _window_starts(start, end, window)
    mid = (start + end) // 2
    out = np.empty((len(chrom), len(pwms)), dtype=np.float32)
    if len(chrom) == 0:
        return out
    offsets = np.arange(window, dtype=np.int64)

    with _fasta(path) as fa:
        names = list(fa.keys())
        jobs = []  # (chrom, size, sorted row indices of one batch)
        for c in pd.unique(chrom):
            if c not in fa:
                shown = ", ".join(repr(k) for k in names[:5]) + (", ..." if len(names) > 5 else "")
                n = int((chrom == c).sum())
                raise SequenceError(f"{path} has no sequence named {c!r} (needed by {n} bin(s)); it has {shown} "
                                    f"({len(names)} in all). Check the chromosome naming ('chr1' vs '1') and "
                                    "that the FASTA is the genome build of the bins.")
            size = len(fa[c])
            rows = np.flatnonzero(chrom == c)
            outside = (mid[rows] >= size) | (mid[rows] < 0)
            if outside.any():
                j = int(rows[np.flatnonzero(outside)[0]])
                raise SequenceError(f"bins row {j} ({c}:{start[j]}-{end[j]}) lies outside {c} of {path} (length "
                                    f"{size}). Is the FASTA the genome build of the bins (e.g. hg19 vs hg38)?")
            rows = rows[np.argsort(wstart[rows], kind="stable")]
            jobs.extend((c, size, rows[lo:lo + batch_size]) for lo in range(0, rows.size, batch_size))
        bar = None
        if progress:
            bar = tqdm(total=len(chrom), desc="motif scores", unit="bin")
        for c, size, rows in jobs:
            ws = wstart[rows]
            codes = np.full((rows.size, window), 4, dtype=np.uint8)
            # clusters of nearby windows (sorted by start) are read with one fetch each
            we_max = np.maximum.accumulate(ws + window)
            breaks = np.flatnonzero(ws[1:] > we_max[:-1] + _GAP) + 1
            for a, b in zip(np.r_[0, breaks], np.r_[breaks, rows.size]):
                lo = max(0, int(ws[a]))
                hi = min(size, int(we_max[b - 1]))
                seq = fa[c][lo:hi].seq.encode("ascii", errors="replace")
                span = BASE_CODE[np.frombuffer(seq, dtype=np.uint8)]
                pos = ws[a:b, None] + offsets  # (n, window) chromosome positions
                ok = (pos >= 0) & (pos < size)
                block = np.full(pos.shape, 4, dtype=np.uint8)
                block[ok] = span[pos[ok] - lo]
                codes[a:b] = block
            x = np.empty((rows.size, 4, window), dtype=np.float32)
            np.equal(codes[:, None, :], _CHANNELS, out=x, casting="unsafe")
            out[rows] = scan(x, pwms).max_score
            if bar is not None:
                bar.update(rows.size)
        if bar is not None:
            bar.close()
    return out
