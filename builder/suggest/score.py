"""How good the suggestions are: compared with the annotations a corpus already has.

`glossator suggest --score` drafts every document as if its sidecar's annotations were
absent and compares. A suggestion finds an annotation when it covers the annotated words
with at most `SLACK` words more or fewer at either end. Quotes: precision and recall of
the spans, and on the quotes found, how often the speaker is the annotated one. Annotated
quotes are also counted apart by whether their words stand inside quote marks (direct
quotation, what suggest drafts) or not (reported speech, which it does not). Dates: how
many annotated date expressions are found, and how often the value is the annotated one.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from builder.core.models import AnchoredDoc, Span
from builder.core.records import record
from builder.suggest.quotes import ALL_MARKS
from builder.suggest.records import Drafted, Suggestion

SLACK = 3
_WORD = re.compile(r"\w+")


@record
class Miss:
    doc: str
    kind: str           # "quote missed", "quote extra", "speaker", "date missed", "date value", "date extra"
    text: str
    detail: str = ""


@record
class Score:
    quotes_annotated: int = 0
    quotes_direct: int = 0         # annotated quotes whose words stand inside quote marks
    quotes_suggested: int = 0
    quotes_found: int = 0          # annotated quotes a suggestion finds
    quotes_found_direct: int = 0
    suggestions_right: int = 0     # suggested quotes that find an annotated one
    speakers_right: int = 0
    dates_annotated: int = 0
    dates_suggested: int = 0
    dates_found: int = 0
    dates_right: int = 0
    date_suggestions_right: int = 0
    misses: tuple[Miss, ...] = ()


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def score(docs: Sequence[AnchoredDoc], drafted: Sequence[Drafted]) -> Score:
    totals = [0] * 12
    misses: list[Miss] = []
    by_id = {d.doc: d for d in drafted}
    for doc in docs:
        mine = by_id.get(doc.meta.id)
        if mine is None:
            continue
        text = doc.doc.text
        gold_quotes = [s for s in doc.spans if s.kind == "quote" and not s.auto]
        gold_dates = [s for s in doc.spans if s.kind == "date" and not s.auto]
        q = _compare(text, gold_quotes, mine.quotes)
        d = _compare(text, gold_dates, mine.dates)
        direct = [g for g in gold_quotes if _in_marks(text, g)]
        found_direct = sum(1 for g in direct if g in q.found)
        speakers = sum(1 for g, s in q.found.items() if s.speaker == g.annotation.speaker)
        values = sum(1 for g, s in d.found.items() if s.date == (g.annotation.date.text if g.annotation.date else None))
        for n, value in enumerate((len(gold_quotes), len(direct), len(mine.quotes), len(q.found), found_direct,
                                   q.right, speakers, len(gold_dates), len(mine.dates), len(d.found), values, d.right)):
            totals[n] += value
        name = doc.meta.id
        misses += [Miss(name, "quote missed" if _in_marks(text, g) else "reported speech (not drafted)",
                        text[g.start:g.end]) for g in gold_quotes if g not in q.found]
        misses += [Miss(name, "quote extra", s.selector.text, s.why) for s in q.extra]
        misses += [Miss(name, "speaker", text[g.start:g.end], f"{s.speaker} for {g.annotation.speaker}: {s.why}")
                   for g, s in q.found.items() if s.speaker != g.annotation.speaker]
        misses += [Miss(name, "date missed", text[g.start:g.end]) for g in gold_dates if g not in d.found]
        misses += [Miss(name, "date value", text[g.start:g.end],
                        f"{s.date} for {g.annotation.date.text if g.annotation.date else '?'}: {s.why}")
                   for g, s in d.found.items() if s.date != (g.annotation.date.text if g.annotation.date else None)]
        misses += [Miss(name, "date extra", s.selector.text, f"{s.date}: {s.why}") for s in d.extra]
    return Score(*totals, misses=tuple(misses))


@record
class _Compared:
    found: dict[Span, Suggestion]      # annotated → the suggestion that finds it
    right: int                         # suggestions that find an annotation
    extra: tuple[Suggestion, ...]      # suggestions that find none


def _compare(text: str, gold: Sequence[Span], suggested: Iterable[Suggestion]) -> _Compared:
    found: dict[Span, Suggestion] = {}
    extra: list[Suggestion] = []
    right = 0
    for s in suggested:
        hit = next((g for g in gold if g not in found and _close(text, g.start, g.end, s.start, s.end)), None)
        if hit is None:
            hit = next((g for g in gold if _close(text, g.start, g.end, s.start, s.end)), None)
            if hit is None:
                extra.append(s)
            else:
                right += 1     # a second suggestion on a passage already found: not wrong, not counted twice
            continue
        found[hit] = s
        right += 1
    return _Compared(found, right, tuple(extra))


def _close(text: str, a: int, b: int, c: int, d: int) -> bool:
    if b <= c or d <= a:
        return False
    return (len(_WORD.findall(text, min(a, c), max(a, c))) <= SLACK
            and len(_WORD.findall(text, min(b, d), max(b, d))) <= SLACK)


def _in_marks(text: str, span: Span) -> bool:
    return any(ch in ALL_MARKS for ch in text[max(0, span.start - 2):span.start])


def table(result: Score, min_confidence: float) -> str:
    def pct(a: int, b: int) -> str:
        r = ratio(a, b)
        return "n/a" if r is None else f"{r:.2f} ({a}/{b})"

    r = result
    return "\n".join([
        f"compared with the corpus's own annotations (as if absent), suggestions of confidence ≥ {min_confidence}:",
        f"  quotes   precision {pct(r.suggestions_right, r.quotes_suggested)}   "
        f"recall {pct(r.quotes_found_direct, r.quotes_direct)} of quotations in quote marks; "
        f"{pct(r.quotes_found, r.quotes_annotated)} of all annotated quotes (reported speech included)",
        f"  speakers right on {pct(r.speakers_right, r.quotes_found)} of the quotes found",
        f"  dates    found {pct(r.dates_found, r.dates_annotated)}   value right on {pct(r.dates_right, r.dates_found)} "
        f"of those found   precision {pct(r.date_suggestions_right, r.dates_suggested)}",
    ])
