"""Publishing: sitemap.xml and canonical links with a base URL, .nojekyll always, a 404
page that works at any depth, the repository's Pages workflow, and the example site
crawled in Chromium under a GitHub-Pages-like sub-path (/some-repo/)."""

from __future__ import annotations

import functools
import http.server
import re
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest
import yaml
from bs4 import BeautifulSoup

from builder.site import publish
from builder.read.settings import Settings
from builder.core.models import SitePath
from builder.run.pipeline import build, build_and_write
from tests.conftest import cancelled_icon_load, search_warmed

ROOT = Path(__file__).resolve().parents[1]
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.github.io/some-repo/"


@pytest.fixture(scope="module")
def published() -> dict[SitePath, bytes]:
    result = build(ROOT, {"base_url": BASE})
    assert result.ok
    return dict(result.site)


def html(data: bytes) -> BeautifulSoup:
    return BeautifulSoup(data.decode("utf-8"), "html.parser")


def locs(xml: bytes) -> list[str]:
    return [e.text or "" for e in ET.fromstring(xml).iter(f"{SM}loc")]


# --- sitemap.xml (unit) -----------------------------------------------------------


@pytest.mark.parametrize(("pages", "expected"), [
    (["search.html", "docs/b.html", "index.html", "404.html", "docs/a.html", "entities.html"],
     ["index.html", "entities.html", "search.html", "docs/a.html", "docs/b.html"]),
    (["static/style.css", "sitemap.xml", "404.html"], []),
    (["entities/z.html", "docs/a.html", "timeline.html"], ["timeline.html", "docs/a.html", "entities/z.html"]),
])
def test_sitemap_pages_are_every_html_page_but_404_home_first_then_by_depth_and_name(pages, expected) -> None:
    site = {SitePath(p): b"<!doctype html>" for p in pages}
    assert publish.sitemap_pages(site) == expected


def test_sitemap_leaves_out_pages_marked_noindex() -> None:
    site = {SitePath("index.html"): b"<html>", SitePath("draft.html"): b'<meta name="robots" content="noindex">'}
    assert publish.sitemap_pages(site) == ["index.html"]


def test_sitemap_is_valid_xml_with_absolute_escaped_urls_and_no_lastmod() -> None:
    xml = publish.sitemap([SitePath("index.html"), SitePath("docs/a b.html")], "https://h.example/x?a=1&b=2/")
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    assert locs(xml) == ["https://h.example/x?a=1&b=2/index.html", "https://h.example/x?a=1&b=2/docs/a%20b.html"]
    assert b"&amp;" in xml and b"lastmod" not in xml


def test_site_files_nojekyll_always_sitemap_only_with_a_base_url() -> None:
    site = {SitePath("index.html"): b""}
    assert publish.site_files(site, Settings()) == {".nojekyll": b""}
    with_base = publish.site_files(site, Settings(base_url="https://h.example/"))
    assert set(with_base) == {".nojekyll", "sitemap.xml"}


# --- the example site, built with and without a base URL ------------------------------


def test_sitemap_lists_every_page_but_404_as_its_canonical_url(published) -> None:
    pages = sorted(p for p in published if p.endswith(".html") and p != "404.html")
    urls = locs(published[SitePath("sitemap.xml")])
    assert urls[0] == BASE + "index.html"
    assert sorted(urls) == sorted(BASE + p for p in pages)
    assert len(urls) == len(set(urls)) == len(pages) > 50
    for p in pages:
        links = html(published[p]).find_all("link", rel="canonical")
        assert [link["href"] for link in links] == [BASE + p], p


def test_sitemap_is_deterministic(published) -> None:
    again = build(ROOT, {"base_url": BASE})
    assert again.site[SitePath("sitemap.xml")] == published[SitePath("sitemap.xml")]


def test_without_base_url_no_sitemap_and_no_canonical_but_nojekyll(example_site: Path) -> None:
    assert not (example_site / "sitemap.xml").exists()
    assert (example_site / ".nojekyll").read_bytes() == b""
    for page in example_site.rglob("*.html"):
        assert 'rel="canonical"' not in page.read_text("utf-8"), page


def test_internal_links_stay_relative_with_a_base_url(published) -> None:
    """FORMAT §6: only the canonical link (and the 404 page) use the base URL."""
    for p, data in published.items():
        if not p.endswith(".html") or p == "404.html":
            continue
        soup = html(data)
        for el in soup.find_all(href=True) + soup.find_all(src=True) + soup.find_all(action=True):
            url = el.get("href") or el.get("src") or el.get("action")
            if el.name == "link" and "canonical" in el.get("rel", []):
                continue
            assert not url.startswith((BASE, "/")) or url.startswith("//"), f"{p}: {el}"


def test_404_page_with_base_url_links_absolutely_and_is_not_indexed(published) -> None:
    soup = html(published[SitePath("404.html")])
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert not soup.find("link", rel="canonical")
    assert soup.find(id="root-fallback").a["href"] == BASE and "fetch(" not in str(soup)
    urls = [el.get("href") or el.get("src") or el.get("action")
            for el in soup.find_all(href=True) + soup.find_all(src=True) + soup.find_all(action=True)]
    assert BASE + "static/style.css" in urls and BASE + "index.html" in urls and BASE + "search.html" in urls
    for url in urls:
        assert url.startswith(BASE) or url.startswith("#"), url


def test_404_page_without_base_url_carries_the_root_finder_and_a_fallback(example_site: Path) -> None:
    soup = html((example_site / "404.html").read_bytes())
    assert soup.find(id="root-fallback").a["href"] == "/"
    assert "404.html" in soup.find("script", src=False).string
    assert soup.find("a", string="The list of documents")["href"] == "index.html"


# --- the repository's GitHub Pages workflow -----------------------------------------------


def check_pages_workflow(text: str) -> dict:
    """The workflow is valid YAML with a build job and a deploy job using GitHub's Pages actions."""
    wf = yaml.safe_load(text)
    on = wf.get("on", wf.get(True))     # YAML 1.1 reads a bare `on` as true
    assert "push" in on and "workflow_dispatch" in on
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"]["group"] == "pages"
    build_steps = wf["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in build_steps]
    assert uses[:3] == ["actions/checkout", "actions/setup-python", "actions/configure-pages"]
    assert "actions/upload-pages-artifact" in uses
    runs = [s["run"] for s in build_steps if "run" in s]
    build_line = next(r for r in runs if r.startswith("glossator build"))
    assert '--base-url "${{ steps.pages.outputs.base_url }}"' in build_line
    configure = next(s for s in build_steps if s.get("uses", "").startswith("actions/configure-pages"))
    assert configure["id"] == "pages"
    out = re.search(r"--out (\S+)", build_line).group(1)
    upload = next(s for s in build_steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == out
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert all("@v" in s["uses"] for s in build_steps + deploy["steps"] if "uses" in s)
    return wf


def test_repository_workflow_installs_this_checkout_and_deploys() -> None:
    wf = check_pages_workflow((ROOT / ".github" / "workflows" / "pages.yml").read_text("utf-8"))
    runs = [s["run"] for s in wf["jobs"]["build"]["steps"] if "run" in s]
    assert "pip install ." in runs


# --- in Chromium, served under a sub-path as GitHub Pages does --------------------------------


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that, like GitHub Pages, answers a missing file under /some-repo/
    with /some-repo/404.html and status 404."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "some-repo" / "404.html"
        if code == 404 and self.path.startswith("/some-repo/") and page.exists():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@pytest.fixture
def pages_server():  # noqa: ANN201 - serve(folder) → base URL
    servers = []

    def serve(folder: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_PagesHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for s in servers:
        s.shutdown()
        s.server_close()


def _record(page) -> dict[str, list]:  # noqa: ANN001
    """Every request, every failed or non-200 response, every console error with its URL.

    Chromium asks for /favicon.ico at the root of the host when a page names no icon; on
    GitHub Pages that is another site (you.github.io/favicon.ico), so it is not counted here.
    Our pages name theirs (static/favicon.svg), whose cancelled loads are not failures
    (conftest.cancelled_icon_load); the crawl fetches it as a <link href> like any other.
    """
    seen: dict[str, list] = {"requests": [], "bad": [], "console": []}
    page.on("console", lambda m: m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            and seen["console"].append((m.text, m.location.get("url"))))
    page.on("pageerror", lambda e: seen["console"].append((str(e), "")))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("requestfailed", lambda r: cancelled_icon_load(r) or seen["bad"].append((r.url, r.failure)))
    page.on("response", lambda r: r.status not in (200, 304) and seen["bad"].append((r.url, r.status)))
    return seen


REFS_JS = """() => {
  const refs = [];
  for (const el of document.querySelectorAll('a[href], link[href], script[src], img[src], form[action], iframe[src], source[src]')) {
    const v = el.getAttribute(el.hasAttribute('href') ? 'href' : el.hasAttribute('src') ? 'src' : 'action');
    refs.push([el.tagName.toLowerCase(), v, new URL(v, document.baseURI).href]);
  }
  return {ids: [...document.querySelectorAll('[id]')].map(e => e.id), refs};
}"""


def test_site_under_a_sub_path_every_link_resource_and_fragment_resolves(tmp_path: Path, pages_server, page) -> None:
    base = pages_server(tmp_path)
    prefix = base + "some-repo/"
    result = build_and_write(ROOT, tmp_path / "some-repo", {"base_url": prefix})
    assert result.ok
    seen = _record(page)
    start = prefix + "index.html"
    queue, visited, ids, fragments, files = [start], {start}, {}, [], set()
    while queue:
        url = queue.pop()
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status in (200, 304), url
        search_warmed(page)
        info = page.evaluate(REFS_JS)
        ids[url] = set(info["ids"])
        for tag, raw, absolute in info["refs"]:
            if not absolute.startswith(base):
                assert tag == "a", f"{url}: <{tag}> loads {absolute} from another origin"
                continue
            target, fragment = urldefrag(absolute)
            target = target.split("?")[0]
            assert target.startswith(prefix), f"{url}: {raw} leaves the sub-path"
            assert not target.endswith("/"), f"{url}: {raw} names a folder, not a file (FORMAT §6)"
            if fragment:
                fragments.append((url, raw, target, unquote(fragment)))
            if target.endswith(".html"):
                if target not in visited:
                    visited.add(target)
                    queue.append(target)
            else:
                files.add(target)
    for target in sorted(files):
        assert page.request.get(target).status == 200, target
    for source, raw, target, fragment in fragments:
        assert fragment in ids[target], f"{source}: {raw}: no id '{fragment}' in {target}"
    assert len(visited) == result.pages - 1 == len([p for p in result.site if p.endswith(".html")]) - 1  # all but 404
    sitemap = page.request.get(prefix + "sitemap.xml")
    assert sitemap.status == 200 and sorted(locs(sitemap.body())) == sorted(u for u in visited)
    assert not seen["bad"], seen["bad"]
    assert all(u.startswith(base) for u in seen["requests"]), [u for u in seen["requests"] if not u.startswith(base)]
    assert not seen["console"], seen["console"]




MISSING = ("gone.html", "docs/old-id.html", "a/b/c/gone")


@pytest.mark.parametrize("with_base_url", [True, False], ids=["base-url", "no-base-url"])
def test_404_page_works_at_any_depth(tmp_path: Path, pages_server, page, with_base_url: bool) -> None:
    base = pages_server(tmp_path)
    prefix = base + "some-repo/"
    result = build_and_write(ROOT, tmp_path / "some-repo", {"base_url": prefix if with_base_url else ""})
    assert result.ok
    seen = _record(page)
    for missing in MISSING:
        response = page.goto(prefix + missing, wait_until="load")
        assert response.status == 404
        if not with_base_url:
            page.wait_for_selector("#root-fallback", state="hidden", timeout=5000)
            # Re-pointed stylesheets load again: until they have, the page has none with an href.
            page.wait_for_function("() => [...document.styleSheets].filter(s => s.href).length >= 1", timeout=5000)
        sheets = page.evaluate("() => [...document.styleSheets].filter(s => s.href).map(s => [s.href, s.cssRules.length])")
        assert [prefix + "static/style.css"] == [h for h, _ in sheets], missing
        assert all(n > 0 for _, n in sheets)
        hrefs = page.eval_on_selector_all("main a:not(#root-fallback a), .site-nav a, a.brand", "els => els.map(a => a.href)")
        assert hrefs and all(h.startswith(prefix) and h.endswith(".html") for h in hrefs), (missing, hrefs)
        page.get_by_role("link", name="The list of documents").click()
        page.wait_for_url(prefix + "index.html")
        assert page.locator("h1").count() >= 1
    # The only errors: the missing pages themselves (status 404, as a host must answer them)
    # and, without a base URL, the script's probes for the site root (…/404.html) and the
    # stylesheets and script first asked for at the wrong depth.
    unexpected = [(text, url) for text, url in seen["console"]
                  if not (url in {prefix + m for m in MISSING} or url.endswith("/404.html")
                          or "/a/b/c/static/" in url or "/docs/static/" in url)]
    assert not unexpected, unexpected
