"""Who said what, at a glance: the reader's pages in Chromium.

Speaker colours far apart on every page, the chip's panel by click, Enter and tap, the
citation, the key, chips that never wrap away from their first word, the home table's
sorting and filtering, and the print stylesheet.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from builder.html.colours import LIGHT, SAFE, delta_e, lab
from builder.run.pipeline import build_and_write
from tests.factory import make_corpus, two_docs

SIDE_A = """\
quotes:
  - {id: guarded, text: "Our embassy is guarded by the Taliban", speaker: zamir-kabulov, via: tass, note: "Said on *Rossiya-24*."}
  - {id: govern, text: "We will see how they govern", speaker: zamir-kabulov}
dates:
  - {text: on Monday, date: 2021-08-16~}
"""
SIDE_B = """\
quotes:
  - {id: hair, text: "Our embassy is guarded by the Taliban", speaker: dmitry-zhirnov}
"""


def _built(corpus: Path, out: Path) -> Path:
    result = build_and_write(corpus, out)
    assert result.ok, result.diagnostics
    return out


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("reader")
    return _built(two_docs(tmp / "corpus", sidecar_a=SIDE_A, sidecar_b=SIDE_B), tmp / "site")


@pytest.fixture(scope="module")
def crowded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report quoting twelve people, and a second quoting four of them."""
    tmp = tmp_path_factory.mktemp("crowded")
    names = [("Anna", "Abramova"), ("Boris", "Baranov"), ("Carla", "Chernova"), ("Dmitri", "Davydov"),
             ("Elena", "Egorova"), ("Farid", "Fedorov"), ("Galina", "Gromova"), ("Hamid", "Hakimi"),
             ("Irina", "Ivanova"), ("Jamal", "Jafari"), ("Karim", "Karimov"), ("Lena", "Lebedeva")]
    entities = "people:\n" + "".join(f"  p{i}:\n    name: {g} {f}\n" for i, (g, f) in enumerate(names))
    text = "\n\n".join(f'{g} {f} said: "Point number {i} is what matters today."' for i, (g, f) in enumerate(names))
    side = "quotes:\n" + "".join(f'  - {{text: "Point number {i} is what matters today", speaker: p{i}}}\n'
                                 for i in range(len(names)))
    text_b = "\n\n".join(f'{names[i][0]} said: "Point number {i} is what matters today."' for i in (3, 5, 7, 9))
    side_b = "quotes:\n" + "".join(f'  - {{text: "Point number {i} is what matters today", speaker: p{i}}}\n'
                                   for i in (3, 5, 7, 9))
    corpus = make_corpus(tmp / "corpus",
                         [{"id": "crowd", "file": "crowd.txt", "title": "Twelve voices", "published": "2024-05-28"},
                          {"id": "four", "file": "four.txt", "title": "Four voices", "published": "2024-05-29"}],
                         {"crowd.txt": text, "four.txt": text_b}, entities=entities,
                         sidecars={"crowd": side, "four": side_b})
    return _built(corpus, tmp / "site")


def _document_pages(site: Path) -> list[str]:
    return sorted(f"docs/{p.name}" for p in (site / "docs").glob("*.html"))


QUOTE_COLOURS = """() => [...document.querySelectorAll('article .quote[data-speaker]')]
  .map(q => [q.dataset.speaker, getComputedStyle(q).getPropertyValue('--speaker-color').trim()])"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_speakers_on_one_page_are_far_apart(example_site, crowded_site, browser, static_server, scheme) -> None:
    checked = 0
    for site in (example_site, crowded_site):
        base = static_server(site)
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        try:
            for path in _document_pages(site):
                page.goto(base + path)
                colour_of = dict(page.evaluate(QUOTE_COLOURS))
                assert all(c.startswith("#") for c in colour_of.values()), (path, colour_of)
                assert len(set(colour_of.values())) == len(colour_of), f"{path}: two speakers alike: {colour_of}"
                if len(colour_of) <= SAFE:
                    for (a, ca), (b, cb) in itertools.combinations(sorted(colour_of.items()), 2):
                        assert delta_e(lab(ca), lab(cb)) >= 20, f"{path} ({scheme}): {a} {ca} and {b} {cb}"
                checked += 1
        finally:
            context.close()
    assert checked >= 7


def test_a_crowded_page_still_has_twelve_distinct_colours_and_people_keep_theirs(crowded_site, browser, static_server) -> None:
    base = static_server(crowded_site)
    page = browser.new_page()
    try:
        page.goto(base + "docs/crowd.html")
        crowd = dict(page.evaluate(QUOTE_COLOURS))
        page.goto(base + "docs/four.html")
        four = dict(page.evaluate(QUOTE_COLOURS))
    finally:
        page.close()
    assert len(crowd) == 12 and len(set(crowd.values())) == 12
    # On a page of four, everyone must have one of the eight far-apart colours: a person whose
    # colour among twelve is one of the eight keeps it; one given a further colour cannot.
    eight = {c.upper() for c in LIGHT}
    kept = [s for s in four if crowd[s].upper() in eight]
    assert kept and all(four[s] == crowd[s] for s in kept), (crowd, four)
    assert all(c.upper() in eight for c in four.values())


def _open_panel_checks(page, chip) -> None:  # noqa: ANN001 - playwright objects
    panel = page.locator(".speaker-panel")
    assert panel.count() == 1 and panel.get_attribute("role") == "dialog"
    assert panel.locator("h2").inner_text() == "Zamir Kabulov"
    assert "Russian presidential envoy" in panel.inner_text()
    assert "Reported via TASS" in panel.inner_text()
    assert "Said on Rossiya-24." in panel.inner_text(), "the quote's note"
    assert panel.locator("a", has_text="All quotes by Zamir Kabulov").get_attribute("href") == "../entities/zamir-kabulov.html"
    assert panel.locator("a", has_text="Permalink").get_attribute("href") == "#guarded"
    assert chip.get_attribute("aria-expanded") == "true"


def test_the_chip_opens_its_panel_by_click_and_by_enter(small_site, browser, static_server) -> None:
    base = static_server(small_site)
    page = browser.new_page()
    try:
        page.goto(base + "docs/a.html")
        chip = page.locator("#guarded .speaker-tag")
        assert chip.get_attribute("role") == "button" and chip.get_attribute("aria-label") == "Zamir Kabulov, via TASS:"
        chip.click()
        _open_panel_checks(page, chip)
        page.keyboard.press("Escape")
        assert page.locator(".speaker-panel").count() == 0 and chip.get_attribute("aria-expanded") == "false"
        assert page.evaluate("() => document.activeElement.closest('.quote').id") == "guarded", "focus returns to the chip"
        page.keyboard.press("Enter")
        _open_panel_checks(page, chip)
        page.locator(".speaker-panel .panel-close").click()
        assert page.locator(".speaker-panel").count() == 0
    finally:
        page.close()


def test_the_chip_opens_by_a_tap_on_a_phone_and_a_tap_outside_closes_it(small_site, browser, static_server) -> None:
    base = static_server(small_site)
    context = browser.new_context(viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(base + "docs/a.html")
        chip = page.locator("#guarded .speaker-tag")
        chip.tap()
        _open_panel_checks(page, chip)
        box = page.locator(".speaker-panel").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, "the panel stays on the screen"
        page.locator("h1").tap()
        assert page.locator(".speaker-panel").count() == 0
    finally:
        context.close()


def test_the_citation_names_speaker_words_outlet_date_document_and_permalink(small_site, browser, static_server) -> None:
    base = static_server(small_site)
    page = browser.new_page()
    try:
        page.goto(base + "docs/a.html")
        page.locator("#guarded .speaker-tag").click()
        panel = page.locator(".speaker-panel")
        formats = {}
        for name in ("plain", "bibtex", "csl"):
            panel.locator(f"button[data-format={name}]").click()
            formats[name] = panel.locator("pre").inner_text()
    finally:
        page.close()
    link = base + "docs/a.html#guarded"
    assert formats["plain"] == ("Zamir Kabulov (via TASS), quoted in \u201cReport A\u201d, CDMedia, 16 August 2021 (approximate): "
                                f"\u201cOur embassy is guarded by the Taliban\u201d {link}")
    bib = formats["bibtex"]
    assert bib.startswith("@misc{a-guarded,") and "author = {Kabulov, Zamir}" in bib and f"url = {{{link}}}" in bib
    assert "howpublished = {Quoted in \\emph{Report A}, CDMedia}" in bib and "date = {2021-08-16}" in bib
    csl = json.loads(formats["csl"])
    assert csl == [{"id": "a-guarded", "type": "speech", "author": [{"family": "Kabulov", "given": "Zamir"}],
                    "title": "Our embassy is guarded by the Taliban", "container-title": "Report A", "URL": link,
                    "publisher": "CDMedia", "issued": {"date-parts": [[2021, 8, 16]]}, "note": "Reported via TASS"}]


def test_each_document_page_has_a_key_to_its_marks(example_site, browser, static_server) -> None:
    base = static_server(example_site)
    page = browser.new_page()
    try:
        for path in _document_pages(example_site):
            page.goto(base + path)
            items = page.locator(".legend .key li")
            assert items.count() >= 3, path
            text = page.locator(".legend .key").inner_text()
            assert "A quote" in text and "A date" in text, path
            if page.locator("article .conflict-link").count():
                assert "Conflicting attribution" in text, path
    finally:
        page.close()


CHIP_LINES = """() => [...document.querySelectorAll('article .speaker-tag')].map(chip => {
  const walker = document.createTreeWalker(chip.closest('.quote'), NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.textContent.trim()) node = walker.nextNode();
  const range = document.createRange();
  range.setStart(node, 0); range.setEnd(node, 1);
  const word = range.getClientRects()[0], rects = chip.getClientRects();
  const last = rects[rects.length - 1];
  return [chip.closest('.quote').id, Math.abs(word.bottom - last.bottom) < 4];
})"""


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_a_chip_never_wraps_apart_from_its_first_word(example_site, browser, static_server, width) -> None:
    base = static_server(example_site)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    apart = []
    try:
        for path in _document_pages(example_site):
            page.goto(base + path)
            apart += [f"{path}#{qid}" for qid, together in page.evaluate(CHIP_LINES) if not together]
    finally:
        context.close()
    assert apart == []


def test_the_first_quote_of_a_speaker_in_a_paragraph_shows_the_name(small_site) -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((small_site / "docs" / "a.html").read_text("utf-8"), "html.parser")
    chips = {t.find_parent(class_="quote")["id"]: t for t in soup.select("article .speaker-tag")}
    assert chips["guarded"]["data-name"] == "Kabulov", "a person's short name is the family name"
    assert chips["govern"].get("data-name") == "Kabulov", "a new paragraph names the speaker again"


def test_the_home_table_sorts_by_any_column_and_filters(example_site, browser, static_server) -> None:
    base = static_server(example_site)
    page = browser.new_page()
    try:
        page.goto(base + "index.html")
        rows = page.locator(".doc-table tbody tr")
        n = rows.count()

        def column(attribute: str) -> list[str]:
            return page.evaluate(f"() => [...document.querySelectorAll('.doc-table tbody tr')].filter(r => !r.hidden)"
                                 f".map(r => r.getAttribute('{attribute}'))")

        page.locator("th button", has_text="Published").click()
        dates = [d for d in column("data-date") if d]
        assert dates == sorted(dates, reverse=True) and page.locator("th[aria-sort=descending]").count() == 1
        page.locator("th button", has_text="Published").click()
        dates = [d for d in column("data-date") if d]
        assert dates == sorted(dates)
        page.locator("th button", has_text="Annotations").click()
        quotes = [int(q) for q in column("data-quotes")]
        assert quotes == sorted(quotes, reverse=True)
        page.locator("th button", has_text="Title").click()
        titles = page.evaluate("() => [...document.querySelectorAll('.doc-table tbody tr td:first-child')].map(t => t.textContent.trim().toLowerCase())")
        assert titles == sorted(titles)

        page.select_option("#doc-sort", "2:asc")
        dates = [d for d in column("data-date") if d]
        assert dates == sorted(dates) and page.locator("th[aria-sort=ascending]").count() == 1
        page.select_option("#doc-sort", "")
        assert column("data-order") == [str(i) for i in range(n)], "back to INDEX.md's order"

        page.fill("#doc-filter", "envoy")
        shown = page.evaluate("() => [...document.querySelectorAll('.doc-table tbody tr')].filter(r => !r.hidden).map(r => r.cells[0].textContent + r.cells[1].textContent)")
        assert shown and all("envoy" in s.lower() for s in shown) and len(shown) < n
        assert page.locator("#doc-count").inner_text() == f"{len(shown)} of {n} documents"
        page.fill("#doc-filter", "")
        page.select_option("#doc-speaker", "dmitry-zhirnov")
        speakers = column("data-speakers")
        assert speakers and all("dmitry-zhirnov" in s.split() for s in speakers) and len(speakers) < n
    finally:
        page.close()


def test_without_the_script_the_home_table_is_a_plain_table(example_site, browser, static_server) -> None:
    base = static_server(example_site)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base + "index.html")
        assert page.locator(".doc-table tbody tr").count() == 5
        assert not page.locator(".table-tools").is_visible() and page.locator("th button").count() == 0
    finally:
        context.close()


def test_printing_names_speakers_brackets_dates_and_numbers_notes(small_site, browser, static_server) -> None:
    base = static_server(small_site)
    page = browser.new_page()
    try:
        page.goto(base + "docs/a.html")
        page.emulate_media(media="print")
        chip = page.evaluate("() => getComputedStyle(document.querySelector('#guarded .speaker-tag'), '::before').content")
        date = page.evaluate("() => getComputedStyle(document.querySelector('article time.date'), '::after').content")
        note = page.evaluate("() => getComputedStyle(document.querySelector('#guarded'), '::after').content")
        counted = page.evaluate("() => getComputedStyle(document.querySelector('#guarded'), '::after').counterIncrement")
        first_note = page.evaluate("() => document.querySelector('.notes li').id")
        background = page.evaluate("() => getComputedStyle(document.querySelector('#guarded')).backgroundColor")
    finally:
        page.close()
    assert chip == '"Zamir Kabulov, via TASS: "', "in print a quote says who said it in words"
    assert date == '" [16 August 2021 (approximate)]"', date
    assert note == "counter(note)" and counted == "note 1", "notes are numbered in the text"
    assert first_note == "guarded-body", "and listed in the order of the text"
    assert background == "rgba(0, 0, 0, 0)", "no colour behind quotes on paper"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_with_a_panel_open(example_site, browser, static_server, scheme) -> None:
    from tests.test_a11y import BLOCKING, _axe_path

    axe = _axe_path()
    base = static_server(example_site)
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(base + "docs/cdmedia-2021-hair.html")
        page.locator("article .quote[id] .speaker-tag").first.click()
        page.locator(".speaker-panel button[data-format=bibtex]").click()
        page.add_script_tag(path=str(axe))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    bad = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
           for v in result["violations"] if v["impact"] in BLOCKING]
    assert bad == []
