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
from collections import Counter, deque
from dataclasses import dataclass
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, and_, attrgetter, eq, itemgetter, mul, not_, rshift
from typing import TYPE_CHECKING, Mapping, Sequence

from builder.searchtext import SEPARATOR, Analyzer, count_elements, split, tally

if TYPE_CHECKING:
    import numpy as np

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


Frequencies = tuple[dict[str, int], int]    # term → count in first-seen order, and the number of terms


@dataclass(frozen=True)
class Counted:
    """Term frequencies of every (item, field), in item then field order."""

    fields: tuple[str, ...]
    tfs: list[tuple[int, int, dict[str, int], int]]   # (item, field, term → count in first-seen order, length)
    df: Counter[str]                                  # term → number of (item, field) pairs holding it
    totals: tuple[int, ...]                           # terms per field, over the items counted


def _is_cut_safe(text: str, at: int) -> bool:
    """Cutting here leaves every token whole: one side is a separator (or the end).
    (A quote usually ends before a space: the character after the cut counts too.)"""
    return at <= 0 or at >= len(text) or bool(SEPARATOR.match(text, at - 1, at + 1)
                                                   or SEPARATOR.match(text, at, at + 1))


def _passages(text: str, spans: Sequence[tuple[int, int, int]], analyzer: Analyzer) -> tuple[Frequencies, dict[int, Frequencies]]:
    """The term frequencies of `text` and of each (item, start, end) span in it, tokenising the text once."""
    cuts = sorted({0, len(text), *(a for _, a, _ in spans), *(b for _, _, b in spans)})
    safe = [c for c in cuts if _is_cut_safe(text, c)]
    at = {c: i for i, c in enumerate(safe)}
    get = analyzer.__getitem__
    segments = [list(filter(None, map(get, split(text[a:b])))) for a, b in zip(safe, safe[1:])]
    before = [0, *accumulate(map(len, segments))]     # terms before each segment
    inner: dict[int, Frequencies] = {}
    for n, a, b in spans:
        if a in at and b in at:
            inner[n] = tally(chain.from_iterable(segments[at[a]:at[b]])), before[at[b]] - before[at[a]]
    return (tally(chain.from_iterable(segments)), before[-1]), inner


_NONE: Frequencies = ({}, 0)


def _text_frequencies(items: Sequence[Item], numbers: Sequence[int], analyzer: Analyzer) -> list[Frequencies]:
    """Each item's "text" frequencies: a document with quotes tokenised once for itself and them."""
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for n, item in zip(numbers, items):
        if item.within:
            spans.setdefault(item.within[0], []).append((n, item.within[1], item.within[2]))
    known: dict[int, Frequencies] = {}
    out: list[Frequencies] = []
    for n, item in zip(numbers, items):
        text = item.fields.get("text")
        if not text:
            out.append(_NONE)
        elif n in spans:
            mine, inner = _passages(text, spans[n], analyzer)
            known.update(inner)
            out.append(mine)
        else:
            out.append(known.pop(n, None) or analyzer.frequencies(text))
    return out


def count(items: Sequence[Item], fields: Sequence[str], analyzer: Analyzer | None = None,
          numbers: Sequence[int] | None = None) -> Counted:
    """Tokenise `items` (numbered `numbers`, by default 0, 1, …).

    Field by field: the other fields repeat a few values (a source, a speaker's name), each
    analysed once; then the (item, field) pairs are put back in item order in one C-level pass."""
    analyzer = Analyzer() if analyzer is None else analyzer   # (an empty Analyzer is falsy)
    numbers = numbers if numbers is not None else range(len(items))
    per_field: list[list[Frequencies]] = []
    for name in fields:
        if name == "text":
            per_field.append(_text_frequencies(items, numbers, analyzer))
            continue
        texts = [item.fields.get(name) for item in items]
        analysed = {text: analyzer.frequencies(text) for text in dict.fromkeys(texts) if text}
        analysed[None] = analysed[""] = _NONE
        per_field.append(list(map(analysed.__getitem__, texts)))
    rows = [zip(numbers, repeat(f), map(itemgetter(0), freqs), map(itemgetter(1), freqs))
            for f, freqs in enumerate(per_field)]
    tfs = list(filter(itemgetter(3), chain.from_iterable(zip(*rows))))
    totals = tuple(sum(map(itemgetter(1), freqs)) for freqs in per_field)
    df: Counter[str] = Counter()
    count_elements(df, chain.from_iterable(map(itemgetter(2), tfs)))
    return Counted(tuple(fields), tfs, df, totals)


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
    postings: list[list[list[str]]]         # per shard, per field, per term: ',"a1":{}' entries


_PLAIN = re.compile(r"[\w./:-]*", re.ASCII)


def _quote(s: str) -> str:
    """A JSON string; plain refs and field names (the usual case) skip the encoder."""
    return f'"{s}"' if _PLAIN.fullmatch(s) else _compact(s)


def _table(counted: Counted, items: Sequence[Item], boosts: Mapping[str, float],
           averages: Sequence[float]) -> tuple[list[float], list[int]]:
    """The BM25 factors (the term-frequency part times the boosts, in thousandths), and
    each vector's row in that table: the factor of count c is table[row + c].

    Vectors of one field, length and item boost have the same factors, so they share one
    row (counts 0..the highest they need): the table stays small."""
    fields, tfs = counted.fields, counted.tfs
    k1 = K1 + 1
    table: list[float] = []
    rows: dict[tuple[int, int, float], int] = {}    # (field, length, item boost) → its row in table
    tops: dict[tuple[int, int, float], int] = {}    # … → the highest count it needs
    classes = list(zip(map(itemgetter(1), tfs), map(itemgetter(3), tfs), (items[n].boost for n, *_ in tfs)))
    for cls, top in zip(classes, map(max, map(dict.values, map(itemgetter(2), tfs)))):
        if top > tops.get(cls, 0):
            tops[cls] = top
    for (f, length, boost), top in tops.items():
        rows[(f, length, boost)] = len(table)
        norm = K1 * (1 - B + B * (length / averages[f]))
        scale = boosts[fields[f]] * boost * 1000
        table += [k1 * c / (norm + c) * scale for c in range(top + 1)]
    return table, list(map(rows.__getitem__, classes))


def _numerals(x: np.ndarray) -> np.ndarray:
    """The decimal digits of non-negative ints as ASCII, one row each, right-aligned after NULs."""
    import numpy as np
    width = len(str(int(x.max()))) if len(x) else 1
    out = np.zeros((len(x), width), np.uint8)
    y = x.astype(np.int64)
    for k in range(width - 1, -1, -1):
        out[:, k] = y % 10 + 48
        y //= 10
    for k in range(width - 1):      # leading zeros become NULs, which are dropped when the rows are packed
        out[x < 10 ** (width - 1 - k), k] = 0
    return out


def _slices(the_plan: Plan, n_fields: int, n_items: int) -> dict[int, list[tuple[int, int, int]]]:
    """Common term (fp) → (low, high, shard) for each slice of items it is cut into."""
    n_terms = len(the_plan.vocab)
    split: dict[int, list[tuple[int, int, int]]] = {}
    for s, sh in enumerate(the_plan.shards):
        if sh.low > 0 or sh.high < n_items:
            for f in range(n_fields):
                split.setdefault(f * n_terms + sh.first, []).append((sh.low, sh.high, s))
    return split


def fragments(counted: Counted, items: Sequence[Item], boosts: Mapping[str, float], the_plan: Plan,
              idf_of: Mapping[str, float], averages: Sequence[float]) -> Fragments:
    """Field vectors and postings of the counted items, cut by shard.

    Weights are integer thousandths (shorter JSON, faster to parse, the same ranking:
    search.js divides by 1000). Terms are numbered within their shard; empty field
    vectors are left out (lunr.js reads only the vectors of fields that matched).

    This is most of the build time, so nothing here loops in Python per entry (a term
    of a field vector, ~960,000 at 1,000 documents) nor per run (a field vector's terms
    within one shard, ~550,000): the entries are numpy arrays, sorted, weighed, cut at
    shard and run boundaries and written as ASCII digits by whole-array operations, and
    Python only looks terms up (one dict lookup per entry) and fills in the vector heads.
    """
    import numpy as np
    fields = counted.fields
    n_fields, n_items = len(fields), len(items)
    vocab, shards = the_plan.vocab, the_plan.shards
    n_terms, n_shards = len(vocab), len(shards)
    tfs = counted.tfs
    n_vectors = len(tfs)
    table, row = _table(counted, items, boosts, averages)
    # Every entry of every field vector, vector after vector: its vector, term and BM25 factor.
    dicts = list(map(itemgetter(2), tfs))
    lengths = np.fromiter(map(len, dicts), np.int64, n_vectors)
    n_entries = int(lengths.sum())
    position = {t: p for p, t in enumerate(vocab)}
    term = np.fromiter(map(position.__getitem__, chain.from_iterable(dicts)), np.int64, n_entries)
    factor = np.fromiter(chain.from_iterable(map(dict.values, dicts)), np.int64, n_entries)
    factor += np.repeat(np.array(row, np.int64), lengths)
    vector = np.repeat(np.arange(n_vectors, dtype=np.int64), lengths)
    item_of = np.fromiter(map(itemgetter(0), tfs), np.int64, n_vectors)
    fp = np.fromiter(map(itemgetter(1), tfs), np.int64, n_vectors)[vector] * n_terms + term
    # The same product as round(idf * factor), in the same float64 arithmetic; rint rounds half to even too.
    idf_array = np.array([idf_of[t] for t in vocab], np.float64)
    weight = np.rint(idf_array[term] * np.array(table, np.float64)[factor]).astype(np.int64)
    # Each entry's shard: its term's, or for a common term cut by items, the slice holding its item.
    first = np.array([sh.first for sh in shards], np.int64)
    shard = np.searchsorted(first, term, "right") - 1       # (a cut term's last slice, for now)
    cut = _slices(the_plan, n_fields, n_items)
    if cut:
        bounds = sorted((p * (n_items + 1) + low, s) for p, slices in cut.items() for low, _, s in slices)
        is_cut = np.zeros(n_fields * n_terms, bool)
        is_cut[list(cut)] = True
        at = np.flatnonzero(is_cut[fp])
        starts = np.array([b for b, _ in bounds], np.int64)
        owner = np.array([s for _, s in bounds], np.int64)
        shard[at] = owner[np.searchsorted(starts, fp[at] * (n_items + 1) + item_of[vector[at]], "right") - 1]
    local = term - first[shard]
    # Shard after shard, vector after vector, term after term (in one vector, term order is shard order).
    order = np.argsort((shard * n_vectors + vector) * n_terms + term)
    s, v = shard[order], vector[order]
    new_shard = np.ones(n_entries, bool)
    np.not_equal(s[1:], s[:-1], out=new_shard[1:])
    new_run = new_shard.copy()
    new_run[1:] |= v[1:] != v[:-1]
    # Each entry as ASCII: a separator, its term's number, ",", its weight. A run starts with "%s",
    # filled in below with its vector's head; "\x01" ends a shard's text (JSON strings never hold it).
    separator = np.array([b",", b"]],%s", b"]]\x01%s", b"%s"]).view(np.uint8).reshape(4, -1)
    kind = new_run.astype(np.int64) + new_shard
    if n_entries:
        kind[0] = 3
    text = np.concatenate([separator[kind], _numerals(local[order]), np.full((n_entries, 1), ord(","), np.uint8),
                           _numerals(weight[order])], axis=1)
    field_heads = ["[" + _quote(f + "/")[:-1] for f in fields]  # '["title/'
    heads = list(map(add, map(add, map(field_heads.__getitem__, map(itemgetter(1), tfs)),
                              map(attrgetter("ref"), map(items.__getitem__, item_of.tolist()))), repeat('",[')))
    runs = text[text != 0].tobytes().decode("ascii") % tuple(map(heads.__getitem__, v[new_run].tolist()))
    vectors = [""] * n_shards
    if n_entries:
        for sh, part in zip(s[new_shard].tolist(), (runs + "]]").split("\x01")):
            vectors[sh] = part
    return Fragments(vectors, _postings(items, the_plan, n_fields, fp, item_of[vector], vector, cut))


def _postings(items: Sequence[Item], the_plan: Plan, n_fields: int, fp: np.ndarray, item: np.ndarray,
              vector: np.ndarray, cut: Mapping[int, list[tuple[int, int, int]]]) -> list[list[list[str]]]:
    """The items of each (field, term), ascending, as lunr's ',"a1":{}' keys, per shard, field and term.

    All keys in (field, term, item) order make one string, which is cut at each (field, term)."""
    import numpy as np
    n_terms, n_items = len(the_plan.vocab), len(items)
    n_fp = n_fields * n_terms
    order = np.argsort(fp * (int(vector.max()) + 1 if len(vector) else 1) + vector)   # items ascend with vectors
    fp, item = fp[order], item[order]
    keys = [""] * n_items
    for n in np.unique(item).tolist():
        keys[n] = "," + _quote(items[n].ref) + ":{}"
    ends = np.cumsum(np.array(list(map(len, keys)), np.int64)[item])
    at = np.concatenate([[0], ends])                                  # where each entry's key starts
    bound = np.searchsorted(fp, np.arange(n_fp + 1))                  # each (field, term)'s first entry
    every = "".join(map(keys.__getitem__, item.tolist()))
    offsets = at[bound].tolist()
    joined = list(map(every.__getitem__, map(slice, offsets, offsets[1:])))
    postings = []
    for sh in the_plan.shards:
        if sh.low == 0 and sh.high >= n_items:
            postings.append([joined[f * n_terms + sh.first:f * n_terms + sh.end] for f in range(n_fields)])
            continue
        per_field = []
        for f in range(n_fields):
            p = f * n_terms + sh.first
            a, b = bound[p], bound[p + 1]
            low, high = a + np.searchsorted(item[a:b], [sh.low, sh.high])
            per_field.append([every[at[low]:at[high]]])
        postings.append(per_field)
    return postings


def assemble(the_plan: Plan, fields: Sequence[str], parts: Sequence[Fragments]) -> list[str]:
    """Join the workers' fragments into one lunr index (JSON text) per shard."""
    field_list = _compact(list(fields))
    entry = ('[%s,{"_index":%s,' + ",".join(_compact(f).replace("%", "%%") + ":{%s}" for f in fields) + "}]").__mod__
    rest = itemgetter(slice(1, None))        # a posting list without its leading comma
    out = []
    for s, shard in enumerate(the_plan.shards):
        per_field = [map(rest, map("".join, zip(*(part.postings[s][f] for part in parts)))) for f in range(len(fields))]
        inverted = ",".join(map(entry, zip(map(_quote, the_plan.vocab[shard.first:shard.end]),
                                           range(shard.end - shard.first), *per_field)))
        vectors = ",".join(filter(None, (part.vectors[s] for part in parts)))
        out.append(f'{{"version":"{LUNR_VERSION}","fields":{field_list},"fieldVectors":[{vectors}],'
                   f'"invertedIndex":[{inverted}],"pipeline":["stemmer"]}}')
    return out
