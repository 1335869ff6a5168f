"""Benchmark: DNABERT k-mer tokenisation, Python list comprehension vs genomebook vs Hugging Face tokenizers.

Run:  .venv/bin/python bench/bench_tokenize.py [--n 2000 --length 500 --k 6]

All methods see the same seeded random sequences (A/C/G/T only) and must give the same
k-mer ids (checked; [CLS]/[SEP] are stripped before comparing). Throughput counts k-mer
tokens (L-k+1 per sequence), best of ``--repeats`` runs. Methods:

(a) DNABERT's ``seq2kmer`` list comprehension ``[seq[i:i+k] for i in range(len(seq)+1-k)]``
    then one vocabulary dict lookup per k-mer;
(b) ``KmerTokenizer.encode`` per sequence (the same idea inside the library);
(c) ``KmerTokenizer.encode_codes`` on the (N, L) uint8 base codes, and
    ``batch_encode_equal`` from the strings (codes + [CLS]/[SEP] + tensors included);
(d) the Hugging Face fast tokenizer of ``KmerTokenizer.to_hf()`` on a batch, on
    prebuilt space-separated k-mer text and including ``to_hf_text``.

``--out`` writes the table as CSV as well.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from genomebook.seq import BASE_CODE
from genomebook.tokenize import KmerTokenizer

from _timing import best_of


def dnabert_listcomp(seqs: list[str], k: int, vocab: dict[str, int]) -> list[list[int]]:
    """Reference: DNABERT's seq2kmer list comprehension, then a dict lookup per k-mer."""
    unk = vocab["[UNK]"]
    out = []
    for seq in seqs:
        kmers = [seq[i:i + k] for i in range(len(seq) + 1 - k)]
        out.append([vocab.get(t, unk) for t in kmers])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="number of sequences")
    ap.add_argument("--length", type=int, default=500, help="sequence length (bp)")
    ap.add_argument("--k", type=int, default=6, help="k-mer size (3..6)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="also write the results as CSV here")
    args = ap.parse_args()
    n, length, k = args.n, args.length, args.k

    rng = np.random.default_rng(args.seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    seqs = [letters[r].tobytes().decode() for r in rng.integers(0, 4, size=(n, length))]
    n_tokens = n * (length - k + 1)
    tok = KmerTokenizer(k, max_length=None)
    hf = tok.to_hf()
    codes = BASE_CODE[np.frombuffer("".join(seqs).encode(), dtype=np.uint8)].reshape(n, length)
    texts = [tok.to_hf_text(s) for s in seqs]
    r = args.repeats

    ref, t_ref = best_of(lambda: dnabert_listcomp(seqs, k, tok.vocab), r)
    ref = np.array(ref, dtype=np.int64)
    results = [("(a) DNABERT list comprehension + dict lookup", t_ref, ref)]

    ids, t = best_of(lambda: [tok.encode(s) for s in seqs], r)
    results.append(("(b) KmerTokenizer.encode, per sequence", t, np.array(ids)[:, 1:-1]))
    ids, t = best_of(lambda: tok.encode_codes(codes), r)
    results.append(("(c) KmerTokenizer.encode_codes, (N, L) uint8 codes", t, ids))
    ids, t = best_of(lambda: tok.batch_encode_equal(seqs), r)
    results.append(("(c') KmerTokenizer.batch_encode_equal, from str", t, ids["input_ids"][:, 1:-1].numpy()))
    ids, t = best_of(lambda: hf(texts)["input_ids"], r)
    results.append(("(d) HF fast tokenizer, batch of k-mer text", t, np.array(ids)[:, 1:-1]))
    ids, t = best_of(lambda: hf([tok.to_hf_text(s) for s in seqs])["input_ids"], r)
    results.append(("(d') HF fast tokenizer incl. to_hf_text", t, np.array(ids)[:, 1:-1]))

    rows = []
    for name, seconds, got in results:
        assert np.array_equal(got, ref), f"{name} gives different ids than (a)"
        rows.append({"method": name, "n_sequences": n, "length": length, "k": k, "seconds": seconds,
                     "tokens_per_s": n_tokens / seconds, "ratio_vs_a": t_ref / seconds})
    df = pd.DataFrame(rows)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out, index=False, float_format="%.6g")

    print(f"{n} random sequences x {length} bp (seed {args.seed}), k={k}: {n_tokens:,} k-mer tokens; "
          f"best of {r}; all methods give identical ids. CPU cores {os.cpu_count()}, "
          f"torch threads {torch.get_num_threads()}, TOKENIZERS_PARALLELISM="
          f"{os.environ.get('TOKENIZERS_PARALLELISM', 'unset')}.\n")
    print("| method | seconds | tokens/s | ratio to (a) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['method']} | {row['seconds']:.3f} | {row['tokens_per_s']:,.0f} | {row['ratio_vs_a']:.1f}x |")
    if args.out is not None:
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
