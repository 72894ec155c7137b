"""CPU of each step of the search index build, in one process: where build_index's time goes.

stage_cpu.py gives the index one figure; this splits it into the steps of
searchparallel.in_two run one after the other (catalogue, count, statistics,
fragments, assemble, store files, vocabulary, shard files), median of several
rounds, each cold (the word → term cache emptied first, as in a fresh build).
Timings on a shared machine are noisy: compare two versions by running this
script from each worktree in turn, several times.

    python benchmarks/search_phases.py [--docs 1000] [--rounds 3] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import synth  # noqa: E402

from builder.read import settings as config
from builder.run import pipeline
from builder.search import halves as searchparallel, lunr_index as searchindex  # noqa: E402
from builder.search.catalogue import BOOSTS, catalogue  # noqa: E402
from builder.search import files as search  # noqa: E402

T = TypeVar("T")


def one_round(linked: object) -> dict[str, float]:
    cpu: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        start = time.process_time()
        value = fn()
        cpu[name] = time.process_time() - start
        return value

    searchparallel._ANALYZER.clear()
    fields = tuple(BOOSTS)
    cat = timed("catalogue", lambda: catalogue(linked))  # type: ignore[arg-type]
    a, b = searchparallel.halves(cat.items)
    counted = timed("count", lambda: [searchparallel._count(cat.items, h, fields) for h in (a, b)])
    the_plan, idf_of, averages = timed("statistics, plan", lambda: searchparallel._statistics(
        counted, len(cat.items), search.SHARD_BYTES))
    parts = timed("fragments", lambda: [searchindex.fragments(c, cat.items, BOOSTS, the_plan, idf_of, averages)
                                        for c in counted])
    shards = timed("assemble", lambda: searchindex.assemble(the_plan, fields, parts))
    timed("store files", lambda: [search._add({}, "s", i, text)
                                  for i, text in enumerate(search._stores(cat, search.STORE_BYTES)[1])])
    timed("vocabulary", lambda: search.front_code(the_plan))
    timed("shard files", lambda: [search._add({}, "t", i, text) for i, text in enumerate(shards)])
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000, help="size of the synthetic corpus (stage_cpu.py's)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpus", type=Path, help="an existing corpus instead (e.g. one search_bench.py --keep wrote)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or synth.write(Path(tmp) / "corpus", args.docs)
        linked, _ = pipeline.check(corpus, config.load(corpus)[0])
    gc.disable()   # as in a build (collector.paused)
    rounds = [one_round(linked) for _ in range(args.rounds)]
    print(f"{args.corpus or f'{args.docs} synthetic documents'}: CPU seconds, median of {args.rounds} rounds")
    for step in rounds[0]:
        values = [r[step] for r in rounds]
        print(f"  {step:<20} {statistics.median(values):5.2f}   ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"  {'total':<20} {statistics.median(sum(r.values()) for r in rounds):5.2f}")


if __name__ == "__main__":
    main()
