"""Speed benchmarks: `python benchmarks/bench.py --json` prints one JSON object of medians.

Each part of the product adds a module ``benchmarks/bench_<part>.py`` with a
``run(results: dict) -> None`` that fills in its own keys; this script runs
them in order and prints everything together. Reference figures (PyTorch eager
and the like) are measured in the same run so they compare side by side.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

# PoseLoops before any NumPy import, so OpenBLAS loads with the kernel the
# product picks (poseloops/blas_kernel.py): the bench measures what users run.
import poseloops  # noqa: E402,F401

PARTS = ("bench_model", "bench_direct", "bench_corpus", "bench_audio", "bench_seeds", "bench_server", "bench_live")


def median_ms(func: Callable[[], object], *, repeats: int = 30, warmup: int = 3) -> float:
    """Median wall time of ``func()`` in milliseconds."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return round(times[len(times) // 2], 3)


def paired_median_ms(func: Callable[[], object], reference: Callable[[], object], *, repeats: int = 20,
                     block: int = 5, settle_s: float = 0.3) -> tuple[float, float]:
    """Median wall times (ms) of ``func()`` and ``reference()``, timed in alternating blocks.

    Alternating puts both under the same load: on a shared machine, timing one after the other
    compared two moments more than two implementations. Blocks rather than single calls, with
    ``settle_s`` between them: each library's worker threads spin for a while after a call
    (OpenMP's, OpenBLAS's), and would be timed as the other's load.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(-(-repeats // block)):
        for job, found in zip((func, reference), times):
            job()  # warm: the other library ran last
            for _ in range(block):
                start = time.perf_counter()
                job()
                found.append((time.perf_counter() - start) * 1000.0)
            time.sleep(settle_s)
    return tuple(round(sorted(found)[len(found) // 2], 3) for found in times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", nargs="*", help="run only these parts (e.g. bench_model)")
    args = parser.parse_args()
    results: dict = {}
    for name in PARTS:
        if args.only and name not in args.only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        module.run(results)
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key:>24}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
