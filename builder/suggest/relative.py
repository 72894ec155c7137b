"""Dates counted from another date: "two days later", durations, "the day after …", and the
"today" of a quotation.

- "N units ago" counts back from the dateline; "N units later/earlier" from the last date
  the text named (its anchor). Counted in years from a named month, the month is kept
  ("in March 2019 … Two years later": 2021-03).
- A duration is an interval that ends (or, looking ahead, starts) at the dateline: "for 19
  years", "Twenty years is a long time" (2004~/2023-10-12: the far end is only a year, and
  approximate); "for another five years" or a future tense looks ahead (2024-09/2029~).
  A duration as an adjective ("a nine-year war") runs from the last year named, or else
  ends at the dateline.
- "On the day after <event>" is a day after a date named before: the one whose sentence
  shares a word with the event ("declared victory" … "declaring that it had taken over"),
  or else the last one named.
- Inside a quotation, "today" (and "yesterday", "tomorrow") is the day the words were
  spoken: the last day the text named before them when that is the dateline or at most a
  month before it, else the dateline.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Sequence

from builder.core.records import record
from builder.suggest import dateline as dl
from builder.suggest.dateline import Dateline
from builder.suggest.quotes import double_pieces

NUMBERS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                      "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
NUMBERS.update({w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
NUMBERS.update({"a": 1, "an": 1})
NUMBER_WORDS = "|".join(sorted((w for w in NUMBERS if len(w) > 2), key=len, reverse=True))
_FUTURE_WORDS = ("another", "the next", "the coming")
_STOP = frozenset("about after again against because before being between during their there these those where which "
                  "while would could should other under""".split())
_WORD = re.compile(r"[A-Za-z]{5,}")
_NOT_TIME = re.compile(r"\b(?:sentenced|jailed|imprisoned|prison|aged|age|lifespan|life\s+expectancy)\W+(?:\w+\W+){0,3}$",
                       re.I)    # "jailed for ten years", "aged 40 years": a length, not a time


@record
class Anchor:
    """The last date the text named: what "two days later" counts from."""

    when: date
    precision: str
    qualifier: str = ""     # the dateline's, when the date was worked out from it
    at: int = 0             # where the text named it


Resolved = tuple[str, float, str, "Anchor | None"]


def number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBERS.get(word.lower())


def show(anchor: Anchor) -> str:
    return {"day": anchor.when.isoformat(), "month": anchor.when.isoformat()[:7]}.get(anchor.precision,
                                                                                      str(anchor.when.year))


def counted(m: re.Match[str], line: Dateline | None, anchor: Anchor | None) -> Resolved | None:
    """"two days ago" (from the dateline), "Two years later" (from the anchor)."""
    n = number(m.group("n"))
    if n is None:
        return None
    unit, direction = m.group("unit2").lower(), m.group("dir").lower()
    finest = {"day": "day", "week": "day", "month": "month", "year": "year"}[unit]
    if direction == "ago":
        if line is None:
            return None
        base, precision, what = line.day, line.precision, f"the dateline {line.label}"
        sign, qualifier = -1, line.qualifier
    else:
        if anchor is None:
            return None
        base, precision, what = anchor.when, anchor.precision, f"{show(anchor)}, the last date named before"
        sign, qualifier = (1 if direction in ("later", "after") else -1), anchor.qualifier
        finest = "month" if unit == "year" else finest     # years from a named month keep the month
    when = dl.shift(base, sign * n, unit)
    finest = max(finest, precision, key=lambda p: dl.ORDER.get(p, 3))
    value = {"day": when.isoformat(), "month": when.isoformat()[:7]}.get(finest, f"{when.year:04d}")
    approx = "~" if unit == "week" and finest == "day" else ""
    return (value + (qualifier or approx), 0.75, f"{m.group()}: {n} {unit}{'s' * (n != 1)} "
            f"{'before' if sign < 0 else 'after'} {what}", Anchor(when, finest, qualifier, m.start()))


def duration(m: re.Match[str], text: str, line: Dateline, future: str | None) -> Resolved | None:
    """"for 19 years", "in three years", "for another five years": an interval at the dateline."""
    n = number(m.group("dn"))
    if n is None or n == 0 or _NOT_TIME.search(text, max(0, m.start() - 40), m.start()):
        return None
    unit = m.group("dunit").lower()
    ahead = " ".join((m.group("dmod") or "").lower().split()) in _FUTURE_WORDS or future is not None
    now = dl.day(line, line.day)
    far = dl.shift(line.day, n if ahead else -n, unit)
    end = f"{far.year:04d}~" if unit == "year" else f"{far.isoformat()[:7]}~"
    if ahead and (m.group("dprep") or "").lower() == "in" and not m.group("dmod"):
        return end, 0.6, f"{m.group()}, looking ahead ('{future}'): {n} {unit}s after the dateline {line.label}", None
    span = f"{now}/{end}" if ahead else f"{end}/{now}"
    return span, 0.6, (f"{m.group()}: a duration {'from' if ahead else 'up to'} the dateline {line.label}"
                       + (f" (looking ahead: '{future or m.group('dmod')}')" if ahead else "")), None


def adjective(m: re.Match[str], line: Dateline | None, anchor: Anchor | None, future: str | None) -> Resolved | None:
    """"a nine-year war": from the last year named, or else up to the dateline."""
    n = number(m.group("ny"))
    if n is None or n == 0:
        return None
    if anchor is not None:
        y = anchor.when.year
        return f"{y:04d}/{y + n:04d}", 0.5, f"{m.group()}: {n} years from {y}, the last year named before", None
    if line is None:
        return None
    y, now = line.day.year, dl.day(line, line.day)
    if future:
        return f"{now}/{y + n:04d}~", 0.5, f"{m.group()}: {n} years from the dateline {line.label} ('{future}')", None
    return f"{y - n:04d}~/{now}", 0.5, f"{m.group()}: {n} years up to the dateline {line.label}", None


def day_after(m: re.Match[str], text: str, history: Sequence[Anchor]) -> Resolved | None:
    """"the next day", "On the day after the movement declared victory"."""
    days = [a for a in history if a.precision == "day"]
    if not days:
        return None
    step = -1 if (m.group("da") or "").lower() == "before" else 1
    event = m.group("event") or ""
    stems = {w[:5].lower() for w in _WORD.findall(event)} - _STOP
    base = next((a for a in reversed(days) if stems & {w[:5].lower() for w in _WORD.findall(_sentence(text, a.at))}),
                None)
    how = "the date named before whose sentence tells of the same event" if base is not None else \
        "the last date named before"
    base = base or days[-1]
    when = dl.shift(base.when, step, "day")
    return (when.isoformat() + base.qualifier, 0.6 if stems else 0.65,
            f"the day {'after' if step > 0 else 'before'} {base.when.isoformat()}, {how}", Anchor(
                when, "day", base.qualifier, m.start()))


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    end = min((i for i in (text.find(". ", at), text.find("\n", at)) if i >= 0), default=len(text))
    return text[start:end]


def spoken_on(line: Dateline, anchor: Anchor | None) -> Anchor | None:
    """The day a quotation's own "today" stands for, when the text says it is not the dateline."""
    if anchor is None or anchor.precision != "day" or line.precision != "day":
        return None
    return anchor if 0 < (line.day - anchor.when).days <= 31 else None


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where double quotation marks stand in each line of a text (for callers without paragraphs)."""
    spans, at = [], 0
    for para in text.split("\n"):
        spans += [(at + a, at + b) for a, b, _ in double_pieces(para)]
        at += len(para) + 1
    return spans
