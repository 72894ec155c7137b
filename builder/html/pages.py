"""The site's pages: one context per page, from the linked corpus, and what each page reads.

`page_makers` is the one list of pages (a full build renders them all; a live server
renders the ones asked for). `reads.inputs(pages, path)` is what a page reads: the records its
context is made from. A live server renders a page again only when these changed; a full
build never asks (tests/test_live.py holds the two to the same bytes, edit after edit).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property, partial
from typing import Any, Callable, Iterable

from markupsafe import Markup

from builder.core import urls
from builder.core.models import (AnchoredDoc, AnnotationId, DocId, DocMeta, Entity, EntityId, Linked, PassageRef,
                                 SitePath, Span, Summary, TimelineEntry)
from builder.html import colours, document, pager, structured_data, timeline
from builder.read.settings import Settings

KIND_LABEL = {"person": "People", "organization": "Organisations", "place": "Places"}
COUNTED = document.COUNTED
LISTINGS = frozenset({"quotes.html", "timeline.html"})   # pages that list the whole corpus: the slowest to render
# The quotes register lists every quote up to this many. Beyond, one page would not open in a
# browser (54 MB at 10,000 synthetic documents): each speaker's line links to their entity
# page, which lists their quotes with the same marks; conflicts and travelled statements stay.
REGISTER_QUOTES = 2_000
# The documents list shows this many documents a page (the home page the first of them): one
# page of every document was 4.8 MB at 10,000 synthetic documents.
INDEX_ROWS = 1_000
ENTITY_ROWS = 500   # an entity's quotes, and the documents of its mentions, a page (one page: 600 KB at 10,000 documents)


SECTION = {"timeline/": SitePath("timeline.html"), "documents/": SitePath("index.html")}   # later pages of a listing


class Pages:
    """Page contexts from the linked corpus; one method per page type."""

    def __init__(self, linked: Linked, settings: Settings, pieces: document.Pieces) -> None:
        self.linked = linked
        self.settings = settings
        self.entities: dict[EntityId, Entity] = {e.id: e for e in linked.entities}
        self.docs: dict[DocId, AnchoredDoc] = {d.meta.id: d for d in linked.docs}
        self.titles = {d.meta.id: d.meta.title for d in linked.docs}
        self.summaries: dict[DocId, Summary] = {s.meta.id: s for s in linked.summaries}
        self.ctx = document.Context(linked, self.entities, self.titles, pieces)
        self.title = settings.title or linked.corpus.title or "Untitled corpus"
        self.colours = colours.colours(_speakers_by_document(linked), len(linked.quotes_by))
        self._facts: dict[DocId, tuple[DocMeta, str, str]] = {}
        self._spans: dict[DocId, dict[AnnotationId, Span]] = {}

    def common(self, page: SitePath, kind: str) -> dict[str, Any]:
        root = urls.root_prefix(page)
        return {
            "site_title": self.title,
            "root": root,
            "page": page,
            "page_kind": kind,
            "section": SECTION.get(page[:page.find("/") + 1], page),   # its place in the nav
            "lang": self.settings.language,
            "canonical": (self.settings.base_url + page) if self.settings.base_url else "",
            "speaker_colours": (),
            "nav": [
                ("index.html", "Documents"), ("entities.html", "People & places"),
                ("timeline.html", "Timeline"), ("quotes.html", "Quotes"), ("search.html", "Search"),
            ],
        }

    def href(self, target: SitePath, page: SitePath, fragment: str = "") -> str:
        return urls.relative(target, page, fragment)

    def passage(self, ref: PassageRef, page: SitePath) -> dict[str, Any]:
        """A passage as listings show it, linked from `page`: a new dict each time (free to change)."""
        return self._passage(ref, urls.relative(urls.doc_page(ref.doc), page, ref.id))

    def _passage(self, ref: PassageRef, href: str) -> dict[str, Any]:
        """Made for each listing that shows it, and not kept: in a full build nearly every passage
        is shown once (57,373 shown for 57,271 passages at 2,000 documents), and kept they were
        the largest thing a build held after the documents (28 KB a document)."""
        meta, text, published_label = self._doc_facts(ref.doc)
        p = self.linked.passages[ref]
        before, words, after = document.snippet(text, p.start, p.end)   # (slices: builder.run.sealed)
        speaker = self.entities.get(p.speaker) if p.speaker else None
        return {
            "href": href, "doc": meta, "doc_title": meta.title,
            "before": before, "text": words, "after": after, "span": document.SpanOf(partial(self.span, ref)),
            "speaker": speaker, "via": self.entities.get(p.via) if p.via else None,
            # the same, looked up once here rather than at every use in a template
            "is_quote": p.kind == "quote", "speaker_id": speaker.id if speaker else "",
            "speaker_name": speaker.name if speaker else "",
            "speaker_initials": document.initials(speaker.name) if speaker else "",
            "published_label": published_label,
        }

    def _doc_facts(self, doc_id: DocId) -> tuple[DocMeta, str, str]:
        """(meta, reading text, publication label) of a document, for its passages."""
        facts = self._facts.get(doc_id)
        if facts is None:
            doc = self.summaries[doc_id]    # not the document: a listing opens none (builder.run.sealed)
            facts = self._facts[doc_id] = (doc.meta, doc.text, doc.meta.published.label if doc.meta.published else "")
        return facts

    def span(self, ref: PassageRef) -> Span:
        """A passage's span, from its document (linking holds the passage, not the span)."""
        spans = self._spans.get(ref.doc)
        if spans is None:
            spans = self._spans[ref.doc] = {}
            for s in self.docs[ref.doc].spans:
                spans.setdefault(s.id, s)    # the first of an id, as linking keeps it
        return spans[ref.id]

    # --- pages ---

    def index(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("index.html")
        counts = dict.fromkeys(COUNTED, 0)
        for d in self.linked.summaries:
            for kind, n in d.passages.counts().items():
                counts[kind] += n
        return page, "index.html", {
            **self.common(page, "index"), **self._document_list(1, page), "intro": self.linked.corpus.intro_md,
            "counts": {"documents": len(self.linked.docs), "entities": len(self.linked.entities), **counts},
            "conflicts": sum(1 for s in self.linked.statements if s.conflict),
        }

    def document_list(self, number: int) -> tuple[SitePath, str, dict[str, Any]]:
        """A later page of a document list too long for one (the home page is the first)."""
        page = urls.documents_page(number)
        return page, "documents.html", {**self.common(page, "documents"), **self._document_list(number, page)}

    @cached_property
    def document_list_pages(self) -> int:
        return pager.count(INDEX_ROWS, len(self.linked.docs))

    def _document_list(self, number: int, page: SitePath) -> dict[str, Any]:
        """Page `number` of the documents list: its rows, the speakers to filter by, and (when
        the list has more than one page) where this page is in it."""
        first = (number - 1) * INDEX_ROWS
        docs = pager.part(self.linked.summaries, number, INDEX_ROWS)
        rows = []
        for d in docs:
            kinds, quoted = self.document_row(d)
            rows.append({"meta": d.meta, "href": self.href(urls.doc_page(d.meta.id), page),
                         "counts": dict(kinds), "speakers": list(quoted)})
        quoted = {e for row in rows for e in row["speakers"]}   # those a reader can filter this page by
        speakers = sorted((self.entities[e] for e in quoted if e in self.entities), key=lambda e: e.sort_key)
        n = self.document_list_pages
        listing = None if n == 1 else {
            **pager.listing(number, n, lambda k: self.href(urls.documents_page(k), page)),
            "first": first + 1, "last": first + len(docs), "total": len(self.linked.docs),
            "search": self.href(SitePath("search.html"), page),
        }
        return {"rows": rows, "speakers": [{"id": e.id, "name": e.name} for e in speakers], "listing": listing}

    document_row = staticmethod(document.row_of)

    def document(self, doc: AnchoredDoc) -> tuple[SitePath, str, dict[str, Any]]:
        doc = doc.opened()   # held while its page is made (one held back from the cache is decoded here)
        page = urls.doc_page(doc.meta.id)
        notes = [{"id": s.id, "body": s.annotation.note, "text": document.quote_of(doc, s)}   # in the order they end
                 for s in sorted(doc.spans, key=lambda s: (s.end, -s.start))   # (print numbers them there)
                 if s.annotation.kind == "note" or (s.annotation.kind == "quote" and s.annotation.note)]
        speakers = document.speakers_in(self.summaries[doc.meta.id])
        legend = [
            {"entity": ent, "count": n, "href": self.href(urls.entity_page(e), page),
             "id": e, "name": ent.name, "initials": document.initials(ent.name)}
            for e, n in speakers if (ent := self.entities.get(e)) is not None
        ]
        related = [
            {"title": self.titles.get(r.doc, r.doc), "href": self.href(urls.doc_page(r.doc), page), "reason": r.reason,
             "meta": self.docs[r.doc].meta}
            for r in self.linked.related.get(doc.meta.id, ()) if r.doc in self.docs
        ]
        changes = defaultdict(int)
        for e in doc.doc.edits:
            changes[e.rule] += 1
        return page, "document.html", {
            **self.common(page, "document"), "doc": doc.meta, "format": doc.doc.raw.format,
            "reading": Markup(document.reading_html(doc, self.ctx, page)),
            "source_view": Markup(document.source_view_html(doc, self.ctx.pieces)),
            "changes": dict(changes), "notes": notes, "legend": legend, "related": related,
            "speaker_colours": self.colours.on_page([e for e, _ in speakers]),   # document_speakers(doc)
            "marks": document.marks(doc, self.ctx),
            "page_data": document.page_data(doc, self.ctx, page, self.settings.base_url),
            "lang_doc": doc.meta.language or self.settings.language,
            "structured_data": structured_data.document(doc, self.entities, self.settings.base_url),
        }

    def entity(self, ent: Entity, number: int = 1) -> tuple[SitePath, str, dict[str, Any]]:
        """An entity's page (`number` from 2: a later page of one with more than ENTITY_ROWS
        quotes, or mentions in more than ENTITY_ROWS documents, each page the next of both)."""
        page = urls.entity_page(ent.id, number)
        refs, by_doc = self.entity_lists(ent.id)
        first = (number - 1) * ENTITY_ROWS
        quotes = [self.register_item(r, page) for r in pager.part(refs, number, ENTITY_ROWS)]
        mentions = [{"meta": self.docs[d].meta, "href": self.href(urls.doc_page(d), page),
                     "items": [self.passage(r, page) for r in by_doc[d]]} for d in pager.part(list(by_doc), number, ENTITY_ROWS)]
        n = self.entity_pages(ent.id)
        part = None if n == 1 else {**pager.listing(number, n, lambda k: self.href(urls.entity_page(ent.id, k), page)),
                                    "first": first + 1, "whole": self.href(urls.entity_page(ent.id), page)}
        return page, "entity.html", {
            **self.common(page, "entity"), "entity": ent, "kind_label": KIND_LABEL[ent.kind],
            "quotes": quotes, "mentions": mentions, "speaks": ent.id in self.linked.quotes_by, "part": part,
            "quote_count": len(refs), "mention_docs": len(by_doc),
            "conflicts": self.conflicts(refs) if number == 1 else 0,   # the first part's summary
            "aliases": [a for a in ent.aliases if a.casefold() != ent.name.casefold()],
            "speaker_colours": self.colours.on_page(self.entity_speakers(ent.id)),
            "mention_count": len(self.linked.mentions_of.get(ent.id, ())),
            **({"structured_data": structured_data.entity(ent, self.settings.base_url)} if number == 1 else {}),
        }

    def conflicts(self, quotes: Iterable[PassageRef]) -> int:
        """How many of these quotes report words another speaker is also credited with."""
        statement, statements = self.ctx.statement_of.get, self.linked.statements
        return sum(1 for r in quotes if (i := statement((r.doc, r.id))) is not None and statements[i].conflict)

    def entity_lists(self, entity: EntityId) -> tuple[list[PassageRef], dict[DocId, list[PassageRef]]]:
        """An entity's quotes by date, and its mentions by document in corpus order."""
        by_doc: dict[DocId, list[PassageRef]] = defaultdict(list)
        for r in self.linked.mentions_of.get(entity, ()):
            by_doc[r.doc].append(r)
        return self.by_date(self.linked.quotes_by.get(entity, ())), by_doc

    def entity_pages(self, entity: EntityId) -> int:
        mentioned = len({r.doc for r in self.linked.mentions_of.get(entity, ())})
        return pager.count(ENTITY_ROWS, len(self.linked.quotes_by.get(entity, ())), mentioned)

    def by_date(self, refs: Iterable[PassageRef]) -> list[PassageRef]:
        """Passages in the order of their documents' dates (undated last), then as the corpus lists them."""
        return sorted(refs, key=lambda ref: self._date_order[ref.doc])

    @cached_property
    def _date_order(self) -> dict[DocId, tuple[object, ...]]:
        """Each document's place in date order: undated last, then as the corpus lists them."""
        return {d.meta.id: (d.meta.published is None, d.meta.published.lower if d.meta.published else None, i)
                for i, d in enumerate(self.linked.docs)}

    def register_item(self, ref: PassageRef, page: SitePath) -> dict[str, Any]:
        """A quote as the register and its speaker's page list it: the passage, whether the same
        words appear elsewhere under another speaker (conflict) or in other reports (travelled),
        and those other passages."""
        item = self.passage(ref, page)
        st_i = self.ctx.statement_of.get((ref.doc, ref.id))
        st = self.linked.statements[st_i] if st_i is not None else None
        item["statement"] = st_i
        item["conflict"] = bool(st and st.conflict)
        item["travelled"] = bool(st and st.travelled)
        item["others"] = [self.passage(o, page) for o in (st.passages if st else ()) if o != ref]
        return item

    def entities_index(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("entities.html")
        groups = []
        for kind, label in KIND_LABEL.items():
            items = [
                {"entity": e, "href": self.href(urls.entity_page(e.id), page),
                 "mentions": len(self.linked.mentions_of.get(e.id, ())),
                 "quotes": len(self.linked.quotes_by.get(e.id, ())),
                 "docs": len({r.doc for r in self.linked.mentions_of.get(e.id, ())})}
                for e in sorted((e for e in self.linked.entities if e.kind == kind), key=lambda e: e.sort_key)
            ]
            if items:
                groups.append({"label": label, "kind": kind, "items": items})
        return page, "entities.html", {**self.common(page, "entities"), "groups": groups}

    def timeline(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("timeline.html")
        periods = self.timeline_periods
        if periods is not None:   # too long for one page: the years (and months) with their counts
            index = timeline.index(periods, lambda key: self.href(urls.timeline_page(key), page))
            return page, "timeline.html", {**self.common(page, "timeline"), "years": [], "periods": index,
                                           "period": None, "total": len(self.linked.timeline),
                                           "speaker_colours": self.colours.on_page([])}
        years: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in self.linked.timeline:
            years[timeline.year_of(e)].append(self._timeline_entry(e, page))
        return page, "timeline.html", {**self.common(page, "timeline"), "years": list(years.items()),
                                       "periods": None, "period": None, "total": len(self.linked.timeline),
                                       "speaker_colours": self.colours.on_page(self.timeline_speakers(self.linked.timeline))}

    def timeline_period(self, key: str) -> tuple[SitePath, str, dict[str, Any]]:
        """A page of a timeline too long for one: a year's entries, or a month's."""
        periods = self.timeline_periods
        assert periods is not None
        page = urls.timeline_page(key)
        label, entries = periods[key]
        near = {rel: {"label": periods[k][0], "href": self.href(urls.timeline_page(k), page)} if k else None
                for rel, k in zip(("prev", "next"), timeline.neighbours(periods, key))}
        return page, "timeline.html", {
            **self.common(page, "timeline"), "years": [(label, [self._timeline_entry(e, page) for e in entries])],
            "period": {"label": label, "index": self.href(SitePath("timeline.html"), page), **near},
            "periods": None, "total": len(entries),
            "speaker_colours": self.colours.on_page(self.timeline_speakers(entries)),
        }

    def _timeline_entry(self, e: TimelineEntry, page: SitePath) -> dict[str, Any]:
        datetime, edtf, date_label = document.date_view(e.date)
        doc_href = self.href(urls.doc_page(e.doc), page)
        href = f"{doc_href}#{e.ref}" if e.ref else doc_href   # as urls.relative adds a fragment
        return {
            "entry": e, "date": e.date, "label": e.label, "doc_title": self.titles.get(e.doc, e.doc),
            "doc_href": doc_href, "href": href,
            "passage": self._passage(PassageRef(e.doc, e.ref), href) if e.ref else None,   # self.passage(), this href
            "kind": e.kind, "datetime": datetime, "edtf": edtf, "date_label": date_label,
        }

    @cached_property
    def timeline_periods(self) -> dict[str, tuple[str, tuple[TimelineEntry, ...]]] | None:
        return timeline.periods(self.linked.timeline)

    def quotes(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("quotes.html")
        by_speaker = []
        speakers = sorted(self.linked.quotes_by, key=lambda e: self.entities[e].sort_key if e in self.entities else (e, e))
        total = sum(map(len, self.linked.quotes_by.values()))
        listed = total <= REGISTER_QUOTES
        for sp in speakers:
            refs = self.linked.quotes_by[sp]
            by_speaker.append({"entity": self.entities.get(sp), "id": sp, "count": len(refs),
                               "items": [self.register_item(ref, page) for ref in refs] if listed else [],
                               "href": self.href(urls.entity_page(sp), page),
                               "quotes_href": self.href(urls.entity_page(sp), page, "quotes-title")})
        statements = []
        for i, st in enumerate(self.linked.statements):
            statements.append({"index": i, "conflict": st.conflict, "travelled": st.travelled,
                               "speakers": [self.entities[s] for s in st.speakers if s in self.entities],
                               "passages": [self.passage(p, page) for p in st.passages]})
        return page, "quotes.html", {
            **self.common(page, "quotes"), "by_speaker": by_speaker, "listed": listed, "total": total,
            "speaker_colours": self.colours.on_page(self.register_speakers()),
            "conflicts": [s for s in statements if s["conflict"]],
            "travelled": [s for s in statements if s["travelled"] and not s["conflict"]],
        }

    def search(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("search.html")
        return page, "search.html", self.common(page, "search")

    def not_found(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("404.html")
        return page, "404.html", self.common(page, "404")

    # --- who speaks on each page (their colours are chosen per page) ---

    def document_speakers(self, doc: AnchoredDoc) -> list[EntityId]:
        return [e for e, _ in document.speakers_in(self.summaries[doc.meta.id])]

    def entity_speakers(self, entity: EntityId) -> list[EntityId]:
        return [entity] if entity in self.linked.quotes_by else []

    def register_speakers(self) -> list[EntityId]:
        return sorted(self.linked.quotes_by, key=lambda e: (-len(self.linked.quotes_by[e]), e))

    def timeline_speakers(self, entries: Iterable[TimelineEntry]) -> list[EntityId]:
        counts: dict[EntityId, int] = defaultdict(int)
        for e in entries:
            p = self.linked.passages.get(PassageRef(e.doc, e.ref)) if e.ref else None
            if p is not None and p.kind == "quote" and p.speaker:
                counts[p.speaker] += 1
        return sorted(counts, key=lambda e: (-counts[e], e))

    def all(self) -> Iterable[tuple[SitePath, str, dict[str, Any]]]:
        """Every page's (path, template, context), in page_makers' order (the one list of pages)."""
        for make in page_makers(self).values():
            yield make()


PageMaker = Callable[[], tuple[SitePath, str, dict[str, Any]]]


def _speakers_by_document(linked: Linked) -> list[list[EntityId]]:
    """The speakers quoted in each document (whose colours must differ)."""
    by_doc: dict[DocId, list[EntityId]] = defaultdict(list)
    for speaker, refs in linked.quotes_by.items():
        for doc in dict.fromkeys(r.doc for r in refs):
            by_doc[doc].append(speaker)
    return [by_doc[d] for d in sorted(by_doc)]


def page_makers(pages: Pages) -> dict[SitePath, PageMaker]:
    """Every page of the site, by path and in order, each made only when called.

    The one list of pages: `render()`, `Pages.all()` and incremental builds
    (`glossator serve`, which renders a subset) all read it.
    """
    makers: dict[SitePath, PageMaker] = {SitePath("index.html"): pages.index}
    for number in range(2, pages.document_list_pages + 1):
        makers[urls.documents_page(number)] = lambda number=number: pages.document_list(number)
    for d in pages.linked.docs:
        makers[urls.doc_page(d.meta.id)] = lambda d=d: pages.document(d)
    makers[SitePath("entities.html")] = pages.entities_index
    for e in pages.linked.entities:
        for number in range(1, pages.entity_pages(e.id) + 1):
            makers[urls.entity_page(e.id, number)] = lambda e=e, number=number: pages.entity(e, number)
    makers[SitePath("timeline.html")] = pages.timeline
    for key in pages.timeline_periods or ():
        makers[urls.timeline_page(key)] = lambda key=key: pages.timeline_period(key)
    makers[SitePath("quotes.html")] = pages.quotes
    makers[SitePath("search.html")] = pages.search
    makers[SitePath("404.html")] = pages.not_found
    return makers
