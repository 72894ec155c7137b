"""When each part of one build starts and ends: where the wall time of build_bench.py goes.

Wraps the stage functions with timers and runs one full build (search index and
writing included) of a synthetic corpus, printing for each part its process, start
and end (seconds since this script started, imports included):

    python benchmarks/build_timeline.py [--docs 1000] [--runs 2] [--sync]

--sync flushes the file system before each build, so the previous build's writes are
not still going to disk while this one creates its files (back-to-back builds, as in
build_bench.py, pay some of that).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import synth  # noqa: E402

from builder.run import executor as parallel, pipeline  # noqa: E402
from builder.html import render
from builder.search import files as search
from builder.site import staging as write  # noqa: E402

IMPORTED = time.perf_counter() - T0


def timed(module: Any, name: str, label: str | None = None) -> None:
    fn: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            end = time.perf_counter()
            print(f"  [{os.getpid()}] {label or name:<22} {start - T0:6.3f} → {end - T0:6.3f}  ({end - start:.3f} s)",
                  flush=True)

    setattr(module, name, wrapper)


def main() -> None:
    global T0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--sync", action="store_true", help="flush the file system before each build")
    args = ap.parse_args()
    timed(pipeline, "prepare_corpus", "prepare (2 processes)")
    timed(pipeline, "link")
    timed(search, "build_index", "search index (child)")
    timed(render, "render", "render (workers)")
    timed(parallel.Background, "result", "wait for a forked child")
    timed(write, "swap", "swap in, delete old")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = synth.write(Path(tmp) / "corpus", args.docs)
        for run in range(args.runs):
            if args.sync:
                os.sync()
            T0 = time.perf_counter() - IMPORTED     # as if this build's process had just started
            print(f"run {run + 1}: imports {IMPORTED:.3f} s")
            result = pipeline.build_and_write(corpus, Path(tmp) / "site")
            assert result.ok
            print(f"  total {time.perf_counter() - T0:.3f} s")


if __name__ == "__main__":
    main()
