"""What can be found: every document and, separately, every quote, one record a document.

A quote is an item of its own so that a result can lead straight to the passage
(docs/<id>.html#<quote id>). A document's items are the document, then its quotes;
`doc_records` makes them one document at a time, so the index can be fed as a stream.
Items are numbered when they are placed in a text file (stores.py): the number says
which file holds what a result shows. In base 36 it is the lunr ref.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Mapping

from builder.core import urls
from builder.core.models import AnchoredDoc, Documents, EntityId
from builder.core.records import record
from builder.search.lunr_index import Item

# Field weights: a word in the title or naming a speaker says more than one in the body.
BOOSTS = {"title": 10.0, "speakers": 5.0, "source": 3.0, "entities": 2.0, "text": 1.0}


@record
class DocCard:
    """What a document result shows."""

    title: str
    source: str
    date: str          # readable, with EDTF precision and certainty ("2021-08-24 (approximate)")
    datetime: str      # for <time datetime>
    href: str          # relative to the site root


@record
class QuoteCard:
    fragment: str      # the quote's element id in the document page
    speaker: str
    start: int         # the quote is the document's text[start:end]
    end: int


@dataclass(frozen=True)
class DocRecord:
    """One document's share of the index: its card, its text, its quotes, and its items
    (the document first, then one per quote; a quote's `within` is (0, start, end): a
    slice of the first item's text). Items' refs are empty until they are numbered."""

    card: DocCard
    text: str
    quotes: tuple[QuoteCard, ...]
    items: tuple[Item, ...]

    @property
    def n_items(self) -> int:
        return len(self.items)


def _names(ids: Iterable[EntityId | None], name_of: Mapping[EntityId, str]) -> str:
    """Distinct entity names, one a line, in order of first appearance."""
    return "\n".join([name_of.get(i, i) for i in dict.fromkeys(filter(None, ids))])


def doc_record(doc: AnchoredDoc, name_of: Mapping[EntityId, str]) -> DocRecord:
    meta, text = doc.meta, doc.doc.text
    spans = [s for s in doc.spans if s.annotation.kind == "quote"]
    mentions = [(s.start, s.end, s.annotation.entity) for s in doc.spans if s.annotation.kind == "mention"]
    starts = [m[0] for m in mentions]   # spans are sorted by start
    items = [Item("", {
        "title": meta.title, "text": text, "source": meta.source,
        "speakers": _names([s.annotation.speaker for s in spans], name_of),
        "entities": _names([m[2] for m in mentions], name_of),
    })]
    quotes = []
    speaker_of: dict[EntityId | None, str] = {}     # a speaker's "speakers" field, made once
    for s in spans:
        start, end, who = s.start, s.end, s.annotation.speaker
        if (speaker := speaker_of.get(who)) is None:
            speaker = speaker_of[who] = _names([who], name_of)
        inside = mentions[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)]
        items.append(Item("", {
            "text": text[start:end], "source": meta.source, "speakers": speaker,
            "entities": _names([e for _, e_end, e in inside if e_end <= end], name_of) if inside else "",
        }, within=(0, start, end)))
        quotes.append(QuoteCard(s.id, speaker, start, end))
    published = meta.published
    card = DocCard(meta.title, meta.source, published.label if published else "",
                   published.html if published else "", urls.doc_page(meta.id))
    return DocRecord(card, text, tuple(quotes), tuple(items))


def doc_records(documents: Documents) -> Iterator[DocRecord]:
    name_of = {e.id: e.name for e in documents.entities}
    return (doc_record(doc, name_of) for doc in documents.docs)


DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def ref(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = DIGITS[r] + out
        if not n:
            return out


def numbered(record: DocRecord, first: int, at: int) -> list[Item]:
    """The record's items numbered first, first + 1, … (their refs), placed at `at` in a list of
    items (a quote's `within` names its document's place there)."""
    return [replace(item, ref=ref(first + k), within=item.within and (at, *item.within[1:]))
            for k, item in enumerate(record.items)]
