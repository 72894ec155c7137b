"""The executor: where the pipeline's work runs. In this process or forked, the same results in
the same order, and a parallel build equals a serial one, file for file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.run.child import Child, to_parent
from builder.run.executor import MIN_ITEMS, Codec, Forked, InProcess, WorkerLost

ROOT = Path(__file__).resolve().parents[1]
EXECUTORS = [InProcess(), Forked(2)]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux's")


@pytest.mark.parametrize("executor", EXECUTORS, ids=["in-process", "forked"])
def test_map_keeps_input_order(executor: object) -> None:
    items = list(range(500))
    assert executor.map(lambda x: x * x, items) == [x * x for x in items]
    assert executor.map(lambda x: x, []) == []
    assert executor.map(lambda x: -x, items, heavy=lambda x: x % 7 == 0) == [-x for x in items]


@linux_only
def test_a_map_with_a_codec_cuts_slices_and_decodes_the_childs() -> None:
    items = list(range(MIN_ITEMS * 3))
    sent: list[int] = []
    codec = Codec(lambda r: [-v for v in r], lambda r: sent.append(len(r)) or [-v for v in r])
    assert Forked(2).map(lambda x: x * x, items, codec=codec) == [x * x for x in items]
    mine = round(len(items) * Forked.PARENT_SHARE)
    # this process's slice held as the child's is, BATCH at a time; the child's decoded as it arrives
    assert sorted(sent) == sorted([mine, len(items) - mine]), "each slice goes through the codec"
    sent.clear()
    assert InProcess().map(lambda x: x * x, items, codec=codec) == [x * x for x in items]
    assert sent == [1] * len(items), "each result held as the codec decodes it, as it is made"


@linux_only
def test_a_child_sends_its_result_in_parts_as_it_makes_them() -> None:
    parts = [bytes([i]) * 200_000 for i in range(3)]   # each more than a pipe holds

    def run() -> str:
        for part in parts:
            to_parent(part)
        return "sent"

    child = Child(run)
    assert child.result() == "sent" and child.parts() == parts and child.parts() == []


@linux_only
@pytest.mark.parametrize("codec", [None, Codec(list, list)], ids=["pool", "slices"])
def test_a_failing_worker_is_reported_instead_of_waited_for(codec: Codec | None) -> None:
    items = list(range(MIN_ITEMS * 2))

    def fails_late(x: int) -> int:
        if x == items[-1]:
            raise ValueError("broken document")
        return x

    with pytest.raises((RuntimeError, ValueError), match="broken document"):
        Forked(2).map(fails_late, items, codec=codec)


@linux_only
def test_a_worker_killed_mid_map_fails_the_map() -> None:
    items = list(range(MIN_ITEMS * 2))
    parent = os.getpid()

    def dies(x: int) -> int:   # in a child only: this process works on the map too
        if os.getpid() != parent and x in (items[0], items[-1]):
            os.kill(os.getpid(), 9)
        return x

    with pytest.raises(WorkerLost):
        Forked(2).map(dies, items)
    with pytest.raises(WorkerLost):
        Forked(2).map(dies, items, codec=Codec(list, list))


@linux_only
def test_this_process_is_one_of_the_pools_workers() -> None:
    """A pool's map forks one worker fewer than it has: this process takes chunks too, and
    holds no copy of what a forked worker would have copied by reading it."""
    parent = os.getpid()
    items = list(range(MIN_ITEMS * 8))

    def where(x: int) -> tuple[int, int]:
        time.sleep(0.001)
        return x, os.getpid()

    made = Forked(2).map(where, items, heavy=lambda x: x % 50 == 0)
    assert [x for x, _ in made] == items
    pids = {pid for _, pid in made}
    assert parent in pids and len(pids) == 2, "this process and one forked worker"


@linux_only
def test_a_job_runs_beside_and_returns_its_result_or_its_failure() -> None:
    parent = os.getpid()
    assert Forked(2).submit(os.getpid).result() != parent, "computed in a child"
    assert InProcess().submit(os.getpid).result() == parent

    def broken() -> None:
        raise ValueError("index exploded")

    with pytest.raises(RuntimeError, match="index exploded"):
        Forked(2).submit(broken).result()


@linux_only
@pytest.mark.parametrize("idle", [False, True])
def test_a_cancelled_job_is_stopped_at_once(idle: bool) -> None:
    job = Forked(2).submit(lambda: time.sleep(60), idle=idle)
    child = job._child
    started = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - started < 5
    assert child is not None and not child.is_alive()
    with pytest.raises(WorkerLost):
        job.result()


@linux_only
def test_an_idle_job_ends_at_once_on_sigterm() -> None:
    """A live server turns SIGTERM into KeyboardInterrupt; its idle child, at the lowest
    priority, must not inherit that: on a busy machine the Python handler could wait seconds
    for the CPU, and the server waits for the child when it stops."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        job = Forked(2).submit(lambda: time.sleep(30), idle=True)
        time.sleep(0.5)
        job._child.terminate()
        job._child.join(10)
        code = job._child.exitcode
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == -signal.SIGTERM      # killed by the signal, not a KeyboardInterrupt (exit code 1)


@linux_only
def test_a_slice_that_fails_here_stops_the_children() -> None:
    import multiprocessing

    items = list(range(MIN_ITEMS * 2))

    def slow_child_broken_parent(x: int) -> int:
        if x == 0:
            raise ValueError("the first slice broke")
        if x >= len(items) // 2 + 10:
            time.sleep(60)
        return x

    started = time.perf_counter()
    with pytest.raises(ValueError, match="first slice broke"):
        Forked(2).map(slow_child_broken_parent, items, codec=Codec(list, list))
    assert time.perf_counter() - started < 10
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("executor", EXECUTORS, ids=["in-process", "forked"])
def test_keep_sees_every_result_once_in_the_process_that_made_it(tmp_path: Path, executor: object) -> None:
    """`keep` runs where the results were made (a worker writes its own pages), and what it
    returns comes back in their place (the pages' names, not the pages)."""
    items = list(range(MIN_ITEMS * 3))

    def keep(results: list[tuple[int, int]]) -> list[tuple[int, int]]:
        for x, pid in results:
            assert pid == os.getpid()
            (tmp_path / f"{x}.{pid}").write_text("")
        return [(x, pid) for x, pid in results]

    out = executor.map(lambda x: (x, os.getpid()), items, heavy=lambda x: x == 5, keep=keep)
    assert [x for x, _ in out] == items
    written = sorted((int(p.name.split(".")[0]), int(p.name.split(".")[1])) for p in tmp_path.iterdir())
    assert written == sorted(out)
    assert executor.map(lambda x: x * 2, items, keep=lambda done: [str(x) for x in done]) == [str(x * 2) for x in items]
    made_by = {pid for _, pid in out}
    if isinstance(executor, Forked):
        assert os.getpid() in made_by and len(made_by) == 2, "forked: a worker and this process"
    else:
        assert made_by == {os.getpid()}


@linux_only
@pytest.mark.parametrize("counted", [False, True], ids=["uncounted", "counted"])
def test_a_slice_is_kept_here_while_the_children_keep_theirs(tmp_path: Path, counted: bool) -> None:
    """A map cut into slices (with a codec) keeps this process's slice before it waits for
    the children's: a first build with a cache writes both slices' results at once, instead
    of one after the other. The child's `keep` waits (up to 20 s) for a file this process's
    `keep` writes; kept only after the children's results, it would find none."""
    items = list(range(MIN_ITEMS * 2))
    mark = tmp_path / "kept here"

    def keep(results: list[int]) -> list[tuple[int, bool]]:
        if os.getpid() == parent:
            mark.write_text("")
            return [(x, True) for x in results]
        deadline = time.monotonic() + 20
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return [(x, mark.exists()) for x in results]

    parent = os.getpid()
    counts: list[int] = []
    out = Forked(2).map(lambda x: x, items, codec=Codec(list, list), keep=keep,
                        done=counts.append if counted else None)
    assert [x for x, _ in out] == items
    assert all(seen for _, seen in out), "the child's slice was kept before this process's"
    assert sum(counts) == (len(items) if counted else 0)


def test_parallel_and_serial_builds_are_byte_identical(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=MIN_ITEMS * 2)
    sites = {}
    for workers in ("1", "2"):
        out = tmp_path / f"site-{workers}"
        subprocess.run([sys.executable, "-m", "builder", "build", str(corpus), "--out", str(out), "-q"], check=True,
                       env={**os.environ, "GLOSSATOR_WORKERS": workers}, cwd=ROOT)
        sites[workers] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sites["1"].keys() == sites["2"].keys()
    assert [p for p in sites["1"] if sites["1"][p] != sites["2"][p]] == []


def test_a_written_build_reports_the_site_the_in_memory_build_makes(tmp_path: Path) -> None:
    """build_and_write's pages and index files are written by the processes that made them and
    only named to this one (staging.OnDisk reads them back when asked): the site it reports is
    the one build() returns whole, byte for byte."""
    from builder.run import pipeline
    from builder.site import staging as write

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=MIN_ITEMS * 2)
    written = pipeline.build_and_write(corpus, tmp_path / "site", executor=Forked(2))
    whole = pipeline.build(corpus, executor=InProcess())
    assert isinstance(written.site, write.OnDisk) and not isinstance(whole.site, write.OnDisk)
    assert list(written.site) == list(whole.site) and written.pages == whole.pages
    assert dict(written.site) == dict(whole.site)


@linux_only
def test_no_fork_when_the_memory_left_could_not_hold_its_copy() -> None:
    """A forked child comes to copy what it shares (CPython writes reference counts as it
    reads), so a fork that could not hold a copy of this process is not made: the map runs
    here, a job runs here when its result is asked for, and the results are the same."""
    from builder.run.memory import Room

    parent = os.getpid()
    items = list(range(MIN_ITEMS * 4))
    size = 1 << 30
    left = [10 * size]
    room = Room(available=lambda: left[0], resident=lambda: size, private=lambda pid: 0)
    executor = Forked(2, room)

    def where(x: int) -> tuple[int, int]:
        return x * x, os.getpid()

    assert room.fits() and not room.fits(children=8)
    job = executor.submit(lambda: (time.sleep(2), os.getpid())[1])   # forked: room for it and a map's worker (alive while asked)
    assert room.shared and list(room.shared.values()) == [size]
    left[0] = int(size + 1.5 * size)   # beside what the job may still copy: room for one fork, not two
    assert room.fits(1) and not room.fits(2)
    assert executor.submit(os.getpid).result() == parent, "a job forked beside leaves room for a map's worker"
    left[0] = 2 * size   # what the job may still copy (size) leaves less than a copy
    assert not room.fits()
    late = executor.submit(os.getpid)
    made = executor.map(where, items)
    codec = executor.map(where, items, codec=Codec(list, list))
    assert made == codec == [(x * x, parent) for x in items], "no room: both ways ran here"
    assert late.result() == parent, "the job ran here, when asked"
    dropped = executor.submit(os.getpid)
    dropped.cancel()
    with pytest.raises(WorkerLost):   # as a cancelled child says (a live server asks for it)
        dropped.result()
    assert job.result() != parent
    assert room.fits() and not room.shared, "an ended child may copy nothing more"
    forked = {pid for _, pid in executor.map(where, items)}
    assert len(forked) == 2, "room again: a worker beside this process"


def test_the_machines_memory_is_read() -> None:
    from builder.run import memory

    if not sys.platform.startswith("linux"):
        assert memory.available() is None
        return
    assert memory.available() > 0 and memory.resident() > 10 * memory.MB
    child = Forked(2).submit(lambda: time.sleep(0.3))
    assert 0 < memory.private(child.pid) < memory.resident()
    child.result()
    assert memory.private(child.pid) == 0 and memory.resident(child.pid) == 0


@linux_only
def test_a_deferred_job_runs_here_while_a_maps_worker_is_busy() -> None:
    """A job there was no room to fork runs in this process while a map's forked worker has
    its chunks (the search index beside the pages at 100,000 documents), not after the map;
    its failure comes out where its result is asked for."""
    from builder.run.memory import Room

    size = 1 << 30
    room = Room(available=lambda: int(1.5 * size), resident=lambda: size, private=lambda pid: 0)
    executor = Forked(2, room)   # room for the map's one worker, not for a job beside it as well
    ran: list[int] = []
    job = executor.submit(lambda: ran.append(os.getpid()) or "index")
    failing = executor.submit(lambda: 1 // 0)
    assert not ran, "not run when submitted"
    made = executor.map(lambda x: (x, os.getpid()), list(range(MIN_ITEMS * 4)))
    assert ran == [os.getpid()], "run here, during the map, before its result was asked for"
    assert len({pid for _, pid in made}) == 2 and [x for x, _ in made] == list(range(MIN_ITEMS * 4))
    assert job.result() == "index" and ran == [os.getpid()]
    with pytest.raises(ZeroDivisionError):
        failing.result()

    # While it runs (here, on a thread), the worker's chunks are still counted as they come.
    finished: list[float] = []
    slow = executor.submit(lambda: time.sleep(1.0) or finished.append(time.monotonic()))
    counted: list[float] = []
    items = list(range(MIN_ITEMS * 4))
    assert executor.map(lambda x: time.sleep(0.002) or x, items, done=lambda n: counted.append(time.monotonic())) == items
    assert finished and slow.result() is None
    assert any(t < finished[0] for t in counted), "counts came while the job ran"


def test_a_deferred_job_runs_once_whichever_thread_asks() -> None:
    """A live server asks for a job's result on a thread of its own while another may run it:
    it runs once, and every asker gets its value, not the None of a job still running."""
    import threading

    from builder.run.jobs import Deferred

    calls: list[int] = []
    ended: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        ended.append(1)
        return "index"

    job = Deferred(slow)
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(job.result())) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    job.cancel()   # too late: it is running, and its result stands
    assert ended == [1], "cancel() waited for the running job to end"
    for t in threads:
        t.join()
    assert calls == [1] and got == ["index"] * 3


@linux_only
def test_a_maps_workers_are_counted_while_they_work() -> None:
    """While a map's forked workers run, a job submitted beside them (a live server's search
    index, asked for from its own thread) must leave room for what those workers may still copy."""
    from builder.run.memory import Room

    parent = os.getpid()
    size = 1 << 30
    room = Room(available=lambda: 2 * size, resident=lambda: size, private=lambda pid: 0)
    executor = Forked(2, room)   # room for one worker's copy (1.3 × size), not for two
    seen: list[bool] = []

    def probe(x: int) -> int:
        if os.getpid() == parent and not seen:
            seen.append(room.fits())
        return x

    items = list(range(MIN_ITEMS * 4))
    assert room.fits()
    assert executor.map(probe, items) == items
    assert seen == [False], "the pool's worker was counted while it worked"
    seen.clear()
    assert executor.map(probe, items, codec=Codec(list, list)) == items
    assert seen == [False], "a slice's child was counted while it worked"
    assert room.fits() and not room.shared, "ended workers copy nothing more"


_LATER: list[int] = []   # what a parent holds once a stream's child has forked


def _summed(items: object) -> tuple[int, int, int]:
    return sum(items), len(_LATER), os.getpid()  # type: ignore[call-overload]


@linux_only
def test_a_stream_runs_in_a_child_forked_before_its_items_exist() -> None:
    """A build starts its search index before the documents are prepared: the child, forked
    then, shares nothing of what the parent holds afterwards, and is sent the items."""
    _LATER.clear()
    job = Forked(2).stream(_summed)
    _LATER.extend(range(1000))        # held here after the fork: not the child's
    for k in range(0, 5000, 256):
        job.send(range(k, min(k + 256, 5000)))
    job.close()
    total, seen, pid = job.result()
    assert total == sum(range(5000)) and seen == 0 and pid != os.getpid()
    for executor in (InProcess(), Forked(2, _no_room())):   # gathered here, run here: the same value
        gathered = executor.stream(_summed)
        gathered.send(range(5000))
        gathered.close()
        assert gathered.result()[::2] == (sum(range(5000)), os.getpid())


def _no_room() -> object:
    from builder.run.memory import Room

    return Room(available=lambda: 1, resident=lambda: 1 << 30, private=lambda pid: 0)


@linux_only
def test_a_stream_that_fails_or_stops_reading_or_is_cancelled_never_hangs() -> None:
    def first_only(items: object) -> int:
        return next(iter(items))  # type: ignore[call-overload]

    job = Forked(2).stream(first_only)
    for k in range(200):   # far more than a pipe holds: the child stops reading, the feeder sending
        job.send([b"x" * 10_000] * 10)
    job.close()
    assert job.result() == b"x" * 10_000

    broken = Forked(2).stream(lambda items: 1 // 0)
    broken.send([1, 2])
    broken.close()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        broken.result()

    for executor in (Forked(2), InProcess(), Forked(2, _no_room())):
        dropped = executor.stream(_summed)
        dropped.send([1])
        started = time.perf_counter()
        dropped.cancel()
        assert time.perf_counter() - started < 5
        with pytest.raises(WorkerLost):
            dropped.result()


class _Counted:
    """An item that notes in a file each time it is unpickled (in the process that reads it)."""

    def __init__(self, log: str) -> None:
        self.log = log

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return _unpickled, (self.log,)


def _unpickled(log: str) -> _Counted:
    with open(log, "a") as f:
        f.write(".")
    return _Counted(log)


@linux_only
def test_a_stream_child_that_stops_reading_is_not_made_to_read_the_rest(tmp_path: Path) -> None:
    """A build whose search index comes from the cache reads only the index's name of what it
    is sent: the rest of the items (every document's shard) is neither waited for nor
    unpickled by the child, and sending it stops."""
    log = str(tmp_path / "unpickled")

    def first_only(items: object) -> int:
        next(iter(items))  # type: ignore[call-overload]
        return os.getpid()

    job = Forked(2).stream(first_only)
    job.send([_Counted(log)])
    time.sleep(0.5)                          # the child has its item, and returns
    started = time.perf_counter()
    for k in range(200):
        job.send([_Counted(log)] * 50)
    job.close()
    assert job.result() != os.getpid()
    assert time.perf_counter() - started < 10
    read = len((tmp_path / "unpickled").read_text())
    assert read < 1000, f"the child unpickled {read} of 10,001 items"


@linux_only
def test_a_build_starts_its_search_index_before_preparing_the_documents(tmp_path: Path) -> None:
    """The index's process, and the one that finds linking's statement pairs
    (builder.run.pairing), are forked before the corpus is read into this one, so that they
    come to copy none of it; the site is the one an in-process build makes."""
    from builder.run import pipeline

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    class Watched(Forked):
        def __init__(self) -> None:
            super().__init__(2)
            self.order: list[str] = []

        def map(self, fn, items, **options):  # noqa: ANN001, ANN003, ANN201 - the executor's map
            self.order.append("map")
            return super().map(fn, items, **options)

        def stream(self, fn):  # noqa: ANN001, ANN201
            job = super().stream(fn)
            self.order.append("stream" if hasattr(job, "pid") else "gathered")
            return job

    corpus = synth.write(tmp_path / "corpus", docs=MIN_ITEMS * 2)
    watched = Watched()
    forked = pipeline.build_and_write(corpus, tmp_path / "forked", executor=watched)
    here = pipeline.build(corpus, executor=InProcess())
    assert watched.order[:3] == ["stream", "stream", "map"], watched.order
    assert forked.ok and dict(forked.site) == dict(here.site)


def _killed_parent(conn: object) -> None:
    job = Forked(2).stream(_summed)
    later = Forked(2).submit(lambda: time.sleep(60))   # forked after: holds the pipe's sending end
    conn.send((job.pid, later.pid))  # type: ignore[attr-defined]
    time.sleep(60)


@linux_only
def test_a_fed_child_ends_when_the_process_feeding_it_is_killed() -> None:
    """Killed by the kernel (out of memory), a build sends its index's process nothing more,
    and the processes it forked later keep the pipe open: the child must not wait for ever."""
    import multiprocessing
    import signal

    ctx = multiprocessing.get_context("fork")
    theirs, mine = ctx.Pipe(duplex=False)
    build = ctx.Process(target=_killed_parent, args=(mine,))
    build.start()
    fed, later = theirs.recv()
    os.kill(build.pid, signal.SIGKILL)
    build.join()

    def alive() -> bool:
        try:
            with open(f"/proc/{fed}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = not alive()
    os.kill(later, signal.SIGKILL)
    if not ended:
        os.kill(fed, signal.SIGKILL)
    assert ended, "the fed child outlived the process feeding it"


_GIVES_BACK = """
import resource, sys, time
from builder.run import memory
from builder.run.executor import Forked

def fragmenting(items):
    held = [bytes(2000) for _ in range(200_000)]      # ~400 MB in blocks of malloc's own
    kept = held[::50]                                 # every 50th stays: the heap cannot shrink from its top
    del held
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return peak, [bytes([i % 256]) * 1000 + str(i + len(kept)).encode() for i in range(2000)]  # more than a pipe holds

job = Forked(2).stream(fragmenting)
job.close()
sizes = [memory.private(job.pid)]
deadline = time.monotonic() + 20
while time.monotonic() < deadline and (len(sizes) < 4 or sizes[-1] != sizes[-2]):   # until it settles
    time.sleep(0.5)
    sizes.append(memory.private(job.pid))
peak, made = job.result()
print(peak, sizes[-1], len(made))
"""


@linux_only
def test_a_fed_child_gives_back_what_it_freed_while_it_waits_to_send_its_result() -> None:
    """The index's process finishes during linking and waits, its result unread, until the
    pages are rendered: what it freed must go back to the system, not stay with it (at
    100,000 documents, a gigabyte beside the pages' worker). In a fresh process: the test
    runner's own heap changes where malloc puts things."""
    from builder.run import memory

    out = subprocess.run([sys.executable, "-c", _GIVES_BACK], capture_output=True, text=True, cwd=ROOT, check=True)
    peak, held, made = map(int, out.stdout.split())
    assert made == 2000 and peak > 300 * memory.MB, "it did hold the memory"
    assert held < 100 * memory.MB, f"{held // memory.MB} MB still held while it waited ({peak // memory.MB} MB at its peak)"
