"""Suggest benchmark: `glossator suggest` over benchmarks/synth.py's corpus, in a fresh process per run.

Each run removes the previous run's annotations/*.suggested.yaml first, then times
`python -m builder suggest CORPUS -q` (read, clean, anchor, draft, write), start to exit.

    python benchmarks/suggest_bench.py --docs 1000 --runs 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = synth.write(Path(tmp) / "corpus", args.docs)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        times, cpu = [], []
        for _ in range(args.runs):
            for f in (corpus / "annotations").glob("*.suggested.yaml"):
                f.unlink()
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "builder", "suggest", str(corpus), "-q"], env=env, check=True)
            times.append(time.perf_counter() - started)
            now = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime)
        files = len(list((corpus / "annotations").glob("*.suggested.yaml")))
        print(f"{args.docs} documents: median {statistics.median(times):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)}); CPU, all processes, median {statistics.median(cpu):.2f} s; "
              f"{files} suggestion files written")


if __name__ == "__main__":
    main()
