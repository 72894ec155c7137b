"""Full-build benchmark: median wall time, CPU time and peak memory over several runs.

Generates a synthetic corpus (benchmarks/synth.py) of N documents, then builds it
in a fresh process per run, so each run pays imports and start-up like a user does.

    python benchmarks/build_bench.py [--docs 1000] [--runs 5] [--workers N] [--stages] [--cached] [--corpus DIR]

--corpus builds a corpus synth.py wrote before (`synth.write(DIR, N)`), for --docs N documents,
instead of generating one (100,000 documents take minutes to generate; --cached edits its sidecar).

With --cached it also measures the build cache (.glossator-cache/): a first build that fills
it, a second with nothing changed, `--runs` builds each after one sidecar edit (a quote given
to another speaker, in the middle document), and `--runs` after one note reworded there (an
edit the search index does not read), against the full build without a cache.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

ONE_RUN = r"""
import json, resource, sys, time, os
t0 = time.perf_counter()
from pathlib import Path
from builder.run import pipeline, store, digest
cache = store.Store.open(Path(sys.argv[1]), digest.code())[0] if sys.argv[3:] == ["cache"] else None
stages = {}
last = [time.perf_counter(), None]
def progress(stage, done=None, total=None):
    if done is not None:   # a count within the stage: the stage's time goes on
        return
    now = time.perf_counter()
    if last[1]:
        stages[last[1]] = now - last[0]
    last[0], last[1] = now, stage
result = pipeline.build_and_write(Path(sys.argv[1]), Path(sys.argv[2]), progress=progress, cache=cache)
now = time.perf_counter()
stages[last[1]] = now - last[0]
self_ru, kids_ru = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "ok": result.ok, "wall": now - t0, "pages": result.pages, "annotations": result.annotations,
    "cpu": self_ru.ru_utime + self_ru.ru_stime + kids_ru.ru_utime + kids_ru.ru_stime,
    "peak_mb": max(self_ru.ru_maxrss, kids_ru.ru_maxrss) / 1024, "stages": stages,
}))
sys.stdout.flush()
os._exit(0)   # as `glossator build` ends (builder.commands.cli.run): no interpreter teardown
"""


def run_once(corpus: Path, out: Path, workers: int | None, cache: bool = False) -> dict:
    env = None
    if workers is not None:
        import os

        env = {**os.environ, "GLOSSATOR_WORKERS": str(workers)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", ONE_RUN, str(corpus), str(out), *(["cache"] if cache else [])],
                          capture_output=True, text=True,
                          env=env, cwd=Path(__file__).resolve().parents[1])
    if proc.returncode != 0:
        sys.exit(f"the build failed (exit status {proc.returncode}):\n{proc.stderr[-4000:]}")
    process = time.perf_counter() - started
    written = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())   # the site's pages are on disk, not in memory
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "process": process, "bytes": written}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=None, help="processes (default: the builder's choice)")
    ap.add_argument("--stages", action="store_true", help="also print the median time of each stage")
    ap.add_argument("--cached", action="store_true", help="also measure builds with the build cache")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="a corpus synth.py wrote before, for --docs documents (generating 100,000 takes minutes)")
    args = ap.parse_args()
    cached: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus if args.corpus is not None else synth.write(Path(tmp) / "corpus", args.docs)
        runs = [run_once(corpus, Path(tmp) / "site", args.workers) for _ in range(args.runs)]
        if args.cached:
            cached = measure_cache(corpus, Path(tmp) / "site", args)
    assert all(r["ok"] for r in runs), "the synthetic corpus must build without errors"
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    peak = statistics.median(r["peak_mb"] for r in runs)
    print(f"documents {args.docs}  annotations {runs[0]['annotations']}  pages {runs[0]['pages']}  "
          f"output {runs[0]['bytes'] / 2**20:.1f} MiB")
    walls = ", ".join(f"{r['wall']:.2f}" for r in runs)
    print(f"wall  median {wall:.2f} s   (runs: {walls}; imports to the site in place)")
    processes = ", ".join(f"{r['process']:.2f}" for r in runs)
    print(f"      process median {statistics.median(r['process'] for r in runs):.2f} s   "
          f"(runs: {processes}; Python's start to its exit, as a shell waits for `glossator build`)")
    print(f"cpu   median {cpu:.2f} s   (user+sys, all processes)")
    print(f"peak  median {peak:.0f} MB  (largest resident set of any one process)")
    print(f"per document {wall / args.docs * 1000:.2f} ms")
    if args.stages:
        for stage in runs[0]["stages"]:
            print(f"  {stage:<24} {statistics.median(r['stages'][stage] for r in runs):.2f} s")
    for label, rs in cached.items():
        w = statistics.median(r["wall"] for r in rs)
        walls = ", ".join(f"{r['wall']:.2f}" for r in rs)
        print(f"cached: {label:<40} wall median {w:.2f} s  ({w / wall:.1%} of the full build; runs: {walls}); "
              f"cpu {statistics.median(r['cpu'] for r in rs):.2f} s; peak {statistics.median(r['peak_mb'] for r in rs):.0f} MB")
        if args.stages:
            print("        " + ", ".join(f"{stage} {statistics.median(r['stages'][stage] for r in rs):.2f} s"
                                         for stage in rs[0]["stages"]))


def measure_cache(corpus: Path, out: Path, args: argparse.Namespace) -> dict[str, list[dict]]:
    """The cache filled, used with nothing changed, then after one sidecar edit at a time. The
    corpus's cache is removed first (a corpus given with --corpus may hold one an earlier run
    filled): the first build is one that finds none."""
    shutil.rmtree(corpus / ".glossator-cache", ignore_errors=True)
    found = {"first build (fills the cache)": [run_once(corpus, out, args.workers, cache=True)],
             "nothing changed": [run_once(corpus, out, args.workers, cache=True)]}
    edits = []
    for n in range(args.runs):
        synth.edit_one_speaker(corpus, n)
        edits.append(run_once(corpus, out, args.workers, cache=True))
    found["one sidecar edited (a quote's speaker)"] = edits
    notes = []
    for n in range(args.runs):
        synth.edit_one_note(corpus, n)
        notes.append(run_once(corpus, out, args.workers, cache=True))
    found["one sidecar edited (a note)"] = notes
    return found


if __name__ == "__main__":
    main()
