"""A document's annotated text: spans → nested elements, paragraphs → blocks, and the source view.

Pure functions from the linked corpus to HTML fragments. What is placed beside the author's
words (a quote's chip, a conflict's links, a cross-link's arrow) and how blocks and source
lines are wrapped come from the theme's `_reading.html` macros (`Pieces`); templates place
the result.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from html import escape
from urllib.parse import quote
from typing import Any, Callable, Mapping, Protocol, Sequence

from markupsafe import Markup as HTML   # markup that templates print as it is (spans.Markup is an annotation's element)

from builder.core import urls
from builder.html import markdown, sourcediff as srcdiff
from builder.core.edtf import Edtf
from builder.html.spans import Markup, render_spans
from builder.core.models import AnchoredDoc, AnnotationId, DocId, Entity, EntityId, Linked, Mark, PassageRef, SitePath, Span, Summary, Target

RANK = {"quote": 0, "link": 1, "note": 2, "date": 3, "mention": 4}
PIECES = {   # _reading.html's macros and the arguments each is called with
    "speaker_chip": ("name", "via", "initials", "short"), "conflict_link": ("href", "name", "title"),
    "go_link": ("href", "label", "external"), "reading_text": ("blocks",), "source_lines": ("rows",),
}


class Pieces(Protocol):
    """The theme's `_reading.html`: each macro returns escaped HTML (see that template)."""

    def speaker_chip(self, name: str, via: str | None, initials: str, short: str | None) -> str: ...
    def conflict_link(self, href: str, name: str, title: str) -> str: ...
    def go_link(self, href: str, label: str, external: bool) -> str: ...
    def reading_text(self, blocks: list[tuple[str, str]]) -> str: ...
    def source_lines(self, rows: list[tuple[int, str, str, list[str]]]) -> str: ...


@dataclass(frozen=True)
class Context:
    """Lookups a document page needs, built once per corpus, and the theme's pieces."""

    linked: Linked
    entities: Mapping[EntityId, Entity]
    titles: Mapping[DocId, str]
    pieces: Pieces
    chips: dict[tuple[str, str | None, str | None], str] = field(default_factory=dict, compare=False)

    def chip(self, name: str, via: str | None, short: str | None) -> str:
        """A quote's chip: the same for every quote of a speaker (through a go-between), so made
        once; `short`, the name it shows (the first quote of a speaker in a paragraph), or None."""
        key = (name, via, short)
        made = self.chips.get(key)
        if made is None:
            made = self.chips[key] = str(self.pieces.speaker_chip(name, via, initials(name), short))
        return made

    @cached_property
    def statement_of(self) -> dict[tuple[DocId, AnnotationId], int]:
        """linked.statement_of by (document, annotation): no PassageRef to make and hash for every quote."""
        return {(ref.doc, ref.id): i for ref, i in self.linked.statement_of.items()}


def marks(doc: AnchoredDoc, ctx: Context) -> list[str]:
    """The kinds of mark the document's text shows, for its key, in the key's order."""
    found = set()
    for s in doc.spans:
        ann = s.annotation
        found.add(ann.kind)
        if ann.kind == "quote" and ann.note:
            found.add("note")
    if any(ctx.linked.statements[i].conflict for s in doc.spans
           if (i := ctx.statement_of.get((doc.meta.id, s.id))) is not None):
        found.add("conflict")
    return [k for k in ("quote", "date", "mention", "note", "link", "conflict") if k in found]


def page_data(doc: AnchoredDoc, ctx: Context, page: SitePath, base_url: str) -> dict[str, Any]:
    """What the chip panels and citations read (the page's JSON): the document, its quotes, their speakers."""
    meta = doc.meta
    quotes: dict[str, dict[str, Any]] = {}
    speakers: dict[str, dict[str, Any]] = {}
    for s in doc.spans:
        ann = s.annotation
        if ann.kind != "quote":
            continue
        via = ctx.entities.get(ann.via) if ann.via else None
        quotes[s.id] = {"speaker": ann.speaker or "", "text": quote_of(doc, s), **({"via": via.name} if via else {})}
        ent = ctx.entities.get(ann.speaker) if ann.speaker else None
        if ent is not None and ent.id not in speakers:
            family, _, given = ent.sort_key_name.partition(", ")
            speakers[ent.id] = {"name": ent.name, "href": urls.relative(urls.entity_page(ent.id), page),
                                "description_html": markdown.render(ent.description) if ent.description else "",
                                **({"family": family, "given": given} if ent.kind == "person" else {})}
    return {
        "doc": {"id": meta.id, "title": meta.title, "source": meta.source or "",
                "published": meta.published.html if meta.published else "",
                "published_label": meta.published.label if meta.published else ""},
        "canonical": (base_url + page) if base_url else "",
        "quotes": quotes, "speakers": speakers,
    }


@lru_cache(maxsize=4096)
def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() for p in (parts[:1] + parts[-1:] if len(parts) > 1 else parts)) or "?"


@lru_cache(maxsize=8192)
def date_view(date: Edtf) -> tuple[str, str | None, str]:
    """(datetime attribute, EDTF text when the attribute cannot say it all or None, label) of a date."""
    return date.html, None if date.exact else date.text, date.label


def target_href(target: Target, ctx: Context, page: SitePath) -> tuple[str, str]:
    """(href, label) for a link annotation's `to`."""
    if target.kind == "doc":
        doc = DocId(target.id)
        return urls.relative(urls.doc_page(doc), page, target.fragment), ctx.titles.get(doc, target.id)
    if target.kind == "entity":
        ent = ctx.entities.get(EntityId(target.id))
        return urls.relative(urls.entity_page(EntityId(target.id)), page), ent.name if ent else target.id
    return safe_url(target.id), target.id


def safe_url(url: str) -> str:
    """An author's URL as a valid href: characters a URL may not hold are percent-encoded."""
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def span_markup(doc: AnchoredDoc, span: Span, ctx: Context, page: SitePath,
                held: Sequence[Span] = (), in_link: bool = False, named: bool = False) -> Markup:
    """One annotation's element. `held`: for a mention, the focusable annotations its link holds;
    `in_link`: for a focusable one, that it sits inside a mention's link (see `link_holds`);
    `named`: for a quote, that its chip shows the speaker's name (see `named_quotes`)."""
    ann = span.annotation
    kind = ann.kind   # span.kind, without a property call for each test below
    first = (("id", span.id),)
    if kind == "quote":
        speaker = ctx.entities.get(ann.speaker) if ann.speaker else None
        name = speaker.name if speaker else "unknown speaker"
        classes = "quote"
        trail = ""
        st_index = ctx.statement_of.get((doc.meta.id, span.id))
        if st_index is not None:
            ref = PassageRef(doc.meta.id, span.id)
            st = ctx.linked.statements[st_index]
            if st.conflict:
                classes += " conflict"
                others = [p for p in st.passages if p != ref and ctx.linked.passages[p].speaker != ann.speaker]
                for other in others[:3]:
                    o_speaker = ctx.linked.passages[other].speaker
                    o_name = ctx.entities[o_speaker].name if o_speaker in ctx.entities else "?"
                    href = urls.relative(urls.doc_page(other.doc), page, other.id)
                    trail += str(ctx.pieces.conflict_link(href, o_name, ctx.titles.get(other.doc, other.doc)))
            elif st.travelled:
                classes += " travelled"
        via = ctx.entities.get(ann.via) if ann.via else None
        lead = ctx.chip(name, via.name if via else None, (speaker.short_name if speaker else name) if named else None)
        attrs = (("class", classes), ("data-speaker", ann.speaker or ""))
        if ann.note:  # the note is listed beside the text; the quote opens it on focus
            attrs = (("class", classes + " has-note"), attrs[1], ("aria-describedby", f"{span.id}-body"))
            if not in_link:
                first += (("tabindex", "0"),)
        return Markup(span.start, span.end, "span", attrs, first, lead=lead, trail=trail, rank=RANK["quote"])
    if kind == "date" and ann.date:
        datetime, edtf, label = date_view(ann.date)
        attrs: tuple[tuple[str, str], ...] = (("datetime", datetime),) + (() if edtf is None else (("data-edtf", edtf),))
        attrs += (("data-label", label), ("title", label), ("class", "date"))
        # Focusable once (not on every fragment), and never inside a link: the link is the stop then.
        return Markup(span.start, span.end, "time", attrs, first + ((("tabindex", "0"),) if not in_link else ()),
                      rank=RANK["date"])
    if kind == "mention" and ann.entity:
        ent = ctx.entities.get(ann.entity)
        href = urls.relative(urls.entity_page(ann.entity), page)
        title = ent.name if ent else ann.entity
        if not held:   # most mentions hold nothing: no lists to build
            return Markup(span.start, span.end, "a", (("class", "mention" if span.auto else "mention explicit"),
                          ("data-entity", ann.entity), ("href", href), ("title", title)), first, rank=RANK["mention"])
        dates = [h.annotation.date.label for h in held if h.kind == "date" and h.annotation.date]
        if dates:
            title += " · " + ", ".join(dates)
        attrs = (("class", "mention" + ("" if span.auto else " explicit") + " holds"),
                 ("data-entity", ann.entity), ("href", href), ("title", title))
        notes = " ".join(f"{h.id}-body" for h in held if h.kind != "date")
        if notes:
            attrs += (("aria-describedby", notes),)
        return Markup(span.start, span.end, "a", attrs, first, rank=RANK["mention"])
    if kind == "link" and ann.to:
        href, label = target_href(ann.to, ctx, page)
        go = str(ctx.pieces.go_link(href, label, ann.to.kind == "url"))
        return Markup(span.start, span.end, "span", (("class", "xref"), ("data-href", href)), first,
                      trail=go, rank=RANK["link"])
    if kind == "note":
        return Markup(span.start, span.end, "span",
                      (("class", "note"), ("aria-describedby", f"{span.id}-body")),
                      first + ((("tabindex", "0"),) if not in_link else ()), rank=RANK["note"])
    return Markup(span.start, span.end, "span", (("class", kind),), first)


def quote_of(doc: AnchoredDoc, span: Span) -> str:
    return doc.doc.text[span.start:span.end]


def focusable(span: Span) -> bool:
    """Annotations that take keyboard focus: dates, notes, and quotes that carry a note."""
    return span.kind in ("date", "note") or (span.kind == "quote" and bool(span.annotation.note))


def link_holds(spans: Sequence[Span]) -> dict[AnnotationId, list[Span]]:
    """For each mention, the focusable annotations that nesting would put inside its <a>.

    An element that takes focus may not sit inside a link (HTML forbids it, and a
    keyboard would meet two stops in one place). Such a date or note gives up its
    own tab stop; the link becomes the stop and describes it instead. The nesting
    rule is render_spans': the span that starts first, or is longer, is outside;
    for equal ranges the mention (highest rank) is inside.
    """
    mentions = sorted((s for s in spans if s.annotation.kind == "mention"), key=lambda s: (s.start, -s.end))
    if not mentions:
        return {}
    starts = [m.start for m in mentions]
    longest = max(m.end - m.start for m in mentions)
    held: dict[AnnotationId, list[Span]] = {}
    for f in spans:
        ann = f.annotation   # focusable(f), inline: this runs for every annotation of every document
        if not (ann.kind == "date" or ann.kind == "note" or (ann.kind == "quote" and ann.note)):
            continue
        i = bisect.bisect_right(starts, f.start) - 1
        while i >= 0 and mentions[i].start >= f.start - longest:
            m = mentions[i]
            if m.start <= f.start < m.end and (m.start < f.start or m.end > f.end):
                held.setdefault(m.id, []).append(f)   # every link around it (an inner one may be degraded)
            i -= 1
    return held


def named_quotes(doc: AnchoredDoc) -> set[AnnotationId]:
    """The quotes whose chip shows the speaker's name: each speaker's first in each paragraph."""
    starts = [p.start for p in doc.doc.paragraphs]
    seen: set[tuple[int, EntityId | None]] = set()
    named: set[AnnotationId] = set()
    for s in sorted((s for s in doc.spans if s.annotation.kind == "quote"), key=lambda s: (s.start, s.id)):
        key = (bisect.bisect_right(starts, s.start) - 1, s.annotation.speaker)
        if key not in seen:
            seen.add(key)
            named.add(s.id)
    return named


def by_paragraph(doc: AnchoredDoc, markups: Sequence[Markup]) -> list[list[Markup]]:
    """The markups that touch each paragraph (a span may cross paragraphs), in one pass."""
    starts = [p.start for p in doc.doc.paragraphs]
    buckets: list[list[Markup]] = [[] for _ in starts]
    after, before = bisect.bisect_right, bisect.bisect_left
    for m in markups:
        first = after(starts, m.start) - 1
        if first < 0:
            first = 0
        last = before(starts, m.end) - 1
        if last <= first:   # most markups lie in one paragraph
            buckets[first].append(m)
        else:
            for i in range(first, last + 1):
                buckets[i].append(m)
    return buckets


_MARK_TAGS = {"em": "em", "strong": "strong", "code": "code", "link": "a"}
_SOURCE_LINK = (("class", "source-link"), ("rel", "nofollow noopener"))


def mark_markup(mark: Mark) -> Markup:
    """The source's own emphasis, code or link: drawn inside the annotations over the same words."""
    attrs = (("href", mark.href), *_SOURCE_LINK) if mark.kind == "link" else ()
    return Markup(mark.start, mark.end, _MARK_TAGS[mark.kind], attrs, rank=100)


def reading_html(doc: AnchoredDoc, ctx: Context, page: SitePath) -> str:
    """The article's content: paragraphs with every annotation marked up."""
    holds = link_holds(doc.spans)
    in_link = {f.id for fs in holds.values() for f in fs}
    named = named_quotes(doc)
    markups = [span_markup(doc, s, ctx, page, holds.get(s.id, ()), s.id in in_link, s.id in named) for s in doc.spans]
    markups += [mark_markup(m) for m in doc.doc.marks]
    blocks = [(para.kind, HTML(render_spans(para.text, local, para.start)))
              for para, local in zip(doc.doc.paragraphs, by_paragraph(doc, markups))]
    return str(ctx.pieces.reading_text(blocks))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _control(m: re.Match[str]) -> str:
    code = ord(m.group())
    picture = chr(0x2400 + code) if code < 0x20 else ("\u2421" if code == 0x7F else f"U+{code:04X}")
    return f'<span class="ctl" title="control character U+{code:04X}">{picture}</span>'


def visible(text: str) -> str:
    """Source text as HTML: escaped, with control characters (not allowed in HTML) shown as symbols."""
    return _CONTROL.sub(_control, escape(text, quote=False))


def source_view_html(doc: AnchoredDoc, pieces: Pieces) -> str:
    """The raw source, block by block, with removals and replacements marked."""
    clean = doc.doc
    reasons: dict[int, list[str]] = {}
    for edit in clean.edits:
        reasons.setdefault(edit.block, []).append(edit.detail)
    rows: list[tuple[int, str, str, list[str]]] = []
    budget = srcdiff.Budget(sum(len(b.text) for b in clean.raw.blocks))
    for i, block in enumerate(clean.raw.blocks):
        after = clean.cleaned_blocks[i]
        why = [HTML(visible(w)) for w in reasons.get(i, [])]
        if after is None:
            rows.append((block.line, "removed", HTML(visible(block.text)), why))
        elif after != block.text:
            rows.append((block.line, "changed", HTML(srcdiff.diff_html(block.text, after, visible, budget)), why))
        else:
            rows.append((block.line, "same", HTML(visible(block.text)), []))
    return str(pieces.source_lines(rows))


def snippet(text: str, start: int, end: int, width: int = 90) -> tuple[str, str, str]:
    """(before, passage, after) around a passage, cut at word boundaries, for listings.
    `text` is read once, the passage and its surroundings (a build holds it on disk: builder.run.sealed)."""
    a = start - width if start > width else 0
    b = min(len(text), end + width)
    window = text[a:b]
    before = window[:start - a]
    if "\n\n" in before:   # most passages have no paragraph break this close: no list to make
        before = before.split("\n\n")[-1]
    after = window[end - a:]
    if "\n\n" in after:
        after = after[:after.index("\n\n")]
    if a > 0 and before and not before[0].isspace() and (space := before.find(" ")) >= 0:
        before = "…" + before[space + 1:]
    if b < len(text) and after and (space := after.rfind(" ")) >= 0:
        after = after[:space] + "…"
    return before, window[start - a:end - a], after


def speakers_in(doc: Summary) -> list[tuple[EntityId, int]]:
    """The speakers a document quotes, most quoted first, with their counts."""
    counts: dict[EntityId, int] = {}
    for speaker in doc.passages.names_of("speaker", "quote"):
        if speaker:
            counts[speaker] = counts.get(speaker, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


COUNTED = ("quote", "date", "mention", "link", "note")   # the kinds of annotation the documents list counts


def row_of(doc: Summary) -> tuple[tuple[tuple[str, int], ...], tuple[EntityId, ...]]:
    """What a document's row in the documents list shows besides its metadata: its
    annotations counted by kind (COUNTED's first), and its speakers."""
    kinds = {**dict.fromkeys(COUNTED, 0), **doc.passages.counts()}
    return tuple(kinds.items()), tuple(sorted({s for s in doc.passages.names_of("speaker", "quote") if s}))


class SpanOf:
    """A listed passage's span (`span` in a passage's context), found in its document only if a
    template reads it: the default theme does not, and a listing then opens no document."""

    __slots__ = ("_find",)

    def __init__(self, find: Callable[[], Span]) -> None:
        self._find = find

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - the span's own fields
        return getattr(self._find(), name)

    def __str__(self) -> str:
        return str(self._find())
