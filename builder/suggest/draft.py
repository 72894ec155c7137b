"""One document's suggestions: quotes with speakers, dates, mentions and proposed entities.

`draft` reads a prepared document (read, cleaned and anchored by the pipeline's own steps,
so a suggestion anchors exactly as the annotation an author copies from it) and the
entities; it returns a `Drafted` record. Passages the author has already annotated are not
proposed again; with `blind`, the document's own annotations are left out altogether, as
`glossator suggest --score` needs (alias mentions still count: they come from
entities.yaml, not from the sidecar).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from builder.core.diagnostics import warning
from builder.core.models import AnchoredDoc, DocId, Entity, Selector, Span
from builder.prepare import anchoring
from builder.prepare.anchoring import Aliases
from builder.suggest import dates as dating, mentions as naming, quotes as quoting, speakers as attributing
from builder.suggest.dateline import dateline
from builder.suggest.names import all_names
from builder.suggest.records import Drafted, Suggestion
from builder.suggest.selectors import selector

DEFAULT_MIN_CONFIDENCE = 0.5


def draft(doc: AnchoredDoc, entities: Sequence[Entity], aliases: Aliases, blind: bool = False) -> Drafted:
    clean, text = doc.doc, doc.doc.text
    if blind:
        spans: Sequence[Span] = anchoring.alias_mentions(clean, aliases.pattern, aliases.table, ())[0]
        written: list[Span] = []
    else:
        spans = doc.spans
        written = [s for s in doc.spans if not s.auto]
    taken = {kind: [(s.start, s.end) for s in written if s.kind == kind] for kind in ("quote", "date", "mention")}
    names = all_names(text, spans, entities)
    quoted = quoting.find_quotes(text, clean.paragraphs)
    said = attributing.attribute(text, clean.paragraphs, quoted, names)
    quotes: list[Suggestion] = []
    for q, a in zip(quoted, said):
        if _overlaps(q.start, q.end, taken["quote"]):
            continue
        likeness, reason = quoting.speech_likeness(text, q, a.adjacent, a.in_sentence)
        why = "; ".join(w for w in (a.why, reason, "runs on into the next paragraph" if q.runs_on else "") if w)
        quotes.append(Suggestion("quote", q.start, q.end, selector(clean, q.start, q.end),
                                 round(likeness * a.confidence, 2), why, speaker=a.speaker))
    found_dates, unresolved = dating.find_dates(text, dateline(doc.meta.published),
                                                [(q.open, q.end if q.close is None else q.close) for q in quoted])
    dated = [Suggestion("date", d.start, d.end, selector(clean, d.start, d.end), d.confidence, d.why, date=d.value)
             for d in found_dates if not _overlaps(d.start, d.end, taken["date"])]
    titles = {e.id: e.name for e in entities} | {n.id: n.text for n in names if not n.known}
    roles = [(a.role[0], a.role[1], a.role[2], 0.6, f"the speaker of a quotation, read as {titles.get(a.role[2], a.role[2])}")
             for a in said if a.role is not None]
    mentioned: dict[tuple[int, int], Suggestion] = {}
    for start, end, entity, confidence, why in (*naming.known_mentions(text, names, titles), *roles):
        if (start, end) not in mentioned and not _overlaps(start, end, taken["mention"]) and not _alias_at(
                spans, start, end, entity):
            mentioned[(start, end)] = Suggestion("mention", start, end, selector(clean, start, end), confidence, why,
                                                 entity=entity)
    whole_quotes = {(q.start, q.end) for q in quoted}     # "Pier Plan" in marks: a title, not a name to propose
    fresh = [n for n in names if not n.known and not _overlaps(n.start, n.end, taken["mention"])
             and (n.start, n.end) not in whole_quotes]
    proposed = naming.proposed_entities(clean, fresh, {a.speaker for a in said if a.speaker})
    found = ()
    if doc.meta.published is None and unresolved:
        row = doc.meta.where
        found = (warning(row.path, row.line, 1, f"{doc.meta.id} has no published date: {unresolved} relative date "
                         f"expression{'s were' if unresolved != 1 else ' was'} not resolved",
                         "give the document a published date in seeds/INDEX.md (EDTF: 2024-05-28, 2021-08, 2017?)"),)
    return Drafted(DocId(doc.meta.id), tuple(quotes), tuple(dated), tuple(sorted(mentioned.values(), key=_order)),
                   tuple(proposed), found)


def at_least(drafted: Drafted, threshold: float) -> Drafted:
    """Only the suggestions as confident as `threshold` or more."""
    def keep(items: Iterable[Suggestion]) -> tuple[Suggestion, ...]:
        return tuple(s for s in items if s.confidence >= threshold)

    return Drafted(drafted.doc, keep(drafted.quotes), keep(drafted.dates), keep(drafted.mentions),
                   tuple(e for e in drafted.entities if e.confidence >= threshold), drafted.diagnostics)


def without(drafted: Drafted, doc: AnchoredDoc, rejected: Sequence[tuple[str, Selector]]) -> Drafted:
    """The suggestions but those on a passage the author rejected for that kind (found where the
    rejected selector anchors in the reading text now)."""
    if not rejected:
        return drafted
    turned_down = set()
    for kind, sel in rejected:
        start = anchoring.locate(doc.doc, sel)[0]
        if start is not None:
            turned_down.add((kind, start, start + len(sel.text)))

    def keep(items: Iterable[Suggestion]) -> tuple[Suggestion, ...]:
        return tuple(s for s in items if (s.kind, s.start, s.end) not in turned_down)

    return Drafted(drafted.doc, keep(drafted.quotes), keep(drafted.dates), keep(drafted.mentions), drafted.entities,
                   drafted.diagnostics)


def at(drafted: Drafted, start: int, end: int) -> dict[str, Suggestion]:
    """For a selection [start, end): per kind, the suggestion that overlaps it most (what the
    authoring toolbar proposes: a date's value, a quote's speaker, a mention's entity)."""
    best: dict[str, tuple[int, Suggestion]] = {}
    for s in (*drafted.quotes, *drafted.dates, *drafted.mentions):
        overlap = min(end, s.end) - max(start, s.start)
        if overlap > 0 and overlap > best.get(s.kind, (0, s))[0]:
            best[s.kind] = (overlap, s)
    return {kind: s for kind, (_, s) in best.items()}


def _order(s: Suggestion) -> tuple[int, int]:
    return s.start, s.end


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a < end and start < b for a, b in spans)


def _alias_at(spans: Sequence[Span], start: int, end: int, entity: str) -> bool:
    return any(s.start == start and s.end == end and s.annotation.entity == entity for s in spans if s.kind == "mention")
