"""Glossator's search beside Pagefind's on the same built pages, the same queries, over http.

Pagefind (`pip install 'pagefind[bin]==1.5.2'`) indexes the site's docs/ pages into
site/pagefind/; site/pagefind.html runs a query as Pagefind's own UI does (its JS API:
search, then data() for the first result, then for the rest of a page of 20) and shows
the first result's title and excerpt. Both pages are served by one local http server
that logs every file it sends; a page that shows its first result sends a beacon
(/__mark__), so the bytes before the first result are those of the files sent before
it, whoever fetched them (Pagefind fetches from a web worker, which the page's own
resource timings do not see). Bytes are gzip sizes (what a host sending gzip sends;
Pagefind's index files are gzip already and stay their size).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind</title></head>
<body><ol id="results"></ol>
<script type="module">
const q = new URLSearchParams(location.search).get("q");
const pagefind = await import("./pagefind/pagefind.js");
const found = await pagefind.search(q);
const list = document.getElementById("results");
const show = (d) => { const li = document.createElement("li"); li.textContent = d.meta.title + " " + d.excerpt;
  list.appendChild(li); };
if (found.results.length) {
  show(await found.results[0].data());
  performance.mark("pagefind-first-result");
  (await Promise.all(found.results.slice(1, 20).map(r => r.data()))).forEach(show);
}
window.pagefindDone = found.results.length;
</script></body></html>
"""
MARKS = """new PerformanceObserver(list => list.getEntries().forEach(e => {
  if (e.name.endsWith("first-result")) fetch("/__mark__?" + e.name); })).observe({type: "mark", buffered: true});"""


def index(site: Path) -> float:
    """Pagefind's index of site/docs/ in site/pagefind/ (kept if there), and the query page; seconds taken."""
    (site / "pagefind.html").write_text(PAGE, "utf-8")
    if (site / "pagefind" / "pagefind.js").exists():
        return 0.0
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "docs/**/*.html",
                    "--output-subdir", "pagefind", "--silent"], check=True)
    return time.perf_counter() - started


def version() -> str:
    out = subprocess.run([sys.executable, "-m", "pagefind", "--version"], capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()


def remove(site: Path) -> None:
    shutil.rmtree(site / "pagefind", ignore_errors=True)
    (site / "pagefind.html").unlink(missing_ok=True)


class Served:
    """A local http server over `site` that notes each file it has sent, in order, and each beacon."""

    def __init__(self, site: Path) -> None:
        self.log: list[str] = []
        lock = threading.Lock()
        log = self.log

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/__mark__"):
                    self.send_response(204)
                    self.end_headers()
                else:
                    super().do_GET()
                with lock:
                    log.append(self.path.split("?")[0])

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.site = site
        self._gz: dict[str, int] = {}

    def close(self) -> None:
        self.server.shutdown()

    def gzip_bytes(self, paths: list[str]) -> int:
        total = 0
        for p in dict.fromkeys(paths):
            if p not in self._gz:
                f = self.site / p.lstrip("/")
                self._gz[p] = len(gzip.compress(f.read_bytes(), 6, mtime=0)) if f.is_file() else 0
            total += self._gz[p]
        return total


CHROME = {"/search.html", "/static/style.css", "/static/glossator.js", "/pagefind.html", "/static/favicon.svg"}


def measure(browser: Any, served: Served, url: str, done: str, arg: str) -> dict[str, float]:
    """Open `url` in a fresh context, wait for `done(arg)`: ms to the first result, gzip bytes
    before it and in all, each also without the page's own HTML, CSS and non-search script."""
    ctx = browser.new_context()
    page = ctx.new_page()
    page.add_init_script(MARKS)
    page.route("**/favicon.ico", lambda r: r.fulfill(status=204, body=""))
    start = len(served.log)
    page.goto(served.base + url)
    page.wait_for_function(done, arg=arg, timeout=120000)
    page.wait_for_timeout(50)            # the beacon's own request
    first = page.evaluate("""() => { const m = performance.getEntriesByType('mark').find(e => e.name.endsWith('first-result'));
        return m ? m.startTime : null; }""")
    ctx.close()
    log = served.log[start:]
    cut = next((i for i, p in enumerate(log) if p.startswith("/__mark__")), len(log))
    before = [p for p in log[:cut]]
    every = [p for p in log if not p.startswith("/__mark__")]
    return {"first_ms": first if first is not None else float("nan"),
            "bytes_first": served.gzip_bytes(before), "bytes_all": served.gzip_bytes(every),
            "search_bytes_first": served.gzip_bytes([p for p in before if p not in CHROME]),
            "search_bytes_all": served.gzip_bytes([p for p in every if p not in CHROME])}


PAGEFIND_DONE = "() => window.pagefindDone !== undefined"


def pagefind_query(q: str) -> str:
    """The query Pagefind is given: the same words, without Glossator's field names."""
    return " ".join(w.split(":", 1)[-1] for w in q.split())
