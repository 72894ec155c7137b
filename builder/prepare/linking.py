"""Cross-reference the whole corpus once, so rendering is pure lookups.

Resolves `same-as` and `doc:…#id` targets, groups quotes into statements (the
same words reported in several places, by `same-as` or by tolerant matching),
flags conflicting attributions, finds related documents and orders the timeline.
"""

from __future__ import annotations

import difflib
import heapq
import math
import re
from collections import defaultdict
from types import MappingProxyType
from typing import AbstractSet, Iterable, Mapping, Sequence

from builder.core.diagnostics import Diagnostic, error
from builder.core.models import (
    AnchoredDoc, AnnotationId, Corpus, DocId, Entity, EntityId, Linked, PassageRef, Related, Span, Statement, TimelineEntry,
)

SHINGLE = 3                 # words per shingle
MIN_OVERLAP = 0.6           # shared shingles / shingles of the shorter quote
MAX_SHINGLE_POSTINGS = 50   # a shingle in more quotes than this is a stock phrase, not evidence
RELATED_LIMIT = 6

_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


_WORD = re.compile(r"\w+")


def normalise(text: str) -> list[str]:
    """Words of a quote with quote marks, case, punctuation and spacing folded."""
    return _WORD.findall(text.translate(_QUOTE_MARKS).lower().replace("'", ""))


def shingles(words: Sequence[str]) -> frozenset[tuple[str, ...]]:
    if len(words) < SHINGLE:
        return frozenset([tuple(words)]) if words else frozenset()
    # zip of the list and its shifted copies: every run of SHINGLE words, made in C
    return frozenset(zip(*(words[i:] for i in range(SHINGLE))))


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def parse_target(target: str) -> tuple[str, str, str]:
    """'doc:a#q1' → ('doc', 'a', 'q1'); 'entity:x' → ('entity', 'x', ''); URLs → ('url', target, '')."""
    if target.startswith("doc:"):
        doc, _, frag = target[4:].partition("#")
        return "doc", doc, frag
    if target.startswith("entity:"):
        return "entity", target[7:], ""
    return "url", target, ""


def link(corpus: Corpus, docs: Sequence[AnchoredDoc], entities: Sequence[Entity],
         incomplete: AbstractSet[DocId] = frozenset()) -> tuple[Linked, tuple[Diagnostic, ...]]:
    """`incomplete`: documents whose file or sidecar could not be read: links into them go
    unchecked (their own error is the one to fix, not one more in every file that points there)."""
    passages: dict[PassageRef, Span] = {}
    for doc in docs:
        for span in doc.spans:
            passages.setdefault(PassageRef(doc.meta.id, span.id), span)
    diags = list(check_targets(docs, passages, incomplete))
    statements, statement_of = group_statements(docs, passages)
    mentions_of, quotes_by = by_entity(docs)
    linked = Linked(
        corpus=corpus,
        docs=tuple(docs),
        entities=tuple(entities),
        passages=MappingProxyType(passages),
        statements=statements,
        statement_of=MappingProxyType(statement_of),
        related=MappingProxyType(related_documents(docs, statements, {e.id: e.name for e in entities})),
        timeline=order_timeline(docs),
        mentions_of=MappingProxyType(mentions_of),
        quotes_by=MappingProxyType(quotes_by),
    )
    return linked, tuple(diags)


def check_targets(docs: Sequence[AnchoredDoc], passages: Mapping[PassageRef, Span],
                  incomplete: AbstractSet[DocId] = frozenset()) -> Iterable[Diagnostic]:
    ids_in: dict[DocId, list[str]] = defaultdict(list)
    for ref in passages:
        ids_in[ref.doc].append(ref.id)
    for doc in docs:
        for span in doc.spans:
            ann = span.annotation
            for field, target in (("to", ann.to), ("same-as", ann.same_as)):
                if not target:
                    continue
                kind, doc_id, frag = parse_target(target)
                if kind != "doc" or not frag or doc_id in incomplete:
                    continue
                found = passages.get(PassageRef(DocId(doc_id), AnnotationId(frag)))
                w = ann.where
                if found is None:
                    there = sorted(i for i in ids_in.get(DocId(doc_id), []) if not i.startswith("m-"))
                    close = difflib.get_close_matches(frag, there, n=1)
                    yield error(w.path, w.line, w.column, f"{field}: no annotation '{frag}' in document '{doc_id}'",
                                f"did you mean '{close[0]}'?" if close else
                                (f"annotations in {doc_id}: {', '.join(there[:8])}" if there else
                                 f"give the annotation an id in annotations/{doc_id}.yaml and point to it"))
                elif field == "same-as" and found.kind != "quote":
                    yield error(w.path, w.line, w.column, f"same-as: '{target}' is a {found.kind}, not a quote",
                                "same-as links two reports of one statement")


def group_statements(
    docs: Sequence[AnchoredDoc], passages: dict[PassageRef, Span]
) -> tuple[tuple[Statement, ...], dict[PassageRef, int]]:
    quotes = [(PassageRef(d.meta.id, s.id), s) for d in docs for s in d.spans if s.kind == "quote"]
    position = {ref: i for i, (ref, _) in enumerate(quotes)}
    uf = _UnionFind(len(quotes))
    for i, (_, span) in enumerate(quotes):
        other = same_as_ref(span)
        j = position.get(other) if other else None
        if j is not None:
            uf.union(i, j)
    grams = [shingles(normalise(span.annotation.selector.text)) for _, span in quotes]
    postings: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for sh in g:
            postings[sh].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in postings.values():
        if len(ids) > MAX_SHINGLE_POSTINGS:
            continue
        for a_i, a in enumerate(ids):
            for b in ids[a_i + 1:]:
                shared[(a, b)] += 1
    for (a, b), n in shared.items():
        if same_words(quotes[a], quotes[b], n, len(grams[a]), len(grams[b])):
            uf.union(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(quotes)):
        groups[uf.find(i)].append(i)
    statements: list[Statement] = []
    statement_of: dict[PassageRef, int] = {}
    for root in sorted(groups):
        members = groups[root]
        if len(members) < 2:
            continue
        for i in members:
            statement_of[quotes[i][0]] = len(statements)
        statements.append(statement([quotes[i] for i in members]))
    return tuple(statements), statement_of


# The rules of a statement, shared with builder.prepare.relink (which keeps statements up to date
# quote by quote while `serve` runs): one definition, two ways of applying it.

def same_as_ref(span: Span) -> PassageRef | None:
    """The quote a `same-as` names, if the quote has one."""
    if not span.annotation.same_as:
        return None
    _, doc_id, frag = parse_target(span.annotation.same_as)
    return PassageRef(DocId(doc_id), AnnotationId(frag))


def same_words(a: tuple[PassageRef, Span], b: tuple[PassageRef, Span], shared: int, grams_a: int, grams_b: int) -> bool:
    """Do two quotes that share `shared` of their shingles report the same words?"""
    (ref_a, span_a), (ref_b, span_b) = a, b
    if ref_a.doc == ref_b.doc and span_a.start < span_b.end and span_b.start < span_a.end:
        return False  # a quote nested in another (a speaker quoting someone) is not a second report
    smaller = min(grams_a, grams_b)
    return bool(smaller) and shared / smaller >= MIN_OVERLAP


def statement(members: Sequence[tuple[PassageRef, Span]]) -> Statement:
    """Quotes of one statement, in corpus order, with their speakers in order of appearance."""
    speakers = tuple(dict.fromkeys(s.annotation.speaker for _, s in members if s.annotation.speaker))
    return Statement(tuple(r for r, _ in members), speakers)  # type: ignore[arg-type]


def related_documents(docs: Sequence[AnchoredDoc], statements: Sequence[Statement], names: Mapping[EntityId, str]
             ) -> dict[DocId, tuple[Related, ...]]:
    reasons: dict[DocId, dict[DocId, tuple[float, str]]] = defaultdict(dict)

    def add(a: DocId, b: DocId, weight: float, why: str) -> None:
        if a == b:
            return
        old = reasons[a].get(b)
        if old is None or weight > old[0]:
            reasons[a][b] = (weight, why)

    for doc in docs:
        for span in doc.spans:
            target = span.annotation.to or span.annotation.same_as
            if target and target.startswith("doc:"):
                other = DocId(parse_target(target)[1])
                add(doc.meta.id, other, 100.0, "linked from this document")
                add(other, doc.meta.id, 90.0, "links to this document")
    for st in statements:
        in_docs = sorted({p.doc for p in st.passages})
        for a in in_docs:
            for b in in_docs:
                add(a, b, 80.0, "reports the same statement")
    entity_sets = {d.meta.id: {s.annotation.entity for s in d.spans if s.kind == "mention" and s.annotation.entity}
                   for d in docs}
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
    shared_weight: dict[DocId, dict[DocId, float]] = defaultdict(dict)
    for e, ds in sorted(by_entity.items()):
        w = math.log(n / df[e])
        for a in ds:   # the hot loop of linking: Σ df² updates, so nothing in it but the sum
            row = shared_weight[a]
            get = row.get
            for b in ds:
                row[b] = get(b, 0.0) + w
    for a, row in shared_weight.items():
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


def order_timeline(docs: Sequence[AnchoredDoc]) -> tuple[TimelineEntry, ...]:
    entries: list[TimelineEntry] = []
    for doc in docs:
        if doc.meta.published:
            entries.append(TimelineEntry(doc.meta.published, doc.meta.title, doc.meta.id, None, "published"))
        for span in doc.spans:
            ann = span.annotation
            if span.kind == "date" and ann.event and ann.date:
                entries.append(TimelineEntry(ann.date, ann.event, doc.meta.id, span.id, "event"))
    order = {d.meta.id: i for i, d in enumerate(docs)}
    entries.sort(key=lambda e: (e.date.lower, e.date.upper, order[e.doc], e.kind != "published", e.ref or ""))
    return tuple(entries)


def by_entity(docs: Sequence[AnchoredDoc]
               ) -> tuple[dict[EntityId, tuple[PassageRef, ...]], dict[EntityId, tuple[PassageRef, ...]]]:
    """Mentions by the entity they name, and quotes by their speaker, each in corpus order."""
    mentions: dict[EntityId, list[PassageRef]] = defaultdict(list)
    quotes: dict[EntityId, list[PassageRef]] = defaultdict(list)
    for doc in docs:
        doc_id = doc.meta.id
        for span in doc.spans:
            ann = span.annotation
            if ann.kind == "mention" and ann.entity:
                mentions[ann.entity].append(PassageRef(doc_id, span.id))
            elif ann.kind == "quote" and ann.speaker:
                quotes[ann.speaker].append(PassageRef(doc_id, span.id))
    return {k: tuple(v) for k, v in mentions.items()}, {k: tuple(v) for k, v in quotes.items()}
