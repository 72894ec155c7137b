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

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from builder.search.words import SEPARATOR, Analyzer, count_elements, split, tally

if TYPE_CHECKING:
    import numpy as np

LUNR_VERSION = "2.3.9"
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
K1 = 1.2
B = 0.75


def _numpy() -> Any:
    """numpy, imported when an index is first built. On import its OpenBLAS starts a thread per
    core that spins for a while: ~50 ms of CPU taken from the pages rendered beside the index.
    The index does no linear algebra, so one thread (unless the environment says otherwise)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy

    return numpy


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


def _decimal(x: np.ndarray, zero: bytes = b"0") -> np.ndarray:
    """Each non-negative int in decimal as a row of ASCII, NUL-padded (the NULs are dropped when
    the rows are packed into text): three digits at a time, picked from a table of 0..999."""
    np = _numpy()
    top = int(x.max()) if len(x) else 0
    if top < 1000:
        table = np.array([zero] + [b"%d" % i for i in range(1, top + 1)])
        return table.take(x).view(np.uint8).reshape(len(x), table.itemsize)
    high = x // 1000
    low = x - high * 1000
    low += (high > 0) * 1000                           # after higher digits: 0-padded, "007"
    table = np.array([zero] + [b"%d" % i for i in range(1, 1000)] + [b"%03d" % i for i in range(1000)])
    return np.concatenate([_decimal(high, b""), table.take(low).view(np.uint8).reshape(len(x), 3)], axis=1)


def _byte_rows(strings: Sequence[str]) -> np.ndarray:
    """The UTF-8 bytes of each string as a row, NUL-padded to the longest (UTF-8 holds no NUL but U+0000,
    which JSON escapes): rows picked by index and packed without their NULs make the joined text."""
    np = _numpy()
    table = np.array([s.encode() for s in strings] or [b""])
    return table.view(np.uint8).reshape(-1, table.itemsize)[:len(strings)]


def _own_items(item_of: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The item numbers in `item_of` (ascending: vectors are in item order), and each one's index in them."""
    np = _numpy()
    mine = list(dict.fromkeys(item_of.tolist()))
    return mine, np.searchsorted(np.array(mine, np.int64), item_of)


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
    within one shard, ~550,000): the entries are numpy arrays, weighed, sorted, cut at
    shard and run boundaries and written as ASCII digits by whole-array operations.
    Python only looks each entry's term up (one dict lookup). numpy is imported here, not with
    the module: a build that makes no search index does not pay for it.
    """
    np = _numpy()
    fields = counted.fields
    n_fields, n_items = len(fields), len(items)
    vocab, shards = the_plan.vocab, the_plan.shards
    n_terms, n_shards = len(vocab), len(shards)
    tfs = counted.tfs
    n_vectors = len(tfs)
    # Every entry of every field vector, vector after vector: its vector, term and count.
    dicts = list(map(itemgetter(2), tfs))
    lengths = np.fromiter(map(len, dicts), np.int64, n_vectors)
    n_entries = int(lengths.sum())
    position = {t: p for p, t in enumerate(vocab)}
    term = np.fromiter(map(position.__getitem__, chain.from_iterable(dicts)), np.int64, n_entries)
    count = np.fromiter(chain.from_iterable(map(dict.values, dicts)), np.float64, n_entries)
    vector = np.repeat(np.arange(n_vectors, dtype=np.int64), lengths)
    item_of = np.fromiter(map(itemgetter(0), tfs), np.int64, n_vectors)
    field_of = np.fromiter(map(itemgetter(1), tfs), np.int64, n_vectors)
    fp = field_of[vector] * n_terms + term
    # Each weight is idf × (2.2 c / (norm + c) × field boost × item boost × 1000) in float64, operation
    # by operation in that order, so the same float every time, rounded half to even (as round() does).
    average = np.array(averages, np.float64)[field_of]
    norm = K1 * (1 - B + B * (np.fromiter(map(itemgetter(3), tfs), np.float64, n_vectors) / average))
    scale = (np.array([boosts[f] for f in fields], np.float64)[field_of]
             * np.fromiter(map(attrgetter("boost"), map(items.__getitem__, item_of.tolist())), np.float64, n_vectors)
             * 1000)
    idf_array = np.array([idf_of[t] for t in vocab], np.float64)
    weight = (K1 + 1) * count
    weight /= norm[vector] + count
    weight *= scale[vector]
    weight = np.rint(idf_array[term] * weight).astype(np.int64)
    # Each entry's shard: its term's, or for a common term cut by items, the slice holding its item.
    first = np.array([sh.first for sh in shards], np.int64)
    shard = (np.searchsorted(first, np.arange(n_terms), "right") - 1)[term]   # (a cut term's last slice, for now)
    cut = _slices(the_plan, n_fields, n_items)
    if cut:
        bounds = sorted((p * (n_items + 1) + low, k) for p, slices in cut.items() for low, _, k in slices)
        is_cut = np.zeros(n_fields * n_terms, bool)
        is_cut[list(cut)] = True
        at = np.flatnonzero(is_cut[fp])
        lows = np.array([b for b, _ in bounds], np.int64)
        owner = np.array([k for _, k in bounds], np.int64)
        shard[at] = owner[np.searchsorted(lows, fp[at] * (n_items + 1) + item_of[vector[at]], "right") - 1]
    # Shard after shard, vector after vector, term after term (in one vector, term order is shard order).
    if n_shards * n_vectors * n_terms < 1 << 62:
        order = np.argsort((shard * n_vectors + vector) * n_terms + term)
    else:
        order = np.lexsort((term, vector, shard))
    s, v = shard[order], vector[order]
    new_shard = np.ones(n_entries, bool)
    np.not_equal(s[1:], s[:-1], out=new_shard[1:])
    new_run = new_shard.copy()
    new_run[1:] |= v[1:] != v[:-1]
    # Each entry as a row of bytes: a separator, then if it starts a run its vector's head
    # '["title/a1",[', then its term's number, ",", its weight; NUL-padded, and packed into text
    # by dropping the NULs. "\x01" ends a shard (JSON escapes it; refs are plain).
    kind = new_run.astype(np.int64) + new_shard       # 0 "," 1 "]]," 2 "]]\x01" 3 "" (the first)
    kind[:1] = 3
    opening = ["[" + _quote(f + "/")[:-1] for f in fields]                         # '["title/'
    prefix = _byte_rows([","] * n_fields + [sep + o for sep in ("]],", "]]\x01", "") for o in opening])
    mine, item = _own_items(item_of)
    ref = _byte_rows([""] + [items[n].ref + '",[' for n in mine])                 # 'a1",['
    rows = np.concatenate([prefix.take(kind * n_fields + field_of[v], 0), ref.take((item[v] + 1) * new_run, 0),
                           _decimal((term - first[shard])[order]), np.full((n_entries, 1), ord(","), np.uint8),
                           _decimal(weight[order])], axis=1)
    parts = rows.tobytes().translate(None, b"\0").decode().split("\x01")
    parts[-1] += "]]"
    vectors = [""] * n_shards
    for sh, part in zip(s[new_shard].tolist(), parts):
        vectors[sh] = part
    return Fragments(vectors, _postings(items, the_plan, n_fields, fp, mine, item[vector]))


def _postings(items: Sequence[Item], the_plan: Plan, n_fields: int, fp: np.ndarray, mine: Sequence[int],
              item: np.ndarray) -> list[list[list[str]]]:
    """The items of each (field, term), ascending, as lunr's ',"a1":{}' keys, per shard, field and term.

    Entry i is of (field, term) fp[i] and item mine[item[i]]. The keys of all entries in
    (field, term, item) order make one string, cut at each (field, term)."""
    np = _numpy()
    n_terms, n_items = len(the_plan.vocab), len(items)
    n_fp = n_fields * n_terms
    order = np.argsort(fp * len(mine) + item)
    fp, item = fp[order], item[order]
    keys = ["," + _quote(items[n].ref) + ":{}" for n in mine]
    rows = _byte_rows(keys)[item]
    every = rows.tobytes().translate(None, b"\0").decode()
    at = np.zeros(len(item) + 1, np.int64)              # where each entry's key starts in `every`
    np.cumsum(np.array(list(map(len, keys)), np.int64)[item], out=at[1:])
    bound = np.zeros(n_fp + 1, np.int64)                # each (field, term)'s first entry
    np.cumsum(np.bincount(fp, minlength=n_fp), out=bound[1:])
    joined = [""] * n_fp                               # (most terms are in a few of the fields)
    held = np.flatnonzero(bound[1:] != bound[:-1])
    pieces = map(every.__getitem__, map(slice, at[bound[held]].tolist(), at[bound[held + 1]].tolist()))
    for p, piece in zip(held.tolist(), pieces):
        joined[p] = piece
    item_numbers = np.array(mine, np.int64)[item]
    postings = []
    for sh in the_plan.shards:
        if sh.low == 0 and sh.high >= n_items:
            postings.append([joined[f * n_terms + sh.first:f * n_terms + sh.end] for f in range(n_fields)])
            continue
        per_field = []
        for f in range(n_fields):
            a, b = bound[f * n_terms + sh.first:f * n_terms + sh.first + 2].tolist()
            low, high = (a + np.searchsorted(item_numbers[a:b], [sh.low, sh.high])).tolist()
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
