"""The live server's HTTP side: site files from the live site, with the reload script added to
HTML; /__glossator/{livereload.js,authoring/*.js,events,status}; only requests that name the server's own
address and arrive promptly (builder.commands.serveguard)."""

from __future__ import annotations

import io
import json
import mimetypes
import queue
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import parse_qs, quote, unquote

from builder.commands import api
from builder.commands.hub import Hub, page_of
from builder.commands.serveguard import SEND_SECONDS, HeadTooLarge, Hosts, Incoming

PREFIX = "/__glossator/"
SCRIPT_PATH = PREFIX + "livereload.js"
AUTHORING_PATH = PREFIX + "authoring/main.js"     # an ES module; it imports its neighbours
HEARTBEAT = 15.0      # seconds between keep-alive comments on an idle event stream


class App(Protocol):
    """What the HTTP side reads of the server (builder.commands.serve.App)."""

    builder: Any                 # the live site: get(path), ok
    hub: Hub
    script: bytes                # livereload.js
    authoring_scripts: dict[str, bytes]   # authoring/*.js by name
    err: TextIO
    ready: threading.Event       # set once the first build is over
    authoring: Any               # the authoring API (builder.commands.authoring.Authoring): its token


TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".webmanifest": "application/manifest+json",
         ".csv": "text/csv; charset=utf-8; header=present", ".jsonld": "application/ld+json"}


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

    def do_POST(self) -> None:  # noqa: N802
        api.answer(self, "POST")

    def do_PATCH(self) -> None:  # noqa: N802
        api.answer(self, "PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        api.answer(self, "DELETE")

    def do_PUT(self) -> None:  # noqa: N802
        api.answer(self, "PUT")

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
        if path.startswith(api.API):
            return api.answer(self, "HEAD" if head else "GET")
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
                                 self.inject(PLACEHOLDER, version), head)
            return self.not_found(head)
        kind = content_type(page)
        if kind.startswith("text/html"):
            data = self.inject(data, version)
        return self.send(HTTPStatus.OK, kind, data, head)

    def internal(self, name: str, query: dict[str, list[str]], head: bool) -> None:
        app = self.server.app
        if name == "livereload.js":
            return self.send(HTTPStatus.OK, TYPES[".js"], app.script, head)
        if name.startswith("authoring/") and name[len("authoring/"):] in app.authoring_scripts:
            return self.send(HTTPStatus.OK, TYPES[".js"], app.authoring_scripts[name[len("authoring/"):]], head)
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
            body, kind = self.inject(BUILDING, version), TYPES[".html"]
        else:
            body, kind = b"the site is being built: try again in a moment\n", TYPES[".txt"]
        self.send(HTTPStatus.SERVICE_UNAVAILABLE, kind, body, head, retry_after=1)

    def not_found(self, head: bool) -> None:
        page = self.server.app.builder.get("404.html")
        if page is None:
            return self.plain(HTTPStatus.NOT_FOUND, "not found", head)
        return self.send(HTTPStatus.NOT_FOUND, TYPES[".html"], self.inject(page, self.server.app.hub.version), head)

    def inject(self, html: bytes, version: int) -> bytes:
        app = self.server.app
        return inject(html, version, app.hub.run, app.authoring.token)

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


def inject(html: bytes, version: int, run: str = "", token: str = "") -> bytes:
    """The page with the reload script added, and the authoring API's token in its head (serve
    mode only; builds never contain them)."""
    tag = f'<script src="{SCRIPT_PATH}" data-version="{version}" data-run="{run}"></script>'.encode()
    at = html.lower().rfind(b"</body>")
    html = html[:at] + tag + html[at:] if at >= 0 else html + tag
    if token:
        tag = f'<script type="module" src="{AUTHORING_PATH}"></script>'.encode()
        at = html.lower().rfind(b"</body>")
        html = html[:at] + tag + html[at:] if at >= 0 else html + tag
        meta = f'<meta name="glossator-token" content="{token}">'.encode()
        at = html.lower().find(b"</head>")
        html = html[:at] + meta + html[at:] if at >= 0 else meta + html
    return html


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
