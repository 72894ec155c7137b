"""Each keystroke of search_bench.py's typing, timed and named: which keystrokes are slow.

search_bench.py reports the median, p90 and slowest keystroke; this types the same queries
into the same page (search.html from file://, 80 ms a key, a fresh page each round) and
prints every keystroke's time with the query as it stood and the slow ones per round.

    python benchmarks/search_bench.py --docs 1000 --keep /tmp/sb --no-browser   # makes the site
    python benchmarks/search_keys.py --site /tmp/sb/site-1000 --rounds 6 [--search-js FILE]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_bench import CHROMIUM, CHROMIUM_ARGS, DONE, queries_for  # noqa: E402

TIMES = """() => { window.keyTimes = []; let t0 = 0; const q = document.getElementById('q');
    q.addEventListener('input', () => { t0 = performance.now(); }, true);
    new MutationObserver(() => { const s = document.getElementById('search-status');
      if (s.dataset.query === q.value && t0 && (s.dataset.shown === q.value || s.dataset.state === 'done')) {
        keyTimes.push([q.value, performance.now() - t0]); t0 = 0; } })
      .observe(document.getElementById('search-status'), {attributes: true}); }"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, required=True, help="a site built by search_bench.py")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--search-js", type=Path, help="measure this search.js instead of the site's (on a copy)")
    ap.add_argument("--slow", type=float, default=25.0, help="list keystrokes slower than this (ms)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    site = args.site.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        if args.search_js:
            copy = Path(tmp) / "site"
            shutil.copytree(site, copy, symlinks=True)
            shutil.copy(args.search_js, copy / "static" / "search.js")
            site = copy
        queries = queries_for(site)
        every: list[float] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for r in range(args.rounds):
                ctx = browser.new_context()
                pg = ctx.new_page()
                pg.goto(site.as_uri() + "/search.html")
                pg.evaluate(TIMES)
                pg.click("#q")
                for q in queries.values():
                    pg.fill("#q", "")
                    pg.keyboard.type(q + " ", delay=80)
                    pg.wait_for_function(DONE, arg=q + " ", timeout=60000)
                keys = pg.evaluate("window.keyTimes")
                ctx.close()
                if r == 0:
                    print("round 0, every keystroke (ms):", " ".join(f"{q!r}:{t:.0f}" for q, t in keys))
                times = sorted(t for _, t in keys)
                every += times
                print(f"round {r}: median {statistics.median(times):.1f}  p90 {times[int(len(times) * 0.9)]:.1f}  "
                      f"max {times[-1]:.1f}  slow {[(q, round(t)) for q, t in keys if t > args.slow]}")
            browser.close()
    every.sort()
    print(f"all rounds: {len(every)} keystrokes, median {statistics.median(every):.1f} ms, "
          f"p90 {every[int(len(every) * 0.9)]:.1f} ms, max {every[-1]:.1f} ms")


if __name__ == "__main__":
    main()
