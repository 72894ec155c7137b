"""CPU of the render stage alone: the corpus read and linked once, then rendered several times.

stage_cpu.py runs every stage in each round; this reads and links the synthetic corpus
once and renders it `--rounds` times, in one process (GLOSSATOR_WORKERS=1) with the
collector paused as in a build, so a change to rendering can be measured in a third of
the time. The first round is the one a fresh build pays (its caches are cold: templates
compiled, initials and relative links computed); later rounds reuse process-wide caches.

    python benchmarks/render_cpu.py [--docs 1000] [--rounds 5]
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
from builder.run import pipeline  # noqa: E402
from builder.html import render  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    gc.disable()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = synth.write(Path(tmp) / "corpus", args.docs)
        settings, _ = config.load(corpus)
        linked, _ = pipeline.link(pipeline.prepare_corpus(corpus))
        times = []
        for _ in range(args.rounds):
            start = time.process_time()
            render.render(linked, settings, corpus)[0]
            times.append(time.process_time() - start)
    print(f"documents {args.docs}: render CPU seconds, median of {args.rounds} rounds {statistics.median(times):.2f} "
          f"(first {times[0]:.2f}; {', '.join(f'{t:.2f}' for t in times)}; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
