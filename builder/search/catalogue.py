"""What can be found: every document and, separately, every quote.

A quote is an item of its own so that a result can lead straight to the passage
(docs/<id>.html#<quote id>). Items are numbered documents first, then quotes, in
corpus order; the number (base 36) is the lunr ref, short because it is repeated
in every posting.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import islice, product
from typing import Iterable, Mapping

from builder.core import urls
from builder.core.models import Documents, EntityId
from builder.search.lunr_index import Item

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


DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def ref(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = DIGITS[r] + out
        if not n:
            return out


def refs(count: int) -> list[str]:
    """[ref(0), ref(1), …, ref(count - 1)], made in bulk: each width's numbers in order."""
    out = list(DIGITS[:count])
    width = 2
    while len(out) < count:
        out += islice(map("".join, product(DIGITS[1:], *[DIGITS] * (width - 1))), count - len(out))
        width += 1
    return out


def _names(ids: Iterable[EntityId | None], name_of: Mapping[EntityId, str]) -> str:
    """Distinct entity names, one a line, in order of first appearance."""
    return "\n".join([name_of.get(i, i) for i in dict.fromkeys(filter(None, ids))])


def catalogue(linked: Documents) -> Catalogue:
    name_of = {e.id: e.name for e in linked.entities}
    speaker_of: dict[EntityId | None, str] = {}     # a speaker's "speakers" field, made once
    items: list[Item] = []
    quote_items: list[Item] = []
    docs: list[DocCard] = []
    quotes: list[QuoteCard] = []
    n_docs = len(linked.docs)
    ref_of = refs(n_docs + sum(len(doc.spans) for doc in linked.docs))   # enough for every quote
    for i, doc in enumerate(linked.docs):
        meta, text = doc.meta, doc.doc.text
        spans = [s for s in doc.spans if s.annotation.kind == "quote"]
        mentions = [(s.start, s.end, s.annotation.entity) for s in doc.spans if s.annotation.kind == "mention"]
        starts = [m[0] for m in mentions]   # spans are sorted by start
        items.append(Item(ref_of[i], {
            "title": meta.title, "text": text, "source": meta.source,
            "speakers": _names([s.annotation.speaker for s in spans], name_of),
            "entities": _names([m[2] for m in mentions], name_of),
        }))
        published = meta.published
        docs.append(DocCard(meta.title, meta.source, published.label if published else "",
                            published.html if published else "", urls.doc_page(meta.id), text))
        source = meta.source
        for s in spans:
            start, end, who = s.start, s.end, s.annotation.speaker
            if (speaker := speaker_of.get(who)) is None:
                speaker = speaker_of[who] = _names([who], name_of)
            inside = mentions[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)]
            quote_items.append(Item(ref_of[n_docs + len(quotes)], {
                "text": text[start:end], "source": source, "speakers": speaker,
                "entities": _names([e for _, e_end, e in inside if e_end <= end], name_of) if inside else "",
            }, within=(i, start, end)))
            quotes.append(QuoteCard(i, s.id, speaker, start, end))
    return Catalogue(tuple(items + quote_items), tuple(docs), tuple(quotes))
