"""Where the work runs, over a Dask cluster: the per-document map on its workers, the rest here.

`glossator build --dask ADDRESS` connects to a running `dask.distributed` scheduler;
`--dask local` starts a LocalCluster on this machine (one worker process per core,
GLOSSATOR_WORKERS of them if set). The pipeline does not change: it hands this executor what
it hands the others (builder.run.executor), and the output is the same bytes.

- `map(fn, items)`: `fn` is sent once (scattered: for the prepare step, the entity table it
  anchors with; for the pages, the linked corpus, the settings and the templates' text, see
  Site and Look's `__reduce__`), the items in chunks, as data: the documents' text as
  CorpusFiles read it here, never a path a worker would have to open. Results come back in
  the codec's cheaper form when there is one, and `keep` runs here, on each chunk as it
  arrives: a worker cannot write into this machine's staging folder, so the pages it
  renders travel back and this process writes them. `done` counts each chunk as it arrives.
- `submit(fn)`: the global steps (the search index, the data exports) stay here, each in a
  thread beside the map; they write into the staging folder themselves, as a forked job does.
- Failures: problems of the corpus are diagnostics, values like any other result, so a
  build reports the same lines whatever ran it; a function that raises on a worker raises
  the same exception here. A worker that dies is Dask's to handle: the scheduler runs its
  tasks again elsewhere, up to `distributed.scheduler.allowed-failures` times (3 unless
  configured), and only then does the map fail, with WorkerLost.

Dask is optional (`pip install 'glossator[dask]'`): this module imports it only in
`connect`, which says how to install it when it is missing.
"""

from __future__ import annotations

import logging
import pickle
import threading
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Generic, Iterator, Sequence, TypeVar

from builder import __version__
from builder.run import collector
from builder.run.executor import Codec, WorkerLost, workers_wanted
from builder.run.jobs import Gathered, Job, Stream

T = TypeVar("T")
R = TypeVar("R")

INSTALL = "pip install 'glossator[dask]'"
LOCAL = "local"             # --dask local: a LocalCluster on this machine
CHUNK = 128                 # the most items in one task: results stream back, a lost worker loses little
TASKS_PER_THREAD = 4        # at least: chunks of uneven cost even out
WAIT_FOR_WORKERS = 120.0    # seconds a scheduler with no worker yet is given to get one


class Unavailable(RuntimeError):
    """--dask cannot be used: Dask is not installed here, or the scheduler cannot be reached,
    or its workers cannot run this version of Glossator. The message says which, in one line."""


@contextmanager
def connect(address: str) -> Iterator[Dask]:
    """An executor on the scheduler at `address` (tcp://host:8786, or a scheduler file's
    path), or on a LocalCluster started here for `local`; closed (the cluster stopped) after."""
    try:
        import distributed
    except ImportError:
        raise Unavailable(f"--dask needs Dask, which is not installed here: {INSTALL}") from None
    with ExitStack() as stack:
        try:
            if address == LOCAL:
                target: Any = stack.enter_context(distributed.LocalCluster(
                    n_workers=workers_wanted(), threads_per_worker=1, processes=True,
                    dashboard_address=":0", silence_logs=logging.CRITICAL))
            elif address.endswith(".json"):
                target = None
            else:
                target = address
            client = stack.enter_context(distributed.Client(
                target, scheduler_file=address if target is None else None, set_as_default=False))
        except (OSError, TimeoutError, ValueError) as exc:
            raise Unavailable(f"cannot reach a Dask scheduler at {address}: {exc}") from None
        check_workers(client, address)
        yield Dask(client)


def check_workers(client: Any, address: str) -> None:
    """Unavailable unless the scheduler and every worker run this Glossator (the scheduler
    reads the tasks, which name its functions; the workers run them), and there is a worker."""
    try:
        on_scheduler = client.run_on_scheduler(glossator_version)
    except Exception as exc:   # a scheduler that cannot import builder fails to read the function itself
        on_scheduler = f"none that works ({type(exc).__name__}: {exc})"
    if on_scheduler != __version__:
        raise Unavailable(f"the Dask scheduler at {address} must run glossator {__version__}, as this machine "
                          f"does, and has {on_scheduler}: install it beside the scheduler too")
    try:
        client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
    except TimeoutError:
        raise Unavailable(f"the Dask scheduler at {address} has no worker "
                          f"(waited {WAIT_FOR_WORKERS:.0f} s): start workers first") from None
    versions = {worker: f"none that works ({type(got).__name__}: {got})" if isinstance(got, BaseException) else got
                for worker, got in client.run(glossator_version, on_error="return").items()}
    other = sorted(f"{worker} has {version}" for worker, version in versions.items() if version != __version__)
    if other:
        raise Unavailable(f"every Dask worker must run glossator {__version__}, as this machine does: "
                          + "; ".join(other))


def glossator_version() -> str:
    """Run on each worker: the Glossator it imports."""
    return __version__


class Dask:
    """The map on a Dask cluster's workers, the jobs beside it in this process."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, heavy: Callable[[T], bool] | None = None,
            codec: Codec | None = None, keep: Callable[[list[R]], list[Any]] | None = None,
            done: Callable[[int], None] | None = None) -> list[Any]:
        from distributed import KilledWorker, as_completed

        if not items:
            return keep([]) if keep is not None else []
        tasks, first = chunks(items, heavy, self.workers)
        # On every worker: one that dies then leaves a copy for the tasks Dask gives the others.
        sent = self.client.scatter(pickled(fn), hash=False, broadcast=True)
        futures = [self.client.submit(run_chunk, sent.key, sent, [items[i] for i in task],
                                      codec.encode if codec is not None else None,
                                      pure=False, priority=1 if n < first else 0)
                   for n, task in enumerate(tasks)]
        task_of = {future.key: task for future, task in zip(futures, tasks)}
        out: list[Any] = [None] * len(items)
        try:
            for future, part in as_completed(futures, with_results=True, loop=self.client.loop):
                if future.status == "cancelled":   # what it needed went with the workers that held it
                    raise WorkerLost(f"the Dask scheduler dropped a task ({type(part).__name__}: {part}): "
                                     f"its workers were lost (killed, or out of memory?)")
                made = codec.decode(part) if codec is not None else part
                for i, result in zip(task_of[future.key], keep(made) if keep is not None else made):
                    out[i] = result
                if done is not None:
                    done(len(task_of[future.key]))
        except KilledWorker as exc:
            raise WorkerLost(f"Dask gave up on a task after its workers died ({exc}): killed, or out of memory? "
                             f"(distributed.scheduler.allowed-failures sets how often it tries again)") from exc
        finally:
            self.client.cancel([*futures, sent])
        return out

    def submit(self, fn: Callable[[], R], idle: bool = False) -> Job[R]:
        return Beside(fn)

    def stream(self, fn: Callable[[Iterator[T]], R]) -> Stream[T, R]:
        """Gathered here, then on a thread beside the map, as submit (the global steps stay here)."""
        return Gathered(fn, self.submit)


def chunks(items: Sequence[T], heavy: Callable[[T], bool] | None, threads: int) -> tuple[list[list[int]], int]:
    """The items' positions cut into tasks: each heavy item alone, first (their number is
    the second value); the rest in runs of at most CHUNK, at least TASKS_PER_THREAD per
    worker thread."""
    big = [i for i, x in enumerate(items) if heavy(x)] if heavy is not None else []
    marked = set(big)
    rest = [i for i in range(len(items)) if i not in marked]
    size = max(1, min(CHUNK, -(-len(rest) // (threads * TASKS_PER_THREAD))))
    return [[i] for i in big] + [rest[k:k + size] for k in range(0, len(rest), size)], len(big)


def pickled(fn: Callable[[Any], Any]) -> bytes:
    """The map's function as bytes, made once here. Scattered as an object, it would be kept
    as one by the first worker, which would pickle it again for each of its peers (the
    linked corpus: seconds each time); bytes go from worker to worker as they are.
    cloudpickle, as Dask itself: a lambda, or a function of a script, travels by value."""
    import cloudpickle

    return cloudpickle.dumps(fn, protocol=pickle.HIGHEST_PROTOCOL)


_LOADED: dict[str, Callable[[Any], Any]] = {}   # on a worker: the functions of the last maps, by key
_LOADING = threading.Lock()


def run_chunk(key: str, blob: bytes, chunk: Sequence[Any], encode: Callable[[list[Any]], Any] | None) -> Any:
    """On a worker: fn over one chunk, in its wire form when there is one. fn is unpickled
    once per worker process and map (a worker with several threads loads it once)."""
    with collector.paused():
        with _LOADING:
            fn = _LOADED.get(key)
            if fn is None:
                while len(_LOADED) >= 2:   # a map's chunks come together: older maps are done
                    del _LOADED[next(iter(_LOADED))]
                fn = _LOADED[key] = pickle.loads(blob)
        made = [fn(x) for x in chunk]
        return encode(made) if encode is not None else made


class Beside(Generic[R]):
    """fn() in a thread of this process while the map runs on the cluster (a global step)."""

    def __init__(self, fn: Callable[[], R]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name="glossator-beside", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], R]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:   # raised again by result(), in the thread that asks
            self._error = exc

    def result(self) -> R:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> None:
        """A thread cannot be stopped: wait for it, so that nothing is still writing into a
        staging folder when the build removes it."""
        self._thread.join()
