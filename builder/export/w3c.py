"""`annotations.jsonld`: every annotation of the corpus in the W3C Web Annotation Data Model.

One `AnnotationCollection` (https://www.w3.org/TR/annotation-model/#annotation-collection)
whose `AnnotationPage`s hold PAGE_SIZE annotations each; the first page is embedded in the
collection and each page embeds the next, so the one file holds them all, in corpus order.

- Every quote, date, mention (written in a sidecar or found by an alias), link and note is an
  `Annotation` whose `id` is the anchor of its passage on the document page
  (`docs/<doc>.html#<annotation id>`, absolute under `base_url` when it is set). Its `target`
  is that page with two selectors of the reading text: a `TextQuoteSelector` (`exact`,
  `prefix`, `suffix`) and a `TextPositionSelector` (`start`, `end`, in Unicode code points,
  paragraphs separated by a blank line).
- Bodies: a quote's speaker, a mention's entity: `SpecificResource`s with purpose
  `identifying`, the entity page and, where the entity has one, its Wikidata URI; a date:
  its EDTF value as a `TextualBody` with purpose `tagging`, conforming to the EDTF datatype
  (and its event, purpose `describing`); a note, or a quote's note: a `Choice` of the Markdown
  as written (`text/markdown`) and as rendered (`text/html`), purpose `commenting`; a link:
  the page, passage or URL it leads to.
- Statements reported in several places (a `same-as`, or the same words) are `linking`
  annotations whose targets are the quotes; a conflicting attribution adds a body with
  purpose `questioning` that names the speakers.

Nothing depends on the time of the build: the same corpus gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Sequence

from builder.core import urls
from builder.core.models import AnchoredDoc, Entity, EntityId, Linked, PassageRef, SitePath, Span, Statement
from builder.html import markdown

PATH = SitePath("annotations.jsonld")
CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EDTF_DATATYPE = "http://id.loc.gov/datatypes/edtf"
PAGE_SIZE = 300            # annotations per AnnotationPage
CONTEXT_CHARS = 32         # prefix and suffix of a TextQuoteSelector, as Hypothesis writes them
MOTIVATION = {"quote": "identifying", "mention": "identifying", "date": "tagging", "note": "commenting",
              "link": "linking"}


def wikidata_uri(entity: Entity) -> str:
    return f"http://www.wikidata.org/entity/{entity.wikidata}" if entity.wikidata else ""


class Iris:
    """The site's IRIs: absolute under `base_url`, else relative to the site root (where the file is)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url

    def page(self, path: SitePath, fragment: str = "") -> str:
        return self.base + path + (f"#{fragment}" if fragment else "")

    def passage(self, ref: PassageRef) -> str:
        return self.page(urls.doc_page(ref.doc), ref.id)


def annotations(linked: Linked, base_url: str = "") -> bytes:
    """The collection, as compact UTF-8 JSON-LD.

    Written as text, one annotation at a time: the pages nest (each holds the next, before its
    own items), so the file is every page's opening in order, then every page's items from the
    last page back to the first. No tree of the whole collection is ever held (each annotation
    is kept as its UTF-8 bytes until the file is joined), and the nesting costs no recursion
    however many pages there are."""
    iris = Iris(base_url)
    entities = {e.id: e for e in linked.entities}
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    items = [*(encode(_annotation(doc, span, iris, entities)).encode("utf-8") for doc in linked.docs for span in doc.spans),
             *(encode(_statement(st, iris, entities)).encode("utf-8") for st in linked.statements if len(st.passages) > 1)]
    head = {"@context": CONTEXT, "id": iris.page(PATH), "type": "AnnotationCollection",
            "label": linked.corpus.title or "Annotations", "total": len(items)}
    return collection(head, items, iris)


def collection(head: dict[str, Any], items: Sequence[bytes], iris: Iris) -> bytes:
    """The collection's JSON: `head`'s members, then the pages of `items` (each a UTF-8 JSON text)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    n_pages = -(-len(items) // PAGE_SIZE)
    out = [encode(head)[:-1]]
    if n_pages:
        for n in range(1, n_pages + 1):
            page: dict[str, Any] = {"id": _page_id(iris, n), "type": "AnnotationPage", "partOf": iris.page(PATH),
                                    "startIndex": (n - 1) * PAGE_SIZE}
            if n > 1:
                page["prev"] = _page_id(iris, n - 1)
            out.append((',"next":' if n > 1 else ',"first":') + encode(page)[:-1])
    head_bytes = "".join(out).encode("utf-8")
    tail = [b',"items":[' + b",".join(items[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]) + b"]}" for n in range(n_pages, 0, -1)]
    last = (',"last":' + encode(_page_id(iris, n_pages))).encode("utf-8") if n_pages else b""
    return b"".join([head_bytes, *tail, last, b"}\n"])


def _page_id(iris: Iris, n: int) -> str:
    return iris.page(PATH, f"page-{n}")


def target(doc: AnchoredDoc, span: Span, iris: Iris) -> dict[str, Any]:
    text = doc.doc.text
    return {
        "source": iris.page(urls.doc_page(doc.meta.id)),
        "selector": [
            {"type": "TextQuoteSelector", "exact": text[span.start:span.end],
             "prefix": text[max(0, span.start - CONTEXT_CHARS):span.start],
             "suffix": text[span.end:span.end + CONTEXT_CHARS]},
            {"type": "TextPositionSelector", "start": span.start, "end": span.end},
        ],
    }


def _annotation(doc: AnchoredDoc, span: Span, iris: Iris, entities: dict[EntityId, Entity]) -> dict[str, Any]:
    ann = span.annotation
    bodies = list(_bodies(span, iris, entities))
    out: dict[str, Any] = {"id": iris.passage(PassageRef(doc.meta.id, span.id)), "type": "Annotation",
                           "motivation": MOTIVATION[ann.kind]}
    if bodies:
        out["body"] = bodies[0] if len(bodies) == 1 else bodies
    out["target"] = target(doc, span, iris)
    return out


def _bodies(span: Span, iris: Iris, entities: dict[EntityId, Entity]) -> Iterator[dict[str, Any]]:
    ann = span.annotation
    if ann.kind in ("quote", "mention"):
        entity = entities.get(ann.speaker if ann.kind == "quote" else ann.entity)   # type: ignore[arg-type]
        if entity is not None:
            yield from _identifying(entity, iris)
    if ann.kind == "date" and ann.date is not None:
        yield {"type": "TextualBody", "purpose": "tagging", "value": ann.date.text, "conformsTo": EDTF_DATATYPE}
        if ann.event:
            yield {"type": "TextualBody", "purpose": "describing", "value": ann.event, "format": "text/plain"}
    if ann.note:
        yield {"type": "Choice", "items": [
            {"type": "TextualBody", "purpose": "commenting", "value": ann.note, "format": "text/markdown"},
            {"type": "TextualBody", "purpose": "commenting", "value": markdown.render(ann.note),
             "format": "text/html"},
        ]}
    if ann.kind == "link" and ann.to is not None:
        to = ann.to
        if to.kind == "url":
            source = to.id
        elif to.kind == "entity":
            source = iris.page(urls.entity_page(EntityId(to.id)))
        else:
            source = iris.page(urls.doc_page(to.id), to.fragment)   # type: ignore[arg-type]
        yield {"type": "SpecificResource", "purpose": "linking", "source": source}


def _identifying(entity: Entity, iris: Iris) -> Iterator[dict[str, Any]]:
    yield {"type": "SpecificResource", "purpose": "identifying", "source": iris.page(urls.entity_page(entity.id))}
    if entity.wikidata:
        yield {"type": "SpecificResource", "purpose": "identifying", "source": wikidata_uri(entity)}


def _statement(st: Statement, iris: Iris, entities: dict[EntityId, Entity]) -> dict[str, Any]:
    """A statement reported in several places: a linking annotation whose targets are its quotes."""
    first = st.passages[0]
    places = len(st.passages)
    bodies: list[dict[str, Any]] = [{"type": "TextualBody", "purpose": "linking", "format": "text/plain",
                                     "value": f"The same statement, reported in {places} places"}]
    if st.conflict:
        names = [entities[s].name if s in entities else s for s in st.speakers]
        bodies.append({"type": "TextualBody", "purpose": "questioning", "format": "text/plain",
                       "value": "Conflicting attribution: the same words are credited to " + " and ".join(names)})
    return {"id": iris.page(PATH, f"statement/{first.doc}/{first.id}"), "type": "Annotation",
            "motivation": "linking", "body": bodies[0] if len(bodies) == 1 else bodies,
            "target": [iris.passage(p) for p in st.passages]}
