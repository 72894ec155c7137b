"""Date expressions in a reading text, each with its EDTF value and the reasoning behind it.

Absolute dates ("28 May 2024", "in March 2019", "from 2015 to 2018") are read as written;
partial ones ("On August 15", "in June") take their year from the dateline; relative ones
("on Tuesday", "yesterday", "last week", "earlier this month", "two days later") are worked
out from the dateline (builder.suggest.dateline) or, for "later"/"earlier", from the last
date the text named (builder.suggest.relative, with durations, "the day after …" and the
"today" of a quotation). "Now", opening a sentence, is the dateline. A bare weekday is the
most recent such day on or before the dateline, unless the words before it speak of the
future ("will", "is due to", "has until"): then the next one. "Until" a later year is the
interval from the dateline to it.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Iterator, Sequence

from builder.core import edtf
from builder.core.records import record
from builder.suggest import dateline as dl, relative
from builder.suggest.dateline import Dateline
from builder.suggest.relative import NUMBER_WORDS, Anchor, Resolved, quoted_spans

MONTHS = ("January February March April May June July August September October November December").split()
_MONTH_NUMBER = {**{m.lower(): i for i, m in enumerate(MONTHS, 1)},
                 **{m[:3].lower(): i for i, m in enumerate(MONTHS, 1)}, "sept": 9}
_SEASONS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}

WD = r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
MON = r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December" \
      r"|Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
YEAR = r"(?P<year>1[89]\d\d|20\d\d)(?![\d,.]\d)"
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
NUM = rf"(?P<n>\d+|{NUMBER_WORDS}|a|an)"

_FORMS = [
    ("span", r"(?i:(?P<prep>from|between|during)\s+)(?P<y1>1[89]\d\d|20\d\d)\s+(?i:to|and|until|through)\s+"
             r"(?P<y2>1[89]\d\d|20\d\d)\b"),
    ("iso", r"\b(?P<iso>(?:1[89]|20)\d\d-[01]\d-[0-3]\d)\b"),
    ("dmy", rf"(?:(?i:on|by|until|since)\s+)?(?:{WD},?\s+)?{DAY}\s+(?:of\s+)?{MON},?\s+{YEAR}"),
    ("mdy", rf"(?:(?i:on|by|until|since)\s+)?(?:{WD},?\s+)?{MON}\s+{DAY},?\s*{YEAR}"),
    ("md", rf"(?:(?i:on|by|until|since)\s+)?(?:{WD},?\s+)?{MON}\s+{DAY}\b(?!\s*\d)"),
    ("dm", rf"(?:(?i:on|by|until|since)\s+)?(?:{WD},?\s+)?{DAY}\s+(?:of\s+)?{MON}"),
    ("my", rf"(?:(?i:in|since|until|by|during|early|late|mid-)\s*)?{MON}\s+{YEAR}"),
    ("century", r"(?:(?i:(?:at\s+)?the\s+(?P<edge>beginning|start|end)\s+of\s+))?(?i:the)\s+"
                r"(?P<cent>\d\d?)(?P<nth>st|nd|rd|th)\s+century"),
    ("decade", r"(?:(?i:in|during|since)\s+)?(?i:the)\s+(?P<dec>1[89]\d|20\d)0s\b"),
    ("rel_week", r"(?i:(?P<rw>last|this|next|earlier\s+this|later\s+this|the\s+previous|the\s+following)\s+"
                 r"(?P<unit>week|month|year))\b"),
    ("ago", rf"(?i:{NUM}\s+(?P<unit2>day|week|month|year)s?\s+(?P<dir>ago|later|earlier|before|after)\b)"),
    ("next_day", r"(?i:(?:on\s+)?the\s+(?:next|following)\s+day)\b"),
    ("day_after", r"(?i:(?:on\s+)?the\s+day\s+(?P<da>after|before))\b(?!\s+(?i:yesterday|tomorrow|[A-Z][a-z]+day)\b)"
                  r"(?:\s+(?P<event>[^,.;:!?\n\"“”]{3,80}?)(?=[,.;:!?\n\"“”]|$))?"),
    ("duration", rf"(?:(?P<dprep>(?i:for|in|over|within))\s+)?(?:(?P<dmod>(?i:another|the\s+(?:next|coming|past|last)))"
                 rf"\s+)?(?P<dn>\d+|(?i:{NUMBER_WORDS}))\s+(?P<dunit>(?i:year|month))s?\b"
                 r"(?!\s+(?i:old|ago|later|earlier|before|after|of\s+age|in\s+prison)\b)"),
    ("adjective", rf"(?P<ny>\d+|(?i:{NUMBER_WORDS}))-year\b(?!-old)"),
    ("now", r"(?:(?<=^)|(?<=[.!?:\n\"“‘'])|(?<=[.!?:\n\"“‘']\s))Now\b(?!\s+that\b)"),   # opening a sentence
    ("weekday", rf"(?:(?i:(?P<el>earlier|later)\s+(?:on\s+)?|(?P<prep2>on|by|until|since|last|next|this|from|before)\s+))?"
                rf"{WD}(?:\s+(?P<part>morning|afternoon|evening|night))?"),
    ("day_word", r"(?i:(?P<dw>earlier\s+today|later\s+today|the\s+day\s+before\s+yesterday|yesterday|today|tomorrow"
                 r"|tonight|this\s+(?:morning|afternoon|evening))(?:\s+(?:morning|afternoon|evening|night))?)\b"),
    ("season", r"(?i:(?:(?P<sw>in\s+the|this|last|next|early|late)\s+)(?P<season>spring|summer|autumn|fall|winter))\b"),
    ("month", r"(?:(?P<mprep>(?i:in|since|until|by|during|early|late|of|last|next|this))\s+)?"
              r"(?P<mon2>January|February|March|April|May|June|July|August|September|October|November|December)\b"
              r"(?!\s+\d)"),
    ("future", r"(?i:in\s+the\s+(?:near\s+|distant\s+)?future)\b"),
    ("since_then", r"(?i:since\s+then)\b"),
    ("year", rf"(?:(?P<yprep>(?i:in|since|until|by|during|after|before))\s+)?(?<![\d$£€#/-]){YEAR}\b(?!\s*%)"),
]
PATTERNS = tuple((name, re.compile(r"\b" + body)) for name, body in _FORMS)
_NEEDS = {   # words one of which a form's match holds (lower case): forms are not tried where none is
    "iso": ("-",), "century": ("century",), "decade": ("0s",), "rel_week": ("week", "month", "year"),
    "ago": ("day", "week", "month", "year"), "next_day": ("day",), "day_after": ("the day",),
    "duration": ("year", "month"), "adjective": ("-year",), "now": ("now",), "weekday": ("day",),
    "day_word": ("day", "tomorrow", "tonight", "morning", "afternoon", "evening"),
    "season": ("spring", "summer", "autumn", "fall", "winter"), "future": ("future",), "since_then": ("then",),
}
_FUTURE = re.compile(r"\b(?:will|won['’]t|shall|['’]ll|due|set\s+to|expected|scheduled|plans?|going\s+to|intends?|"
                     r"upcoming|would)\b", re.I)
_SAID = re.compile(r"(?:said|says|told|announced|added|reported|stated|wrote)", re.I)
_PASSIVE = frozenset("be been being is are was were".split())


@record
class FoundDate:
    start: int
    end: int
    value: str        # EDTF
    confidence: float
    why: str


def find_dates(text: str, line: Dateline | None,
               quoted: Sequence[tuple[int, int]] | None = None) -> tuple[list[FoundDate], int]:
    """Every date expression with a value; and how many relative ones could not be resolved
    (no dateline, or nothing to count from). `quoted`: where quotations stand (open mark to
    close mark); without it, the double quote marks of each line."""
    found: list[FoundDate] = []
    unresolved = 0
    history: list[Anchor] = []
    inside = quoted_spans(text) if quoted is None else quoted
    for kind, m in matches(text):
        anchor = history[-1] if history else None
        if kind == "day_word" and line is not None and any(a < m.start() < b for a, b in inside):
            got: Resolved | None = _day_word(m, line, relative.spoken_on(line, anchor))
        elif kind == "day_after":
            got = relative.day_after(m, text, history)
        else:
            got = _resolve(kind, m, text, line, anchor)
        if got is None:
            unresolved += kind not in ("year", "month", "season")
            continue
        value, confidence, why, new_anchor = got
        try:
            edtf.parse(value)
        except edtf.EdtfError:
            continue
        start, end = m.span()
        found.append(FoundDate(start, end, value, confidence, why))
        if new_anchor is not None:
            history.append(dataclasses.replace(new_anchor, at=start))
    return found, unresolved


def _resolve(kind: str, m: re.Match[str], text: str, line: Dateline | None, anchor: Anchor | None) -> Resolved | None:
    g = m.group
    if kind == "span":
        return f"{g('y1')}/{g('y2')}", 0.9, f"the years {g('y1')} to {g('y2')}", None
    if kind == "iso":
        d = date.fromisoformat(g("iso"))
        return d.isoformat(), 0.9, "an ISO date, as written", Anchor(d, "day")
    if kind in ("dmy", "mdy"):
        d = _day(int(g("year")), _MONTH_NUMBER[g("mon").rstrip(".").lower()], int(g("day")))
        return (None if d is None else _since(m, d.isoformat(), 0.95, "a full date, as written", Anchor(d, "day")))
    if kind in ("md", "dm"):
        return _month_day(m, text, line)
    if kind == "my":
        n = _MONTH_NUMBER[g("mon").rstrip(".").lower()]
        return _since(m, f"{int(g('year')):04d}-{n:02d}", 0.9, "a month and year, as written",
                      Anchor(date(int(g("year")), n, 1), "month"))
    if kind == "century":
        return _century(m)
    if kind == "decade":
        return f"{g('dec')}X", 0.85, f"the decade {g('dec')}0–{g('dec')}9", None
    if kind == "year":
        y = int(g("year"))
        prep = (g("yprep") or "").lower()
        confidence = 0.85 if prep else 0.6
        if prep == "until" and line is not None and y > line.day.year:
            return f"{dl.day(line, line.day)}/{y}", 0.75, f"until {y}: from the dateline {line.label} to {y}", None
        if prep == "since":
            return f"{y}/..", confidence, f"since {y}: from {y}, open-ended", Anchor(date(y, 1, 1), "year")
        return f"{y}", confidence, f"the year {y}" + ("" if prep else " (a bare number: check it is a year)"), \
            Anchor(date(y, 1, 1), "year")
    if kind == "ago":
        return relative.counted(m, line, anchor)
    if kind == "adjective":
        return relative.adjective(m, line, anchor, _future(text, m.start()))
    if kind == "next_day":
        if anchor is None or anchor.precision != "day":
            return None
        d = dl.shift(anchor.when, 1, "day")
        return d.isoformat() + anchor.qualifier, 0.6, f"the day after {anchor.when.isoformat()}, the last date named before", Anchor(d, "day", anchor.qualifier)
    if line is None:
        return None
    if kind == "now":
        return _now(line)
    if kind == "duration":
        return relative.duration(m, text, line, _future(text, m.start()))
    if kind == "weekday":
        return _weekday(m, text, line)
    if kind == "day_word":
        return _day_word(m, line, None)
    if kind == "rel_week":
        return _relative_unit(m, line)
    if kind == "season":
        return _season(m, text, line)
    if kind == "month":
        return _month(m, text, line)
    if kind == "future":
        return f"{dl.day(line, line.day)}/..", 0.6, f"from the dateline {line.label} on, open-ended", None
    if kind == "since_then":
        if anchor is None:
            return None
        start = {"day": anchor.when.isoformat(), "month": anchor.when.isoformat()[:7]}.get(
            anchor.precision, f"{anchor.when.year:04d}") + anchor.qualifier
        return f"{start}/{dl.day(line, line.day)}", 0.6, f"from {start}, the last date named before, to the dateline", None
    return None


def _since(m: re.Match[str], value: str, confidence: float, why: str, anchor: Anchor) -> Resolved:
    if m.group().lower().startswith("since"):
        return f"{value}/..", confidence, why + "; since: open-ended", anchor
    return value, confidence, why, anchor


def _day(y: int, n: int, d: int) -> date | None:
    try:
        return date(y, n, d)
    except ValueError:
        return None


def _future(text: str, start: int) -> str | None:
    """The word that puts the clause before `start` in the future ("will", "is due to"), unless a
    report of speech comes after it ("…will cut jobs, the company said on Monday"; "will be
    told" is no report). "Has until" a day is a deadline still ahead."""
    clause = re.split(r"[.!?;,\n]", text[max(0, start - 100):start])[-1]
    words = re.findall(r"[\w'’]+", clause)[-8:]
    if words and words[-1].lower() in ("has", "have") and text[start:start + 6].lower() == "until ":
        return f"{words[-1]} until"
    for at in range(len(words) - 1, -1, -1):
        if _SAID.fullmatch(words[at]) and not (at and words[at - 1].lower() in _PASSIVE):
            return None
        if _FUTURE.match(" ".join(words[at:])) and words[at].lower() != "would":
            return words[at]
    return None


def _month_day(m: re.Match[str], text: str, line: Dateline | None) -> Resolved | None:
    if line is None:
        return None
    n, d_ = _MONTH_NUMBER[m.group("mon").rstrip(".").lower()], int(m.group("day"))
    y = line.day.year
    when = _day(y, n, d_)
    if when is None:
        return None
    future = _future(text, m.start())
    if future and when < line.day:
        when = _day(y + 1, n, d_) or when
    elif not future and when > line.day and line.precision == "day":
        when = _day(y - 1, n, d_) or when
    value = when.isoformat() + line.qualifier if line.precision != "year" else f"{when.isoformat()}?"
    why = (f"{MONTHS[n - 1]} {d_}, no year given: the one {'after' if future else 'on or before'} "
           f"the dateline {line.label}" + (f" (future: '{future}')" if future else ""))
    return value, 0.85, why, Anchor(when, "day", line.qualifier)


def _century(m: re.Match[str]) -> Resolved | None:
    number = int(m.group("cent"))
    if not 1 <= number <= 21:
        return None
    edge = (m.group("edge") or "").lower()
    first = (number - 1) * 100
    if edge in ("beginning", "start"):
        return f"{first // 10:03d}X", 0.7, f"the beginning of the {m.group('cent')}{m.group('nth')} century: its first decade", None
    if edge == "end":
        return f"{(first + 90) // 10:03d}X", 0.7, f"the end of the {m.group('cent')}{m.group('nth')} century: its last decade", None
    return f"{first // 100:02d}XX", 0.75, f"the {m.group('cent')}{m.group('nth')} century", None


def _weekday(m: re.Match[str], text: str, line: Dateline) -> Resolved:
    name = m.group("wd")
    number = dl.WEEKDAYS.index(name)
    prep = (m.group("prep2") or "").lower()
    future = _future(text, m.start()) if prep not in ("last", "next", "this") else None
    direction = {"last": "before", "next": "after", "this": "this-week"}.get(prep, "after" if future else "on-or-before")
    when = dl.weekday_near(line, number, direction)
    if line.precision != "day":
        return (dl.day(line, line.day), 0.6, f"{name}: the dateline {line.label} gives only the "
                f"{line.precision}, so the day cannot be known", None)
    said = {"before": f"{name} before {line.label} (a {line.weekday()}), last {name}",
            "after": f"{name} after {line.label} (a {line.weekday()})",
            "this-week": f"{name} in the week of {line.label} (a {line.weekday()})",
            "on-or-before": f"{name} before {line.label} (a {line.weekday()})"}[direction]
    tense = f", future ('{future}')" if future else ""
    return dl.day(line, when), 0.85, f"{said}{tense}: {dl.distance(line.day, when)}", dl_anchor(when, line)


def dl_anchor(when: date, line: Dateline) -> Anchor:
    return Anchor(when, "day", line.qualifier)


def _day_word(m: re.Match[str], line: Dateline, spoken: Anchor | None) -> Resolved:
    """"yesterday", "today"…; inside a quotation spoken on an earlier day (`spoken`), counted from that day."""
    word = " ".join(m.group("dw").lower().split())
    offset = {"yesterday": -1, "tomorrow": 1, "the day before yesterday": -2}.get(word, 0)
    if spoken is not None:
        when = dl.shift(spoken.when, offset, "day")
        return when.isoformat() + spoken.qualifier, 0.6, (
            f"{word}, inside a quotation: counted from {spoken.when.isoformat()}, the last day named before it "
            f"(the dateline is {line.label}; check when the words were spoken)"), Anchor(when, "day", spoken.qualifier)
    when = dl.shift(line.day, offset, "day")
    if line.precision != "day":
        return dl.day(line, when), 0.6, f"{word}: the dateline {line.label} gives only the {line.precision}", None
    return dl.day(line, when), 0.9, f"{word}, against the dateline {line.label}: {dl.distance(line.day, when)}", \
        dl_anchor(when, line)


def _now(line: Dateline) -> Resolved:
    """"Now", opening a sentence or a quotation: the dateline."""
    return dl.day(line, line.day), 0.6, f"now: the dateline {line.label}", None


def _relative_unit(m: re.Match[str], line: Dateline) -> Resolved | None:
    which = " ".join(m.group("rw").lower().split())
    unit = m.group("unit").lower()
    step = {"last": -1, "the previous": -1, "next": 1, "the following": 1}.get(which, 0)
    base = line.day
    if unit == "week":
        monday = dl.shift(base, -base.weekday() + 7 * step, "day")
        first, last = monday, dl.shift(monday, 6, "day")
        if which == "earlier this":
            first, last = monday, dl.shift(base, -1, "day")
        elif which == "later this":
            first = dl.shift(base, 1, "day")
        if first > last:
            return None
        return dl.days(line, first, last), 0.8, f"{which} week: {first.isoformat()} (Monday) to {last.isoformat()}, " \
                                                 f"counted from the dateline {line.label}", None
    if unit == "month":
        if line.precision == "year":
            return dl.year(line, base.year), 0.6, f"{which} month: the dateline gives only the year", None
        y, n = dl.add_months(base.year, base.month, step)
        if which == "earlier this" and line.precision == "day":
            return f"{y:04d}-{n:02d}-01{line.qualifier}/{dl.day(line, base)}", 0.7, \
                f"earlier this month: from the 1st to the dateline {line.label}", None
        if which == "later this" and line.precision == "day":
            return f"{dl.day(line, base)}/{dl.month_end(y, n).isoformat()}{line.qualifier}", 0.7, \
                f"later this month: from the dateline {line.label} to the month's end", None
        return dl.month(line, y, n), 0.8, f"{which} month, counted from the dateline {line.label}", \
            Anchor(date(y, n, 1), "month", line.qualifier)
    y = base.year + step
    if which == "earlier this" and line.precision == "day":
        return f"{y:04d}-01-01{line.qualifier}/{dl.day(line, base)}", 0.7, \
            f"earlier this year: from 1 January to the dateline {line.label}", None
    return dl.year(line, y), 0.8, f"{which} year, counted from the dateline {line.label}", Anchor(
        date(y, 1, 1), "year", line.qualifier)


def _season(m: re.Match[str], text: str, line: Dateline) -> Resolved:
    which = " ".join((m.group("sw") or "").lower().split())
    code = _SEASONS[m.group("season").lower()]
    y = line.day.year
    future = _future(text, m.start())
    first_month = {21: 3, 22: 6, 23: 9, 24: 12}[code]
    if which == "next" or (which in ("in the", "this") and future and line.day.month > first_month + 2):
        y += 1
    elif which == "last" or (which == "in the" and not future and line.day.month < first_month):
        y -= 1
    return f"{y:04d}-{code}", 0.7, f"{m.group('season').lower()} {y}, counted from the dateline {line.label}" + (
        f" (future: '{future}')" if future else ""), None


def _month(m: re.Match[str], text: str, line: Dateline) -> Resolved | None:
    name = m.group("mon2")
    prep = (m.group("mprep") or "").lower()
    if name == "May" and not prep:
        return None    # "May" alone is as often the verb or a name
    n = _MONTH_NUMBER[name.lower()]
    y = line.day.year
    future = _future(text, m.start()) if prep not in ("last", "next") else None
    if prep == "next" or (future and n < line.day.month):
        y += 1
    elif prep == "last" or (not future and n > line.day.month):
        y -= 1
    value = dl.month(line, y, n)
    if prep == "since":
        value += "/.."
    return value, 0.75 if prep else 0.6, f"{name}, no year given: {y}, counted from the dateline {line.label}" + (
        f" (future: '{future}')" if future else ""), Anchor(date(y, n, 1), "month", line.qualifier)


_TRIGGER = re.compile(r"\d|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b(?:January|February|March|April|May|June|"
                      r"July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b|"
                      r"\b(?i:today|yesterday|tomorrow|tonight|morning|afternoon|evening|weeks?|months?|years?|days?|"
                      r"spring|summer|autumn|fall|winter|century|future|then)\b|\bNow\b|-year\b")


def matches(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """Every date expression, leftmost first; where two start together, the form listed first
    in _FORMS (the more specific); none overlapping. The forms are tried only around the words
    every date expression holds (a digit, a weekday, a month, "today", "week"…): most of a
    text has none, and trying fifteen patterns at every word cost 5 ms a document. Within a
    window, a form is tried only when one of the words it needs is there (_NEEDS)."""
    windows: list[list[int]] = []
    for hit in _TRIGGER.finditer(text):
        a, b = max(0, hit.start() - 45), hit.end() + 60
        if windows and a <= windows[-1][1]:
            windows[-1][1] = b
        else:
            windows.append([a, b])
    seen = [(a, b, text[a:b].lower()) for a, b in windows]
    found = sorted({(m.start(), order, -m.end()): (kind, m) for a, b, words in seen
                    for order, (kind, pattern) in enumerate(PATTERNS)
                    if kind not in _NEEDS or any(word in words for word in _NEEDS[kind])
                    for m in pattern.finditer(text, a, min(b, len(text)))}.items())
    reach = 0
    for (start, _, _), (kind, m) in found:
        if start >= reach:
            reach = m.end()
            yield kind, m
