"""The build cache keeps a prepared document sealed (builder.run.sealed): read back, it is the
document it was, but decoded only when something reads more than its metadata. A rebuild that
changed nothing opens none; linking, the pages' keys and the counts read summaries."""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings, strategies as st

from builder.prepare.summary import summarize
from builder.read.files import CorpusFiles
from builder.run import pipeline, sealed, store, transfer
from builder.run.child import Child
from builder.run.digest import code
from builder.run.executor import InProcess
from builder.run.memo import Fresh
from builder.search import shards
from builder.search.words import Analyzer
from tests.test_cache import example, files, same_as_uncached

pytestmark = pytest.mark.usefixtures("own_signing_key")


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sealed documents this process opens."""
    ids: list[str] = []
    open_ = sealed.SealedDoc.opened

    def counted(self: sealed.SealedDoc) -> object:
        if self._doc is None and (self._held is None or self._held() is None):   # decoded now
            ids.append(self.meta.id)
        return open_(self)

    monkeypatch.setattr(sealed.SealedDoc, "opened", counted)
    return ids


def built(root: Path, site: Path) -> pipeline.BuildResult:
    cache, why = store.Store.open(root, code())
    assert cache is not None, why
    try:
        result = pipeline.build_and_write(root, site, executor=InProcess(), cache=cache)
    finally:
        cache.close()
    assert result.ok, result.diagnostics
    return result


def test_a_sealed_document_is_the_document_it_stands_for() -> None:
    prepared = pipeline.prepare(CorpusFiles(Path(__file__).resolve().parents[1]), Fresh(), InProcess())
    for doc in prepared.docs:
        kept = sealed.unseal(sealed.seal(doc, transfer.encode(doc)))
        assert kept.meta == doc.meta and kept._doc is None          # its metadata, nothing decoded
        assert kept == doc and kept.spans == doc.spans and kept.doc == doc.doc and kept.sidecar == doc.sidecar
        assert pickle.loads(pickle.dumps(kept)) == doc               # sent elsewhere as the document


def test_a_shelved_document_is_read_from_disk_and_held_only_while_it_is_read(tmp_path: Path) -> None:
    prepared = pipeline.prepare(CorpusFiles(Path(__file__).resolve().parents[1]), Fresh(), InProcess())
    docs = [d.opened() for d in prepared.docs]
    with sealed.Shelf(str(tmp_path)) as shelf:
        reads: list[str] = []

        def counted(read: Callable[[], object], doc_id: str) -> object:
            reads.append(doc_id)
            return read()

        kept = [sealed.SealedDoc(d.meta, partial(counted, shelf.put(sealed.seal(d, transfer.encode(d))[1]), d.meta.id))
                for d in docs]
        assert os.listdir(tmp_path) == []                      # a file with no name: nothing left behind
        for doc, one in zip(docs, kept):
            held = one.opened()
            assert held == doc and one.opened() is held and one.spans is held.spans
            assert reads.count(doc.meta.id) == 1               # read once while it is held...
            del held
            assert one.opened() == doc and reads.count(doc.meta.id) == 2   # ...and again once let go
        if sys.platform.startswith("linux"):   # read in a process forked after the documents were put
            assert Child(lambda: [one == doc for one, doc in zip(kept, docs)]).result() == [True] * len(docs)
    with pytest.raises(ValueError, match="after the build that shelved it ended"):
        kept[0].opened()                                       # the shelf closed: not read from whatever file took its number


def test_a_rebuild_opens_no_document_nothing_reads(tmp_path: Path, opened: list[str]) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    first = built(root, site)
    # made by this build, held sealed as well (on the build's shelf): each opened for its page
    assert sorted(set(opened)) == sorted(p.stem for p in (root / "annotations").glob("*.yaml") if p.stem != "entities")
    opened.clear()
    again = built(root, site)
    assert again.from_cache is not None and again.from_cache.documents == first.documents
    assert opened == []                       # linked, keyed and counted from the summaries
    assert (again.documents, again.annotations) == (first.documents, first.annotations)
    same_as_uncached(root, site, tmp_path)


def test_an_edit_opens_only_the_documents_an_export_chunk_made_again_writes_whole(tmp_path: Path, opened: list[str]) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    built(root, site)
    before = files(site)
    opened.clear()
    path = root / "annotations" / "rt-2021-naeem.yaml"
    path.write_text(path.read_text("utf-8").replace("    via: al-mayadeen\n", ""), "utf-8")
    result = built(root, site)
    # The listings made again read summaries; annotations.jsonld writes each annotation whole
    # (its selector, its note), and the edited document's chunk of it holds the other four;
    # the edited document (prepared again, held sealed) is opened for its page and that chunk.
    docs = sorted(d for d in (p.stem for p in (root / "annotations").glob("*.yaml")) if d != "entities")
    assert result.documents == 5 and sorted(set(opened)) == docs
    assert files(site) != before
    same_as_uncached(root, site, tmp_path)


def test_a_summary_holds_every_annotation_in_the_order_of_the_spans() -> None:
    prepared = pipeline.prepare(CorpusFiles(Path(__file__).resolve().parents[1]), Fresh(), InProcess())
    for doc in prepared.docs:
        summary = summarize(doc)
        assert [(p.id, p.kind, p.start, p.end) for p in summary.passages] == \
            [(s.id, s.kind, s.start, s.end) for s in doc.spans]
        assert all(p.speaker == s.annotation.speaker and p.via == s.annotation.via and p.words ==
                   (s.annotation.selector.text if s.kind == "quote" else "") for p, s in zip(summary.passages, doc.spans))


def test_where_no_shelf_can_be_made_the_documents_stay_in_memory_and_the_site_is_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = example(tmp_path)
    shelved = pipeline.build_and_write(root, tmp_path / "shelved", executor=InProcess())
    monkeypatch.setattr(sealed, "SHELVES", False)          # a platform without os.pread (Windows)
    monkeypatch.setattr(sealed, "Shelf", None)             # and none is made
    held = pipeline.build_and_write(root, tmp_path / "held", executor=InProcess())
    assert shelved.ok and held.ok and files(tmp_path / "shelved") == files(tmp_path / "held")


def test_a_shelved_summary_reads_its_text_from_disk_as_the_str_it_stands_for(tmp_path: Path) -> None:
    prepared = pipeline.prepare(CorpusFiles(Path(__file__).resolve().parents[1]), Fresh(), InProcess())
    docs = [d.opened() for d in prepared.docs]
    name_of = {e.id: e.name for e in prepared.entities}
    made = [(None, shards.pack(shards.shard(d, name_of, Analyzer())), summarize(d)) for d in docs]
    assert all(shard.text is summary.text for _, shard, summary in made)   # one string, as a worker sends them
    with sealed.Shelf(str(tmp_path)) as shelf:
        kept = sealed.decode_all(sealed.encode_all(made), shelf=shelf)
        for (_, shard, summary), (_, one_shard, one) in zip(made, kept):
            text = one.text
            assert type(text) is sealed.ShelvedText and not isinstance(text, str)   # not held in memory
            assert one_shard.text is text                                             # shelved once for both
            assert one == summary and hash(one) == hash(summary) and one_shard == shard   # equal to what they stand for
            assert str(text) == summary.text and len(text) == len(summary.text)
            assert text[3:40] == summary.text[3:40] and text[-1] == summary.text[-1]
            for sent in pickle.loads(pickle.dumps((one, one_shard))):                 # sent elsewhere with the text itself
                assert type(sent.text) is str and sent.text == summary.text
        before = os.lseek(shelf._file.fileno(), 0, os.SEEK_CUR)
        assert [str(one.text) for _, _, one in kept] == [s.text for _, _, s in made]   # read from the file...
        assert os.lseek(shelf._file.fileno(), 0, os.SEEK_CUR) == before               # ...by place: no shared position moved
        if sys.platform.startswith("linux"):   # read in a process forked after the texts were put
            assert Child(lambda: [str(one.text) for _, _, one in kept]).result() == [s.text for _, _, s in made]
    held = sealed.decode_all(sealed.encode_all(made))
    assert all(type(one.text) is str and one == s for (_, _, one), (_, _, s) in zip(held, made))   # no shelf: in memory
    with pytest.raises(ValueError, match="after the build that shelved it ended"):
        str(kept[0][2].text)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=60) | st.text(st.characters(max_codepoint=255), max_size=60),
       st.integers(-70, 70), st.integers(-70, 70), st.sampled_from([None, 1, 2, -1]))
def test_a_shelved_text_reads_every_slice_as_its_str_does(text: str, a: int, b: int, step: int | None) -> None:
    with tempfile.TemporaryDirectory() as folder, sealed.Shelf(folder) as shelf:
        shelf.text("before it")                     # not the first in the file: its place counts
        kept = shelf.text(text)
        shelf.text("after it")
        assert len(kept) == len(text) and str(kept) == text and kept == text
        assert kept[a:b:step] == text[a:b:step] and kept[a:] == text[a:] and kept[:b] == text[:b]
        if -len(text) <= a < len(text):
            assert kept[a] == text[a]
        else:
            with pytest.raises(IndexError):
                kept[a]
