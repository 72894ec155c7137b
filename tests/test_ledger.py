"""The documents' ledger (builder.run.ledger): a rebuild reads one cache entry for every
prepared document, and a document's own entry only when something opens the document; an
entry damaged or gone by then is made again, a damaged ledger is no ledger, and the site is
always the site a build without the cache makes."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from builder.prepare.summary import summarize
from builder.read.files import CorpusFiles
from builder.run import indexing, kept, ledger, pipeline, remember, transfer
from builder.run.executor import InProcess
from builder.run.memo import Fresh
from builder.run.sealed import SealedDoc
from builder.search import shards
from builder.search.words import Analyzer
from tests.test_cache import build, example, objects, same_as_uncached
from tests.test_sealed import built

pytestmark = pytest.mark.usefixtures("own_signing_key")

ROOT = Path(__file__).resolve().parents[1]


def entries(root: Path) -> dict[str, list[Path]]:
    """The cache's entries that hold records (two digests, a newline, a pickle), by kind."""
    kinds: dict[str, list[Path]] = {"ledger": [], "document": [], "other": []}
    for path in objects(root):
        data = path.read_bytes()
        if data[128:129] != b"\n":
            continue
        value = pickle.loads(data[129:])
        kind = "ledger" if isinstance(value, dict) else "document" if isinstance(value, tuple) and len(value) == 2 and value[1] else "other"
        kinds[kind].append(path)
    return kinds


def damage(path: Path) -> None:
    """Bytes changed in place, size and time kept."""
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_row_gives_back_the_result_it_was_made_from() -> None:
    prepared = pipeline.prepare(CorpusFiles(ROOT), Fresh(), InProcess(), for_search=False)
    name_of = {e.id: e.name for e in prepared.entities}
    for doc in (d.opened() for d in prepared.docs):   # a prepared document, not the sealed one a build holds
        shard = shards.pack(shards.shard(doc, name_of, Analyzer()))
        value = (doc, (), True, shard, summarize(doc))
        read: list[int] = []

        def part(i: int) -> object:
            read.append(i)
            return value[i]

        row = ledger.row(value, transfer.encode(value), "made", lambda p, _: "by value" if p is shard else None)
        back, names = ledger.value_of(row, part)
        assert names == ("made", (None, None, None, "by value", None), ((0, None),)) == ledger.names_of(row)
        assert type(back[0]) is SealedDoc and type(back[3]) is ledger.Shelved
        assert back[0].meta == doc.meta and back[1:3] == value[1:3] and back[4] == value[4]
        assert read == []                                          # nothing heavy read yet
        assert back[0] == doc and ledger.whole([back[3]]) == [shard] and read == [0, 3]
        assert pickle.loads(pickle.dumps(back[3])) == shard       # sent elsewhere as the shard itself


def test_a_rebuild_reads_the_ledger_not_each_documents_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    first = built(root, site)
    loads: list[object] = []
    load = remember._load
    monkeypatch.setattr(remember, "_load", lambda data: loads.append(data) or load(data))
    shelved: list[object] = []
    value = ledger.Shelved.value
    monkeypatch.setattr(ledger.Shelved, "value", lambda self: shelved.append(self) or value(self))
    again = built(root, site)
    assert again.from_cache is not None and again.from_cache.documents == first.documents == 5
    assert len(loads) == 2        # INDEX.md parsed, linking's statement pairs: no document's entry
    assert shelved == []          # the search index linked: no shard read, none sent
    same_as_uncached(root, site, tmp_path)


@pytest.mark.parametrize("how", ["damaged", "removed"])
def test_a_document_entry_damaged_or_gone_under_its_row_is_made_again(tmp_path: Path, how: str) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    found = entries(root)
    assert len(found["ledger"]) == 1 and len(found["document"]) == 5
    for path in found["document"]:
        damage(path) if how == "damaged" else path.unlink()
    # Another document's note reworded: annotations.jsonld's chunk, which holds all five, is
    # made again and opens the four others, whose rows are sound and whose entries are not.
    path = root / "annotations" / "anadolu-2024-medvedev.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("The report gives no date", "The report gives neither date", 1), "utf-8")
    build(root, site)
    same_as_uncached(root, site, tmp_path)


def test_the_index_job_reads_the_shards_from_the_cache_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A speaker edited changes a shard: the index is merged again from every document's shard,
    and those still in their entries are sent to the index's job as where they are kept
    (ledger.InEntry), read there, not by the main process before linking."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    shelved: list[object] = []
    value = ledger.Shelved.value
    monkeypatch.setattr(ledger.Shelved, "value", lambda self: shelved.append(self) or value(self))
    sent: list[list[object]] = []
    by_place = ledger.by_place
    monkeypatch.setattr(ledger, "by_place", lambda values: sent.append(by_place(values)) or sent[-1])
    path = root / "annotations" / "anadolu-2024-medvedev.yaml"
    path.write_text(path.read_text("utf-8").replace("speaker: dmitry-medvedev", "speaker: vladimir-putin", 1), "utf-8")
    build(root, site)
    assert shelved == []
    assert sum(type(s) is ledger.InEntry for part in sent for s in part) == 4   # the four documents not edited
    same_as_uncached(root, site, tmp_path)


@pytest.mark.parametrize("how", ["damaged", "removed"])
def test_a_shard_the_index_job_cannot_read_leaves_the_index_to_the_build(tmp_path: Path, how: str) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    for path in entries(root)["document"]:
        damage(path) if how == "damaged" else path.unlink()
    path = root / "annotations" / "anadolu-2024-medvedev.yaml"
    path.write_text(path.read_text("utf-8").replace("speaker: dmitry-medvedev", "speaker: vladimir-putin", 1), "utf-8")
    build(root, site)
    same_as_uncached(root, site, tmp_path)


def test_a_damaged_ledger_is_no_ledger(tmp_path: Path) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    damage(entries(root)["ledger"][0])
    result = built(root, site)
    assert result.from_cache is not None and result.from_cache.documents == 5   # each from its own entry
    same_as_uncached(root, site, tmp_path)
    assert len(entries(root)["ledger"]) == 1                                    # and a sound ledger again


def test_a_file_of_the_index_removed_from_the_cache_is_made_again(tmp_path: Path) -> None:
    """The manifest still lists it (whether the index is kept is asked of the manifest alone):
    the job that links the index finds it gone, and the build makes the index."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    index_js = (site / "search" / "index.js").stat().st_ino
    kept = [p for p in (root / ".glossator-cache" / "objects").rglob("*") if p.is_file() and p.stat().st_ino == index_js]
    assert len(kept) == 1, "the site's file is a hard link to the cache's copy"
    kept[0].unlink()
    build(root, site)
    same_as_uncached(root, site, tmp_path)


def test_an_index_the_cache_no_longer_holds_is_made_by_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job told to link the index from the cache, and the cache without it: the build makes it."""
    root, site = example(tmp_path), tmp_path / "site"
    missing: list[object] = []
    made_here = indexing.made_here
    monkeypatch.setattr(kept.Kept, "search_kept", lambda self: True)
    monkeypatch.setattr(indexing, "made_here", lambda *a: missing.append(a[-1]) or made_here(*a))
    built(root, site)
    assert missing == [indexing.MISSING]
    same_as_uncached(root, site, tmp_path)
