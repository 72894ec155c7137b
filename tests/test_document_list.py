"""The documents list of a large corpus: the home page lists the first INDEX_ROWS documents,
and each further INDEX_ROWS is a page `documents/<n>.html`; each page says where it is in
the list and links every other page. At 10,000 synthetic documents one list of them all was
a home page of 4.8 MB.

The example corpus (five documents) is cut into pages of two here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, strategies as st

from builder.html import pages
from builder.run import pipeline
from tests.conftest import ROOT, copy_corpus
from tests.test_a11y import serious_violations


@pytest.fixture
def paged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(pages, "INDEX_ROWS", 2)
    return copy_corpus(ROOT, tmp_path / "corpus")


def soup(site: dict, path: str) -> BeautifulSoup:
    return BeautifulSoup(site[path], "html.parser")


def listed(page: BeautifulSoup) -> list[str]:
    return [a["href"].rsplit("/", 1)[-1] for a in page.select("table.doc-table tbody td:first-child a")]


def test_every_document_is_listed_once_in_order_across_the_pages(paged: Path) -> None:
    site = pipeline.build(paged).site
    order = [f"{d.meta.id}.html" for d in pipeline.check(paged)[0].docs]
    assert len(order) == 5
    paths = ["index.html", "documents/2.html", "documents/3.html"]
    assert sorted(p for p in site if p.startswith("documents/")) == paths[1:]
    assert [listed(soup(site, p)) for p in paths] == [order[0:2], order[2:4], order[4:]]
    home = soup(site, "index.html")
    assert home.select_one("#documents-title").get_text() == "Documents 1–2 of 5"
    assert home.select_one(".counts strong").get_text() == "5", "the home page still counts every document"
    last = soup(site, "documents/3.html")
    assert last.h1.get_text() == "Document 5 of 5"
    assert last.title.get_text().startswith("Document 5 · ")


def test_each_page_says_where_it_is_and_links_the_others(paged: Path) -> None:
    site = pipeline.build(paged).site
    for n, path in enumerate(["index.html", "documents/2.html", "documents/3.html"], start=1):
        page = soup(site, path)
        nav = page.select_one('nav[aria-label="Pages of the documents list"]')
        numbers = nav.select(".page-numbers a")
        hrefs = ["index.html", "documents/2.html", "documents/3.html"]
        prefix = "../" if path.startswith("documents/") else ""
        assert [a["href"] for a in numbers] == [prefix + h if not (prefix and h.startswith("documents/")) else h[10:]
                                               for h in hrefs]
        assert [a.get("aria-current") for a in numbers] == ["page" if k == n else None for k in (1, 2, 3)]
        assert bool(nav.select_one('a[rel="prev"]')) == (n > 1) and bool(nav.select_one('a[rel="next"]')) == (n < 3)
        assert page.select_one(".doc-pages-top").get_text(" ", strip=True).count(f"Page {n} of 3") == 1
        # the site's nav shows the list's later pages as the home page's section
        current = page.select_one("nav a[aria-current]")
        assert current["href"].endswith("index.html") and current["aria-current"] == ("page" if n == 1 else "true")
        # filtering and sorting say they cover this page only, and point to search for the rest
        assert "Search" in page.select_one(".table-tools").get_text() and re.search(r"any of the 5\b", page.get_text())


def test_a_page_offers_only_the_speakers_it_lists(paged: Path) -> None:
    site = pipeline.build(paged).site
    for path in ("index.html", "documents/2.html", "documents/3.html"):
        page = soup(site, path)
        on_page = {s for tr in page.select("table.doc-table tbody tr") for s in tr["data-speakers"].split()}
        offered = {o["value"] for o in page.select("#doc-speaker option") if o["value"]}
        assert offered == on_page and offered


def test_a_short_list_is_one_page(tmp_path: Path) -> None:
    site = pipeline.build(copy_corpus(ROOT, tmp_path / "corpus")).site
    assert not any(p.startswith("documents/") for p in site)
    home = soup(site, "index.html")
    assert len(listed(home)) == 5 and home.select_one(".doc-pages, .doc-pages-top") is None


def test_an_edit_remakes_the_list_page_of_its_document_and_no_other(paged: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With the build cache: a title edited in INDEX.md remakes the list page that shows it (and the
    pages that name the document, and the home page, which counts the whole corpus), not the
    other list pages; the site is the one a build without the cache makes."""
    from tests.test_cache import build, files, inodes, rebuilt

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    site = tmp_path / "site"
    build(paged, site)
    before = inodes(site)
    third = pipeline.check(paged)[0].docs[2].meta.title
    index_md = paged / "seeds" / "INDEX.md"
    index_md.write_text(index_md.read_text("utf-8").replace(third, third + " (corrected)", 1), "utf-8")
    build(paged, site)
    again = rebuilt(before, inodes(site))
    assert "documents/2.html" in again and "documents/3.html" not in again, again
    plain = tmp_path / "plain"
    build(paged, plain, "--no-cache")
    assert files(site) == files(plain)


def test_the_pages_pass_axe_and_filter_their_own_rows(paged: Path, tmp_path: Path, browser, static_server) -> None:
    out = tmp_path / "site"
    assert pipeline.build_and_write(paged, out).ok
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        assert serious_violations(page, static_server(out) + "documents/2.html") == []
        rows = page.locator("table.doc-table tbody tr")
        assert rows.count() == 2
        title = rows.nth(1).locator("td").first.inner_text()
        page.fill("#doc-filter", title)
        page.wait_for_function("() => document.getElementById('doc-count').textContent === '1 of 2 documents'")
        assert [r.locator("td").first.inner_text() for r in rows.all() if r.is_visible()] == [title]
        # the link to Search takes the words along, for the documents on other pages
        href = page.get_attribute("#doc-search", "href")
        assert href.startswith("../search.html?q=") and page.evaluate(
            "(h) => new URLSearchParams(h.split('?')[1]).get('q')", href) == title
    finally:
        page.close()


@given(pages_=st.integers(1, 300), data=st.data())
def test_the_pager_shows_the_ends_and_the_pages_near_and_marks_what_it_leaves_out(pages_: int, data) -> None:
    from builder.html import pager

    number = data.draw(st.integers(1, pages_))
    shown = pager.near(number, pages_)
    numbers = [k for k in shown if k]
    assert numbers == sorted(set(numbers)) and {1, pages_, number} <= set(numbers)
    assert set(range(max(1, number - 2), min(pages_, number + 2) + 1)) <= set(numbers)
    for a, b, c in zip(shown, shown[1:], shown[2:]):
        if b == 0:      # a gap stands for two pages or more, never for one
            assert c - a > 2
    assert all(b - a == 1 for a, b in zip(shown, shown[1:]) if a and b), "only a gap skips pages"
    assert len(shown) <= 9
