"""Annotating in the browser, end to end in headless Chromium against a running `glossator
serve`: the author selects words in the reading text (with the mouse or with Shift+arrows),
chooses Quote, Date, Note…, fills in the form, and the sidecar gains exactly that entry
(comments intact); the page reloads showing it. Suggestions show as ghosts to accept or
reject; a file changed behind the page's back is never overwritten; other origins cannot
write.

The corpus is the example with one document's sidecar cut back to its cleaning rules and one
note, and `glossator suggest` run on it: that document has drafts waiting.
"""

from __future__ import annotations

import hashlib
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT, copy_corpus
from tests.test_authoring_api import annotations_kept, comments, one_block_added
from tests.test_serve import Served, save, serving, wait_until

DOC = "unnamed-2017-mantytskiy"
SIDECAR = f"annotations/{DOC}.yaml"
DRAFTS = f"annotations/{DOC}.suggested.yaml"
UI = "glossator-authoring"
CUT = "\n# Everything else is still to annotate.\nnotes:\n  - text: \"Mantytskiy\"\n    prefix: \"Alexander \"\n" \
      "    note: The ambassador is Alexander **Mantytsky**.\n"
SELECT = """(args) => { const [words, nth] = args; const a = document.querySelector('article.reading');
  const w = document.createTreeWalker(a, NodeFilter.SHOW_TEXT); const nodes = []; let all = '';
  for (let n = w.nextNode(); n; n = w.nextNode()) { nodes.push([n, all.length]); all += n.data; }
  let i = -1; for (let k = 0; k <= (nth || 0); k++) { i = all.indexOf(words, i + 1); if (i < 0) return false; }
  const at = (o, end) => { for (const [n, s] of nodes) if (end ? o <= s + n.data.length : o < s + n.data.length) return [n, o - s]; };
  const r = document.createRange(); r.setStart(...at(i, false)); r.setEnd(...at(i + words.length, true));
  const s = getSelection(); s.removeAllRanges(); s.addRange(r);
  a.dispatchEvent(new MouseEvent('mouseup', {bubbles: true})); return true; }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    corpus = copy_corpus(ROOT, tmp_path_factory.mktemp("browser-authoring") / "corpus")
    sidecar = corpus / SIDECAR
    head = "".join(sidecar.read_text("utf-8").splitlines(True)[:18])
    sidecar.write_text(head + CUT, "utf-8")
    done = subprocess.run([sys.executable, "-m", "builder", "suggest", str(corpus), "-q"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (corpus / DRAFTS).exists()
    with serving(corpus) as served:
        yield served


@pytest.fixture
def files(server: Served) -> Iterator[Served]:
    """The server; the annotations folder is put back after each test."""
    with annotations_kept(server):
        yield server


def opened(page, server: Served, doc: str = DOC):  # noqa: ANN001, ANN201
    page.goto(server.url(f"docs/{doc}.html"))
    page.wait_for_function("() => window.glossatorAuthoring && window.glossatorAuthoring.ready")
    return page


def text(server: Served, rel: str = SIDECAR) -> str:
    return (server.corpus / rel).read_text("utf-8")


def saved_and_reloaded(page, action) -> None:  # noqa: ANN001
    """Run `action` (a click that saves) and wait for the reload that the rebuild brings."""
    with page.expect_navigation(timeout=15000):
        action()
    page.wait_for_function("() => window.glossatorAuthoring && window.glossatorAuthoring.ready")


def test_a_selection_becomes_a_quote_with_its_speaker(files: Served, page) -> None:  # noqa: ANN001
    before = text(files)
    opened(page, files)
    assert page.evaluate(SELECT, ["We have ties with the Taliban", 0])
    page.wait_for_selector(f"{UI} .toolbar")
    assert page.locator(f"{UI} .toolbar").get_attribute("role") == "toolbar"
    page.click(f"{UI} .toolbar button[data-kind=quote]")
    speaker = page.locator(f"{UI} input[name=speaker]")
    speaker.fill("mantyt")                                            # type-ahead by name
    page.wait_for_selector(f"{UI} [role=option]")
    assert "Alexander Mantytskiy" in page.locator(f"{UI} [role=listbox]:not([hidden])").inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert speaker.input_value() == "alexander-mantytskiy"
    saved_and_reloaded(page, lambda: page.click(f"{UI} .dialog button.primary"))
    after = text(files)
    added = one_block_added(before, after)
    assert "".join(added).count("text:") == 1 and "speaker: alexander-mantytskiy" in "".join(added)
    assert comments(after) == comments(before)
    made = page.locator(".glossator-just-made")
    assert made.count() == 1 and "quote" in made.get_attribute("class")
    assert made.get_attribute("data-speaker") == "alexander-mantytskiy"
    assert page.evaluate("(e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
                         made.element_handle())
    assert not page.console_errors


def test_a_date_is_proposed_by_the_suggest_code_and_saved(files: Served, page) -> None:  # noqa: ANN001
    before = text(files)
    opened(page, files)
    assert page.evaluate(SELECT, ["on Thursday", 0])
    page.wait_for_selector(f"{UI} .toolbar")
    page.click(f"{UI} .toolbar button[data-kind=date]")
    date = page.locator(f"{UI} input[name=date]")
    date.wait_for()
    wait_until(lambda: date.input_value(), 5, "the proposed date")
    assert date.input_value() == "2017?"                  # the published date is '2017?': a weekday resolves no further
    hint = page.locator(f"{UI} #{date.get_attribute('id')}-hint").inner_text()
    assert hint.startswith("Proposed: ") and "Thursday" in hint
    date.fill("2017-03?")
    saved_and_reloaded(page, lambda: page.click(f"{UI} .dialog button.primary"))
    added = "".join(one_block_added(before, text(files)))
    assert "text: on Thursday" in added and "date: 2017-03?" in added
    shown = page.locator("time.date.glossator-just-made")
    assert shown.get_attribute("data-edtf") == "2017-03?"


def test_keyboard_only_a_note(files: Served, page) -> None:  # noqa: ANN001
    before = text(files)
    opened(page, files)
    page.focus("article.reading")
    page.keyboard.press("ArrowRight")                     # the caret, at the start of the text in view
    for _ in range(3):
        page.keyboard.press("Control+Shift+ArrowRight")    # three words
    selected = page.evaluate("getSelection().toString()")
    assert len(selected.split()) >= 2, selected
    live = f"document.querySelector('{UI}').shadowRoot.querySelector('[role=status][aria-live]').textContent"
    wait_until(lambda: "press Enter" in page.evaluate(live) and selected.strip()[:20] in page.evaluate(live), 5,
               "the toolbar announced with the words selected")
    page.keyboard.press("Enter")
    focused = page.evaluate(f"document.querySelector('{UI}').shadowRoot.activeElement.textContent")
    assert focused == "Quote"
    assert page.evaluate(f"document.querySelector('{UI}').shadowRoot.activeElement.closest('[role=toolbar]')"
                         ".getAttribute('aria-label')") == "Annotate the selected words"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(f"document.querySelector('{UI}').shadowRoot.activeElement.textContent") == "Note"
    page.keyboard.press("Enter")
    note = page.locator(f"{UI} textarea")
    note.wait_for()
    wait_until(lambda: page.evaluate(f"document.querySelector('{UI}').shadowRoot.activeElement.tagName") == "TEXTAREA",
               5, "the note field focused")
    page.keyboard.type("Typed *only* with the keyboard.")
    page.keyboard.press("Tab")                            # to Save
    assert page.evaluate(f"document.querySelector('{UI}').shadowRoot.activeElement.textContent") == "Save"
    saved_and_reloaded(page, lambda: page.keyboard.press("Enter"))
    added = "".join(one_block_added(before, text(files)))
    assert "note: Typed *only* with the keyboard." in added
    assert page.locator(".note.glossator-just-made").count() == 1


def test_edit_then_delete_from_the_page_and_undo(files: Served, page) -> None:  # noqa: ANN001
    original = text(files)
    opened(page, files)
    ann_id = page.locator("article.reading .note").first.get_attribute("id")
    assert page.evaluate(SELECT, ["Mantytskiy", 0])        # words inside the note: the toolbar offers to edit it
    page.click(f"{UI} .toolbar button[data-edit='{ann_id}']")
    field = page.locator(f"{UI} textarea")
    field.wait_for()
    assert "Mantytsky" in field.input_value()
    field.fill("The ambassador's name is spelt **Mantytsky** elsewhere.")
    saved_and_reloaded(page, lambda: page.click(f"{UI} .dialog button.primary"))
    edited = text(files)
    assert "note: The ambassador's name is spelt **Mantytsky** elsewhere." in edited
    assert comments(edited) == comments(original) and edited.count("\n") == original.count("\n")
    assert page.locator(f"#{ann_id}").count() == 1
    assert page.evaluate(SELECT, ["Mantytskiy", 0])
    page.click(f"{UI} .toolbar button[data-edit='{ann_id}']")
    page.locator(f"{UI} button.danger").wait_for()
    saved_and_reloaded(page, lambda: page.click(f"{UI} button.danger"))
    assert page.locator(f"#{ann_id}").count() == 0
    assert "Mantytsky" not in text(files) and comments(text(files)) == comments(original)
    undo = page.locator(f"{UI} .bar button.undo")
    wait_until(lambda: undo.is_visible(), 5, "the undo button")
    assert "deleted" in undo.inner_text()
    saved_and_reloaded(page, lambda: undo.click())
    saved_and_reloaded(page, lambda: page.locator(f"{UI} .bar button.undo").click())
    assert text(files) == original                        # byte for byte


def test_suggestions_are_ghosts_to_accept_or_reject(files: Served, page) -> None:  # noqa: ANN001
    sidecar, drafts = text(files), text(files, DRAFTS)
    opened(page, files)
    ghosts = page.evaluate("window.glossatorAuthoring.ghosts")
    assert ghosts >= 5
    first_quote = page.locator("mark.glossator-ghost[data-kind=quote][tabindex='0']").first
    words = first_quote.evaluate("(m) => [...document.querySelectorAll("
                                 "`mark[data-suggestion='${m.dataset.suggestion}']`)].map(x => x.textContent).join('')")
    assert page.locator("mark.glossator-ghost").first.evaluate("(m) => getComputedStyle(m).borderBottomStyle") == "dashed"
    first_quote.focus()
    saved_and_reloaded(page, lambda: page.keyboard.press("a"))          # A accepts
    added = "".join(one_block_added(sidecar, text(files)))
    assert words[:40] in added.replace("\n    ", " ") and "speaker:" in added and "confidence" not in added
    assert words[:40] not in text(files, DRAFTS).replace("\n    ", " ")
    assert page.evaluate("window.glossatorAuthoring.ghosts") == ghosts - 1
    # reject a date: it leaves the page and the drafts, and is listed so suggest does not bring it back
    date = page.locator("mark.glossator-ghost[data-kind=date][tabindex='0']").first
    date_words = date.inner_text()
    now = text(files)
    date.focus()
    page.keyboard.press("r")
    wait_until(lambda: page.evaluate("window.glossatorAuthoring.ghosts") == ghosts - 2, 5, "the ghost rejected")
    assert text(files) == now                              # the sidecar is untouched
    assert f"rejected:\n- kind: date\n  text: {date_words}" in text(files, DRAFTS)
    done = subprocess.run([sys.executable, "-m", "builder", "suggest", str(files.corpus), "-q", "--doc", DOC], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    again = text(files, DRAFTS)
    assert f"- kind: date\n  text: {date_words}" in again and again.count(f"text: {date_words}\n") == 1
    assert drafts != again


def test_accept_all_above_a_confidence(files: Served, page) -> None:  # noqa: ANN001
    import yaml
    drafts = yaml.safe_load(text(files, DRAFTS))
    confident = sum(1 for section in ("quotes", "dates", "mentions") for s in drafts.get(section) or []
                    if s["confidence"] >= 0.9)
    assert confident >= 1
    before = text(files)
    opened(page, files)
    page.fill(f"{UI} .bar input[type=number]", "0.9")
    saved_and_reloaded(page, lambda: page.click(f"{UI} .bar .all button"))
    added = "".join(one_block_added(before, text(files)))
    assert added.count("text:") == confident


def test_a_conflicting_save_is_refused_and_shows_what_changed(files: Served, page) -> None:  # noqa: ANN001
    opened(page, files)
    assert page.evaluate(SELECT, ["on Thursday", 0])
    page.click(f"{UI} .toolbar button[data-kind=note]")
    page.locator(f"{UI} textarea").fill("A note made against an old version.")
    theirs = text(files) + "# the author's editor saved this line meanwhile\n"
    builds = files.status()["builds"]
    save(files.corpus / SIDECAR, theirs)
    files.wait_builds(builds + 1)
    page.click(f"{UI} .dialog button.primary")
    problem = page.locator(f"{UI} .problem")
    problem.locator("pre.diff").wait_for()
    assert "changed on disk" in problem.inner_text()
    assert "+# the author's editor saved this line meanwhile" in problem.locator("pre.diff").inner_text()
    assert text(files) == theirs                           # nothing lost, nothing written over


def test_a_selection_across_an_annotations_edge_is_explained(files: Served, page) -> None:  # noqa: ANN001
    before = text(files)
    opened(page, files)
    # from inside the note's words ("Mantytskiy") to past its end
    assert page.evaluate(SELECT, ["tytskiy, the Russian", 0])
    page.click(f"{UI} .toolbar button[data-kind=quote]")
    problem = page.locator(f"{UI} .problem")
    problem.wait_for()
    assert "crosses the edge" in problem.inner_text()
    assert page.locator(f"{UI} .dialog button.primary").is_hidden()
    assert text(files) == before


class _Foreign(http.server.BaseHTTPRequestHandler):
    """Another site open in the same browser, trying to write and to read the token."""

    target = ""

    def do_GET(self) -> None:  # noqa: N802
        body = (f"<!doctype html><title>elsewhere</title><script>window.tries = (async () => {{ const out = {{}};"
                f"try {{ const r = await fetch('{self.target}/__glossator/api/annotations', {{method: 'POST', "
                "headers: {'Content-Type': 'application/json', 'X-Glossator-Token': 'guess'}, body: JSON.stringify("
                f"{{document: '{DOC}', kind: 'note', text: 'on Thursday', fields: {{note: 'x'}}, base: ''}})}});"
                " out.write = r.status; } catch (e) { out.write = 'blocked'; }"
                f"try {{ const r = await fetch('{self.target}/__glossator/api/annotations', {{method: 'POST', mode: "
                "'no-cors', headers: {'Content-Type': 'text/plain'}, body: '{}'}); out.simple = r.type; } "
                "catch (e) { out.simple = 'blocked'; }"
                f"try {{ const r = await fetch('{self.target}/docs/{DOC}.html'); out.read = (await r.text()).length; }}"
                " catch (e) { out.read = 'blocked'; } return out; })();</script>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_another_origin_cannot_write_or_read_the_token(files: Served, page) -> None:  # noqa: ANN001
    before = {p.name: p.read_bytes() for p in (files.corpus / "annotations").iterdir()}
    _Foreign.target = files.url().rstrip("/")
    foreign = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Foreign)
    threading.Thread(target=foreign.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://localhost:{foreign.server_address[1]}/")
        tries = page.evaluate("window.tries")
    finally:
        foreign.shutdown()
    assert tries["write"] in ("blocked", 403)
    assert tries["read"] == "blocked"                      # no CORS: the page's token cannot be read
    assert {p.name: p.read_bytes() for p in (files.corpus / "annotations").iterdir()} == before
    # the served page itself, without the token, or with a foreign Host: 403
    opened(page, files)
    status = page.evaluate("""async () => (await fetch('/__glossator/api/annotations', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: '{}'})).status""")
    assert status == 403
    assert hashlib.sha256(text(files).encode()).hexdigest() == hashlib.sha256(before[f"{DOC}.yaml"]).hexdigest()


def test_no_authoring_in_pages_other_than_documents_nor_in_builds(files: Served, page, example_site: Path) -> None:  # noqa: ANN001
    page.goto(files.url("index.html"))
    page.wait_for_load_state("load")
    assert page.locator(UI).count() == 0
    assert not any("authoring.js" in p.read_text("utf-8", "replace") for p in example_site.rglob("*.html"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_toolbar_the_form_and_the_ghosts(files: Served, browser, scheme: str) -> None:  # noqa: ANN001
    from tests.test_a11y import BLOCKING, _axe_path
    axe = _axe_path()
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        opened(page, files)
        found = []
        for step in ("toolbar", "form", "ghost"):
            if step == "toolbar":
                assert page.evaluate(SELECT, ["He declared the", 0])
                page.wait_for_selector(f"{UI} .toolbar")
            elif step == "form":
                page.click(f"{UI} .toolbar button[data-kind=quote]")
                page.locator(f"{UI} input[name=speaker]").fill("a")
                page.wait_for_selector(f"{UI} [role=option]")
            else:
                page.keyboard.press("Escape")
                page.locator("mark.glossator-ghost[tabindex='0']").first.click()
                page.wait_for_selector(f"{UI} .dialog")
            page.add_script_tag(path=str(axe))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            found += [f"{step}: {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
                " ".join(map(str, n["target"])) for n in v["nodes"][:4])
                for v in result["violations"] if v["impact"] in BLOCKING]
        assert found == []
    finally:
        context.close()


def test_a_suggestion_edited_then_accepted(files: Served, page) -> None:  # noqa: ANN001
    before = text(files)
    opened(page, files)
    date = page.locator("mark.glossator-ghost[data-kind=date][tabindex='0']").first
    words = date.inner_text()
    date.focus()
    page.keyboard.press("e")                              # E: the date's form, filled in with the suggestion
    value = page.locator(f"{UI} input[name=date]")
    value.wait_for()
    assert value.input_value() == "2017?"
    value.fill("2017-04?")
    saved_and_reloaded(page, lambda: page.click(f"{UI} .dialog button.primary"))
    added = "".join(one_block_added(before, text(files)))
    assert f"text: {words}" in added and "date: 2017-04?" in added
    assert f"text: {words}\n" not in text(files, DRAFTS)


def test_a_link_to_another_documents_annotation_by_type_ahead(files: Served, page) -> None:  # noqa: ANN001
    before = text(files)
    opened(page, files)
    assert page.evaluate(SELECT, ["He declared the Taliban a political faction", 0])
    page.click(f"{UI} .toolbar button[data-kind=link]")
    to = page.locator(f"{UI} input[name=to]")
    to.fill("doc:rt-2021-naeem#")                         # that document's annotations are offered
    page.wait_for_selector(f"{UI} [role=listbox]:not([hidden]) [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    target = to.input_value()
    assert target.startswith("doc:rt-2021-naeem#") and len(target) > len("doc:rt-2021-naeem#")
    saved_and_reloaded(page, lambda: page.click(f"{UI} .dialog button.primary"))
    assert f"to: {target}" in "".join(one_block_added(before, text(files)))
    link = page.locator(".xref.glossator-just-made")
    assert link.get_attribute("data-href") == f"rt-2021-naeem.html#{target.split('#')[1]}"


def test_a_quote_by_a_new_person_adds_them_to_the_entities_in_the_same_change(files: Served, page) -> None:  # noqa: ANN001
    entities_rel = "annotations/entities.yaml"
    before, entities = text(files), text(files, entities_rel)
    opened(page, files)
    assert page.evaluate(SELECT, ["He declared the Taliban a political faction", 0])
    page.click(f"{UI} .toolbar button[data-kind=quote]")
    page.locator(f"{UI} .dialog button.link-button").click()          # New person…
    page.locator(f"{UI} input[name=new-name]").fill("Ivana Petrová")
    assert page.locator(f"{UI} input[name=new-id]").input_value() == "ivana-petrova"
    saved_and_reloaded(page, lambda: page.click(f"{UI} .dialog button.primary"))
    added = "".join(one_block_added(entities, text(files, entities_rel)))
    assert "ivana-petrova:" in added and "name: Ivana Petrová" in added
    assert comments(text(files, entities_rel)) == comments(entities)
    assert "speaker: ivana-petrova" in "".join(one_block_added(before, text(files)))
    assert page.locator(".glossator-just-made").get_attribute("data-speaker") == "ivana-petrova"
    undo = page.locator(f"{UI} .bar button.undo")
    wait_until(lambda: undo.is_visible(), 5, "the undo button")
    saved_and_reloaded(page, lambda: undo.click())                    # one undo takes back both files
    assert text(files) == before and text(files, entities_rel) == entities
