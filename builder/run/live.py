"""The live site of `glossator serve`: the pipeline's steps through a memo kept for the session.

An edit re-reads the files it names, then runs the pipeline (builder.run.pipeline) as a
build does; the memo hands back every step whose inputs did not change, so what runs again
is what the edit can change. A page is rendered when it is asked for, or when the server is
idle, and only when what it reads (`Site.inputs`) changed since it was last rendered; the
search index is rebuilt in the background once edits pause. The site it serves is the one a
full build of the same files makes, byte for byte (tests/test_live.py).

It always holds the last good site: a build with errors reports them and changes nothing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Iterable, Mapping

from builder.core import diagnostics
from builder.core.diagnostics import Diagnostic
from builder.core.models import DocMeta, Entity, Linked, SitePath, annotation_count
from builder.export import parts as exporting
from builder.html import theme
from builder.read.files import CorpusFiles
from builder.read.settings import Settings
from builder.run import collector, pipeline, preparing
from builder.run.executor import Executor, InProcess, WorkerLost, default
from builder.run.memo import Memo
from builder.search import files as search
from builder.search.shards import Packed

SEARCH_AFTER = 2.0     # seconds without a build before the search index is rebuilt in the background


@dataclass(frozen=True)
class Update:
    """What one build or render step did."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    changed: tuple[SitePath, ...] = ()      # site files whose bytes changed, appeared or disappeared
    rendered: tuple[str, ...] = ()          # pages rendered in this step
    pending: int = 0                        # pages not yet known to be up to date
    rechecked: tuple[str, ...] = ()         # steps that ran again (the rest came from the memo)
    documents: int = 0
    annotations: int = 0
    seconds: float = 0.0


class LiveSite:
    """The site of one corpus, kept up to date edit by edit; thread-safe.

    `search_in_background`: build the search index off the build thread once edits pause
    (in a forked, low-priority process where that is possible), serving the previous one
    meanwhile; it is called with the files that changed when a new index is in place.
    Without it, the index is made when the site is asked for it.
    """

    def __init__(self, corpus_dir: Path, search_in_background: Callable[[set[SitePath]], None] | None = None,
                 background: Executor | None = None) -> None:
        self.dir = corpus_dir.resolve()           # file events name resolved paths
        self.files = CorpusFiles(self.dir, keep=True)
        self.memo = Memo()
        self.here = InProcess()                   # an edit's few documents and pages: in this process
        self.background = background or default()
        self.search_done = search_in_background
        self.lock = threading.RLock()
        self.current: pipeline.Site | None = None           # the last good site
        self.settings = None
        self.diagnostics: tuple[Diagnostic, ...] = ()
        self.pages: dict[SitePath, tuple[tuple[object, ...], bytes]] = {}   # page → (what it read, its bytes)
        self.problems: dict[SitePath, Diagnostic] = {}        # pages a theme's template failed on
        self.unchecked: set[SitePath] = set()                 # pages not known to be up to date
        self.search: dict[SitePath, bytes] = {}
        self._search_of: tuple[Packed, ...] | None = None   # what self.search was made from: each document's shard
        self._search_want: tuple[Packed, ...] | None = None
        self._published: tuple[object, dict[SitePath, bytes]] | None = None
        self._exported: tuple[object, dict[SitePath, bytes]] | None = None   # made when first asked for
        self._export_of: tuple[Linked, Settings] | None = None     # the last good (linked corpus, settings)
        self._search_thread: threading.Thread | None = None
        self._search_job = None
        self._last_build = 0.0
        self._closed = False

    @property
    def ok(self) -> bool:
        return self.current is not None

    # --- building

    def build(self, changed: Iterable[Path] | None = None, first: Collection[str] = ()) -> Update:
        """Check the corpus again after `changed` files (None: any file) changed, and bring the
        pages in `first` (those readers have open) up to date; the rest wait for render_pending()
        or get()."""
        with self.lock, collector.paused():
            started = time.perf_counter()
            self._last_build = time.monotonic()
            self.files.forget(None if changed is None else [Path(p) for p in changed])
            self.memo.computed = []
            prepared = pipeline.prepare(self.files, self.memo, self.here)
            linked, found = pipeline.link(prepared, self.memo)
            look = pipeline.look(self.dir, prepared.settings, self.memo, self.files)
            found = diagnostics.sort((*found, *look.problems))
            rechecked = tuple(str(step) for step in self.memo.computed)
            counts = {"documents": len(linked.docs), "annotations": annotation_count(linked.summaries)}
            self.diagnostics = found
            if diagnostics.has_errors(found):
                return Update(False, found, pending=len(self.unchecked), rechecked=rechecked,
                              seconds=time.perf_counter() - started, **counts)
            self._export_of = (linked, prepared.settings)
            changed_files = self._take(pipeline.site(linked, prepared.settings, look), prepared)
            done = []
            for path in sorted(p for p in first if p in self.unchecked):
                rendered, changed_page = self._bring_up_to_date(SitePath(path))
                changed_files |= changed_page
                if rendered:
                    done.append(path)
            found = self._found()
            return Update(not diagnostics.has_errors(found), found, tuple(sorted(changed_files)), tuple(done),
                          len(self.unchecked), rechecked, seconds=time.perf_counter() - started, **counts)

    def _take(self, site: pipeline.Site, prepared: pipeline.Prepared) -> set[SitePath]:
        """Make `site` the one served; the files that changed as it replaced the last one."""
        old = self.current
        self.current, self.settings = site, prepared.settings
        changed = set()
        old_static = old.static if old is not None else {}
        changed.update(p for p in old_static.keys() | site.static.keys() if old_static.get(p) != site.static.get(p))
        gone = [p for p in self.pages if p not in site.makers]
        for p in gone:
            del self.pages[p]
            self.problems.pop(p, None)
        changed.update(gone)
        self.unchecked = set(site.makers)
        self._search_want = prepared.shards
        if self._search_want != self._search_of and self._search_job is not None:
            self._search_job.cancel()        # it is indexing a corpus that is already out of date
        return changed

    def _bring_up_to_date(self, path: SitePath) -> tuple[bool, set[SitePath]]:
        """Render one page if what it reads changed since it was last rendered: (whether it was
        rendered, {path} if its bytes changed)."""
        assert self.current is not None
        inputs = self.current.inputs(path)
        kept = self.pages.get(path)
        if kept is not None and path not in self.problems and (kept[0] == inputs):
            self.unchecked.discard(path)
            return False, set()
        try:
            _, data, problem = self.current.render(path)
        finally:
            self.unchecked.discard(path)
        if problem is not None:          # the theme fails on this page: keep showing the last good one
            self.problems[path] = problem
            return True, set()
        self.problems.pop(path, None)
        assert data is not None
        self.pages[path] = (inputs, data)
        return True, {path} if kept is None or kept[1] != data else set()

    def _found(self) -> tuple[Diagnostic, ...]:
        return diagnostics.sort((*self.diagnostics, *theme.on_pages(self.problems.items())))

    def render_pending(self, stop: Callable[[], bool] = lambda: False) -> Update:
        """Bring pages up to date until none are left or `stop()` says so (asked between pages);
        then, with nothing left and no background for it, the search index."""
        started = time.perf_counter()
        changed: set[SitePath] = set()
        rendered: list[str] = []
        while not stop():
            with self.lock, collector.paused():
                if not self.unchecked:
                    if self._search_stale():
                        if self.search_done is None:
                            changed |= self._index_here()
                            rendered.append("search index")
                        elif self._search_thread is None:
                            self._search_thread = threading.Thread(target=self._search_loop, name="glossator-search",
                                                                   daemon=True)
                            self._search_thread.start()
                    break
                path = min(self.unchecked)
                made, changed_page = self._bring_up_to_date(path)
                changed |= changed_page
                if made:
                    rendered.append(path)
        found = self._found()
        return Update(self.ok and not diagnostics.has_errors(found), found, tuple(sorted(changed)), tuple(rendered),
                      len(self.unchecked), seconds=time.perf_counter() - started)

    @property
    def pending(self) -> int:
        return len(self.unchecked)

    # --- the search index

    def _search_stale(self) -> bool:
        return self.current is not None and self._search_want != self._search_of

    def _index_here(self) -> set[SitePath]:
        assert self._search_want is not None
        want = self._search_want
        return self._new_index(search.merge(want), want)

    def _new_index(self, files: Mapping[SitePath, bytes], made_of: tuple) -> set[SitePath]:
        old, self.search = self.search, dict(files)
        self._search_of = made_of
        return {p for p in old.keys() | files.keys() if old.get(p) != files.get(p)}

    def _search_loop(self) -> None:
        """Build the search index from the newest corpus, again while edits keep coming."""
        assert self.search_done is not None
        while True:
            while (wait := self._last_build + SEARCH_AFTER - time.monotonic()) > 0 and not self._closed:
                time.sleep(wait)    # edits often come in bursts: index the corpus once they pause
            with self.lock:
                if not self._search_stale() or self._closed:
                    self._search_thread = None
                    return
                if time.monotonic() - self._last_build < SEARCH_AFTER:
                    continue
                want = self._search_want
                assert want is not None
                job = self._search_job = self.background.submit(
                    lambda: _index(want), idle=True)
            try:
                files = job.result()
            except WorkerLost:
                continue        # cancelled by a newer edit, which wants another index
            finally:
                with self.lock:
                    self._search_job = None
            with self.lock:
                changed = self._new_index(files, want)
            if changed:
                self.search_done(changed)

    def close(self) -> None:
        """Stop background work (a search index being built)."""
        with self.lock:
            self._closed = True
            if self._search_job is not None:
                self._search_job.cancel()

    @property
    def searching(self) -> bool:
        return self._search_thread is not None

    # --- what serve's authoring API reads

    def document(self, doc_id: str) -> preparing.Checked | None:
        """A document as the last build prepared it, with what checking a new text of its
        sidecar needs (None: no such document, or not yet read)."""
        with self.lock:
            kept = self.memo.last(("document", doc_id))
            if kept is None:
                return None
            (meta, source, sidecar), known, names, _ = kept[0]      # type: ignore[misc]  (pipeline.prepare's inputs)
            anchored = kept[1][0]      # pipeline.Indexed1: (anchored, problems, complete, shard, summary)
            return None if anchored is None else preparing.Checked(meta, source, sidecar, known, names, anchored)

    def documents(self) -> tuple[DocMeta, ...]:
        """The documents as the last build read them from INDEX.md."""
        with self.lock:
            kept = self.memo.last("index")
            return () if kept is None else tuple(kept[1][2])      # type: ignore[index]

    def entities(self) -> tuple[Entity, ...]:
        """The entities as the last build read them."""
        with self.lock:
            kept = self.memo.last("entities")
            return () if kept is None else kept[1][0]      # type: ignore[index]

    # --- reading the site

    def get(self, path: str) -> bytes | None:
        """One file of the last good site (None if it has none), brought up to date first."""
        with self.lock:
            site = self.current
            if site is None:
                return None
            page = SitePath(path)
            if page in site.makers:
                if page in self.unchecked:
                    with collector.paused():
                        self._bring_up_to_date(page)
                kept = self.pages.get(page)
                return kept[1] if kept is not None else None
            if page in site.static:
                return site.static[page]
            if page.startswith("search/"):
                if self._search_stale() and self.search_done is None:
                    self._index_here()
                return self.search.get(page)
            if page in exporting.PATHS:
                return self._exports()[page]
            return self._publishing().get(page)

    def _exports(self) -> dict[SitePath, bytes]:
        """annotations.jsonld and the data files, made from the last good corpus when first asked for."""
        assert self._export_of is not None
        if self._exported is None or self._exported[0] is not self._export_of:
            linked, settings = self._export_of
            self._exported = (self._export_of, exporting.made(linked, settings.base_url))
        return self._exported[1]

    def _publishing(self) -> dict[SitePath, bytes]:
        """The publishing files (.nojekyll, sitemap.xml), made from the whole site when first asked for."""
        assert self.current is not None
        key = (self.current, self.settings)
        if self._published is None or self._published[0] != key:
            self._bring_all()
            files = {**self.current.static, **{p: b for p, (_, b) in self.pages.items()}}
            self._published = (key, pipeline.publishing(files, self.settings))
        return self._published[1]

    def _bring_all(self) -> None:
        with collector.paused():
            for path in sorted(self.unchecked):
                self._bring_up_to_date(path)

    def site(self) -> dict[SitePath, bytes]:
        """The whole site, every page and the search index up to date, as a full build returns it."""
        with self.lock:
            if self.current is None:
                return {}
            self._bring_all()
            if self._search_stale():
                self._index_here()
            files = {**self.current.static, **{p: b for p, (_, b) in self.pages.items()}, **self.search,
                     **self._exports()}
            return dict(sorted({**files, **self._publishing()}.items()))


def _index(shards: tuple[Packed, ...]) -> dict[SitePath, bytes]:
    with collector.paused():
        return search.merge(shards)
