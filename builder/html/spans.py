"""Nested and overlapping spans over text → well-formed HTML.

Annotations may nest and overlap; HTML elements may only nest. Where two spans
cross, the inner one is closed and reopened as a continuation fragment (only the
first fragment carries the id), so the page stays well-formed and every
annotation stays visible. The text of the output equals the input text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Sequence


class Markup(NamedTuple):
    """How one span is drawn: pure data, produced by the render stage.

    A NamedTuple rather than a frozen dataclass: as immutable, and made six times
    faster (every annotation of every document page makes one).
    """

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

    def _open(self, first: bool) -> str:
        """The open tag of the first fragment, or of a continuation."""
        if first and self.first_attrs:
            return f"<{self.tag}{_shared_attrs(self.attrs)}{_attrs(self.first_attrs)}>"
        return f"<{self.tag}{_shared_attrs(self.attrs)}>"

    def _open_degraded(self, first: bool) -> str:
        """As a <span>, for an <a> inside another <a>."""
        plain = tuple((k, v) for k, v in self.attrs if k != "href")
        return f"<span{_attrs(plain + (self.first_attrs if first else ()))}>"


try:  # markupsafe >= 3: escape() without wrapping the result in a new Markup, which costs twice the escaping
    from markupsafe import _escape_inner as markupsafe_escape
except ImportError:  # pragma: no cover - older markupsafe
    import markupsafe

    def markupsafe_escape(s: str) -> str:
        return str(markupsafe.escape(s))


def attr_escape(value: str) -> str:
    """html.escape(value), in a third of its time: markupsafe's escaping (in C), then its two
    quote entities as html.escape writes them (&#34; and &#39; can only come from quotes,
    since & was escaped first)."""
    escaped = markupsafe_escape(value)
    return escaped.replace("&#34;", "&quot;").replace("&#39;", "&#x27;") if "&#" in escaped else escaped


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join([f' {k}="{attr_escape(v)}"' for k, v in pairs])


# A mention's or a quote's attributes recur on every page that shows the same entity or speaker.
_shared_attrs = lru_cache(maxsize=8192)(_attrs)


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
    local = sorted([s for s in spans if s.start < end_of_text and s.end > offset and s.end > s.start], key=_key)
    if not local:
        return text_escape(text)
    # Clipped (start, end) of each span; the bounds where anything opens or closes.
    starts = [s.start if s.start > offset else offset for s in local]
    ends = [s.end if s.end < end_of_text else end_of_text for s in local]
    bounds = sorted({offset, end_of_text, *starts, *ends})
    out: list[str] = []
    stack: list[Markup] = []
    stack_end: list[int] = []    # parallel to stack: where each open element is clipped
    degraded: list[bool] = []    # parallel to stack: drawn as <span> because an <a> was open
    pending: list[str] = []
    anchors = 0
    i = 0
    n_local = len(local)
    last = len(bounds) - 1
    escape = text_escape if ("&" in text or "<" in text or ">" in text) else str

    def open_(s: Markup, end: int, first: bool) -> None:
        nonlocal anchors
        if s.tag == "a" and anchors:
            out.append(s._open_degraded(first))
            degraded.append(True)
        else:
            out.append(s._open(first))
            degraded.append(False)
            if s.tag == "a":
                anchors += 1
        if first and s.lead:
            out.append(s.lead)
        stack.append(s)
        stack_end.append(end)

    for n, pos in enumerate(bounds):
        if pos in stack_end:
            # Close everything from the lowest element ending here up; reopen the survivors.
            lowest = stack_end.index(pos)
            reopen: list[tuple[Markup, int]] = []
            for k in range(len(stack) - 1, lowest - 1, -1):
                s = stack[k]
                if degraded[k]:
                    out.append("</span>")
                else:
                    out.append(f"</{s.tag}>")
                    if s.tag == "a":
                        anchors -= 1
                if stack_end[k] == pos:
                    if s.trail and s.end <= end_of_text:
                        pending.append(s.trail)
                else:
                    reopen.append((s, stack_end[k]))
            del stack[lowest:], stack_end[lowest:], degraded[lowest:]
            if pending and not anchors:
                out.extend(pending)
                pending.clear()
            for s, end in reversed(reopen):
                open_(s, end, first=False)
        while i < n_local and starts[i] == pos:
            open_(local[i], ends[i], first=local[i].start >= offset)
            i += 1
        if n < last:
            out.append(escape(text[pos - offset:bounds[n + 1] - offset]))
    for k in range(len(stack) - 1, -1, -1):
        out.append("</span>" if degraded[k] else f"</{stack[k].tag}>")
    out.extend(pending)
    return "".join(out)
