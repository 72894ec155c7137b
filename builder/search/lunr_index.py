"""lunr's numbers: the terms of each item's fields, idf and BM25 field weights, as lunr.js computes them.

lunr.py's Builder needs ~6.5 s for 1,000 documents. This computes the same numbers
(the same idf, BM25 field vectors rounded to 3 places, the same term order) far
faster, because each distinct word is analysed once and postings are plain lists:

- `count()` tokenises every field of every item;
- `monolithic()` writes one lunr index, byte for byte what lunr.py's `Index.serialize()`
  gives for the same items and pipeline (a test holds it to that): the reference the
  index the browser loads (postings.py, files.py) is held to.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from operator import itemgetter
from typing import Mapping, Sequence

from builder.search.words import SEPARATOR, Analyzer, count_elements, split, tally

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
