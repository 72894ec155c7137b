"""`glossator build` against `glossator build --dask local`: time, CPU, memory, and what travels.

Generates a synthetic corpus (benchmarks/synth.py) of N documents, then runs the two
commands in turn, each in a fresh process as a user would (the Dask run includes starting
and stopping its LocalCluster), and checks that they write the same bytes. Then, in this
process, what a Dask build sends to its workers and gets back.

    python benchmarks/dask_bench.py [--docs 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
import synth  # noqa: E402


def run_once(corpus: Path, out: Path, dask: bool) -> dict[str, float]:
    """One `glossator build`: wall time, CPU of it and of every process it started (waited
    for: a LocalCluster's nannies and workers too), and the peak memory of the largest."""
    import os

    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", str(corpus), "--out", str(out), "-q",
                             *(["--dask", "local"] if dask else [])], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, f"the build failed: exit {proc.returncode}"
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def travels(corpus: Path) -> dict[str, int]:
    """The bytes a Dask build sends and receives, step by step, pickled as the executor does
    (the function once per worker; the items and results once)."""
    from builder.run import dask_executor, pipeline
    from builder.run.executor import InProcess

    sizes: dict[str, int] = {}

    class Counting(InProcess):
        """Runs here, counting what the Dask executor would pickle for each map."""

        def map(self, fn, items, *, heavy=None, codec=None, keep=None):  # noqa: ANN001, ANN201
            made = [fn(x) for x in items]
            step = "prepare" if codec is not None else "pages"
            sizes[f"{step}: the function, to each worker"] = len(dask_executor.pickled(fn))
            sizes[f"{step}: the items, to the workers"] = len(pickle.dumps(list(items), protocol=5))
            back = codec.encode(made) if codec is not None else made
            sizes[f"{step}: the results, back"] = len(pickle.dumps(back, protocol=5))
            return keep(made) if keep is not None else made

    pipeline.build(corpus, executor=Counting())
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = synth.write(Path(tmp) / "corpus", args.docs)
        runs: dict[str, list[dict[str, float]]] = {"local": [], "dask": []}
        for _ in range(args.runs):   # interleaved: a machine that gets busier slows both alike
            for kind in runs:
                runs[kind].append(run_once(corpus, Path(tmp) / kind, kind == "dask"))
        same = files_of(Path(tmp) / "local") == files_of(Path(tmp) / "dask")
        sizes = travels(corpus)
    print(f"documents {args.docs}, {args.runs} runs each, interleaved; the same bytes written: {same}")
    for kind, label in (("local", "glossator build"), ("dask", "glossator build --dask local")):
        r = runs[kind]
        walls = ", ".join(f"{x['wall']:.1f}" for x in r)
        print(f"{label:30} wall median {statistics.median(x['wall'] for x in r):6.2f} s (runs {walls})  "
              f"CPU {statistics.median(x['cpu'] for x in r):6.2f} s  "
              f"peak {statistics.median(x['peak_mb'] for x in r):5.0f} MB (largest process)")
    print("what travels (pickled):")
    for what, size in sizes.items():
        print(f"  {what:42} {size / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
