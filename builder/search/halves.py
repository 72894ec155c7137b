"""Build the index shards in two halves, on two cores when it pays.

The items are split in two (documents and their quotes stay together, so a quote
is tokenised with its document); each half is counted, the counts merged into one
vocabulary and one set of idf and field-length statistics, and each half then
weighs its own postings. The halves are combined the same way whether they ran in
two processes or one after the other, so the output never depends on the machine.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import Counter
from typing import Callable, Mapping, Sequence

from builder.run.executor import WorkerLost
from builder.search.lunr_index import Counted, Fragments, Item, Plan, assemble, count, fragments, idf, plan
from builder.search.words import Analyzer

PARALLEL_FROM = 4000     # items; below this a second process costs more than it saves
_ANALYZER = Analyzer()   # word → term, kept across builds: `serve` rebuilds skip the stemming


FIRST_SHARE = 0.45       # of the text, for the main process, which also assembles the files afterwards


def halves(items: Sequence[Item]) -> tuple[list[int], list[int]]:
    """Item numbers of each half: documents split by text size, quotes follow their document."""
    containers = [n for n, i in enumerate(items) if not i.within]
    sizes = [len(items[n].fields.get("text", "")) for n in containers]
    half, acc, cut = sum(sizes) * FIRST_SHARE, 0, len(containers)
    for k, size in enumerate(sizes):
        if acc >= half:
            cut = k
            break
        acc += size
    first = set(containers[:cut])
    a = [n for n, i in enumerate(items) if (i.within[0] if i.within else n) in first]
    b = [n for n, i in enumerate(items) if (i.within[0] if i.within else n) not in first]
    return a, b


def _count(items: Sequence[Item], numbers: Sequence[int], fields: Sequence[str]) -> Counted:
    if len(_ANALYZER) > 2_000_000:
        _ANALYZER.clear()
    return count([items[n] for n in numbers], fields, _ANALYZER, numbers=numbers)


def _statistics(parts: Sequence[Counted], n_items: int, shard_bytes: int) -> tuple[Plan, dict[str, float], list[float]]:
    df: Counter[str] = Counter()
    for p in parts:
        df.update(p.df)
    totals = [sum(p.totals[f] for p in parts) for f in range(len(parts[0].totals))]
    return plan(df, shard_bytes, n_items), idf(df, n_items), [t / n_items if n_items else 0.0 for t in totals]


def _child(conn, items, numbers, fields, boosts) -> None:  # noqa: ANN001 - a multiprocessing Connection
    counted = _count(items, numbers, fields)
    conn.send((counted.df, counted.totals))
    the_plan, idf_of, averages = conn.recv()
    conn.send(fragments(counted, items, boosts, the_plan, idf_of, averages))
    conn.close()


def in_two(items: Sequence[Item], fields: Sequence[str], boosts: Mapping[str, float],
           shard_bytes: int, parallel: bool | None = None,
           meanwhile: Callable[[Plan], object] | None = None) -> tuple[Plan, list[str]]:
    """The plan and the shards' JSON; `parallel` None means: two processes if it pays (Linux only).

    `meanwhile(plan)` is called once the plan is known, in the main process while the
    forked half finishes (it has the bigger share): other work of the caller's fits there.
    """
    a, b = halves(items)
    if parallel is None:
        parallel = len(items) >= PARALLEL_FROM
    if parallel and sys.platform.startswith("linux"):     # fork is unsafe in threaded processes elsewhere (macOS)
        ctx = multiprocessing.get_context("fork")
        mine, theirs = ctx.Pipe()
        child = ctx.Process(target=_child, args=(theirs, items, b, fields, boosts), daemon=True)
        child.start()
        try:
            counted_a = _count(items, a, fields)
            df_b, totals_b = mine.recv()
            counted_b = Counted(tuple(fields), [], df_b, totals_b)
            the_plan, idf_of, averages = _statistics([counted_a, counted_b], len(items), shard_bytes)
            mine.send((the_plan, idf_of, averages))
            frag_a = fragments(counted_a, items, boosts, the_plan, idf_of, averages)
            if meanwhile:
                meanwhile(the_plan)
            frag_b: Fragments = mine.recv()
        except (EOFError, OSError) as exc:
            raise WorkerLost("a worker process ended before its work was done (killed, or out of memory?)") from exc
        finally:
            child.join()
        return the_plan, assemble(the_plan, fields, [frag_a, frag_b])
    counted = [_count(items, a, fields), _count(items, b, fields)]
    the_plan, idf_of, averages = _statistics(counted, len(items), shard_bytes)
    parts = [fragments(c, items, boosts, the_plan, idf_of, averages) for c in counted]
    if meanwhile:
        meanwhile(the_plan)
    return the_plan, assemble(the_plan, fields, parts)
