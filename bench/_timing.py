"""Timing helper shared by the benchmarks (scripts in this folder import it as a sibling)."""

import time


def best_of(fn, repeats: int):
    """(result, best wall time in s) of calling fn() `repeats` times."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best
