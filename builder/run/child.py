"""A call computed in a forked child while this process goes on (Linux), its result sent
back through a pipe; a child that dies makes the call fail with `WorkerLost` instead of
waiting forever. `Fed` is such a call over items this process sends it later. The executor
(builder.run.executor) forks through them."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from functools import partial
from typing import Any, Callable, Generic, Iterator, Sequence, TypeVar

from builder.run import memory

T = TypeVar("T")
R = TypeVar("R")

TICK = 0.1              # seconds between a counting child's counts
PARENT_CHECK = 1.0      # seconds a fed child waits for items before it checks that its parent lives
LOST = "a worker process ended before its work was done (killed, or out of memory?)"


class WorkerLost(RuntimeError):
    """A worker process died without sending its result: nothing it was making can be trusted."""


class _Parent:
    """In a forked child: the end of the pipe its result goes back through."""

    conn: Any = None


def counting_to_parent(fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """In a child: fn over items, each result handed on as it is made, and how many are made
    sent to the parent as it goes (Child.ticks), every TICK seconds at most."""
    sent, made, last = 0, 0, time.monotonic()
    for x in items:
        yield fn(x)
        made += 1
        now = time.monotonic()
        if now - last >= TICK and _Parent.conn is not None:
            _Parent.conn.send(made - sent)
            sent, last = made, now


def to_parent(part: bytes) -> None:
    """In a child: a part of its result, sent now, as it is made (the parent takes it from
    Child.parts() while the child goes on): neither holds the child's whole result at once."""
    assert _Parent.conn is not None, "to_parent() is for a forked child"
    _Parent.conn.send(part)


def _child(conn: Any, fn: Callable[[], Any]) -> None:
    _Parent.conn = conn
    try:
        conn.send((True, fn()))
    except BaseException as exc:  # the parent must hear of it, not wait forever
        import traceback
        conn.send((False, "".join(traceback.format_exception(exc))))
    finally:
        conn.close()


class Child(Generic[R]):
    """fn() computed in a forked child while this process goes on. The child is not a daemon:
    it may fork workers of its own."""

    def __init__(self, fn: Callable[[], R], idle: bool = False) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe(duplex=False)
        self._child: Any = ctx.Process(target=_idle_child if idle else _child, args=(theirs, fn))
        self._child.start()
        self._pid = self._child.pid
        theirs.close()
        self._value: Any = None
        self._done = False
        self._message: Any = None     # the child's result, read early by ticks()
        self._parts: list[bytes] = []   # parts of its result it sent (to_parent), not yet taken
        self._ended = False           # ...or the end of its pipe
        self.counted = 0              # the items it said it made (ticks)

    @property
    def pid(self) -> int:
        return int(self._pid)

    @property
    def connection(self) -> Any:
        return self._conn

    @property
    def heard(self) -> bool:
        """Its result (or its end) has come: result() will not wait."""
        return self._message is not None or self._ended or self._child is None

    def ticks(self) -> int:
        """The items a counting child (a map's slice) made since last asked, and the parts of
        its result it sent, kept for parts(); never waits for the child."""
        n = 0
        while not self.heard and self._conn.poll():
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                self._ended = True   # result() says so
                break
            if isinstance(message, bytes):
                self._parts.append(message)
            elif isinstance(message, int) and not isinstance(message, bool):
                n += message
            else:
                self._message = message
        self.counted += n
        return n

    def parts(self) -> list[bytes]:
        """The parts of its result the child has sent (to_parent) and ticks() or result() read,
        in the order sent, each given once."""
        parts, self._parts = self._parts, []
        return parts

    def cancel(self) -> None:
        """Stop the child, if it is still working: its result is not wanted any more."""
        if self._child is not None:
            self._child.kill()
            self._child.join()
            self._child = None
            self._conn.close()

    def result(self) -> R:
        if not self._done:
            if self._child is None:
                raise WorkerLost("the job was cancelled")
            try:
                message = self._message
                while message is None or isinstance(message, (int, bytes)):   # counts no one asked for, parts
                    if isinstance(message, bytes):
                        self._parts.append(message)
                    message = self._conn.recv()
                ok, payload = message
            except (EOFError, OSError) as exc:
                raise WorkerLost(LOST) from exc
            finally:
                self._child.join()
                self._child = None
                self._conn.close()
            if not ok:
                raise RuntimeError(f"worker failed: {payload}")
            self._value, self._done = payload, True
        return self._value


def _idle_child(conn: Any, fn: Callable[[], Any]) -> None:
    """A child that only takes CPU nobody else wants (a live server's search index), and that
    a plain SIGTERM or SIGINT stops at once (the server's own handlers are undone first)."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError:
            pass
    _child(conn, fn)


class Fed(Generic[T, R]):
    """fn(items) computed in a forked child, the items sent to it when this process has them
    (`send`, then `close`). Forked before this process holds them, the child shares little of
    its memory, and so comes to copy little: a child forked later would keep a copy of every
    page this process writes while it lives (reading an object writes its reference count).

    The items travel through a pipe, pickled by a thread of this process's own, so that
    `send` never waits for the child to read them."""

    def __init__(self, fn: Callable[[Iterator[T]], R]) -> None:
        ctx = multiprocessing.get_context("fork")
        theirs, self._pipe = ctx.Pipe(duplex=False)
        self._child: Child[R] = Child(partial(_fed, fn, theirs, self._pipe, os.getpid()))
        theirs.close()
        self._batches: deque[list[T] | None] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._feeder = threading.Thread(target=self._feed, name="feeding a job", daemon=True)
        self._feeder.start()

    @property
    def pid(self) -> int:
        return self._child.pid

    def send(self, items: Sequence[T]) -> None:
        with self._ready:
            self._batches.append(list(items))
            self._ready.notify()

    def close(self) -> None:
        """No more items: the child's fn sees the end of them."""
        with self._ready:
            if not self._closed:
                self._closed = True
                self._batches.append(None)
                self._ready.notify()

    def result(self) -> R:
        assert self._closed, "close() before result(): the child waits for the end of its items"
        return self._child.result()

    def cancel(self) -> None:
        self._child.cancel()     # the feeder's next write fails, and it ends
        self.close()

    def _feed(self) -> None:
        while True:
            with self._ready:
                while not self._batches:
                    self._ready.wait()
                batch = self._batches.popleft()
            try:
                self._pipe.send(batch)
            except (OSError, ValueError):   # the child has ended: its result, or its loss, says why
                batch = None
            if batch is None:
                self._pipe.close()
                self._batches.clear()
                return


def _fed(fn: Callable[[Iterator[Any]], Any], pipe: Any, parents_end: Any, parent: int) -> Any:
    """In the child: fn over the items as they arrive. The items fn did not read are not read:
    the pipe is closed, and the parent's feeder, writing to a pipe no one reads, is told so
    (EPIPE) and stops. (Read to their end, a build whose search index came from the cache
    sent every document's shard for nothing: 121 MB at 10,000 documents, pickled there and
    unpickled here, 0.3 s of CPU beside linking.)"""
    parents_end.close()
    try:
        return fn(_received(pipe, parent))
    finally:
        pipe.close()
        memory.give_back()   # it lives on until the parent reads its result, which can be minutes later


def _received(pipe: Any, parent: int) -> Iterator[Any]:
    """The items as the parent sends them, until it says there are no more, or ends. (Killed,
    by the kernel when memory runs out, it says nothing, and the processes it forked later
    hold the pipe's other end open: the child would wait for ever.)"""
    while True:
        while not pipe.poll(PARENT_CHECK):
            if os.getppid() != parent:
                raise WorkerLost("the process that was sending the items ended")
        try:
            batch = pipe.recv()
        except EOFError:   # the parent ended without closing: no more items
            return
        if batch is None:
            return
        yield from batch
