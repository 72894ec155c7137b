"""Arithmetic on the dateline: a document's `published` date, with its precision and qualifiers.

Every relative date ("on Tuesday", "last month", "yesterday") is worked out from the
dateline. When the dateline is approximate or uncertain the result says so (EDTF `~`, `?`);
when it is only a month or a year, a result finer than that is given at the dateline's own
precision, never a day the text cannot support.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from builder.core.edtf import Edtf
from builder.core.records import record

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDER = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4, "century": 5}


@record
class Dateline:
    """The day a document speaks from, as far as its `published` date says."""

    day: date            # its first day
    precision: str       # "day", "month", "year" (coarser datelines resolve nothing relative)
    qualifier: str       # "", "~", "?" or "%"
    text: str            # as written in INDEX.md

    @property
    def label(self) -> str:
        if self.precision == "day":
            return f"{self.day.isoformat()}{self.qualifier}"
        return self.text

    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]


def dateline(published: Edtf | None) -> Dateline | None:
    point = None if published is None else (published.start or published.end)
    if point is None or point.precision not in ("day", "month", "year"):
        return None
    qualifier = "%" if point.uncertain and point.approximate else "?" if point.uncertain else (
        "~" if point.approximate else "")
    return Dateline(point.lower, point.precision, qualifier, point.text)


def day(line: Dateline, when: date) -> str:
    """A day, at the precision the dateline allows."""
    if line.precision == "day":
        return when.isoformat() + line.qualifier
    if line.precision == "month":
        return when.isoformat()[:7] + line.qualifier
    return f"{when.year:04d}{line.qualifier}"


def days(line: Dateline, first: date, last: date) -> str:
    """An interval of days (a week), at the precision the dateline allows."""
    if line.precision == "day":
        return f"{first.isoformat()}{line.qualifier}/{last.isoformat()}{line.qualifier}"
    return day(line, line.day)


def month(line: Dateline, year: int, number: int) -> str:
    if line.precision == "year":
        return f"{year:04d}{line.qualifier}"
    return f"{year:04d}-{number:02d}{line.qualifier}"


def year(line: Dateline, number: int) -> str:
    return f"{number:04d}{line.qualifier}"


def add_months(year_: int, month_: int, delta: int) -> tuple[int, int]:
    index = year_ * 12 + (month_ - 1) + delta
    return index // 12, index % 12 + 1


def month_end(year_: int, month_: int) -> date:
    return date(year_, month_, calendar.monthrange(year_, month_)[1])


def weekday_near(line: Dateline, weekday: int, direction: str) -> date:
    """The day of the week nearest the dateline: `on-or-before`, `before`, `after`, `this-week`."""
    base = line.day
    if direction == "this-week":
        return base + timedelta(days=weekday - base.weekday())
    if direction == "after":
        return base + timedelta(days=(weekday - base.weekday() - 1) % 7 + 1)
    back = (base.weekday() - weekday) % 7
    if direction == "before" and back == 0:
        back = 7
    return base - timedelta(days=back)


def shift(when: date, amount: int, unit: str) -> date:
    if unit == "day":
        return when + timedelta(days=amount)
    if unit == "week":
        return when + timedelta(weeks=amount)
    y, m = add_months(when.year, when.month, amount * (12 if unit == "year" else 1))
    return date(y, m, min(when.day, calendar.monthrange(y, m)[1]))


def distance(base: date, when: date) -> str:
    gap = (when - base).days
    if gap == 0:
        return "the same day"
    return f"{when.isoformat()}, {abs(gap)} day{'s' * (abs(gap) != 1)} {'earlier' if gap < 0 else 'later'}"
