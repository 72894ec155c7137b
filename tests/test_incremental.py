"""The incremental builder behind `glossator serve`: it redoes only what an edit can change,
and its site always equals a full build's, byte for byte."""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from pathlib import Path
from typing import Callable

import pytest

from builder.read import settings as config
from builder.run import pipeline
from builder.run.incremental import SEARCH, IncrementalBuilder
from builder.prepare.relink import Linker, Statements
from builder.html import render
from builder.prepare import linking
from tests.conftest import ROOT, copy_corpus

RT = "annotations/rt-2021-naeem.yaml"
CD = "annotations/cdmedia-2021-hair.yaml"
ALL = object()   # every page of the site


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(ROOT, tmp_path / "corpus")


@pytest.fixture
def builder(corpus: Path) -> IncrementalBuilder:
    b = IncrementalBuilder(corpus)
    first = b.build()
    assert first.ok, [d.format() for d in first.diagnostics]
    b.render_pending()
    return b


def edit(corpus: Path, rel: str, change: Callable[[str], str]) -> Path:
    path = corpus / rel
    old = path.read_text("utf-8")
    new = change(old)
    assert new != old, f"the edit of {rel} changed nothing"
    path.write_text(new, "utf-8")
    return path


def rebuild(b: IncrementalBuilder, *paths: Path) -> tuple[set[str], object]:
    update = b.build(paths)
    rest = b.render_pending()
    return set(update.rendered) | set(rest.rendered), update


def assert_same_as_full_build(b: IncrementalBuilder, corpus: Path) -> None:
    full = pipeline.build(corpus)
    assert full.ok
    site = b.site()
    assert list(site) == list(full.site)
    assert [p for p in full.site if full.site[p] != site[p]] == []


def every_page(b: IncrementalBuilder) -> set[str]:
    return {*b.makers, SEARCH}


def test_the_first_build_is_the_full_build(builder: IncrementalBuilder, corpus: Path) -> None:
    assert_same_as_full_build(builder, corpus)


def test_page_makers_list_the_pages_of_pages_all(corpus: Path) -> None:
    settings, _ = config.load(corpus)
    linked, found = pipeline.check(corpus, settings)
    pages = render.Pages(linked, settings)
    assert list(render.page_makers(pages)) == [path for path, _, _ in pages.all()]


def _quote_text(s: str) -> str:
    return s.replace('  - id: putin-reality\n    text: "This is reality."', '  - id: putin-reality\n    text: "This is reality"')


EDITS = [
    # (what, file, change, the pages to re-render, the inputs to parse again)
    ("a note's text", RT, lambda s: s.replace("The capture has no date", "The capture has NO date"),
     {"docs/rt-2021-naeem.html", SEARCH}, {RT}),
    ("a quote's text", RT, _quote_text,
     {"docs/rt-2021-naeem.html", "entities/vladimir-putin.html", "quotes.html", SEARCH}, {RT}),
    ("a new note", RT, lambda s: s + '  - text: "This is reality."\n    note: A new note.\n',
     {"docs/rt-2021-naeem.html", "index.html", SEARCH}, {RT}),     # the index counts each document's notes
    ("an event's label", "annotations/anadolu-2024-medvedev.yaml",
     lambda s: re.sub(r"(\n    event: )([^\n]+)", r"\1Renamed, \2", s, count=1),
     {"docs/anadolu-2024-medvedev.html", "timeline.html", SEARCH}, {"annotations/anadolu-2024-medvedev.yaml"}),
    ("a same-as that joined two reports", CD,
     lambda s: s.replace('    same-as: "doc:rt-2021-naeem#zhirnov-hair"\n', '    same-as: "doc:rt-2021-naeem#zhirnov-hair"  \n'),
     set(), {CD}),   # whitespace only: parsed again, nothing else
    ("a template", "themes/default/templates/base.html", lambda s: s.replace("</footer>", "</footer>\n<!-- edited -->"),
     ALL, set()),
    ("an entity's description", "annotations/entities.yaml",
     lambda s: s.replace("President of Russia.", "President of the Russian Federation."), ALL, {"entities"}),
    ("the corpus introduction", "seeds/INDEX.md",
     lambda s: s.replace("Five English-language", "Five English language"), ALL, {"index"}),
]


@pytest.mark.parametrize("what, rel, change, pages, parsed", EDITS, ids=[e[0] for e in EDITS])
def test_an_edit_re_renders_only_what_it_changes(builder: IncrementalBuilder, corpus: Path, what: str, rel: str,
                                                 change: Callable[[str], str], pages: object, parsed: set[str]) -> None:
    rendered, update = rebuild(builder, edit(corpus, rel, change))
    assert update.ok
    assert set(update.rechecked) == parsed
    assert rendered == (every_page(builder) if pages is ALL else pages)
    assert_same_as_full_build(builder, corpus)


def test_a_statement_change_re_renders_both_reports(builder: IncrementalBuilder, corpus: Path) -> None:
    """Dropping a same-as splits a statement: the other report's page and the registers change too."""
    rendered, update = rebuild(builder, edit(corpus, CD, lambda s: s.replace(
        '    same-as: "doc:rt-2021-naeem#zhirnov-hair"\n', "")))
    assert {"docs/cdmedia-2021-hair.html", "docs/rt-2021-naeem.html", "quotes.html", "index.html"} <= rendered
    assert not any(p.startswith("docs/") for p in rendered - {"docs/cdmedia-2021-hair.html", "docs/rt-2021-naeem.html"})
    assert_same_as_full_build(builder, corpus)


def test_only_the_edited_document_is_cleaned_and_anchored_again(builder: IncrementalBuilder, corpus: Path) -> None:
    edit(corpus, RT, _quote_text)
    builder.build([corpus / RT])
    assert builder.checker.cleaned.misses == []          # its cleaning rules did not change
    assert builder.checker.anchored.misses == ["rt-2021-naeem"]
    assert builder.checker.read.misses == []
    edit(corpus, "seeds/001_78a6bd40efd81f0e.txt", lambda s: s + "\nA paragraph added at the end.\n")
    builder.build([corpus / "seeds/001_78a6bd40efd81f0e.txt"])
    assert builder.checker.read.misses == ["anadolu-2024-medvedev"]
    assert builder.checker.anchored.misses == ["anadolu-2024-medvedev"]
    assert_same_as_full_build(builder, corpus)


def test_a_bad_edit_keeps_the_last_good_site_and_reports_as_build_does(builder: IncrementalBuilder, corpus: Path) -> None:
    good = builder.site()
    for change in (lambda s: s.replace("speaker: vladimir-putin", "speaker: vladimir-putn", 1),      # unknown speaker
                   lambda s: s.replace('text: "This is reality."', 'text: "This is not reality."'),  # anchor not found
                   lambda s: s.replace("\nnotes:\n", "\nnotes: [\n", 1)):                            # YAML syntax
        path = corpus / RT
        original = path.read_text("utf-8")
        edit(corpus, RT, change)
        update = builder.build([path])
        full = pipeline.build(corpus)
        assert not update.ok and not full.ok
        assert update.diagnostics == full.diagnostics
        assert builder.site() == good
        path.write_text(original, "utf-8")
        assert builder.build([path]).ok
    assert_same_as_full_build(builder, corpus)


@pytest.mark.parametrize("what", ["a removed sidecar", "a stray sidecar", "settings", "a new document",
                                  "an alias claimed twice"])
def test_other_inputs_match_the_full_build(builder: IncrementalBuilder, corpus: Path, what: str) -> None:
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
    else:
        (corpus / "seeds/new.txt").write_text("A new document about Kabul.\n", "utf-8")
        edit(corpus, "seeds/INDEX.md", lambda s: s.rstrip("\n") + "\n| new-doc | new.txt | A new document | | 2024 | | en |\n")
        changed = [corpus / "seeds/new.txt", corpus / "seeds/INDEX.md"]
    update = builder.build(changed)
    full = pipeline.build(corpus)
    assert update.diagnostics == full.diagnostics
    assert update.ok == full.ok
    if full.ok:
        assert_same_as_full_build(builder, corpus)


def test_a_page_asked_for_before_its_turn_is_rendered_on_the_spot(builder: IncrementalBuilder, corpus: Path) -> None:
    edit(corpus, RT, _quote_text)
    update = builder.build([corpus / RT], first=["docs/rt-2021-naeem.html"])
    assert update.rendered == ("docs/rt-2021-naeem.html",)
    assert "quotes.html" in builder.dirty
    full = pipeline.build(corpus)
    assert builder.get("quotes.html") == full.site["quotes.html"]
    assert "quotes.html" not in builder.dirty


# --- linking, edit after edit, on a generated corpus -------------------------------------------


def _generator():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("serve_bench", ROOT / "benchmarks" / "serve_bench.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_incremental_linking_equals_linking_edit_after_edit(tmp_path: Path) -> None:
    corpus = _generator().generate(tmp_path / "synth", docs=24, entities=30, seed=3)
    builder = IncrementalBuilder(corpus)
    assert builder.build().ok
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
        update = builder.build([path])
        settings, _ = config.load(corpus)
        linked, found = pipeline.check(corpus, settings)
        assert update.ok
        assert builder.linker.linked == linked
    assert_same_as_full_build(builder, corpus)


def test_statements_match_linking_on_the_example_corpus(corpus: Path) -> None:
    settings, _ = config.load(corpus)
    linked, _ = pipeline.check(corpus, settings)
    assert linked.statements, "the example corpus has statements"
    linker = Linker()
    mine, _ = linker.link(linked.corpus, linked.docs, linked.entities)
    assert mine.statements == linked.statements
    assert dict(mine.statement_of) == dict(linked.statement_of)
    assert isinstance(linker.statements, Statements)
    assert mine == linked


def test_a_corpus_reached_through_a_link_sees_its_edits(corpus: Path, tmp_path: Path) -> None:
    link = tmp_path / "linked-corpus"
    link.symlink_to(corpus)
    builder = IncrementalBuilder(link)
    assert builder.build().ok
    changed = edit(link, RT, lambda s: s.replace("The capture has no date", "The capture has NO date"))
    rendered, update = rebuild(builder, changed)
    assert "docs/rt-2021-naeem.html" in rendered
    assert_same_as_full_build(builder, corpus)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the index is built in a forked process on Linux only")
def test_the_search_child_ends_at_once_when_the_server_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server turns SIGTERM into KeyboardInterrupt; its index child, forked at the lowest
    priority, must not inherit that: on a busy machine the Python handler could wait seconds
    for the CPU, and the server waits for the child when it stops."""
    import multiprocessing
    import signal
    import time

    from builder.run import incremental

    monkeypatch.setattr(incremental.search, "build_index", lambda linked: time.sleep(30))

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=incremental._search_child, args=(send, None))
        child.start()
        time.sleep(0.5)
        child.terminate()
        child.join(10)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert child.exitcode == -signal.SIGTERM      # killed by the signal, not a KeyboardInterrupt (exit code 1)
