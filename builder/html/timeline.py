"""A timeline too long for one page: cut into a page a year, and a month in a long year.

Up to TIMELINE_ENTRIES entries the timeline is one page, timeline.html. Beyond, a reader's
browser would be handed tens of megabytes (31 MB at 10,000 synthetic documents):
timeline.html lists the years with their counts, and each year is a page
(urls.timeline_page), or each month of a year that holds more than a page does. An edit
to a date then changes its period's page, not the whole timeline.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Mapping

from builder.core.edtf import MONTHS
from builder.core.models import TimelineEntry

TIMELINE_ENTRIES = 2_000
UNDATED_START = "Undated start"
Periods = Mapping[str, tuple[str, tuple[TimelineEntry, ...]]]   # key → (heading, entries), in date order


def year_of(e: TimelineEntry) -> str:
    return f"{e.date.lower.year}" if e.date.start else UNDATED_START


def periods(timeline: tuple[TimelineEntry, ...], limit: int | None = None) -> dict[str, tuple[str, tuple[TimelineEntry, ...]]] | None:
    """None while the timeline fits one page; else its pages: key ("2021", "2021-08" or
    "undated") → (heading, entries), in date order. A year with more than a page's entries is
    cut into months, each entry in the month its date starts in."""
    limit = TIMELINE_ENTRIES if limit is None else limit
    if len(timeline) <= limit:
        return None
    years: dict[str, list[TimelineEntry]] = defaultdict(list)
    for e in timeline:
        years[year_of(e)].append(e)
    out: dict[str, tuple[str, tuple[TimelineEntry, ...]]] = {}
    for year, entries in years.items():
        if year == UNDATED_START:
            out["undated"] = (year, tuple(entries))
        elif len(entries) <= limit:
            out[year] = (year, tuple(entries))
        else:
            months: dict[int, list[TimelineEntry]] = defaultdict(list)
            for e in entries:
                months[e.date.lower.month].append(e)
            for month, within in months.items():
                out[f"{year}-{month:02d}"] = (f"{MONTHS[month - 1]} {year}", tuple(within))
    return out


def neighbours(cut: Periods, key: str) -> tuple[str | None, str | None]:
    """The keys of the pages before and after `key`'s (None at either end)."""
    keys = list(cut)
    at = keys.index(key)
    return (keys[at - 1] if at else None), (keys[at + 1] if at + 1 < len(keys) else None)


def index(cut: Periods, href: Callable[[str], str]) -> list[dict[str, Any]]:
    """What timeline.html lists of a timeline cut into pages: each year with its count, and
    its link or its months' (label, link, count)."""
    years: dict[str, dict[str, Any]] = {}
    for key, (label, entries) in cut.items():
        month = key[4:5] == "-"
        year = years.setdefault(key[:4] if month else key, {"label": key[:4] if month else label, "count": 0,
                                                           "href": "", "months": []})
        year["count"] += len(entries)
        if month:
            year["months"].append({"label": MONTHS[int(key[5:]) - 1], "href": href(key), "count": len(entries)})
        else:
            year["href"] = href(key)
    return list(years.values())
