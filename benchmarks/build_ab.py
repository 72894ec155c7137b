"""Whole builds of two commits, interleaved: wall time, CPU and peak memory of `glossator build`.

On a shared 2-core machine the speed changes from minute to minute, so two benchmarks run
one after the other compare minutes, not code. This runs the command line of an older
commit (checked out in a temporary git worktree) and of the working tree in turn (ABBA
order), each in a fresh process on the same synthetic corpus (benchmarks/synth.py), and
reports the median and fastest run of each. It goes through the command line only, so
it compares any two commits whatever their internal layout.

    python benchmarks/build_ab.py [--base HEAD~1] [--docs 1000] [--runs 6] [--cached]

With --cached it compares rebuilds after one edit instead: each side builds its own copy of
the corpus with the build cache (a first build fills it), then each run makes one sidecar edit
(synth.edit_one_speaker, or with --edit note synth.edit_one_note: the same change on both
sides, in turn) and builds again. With --edit first, each run removes the side's cache first:
a first build, which fills the cache (what a fresh clone's build pays).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402

ONE = r"""
import os, resource, subprocess, sys, time, json
t = time.perf_counter()
# From the side's own folder: `python -m` puts the working folder first on sys.path, ahead of
# PYTHONPATH, so run anywhere else it would import whichever `builder` that folder holds.
proc = subprocess.run([sys.executable, "-m", "builder", "build", sys.argv[1], "-o", sys.argv[2], "-q", "--force", *sys.argv[4:]],
                      env={**os.environ, "PYTHONPATH": sys.argv[3]}, capture_output=True, text=True, cwd=sys.argv[3])
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": proc.returncode, "err": proc.stderr[-2000:], "wall": wall,
                  "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": ru.ru_maxrss / 1024}))
"""


def one(tree: Path, corpus: Path, out: Path, cached: bool = False) -> dict:
    # Whole builds, each from nothing: without the build cache where the side has one (unless `cached`).
    no_cache = ["--no-cache"] if "--no-cache" in (tree / "builder" / "commands" / "cli.py").read_text("utf-8") else []
    proc = subprocess.run([sys.executable, "-c", ONE, str(corpus), str(out), str(tree), *([] if cached else no_cache)],
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    if data["code"] != 0:
        raise SystemExit(f"the build in {tree} failed:\n{data['err']}")
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="HEAD~1", help="the older commit (default HEAD~1)")
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=6, help="runs of each side (default 6)")
    ap.add_argument("--corpus", type=Path, help="a corpus folder to use instead of a generated one")
    ap.add_argument("--cached", action="store_true", help="rebuilds after one sidecar edit, with the build cache")
    ap.add_argument("--edit", choices=[*sorted(synth.EDITS), "first"], default="speaker",
                    help="with --cached: the edit made before each rebuild (default: a quote's speaker); "
                         "first: the cache removed instead, a first build timed")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="glossator-build-ab-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=ROOT, check=True)
        try:
            corpus = args.corpus or synth.write(work / "corpus", docs=args.docs)
            sides = {"base": base, "tree": ROOT}
            corpora = {name: corpus for name in sides}
            if args.cached:   # a copy each, for a cache each: the two sides' code differs
                for name in sides:
                    corpora[name] = work / f"corpus-{name}"
                    shutil.copytree(corpus, corpora[name], ignore=shutil.ignore_patterns(".glossator-cache"))
                    one(sides[name], corpora[name], work / f"site-{name}", cached=True)
            runs: dict[str, list[dict]] = {name: [] for name in sides}
            order = ["base", "tree", "tree", "base"]
            for n in range(args.runs * 2):
                name = order[n % 4]
                if args.cached and args.edit == "first":
                    shutil.rmtree(corpora[name] / ".glossator-cache")
                elif args.cached:
                    synth.EDITS[args.edit](corpora[name], len(runs[name]))
                runs[name].append(one(sides[name], corpora[name], work / f"site-{name}", cached=args.cached))
                print(f"{name:5} wall {runs[name][-1]['wall']:.2f} s", file=sys.stderr)
            for name in sides:
                walls = [r["wall"] for r in runs[name]]
                print(f"{name} ({args.base if name == 'base' else 'working tree'}): wall median "
                      f"{statistics.median(walls):.2f} s, fastest {min(walls):.2f} s, "
                      f"CPU median {statistics.median(r['cpu'] for r in runs[name]):.2f} s, "
                      f"peak {max(r['peak_mb'] for r in runs[name]):.0f} MB")
            ratio = statistics.median(r["wall"] for r in runs["tree"]) / statistics.median(r["wall"] for r in runs["base"])
            print(f"working tree / base, wall medians: {ratio:.3f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
