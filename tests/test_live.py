"""The live site behind `glossator serve`: the pipeline's steps through a memo kept for the session.

It redoes only what an edit can change, and what it serves always equals a full build of the
same files, byte for byte: checked edit by edit here, and by a stateful property test that
applies random sequences of edits (sidecars, documents added and removed, entity renames,
templates, bad edits and their fixes, a .yml beside a .yaml, base_url on and off).
"""

from __future__ import annotations

import importlib.util
import random
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from builder.html import pages as site_pages
from builder.run import pipeline
from builder.read.files import CorpusFiles
from builder.run.live import LiveSite
from builder.run.memo import Fresh
from tests.conftest import ROOT, copy_corpus
from tests.oracles import group_statements

RT = "annotations/rt-2021-naeem.yaml"
CD = "annotations/cdmedia-2021-hair.yaml"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(ROOT, tmp_path / "corpus")


@pytest.fixture
def live(corpus: Path) -> LiveSite:
    site = LiveSite(corpus)
    first = site.build()
    assert first.ok, [d.format() for d in first.diagnostics]
    site.render_pending()
    return site


def edit(corpus: Path, rel: str, change: Callable[[str], str]) -> Path:
    path = corpus / rel
    old = path.read_text("utf-8")
    new = change(old)
    assert new != old, f"the edit of {rel} changed nothing"
    path.write_text(new, "utf-8")
    return path


def rebuild(site: LiveSite, *paths: Path) -> tuple[set[str], set[str], object]:
    """(the pages rendered again, the site files whose bytes changed, the update)."""
    update = site.build(paths)
    rest = site.render_pending()
    return set(update.rendered) | set(rest.rendered), set(update.changed) | set(rest.changed), update


def served(site: LiveSite, paths: object) -> dict[str, bytes | None]:
    return {p: site.get(p) for p in paths}   # type: ignore[union-attr]


def assert_same_as_full_build(site: LiveSite, corpus: Path) -> None:
    full = pipeline.build(corpus)
    assert full.ok
    mine = site.site()
    assert list(mine) == list(full.site)
    assert [p for p in full.site if full.site[p] != mine[p]] == []
    assert served(site, full.site) == dict(full.site), "get() answers what the full build wrote"


def test_the_first_build_is_the_full_build(live: LiveSite, corpus: Path) -> None:
    assert_same_as_full_build(live, corpus)


def test_page_makers_list_the_pages_of_pages_all(corpus: Path) -> None:
    linked, _ = pipeline.check(corpus)
    chosen = pipeline.config.load(corpus)[0]
    pages = pipeline.site(linked, chosen, pipeline.look(corpus, chosen, Fresh(), CorpusFiles(corpus))).pages
    assert list(site_pages.page_makers(pages)) == [path for path, _, _ in pages.all()]


def _quote_text(s: str) -> str:
    return s.replace('  - id: putin-reality\n    text: "This is reality."', '  - id: putin-reality\n    text: "This is reality"')


EVERY = object()
EDITS = [
    # (what, file, change, the pages whose bytes change, the most pages it may render, the steps it runs again)
    ("a note's text", RT, lambda s: s.replace("The capture has no date", "The capture has NO date"),
     {"docs/rt-2021-naeem.html"}, 1, {"('document', 'rt-2021-naeem')"}),
    ("a quote's text", RT, _quote_text,
     {"docs/rt-2021-naeem.html", "entities/vladimir-putin.html", "quotes.html"}, 3, {"('document', 'rt-2021-naeem')"}),
    ("a new note", RT, lambda s: s + '  - text: "This is reality."\n    note: A new note.\n',
     {"docs/rt-2021-naeem.html", "index.html"}, 2, {"('document', 'rt-2021-naeem')"}),
    ("an event's label", "annotations/anadolu-2024-medvedev.yaml",
     lambda s: re.sub(r"(\n    event: )([^\n]+)", r"\1Renamed, \2", s, count=1),
     {"timeline.html"}, 2, {"('document', 'anadolu-2024-medvedev')"}),   # the label is the timeline's alone
    ("whitespace in a sidecar", CD,
     lambda s: s.replace('    same-as: "doc:rt-2021-naeem#zhirnov-hair"\n', '    same-as: "doc:rt-2021-naeem#zhirnov-hair"  \n'),
     set(), 0, {"('document', 'cdmedia-2021-hair')"}),   # read again, nothing else
    ("a template", "themes/default/templates/base.html", lambda s: s.replace("</footer>", "</footer>\n<!-- edited -->"),
     EVERY, None, {"look"}),
]


@pytest.mark.parametrize("what, rel, change, pages, most, steps", EDITS, ids=[e[0] for e in EDITS])
def test_an_edit_redoes_only_what_it_changes(live: LiveSite, corpus: Path, what: str, rel: str,
                                             change: Callable[[str], str], pages: object, most: int | None,
                                             steps: set[str]) -> None:
    if rel.startswith("themes/"):
        (corpus / "themes/default/templates").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, corpus / rel)
        assert live.build([corpus / rel]).ok
        live.render_pending()
    rendered, changed, update = rebuild(live, edit(corpus, rel, change))
    assert update.ok
    assert set(update.rechecked) == steps
    every_page = {p for p in live.site() if p.endswith(".html")}
    assert {p for p in changed if p.endswith(".html")} == (every_page if pages is EVERY else pages)
    if most is not None:
        assert len({p for p in rendered if p.endswith(".html")}) <= most, sorted(rendered)
    assert_same_as_full_build(live, corpus)


def test_a_statement_change_changes_both_reports(live: LiveSite, corpus: Path) -> None:
    """Dropping a same-as splits a statement: the other report's page and the registers change too."""
    _, changed, _ = rebuild(live, edit(corpus, CD, lambda s: s.replace(
        '    same-as: "doc:rt-2021-naeem#zhirnov-hair"\n', "")))
    assert {"docs/cdmedia-2021-hair.html", "docs/rt-2021-naeem.html", "quotes.html", "index.html"} <= changed
    assert not any(p.startswith("docs/") for p in changed - {"docs/cdmedia-2021-hair.html", "docs/rt-2021-naeem.html"})
    assert_same_as_full_build(live, corpus)


def test_only_the_edited_document_is_prepared_again(live: LiveSite, corpus: Path) -> None:
    edit(corpus, RT, _quote_text)
    assert live.build([corpus / RT]).rechecked == ("('document', 'rt-2021-naeem')",)
    edit(corpus, "seeds/001_78a6bd40efd81f0e.txt", lambda s: s + "\nA paragraph added at the end.\n")
    assert live.build([corpus / "seeds/001_78a6bd40efd81f0e.txt"]).rechecked == ("('document', 'anadolu-2024-medvedev')",)
    assert_same_as_full_build(live, corpus)


def test_a_bad_edit_keeps_the_last_good_site_and_reports_as_build_does(live: LiveSite, corpus: Path) -> None:
    good = live.site()
    for change in (lambda s: s.replace("speaker: vladimir-putin", "speaker: vladimir-putn", 1),      # unknown speaker
                   lambda s: s.replace('text: "This is reality."', 'text: "This is not reality."'),  # anchor not found
                   lambda s: s.replace("\nnotes:\n", "\nnotes: [\n", 1)):                            # YAML syntax
        path = corpus / RT
        original = path.read_text("utf-8")
        edit(corpus, RT, change)
        update = live.build([path])
        full = pipeline.build(corpus)
        assert not update.ok and not full.ok
        assert update.diagnostics == full.diagnostics
        assert live.site() == good
        path.write_text(original, "utf-8")
        assert live.build([path]).ok
    assert_same_as_full_build(live, corpus)


@pytest.mark.parametrize("what", ["a removed sidecar", "a stray sidecar", "settings", "a new document",
                                  "an alias claimed twice", "a .yml beside a .yaml", "base_url"])
def test_other_inputs_match_the_full_build(live: LiveSite, corpus: Path, what: str) -> None:
    if what == "a removed sidecar":
        (corpus / "annotations/unnamed-2017-mantytskiy.yaml").unlink()
        changed = [corpus / "annotations/unnamed-2017-mantytskiy.yaml"]
    elif what == "a stray sidecar":
        (corpus / "annotations/rt-2021-naeen.yaml").write_text("notes: []\n", "utf-8")
        changed = [corpus / "annotations/rt-2021-naeen.yaml"]
    elif what == "an alias claimed twice":
        edit(corpus, "annotations/entities.yaml", lambda s: s.replace(
            "\nplaces:\n", "\nplaces:\n  moscow-idaho:\n    name: Moscow, Idaho\n    aliases: [Moscow]\n", 1))
        changed = [corpus / "annotations/entities.yaml"]
    elif what == "settings":
        (corpus / "glossator.toml").write_text('title = "Renamed"\n', "utf-8")
        changed = [corpus / "glossator.toml"]
    elif what == "a .yml beside a .yaml":
        (corpus / "annotations/rt-2021-naeem.yml").write_text("notes:\n  - {text: Taliban, note: From the .yml.}\n")
        changed = [corpus / "annotations/rt-2021-naeem.yml"]
    elif what == "base_url":
        (corpus / "glossator.toml").write_text('base_url = "https://example.org/corpus/"\n', "utf-8")
        changed = [corpus / "glossator.toml"]
    else:
        (corpus / "seeds/new.txt").write_text("A new document about Kabul.\n", "utf-8")
        edit(corpus, "seeds/INDEX.md", lambda s: s.rstrip("\n") + "\n| new-doc | new.txt | A new document | | 2024 | | en |\n")
        changed = [corpus / "seeds/new.txt", corpus / "seeds/INDEX.md"]
    update = live.build(changed)
    full = pipeline.build(corpus)
    assert update.diagnostics == full.diagnostics
    assert update.ok == full.ok
    if full.ok:
        assert_same_as_full_build(live, corpus)
    if what == "base_url":
        assert live.get("sitemap.xml") == full.site["sitemap.xml"]


def test_a_page_asked_for_before_its_turn_is_rendered_on_the_spot(live: LiveSite, corpus: Path) -> None:
    edit(corpus, RT, _quote_text)
    update = live.build([corpus / RT], first=["docs/rt-2021-naeem.html"])
    assert update.rendered == ("docs/rt-2021-naeem.html",)
    assert "quotes.html" in live.unchecked
    full = pipeline.build(corpus)
    assert live.get("quotes.html") == full.site["quotes.html"]
    assert "quotes.html" not in live.unchecked


def test_a_corpus_reached_through_a_link_sees_its_edits(corpus: Path, tmp_path: Path) -> None:
    link = tmp_path / "linked-corpus"
    link.symlink_to(corpus)
    site = LiveSite(link)
    assert site.build().ok
    changed = edit(link, RT, lambda s: s.replace("The capture has no date", "The capture has NO date"))
    _, files, _ = rebuild(site, changed)
    assert "docs/rt-2021-naeem.html" in files
    assert_same_as_full_build(site, corpus)


# --- linking, edit after edit, on a generated corpus -------------------------------------------


def _generator():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("serve_bench", ROOT / "benchmarks" / "serve_bench.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_kept_linker_equals_a_new_one_edit_after_edit(tmp_path: Path) -> None:
    corpus = _generator().generate(tmp_path / "synth", docs=24, entities=30, seed=3)
    site = LiveSite(corpus)
    assert site.build().ok
    rng = random.Random(5)
    sidecars = sorted((corpus / "annotations").glob("doc-*.yaml"))
    for step in range(8):
        path = rng.choice(sidecars)
        text = path.read_text("utf-8")
        quotes = re.findall(r'    text: (".*")\n    speaker: (\S+)', text)
        if not quotes:
            continue
        quoted, speaker = rng.choice(quotes)
        words = quoted.strip('"').split()
        if step % 3 == 0:       # shorten a quote: the same statement, or no longer
            new = text.replace(f"text: {quoted}", f'text: "{" ".join(words[1:])}"', 1)
        elif step % 3 == 1:     # another speaker: a conflicting attribution where the quote travelled
            other = re.findall(r"speaker: (\S+)", text)
            new = text.replace(f"text: {quoted}\n    speaker: {speaker}", f"text: {quoted}\n    speaker: {other[0]}", 1)
        else:                   # drop the quote
            new = re.sub(rf"  - id: \w+\n    text: {re.escape(quoted)}\n    speaker: \S+\n(    note: .*\n)?", "", text, count=1)
        path.write_text(new, "utf-8")
        update = site.build([path])
        linked, _ = pipeline.check(corpus)
        assert update.ok
        assert site.current is not None and site.current.pages.linked == linked
        statements, statement_of = group_statements(linked.docs, linked.passages)
        assert linked.statements == statements and dict(linked.statement_of) == statement_of
    assert_same_as_full_build(site, corpus)


# --- the proof: random edits, and after each the served site is the full build's ------------------

WORDS = ["Kabul", "embassy", "guard", "talks", "Taliban", "Doha", "said", "envoy", "Moscow", "peace"]
PEOPLE = {"zamir-kabulov": ("Zamir Kabulov", "Kabulov"), "dmitry-zhirnov": ("Dmitry Zhirnov", "Zhirnov"),
          "sergey-lavrov": ("Sergey Lavrov", "Lavrov")}


class ServeEqualsBuild(RuleBasedStateMachine):
    """Random edits to a small corpus; after each, what the live site serves is the full build's."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="glossator-live-"))
        self.docs: dict[str, str] = {}        # id → text
        self.names = {k: v[0] for k, v in PEOPLE.items()}
        self.base_url = ""
        self.theme_note = ""
        self.broken: str | None = None

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # --- writing the corpus

    def write_index(self) -> Path:
        rows = "\n".join(f"| {d} | {d}.txt | Report {d} | RT | 2021-08-1{i % 9} |" for i, d in enumerate(sorted(self.docs)))
        path = self.root / "seeds/INDEX.md"
        path.write_text(f"# A live corpus\n\nIntroduction.\n\n| id | file | title | source | published |\n"
                        f"|---|---|---|---|---|\n{rows}\n", "utf-8")
        return path

    def write_entities(self) -> Path:
        lines = ["people:"]
        for ent_id, (_, alias) in PEOPLE.items():
            lines += [f"  {ent_id}:", f"    name: {self.names[ent_id]}", f"    aliases: [{alias}]"]
        lines += ["places:", "  kabul:", "    name: Kabul"]
        path = self.root / "annotations/entities.yaml"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    def write_doc(self, doc: str, text: str) -> Path:
        self.docs[doc] = text
        path = self.root / f"seeds/{doc}.txt"
        path.write_text(text, "utf-8")
        return path

    def build(self, *changed: Path) -> None:
        self.site.build(list(changed))
        self.steps = getattr(self, "steps", 0) + 1
        if self.steps % 2:        # every other edit, the pages are left for get() to bring up to date
            self.site.render_pending()

    @initialize(texts=st.lists(st.lists(st.sampled_from(WORDS), min_size=4, max_size=9), min_size=2, max_size=3))
    def start(self, texts: list[list[str]]) -> None:
        (self.root / "seeds").mkdir()
        (self.root / "annotations").mkdir()
        for i, words in enumerate(texts):
            self.write_doc(f"d{i}", f"Zamir Kabulov said: \"{' '.join(words)}.\"\nDmitry Zhirnov spoke in Kabul.\n")
        self.write_index()
        self.write_entities()
        self.site = LiveSite(self.root)
        self.build()

    # --- the edits

    @rule(doc=st.integers(0, 5), speaker=st.sampled_from(sorted(PEOPLE)), note=st.text("abc *_", min_size=1, max_size=8))
    def annotate(self, doc: int, speaker: str, note: str) -> None:
        name = sorted(self.docs)[doc % len(self.docs)]
        words = self.docs[name].split('"')[1]
        path = self.root / f"annotations/{name}.yaml"
        path.write_text(f"quotes:\n  - text: \"{words}\"\n    speaker: {speaker}\n    note: \"{note}\"\n"
                        f"dates:\n  - text: said\n    date: 2021-08-1{doc % 9}\n    event: Said it\n", "utf-8")
        self.build(path)

    @rule(doc=st.integers(0, 5))
    def unannotate(self, doc: int) -> None:
        path = self.root / f"annotations/{sorted(self.docs)[doc % len(self.docs)]}.yaml"
        if path.exists():
            path.unlink()
            self.build(path)

    @rule(words=st.lists(st.sampled_from(WORDS), min_size=3, max_size=8))
    def add_document(self, words: list[str]) -> None:
        doc = f"d{max(int(d[1:]) for d in self.docs) + 1}"
        self.build(self.write_doc(doc, f"Sergey Lavrov said: \"{' '.join(words)}.\"\n"), self.write_index())

    @rule(doc=st.integers(0, 5))
    def remove_document(self, doc: int) -> None:
        if len(self.docs) > 1:
            name = sorted(self.docs)[doc % len(self.docs)]
            del self.docs[name]
            (self.root / f"seeds/{name}.txt").unlink()
            sidecar = self.root / f"annotations/{name}.yaml"
            if sidecar.exists():
                sidecar.unlink()
            self.build(self.write_index(), self.root / f"seeds/{name}.txt", sidecar)

    @rule(person=st.sampled_from(sorted(PEOPLE)), suffix=st.sampled_from(["", " Jr.", " the Elder"]))
    def rename_entity(self, person: str, suffix: str) -> None:
        self.names[person] = PEOPLE[person][0] + suffix
        self.build(self.write_entities())

    @rule(note=st.sampled_from(["one", "two", ""]))
    def change_template(self, note: str) -> None:
        folder = self.root / "themes/default/templates"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "404.html"
        if note:
            path.write_text('{% extends "base.html" %}{% block main %}<p>' + note + "</p>{% endblock %}\n", "utf-8")
        elif path.exists():
            path.unlink()
        self.build(path)

    @rule(doc=st.integers(0, 5))
    def break_and_fix(self, doc: int) -> None:
        path = self.root / f"annotations/{sorted(self.docs)[doc % len(self.docs)]}.yaml"
        before = path.read_text("utf-8") if path.exists() else None
        path.write_text("quotes: [\n", "utf-8")
        served = self.site.get("index.html")
        self.build(path)
        self.check()           # while broken: the same errors as a build, the last good site served
        assert self.site.get("index.html") == served
        if before is None:
            path.unlink()
        else:
            path.write_text(before, "utf-8")
        self.build(path)

    @rule(doc=st.integers(0, 5))
    def yml_beside_yaml(self, doc: int) -> None:
        name = sorted(self.docs)[doc % len(self.docs)]
        path = self.root / f"annotations/{name}.yml"
        path.write_text("notes:\n  - {text: Kabul, note: From the .yml file.}\n", "utf-8")
        self.build(path)

    @rule(on=st.booleans())
    def base_url(self, on: bool) -> None:
        path = self.root / "glossator.toml"
        path.write_text('base_url = "https://example.org/live/"\n' if on else "", "utf-8")
        self.build(path)

    # --- the invariant

    @invariant()
    def check(self) -> None:
        if not hasattr(self, "site"):
            return
        full = pipeline.build(self.root)
        update = self.site.build([])          # nothing changed since: it only reports
        assert update.diagnostics == full.diagnostics
        if not full.ok:
            return
        mine = {p: self.site.get(p) for p in full.site}
        assert [p for p in full.site if mine[p] != full.site[p]] == []
        for extra in ("sitemap.xml", ".nojekyll", "docs/gone.html"):
            assert (self.site.get(extra) is None) == (extra not in full.site), extra


TestServeEqualsBuild = ServeEqualsBuild.TestCase
TestServeEqualsBuild.settings = settings(max_examples=12, stateful_step_count=6, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_a_timeline_of_many_pages_is_served_as_built_edit_after_edit(monkeypatch: pytest.MonkeyPatch, corpus: Path) -> None:
    """A timeline cut into a page a year (and a month, for a year longer than a page): the
    served pages, edit after edit, are the built ones, and an event relabelled changes its
    period's page alone (the index of years shows counts, not labels)."""
    from builder.html import timeline

    monkeypatch.setattr(timeline, "TIMELINE_ENTRIES", 3)
    site = LiveSite(corpus)
    assert site.build().ok
    site.render_pending()
    periods = [p for p in site.site() if p.startswith("timeline/")]
    assert len(periods) > 3 and any("-" in p for p in periods), periods
    assert_same_as_full_build(site, corpus)
    _, changed, _ = rebuild(site, edit(corpus, "annotations/anadolu-2024-medvedev.yaml",
                                       lambda s: re.sub(r"(\n    event: )([^\n]+)", r"\1Renamed, \2", s, count=1)))
    assert {p for p in changed if p.endswith(".html")} == {next(p for p in site.site() if p.startswith("timeline/")
                                                               and b"Renamed, " in site.get(p))}
    assert_same_as_full_build(site, corpus)


def test_a_documents_list_of_many_pages_is_served_as_built_edit_after_edit(monkeypatch: pytest.MonkeyPatch,
                                                                           corpus: Path) -> None:
    """The documents list cut into pages of two: the served pages, edit after edit, are the
    built ones, and a document's title edited changes its list page, not the others."""
    from builder.html import pages

    monkeypatch.setattr(pages, "INDEX_ROWS", 2)
    site = LiveSite(corpus)
    assert site.build().ok
    site.render_pending()
    assert sorted(p for p in site.site() if p.startswith("documents/")) == ["documents/2.html", "documents/3.html"]
    assert_same_as_full_build(site, corpus)
    last = pipeline.check(corpus)[0].docs[-1].meta.title
    _, changed, _ = rebuild(site, edit(corpus, "seeds/INDEX.md", lambda s: s.replace(last, last + " (corrected)", 1)))
    assert "documents/3.html" in changed and "documents/2.html" not in changed, changed
    assert_same_as_full_build(site, corpus)


def test_an_entity_in_parts_is_served_as_built_edit_after_edit(monkeypatch: pytest.MonkeyPatch, corpus: Path) -> None:
    """Entity pages cut into parts of two: the served parts, edit after edit, are the built ones."""
    from builder.html import pages

    monkeypatch.setattr(pages, "ENTITY_ROWS", 2)
    site = LiveSite(corpus)
    assert site.build().ok
    site.render_pending()
    assert [p for p in site.site() if p.startswith("entities/zamir-kabulov/")]
    assert_same_as_full_build(site, corpus)
    _, changed, _ = rebuild(site, edit(corpus, CD, lambda s: s.replace("speaker: zamir-kabulov", "speaker: dmitry-zhirnov", 1)))
    assert any(p.startswith("entities/zamir-kabulov") for p in changed), changed
    assert_same_as_full_build(site, corpus)
