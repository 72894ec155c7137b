"""Nested and overlapping spans over text → well-formed HTML.

Annotations may nest and overlap; HTML elements may only nest. Where two spans
cross, the inner one is closed and reopened as a continuation fragment (only the
first fragment carries the id), so the page stays well-formed and every
annotation stays visible. The text of the output equals the input text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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

    @cached_property
    def _open(self) -> tuple[str, str]:
        """(first open tag, continuation open tag)."""
        common = f"<{self.tag}{_attrs(self.attrs)}"
        return f"{common}{_attrs(self.first_attrs)}>", f"{common}>"

    def _open_degraded(self, first: bool) -> str:
        """As a <span>, for an <a> inside another <a>."""
        plain = tuple((k, v) for k, v in self.attrs if k != "href")
        return f"<span{_attrs(plain + (self.first_attrs if first else ()))}>"


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' {k}="{escape(v, quote=True)}"' for k, v in pairs)


def text_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _key(s: Markup) -> tuple[int, int, int]:
    return (s.start, -s.end, s.rank)


def render_spans(text: str, spans: Sequence[Markup], offset: int = 0) -> str:
    """HTML for `text` (which starts at `offset` of the document) with `spans` applied.

    Spans are clipped to the text; a span clipped at its start is a continuation
    (no id, no lead) and one clipped at its end defers its trail to a later call.
    """
    end_of_text = offset + len(text)
    local = sorted((s for s in spans if s.start < end_of_text and s.end > offset and s.end > s.start), key=_key)
    if not local:
        return text_escape(text)
    points = {offset, end_of_text}
    for s in local:
        points.add(s.start if s.start > offset else offset)
        points.add(s.end if s.end < end_of_text else end_of_text)
    bounds = sorted(points)
    out: list[str] = []
    stack: list[Markup] = []
    degraded: list[bool] = []   # parallel to stack: drawn as <span> because an <a> was open
    pending: list[str] = []
    anchors = 0
    i = 0

    def open_(s: Markup, first: bool) -> None:
        nonlocal anchors
        inner = s.is_anchor and anchors > 0
        out.append(s._open_degraded(first) if inner else s._open[0 if first else 1])
        if first and s.lead:
            out.append(s.lead)
        stack.append(s)
        degraded.append(inner)
        if s.is_anchor and not inner:
            anchors += 1

    def close_top() -> Markup:
        nonlocal anchors
        s = stack.pop()
        inner = degraded.pop()
        out.append("</span>" if inner else f"</{s.tag}>")
        if s.is_anchor and not inner:
            anchors -= 1
        return s

    for n, pos in enumerate(bounds):
        ending = [s for s in stack if (s.end if s.end < end_of_text else end_of_text) == pos]
        if ending:
            lowest = min(stack.index(s) for s in ending)
            reopen = [s for s in stack[lowest:] if s not in ending]
            while len(stack) > lowest:
                s = close_top()
                if s.trail and s.end <= end_of_text and s in ending:
                    pending.append(s.trail)
            if pending and not anchors:
                out.extend(pending)
                pending.clear()
            for s in reopen:
                open_(s, first=False)
        while i < len(local) and (local[i].start if local[i].start > offset else offset) == pos:
            open_(local[i], first=local[i].start >= offset)
            i += 1
        if n + 1 < len(bounds):
            out.append(text_escape(text[pos - offset:bounds[n + 1] - offset]))
    while stack:
        close_top()
    out.extend(pending)
    return "".join(out)
