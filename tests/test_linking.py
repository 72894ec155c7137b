"""Linking: statements across documents, conflicting attributions, related documents, timeline."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from builder.core.models import Annotation, AnnotationId, DocId, PassageRef, Selector, SourcePath, Span, Where
from builder.run.pipeline import check
from builder.prepare import statements
from builder.prepare.summary import summarize
from tests.factory import two_docs
from tests import oracles
from tests.oracles import group_statements

QUOTE = "Our embassy is guarded by the Taliban"


def linked_for(root: Path):  # noqa: ANN201
    linked, diags = check(root)
    assert not [d for d in diags if d.severity == "error"], diags
    return linked


def test_normalise_folds_quote_marks_case_and_spacing() -> None:
    assert statements.normalise("“Our  Embassy’s” guard,") == statements.normalise('"our embassys" GUARD')


def test_same_words_different_speakers_is_a_conflict(tmp_path: Path) -> None:
    root = two_docs(tmp_path,
                    sidecar_a=f"quotes:\n  - {{id: ka, text: {QUOTE}, speaker: zamir-kabulov}}\n",
                    sidecar_b=f"quotes:\n  - {{id: zh, text: '{QUOTE},', speaker: dmitry-zhirnov}}\n")
    linked = linked_for(root)
    assert len(linked.statements) == 1
    st = linked.statements[0]
    assert st.conflict and st.travelled
    assert set(st.passages) == {PassageRef("a", "ka"), PassageRef("b", "zh")}  # type: ignore[arg-type]


def test_conflict_is_marked_on_both_passages_and_in_the_register(tmp_path: Path) -> None:
    from builder.run.pipeline import build

    root = two_docs(tmp_path,
                    sidecar_a=f"quotes:\n  - {{id: ka, text: {QUOTE}, speaker: zamir-kabulov}}\n",
                    sidecar_b=f"quotes:\n  - {{id: zh, text: {QUOTE}, speaker: dmitry-zhirnov}}\n")
    site = build(root).site
    a, b, register = (site[p].decode() for p in ("docs/a.html", "docs/b.html", "quotes.html"))
    assert 'class="quote conflict" data-speaker="zamir-kabulov" id="ka"' in a and 'href="b.html#zh"' in a
    assert 'class="quote conflict" data-speaker="dmitry-zhirnov" id="zh"' in b and 'href="a.html#ka"' in b
    assert 'id="conflicts"' in register and "docs/a.html#ka" in register and "docs/b.html#zh" in register


def test_same_speaker_in_two_documents_travelled_without_conflict(tmp_path: Path) -> None:
    root = two_docs(tmp_path,
                    sidecar_a=f"quotes:\n  - {{text: {QUOTE}, speaker: zamir-kabulov}}\n",
                    sidecar_b=f"quotes:\n  - {{text: {QUOTE}, speaker: zamir-kabulov}}\n")
    st = linked_for(root).statements[0]
    assert st.travelled and not st.conflict


def test_same_as_links_quotes_whose_words_differ(tmp_path: Path) -> None:
    root = two_docs(tmp_path,
                    sidecar_a="quotes:\n  - {id: gov, text: 'We will see how they govern', speaker: zamir-kabulov}\n",
                    sidecar_b="quotes:\n  - {text: Zhirnov said nothing else, speaker: dmitry-zhirnov, same-as: 'doc:a#gov'}\n")
    linked = linked_for(root)
    assert len(linked.statements) == 1 and linked.statements[0].conflict


def test_different_words_are_different_statements(tmp_path: Path) -> None:
    root = two_docs(tmp_path,
                    sidecar_a="quotes:\n  - {text: 'We will see how they govern', speaker: zamir-kabulov}\n",
                    sidecar_b=f"quotes:\n  - {{text: {QUOTE}, speaker: dmitry-zhirnov}}\n")
    assert linked_for(root).statements == ()


def test_nested_quote_in_the_same_document_is_not_a_second_report(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a=(
        f"quotes:\n  - {{text: '\"{QUOTE},\" Zamir Kabulov said', speaker: zamir-kabulov}}\n"
        f"  - {{text: {QUOTE}, speaker: dmitry-zhirnov}}\n"))
    assert linked_for(root).statements == ()


def test_related_documents_and_timeline(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a=(
        "links:\n  - {text: The envoy, to: 'doc:b'}\n"
        "dates:\n  - {text: on Monday, date: 2021-08-16, event: Embassy put under guard}\n"))
    linked = linked_for(root)
    assert [(r.doc, r.reason) for r in linked.related["a"]] == [("b", "linked from this document")]  # type: ignore[index]
    assert [(r.doc, r.reason) for r in linked.related["b"]] == [("a", "links to this document")]  # type: ignore[index]
    assert [(e.date.text, e.kind, e.doc) for e in linked.timeline] == [
        ("2021-08", "published", "b"), ("2021-08-16~", "published", "a"), ("2021-08-16", "event", "a")]


def test_related_documents_hold_memory_in_proportion_to_the_corpus(tmp_path: Path) -> None:
    """Ranking related documents by shared entities held a row of weights for every document at
    once (Σ df² floats: 72 MB at 2,000 synthetic documents, 1.1 MB at 200); one row at a time, its
    peak grows as the corpus does."""
    import sys
    import tracemalloc

    from builder.prepare import linking
    from builder.prepare.summary import summarize
    from builder.read.files import CorpusFiles
    from builder.run import pipeline
    from builder.run.executor import InProcess
    from builder.run.memo import Fresh
    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    peaks = {}
    for n in (200, 800):
        prepared = pipeline.prepare(CorpusFiles(synth.write(tmp_path / str(n), n)), Fresh(), InProcess(), for_search=False)
        linked, _ = pipeline.link(prepared, Fresh())
        assert any(r.reason.startswith("also mentions") for rs in linked.related.values() for r in rs)
        summaries = [summarize(d) for d in prepared.docs]
        tracemalloc.start()
        assert linking.related_documents(summaries, linked.statements, {e.id: e.name for e in prepared.entities}) \
            == linked.related
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[800] < 5 * peaks[200], peaks   # 4.1 times; 11 times when the rows were held together


# --- Statements against the batch oracle, with shingles packed narrow and wide -----------------

VOCABULARY = ["kabul", "embassy", "guarded", "by", "the", "taliban", "envoy", "said", "talks", "doha"]


def _quotes_corpus(quotes: list[tuple[int, list[int], int]]) -> list[SimpleNamespace]:
    """Documents as linking's statements read them: (document, words, speaker) a quote."""
    docs: dict[int, list[Span]] = {}
    for doc, words, speaker in quotes:
        spans = docs.setdefault(doc, [])
        start = 100 * len(spans)
        ann = Annotation("quote", Selector(" ".join(VOCABULARY[w] for w in words)), Where(SourcePath("a.yaml"), 1, 1),
                         speaker=f"p{speaker}")
        spans.append(Span(start, start + 50, AnnotationId(f"q{len(spans)}"), ann))
    return [SimpleNamespace(meta=SimpleNamespace(id=DocId(f"d{d}")), spans=tuple(spans), doc=SimpleNamespace(text="", paragraphs=()))
            for d, spans in sorted(docs.items())]


@pytest.mark.parametrize("word_bits", [statements.WORD_BITS, 2])
@settings(max_examples=60, deadline=None)
@given(quotes=st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, len(VOCABULARY) - 1), max_size=8),
                                 st.integers(0, 2)), max_size=14))
def test_statements_group_as_the_oracle_with_shingles_packed_narrow_or_wide(word_bits: int, quotes: list) -> None:
    """Packed shingles (word numbers side by side in one int, or past 64 bits for a word numbered
    beyond WORD_BITS: with 2, every word from the fourth) group quotes as shingles of words do."""
    old, statements.WORD_BITS = statements.WORD_BITS, word_bits
    try:
        docs = _quotes_corpus(quotes)
        quoted = [(PassageRef(d.meta.id, p.id), p) for d in docs for p in summarize(d).passages]
        grouping = statements.Statements()
        grouping.update([], quoted)
        order = {ref: (i, 0) for i, (ref, _) in enumerate(quoted)}
        got = grouping.group(order.__getitem__)
        assert got == group_statements(docs, dict(quoted))   # type: ignore[arg-type]
        if word_bits == 2 and len({w for _, words, _ in quotes for w in words}) > 3 and any(
                len(words) >= 3 for _, words, _ in quotes):
            assert any(max(g) >> 64 for g in grouping.grams.values() if g), "some shingles were packed wide"
    finally:
        statements.WORD_BITS = old


@settings(max_examples=400, deadline=None)
@given(quotes=st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, 4), min_size=3, max_size=6),
                                 st.integers(0, 2)), max_size=14),
       removed=st.sets(st.integers(0, 13)))
def test_statements_kept_up_to_date_group_as_the_oracle_across_the_stock_phrase_limit(
        quotes: list, removed: set[int]) -> None:
    """Quotes added in two goes, then some removed, with a stock phrase at three quotes (five
    words, so shingles are shared often): the shingles that cross the limit either way, and
    the quotes that share them, group as a batch grouping of the quotes left."""
    docs = _quotes_corpus(quotes)
    quoted = [(PassageRef(d.meta.id, p.id), p) for d in docs for p in summarize(d).passages]
    gone = {quoted[i][0] for i in removed if i < len(quoted)}
    left = [SimpleNamespace(meta=d.meta, spans=tuple(s for s in d.spans if PassageRef(d.meta.id, s.id) not in gone), doc=d.doc)
            for d in docs]
    kept = [(r, s) for r, s in quoted if r not in gone]
    order = {ref: (i, 0) for i, (ref, _) in enumerate(kept)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statements, "MAX_SHINGLE_POSTINGS", 2)
        patch.setattr(oracles, "MAX_SHINGLE_POSTINGS", 2)
        grouping = statements.Statements()
        grouping.update([], quoted[:len(quoted) // 2])
        grouping.update([], quoted[len(quoted) // 2:])
        grouping.update(sorted(gone, key=lambda r: (r.doc, r.id)), [])
        assert grouping.group(order.__getitem__) == group_statements(left, dict(kept))   # type: ignore[arg-type]



@settings(max_examples=200, deadline=None)
@given(quotes=st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, 4), min_size=3, max_size=6),
                                 st.integers(0, 2)), max_size=14),
       removed=st.sets(st.integers(0, 13)))
def test_statements_restored_from_their_pairs_group_and_update_as_the_oracle(quotes: list, removed: set[int]) -> None:
    """A build with the cache reads a first link's pairs back (Statements.pairs, restore) instead
    of counting shingles: restored, the quotes group as update() grouped them; a live server
    that restored them then removes some and adds them back groups as a batch grouping does
    (the shingles are counted then). Stock phrase at three quotes, as above."""
    docs = _quotes_corpus(quotes)
    quoted = [(PassageRef(d.meta.id, p.id), p) for d in docs for p in summarize(d).passages]
    order = {ref: (i, 0) for i, (ref, _) in enumerate(quoted)}
    gone = sorted({quoted[i][0] for i in removed if i < len(quoted)}, key=lambda r: (r.doc, r.id))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statements, "MAX_SHINGLE_POSTINGS", 2)
        patch.setattr(oracles, "MAX_SHINGLE_POSTINGS", 2)
        counted = statements.Statements()
        counted.update([], quoted)
        # what a build finds in a process of its own, from the quotes' values alone
        assert statements.pairs_of(tuple((r.doc, r.id, p.words, p.start, p.end) for r, p in quoted)) == counted.pairs()
        restored = statements.Statements()
        restored.restore(quoted, counted.pairs())
        assert restored.group(order.__getitem__) == counted.group(order.__getitem__) \
            == group_statements(docs, dict(quoted))   # type: ignore[arg-type]
        assert restored.pairs() == counted.pairs()
        back = [(r, s) for r, s in quoted if r in set(gone)]
        for grouping in (restored, counted):
            grouping.update(gone, [])
            grouping.update([], back)
        assert restored.group(order.__getitem__) == group_statements(docs, dict(quoted))   # type: ignore[arg-type]
        assert _paired(restored) == _paired(counted)   # each pair, not only the statements they make


def _paired(grouping: statements.Statements) -> set[frozenset[PassageRef]]:
    return {frozenset((grouping.ref[a], grouping.ref[b])) for a, bs in grouping.edges.items() for b in bs}


def test_a_build_finds_the_statement_pairs_outside_the_process_that_holds_the_corpus(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shingles the pairs are found from (~6 KB a document) never come into a build's main
    process: its executor finds the pairs in a job (statements.pairs_of, forked), and linking
    groups the quotes from them (restore). The site is the one a build in one process makes."""
    import os

    from builder.run import pipeline
    from builder.run.executor import Forked, InProcess
    from tests.conftest import ROOT, copy_corpus

    counted: list[int] = []
    update = statements.Statements.update

    def counting(self: statements.Statements, removed: object, added: object) -> None:
        counted.append(os.getpid())
        update(self, removed, added)   # type: ignore[arg-type]

    monkeypatch.setattr(statements.Statements, "update", counting)
    root = copy_corpus(ROOT, tmp_path / "corpus")
    forked = pipeline.build(root, executor=Forked(2))
    assert forked.ok and counted == []          # counted in the job's process, not here
    here = pipeline.build(root, executor=InProcess())
    assert here.ok and counted == [os.getpid()]
    assert forked.site == here.site and b"conflict" in here.site["quotes.html"]
