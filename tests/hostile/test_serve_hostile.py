"""`glossator serve` against hostile corpora and hostile clients.

It reads the corpus through the same checks as `build` (a link out of the corpus is
refused, /dev/zero is never read); it answers a crowd, drops idle and slow connections,
answers during the first build, and answers only requests whose Host header names the
address it listens on (DNS rebinding).

Servers are real `python -m builder serve` processes on free ports, stopped with Ctrl-C
(SIGINT), as in tests/test_serve.py; every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from builder.core import diagnostics
from builder.run import pipeline
from builder.commands.serveguard import REQUEST_SECONDS, Hosts

from .corpus import ROOT, Corpus, build, person

TEXT = "Zamir Kabulov said on Tuesday that the embassy is safe.\nThe talks went on.\n"


def corpus(root: Path) -> Path:
    c = Corpus(title="Served corpus", entities={"people": {"zamir-kabulov": person("Zamir Kabulov")}})
    c.doc("a", "a.txt", TEXT, "Report A", published="2021-08-17")
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov"}]}
    return c.write(root)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return value


def limit_memory() -> None:
    """In the server process: a regression that reads /dev/zero fails with MemoryError
    instead of taking the machine's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


class Server:
    """A server process, what it printed, and a way to stop it as from a terminal."""

    def __init__(self, argv: Callable[[int], list[str]], root: Path, memory_limit: bool = False) -> None:
        self.lines: list[str] = []
        self.root = root
        self.port = free_port()
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)   # see tests/test_serve.py
        try:
            self.proc = subprocess.Popen(
                [sys.executable, *argv(self.port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                preexec_fn=limit_memory if memory_limit else None)
        finally:
            signal.signal(signal.SIGINT, previous)
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout),  # type: ignore[arg-type]
                                        daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def printed(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def wait_printed(self, *texts: str, timeout: float = 60) -> None:
        wait_until(lambda: self.proc.poll() is not None or any(self.printed(t) for t in texts), timeout,
                   f"the server to print one of {texts}:\n{self.output}")
        assert self.proc.poll() is None, f"the server ended:\n{self.output}"

    def wait_listening(self, timeout: float = 60) -> None:
        def listening() -> bool:
            assert self.proc.poll() is None, f"the server ended:\n{self.output}"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return False
            return True

        wait_until(listening, timeout, "the server to listen")

    def stop(self, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"the server did not stop within {timeout} s:\n{self.output}") from None
        self._reader.join(timeout=5)
        return self.proc.returncode


@contextmanager
def serving(root: Path, memory_limit: bool = False) -> Iterator[Server]:
    """`glossator serve root`, once its first build is over."""
    server = Server(lambda port: ["-m", "builder", "serve", str(root), "--port", str(port)], root, memory_limit)
    try:
        server.wait_printed("built ", "build failed", "build crashed")
        yield server
    finally:
        server.stop()


def request(port: int, target: str, host: str | None = "127.0.0.1", timeout: float = 5,
            extra: str = "") -> tuple[int, dict[str, str], bytes]:
    """One request, written exactly as given (host None: no Host header): status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        head = f"GET {target} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host is not None else "")
        s.sendall(f"{head}{extra}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def status_of(port: int) -> dict:
    code, _, body = request(port, "/__glossator/status")
    assert code == 200, body
    return json.loads(body)


def read_until(sock: socket.socket, marker: bytes, data: bytes = b"") -> bytes:
    while marker not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before {marker!r}: {data!r}"
        data += chunk
    return data


def closed(sock: socket.socket) -> bool:
    """Whether the server closed the connection (blocks until it does or the socket times out)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        return False
    return True


# --- the corpus: read through the same checks as `build` -----------------------------------


def test_an_index_linked_outside_the_corpus_is_refused_as_build_refuses_it(tmp_path: Path) -> None:
    root = corpus(tmp_path / "corpus")
    outside = tmp_path / "elsewhere" / "INDEX.md"
    outside.parent.mkdir()
    outside.write_text((root / "seeds" / "INDEX.md").read_text("utf-8").replace("Served corpus", "TOPSECRET title"))
    (root / "seeds" / "INDEX.md").unlink()
    os.symlink(outside, root / "seeds" / "INDEX.md")
    built = build(root, tmp_path / "site")
    expected = [m.groups() for m in built.errors() if m["path"] == "seeds/INDEX.md"]
    assert built.code == 1 and expected, built.err
    with serving(root) as server:
        assert server.printed("build failed"), server.output
        status = status_of(server.port)
        assert not status["ok"]
        found = [tuple(d["where"].split(":")) + (d["message"],) for d in status["diagnostics"]
                 if d["path"] == "seeds/INDEX.md" and d["severity"] == "error"]
        assert found == expected, (found, expected)
        for target in ("/", "/index.html"):
            code, _, body = request(server.port, target)
            assert code == 503 and b"TOPSECRET" not in body, (target, code)
    assert "Traceback" not in server.output and "TOPSECRET" not in server.output, server.output


@pytest.mark.parametrize("name", ["annotations/entities.yaml", "annotations/a.yaml"])
def test_a_file_linked_to_dev_zero_ends_the_first_build_promptly_as_build_does(tmp_path: Path, name: str) -> None:
    """/dev/zero never ends: serve must not read it to see whether it changed."""
    root = corpus(tmp_path / "corpus")
    (root / name).unlink()
    os.symlink("/dev/zero", root / name)
    built = build(root, tmp_path / "site")
    expected = [m.groups() for m in built.errors() if m["path"] == name]
    assert built.code in (0, 1) and "Traceback" not in built.err, built.err
    started = time.monotonic()
    with serving(root, memory_limit=True) as server:
        assert time.monotonic() - started < 30, "the first build took too long"
        status = status_of(server.port)
        assert status["ok"] == (built.code == 0), (status, built.err)
        found = [tuple(d["where"].split(":")) + (d["message"],) for d in status["diagnostics"]
                 if d["path"] == name and d["severity"] == "error"]
        assert found == expected, (found, expected)
    assert "Traceback" not in server.output and "MemoryError" not in server.output, server.output


def test_an_index_linked_to_dev_zero_during_the_session_is_refused_promptly(tmp_path: Path) -> None:
    root = corpus(tmp_path / "corpus")
    with serving(root, memory_limit=True) as server:
        assert status_of(server.port)["ok"], server.output
        index = root / "seeds" / "INDEX.md"
        link = index.with_name("INDEX.md.tmp~")
        os.symlink("/dev/zero", link)
        os.replace(link, index)
        status = wait_until(lambda: (s := status_of(server.port))["builds"] >= 2 and not s["building"] and s, 30,
                            f"the rebuild:\n{server.output}")
        # the command line refuses to start on such a folder; the build's own stages say why
        found = pipeline.check(root)[1]
        expected = [(f"{d.path}:{d.line}:{d.column}", d.message) for d in diagnostics.sort(found)
                    if d.severity == "error"]
        assert ("seeds/INDEX.md:1:1", "seeds/INDEX.md is a link that leaves the corpus") in expected, expected
        assert [(d["where"], d["message"]) for d in status["diagnostics"] if d["severity"] == "error"] == expected
        code, _, body = request(server.port, "/index.html")
        assert code == 200 and b"Served corpus" in body     # the last good site
    assert "Traceback" not in server.output and "MemoryError" not in server.output, server.output


def test_a_page_asked_for_while_it_renders_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crowd asks for a page that the build loop is rendering: each gets it, none a 404."""
    from builder.run.live import LiveSite
    from builder.html import render

    builder = LiveSite(corpus(tmp_path / "corpus"))
    assert builder.build().ok
    rendering = threading.Event()
    render_page = render.render_page

    def slow(env, path, maker):  # noqa: ANN001, ANN202
        rendering.set()
        time.sleep(0.3)
        return render_page(env, path, maker)

    monkeypatch.setattr(render, "render_page", slow)
    first = threading.Thread(target=builder.get, args=("index.html",), daemon=True)
    first.start()
    assert rendering.wait(10)
    assert builder.get("index.html") is not None
    first.join(timeout=10)


# --- the crowd ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(corpus(tmp_path_factory.mktemp("shared") / "corpus")) as server:
        yield server


def test_256_concurrent_requests_are_all_answered(shared: Server) -> None:
    n, bound = 256, 5.0
    results: list[object] = [None] * n
    go = threading.Barrier(n + 1)

    def get(i: int) -> None:
        go.wait()
        try:
            results[i] = request(shared.port, "/index.html", timeout=bound)[0]
        except OSError as exc:
            results[i] = repr(exc)

    threads = [threading.Thread(target=get, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    go.wait()
    started = time.monotonic()
    for t in threads:
        t.join(timeout=3 * bound)
    seconds = time.monotonic() - started
    failed = [r for r in results if r != 200]
    assert not failed, f"{len(failed)} of {n} requests failed: {sorted(set(map(str, failed)))}"
    assert seconds < bound, f"{n} concurrent requests took {seconds:.1f} s"


def test_idle_and_slow_connections_are_dropped_and_event_streams_stay(shared: Server) -> None:
    port = shared.port
    bound = REQUEST_SECONDS + 10          # generous: the server drops them after REQUEST_SECONDS
    stream = socket.create_connection(("127.0.0.1", port), timeout=bound)
    stream.sendall(b"GET /__glossator/events?page=index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    seen = read_until(stream, b"event: status")
    opened = time.monotonic()
    idle = socket.create_connection(("127.0.0.1", port), timeout=bound)          # sends nothing
    kept = socket.create_connection(("127.0.0.1", port), timeout=bound)          # a keep-alive left open
    kept.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert read_until(kept, b"</html>").startswith(b"HTTP/1.1 200")
    slow = socket.create_connection(("127.0.0.1", port), timeout=bound)          # headers, a byte at a time
    dropped_at: list[float] = []

    def trickle() -> None:
        for byte in b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"x" * 1000:
            try:
                slow.send(bytes([byte]))
            except OSError:
                break
            time.sleep(0.25)
        dropped_at.append(time.monotonic())

    started = time.monotonic()
    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        assert closed(idle), "an idle connection was kept open"
        assert closed(kept), "an idle keep-alive connection was kept open"
        sender.join(timeout=bound)
        assert dropped_at and dropped_at[0] - started < bound, "a connection sending its headers slowly was kept"
        # the event stream, older than the timeout, still carries events: an edit's "building" status
        time.sleep(max(0.0, opened + REQUEST_SECONDS + 1 - time.monotonic()))
        (shared.root / "seeds" / "a.txt").write_text(TEXT, "utf-8")
        read_until(stream, b"event: status", seen.partition(b"event: status")[2])
    finally:
        for s in (stream, idle, kept, slow):
            s.close()


def test_an_oversized_request_is_refused(shared: Server) -> None:
    def answer(data: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", shared.port), timeout=10) as s:
            try:
                s.sendall(data)
            except OSError:
                pass        # refused before it was all sent
            return read_until(s, b"\r\n\r\n").split(b"\r\n")[0]

    assert answer(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").split()[1] == b"414"
    many = b"".join(b"X-%d: %s\r\n" % (i, b"x" * 20_000) for i in range(4))      # 80 KB of headers
    assert answer(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n").split()[1] == b"431"
    assert request(shared.port, "/index.html")[0] == 200


# --- strangers: the Host header ---------------------------------------------------------------

PATHS = ("/", "/index.html", "/docs/a.html", "/__glossator/status", "/__glossator/livereload.js",
         "/__glossator/events?page=index.html")


def test_a_host_that_is_not_this_server_is_refused_on_every_path(shared: Server) -> None:
    port = shared.port
    strangers = ("evil.example", f"evil.example:{port}", f"127.0.0.1.nip.io:{port}", f"localhost.evil.example:{port}",
                 f"127.0.0.1:{port + 1}", f"localhost:{port}0", "localhost:", f"[::1]x:{port}", "127.1",
                 f"0x7f.0.0.1:{port}", f"192.168.1.10:{port}", "")
    for path in PATHS:
        for host in strangers:
            code, headers, body = request(port, path, host=host)
            assert code == 421, (path, host, code)
            assert headers["content-type"].startswith("text/plain") and len(body) < 300, (path, host)
            assert b"Served corpus" not in body and b"diagnostics" not in body, (path, host)
        assert request(port, path, host=None)[0] == 400, path                                  # no Host
        assert request(port, path, extra="Host: evil.example\r\n")[0] == 400, path             # two Hosts


def test_the_names_of_this_server_are_accepted(shared: Server) -> None:
    port = shared.port
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", f"LocalHost:{port}",
                 "[::1]", f"[::1]:{port}"):
        for path in ("/", "/index.html", "/__glossator/status"):
            code, _, body = request(port, path, host=host)
            assert code == 200, (host, path, code, body[:200])


def test_the_hosts_each_address_accepts() -> None:
    local = Hosts.bound("127.0.0.1", 8000)
    assert all(local.allows(h) for h in ("127.0.0.1", "localhost:8000", "[::1]:8000", "LOCALHOST"))
    assert not any(local.allows(h) for h in (None, "", "evil.example", "127.0.0.1:8001", "192.168.1.10:8000", "[::1",
                                             "localhost:8000:8000", "localhost:+8000", "localhost:８０００"))
    given = Hosts.bound("192.168.1.10", 8000)
    assert given.allows("192.168.1.10:8000") and given.allows("localhost")
    assert not given.allows("192.168.1.11:8000")
    named = Hosts.bound("box.lan", 8000)
    assert named.allows("box.lan:8000") and named.allows("BOX.LAN") and not named.allows("evil.box.lan")
    six = Hosts.bound("::1", 8000)
    assert six.allows("[::1]:8000") and not six.allows("::1")
    # listening on every address: its IP addresses and this machine's name, no other names
    for wildcard in ("0.0.0.0", "::"):
        every = Hosts.bound(wildcard, 8000)
        own = socket.gethostname().lower()
        for good in ("192.168.1.10:8000", "10.0.0.7", "[2001:db8::1]:8000", "[fe80::1]", "0.0.0.0:8000",
                     own, f"{own}.local:8000", "localhost:8000"):
            assert every.allows(good), (wildcard, good)
        for bad in ("evil.example:8000", "192.168.1.10.nip.io:8000", "127.1", "0x7f.0.0.1", "2130706433",
                    "192.168.1.10:8001", "[2001:db8::1]x", f"{own}.evil.example"):
            assert not every.allows(bad), (wildcard, bad)


# --- the first build -------------------------------------------------------------------------

SLOW_FIRST_BUILD = r"""
import sys, time
from pathlib import Path
from builder.commands import serve
from builder.run.live import LiveSite

corpus, release, port = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), int(sys.argv[3])


class SlowFirstBuild(LiveSite):
    "The first build waits until the test creates `release` (at most a minute)."

    def build(self, changed=None, first=()):
        deadline = time.monotonic() + 60
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().build(changed, first)


sys.exit(serve.serve(corpus, "127.0.0.1", port, sys.stdout, sys.stderr, builder=SlowFirstBuild(corpus)))
"""


def test_requests_during_a_slow_first_build_are_answered_at_once(tmp_path: Path) -> None:
    root = corpus(tmp_path / "corpus")
    release = tmp_path / "release"
    server = Server(lambda port: ["-c", SLOW_FIRST_BUILD, str(root), str(release), str(port)], root)
    try:
        server.wait_listening()
        started = time.monotonic()
        code, headers, page = request(server.port, "/index.html", timeout=3)
        assert code == 503 and headers.get("retry-after") and b"Building the site" in page, (code, page)
        assert b'<script src="/__glossator/livereload.js"' in page
        status = status_of(server.port)
        assert status["building"] and status["builds"] == 0, status
        for target in ("/static/style.css", "/search/index.json", "/docs/a.html", "/"):
            code, headers, _ = request(server.port, target, timeout=3)
            assert code == 503 and headers.get("retry-after"), (target, code)
        assert time.monotonic() - started < 3, "the answers during the first build were slow"
        # the "building…" page reloads once the site is there
        version = re.search(rb'data-version="(\d+)" data-run="(\w+)"', page)
        assert version, page
        stream = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        with stream:
            stream.sendall(b"GET /__glossator/events?page=index.html&since=%s&run=%s HTTP/1.1\r\n"
                           b"Host: 127.0.0.1\r\n\r\n" % version.groups())
            seen = read_until(stream, b"event: status")
            release.touch()
            read_until(stream, b"event: reload", seen)
        code, _, page = request(server.port, "/index.html")
        assert code == 200 and b"Served corpus" in page, code
        assert status_of(server.port)["builds"] == 1
    finally:
        release.touch()
        assert server.stop() == 0, server.output
    assert "Traceback" not in server.output, server.output


def test_ctrl_c_during_the_first_build_stops_at_once(tmp_path: Path) -> None:
    root = corpus(tmp_path / "corpus")
    server = Server(lambda port: ["-c", SLOW_FIRST_BUILD, str(root), str(tmp_path / "never"), str(port)], root)
    server.wait_listening()
    assert status_of(server.port)["building"]
    started = time.monotonic()
    assert server.stop(timeout=10) == 0, server.output
    assert time.monotonic() - started < 4, "stopping waited for the first build"
    assert "Traceback" not in server.output, server.output
