"""Layout of the example site in Chromium: what a reader sees first.

- at 390 px (a phone), no page type scrolls sideways, in either colour scheme, with the
  source view open and a note's popup showing;
- at 1280 px, the header is one row: the search box sits beside the site title, not under it;
- a long document title stays a reasonable size, and the reading text keeps a comfortable
  measure (about 45–80 characters a line).
"""

from __future__ import annotations

import pytest

from test_a11y import page_types

OVERFLOW = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1;
  }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '')
                           + ' right=' + Math.round(el.getBoundingClientRect().right));
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_overflows_sideways_on_a_phone(example_site, browser, static_server, scheme):
    base = static_server(example_site)
    # Not is_mobile: a mobile viewport zooms out to fit what overflows, which would hide it.
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme, has_touch=True)
    page = context.new_page()
    bad = {}
    try:
        for name, path in page_types(example_site).items():
            page.goto(base + path)
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["width"]:
                bad[name] = found
            if name.startswith("document"):
                # A note's popup, opened at the right edge, must stay on the page too.
                note = page.locator("article .note[tabindex]").last
                note.focus()
                found = page.evaluate(OVERFLOW)
                if found["scroll"] > found["width"]:
                    bad[name + " (note open)"] = found
    finally:
        context.close()
    assert bad == {}, bad


def test_the_header_is_one_row_on_a_wide_screen(example_site, browser, static_server):
    base = static_server(example_site)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        for path in ("index.html", "docs/" + sorted(p.name for p in (example_site / "docs").glob("*.html"))[0]):
            page.goto(base + path)
            brand = page.locator(".brand").bounding_box()
            search = page.locator(".search-box").bounding_box()
            nav = page.locator(".site-nav").bounding_box()
            assert brand and search and nav
            assert search["y"] < brand["y"] + brand["height"], f"{path}: the search box wraps under the title"
            assert nav["y"] < brand["y"] + brand["height"], f"{path}: the navigation wraps under the title"
            assert page.locator(".site-header").bounding_box()["height"] < 80
    finally:
        context.close()


MEASURE = """() => {
  const p = [...document.querySelectorAll('article p')].sort((a, b) => b.textContent.length - a.textContent.length)[0];
  const h1 = document.querySelector('h1');
  const style = getComputedStyle(p);
  const lines = Math.round(p.getBoundingClientRect().height / parseFloat(style.lineHeight));
  return {h1: parseFloat(getComputedStyle(h1).fontSize), h1_lines: Math.round(h1.getBoundingClientRect().height
            / parseFloat(getComputedStyle(h1).lineHeight)),
          chars_per_line: p.textContent.length / Math.max(1, lines), body: parseFloat(style.fontSize)};
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_document_titles_and_reading_measure(example_site, browser, static_server, width):
    base = static_server(example_site)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        # The longest title in the example corpus.
        page.goto(base + "docs/rt-2021-naeem.html")
        m = page.evaluate(MEASURE)
        assert m["h1"] <= 32, f"the document title is {m['h1']} px"
        assert m["h1"] >= 1.25 * m["body"], "the title no longer stands out from the text"
        assert m["h1_lines"] <= (4 if width == 1280 else 7), m
        low, high = (50, 80) if width == 1280 else (30, 50)
        assert low <= m["chars_per_line"] <= high, m
    finally:
        context.close()


LONG = "Unbrokenwordwithoutanyspaces" * 4 + "https://example.org/" + "a-very-long-path-segment" * 6


def test_long_unbroken_words_do_not_overflow_on_a_phone(browser, static_server, tmp_path):
    """Titles, names, notes, file names and text with 150-character words still fit 390 px."""
    from hostile.corpus import Corpus, build, person

    c = Corpus(title="Title " + LONG, intro="Intro " + LONG, entities={
        "people": {"long-name": person("Name" + LONG[:60], "Description " + LONG, aliases=["Longname"])}})
    c.doc("long", "long-file-name-" + "x" * 80 + ".txt", f"Longname said {LONG} on Tuesday.\nAnother line {LONG}.\n",
          "Doc " + LONG, source="Source" + LONG[:50], published="2024-05-28", url="https://example.org/" + "p" * 120,
          author="Author" + LONG[:70], extra=LONG[:90])
    c.sidecars["long"] = {"quotes": [{"text": f"said {LONG}", "speaker": "long-name", "note": "Note " + LONG}],
                          "dates": [{"text": "on Tuesday", "date": "2024-05-28", "event": "Event " + LONG}],
                          "notes": [{"text": "Another line", "note": LONG}]}
    site = tmp_path / "site"
    run = build(c.write(tmp_path / "corpus"), site)
    assert run.code == 0, run.err
    base = static_server(site)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    bad = {}
    try:
        for path in ["index.html", "docs/long.html", "entities/long-name.html", "entities.html", "timeline.html",
                     "quotes.html"]:
            page.goto(base + path)
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["width"]:
                bad[path] = found
    finally:
        context.close()
    assert bad == {}, bad
