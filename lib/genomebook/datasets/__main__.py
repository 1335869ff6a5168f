"""Command line for the data registry.

    python -m genomebook.datasets list [--task T] [--scale book|paper]
    python -m genomebook.datasets fetch NAME... [--no-download]
    python -m genomebook.datasets verify [NAME...] [--rehash]
    python -m genomebook.datasets check PATH [PATH...] [--labels TABLE] [--chapter motifs] [...]

``--mirror`` and ``--cache`` (before or after the command) override ``$GENOMEBOOK_MIRROR`` and
``$GENOMEBOOK_CACHE``. Exit codes: 0 success; 1 a dataset is unavailable (fetch) or a copy
does not match its checksum (verify) or a reader's files cannot be read (check); 2 usage
errors such as an unknown dataset name.

``check`` reads a reader's own labelled sequences with
:func:`genomebook.datasets.labelled.read_labelled_sequences`, as a chapter would, and prints
counts per split and class, lengths, duplicates (exact and reverse complement, within the data
and across its splits: :func:`genomebook.datasets.leakage.leakage_card`) and, with
``--chapter``, what the chapter will use. It trains nothing.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from genomebook.datasets.labelled import (CHAPTER_INPUTS, DUPLICATE_NAMES, UNEQUAL, chapter_split,
                                          length_summary, read_labelled_sequences)
from genomebook.datasets.leakage import leakage_card
from genomebook.datasets.motif_files import motif_collection
from genomebook.datasets.registry import (DataUnavailable, UnknownDataset, available, entry,
                                          fetch, load_registry, verify)
from genomebook.seq import SequenceError, reverse_complement


def _table(rows: list[list[str]], header: list[str], widths: dict[int, int] | None = None) -> str:
    widths = widths or {}

    def clip(i: int, s: str) -> str:
        w = widths.get(i)
        return s if w is None or len(s) <= w else s[: w - 1] + "…"

    cells = [[clip(i, str(c)) for i, c in enumerate(r)] for r in [header, *rows]]
    size = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(size[i]) for i, c in enumerate(r)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * s for s in size))
    return "\n".join(lines)


def _cmd_list(args) -> int:
    reg = load_registry()
    rows = []
    for name, e in reg.items():
        if args.task and args.task.lower() not in e.task.lower():
            continue
        if args.scale and e.scale != args.scale:
            continue
        avail = "manual" if e.manual else (
            "yes" if available(name, mirror=args.mirror, cache=args.cache) else "no")
        rows.append([name, e.task, e.scale, e.records or e.size or "", e.licence, avail])
    if not rows:
        tasks = ", ".join(sorted({e.task for e in reg.values()}))
        print(f"No datasets match (task={args.task!r}, scale={args.scale!r}). Tasks: {tasks}",
              file=sys.stderr)
        return 1
    print(_table(rows, ["name", "task", "scale", "records", "licence", "available"],
                 widths={3: 30, 4: 48}))
    n_yes = sum(r[-1] == "yes" for r in rows)
    print(f"\n{len(rows)} datasets, {n_yes} available locally")
    return 0


def _cmd_fetch(args) -> int:
    status = 0
    for name in args.names:
        try:
            print(fetch(name, mirror=args.mirror, cache=args.cache,
                        download=not args.no_download))
        except DataUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


def _cmd_verify(args) -> int:
    df = verify(args.names or None, mirror=args.mirror, cache=args.cache, rehash=args.rehash)
    rows = [[r.name, r.status, f"{r.seconds:.3f}",
             r.location if isinstance(r.location, str) else ""] for r in df.itertuples()]
    print(_table(rows, ["name", "status", "seconds", "location"]))
    counts = df["status"].value_counts().to_dict()
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) +
          f" ({df['seconds'].sum():.1f} s)")
    bad = df[df["status"] == "mismatch"]
    for r in bad.itertuples():
        print(f"error: {r.name}: {r.detail}", file=sys.stderr)
    return 1 if len(bad) else 0




def _frame(df: pd.DataFrame) -> str:
    return df.to_string()


def _within_duplicates(seqs: list[str]) -> tuple[int, int]:
    """Records whose sequence, or its reverse complement (and not itself), occurred earlier in ``seqs``."""
    seen: set[str] = set()
    exact = revcomp = 0
    for s in seqs:
        if s in seen:
            exact += 1
        elif reverse_complement(s) in seen:
            revcomp += 1
        seen.add(s)
    return exact, revcomp


def _cmd_check(args) -> int:
    pairs = [p for p in args.paths if "=" in p]
    if len(args.paths) > 1 and len(pairs) != len(args.paths):
        print("error: give one PATH (a FASTA with --labels, a table, a folder), or one class=path argument per "
              f"class (e.g. positives=pos.fa negatives=neg.fa); got {args.paths}", file=sys.stderr)
        return 2
    source = ",".join(args.paths) if len(args.paths) > 1 else args.paths[0]
    n_classes = CHAPTER_INPUTS[args.chapter].n_classes if args.chapter else args.n_classes
    try:
        data = read_labelled_sequences(source, args.labels, unequal=args.unequal_lengths,
                                       duplicate_names=args.duplicate_names, n_classes=n_classes,
                                       allow_iupac=args.allow_iupac)
    except (SequenceError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(data.describe())
    for line in data.notes:
        print(f"note: {line}")
    counts = data.counts()
    counts.columns = [f"{c} ({data.classes[c]})" for c in counts.columns]
    print("\nrecords per split (rows) and label (columns):")
    print(_frame(counts.rename_axis(index="split", columns=None)))
    print("\nlengths as read (bp) per label:")
    print(_frame(length_summary(data.lengths, data.labels)))
    length = len(data.seqs[0])
    changed = int((data.lengths != length).sum())
    print(f"unequal_lengths={args.unequal_lengths!r}: " + (
        f"{changed} of {len(data)} sequences padded or cropped to {length} bp" if changed
        else f"all {len(data)} sequences are {length} bp; none padded or cropped"))
    exact, revcomp = _within_duplicates(data.seqs)
    print(f"\nduplicates in the whole data: {exact} record(s) repeat an earlier sequence exactly, "
          f"{revcomp} its reverse complement")
    parts, notes = (chapter_split(data.labels, data.split, seed=args.seed) if args.chapter or data.split is not None
                    else (None, []))
    if parts is not None:
        card = leakage_card({k: [data.seqs[i] for i in ix] for k, ix in parts.items() if len(ix)},
                            {k: data.labels[ix] for k, ix in parts.items() if len(ix)})
        shown = card[card["class"].astype(str) == "all"][["query", "reference", "n", "exact", "revcomp",
                                                          "near", "any"]]
        which = "the data's own split" if data.split is not None else f"the {args.chapter} chapter's split"
        print(f"\nleakage across {which} (sequences of a split also in an earlier one):")
        print(shown.to_string(index=False))
        leaks = int(shown["any"].sum())
        if leaks:
            print(f"warning: {leaks} sequence(s) of a later split also occur in an earlier one; test scores "
                  "there measure memory. Remove them, or re-split.")
    if args.chapter:
        spec = CHAPTER_INPUTS[args.chapter]
        print(f"\nthe {args.chapter} chapter will use: {len(data):,} records, {length} bp, "
              f"{len(data.classes)} classes ({', '.join(data.classes)}); the profile's size caps may keep fewer "
              "(the chapter prints how many)")
        for line in notes:
            print(f"  {line}")
        print("  " + ", ".join(f"{k} {len(ix):,}" for k, ix in parts.items()))
        if spec.motif_collection:
            try:
                coll = motif_collection(args.motif_collection, data.extra.get("species"))
            except (SequenceError, FileNotFoundError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print(f"  motifs: {coll.name} ({len(coll.motifs):,} motifs); {coll.why}")
        print(f"  claims: {spec.untestable}")
    print("\nok: the files can be read" + (f" by the {args.chapter} chapter" if args.chapter else ""))
    return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--mirror", default=argparse.SUPPRESS,
                        help="mirror folder (default: $GENOMEBOOK_MIRROR)")
    common.add_argument("--cache", default=argparse.SUPPRESS,
                        help="download cache (default: $GENOMEBOOK_CACHE or ~/.cache/genomebook)")
    ap = argparse.ArgumentParser(prog="python -m genomebook.datasets", parents=[common],
                                 description="List, fetch and verify the real datasets of "
                                             "data/registry.yaml.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", parents=[common], help="table of datasets")
    p.add_argument("--task", help="only datasets whose task contains this text")
    p.add_argument("--scale", choices=["book", "paper"])
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("fetch", parents=[common], help="print the path of each dataset, "
                                                      "downloading if needed")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--no-download", action="store_true", help="only mirror and cache")
    p.set_defaults(func=_cmd_fetch)
    p = sub.add_parser("verify", parents=[common], help="check local copies against their "
                                                       "sha256 (exit 1 on a mismatch)")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--rehash", action="store_true", help="ignore remembered hashes")
    p.set_defaults(func=_cmd_verify)
    p = sub.add_parser("check", parents=[common],
                       help="read your labelled sequences as a chapter would, before any training "
                            "(exit 1 with the reader's message when they cannot be read)")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="a FASTA (with --labels), a sequence,label table, a folder of train/dev/test "
                        "tables or with positives.fa + negatives.fa, or class=path pairs")
    p.add_argument("--labels", metavar="TABLE", help="label table of a FASTA: name, label[, split, tss, species]")
    p.add_argument("--chapter", choices=sorted(CHAPTER_INPUTS), help="also print what this chapter will use")
    p.add_argument("--duplicate-names", choices=DUPLICATE_NAMES, default="error",
                   help="repeated FASTA names: stop (default) or rename (the chapter's duplicate_names)")
    p.add_argument("--allow-iupac", action="store_true", help="read IUPAC codes as N (the chapter's allow_iupac)")
    p.add_argument("--unequal-lengths", choices=UNEQUAL, default="error",
                   help="different lengths: stop (default), pad or crop (the chapter's unequal_lengths)")
    p.add_argument("--motif-collection", default="auto",
                   help="the chapter's motif_collection: auto, a JASPAR group or a motif file")
    p.add_argument("--n-classes", type=int, default=2, help="classes expected without --chapter (default 2)")
    p.add_argument("--seed", type=int, default=0, help="the chapter's seed (for its split; default 0)")
    p.set_defaults(func=_cmd_check)
    return ap


def main(argv: list[str] | None = None) -> int:
    """The command line of the registry (``python -m genomebook.datasets``); returns the exit code."""
    args = _parser().parse_args(argv)
    args.mirror = getattr(args, "mirror", None)
    args.cache = getattr(args, "cache", None)
    try:
        for name in getattr(args, "names", None) or []:  # registry names (fetch, verify)
            entry(name)  # unknown names fail before any work
        return args.func(args)
    except UnknownDataset as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:  # missing or malformed registry
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
