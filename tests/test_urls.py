"""Relative links between site files: table-tested, as every page depends on them."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given, strategies as st

from builder.core import urls
from builder.core.models import DocId, EntityId, SitePath


@pytest.mark.parametrize("target, page, fragment, expected", [
    ("docs/a.html", "index.html", "", "docs/a.html"),
    ("docs/a.html", "docs/b.html", "q1", "a.html#q1"),
    ("entities/x.html", "docs/b.html", "", "../entities/x.html"),
    ("index.html", "docs/b.html", "", "../index.html"),
    ("static/style.css", "entities/x.html", "", "../static/style.css"),
    ("docs/a.html", "a/b/c.html", "", "../../docs/a.html"),
    ("quotes.html", "timeline.html", "c", "quotes.html#c"),
])
def test_relative(target: str, page: str, fragment: str, expected: str) -> None:
    assert urls.relative(SitePath(target), SitePath(page), fragment) == expected


@pytest.mark.parametrize("page, prefix", [("index.html", ""), ("docs/a.html", "../"), ("a/b/c.html", "../../")])
def test_root_prefix(page: str, prefix: str) -> None:
    assert urls.root_prefix(SitePath(page)) == prefix


@pytest.mark.parametrize("text, slug", [("Zamir Kabulov", "zamir-kabulov"), ("Ça va, Mr. X!", "ca-va-mr-x"), ("—", "")])
def test_slugify(text: str, slug: str) -> None:
    assert urls.slugify(text) == slug


SEGMENTS = st.sampled_from(["docs", "entities", "a", "b", "docsx", "timeline"])


@given(target=st.lists(SEGMENTS, max_size=3), page=st.lists(SEGMENTS, max_size=3), fragment=st.sampled_from(["", "q1"]))
def test_relative_is_the_general_walk_up_and_down(target: list[str], page: list[str], fragment: str) -> None:
    """The short cuts (a target in the page's folder or below it; a page one folder deep) give
    the link the general walk gives: up to the folders the two share, then down."""
    t, p = SitePath("/".join([*target, "t.html"])), SitePath("/".join([*page, "p.html"]))
    expected = urls._relative(t, p[:p.rfind("/") + 1])
    assert urls.relative(t, p, fragment) == (f"{expected}#{fragment}" if fragment else expected)
    assert posixpath.normpath(posixpath.join(posixpath.dirname(p), urls.relative(t, p))) == t


_NAME = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)


@given(_NAME, st.integers(1, 40))
def test_subject_reads_back_what_each_page_is_of(name: str, number: int) -> None:
    assert urls.subject(urls.doc_page(DocId(name))) == ("docs", name, "")
    assert urls.subject(urls.entity_page(EntityId(name), number)) == ("entities", name, "" if number == 1 else str(number))
    assert urls.subject(urls.timeline_page(name)) == ("timeline", name, "")
    assert urls.subject(urls.documents_page(number)) == ("", "", "")


@pytest.mark.parametrize("page", ["index.html", "entities.html", "timeline.html", "quotes.html", "search.html",
                                  "search/index.js", "data/quotes.csv"])
def test_subject_of_any_other_page_is_none(page: str) -> None:
    assert urls.subject(page) == ("", "", "")
