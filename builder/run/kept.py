"""The build cache as the pages, the exports and the search index use it (`Kept`).

A page whose inputs' digest is in the store (builder.run.store) is linked into the new site
instead of rendered; one that is not is rendered and kept there. The exports' parts are made
in chunks, each read from the store when its inputs are the same; the search index's files
are linked when the shards they were merged from are the same. The names the digests are
taken with are the memo's (builder.run.remember.Remembered).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from builder.core import pieces
from builder.run import reach
from builder.run.executor import Forked, InProcess
from builder.run.memo import Fresh
from builder.run.remember import Remembered


@dataclass(frozen=True)
class Written:
    """In place of a file's bytes: the file is in the staging folder already, and these are
    the cache entries it came from (the parent lists them as used); `made`: this build made
    it (and kept it, or found the same bytes kept already), rather than linking the result of
    an earlier build without making it."""

    keys: tuple[str, ...]
    made: bool = False


@dataclass(frozen=True)
class Kept:
    """The cache as one build's pages, exports and search index use it, in whichever of the
    build's processes makes them (forked workers share the memo's names)."""

    memo: Remembered
    root: str            # the staging folder
    linked: str          # the digest of everything linking and the exports read
    search_key: str
    linking: str = ""    # the digest of what linking reads: the documents' summaries, not the documents
    base: str = ""       # the digest of what every page reads (builder.run.reach)
    folders: set[str] = field(default_factory=set)   # of the staging folder, made (by this process)
    pages: KnownPages | None = None   # the pages' keys in an earlier build whose linking read the same

    @staticmethod
    def early(memo: Fresh, staging: Any, executor: Any) -> Kept | None:  # noqa: ANN401
        """None unless the memo is a cache and the site is staged on this machine (a Dask
        worker has neither the names nor the folder). Made before the documents are prepared,
        without the names of what they make: a process forked then has the cache, and is sent
        those names later (keyed())."""
        if not isinstance(memo, Remembered) or staging is None or not isinstance(executor, (InProcess, Forked)):
            return None
        staging.open()
        return Kept(memo, str(staging.where()), "", "")

    def keyed(self, prepared: Any) -> Kept:  # noqa: ANN401
        """With the names of what the prepared documents make: the linked corpus, and the search
        index, which reads nothing but the documents' shards (each named by what it holds)."""
        memo = self.memo
        linked = memo.key("linked", prepared.settings, prepared.corpus, prepared.docs,
                          prepared.entities, prepared.incomplete)
        linking = memo.key("linking", prepared.settings, prepared.corpus, prepared.summaries,
                           prepared.entities, prepared.incomplete)
        # what every page reads (builder.run.reach): the settings, the corpus, the entities, the documents' order
        base = memo.key("page base", prepared.settings, prepared.corpus, prepared.entities,
                        tuple(d.meta.id for d in prepared.docs), prepared.incomplete)
        return replace(self, linked=linked, search_key=memo.key("search", prepared.shards), linking=linking, base=base)

    def paged(self, look: object, documents: Mapping[str, str | None], pages: Any) -> Kept:  # noqa: ANN401
        """With the keys the pages had in the last build with the same theme and base (KnownPages);
        `documents`: each document page's document's name; `pages`: this build's (html.pages.Pages)."""
        key = self.memo.key("page keys", look, self.base)
        return replace(self, pages=KnownPages.read(self.memo.store, key, documents, self.linking, pages))

    def _place(self, key: str, rel: str, just_put: bool = False) -> bool:
        target = os.path.join(self.root, rel)
        folder = os.path.dirname(target)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        return self.memo.store.link(key, target, just_put)

    def _keep(self, key: str, rel: str, data: pieces.Content) -> None:
        try:
            self.memo.store.put(key, data)
            placed = self._place(key, rel, just_put=True)
        except OSError:
            placed = False
        if not placed:    # the cache cannot take it: write it where it goes (a new file, not one linked to the cache)
            target = os.path.join(self.root, rel)
            if os.path.lexists(target):
                os.unlink(target)
            with open(target, "wb") as f:
                pieces.write(f, data)

    def page(self, make: Callable[..., list[Any]], inputs: Callable[[Any], tuple[object, ...]],
             parts: Mapping[str, bool], item: str) -> list[Any]:
        """make(item) (a page, or a part of the exports), or its files from the cache. A part
        is made from chunks (pieces.Chunk), each read from the cache when its inputs are the
        same: an edit makes again the chunks it touched, not the whole file."""
        if item in parts:   # named by what linking read, for a part that opens no document (parts[item] False)
            chunks = Chunks(self.memo)
            return self._files(self.memo.key("export", item, self.linked if parts[item] else self.linking),
                               lambda: ((path, data) for path, data, _ in make(item, chunks)), chunks.used)
        known = self.pages.key(item) if self.pages is not None else None
        if known is not None and self._place(known, item):
            return [(item, Written((known,)), None)]
        key = self.memo.key("page", item, inputs(item))
        if self._place(key, item):
            return [(item, Written((key,)), None)]
        made = make(item)
        (path, data, problem), = made
        if problem is not None or data is None:
            return made
        self._keep(key, path, data)
        return [(path, Written((key,), made=True), None)]

    def _files(self, key: str, make: Callable[[], Iterable[tuple[str, pieces.Content]]],
               uses: list[str] | None = None) -> list[Any]:
        """Files made together (a part of the exports, the search index): linked from the cache
        into the staging folder when all of them are there (their list is kept under `key`),
        else made and kept, one at a time as make() hands them out: none is held once it is
        written. A file made as bytes is kept under the digest of its bytes, so that one made
        again the same (most of the search index's files after an edit) is linked to the copy
        an earlier build kept, not written and removed again. `uses`: filled by make() with
        the cache entries it read or kept (its chunks), listed with the files, so that a build
        that links the files keeps those entries for the next one that makes them."""
        found = self._listed(key)
        if found is not None:
            files, uses_found = found
            if all(self._place(k, p) for p, k in files.items()):
                return [(p, Written((k, key, *uses_found)), None) for p, k in files.items()]
        files = {}
        for p, data in make():
            if isinstance(data, bytes):
                k = files[p] = _content_key(data)
                if self._place(k, p):
                    continue
            else:
                k = files[p] = self.memo.key(key, p)
            self._keep(k, p, data)
        used = sorted(set(uses or ()))
        self.memo.store.put(key, json.dumps({"files": files, "uses": used}).encode())
        return [(p, Written((k, key, *used), made=True), None) for p, k in files.items()]

    def _listed(self, key: str) -> tuple[dict[str, str], list[str]] | None:
        """The files made together under `key` (by path, each's entry) and the entries they
        used (see _files), as the cache lists them; None when it lists none."""
        listed = self.memo.store.get(key)
        try:
            found = json.loads(listed) if listed is not None else None
        except ValueError:
            return None
        if isinstance(found, dict) and isinstance(found.get("files"), dict) and isinstance(found.get("uses"), list):
            return found["files"], found["uses"]
        return None

    def search_kept(self) -> bool:
        """Does the cache list every file of the search index (search() will link them)? Asked
        of the manifest, not of each file (12,000 stats at 10,000 documents): a file gone since
        is found by the job that links them, and the index made then (indexing.MISSING)."""
        found = self._listed(self.search_key)
        return found is not None and all(self.memo.store.listed(k) for k in found[0].values())

    def search(self, make: Callable[[], Iterable[tuple[str, bytes]]]) -> list[Any]:
        """The search index's files (make() hands them out one at a time), from the cache or
        kept there: (path, Written, None) each, as a page map's results."""
        return self._files(self.search_key, make)


@dataclass(frozen=True)
class KnownPages:
    """The key each page had in the last build with this theme and base (Kept.paged), kept with
    what linking read then and the facts builder.run.reach compares. While linking reads the
    same, so is the linked corpus and every page made from it alone: any page but a document's,
    which reads its document too, keeps its key. When linking read something new, the pages the
    edit does not reach (reach.Reach) keep theirs. A page that keeps its key is linked from the
    cache under it, without its inputs worked out; a document's page only while its document's
    name (the digest of what prepared it) is the one the page was made with. A key whose entry
    is gone is no harm: the page is keyed from its inputs as any other."""

    entry: str                               # where they are kept
    known: Mapping[str, tuple[str, str]]     # page → (its document's name, or "" for no document; its key)
    documents: Mapping[str, str | None]      # document page → its document's name now (None: it has none)
    linking: str = ""                        # the digest of what linking read, this build
    facts: reach.Facts | None = None         # reach's facts of this build's linked corpus
    keeping: reach.Reach | bool = False      # which pages keep their key (True: all, linking read the same)

    @staticmethod
    def read(store: Any, key: str, documents: Mapping[str, str | None], linking: str = "",  # noqa: ANN401
             pages: Any = None) -> KnownPages:  # noqa: ANN401 - html.pages.Pages
        data = store.get(key)
        try:
            found = json.loads(data) if data is not None else {}
        except ValueError:
            found = {}
        found = found if isinstance(found, dict) else {}
        listed = found.get("pages")
        known = {p: (v[0], v[1]) for p, v in listed.items() if isinstance(v, list) and len(v) == 2
                 and all(isinstance(x, str) for x in v)} if isinstance(listed, dict) else {}
        old = found.get("facts")
        if found.get("linking") == linking and isinstance(old, dict):
            return KnownPages(key, known, documents, linking, old, True)
        if pages is None:
            return KnownPages(key, known, documents, linking)
        facts = reach.facts_of(pages)
        keeping = reach.reach(old, facts, reach.changed_documents(documents, known), pages) \
            if isinstance(old, dict) else None
        return KnownPages(key, known, documents, linking, facts, keeping or False)

    def key(self, page: str) -> str | None:
        """The key `page` had, if it is still its key."""
        known = self.known.get(page)
        if known is None or known[0] != self.documents.get(page, ""):
            return None
        return known[1] if self.keeping is True or (self.keeping and self.keeping.keeps(page)) else None

    def keep(self, store: Any, made: Sequence[tuple[Any, Any, Any]]) -> list[str]:  # noqa: ANN401
        """The keys of this build's pages kept for the next, with what linking read and its facts
        (written when they differ from what was read): the entries to list as used."""
        pages = {}
        for path, data, _ in made:
            name = self.documents.get(path, "")
            if path.endswith(".html") and isinstance(data, Written) and name is not None:
                pages[path] = (name, data.keys[0])
        if self.facts is None:
            return []
        if pages != self.known or self.keeping is not True:
            try:
                store.put(self.entry, json.dumps({"linking": self.linking, "facts": self.facts,
                                                  "pages": {p: list(v) for p, v in sorted(pages.items())}}).encode())
            except OSError:   # a cache that cannot take it: pages keyed from their inputs next time
                return []
        return [self.entry]


class Chunks:
    """A part of the exports' chunks (pieces.Chunk), from the cache or made and kept there, in
    the process that makes the part; `used` lists the entries they came from."""

    def __init__(self, memo: Remembered) -> None:
        self.memo = memo
        self.used: list[str] = []

    def __call__(self, what: str, inputs: Callable[[], tuple[object, ...]], make: Callable[[], bytes]) -> bytes:
        key = self.memo.key("chunk", what, inputs())
        self.used.append(key)
        data = self.memo.store.get(key)
        if data is None:
            data = make()
            try:
                self.memo.store.put(key, data)
            except OSError:   # a cache that cannot take it: made again next time
                self.used.pop()
        return data


def _content_key(data: bytes) -> str:
    """The name of a file kept by its bytes (apart from every digest of inputs)."""
    h = hashlib.sha256(b"file\0")
    h.update(data)
    return h.hexdigest()


def used(made: Sequence[tuple[Any, Any, Any]]) -> list[str]:
    """The cache entries the files of a page map came from."""
    return [k for _, data, _ in made if isinstance(data, Written) for k in data.keys]


def linked_pages(made: Sequence[tuple[Any, Any, Any]]) -> int:
    """How many of a page map's pages (HTML) were linked from an earlier build's copy."""
    return sum(1 for path, data, _ in made if path.endswith(".html") and isinstance(data, Written) and not data.made)
