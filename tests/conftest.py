"""Shared fixtures: the example corpus built once, a static file server, and headless Chromium.

Browser tests drive Debian's /usr/bin/chromium through Playwright. Outside CI a
missing browser skips them; in CI (CI=true) it fails them, because a skipped
browser test there would hide a missing feature.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
from pathlib import Path
from typing import Iterator

import pytest

from builder.run.pipeline import build_and_write

ROOT = Path(__file__).resolve().parents[1]


def cancelled_icon_load(request) -> bool:  # noqa: ANN001 - a playwright Request
    """Chromium loads a page's icon (static/favicon.svg) at low priority and cancels the load
    (net::ERR_ABORTED) when the page goes away, by navigation or live reload: not a broken
    link. A missing icon still shows, as its 404 response."""
    return request.url.endswith("/static/favicon.svg") and request.failure == "net::ERR_ABORTED"


def search_warmed(page) -> None:  # noqa: ANN001 - a playwright Page
    """On search.html, wait for the idle warm-up (one index shard, search.js warmUp) to be in:
    leaving the page while it loads cancels it (net::ERR_ABORTED), which a test that counts
    failed requests would take for a broken link. Other pages: nothing to wait for."""
    page.evaluate("() => window.GlossatorSearch && GlossatorSearch.warmed()")
CHROMIUM = os.environ.get("GLOSSATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def own_signing_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build cache signed with a key of this test's own (builder.run.store), not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example corpus (the project's own seeds/ and annotations/), built once."""
    out = tmp_path_factory.mktemp("example") / "site"
    result = build_and_write(ROOT, out)
    assert result.ok, "\n".join(d.format() for d in result.diagnostics)
    return out


def copy_corpus(src: Path, dst: Path) -> Path:
    """A writable copy of a corpus folder (seeds, annotations, themes, settings)."""
    for name in ("seeds", "annotations", "themes"):
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name)
    if (src / "glossator.toml").exists():
        shutil.copy(src / "glossator.toml", dst / "glossator.toml")
    return dst


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def static_server() -> Iterator["functools.partial[str]"]:
    """serve(folder) → base URL of a plain static server on 127.0.0.1 for that folder."""
    servers: list[_Server] = []

    def serve(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve  # type: ignore[misc]
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - a playwright Browser
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201 - a playwright Page with console errors collected
    context = browser.new_context()
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))  # type: ignore[attr-defined]
    yield pg
    context.close()
