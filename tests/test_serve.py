"""`glossator serve`: a real server process over a copy of the example corpus, driven by Chromium.

Every wait is on a condition (a DOM change, a status field, a line of output), with a
deadline; nothing sleeps for a fixed time. Servers run on free ports and are always
stopped with SIGINT: one shared by the read-only tests, one by the tests that edit the
sidecar (each puts it back), and one each for the tests that stop or break a server.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from builder.commands import cli
from builder.commands.http import inject
from builder.commands.hub import Hub, page_of
from builder.commands.watch import Changes
from tests.conftest import ROOT, cancelled_icon_load, copy_corpus

DOC = "rt-2021-naeem"
SIDECAR = f"annotations/{DOC}.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def save(path: Path, text: str) -> None:
    """Save as editors do: write a temporary file beside it, then rename it over the original."""
    tmp = path.with_name(path.name + ".tmp~")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def wait_until(check: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class Served:
    """A `python -m builder serve` process and what it printed."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.lines: list[str] = []
        for _attempt in range(3):
            self.port = free_port()
            # The server is stopped with Ctrl-C, as from a terminal. A test run started in the
            # background by a non-interactive shell (`pytest &`, as some CI scripts do) ignores
            # SIGINT, and a child would inherit that and never stop: it gets a handler instead
            # (undone at exec, so the server starts with Python's own Ctrl-C handling).
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "builder", "serve", str(corpus), "--port", str(self.port)],
                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            finally:
                signal.signal(signal.SIGINT, previous)
            self._readers = [threading.Thread(target=self._read, args=(s, tag), daemon=True)
                             for s, tag in ((self.proc.stdout, "out"), (self.proc.stderr, "err"))]
            for t in self._readers:
                t.start()
            # it answers at once ("building…"); the tests start from the first build's result
            wait_until(lambda: self.proc.poll() is not None or self.printed("out: built ")
                       or self.printed("build failed"), 60, "the server and its first build")
            if self.proc.poll() is None:
                return
            if self.proc.returncode != 2:   # 2: the port was taken meanwhile; try another
                break
        raise AssertionError("the server did not start:\n" + self.output)

    def _read(self, stream, tag: str) -> None:  # noqa: ANN001
        for line in stream:
            self.lines.append(f"{tag}: {line.rstrip()}")

    def printed(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def status(self) -> dict:
        with urllib.request.urlopen(self.url("__glossator/status"), timeout=5) as r:
            return json.load(r)

    def wait_builds(self, n: int, timeout: float = 10.0) -> dict:
        return wait_until(lambda: (s := self.status())["builds"] >= n and not s["building"] and s, timeout,
                          f"build {n}")  # type: ignore[return-value]

    def settle(self, quiet: float = 1.5, timeout: float = 20.0) -> dict:
        """Wait until the server has had nothing to do for `quiet` seconds (longer than a burst of
        file events may take to be noticed and coalesced): earlier writes' rebuilds are all done."""
        deadline, seen, since = time.monotonic() + timeout, None, time.monotonic()
        while True:
            s = self.status()
            now_ = (s["builds"], s["building"], s["pending"])
            if now_ != seen:
                seen, since = now_, time.monotonic()
            elif not s["building"] and not s["pending"] and time.monotonic() - since >= quiet:
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"the server was still busy after {timeout} s: {s}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the server did not stop within 10 s:\n" + self.output)
        for t in self._readers:
            t.join(timeout=5)
        return self.proc.returncode


@contextmanager
def serving(corpus: Path) -> Iterator[Served]:
    """A server of `corpus` for the block, stopped after it (unless the test stopped it)."""
    server = Served(corpus)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A server of its own, for a test that edits the corpus or stops the server."""
    with serving(copy_corpus(ROOT, tmp_path / "corpus")) as server:
        yield server


@pytest.fixture(scope="module")
def editable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(copy_corpus(ROOT, tmp_path_factory.mktemp("editable") / "corpus")) as server:
        yield server


@pytest.fixture
def live(editable: Served) -> Iterator[Served]:
    """A server shared by the tests that edit the sidecar; each gets it back as it found it."""
    sidecar = editable.corpus / SIDECAR
    original = sidecar.read_text("utf-8")
    editable.wait_builds(editable.status()["builds"])
    yield editable
    if sidecar.read_text("utf-8") != original:
        builds = editable.status()["builds"]
        save(sidecar, original)
        editable.wait_builds(builds + 1)
    assert editable.status()["ok"], editable.output


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the tests that only read."""
    with serving(copy_corpus(ROOT, tmp_path_factory.mktemp("shared") / "corpus")) as server:
        yield server


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written (no client-side normalisation of `..`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before {marker!r}: {data!r}"
        data += chunk
    return data


def _authoring_read_cut_by_reload(request) -> bool:  # noqa: ANN001 - a playwright Request
    """The authoring script's reads at page load (sidecar, entities), dropped because the page
    reloaded first: nothing was lost (they read again after the reload)."""
    return (request.method == "GET" and "/__glossator/api/" in request.url
            and (request.failure or "") == "net::ERR_ABORTED")


def open_live(page, url: str) -> None:  # noqa: ANN001
    """Open a page and wait until its event stream is connected; failed requests go to page.failed."""
    if not hasattr(page, "failed"):
        page.failed = []
        page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
                and page.failed.append(f"{r.status} {r.url}"))
        page.on("requestfailed", lambda r: "/__glossator/events" not in r.url and not cancelled_icon_load(r)
                and not _authoring_read_cut_by_reload(r) and page.failed.append(r.url))
    page.goto(url)
    page.wait_for_function("() => window.glossatorLive && window.glossatorLive.connected")


# --- unit: the pieces that need no server --------------------------------------------------


def test_a_burst_of_events_is_one_batch() -> None:
    changes = Changes(quiet=0.05, longest=1.0)
    for name in ("x.yaml.tmp", "x.yaml", "x.yaml", "y.yaml"):
        changes.add(Path(name))
    go, batch = changes.wait(threading.Event())
    assert go and batch == {Path("x.yaml.tmp"), Path("x.yaml"), Path("y.yaml")}
    assert not changes.pending()
    changes.add(None)   # a folder moved: read everything again
    assert changes.wait(threading.Event()) == (True, None)


def test_page_paths_and_injection() -> None:
    assert page_of("/") == "index.html"
    assert page_of("/docs/") == "docs/index.html"
    assert page_of("/docs/a.html") == "docs/a.html"
    html = inject(b"<html><body><p>x</p></body></html>", 7)
    assert html.count(b"/__glossator/livereload.js") == 1 and html.endswith(b"</body></html>")
    assert b'data-version="7"' in html


def test_a_page_that_missed_an_event_reloads_when_it_connects() -> None:
    hub = Hub()
    hub.changed(["docs/a.html"])
    late = hub.connect("docs/a.html", since=0)
    other = hub.connect("docs/b.html", since=0)
    assert [e.split("\n")[0] for e in drain(late)] == ["event: status", "event: reload"]
    assert [e.split("\n")[0] for e in drain(other)] == ["event: status"]
    hub.changed(["static/style.css"])
    assert '"all": true' in drain(other)[-1]
    restarted = hub.connect("docs/b.html", since=hub.version, run="an-earlier-run")
    assert [e.split("\n")[0] for e in drain(restarted)] == ["event: status", "event: reload"]
    current = hub.connect("docs/b.html", since=hub.version, run=hub.run)
    assert [e.split("\n")[0] for e in drain(current)] == ["event: status"]


def drain(client) -> list[str]:  # noqa: ANN001
    out = []
    while not client.events.empty():
        out.append(client.events.get())
    return out


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--port" in text and "--host" in text and "127.0.0.1" in text


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    out, err = io.StringIO(), io.StringIO()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["serve", str(corpus), "--port", str(port)], out, err) == 2
    assert f"port {port} is already in use" in err.getvalue() and "--port" in err.getvalue()
    assert "Traceback" not in err.getvalue()


# --- the server ------------------------------------------------------------------------------


def test_an_edit_shows_in_the_open_page(live: Served, page) -> None:  # noqa: ANN001
    served = live
    open_live(page, served.url(f"docs/{DOC}.html"))
    sidecar = served.corpus / SIDECAR
    text = sidecar.read_text("utf-8")
    assert "\nnotes:\n" in text
    save(sidecar, text.replace("\nnotes:\n", '\nnotes:\n  - text: "This is reality."\n'
                                             "    note: Added by the *serve* test.\n", 1))
    note = page.locator("body", has_text="Added by the serve test.")
    started = time.monotonic()
    note.wait_for(timeout=2000)
    assert time.monotonic() - started < 2
    assert page.locator(".note", has_text="This is reality.").count() >= 1
    # and a quote's text, in a second save: the quote's passage in the page follows it
    text = sidecar.read_text("utf-8")
    assert '  - id: putin-reality\n    text: "This is reality."\n' in text
    save(sidecar, text.replace('  - id: putin-reality\n    text: "This is reality."\n',
                               '  - id: putin-reality\n    text: "This is reality"\n'))
    page.wait_for_function("() => document.getElementById('putin-reality')"
                           " && document.getElementById('putin-reality').textContent.trim() === 'This is reality'",
                           timeout=2000)
    assert not page.failed
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def test_a_hidden_tab_lets_go_of_its_stream_and_catches_up_when_shown(live: Served, page) -> None:  # noqa: ANN001
    served = live
    open_live(page, served.url(f"docs/{DOC}.html"))
    visibility = """state => {
        Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    page.evaluate(visibility, "hidden")
    page.evaluate("window.__still_here = true")
    builds = served.status()["builds"]
    sidecar = served.corpus / SIDECAR
    save(sidecar, sidecar.read_text("utf-8").replace("The capture has no date", "The capture carries no date", 1))
    served.wait_builds(builds + 1)
    assert page.evaluate("window.__still_here === true && !window.glossatorLive.connected")
    page.evaluate(visibility, "visible")
    page.locator("body", has_text="The capture carries no date").wait_for(timeout=2000)


def test_a_bad_edit_shows_the_overlay_keeps_the_site_and_a_fix_clears_it(live: Served, page, browser) -> None:  # noqa: ANN001
    served = live
    open_live(page, served.url(f"docs/{DOC}.html"))
    sidecar = served.corpus / SIDECAR
    good = sidecar.read_text("utf-8")
    builds = served.status()["builds"]

    # an unknown speaker: the error's place and hint, in the terminal and over the page
    bad = good.replace("speaker: vladimir-putin", "speaker: vladimir-putn", 1)
    line = bad.splitlines().index("    speaker: vladimir-putn") + 1
    where = f"{SIDECAR}:{line}:14"
    save(sidecar, bad)
    overlay = page.locator("glossator-overlay .panel")
    overlay.wait_for(timeout=2000)
    assert where in overlay.locator(".where").all_inner_texts()
    assert "unknown speaker 'vladimir-putn'" in overlay.inner_text()
    assert "did you mean 'vladimir-putin'?" in overlay.inner_text()
    served.wait_builds(builds + 1)
    wait_until(lambda: served.printed(f"{where}: error: unknown speaker 'vladimir-putn'"), 5, "the terminal report")
    assert served.printed("still serving the last good site")

    # the last good site is still served, and a page opened now shows the overlay too
    with urllib.request.urlopen(served.url(f"docs/{DOC}.html"), timeout=5) as r:
        assert r.status == 200 and b'data-speaker="vladimir-putin"' in r.read()
    other = browser.new_page()
    try:
        open_live(other, served.url("index.html"))
        other.locator("glossator-overlay .panel").wait_for(timeout=2000)
        assert where in other.locator("glossator-overlay .where").all_inner_texts()
    finally:
        other.close()

    # author text in a message is shown as text, never run as HTML
    hostile = good.replace("\nnotes:\n", '\nnotes:\n  - text: "<img src=x onerror=window.__owned=1>"\n'
                                         "    note: never anchored\n", 1)
    save(sidecar, hostile)
    overlay.filter(has_text="<img src=x onerror=window.__owned=1>").wait_for(timeout=2000)
    assert page.locator("glossator-overlay img").count() == 0
    assert page.evaluate("window.__owned") is None

    # a YAML syntax error
    save(sidecar, good.replace("\nnotes:\n", "\nnotes: [\n", 1))
    overlay.filter(has_text="YAML").wait_for(timeout=2000)
    assert re.search(rf"{re.escape(SIDECAR)}:\d+:\d+", overlay.inner_text())

    # the fix removes the overlay from every page
    save(sidecar, good)
    page.locator("glossator-overlay").wait_for(state="detached", timeout=2000)
    assert served.status()["ok"]


def test_a_corpus_broken_from_the_start_is_served_once_fixed(tmp_path: Path, page) -> None:  # noqa: ANN001
    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    sidecar = corpus / SIDECAR
    good = sidecar.read_text("utf-8")
    sidecar.write_text(good.replace("\nnotes:\n", "\nnotes: [\n", 1), "utf-8")
    server = Served(corpus)
    try:
        assert server.printed("build failed")
        status, body = raw_get(server.port, f"/docs/{DOC}.html")
        assert status == 503 and b"/__glossator/livereload.js" in body
        open_live(page, server.url(f"docs/{DOC}.html"))
        page.locator("glossator-overlay .panel", has_text=SIDECAR).wait_for(timeout=2000)
        save(sidecar, good)
        page.locator("article").wait_for(timeout=3000)
        page.locator("glossator-overlay").wait_for(state="detached", timeout=2000)
    finally:
        assert server.stop() == 0


def test_the_scroll_position_survives_a_reload(live: Served, page) -> None:  # noqa: ANN001
    served = live
    page.set_viewport_size({"width": 1280, "height": 600})
    open_live(page, served.url(f"docs/{DOC}.html"))
    room = page.evaluate("document.documentElement.scrollHeight - innerHeight")
    assert room > 400, "the page must be long enough to scroll"
    y = int(room * 0.6)
    page.evaluate(f"window.scrollTo(0, {y})")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {y}) < 2")
    page.evaluate("window.__before_reload = true")
    sidecar = served.corpus / SIDECAR
    save(sidecar, sidecar.read_text("utf-8").replace("The capture has no date", "The capture is undated", 1))
    page.wait_for_function("() => window.__before_reload === undefined && document.readyState === 'complete'",
                           timeout=2000)
    page.locator("body", has_text="The capture is undated").wait_for(timeout=2000)
    page.wait_for_function(f"() => Math.abs(window.scrollY - {y}) < 2", timeout=2000)


def test_one_save_is_one_rebuild(live: Served) -> None:
    served = live
    sidecar = served.corpus / SIDECAR
    text = sidecar.read_text("utf-8")
    builds = served.wait_builds(1)["builds"]
    # one editor save: temp file, rename, then the editor touches and rewrites it
    save(sidecar, text.replace("The capture has no date", "The capture has no date at all", 1))
    os.utime(sidecar)
    sidecar.write_text(sidecar.read_text("utf-8"), "utf-8")
    served.wait_builds(builds + 1)
    # a second save; events arrive in order, so a second build for the first save would come before it
    save(sidecar, text)
    status = served.wait_builds(builds + 2)
    assert status["builds"] == builds + 2


def test_nothing_outside_the_site_is_served(shared: Served, tmp_path: Path) -> None:
    served = shared
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", "utf-8")
    out = served.corpus / "site"             # the build output folder, which serve never reads
    out.mkdir(exist_ok=True)
    (out / "leak.txt").symlink_to(secret)
    (out / "docs").mkdir()
    (out / "docs" / "leak.html").symlink_to(secret)
    for target in ("/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                   "/docs/../../seeds/INDEX.md", "//etc/passwd", "/./index.html", "/leak.txt", "/docs/leak.html",
                   "/..\\secret.txt", "/%00", f"{secret}", "/etc/passwd", "http://example.com/etc/passwd",
                   "/seeds/INDEX.md", "/annotations/entities.yaml", "/__glossator/../index.html"):
        status, body = raw_get(served.port, target)
        assert status in (400, 403, 404), (target, status)
        assert b"TOP SECRET" not in body and b"root:" not in body and b"| id |" not in body, target


def test_a_theme_symlink_out_of_the_corpus_is_refused_as_build_refuses_it(tmp_path: Path) -> None:
    from builder.run.live import LiveSite

    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    (tmp_path / "secret.txt").write_text("TOP SECRET", "utf-8")
    (corpus / "themes/default/static").mkdir(parents=True, exist_ok=True)
    (corpus / "themes/default/static/leak.txt").symlink_to(tmp_path / "secret.txt")
    builder = LiveSite(corpus)
    update = builder.build()
    assert not update.ok
    assert [(d.path, d.message) for d in update.diagnostics if d.severity == "error"] == [
        ("themes/default/static/leak.txt", "themes/default/static/leak.txt is a link that leaves the corpus")]
    assert builder.get("static/leak.txt") is None


def test_directory_urls_and_many_clients(shared: Served) -> None:
    served = shared
    streams = []
    try:
        for _ in range(12):   # open pages, each holding an event stream
            s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            s.sendall(b"GET /__glossator/events?page=index.html&since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            read_until(s, b"event: status")
            streams.append(s)
        started = time.monotonic()
        root, index = raw_get(served.port, "/"), raw_get(served.port, "/index.html")
        assert root[0] == index[0] == 200 and root[1] == index[1]
        assert raw_get(served.port, "/docs/")[0] == 404
        assert raw_get(served.port, f"/docs/{DOC}.html?x=1#top")[0] == 200
        assert time.monotonic() - started < 2
        head = urllib.request.Request(served.url("index.html"), method="HEAD")
        with urllib.request.urlopen(head, timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert served.status()["ok"]
    finally:
        for s in streams:
            s.close()


def test_build_and_bundle_output_have_no_reload_script(example_site: Path, shared: Served, tmp_path: Path) -> None:
    served = shared
    for html in example_site.rglob("*.html"):
        text = html.read_text("utf-8")
        assert "__glossator" not in text and "livereload" not in text, html
    bundle = tmp_path / "site.zip"
    assert cli.main(["bundle", str(ROOT), "-o", str(bundle), "-q"], io.StringIO(), io.StringIO()) == 0
    with zipfile.ZipFile(bundle) as z:
        for name in z.namelist():
            assert b"__glossator" not in z.read(name) and b"livereload" not in z.read(name), name
    for path in ("index.html", f"docs/{DOC}.html", "no-such-page.html"):
        try:
            body = urllib.request.urlopen(served.url(path), timeout=5).read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
        assert body.count(b'<script src="/__glossator/livereload.js"') == 1, path


def test_ctrl_c_stops_cleanly(served: Served) -> None:
    stream = socket.create_connection(("127.0.0.1", served.port), timeout=5)
    stream.sendall(b"GET /__glossator/events?page=index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    read_until(stream, b"event: status")
    try:
        assert served.stop(signal.SIGINT) == 0
    finally:
        stream.close()
    assert "Traceback" not in served.output and "KeyboardInterrupt" not in served.output
    assert served.lines[-1] == "out: stopped" or served.printed("out: stopped")


def test_the_data_files_are_served_with_their_types(example_site: Path, shared: Served) -> None:
    types = {"annotations.jsonld": "application/ld+json", "data/quotes.csv": "text/csv; charset=utf-8; header=present",
             "data/quotes.json": "application/json"}
    for path, kind in types.items():
        with urllib.request.urlopen(shared.url(path), timeout=10) as r:
            assert r.headers["Content-Type"] == kind
            assert r.read() == (example_site / path).read_bytes()
