"""Statements: quotes that report the same words, joined by `same-as` or by shared word shingles.

A statement with more than one speaker is a conflicting attribution. `Statements` is the
one grouping: a full build adds every quote at once, a live server adds and removes the
quotes of the documents an edit changed, and both get the same statements.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections import Counter, defaultdict
from itertools import count, repeat
from operator import lshift, or_
from typing import Callable, Iterable, NamedTuple, Sequence

from builder.core.models import AnnotationId, DocId, Passage, PassageRef, Statement

SHINGLE = 3                 # words per shingle (Statements.packed counts on three)
MIN_OVERLAP = 0.6           # shared shingles / shingles of the shorter quote
MAX_SHINGLE_POSTINGS = 50   # a shingle in more quotes than this is a stock phrase, not evidence
WORD_BITS = 21              # bits of a word's number in a packed shingle (`Statements.packed`)
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


def same_as_ref(span: Passage) -> PassageRef | None:
    """The quote a `same-as` names, if the quote has one."""
    target = span.same_as
    return None if target is None else PassageRef(DocId(target.id), AnnotationId(target.fragment))


def same_words(a: tuple[PassageRef, Passage], b: tuple[PassageRef, Passage], shared: int, grams_a: int, grams_b: int) -> bool:
    """Do two quotes that share `shared` of their shingles report the same words?"""
    return enough_shared(shared, grams_a, grams_b) and not nested(a, b)


def enough_shared(shared: int, grams_a: int, grams_b: int) -> bool:
    """Do two quotes of `grams_a` and `grams_b` shingles share enough of them to be one statement?"""
    smaller = min(grams_a, grams_b)
    return bool(smaller) and shared / smaller >= MIN_OVERLAP


def nested(a: tuple[PassageRef, Passage], b: tuple[PassageRef, Passage]) -> bool:
    """Is one quote inside the other (a speaker quoting someone)? Then it is not a second report."""
    (ref_a, span_a), (ref_b, span_b) = a, b
    return ref_a.doc == ref_b.doc and span_a.start < span_b.end and span_b.start < span_a.end


def statement(members: Sequence[tuple[PassageRef, Passage]]) -> Statement:
    """Quotes of one statement, in corpus order, with their speakers in order of appearance."""
    speakers = tuple(dict.fromkeys(s.speaker for _, s in members if s.speaker))
    return Statement(tuple(r for r, _ in members), speakers)  # type: ignore[arg-type]


class _Said(NamedTuple):
    """What the pairs read of a quote besides its reference (pairs_of)."""

    words: str
    start: int
    end: int


def pairs_of(quotes: Sequence[tuple[str, str, str, int, int]]) -> bytes:
    """The pairs (Statements.pairs) of every quote of a corpus, given as (document, id, words,
    start, end) in corpus order, as linking asks them of a first link (linking.PairsOf): from
    those values alone, so that they can be found in a process of their own, whose heap (the
    shingles and their postings, ~6 KB a document) goes when it ends (builder.run.pipeline)."""
    found = Statements()
    found.update((), [(PassageRef(DocId(d), AnnotationId(i)), _Said(w, s, e)) for d, i, w, s, e in quotes])  # type: ignore[misc]
    return found.pairs()


class Statements:
    """linking's statements, kept up to date quote by quote, by linking's rules (same_words, same_as_ref).

    Quotes are grouped when a `same-as` joins them or when they share enough word
    shingles; the shingle postings and the pairs that pass are kept, so that an edit
    recomputes the pairs of the quotes it touched, not of the whole corpus.
    tests/test_linking.py checks it against a batch grouping (tests/oracles.py).

    Within, each quote is a number (`number`): counting the quotes a quote's shingles share
    hashes one per posting, and a PassageRef's hash is a Python call where an int's is not
    (at 10,000 documents, 2.7 million of them: a third of linking's time).
    """

    def __init__(self) -> None:
        self.number: dict[PassageRef, int] = {}
        self.ref: dict[int, PassageRef] = {}
        self._next = 0
        self.words: defaultdict[str, int] = defaultdict(count(1).__next__)   # each word of a quote a number
        self.grams: dict[int, tuple[int, ...]] = {}   # each quote's shingles, packed
        self.spans: dict[int, Passage] = {}
        # a shingle's quotes: most shingles are in one quote only, held as that quote, not as a
        # set of one (a set is 216 bytes: ~15 KB a document in all, 1.5 GB at 100,000)
        self.postings: dict[int, int | set[int]] = {}
        self.edges: dict[int, set[int]] = {}
        self._unposted = False    # restore()d: the shingles not counted yet

    def packed(self, text: str) -> tuple[int, ...]:
        """The shingles of a quote's words (`shingles`), each one int: its words' numbers side by
        side, WORD_BITS each. As tuples of strings, the shingles and their words took 1.8 KB a
        quote while linking ran (at 10,000 documents; 0.9 KB packed). A shingle with a word
        numbered past WORD_BITS is packed wider (`_pack`), so that no two shingles share a key."""
        ids = list(map(self.words.__getitem__, normalise(text)))   # a new word gets the next number
        if len(ids) >= SHINGLE and max(ids) >> WORD_BITS == 0:
            # shingles() and _pack() in one, in C: a << 2 * WORD_BITS | b << WORD_BITS | c for each three words
            return tuple(set(map(or_, map(or_, map(lshift, ids, repeat(2 * WORD_BITS)),
                                          map(lshift, ids[1:], repeat(WORD_BITS))), ids[2:])))
        return tuple({_pack(gram) for gram in shingles(ids)})   # type: ignore[arg-type]

    def pairs(self) -> bytes:
        """The pairs of quotes that share enough words, as the numbers of a fresh Statements
        that was given every quote in one update() (its numbers are the quotes' places in that
        order): two little-endian uint32 a pair, a first (the lower) then b. `restore` takes them back."""
        out = array("I", [n for a, bs in sorted(self.edges.items()) for b in sorted(bs) if a < b for n in (a, b)])
        if sys.byteorder != "little":
            out.byteswap()
        return out.tobytes()

    def restore(self, quotes: Sequence[tuple[PassageRef, Passage]], pairs: bytes) -> None:
        """A fresh Statements as update(added=quotes) would leave it, from the `pairs()` it found
        for those quotes (in an earlier build: every quote's words the same, in the same place),
        without counting a shingle. The shingles are counted the first time update() is asked
        for more (a live server's next edit); group() needs only the pairs."""
        assert not self.number, "restore() makes a fresh Statements"
        for q, (ref, span) in enumerate(quotes):
            self.number[ref] = q
            self.ref[q] = ref
            self.spans[q] = span
        self._next = len(quotes)
        numbers = array("I")
        numbers.frombytes(pairs)
        if sys.byteorder != "little":
            numbers.byteswap()
        edges = self.edges
        for a, b in zip(numbers[0::2], numbers[1::2]):
            edges.setdefault(a, set()).add(b)
            edges.setdefault(b, set()).add(a)
        self._unposted = True

    def _post_restored(self) -> None:
        """The shingles of quotes restore() took without counting them, posted (not paired: the
        pairs are known, and no shingle crossed the limit since they were found)."""
        self._unposted = False
        for q, span in self.spans.items():
            self._post(q, span, set())

    def _post(self, q: int, span: Passage, crossed: set[int]) -> None:
        """Quote q's shingles counted and posted; `crossed` gets each shingle this quote takes
        past the stock-phrase limit."""
        postings, get, limit = self.postings, self.postings.get, MAX_SHINGLE_POSTINGS
        grams = self.grams[q] = self.packed(span.words)
        self.spans[q] = span
        for sh in grams:
            post = get(sh)
            if post is None:          # most shingles: in this quote alone
                postings[sh] = q
            elif type(post) is int:
                if post != q:
                    postings[sh] = {post, q}
            else:
                if len(post) == limit:   # one more: past the limit (a stock phrase from now on)
                    crossed.add(sh)
                post.add(q)

    def update(self, removed: Iterable[PassageRef], added: Iterable[tuple[PassageRef, Passage]]) -> None:
        if self._unposted:
            self._post_restored()
        limit = MAX_SHINGLE_POSTINGS
        postings = self.postings
        crossed: set[int] = set()
        touched: set[int] = set()
        for ref in removed:
            q = self.number.pop(ref, None)
            if q is None:
                continue
            del self.ref[q]
            for sh in self.grams.pop(q, ()):
                post = postings[sh]
                if type(post) is int:     # this quote alone
                    del postings[sh]
                else:
                    if len(post) == limit + 1:   # one fewer: back within the limit
                        crossed.add(sh)
                    post.discard(q)
                    if len(post) == 1:   # a set holds two quotes or more
                        postings[sh] = next(iter(post))
            self.spans.pop(q, None)
            touched.add(q)
        for ref, span in added:
            q = self.number.get(ref)
            if q is None:
                q = self.number[ref] = self._next
                self.ref[q] = ref
                self._next += 1
            self._post(q, span, crossed)
            touched.add(q)
        for sh in crossed:
            touched.update(_members(self.postings.get(sh)))
        for a in touched:
            for b in self.edges.pop(a, ()):
                if b in self.edges:
                    self.edges[b].discard(a)
        for a in touched:
            if a in self.grams:
                for b in self._pairs(a):
                    self.edges.setdefault(a, set()).add(b)
                    self.edges.setdefault(b, set()).add(a)

    def _pairs(self, a: int) -> list[int]:
        """The quotes that share enough shingles with `a` to be the same statement."""
        shared: Counter[int] = Counter()
        for sh in self.grams[a]:
            post = self.postings[sh]
            if type(post) is int:
                shared[post] += 1
            elif len(post) <= MAX_SHINGLE_POSTINGS:
                shared.update(post)
        del shared[a]
        grams, quote_a, size_a = self.grams, (self.ref[a], self.spans[a]), len(self.grams[a])
        # same_words, its cheap half first: most candidates share a shingle or two
        return [b for b, n in shared.items()
                if enough_shared(n, size_a, len(grams[b])) and not nested(quote_a, (self.ref[b], self.spans[b]))]

    def group(self, position: Callable[[PassageRef], tuple[int, int]]) -> tuple[tuple[Statement, ...], dict[PassageRef, int]]:
        """Connected quotes as statements, ordered as linking orders them (by first quote)."""
        links: dict[int, set[int]] = {a: set(bs) for a, bs in self.edges.items() if bs}
        for q, span in self.spans.items():
            target = same_as_ref(span)
            other = self.number.get(target) if target is not None else None
            if other is not None and other != q:
                links.setdefault(q, set()).add(other)
                links.setdefault(other, set()).add(q)
        seen: set[int] = set()
        groups: list[list[PassageRef]] = []
        for start in links:
            if start in seen:
                continue
            seen.add(start)
            stack, members = [start], []
            while stack:
                q = stack.pop()
                members.append(self.ref[q])
                for other in links.get(q, ()):
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
            statements.append(statement([(r, self.spans[self.number[r]]) for r in members]))
        return tuple(statements), statement_of


def _pack(gram: tuple[int, ...]) -> int:
    """A shingle of word numbers as one int: in 63 bits when every number fits WORD_BITS (a
    shingle of fewer words, a short quote's, starts lower: numbers start at 1), else wider,
    past bit 63, each number in 64 bits."""
    if all(n >> WORD_BITS == 0 for n in gram):
        key = 0
        for n in gram:
            key = key << WORD_BITS | n
        return key
    key = 1
    for n in gram:
        key = key << 64 | n
    return key << 64


def _members(post: int | set[int] | None) -> Iterable[int]:
    return () if post is None else (post,) if type(post) is int else post
