"""Benchmark: one-hot encoding and PWM scanning, genomebook vs plain loops vs Biopython.

Run:  .venv/bin/python bench/bench_encode_scan.py [--n 2000 --length 1000]

All methods see the same seeded random sequences (A/C/G/T only). Slow methods run
on the first ``--n-slow`` sequences; throughput is reported per sequence so that
the speed-ups are fair. Scanning times exclude one-hot encoding (reported
separately) except in the "one_hot + scan" row. Writes bench/results_encode_scan.csv.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from Bio import motifs as bio_motifs
from Bio.Seq import Seq
from numpy.lib.stride_tricks import sliding_window_view

from genomebook.motifs import load_jaspar, log_odds, scan
from genomebook.seq import one_hot

from _timing import best_of

PSEUDOCOUNT = 0.8
BACKGROUND = (0.25, 0.25, 0.25, 0.25)


def one_hot_loop(seqs: list[str]) -> np.ndarray:
    """Reference encoder: a Python loop with one dict lookup per base."""
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = np.zeros((len(seqs), 4, len(seqs[0])), dtype=np.float32)
    for i, s in enumerate(seqs):
        for j, base in enumerate(s):
            k = index.get(base)
            if k is not None:
                out[i, k, j] = 1.0
    return out


def scan_numpy_loop(x: np.ndarray, pwms: list[np.ndarray]) -> np.ndarray:
    """Reference scanner: per sequence and motif, sliding windows + einsum on both strands; (N, M) max scores."""
    out = np.empty((x.shape[0], len(pwms)), dtype=np.float64)
    for i in range(x.shape[0]):
        for m, pwm in enumerate(pwms):
            win = sliding_window_view(x[i], pwm.shape[1], axis=1)  # (4, L-w+1, w)
            fwd = np.einsum("clw,cw->l", win, pwm)
            rev = np.einsum("clw,cw->l", win, pwm[::-1, ::-1])
            out[i, m] = max(fwd.max(), rev.max())
    return out


def biopython_pssms(counts: list[np.ndarray]):
    """Biopython PSSMs (forward, reverse complement) built with the same pseudocounts and background."""
    pssms = []
    for c in counts:
        m = bio_motifs.Motif(alphabet="ACGT", counts={b: list(c[i]) for i, b in enumerate("ACGT")})
        m.pseudocounts = {b: PSEUDOCOUNT * bg for b, bg in zip("ACGT", BACKGROUND)}
        m.background = dict(zip("ACGT", BACKGROUND))
        pssm = m.pssm  # log2((c + pc*bg) / (n + pc) / bg)
        pssms.append((pssm, pssm.reverse_complement()))
    return pssms


def scan_biopython(seqs: list[str], pssms) -> np.ndarray:
    """Biopython: PSSM.calculate on both strands of each Bio.Seq; (N, M) max scores."""
    out = np.empty((len(seqs), len(pssms)), dtype=np.float64)
    for i, s in enumerate(seqs):
        seq = Seq(s)
        for m, (fwd, rev) in enumerate(pssms):
            out[i, m] = max(np.max(fwd.calculate(seq)), np.max(rev.calculate(seq)))
    return out


def row(task, method, n, length, seconds, baseline_per_seq=None):
    per_seq = seconds / n
    return {
        "task": task,
        "method": method,
        "n_sequences": n,
        "length": length,
        "seconds": seconds,
        "sequences_per_s": 1.0 / per_seq,
        "mbp_per_s": length / per_seq / 1e6,
        "speedup_vs_loop": (baseline_per_seq / per_seq) if baseline_per_seq else 1.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="number of sequences")
    ap.add_argument("--length", type=int, default=1000, help="sequence length (bp)")
    ap.add_argument("--n-slow", type=int, default=300, help="sequences used for the slow reference methods")
    ap.add_argument("--motifs", type=int, default=10, help="number of JASPAR motifs to scan")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("results_encode_scan.csv"))
    args = ap.parse_args()
    n, length, n_slow = args.n, args.length, min(args.n_slow, args.n)

    rng = np.random.default_rng(args.seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    seqs = [letters[row_].tobytes().decode() for row_ in rng.integers(0, 4, size=(n, length))]
    slow = seqs[:n_slow]
    rows = []

    # (a) one-hot encoding
    x, t_fast = best_of(lambda: one_hot(seqs), 3)
    x_loop, t_loop = best_of(lambda: one_hot_loop(slow), 1)
    assert np.array_equal(x[:n_slow], x_loop), "one-hot encoders disagree"
    loop_per_seq = t_loop / n_slow
    rows.append(row("one-hot", "Python loop (dict per base)", n_slow, length, t_loop))
    rows.append(row("one-hot", "genomebook.seq.one_hot", n, length, t_fast, loop_per_seq))

    # (b) PWM scanning, both strands, max score per sequence and motif
    jaspar = load_jaspar()[: args.motifs]
    counts = [m.counts for m in jaspar]
    pwms = [log_odds(c, BACKGROUND, PSEUDOCOUNT) for c in counts]
    res, t_scan = best_of(lambda: scan(x, pwms), 3)
    _, t_e2e = best_of(lambda: scan(one_hot(seqs), pwms), 3)
    ref, t_np = best_of(lambda: scan_numpy_loop(x[:n_slow], pwms), 1)
    pssms = biopython_pssms(counts)
    bio, t_bio = best_of(lambda: scan_biopython(slow, pssms), 1)
    assert np.allclose(res.max_score[:n_slow], ref, atol=1e-3), "genomebook scan != numpy loop"
    assert np.allclose(bio, ref, atol=1e-3), "Biopython != numpy loop"
    np_per_seq = t_np / n_slow
    rows.append(row("scan", "NumPy loop (sliding_window_view + einsum)", n_slow, length, t_np))
    rows.append(row("scan", "Biopython PSSM.calculate (both strands)", n_slow, length, t_bio, np_per_seq))
    rows.append(row("scan", "genomebook.motifs.scan (one conv1d)", n, length, t_scan, np_per_seq))
    rows.append(row("scan", "genomebook one_hot + scan", n, length, t_e2e, np_per_seq))

    df = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False, float_format="%.6g")

    widths = [m.width for m in jaspar]
    print(
        f"{n} random sequences x {length} bp (seed {args.seed}); slow methods on {n_slow}; "
        f"{len(jaspar)} JASPAR motifs (widths {min(widths)}-{max(widths)}), both strands; "
        f"torch threads {torch.get_num_threads()}; max scores agree within 1e-3.\n"
    )
    print("| task | method | sequences/s | Mbp/s | speed-up vs loop |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['task']} | {r['method']} | {r['sequences_per_s']:,.0f} | "
            f"{r['mbp_per_s']:.3f} | {r['speedup_vs_loop']:.1f}x |"
        )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
