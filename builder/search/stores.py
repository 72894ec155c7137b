"""The text files: what a result shows (title, source, date, link, snippet), a few documents a file.

Items are numbered by the file that holds them: file k holds items k·SLOTS to k·SLOTS +
SLOTS − 1, so the browser finds an item's file by division, with no list of files to
download first (such a list grows with the corpus). A document and its quotes are
consecutive items; a file is closed when the next document's items or text would not
fit, and the numbers it leaves unused are skipped. A document with more quotes than a
file has numbers spills its further quotes into the next files, each quote with its
own words (its document's text is in the first file only).

A file is a list of parts, one per document it holds items of:
[first item's slot, 1 if that item is the document itself, title, source, date,
datetime, href, text or null, quotes], a quote [fragment, speaker, start, end] (a slice
of the text, in UTF-16 units as JavaScript counts) or [fragment, speaker, words].
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

from builder.core.models import Documents
from builder.search.catalogue import DocRecord, doc_records, numbered
from builder.search.lunr_index import Item
from builder.search.shards import Shard

SLOTS = 32                 # item numbers a file holds
STORE_BYTES = 8_000        # of text a file, about (~3 KB gzip): one file for a result's title and snippet
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class StorePacker:
    """Places documents in text files as they come and numbers their items."""

    def __init__(self, store_bytes: int = STORE_BYTES, slots: int = SLOTS) -> None:
        self.store_bytes, self.slots = store_bytes, slots
        self.file, self.used, self.size = 0, 0, 0
        self.parts: list[list[Any]] = []

    def add(self, record: DocRecord | Shard) -> tuple[int, list[tuple[int, str]]]:
        """The number of the record's first item, and the files it completed: (file number, JSON)."""
        done = []
        n_items = record.n_items
        if self.used and (self.used + n_items > self.slots or self.size + len(record.text) > self.store_bytes):
            done.append(self._close())
        first = self.file * self.slots + self.used
        card = record.card
        head = [card.title, card.source, card.date, card.datetime, card.href]
        astral = [] if record.text.isascii() else [m.start() for m in _ASTRAL.finditer(record.text)]
        placed = 0
        while True:
            take = min(n_items - placed, self.slots - self.used)
            quotes = record.quotes[max(placed - 1, 0):placed + take - 1]
            if placed == 0:
                # Offsets as JavaScript counts them (UTF-16 units): one more for each astral character before.
                part = [self.used, 1, *head, record.text,
                        [[q.fragment, q.speaker, q.start + bisect.bisect_left(astral, q.start),
                          q.end + bisect.bisect_left(astral, q.end)] for q in quotes]]
            else:
                part = [self.used, 0, *head, None, [[q.fragment, q.speaker, record.text[q.start:q.end]] for q in quotes]]
            self.parts.append(part)
            self.used += take
            placed += take
            if placed == n_items:
                break
            done.append(self._close())
        self.size += len(record.text)
        return first, done

    def finish(self) -> list[tuple[int, str]]:
        return [self._close()] if self.parts else []

    @property
    def files(self) -> int:
        """Files closed so far (with finish(): all of them)."""
        return self.file

    def _close(self) -> tuple[int, str]:
        out = (self.file, _compact(self.parts))
        self.file += 1
        self.used, self.size, self.parts = 0, 0, []
        return out


@dataclass(frozen=True)
class Catalogue:
    """Every item numbered as the store packer numbers them (for tests and benchmarks, which
    compare the index with lunr's own over the same items)."""

    items: tuple[Item, ...]
    records: tuple[DocRecord, ...]


def catalogue(documents: Documents, store_bytes: int | None = None) -> Catalogue:
    packer = StorePacker(STORE_BYTES if store_bytes is None else store_bytes)
    items: list[Item] = []
    records = tuple(doc_records(documents))
    for record in records:
        first, _ = packer.add(record)
        items += numbered(record, first, len(items))
    return Catalogue(tuple(items), records)
