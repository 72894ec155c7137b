"""CPU of each build stage alone, in one process: where a build's work goes.

build_bench.py times whole builds, whose stages overlap on two cores; this runs the
stages one after the other with every second process turned off (GLOSSATOR_WORKERS=1,
the search index's own second process included) and reports the CPU time of each,
median of several rounds, with the collector paused as in a build. CPU time is the
steadier figure on a shared machine.

    python benchmarks/stage_cpu.py [--docs 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["GLOSSATOR_WORKERS"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import synth  # noqa: E402

from builder.read import settings as config
from builder.run import pipeline
from builder.search import halves as searchparallel  # noqa: E402
from builder.html import render
from builder.search import files as search
from builder.site import staging as write  # noqa: E402


def one_round(corpus: Path, out: Path) -> dict[str, float]:
    settings, _ = config.load(corpus)
    cpu: dict[str, float] = {}

    def timed(name: str, fn):  # noqa: ANN001, ANN202
        start = time.process_time()
        value = fn()
        cpu[name] = time.process_time() - start
        return value

    prepared = timed("prepare (read, clean, anchor)", lambda: pipeline.prepare_corpus(corpus))
    linked, _ = timed("link", lambda: pipeline.link(prepared))
    files = timed("render", lambda: render.render(linked, settings, corpus)[0])
    searchparallel._ANALYZER.clear()   # every round cold, as a fresh build is
    files.update(timed("search index", lambda: search.build_index(linked, parallel=False)))
    timed("write", lambda: write.write_site(files, out))
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    gc.disable()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = synth.write(Path(tmp) / "corpus", args.docs)
        rounds = [one_round(corpus, Path(tmp) / "site") for _ in range(args.rounds)]
    print(f"documents {args.docs}, CPU seconds in one process, median of {args.rounds} rounds "
          f"(load average {os.getloadavg()[0]:.1f})")
    for stage in rounds[0]:
        values = [r[stage] for r in rounds]
        print(f"  {stage:<32} {statistics.median(values):5.2f}   ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"  {'total':<32} {statistics.median(sum(r.values()) for r in rounds):5.2f}")


if __name__ == "__main__":
    main()
