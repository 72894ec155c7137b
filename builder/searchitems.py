"""What can be found: every document and, separately, every quote.

A quote is an item of its own so that a result can lead straight to the passage
(docs/<id>.html#<quote id>). Items are numbered documents first, then quotes, in
corpus order; the number (base 36) is the lunr ref, short because it is repeated
in every posting.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable, Mapping

from builder import urls
from builder.models import AnchoredDoc, Entity, EntityId, Linked
from builder.searchindex import Item

# Field weights: a word in the title or naming a speaker says more than one in the body.
BOOSTS = {"title": 10.0, "speakers": 5.0, "source": 3.0, "entities": 2.0, "text": 1.0}


@dataclass(frozen=True)
class DocCard:
    """What a document result shows."""

    title: str
    source: str
    date: str          # readable, with EDTF precision and certainty ("2021-08-24 (approximate)")
    datetime: str      # for <time datetime>
    href: str          # relative to the site root
    text: str


@dataclass(frozen=True)
class QuoteCard:
    doc: int           # item number of the quote's document
    fragment: str      # the quote's element id in the document page
    speaker: str
    start: int         # the quote is the document's text[start:end]
    end: int


@dataclass(frozen=True)
class Catalogue:
    items: tuple[Item, ...]
    docs: tuple[DocCard, ...]
    quotes: tuple[QuoteCard, ...]


def ref(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _names(ids: Iterable[EntityId | None], entities: Mapping[EntityId, Entity]) -> str:
    """Distinct entity names, one a line, in order of first appearance."""
    seen = dict.fromkeys(i for i in ids if i)
    return "\n".join(entities[i].name if i in entities else i for i in seen)


def catalogue(linked: Linked) -> Catalogue:
    entities = {e.id: e for e in linked.entities}
    items: list[Item] = []
    quote_items: list[Item] = []
    docs: list[DocCard] = []
    quotes: list[QuoteCard] = []
    n_docs = len(linked.docs)
    for i, doc in enumerate(linked.docs):
        meta, text = doc.meta, doc.doc.text
        spans = [s for s in doc.spans if s.annotation.kind == "quote"]
        mentions = [(s.start, s.end, s.annotation.entity) for s in doc.spans if s.annotation.kind == "mention"]
        starts = [m[0] for m in mentions]   # spans are sorted by start
        items.append(Item(ref(i), {
            "title": meta.title, "text": text, "source": meta.source,
            "speakers": _names((s.annotation.speaker for s in spans), entities),
            "entities": _names((m[2] for m in mentions), entities),
        }))
        published = meta.published
        docs.append(DocCard(meta.title, meta.source, published.label if published else "",
                            published.html if published else "", urls.doc_page(meta.id), text))
        for s in spans:
            words = text[s.start:s.end]
            inside = mentions[bisect.bisect_left(starts, s.start):bisect.bisect_left(starts, s.end)]
            speaker = _names([s.annotation.speaker], entities)
            quote_items.append(Item(ref(n_docs + len(quotes)), {
                "text": words, "source": meta.source, "speakers": speaker,
                "entities": _names((e for _, end, e in inside if end <= s.end), entities),
            }, within=(i, s.start, s.end)))
            quotes.append(QuoteCard(i, s.id, speaker, s.start, s.end))
    return Catalogue(tuple(items + quote_items), tuple(docs), tuple(quotes))
