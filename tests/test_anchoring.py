"""Anchoring: text quote selectors, derived ids and alias mentions."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from builder.core.models import (
    Annotation, Block, CleanSpec, DocId, DocMeta, Entity, EntityId, RawDoc, Selector, SourcePath, Where,
)
from builder.prepare import anchoring, clean

W = Where(SourcePath("annotations/a.yaml"), 2, 3)


def doc_of(*paras: str):  # noqa: ANN201
    meta = DocMeta(DocId("a"), SourcePath("a.txt"), "A", Where(SourcePath("seeds/INDEX.md")))
    c, _ = clean.clean(RawDoc(meta, "txt", tuple(Block("p", p, i + 1) for i, p in enumerate(paras))), CleanSpec())
    return c


def ann(text: str, kind: str = "note", **kw: object) -> Annotation:
    sel = Selector(text, str(kw.pop("prefix", "")), str(kw.pop("suffix", "")), kw.pop("occurrence", None))  # type: ignore[arg-type]
    return Annotation(kind, sel, W, note="n", **kw)  # type: ignore[arg-type]


@given(st.text(alphabet="abc ", min_size=1, max_size=60), st.data())
@settings(max_examples=300, deadline=None)
def test_a_passage_with_enough_context_is_found_where_it_is(text: str, data: st.DataObject) -> None:
    assume(text.strip() == text and "  " not in text and text)
    doc = doc_of(text)
    start = data.draw(st.integers(0, len(doc.text) - 1))
    end = data.draw(st.integers(start + 1, len(doc.text)))
    passage = doc.text[start:end]
    hits = anchoring.find_all(doc.text, passage)
    found, _, _ = anchoring.locate(doc, Selector(passage, occurrence=hits.index(start) + 1))
    assert found == start
    found, _, _ = anchoring.locate(doc, Selector(passage))
    assert found == (start if len(hits) == 1 else None), "a repeated passage without context is refused"
    # The whole text before and after it is always enough context.
    found, _, _ = anchoring.locate(doc, Selector(passage, prefix=doc.text[:start], suffix=doc.text[end:]))
    assert found == start


def test_prefix_and_suffix_select_one_of_several() -> None:
    doc = doc_of("he said no and she said yes")
    assert anchoring.locate(doc, Selector("said", prefix="she "))[0] == 19
    assert anchoring.locate(doc, Selector("said", suffix=" no"))[0] == 3
    assert anchoring.locate(doc, Selector("said"))[0] is None
    assert anchoring.locate(doc, Selector("said", occurrence=2))[0] == 19


def test_derived_ids_do_not_depend_on_other_annotations() -> None:
    doc = doc_of("Kabulov said the embassy was safe. Kabulov said more.")
    a1, a2 = ann("the embassy was safe"), ann("said more")
    alone, _ = anchoring.anchor_sidecar(doc, [a1])
    both, _ = anchoring.anchor_sidecar(doc, [a2, a1])
    assert alone[0].id == next(s.id for s in both if s.annotation is a1)
    assert alone[0].id.startswith("n-the-embassy-was-safe-")


def test_explicit_id_wins_and_duplicates_are_reported() -> None:
    doc = doc_of("one two three")
    spans, diags = anchoring.anchor_sidecar(doc, [ann("one", id="x"), ann("two", id="x")])
    assert [s.id for s in spans] == ["x"]
    assert "used twice" in diags[0].message


def _entity(eid: str, name: str, *aliases: str) -> Entity:
    return Entity(EntityId(eid), "person", name, Where(SourcePath("annotations/entities.yaml")), aliases)


def test_aliases_longest_match_whole_words_case_sensitive() -> None:
    ents = [_entity("zk", "Zamir Kabulov", "Kabulov", "Zamir Kabul"), _entity("kabul", "Kabul")]
    doc = doc_of("Zamir Kabulov met Kabulov in Kabul. Zamir Kabul spoke; kabul and Kabulovs did not.")
    docs, diags = anchoring.anchor([doc], [], ents, SourcePath("annotations/entities.yaml"))
    hits = [(doc.text[s.start:s.end], s.annotation.entity) for s in docs[0].spans]
    assert hits == [("Zamir Kabulov", "zk"), ("Kabulov", "zk"), ("Kabul", "kabul"), ("Zamir Kabul", "zk")]
    assert diags == ()


def test_explicit_mentions_and_not_mentions_override_alias_hits() -> None:
    from builder.core.models import Sidecar

    ents = [_entity("kabul", "Kabul"), _entity("zk", "Zamir Kabulov")]
    doc = doc_of("Mr. Kabul spoke in Kabul.")
    side = Sidecar(DocId("a"), SourcePath("annotations/a.yaml"), CleanSpec(), (
        Annotation("mention", Selector("Mr. Kabul"), W, entity=EntityId("zk")),
        Annotation("not-mention", Selector("Kabul", suffix=" spoke"), W),
    ))
    docs, diags = anchoring.anchor([doc], [side], ents, SourcePath("annotations/entities.yaml"))
    assert [(doc.text[s.start:s.end], s.annotation.entity, s.auto) for s in docs[0].spans] == [
        ("Mr. Kabul", "zk", False), ("Kabul", "kabul", True)]
    assert diags == ()


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)), max_size=8), st.integers(0, 60), st.integers(1, 8))
@settings(max_examples=500, deadline=None)
def test_interval_overlap_index_agrees_with_brute_force(raw: list[tuple[int, int]], start: int, length: int) -> None:
    intervals = [(a, a + n) for a, n in raw]
    end = start + length
    assert anchoring._Intervals(intervals).overlaps(start, end) == any(a < end and start < b for a, b in intervals)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("abAB _-é", min_size=1, max_size=6), min_size=1, max_size=6),
       st.text("abAB _-é.", max_size=60))
def test_whole_word_matches_are_the_look_behind_patterns(phrases: list[str], text: str) -> None:
    """WholeWords checks "not inside a word" on its matches instead of in the pattern: same matches."""
    from builder.prepare.phrases import trie_pattern, whole_words

    reference = re.compile(r"(?<!\w)(?:" + trie_pattern(phrases) + r")(?!\w)")
    assert [m.span() for m in whole_words(phrases).finditer(text)] == [m.span() for m in reference.finditer(text)]
