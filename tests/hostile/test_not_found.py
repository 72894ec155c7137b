"""The 404 page loads nothing from another origin.

A host answers 404.html for any missing address, so the page's root-finding script (no
base URL) sees whatever path a link put in the address bar. Paths that name another host
once made into a link (//host/…, /\\host/…, /..//host/…) must never become one. Opened in
Chromium under `glossator serve` and under static hosts, the page sends no request to a
second server listening on another port (which would answer anything, cross-origin), every
request it makes stays on the site's origin, no foreign script runs, and its links still
lead into the site. With a base URL, the fallback link is the base URL.
"""

from __future__ import annotations

import functools
import http.server
import io
import threading
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from builder.run.live import LiveSite
from builder.run.pipeline import build, build_and_write
from builder.commands.hub import Hub
from builder.commands.serve import App
from tests.conftest import copy_corpus

CORPUS = Path(__file__).resolve().parents[1] / "golden" / "corpus"
SUB = "some-repo/"

# Addresses of missing pages, after the site's origin; {other} is the recording server's
# host:port. A URL parser reads the first five as a path starting "//other/" (backslashes
# are slashes in http URLs, "/.." goes nowhere above the root); the encoded one stays a path.
ATTACKS = {
    "double-slash": "//{other}/a/b/x",
    "triple-slash": "///{other}/a/b/x",
    "backslash": "/\\{other}/a/b/x",
    "slash-backslash-slash": "/\\/{other}/a/x.html",
    "dot-dot": "/..//{other}/a/b/x",
    "encoded-slashes": "/%2F%2F{other}/a/b/x",
    "long": "//{other}" + "/a" * 400 + "/x",
}

# Every element that names a URL (but those hidden), as the browser resolves it.
REFS_JS = """() => [...document.querySelectorAll('[href], [src], [action]')].filter(el => !el.closest('[hidden]')).map(el =>
  [el.tagName.toLowerCase(), el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action'),
   new URL(el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action'), document.baseURI).href])"""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def start(server: http.server.ThreadingHTTPServer, servers: list) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)
    return f"http://127.0.0.1:{server.server_address[1]}/"


# --- the other origin: answers anything, to anyone, and writes it down -----------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Every request it gets is recorded; every answer is 200 and readable cross-origin, so a
    probe for 404.html 'finds' a site root here and a script loaded from here runs."""

    seen: list[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def answer(self, head: bool) -> None:
        self.seen.append(f"{self.command} {self.path}")
        path = self.path.split("?")[0]
        kind, body = (("text/javascript", b"window.__pwned = 1;") if path.endswith(".js")
                      else ("text/css", b"body { display: none }") if path.endswith(".css")
                      else ("text/html", b"<!doctype html><title>elsewhere</title>"))
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(head=True)

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.seen.append(f"OPTIONS {self.path}")
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.end_headers()


@pytest.fixture(scope="module")
def other() -> Iterator[tuple[str, list[str]]]:
    """(host:port, the requests it got) of a server on another port."""
    seen: list[str] = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Recorder", (_Recorder,), {"seen": seen}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


# --- the sites ---------------------------------------------------------------------------------


class _Host(http.server.SimpleHTTPRequestHandler):
    """A static host that answers any missing address with its 404 page and status 404, as
    Netlify, Cloudflare Pages, GitHub Pages or nginx `error_page 404` do."""

    not_found_page = "404.html"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / self.not_found_page
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


def static_host(folder: Path, not_found_page: str, servers: list) -> str:
    handler = functools.partial(type("Host", (_Host,), {"not_found_page": not_found_page}), directory=str(folder))
    return start(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler), servers)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], tuple[str, str]]]:
    """site(kind) → (the site's root URL, the origin's root URL), each started once:
    'serve'    `glossator serve` (its App, in this process) on a copy of the corpus;
    'static'   the built site at the root of a static host;
    'sub-path' the built site under /some-repo/ of a static host that answers any missing
               address with /some-repo/404.html."""
    servers: list = []
    apps: list[App] = []
    started: dict[str, tuple[str, str]] = {}

    def site(kind: str) -> tuple[str, str]:
        if kind in started:
            return started[kind]
        folder = tmp_path_factory.mktemp(kind.replace("-", ""))
        if kind == "serve":
            corpus = copy_corpus(CORPUS, folder / "corpus")
            hub = Hub()
            app = App(corpus, LiveSite(corpus), hub, io.StringIO(), io.StringIO())
            server = app.listen("127.0.0.1", 0)
            assert app.first_build().ok, app.err.getvalue()
            apps.append(app)
            root = start(server, servers)
            started[kind] = (root, root)
        elif kind == "static":
            assert build_and_write(CORPUS, folder / "site").ok
            root = static_host(folder / "site", "404.html", servers)
            started[kind] = (root, root)
        else:
            assert build_and_write(CORPUS, folder / SUB).ok
            root = static_host(folder, SUB + "404.html", servers)
            started[kind] = (root + SUB, root)
        return started[kind]

    yield site
    for app in apps:
        app.hub.close()
    for server in servers:
        server.shutdown()
        server.server_close()
    for app in apps:
        close = getattr(app.builder, "close", None)
        if close is not None:
            close()


def open_missing(page, url: str) -> list[str]:  # noqa: ANN001 - a playwright Page
    """Open a missing address; every request the page makes from then on."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 404, url
    assert page.locator("h1", has_text="Page not found").count() == 1
    return requests


def settled(page, root: str, seen: list[str]) -> None:  # noqa: ANN001
    """Wait until the script has found the site root (the fallback hides) and the stylesheets
    it re-pointed there have loaded. Nothing may have reached the other server by then."""
    page.wait_for_selector("#root-fallback", state="hidden", timeout=10000)
    assert not seen, f"requests reached the other origin: {seen[:5]}"
    page.wait_for_function("root => [...document.styleSheets].filter(s => s.href && s.href.startsWith(root)"
                           " && s.cssRules.length).length >= 1", arg=root, timeout=10000)


def assert_stays_home(page, requests: list[str], seen: list[str], home: str, inside: str) -> None:  # noqa: ANN001
    """Nothing reached the other server, every request went to `home` (an origin), no foreign
    script ran, and every URL on the page (but #fragments) starts with `inside`."""
    assert not seen, f"requests reached the other origin: {seen[:5]}"
    assert requests and all(origin(u) == origin(home) for u in requests), [u for u in requests if origin(u) != origin(home)][:5]
    assert page.evaluate("() => window.__pwned") is None
    refs = [r for r in page.evaluate(REFS_JS) if not r[1].startswith("#")]   # but links within the page
    assert refs and all(absolute.startswith(inside) for _, _, absolute in refs), \
        [r for r in refs if not r[2].startswith(inside)][:5]


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("kind", ["serve", "static"])
def test_a_hostile_address_at_a_site_root_loads_nothing_from_elsewhere(sites, other, page, kind: str, attack: str) -> None:
    root, home = sites(kind)
    host, seen = other
    seen.clear()
    requests = open_missing(page, home.rstrip("/") + ATTACKS[attack].format(other=host))
    settled(page, root, seen)
    assert_stays_home(page, requests, seen, home, root)
    hrefs = page.eval_on_selector_all("main a:not(#root-fallback a), .site-nav a, a.brand", "els => els.map(a => a.href)")
    assert hrefs and all(h.startswith(root) and h.endswith(".html") for h in hrefs), hrefs
    page.get_by_role("link", name="The list of documents").click()
    page.wait_for_url(root + "index.html")
    assert not seen, seen


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_address_outside_a_sub_path_site_stays_on_its_origin(sites, other, page, attack: str) -> None:
    """The address is not under the site, so no root is found: the links stay relative, on
    this origin, and the fallback link to the top of the server shows."""
    root, home = sites("sub-path")
    host, seen = other
    seen.clear()
    requests = open_missing(page, home.rstrip("/") + ATTACKS[attack].format(other=host))
    page.wait_for_load_state("networkidle")
    assert_stays_home(page, requests, seen, home, home)
    assert page.is_visible("#root-fallback")
    assert page.get_attribute("#root-fallback a", "href") == "/"


@pytest.mark.parametrize("missing", ["gone.html", "docs/old-id.html", "a/b/c/gone", "a//b/gone.html",
                                     "/".join("d" * 12) + "/gone.html"])
def test_a_missing_page_at_any_depth_under_a_sub_path_finds_the_site(sites, other, page, missing: str) -> None:
    root, home = sites("sub-path")
    _, seen = other
    seen.clear()
    requests = open_missing(page, root + missing)
    settled(page, root, seen)
    assert_stays_home(page, requests, seen, home, root)
    page.get_by_role("link", name="The list of documents").click()
    page.wait_for_url(root + "index.html")


def test_with_a_base_url_the_fallback_link_is_the_base_url(other, page, tmp_path: Path) -> None:
    base_url = "https://example.github.io/some-repo/"
    result = build(CORPUS, {"base_url": base_url})
    assert result.ok
    soup = BeautifulSoup(result.site["404.html"].decode("utf-8"), "html.parser")
    assert soup.find(id="root-fallback").a["href"] == base_url
    assert "fetch(" not in str(soup)
    # and in Chromium, on a host of its own, at a hostile address: nothing else is asked for
    servers: list = []
    try:
        home = static_host(tmp_path, SUB + "404.html", servers)
        assert build_and_write(CORPUS, tmp_path / SUB, {"base_url": home + SUB}).ok
        host, seen = other
        seen.clear()
        requests = open_missing(page, home.rstrip("/") + ATTACKS["double-slash"].format(other=host))
        page.wait_for_load_state("networkidle")
        assert page.is_visible("#root-fallback")
        assert page.get_attribute("#root-fallback a", "href") == home + SUB
        assert_stays_home(page, requests, seen, home, home + SUB)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
