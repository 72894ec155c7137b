"""Browser timings of two search sites side by side, runs interleaved: for changes to search.js.

search_bench.py measures one site; on a shared machine two such runs minutes apart compare
the minutes. This builds search_bench's corpus once (or reuses --keep), makes two copies
of its site, puts the given search.js into each (default: the one in git's HEAD and the
working tree's), and runs search_bench's browser measurements on them alternately.

    python benchmarks/search_ab.py [--docs 1000] [--rounds 4] [--keep DIR] [--a FILE] [--b FILE]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]
import search_bench  # noqa: E402

from builder.run import pipeline  # noqa: E402

SEARCH_JS = "themes/default/static/search.js"


def site_for(work: Path, docs: int) -> Path:
    corpus, site = work / f"corpus-{docs}", work / f"site-{docs}"
    if not corpus.exists():
        search_bench.write_corpus(corpus, docs)
    if not site.exists():
        pipeline.build_and_write(corpus, site)
    return site


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=4, help="rounds; each measures both sites, 2 page loads a query")
    ap.add_argument("--keep", type=Path, help="keep the corpus and site in this folder (and reuse them)")
    ap.add_argument("--a", type=Path, help="search.js of site A (default: git HEAD's)")
    ap.add_argument("--b", type=Path, help="search.js of site B (default: the working tree's)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="search-ab-"))
    site = site_for(work, args.docs)
    sides = {}
    for name, given in (("A", args.a), ("B", args.b)):
        copy = work / f"ab-{name}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(site, copy)
        if given is not None:
            shutil.copyfile(given, copy / "static" / "search.js")
        elif name == "A":
            head = subprocess.run(["git", "show", f"HEAD:{SEARCH_JS}"], cwd=ROOT, capture_output=True, check=True)
            (copy / "static" / "search.js").write_bytes(head.stdout)
        else:
            shutil.copyfile(ROOT / SEARCH_JS, copy / "static" / "search.js")
        sides[name] = copy
    queries = search_bench.queries_for(site)
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    for r in range(args.rounds):
        for name in ("A", "B") if r % 2 == 0 else ("B", "A"):
            runs[name].append(search_bench.browser_timings(sides[name], queries, 2))
    print(f"{args.docs} documents, {args.rounds} rounds, interleaved; A = {args.a or 'HEAD'}, "
          f"B = {args.b or 'working tree'}; medians over rounds (each round: the median of 2 page loads)")
    for label in runs["A"][0]:
        cells = []
        for name in "AB":
            values = [run[label] for run in runs[name]]
            if isinstance(values[0], dict) and "p90" in values[0]:
                cells.append(f"{name}: median {statistics.median(v['median'] for v in values):.1f} ms, "
                             f"p90 {statistics.median(v['p90'] for v in values):.1f} ms, "
                             f"max {statistics.median(v['max'] for v in values):.1f} ms")
            elif isinstance(values[0], dict):
                first = statistics.median(v["first result ms (file://)"] for v in values)
                gz = statistics.median(v["bytes_first"] for v in values)
                cells.append(f"{name}: first result {first:.0f} ms, {gz / 1000:.0f} KB gzip before it")
            else:
                cells.append(f"{name}: {statistics.median(values):.0f} ms")
        print(f"  {label:<40} " + "   ".join(cells))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
