"""Where the pipeline's work runs: in this process, or spread over forked processes.

Stages never fork, write or wait for one another: the pipeline hands their functions to an
executor, which decides where each call runs. Two operations, every result in input order
and the same bytes whichever executor ran them:

- `map(fn, items)`: fn over many items (documents, pages). Options say what the executor may
  do with them: `heavy` marks the items that cost far more than the rest (handed out first);
  `codec` gives a cheaper way for results to cross processes than pickle (records travel as
  plain tuples, builder.run.transfer), and the form every result is held in, whichever process
  made it (a prepared document sealed, builder.run.sealed); `keep` is called on each batch of results, and what it
  returns is the map's result instead: called where the results were made when that process
  can write where they go (a forked renderer's pages written to the staging folder by the
  process that rendered them, only their names sent back), here when it cannot (Dask);
  `done(n)` is called here, in this process, as results arrive: n more items are made (the
  n add up to len(items)), for a progress bar. It changes nothing of what the map returns.
  (A forked slice counts as it goes: its child sends how many it has made, every TICK of builder.run.child.)
- `submit(fn)`: one call that runs beside what follows (a live server's search index);
  `result()` waits for it, `cancel()` drops it. `idle`: it may take only CPU that nothing else
  wants (that index, while the author edits).
- `stream(fn)`: fn(items) beside what follows, started before its items exist: they are
  sent as they come (`send`), their end said by `close()`. A build starts its search index so,
  before the documents are prepared: forked then, the child shares almost nothing of this
  process, which is about to hold the whole corpus.

`InProcess` runs everything here, at once. `Forked` forks (Linux): children read what the
parent built copy-on-write, only results travel back. A child that dies (killed, out of
memory) makes the call fail with `WorkerLost` instead of waiting forever. A child comes to
copy most of what it shares (builder.run.memory), so `Forked` forks only while the memory
left could hold that copy: past it, a map runs here, and a job runs here while a map's
forked worker is busy (or when its result is asked for). A corpus too large for its machine
builds slower instead of being killed. The third,
builder.run.dask_executor, runs the map on a Dask cluster's workers (`glossator build --dask`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import connection
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

from builder.run.child import LOST, TICK, Child, Fed, WorkerLost, counting_to_parent, to_parent
from builder.run.jobs import Deferred, Done, Gathered, Job, Stream
from builder.run import memory
from builder.run.memory import Room

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 64          # below this, forking costs more than it saves
MIN_CHUNK = 8           # the fewest items a pool worker is handed at a time
BATCH = 256             # the results a forked slice holds as records at once (Forked._slices)


@dataclass(frozen=True)
class Codec:
    """How a batch of results crosses from a child to this process, cheaper than pickle's own way."""

    encode: Callable[[list[Any]], Any]
    decode: Callable[[Any], list[Any]]


class Executor(Protocol):
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, heavy: Callable[[T], bool] | None = None,
            codec: Codec | None = None, keep: Callable[[list[R]], list[Any]] | None = None,
            done: Callable[[int], None] | None = None) -> list[Any]: ...

    def submit(self, fn: Callable[[], R], idle: bool = False) -> Job[R]: ...

    def stream(self, fn: Callable[[Iterator[T]], R]) -> Stream[T, R]: ...


class InProcess:
    """Everything here, one call after the other."""

    workers = 1

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, heavy: Callable[[T], bool] | None = None,
            codec: Codec | None = None, keep: Callable[[list[R]], list[Any]] | None = None,
            done: Callable[[int], None] | None = None) -> list[Any]:
        if codec is not None:   # each result held as it would be had another process made it
            keep = _held(codec, keep)
        if done is None:
            if keep is None:
                return [fn(x) for x in items]
            return [kept for x in items for kept in keep([fn(x)])]   # each result kept as soon as it is made
        out: list[Any] = []
        for x in items:
            made = [fn(x)]
            out.extend(keep(made) if keep is not None else made)
            done(1)
        return out

    def submit(self, fn: Callable[[], R], idle: bool = False) -> Job[R]:
        return Done(fn())

    def stream(self, fn: Callable[[Iterator[T]], R]) -> Stream[T, R]:
        return Gathered(fn, self.submit)


def workers_wanted() -> int:
    """GLOSSATOR_WORKERS, else the cores this process may use (at most 4)."""
    env = os.environ.get("GLOSSATOR_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def default() -> Executor:
    """Forked where forking is safe and there is more than one worker, else in this process."""
    n = workers_wanted()
    if n > 1 and sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return Forked(n)
    return InProcess()


class Forked:
    """Forked processes (Linux). With a codec, a map is cut into slices, one per worker, this
    process working on the first (a little more than its share: it also decodes what the
    others send); without one, a pool hands out chunks as workers free up."""

    PARENT_SHARE = 0.54    # of a two-way cut; measured: the parent also decodes the child's half

    def __init__(self, workers: int = 2, room: Room | None = None) -> None:
        self.workers = workers
        self.room = room if room is not None else Room()
        self._deferred: list[Deferred[Any]] = []   # jobs not forked: run here while a map's workers are busy

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, heavy: Callable[[T], bool] | None = None,
            codec: Codec | None = None, keep: Callable[[list[R]], list[Any]] | None = None,
            done: Callable[[int], None] | None = None) -> list[Any]:
        if self.workers <= 1 or len(items) < MIN_ITEMS or not self.room.fits(self.workers - 1):
            return InProcess().map(fn, items, codec=codec, keep=keep, done=done)
        memory.give_back()   # before the workers fork
        if codec is not None:
            return self._slices(fn, items, codec, keep, done)
        return self._pool(fn, items, heavy, keep, done)

    def submit(self, fn: Callable[[], R], idle: bool = False) -> Job[R]:
        """fn in a child beside what follows. If the memory left could not hold the child's copy
        of this process and the copies of a map's workers after it (the pages: a map is where
        the work is, a job beside it is not worth the map's workers), a Deferred instead: run
        here, on a thread while the next map's worker renders, or when its result is asked for."""
        if not self.room.fits(children=self.workers):
            job: Deferred[R] = Deferred(fn)
            self._deferred = [*(j for j in self._deferred if j.pending), job]
            return job
        child = Child(fn, idle)
        self.room.forked(child.pid)
        return child

    def stream(self, fn: Callable[[Iterator[T]], R]) -> Stream[T, R]:
        """fn(items) in a child forked now, fed the items as they are sent; with no room for it
        (as submit), gathered here and deferred as submit defers a job."""
        if not self.room.fits(children=self.workers):
            return Gathered(fn, self.submit)
        fed: Fed[T, R] = Fed(fn)
        self.room.forked(fed.pid)
        return fed

    def _slices(self, fn: Callable[[T], R], items: Sequence[T], codec: Codec,
                keep: Callable[[list[R]], list[Any]] | None, done: Callable[[int], None] | None) -> list[Any]:
        n = len(items)
        first = round(n * (self.PARENT_SHARE if self.workers == 2 else 1 / self.workers))
        rest = n - first
        cuts = [first + rest * k // (self.workers - 1) for k in range(self.workers)]

        counted = done is not None

        def slice_of(a: int, b: int) -> Callable[[], None]:
            def run() -> None:
                # Kept, encoded and pickled BATCH results at a time, each batch sent as it is made:
                # the child holds BATCH records at most, and no bytes (at 100,000 documents it
                # held 6.2 GB as records, then 4.2 GB as bytes, until its slice was done).
                made = counting_to_parent(fn, items[a:b]) if counted else map(fn, items[a:b])
                for batch in _batched(made, BATCH):
                    to_parent(pickle.dumps(codec.encode(keep(batch) if keep is not None else batch), protocol=5))
            return run

        children = [Child(slice_of(a, b)) for a, b in zip(cuts, cuts[1:])]
        for child in children:   # a job submitted while they work leaves room for their copies
            self.room.forked(child.pid)
        theirs: list[list[Any]] = [[] for _ in children]

        def heard() -> int:
            """The children's batches that came, decoded as they come (into what this process
            holds of them: a document's metadata, its bytes shelved); how many items they made."""
            n = 0
            for child, got in zip(children, theirs):
                n += child.ticks()
                for part in child.parts():
                    got.extend(codec.decode(pickle.loads(part)))   # noqa: S301 - from our own forked child
            return n

        try:
            # this slice counted item by item, the children's as they send their counts
            made = _counted((fn(x) for x in items[:first]), done, heard)
            # This slice's results kept (a first build with a cache writes them there) while the
            # children may still be keeping theirs, not after waiting for them; held as theirs
            # are, BATCH at a time.
            out = [r for batch in _batched(made, BATCH) for r in _held(codec, keep)(batch)]
            _gather(children, done, heard)
            for child, got, a, b in zip(children, theirs, cuts, cuts[1:]):
                child.result()
                heard()
                out.extend(got)
                got.clear()
                if done is not None and b - a > child.counted:
                    done(b - a - child.counted)
        except BaseException:
            for child in children:
                child.cancel()
            raise
        return out

    def _pool(self, fn: Callable[[T], R], items: Sequence[T], heavy: Callable[[T], bool] | None,
              keep: Callable[[list[R]], list[Any]] | None, done: Callable[[int], None] | None) -> list[Any]:
        """Chunks handed out as workers free up, this process one of the workers: it takes the
        next chunk whenever the pool's are all under way, and so holds no copy of the corpus
        a forked worker would have made (a child copies every page of memory it reads)."""
        tasks = _chunks(items, heavy, self.workers)
        out: list[Any] = [None] * len(items)
        # The function reaches the workers when they fork (initializer arguments are not
        # pickled under fork): closures and the corpus they hold are shared copy-on-write.
        with ProcessPoolExecutor(self.workers - 1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_install, initargs=(fn, keep)) as pool:
            waiting: dict[Future[list[Any]], list[int]] = {}
            queue = deque(tasks)

            def hand_out() -> None:   # each pool worker one chunk at work and one in waiting
                while queue and len(waiting) < 2 * (self.workers - 1):
                    task = queue.popleft()
                    waiting[pool.submit(_run_chunk, [items[i] for i in task])] = task

            def collect(block: bool, timeout: float | None = None) -> None:
                # Each chunk's results put in their places as it comes back, in whatever order the
                # chunks finish: the map's result is the same list, in input order, either way.
                finished = wait(waiting, timeout, return_when=FIRST_COMPLETED).done if block else \
                    [f for f in waiting if f.done()]
                for future in finished:
                    task = waiting.pop(future)
                    for i, r in zip(task, future.result()):
                        out[i] = r
                    if done is not None:
                        done(len(task))
                hand_out()

            # The jobs there was no room to fork run here first, on a thread, while the workers
            # render: this thread only hands out chunks and counts them until they are done.
            helper, self._deferred = _running(self._deferred), []
            try:
                hand_out()
                for worker in multiprocessing.active_children():   # started by hand_out()
                    if worker.pid is not None and worker.pid not in self.room.shared:
                        self.room.forked(worker.pid)
                while queue or waiting:
                    if helper is not None and not helper.is_alive():
                        helper.join()
                        helper = None
                    if not queue or helper is not None:
                        collect(block=True, timeout=TICK if helper is not None else None)
                        continue
                    task = queue.popleft()
                    made = []
                    for i in task:
                        made.append(fn(items[i]))
                        if done is not None:
                            done(1)
                        if waiting:
                            collect(block=False)
                    for i, r in zip(task, keep(made) if keep is not None else made):
                        out[i] = r
                if helper is not None:
                    helper.join()
            except BrokenProcessPool as exc:
                raise WorkerLost(LOST) from exc
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return out


def _held(codec: Codec, keep: Callable[[list[R]], list[Any]] | None) -> Callable[[list[R]], list[Any]]:
    """`keep`, then the codec there and back: the results a process made for itself held in the
    form another process's reach it (a prepared document sealed: builder.run.sealed), so that a
    map's results are held alike whichever process made them."""
    return lambda made: codec.decode(codec.encode(keep(made) if keep is not None else made))


def _counted(made: Iterable[T], done: Callable[[int], None] | None, heard: Callable[[], int]) -> Iterator[T]:
    """`made`, and after each item what heard() hears from other processes; done() told of
    the item and of the items they say they made."""
    for x in made:
        yield x
        n = heard()
        if done is not None:
            done(1 + n)


def _running(jobs: list[Deferred[Any]]) -> threading.Thread | None:
    """The jobs run one after the other on a thread of their own, started; None if there are none."""
    jobs = [job for job in jobs if job.pending]
    if not jobs:
        return None
    thread = threading.Thread(target=lambda: [job.run() for job in jobs], name="deferred jobs", daemon=True)
    thread.start()
    return thread


def _batched(made: Iterable[T], n: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for x in made:
        batch.append(x)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _chunks(items: Sequence[Any], heavy: Callable[[Any], bool] | None, workers: int) -> list[list[int]]:
    """The items' positions cut into a pool's tasks: each heavy item alone, first; then chunks
    that shrink as the work runs out, so that the workers end together."""
    big = [i for i, x in enumerate(items) if heavy(x)] if heavy else []
    marked = set(big)
    rest = [i for i in range(len(items)) if i not in marked]
    tasks = [[i] for i in big]
    k = 0
    while k < len(rest):
        size = max(MIN_CHUNK, (len(rest) - k) // (2 * workers))
        tasks.append(rest[k:k + size])
        k += size
    return tasks


def _gather(children: Sequence[Child[Any]], done: Callable[[int], None] | None, heard: Callable[[], int]) -> None:
    """What the children send as it comes (heard(): their counts, the parts of their results),
    until each has sent its result (or ended)."""
    waiting = [child for child in children if not child.heard]
    while waiting:
        connection.wait([child.connection for child in waiting])
        n = heard()
        if n and done is not None:
            done(n)
        waiting = [child for child in waiting if not child.heard]


class _Installed:
    """What a pool worker runs: set in the worker, once, when it starts."""

    fn: Callable[[Any], Any] | None = None
    keep: Callable[[list[Any]], list[Any]] | None = None


def _install(fn: Callable[[Any], Any], keep: Callable[[list[Any]], list[Any]] | None) -> None:
    _Installed.fn, _Installed.keep = fn, keep


def _run_chunk(chunk: Sequence[object]) -> list[object]:
    assert _Installed.fn is not None
    results = [_Installed.fn(item) for item in chunk]
    return _Installed.keep(results) if _Installed.keep is not None else results
