"""What each page reads: the records its context is made from (see html.pages).

A live server renders a page again only when these changed since it was last rendered; a full
build never asks. If a page reads something not named here, tests/test_live.py finds a served
page that differs from the built one.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

from builder.core import urls
from builder.core.models import AnchoredDoc, DocId, EntityId, PassageRef, SitePath, TimelineEntry
from builder.html import pager, pages as html_pages, timeline
from builder.html.pages import Pages


# The pages that read the whole linked corpus (any annotation can change them): a build
# cache names them by the corpus instead of by these records, which are most of it.
WHOLE_CORPUS = frozenset({"index.html", "entities.html", "timeline.html", "quotes.html"})

# A name the build cache already knows a record by (builder.run.remember), or None: a prepared
# document is named by the digest of what made it, so a passage of it is named by that name and
# the passage's id, which stand for the document's metadata, text and annotations. A page's
# inputs then hold that name where they would hold the records it stands for, and are hashed in
# a fraction of the time.
Names = Callable[[object], "str | None"]


def unnamed(record: object) -> None:
    return None


def inputs(pages: Pages, path: SitePath, named: Names = unnamed) -> tuple[object, ...]:
    """The records the page at `path` is made from, besides the theme: while they are the
    same (the same objects, or equal ones), the page is the same. `named`: see Names."""
    common = (pages.settings, pages.title)
    linked = pages.linked
    section, name, number = urls.subject(path)
    if section == "docs":
        return (*common, *_document_inputs(pages, named, pages.docs[DocId(name)]))
    if section == "entities":   # entities/<id>.html, or its page entities/<id>/<n>.html
        entity = EntityId(name)
        n, rows = int(number or 1), html_pages.ENTITY_ROWS
        quotes, by_doc = pages.entity_lists(entity)
        listed = pager.part(quotes, n, rows)
        return (*common, pages.entities[entity], pages.colours.named(pages.entity_speakers(entity)),
                number, len(quotes), len(by_doc), len(linked.mentions_of.get(entity, ())),
                _listed(pages, named, listed),
                # the first part counts the conflicts of all its entity's quotes; each part flags its own
                pages.conflicts(quotes) if n == 1 else 0,
                tuple(_statement_key(pages, named, ref) for ref in listed),
                _mentions(pages, named, pager.part(list(by_doc), n, rows), by_doc))
    if path == "index.html":
        return (*common, linked.corpus.intro_md, len(linked.entities), sum(1 for s in linked.statements if s.conflict),
                tuple((d.meta, tuple((p.kind, p.speaker) for p in d.passages)) for d in linked.summaries),
                tuple(pages.entities.get(e) for e in sorted(linked.quotes_by)))
    if path.startswith("documents/"):
        # A row is its document's metadata, counts and speakers: the document's name stands for them.
        return (*common, len(linked.docs),
                tuple(named(d) or (d.meta, *pages.document_row(pages.summaries[d.meta.id]))
                      for d in pager.part(linked.docs, int(path[10:-5]), html_pages.INDEX_ROWS)),
                tuple(pages.entities.get(e) for e in sorted(linked.quotes_by)))
    if path == "entities.html":
        return (*common, linked.entities, tuple(
            (len(linked.mentions_of.get(e.id, ())), len(linked.quotes_by.get(e.id, ())),
             len({r.doc for r in linked.mentions_of.get(e.id, ())})) for e in linked.entities))
    if path == "timeline.html":
        periods = pages.timeline_periods
        if periods is not None:
            return (*common, len(linked.timeline), tuple((key, label, len(entries)) for key, (label, entries) in periods.items()))
        return (*common, *_timeline_inputs(pages, named, linked.timeline))
    if section == "timeline":
        periods, key = pages.timeline_periods or {}, name
        near = timeline.neighbours(periods, key)
        return (*common, near, tuple(periods[k][0] if k else None for k in near),
                periods[key][0], *_timeline_inputs(pages, named, periods[key][1]))
    if path == "quotes.html":
        refs = [r for quotes in linked.quotes_by.values() for r in quotes]
        return (*common, linked.quotes_by, linked.statements, pages.colours.named(pages.register_speakers()),
                _listed(pages, named, refs),
                tuple(pages.entities.get(e) for e in sorted(linked.quotes_by)))
    return common

def _timeline_inputs(pages: Pages, named: Names, entries: tuple[TimelineEntry, ...]) -> tuple[object, ...]:
    keys = [_entry_key(pages, named, e) for e in entries]
    return (_joined(keys), pages.colours.named(pages.timeline_speakers(entries)),
            # an entry's document's title, which a named entry's name stands for
            tuple(pages.titles.get(e.doc) for e, k in zip(entries, keys) if not isinstance(k, str)),
            _listed(pages, named, [PassageRef(e.doc, e.ref) for e in entries if e.ref]))

def _entry_key(pages: Pages, named: Names, entry: TimelineEntry) -> object:
    """A timeline entry, or the name of what linking made it from: its date's passage (an
    event), or its document's metadata (a publication)."""
    if entry.ref:
        name = _span_name(pages, named, PassageRef(entry.doc, entry.ref))
        return _passage_name(*name) if name is not None else entry
    name = named(pages.docs[entry.doc].meta) if entry.doc in pages.docs else None
    return name or entry

def _statement_key(pages: Pages, named: Names, ref: PassageRef) -> tuple[object, ...]:
    """What a quote's flags are made from: its statement and the statement's other passages
    (where they are named: the statement's speakers, and the others as _listed)."""
    i = pages.ctx.statement_of.get((ref.doc, ref.id))
    if i is None:
        return ()
    st = pages.linked.statements[i]
    others = [o for o in st.passages if o != ref]
    if named is unnamed:
        return (st, tuple(_passage_key(pages, named, o) for o in others))
    return (st.speakers, _listed(pages, named, others))

def _listed(pages: Pages, named: Names, refs: Iterable[PassageRef]) -> tuple[object, ...]:
    """What listed passages are made from: each as _passage_key says; where their documents are
    named, every passage as its name (one string for them all) and the entities they credit,
    each once. A listing holds hundreds of passages: hashed one tuple of records each, they were
    most of what keying a build's pages cost."""
    if named is unnamed:
        return tuple(_passage_key(pages, named, ref) for ref in refs)
    names: list[str] = []
    rest: list[object] = []        # passages whose document has no name
    people: set[EntityId] = set()
    passages = pages.linked.passages
    for ref in refs:
        name = _doc_name(pages, named, ref.doc)
        if name is None:
            names.append("")
            rest.append(_passage_key(pages, named, ref))
            continue
        names.append(_passage_name(name, ref.id))
        p = passages[ref]
        if p.speaker:
            people.add(p.speaker)
        if p.via:
            people.add(p.via)
    return ("\n".join(names), tuple((e, pages.entities.get(e)) for e in sorted(people)), *rest)

def _mentions(pages: Pages, named: Names, docs: Sequence[DocId], by_doc: Mapping[DocId, list[PassageRef]]) -> object:
    """An entity page's mentions, by document: as _listed, or where a document is named, its
    name alone (its mentions of the page's entity are what it holds: mentions credit no one)."""
    if named is unnamed:
        return _listed(pages, named, [r for d in docs for r in by_doc[d]])
    keys: list[object] = []
    for d in docs:
        name = _doc_name(pages, named, d)
        keys.append(name if name is not None else _listed(pages, named, by_doc[d]))
    return _joined(keys)

def _passage_name(doc_name: str, id_: str) -> str:
    """A passage's name as one string (_span_name), its id written with its length: unambiguous
    however the id reads, joined with others."""
    return f"{doc_name} {len(id_)}:{id_}"

def _joined(keys: list[object]) -> object:
    """Keys as one string when every one is a name (a string), else as they are."""
    return "\n".join(keys) if all(isinstance(k, str) for k in keys) else tuple(keys)   # type: ignore[arg-type]

def _span_name(pages: Pages, named: Names, ref: PassageRef) -> tuple[str, str] | None:
    """A passage as its document's name and its id (Names), or None when its document has none."""
    name = _doc_name(pages, named, ref.doc)
    return None if name is None else (name, ref.id)

def _doc_name(pages: Pages, named: Names, doc_id: DocId) -> str | None:
    """The name a prepared document is known by (Names), or None."""
    doc = pages.docs.get(doc_id)
    return named(doc) if doc is not None else None

def _passage_key(pages: Pages, named: Names, ref: PassageRef) -> tuple[object, ...]:
    """What a passage in a listing is made from (see _passage): its span, document and
    speakers, or the passage's name in the stead of the first two (Names)."""
    p = pages.linked.passages[ref]
    people = (pages.entities.get(p.speaker) if p.speaker else None, pages.entities.get(p.via) if p.via else None)
    name = _span_name(pages, named, ref)
    if name is not None:
        return (*name, *people)
    doc = pages.docs[ref.doc]
    return (ref, pages.span(ref), doc.meta, doc.doc.text, *people)

def _document_inputs(pages: Pages, names: Names, doc: AnchoredDoc) -> tuple[object, ...]:
    """A document's page: the document (its name, where it has one), and what the page shows of
    the rest, found from its summary (no span read)."""
    named: set[EntityId] = set()
    docs: set[DocId] = set()
    statements = []
    for row in pages.summaries[doc.meta.id].passages:
        for e in (row.speaker, row.via, row.entity):
            if e:
                named.add(e)
        if row.to is not None and row.to.kind != "url":
            (named if row.to.kind == "entity" else docs).add(row.to.id)   # type: ignore[arg-type]
        if row.kind == "quote":
            i = pages.ctx.statement_of.get((doc.meta.id, row.id))
            if i is not None:
                st = pages.linked.statements[i]
                others = tuple(pages.linked.passages[p] for p in st.passages)
                statements.append((st, tuple(_span_name(pages, names, p) or o for p, o in zip(st.passages, others))))
                named.update(o.speaker for o in others if o.speaker)
                docs.update(p.doc for p in st.passages)
    related = pages.linked.related.get(doc.meta.id, ())
    docs.update(r.doc for r in related)
    order = sorted(named)
    return (doc, tuple(pages.entities.get(e) for e in order), pages.colours.named(pages.document_speakers(doc)),
            tuple(statements), related, tuple(pages.docs[d].meta if d in pages.docs else None for d in sorted(docs)))

