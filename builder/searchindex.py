"""lunr.js indexes, built directly in the JSON that `lunr.Index.load` reads.

lunr.py's Builder needs ~6.5 s for 1,000 documents. This computes the same numbers
(the same idf, BM25 field vectors rounded to 3 places, the same term order) far
faster, because each distinct word is analysed once and postings are plain lists:

- `count()` tokenises every field of every item;
- `monolithic()` writes one index, byte for byte what lunr.py's `Index.serialize()`
  gives for the same items and pipeline (a test holds it to that);
- `plan()`, `fragments()` and `assemble()` cut the index by term range into small
  indexes (shards) that the browser loads only when a query needs one of their
  terms. Each shard holds every posting and vector weight of its terms, and idf
  and average field lengths are computed over everything, so a shard scores a
  term exactly as the whole index does.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from itertools import chain, repeat
from operator import mul
from typing import Mapping, Sequence

from builder.searchtext import SEPARATOR, Analyzer, split

LUNR_VERSION = "2.3.9"
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Item:
    """One search result-to-be: a reference and the text of each field.

    `within` = (n, start, end) says this item's "text" is text[start:end] of item n's
    "text" (a quote in its document): it is then tokenised once, with its document.
    """

    ref: str
    fields: Mapping[str, str]
    boost: float = 1.0
    within: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Counted:
    """Term frequencies of every (item, field), in item then field order."""

    fields: tuple[str, ...]
    tfs: list[tuple[int, int, dict[str, int], int]]   # (item, field, term → count in first-seen order, length)
    df: Counter[str]                                  # term → number of (item, field) pairs holding it
    totals: tuple[int, ...]                           # terms per field, over the items counted


def _is_cut_safe(text: str, at: int) -> bool:
    """Cutting here leaves every token whole: one side is a separator (or the end)."""
    return at <= 0 or at >= len(text) or bool(SEPARATOR.match(text, at - 1, at + 1))


def _passages(text: str, spans: Sequence[tuple[int, int, int]], analyzer: Analyzer) -> tuple[list[str], dict[int, list[str]]]:
    """The terms of `text` and of each (item, start, end) span in it, tokenising the text once."""
    cuts = sorted({0, len(text), *(a for _, a, _ in spans), *(b for _, _, b in spans)})
    safe = [c for c in cuts if _is_cut_safe(text, c)]
    at = {c: i for i, c in enumerate(safe)}
    get = analyzer.__getitem__
    segments = [list(filter(None, map(get, split(text[a:b])))) for a, b in zip(safe, safe[1:])]
    inner: dict[int, list[str]] = {}
    for n, a, b in spans:
        if a in at and b in at:
            inner[n] = list(chain.from_iterable(segments[at[a]:at[b]]))
    return list(chain.from_iterable(segments)), inner


def count(items: Sequence[Item], fields: Sequence[str], analyzer: Analyzer | None = None,
          numbers: Sequence[int] | None = None) -> Counted:
    """Tokenise `items` (numbered `numbers`, by default 0, 1, …)."""
    analyzer = analyzer or Analyzer()
    numbers = numbers if numbers is not None else range(len(items))
    tfs: list[tuple[int, int, dict[str, int], int]] = []
    df: Counter[str] = Counter()
    totals = [0] * len(fields)
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for n, item in zip(numbers, items):
        if item.within:
            spans.setdefault(item.within[0], []).append((n, item.within[1], item.within[2]))
    known: dict[int, list[str]] = {}
    short: dict[str, tuple[dict[str, int], int]] = {}
    for n, item in zip(numbers, items):
        for f, name in enumerate(fields):
            text = item.fields.get(name)
            if not text:
                continue
            if name == "text" and n in spans:
                terms, inner = _passages(text, spans[n], analyzer)
                known.update(inner)
                tf, length = dict(Counter(terms)), len(terms)
            elif name == "text" and n in known:
                terms = known.pop(n)
                tf, length = dict(Counter(terms)), len(terms)
            elif len(text) < 200:                      # names, sources: few distinct values, cached
                if text not in short:
                    short[text] = analyzer.frequencies(text)
                tf, length = short[text]
            else:
                tf, length = analyzer.frequencies(text)
            if length:
                tfs.append((n, f, tf, length))
                totals[f] += length
                df.update(tf.keys())
    return Counted(tuple(fields), tfs, df, tuple(totals))


def js_order(term: str) -> bytes:
    """lunr.js's TokenSet.Builder wants terms in JavaScript (UTF-16) order, not code-point order."""
    return term.encode("utf-16-be", "surrogatepass")


def idf(df: Mapping[str, int], n_items: int) -> dict[str, float]:
    return {t: math.log(1 + abs((n_items - d + 0.5) / (d + 0.5))) for t, d in df.items()}


def weights(tf: Mapping[str, int], length: int, average: float, boost: float, item_boost: float,
            idf_of: Mapping[str, float]) -> list[float]:
    """BM25 weight of each term, in tf order: lunr.py's Builder expression, operation for operation."""
    norm = K1 * (1 - B + B * (length / average))
    k = K1 + 1
    return [round(idf_of[t] * (k * c) / (norm + c) * boost * item_boost, 3) for t, c in tf.items()]


def monolithic(items: Sequence[Item], boosts: Mapping[str, float], analyzer: Analyzer | None = None) -> str:
    """One lunr index as JSON, identical to lunr.py's Builder + `Index.serialize()` (json.dumps defaults)."""
    fields = tuple(boosts)
    counted = count(items, fields, analyzer)
    idf_of = idf(counted.df, len(items))
    average = [t / len(items) for t in counted.totals]
    order: dict[str, int] = {}
    postings: dict[str, list[list[int]]] = {}
    vectors: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for n, f, tf, length in counted.tfs:
        for t in tf:
            if t not in order:
                order[t] = len(order)
                postings[t] = [[] for _ in fields]
            postings[t][f].append(n)
        w = weights(tf, length, average[f], boosts[fields[f]], items[n].boost, idf_of)
        vectors[(n, f)] = sorted(zip(map(order.__getitem__, tf), w))
    refs = [json.dumps(i.ref) for i in items]
    vector_json = []
    for n in range(len(items)):
        for f, name in enumerate(fields):
            flat = [x for pair in vectors.get((n, f), ()) for x in pair]
            vector_json.append(f'[{json.dumps(name + "/" + items[n].ref)}, {json.dumps(flat)}]')
    inverted_json = []
    for t in sorted(postings, key=js_order):
        per_field = ", ".join(
            f'{json.dumps(name)}: {{{", ".join(refs[n] + ": {}" for n in postings[t][f])}}}' for f, name in enumerate(fields))
        inverted_json.append(f'[{json.dumps(t)}, {{{per_field}, "_index": {order[t]}}}]')
    return (f'{{"version": "{LUNR_VERSION}", "fields": {json.dumps(list(fields))}, '
            f'"fieldVectors": [{", ".join(vector_json)}], "invertedIndex": [{", ".join(inverted_json)}], '
            f'"pipeline": ["stemmer"]}}')


@dataclass(frozen=True)
class Shard:
    """Terms vocab[first:end] for items [low, high): a term range, or one common term's slice of items."""

    first: int
    end: int
    low: int
    high: int


@dataclass(frozen=True)
class Plan:
    """The vocabulary in JavaScript order, cut into shards (sorted by first term)."""

    vocab: tuple[str, ...]
    shards: tuple[Shard, ...]
    df: Mapping[str, int]


def plan(df: Mapping[str, int], shard_bytes: int, n_items: int) -> Plan:
    """Cut the sorted vocabulary into runs of about `shard_bytes` of JSON each; a term
    bigger than that on its own is cut by item number into as many slices as it needs,
    so that no file (and no parse in the browser) is much bigger than the others."""
    vocab = tuple(sorted(df, key=js_order))
    shards: list[Shard] = []
    first, size = 0, 0
    for i, t in enumerate(vocab):
        cost = 60 + len(t) + 22 * df[t]    # a posting entry plus a vector pair, roughly
        if cost > shard_bytes:
            if i > first:
                shards.append(Shard(first, i, 0, n_items))
            parts = -(-cost // shard_bytes)
            cuts = [n_items * k // parts for k in range(parts + 1)]
            shards.extend(Shard(i, i + 1, lo, hi) for lo, hi in zip(cuts, cuts[1:]))
            first, size = i + 1, 0
            continue
        if size and size + cost > shard_bytes:
            shards.append(Shard(first, i, 0, n_items))
            first, size = i, 0
        size += cost
    if first < len(vocab) or not shards:
        shards.append(Shard(first, len(vocab), 0, n_items))
    return Plan(vocab, tuple(shards), df)


@dataclass(frozen=True)
class Fragments:
    """One worker's share of every shard, as JSON text to be joined."""

    vectors: list[str]                      # per shard: '["title/a1",[0,1234,…]]' entries, comma-separated
    postings: list[list[tuple[str, ...]]]   # per shard, per term, per field: '"a1":{}' entries, comma-separated


def _factors(length: int, average: float, boost: float, item_boost: float, most: int) -> list[float]:
    """BM25's term-frequency part for counts 0..most, times the boosts, in thousandths."""
    norm = K1 * (1 - B + B * (length / average))
    scale = boost * item_boost * 1000
    return [(K1 + 1) * c / (norm + c) * scale for c in range(most + 1)]


_PLAIN = re.compile(r"[\w./:-]*", re.ASCII)


def _quote(s: str) -> str:
    """A JSON string; plain refs and field names (the usual case) skip the encoder."""
    return f'"{s}"' if _PLAIN.fullmatch(s) else _compact(s)


class _LazyKeys(dict[int, str]):
    """item number → '"a1":{}', made on first use: each worker needs only its own half."""

    def __init__(self, items: Sequence[Item]) -> None:
        super().__init__()
        self.items = items

    def __missing__(self, n: int) -> str:
        key = self[n] = _quote(self.items[n].ref) + ":{}"
        return key


def fragments(counted: Counted, items: Sequence[Item], boosts: Mapping[str, float], the_plan: Plan,
              idf_of: Mapping[str, float], averages: Sequence[float]) -> Fragments:
    """Field vectors and postings of the counted items, cut by shard.

    Weights are integer thousandths (shorter JSON, faster to parse, the same ranking:
    search.js divides by 1000). Terms are numbered within their shard; empty field
    vectors are left out (lunr.js reads only the vectors of fields that matched).
    This is most of the build time, so every per-term step is a C-level map(): each
    field vector is weighed, sorted by term and cut where its terms change shard.
    """
    fields = counted.fields
    n_fields, n_items = len(fields), len(items)
    vocab, shards = the_plan.vocab, the_plan.shards
    position = {t: i for i, t in enumerate(vocab)}
    idf_list = [idf_of[t] for t in vocab]
    local = [""] * len(vocab)                  # a term's number within its shard, as text
    shard_of = [0] * len(vocab)                # its shard, for the item at hand
    slices: defaultdict[int, list[tuple[int, int, int]]] = defaultdict(list)   # common term → (low, high, shard)
    for s, shard in enumerate(shards):
        for p in range(shard.first, shard.end):
            local[p] = str(p - shard.first)
            if shard.low == 0 and shard.high >= n_items:
                shard_of[p] = s
            else:
                slices[p].append((shard.low, shard.high, s))
    changes = sorted({low for parts in slices.values() for low, _, _ in parts})
    ends = [shard.end for shard in shards]
    heads = [_quote(f + "/")[:-1] for f in fields]                   # '"title/'
    refs: list[defaultdict[int, list[int]]] = [defaultdict(list) for _ in fields]   # field → term → items, ascending
    vectors: list[list[str]] = [[] for _ in shards]
    for n, f, tf, length in counted.tfs:
        while changes and n >= changes[0]:     # items come in ascending order: move common terms to their next slice
            changes.pop(0)
            for p, parts in slices.items():
                shard_of[p] = next((s for low, high, s in parts if low <= n < high), shard_of[p])
        positions = list(map(position.__getitem__, tf))
        factor = _factors(length, averages[f], boosts[fields[f]], items[n].boost, max(tf.values()))
        weight = dict(zip(positions, map(str, map(round, map(mul, map(idf_list.__getitem__, positions),
                                                                   map(factor.__getitem__, tf.values()))))))
        deque(map(list.append, map(refs[f].__getitem__, positions), repeat(n)), maxlen=0)
        positions.sort()
        head = heads[f] + items[n].ref + '",['
        first, count_ = 0, len(positions)
        while first < count_:
            s = shard_of[positions[first]]
            last = bisect.bisect_left(positions, ends[s], first)
            run = positions[first:last]
            vectors[s].append("[" + head + ",".join(map("{},{}".format, map(local.__getitem__, run),
                                                         map(weight.__getitem__, run))) + "]]")
            first = last
    keys = _LazyKeys(items)
    postings = []
    for shard in shards:
        whole = shard.low == 0 and shard.high >= n_items
        terms = []
        for p in range(shard.first, shard.end):
            per_field = []
            for f in range(n_fields):
                r = refs[f].get(p, ())
                if r and not whole:
                    r = r[bisect.bisect_left(r, shard.low):bisect.bisect_left(r, shard.high)]
                per_field.append(",".join(map(keys.__getitem__, r)) if r else "")
            terms.append(tuple(per_field))
        postings.append(terms)
    return Fragments([",".join(v) for v in vectors], postings)


def assemble(the_plan: Plan, fields: Sequence[str], parts: Sequence[Fragments]) -> list[str]:
    """Join the workers' fragments into one lunr index (JSON text) per shard."""
    field_list = _compact(list(fields))
    names = [_compact(f) for f in fields]
    out = []
    for s, shard in enumerate(the_plan.shards):
        inverted = []
        for local, p in enumerate(range(shard.first, shard.end)):
            body = ",".join(names[f] + ":{" + ",".join(filter(None, (part.postings[s][local][f] for part in parts))) + "}"
                            for f in range(len(fields)))
            inverted.append(f'[{_compact(the_plan.vocab[p])},{{"_index":{local},{body}}}]')
        vectors = ",".join(filter(None, (part.vectors[s] for part in parts)))
        out.append(f'{{"version":"{LUNR_VERSION}","fields":{field_list},"fieldVectors":[{vectors}],'
                   f'"invertedIndex":[{",".join(inverted)}],"pipeline":["stemmer"]}}')
    return out
