"""Search at 100,000 documents: the index fed straight from generated records, no site build.

A whole build of 100,000 documents does not fit this machine yet (issue #20, item 1), but
the index is a function of per-document records, so this generates search_bench.py's
documents as records (~700 words, 25 quotes, a speaker each), streams them into
files.IndexBuilder (writing each text file as it is handed back), and puts the index
beside the search page and scripts of a small built site. With --pagefind it also writes
each document as a plain HTML page (title and text) for Pagefind to index, and
search_bench.browser_timings measures both.

    python benchmarks/search_scale.py --docs 100000 --out DIR [--pagefind] [--runs 3]
"""

from __future__ import annotations

import argparse
import html
import random
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
import search_bench  # noqa: E402

from builder.run import pipeline  # noqa: E402
from builder.search import files as search  # noqa: E402
from builder.search.catalogue import DocCard, DocRecord, QuoteCard  # noqa: E402
from builder.search.lunr_index import Item  # noqa: E402

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{source} · {date}</p>{paragraphs}</main></body></html>
"""


def records(docs: int, seed: int = 1) -> Iterator[tuple[DocRecord, list[str]]]:
    """search_bench.write_corpus's documents, as the index's records (and each one's paragraphs)."""
    rng = random.Random(seed)
    vocab = search_bench.vocabulary()
    cum, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 2.7)
        cum.append(total)
    ents = search_bench.entities(rng)
    people = [e[2] for e in ents if e[0] == "people"]
    for d in range(docs):
        paragraphs, sentences, words = [], [], 0
        while words < 700:
            para = []
            for _ in range(rng.randint(2, 5)):
                s = search_bench.sentence(rng, vocab, cum, rng.randint(8, 28))
                if rng.random() < 0.6:
                    s[rng.randrange(len(s))] = rng.choice(ents)[2]
                text = " ".join(s)
                para.append(text[0].upper() + text[1:] + ".")
                words += len(s)
            sentences += para
            paragraphs.append(" ".join(para))
        body = "\n\n".join(paragraphs)
        title = " ".join(search_bench.sentence(rng, vocab[:3000], cum[:3000], rng.randint(5, 11)))
        title = title[0].upper() + title[1:]
        source = rng.choice(search_bench.SOURCES)
        date = f"{2015 + d % 10}-{1 + d % 12:02d}-{1 + d % 28:02d}"
        quotes = []
        for s in dict.fromkeys(rng.sample(sentences, min(25, len(sentences)))):
            if body.count(s) == 1:
                start = body.index(s)
                quotes.append(QuoteCard(f"q{len(quotes)}", rng.choice(people), start, start + len(s)))
        quotes.sort(key=lambda q: q.start)
        speakers = "\n".join(dict.fromkeys(q.speaker for q in quotes))
        items = [Item("", {"title": title, "text": body, "source": source, "speakers": speakers, "entities": ""})]
        items += [Item("", {"text": body[q.start:q.end], "source": source, "speakers": q.speaker, "entities": ""},
                       within=(0, q.start, q.end)) for q in quotes]
        card = DocCard(title, source, date, date, f"docs/doc-{d:06d}.html")
        yield DocRecord(card, body, tuple(quotes), tuple(items)), paragraphs


def write(out: Path, docs: int, pages: bool) -> dict[str, float]:
    """The index of `docs` generated documents in out/search/ (and their pages in out/docs/)."""
    started, cpu = time.perf_counter(), time.process_time()
    builder = search.IndexBuilder()
    (out / "docs").mkdir(parents=True, exist_ok=True)

    def put(files: dict[str, bytes]) -> None:
        for path, data in files.items():
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_bytes(data)

    for k, (record, paragraphs) in enumerate(records(docs)):
        put(builder.add(record))
        if pages:
            c = record.card
            (out / c.href).write_text(PAGE.format(title=html.escape(c.title), source=html.escape(c.source), date=c.date,
                                                  paragraphs="".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)), "utf-8")
        if k % 10000 == 9999:
            print(f"  {k + 1} documents, {time.perf_counter() - started:.0f} s", flush=True)
    fed = time.perf_counter() - started
    put(builder.finish())
    return {"documents fed (generating, counting, text files)": round(fed), "whole index": round(time.perf_counter() - started),
            "CPU": round(time.process_time() - cpu), "peak memory MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--out", type=Path, required=True, help="folder for the site (kept, and reused if it has an index)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pagefind", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    site = args.out / f"site-{args.docs}"
    if not (site / "search" / "index.js").exists():
        shell = args.out / "shell"
        if not shell.exists():     # search.html and its scripts, from a small built site
            search_bench.write_corpus(args.out / "shell-corpus", 3)
            pipeline.build_and_write(args.out / "shell-corpus", shell)
        shutil.copytree(shell, site, ignore=shutil.ignore_patterns("search", "docs", "entities"), dirs_exist_ok=True)
        print(f"## {args.docs} generated documents, index only:", write(site, args.docs, args.pagefind))
    for label, s in search_bench.sizes(site).items():
        print(f"{label}:", s)
    if args.pagefind:
        seconds = search_bench.pagefind.index(site)
        print(f"Pagefind {search_bench.pagefind.version()}: index of docs/ in {seconds:.0f} s")
    if not args.no_browser:
        for label, v in search_bench.browser_timings(site, search_bench.queries_for(site), args.runs, args.pagefind).items():
            print(f"{label}:", v)


if __name__ == "__main__":
    main()
