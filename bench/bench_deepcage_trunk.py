"""Benchmark: DeepCAGE training examples/s, shared trunk (once per locus) vs trunk per pair.

Run:  .venv/bin/python bench/bench_deepcage_trunk.py [--cells 44 --seq-len 1000 --batch-loci 16 --steps 5]

An example is one (locus, cell type) pair, so a step on B loci and K cell types trains on B*K
examples. Both methods train the same model on the same seeded batch (forward, backward and
one AdamW step); ``forward`` runs the DenseNet on B sequences, ``forward_per_pair`` on B*K
(the naive way: repeat each locus for every cell type, as a per-pair data loader would).
Their outputs agree in eval mode (checked before timing). Prints a markdown table; writes nothing.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F

from genomebook.models import DeepCAGE, DeepCAGEConfig, DenseNetConfig

N_TFS = 402  # the paper's HOCOMOCO core TFs


def make_batch(n_loci: int, n_cells: int, length: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    x = F.one_hot(torch.randint(0, 4, (n_loci, length), generator=g), 4).float().transpose(1, 2)
    motif = torch.rand(n_loci, N_TFS, generator=g)
    expr = torch.rand(n_cells, N_TFS, generator=g)
    y = (torch.rand(n_loci, n_cells, generator=g) < 0.2).float()
    return x.contiguous(), motif, expr, y


def time_training(net: DeepCAGE, method: str, batch, warmup: int, steps: int) -> float:
    """Seconds per training step (mean over ``steps`` after ``warmup`` untimed steps)."""
    x, motif, expr, y = batch
    fn = net.forward if method == "shared" else net.forward_per_pair
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    net.train()

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(fn(x, motif, expr), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=44,
                    help="cell types per batch (K; 44 training cell types in the paper)")
    ap.add_argument("--seq-len", type=int, default=1000, help="locus window length (bp)")
    ap.add_argument("--batch-loci", type=int, default=16, help="loci per batch (B)")
    ap.add_argument("--steps", type=int, default=5, help="timed training steps per method")
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps before timing")
    ap.add_argument("--config", choices=("paper", "book"), default="paper",
                    help="DenseNet size: paper defaults or DenseNetConfig.book()")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    trunk = DenseNetConfig() if args.config == "paper" else DenseNetConfig.book()
    batch = make_batch(args.batch_loci, args.cells, args.seq_len, args.seed)
    torch.manual_seed(args.seed)
    net = DeepCAGE(DeepCAGEConfig(trunk=trunk, n_tfs=N_TFS))
    with torch.no_grad():
        net.eval()
        a, b = net(*batch[:3]), net.forward_per_pair(*batch[:3])
    assert torch.allclose(a, b, atol=1e-4), f"methods disagree by {float((a - b).abs().max()):.2e}"
    state = {k: v.clone() for k, v in net.state_dict().items()}

    n_pairs = args.batch_loci * args.cells
    rows = []
    for method, label, passes in (("per_pair", "trunk per (locus, cell type) pair", n_pairs),
                                  ("shared", "shared trunk (once per locus)", args.batch_loci)):
        net.load_state_dict(state)  # both start from the same weights
        sec = time_training(net, method, batch, args.warmup, args.steps)
        rows.append((label, n_pairs / sec, passes, sec))

    n_params = sum(p.numel() for p in net.parameters())
    print(
        f"DeepCAGE ({args.config} DenseNet, {n_params:,} parameters), {args.batch_loci} loci x "
        f"{args.cells} cell types = {n_pairs} examples per step, {args.seq_len} bp, {N_TFS} TFs; "
        f"forward + backward + AdamW; {args.warmup} warm-up + {args.steps} timed steps; "
        f"torch threads {torch.get_num_threads()}; outputs agree in eval mode.\n"
    )
    print("| method | examples/s | s/step | trunk passes per step |")
    print("|---|---:|---:|---:|")
    for label, eps, passes, sec in rows:
        print(f"| {label} | {eps:,.1f} | {sec:.3f} | {passes} |")
    print(f"\nshared / per-pair throughput: {rows[1][1] / rows[0][1]:.1f}x")


if __name__ == "__main__":
    main()
