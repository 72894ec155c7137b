"""How a long command shows how it goes (`glossator build`, `bundle`, `suggest`), on standard error.

The pipeline calls a `Reporter` as it calls any `Progress` (builder.run.progress):
`reporter(stage)` when a stage starts, `reporter(stage, done, total)` as a stage counts its
work. What it shows depends on where the output goes:

- a terminal: one line, drawn again as the counts grow (at most ten times a second), and
  cleared by `finish()`:
      rendering pages and exports  ████████░░░░░░  6,412/10,306  62%  ~9 s left
  The time left comes from the rate of the current stage so far, once there is enough of it
  to go by (a second, and a hundredth of the work); the line fits the terminal's width.
- anything else (a file, a pipe, CI), or a terminal whose TERM is "dumb": plain lines, never
  a carriage return or an escape code: one when a stage starts, then a count at most every
  tenth of the work (and no more than one every two seconds, or one every thirty seconds
  when the work is slow), and always the last one:
      rendering pages and exports: 5,000/10,306 (49%), ~18 s left
- `-q`: nothing.

No colour is ever used, so NO_COLOR holds as it is. A stream that cannot be written to any
more (a closed pipe) silences the reporter instead of failing the command.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Callable, Mapping, TextIO

REDRAW = 0.1            # seconds between two drawings of the terminal's line
LINE_STEP = 0.10        # plain lines: a count every tenth of the work...
LINE_EVERY = 2.0        # ...at most one every two seconds...
LINE_SLOW = 30.0        # ...or one every thirty seconds, however little was done
ETA_AFTER = 1.0         # seconds of a stage's counting before its time left is estimated
ETA_SHARE = 0.01        # ...and the share of its work done by then
BAR_MAX = 40


class Reporter:
    """A Progress that draws what the pipeline reports (see the module's docstring)."""

    def __init__(self, stream: TextIO, quiet: bool = False, *, environ: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        environ = os.environ if environ is None else environ
        self.stream = stream
        self.clock = clock
        tty = _isatty(stream)
        self.mode = "off" if quiet else "bar" if tty and environ.get("TERM") != "dumb" else "lines"
        self.full, self.empty, self.more = ("█", "░", "…") if _can_write(stream, "█░…") else ("#", "-", "...")
        self.stage: str | None = None
        self.stage_counting = False       # the stage has reported a count
        self.shown = False                # a terminal line is drawn and not cleared
        self.started = 0.0                # when the stage's counting started, and its count then
        self.first_done = 0
        self.drawn = float("-inf")        # the terminal line's last drawing
        self.line_at, self.line_done = 0.0, 0      # the last plain count line: when, and its count
        self.ended = False                # the stage's last count was shown

    # --- what the pipeline calls ---------------------------------------------------------

    def __call__(self, stage: str, done: int | None = None, total: int | None = None, /) -> None:
        if self.mode == "off":
            return
        now = self.clock()
        if stage != self.stage:
            self._start(stage, now)
        if done is None or total is None:
            return
        if not self.stage_counting:
            self.stage_counting, self.started, self.first_done = True, now, done
            self.line_at, self.line_done = now, done
        if total <= 0 or self.ended:
            return
        if self.mode == "bar":
            if done >= total or now - self.drawn >= REDRAW:
                self._draw(self._bar_line(stage, done, total, now))
                self.drawn = now
        elif done >= total or (done - self.line_done >= LINE_STEP * total and now - self.line_at >= LINE_EVERY) \
                or (done > self.line_done and now - self.line_at >= LINE_SLOW):
            self._write(f"{self._counts(stage, done, total, now)}\n")
            self.line_at, self.line_done = now, done
        self.ended = done >= total

    def finish(self) -> None:
        """The end of the command's progress: the terminal's line cleared, for what it prints next."""
        if self.mode == "bar" and self.shown:
            self._write("\r\033[K")
            self.shown = False

    # --- drawing -------------------------------------------------------------------------

    def _start(self, stage: str, now: float) -> None:
        self.stage, self.stage_counting, self.ended = stage, False, False
        self.started, self.first_done, self.drawn = now, 0, float("-inf")
        if self.mode == "bar":
            self._draw(self._fit(f"{stage}{self.more}", _columns(self.stream) - 1))
        else:
            self._write(f"{stage}\n")

    def _bar_line(self, stage: str, done: int, total: int, now: float) -> str:
        width = _columns(self.stream) - 1            # the last column left free: no wrapping
        counts = f"{done:,}/{total:,}  {_percent(done, total):3d}%"
        left = self._left(done, total, now)
        tail = f"  {counts}" + (f"  ~{left} left" if left else "")
        room = min(BAR_MAX, width - len(stage) - len(tail) - 2)
        if room < 5:
            return self._fit(f"{stage}{tail}", width)
        filled = room * done // total
        return f"{stage}  {self.full * filled}{self.empty * (room - filled)}{tail}"

    def _counts(self, stage: str, done: int, total: int, now: float) -> str:
        left = self._left(done, total, now)
        return f"{stage}: {done:,}/{total:,} ({_percent(done, total)}%)" + (f", ~{left} left" if left else "")

    def _left(self, done: int, total: int, now: float) -> str | None:
        """The time the rest of the stage should take at its rate so far; None while too early to say."""
        elapsed, made = now - self.started, done - self.first_done
        if done >= total or elapsed < ETA_AFTER or made <= 0 or made < ETA_SHARE * total:
            return None
        return _duration((total - done) * elapsed / made)

    def _fit(self, line: str, width: int) -> str:
        return line if len(line) <= width else line[:max(0, width - len(self.more))] + self.more

    def _draw(self, line: str) -> None:
        self._write(f"\r{line}\033[K")
        self.shown = True

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):    # a closed pipe or stream: nobody is reading any more
            self.mode = "off"


def _percent(done: int, total: int) -> int:
    """Whole percent, rounded down: 100 only when all is done."""
    return 100 if total <= 0 else min(100, 100 * done // total)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _columns(stream: TextIO) -> int:
    """The width of the terminal the stream writes to (COLUMNS first, as shutil reads it), else
    shutil's answer (standard output's terminal, else 80). A terminal whose size nobody set
    (a bare pty) says 0: unknown, not narrow."""
    if "COLUMNS" not in os.environ:
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        if columns > 0:
            return max(20, columns)
    return max(20, shutil.get_terminal_size().columns)


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def _can_write(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
