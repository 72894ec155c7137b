"""A text quote selector for a stretch of the reading text, as an author would write it:
the words alone when they occur once; else with the words before them (`prefix`), or
failing that their `occurrence`. Each is checked with the anchoring step's own `locate`."""

from __future__ import annotations

from builder.core.models import CleanDoc, Selector
from builder.prepare.anchoring import find_all, locate


def selector(doc: CleanDoc, start: int, end: int) -> Selector:
    text = doc.text
    words = text[start:end]
    hits = find_all(text, words)
    if len(hits) <= 1:
        return Selector(words)
    para_start = text.rfind("\n", 0, start) + 1
    cut = start
    for _ in range(6):
        cut = text.rfind(" ", para_start, cut - 1) + 1 if cut - 1 > para_start else para_start
        prefix = text[cut:start]
        candidate = Selector(words, prefix=prefix)
        if prefix and locate(doc, candidate)[0] == start:
            return candidate
        if cut <= para_start:
            break
    return Selector(words, occurrence=hits.index(start) + 1)
