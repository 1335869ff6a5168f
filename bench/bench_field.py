"""Benchmark: the book's encoders against the field's libraries, same inputs, one run.

Run:  .venv/bin/python bench/bench_field.py [--n 2000 --length 1000 --motifs 10 --ism-n 16]
      (needs tangermeme and memelite: ``pip install tangermeme``; memelite is a dependency)

Three pairs, each first checked to give the same numbers, then timed (best of ``--repeats``)
on the same seeded random sequences (A/C/G/T):

- one-hot encoding: :func:`genomebook.seq.one_hot` vs tangermeme's ``one_hot_encode``
  (one call per sequence, stacked; as its documentation uses it);
- PWM scanning: :func:`genomebook.motifs.scan` (best log-odds score of every motif in every
  sequence, both strands) vs memelite's ``fimo`` (hits at p < 1e-4 with their p-values). They
  answer different questions; the check is that FIMO's best hit of each (sequence, motif)
  scores what ours reports as the best, in the same units (bits against a uniform
  background, the same probability matrix);
- in-silico mutagenesis: :func:`genomebook.variants.ism` vs tangermeme's
  ``saturation_mutagenesis(raw_outputs=True)`` on the motifs chapter's CNN (untrained,
  seeded): every single-base substitution's prediction.

Prints one table (seconds, ours / theirs ratio, whether the numbers agree) and writes
bench/results_field.csv. Ratios > 1 mean ours is slower. Timings depend on the machine and
its load; the ratios are measured in one run, interleaved.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from genomebook import seq, variants
from genomebook.models import MotifCNN, MotifCNNConfig
from genomebook.motifs import load_jaspar, log_odds, scan, to_ppm

from _timing import best_of


def _sequences(n: int, length: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(s) for s in rng.choice(list("ACGT"), size=(n, length))]


def bench_one_hot(seqs: list[str], repeats: int) -> dict:
    from tangermeme.utils import one_hot_encode  # optional: only this benchmark needs it

    ours, t_ours = best_of(lambda: seq.one_hot(seqs), repeats)
    theirs, t_theirs = best_of(lambda: torch.stack([one_hot_encode(s) for s in seqs]), repeats)
    same = bool(np.array_equal(ours, theirs.numpy().astype(np.float32)))
    return {"task": "one-hot encoding", "ours": "seq.one_hot", "theirs": "tangermeme one_hot_encode",
            "ours_s": t_ours, "theirs_s": t_theirs, "same_numbers": same,
            "check": "identical (N, 4, L) arrays"}


def bench_scan(x: np.ndarray, n_motifs: int, repeats: int) -> dict:
    from memelite import fimo  # optional: only this benchmark needs it

    found = load_jaspar()[:n_motifs]
    ppms = [to_ppm(m.counts, 0.8) for m in found]            # one probability matrix for both
    pwms = [log_odds(p, is_ppm=True) for p in ppms]           # ours: log2(p / 0.25), p + 1e-3 smoothing
    ppms = [log_odds_ppm(p) for p in ppms]                    # theirs: log2(p + eps) - log2(0.25)
    motifs = {f"m{i}": p for i, p in enumerate(ppms)}
    scan(x[:2], pwms), fimo(motifs, x[:2], eps=1e-12, threshold=1e-4)  # warm-up: FIMO compiles with numba once
    ours, t_ours = best_of(lambda: scan(x, pwms), repeats)
    hits, t_theirs = best_of(lambda: fimo(motifs, x, eps=1e-12, threshold=1e-4), repeats)
    # FIMO's best hit per (sequence, motif) must score what ours reports as the best there
    worst, pairs = 0.0, 0
    for i, df in enumerate(hits):
        if len(df) == 0:
            continue
        best = df.groupby("sequence_name")["score"].max()
        diff = np.abs(best.to_numpy() - ours.max_score[best.index.to_numpy().astype(int), i])
        worst, pairs = max(worst, float(diff.max())), pairs + len(best)
    return {"task": f"PWM scanning ({n_motifs} JASPAR motifs)", "ours": "motifs.scan (best score per pair)",
            "theirs": "memelite fimo (hits, p < 1e-4)", "ours_s": t_ours, "theirs_s": t_theirs,
            "same_numbers": bool(pairs > 0 and worst < 1e-3),
            "check": f"best FIMO hit = our best score on {pairs} (sequence, motif) pairs; max |diff| {worst:.1e} bits"}


def log_odds_ppm(p: np.ndarray) -> np.ndarray:
    """The probability matrix FIMO must be given so that log2(q + eps) - log2(0.25) equals ours."""
    return np.exp2(log_odds(p, is_ppm=True)) * 0.25


def bench_ism(x: np.ndarray, repeats: int) -> dict:
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis  # optional

    torch.manual_seed(0)
    net = MotifCNN(MotifCNNConfig(n_filters=32)).eval()
    xt = torch.from_numpy(x)
    with torch.no_grad():
        variants.ism(lambda t: net(t)[:, 0], xt[:1]), saturation_mutagenesis(net, xt[:1], raw_outputs=True)  # warm-up
        ours, t_ours = best_of(lambda: variants.ism(lambda t: net(t)[:, 0], xt, batch_size=1024), repeats)
        raw, t_theirs = best_of(lambda: saturation_mutagenesis(net, xt, raw_outputs=True, batch_size=1024), repeats)
    theirs = raw.y_hat[..., 0].double().numpy()  # (N, 4, L); the reference base holds the reference output
    ref = raw.y0[:, 0].double().numpy()
    theirs = np.where(x > 0, ref[:, None, None], theirs)
    worst = float(np.nanmax(np.abs(ours - theirs)))
    return {"task": f"in-silico mutagenesis ({x.shape[0]} x {x.shape[2]} bp, CNN)", "ours": "variants.ism",
            "theirs": "tangermeme saturation_mutagenesis", "ours_s": t_ours, "theirs_s": t_theirs,
            "same_numbers": worst < 1e-4, "check": f"every substitution's prediction; max |diff| {worst:.1e}"}


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="sequences for one-hot and scanning")
    ap.add_argument("--length", type=int, default=1000, help="bp per sequence")
    ap.add_argument("--motifs", type=int, default=10, help="JASPAR motifs scanned")
    ap.add_argument("--ism-n", type=int, default=16, help="sequences mutated (all 3 L substitutions each)")
    ap.add_argument("--ism-length", type=int, default=200, help="bp per mutated sequence")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("results_field.csv"))
    args = ap.parse_args(argv)
    torch.set_num_threads(torch.get_num_threads())
    seqs = _sequences(args.n, args.length, args.seed)
    x = seq.one_hot(seqs)
    rows = [bench_one_hot(seqs, args.repeats), bench_scan(x, args.motifs, args.repeats),
            bench_ism(seq.one_hot(_sequences(args.ism_n, args.ism_length, args.seed + 1)), args.repeats)]
    df = pd.DataFrame(rows)
    df["ours_over_theirs"] = df["ours_s"] / df["theirs_s"]
    df.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(df[["task", "ours_s", "theirs_s", "ours_over_theirs", "same_numbers"]].round(4).to_string(index=False))
        print()
        for r in df.itertuples():
            print(f"{r.task}: {r.check}")
    print(f"\n{torch.get_num_threads()} torch threads; written {args.out}")
    return df


if __name__ == "__main__":
    main()
