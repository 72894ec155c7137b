"""Progress: what `glossator build` shows as it goes. The pipeline reports stages and counts (the
executor's `done`, as results arrive); the command line draws a bar on a terminal, plain lines
elsewhere, nothing with -q; and reporting changes nothing of the site."""

from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pytest

from builder.commands import cli
from builder.commands.progress import Reporter
from builder.export import parts as exporting
from builder.run import pipeline
from builder.run.executor import MIN_ITEMS, Codec, Forked, InProcess, WorkerLost, default

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux's")
ESCAPE = re.compile(r"[\r\x1b]")


class Stream(io.StringIO):
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        super().__init__()
        self.tty, self._encoding = tty, encoding

    def isatty(self) -> bool:
        return self.tty

    @property
    def encoding(self) -> str:   # type: ignore[override]
        return self._encoding


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_stage(reporter: Reporter, clock: Clock, total: int, step: float, stage: str = "rendering pages") -> None:
    reporter(stage)
    for done in range(total + 1):
        reporter(stage, done, total)
        clock.now += step


def drawn(text: str) -> list[str]:
    """The terminal line as drawn each time: what follows each carriage return, escapes removed."""
    return [part.replace("\x1b[K", "") for part in text.split("\r")[1:]]


# --- the reporter ----------------------------------------------------------------------------


def test_a_terminal_gets_one_updating_bar_with_counts_then_the_time_left_and_is_cleared(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    stream, clock = Stream(tty=True), Clock()
    reporter = Reporter(stream, environ={"TERM": "xterm"}, clock=clock)
    run_stage(reporter, clock, total=10_306, step=0.002)    # ~20 s
    reporter.finish()
    text = stream.getvalue()
    assert "\n" not in text and text.endswith("\r\x1b[K"), "one line, cleared at the end"
    lines = drawn(text)
    assert lines[0] == "rendering pages…"
    assert all(len(line) <= 71 for line in lines), "fits the terminal, its last column free"
    bars = [line for line in lines[1:] if line]
    assert bars[0].startswith("rendering pages  ░") and "0/10,306    0%" in bars[0]
    assert "left" not in bars[0], "no estimate before there is a rate"
    assert "10,306/10,306  100%" in bars[-1] and "█" * 10 in bars[-1] and "left" not in bars[-1]
    middle = next(line for line in bars if " 50%" in line)
    assert re.search(r"5,\d{3}/10,306   50%  ~10 s left$", middle), middle   # 10 s done, 10 s to go
    assert len(lines) < 250, "drawn ten times a second at most, not once per page"


def test_the_time_left_waits_for_a_second_of_work() -> None:
    stream, clock = Stream(tty=True), Clock()
    reporter = Reporter(stream, environ={}, clock=clock)
    reporter("preparing documents", 0, 1000)
    clock.now += 0.5
    reporter("preparing documents", 500, 1000)
    clock.now += 0.6
    reporter("preparing documents", 600, 1000)
    first, second = drawn(stream.getvalue())[-2:]
    assert "left" not in first and second.endswith("600/1,000   60%  ~1 s left")


def test_long_stages_count_in_minutes() -> None:
    stream, clock = Stream(tty=False), Clock()
    reporter = Reporter(stream, environ={}, clock=clock)
    reporter("rendering pages", 0, 100_000)
    clock.now += 100
    reporter("rendering pages", 20_000, 100_000)
    assert stream.getvalue().splitlines()[-1] == "rendering pages: 20,000/100,000 (20%), ~7 min left"


def test_a_narrow_terminal_drops_the_bar_and_an_ascii_one_draws_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    stream, clock = Stream(tty=True), Clock()
    run_stage(Reporter(stream, environ={}, clock=clock), clock, total=100, step=0.05)
    assert all(len(line) <= 29 for line in drawn(stream.getvalue()))
    assert "█" not in stream.getvalue() and "100/100" in stream.getvalue()
    monkeypatch.setenv("COLUMNS", "80")
    ascii_stream = Stream(tty=True, encoding="ascii")
    run_stage(Reporter(ascii_stream, environ={}, clock=clock), clock, total=100, step=0.05)
    ascii_stream.getvalue().encode("ascii")   # nothing it cannot write
    assert "rendering pages  ####" in ascii_stream.getvalue()


def test_a_terminal_of_unknown_size_is_taken_as_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pty nobody sized says 0 columns: that is no size, not a narrow terminal."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=1: os.terminal_size((0, 0)))

    class Sized(Stream):
        def fileno(self) -> int:
            return 2

    stream, clock = Sized(tty=True), Clock()
    run_stage(Reporter(stream, environ={}, clock=clock), clock, total=100, step=0.05,
              stage="rendering pages and exports")
    lines = drawn(stream.getvalue())
    assert lines[0] == "rendering pages and exports…" and max(map(len, lines)) == 79


@pytest.mark.parametrize("tty, environ", [(False, {"TERM": "xterm"}), (True, {"TERM": "dumb"})],
                         ids=["piped", "dumb-terminal"])
def test_elsewhere_plain_lines_few_of_them_and_always_the_last(tty: bool, environ: dict[str, str]) -> None:
    stream, clock = Stream(tty=tty), Clock()
    reporter = Reporter(stream, environ=environ, clock=clock)
    reporter("reading corpus")
    run_stage(reporter, clock, total=10_000, step=0.001)    # 10 s: a line per tenth at most
    reporter.finish()
    text = stream.getvalue()
    assert not ESCAPE.search(text)
    lines = text.splitlines()
    assert lines[:2] == ["reading corpus", "rendering pages"]
    assert 3 <= len(lines) <= 2 + 11, lines
    assert lines[-1] == "rendering pages: 10,000/10,000 (100%)"
    assert all(re.fullmatch(r"rendering pages: [\d,]+/10,000 \(\d+%\)(, ~\d+ s left)?", line) for line in lines[2:])


def test_a_slow_stage_still_shows_a_line_every_thirty_seconds() -> None:
    stream, clock = Stream(tty=False), Clock()
    run_stage(Reporter(stream, environ={}, clock=clock), clock, total=1000, step=1.0)   # 1,000 s, 1% in 10 s
    lines = stream.getvalue().splitlines()
    assert 30 <= len(lines) <= 1 + 1000 // 30 + 2
    assert lines[-1] == "rendering pages: 1,000/1,000 (100%)"


def test_quiet_shows_nothing_even_on_a_terminal() -> None:
    for tty in (True, False):
        stream, clock = Stream(tty=tty), Clock()
        reporter = Reporter(stream, quiet=True, environ={}, clock=clock)
        run_stage(reporter, clock, total=500, step=0.1)
        reporter.finish()
        assert stream.getvalue() == ""


def test_a_closed_stream_silences_the_reporter_instead_of_failing() -> None:
    for tty in (True, False):
        stream = Stream(tty=tty)
        reporter = Reporter(stream, environ={})
        stream.close()
        reporter("reading corpus")
        reporter("rendering pages", 5, 10)
        reporter.finish()


# --- the executor's `done` ----------------------------------------------------------------------


def counted(executor: object, items: list[int], **options: object) -> tuple[list[object], list[int], set[int]]:
    calls: list[int] = []
    pids: set[int] = set()

    def done(n: int) -> None:
        calls.append(n)
        pids.add(os.getpid())

    return executor.map(lambda x: x * x, items, done=done, **options), calls, pids  # type: ignore[attr-defined]


@pytest.mark.parametrize("executor", [InProcess(), Forked(2)], ids=["in-process", "forked"])
@pytest.mark.parametrize("options", [{}, {"heavy": lambda x: x % 50 == 0}, {"codec": Codec(list, list)},
                                     {"keep": lambda made: [-m for m in made]}],
                         ids=["plain", "heavy", "codec", "keep"])
def test_done_counts_every_item_here_and_the_results_keep_their_order(executor: object, options: dict) -> None:
    items = list(range(MIN_ITEMS * 5 + 3))
    out, calls, pids = counted(executor, items, **options)
    sign = -1 if "keep" in options else 1
    assert out == [sign * x * x for x in items]
    assert sum(calls) == len(items) and all(n > 0 for n in calls)
    assert pids == {os.getpid()}, "called in this process, as results arrive"
    if isinstance(executor, Forked) and "codec" not in options:
        assert len(calls) > 2, "the pool's chunks counted as each comes back"


@linux_only
def test_the_default_executor_with_two_workers_counts_its_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    executor = default()
    assert isinstance(executor, Forked)
    items = list(range(MIN_ITEMS * 4))
    out, calls, _ = counted(executor, items, codec=Codec(list, list))
    assert out == [x * x for x in items] and sum(calls) == len(items)
    calls, pids = [], set()

    def slow(x: int) -> int:
        time.sleep(0.003)
        return -x

    def done(n: int) -> None:
        calls.append(n)
        pids.add(os.getpid())

    assert executor.map(slow, items, codec=Codec(list, list), done=done) == [-x for x in items]
    assert sum(calls) == len(items) and pids == {os.getpid()}
    assert any(n > 1 for n in calls[:-1]), "the child's counts arrive while it works, not only its whole slice"
    out, calls, _ = counted(executor, items[:10])
    assert out == [x * x for x in items[:10]] and calls == [1] * 10, "a small map runs here, counted one by one"


@linux_only
@pytest.mark.parametrize("codec", [None, Codec(list, list)], ids=["pool", "slices"])
def test_a_worker_killed_while_counting_fails_the_map(codec: Codec | None) -> None:
    items = list(range(MIN_ITEMS * 4))
    parent = os.getpid()

    def dies(x: int) -> int:   # in a child only: this process works on a pool's map too
        time.sleep(0.002)
        if os.getpid() != parent and x in (items[0], items[-1]):
            os.kill(os.getpid(), 9)
        return x

    calls: list[int] = []
    with pytest.raises(WorkerLost):
        Forked(2).map(dies, items, codec=codec, done=calls.append)
    assert sum(calls) < len(items)


# --- a build ------------------------------------------------------------------------------------


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    return synth.write(tmp_path_factory.mktemp("progress") / "corpus", docs=200)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_build_reports_its_documents_and_pages_up_to_their_totals_and_changes_nothing(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    monkeypatch.setenv("GLOSSATOR_WORKERS", workers)
    out, err = io.StringIO(), io.StringIO()
    # --no-cache: every document prepared and every page made by this build, and counted.
    assert cli.main(["build", str(corpus), "--out", str(tmp_path / "shown"), "--no-cache"], out, err) == 0, \
        err.getvalue()
    quiet_out, quiet_err = io.StringIO(), io.StringIO()
    assert cli.main(["build", str(corpus), "--out", str(tmp_path / "quiet"), "-q", "--no-cache"],
                    quiet_out, quiet_err) == 0
    assert quiet_out.getvalue() == quiet_err.getvalue() == "", "-q: no progress, no summary"

    lines = err.getvalue().splitlines()
    assert not ESCAPE.search(err.getvalue())
    pages = int(re.search(r"(\d+) pages", out.getvalue()).group(1))
    items = pages + len(exporting.PARTS)
    assert lines[0] == "reading corpus" and lines[-1] == "writing"
    assert "preparing documents: 200/200 (100%)" in lines
    assert f"rendering pages and exports: {items}/{items} (100%)" in lines
    assert lines.index("linking") < lines.index("rendering pages and exports") < lines.index("writing")
    shown, quiet = files_of(tmp_path / "shown"), files_of(tmp_path / "quiet")
    assert shown.keys() == quiet.keys() and [p for p in shown if shown[p] != quiet[p]] == []


@pytest.mark.parametrize("executor", [InProcess(), Forked(2)], ids=["in-process", "forked"])
def test_the_pipelines_counts_climb_to_their_totals_and_the_site_is_the_same(corpus: Path, executor: object) -> None:
    events: list[tuple] = []
    reported = pipeline.build(corpus, progress=lambda *event: events.append(event), executor=executor)
    silent = pipeline.build(corpus, executor=executor)
    assert dict(reported.site) == dict(silent.site)
    counts: dict[str, list[int]] = {}
    for event in events:
        if len(event) == 3:
            counts.setdefault(event[0], []).append(event[1])
            assert event[2] == {"preparing documents": 200}.get(event[0], reported.pages + 2)
    assert set(counts) == {"preparing documents", pipeline.RENDERING}
    for stage, seen in counts.items():
        assert seen[0] == 0 and seen == sorted(seen), stage
        assert (stage, seen[-1]) in (("preparing documents", 200), (pipeline.RENDERING, reported.pages + 2))
        assert events.index((stage,)) < events.index((stage, 0, seen[-1])), "the stage starts, then counts"
