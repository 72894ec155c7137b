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

from builder.records import record

Precision = Literal["day", "month", "season", "year", "decade", "century"]

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}

_POINT = re.compile(
    r"^(?P<year>\d[\dX]{3})"
    r"(?:-(?P<month>[\dX]{2})(?:-(?P<day>[\dX]{2}))?)?"
    r"(?P<qual>[?~%])?$"
)


class EdtfError(ValueError):
    """Raised with a message an author can act on."""


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
            text = f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
        elif self.precision == "month":
            text = f"{_MONTHS[d.month - 1]} {d.year}"
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
        raise EdtfError(f"'{text}': {_MONTHS[month - 1]} {year} has no day {day_s}")
    d = date(year, month, day)
    return Point(text, d, d, "day", uncertain, approximate)


@lru_cache(maxsize=4096)
def parse(text: str) -> Edtf:
    """Parse an EDTF level 0/1 string; raise EdtfError with a readable message.

    Kept per string (the values are frozen): a corpus writes the same few dates again and again."""
    text = text.strip()
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


HINT = (
    "EDTF dates look like 2024-05-28, 2021-08 (month), 2017 (year), 2021-08-31~ (approximate), "
    "2017? (uncertain), 201X (decade), 2021-08-09/2021-08-15 or 2018/.. (intervals)"
)
