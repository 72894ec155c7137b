"""EDTF levels 0 and 1: what the builder accepts and how it shows it."""

from __future__ import annotations

import pytest

from builder.core import edtf


@pytest.mark.parametrize("text, html, label, exact", [
    ("2024-05-28", "2024-05-28", "28 May 2024", True),
    ("2021-08", "2021-08", "August 2021", True),
    ("2017", "2017", "2017", True),
    ("2017?", "2017", "2017 (uncertain)", False),
    ("2021-08-31~", "2021-08-31", "31 August 2021 (approximate)", False),
    ("2021-08%", "2021-08", "August 2021 (approximate, uncertain)", False),
    ("201X", "2010", "the 2010s", False),
    ("19XX", "1900", "1900–1999", False),
    ("2021-XX", "2021", "2021", False),
    ("2021-21", "2021", "Spring 2021", False),
    ("2021-08-09/2021-08-15", "2021-08-09", "9–15 August 2021", False),
    ("2018/..", "2018", "from 2018", False),
    ("../2003", "2003", "until 2003", False),
    ("2008/2012", "2008", "2008 – 2012", False),
])
def test_valid(text: str, html: str, label: str, exact: bool) -> None:
    d = edtf.parse(text)
    assert (d.html, d.label, d.exact) == (html, label, exact)


@pytest.mark.parametrize("text, message", [
    ("2021-13", "month 13 does not exist"),
    ("2021-02-29", "February 2021 has no day 29"),
    ("May 2021", "is not an EDTF date"),
    ("2021/2020", "ends before it starts"),
    ("../..", "at least one known end"),
    ("", "empty date"),
    ("0000", "0000 is not supported"),
])
def test_invalid(text: str, message: str) -> None:
    with pytest.raises(edtf.EdtfError, match=message):
        edtf.parse(text)


def test_sorting_is_by_lower_bound_then_upper() -> None:
    dates = [edtf.parse(t) for t in ("2021-08-15", "2021-08", "2021", "2020-12-31")]
    ordered = [d.text for d in sorted(dates, key=lambda d: d.sort_key)]
    assert ordered == ["2020-12-31", "2021", "2021-08", "2021-08-15"]


def test_leap_day() -> None:
    assert edtf.parse("2024-02-29").label == "29 February 2024"
