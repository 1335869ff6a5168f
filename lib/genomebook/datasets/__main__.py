"""Command line for the data registry.

    python -m genomebook.datasets list [--task T] [--scale book|paper]
    python -m genomebook.datasets fetch NAME... [--no-download]
    python -m genomebook.datasets verify [NAME...] [--rehash]

``--mirror`` and ``--cache`` (before or after the command) override ``$GENOMEBOOK_MIRROR`` and
``$GENOMEBOOK_CACHE``. Exit codes: 0 success; 1 a dataset is unavailable (fetch) or a copy
does not match its checksum (verify); 2 usage errors such as an unknown dataset name.
"""

from __future__ import annotations

import argparse
import sys

from genomebook.datasets.registry import (DataUnavailable, UnknownDataset, available, entry,
                                          fetch, load_registry, verify)


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
    return ap


def main(argv: list[str] | None = None) -> int:
    """The command line of the registry (``python -m genomebook.datasets``); returns the exit code."""
    args = _parser().parse_args(argv)
    args.mirror = getattr(args, "mirror", None)
    args.cache = getattr(args, "cache", None)
    try:
        for name in getattr(args, "names", None) or []:
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
