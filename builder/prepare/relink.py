"""linking.link() for a corpus that changes a few documents at a time (`glossator serve`).

Each document's share of the cross-references (its passages, quotes, links, dates,
mentions) is worked out once per version of the document; the corpus-wide parts are
reused when nothing they read changed, and otherwise recomputed by linking's own
functions, except statements, which are kept up to date quote by quote. The result
equals linking.link()'s (tests/test_incremental.py checks it edit after edit).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Sequence

from builder.core.diagnostics import Diagnostic
from builder.core.models import (
    AnchoredDoc, Corpus, DocId, Entity, EntityId, Linked, PassageRef, Span, Statement, TimelineEntry,
)
from builder.prepare import linking


@dataclass(frozen=True, eq=False)
class DocFacts:
    """What linking reads from one document, worked out once per AnchoredDoc."""

    doc: AnchoredDoc
    passages: dict[PassageRef, Span]
    quotes: tuple[tuple[PassageRef, Span], ...]
    targets: frozenset[DocId]                       # documents its doc:…#id links point into
    related_inputs: tuple[object, ...]              # what linking.related_documents reads from it
    timeline: tuple[TimelineEntry, ...]
    mentions: Mapping[EntityId, tuple[PassageRef, ...]]
    quotes_by: Mapping[EntityId, tuple[PassageRef, ...]]
    kinds: Mapping[str, int]
    speakers: frozenset[EntityId]

    @staticmethod
    def of(doc: AnchoredDoc) -> "DocFacts":
        doc_id = doc.meta.id
        passages: dict[PassageRef, Span] = {}
        for span in doc.spans:
            passages.setdefault(PassageRef(doc_id, span.id), span)
        quotes = tuple((PassageRef(doc_id, s.id), s) for s in doc.spans if s.kind == "quote")
        links, targets = [], set()
        for span in doc.spans:
            target = span.annotation.to or span.annotation.same_as
            if target and target.startswith("doc:"):
                links.append(target)
            for t in (span.annotation.to, span.annotation.same_as):
                if t:
                    kind, other, frag = linking.parse_target(t)
                    if kind == "doc" and frag:
                        targets.add(DocId(other))
        mentioned = frozenset(s.annotation.entity for s in doc.spans if s.kind == "mention" and s.annotation.entity)
        mentions, quotes_by = linking.by_entity([doc])
        return DocFacts(
            doc=doc, passages=passages, quotes=quotes, targets=frozenset(targets),
            related_inputs=(tuple(links), mentioned),
            timeline=linking.order_timeline([doc]),
            mentions=mentions,
            quotes_by=quotes_by,
            kinds=Counter(s.kind for s in doc.spans),
            speakers=frozenset(s.annotation.speaker for _, s in quotes if s.annotation.speaker),
        )


class Statements:
    """linking's statements, kept up to date quote by quote, by linking's rules (same_words, same_as_ref).

    Quotes are grouped when a `same-as` joins them or when they share enough word
    shingles; the shingle postings and the pairs that pass are kept, so that an edit
    recomputes the pairs of the quotes it touched, not of the whole corpus.
    tests/test_incremental.py checks the result against linking.group_statements().
    """

    def __init__(self) -> None:
        self.grams: dict[PassageRef, frozenset] = {}
        self.spans: dict[PassageRef, Span] = {}
        self.postings: dict[tuple[str, ...], set[PassageRef]] = {}
        self.edges: dict[PassageRef, set[PassageRef]] = {}

    def update(self, removed: Iterable[PassageRef], added: Iterable[tuple[PassageRef, Span]]) -> None:
        limit = linking.MAX_SHINGLE_POSTINGS
        crossed: set[tuple[str, ...]] = set()
        touched: set[PassageRef] = set()
        for ref in removed:
            for sh in self.grams.pop(ref, ()):
                post = self.postings[sh]
                if (len(post) <= limit) != (len(post) - 1 <= limit):
                    crossed.add(sh)
                post.discard(ref)
                if not post:
                    del self.postings[sh]
            self.spans.pop(ref, None)
            touched.add(ref)
        for ref, span in added:
            grams = linking.shingles(linking.normalise(span.annotation.selector.text))
            self.grams[ref] = grams
            self.spans[ref] = span
            for sh in grams:
                post = self.postings.setdefault(sh, set())
                if (len(post) <= limit) != (len(post) + 1 <= limit):
                    crossed.add(sh)
                post.add(ref)
            touched.add(ref)
        for sh in crossed:
            touched.update(self.postings.get(sh, ()))
        for a in touched:
            for b in self.edges.pop(a, ()):
                if b in self.edges:
                    self.edges[b].discard(a)
        for a in touched:
            if a in self.grams:
                for b in self._pairs(a):
                    self.edges.setdefault(a, set()).add(b)
                    self.edges.setdefault(b, set()).add(a)

    def _pairs(self, a: PassageRef) -> list[PassageRef]:
        """The quotes that share enough shingles with `a` to be the same statement."""
        shared: Counter[PassageRef] = Counter()
        for sh in self.grams[a]:
            post = self.postings[sh]
            if len(post) <= linking.MAX_SHINGLE_POSTINGS:
                shared.update(post)
        del shared[a]
        quote_a, size_a = (a, self.spans[a]), len(self.grams[a])
        return [b for b, n in shared.items()
                if linking.same_words(quote_a, (b, self.spans[b]), n, size_a, len(self.grams[b]))]

    def group(self, position: Callable[[PassageRef], tuple[int, int]]) -> tuple[tuple[Statement, ...], dict[PassageRef, int]]:
        """Connected quotes as statements, ordered as linking orders them (by first quote)."""
        links: dict[PassageRef, set[PassageRef]] = {a: set(bs) for a, bs in self.edges.items() if bs}
        for ref, span in self.spans.items():
            other = linking.same_as_ref(span)
            if other in self.spans and other != ref:
                links.setdefault(ref, set()).add(other)
                links.setdefault(other, set()).add(ref)
        seen: set[PassageRef] = set()
        groups: list[list[PassageRef]] = []
        for start in links:
            if start in seen:
                continue
            seen.add(start)
            stack, members = [start], []
            while stack:
                ref = stack.pop()
                members.append(ref)
                for other in links.get(ref, ()):
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
            groups.append(sorted(members, key=position))
        groups.sort(key=lambda m: position(m[0]))
        statements: list[Statement] = []
        statement_of: dict[PassageRef, int] = {}
        for members in groups:
            for r in members:
                statement_of[r] = len(statements)
            statements.append(linking.statement([(r, self.spans[r]) for r in members]))
        return tuple(statements), statement_of


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

    def link(self, corpus_: Corpus, docs: Sequence[AnchoredDoc], entities: Sequence[Entity],
             incomplete: frozenset[DocId] = frozenset()) -> tuple[Linked, tuple[Diagnostic, ...]]:
        order = tuple(d.meta.id for d in docs)
        old = self.facts
        facts = {}
        for d, doc_id in zip(docs, order):
            known = old.get(doc_id)
            facts[doc_id] = known if known is not None and known.doc is d else DocFacts.of(d)
        changed = {i for i in order if i not in old or old[i] is not facts[i]} | (set(old) - set(order))
        self.previous = {i: old[i] for i in changed if i in old}
        self.changed = frozenset(changed)
        prev, reorder = self.linked, order != self.order
        self.facts, self.order = facts, order
        self._doc_index = {doc_id: n for n, doc_id in enumerate(order)}

        requoted = [i for i in changed if i not in old or i not in facts or old[i].quotes != facts[i].quotes]
        if requoted:
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

        if prev is not None and unchanged(lambda f: f.related_inputs) and statements is prev.statements:
            related = prev.related
        else:
            related = MappingProxyType(linking.related_documents(docs, statements, {e.id: e.name for e in entities}))
        timeline = prev.timeline if prev is not None and unchanged(lambda f: f.timeline) else linking.order_timeline(docs)
        if prev is not None and unchanged(lambda f: f.mentions):
            mentions_of = prev.mentions_of
        else:
            mentions_of = MappingProxyType(_concat(facts[i].mentions for i in order))
        if prev is not None and unchanged(lambda f: f.quotes_by):
            quotes_by = prev.quotes_by
        else:
            quotes_by = MappingProxyType(_concat(facts[i].quotes_by for i in order))
        linked = Linked(
            corpus=corpus_, docs=tuple(docs), entities=tuple(entities),
            passages=passages,
            statements=statements,
            statement_of=statement_of if isinstance(statement_of, MappingProxyType) else MappingProxyType(statement_of),
            related=related, timeline=timeline, mentions_of=mentions_of, quotes_by=quotes_by,
        )
        self.linked = linked
        return linked, self._check_targets(passages, changed, incomplete)

    def _position(self, ref: PassageRef) -> tuple[int, int]:
        """Where a quote comes in the corpus: linking numbers quotes in document order."""
        doc = self.facts[ref.doc]
        return self._doc_index[ref.doc], next(n for n, (r, _) in enumerate(doc.quotes) if r == ref)

    def _check_targets(self, passages: Mapping[PassageRef, Span], changed: set[DocId],
                       incomplete: frozenset[DocId]) -> tuple[Diagnostic, ...]:
        """linking.check_targets(), per document, over the passages of the documents it points into."""
        found: list[Diagnostic] = []
        for doc_id in self.order:
            f = self.facts[doc_id]
            cached = self.check.get(doc_id)
            if cached is not None and doc_id not in changed and not (f.targets & changed):
                found.extend(cached[1])
                continue
            inputs = (f, *(self.facts.get(t) for t in sorted(f.targets)), f.targets & incomplete)
            if cached is None or len(cached[0]) != len(inputs) or any(a is not b and a != b for a, b in zip(cached[0], inputs)):
                near = {ref: span for t in f.targets if t in self.facts for ref, span in self.facts[t].passages.items()}
                cached = (inputs, tuple(linking.check_targets([f.doc], near, incomplete)))  # type: ignore[arg-type]
                self.check[doc_id] = cached
            found.extend(cached[1])
        for gone in set(self.check) - set(self.order):
            del self.check[gone]
        return tuple(found)


class Passages(Mapping[PassageRef, Span]):
    """Every annotation by (document, id), as linking.link() maps them, in the same order,
    held document by document so that an edit replaces one document's share."""

    def __init__(self, order: Sequence[DocId], by_doc: Mapping[DocId, Mapping[PassageRef, Span]]) -> None:
        self._order = tuple(order)
        self._by_doc = by_doc
        self._len = sum(len(by_doc[i]) for i in self._order)

    def __getitem__(self, ref: PassageRef) -> Span:
        part = self._by_doc.get(ref.doc)
        if part is None:
            raise KeyError(ref)
        return part[ref]

    def get(self, ref: PassageRef, default: object = None):  # noqa: ANN201 - Mapping.get, without the exception
        part = self._by_doc.get(ref.doc)
        return default if part is None else part.get(ref, default)

    def __contains__(self, ref: object) -> bool:
        part = self._by_doc.get(getattr(ref, "doc", None))  # type: ignore[arg-type]
        return part is not None and ref in part

    def __iter__(self):  # noqa: ANN204
        for i in self._order:
            yield from self._by_doc[i]

    def __len__(self) -> int:
        return self._len


def _concat(parts: Iterable[Mapping[EntityId, tuple[PassageRef, ...]]]) -> dict[EntityId, tuple[PassageRef, ...]]:
    """Per-document indexes joined in corpus order, as linking.by_entity builds them in one pass."""
    out: dict[EntityId, list[PassageRef]] = {}
    for part in parts:
        for key, refs in part.items():
            out.setdefault(key, []).extend(refs)
    return {k: tuple(v) for k, v in out.items()}
