"""Place every annotation on its document's reading text.

Text quote selectors (W3C Web Annotation) are resolved to character offsets;
aliases from entities.yaml become mentions in every document, longest match
first. The result is a sorted tuple of spans per document.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from builder.core.diagnostics import Diagnostic, error, warning
from builder.core.models import (
    AnchoredDoc, Annotation, AnnotationId, CleanDoc, Entity, EntityId, Selector, Sidecar, SourcePath, Span, Where,
)
from builder.core.normalisation import normalisation_look_alike
from builder.prepare.phrases import WholeWords, whole_words
from builder.core.urls import slugify

KIND_PREFIX = {"quote": "q", "date": "d", "mention": "m", "link": "l", "note": "n", "not-mention": "x"}


def derived_id(ann: Annotation) -> AnnotationId:
    """Depends only on the annotation itself, so others coming and going never change it."""
    s = ann.selector
    key = "\x1f".join((ann.kind, s.text, s.prefix, s.suffix, str(s.occurrence or "")))
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:6]
    words = slugify(" ".join(s.text.split()[:4]))[:40].strip("-")
    return AnnotationId(f"{KIND_PREFIX[ann.kind]}-{words}-{digest}" if words else f"{KIND_PREFIX[ann.kind]}-{digest}")


def find_all(text: str, needle: str) -> list[int]:
    out: list[int] = []
    start = text.find(needle)
    while start != -1:
        out.append(start)
        start = text.find(needle, start + 1)
    return out


def locate(doc: CleanDoc, sel: Selector) -> tuple[int | None, list[int], list[int]]:
    """(start or None, all matches of the text, the matches that fit prefix/suffix)."""
    text = doc.text
    hits = find_all(text, sel.text)
    fitting = [
        h for h in hits
        if (not sel.prefix or text[max(0, h - len(sel.prefix)):h] == sel.prefix)
        and (not sel.suffix or text[h + len(sel.text):h + len(sel.text) + len(sel.suffix)] == sel.suffix)
    ]
    if sel.occurrence is not None:
        return (fitting[sel.occurrence - 1] if sel.occurrence <= len(fitting) else None), hits, fitting
    return (fitting[0] if len(fitting) == 1 else None), hits, fitting


def source_line(doc: CleanDoc, offset: int) -> int:
    """The line of the source file the reading-text offset came from."""
    for p in reversed(doc.paragraphs):
        if p.start <= offset:
            return doc.raw.blocks[p.block].line
    return 1


def closest_passage(text: str, needle: str, limit: int = 4000) -> tuple[str, int] | None:
    """The passage of `text` most like `needle`, and its offset, for a 'did you mean' hint."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    n = max(1, len(needle.split()))
    if not words:
        return None
    best: tuple[float, int, int] = (0.0, 0, 0)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    step = max(1, len(words) // limit)
    for i in range(0, max(1, len(words) - n + 1), step):
        start, end = words[i][0], words[min(i + n, len(words)) - 1][1]
        matcher.set_seq1(text[start:end])
        if matcher.real_quick_ratio() > best[0] and matcher.quick_ratio() > best[0]:
            r = matcher.ratio()
            if r > best[0]:
                best = (r, start, end)
    if best[0] < 0.4:
        return None
    # Trim the window to the words that match, so the hint shows what to copy: whole words,
    # never a word cut where the needle's first or last letters happened to match.
    matcher.set_seq1(text[best[1]:best[2]])
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    start, end = best[1] + blocks[0].a, best[1] + blocks[-1].a + blocks[-1].size
    while start > best[1] and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < best[2] and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return text[start:end], start


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    before = text[max(0, start - width):start].split("\n")[-1]
    after = text[end:end + width].split("\n")[0]
    return f"…{before}[{text[start:end]}]{after}…"


def _not_found(doc: CleanDoc, ann: Annotation, hits: list[int], fitting: list[int]) -> Diagnostic:
    sel, w = ann.selector, ann.where
    short = sel.text if len(sel.text) <= 60 else sel.text[:57] + "…"
    if sel.occurrence is not None and fitting:
        return error(w.path, w.line, w.column,
                     f"{ann.kind}: occurrence {sel.occurrence} of {short!r} does not exist "
                     f"(it occurs {len(fitting)} time{'s' * (len(fitting) != 1)})")
    if hits and not fitting:
        where = "; ".join(f"line {source_line(doc, h)}: {_context(doc.text, h, h + len(sel.text))}" for h in hits[:5])
        return error(w.path, w.line, w.column,
                     f"{ann.kind}: {short!r} is in the text, but not with this prefix/suffix", where)
    look_alike = normalisation_look_alike(doc.text, sel.text)
    if look_alike:
        return error(w.path, w.line, w.column, f"{ann.kind}: text not found in {doc.raw.meta.id}: {short!r}",
                     f"the text has it, but it differs in Unicode normalisation: {look_alike}; "
                     "copy the passage from the text")
    close = closest_passage(doc.text, sel.text)
    hint = ""
    if close:
        passage, offset = close
        hint = f"the closest passage, {doc.raw.meta.file} line {source_line(doc, offset)}: {passage!r}"
        if passage.replace("’", "'").replace("“", '"').replace("”", '"') == sel.text.replace("’", "'").replace("“", '"').replace("”", '"'):
            hint += " (it differs only in quote marks: copy them from the text)"
    return error(w.path, w.line, w.column, f"{ann.kind}: text not found in {doc.raw.meta.id}: {short!r}",
                 hint or "the text must match the reading text exactly, after cleaning")


def _ambiguous(doc: CleanDoc, ann: Annotation, fitting: list[int]) -> Diagnostic:
    sel, w = ann.selector, ann.where
    lines = []
    befores = [doc.text[max(0, h - 20):h].split("\n")[-1] for h in fitting]
    for n, (h, before) in enumerate(zip(fitting[:8], befores), 1):
        unique = before.strip() and befores.count(before) == 1
        lines.append(f"occurrence {n}, line {source_line(doc, h)}: {_context(doc.text, h, h + len(sel.text))}"
                     + (f"  → prefix: {before!r}" if unique else f"  → occurrence: {n}"))
    short = sel.text if len(sel.text) <= 60 else sel.text[:57] + "…"
    return error(w.path, w.line, w.column,
                 f"{ann.kind}: {short!r} occurs {len(fitting)} times; say which with prefix, suffix or occurrence",
                 "\n".join(lines))


def anchor_sidecar(doc: CleanDoc, annotations: Sequence[Annotation]) -> tuple[list[Span], list[Diagnostic]]:
    spans: list[Span] = []
    diags: list[Diagnostic] = []
    ids: dict[str, Annotation] = {}
    for ann in annotations:
        start, hits, fitting = locate(doc, ann.selector)
        if start is None:
            diags.append(_ambiguous(doc, ann, fitting) if len(fitting) > 1 and ann.selector.occurrence is None
                         else _not_found(doc, ann, hits, fitting))
            continue
        ann_id = ann.id or derived_id(ann)
        if ann_id in ids:
            first = ids[ann_id]
            diags.append(error(ann.where.path, ann.where.line, ann.where.column,
                               f"annotation id '{ann_id}' is used twice in this document",
                               f"the first is at line {first.where.line}" +
                               ("; two annotations with the same kind and selector are one annotation written twice"
                                if ann.id is None else "")))
            continue
        ids[ann_id] = ann
        spans.append(Span(start, start + len(ann.selector.text), ann_id, ann))
    return spans, diags


def alias_table(entities: Iterable[Entity]) -> dict[str, tuple[EntityId, ...]]:
    table: dict[str, list[EntityId]] = defaultdict(list)
    for e in entities:
        for phrase in (e.name, *e.aliases):
            if e.id not in table[phrase]:
                table[phrase].append(e.id)
    return {k: tuple(v) for k, v in table.items()}


class _Intervals:
    """Does [start, end) overlap any of a fixed set of intervals? O(log n) per question."""

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        self.items = sorted(intervals)
        self.starts = [a for a, _ in self.items]
        longest = 0
        self.reach: list[int] = []   # the furthest end among intervals up to each index
        for _, b in self.items:
            longest = max(longest, b)
            self.reach.append(longest)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end) - 1   # last interval starting before `end`
        return i >= 0 and self.reach[i] > start


def alias_mentions(
    doc: CleanDoc, pattern: WholeWords, table: Mapping[str, tuple[EntityId, ...]], explicit: Sequence[Span],
) -> tuple[list[Span], dict[str, list[int]]]:
    """Auto mentions, and for aliases that name several entities, the undisambiguated hits."""
    blocked = _Intervals((s.start, s.end) for s in explicit if s.kind in ("mention", "not-mention"))
    spans: list[Span] = []
    collisions: dict[str, list[int]] = defaultdict(list)
    counts: dict[EntityId, int] = defaultdict(int)
    shared: dict[str, Annotation] = {}
    where = Where(SourcePath(f"seeds/{doc.meta.file}"), 1, 1)
    for m in pattern.finditer(doc.text):
        start, end = m.span()
        if blocked.overlaps(start, end):
            continue
        owners = table[m.group()]
        if len(owners) > 1:
            collisions[m.group()].append(start)
            continue
        counts[owners[0]] += 1
        ann = shared.get(m.group())
        if ann is None:   # one record per phrase: less to keep and to send between processes
            ann = shared[m.group()] = Annotation("mention", Selector(m.group()), where, entity=owners[0])
        spans.append(Span(start, end, AnnotationId(f"m-{owners[0]}-{counts[owners[0]]}"), ann, auto=True))
    return spans, collisions


@dataclass(frozen=True)
class Accented:
    """The names and aliases another Unicode normalisation writes otherwise (José: é as one
    character, or e and a combining accent), and those of them not in NFC."""

    phrases: tuple[str, ...] = ()
    not_nfc: tuple[str, ...] = ()


def accented(phrases: Iterable[str]) -> Accented:
    found = tuple(p for p in phrases if not p.isascii() and (
        not unicodedata.is_normalized("NFC", p) or not unicodedata.is_normalized("NFD", p)))
    return Accented(found, tuple(p for p in found if not unicodedata.is_normalized("NFC", p)))


def look_alike_phrases(text: str, names: Accented) -> Iterable[tuple[str, str]]:
    """(phrase, how it and the text differ) for each name or alias that the text holds only in
    another Unicode normalisation: it looks the same there, and is never found. An NFC text
    (nearly every one) is checked for the few phrases not in NFC only; with no accented phrase
    (most corpora), no text is looked at."""
    if not names.phrases:
        return
    for phrase in names.not_nfc if unicodedata.is_normalized("NFC", text) else names.phrases:
        look_alike = normalisation_look_alike(text, phrase)
        if look_alike:
            yield phrase, look_alike


@dataclass(frozen=True)
class Aliases:
    """Every entity name and alias, compiled once for the whole corpus."""

    pattern: WholeWords
    table: Mapping[str, tuple[EntityId, ...]]
    entities: Mapping[EntityId, Entity]
    accented: Accented = Accented()


def aliases(entities: Iterable[Entity]) -> Aliases:
    entities = tuple(entities)
    table = alias_table(entities)
    return Aliases(whole_words(table), table, {e.id: e for e in entities}, accented(table))


def anchor_document(doc: CleanDoc, sidecar: Sidecar | None, names: Aliases) -> tuple[AnchoredDoc, tuple[Diagnostic, ...]]:
    spans, diags = anchor_sidecar(doc, sidecar.annotations if sidecar else ())
    auto, collisions = alias_mentions(doc, names.pattern, names.table, spans)
    for phrase, offsets in sorted(collisions.items()):
        owners = names.table[phrase]
        w = names.entities[owners[-1]].where_of(phrase)
        places = "; ".join(f"line {source_line(doc, o)}: {_context(doc.text, o, o + len(phrase))}" for o in offsets[:5])
        diags.append(error(
            w.path, w.line, w.column,
            f"'{phrase}' is a name or alias of {' and '.join(owners)}; {len(offsets)} occurrence"
            f"{'s' * (len(offsets) != 1)} in {doc.meta.id} say{'s' * (len(offsets) == 1)} not which",
            f"in annotations/{doc.meta.id}.yaml add a mention (with entity:) or a not-mention for each: {places}",
        ))
    for phrase, look_alike in look_alike_phrases(doc.text, names.accented):
        w = names.entities[names.table[phrase][0]].where_of(phrase)
        diags.append(warning(w.path, w.line, w.column,
                             f"'{phrase}' is not found where a text has a look-alike of it that differs "
                             f"in Unicode normalisation ({look_alike})", "retype it, or copy it from the text"))
    visible = [s for s in spans if s.kind != "not-mention"] + auto
    visible.sort(key=lambda s: (s.start, -s.end, s.kind, s.id))
    return AnchoredDoc(doc, tuple(visible), sidecar.path if sidecar else None), tuple(diags)


def anchor(
    docs: Sequence[CleanDoc], sidecars: Sequence[Sidecar], entities: Sequence[Entity], entities_path: SourcePath,
) -> tuple[tuple[AnchoredDoc, ...], tuple[Diagnostic, ...]]:
    """Every document, one after the other (pipeline.check spreads them over cores)."""
    by_doc = {s.doc: s for s in sidecars}
    names = aliases(entities)
    out: list[AnchoredDoc] = []
    diags: list[Diagnostic] = []
    for doc in docs:
        anchored, found = anchor_document(doc, by_doc.get(doc.meta.id), names)
        out.append(anchored)
        diags.extend(found)
    return tuple(out), tuple(diags)
