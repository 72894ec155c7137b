"""The site's pages: one context per page, from the linked corpus, and what each page reads.

`page_makers` is the one list of pages (a full build renders them all; a live server
renders the ones asked for). `Pages.inputs(path)` is what a page reads: the records its
context is made from. A live server renders a page again only when these changed; a full
build never asks (tests/test_live.py holds the two to the same bytes, edit after edit).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable

from markupsafe import Markup

from builder.core import urls
from builder.core.models import AnchoredDoc, AnnotationId, DocId, DocMeta, Entity, EntityId, Linked, PassageRef, SitePath
from builder.html import document, structured_data
from builder.read.settings import Settings

KIND_LABEL = {"person": "People", "organization": "Organisations", "place": "Places"}
LISTINGS = frozenset({"quotes.html", "timeline.html"})   # pages that list the whole corpus: the slowest to render


class Pages:
    """Page contexts from the linked corpus; one method per page type."""

    def __init__(self, linked: Linked, settings: Settings, pieces: document.Pieces) -> None:
        self.linked = linked
        self.settings = settings
        self.entities: dict[EntityId, Entity] = {e.id: e for e in linked.entities}
        self.docs: dict[DocId, AnchoredDoc] = {d.meta.id: d for d in linked.docs}
        self.titles = {d.meta.id: d.meta.title for d in linked.docs}
        self.ctx = document.Context(linked, self.entities, self.titles, pieces)
        self.title = settings.title or linked.corpus.title or "Untitled corpus"
        self.hues = document.hue_table(list(linked.quotes_by))  # every speaker, without rescanning spans
        self._passage_fields: dict[tuple[DocId, AnnotationId], dict[str, Any]] = {}
        self._facts: dict[DocId, tuple[DocMeta, str, SitePath, str]] = {}

    def common(self, page: SitePath, kind: str) -> dict[str, Any]:
        root = urls.root_prefix(page)
        return {
            "site_title": self.title,
            "root": root,
            "page": page,
            "page_kind": kind,
            "lang": self.settings.language,
            "canonical": (self.settings.base_url + page) if self.settings.base_url else "",
            "nav": [
                ("index.html", "Documents"), ("entities.html", "People & places"),
                ("timeline.html", "Timeline"), ("quotes.html", "Quotes"), ("search.html", "Search"),
            ],
        }

    def href(self, target: SitePath, page: SitePath, fragment: str = "") -> str:
        return urls.relative(target, page, fragment)

    def passage(self, ref: PassageRef, page: SitePath) -> dict[str, Any]:
        """A passage as listings show it, linked from `page`: a new dict each time (free to change)."""
        return {"href": urls.relative(urls.doc_page(ref.doc), page, ref.id), **self._passage(ref)}

    def _passage(self, ref: PassageRef) -> dict[str, Any]:
        """A passage's fields other than its href: the same from every folder (an entity page
        and the quotes register show the same quote), so made once."""
        key = (ref.doc, ref.id)
        p = self._passage_fields.get(key)
        if p is not None:
            return p
        meta, text, _, published_label = self._doc_facts(ref.doc)
        span = self.linked.passages[ref]
        before, words, after = document.snippet(text, span.start, span.end)
        ann = span.annotation
        speaker = self.entities.get(ann.speaker) if ann.speaker else None
        p = self._passage_fields[key] = {
            "doc": meta, "doc_title": meta.title,
            "before": before, "text": words, "after": after, "span": span,
            "speaker": speaker, "via": self.entities.get(ann.via) if ann.via else None,
            # the same, looked up once here rather than at every use in a template
            "is_quote": ann.kind == "quote", "speaker_id": speaker.id if speaker else "",
            "speaker_name": speaker.name if speaker else "",
            "speaker_initials": document.initials(speaker.name) if speaker else "",
            "published_label": published_label,
        }
        return p

    def _doc_facts(self, doc_id: DocId) -> tuple[DocMeta, str, SitePath, str]:
        """(meta, reading text, page, publication label) of a document, for its passages."""
        facts = self._facts.get(doc_id)
        if facts is None:
            doc = self.docs[doc_id]
            meta = doc.meta
            facts = self._facts[doc_id] = (meta, doc.doc.text, urls.doc_page(doc_id),
                                           meta.published.label if meta.published else "")
        return facts

    # --- pages ---

    def index(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("index.html")
        counts = {kind: 0 for kind in ("quote", "date", "mention", "link", "note")}
        rows = []
        for d in self.linked.docs:
            kinds = {kind: 0 for kind in counts}
            for s in d.spans:
                kind = s.annotation.kind
                kinds[kind] += 1
                counts[kind] += 1
            rows.append({"meta": d.meta, "href": self.href(urls.doc_page(d.meta.id), page), "counts": kinds})
        return page, "index.html", {
            **self.common(page, "index"), "intro": self.linked.corpus.intro_md, "rows": rows,
            "counts": {"documents": len(self.linked.docs), "entities": len(self.linked.entities), **counts},
            "conflicts": sum(1 for s in self.linked.statements if s.conflict),
        }

    def document(self, doc: AnchoredDoc) -> tuple[SitePath, str, dict[str, Any]]:
        page = urls.doc_page(doc.meta.id)
        notes: list[dict[str, Any]] = []         # the notes, then the quotes that carry a note
        quote_notes: list[dict[str, Any]] = []
        for s in doc.spans:
            kind = s.annotation.kind
            if kind == "note" or (kind == "quote" and s.annotation.note):
                (notes if kind == "note" else quote_notes).append(
                    {"id": s.id, "body": s.annotation.note, "text": document.quote_of(doc, s)})
        legend = [
            {"entity": ent, "count": n, "hue": self.hues.get(e, 0), "href": self.href(urls.entity_page(e), page),
             "id": e, "name": ent.name, "initials": document.initials(ent.name)}
            for e, n in document.speakers_in(doc) if (ent := self.entities.get(e)) is not None
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
            "changes": dict(changes), "notes": notes + quote_notes, "legend": legend, "related": related,
            "lang_doc": doc.meta.language or self.settings.language,
            "structured_data": structured_data.document(doc, self.entities, self.settings.base_url),
        }

    def entity(self, ent: Entity) -> tuple[SitePath, str, dict[str, Any]]:
        page = urls.entity_page(ent.id)
        quotes = [self.passage(r, page) for r in self.linked.quotes_by.get(ent.id, ())]
        by_doc: dict[DocId, list[dict[str, Any]]] = defaultdict(list)
        for r in self.linked.mentions_of.get(ent.id, ()):
            by_doc[r.doc].append(self.passage(r, page))
        mentions = [{"meta": self.docs[d].meta, "href": self.href(urls.doc_page(d), page), "items": items}
                    for d, items in by_doc.items()]
        return page, "entity.html", {
            **self.common(page, "entity"), "entity": ent, "kind_label": KIND_LABEL[ent.kind],
            "quotes": quotes, "mentions": mentions, "hue": self.hues.get(ent.id),
            "mention_count": len(self.linked.mentions_of.get(ent.id, ())),
            "structured_data": structured_data.entity(ent, self.settings.base_url),
        }

    def entities_index(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("entities.html")
        groups = []
        for kind, label in KIND_LABEL.items():
            items = [
                {"entity": e, "href": self.href(urls.entity_page(e.id), page),
                 "mentions": len(self.linked.mentions_of.get(e.id, ())),
                 "quotes": len(self.linked.quotes_by.get(e.id, ())),
                 "docs": len({r.doc for r in self.linked.mentions_of.get(e.id, ())})}
                for e in sorted((e for e in self.linked.entities if e.kind == kind), key=lambda e: e.name.lower())
            ]
            if items:
                groups.append({"label": label, "kind": kind, "items": items})
        return page, "entities.html", {**self.common(page, "entities"), "groups": groups}

    def timeline(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("timeline.html")
        years: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in self.linked.timeline:
            year = f"{e.date.lower.year}" if e.date.start else "Undated start"
            datetime, edtf, date_label = document.date_view(e.date)
            doc_href = self.href(urls.doc_page(e.doc), page)
            href = f"{doc_href}#{e.ref}" if e.ref else doc_href   # as urls.relative adds a fragment
            years[year].append({
                "entry": e, "date": e.date, "label": e.label, "doc_title": self.titles.get(e.doc, e.doc),
                "doc_href": doc_href, "href": href,
                # self.passage(ref, page), whose href is this entry's
                "passage": {"href": href, **self._passage(PassageRef(e.doc, e.ref))} if e.ref else None,
                "kind": e.kind, "datetime": datetime, "edtf": edtf, "date_label": date_label,
            })
        return page, "timeline.html", {**self.common(page, "timeline"), "years": list(years.items())}

    def quotes(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("quotes.html")
        by_speaker = []
        speakers = sorted(self.linked.quotes_by, key=lambda e: self.entities[e].name.lower() if e in self.entities else e)
        for sp in speakers:
            items = []
            for ref in self.linked.quotes_by[sp]:
                p = self.passage(ref, page)
                st_i = self.ctx.statement_of.get((ref.doc, ref.id))
                st = self.linked.statements[st_i] if st_i is not None else None
                p["statement"] = st_i
                p["conflict"] = bool(st and st.conflict)
                p["travelled"] = bool(st and st.travelled)
                p["others"] = [self.passage(o, page) for o in (st.passages if st else ()) if o != ref]
                items.append(p)
            by_speaker.append({"entity": self.entities.get(sp), "id": sp, "items": items, "hue": self.hues.get(sp, 0),
                               "href": self.href(urls.entity_page(sp), page)})
        statements = []
        for i, st in enumerate(self.linked.statements):
            statements.append({"index": i, "conflict": st.conflict, "travelled": st.travelled,
                               "speakers": [self.entities[s] for s in st.speakers if s in self.entities],
                               "passages": [self.passage(p, page) for p in st.passages]})
        return page, "quotes.html", {
            **self.common(page, "quotes"), "by_speaker": by_speaker,
            "conflicts": [s for s in statements if s["conflict"]],
            "travelled": [s for s in statements if s["travelled"] and not s["conflict"]],
        }

    def search(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("search.html")
        return page, "search.html", self.common(page, "search")

    def not_found(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("404.html")
        return page, "404.html", self.common(page, "404")

    # --- what each page reads ---

    def inputs(self, path: SitePath) -> tuple[object, ...]:
        """The records the page at `path` is made from, besides the theme: while they are the
        same (the same objects, or equal ones), the page is the same."""
        common = (self.settings, self.title)
        linked = self.linked
        if path.startswith("docs/"):
            return (*common, *self._document_inputs(self.docs[DocId(path[5:-5])]))
        if path.startswith("entities/"):
            entity = EntityId(path[9:-5])
            quotes = linked.quotes_by.get(entity, ())
            mentions = linked.mentions_of.get(entity, ())
            return (*common, self.entities[entity], self.hues.get(entity), tuple(map(self._passage_key, quotes)),
                    tuple(map(self._passage_key, mentions)))
        if path == "index.html":
            return (*common, linked.corpus.intro_md, len(linked.entities), sum(1 for s in linked.statements if s.conflict),
                    tuple((d.meta, tuple(s.annotation.kind for s in d.spans)) for d in linked.docs))
        if path == "entities.html":
            return (*common, linked.entities, tuple(
                (len(linked.mentions_of.get(e.id, ())), len(linked.quotes_by.get(e.id, ())),
                 len({r.doc for r in linked.mentions_of.get(e.id, ())})) for e in linked.entities))
        if path == "timeline.html":
            return (*common, linked.timeline, tuple(self.titles.get(e.doc) for e in linked.timeline),
                    tuple(self._passage_key(PassageRef(e.doc, e.ref)) for e in linked.timeline if e.ref))
        if path == "quotes.html":
            refs = [r for quotes in linked.quotes_by.values() for r in quotes]
            return (*common, linked.quotes_by, linked.statements, tuple(sorted(self.hues.items())),
                    tuple(map(self._passage_key, refs)),
                    tuple(self.entities.get(e) for e in sorted(linked.quotes_by)))
        return common

    def _passage_key(self, ref: PassageRef) -> tuple[object, ...]:
        """What a passage in a listing is made from (see _passage)."""
        span = self.linked.passages[ref]
        doc = self.docs[ref.doc]
        ann = span.annotation
        return (ref, span, doc.meta, doc.doc.text, self.entities.get(ann.speaker) if ann.speaker else None,
                self.entities.get(ann.via) if ann.via else None)

    def _document_inputs(self, doc: AnchoredDoc) -> tuple[object, ...]:
        named: set[EntityId] = set()
        docs: set[DocId] = set()
        statements = []
        for span in doc.spans:
            ann = span.annotation
            for e in (ann.speaker, ann.via, ann.entity):
                if e:
                    named.add(e)
            if ann.to is not None and ann.to.kind != "url":
                (named if ann.to.kind == "entity" else docs).add(ann.to.id)   # type: ignore[arg-type]
            if ann.kind == "quote":
                i = self.ctx.statement_of.get((doc.meta.id, span.id))
                if i is not None:
                    st = self.linked.statements[i]
                    others = tuple(self.linked.passages[p] for p in st.passages)
                    statements.append((st, others))
                    named.update(o.annotation.speaker for o in others if o.annotation.speaker)
                    docs.update(p.doc for p in st.passages)
        related = self.linked.related.get(doc.meta.id, ())
        docs.update(r.doc for r in related)
        order = sorted(named)
        return (doc, tuple(self.entities.get(e) for e in order), tuple(self.hues.get(e) for e in order),
                tuple(statements), related, tuple(self.docs[d].meta if d in self.docs else None for d in sorted(docs)))

    def all(self) -> Iterable[tuple[SitePath, str, dict[str, Any]]]:
        """Every page's (path, template, context), in page_makers' order (the one list of pages)."""
        for make in page_makers(self).values():
            yield make()


PageMaker = Callable[[], tuple[SitePath, str, dict[str, Any]]]


def page_makers(pages: Pages) -> dict[SitePath, PageMaker]:
    """Every page of the site, by path and in order, each made only when called.

    The one list of pages: `render()`, `Pages.all()` and incremental builds
    (`glossator serve`, which renders a subset) all read it.
    """
    makers: dict[SitePath, PageMaker] = {SitePath("index.html"): pages.index}
    for d in pages.linked.docs:
        makers[urls.doc_page(d.meta.id)] = lambda d=d: pages.document(d)
    makers[SitePath("entities.html")] = pages.entities_index
    for e in pages.linked.entities:
        makers[urls.entity_page(e.id)] = lambda e=e: pages.entity(e)
    makers[SitePath("timeline.html")] = pages.timeline
    makers[SitePath("quotes.html")] = pages.quotes
    makers[SitePath("search.html")] = pages.search
    makers[SitePath("404.html")] = pages.not_found
    return makers
