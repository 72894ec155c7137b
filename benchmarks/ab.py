"""Compare each stage's CPU between an older commit and the working tree, runs interleaved.

On a shared machine the speed changes from minute to minute, so two benchmarks run
one after the other compare minutes, not code. This alternates the two (ABBA order),
each run in a fresh process, and reports per stage the median and the fastest run:
the fastest is the least disturbed by other processes.

    python benchmarks/ab.py [--base HEAD~1] [--docs 1000] [--runs 6]

The older commit is checked out in a temporary git worktree; both sides build the same
synthetic corpus (benchmarks/synth.py) with stage_cpu.py's one_round (one process,
collector paused), so the older commit needs a benchmarks/stage_cpu.py with one_round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402

ONE_ROUND = r"""
import json, os, sys
os.environ["GLOSSATOR_WORKERS"] = "1"
sys.path[:0] = [sys.argv[1], os.path.join(sys.argv[1], "benchmarks")]
import gc; gc.disable()
from pathlib import Path
import stage_cpu
print(json.dumps(stage_cpu.one_round(Path(sys.argv[2]), Path(sys.argv[3]))))
"""


def one_round(checkout: Path, corpus: Path, out: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    proc = subprocess.run([sys.executable, "-c", ONE_ROUND, str(checkout), str(corpus), str(out)],
                          cwd=checkout, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{checkout}: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'failed'}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="HEAD~1", help="the older commit (default HEAD~1)")
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=6)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=ROOT, check=True)
        try:
            corpus = synth.write(Path(tmp) / "corpus", args.docs)
            runs: dict[str, list[dict[str, float]]] = {"base": [], "new": []}
            for i in range(args.runs):
                order = (("base", base), ("new", ROOT)) if i % 2 == 0 else (("new", ROOT), ("base", base))
                for name, checkout in order:
                    runs[name].append(one_round(checkout, corpus, Path(tmp) / f"site-{name}"))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    print(f"documents {args.docs}, {args.runs} runs each, interleaved; CPU seconds in one process "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"  {'stage':<32} {'base median':>11} {'new median':>11} {'base fastest':>13} {'new fastest':>12}")
    stages = list(runs["base"][0])
    for stage in [*stages, "total"]:
        def values(name: str) -> list[float]:
            return [sum(r.values()) if stage == "total" else r[stage] for r in runs[name]]
        b, n = values("base"), values("new")
        change = (statistics.median(n) / statistics.median(b) - 1) * 100
        print(f"  {stage:<32} {statistics.median(b):11.2f} {statistics.median(n):11.2f} "
              f"{min(b):13.2f} {min(n):12.2f}   {change:+.0f}%")


if __name__ == "__main__":
    main()
