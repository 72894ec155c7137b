"""Watching the corpus for edits: file events coalesced, so that one save makes one rebuild."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any, Iterable

WATCHED = ("seeds", "annotations", "themes")
SETTINGS_FILE = "glossator.toml"
QUIET = 0.05          # seconds without a new file event before a burst counts as one save
LONGEST = 1.0         # rebuild at the latest this long after the first event of a burst
OURS_FOR = 2.0        # seconds during which the watcher's events of a file the server wrote are recognised


def _digest_of(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest(path: Path) -> str | None:
    """The file's digest now (None: there is no file; "": it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError:
        return ""


class Changes:
    """File events, coalesced: the events of one save (temp file, rename, touch) make one batch."""

    def __init__(self, quiet: float = QUIET, longest: float = LONGEST) -> None:
        self.quiet, self.longest = quiet, longest
        self._cond = threading.Condition()
        self._paths: set[Path] = set()
        self._everything = False
        self._first = self._last = 0.0
        self._ours: dict[Path, tuple[str | None, float]] = {}    # files the server wrote: their digest, until when

    def written(self, path: Path, text: str | None) -> None:
        """A file the server wrote itself, whole (the authoring API): a batch at once, with no
        burst to wait for; the watcher's events that show those same bytes are not a new edit."""
        with self._cond:
            now = time.monotonic()
            self._ours[path] = (_digest_of(text), now + OURS_FOR)
            if not self.pending():
                self._first = now
            self._last = now - self.quiet
            self._paths.add(path)
            self._cond.notify_all()

    def add(self, path: Path | None) -> None:
        """A file changed (None: something that needs every input to be read again)."""
        ours = self._ours.get(path) if path is not None else None
        if ours is not None and path is not None:
            if time.monotonic() < ours[1] and _digest(path) == ours[0]:
                return
            self._ours.pop(path, None)
        with self._cond:
            now = time.monotonic()
            if not self.pending():
                self._first = now
            self._last = now
            if path is None:
                self._everything = True
            else:
                self._paths.add(path)
            self._cond.notify_all()

    def pending(self) -> bool:
        return self._everything or bool(self._paths)

    def wait(self, stop: threading.Event) -> tuple[bool, frozenset[Path] | None]:
        """Block until a burst has settled: (True, paths or None for everything), or (False, None) on stop."""
        with self._cond:
            while not stop.is_set():
                if not self.pending():
                    self._cond.wait(0.5)
                    continue
                now = time.monotonic()
                left = min(self._last + self.quiet - now, self._first + self.longest - now)
                if left > 0:
                    self._cond.wait(left)
                    continue
                batch = None if self._everything else frozenset(self._paths)
                self._paths, self._everything = set(), False
                return True, batch
            return False, None

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


def ignorable(name: str) -> bool:
    """Editor droppings that never change the site: swap, backup and lock files, and the
    temporary files Glossator's own writes rename over a sidecar (builder.site.sidecars)."""
    return (name.startswith((".#", ".~")) or name.endswith(("~", ".swp", ".swx", ".swo")) or name == "4913"
            or (name.startswith(".") and ".glossator-" in name))


class Watcher:
    """watchdog on seeds/, annotations/, themes/ and glossator.toml, feeding `Changes`."""

    def __init__(self, corpus_dir: Path, changes: Changes, extra: Iterable[Path] = ()) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        self.dir = corpus_dir
        self.changes = changes
        self.roots = [corpus_dir / name for name in WATCHED] + [p for p in extra if p.is_dir()]
        self.observer = Observer()
        self._watched: set[Path] = set()
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                watcher.event(event)

        self.handler = Handler()

    def start(self) -> None:
        self.observer.schedule(self.handler, str(self.dir), recursive=False)
        for root in self.roots:
            self._watch(root)
        self.observer.start()

    def _watch(self, root: Path) -> None:
        if root.is_dir() and root not in self._watched:
            self._watched.add(root)
            self.observer.schedule(self.handler, str(root), recursive=True)

    def event(self, event: Any) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return   # reads, ours included
        paths = [Path(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        relevant = [p for p in paths if self._relevant(p)]
        if not relevant:
            return
        if event.is_directory:
            if event.event_type == "modified":
                return
            for p in relevant:
                if p.parent == self.dir and p.name in WATCHED:
                    self._watch(p)
            self.changes.add(None)
            return
        for p in relevant:
            if not ignorable(p.name):
                self.changes.add(p)

    def _relevant(self, path: Path) -> bool:
        if path.parent == self.dir:
            return path.name == SETTINGS_FILE or path.name in WATCHED
        return any(path.is_relative_to(root) for root in self.roots)

    def stop(self) -> None:
        self.observer.stop()
        if self.observer.is_alive():
            self.observer.join(timeout=5)
