"""Postings: which items hold each term, in which field, with what weight.

Gathered a document at a time (`Postings.add`, so the index can be fed as a stream):
each document's term counts come counted already (shards.Counts, made where the document
was prepared) and are kept only as numpy arrays, ten bytes a (term, item, field) entry;
no text is kept. `weighed()` then computes lunr's
BM25 weights over the whole corpus (idf and average field lengths need every
document) and hands the entries back a range of terms at a time, sorted by term,
field and item, so that no more than one range is ever sorted or turned into text at once.

Weights are integer thousandths of lunr's (the browser divides by 1000): the same
float64 operations, in the same order, as lunr.py's Builder, then rounded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from builder.search.lunr_index import B, K1, idf, js_order
from builder.search.shards import Counts

if TYPE_CHECKING:
    import numpy as np

BATCH = 1 << 20            # entries tokenised before they are packed into arrays
PART = 4 << 20             # entries sorted and written at a time


def numpy() -> Any:
    """numpy, imported when an index is first built. On import its OpenBLAS starts a thread per
    core that spins for a while: ~50 ms of CPU taken from the pages rendered beside the index.
    The index does no linear algebra, so one thread (unless the environment says otherwise)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy

    return numpy


class _Ids(dict[str, int]):
    """Term → its number, in order of first appearance; an unseen term is numbered on lookup."""

    def __missing__(self, term: str) -> int:
        n = self[term] = len(self)
        return n


@dataclass(frozen=True)
class Part:
    """The entries of terms vocab[first:end], sorted by term, field and item."""

    first: int
    end: int
    term: np.ndarray       # vocabulary position
    field: np.ndarray
    item: np.ndarray
    weight: np.ndarray     # thousandths


class Postings:
    def __init__(self, boosts: Mapping[str, float]) -> None:
        self.fields, self.boosts = tuple(boosts), boosts
        self.ids = _Ids()
        self.n_items = 0
        self.item_boost: dict[int, float] = {}
        self._pending: list[tuple[int, Counts]] = []    # (first item number, counts) per document pending
        self._pending_entries = 0
        self._batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []    # term id, count, vector
        self._vectors: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []    # item, field, length
        self._n_vectors = 0

    def add(self, counts: Counts, first: int, n_items: int, boosts: Sequence[tuple[int, float]] = ()) -> None:
        """One document's term counts, its items numbered first, first + 1, …; `boosts`: (item
        within the document, boost) for the items not weighed 1."""
        self._pending.append((first, counts))
        self._pending_entries += len(counts.counts) // 4
        self.n_items += n_items
        for k, boost in boosts:
            self.item_boost[first + k] = boost
        if self._pending_entries >= BATCH:
            self._pack()

    def _pack(self) -> None:
        np = numpy()
        pending, self._pending, self._pending_entries = self._pending, [], 0
        if not pending:
            return
        vectors = np.frombuffer(b"".join(c.vectors for _, c in pending), np.uint32).reshape(-1, 4)
        per_doc = [len(c.vectors) // 16 for _, c in pending]
        lengths = vectors[:, 3].astype(np.int64)
        n = int(lengths.sum())
        ids = np.fromiter(map(self.ids.__getitem__, chain.from_iterable(c.term_list() for _, c in pending)), np.uint32, n)
        counts = np.frombuffer(b"".join(c.counts for _, c in pending), np.uint32)
        vector = np.repeat(np.arange(self._n_vectors, self._n_vectors + len(vectors), dtype=np.uint32), lengths)
        self._batches.append((ids, counts, vector))
        item = vectors[:, 0] + np.repeat(np.array([first for first, _ in pending], np.uint32), per_doc)
        self._vectors.append((item, vectors[:, 1].astype(np.uint8), vectors[:, 2].copy()))
        self._n_vectors += len(vectors)

    def weighed(self) -> Weighed:
        """Every entry weighed; the counts are dropped as they are."""
        np = numpy()
        self._pack()
        n_fields = len(self.fields)
        terms = list(self.ids)
        order = sorted(range(len(terms)), key=lambda i: js_order(terms[i]))
        vocab = [terms[i] for i in order]
        position = np.empty(len(terms), np.uint32)
        position[order] = np.arange(len(terms), dtype=np.uint32)
        if self._vectors:
            item, field, length = (np.concatenate(parts) for parts in zip(*self._vectors))
        else:
            item, field, length = np.zeros(0, np.uint32), np.zeros(0, np.uint8), np.zeros(0, np.uint32)
        df_by_id = np.zeros(len(terms), np.int64)
        for ids, _, _ in self._batches:
            df_by_id += np.bincount(ids, minlength=len(terms))
        df = df_by_id[order]
        n = max(self.n_items, 1)
        totals = np.bincount(field, weights=length, minlength=n_fields)
        averages = np.array([float(int(t)) / n for t in totals], np.float64)
        # Per field vector: BM25's length normalisation, and boosts × 1000 (lunr.py's expression, in order).
        norm = K1 * (1 - B + B * (length.astype(np.float64) / averages[field]))
        scale = np.array([self.boosts[f] for f in self.fields], np.float64)[field]
        if self.item_boost:
            scale = scale * np.array([self.item_boost.get(i, 1.0) for i in item.tolist()], np.float64)
        else:
            scale = scale * 1.0
        scale *= 1000
        idf_of = idf(dict(zip(vocab, df.tolist())), n)
        idf_array = np.array([idf_of[t] for t in vocab], np.float64)
        batches = []
        while self._batches:
            ids, counts, vector = self._batches.pop(0)
            term = position[ids]
            del ids
            c = counts.astype(np.float64)
            w = (K1 + 1) * c
            w /= norm[vector] + c
            w *= scale[vector]
            weight = np.rint(idf_array[term] * w).astype(np.uint32)
            del c, w, counts
            by_term = np.argsort(term, kind="stable")
            batches.append((term[by_term], vector[by_term], weight[by_term]))
        return Weighed(tuple(vocab), df, item, field, batches, n_fields)


@dataclass
class Weighed:
    vocab: tuple[str, ...]           # every term, in JavaScript order
    df: np.ndarray                   # per term: (item, field) pairs holding it
    vec_item: np.ndarray
    vec_field: np.ndarray
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]]   # (term, vector, weight), sorted by term
    n_fields: int

    def parts(self, limit: int = PART) -> Iterator[Part]:
        """The entries, a range of terms at a time (about `limit` entries, a term never cut)."""
        np = numpy()
        first, size = 0, 0
        bounds = []
        for t, d in enumerate(self.df.tolist()):
            if size and size + d > limit:
                bounds.append((first, t))
                first, size = t, 0
            size += d
        if first < len(self.vocab):
            bounds.append((first, len(self.vocab)))
        for first, end in bounds:
            term, vector, weight = (np.concatenate(arrays) if arrays else np.zeros(0, np.uint32) for arrays in zip(*(
                (t[a:b], v[a:b], w[a:b]) for t, v, w in self.batches
                for a, b in [np.searchsorted(t, [first, end]).tolist()])))
            field = self.vec_field[vector]
            order = np.argsort((term.astype(np.int64) - first) * self.n_fields + field, kind="stable")
            yield Part(first, end, term[order], field[order], self.vec_item[vector][order], weight[order])


def decimal(x: np.ndarray, zero: bytes = b"0") -> np.ndarray:
    """Each non-negative int in decimal as a row of ASCII, NUL-padded (the NULs are dropped when
    the rows are packed into text): three digits at a time, picked from a table of 0..999."""
    np = numpy()
    x = x.astype(np.int64)
    top = int(x.max()) if len(x) else 0
    if top < 1000:
        table = np.array([zero] + [b"%d" % i for i in range(1, top + 1)])
        return table.take(x).view(np.uint8).reshape(len(x), table.itemsize)
    high = x // 1000
    low = x - high * 1000
    low += (high > 0) * 1000                           # after higher digits: 0-padded, "007"
    table = np.array([zero] + [b"%d" % i for i in range(1, 1000)] + [b"%03d" % i for i in range(1000)])
    return np.concatenate([decimal(high, b""), table.take(low).view(np.uint8).reshape(len(x), 3)], axis=1)


def byte_rows(strings: Sequence[str]) -> np.ndarray:
    """The UTF-8 bytes of each string as a row, NUL-padded to the longest (UTF-8 holds no NUL but U+0000,
    which JSON escapes): rows picked by index and packed without their NULs make the joined text."""
    np = numpy()
    table = np.array([s.encode() for s in strings] or [b""])
    return table.view(np.uint8).reshape(-1, table.itemsize)[:len(strings)]


_PREFIXES = [",", "],[", "\x01[["]


def lists(run: np.ndarray, field: np.ndarray, item: np.ndarray, weight: np.ndarray) -> list[str]:
    """For each run of equal `run` values (entries sorted by run, field, item), the JSON
    [[field, item, weight, …], …]: one list per field it is in, its items as gaps (the first
    as it is), each followed by its weight."""
    np = numpy()
    if not len(run):
        return []
    new_run = np.ones(len(run), bool)
    np.not_equal(run[1:], run[:-1], out=new_run[1:])
    new_list = new_run.copy()
    new_list[1:] |= field[1:] != field[:-1]
    gap = item.astype(np.int64)
    gap[1:] = gap[1:] - gap[:-1]
    gap[new_list] = item[new_list]
    n_fields = int(field.max()) + 1
    # An entry opens with "," or, starting a list, "],[<field>," or (a run) "\x01[[<field>,".
    opening = byte_rows([","] + [sep + f"{f}," for sep in _PREFIXES[1:] for f in range(n_fields)])
    kind = np.where(new_list, (new_run.astype(np.int64) * n_fields + field) + 1, 0)
    rows = np.concatenate([opening.take(kind, 0), decimal(gap), np.full((len(run), 1), ord(","), np.uint8),
                           decimal(weight)], axis=1)
    return [p + "]]" for p in rows.tobytes().translate(None, b"\0").decode().split("\x01")[1:]]
