"""A summary's passages held as columns (builder.core.passages): the same Passages read back,
found by id as a dict of them found them, equal and hashed as values, the same after pickling."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings, strategies as st

from builder.core.edtf import parse as edtf
from builder.core.models import AnnotationId, EntityId, Passage, SourcePath, Target
from builder.core.passages import KINDS, NAME_FIELDS, PassageTable
from builder.run import transfer

_slug = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
_entity = st.one_of(st.none(), st.sampled_from(["ana-moreau", "mayor", "x"]))
_target = st.one_of(st.none(), st.builds(Target, st.sampled_from(["doc", "entity", "url"]), _slug,
                                          st.one_of(st.just(""), _slug)))
_date = st.one_of(st.none(), st.sampled_from(["2024-03-05", "2023", "1999-12/2000-01"]).map(edtf))
_text = st.text(max_size=30)   # any characters, spaces and line breaks among them
_number = st.integers(min_value=0, max_value=2**31 - 1)

passage = st.builds(
    Passage, _slug.map(AnnotationId), st.sampled_from(KINDS), _number, _number, _entity, _entity, _entity,
    _target, _target, _date, _text, _text, st.sampled_from(["annotations/a.yaml", "seeds/a.md"]).map(SourcePath),
    _number, _number)


@settings(max_examples=300, deadline=None)
@given(st.lists(passage, max_size=40))
def test_a_table_reads_back_the_passages_it_was_made_of(passages: list[Passage]) -> None:
    table = PassageTable.of(passages)
    assert list(table) == passages and len(table) == len(passages)
    assert [table[i] for i in range(len(passages))] == passages
    assert list(table[1:3]) == passages[1:3]
    if passages:
        assert table[-1] == passages[-1]
    with pytest.raises(IndexError):
        table[len(passages)]
    assert table.ids() == [p.id for p in passages]
    for kind in KINDS:      # what reads one kind (a document's dates, its quotes) is given only it
        assert table.of_kind(kind) == [p for p in passages if p.kind == kind]
        assert table.ids(kind) == [p.id for p in passages if p.kind == kind]
        for field in NAME_FIELDS:
            assert table.names_of(field, kind) == [getattr(p, field) for p in passages if p.kind == kind]
    assert table.names_of("speaker") == [p.speaker for p in passages]
    assert table.counts() == {k: n for k in KINDS if (n := sum(p.kind == k for p in passages))}
    assert table.targeting() == [p for p in passages if p.to is not None or p.same_as is not None]
    first: dict[str, Passage] = {}
    for p in passages:
        first.setdefault(p.id, p)
    for id_, p in first.items():    # the first of an id, as linking's dict of them kept it
        assert table.by_id(id_) == p
    assert table.by_id("not-an-id-here") is None
    # an id is found whole: never as part of another, nor across two
    if len(passages) >= 2:
        assert table.by_id(passages[0].id + "\n" + passages[1].id) is None
        assert table.by_id(passages[0].id[1:]) in (None, first.get(passages[0].id[1:]))


@settings(max_examples=200, deadline=None)
@given(st.lists(passage, max_size=20), st.lists(passage, max_size=20))
def test_tables_are_equal_and_hashed_as_their_passages_are(a: list[Passage], b: list[Passage]) -> None:
    ta, tb = PassageTable.of(a), PassageTable.of(b)
    assert (ta == tb) == (a == b)
    if a == b:
        assert hash(ta) == hash(tb)
    again = pickle.loads(pickle.dumps(ta, protocol=5))
    assert again == ta and hash(again) == hash(ta) and list(again) == a
    # as the executor and the build cache send it: the record codec, then pickle
    sent = transfer.decode(pickle.loads(pickle.dumps(transfer.encode(ta))))
    assert sent == ta and list(sent) == a


def test_names_read_back_are_shared_across_documents() -> None:
    """An entity's id or a path, read back in two documents' tables, is one object: at 100,000
    documents, one string each per document was ~0.5 KB of every summary."""
    p = Passage(AnnotationId("q-1"), "quote", 0, 5, EntityId("ana-moreau"), None, None, None, None, None,
                "", "some words here", SourcePath("annotations/a.yaml"), 3, 7)
    one, two = (pickle.loads(pickle.dumps(PassageTable.of([p]))) for _ in range(2))
    assert next(iter(one)).speaker is next(iter(two)).speaker
    assert next(iter(one)).path is next(iter(two)).path


def test_an_id_with_a_line_break_is_refused() -> None:
    p = Passage(AnnotationId("q\n1"), "quote", 0, 5, None, None, None, None, None, None, "", "", SourcePath("a"), 1, 1)
    with pytest.raises(ValueError, match="line break"):
        PassageTable.of([p])
