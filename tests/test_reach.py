"""Which pages an edit reaches (builder.run.reach): a build with a cache keeps the key a page had
when the edit does not reach it, without working out what the page reads. That is only right
if such a page reads what it read: after any sequence of edits here, every page reach says
keeps its key has the inputs it had (builder.html.reads.inputs, compared by value).

The edits are the ones an author makes to a corpus that has every cross-document part reach
compares: a synthetic corpus (benchmarks/synth.py) with a timeline in periods, entities in
parts, statements made by quoting one document's words in another, mentions added (related
documents), speakers that join a document (colours), dates and publication dates moved.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from builder.core import diagnostics
from builder.html import pages as html_pages, reads, timeline
from builder.read.files import CorpusFiles
from builder.run import pipeline, reach
from builder.run.executor import InProcess
from builder.run.memo import Fresh
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402

DOCS = 30


def site_of(root: Path) -> pipeline.Site:
    memo, files = Fresh(), CorpusFiles(root)
    prepared = pipeline.prepare(files, memo, InProcess(), for_search=False)
    linked, found = pipeline.link(prepared, memo)
    assert not diagnostics.has_errors(found), [d.message for d in found]
    return pipeline.site(linked, prepared.settings, pipeline.look(root, prepared.settings, memo, files))


def sidecar(root: Path, n: int) -> Path:
    return root / "annotations" / f"doc-{n % DOCS:05d}.yaml"


def lines_of(path: Path, kind: str) -> list[int]:
    """The numbers of the lines of one kind of annotation ("speaker", "date", "note")."""
    return [i for i, line in enumerate(path.read_text("utf-8").splitlines()) if f", {kind}: " in line]


def rewrite(path: Path, change: Callable[[list[str]], None]) -> None:
    lines = path.read_text("utf-8").splitlines()
    change(lines)
    path.write_text("\n".join(lines) + "\n", "utf-8")


def credit(root: Path, a: int, b: int) -> None:
    """A quote of document a credited to the speaker of a quote of document b (maybe new to a)."""
    speakers = re.findall(r"speaker: ([a-z0-9-]+)\}", sidecar(root, b).read_text("utf-8"))
    at = lines_of(sidecar(root, a), "speaker")
    if speakers and at:
        rewrite(sidecar(root, a), lambda ls: ls.__setitem__(
            at[b % len(at)], re.sub(r"speaker: [a-z0-9-]+", f"speaker: {speakers[a % len(speakers)]}", ls[at[b % len(at)]])))


def unquote(root: Path, a: int, b: int) -> None:
    """A quote of document a taken out (one at least stays)."""
    at = lines_of(sidecar(root, a), "speaker")
    if len(at) > 1:
        rewrite(sidecar(root, a), lambda ls: ls.__delitem__(at[b % len(at)]))


def redate(root: Path, a: int, b: int) -> None:
    """A date of document a moved to another year (another period of the timeline)."""
    at = lines_of(sidecar(root, a), "date")
    if at:
        rewrite(sidecar(root, a), lambda ls: ls.__setitem__(
            at[b % len(at)], re.sub(r"date: \d{4}-\d\d", f"date: {2015 + b % 10}-0{1 + b % 9}", ls[at[b % len(at)]])))


def travel(root: Path, a: int, b: int) -> None:
    """Document b's first quote's words added to document a's text and quoted there, credited
    to a's first speaker: a statement in two reports (a conflict when the speakers differ)."""
    found = re.search(r'text: "([^"]+)", speaker: ([a-z0-9-]+)\}', sidecar(root, b).read_text("utf-8"))
    mine = re.search(r"speaker: ([a-z0-9-]+)\}", sidecar(root, a).read_text("utf-8"))
    text = root / "seeds" / f"doc-{a % DOCS:05d}.txt"
    if a % DOCS == b % DOCS or found is None or mine is None or found.group(1) in text.read_text("utf-8"):
        return
    text.write_text(text.read_text("utf-8") + f"\nShe said {found.group(1)}.\n", "utf-8")
    rewrite(sidecar(root, a), lambda ls: ls.insert(
        1, f'  - {{text: "{found.group(1)}", speaker: {mine.group(1)}}}'))


def retract(root: Path, a: int, b: int) -> None:
    """A quote of document a that another document also quotes taken out (its statement gone)."""
    others = "".join(sidecar(root, n).read_text("utf-8") for n in range(DOCS) if n != a % DOCS)
    lines = sidecar(root, a).read_text("utf-8").splitlines()
    shared = [i for i, line in enumerate(lines) if (q := re.search(r'text: ("[^"]+"), speaker', line)) and q.group(1) in others]
    if shared:
        rewrite(sidecar(root, a), lambda ls: ls.__delitem__(shared[b % len(shared)]))


def mention(root: Path, a: int, b: int) -> None:
    """An entity's name added to document a's text: a mention (related documents follow)."""
    names = re.findall(r"^    name: (.+)$", (root / "annotations" / "entities.yaml").read_text("utf-8"), re.M)
    text = root / "seeds" / f"doc-{a % DOCS:05d}.txt"
    text.write_text(text.read_text("utf-8") + f"\nAlso {names[b % len(names)]} spoke.\n", "utf-8")


def republish(root: Path, a: int, b: int) -> None:
    """Document a's publication date in INDEX.md moved."""
    index = root / "seeds" / "INDEX.md"
    rewrite(index, lambda ls: ls.__setitem__(
        6 + a % DOCS, re.sub(r"\d{4}-\d\d-\d\d \|$", f"{2015 + b % 10}-0{1 + b % 9}-1{b % 10} |", ls[6 + a % DOCS])))


def renote(root: Path, a: int, b: int) -> None:
    at = lines_of(sidecar(root, a), "note")
    if at:
        rewrite(sidecar(root, a), lambda ls: ls.__setitem__(
            at[0], re.sub(r"note: [^}]*", f"note: Reworded {b}.", ls[at[0]])))


EDITS = [credit, unquote, redate, travel, retract, mention, republish, renote]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.write(tmp_path_factory.mktemp("reach") / "corpus", docs=DOCS, seed=7, words_per_doc=300)


@pytest.fixture(autouse=True)
def in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeline in periods, entities' pages in parts, as in a large corpus."""
    monkeypatch.setattr(timeline, "TIMELINE_ENTRIES", 12)
    monkeypatch.setattr(html_pages, "ENTITY_ROWS", 3)


def kept_and_reached(before: pipeline.Site, after: pipeline.Site) -> tuple[list[str], list[str], reach.Reach | None]:
    """(pages that keep their key, pages keyed again, the reach) after an edit, each kept page
    checked: it reads what it read."""
    old, new = reach.facts_of(before.pages), reach.facts_of(after.pages)
    changed = frozenset(d for d, doc in after.pages.docs.items()
                        if before.pages.docs.get(d) != doc or before.pages.summaries.get(d) != after.pages.summaries[d])
    reached = reach.reach(json.loads(json.dumps(old)), new, changed, after.pages)
    kept, again = [], []
    for path in after.makers:
        if reached is not None and path in before.makers and reached.keeps(path):
            assert reads.inputs(after.pages, path) == reads.inputs(before.pages, path), f"{path} keeps its key but reads something new"
            kept.append(path)
        else:
            again.append(path)
    return kept, again, reached


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=4))
def test_a_page_that_keeps_its_key_reads_what_it_read(corpus: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       edits: list[tuple[Callable[[Path, int, int], None], int, int]]) -> None:
    root = tmp_path_factory.mktemp("edited") / "corpus"
    shutil.copytree(corpus, root)
    before = site_of(root)
    for edit, a, b in edits:
        edit(root, a, b)
        after = site_of(root)
        kept_and_reached(before, after)
        before = after


def test_an_edit_keeps_the_keys_of_the_pages_it_does_not_reach(corpus: Path, tmp_path: Path) -> None:
    """Not a rule that keeps nothing: a speaker credited in one document keys again that
    document's page, the pages of the speakers it moves between, the periods it has entries in
    (when colours move, every period), and the statements' documents; most pages keep their key."""
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    before = site_of(root)
    credit(root, 4, 9)
    after = site_of(root)
    kept, again, reached = kept_and_reached(before, after)
    assert reached is not None and "docs/doc-00004.html" in again
    assert len(kept) > len(again) and sum(p.startswith("docs/") for p in kept) >= 2 * DOCS // 3
    assert {"index.html", "quotes.html", "entities.html", "timeline.html"} <= set(again)


def test_facts_that_cannot_be_read_keep_no_key(corpus: Path) -> None:
    pages = site_of(corpus).pages
    new = reach.facts_of(pages)
    assert reach.reach({"docs": []}, new, frozenset(), pages) is None
    damaged = {**new, "docs": {d: 5 for d in new["docs"]}}   # an entry edited by hand: no reach, no failure
    assert reach.reach(damaged, new, frozenset(["doc-00001"]), pages) is None
    assert reach.reach({**new, "statements": [[1]]}, new, frozenset(), pages) is None
    assert reach.reach({**new, "palette": [["#000000"], ["#ffffff"]]}, new, frozenset(), pages) is None
    longer = [[*colours, "#123456"] for colours in new["palette"]]   # a speaker more: the colours before stay
    assert reach.reach({**new, "palette": longer}, new, frozenset(), pages) is not None
    same = reach.reach(json.loads(json.dumps(new)), new, frozenset(), pages)
    assert same is not None and same.docs == frozenset() and same.entities == frozenset() and same.periods == frozenset()


def test_a_statement_that_changed_either_way_reaches_its_documents_and_speakers(corpus: Path) -> None:
    """(Colours and related documents reach most of these pages too in a corpus this small:
    the rule is held here by itself.)"""
    pages = site_of(corpus).pages
    new = reach.facts_of(pages)
    gone = [[["doc-00001", "q-1"], ["doc-00002", "q-2"]], ["karim-ivanov", "lena-nazari"]]
    for old, now in (({**new, "statements": [*new["statements"], gone]}, new),
                     (new, {**new, "statements": [*new["statements"], gone]})):
        reached = reach.reach(json.loads(json.dumps(old)), now, frozenset(), pages)
        assert reached is not None
        assert reached.docs == {"doc-00001", "doc-00002"} and reached.entities == {"karim-ivanov", "lena-nazari"}
        assert not reached.keeps("docs/doc-00001.html") and reached.keeps("docs/doc-00003.html")
        assert not reached.keeps("entities/lena-nazari/2.html") and reached.periods == frozenset()
