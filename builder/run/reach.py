"""Which pages an edit reaches: the pages a build with a cache keys again from their inputs
when what linking read changed since the last build (builder.run.kept.KnownPages).

A page's key is the digest of what it reads (builder.html.reads.inputs). Working that out for
every page is most of a rebuild after an edit that linking sees (3.6 s of 9.5 at 10,000
documents, for the 29 pages a quote's new speaker changes). A page that reads nothing the edit
changed has the inputs, and so the key, it had: it keeps it, unread. What a page reads, by kind:

- every page: the settings, the corpus (its title), the theme, the entities and the documents'
  order. The last build's keys are kept under their digest (`base` in KnownPages): any of them
  changed, every page is keyed from its inputs.
- a document's page: its document (its name: the digest of what prepared it), the colours of its
  speakers, the statements its quotes are part of with their other passages, its related
  documents, and the titles of the documents those show;
- an entity's pages: its quotes and mentions (which only documents that credit or mention it
  change), each listed passage (its document), the statements of its quotes, its colour;
- a page of the timeline: its entries (which only the documents that have entries in its period
  change), the periods before and after it, the colours of its speakers;
- every other page (the listings, the register, the home page): keyed from its inputs whenever
  linking read something new. They are few, and their inputs cheap or one digest (reads.WHOLE_CORPUS).

`Facts` are what linking made that those rules compare, kept with the keys for the next build;
`Reach` says which pages keep their key. tests/test_reach.py holds the rules to reads.inputs:
after any edit, a page that keeps its key has the inputs it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from builder.core import urls
from builder.core.models import DocId, EntityId
from builder.html import document
from builder.html.pages import Pages

# What linking made that the rules read, as JSON (kept beside the pages' keys):
#   docs:       document id → [the entities it credits with a quote or mentions, the timeline periods it has entries in]
#   related:    document id → [[related document, reason], ...]
#   statements: [[[document, id], ...], [speaker, ...]] each
#   prefer:     speaker → their preferred colour (slot); palette: [light colours, dark colours] by slot
#   periods:    [[key, heading], ...] of a timeline in pages, or None
Facts = dict[str, Any]


def facts_of(pages: Pages) -> Facts:
    """What the rules compare, from the pages' linked corpus (~0.1 s at 10,000 documents)."""
    linked = pages.linked
    cut = pages.timeline_periods
    in_period: dict[DocId, list[str]] = {}
    for key, (_, entries) in (cut or {}).items():
        for doc in dict.fromkeys(e.doc for e in entries):
            in_period.setdefault(doc, []).append(key)
    docs = {}
    for s in linked.summaries:
        table = s.passages
        named = {*table.names_of("speaker", "quote"), *table.names_of("entity", "mention")}
        named.discard(None)
        named.discard("")
        docs[s.meta.id] = [sorted(named), in_period.get(s.meta.id, [])]   # type: ignore[type-var]
    return {
        "docs": docs,
        "related": {d: [[r.doc, r.reason] for r in related] for d, related in linked.related.items()},
        "statements": [[[[p.doc, p.id] for p in st.passages], list(st.speakers)] for st in linked.statements],
        "prefer": dict(pages.colours.prefer),
        "palette": [list(pages.colours.light), list(pages.colours.dark)],   # (the inks follow from these)
        "periods": None if cut is None else [[key, label] for key, (label, _) in cut.items()],
    }


@dataclass(frozen=True)
class Reach:
    """The pages that keep the key they had: a document's page, an entity's, a period of the
    timeline's, when the edit does not reach it; no other page."""

    docs: frozenset[DocId]            # whose pages are reached
    entities: frozenset[EntityId]
    periods: Optional[frozenset[str]]   # None: every period

    def keeps(self, page: str) -> bool:
        section, name, _ = urls.subject(page)
        if section == "docs":
            return name not in self.docs
        if section == "entities":
            return name not in self.entities
        if section == "timeline":
            return self.periods is not None and name not in self.periods
        return False


def reach(old: Facts, new: Facts, changed: frozenset[DocId], pages: Pages) -> Reach | None:
    """What an edit reaches, from the facts of the last build and of this one; `changed`: the
    documents whose names changed (or have none). None: the facts cannot be compared (every page
    keyed from its inputs), as when the last build's are not facts as facts_of() writes them (a
    cache entry damaged by hand is no reason to fail)."""
    try:
        return _reach(old, new, changed, pages)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


def _reach(old: Facts, new: Facts, changed: frozenset[DocId], pages: Pages) -> Reach | None:
    old_docs, old_related, old_prefer = dict(old["docs"]), dict(old["related"]), dict(old["prefer"])
    old_statements = {_statement(s) for s in old["statements"]}
    old_palette, old_periods = old["palette"], old["periods"]
    new_docs = new["docs"]
    # The palette grows with the corpus's speakers, each colour chosen after those before it: a
    # page whose speakers keep their preferred colours keeps its slots, coloured as before.
    if old_docs.keys() != new_docs.keys() or len(old_palette) != len(new["palette"]) or any(
            a[:len(b)] != b[:len(a)] for a, b in zip(old_palette, new["palette"])):
        return None
    docs, entities = set(changed), set()
    for d in changed:
        entities.update(old_docs[d][0])
        entities.update(new_docs[d][0])
    # statements: those that changed (either way), and those with a passage of a changed document
    new_statements = {_statement(s) for s in new["statements"]}
    touched = old_statements ^ new_statements
    touched.update(s for s in new_statements if any(doc in changed for doc, _ in s[0]))
    for passages, speakers in touched:
        docs.update(doc for doc, _ in passages)
        entities.update(speakers)
    for d, related in new["related"].items():
        if related != old_related.get(d) or any(r[0] in changed for r in related):
            docs.add(d)
    # colours: a speaker whose preferred colour moved, on every page that shows them
    new_prefer = new["prefer"]
    moved = {s for s in old_prefer.keys() | new_prefer.keys() if old_prefer.get(s) != new_prefer.get(s)}
    if moved:
        entities.update(moved)
        docs.update(s.meta.id for s in pages.linked.summaries
                    if any(e in moved for e, _ in document.speakers_in(s)))
    periods: frozenset[str] | None = None
    if not moved and old_periods == new["periods"]:
        periods = frozenset(p for d in changed for p in (*old_docs[d][1], *new_docs[d][1]))
    return Reach(frozenset(docs), frozenset(entities), periods)


def _statement(s: Any) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:  # noqa: ANN401 - JSON
    """A statement of Facts, hashable."""
    passages, speakers = s
    return tuple((doc, id_) for doc, id_ in passages), tuple(speakers)


def changed_documents(documents: Mapping[str, str | None], known: Mapping[str, tuple[str, str]]) -> frozenset[DocId]:
    """The documents whose names changed since the last build's pages were keyed (or have none
    now, or had no page then)."""
    out = set()
    for page, name in documents.items():
        had = known.get(page)
        if name is None or had is None or had[0] != name:
            out.add(DocId(urls.subject(page)[1]))
    return frozenset(out)
