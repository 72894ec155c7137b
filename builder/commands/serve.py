"""`glossator serve`: build, serve the site from memory, watch the corpus, rebuild, reload open pages.

    watchdog events ─► Changes (a burst from one save becomes one batch)
                    ─► build loop: builder.build(changed, open pages) ─► Hub: "status" and "reload" events
    HTTP (one thread per request): site files from the builder, with the reload script injected
                                   into HTML; /__glossator/{livereload.js,events,status};
                                   /__glossator/api/: the authoring API (builder.commands.api);
                                   answering from the start, "building…" until the first build is done

The server is handed a build function (a LiveSite), waits for edits to settle,
and keeps serving the last good site when a build fails, showing the errors in every open
page. It binds 127.0.0.1 unless told otherwise and serves nothing but the site's files, and
only to requests that name its address and arrive promptly (builder/commands/serveguard.py).
"""

from __future__ import annotations

import errno
import signal
import socket
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Protocol, TextIO

from builder.commands.authoring import Authoring
from builder.commands.suggestions import Suggestions
from builder.commands.http import Server
from builder.commands.hub import Hub, status_of
from builder.commands.watch import SETTINGS_FILE, Changes, Watcher
from builder.core import diagnostics
from builder.run.live import LiveSite, Update

EXIT_OK, EXIT_USAGE = 0, 2


class Builder(Protocol):
    """What the server needs from a build function (LiveSite is one)."""

    def build(self, changed: Iterable[Path] | None = None, first: Iterable[str] = ()) -> Update: ...
    def render_pending(self, stop: Callable[[], bool] = ...) -> Update: ...
    def get(self, path: str) -> bytes | None: ...
    @property
    def ok(self) -> bool: ...


class App:
    """The build loop, the watcher, the HTTP server and the open pages, started and stopped together."""

    def __init__(self, corpus_dir: Path, builder: Builder, hub: Hub, out: TextIO, err: TextIO,
                 watch_also: Iterable[Path] = ()) -> None:
        self.dir = corpus_dir
        self.builder = builder
        self.out, self.err = out, err
        self.hub = hub
        self.changes = Changes()
        self.authoring = Authoring(corpus_dir, getattr(builder, "document", lambda _: None),   # its token is per run
                                   getattr(builder, "entities", tuple), getattr(builder, "documents", tuple),
                                   self.changes.written)
        self.suggestions = Suggestions(self.authoring)
        self.stopping = threading.Event()
        self.ready = threading.Event()     # set when the first build is over: until then, "building…"
        self.watcher = Watcher(corpus_dir, self.changes, watch_also)
        self.script = resources.files("builder").joinpath("livereload.js").read_bytes()
        self.authoring_scripts = {f.name: f.read_bytes() for f in resources.files("builder").joinpath("authoring").iterdir()
                                  if f.name.endswith(".js")}
        self.builds = 0
        self.threads: list[threading.Thread] = []
        self.server: Server | None = None
        self._last_report = ""

    def listen(self, host: str, port: int) -> Server:
        self.server = Server((host, port), self)
        return self.server

    def first_build(self) -> Update | None:
        """The first build, on the build thread: requests meanwhile get a "building…" page at once."""
        try:
            update: Update | None = self.builder.build()
        except Exception as exc:  # a bug in a stage: report it, serve the "could not be built" page, wait for edits
            self.crashed(exc, "build crashed: fix the problem, or save a file to try again")
            update = None
        else:
            self.builds += 1
        self.ready.set()        # before the status says so: a client that sees it can read the site
        self.hub.changed((), everything=True)     # the "building…" pages reload into the site
        if update is None:
            self.hub.set_status(status_of(False, (), self.hub.version, False, self.builds))
        else:
            self.report(update, first=True)
        return update

    def start(self, banner: str = "") -> None:
        """Answer requests, print `banner`, then build for the first time and watch for edits."""
        assert self.server is not None
        self.watcher.start()    # before the first build: an edit made during it is built after it
        for target, name in ((self.server.serve_forever, "http"), (self.loop, "build")):
            t = threading.Thread(target=target, name=f"glossator-{name}", daemon=True)
            t.start()
            self.threads.append(t)
            if name == "http" and banner:
                self.out.write(banner)
                self.out.flush()

    def loop(self) -> None:
        """Build; then wait for edits to settle, rebuild, tell the open pages; render the rest when idle."""
        self.first_build()
        busy = lambda: self.changes.pending() or self.stopping.is_set()  # noqa: E731
        while not self.stopping.is_set():
            if not busy():
                rest = self.builder.render_pending(stop=busy)
                self.hub.changed(rest.changed)
                if rest.rendered or rest.pending != self.hub.status.get("pending"):
                    self.hub.set_status({**self.hub.status, "pending": rest.pending})
                if not rest.pending and not busy():
                    settle()
            go, batch = self.changes.wait(self.stopping)
            if not go:
                return
            self.hub.set_status({**self.hub.status, "building": True})
            try:
                update = self.builder.build(batch, first=self.hub.open_pages())
            except Exception as exc:  # a bug in a stage must not end the session: report it, keep serving
                self.crashed(exc, "build crashed: still serving the last good site")
                self.hub.set_status({**self.hub.status, "building": False})
                continue
            self.builds += 1
            self.report(update, batch=batch)
            self.hub.changed(update.changed)

    def crashed(self, exc: Exception, line: str) -> None:
        import traceback

        self.err.write("".join(traceback.format_exception(exc)))
        self.err.write(line + "\n")
        self.err.flush()

    def report(self, update: Update, first: bool = False, batch: frozenset[Path] | None = None) -> None:
        """The terminal line (and diagnostics, as `build` prints them) and every page's overlay."""
        self.hub.set_status(status_of(update.ok, update.diagnostics, self.hub.version, False, self.builds, update.pending))
        text = diagnostics.report(update.diagnostics)
        if text and (text != self._last_report or first or not update.ok):
            self.err.write(text + "\n")
        self._last_report = text
        stamp = time.strftime("%H:%M:%S")
        what = "everything" if batch is None else ", ".join(sorted(_rel(p, self.dir) for p in batch)) or "nothing"
        ms = f"{update.seconds * 1000:.0f} ms"
        if first:
            line = (f"built {update.documents} documents, {update.annotations} annotations in {update.seconds:.2f} s"
                    if update.ok else "build failed: fix the problems above; the pages show them too")
            self.out.write(line + "\n")
        elif not update.ok:
            self.err.write(f"[{stamp}] {what}: build failed: still serving the last good site\n")
        elif update.changed or update.rechecked:
            self.out.write(f"[{stamp}] {what}: {_count(len(update.changed), 'file')} updated in {ms}"
                           + (f"; {_count(update.pending, 'more page')} to check" if update.pending else "") + "\n")
        self.out.flush()
        self.err.flush()

    def stop(self) -> None:
        """Stop at once, also during the first build: that one cannot be cut short, and is left to
        end with the process (it holds the builder, and no background work has started yet)."""
        self.stopping.set()
        self.changes.wake()
        self.hub.close()
        built = self.ready.is_set()
        close = getattr(self.builder, "close", None)
        if close is not None and built:
            close()
        self.watcher.stop()
        if self.server is not None:
            if self.threads:
                self.server.shutdown()
            self.server.server_close()
        for t in self.threads:
            if built or t.name != "glossator-build":
                t.join(timeout=5)


def settle() -> None:
    """When idle: collect garbage, then set what is left aside (gc.freeze), so that the corpus
    in memory, millions of objects that live for the whole session, is not walked again by
    a full collection in the middle of an edit's rebuild."""
    import gc

    gc.collect()
    gc.freeze()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def serve(corpus_dir: Path, host: str, port: int, out: TextIO, err: TextIO,
          builder: Builder | None = None) -> int:
    """Run until Ctrl-C. Exit status: 0 when stopped, 2 when the address cannot be used."""
    from builder.html.theme import BUILTIN_THEME as builtin

    corpus_dir = corpus_dir.resolve()
    hub = Hub()
    builder = builder or LiveSite(corpus_dir, search_in_background=hub.changed)
    app = App(corpus_dir, builder, hub, out, err, watch_also=[builtin] if not builtin.is_relative_to(corpus_dir) else [])
    if not 0 <= port <= 65535:
        err.write(f"glossator serve: error: --port {port} is not a port number\n  hint: use 1024-65535, e.g. --port 8000\n")
        return EXIT_USAGE
    try:
        server = app.listen(host, port)
    except OSError as exc:
        err.write(_bind_error(host, port, exc))
        return EXIT_USAGE
    previous = signal.getsignal(signal.SIGTERM) if _main_thread() else None
    if _main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        url = f"http://{f'[{host}]' if ':' in host else host}:{server.server_address[1]}/"
        banner = f"serving {url}  (watching seeds/, annotations/, themes/, {SETTINGS_FILE}; Ctrl-C to stop)\n"
        if host not in ("127.0.0.1", "localhost", "::1"):
            banner += f"note: listening on {host}: other machines on the network can read the site\n"
        app.start(banner)       # answers at once; the first build runs on the build thread
        while not app.stopping.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if _main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not interrupt the shutdown
        try:
            app.stop()
        finally:
            if _main_thread():
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
    out.write("stopped\n")
    out.flush()
    return EXIT_OK


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        why = f"port {port} is already in use (another server, or another glossator serve?)"
    elif exc.errno == errno.EACCES:
        why = f"no permission to use port {port} (ports below 1024 need special rights)"
    elif exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        why = f"'{host}' is not an address of this machine"
    else:
        why = exc.strerror or str(exc)
    return (f"glossator serve: error: cannot listen on {host}:{port}: {why}\n"
            f"  hint: choose another port with --port (e.g. --port {port + 1 if 0 < port < 65535 else 8001})"
            f"{' or another address with --host' if exc.errno == errno.EADDRNOTAVAIL else ''}\n")
