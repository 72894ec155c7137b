"""EDTF (Extended Date/Time Format) levels 0 and 1, as far as a reader needs them.

A date is kept with its precision and its qualifiers so that pages can show
exactly what is known ("August 2021, approximate") and never invent a day.
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache
from datetime import date
from typing import Literal

from builder.core.records import record

Precision = Literal["day", "month", "season", "year", "decade", "century"]

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}

_POINT = re.compile(
    r"^(?P<year>\d[\dX]{3})"
    r"(?:-(?P<month>[\dX]{2})(?:-(?P<day>[\dX]{2}))?)?"
    r"(?P<qual>[?~%])?$"
)


HINT = (
    "EDTF dates look like 2024-05-28, 2021-08 (month), 2017 (year), 2021-08-31~ (approximate), "
    "2017? (uncertain), 201X (decade), 2021-08-09/2021-08-15 or 2018/.. (intervals)"
)


class EdtfError(ValueError):
    """Raised with a message an author can act on, and a hint: what to write instead."""

    def __init__(self, message: str, hint: str = HINT) -> None:
        super().__init__(message)
        self.hint = hint


@record
class Point:
    """One EDTF date: its inclusive bounds, precision and qualifiers."""

    text: str
    lower: date
    upper: date
    precision: Precision
    uncertain: bool = False
    approximate: bool = False

    @property
    def html(self) -> str:
        """A valid HTML date string at the precision the EDTF gives (never more)."""
        if self.precision == "day":
            return self.lower.isoformat()
        if self.precision == "month":
            return self.lower.isoformat()[:7]
        return f"{self.lower.year:04d}"

    @property
    def label(self) -> str:
        d = self.lower
        if self.precision == "day":
            text = f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        elif self.precision == "month":
            text = f"{MONTHS[d.month - 1]} {d.year}"
        elif self.precision == "season":
            season = int(self.text[5:7])
            text = f"{_SEASONS[season]} {d.year}"
        elif self.precision == "decade":
            text = f"the {d.year}s"
        elif self.precision == "century":
            text = f"{d.year}–{d.year + 99}"
        else:
            text = f"{d.year}"
        return text + _qualifier_words(self.uncertain, self.approximate)


@record
class Edtf:
    """A parsed EDTF value: a single date or an interval of two (possibly open) ends."""

    text: str
    start: Point | None
    end: Point | None
    interval: bool

    @property
    def lower(self) -> date:
        return self.start.lower if self.start else (self.end.lower if self.end else date.min)

    @property
    def upper(self) -> date:
        return self.end.upper if self.end else (self.start.upper if self.start else date.max)

    @property
    def sort_key(self) -> tuple[date, date, str]:
        return (self.lower, self.upper, self.text)

    @property
    def html(self) -> str:
        """HTML has no interval syntax: an interval's `datetime` is its known start."""
        point = self.start or self.end
        assert point is not None
        return point.html

    @property
    def uncertain(self) -> bool:
        return any(p.uncertain for p in (self.start, self.end) if p)

    @property
    def approximate(self) -> bool:
        return any(p.approximate for p in (self.start, self.end) if p)

    @property
    def exact(self) -> bool:
        """True when the HTML string says everything the EDTF says."""
        return not self.interval and self.start is not None and self.start.text == self.start.html

    @property
    def label(self) -> str:
        if not self.interval:
            assert self.start is not None
            return self.start.label
        if self.start is None:
            return f"until {self.end.label}" if self.end else "unknown"
        if self.end is None:
            return f"from {self.start.label}"
        if (
            self.start.precision == self.end.precision == "day"
            and not (self.start.uncertain or self.start.approximate)
            and self.start.lower.year == self.end.lower.year
            and self.start.lower.month == self.end.lower.month
        ):
            return f"{self.start.lower.day}–{self.end.label}"
        return f"{self.start.label} – {self.end.label}"


def _qualifier_words(uncertain: bool, approximate: bool) -> str:
    if uncertain and approximate:
        return " (approximate, uncertain)"
    if uncertain:
        return " (uncertain)"
    if approximate:
        return " (approximate)"
    return ""


def _point(text: str) -> Point:
    m = _POINT.match(text)
    if not m:
        raise EdtfError(
            f"'{text}' is not an EDTF date",
            )
    year_s, month_s, day_s, qual = m.group("year", "month", "day", "qual")
    uncertain = qual in ("?", "%")
    approximate = qual in ("~", "%")
    if "X" in year_s:
        if month_s or not re.fullmatch(r"\d{2,3}X{1,2}", year_s) or year_s.endswith("XX") and year_s[2] != "X":
            raise EdtfError(f"'{text}': unspecified digits (X) in a year are supported as 'YYYX' or 'YYXX' only")
        base = int(year_s.replace("X", "0"))
        if year_s.endswith("XX"):
            return Point(text, date(max(base, 1), 1, 1), date(base + 99, 12, 31), "century", uncertain, approximate)
        return Point(text, date(max(base, 1), 1, 1), date(base + 9, 12, 31), "decade", uncertain, approximate)
    year = int(year_s)
    if year < 1:
        raise EdtfError(f"'{text}': the year 0000 is not supported")
    if month_s is None:
        return Point(text, date(year, 1, 1), date(year, 12, 31), "year", uncertain, approximate)
    if month_s == "XX":
        if day_s not in (None, "XX"):
            raise EdtfError(f"'{text}': a day cannot be known when the month is not")
        return Point(text, date(year, 1, 1), date(year, 12, 31), "year", uncertain, approximate)
    month = int(month_s)
    if 21 <= month <= 24:
        if day_s is not None:
            raise EdtfError(f"'{text}': a season has no day")
        first, last = _SEASON_MONTHS[month]
        upper = date(year, last, calendar.monthrange(year, last)[1])
        return Point(text, date(year, first, 1), upper, "season", uncertain, approximate)
    if not 1 <= month <= 12:
        raise EdtfError(f"'{text}': month {month_s} does not exist (01–12, or 21–24 for seasons)")
    last_day = calendar.monthrange(year, month)[1]
    if day_s is None or day_s == "XX":
        return Point(text, date(year, month, 1), date(year, month, last_day), "month", uncertain, approximate)
    day = int(day_s)
    if not 1 <= day <= last_day:
        raise EdtfError(f"'{text}': {MONTHS[month - 1]} {year} has no day {day_s}")
    d = date(year, month, day)
    return Point(text, d, d, "day", uncertain, approximate)


@lru_cache(maxsize=4096)
def parse(text: str) -> Edtf:
    """Parse an EDTF level 0/1 string; raise EdtfError with a readable message.

    Kept per string (the values are frozen): a corpus writes the same few dates again and again."""
    text = text.strip()
    try:
        return _parse(text)
    except EdtfError:
        better = _written_otherwise(text)
        if better is None:
            raise
        raise better from None


def _parse(text: str) -> Edtf:
    if not text:
        raise EdtfError("an empty date is not EDTF (leave the field out for an unknown date)")
    if "/" in text:
        left, _, right = text.partition("/")
        if "/" in right:
            raise EdtfError(f"'{text}': an interval has exactly one '/'")
        start = None if left in ("", "..") else _point(left)
        end = None if right in ("", "..") else _point(right)
        if start is None and end is None:
            raise EdtfError(f"'{text}': an interval needs at least one known end")
        if start and end and start.lower > end.upper:
            raise EdtfError(f"'{text}': the interval ends before it starts")
        return Edtf(text, start, end, True)
    return Edtf(text, _point(text), None, False)



# --- dates written another common way: say what EDTF writes instead ------------------------

_MONTH_NUMBERS = {**{m.lower(): n for n, m in enumerate(MONTHS, 1)},
                  **{m[:3].lower(): n for n, m in enumerate(MONTHS, 1)}, "sept": 9}
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")            # 13/03/2024, 03/13/2024, 13.03.2024
_YEAR_FIRST = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})")         # 2024/03/13, 2024-3-13
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_IN_WORDS = (   # (pattern, group of the day or None, group of the month, group of the year)
    (re.compile(_ORDINAL + r"\.?\s+(?:of\s+)?([a-z]+)\.?,?\s+(\d{4})", re.I), 1, 2, 3),   # 13 March 2024
    (re.compile(r"([a-z]+)\.?\s+" + _ORDINAL + r",?\s+(\d{4})", re.I), 2, 1, 3),          # March 13, 2024
    (re.compile(r"([a-z]+)\.?,?\s+(\d{4})", re.I), None, 1, 2),                             # March 2024
)


def _iso(year: int, month: int, day: int | None = None) -> str | None:
    """YYYY-MM-DD (or YYYY-MM) if that day (month) exists."""
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _written_otherwise(text: str) -> EdtfError | None:
    """For a date written day-first, month-first, with slashes or in words: an error that
    names its EDTF form (and both forms when it could be read either way). Else None."""
    m = _NUMERIC.fullmatch(text)
    if m:
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        day_first, month_first = _iso(year, b, a), _iso(year, a, b)
        if day_first and month_first and day_first != month_first:
            return EdtfError(f"'{text}' is not EDTF, and it can be read two ways: day-first it is {day_first}, "
                             f"month-first {month_first}", f"write {day_first} or {month_first}: EDTF writes year-month-day")
        if day_first and day_first == month_first:
            return EdtfError(f"'{text}' is not EDTF, which writes year-month-day: {day_first}", f"write {day_first}")
        if day_first:
            return EdtfError(f"'{text}' is a day-first date; EDTF writes year-month-day: {day_first}", f"write {day_first}")
        if month_first:
            return EdtfError(f"'{text}' is a month-first date; EDTF writes year-month-day: {month_first}",
                             f"write {month_first}")
        return EdtfError(f"'{text}' is not an EDTF date, and no such day exists read day-first or month-first")
    m = _YEAR_FIRST.fullmatch(text)
    if m:
        iso = _iso(int(m[1]), int(m[3]), int(m[4]))
        return EdtfError(f"'{text}' is not an EDTF date: EDTF writes year-month-day with '-' and two-digit "
                         f"months and days", f"write {iso}") if iso else None
    for pattern, day, month, year in _IN_WORDS:
        m = pattern.fullmatch(text)
        number = _MONTH_NUMBERS.get(m[month].lower()) if m else None
        if m and number:
            iso = _iso(int(m[year]), number, int(m[day]) if day else None)
            if iso:
                return EdtfError(f"'{text}' is not an EDTF date", f"write {iso} (EDTF writes year-month-day)")
    return None
