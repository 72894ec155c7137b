"""The kinds of job an executor (builder.run.executor) hands back for a call that runs beside
what follows: one that already ran (`Done`), one run in this process when there is time or
when asked (`Deferred`), and a stream's items gathered here, then run as one call
(`Gathered`). A forked child (builder.run.child) is the fourth kind."""

from __future__ import annotations

import threading
from typing import Any, Callable, Generic, Iterator, Protocol, Sequence, TypeVar

from builder.run.child import WorkerLost

T = TypeVar("T")
R = TypeVar("R")


class Job(Protocol[R]):
    def result(self) -> R: ...
    def cancel(self) -> None: ...


class Stream(Job[R], Protocol[T]):
    def send(self, items: Sequence[T]) -> None: ...
    def close(self) -> None: ...


class Done(Generic[R]):
    """A job that already ran."""

    def __init__(self, value: R) -> None:
        self._value = value

    def result(self) -> R:
        return self._value

    def cancel(self) -> None:
        pass


class Deferred(Generic[R]):
    """A job there was no room to fork beside the rest (builder.run.memory): it runs in this
    process, on a thread of its own while a map's forked workers are busy, or when its result
    is first asked for, whichever comes first. A failure is raised by result()."""

    def __init__(self, fn: Callable[[], R]) -> None:
        self._fn: Callable[[], R] | None = fn
        self._value: Any = None
        self._failed: BaseException | None = None
        self._cancelled = False
        self._running = threading.Lock()   # a live server asks for it on a thread of its own

    @property
    def pending(self) -> bool:
        return self._fn is not None

    def run(self) -> None:
        """Compute it now, if it has not been computed or cancelled (once, whichever thread
        asks first; another waits for it)."""
        with self._running:
            if self._fn is not None:
                try:
                    self._value = self._fn()
                except Exception as exc:  # noqa: BLE001 - kept for result(), where it is asked for
                    self._failed = exc
                self._fn = None

    def result(self) -> R:
        """Its value; WorkerLost if it was cancelled before it ran, as a cancelled Child says."""
        if self._cancelled:
            raise WorkerLost("the job was cancelled")
        self.run()
        if self._failed is not None:
            raise self._failed
        return self._value

    def cancel(self) -> None:
        """Drop it if it has not started. One that is running is waited for, and its result
        stands: it may be writing into a folder its caller removes once cancel() returns (a
        failed build's staging folder), as a cancelled child is gone when cancel() returns."""
        with self._running:
            if self._fn is not None:
                self._fn, self._cancelled = None, True


class Gathered(Generic[T, R]):
    """A stream whose items are kept here until close(), which hands fn over them to `start`
    as one call (submit's way: run here at once, deferred, or on a thread beside a map)."""

    def __init__(self, fn: Callable[[Iterator[T]], R], start: Callable[[Callable[[], R]], Job[R]]) -> None:
        self._fn, self._start = fn, start
        self._items: list[T] = []
        self._job: Job[R] | None = None

    def send(self, items: Sequence[T]) -> None:
        self._items.extend(items)

    def close(self) -> None:
        if self._job is None:
            items, self._items, fn = self._items, [], self._fn
            self._job = self._start(lambda: fn(iter(items)))

    def result(self) -> R:
        assert self._job is not None, "close() before result()"
        return self._job.result()

    def cancel(self) -> None:
        if self._job is None:
            self._job = Deferred(lambda: None)   # says WorkerLost when asked, as a cancelled child
            self._items = []
        self._job.cancel()
