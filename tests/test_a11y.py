"""Accessibility of the example site in Chromium.

- axe-core (tests/node_modules/axe-core, pinned in tests/package.json) finds no serious
  or critical violation on any page type, in the light and the dark colour scheme;
- with the keyboard alone, Tab reaches every note and every date of a document, and
  each shows its text (the note) or its normalised form (the date) in a visible popup;
- without the script, a focused date still shows its normalised form (CSS);
- a screen reader hears who speaks each quote: the accessibility tree names the speaker
  at the start of every quote.

Outside CI a missing axe-core skips the axe test; in CI (CI=true) it fails it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
AXE = TESTS / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# The dark scheme changes colours only (same markup, same script): in it, axe runs the rules
# that look at colour; every other rule runs in the light scheme.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def page_types(site: Path) -> dict[str, str]:
    """One page of each type (every document page: they differ most), by a readable name."""
    docs = sorted(p.relative_to(site).as_posix() for p in (site / "docs").glob("*.html"))
    entities = sorted((site / "entities").glob("*.html"), key=lambda p: (-p.stat().st_size, p.name))
    pages = {"index": "index.html", "entities": "entities.html", "timeline": "timeline.html",
             "quotes": "quotes.html", "search": "search.html", "404": "404.html",
             "entity": entities[0].relative_to(site).as_posix()}
    pages.update({f"document {Path(d).stem}": d for d in docs})
    return pages


def _axe_path() -> Path:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: CI must run `npm ci` in tests/ (.ci/setup)")
        pytest.skip(f"{AXE} is missing (cd tests && npm ci)")
    return AXE


def serious_violations(page, url: str) -> list[str]:  # noqa: ANN001 - a playwright Page
    """The ids of the serious or critical violations axe-core finds on the page at `url`."""
    axe = _axe_path()
    page.goto(url)
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(example_site, browser, static_server, scheme):
    axe = _axe_path()
    base = static_server(example_site)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for name, path in page_types(example_site).items():
            page.goto(base + path)
            page.add_script_tag(path=str(axe))
            result = page.evaluate("async (only) => await axe.run(document, only ? {resultTypes: ['violations'], "
                                   "runOnly: {type: 'rule', values: only}} : {resultTypes: ['violations']})",
                                   COLOUR_RULES if scheme == "dark" else None)
            bad = [f"{v['id']} ({v['impact']}): {v['help']} — "
                   + "; ".join(" ".join(n["target"]) + (f" [{n.get('failureSummary', '').splitlines()[-1].strip()}]"
                                                          if n.get("failureSummary") else "") for n in v["nodes"][:4])
                   for v in result["violations"] if v["impact"] in BLOCKING]
            if bad:
                found[f"{name} ({path})"] = bad
    finally:
        context.close()
    assert found == {}, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


PROBE = """() => {
  const a = document.activeElement;
  const pop = document.querySelector('.note-pop');
  let pop_text = '', pop_shown = false;
  if (pop) {
    const r = pop.getBoundingClientRect(), s = getComputedStyle(pop);
    pop_text = pop.innerText;
    pop_shown = r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && r.left >= 0 && r.right <= document.documentElement.clientWidth;
  }
  return {id: a.id || '', tag: a.tagName, in_article: !!a.closest('article'),
          held: [...a.querySelectorAll('[id]')].map(e => e.id), pop_text, pop_shown};
}"""

EXPECTED = """() => {
  const text = el => el.innerText.replace(/\\s+/g, ' ').trim();
  const notes = [...document.querySelectorAll('article .note[id], article .quote.has-note[id]')].map(el => {
    const body = document.getElementById(el.id + '-body');
    const copy = body.cloneNode(true);
    copy.querySelectorAll('.note-back').forEach(b => b.remove());
    return {id: el.id, want: copy.textContent.replace(/\\s+/g, ' ').trim()};
  });
  const dates = [...document.querySelectorAll('article time.date[id]')].map(el => ({id: el.id, want: el.dataset.label}));
  return {notes, dates};
}"""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def document_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in (site / "docs").glob("*.html"))


def tab_through(page, url: str) -> list[str]:
    """Tab from the top of a document page through its reading text; what was not reached or not shown."""
    page.goto(url)
    expected = page.evaluate(EXPECTED)
    assert expected["dates"], f"{url} has no dates to test"
    seen: dict[str, str] = {}    # annotation id → popup text while it (or the link holding it) had focus
    entered = False
    for _ in range(1500):
        page.keyboard.press("Tab")
        step = page.evaluate(PROBE)
        if step["in_article"]:
            entered = True
        elif entered:
            break   # Tab has left the reading text
        if step["pop_shown"]:
            for ident in [step["id"], *step["held"]]:
                if ident:
                    seen[ident] = seen.get(ident, "") + " " + _norm(step["pop_text"])
    problems = []
    for kind in ("notes", "dates"):
        for item in expected[kind]:
            if item["id"] not in seen:
                problems.append(f"{kind[:-1]} #{item['id']} never had keyboard focus with its popup shown")
            elif _norm(item["want"])[:60] not in seen[item["id"]]:
                problems.append(f"{kind[:-1]} #{item['id']}: popup {seen[item['id']][:80]!r} "
                                f"does not show {item['want'][:60]!r}")
    return problems


def test_keyboard_reaches_and_reads_every_note_and_date(example_site, browser, static_server, tmp_path):
    from hostile.corpus import build, nested_corpus

    nested = tmp_path / "nested-site"
    assert build(nested_corpus().write(tmp_path / "nested"), nested).code == 0
    base, base_nested = static_server(example_site), static_server(nested)
    urls = [base + path for path in document_pages(example_site)] + [base_nested + "docs/nested.html"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        missing = {url: problems for url in urls if (problems := tab_through(page, url))}
    finally:
        context.close()
    assert missing == {}, missing


def test_without_the_script_a_focused_date_shows_its_normalised_form(example_site, browser, static_server):
    base = static_server(example_site)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base + document_pages(example_site)[0])
        date = page.locator("article time.date[tabindex]").first
        label = date.get_attribute("data-label")
        date.focus()
        shown = date.evaluate("el => getComputedStyle(el, '::after').content")
        assert label and shown == f'"{label}"'
    finally:
        context.close()


def test_a_screen_reader_hears_who_speaks_each_quote(example_site, browser, static_server):
    base = static_server(example_site)
    context = browser.new_context()
    page = context.new_page()
    wrong: list[str] = []
    try:
        for path in document_pages(example_site):
            page.goto(base + path)
            names = dict(page.evaluate(
                "() => [...document.querySelectorAll('.legend li[data-speaker]')]"
                ".map(li => [li.dataset.speaker, li.querySelector('a').textContent.trim()])"))
            quotes = page.locator("article .quote[id]")
            assert quotes.count() > 0
            for i in range(quotes.count()):
                quote = quotes.nth(i)
                speaker = quote.get_attribute("data-speaker")
                tree = quote.aria_snapshot()
                first = tree.splitlines()[0] if tree else ""
                # The first thing heard inside the quote is the speaker's name: the chip, a button
                # once the script runs (it opens the quote's panel), e.g. `- button "Zamir Kabulov:"`.
                if not re.match(rf'^- button "{re.escape(names[speaker])}(, via [^"]+)?:"', first):
                    wrong.append(f"{path}#{quote.get_attribute('id')}: expected {names[speaker]!r} first, heard {first!r}")
    finally:
        context.close()
    assert wrong == [], "\n".join(wrong)
