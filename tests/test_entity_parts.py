"""An entity with more than ENTITY_ROWS quotes, or mentions in more than ENTITY_ROWS documents,
gets its page in parts: `entities/<id>.html` with who it is and the first ENTITY_ROWS of each
list, then `entities/<id>/<n>.html` with the next of both. At 10,000 synthetic documents the
largest entity page was 600 KB, and it grows with the corpus.

The example corpus is cut into parts of two here."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from builder.html import pages
from builder.run import pipeline
from tests.conftest import ROOT, copy_corpus
from tests.test_a11y import serious_violations
from tests.test_document_list import soup

ENTITY = "zamir-kabulov"


@pytest.fixture
def parted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(pages, "ENTITY_ROWS", 2)
    return copy_corpus(ROOT, tmp_path / "corpus")


def parts_of(site: dict, entity: str) -> list[str]:
    later = sorted((p for p in site if p.startswith(f"entities/{entity}/")), key=lambda p: int(p.rsplit("/", 1)[1][:-5]))
    return [f"entities/{entity}.html", *later]


def test_every_quote_and_mention_is_on_one_part_in_order(parted: Path) -> None:
    site = pipeline.build(parted).site
    linked = pipeline.check(parted)[0]
    the_pages = pages.Pages(linked, pipeline.config.parse(None)[0], None)   # type: ignore[arg-type]
    quotes, by_doc = the_pages.entity_lists(ENTITY)   # type: ignore[arg-type]
    parts = parts_of(site, ENTITY)
    assert len(parts) == max(math.ceil(len(quotes) / 2), math.ceil(len(by_doc) / 2)) > 2
    shown_quotes = [a["href"].split("#")[1] for p in parts
                    for a in soup(site, p).select("#quotes-title ~ .register-item > blockquote footer a")]
    assert shown_quotes == [r.id for r in quotes]
    shown_docs = [h3.a["href"].rsplit("/", 1)[1][:-5] for p in parts
                  for h3 in soup(site, p).select('section[aria-labelledby="mentions-title"] h3')]
    assert shown_docs == list(by_doc)


def test_the_first_part_says_who_and_the_others_where_they_are(parted: Path) -> None:
    site = pipeline.build(parted).site
    parts = parts_of(site, ENTITY)
    first = soup(site, parts[0])
    assert first.select_one(".meta") and "18 quotes" in first.select_one(".meta").get_text()
    assert first.select_one('script[type="application/ld+json"]') is not None
    for n, path in enumerate(parts, start=1):
        page = soup(site, path)
        nav = page.select_one(f'nav[aria-label="Pages of {page.h1.get_text().strip()}"]')
        assert nav.select_one('a[aria-current="page"]').get_text() == str(n)
        assert bool(nav.select_one('a[rel="prev"]')) == (n > 1) and bool(nav.select_one('a[rel="next"]')) == (n < len(parts))
        if n > 1:
            lede = page.select_one(".lede")
            assert f"Page {n} of {len(parts)}" in lede.get_text() and lede.a["href"] == f"../{ENTITY}.html"
            assert page.select_one(".meta") is None and page.select_one('script[type="application/ld+json"]') is None
            assert page.title.get_text().startswith(f"Zamir Kabulov, page {n} · ")


def test_a_small_entity_is_one_page(tmp_path: Path) -> None:
    site = pipeline.build(copy_corpus(ROOT, tmp_path / "corpus")).site
    assert not [p for p in site if p.startswith("entities/") and p.count("/") > 1]
    assert soup(site, f"entities/{ENTITY}.html").select_one("nav.doc-pages") is None


def test_the_parts_pass_axe(parted: Path, tmp_path: Path, browser, static_server) -> None:
    out = tmp_path / "site"
    assert pipeline.build_and_write(parted, out).ok
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for path in (f"entities/{ENTITY}.html", f"entities/{ENTITY}/2.html"):
            assert serious_violations(page, static_server(out) + path) == [], path
    finally:
        page.close()


def test_a_cached_build_of_parts_is_the_uncached_one(parted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the build cache, a quote given to another speaker: the site is what a build without
    the cache makes, parts and all, and the parts of an entity the edit did not touch are kept."""
    from tests.test_cache import build, files, inodes, rebuilt

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    site = tmp_path / "site"
    build(parted, site)
    before = inodes(site)
    sidecar = parted / "annotations" / "cdmedia-2021-hair.yaml"
    sidecar.write_text(sidecar.read_text("utf-8").replace("speaker: zamir-kabulov", "speaker: dmitry-zhirnov", 1), "utf-8")
    build(parted, site)
    again = rebuilt(before, inodes(site))
    assert any(p.startswith(f"entities/{ENTITY}") for p in again)
    assert not any(p.startswith("entities/sergey-lavrov") for p in again), again
    plain = tmp_path / "plain"
    build(parted, plain, "--no-cache")
    assert files(site) == files(plain)
