"""Search benchmark: index build time, bytes before the first result, browser timings, and Pagefind beside it.

Writes a synthetic corpus (seeds/INDEX.md, seeds/*.txt, annotations/entities.yaml,
annotations/<id>.yaml), builds it with builder.run.pipeline.build, then measures:

- index build: `search.build_index(linked)` alone, median of --runs runs;
- sizes: every search file, raw and gzip; what search.html downloads before its
  first result (page, CSS, scripts, the first index file);
- in headless Chromium (Debian's /usr/bin/chromium), from file:// and http://:
  page load → first result (on screen: title, source, date, snippet), the gzip bytes
  downloaded before it and in all, and the time of each further keystroke (input
  event → results painted);
- with --pagefind, the same over http for Pagefind 1.5 indexing the same docs/ pages,
  page loads interleaved with ours (search_pagefind.py).

    python benchmarks/search_bench.py --docs 1000 --docs 10000 --runs 5 --pagefind

Documents: ~700 words drawn Zipf-like from a ranked vocabulary (the example
corpus's words by frequency, then derived forms and generated names, ~30,000
types, as a news corpus of this size has), 25 quotes each, 300 entities whose
names occur in the text.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder.html import theme  # noqa: E402
from builder.read import settings as config  # noqa: E402
from builder.run import pipeline  # noqa: E402
from builder.run.pipeline import check  # noqa: E402
from builder.search import files as search  # noqa: E402
from builder.search.catalogue import doc_records  # noqa: E402
from builder.search.words import STOP_WORDS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search_pagefind as pagefind  # noqa: E402

SYLLABLES = "ka ba ro mi tu ve sha lin dor an ek ul zar pe to ni ga ha mu sel vi ra ko de".split()
SOURCES = ["Daily Courier", "RT", "Anadolu Agency", "TASS", "Reuters", "Kabul Now", "Tolo News",
           "The Moscow Times", "Al Jazeera", "Dawn", "Xinhua", "Interfax", "BBC", "AFP"]


def vocabulary(size: int = 30000) -> list[str]:
    """Words ranked by frequency: the example corpus first, then a tail of derived and made-up words."""
    counts: Counter[str] = Counter()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        counts.update(re.findall(r"[A-Za-z]+(?:['’][a-z]+)?", path.read_text("utf-8")))
    ranked = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    seen = set(ranked)
    rng = random.Random(7)
    base = [w for w in ranked if w.isalpha() and len(w) > 3]
    suffixes = ["s", "ed", "ing", "er", "ers", "ly", "ation", "ment", "ness", "ist", "ism", "al"]
    while len(ranked) < size:
        if rng.random() < 0.5:
            w = rng.choice(base).lower() + rng.choice(suffixes)
        else:
            w = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
            w = w.capitalize() if rng.random() < 0.3 else w
        if w not in seen:
            seen.add(w)
            ranked.append(w)
    return ranked


def entities(rng: random.Random, n: int = 300) -> list[tuple[str, str, str]]:
    """(kind, id, name), names unique and not alias-ambiguous."""
    out, seen = [], set()
    kinds = ["people"] * 5 + ["organizations"] * 3 + ["places"] * 2
    while len(out) < n:
        kind = kinds[len(out) % len(kinds)]
        parts = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize() for _ in range(2)]
        name = " ".join(parts) if kind == "people" else (parts[0] + (" Council" if kind == "organizations" else ""))
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if slug not in seen:
            seen.add(slug)
            out.append((kind, slug, name))
    return out


def sentence(rng: random.Random, vocab: list[str], cum: list[float], n: int) -> list[str]:
    return rng.choices(vocab, cum_weights=cum, k=n)


def write_corpus(out: Path, docs: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    vocab = vocabulary()
    cum, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 2.7)
        cum.append(total)
    ents = entities(rng)
    people = [e for e in ents if e[0] == "people"]
    (out / "seeds").mkdir(parents=True)
    (out / "annotations").mkdir()
    groups: dict[str, dict[str, dict[str, str]]] = {"people": {}, "organizations": {}, "places": {}}
    for kind, slug, name in ents:
        groups[kind][slug] = {"name": name, "description": f"A generated {kind}."}
    (out / "annotations" / "entities.yaml").write_text(yaml.safe_dump(groups, sort_keys=True), "utf-8")
    rows = ["# Synthetic corpus", "", f"{docs} generated documents.", "",
            "| id | file | title | source | published |", "| --- | --- | --- | --- | --- |"]
    for d in range(docs):
        doc_id = f"doc-{d:05d}"
        paragraphs, sentences, words = [], [], 0
        while words < 700:
            para = []
            for _ in range(rng.randint(2, 5)):
                s = sentence(rng, vocab, cum, rng.randint(8, 28))
                if rng.random() < 0.6:
                    s[rng.randrange(len(s))] = rng.choice(ents)[2]
                text = " ".join(s)
                text = text[0].upper() + text[1:] + "."
                para.append(text)
                sentences.append(text)
                words += len(s)
            paragraphs.append(" ".join(para))
        body = "\n\n".join(paragraphs)
        (out / "seeds" / f"{doc_id}.txt").write_text(body + "\n", "utf-8")
        title = " ".join(sentence(rng, vocab[:3000], cum[:3000], rng.randint(5, 11)))
        rows.append(f"| {doc_id} | {doc_id}.txt | {title[0].upper() + title[1:]} | {rng.choice(SOURCES)} "
                    f"| {2015 + d % 10}-{1 + d % 12:02d}-{1 + d % 28:02d} |")
        picked = [s for s in dict.fromkeys(rng.sample(sentences, min(25, len(sentences)))) if body.count(s) == 1]
        quotes = [{"text": s, "speaker": rng.choice(people)[1]} for s in picked]
        (out / "annotations" / f"{doc_id}.yaml").write_text(yaml.safe_dump({"quotes": quotes}, sort_keys=False), "utf-8")
    (out / "seeds" / "INDEX.md").write_text("\n".join(rows) + "\n", "utf-8")
    return out


# --- measurements ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DONE = """q => { const s = document.getElementById('search-status');
  return s && s.dataset.query === q && s.dataset.state === 'done'; }"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6, mtime=0))


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def time_build(linked: object, runs: int) -> dict[str, float]:
    """search.build_index alone, cold (a new word → term cache, as in a fresh process): wall
    seconds, and CPU seconds of this process and of any child."""
    import os

    wall, cpu, child = [], [], []
    for _ in range(runs):
        before = os.times()
        t, c = time.perf_counter(), time.process_time()
        search.build_index(linked)  # type: ignore[arg-type]
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        after = os.times()
        child.append(after.children_user + after.children_system - before.children_user - before.children_system)
    return {"wall": median(wall), "cpu_parent": median(cpu), "cpu_child": median(child), "min_wall": min(wall),
            "load_average_1min": os.getloadavg()[0]}


def time_docs_only(linked: object, runs: int) -> float:
    """Our builder over the documents alone, no quote items: comparable with lunr.py's anchor."""
    from dataclasses import replace
    records = [replace(r, quotes=(), items=r.items[:1]) for r in doc_records(linked)]  # type: ignore[arg-type]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        builder = search.IndexBuilder()
        for r in records:
            builder.add(r)
        builder.finish()
        times.append(time.perf_counter() - t)
    return median(times)


def time_lunr_py(linked: object) -> float:
    """lunr.py's own Builder over the documents alone (the issue's 6.5 s anchor)."""
    from lunr import lunr

    from builder.search.catalogue import BOOSTS
    docs = [{"ref": str(n), **{f: r.items[0].fields.get(f, "") for f in BOOSTS}}
            for n, r in enumerate(doc_records(linked))]  # type: ignore[arg-type]
    t = time.perf_counter()
    lunr(ref="ref", fields=[{"field_name": f, "boost": b} for f, b in BOOSTS.items()], documents=docs).serialize()
    return time.perf_counter() - t


def sizes(site: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for label, pattern in [("head", "index.js"), ("vocabulary blocks", "words/*.js"), ("postings", "postings/*.js"),
                           ("texts", "texts/*.js")]:
        files = sorted((site / "search").glob(pattern))
        raw = [f.stat().st_size for f in files]
        zipped = [gz(f.read_bytes()) for f in files]
        out[label] = {"files": len(files), "raw": sum(raw), "gzip": sum(zipped),
                      "median_gzip": median(zipped), "max_gzip": max(zipped)}
    return out


def _data(path: Path) -> object:
    import json
    text = path.read_text("utf-8")
    return json.loads(re.sub(r"\\(.)", r"\1", text[text.index("JSON.parse('") + 12:text.rindex("')")]))


def queries_for(site: Path) -> dict[str, str]:
    """Queries of several kinds, taken from the built site (so they exist at any size)."""
    texts = sorted((site / "search" / "texts").glob("*.js"), key=lambda f: int(f.stem))
    first = _data(texts[0])
    speaker = next(q[1] for part in first for q in part[8] if q[1])  # type: ignore[index, union-attr]
    words = first[0][7].split()  # type: ignore[index]
    middle = _data(texts[len(texts) // 2])[0][2]  # type: ignore[index]
    ranked = vocabulary()
    common = next(w.lower() for w in ranked[40:] if len(w) > 4 and w.isalpha())
    medium = next(w.lower() for w in ranked[800:] if len(w) > 5 and w.isalpha())
    return {
        "common word": common, "medium word": medium, "speaker": "speaker:" + speaker.split()[-1].lower(),
        "two words": f"{common} {medium}", "phrase": '"' + " ".join(w.strip(".,").lower() for w in words[3:5]) + '"',
        "title word": next(w.lower() for w in middle.split() if len(w) > 4 and w.isalpha() and w.lower() not in STOP_WORDS),
    }


def browser_timings(site: Path, queries: dict[str, str], runs: int, with_pagefind: bool = False) -> dict[str, object]:
    """Per query: ours from file:// (time) and http:// (time and bytes), and Pagefind's over http,
    page loads interleaved; then every keystroke of a typing, ours from file://."""
    from playwright.sync_api import sync_playwright

    served = pagefind.Served(site)
    file_base = site.as_uri() + "/"
    out: dict[str, object] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # A page without search, for scale: how long this machine takes to show any page.
        baseline = []
        for _ in range(runs):
            ctx = browser.new_context()
            pg = ctx.new_page()
            pg.goto(file_base + "404.html")
            baseline.append(pg.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
            ctx.close()
        out["plain page DCL ms (404.html, file://)"] = round(median(baseline))
        for label, q in queries.items():
            address = "search.html?q=" + q.replace(" ", "+").replace('"', "%22")
            pf_address = "pagefind.html?q=" + pagefind.pagefind_query(q).replace(" ", "+").replace('"', "%22")
            local, ours, theirs = [], [], []
            for _ in range(runs):
                ctx = browser.new_context()
                pg = ctx.new_page()
                pg.goto(file_base + address)
                pg.wait_for_function(DONE, arg=q, timeout=120000)
                local.append(pg.evaluate("() => (performance.getEntriesByName('glossator-first-result')[0] || {}).startTime"))
                ctx.close()
                ours.append(pagefind.measure(browser, served, address, DONE, q))
                if with_pagefind:
                    theirs.append(pagefind.measure(browser, served, pf_address, pagefind.PAGEFIND_DONE, ""))
            row: dict[str, object] = {"query": q, "first result ms (file://)": round(median([x for x in local if x])),
                                      "first result ms (http://)": round(median([m["first_ms"] for m in ours]))}
            for key in ("bytes_first", "bytes_all", "search_bytes_first", "search_bytes_all"):
                row[key] = int(median([m[key] for m in ours]))
            if with_pagefind:
                row["pagefind"] = {"query": pagefind.pagefind_query(q),
                                   "first result ms (http://)": round(median([m["first_ms"] for m in theirs])),
                                   **{key: int(median([m[key] for m in theirs]))
                                      for key in ("bytes_first", "bytes_all", "search_bytes_first", "search_bytes_all")}}
            out[label] = row
        # Keystrokes: type like a person (80 ms apart); time each input event → its results on screen
        # (for a phrase, the first checked results: the rest keep arriving without blocking typing).
        ctx = browser.new_context()
        pg = ctx.new_page()
        pg.goto(file_base + "search.html")
        pg.evaluate("""() => { window.keyTimes = []; let t0 = 0; const q = document.getElementById('q');
            q.addEventListener('input', () => { t0 = performance.now(); }, true);
            new MutationObserver(() => { const s = document.getElementById('search-status');
              if (s.dataset.query === q.value && t0 && (s.dataset.shown === q.value || s.dataset.state === 'done')) {
                keyTimes.push(performance.now() - t0); t0 = 0; } })
              .observe(document.getElementById('search-status'), {attributes: true}); }""")
        pg.click("#q")
        for q in queries.values():
            pg.fill("#q", "")
            pg.keyboard.type(q + " ", delay=80)
            pg.wait_for_function(DONE, arg=q + " ", timeout=60000)
        keys = pg.evaluate("window.keyTimes")
        ctx.close()
        browser.close()
    served.close()
    keys.sort()
    out["keystroke ms"] = {"count": len(keys), "median": round(median(keys), 1),
                           "p90": round(keys[int(len(keys) * 0.9)], 1), "max": round(keys[-1], 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, action="append", help="corpus size (repeatable); default 1000 and 5000")
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (medians are reported)")
    ap.add_argument("--keep", type=Path, help="keep corpora and sites in this folder (and reuse them)")
    ap.add_argument("--lunr-py", action="store_true", help="also time lunr.py's own builder (slow)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--pagefind", action="store_true", help="also index the pages with Pagefind and measure it alike")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    for n in args.docs or [1000, 5000]:
        corpus, site = work / f"corpus-{n}", work / f"site-{n}"
        if not corpus.exists():
            write_corpus(corpus, n)
        t = time.perf_counter()
        linked, _ = check(corpus)
        checked = time.perf_counter() - t
        if not site.exists():      # the site as `glossator build` makes it
            t = time.perf_counter()
            pipeline.build_and_write(corpus, site)
            print(f"(site built in {time.perf_counter() - t:.0f} s)")
        else:                      # pages kept from an earlier run: refresh the index and the scripts
            shutil.rmtree(site / "search")
            fresh = {**theme.static_files(theme.theme_for(corpus, config.load(corpus)[0])[0])[0],
                     **search.build_index(linked)}
            for path, data in fresh.items():
                (site / path).parent.mkdir(parents=True, exist_ok=True)
                (site / path).write_bytes(data)
        n_quotes = sum(1 for d in linked.docs for s in d.spans if s.kind == "quote")
        n_terms = len(set(w for d in linked.docs for w in d.doc.text.lower().split()))
        print(f"\n## {n} documents, {n_quotes} quotes, ~{n_terms} distinct words "
              f"(reading and checking the corpus: {checked:.1f} s)")
        print("index build (search.build_index):", {k: round(v, 3) for k, v in time_build(linked, args.runs).items()})
        print("our builder, documents only (no quote items):", round(time_docs_only(linked, args.runs), 3), "s")
        if args.lunr_py:
            print("lunr.py Builder, documents only:", round(time_lunr_py(linked), 2), "s")
        for label, s in sizes(site).items():
            print(f"{label}:", s)
        if args.pagefind:
            seconds = pagefind.index(site)
            print(f"Pagefind {pagefind.version()}: index of docs/ made in {seconds:.1f} s" if seconds else
                  f"Pagefind {pagefind.version()}: index kept from an earlier run")
        if not args.no_browser:
            for label, v in browser_timings(site, queries_for(site), args.runs, args.pagefind).items():
                print(f"{label}:", v)


if __name__ == "__main__":
    main()
