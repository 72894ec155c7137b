"""A build with a cache reads no document or sidecar that is as an earlier build read it
(builder.run.unchanged), and what it builds is still what a build without the cache builds:
whatever changed a file is seen, and a file that changes while it is read is never kept
under the name of what it was before."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from builder.read import files as corpus_files
from builder.run import digest, store, unchanged
from tests.test_cache import aged, build, example, files, inodes, rebuilt, same_as_uncached

pytestmark = pytest.mark.usefixtures("own_signing_key")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The corpus files this process reads (the build's main process reads them all)."""
    read: list[str] = []
    read_text = corpus_files.read_text

    def counted(path: object, rel: str, *args: object, **kwargs: object) -> object:
        read.append(rel)
        return read_text(path, rel, *args, **kwargs)   # type: ignore[arg-type]

    monkeypatch.setattr(corpus_files, "read_text", counted)
    return read


SIDECAR = "annotations/rt-2021-naeem.yaml"
ITS_DOCUMENT = "seeds/000_bcf42435b7518b1b.txt"     # (INDEX.md) prepared again with it: read too


def documents_and_sidecars(read: list[str]) -> list[str]:
    return sorted(r for r in read if r.startswith(("seeds/", "annotations/")) and r not in (
        "seeds/INDEX.md", "annotations/entities.yaml"))


def test_a_build_reads_only_the_files_that_changed_since_the_last(tmp_path: Path, reads: list[str]) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    assert len(documents_and_sidecars(reads)) == 10      # five documents and their sidecars
    reads.clear()
    build(root, site)
    assert documents_and_sidecars(reads) == []
    reads.clear()
    path = root / SIDECAR
    path.write_text(path.read_text("utf-8").replace("    via: al-mayadeen\n", ""), "utf-8")
    build(root, site)
    assert documents_and_sidecars(reads) == [SIDECAR, ITS_DOCUMENT]
    same_as_uncached(root, site, tmp_path)


def test_a_file_modified_just_before_a_build_is_read_by_the_next_one_too(tmp_path: Path, reads: list[str]) -> None:
    """Within the clock's step a second edit could leave the stat as it was: a file modified
    less than unchanged.RACY before a build began is read again by the next build."""
    root, site = example(tmp_path), tmp_path / "site"
    aged(root / "annotations", seconds=1)
    build(root, site)
    reads.clear()
    build(root, site)
    assert documents_and_sidecars(reads) == sorted(f"annotations/{p.name}" for p in (root / "annotations").iterdir()
                                                   if p.name != "entities.yaml")


@pytest.mark.parametrize("how", ["same size, its time given back", "replaced by another file"])
def test_an_edit_that_leaves_the_size_and_the_time_is_seen(tmp_path: Path, reads: list[str], how: str) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    path = root / SIDECAR
    before, text = path.stat(), path.read_text("utf-8")
    assert "speaker: vladimir-putin" in text
    changed = text.replace("speaker: vladimir-putin", "speaker: dmitry-zhirnov", 1)
    assert len(changed.encode()) == len(text.encode())
    if how == "replaced by another file":
        other = path.with_name("new.tmp")
        other.write_text(changed, "utf-8")
        os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(other, path)
    else:
        path.write_text(changed, "utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    pages = inodes(site)
    reads.clear()
    build(root, site)
    assert documents_and_sidecars(reads) == [SIDECAR, ITS_DOCUMENT]
    assert "docs/rt-2021-naeem.html" in rebuilt(pages, inodes(site))
    same_as_uncached(root, site, tmp_path)


def test_a_file_that_changes_while_it_is_read_is_kept_under_what_was_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file found unchanged by its stat but read after all (the entities changed, so every
    document is prepared again), and edited between the two: the result is kept under the
    text that was read. Kept under the name its stat gave, it would be read back for that
    text, the day the file holds it again."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    path = root / SIDECAR
    original = path.read_text("utf-8")
    entities = root / "annotations" / "entities.yaml"
    entities.write_text(entities.read_text("utf-8").replace("Political spokesman", "Political spokesperson"), "utf-8")
    known = unchanged.FileNames.known

    def edited_after_its_stat(self: unchanged.FileNames, where: str, info: os.stat_result) -> str | None:
        name = known(self, where, info)
        if name is not None and where.endswith(SIDECAR):
            path.write_text(original.replace("speaker: vladimir-putin", "speaker: dmitry-zhirnov", 1), "utf-8")
        return name

    monkeypatch.setattr(unchanged.FileNames, "known", edited_after_its_stat)
    build(root, site)
    monkeypatch.setattr(unchanged.FileNames, "known", known)
    assert "dmitry-zhirnov" in (site / "docs" / "rt-2021-naeem.html").read_text("utf-8")
    path.write_text(original, "utf-8")    # the text its stat named: read (a new stat), then found in the cache
    build(root, site)
    same_as_uncached(root, site, tmp_path)


def test_a_damaged_list_of_files_means_every_file_is_read(tmp_path: Path, reads: list[str]) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    kept = store.Store.open(root, digest.code())[0]
    assert kept is not None
    where = Path(kept.path(unchanged.FileNames(kept, digest.code()).key))
    kept.close()
    data, stat = where.read_bytes(), where.stat()
    damaged = data.replace(b"text:", b"text;", 1)
    assert damaged != data and len(damaged) == len(data)
    where.write_bytes(damaged)
    os.utime(where, ns=(stat.st_atime_ns, stat.st_mtime_ns))    # as the manifest lists it
    first = files(site)
    reads.clear()
    build(root, site)
    assert len(documents_and_sidecars(reads)) == 10
    assert files(site) == first


def test_the_time_a_file_is_trusted_after(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """unchanged.RACY is longer than the coarsest clock step a corpus's file system keeps (FAT: 2 s)."""
    assert unchanged.RACY > 2_000_000_000
    path = tmp_path / "a.txt"
    path.write_text("a", "utf-8")
    names = unchanged.FileNames.__new__(unchanged.FileNames)
    names.since, names.now, names.earlier, names._read = time.time_ns() - unchanged.RACY, {}, {}, {}
    text = corpus_files.Text(corpus_files.SourcePath("seeds/a.txt"), "a")
    names.read(str(path), path.stat(), text)
    assert names.now == {}                   # just written: not kept
    os.utime(path, (time.time() - 10, time.time() - 10))
    names.read(str(path), path.stat(), text)
    assert list(names.now) == [str(path)]
