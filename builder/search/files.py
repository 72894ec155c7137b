"""Search index: lunr.js indexes built here, cut so the browser loads only what a query needs.

Files (all under search/, all loaded as <script>, so search works from file://):

- search/index.js: the head — document titles, sources and dates, the vocabulary
  (front-coded, with a document-frequency class per term for prefix completion),
  which of its terms each field but the text holds (for fielded completion), and
  the names of the other files;
- search/t-<hash>.js: the index shards, each a lunr index (`lunr.Index.load` JSON)
  over a range of terms (or over a slice of the items of one very common term),
  holding every posting and weight of those terms;
- search/s-<hash>.js: document texts and quote positions, a few documents a file,
  for snippets and phrase checks.

Every file is `(window.glossatorSearch ||= []).push([kind, number, JSON.parse('…')])`:
a script, so it loads from file://; JSON.parse, because V8 parses JSON faster than
an object literal. Names carry a content hash, so a cached shard never meets a
newer head. Output is deterministic: same corpus, same bytes.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections import Counter
from typing import Sequence

from builder.core.models import Documents, SitePath
from builder.search.lunr_index import Item, Plan, assemble, count, fragments, idf, plan
from builder.search.catalogue import BOOSTS, Catalogue, catalogue
from builder.search.words import Analyzer

SHARD_BYTES = 150_000      # JSON per index shard (~45 KB gzip): one word's download, parsed in ~10 ms
STORE_BYTES = 24_000       # document text per store file (~10 KB gzip): a snippet costs little
SCALE = 1000               # shard weights are integer thousandths
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def build_index(linked: Documents, shard_bytes: int = SHARD_BYTES, store_bytes: int = STORE_BYTES,
                analyzer: Analyzer | None = None) -> dict[SitePath, bytes]:
    """Every search file, by site path. (The sizes are parameters for tests, which want many small files.)

    `analyzer`: word → term, kept by a live server across builds so that a rebuild skips the stemming."""
    cat = catalogue(linked)
    fields = tuple(BOOSTS)
    analyzer = analyzer if analyzer is not None else Analyzer()
    if len(analyzer) > 2_000_000:
        analyzer.clear()
    the_plan, shard_json = shards(cat.items, shard_bytes, analyzer)
    files: dict[SitePath, bytes] = {}
    shard_names = [_add(files, "t", i, text) for i, text in enumerate(shard_json)]
    first, stores = _stores(cat, store_bytes)
    store_names = [_add(files, "s", i, text) for i, text in enumerate(stores)]
    head = {
        "fields": list(fields), "scale": SCALE,
        "docs": [[d.title, d.source, d.date, d.datetime, d.href] for d in cat.docs],
        "quoteStart": _quote_starts(cat), "vocab": front_code(the_plan),
        "fieldTerms": field_terms(cat, fields, the_plan, analyzer),
        "ranges": [[sh.first, sh.end] for sh in the_plan.shards],
        "shards": shard_names, "stores": store_names, "storeFirst": first,
    }
    files[SitePath("search/index.js")] = _script("head", 0, _compact(head))
    return dict(sorted(files.items()))


def shards(items: Sequence[Item], shard_bytes: int, analyzer: Analyzer | None = None) -> tuple[Plan, list[str]]:
    """The index of `items` cut into shards of about `shard_bytes` of JSON: the plan (the
    vocabulary and which terms each shard holds) and each shard's lunr index JSON.

    In two halves: each half counted, the vocabulary and the statistics combined, then each
    half weighed. Weighing half the entries at a time holds half the arrays: at 5,000
    documents the process that builds the index peaks at 649 MB instead of 827 MB."""
    if not items:
        return Plan((), (), {}), []
    fields, n = tuple(BOOSTS), len(items)
    counted = [count([items[i] for i in half], fields, analyzer, numbers=half) for half in halves(items)]
    df: Counter[str] = Counter()
    for part in counted:
        df.update(part.df)
    the_plan = plan(df, shard_bytes, n)
    idf_of, averages = idf(df, n), [sum(part.totals[f] for part in counted) / n for f in range(len(fields))]
    return the_plan, assemble(the_plan, fields, [fragments(part, items, BOOSTS, the_plan, idf_of, averages)
                                                 for part in counted])


HALF = 0.45   # of the text in the first half (as the index was cut when each half had a process of its own)


def halves(items: Sequence[Item]) -> list[list[int]]:
    """Item numbers of two halves: documents split by text size, each quote with its document."""
    containers = [i for i, item in enumerate(items) if not item.within]
    sizes = [len(items[i].fields.get("text", "")) for i in containers]
    half, acc, cut = sum(sizes) * HALF, 0, len(containers)
    for k, size in enumerate(sizes):
        if acc >= half:
            cut = k
            break
        acc += size
    first = set(containers[:cut])
    owner = [item.within[0] if item.within else i for i, item in enumerate(items)]
    return [[i for i in range(len(items)) if owner[i] in first], [i for i in range(len(items)) if owner[i] not in first]]


def _script(kind: str, n: int, data_json: str) -> bytes:
    """A script handing `data_json` to search.js, as a single-quoted JS string for JSON.parse."""
    literal = data_json.replace("\\", "\\\\").replace("'", "\\'").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"(window.glossatorSearch=window.glossatorSearch||[]).push([\"{kind}\",{n},JSON.parse('{literal}')]);\n".encode()


def _add(files: dict[SitePath, bytes], kind: str, n: int, data_json: str) -> str:
    body = _script(kind, n, data_json)
    name = f"search/{kind}-{hashlib.sha256(body).hexdigest()[:12]}.js"
    files[SitePath(name)] = body
    return name


def front_code(the_plan: Plan) -> str:
    """One line per term, in JavaScript order: [shared prefix length][df class][rest], as chr(48 + n)."""
    lines, prev = [], ""
    for term in the_plan.vocab:
        shared = 0
        if prev.isascii() or all(ord(c) < 0x10000 for c in prev + term):   # JS slices UTF-16 units
            limit = min(len(prev), len(term), 200)
            while shared < limit and prev[shared] == term[shared]:
                shared += 1
        lines.append(chr(48 + shared) + chr(48 + min(the_plan.df[term].bit_length(), 60)) + term[shared:])
        prev = term
    return "\n".join(lines)


def field_terms(cat: Catalogue, fields: tuple[str, ...], the_plan: Plan, analyzer: Analyzer) -> dict[str, list[int]]:
    """For each field but the reading text: the vocabulary positions of its terms, as gaps
    (each number the distance from the one before). `speaker:sel` completes and corrects
    to terms of speakers' names: the most frequent words starting "sel" overall are
    elsewhere, in shards the query would load for nothing."""
    position = {t: i for i, t in enumerate(the_plan.vocab)}
    out: dict[str, list[int]] = {}
    for name in fields:
        if name == "text":
            continue
        terms: set[str] = set()
        for value in {item.fields.get(name) or "" for item in cat.items}:
            terms.update(analyzer.terms(value))
        positions = sorted(position[t] for t in terms if t in position)
        out[name] = [b - a for a, b in zip([0, *positions], positions)]
    return out


def _quote_starts(cat: Catalogue) -> list[int]:
    starts, n = [], 0
    by_doc = [0] * len(cat.docs)
    for q in cat.quotes:
        by_doc[q.doc] += 1
    for k in by_doc:
        starts.append(n)
        n += k
    return starts + [n]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _stores(cat: Catalogue, store_bytes: int) -> tuple[list[int], list[str]]:
    """Consecutive documents, about `store_bytes` of text a file, with their quotes' positions."""
    quotes_of: list[list[int]] = [[] for _ in cat.docs]
    for i, q in enumerate(cat.quotes):
        quotes_of[q.doc].append(i)
    first, out = [], []
    d = 0
    while d < len(cat.docs):
        start, size = d, 0
        while d < len(cat.docs) and (d == start or size + len(cat.docs[d].text) <= store_bytes):
            size += len(cat.docs[d].text)
            d += 1
        texts = [cat.docs[k].text for k in range(start, d)]
        quotes = []
        for k in range(start, d):
            text = cat.docs[k].text
            # Offsets as JavaScript counts them (UTF-16 units): one more for each astral character before.
            astral = [] if text.isascii() else [m.start() for m in _ASTRAL.finditer(text)]
            for i in quotes_of[k]:
                q = cat.quotes[i]
                quotes.append([q.fragment, q.speaker, q.start, q.end] if not astral else
                              [q.fragment, q.speaker, q.start + bisect.bisect_left(astral, q.start),
                               q.end + bisect.bisect_left(astral, q.end)])
        first.append(start)
        out.append(_compact({"texts": texts, "quotes": quotes}))
    return first + [len(cat.docs)], out
