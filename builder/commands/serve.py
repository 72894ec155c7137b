"""`glossator serve`: build, serve the site from memory, watch the corpus, rebuild, reload open pages.

    watchdog events ─► Changes (a burst from one save becomes one batch)
                    ─► build loop: builder.build(changed, open pages) ─► Hub: "status" and "reload" events
    HTTP (one thread per request): site files from the builder, with the reload script injected
                                   into HTML; /__glossator/{livereload.js,events,status};
                                   answering from the start, "building…" until the first build is done

The server is handed a build function (a LiveSite), waits for edits to settle,
and keeps serving the last good site when a build fails, showing the errors in every open
page. It binds 127.0.0.1 unless told otherwise and serves nothing but the site's files, and
only to requests that name its address and arrive promptly (builder/commands/serveguard.py).
"""

from __future__ import annotations

import errno
import io
import json
import mimetypes
import os
import queue
import signal
import socket
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, TextIO
from urllib.parse import parse_qs, quote, unquote

from builder.core import diagnostics
from builder.core.diagnostics import Diagnostic
from builder.run.live import LiveSite, Update
from builder.commands.serveguard import SEND_SECONDS, HeadTooLarge, Hosts, Incoming

PREFIX = "/__glossator/"
SCRIPT_PATH = PREFIX + "livereload.js"
WATCHED = ("seeds", "annotations", "themes")
SETTINGS_FILE = "glossator.toml"
QUIET = 0.05          # seconds without a new file event before a burst counts as one save
LONGEST = 1.0         # rebuild at the latest this long after the first event of a burst
HEARTBEAT = 15.0      # seconds between keep-alive comments on an idle event stream
EXIT_OK, EXIT_USAGE = 0, 2
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".webmanifest": "application/manifest+json"}


class Builder(Protocol):
    """What the server needs from a build function (LiveSite is one)."""

    def build(self, changed: Iterable[Path] | None = None, first: Iterable[str] = ()) -> Update: ...
    def render_pending(self, stop: Callable[[], bool] = ...) -> Update: ...
    def get(self, path: str) -> bytes | None: ...
    @property
    def ok(self) -> bool: ...


# --- file events ------------------------------------------------------------------


class Changes:
    """File events, coalesced: the events of one save (temp file, rename, touch) make one batch."""

    def __init__(self, quiet: float = QUIET, longest: float = LONGEST) -> None:
        self.quiet, self.longest = quiet, longest
        self._cond = threading.Condition()
        self._paths: set[Path] = set()
        self._everything = False
        self._first = self._last = 0.0

    def add(self, path: Path | None) -> None:
        """A file changed (None: something that needs every input to be read again)."""
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
    """Editor droppings that never change the site: swap, backup and lock files."""
    return name.startswith((".#", ".~")) or name.endswith(("~", ".swp", ".swx", ".swo")) or name == "4913"


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


# --- open pages and their event streams ----------------------------------------------------


def page_of(url_path: str) -> str:
    """The site file a URL path names: '/' → 'index.html', '/docs/' → 'docs/index.html'."""
    path = url_path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def status_of(ok: bool, found: Iterable[Diagnostic], version: int, building: bool, builds: int,
              pending: int = 0) -> dict[str, Any]:
    """What /__glossator/status answers and "status" events carry; `pending`: pages still to render."""
    items = diagnostics.sort(found)
    return {
        "ok": ok, "version": version, "building": building, "builds": builds, "pending": pending,
        "errors": sum(1 for d in items if d.severity == "error"),
        "warnings": sum(1 for d in items if d.severity == "warning"),
        "diagnostics": [{**d.as_dict(), "where": f"{d.path}:{d.line}:{d.column}"} for d in items],
    }


@dataclass(eq=False)
class Client:
    page: str
    events: "queue.Queue[str | None]"


class Hub:
    """The open pages: what each shows, and the events to send them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[Client] = []
        self.version = 0                        # bumped whenever the site changes
        self._changed_at: dict[str, int] = {}   # page → version at which it last changed
        self._all_at = 0                        # version at which every page last changed (a stylesheet…)
        self.status: dict[str, Any] = status_of(True, (), 0, True, 0)
        self.closed = False
        self.run = os.urandom(6).hex()          # pages served by an earlier run of the server reload on connect

    def connect(self, page: str, since: int, run: str = "") -> Client:
        client = Client(page, queue.Queue())
        with self._lock:
            self._clients.append(client)
            client.events.put(_event("status", self.status))
            if max(self._changed_at.get(page, 0), self._all_at) > since or (run and run != self.run):
                client.events.put(_event("reload", {"version": self.version, "pages": [page], "all": False}))
            if self.closed:
                client.events.put(None)
        return client

    def disconnect(self, client: Client) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def open_pages(self) -> set[str]:
        with self._lock:
            return {c.page for c in self._clients}

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def changed(self, paths: Iterable[str], everything: bool = False) -> None:
        """Site files changed (`everything`: every page did): tell the pages that show them to reload."""
        pages = set()
        for p in paths:
            if p.endswith(".html"):
                pages.add(p)
            elif p.startswith("static/"):
                everything = True            # every page loads the theme's scripts and styles
            else:
                pages.add("search.html")     # the search index and other data files
        if not pages and not everything:
            return
        with self._lock:
            self.version += 1
            for p in pages:
                self._changed_at[p] = self.version
            if everything:
                self._all_at = self.version
            self._send(_event("reload", {"version": self.version, "pages": sorted(pages), "all": everything}))

    def set_status(self, status: dict[str, Any]) -> None:
        with self._lock:
            self.status = {**status, "version": self.version}
            self._send(_event("status", self.status))

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._send(None)

    def _send(self, event: str | None) -> None:
        for c in self._clients:
            c.events.put(event)


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


# --- HTTP ------------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024   # the listen backlog (5 by default): a page opening at once, many tabs, a crawl

    def __init__(self, address: tuple[str, int], app: "App") -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, Handler)
        self.hosts = Hosts.bound(address[0], self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        import sys
        import traceback

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return      # the browser went away mid-answer (a reload, a closed tab): nothing to report
        self.app.err.write("glossator serve: error while answering a request:\n" + traceback.format_exc())
        self.app.err.flush()


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    timeout = SEND_SECONDS          # writes; requests are read through `Incoming`, with a deadline

    def setup(self) -> None:
        super().setup()
        self.rfile.close()          # the plain buffered file setup() made: read with a deadline instead
        self.incoming = Incoming(self.connection)
        self.rfile = io.BufferedReader(self.incoming)

    def handle_one_request(self) -> None:
        self.incoming.start()       # this request's line and headers have REQUEST_SECONDS to arrive
        self.requestline = self.request_version = self.command = ""     # set once the request line is read
        try:
            super().handle_one_request()
        except HeadTooLarge:
            self.close_connection = True
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE if self.requestline
                            else HTTPStatus.REQUEST_URI_TOO_LONG)

    def version_string(self) -> str:
        return "glossator-serve"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(head=True)

    def respond(self, head: bool) -> None:
        app = self.server.app
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            self.close_connection = True
            return self.plain(HTTPStatus.BAD_REQUEST, "bad request: one Host header is required", head)
        if not self.server.hosts.allows(hosts[0]):     # a page of another site, its name pointed here
            self.close_connection = True
            return self.plain(HTTPStatus.MISDIRECTED_REQUEST, "glossator serve answers only to the address it "
                              "listens on (Host: 127.0.0.1, localhost, [::1] or the --host given)", head)
        raw = self.path
        if not raw.startswith("/"):
            return self.plain(HTTPStatus.BAD_REQUEST, "bad request", head)
        path, _, query = raw.partition("?")
        path = path.partition("#")[0]
        try:
            path = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return self.plain(HTTPStatus.BAD_REQUEST, "bad request", head)
        parts = path.split("/")[1:]
        if "\\" in path or "\x00" in path or any(p in (".", "..") for p in parts):
            return self.plain(HTTPStatus.FORBIDDEN, "forbidden", head)
        if "" in parts[:-1]:
            return self.not_found(head)
        if path.startswith(PREFIX):
            return self.internal(path[len(PREFIX):], parse_qs(query), head)
        page = page_of(path)
        version = app.hub.version       # read before the bytes: a page is never older than its version
        if not app.ready.is_set():
            return self.building(page, version, head)
        data = app.builder.get(page)
        if data is None:
            if app.builder.get(page + "/index.html") is not None:
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", quote(path + "/"))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if not app.builder.ok and page.endswith(".html"):
                return self.send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8",
                                 inject(PLACEHOLDER, version, app.hub.run), head)
            return self.not_found(head)
        kind = content_type(page)
        if kind.startswith("text/html"):
            data = inject(data, version, app.hub.run)
        return self.send(HTTPStatus.OK, kind, data, head)

    def internal(self, name: str, query: dict[str, list[str]], head: bool) -> None:
        app = self.server.app
        if name == "livereload.js":
            return self.send(HTTPStatus.OK, TYPES[".js"], app.script, head)
        if name == "status":
            return self.send(HTTPStatus.OK, "application/json", json.dumps(app.hub.status).encode(), head)
        if name == "events" and not head:
            return self.events(page_of(query.get("page", ["/"])[0]), _int(query.get("since", ["0"])[0]),
                               query.get("run", [""])[0])
        return self.not_found(head)

    def events(self, page: str, since: int, run: str) -> None:
        """A Server-Sent Events stream: status now, then reloads and status changes as they happen."""
        hub = self.server.app.hub
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        client = hub.connect(page, since, run)
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                try:
                    event = client.events.get(timeout=HEARTBEAT)
                except queue.Empty:
                    event = ": keep-alive\n\n"
                if event is None:
                    break
                self.wfile.write(event.encode("utf-8"))
                self.wfile.flush()
        except OSError:
            pass    # the page went away
        finally:
            hub.disconnect(client)

    def building(self, page: str, version: int, head: bool) -> None:
        """During the first build: a page that reloads when the site is there; other files later."""
        if page.endswith(".html"):
            body, kind = inject(BUILDING, version, self.server.app.hub.run), TYPES[".html"]
        else:
            body, kind = b"the site is being built: try again in a moment\n", TYPES[".txt"]
        self.send(HTTPStatus.SERVICE_UNAVAILABLE, kind, body, head, retry_after=1)

    def not_found(self, head: bool) -> None:
        page = self.server.app.builder.get("404.html")
        if page is None:
            return self.plain(HTTPStatus.NOT_FOUND, "not found", head)
        hub = self.server.app.hub
        return self.send(HTTPStatus.NOT_FOUND, TYPES[".html"], inject(page, hub.version, hub.run), head)

    def plain(self, status: HTTPStatus, text: str, head: bool) -> None:
        self.send(status, "text/plain; charset=utf-8", (text + "\n").encode(), head)

    def send(self, status: HTTPStatus, kind: str, body: bytes, head: bool, retry_after: int = 0) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if retry_after:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def inject(html: bytes, version: int, run: str = "") -> bytes:
    """The page with the reload script added (serve mode only; builds never contain it)."""
    tag = f'<script src="{SCRIPT_PATH}" data-version="{version}" data-run="{run}"></script>'.encode()
    at = html.lower().rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


def _notice(title: str, body: str) -> bytes:
    """A page of serve's own (never in a built site), readable light or dark, on any width."""
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="color-scheme" content="light dark">'
            '<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style>'
            f"<title>Glossator: {title}</title></head><body><h1>{title[:1].upper() + title[1:]}</h1>"
            f"<p>{body}</p></body></html>").encode("utf-8")


PLACEHOLDER = _notice("the site could not be built",
                      "Fix the problems listed here (and in the terminal); this page reloads when the build succeeds.")
BUILDING = _notice("building the site&hellip;", "This page reloads when the first build is done.")


# --- the server as a whole --------------------------------------------------------------


class App:
    """The build loop, the watcher, the HTTP server and the open pages, started and stopped together."""

    def __init__(self, corpus_dir: Path, builder: Builder, hub: Hub, out: TextIO, err: TextIO,
                 watch_also: Iterable[Path] = ()) -> None:
        self.dir = corpus_dir
        self.builder = builder
        self.out, self.err = out, err
        self.hub = hub
        self.changes = Changes()
        self.stopping = threading.Event()
        self.ready = threading.Event()     # set when the first build is over: until then, "building…"
        self.watcher = Watcher(corpus_dir, self.changes, watch_also)
        self.script = resources.files("builder").joinpath("livereload.js").read_bytes()
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
