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
from typing import Mapping, Sequence

from builder.searchtext import SEPARATOR, Analyzer, count_elements, split, tally

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


class _LazyKeys(dict[int, str]):
    """item number → ',"a1":{}', made on first use: each worker needs only its own half."""

    def __init__(self, items: Sequence[Item]) -> None:
        super().__init__()
        self.items = items

    def __missing__(self, n: int) -> str:
        key = self[n] = "," + _quote(self.items[n].ref) + ":{}"
        return key


def _sorted_keys(counted: Counted, items: Sequence[Item], boosts: Mapping[str, float], vocab: Sequence[str],
                 averages: Sequence[float]) -> tuple[list[int], list[float], int]:
    """Every entry of every field vector as one int, vector after vector, each vector sorted by term.

    An entry is numbered by its field and term, fp = field * len(vocab) + term position, and
    its key is fp << shift + the index of its BM25 factor (the term-frequency part times the
    boosts, in thousandths) in `table`. Vectors of one field, length and item boost have the
    same factors, so they share one row of the table (counts 0..max): the table stays small
    and keys mostly fit in a machine word, which sorts and shifts faster. Sorting a vector's
    keys sorts it by term. Returns (keys, table, shift).
    """
    fields, tfs = counted.fields, counted.tfs
    n_terms = len(vocab)
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
    shift = len(table).bit_length()
    # All entries end to end (C-level maps over the tf dicts), then each vector's slice sorted.
    dicts = list(map(itemgetter(2), tfs))
    lengths = list(map(len, dicts))
    offset = map(add, map(mul, map(itemgetter(1), tfs), repeat(n_terms << shift)), map(rows.__getitem__, classes))
    position = {t: p << shift for p, t in enumerate(vocab)}
    flat = list(map(add, map(add, map(position.__getitem__, chain.from_iterable(dicts)),
                             chain.from_iterable(map(repeat, offset, lengths))),
                    chain.from_iterable(map(dict.values, dicts))))
    ends = list(accumulate(lengths))
    keys = list(chain.from_iterable(map(sorted, map(flat.__getitem__, map(slice, [0, *ends], ends)))))
    return keys, table, shift


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
    within one shard, ~550,000): the entries of every vector are laid end to end in a
    few flat lists, each computed by a C-level map(), and the shard runs are cut out of
    one formatted string with str.split. Per vector (~95,000) there is one short loop step.
    """
    fields = counted.fields
    n_fields, n_items = len(fields), len(items)
    vocab, shards = the_plan.vocab, the_plan.shards
    n_terms = len(vocab)
    tfs = counted.tfs
    keys, table, shift = _sorted_keys(counted, items, boosts, vocab, averages)
    item_of = list(map(itemgetter(0), tfs))
    fp = list(map(rshift, keys, repeat(shift)))
    # vector2[i] = 2 × the vector number of entry i (the index of its head in `choice` below)
    vector2 = list(chain.from_iterable(map(repeat, range(0, 2 * len(tfs), 2), map(len, map(itemgetter(2), tfs)))))
    local = [""] * n_terms                     # a term's number within its shard, then "," and a weight's format
    shard_of = [0] * n_terms
    for s, sh in enumerate(shards):
        for p in range(sh.first, sh.end):
            local[p] = f"{p - sh.first},%.0f"
            shard_of[p] = s
    shard = list(map((shard_of * n_fields).__getitem__, fp))
    split = _slices(the_plan, n_fields, n_items)
    split_refs: dict[int, list[int]] = {}      # a common term's items, for its slices' postings
    if split:                                  # a common term's entries go to its item's slice
        for i in compress(range(len(fp)), map(split.__contains__, fp)):
            n = item_of[vector2[i] // 2]
            split_refs.setdefault(fp[i], []).append(n)
            shard[i] = next(s for low, high, s in split[fp[i]] if low <= n < high)
    # A run starts where the vector or the shard changes: there the entry is preceded by
    # ']]\0["title/a1",[' (the vector's head), elsewhere by ','. Entry i picks choice[2 v + same].
    same = [False, *map(and_, map(eq, shard, islice(shard, 1, None)), map(eq, vector2, islice(vector2, 1, None)))]
    field_heads = ["]]\0[" + _quote(f + "/")[:-1] for f in fields]  # ']]\0["title/'
    heads = map(add, map(add, map(field_heads.__getitem__, map(itemgetter(1), tfs)),
                         map(attrgetter("ref"), map(items.__getitem__, item_of))), repeat('",['))
    choice = [x.replace("%", "%%") for x in chain.from_iterable(zip(heads, repeat(",")))]
    # One format string for every entry ("…,12,%.0f"), filled with every weight at once: "%.0f"
    # rounds half to even, exactly as round() does, without an int and a str per entry.
    form = "".join(chain.from_iterable(zip(map(choice.__getitem__, map(add, vector2, same)),
                                           map((local * n_fields).__getitem__, fp))))
    idf_list = [idf_of[t] for t in vocab] * n_fields
    mask = (1 << shift) - 1
    text = form % tuple(map(mul, map(idf_list.__getitem__, fp), map(table.__getitem__, map(and_, keys, repeat(mask)))))
    runs = (text + "]]")[3:].split("\0")
    vectors: list[list[str]] = [[] for _ in shards]
    deque(map(list.append, map(vectors.__getitem__, compress(shard, map(not_, same))), runs), maxlen=0)
    return Fragments([",".join(v) for v in vectors], _postings(items, the_plan, n_fields, fp, vector2, item_of, split_refs))


def _postings(items: Sequence[Item], the_plan: Plan, n_fields: int, fp: Sequence[int], vector2: Sequence[int],
              item_of: Sequence[int], split_refs: Mapping[int, list[int]]) -> list[list[list[str]]]:
    """The items of each (field, term), ascending, as lunr's ',"a1":{}' keys, per shard, field and term."""
    n_terms, n_items = len(the_plan.vocab), len(items)
    key = _LazyKeys(items).__getitem__
    refs: list[list[str]] = [[] for _ in range(n_fields * n_terms)]
    key_of_vector2 = list(chain.from_iterable(zip(map(key, item_of), repeat(""))))
    deque(map(list.append, map(refs.__getitem__, fp), map(key_of_vector2.__getitem__, vector2)), maxlen=0)
    joined = list(map("".join, refs))
    postings = []
    for sh in the_plan.shards:
        if sh.low == 0 and sh.high >= n_items:
            postings.append([joined[f * n_terms + sh.first:f * n_terms + sh.end] for f in range(n_fields)])
            continue
        per_field = []
        for f in range(n_fields):
            r = split_refs.get(f * n_terms + sh.first, [])
            per_field.append(["".join(map(key, r[bisect.bisect_left(r, sh.low):bisect.bisect_left(r, sh.high)]))])
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
