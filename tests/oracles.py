"""Test-only oracles: simpler, slower ways to the builder's results, to check them against."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from builder.core.models import AnchoredDoc, Passage, PassageRef, Statement
from builder.prepare.summary import summarize
from builder.prepare.statements import MAX_SHINGLE_POSTINGS, normalise, same_as_ref, same_words, shingles, statement


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


def group_statements(
    docs: Sequence[AnchoredDoc], passages: dict[PassageRef, Passage]
) -> tuple[tuple[Statement, ...], dict[PassageRef, int]]:
    quotes = [(PassageRef(d.meta.id, p.id), p) for d in docs for p in summarize(d).passages if p.kind == "quote"]
    position = {ref: i for i, (ref, _) in enumerate(quotes)}
    uf = _UnionFind(len(quotes))
    for i, (_, span) in enumerate(quotes):
        other = same_as_ref(span)
        j = position.get(other) if other else None
        if j is not None:
            uf.union(i, j)
    grams = [shingles(normalise(p.words)) for _, p in quotes]
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
