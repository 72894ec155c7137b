"""Use both cores where it pays, in forked processes (Linux; elsewhere everything runs here).

Three shapes, all deterministic (results in input order, the same as one process gives):
- map_ordered: a pool over many small items (pages), the heavy ones handed out first;
- map_halves: one child takes the second half of a list while this process does the
  first; its results can travel in a cheaper form than pickle's (builder.run.transfer);
- Background: one call computed in a child while this process goes on.
Children are forked after the parent has built everything they read, so the corpus is
shared copy-on-write instead of pickled; only results travel back.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 64          # below this, forking costs more than it saves
_TASK: Callable[[object], object] | None = None
_AFTER: Callable[[list[object]], None] | None = None


def workers() -> int:
    env = os.environ.get("GLOSSATOR_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def _run_chunk(chunk: Sequence[object]) -> list[object]:
    assert _TASK is not None
    results = [_TASK(item) for item in chunk]
    return _AFTER(results) if _AFTER is not None else results


def map_ordered(fn: Callable[[T], R], items: Sequence[T], n_workers: int | None = None,
                heavy: Callable[[T], bool] | None = None,
                after: Callable[[list[R]], list[Any]] | None = None) -> list[Any]:
    """[fn(x) for x in items], spread over forked processes when that pays.

    `heavy` marks the items that cost far more than the rest (a page listing the whole
    corpus): they are handed out first, one to a task, so that no worker is left with
    one of them at the end while the others wait. `after` is called with each task's
    results in the process that computed them, and what it returns (one value per item)
    comes back instead: a worker writes the pages it rendered and sends back only their
    names, instead of sending every page to this process to write once the pool is done.
    """
    n = workers() if n_workers is None else n_workers
    if n <= 1 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        results = [fn(x) for x in items]
        return after(results) if after is not None else results
    global _TASK, _AFTER
    _TASK, _AFTER = fn, after  # type: ignore[assignment]
    try:
        big = [i for i, x in enumerate(items) if heavy(x)] if heavy else []
        marked = set(big)
        rest = [i for i in range(len(items)) if i not in marked]
        size = -(-len(rest) // (n * 4)) or 1  # a few chunks per worker evens out uneven items
        tasks = [[i] for i in big] + [rest[k:k + size] for k in range(0, len(rest), size)]
        # A process pool that notices a worker dying (killed, out of memory): the build then
        # fails with WorkerLost instead of waiting forever for the chunk the worker held.
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
            try:
                # map: the parent unpickles finished chunks while the workers compute the next.
                parts = list(pool.map(_run_chunk, [[items[i] for i in t] for t in tasks]))
            except BrokenProcessPool as exc:
                raise WorkerLost("a worker process ended before its work was done (killed, or out of memory?)") from exc
    finally:
        _TASK = _AFTER = None
    out: list[R] = [None] * len(items)  # type: ignore[list-item]
    for task, part in zip(tasks, parts):
        for i, r in zip(task, part):
            out[i] = r  # type: ignore[assignment]
    return out


def forking() -> bool:
    """Will work be spread over forked children? (fork is unsafe in threaded processes outside Linux)"""
    return workers() > 1 and sys.platform.startswith("linux")


def map_halves(fn: Callable[[T], R], items: Sequence[T], encode: Callable[[list[R]], Any] = lambda r: r,
               decode: Callable[[Any], list[R]] = lambda r: r, cut: int | None = None) -> list[R]:
    """[fn(x) for x in items]: the second half in one forked child, the first half here.

    For work whose results are large records: the child sends its results as
    `encode(results)` and this process rebuilds them with `decode`, so records can
    travel in a form cheaper than pickle's (see builder.run.transfer). One child, not a
    pool: the parent works too, and there is one message to wait for.
    """
    if len(items) < MIN_ITEMS or not forking():
        return [fn(x) for x in items]
    if cut is None:
        cut = (len(items) + 1) // 2
    second = Background(lambda: encode([fn(x) for x in items[cut:]]))
    try:
        first = [fn(x) for x in items[:cut]]
    except BaseException:
        second.cancel()
        raise
    return first + decode(second.result())


def _child(conn: Any, fn: Callable[[], Any]) -> None:
    try:
        conn.send((True, fn()))
    except BaseException as exc:  # the parent must hear of it, not wait forever
        import traceback
        conn.send((False, "".join(traceback.format_exception(exc))))
    finally:
        conn.close()


class WorkerLost(RuntimeError):
    """A worker process died without sending its result: nothing it was making can be trusted."""


class Background:
    """fn() computed in a forked child while this process goes on; `result()` waits for it.

    Where forking is not available (or not wanted) fn runs at once, here, so callers
    need no second code path. The child is not a daemon: it may fork workers of its own.
    """

    def __init__(self, fn: Callable[[], R], enabled: bool = True) -> None:
        self._value: Any = None
        self._conn: Any = None
        self._child: Any = None
        if not enabled or not forking():
            self._value = fn()
            return
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe(duplex=False)
        self._child = ctx.Process(target=_child, args=(theirs, fn))
        self._child.start()
        theirs.close()

    def cancel(self) -> None:
        """Stop the child, if it is still working: its result is not wanted any more."""
        if self._child is not None:
            self._child.kill()
            self._child.join()
            self._child = None
            self._conn.close()

    def result(self) -> Any:
        if self._child is not None:
            try:
                ok, payload = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise WorkerLost("a worker process ended before its work was done (killed, or out of memory?)") from exc
            finally:
                self._child.join()
                self._child = None
            if not ok:
                raise RuntimeError(f"worker failed: {payload}")
            self._value = payload
        return self._value
