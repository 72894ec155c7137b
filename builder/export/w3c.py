"""`annotations.jsonld`: every annotation of the corpus in the W3C Web Annotation Data Model.

One `AnnotationCollection` (https://www.w3.org/TR/annotation-model/#annotation-collection)
whose `AnnotationPage`s hold PAGE_SIZE annotations each, in corpus order; the one file holds
the collection and its pages side by side, in a JSON-LD `@graph`, linked by their ids.

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
from functools import partial
from json.encoder import encode_basestring
from itertools import chain, islice
from typing import Any, Iterator, Sequence

from builder.core import urls
from builder.core.pieces import Chunk, batches, computed, lines
from builder.core.models import AnchoredDoc, Annotation, annotation_count, Entity, EntityId, Linked, PassageRef, SitePath, Statement, Target
from builder.html import markdown

PATH = SitePath("annotations.jsonld")
CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EDTF_DATATYPE = "http://id.loc.gov/datatypes/edtf"
PAGE_SIZE = 300            # annotations per AnnotationPage
CONTEXT_CHARS = 32         # prefix and suffix of a TextQuoteSelector, as Hypothesis writes them
_string = encode_basestring   # a str as JSON text: what json.dumps(s, ensure_ascii=False) writes
_object = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
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
    """The collection, as UTF-8 JSON-LD (one annotation a line)."""
    return b"".join(pieces(linked, base_url))


def pieces(linked: Linked, base_url: str = "", chunk: Chunk = computed) -> Iterator[bytes]:
    """The same bytes, a page of the collection at a time, each made as it is asked for: the
    whole file (199 MB at 10,000 documents) is never held at once when it is written as it comes.
    The annotations of each CHUNK_DOCUMENTS documents are one chunk (see Chunk): what a build cache keeps."""
    iris = Iris(base_url)
    write = Writer(iris, linked.entities)
    linking = [st for st in linked.statements if len(st.passages) > 1]
    # each kept as UTF-8 until its page is joined: text with a curly quote is held as two or four
    # bytes a character, and no string of a page is made first
    documents = (chunk("w3c annotations", lambda: (docs, linked.entities, base_url), partial(documents_lines, write, docs))
                 for docs in batches(linked.docs))
    items = chain((line for chunk_lines in documents for line in lines(chunk_lines)),
                  (write.statement(st).encode("utf-8") for st in linking))   # one a span, one a statement
    total = annotation_count(linked.summaries) + len(linking)
    return collection_pieces(linked.corpus.title or "Annotations", items, total, iris)


def documents_lines(write: Writer, docs: Sequence[AnchoredDoc]) -> bytes:
    """The documents' annotations, one JSON text a line, as UTF-8 (a JSON text holds no line break)."""
    return b"\n".join([a.encode("utf-8") for doc in docs for a in write.annotations(doc.opened())])


def collection(label: str, items: Sequence[bytes], iris: Iris) -> bytes:
    return b"".join(collection_pieces(label, iter(items), len(items), iris))


def collection_pieces(label: str, items: Iterator[bytes], total: int, iris: Iris) -> Iterator[bytes]:
    """`{"@context": …, "@graph": [the collection, page 1, page 2, …]}`, the `total` `items`
    (each a UTF-8 JSON text) in pages of PAGE_SIZE, a page a piece. The collection names its first
    and last page, each page the collection, its place and its neighbours, all by id, as the Web
    Annotation protocol's pages do when each is a resource of its own
    (https://www.w3.org/TR/annotation-model/#annotation-page). Every node is at the same depth,
    however many pages: a file of 100,000 documents reads in any JSON parser (pages nested one
    in the next, as they were, took a recursion level each, past Python's limit at about 1,000 pages)."""
    n_pages = -(-total // PAGE_SIZE)
    whole: dict[str, Any] = {"id": iris.page(PATH), "type": "AnnotationCollection", "label": label,
                             "total": total}
    if n_pages:
        whole.update(first=_page_id(iris, 1), last=_page_id(iris, n_pages))
    yield ('{"@context":%s,"@graph":[\n%s' % (_string(CONTEXT), _object(whole))).encode("utf-8")
    for n in range(1, n_pages + 1):
        page: dict[str, Any] = {"id": _page_id(iris, n), "type": "AnnotationPage", "partOf": iris.page(PATH),
                                "startIndex": (n - 1) * PAGE_SIZE}
        if n > 1:
            page["prev"] = _page_id(iris, n - 1)
        if n < n_pages:
            page["next"] = _page_id(iris, n + 1)
        these = list(islice(items, PAGE_SIZE))
        assert len(these) == min(PAGE_SIZE, total - (n - 1) * PAGE_SIZE), "the items are as many as `total` says"
        yield b"".join(((',\n%s,"items":[\n' % _object(page)[:-1]).encode("utf-8"), b",\n".join(these), b"\n]}"))
    assert next(items, None) is None, "the items are as many as `total` says"
    yield b"\n]}\n"


def _page_id(iris: Iris, n: int) -> str:
    return iris.page(PATH, f"page-{n}")


# --- one annotation: JSON text put together from its values, each escaped by json's C encoder
# (`json.dumps` of a dict per annotation spent more time building and walking the dicts than
# writing the file). The members come in the same order as the model's examples list them.

_QUOTE = '"type":"TextQuoteSelector","exact":%s,"prefix":%s,"suffix":%s'
_POSITION = '"type":"TextPositionSelector","start":%d,"end":%d'
_ANNOTATION = '{"id":%s,"type":"Annotation","motivation":"%s",%s"target":{"source":%s,"selector":[{%s},{%s}]}}'
_RESOURCE = '{"type":"SpecificResource","purpose":"%s","source":%s}'
_TEXTUAL = '{"type":"TextualBody","purpose":"%s","value":%s,"format":"%s"}'
_STATEMENT = '{"type":"TextualBody","purpose":"%s","format":"text/plain","value":%s}'
_EDTF = '{"type":"TextualBody","purpose":"tagging","value":%s,"conformsTo":"%s"}'


class Writer:
    """The JSON text of each annotation of one corpus. What many annotations share (an
    entity's bodies, a document's page) is written once."""

    def __init__(self, iris: Iris, entities: Sequence[Entity]) -> None:
        self.iris = iris
        self.entities = {e.id: e for e in entities}
        self.identifying = {e.id: [_RESOURCE % ("identifying", _string(source))
                                   for source in (iris.page(urls.entity_page(e.id)), wikidata_uri(e)) if source]
                            for e in entities}

    def annotations(self, doc: AnchoredDoc) -> Iterator[str]:
        text = doc.doc.text
        path = urls.doc_page(doc.meta.id)
        source = _string(self.iris.page(path))
        for span in doc.spans:
            start, end = span.start, span.end
            bodies = self.bodies(span.annotation)
            body = "" if not bodies else f'"body":{bodies[0]},' if len(bodies) == 1 else f'"body":[{",".join(bodies)}],'
            quote = _QUOTE % (_string(text[start:end]), _string(text[max(0, start - CONTEXT_CHARS):start]),
                              _string(text[end:end + CONTEXT_CHARS]))
            yield _ANNOTATION % (_string(self.iris.page(path, span.id)), MOTIVATION[span.annotation.kind], body, source, quote,
                                 _POSITION % (start, end))

    def bodies(self, ann: Annotation) -> list[str]:
        """A quote's speaker, a mention's entity, a date's value and event, a note, a link's destination."""
        out = []
        if ann.kind in ("quote", "mention"):
            entity = ann.speaker if ann.kind == "quote" else ann.entity
            if entity in self.entities:
                out.extend(self.identifying[entity])   # type: ignore[index]
        if ann.kind == "date" and ann.date is not None:
            out.append(_EDTF % (_string(ann.date.text), EDTF_DATATYPE))
            if ann.event:
                out.append(_TEXTUAL % ("describing", _string(ann.event), "text/plain"))
        if ann.note:
            out.append('{"type":"Choice","items":[%s,%s]}' % (
                _TEXTUAL % ("commenting", _string(ann.note), "text/markdown"),
                _TEXTUAL % ("commenting", _string(markdown.render(ann.note)), "text/html")))
        if ann.kind == "link" and ann.to is not None:
            out.append(_RESOURCE % ("linking", _string(self.destination(ann.to))))
        return out

    def destination(self, to: Target) -> str:
        if to.kind == "url":
            return to.id
        if to.kind == "entity":
            return self.iris.page(urls.entity_page(EntityId(to.id)))
        return self.iris.page(urls.doc_page(to.id), to.fragment)   # type: ignore[arg-type]

    def statement(self, st: Statement) -> str:
        """A statement reported in several places: a linking annotation whose targets are its quotes."""
        first = st.passages[0]
        bodies = [_STATEMENT % ("linking", _string(f"The same statement, reported in {len(st.passages)} places"))]
        if st.conflict:
            names = [self.entities[s].name if s in self.entities else s for s in st.speakers]
            bodies.append(_STATEMENT % ("questioning", _string(
                "Conflicting attribution: the same words are credited to " + " and ".join(names))))
        body = bodies[0] if len(bodies) == 1 else f'[{",".join(bodies)}]'
        targets = ",".join(_string(self.iris.passage(p)) for p in st.passages)
        return '{"id":%s,"type":"Annotation","motivation":"linking","body":%s,"target":[%s]}' % (
            _string(self.iris.page(PATH, f"statement/{first.doc}/{first.id}")), body, targets)
