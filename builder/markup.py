"""Nested and overlapping spans over text → well-formed HTML.

Annotations may nest and overlap; HTML elements may only nest. Where two spans
cross, the inner one is closed and reopened as a continuation fragment (only the
first fragment carries the id), so the page stays well-formed and every
annotation stays visible. The text of the output equals the input text.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence


@dataclass(frozen=True)
class Markup:
    """How one span is drawn: pure data, produced by the render stage."""

    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    first_attrs: tuple[tuple[str, str], ...] = ()   # only on the first fragment (e.g. id)
    lead: str = ""        # HTML placed just inside the first fragment (no text content)
    trail: str = ""       # HTML placed after the last fragment, outside any <a>
    rank: int = 0         # for equal ranges: lower rank is the outer element

    @property
    def is_anchor(self) -> bool:
        return self.tag == "a"


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' {k}="{escape(v, quote=True)}"' for k, v in pairs)


def render_spans(text: str, spans: Sequence[Markup], offset: int = 0) -> str:
    """HTML for `text` (which starts at `offset` of the document) with `spans` applied.

    Spans are clipped to the text; a span clipped at its start is a continuation
    (no id, no lead) and one clipped at its end defers its trail to a later call.
    """
    end_of_text = offset + len(text)
    local = [s for s in spans if s.start < end_of_text and s.end > offset and s.end > s.start]
    local.sort(key=lambda s: (s.start, -s.end, s.rank))
    bounds = sorted({offset, end_of_text, *(max(s.start, offset) for s in local), *(min(s.end, end_of_text) for s in local)})
    out: list[str] = []
    stack: list[Markup] = []
    pending: list[str] = []
    i = 0

    def open_(s: Markup, first: bool) -> None:
        tag = s.tag
        if s.is_anchor and any(o.is_anchor for o in stack):
            tag = "span"  # an <a> may not hold another: degrade the inner one
            attrs = tuple((k, v) for k, v in s.attrs if k != "href")
        else:
            attrs = s.attrs
        out.append(f"<{tag}{_attrs(attrs + (s.first_attrs if first else ()))}>")
        if first and s.lead:
            out.append(s.lead)
        stack.append(s)

    def close_top() -> Markup:
        s = stack.pop()
        tag = s.tag if not (s.is_anchor and any(o.is_anchor for o in stack)) else "span"
        out.append(f"</{tag}>")
        return s

    def flush_pending() -> None:
        if pending and not any(o.is_anchor for o in stack):
            out.extend(pending)
            pending.clear()

    for pos, nxt in zip(bounds, bounds[1:] + [None]):
        ending = [s for s in stack if min(s.end, end_of_text) == pos]
        if ending:
            lowest = min(stack.index(s) for s in ending)
            reopen = [s for s in stack[lowest:] if s not in ending]
            while len(stack) > lowest:
                s = close_top()
                if s in ending and s.trail and s.end <= end_of_text:
                    pending.append(s.trail)
            flush_pending()
            for s in reopen:
                open_(s, first=False)
        while i < len(local) and max(local[i].start, offset) == pos:
            s = local[i]
            open_(s, first=s.start >= offset)
            i += 1
        if nxt is not None and nxt > pos:
            out.append(escape(text[pos - offset:nxt - offset], quote=False))
    while stack:
        close_top()
    out.extend(pending)
    return "".join(out)
