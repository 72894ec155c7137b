"""Cross-reference the whole corpus, so rendering is pure lookups.

Resolves `same-as` and `doc:…#id` targets, groups quotes into statements (builder.prepare.
statements), flags conflicting attributions, finds related documents and orders the timeline.

One linker for every build: each document's share (its passages, quotes, links, dates,
mentions: `DocFacts`) is worked out once per version of the document, and the corpus-wide
parts are made from those shares, again only when a share they read changed. A full build
links with a new `Linker`; a live server keeps one for the session, and an edit redoes what
the edited documents change.
"""

from __future__ import annotations

import difflib
import heapq
import math
from collections import defaultdict
from types import MappingProxyType
from dataclasses import dataclass
from typing import AbstractSet, Callable, Iterable, Mapping, Sequence

from builder.core.diagnostics import Diagnostic, error
from builder.core.models import (
    AnchoredDoc, AnnotationId, Corpus, DocId, Entity, EntityId, Linked, Passage, PassageRef, Related, Statement,
    PassageRows, Summary, Target, TimelineEntry,
)

from builder.prepare.statements import Statements
from builder.prepare.summary import summarize

RELATED_LIMIT = 6


def link(corpus: Corpus, docs: Sequence[AnchoredDoc], entities: Sequence[Entity],
         incomplete: AbstractSet[DocId] = frozenset()) -> tuple[Linked, tuple[Diagnostic, ...]]:
    """The corpus cross-referenced at once (a Linker that has linked nothing before)."""
    return Linker().link(corpus, docs, entities, incomplete)


def check_targets(docs: Sequence[Summary], passages: Mapping[PassageRef, Passage],
                  incomplete: AbstractSet[DocId] = frozenset()) -> Iterable[Diagnostic]:
    ids_in: dict[DocId, list[str]] = defaultdict(list)
    for ref in passages:
        ids_in[ref.doc].append(ref.id)
    for doc in docs:
        for p in doc.passages.targeting():
            for field, target in (("to", p.to), ("same-as", p.same_as)):
                if not target:
                    continue
                if target.kind != "doc" or not target.fragment or target.id in incomplete:
                    continue
                doc_id, frag = target.id, target.fragment
                found = passages.get(PassageRef(DocId(doc_id), AnnotationId(frag)))
                if found is None:
                    there = sorted(i for i in ids_in.get(DocId(doc_id), []) if not i.startswith("m-"))
                    close = difflib.get_close_matches(frag, there, n=1)
                    yield error(p.path, p.line, p.column, f"{field}: no annotation '{frag}' in document '{doc_id}'",
                                f"did you mean '{close[0]}'?" if close else
                                (f"annotations in {doc_id}: {', '.join(there[:8])}" if there else
                                 f"give the annotation an id in annotations/{doc_id}.yaml and point to it"))
                elif field == "same-as" and found.kind != "quote":
                    yield error(p.path, p.line, p.column, f"same-as: '{target}' is a {found.kind}, not a quote",
                                "same-as links two reports of one statement")


def related_documents(docs: Sequence[Summary], statements: Sequence[Statement], names: Mapping[EntityId, str]
             ) -> dict[DocId, tuple[Related, ...]]:
    reasons: dict[DocId, dict[DocId, tuple[float, str]]] = defaultdict(dict)

    def add(a: DocId, b: DocId, weight: float, why: str) -> None:
        if a == b:
            return
        old = reasons[a].get(b)
        if old is None or weight > old[0]:
            reasons[a][b] = (weight, why)

    for doc in docs:
        for p in doc.passages.targeting():
            target = p.to or p.same_as
            if target is not None and target.kind == "doc":
                other = DocId(target.id)
                add(doc.meta.id, other, 100.0, "linked from this document")
                add(other, doc.meta.id, 90.0, "links to this document")
    for st in statements:
        in_docs = sorted({p.doc for p in st.passages})
        for a in in_docs:
            for b in in_docs:
                add(a, b, 80.0, "reports the same statement")
    entity_sets = {d.meta.id: {e for e in d.passages.names_of("entity", "mention") if e} for d in docs}
    df: dict[EntityId, int] = defaultdict(int)
    for ents in entity_sets.values():
        for e in ents:
            df[e] += 1
    n = len(docs)
    # An entity named in more than ~√n documents says little about which two are related,
    # and skipping it keeps this linear in the corpus instead of quadratic.
    distinctive = max(2, min(n // 4, math.isqrt(n) * 2))
    by_entity: dict[EntityId, list[DocId]] = defaultdict(list)
    for d, ents in entity_sets.items():
        for e in ents:
            if df[e] <= distinctive:
                by_entity[e].append(d)
    weight_of = {e: math.log(n / df[e]) for e in by_entity}
    # A document's row of shared weights made, ranked and dropped before the next one's: held all
    # at once, the rows were Σ df² floats (36 KB a document at 2,000). Each row adds its entities'
    # weights in entity order, as one pass over the entities did: the same sums, to the last bit.
    for a, ents in entity_sets.items():
        row: dict[DocId, float] = {}
        get = row.get
        for e in sorted(e for e in ents if e in weight_of):
            w = weight_of[e]
            for b in by_entity[e]:   # the hot loop of linking: Σ df² updates, so nothing in it but the sum
                row[b] = get(b, 0.0) + w
        row.pop(a, None)
        # (weight, id) tuples compare as the ranking wants: no key function per candidate.
        for weight, b in heapq.nlargest(RELATED_LIMIT, zip(row.values(), row.keys())):
            common = sorted(names.get(e, e) for e in entity_sets[a] & entity_sets[b])
            add(a, b, min(weight, 70.0), "also mentions " + ", ".join(common[:3]))
    out: dict[DocId, tuple[Related, ...]] = {}
    for doc in docs:
        ranked = sorted(reasons[doc.meta.id].items(), key=lambda kv: (-kv[1][0], kv[0]))[:RELATED_LIMIT]
        out[doc.meta.id] = tuple(Related(d, why) for d, (_, why) in ranked)
    return out


def _in_order(entries: list[TimelineEntry], order: Mapping[DocId, int]) -> tuple[TimelineEntry, ...]:
    """Timeline entries by date, then as their documents come in the corpus, publications first."""
    entries.sort(key=lambda e: (e.date.lower, e.date.upper, order[e.doc], e.kind != "published", e.ref or ""))
    return tuple(entries)


@dataclass(frozen=True, eq=False)
class DocFacts:
    """What linking reads from one document, worked out once per version of it."""

    source: object                                  # what they were made from (a Linker keeps them while it is the same object)
    doc: Summary
    passages: PassageRows                           # its summary's: found by annotation id (by_id)
    quotes: tuple[tuple[PassageRef, Passage], ...]
    targets: frozenset[DocId]                       # documents its doc:…#id links point into
    related_inputs: tuple[object, ...]              # what related_documents reads from it
    timeline: tuple[TimelineEntry, ...]
    mentions: Mapping[EntityId, tuple[PassageRef, ...]]
    quotes_by: Mapping[EntityId, tuple[PassageRef, ...]]

    @staticmethod
    def of(doc: Summary, source: object = None) -> "DocFacts":
        """A document's facts, each kind of annotation read alone from its summary's columns
        (builder.core.passages): its quotes and dates as passages, its mentions as ids and
        entities, its links' targets; its notes not at all (a rebuild reads 360,000 annotations
        at 10,000 documents)."""
        doc_id, meta, table = doc.meta.id, doc.meta, doc.passages
        quotes = tuple((PassageRef(doc_id, p.id), p) for p in table.of_kind("quote"))
        quotes_by: dict[EntityId, list[PassageRef]] = {}
        for ref, p in quotes:
            if p.speaker:
                quotes_by.setdefault(p.speaker, []).append(ref)
        mentions: dict[EntityId, list[PassageRef]] = {}
        for id_, entity in zip(table.ids("mention"), table.names_of("entity", "mention")):
            if entity:
                mentions.setdefault(entity, []).append(PassageRef(doc_id, id_))
        links: list[Target] = []
        targets: set[DocId] = set()
        for p in table.targeting():
            target = p.to if p.to is not None else p.same_as
            if target is not None and target.kind == "doc":
                links.append(target)
            for t in (p.to, p.same_as):
                if t is not None and t.kind == "doc" and t.fragment:
                    targets.add(DocId(t.id))
        dated = [TimelineEntry(meta.published, meta.title, doc_id, None, "published")] if meta.published else []
        dated += [TimelineEntry(p.date, p.event, doc_id, p.id, "event") for p in table.of_kind("date") if p.event and p.date]
        return DocFacts(
            source=doc if source is None else source, doc=doc,
            passages=table, quotes=quotes, targets=frozenset(targets),
            related_inputs=(tuple(links), frozenset(mentions)),
            timeline=_in_order(dated, {doc_id: 0}),
            mentions={k: tuple(v) for k, v in mentions.items()},
            quotes_by={k: tuple(v) for k, v in quotes_by.items()},
        )


# What a first link's statement pairs are asked of: (every quote as (document, id, words, start,
# end), in corpus order; compute) → Statements.pairs(), from compute() or from a memo that keeps
# them between builds (builder.run.pipeline.link). The pairs read nothing else of a quote: an edit
# that leaves every quote's words and place as they were (a speaker, a note, a date) reuses them.
PairsOf = Callable[[tuple[tuple[str, str, str, int, int], ...], Callable[[], bytes]], bytes]


class Linker:
    """linking.link() for a corpus that changes a few documents at a time.

    Per-document facts are kept; the corpus-wide parts (statements, related documents,
    the timeline, the entity indexes) are recomputed only when an input they read from
    a changed document differs, and then by linking's own functions (statements
    excepted: see `Statements`).
    """

    def __init__(self) -> None:
        self.facts: dict[DocId, DocFacts] = {}
        self.order: tuple[DocId, ...] = ()
        self.statements = Statements()
        self.linked: Linked | None = None
        self.check: dict[DocId, tuple[tuple[DocFacts, ...], tuple[Diagnostic, ...]]] = {}
        self.changed: frozenset[DocId] = frozenset()      # documents whose facts changed in the last link()
        self.previous: dict[DocId, DocFacts] = {}         # their facts before it
        self._doc_index: dict[DocId, int] = {}
        self._names: dict[EntityId, str] = {}             # what related_documents last named entities by

    def link(self, corpus_: Corpus, docs: Sequence[AnchoredDoc], entities: Sequence[Entity],
             incomplete: frozenset[DocId] = frozenset(), pairs_of: PairsOf | None = None,
             summaries: Sequence[Summary] | None = None) -> tuple[Linked, tuple[Diagnostic, ...]]:
        """`pairs_of`: see PairsOf (a first link's statements from an earlier build's pairs).
        `summaries`: the documents' summaries, made already (else made here)."""
        order = tuple(d.meta.id for d in docs)
        old = self.facts
        facts = {}
        for n, (d, doc_id) in enumerate(zip(docs, order)):
            known = old.get(doc_id)
            source = d if summaries is None else summaries[n]
            facts[doc_id] = known if known is not None and known.source is source else \
                DocFacts.of(summarize(d) if summaries is None else summaries[n], source)
        changed = {i for i in order if i not in old or old[i] is not facts[i]} | (set(old) - set(order))
        self.previous = {i: old[i] for i in changed if i in old}
        self.changed = frozenset(changed)
        prev, reorder = self.linked, order != self.order
        self.facts, self.order = facts, order
        self._doc_index = {doc_id: n for n, doc_id in enumerate(order)}

        requoted = [i for i in changed if i not in old or i not in facts or old[i].quotes != facts[i].quotes]
        if requoted and not old and pairs_of is not None:
            self._first_statements([q for i in order for q in facts[i].quotes], pairs_of)
        elif requoted:
            self.statements.update([ref for i in requoted if i in old for ref, _ in old[i].quotes],
                                   [q for i in requoted if i in facts for q in facts[i].quotes])
        passages = Passages(order, {i: f.passages for i, f in facts.items()})
        if prev is None or reorder or requoted:
            statements, statement_of = self.statements.group(self._position)
            if prev is not None and statements == prev.statements:
                statements, statement_of = prev.statements, prev.statement_of
        else:
            statements, statement_of = prev.statements, prev.statement_of

        def unchanged(part: Callable[[DocFacts], object]) -> bool:
            return prev is not None and not reorder and all(
                i in old and i in facts and part(old[i]) == part(facts[i]) for i in changed)

        names = {e.id: e.name for e in entities}
        if prev is not None and unchanged(lambda f: f.related_inputs) and statements is prev.statements \
                and names == self._names:
            related = prev.related
        else:
            related = MappingProxyType(related_documents([facts[i].doc for i in order], statements, names))
        self._names = names
        timeline = prev.timeline if prev is not None and unchanged(lambda f: f.timeline) else \
            _in_order([e for i in order for e in facts[i].timeline], self._doc_index)
        if prev is not None and unchanged(lambda f: f.mentions):
            mentions_of = prev.mentions_of
        else:
            mentions_of = MappingProxyType(_concat(facts[i].mentions for i in order))
        if prev is not None and unchanged(lambda f: f.quotes_by):
            quotes_by = prev.quotes_by
        else:
            quotes_by = MappingProxyType(_concat(facts[i].quotes_by for i in order))
        linked = Linked(
            corpus=corpus_, docs=tuple(docs), summaries=tuple(facts[i].doc for i in order), entities=tuple(entities),
            passages=passages,
            statements=statements,
            statement_of=statement_of if isinstance(statement_of, MappingProxyType) else MappingProxyType(statement_of),
            related=related, timeline=timeline, mentions_of=mentions_of, quotes_by=quotes_by,
        )
        self.linked = linked
        return linked, self._check_targets(passages, changed, incomplete)

    def _first_statements(self, quotes: list[tuple[PassageRef, Passage]], pairs_of: PairsOf) -> None:
        """Every quote given to the statements at once: their pairs found by update(), or read
        back by `pairs_of` for quotes whose words are the same, in the same places."""
        counted = []

        def compute() -> bytes:
            self.statements.update((), quotes)
            counted.append(True)
            return self.statements.pairs()

        pairs = pairs_of(tuple((r.doc, r.id, p.words, p.start, p.end) for r, p in quotes), compute)
        if not counted:
            self.statements.restore(quotes, pairs)

    def _position(self, ref: PassageRef) -> tuple[int, int]:
        """Where a quote comes in the corpus: linking numbers quotes in document order."""
        doc = self.facts[ref.doc]
        return self._doc_index[ref.doc], next(n for n, (r, _) in enumerate(doc.quotes) if r == ref)

    def _check_targets(self, passages: Mapping[PassageRef, Passage], changed: set[DocId],
                       incomplete: frozenset[DocId]) -> tuple[Diagnostic, ...]:
        """check_targets(), per document, over the passages of the documents it points into."""
        found: list[Diagnostic] = []
        for doc_id in self.order:
            f = self.facts[doc_id]
            cached = self.check.get(doc_id)
            if cached is not None and doc_id not in changed and not (f.targets & changed):
                found.extend(cached[1])
                continue
            inputs = (f, *(self.facts.get(t) for t in sorted(f.targets)), f.targets & incomplete)
            if cached is None or len(cached[0]) != len(inputs) or any(a is not b and a != b for a, b in zip(cached[0], inputs)):
                there = sorted(t for t in f.targets if t in self.facts)
                near = Passages(there, {t: self.facts[t].passages for t in there})
                cached = (inputs, tuple(check_targets([f.doc], near, incomplete)))
                self.check[doc_id] = cached
            found.extend(cached[1])
        for gone in set(self.check) - set(self.order):
            del self.check[gone]
        return tuple(found)


class Passages(Mapping[PassageRef, Passage]):
    """Every annotation by (document, id), as linking.link() maps them, in the same order (the
    first of an id), held document by document (each its summary's passages) so that an
    edit replaces one document's share."""

    def __init__(self, order: Sequence[DocId], by_doc: Mapping[DocId, PassageRows]) -> None:
        self._order = tuple(order)
        self._by_doc = by_doc
        self._len: int | None = None

    def __getitem__(self, ref: PassageRef) -> Passage:
        span = self.get(ref)
        if span is None:
            raise KeyError(ref)
        return span

    def get(self, ref: PassageRef, default: object = None):  # noqa: ANN201 - Mapping.get, without the exception
        part = self._by_doc.get(ref.doc)
        span = None if part is None else part.by_id(ref.id)
        return default if span is None else span

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, PassageRef) and self.get(ref) is not None

    def __iter__(self):  # noqa: ANN204
        for i in self._order:
            for a in dict.fromkeys(self._by_doc[i].ids()):
                yield PassageRef(i, a)

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(len(set(self._by_doc[i].ids())) for i in self._order)
        return self._len


def _concat(parts: Iterable[Mapping[EntityId, tuple[PassageRef, ...]]]) -> dict[EntityId, tuple[PassageRef, ...]]:
    """Per-document indexes joined in corpus order, as by_entity builds them in one pass."""
    out: dict[EntityId, list[PassageRef]] = {}
    for part in parts:
        for key, refs in part.items():
            out.setdefault(key, []).extend(refs)
    return {k: tuple(v) for k, v in out.items()}
