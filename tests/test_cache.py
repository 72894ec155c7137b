"""The build cache (`.glossator-cache/`, builder.run.store and builder.run.remember).

What a cached build must hold: its site is byte for byte the site of a build without the
cache, whatever was edited; an edit makes again what reads the edited file and nothing else
(a page taken from the cache is a hard link to the cache's copy, so it keeps its inode); a
cache that is damaged, foreign, half-written, busy or not ours is not read.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from builder.commands.cli import main
from builder.core import pieces
from builder.core.models import AnchoredDoc, EntityId, SourcePath, Summary
from builder.export import tables, w3c
from builder.html import timeline
from builder.prepare import statements
from builder.read import index
from builder.run import digest
from builder.search import files as search_files

ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("own_signing_key")


def example(tmp_path: Path) -> Path:
    """The example corpus, its files last modified two hours ago (as a corpus an author builds
    again is: files older than a build are not read again while unchanged, builder.run.unchanged);
    an edit gives a file the time it is made."""
    root = tmp_path / "corpus"
    for part in ("seeds", "annotations"):
        shutil.copytree(ROOT / part, root / part)
    aged(root)
    return root


def aged(root: Path, seconds: int = 7200) -> None:
    then = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def build(root: Path, out: Path, *extra: str) -> str:
    o, e = io.StringIO(), io.StringIO()
    code = main(["build", str(root), "--out", str(out), "-q", *extra], o, e)
    assert code == 0, e.getvalue()
    return e.getvalue()


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*.html")}


def rebuilt(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """The pages made anew (not taken from the cache) by the last build."""
    return {p for p in after if before.get(p) != after[p]}


def same_as_uncached(root: Path, site: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    build(root, plain, "--no-cache")
    assert files(site) == files(plain)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def rebuilt_after(tmp_path: Path, change: Callable[[Path], object]) -> tuple[Path, set[str], set[str]]:
    """The example built with the cache, `change(corpus)`, built again: (the site, the files
    the first build wrote, the files the second made again rather than took from the cache),
    the second site checked against a build without the cache."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    before = inodes(site)
    change(root)
    build(root, site)
    again = rebuilt(before, inodes(site))
    same_as_uncached(root, site, tmp_path)
    return site, set(before), again


def test_a_second_build_takes_every_page_from_the_cache(tmp_path: Path) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    first = inodes(site)
    assert (root / ".glossator-cache" / "CACHEDIR.TAG").is_file()
    assert (root / ".glossator-cache" / ".gitignore").read_text().strip().endswith("*")
    build(root, site)
    assert rebuilt(first, inodes(site)) == set()
    same_as_uncached(root, site, tmp_path)


def test_a_build_says_what_it_took_from_the_cache(tmp_path: Path) -> None:
    """The summary line counts the documents read back and the pages linked from the cache."""
    root, site = example(tmp_path), tmp_path / "site"

    def summary(*extra: str) -> str:
        o, e = io.StringIO(), io.StringIO()
        assert main(["build", str(root), "--out", str(site), *extra], o, e) == 0, e.getvalue()
        return o.getvalue()

    assert "(from the cache: 0 of the documents, 0 of the pages)" in summary()
    assert "(from the cache: 5 of the documents, 63 of the pages)" in summary()
    edit(root / "annotations" / "rt-2021-naeem.yaml", "    via: al-mayadeen\n", "")
    before = inodes(site)
    line = summary()
    assert "63 pages" in line and f"(from the cache: 4 of the documents, {63 - len(rebuilt(before, inodes(site)))} of" in line
    assert "from the cache" not in summary("--no-cache")


def test_a_sidecar_edit_makes_its_document_and_the_listings_again(tmp_path: Path) -> None:
    _, before, again = rebuilt_after(tmp_path, lambda root: edit(
        root / "annotations" / "rt-2021-naeem.yaml", "    via: al-mayadeen\n", ""))
    assert "docs/rt-2021-naeem.html" in again and "quotes.html" in again
    assert "docs/anadolu-2024-medvedev.html" not in again and "search.html" not in again
    assert "entities/al-mayadeen.html" in again   # it no longer relays the quote
    assert len(again) < len(before) / 2, sorted(again)


def test_a_comment_edited_in_a_sidecar_makes_no_page_again(tmp_path: Path) -> None:
    _, _, again = rebuilt_after(tmp_path, lambda root: edit(
        root / "annotations" / "rt-2021-naeem.yaml", "# RT, captured", "# RT (a comment edited), captured"))
    assert again == set()


def add_a_paragraph(root: Path) -> None:
    seed = sorted((root / "seeds").glob("000_*.txt"))[0]
    seed.write_text(seed.read_text("utf-8") + "\nA paragraph added at the end.\n", "utf-8")


def test_a_source_text_edit_makes_its_document_again(tmp_path: Path) -> None:
    _, _, again = rebuilt_after(tmp_path, add_a_paragraph)
    assert "docs/rt-2021-naeem.html" in again
    # cdmedia quotes the same words (a statement of two passages): its page shows RT's passage
    assert {"docs/anadolu-2024-medvedev.html", "docs/unnamed-2017-mantytskiy.html",
            "docs/brinkwire-2021-kabulov.html"}.isdisjoint(again), sorted(again)


def test_an_entity_renamed_makes_the_pages_that_name_it_again(tmp_path: Path) -> None:
    site, _, again = rebuilt_after(tmp_path, lambda root: edit(
        root / "annotations" / "entities.yaml", "name: Muhammad Naeem", "name: Mohammad Naeem"))
    assert {"entities/muhammad-naeem.html", "docs/rt-2021-naeem.html", "entities.html"} <= again
    assert "Mohammad Naeem" in (site / "entities" / "muhammad-naeem.html").read_text()


@pytest.mark.parametrize("rel, old, new", [
    ("annotations/anadolu-2024-medvedev.yaml", "event: Dmitry Medvedev is president", "event: Dmitry Medvedev serves as president"),
    ("annotations/anadolu-2024-medvedev.yaml", 'date: "2008/2012"', 'date: "2008/2013"'),
    ("seeds/INDEX.md", "Envoy Confirms Russia Has Relations", "Envoy Says Russia Has Relations"),
    ("seeds/INDEX.md", "| Brinkwire Summary News | 2021-08-31~ |", "| Brinkwire Summary News | 2021-08-31 |"),
])
def test_a_timeline_in_periods_follows_each_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 rel: str, old: str, new: str) -> None:
    """A period's page is keyed by the names of the spans and rows its entries come from
    (reads.Names): an event, a date or a title edited makes the periods that show it again."""
    monkeypatch.setattr(timeline, "TIMELINE_ENTRIES", 4)   # the example's timeline, in periods
    _, before, again = rebuilt_after(tmp_path, lambda root: edit(root / rel, old, new))
    periods = {p for p in before if p.startswith("timeline/")}
    assert len(periods) > 3, sorted(before)
    assert again & periods and not periods <= again, sorted(again)


def test_the_exports_are_made_again_for_the_edited_document_alone(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """annotations.jsonld and the data files are put together from chunks (the annotations
    and the dates of CHUNK_DOCUMENTS documents, a speaker's quotes): an edit makes those it changes again, and a
    build that links the whole files from the cache keeps the chunks for the next."""
    monkeypatch.setenv("GLOSSATOR_WORKERS", "1")   # made in this process, where the calls are counted
    made: list[tuple[str, str]] = []
    w3c_lines, date_rows, speaker_rows = w3c.documents_lines, tables.document_date_rows, tables.speaker_rows

    def lines(write: w3c.Writer, docs: Sequence[AnchoredDoc]) -> bytes:
        made.extend(("w3c", doc.meta.id) for doc in docs)
        return w3c_lines(write, docs)

    def dates(doc: Summary, base_url: str) -> list[tables.Row]:
        made.append(("dates", doc.meta.id))
        return date_rows(doc, base_url)

    def quotes(rows: tables.QuoteRows, speaker: EntityId) -> list[tables.Row]:
        made.append(("speaker", speaker))
        return speaker_rows(rows, speaker)

    monkeypatch.setattr(pieces, "CHUNK_DOCUMENTS", 1)   # a chunk a document (the example has five)
    monkeypatch.setattr(w3c, "documents_lines", lines)
    monkeypatch.setattr(tables, "document_date_rows", dates)
    monkeypatch.setattr(tables, "speaker_rows", quotes)
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    assert [k for k, _ in made].count("w3c") == 5 and ("speaker", "vladimir-putin") in made
    sidecar = yaml.safe_load((root / "annotations" / "rt-2021-naeem.yaml").read_text("utf-8"))
    quoted = {q["speaker"] for q in sidecar["quotes"]}   # each quoted in the edited document
    assert len(quoted) > 3
    for n, change in enumerate(("    via: al-mayadeen\n", "# RT, captured")):
        del made[:]
        build(root, site)
        assert made == []                  # nothing changed: the whole files from the cache
        edit(root / "annotations" / "rt-2021-naeem.yaml", change, "" if n == 0 else "# RT captured")
        build(root, site)
        if n == 0:
            assert sorted(made) == sorted([("w3c", "rt-2021-naeem"), ("dates", "rt-2021-naeem"),
                                           *(("speaker", q) for q in quoted)])
        else:
            assert made == []              # a comment edited changes no annotation
    same_as_uncached(root, site, tmp_path)


def test_a_note_edited_makes_its_document_page_and_the_w3c_export_again_and_nothing_else(tmp_path: Path) -> None:
    """A note is not what linking reads (a document's summary): the linked corpus is the one
    the last build made, so every page but the document's own is linked from the cache under
    the key it had (KnownPages), without its inputs worked out, and so are the data files; the
    W3C export, which holds the note, is made again."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    before = {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    edit(root / "annotations" / "anadolu-2024-medvedev.yaml", "no date or occasion", "no occasion given")
    build(root, site)
    after = {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    again = {p for p in after if p.endswith((".html", ".csv", ".json", ".jsonld")) and before.get(p) != after[p]}
    assert again == {"docs/anadolu-2024-medvedev.html", "annotations.jsonld"}
    assert b"no occasion given" in (site / "annotations.jsonld").read_bytes()
    same_as_uncached(root, site, tmp_path)


def test_index_md_is_parsed_again_only_when_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """INDEX.md's table (10,000 rows take ~0.9 s to parse) is read back from the cache while
    the file is the same; edited, it is parsed again, and the pages that show the row follow."""
    parsed: list[str] = []
    parse = index.parse_index

    def counted(text: str, rel: SourcePath) -> tuple[object, ...]:
        parsed.append(rel)
        return parse(text, rel)

    monkeypatch.setattr(index, "parse_index", counted)
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    assert len(parsed) == 1
    before = inodes(site)
    build(root, site)
    assert len(parsed) == 1 and rebuilt(before, inodes(site)) == set()
    edit(root / "seeds" / "INDEX.md", "Envoy Confirms Russia Has Relations", "Envoy Says Russia Has Relations")
    build(root, site)
    assert len(parsed) == 2
    assert "Envoy Says Russia Has Relations" in (site / "docs" / "unnamed-2017-mantytskiy.html").read_text("utf-8")
    same_as_uncached(root, site, tmp_path)


def test_search_files_made_again_the_same_are_linked_to_the_earlier_copy(tmp_path: Path) -> None:
    """The search index is made again after any edit; each of its files is kept under the
    digest of its bytes, so one that comes out the same is the cache's earlier copy (the same
    inode), not written anew and the old one removed."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    search = sorted(p.relative_to(site).as_posix() for p in (site / "search").rglob("*") if p.is_file())
    before = {p: ((site / p).stat().st_ino, (site / p).read_bytes()) for p in search}
    edit(root / "annotations" / "entities.yaml", "name: Muhammad Naeem", "name: Mohammad Naeem")
    build(root, site)
    after = {p: ((site / p).stat().st_ino, (site / p).read_bytes()) for p in search}
    same = [p for p in search if after[p][1] == before[p][1]]
    assert same and len(same) < len(search), same            # the edit changed some files, not all
    assert all(after[p][0] == before[p][0] for p in same), same
    same_as_uncached(root, site, tmp_path)


def test_the_search_index_is_merged_again_only_when_a_shard_changed(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index reads each document's shard (its text, title, quotes, speakers' and
    mentioned entities' names) and nothing else: a note or a date edited leaves every shard as
    it was, and the index is taken from the cache whole, not merged again (10,000 documents:
    ~7 s of CPU beside the pages); a quote credited to someone else is merged again."""
    monkeypatch.setenv("GLOSSATOR_WORKERS", "1")   # merged in this process, where the calls are counted
    merged: list[int] = []
    merging = search_files.merging

    def counted(shards: Iterable[object], **sizes: int) -> Iterator[tuple[str, bytes]]:
        merged.append(1)
        return merging(shards, **sizes)

    monkeypatch.setattr(search_files, "merging", counted)
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    assert len(merged) == 1
    sidecar = root / "annotations" / "anadolu-2024-medvedev.yaml"
    edit(sidecar, "note: The report gives no date or occasion", "note: The report gives no occasion")
    edit(sidecar, 'date: "2024-05-28"', 'date: "2024-05-27"')
    before = inodes(site)
    build(root, site)
    assert len(merged) == 1, "a note and a date edited: the index from the cache"
    assert "docs/anadolu-2024-medvedev.html" in rebuilt(before, inodes(site))
    same_as_uncached(root, site, tmp_path)
    del merged[:]                                  # (same_as_uncached merged once, without the cache)
    edit(root / "annotations" / "rt-2021-naeem.yaml", "    via: al-mayadeen\n", "")
    build(root, site)
    assert merged == [], "a relaying outlet is not in the index"
    speaker = yaml.safe_load(sidecar.read_text("utf-8"))["quotes"][0]["speaker"]
    other = "vladimir-putin" if speaker != "vladimir-putin" else "sergey-lavrov"
    edit(sidecar, f"speaker: {speaker}", f"speaker: {other}")
    build(root, site)
    assert len(merged) == 1, "a quote credited to another speaker is merged again"
    same_as_uncached(root, site, tmp_path)


def test_statement_pairs_are_found_again_only_when_a_quotes_words_or_place_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linking's statement pairs (which quotes share enough words: at 10,000 documents 2.3 s of
    linking's 4.0) are kept in the cache under the words and places of every quote: a note edited
    or a quote credited to another speaker reads them back; a quote's words edited finds them again."""
    monkeypatch.setenv("GLOSSATOR_WORKERS", "1")   # found in this process, where the calls are counted
    counted: list[int] = []
    update = statements.Statements.update

    def counting(self: statements.Statements, removed: object, added: object) -> None:
        counted.append(1)
        update(self, removed, added)   # type: ignore[arg-type]

    monkeypatch.setattr(statements.Statements, "update", counting)
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    assert counted == [1]
    sidecar = root / "annotations" / "anadolu-2024-medvedev.yaml"
    edit(sidecar, "no date or occasion", "no occasion")
    edit(sidecar, "speaker: dmitry-medvedev", "speaker: vladimir-putin")
    build(root, site)
    assert counted == [1], "the pairs read back"
    same_as_uncached(root, site, tmp_path)
    del counted[:]
    words = "Twenty years is a fairly long period"   # a quote's, in the sidecar and its document's text
    edit(sidecar, words, "Twenty years is a long period")
    edit(next(p for p in (root / "seeds").glob("*.txt") if words in p.read_text("utf-8")), words,
         "Twenty years is a long period")
    build(root, site)
    assert counted == [1], "a quote's words edited: the pairs found again"
    same_as_uncached(root, site, tmp_path)


def a_theme_of_our_own(root: Path) -> None:
    templates = root / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    base = (ROOT / "themes" / "default" / "templates" / "base.html").read_text("utf-8")
    (templates / "base.html").write_text(base.replace("</body>", "<!-- a theme of our own --></body>"), "utf-8")


def test_a_theme_template_edit_makes_every_page_again(tmp_path: Path) -> None:
    site, before, again = rebuilt_after(tmp_path, a_theme_of_our_own)
    assert again == before
    assert "a theme of our own" in (site / "index.html").read_text()


def test_other_glossator_code_reads_nothing_of_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, before, again = rebuilt_after(tmp_path, lambda _: monkeypatch.setattr(
        digest, "code", lambda: "another version of glossator"))
    assert again == before


def objects(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".glossator-cache" / "objects").rglob("*") if p.is_file())


def test_a_damaged_result_is_made_again_not_read(tmp_path: Path) -> None:
    """Bytes changed in place, size and time kept as they were: the result's own digest tells."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    damaged = 0
    for path in objects(root):
        data = path.read_bytes()
        if data[128:129] == b"\n":   # a prepared document, INDEX.md parsed, the statement pairs: two digests, newline, record
            st_ = path.stat()
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
            os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns))
            damaged += 1
    assert damaged == 8   # the five documents, INDEX.md, linking's statement pairs, the ledger
    build(root, site)
    same_as_uncached(root, site, tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "unsigned", "foreign key"])
def test_a_bad_manifest_means_an_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    before = inodes(site)
    manifest = root / ".glossator-cache" / "manifest"
    data = manifest.read_bytes()
    if damage == "garbage":
        manifest.write_bytes(b"\x00\xff not a manifest")
    elif damage == "truncated":
        manifest.write_bytes(data[: len(data) // 2])
    elif damage == "unsigned":   # a manifest written by hand, or by someone else's Glossator
        manifest.write_bytes(b"0" * 64 + data[64:])
    else:                        # the same cache, copied to another user's machine
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    build(root, site)
    assert rebuilt(before, inodes(site)) == set(before)
    same_as_uncached(root, site, tmp_path)


def test_a_page_edited_in_the_site_is_made_again_and_its_kept_copy_replaced(tmp_path: Path) -> None:
    """A page the cache kept is the very file in the site (a hard link): edited there in place,
    the cache's copy changed with it. The next build does not trust it (its size and time
    changed), makes the page again and keeps the new file in its place; a build after that
    links the page made again, not the edited one."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    page = site / "entities.html"
    assert page.stat().st_nlink == 2, "the page and the cache's copy are one file"
    with open(page, "r+b") as f:     # in place: the same inode
        f.seek(0, os.SEEK_END)
        f.write(b"<!-- edited by hand -->")
    before = inodes(site)
    build(root, site)
    assert "entities.html" in rebuilt(before, inodes(site))
    same_as_uncached(root, site, tmp_path)
    again = inodes(site)
    build(root, site)
    assert rebuilt(again, inodes(site)) == set()
    same_as_uncached(root, site, tmp_path)


def test_results_of_a_killed_build_are_not_trusted(tmp_path: Path) -> None:
    """A build killed after writing results never lists them: the next build writes its own."""
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    shutil.rmtree(root / ".glossator-cache" / "objects")       # as if the results were never kept
    (root / ".glossator-cache" / "objects").mkdir()
    build(root, site)
    same_as_uncached(root, site, tmp_path)
    listed = (root / ".glossator-cache" / "manifest").read_text()
    assert all(p.name in listed for p in objects(root))


def test_a_busy_cache_is_left_to_the_build_that_holds_it(tmp_path: Path) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    held = os.open(root / ".glossator-cache" / "lock", os.O_RDWR)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        o, e = io.StringIO(), io.StringIO()
        assert main(["build", str(root), "--out", str(site)], o, e) == 0
        assert "another build is using the cache: building without it" in e.getvalue()
    finally:
        os.close(held)
    same_as_uncached(root, site, tmp_path)


def test_a_folder_of_that_name_not_made_by_glossator_is_neither_read_nor_changed(tmp_path: Path) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    theirs = root / ".glossator-cache"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    o, e = io.StringIO(), io.StringIO()
    assert main(["build", str(root), "--out", str(site)], o, e) == 0
    assert "holds files Glossator did not write: building without a cache" in e.getvalue()
    assert [p.name for p in theirs.iterdir()] == ["notes.txt"]
    assert main(["clean", str(root)], o, e) == 1
    assert "not a Glossator cache" in e.getvalue() and (theirs / "notes.txt").read_text() == "mine"


def test_a_link_in_place_of_the_cache_is_not_followed(tmp_path: Path) -> None:
    root, site, elsewhere = example(tmp_path), tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".glossator-cache").symlink_to(elsewhere)
    e = io.StringIO()
    assert main(["build", str(root), "--out", str(site)], io.StringIO(), e) == 0
    assert "not a folder Glossator made" in e.getvalue()
    assert list(elsewhere.iterdir()) == []


def test_no_cache_writes_no_cache_and_clean_removes_it(tmp_path: Path) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site, "--no-cache")
    assert not (root / ".glossator-cache").exists()
    build(root, site)
    assert (root / ".glossator-cache").is_dir()
    o = io.StringIO()
    assert main(["clean", str(root)], o, io.StringIO()) == 0
    assert "removed" in o.getvalue() and not (root / ".glossator-cache").exists()
    assert files(site), "clean leaves the site alone"
    assert main(["clean", str(root)], o, io.StringIO()) == 0   # nothing to remove is not an error


def test_the_cache_holds_about_one_build(tmp_path: Path) -> None:
    root, site = example(tmp_path), tmp_path / "site"
    build(root, site)
    first = len(objects(root))
    for n in range(3):
        edit(root / "annotations" / "rt-2021-naeem.yaml", "# RT", f"# RT{n}")
        edit(root / "annotations" / "entities.yaml", "Political spokesman", f"Political spokesman{n}")
        build(root, site)
    assert len(objects(root)) <= first + 2


EDITS = [
    ("annotations/rt-2021-naeem.yaml", "    via: al-mayadeen\n", ""),
    ("annotations/entities.yaml", "name: Vladimir Putin", "name: Vladimir V. Putin"),
    ("annotations/entities.yaml", "aliases: [Naeem]", "aliases: [Naeem, Mr Naeem]"),
    ("seeds/INDEX.md", "five press reports", "five reports from the press"),
    ("annotations/rt-2021-naeem.yaml", "# RT, captured", "# RT captured"),
    # a note and a date (no shard changes: the search index from the cache), a speaker (it does)
    ("annotations/anadolu-2024-medvedev.yaml", "no date or occasion", "no occasion"),
    ("annotations/anadolu-2024-medvedev.yaml", 'date: "2024-05-28"', 'date: "2024-05-27"'),
    ("annotations/anadolu-2024-medvedev.yaml", "speaker: dmitry-medvedev", "speaker: vladimir-putin"),
    ("seeds/000_bcf42435b7518b1b.txt", "It last changed over 40 days ago", "It last changed 40 days ago"),
    ("glossator.toml", "", 'title = "Russia and the Taliban: the reports"\n'),   # (a file of its own)
]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(range(len(EDITS))), min_size=1, max_size=3))
def test_any_sequence_of_edits_builds_what_a_build_without_the_cache_builds(tmp_path_factory: pytest.TempPathFactory,
                                                                            chosen: list[int]) -> None:
    tmp = tmp_path_factory.mktemp("edits")
    root, site = example(tmp), tmp / "site"
    build(root, site)
    for n in chosen:
        rel, old, new = EDITS[n]
        path = root / rel
        text = path.read_text("utf-8") if path.exists() else ""
        if old in text and not (old == "" and text):
            path.write_text(text.replace(old, new, 1), "utf-8")
        build(root, site)
        same_as_uncached(root, site, tmp)


def test_a_digest_is_the_same_in_every_process() -> None:
    """The cache's keys are made anew by each build's process, where the order of a set of
    strings follows hashes that differ from process to process (PYTHONHASHSEED): a key that
    wrote a set in that order would be a miss in every build after the first."""
    value = "(frozenset({'kabul', 'doha', 'taliban', 'embassy'}), {'b': {1, 2}, 'a': ()}, ('x', {'y', 'z'}))"
    script = f"from builder.run.digest import digest\nprint(digest({value}))"
    digests = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3, 4)}
    assert len(digests) == 1 and len(digests.pop().strip()) == 64
