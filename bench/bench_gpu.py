"""Benchmark: does the workflow feed the accelerator? DeepCAGE training and BERT MLM pre-training, pipeline vs network alone.

Run:  .venv/bin/python bench/bench_gpu.py [--tiny] [--json out.json] [--only deepcage|bert]

Two workloads, each measured twice in one run, on the device a chapter would use (CUDA when
present, else CPU) and in the number formats the trainer picks there
(:func:`genomebook.train.number_formats`: bf16 mixed precision + TF32 on a recent GPU, fp32
on CPU):

- **DeepCAGE training**, examples/s (one example = one locus x cell type pair).
  *pipeline*: :func:`genomebook.workflows.deepcage.fit_cross_cell` on an
  :class:`~genomebook.datasets.accessibility.AccessibilityDataModule` over a synthetic
  :class:`~genomebook.datasets.accessibility.AccessibilityData` saved to disk and read back
  memory-mapped, as the chapters do (Lightning, the datamodule's batches, checkpointing).
  *network alone*: the same network and optimiser in a plain loop on one synthetic batch
  already on the device.
  Also: prediction (:func:`~genomebook.workflows.deepcage.predict_matrix`) of ``predict_loci``
  loci x the test cell types on the training device vs on the CPU (the issue's target: >= 20x
  on a GPU; 1x on a CPU-only machine).
- **BERT MLM pre-training**, tokens/s. *pipeline*: :func:`genomebook.workflows.dnabert.pretrain`
  on a random DNA corpus (chunking, k-mer tokenising, span masking, Lightning);
  *plain loop*: the same ``BertMLM`` (same masked-token loss, optimiser and gradient clipping)
  on batches of random token ids already on the device, of the same shapes as the pipeline's
  timed batches (DNABERT's chunks: half at the longest length, half shorter), in that order.

Pipeline throughput counts the training steps after ``--warmup`` steps, from the end of the
warm-up step to the end of the last one, without the time spent in validation. With CUDA
the mean GPU utilisation during the pipeline's timed steps is sampled (``torch.cuda.utilization``,
else ``nvidia-smi``) every 0.1 s. Ratio = pipeline / network alone: 1.0 means the pipeline
keeps the network fed (the targets of issue 17: >= 0.8, and >= 80 % utilisation on a GPU).
``--tiny`` runs in well under a minute on 2 CPU cores (the test's size; its numbers prove the
code path, not a speed). Prints a markdown table; ``--json`` also writes the results.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import Callback
from torch.nn import functional as F

from genomebook import train
from genomebook.datasets.accessibility import AccessibilityData, AccessibilityDataModule, one_hot_codes
from genomebook.models import CellTypeModel, cross_cell_model
from genomebook.models.bert import BertMLM, bert_config
from genomebook.tokenize import KmerTokenizer
from genomebook.workflows import dnabert
from genomebook.workflows.deepcage import fit_cross_cell, predict_matrix

#: Sizes: "gpu" (default, paper-like widths; needs a GPU) and "tiny" (CPU test).
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "gpu": {
        "deepcage": dict(n_loci=20_000, n_cells=55, n_test_cells=11, seq_len=1000, n_tfs=402, batch_loci=512,
                         width=1.0, layers_per_block=5, steps=80, warmup=10, network_steps=30,
                         predict_loci=2000),
        "bert": dict(k=6, bert_size="base", max_tokens=512, pretrain_batch=64, pretrain_len=515, steps=60,
                     warmup=10, network_steps=50, corpus_seqs=400, corpus_bp=5000),
    },
    "tiny": {
        "deepcage": dict(n_loci=640, n_cells=12, n_test_cells=2, seq_len=200, n_tfs=30, batch_loci=64,
                         width=0.25, layers_per_block=2, steps=14, warmup=3, network_steps=8,
                         predict_loci=200),
        "bert": dict(k=6, bert_size="tiny", max_tokens=512, pretrain_batch=8, pretrain_len=69, steps=16,
                     warmup=3, network_steps=13, corpus_seqs=40, corpus_bp=600),
    },
}


# --------------------------------------------------------------------------- measuring


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class GpuSampler:
    """Samples GPU utilisation (%) every ``interval`` s in a thread while ``active`` is set."""

    def __init__(self, device: torch.device, interval: float = 0.1) -> None:
        self.device, self.interval = device, interval
        self.samples: list[float] = []
        self.active = threading.Event()
        self._stop = threading.Event()
        self._read = self._reader()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _reader(self):
        if self.device.type != "cuda":
            return None
        index = self.device.index if self.device.index is not None else torch.cuda.current_device()
        try:
            torch.cuda.utilization(index)  # needs pynvml / amdsmi
            return lambda: float(torch.cuda.utilization(index))
        except Exception:  # noqa: BLE001 - fall back to the command-line tool
            pass
        if shutil.which("nvidia-smi") is None:
            return None
        cmd = ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-i", str(index)]
        return lambda: float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()[0])

    @property
    def available(self) -> bool:
        return self._read is not None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.active.is_set():
                try:
                    self.samples.append(self._read())
                except Exception:  # noqa: BLE001 - a failed read is a missing sample, not a failed run
                    pass
            time.sleep(self.interval)

    def __enter__(self) -> GpuSampler:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def mean(self) -> float | None:
        return float(np.mean(self.samples)) if self.samples else None


class Throughput(Callback):
    """Units (examples or tokens) per second of a Lightning fit's training steps after ``warmup``.

    ``count(batch)`` gives a batch's units (from shapes only: no device sync). Time runs from
    the end of step ``warmup`` to the end of training, less the time in validation.
    """

    def __init__(self, count, warmup: int, sampler: GpuSampler | None = None) -> None:
        self.count, self.warmup, self.sampler = count, int(warmup), sampler
        self.units, self.steps, self.t0, self.t1, self.paused, self._tv = 0, 0, None, None, 0.0, None
        self._seen = 0
        self.shapes: list[tuple[int, ...]] = []  # input shapes of the timed steps

    def _now(self, pl_module) -> float:
        _sync(pl_module.device)
        return time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._seen += 1
        if self.t0 is not None:
            self.units += int(self.count(batch))
            self.steps += 1
            first = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
            self.shapes.append(tuple(first.shape))
        elif self._seen == self.warmup:
            self.t0 = self._now(pl_module)
            if self.sampler is not None:
                self.sampler.active.set()

    def on_validation_start(self, trainer, pl_module) -> None:
        if self.t0 is not None and self.t1 is None:
            self._tv = self._now(pl_module)
            if self.sampler is not None:
                self.sampler.active.clear()

    def on_validation_end(self, trainer, pl_module) -> None:
        if self._tv is not None:
            self.paused += self._now(pl_module) - self._tv
            self._tv = None
            if self.sampler is not None:
                self.sampler.active.set()

    def on_train_end(self, trainer, pl_module) -> None:
        self.t1 = self._now(pl_module)
        if self.sampler is not None:
            self.sampler.active.clear()

    def rate(self) -> float:
        if self.t0 is None or self.t1 is None or self.steps == 0:
            raise RuntimeError(f"no timed steps: {self._seen} steps ran, warm-up {self.warmup}; raise the steps.")
        return self.units / (self.t1 - self.t0 - self.paused)


def _timed_loop(step, steps: int, warmup: int, device: torch.device) -> float:
    """Seconds per call of ``step()`` (mean of ``steps`` after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        step()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    return (time.perf_counter() - t0) / steps


def _autocast(device: torch.device, precision: str):
    """The autocast context of a Lightning precision string (bf16/16 mixed), else a no-op."""
    if precision.startswith("bf16"):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    if precision.startswith("16"):
        return torch.autocast(device.type, dtype=torch.float16)
    return torch.autocast(device.type, enabled=False)


def _optimizer(module) -> torch.optim.Optimizer:
    opt = module.configure_optimizers()
    return opt["optimizer"] if isinstance(opt, dict) else opt


# --------------------------------------------------------------------------- DeepCAGE


def synthetic_accessibility(n_loci: int, n_cells: int, seq_len: int, n_tfs: int, seed: int = 0) -> AccessibilityData:
    """Random accessibility data of the given sizes (labels ~30 % positive, so nearly every locus is 'known')."""
    rng = np.random.default_rng(seed)
    return AccessibilityData(
        codes=rng.integers(0, 4, size=(n_loci, seq_len), dtype=np.uint8),
        motif_scores=rng.random((n_loci, n_tfs), dtype=np.float32),
        expression=rng.random((n_cells, n_tfs), dtype=np.float32),
        labels=(rng.random((n_loci, n_cells)) < 0.3).astype(np.int8),
        signal=rng.random((n_loci, n_cells), dtype=np.float32),
        loci=pd.DataFrame({"chrom": "chr1", "start": np.arange(n_loci) * 200, "end": np.arange(n_loci) * 200 + 200}),
        tfs=[f"TF{i}" for i in range(n_tfs)], cell_types=[f"cell{i}" for i in range(n_cells)])


def bench_deepcage(s: dict[str, Any], workdir: Path, seed: int) -> dict[str, Any]:
    data = AccessibilityData.load(synthetic_accessibility(s["n_loci"], s["n_cells"], s["seq_len"], s["n_tfs"], seed)
                                  .save(workdir / "accessibility"))
    test_cells = np.arange(s["n_cells"] - s["n_test_cells"], s["n_cells"])
    train_cells = np.arange(s["n_cells"] - s["n_test_cells"])
    dm = AccessibilityDataModule(data, train_cells, test_cells, target="labels", n_val_cells=0,
                                 batch_size=s["batch_loci"], seed=seed)
    net_kw = dict(n_tfs=s["n_tfs"], width=s["width"], layers_per_block=s["layers_per_block"])
    cuda = train.uses_cuda()
    device = torch.device("cuda") if cuda else torch.device("cpu")

    with GpuSampler(device) as sampler:
        meter = Throughput(lambda b: b["y"].numel(), s["warmup"], sampler if sampler.available else None)
        train.seed_everything(seed)
        fitted, _ = fit_cross_cell(cross_cell_model("DeepCAGE", **net_kw), dm, task="classification",
                                   epochs=10_000, patience=None, seed=seed, callbacks=[meter], max_steps=s["steps"],
                                   progress=False, devices=1)
        pipeline = meter.rate()
    formats = train.number_formats()
    served = type(dm.train_dataloader()).__name__
    dm.free_device()

    # Prediction of test loci x test cells where the model was trained vs on the CPU (same numbers).
    loci = np.arange(min(s["predict_loci"], data.n_loci))
    timings = {}
    for where in ("trained", "cpu"):
        if where == "cpu":
            fitted.to("cpu")
        predict_matrix(fitted, data, loci[:8], test_cells, batch_size=256)  # warm-up (kernels, allocator)
        _sync(device)
        t0 = time.perf_counter()
        timings[where] = predict_matrix(fitted, data, loci, test_cells, batch_size=256)
        _sync(device)
        timings[where + "_s"] = time.perf_counter() - t0
    predict_gap = float(np.abs(timings["trained"] - timings["cpu"]).max())
    predict = {"loci": int(len(loci)), "cells": int(len(test_cells)), "device_s": timings["trained_s"],
               "cpu_s": timings["cpu_s"], "speedup": timings["cpu_s"] / timings["trained_s"],
               "max_abs_difference": predict_gap}

    # The network alone: same architecture, optimiser and precision, one batch already on the device.
    torch.manual_seed(seed)
    module = CellTypeModel(cross_cell_model("DeepCAGE", **net_kw)).to(device)
    module.train()
    opt = _optimizer(module)
    g = torch.Generator().manual_seed(seed)
    b, k = s["batch_loci"], len(dm.fit_cells)
    x = one_hot_codes(torch.randint(0, 4, (b, s["seq_len"]), generator=g, dtype=torch.uint8)).to(device)
    motif = torch.rand(b, s["n_tfs"], generator=g).to(device)
    expr = torch.rand(k, s["n_tfs"], generator=g).to(device)
    y = (torch.rand(b, k, generator=g) < 0.3).float().to(device)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        with _autocast(device, formats["precision"]):
            out = module(x, motif, expr)
        F.binary_cross_entropy_with_logits(out.float(), y).backward()
        opt.step()

    sec = _timed_loop(step, s["network_steps"], max(1, s["warmup"] // 2), device)
    network = b * k / sec
    return {"unit": "examples/s", "pipeline": pipeline, "network_alone": network, "ratio": pipeline / network,
            "gpu_utilisation_mean": sampler.mean(), "gpu_utilisation_samples": len(sampler.samples),
            "pipeline_batches": served, "examples_per_step": b * k, "predict": predict, "sizes": s,
            "number_formats": formats}


# --------------------------------------------------------------------------- BERT MLM


def bench_bert(s: dict[str, Any], workdir: Path, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    corpus = [letters[r].tobytes().decode() for r in rng.integers(0, 4, size=(s["corpus_seqs"], s["corpus_bp"]))]
    sizes = {"k": s["k"], "bert_size": s["bert_size"], "max_tokens": s["max_tokens"], "pretrain_steps": s["steps"],
             "pretrain_batch": s["pretrain_batch"], "pretrain_len": s["pretrain_len"], "pretrain_lr": 4e-4}
    cuda = train.uses_cuda()
    device = torch.device("cuda") if cuda else torch.device("cpu")

    with GpuSampler(device) as sampler:
        meter = Throughput(lambda b: b["input_ids"].numel(), s["warmup"], sampler if sampler.available else None)
        dnabert.pretrain(corpus, sizes, seed=seed, name="random DNA", cache=False, n_evals=1,
                         cache_dir=workdir / "cache", callbacks=[meter])
        pipeline = meter.rate()
    formats = train.number_formats()

    # The plain loop: the same model class, loss, optimiser and clipping, batches already on the
    # device with the shapes of the pipeline's timed batches (cycled if network_steps is larger).
    tok = KmerTokenizer(s["k"], max_length=None)
    torch.manual_seed(seed)
    mlm = BertMLM(bert_config(s["bert_size"], tok.vocab_size, max_position=s["max_tokens"]), lr=4e-4,
                  total_steps=s["network_steps"] * 2).to(device)
    mlm.train()
    opt = _optimizer(mlm)
    g = torch.Generator().manual_seed(seed)
    batches = []
    for shape in meter.shapes:
        ids = torch.randint(5, tok.vocab_size, shape, generator=g)
        labels = torch.where(torch.rand(shape, generator=g) < 0.15, ids, torch.full_like(ids, -100))
        batches.append({"input_ids": ids.to(device), "attention_mask": torch.ones_like(ids).to(device),
                        "labels": labels.to(device)})
    turn = {"i": 0, "tokens": 0}

    def step() -> None:
        batch = batches[turn["i"] % len(batches)]
        turn["i"] += 1
        turn["tokens"] += batch["input_ids"].numel()
        opt.zero_grad(set_to_none=True)
        with _autocast(device, formats["precision"]):
            logits, targets = mlm.masked_logits(batch)
        F.cross_entropy(logits.float(), targets).backward()
        torch.nn.utils.clip_grad_norm_(mlm.parameters(), 1.0)
        opt.step()

    warm = max(1, s["warmup"] // 2)
    sec = _timed_loop(step, s["network_steps"], warm, device)
    timed_tokens = turn["tokens"] - sum(batches[i % len(batches)]["input_ids"].numel() for i in range(warm))
    plain = timed_tokens / (sec * s["network_steps"])
    return {"unit": "tokens/s", "pipeline": pipeline, "network_alone": plain, "ratio": pipeline / plain,
            "gpu_utilisation_mean": sampler.mean(), "gpu_utilisation_samples": len(sampler.samples),
            "batch_shapes": sorted(set(meter.shapes)), "sizes": s, "number_formats": formats}


# --------------------------------------------------------------------------- main


def run(size: str = "gpu", only: str | None = None, seed: int = 0, threads: int | None = None) -> dict[str, Any]:
    """Both benchmarks (or ``only`` one) at ``size`` ("gpu" or "tiny"); a dict of their results."""
    if threads:
        torch.set_num_threads(threads)
    train.show_progress(False)
    out: dict[str, Any] = {"size": size, "cuda": torch.cuda.is_available(),
                           "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
                           "torch": torch.__version__, "threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory(prefix="genomebook-bench-gpu-") as tmp:
        if only in (None, "deepcage"):
            out["deepcage"] = bench_deepcage(SIZES[size]["deepcage"], Path(tmp), seed)
        if only in (None, "bert"):
            out["bert_mlm"] = bench_bert(SIZES[size]["bert"], Path(tmp), seed)
    return out


def table(results: dict[str, Any]) -> str:
    """The results as a markdown table."""
    lines = ["| workload | unit | pipeline | network alone | ratio | mean GPU utilisation | precision |",
             "|---|---|---:|---:|---:|---:|---|"]
    for key, label in (("deepcage", "DeepCAGE training (fit_cross_cell)"), ("bert_mlm", "BERT MLM pre-training (pretrain)")):
        r = results.get(key)
        if r is None:
            continue
        util = "n/a (no CUDA)" if r["gpu_utilisation_mean"] is None else f"{r['gpu_utilisation_mean']:.0f} %"
        lines.append(f"| {label} | {r['unit']} | {r['pipeline']:,.0f} | {r['network_alone']:,.0f} | "
                     f"{r['ratio']:.2f} | {util} | {r['number_formats']['precision']} |")
    r = results.get("deepcage")
    if r is not None:
        p = r["predict"]
        lines.append(f"\nDeepCAGE prediction of {p['loci']:,} loci x {p['cells']} cell types: {p['device_s']:.2f} s where "
                     f"it trained ({r['number_formats']['device']}), {p['cpu_s']:.2f} s on the CPU: "
                     f"{p['speedup']:.1f}x (target on a GPU: >= 20x); outputs differ by at most "
                     f"{p['max_abs_difference']:.1e}.")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny sizes: < 60 s on 2 CPU cores (the test's size)")
    ap.add_argument("--only", choices=("deepcage", "bert"), default=None, help="run one workload only")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here as JSON")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    results = run("tiny" if args.tiny else "gpu", args.only, args.seed, args.threads)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"\n{results['device']} (torch {results['torch']}, {results['threads']} CPU threads), size "
          f"{results['size']}, {results['seconds']} s in all; ratio = pipeline / network alone.\n")
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
