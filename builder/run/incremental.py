"""Incremental builds for `glossator serve`: after an edit, redo only what the edit can change.

    files ──► per document: read → sidecar → clean → anchor   (memoised on the inputs' bytes)
          ──► link                                             (builder/relink.py: per-document facts; corpus-wide
                                                                parts reused when their inputs did not change)
          ──► pages                                            (a page is re-rendered only when its inputs changed)

The stages are the same pure functions `pipeline.build()` calls; this module only decides
which calls can be skipped. The site it holds always equals a full build of the same
files, byte for byte (tests/test_incremental.py checks it after every kind of edit).

Rendering happens in two steps so that an open page reloads quickly: `build()` checks
everything and renders the out-of-date pages that readers have open; `render_pending()`
renders the rest, one page at a time, and stops early when told to (a newer edit). A page
that is asked for (`get()`) before its turn is rendered on the spot.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Hashable, Iterable, Mapping, Sequence

from builder.core import diagnostics, urls
from builder.html import markdown as mdtext, theme
from builder.read import settings as config
from builder.core.diagnostics import Diagnostic, error
from builder.core.models import (
    AnchoredDoc, AnnotationId, CleanDoc, Corpus, DocId, Entity, EntityId, Linked, RawDoc, Sidecar, SitePath, SourcePath, Span,
)
from builder.prepare.relink import DocFacts, Linker
from builder.html import render
from builder.prepare import anchoring, clean
from builder.read import annotations, corpus
from builder.search import files as search
from builder.prepare.phrases import whole_words

SEARCH = "search index"          # the dirty-set name of the search index (a group of files)
SEARCH_AFTER = 2.0               # seconds without a build before the index is rebuilt in the background


# --- files ------------------------------------------------------------------------


class Files:
    """The bytes of input files, read once and re-read only when told they changed.

    Only what a build would read is read: regular files of at most corpus.MAX_BYTES that
    are inside one of `roots` (the corpus, the built-in theme), links followed. Any other
    file gets a digest that says why it was not read, and the stage that reads it (through
    corpus.read_text, as the build does) reports the problem.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = tuple(roots)
        self._data: dict[Path, tuple[bytes | None, str | None]] = {}
        self._real = corpus.RealPaths()

    def forget(self, paths: Iterable[Path] | None) -> None:
        self._real = corpus.RealPaths()     # one per build: folders may have become links
        if paths is None:
            self._data.clear()
        else:
            for p in paths:
                self._data.pop(p, None)

    def read(self, path: Path) -> bytes | None:
        return self._entry(path)[0]

    def digest(self, path: Path) -> str | None:
        """A digest of the file's bytes, or None when it cannot be read."""
        return self._entry(path)[1]

    def _entry(self, path: Path) -> tuple[bytes | None, str | None]:
        entry = self._data.get(path)
        if entry is None:
            entry = self._data[path] = self._read(path)
        return entry

    def _read(self, path: Path) -> tuple[bytes | None, str | None]:
        if not any(self._real.within(path, root) for root in self.roots):
            return None, "unread: a link that leaves the corpus"
        data, problem = corpus.read_bytes(path, real=self._real)
        if data is None:
            return None, None if problem is None or problem[0] == "file not found" else f"unread: {problem[0]}"
        return data, hashlib.blake2b(data, digest_size=16).hexdigest()


class Memo:
    """One cached value per name, recomputed when its key changes."""

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[object, Any]] = {}
        self.misses: list[Hashable] = []

    def get(self, name: Hashable, key: object, compute: Callable[[], Any]) -> Any:
        hit = self._values.get(name)
        if hit is not None and (hit[0] is key or hit[0] == key):
            return hit[1]
        value = compute()
        if hit is not None and hit[1] == value:
            value = hit[1]      # equal to the last result: keep that object, so later stages' memos still hit
        self._values[name] = (key, value)
        self.misses.append(name)
        return value

    def has(self, name: Hashable, key: object) -> bool:
        hit = self._values.get(name)
        return hit is not None and (hit[0] is key or hit[0] == key)

    def keep_only(self, names: Collection[Hashable]) -> None:
        keep = names if isinstance(names, (set, frozenset)) else set(names)
        if len(keep) != len(self._values) or any(n not in keep for n in self._values):
            for name in [n for n in self._values if n not in keep]:
                del self._values[name]


# --- check: the stages of pipeline.check(), memoised per document ------------------------


@dataclass(frozen=True)
class Checked:
    settings: config.Settings
    corpus: Corpus
    docs: tuple[AnchoredDoc, ...]
    entities: tuple[Entity, ...]
    diagnostics: tuple[Diagnostic, ...]
    incomplete: frozenset[DocId] = frozenset()   # documents whose file or sidecar could not be read


class Checker:
    """pipeline.check(), with every per-document step keyed on the bytes it reads."""

    def __init__(self, corpus_dir: Path, files: Files) -> None:
        self.dir = corpus_dir
        self.files = files
        self.index, self.read, self.entities, self.sidecars = Memo(), Memo(), Memo(), Memo()
        self.cleaned, self.anchored, self.named = Memo(), Memo(), Memo()
        self._pattern: tuple[tuple[Entity, ...], Any, anchoring.Accented] | None = None
        self._last: dict[str, frozenset] = {}
        self._resolved: dict[object, Path | None] = {}     # DocMeta → its file, as corpus.resolve_file finds it
        self._listing: list[Path] | None = None
        self._unread: set[DocId] = set()             # the sidecar files, as annotations.load lists them

    def _same(self, name: str, value: frozenset) -> frozenset:
        """The previous object when equal, so that memo keys holding it compare by identity."""
        last = self._last.get(name)
        if last is not None and last == value:
            return last
        self._last[name] = value
        return value

    def check(self, changed: Collection[Path] | None = None) -> Checked:
        """`changed`: the files that changed since the last check (None: anything may have)."""
        if changed is None or any(p == self.dir / "seeds" or self.dir / "seeds" in p.parents for p in changed):
            self._resolved.clear()      # a document file or folder may now be (or no longer be) a link
        listed = set(self._listing or ())
        if changed is None or any(p == self.dir / "annotations" or (p.parent == self.dir / "annotations" and (
                p.suffix in (".yaml", ".yml")) and (p in listed) != (p.is_file() and p.stem != "entities"))
                for p in changed):
            self._listing = None        # sidecars came or went
        for memo in (self.index, self.read, self.entities, self.sidecars, self.cleaned, self.anchored):
            memo.misses = []
        settings, found_s = config.load(self.dir)
        self._unread = set()
        raw, found_r = self._read_corpus()
        doc_ids = tuple(d.meta.id for d in raw.docs)
        entities, found_e = self.entities.get("entities", self.files.digest(self.dir / "annotations" / "entities.yaml"),
                                              lambda: annotations.load_entities(self.dir))
        sidecars, found_a = self._sidecars(
            doc_ids, entities, entities_loaded=annotations.entity_ids(entities, found_e) is not None,
            index_loaded=bool(doc_ids) or not diagnostics.has_errors(found_r),
            places=self._same("person-like places", annotations.person_like_places(entities)))
        specs = {s.doc: s.clean for s in sidecars}
        by_doc = {s.doc: s for s in sidecars}
        cleaned: list[CleanDoc] = []
        found_c: list[Diagnostic] = []
        for doc in raw.docs:
            spec = specs.get(doc.meta.id, clean.CleanSpec())
            c, d = self.cleaned.get(doc.meta.id, (doc, spec), lambda doc=doc, spec=spec: clean.clean(doc, spec))
            cleaned.append(c)
            found_c.extend(d)
        anchored, found_n = self._anchor(cleaned, by_doc, entities)
        self.read.keep_only(known := set(doc_ids))
        self.cleaned.keep_only(known)
        self.anchored.keep_only(known)
        self.named.keep_only(known)
        found = (*found_s, *found_r, *found_e, *found_a, *found_c, *found_n)
        return Checked(settings, raw, anchored, entities, found, frozenset(self._unread))

    def _read_corpus(self) -> tuple[Corpus, tuple[Diagnostic, ...]]:
        """corpus.read(), re-reading only the documents whose row or bytes changed."""
        index_rel = SourcePath("seeds/INDEX.md")
        index = self.dir / "seeds" / "INDEX.md"

        def parse() -> tuple[bool, str, str, tuple, tuple[Diagnostic, ...]]:
            text, diags = corpus.read_text(index, index_rel, within=self.dir)
            if text is None:
                return False, "", "", (), diags
            title, intro, metas, index_diags = corpus.parse_index(text, index_rel)
            return True, title, intro, metas, (*diags, *index_diags)

        readable, title, intro, metas, found_i = self.index.get("index", self.files.digest(index), parse)
        if not readable:
            return Corpus("", "", index_rel, ()), found_i
        docs: list[RawDoc] = []
        found: list[Diagnostic] = list(found_i)
        for meta in metas:
            path = self._resolved.get(meta, False)
            if path is False:
                path = self._resolved[meta] = corpus.resolve_file(self.dir, meta)[0]
            key = (meta, self.files.digest(path) if path is not None else None)
            doc, diags = self.read.get(meta.id, key, lambda meta=meta: corpus.read_document(self.dir, meta))
            found.extend(diags)
            if doc is not None:
                docs.append(doc)
            else:
                self._unread.add(meta.id)
        return Corpus(title, intro, index_rel, tuple(docs)), tuple(found)

    def _sidecars(self, doc_ids: tuple[DocId, ...], entities: tuple[Entity, ...], entities_loaded: bool = True,
                  index_loaded: bool = True, places: frozenset[EntityId] = frozenset(),
                  ) -> tuple[list[Sidecar], list[Diagnostic]]:
        """Every sidecar (annotations.load_for per document), each parsed once per content.
        References go unchecked when entities.yaml or INDEX.md could not be loaded (no cascades);
        `places`: annotations.person_like_places."""
        import difflib

        known_entities = self._same("entity ids", frozenset(e.id for e in entities))
        known_docs = self._same("doc ids", frozenset(doc_ids))
        if self._listing is None:   # as the build lists them: files only, x.yaml over x.yml
            self._listing = sorted(annotations.sidecar_files(self.dir).values())
        files = self._listing
        sidecars: list[Sidecar] = []
        found: list[Diagnostic] = []
        names = []
        for file in files:
            if file.stem == "entities":
                continue
            rel = SourcePath(f"annotations/{file.name}")
            if index_loaded and file.stem not in known_docs:
                close = difflib.get_close_matches(file.stem, doc_ids, n=1)
                found.append(error(rel, 1, 1, f"sidecar for unknown document '{file.stem}'",
                                   f"did you mean '{close[0]}.yaml'?" if close else
                                   "a sidecar is named after a document id from seeds/INDEX.md"))
                continue
            names.append(rel)
            key = (self.files.digest(file), known_entities, known_docs, entities_loaded, index_loaded, places)
            sidecar, diags = self.sidecars.get(rel, key, lambda file=file, rel=rel: annotations.load_sidecar(
                file, rel, DocId(file.stem), known_entities if entities_loaded else None,
                known_docs if index_loaded else None, places=places))
            found.extend(diags)
            if sidecar is not None:
                sidecars.append(sidecar)
            else:
                self._unread.add(DocId(file.stem))
        self.sidecars.keep_only(set(names))
        return sidecars, found

    def _anchor(self, cleaned: Sequence[CleanDoc], by_doc: Mapping[DocId, Sidecar],
                entities: tuple[Entity, ...]) -> tuple[tuple[AnchoredDoc, ...], list[Diagnostic]]:
        """anchoring.anchor(), one document at a time, so each result can be kept on its own.

        Many documents at once (the first build) go through one call, which builds the
        alias table once; only if that reports problems is each document anchored
        alone, to know which problems belong to which document.
        """
        entities_path = SourcePath("annotations/entities.yaml")
        keys = {d.meta.id: (d, by_doc.get(d.meta.id), entities) for d in cleaned}
        todo = [d for d in cleaned if not self.anchored.has(d.meta.id, keys[d.meta.id])]
        if len(todo) > 1:
            batch, diags = anchoring.anchor(todo, [by_doc[d.meta.id] for d in todo if d.meta.id in by_doc],
                                            entities, entities_path)
            if not diags:
                for d, a in zip(todo, batch):
                    self.anchored.get(d.meta.id, keys[d.meta.id], lambda a=a: (a, ()))
        out: list[AnchoredDoc] = []
        found: list[Diagnostic] = []
        for d in cleaned:
            sidecar = by_doc.get(d.meta.id)
            a, diags = self.anchored.get(d.meta.id, keys[d.meta.id],
                                         lambda d=d, s=sidecar: _anchor_one(d, s, self._named_in(d, entities)))
            out.append(a)
            found.extend(diags)
        return tuple(out), found


    def _named_in(self, doc: CleanDoc, entities: tuple[Entity, ...]) -> tuple[Entity, ...]:
        """The entities with a name or alias that the alias pattern finds in this text.

        Anchoring one document with only these gives exactly what anchoring it with all of
        them gives: the pattern's matches cannot change when it loses phrases that never
        match in the text. And the pattern of a few entities is built in a fraction of the
        time the pattern of hundreds takes (anchor() builds it on every call).
        """
        if self._pattern is None or self._pattern[0] is not entities:
            table = anchoring.alias_table(entities)
            self._pattern = (entities, whole_words(table), anchoring.accented(table))
        pattern, accented = self._pattern[1], self._pattern[2]

        def named() -> tuple[Entity, ...]:
            found = {m.group() for m in pattern.finditer(doc.text)}
            found.update(p for p, _ in anchoring.look_alike_phrases(doc.text, accented))   # for their warnings
            return tuple(e for e in entities if e.name in found or any(a in found for a in e.aliases))

        return self.named.get(doc.meta.id, (doc.text, entities), named)


def _anchor_one(doc: CleanDoc, sidecar: Sidecar | None, entities: tuple[Entity, ...]) -> tuple[AnchoredDoc, tuple]:
    anchored, diags = anchoring.anchor([doc], [sidecar] if sidecar else [], entities,
                                       SourcePath("annotations/entities.yaml"))
    return anchored[0], diags



def _search_child(send: Any, linked: Linked) -> None:
    """In a forked process: build the search index at the lowest priority and send it back.

    The server's own signal handlers (Ctrl-C, SIGTERM → KeyboardInterrupt) are undone first:
    at the lowest priority on a busy machine a Python handler may wait seconds for the CPU
    to run, and the server, stopping, waits for this process to end."""
    import os
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))   # Linux: only CPU nobody else wants
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError:
            pass
    send.send(search.build_index(linked))
    send.close()


# --- pages: which outputs an edit can change ----------------------------------------


def _owners(span: Span | None) -> Iterable[EntityId]:
    """The entities whose page lists this passage."""
    if span is not None:
        if span.kind == "quote" and span.annotation.speaker:
            yield span.annotation.speaker
        if span.kind == "mention" and span.annotation.entity:
            yield span.annotation.entity


def stale_pages(before: Linked, after: Linked, facts0: Mapping[DocId, DocFacts], facts1: Mapping[DocId, DocFacts],
                hues0: Mapping[EntityId, int], hues1: Mapping[EntityId, int]) -> set[SitePath]:
    """The pages whose output can differ between two linked corpora with the same documents and settings.

    This mirrors what `render.Pages` reads for each page; it errs on the side of
    re-rendering. If a page starts to show more corpus-wide data, add it here
    (tests/test_incremental.py compares the result with full builds).
    """
    changed = {i for i in facts1 if facts0.get(i) is not facts1[i]}
    stale: set[SitePath] = {urls.doc_page(i) for i in changed}
    moved: set[tuple[DocId, AnnotationId]] = set()          # passages whose span or text changed
    owners: set[EntityId] = set()
    quotes_moved = False
    for i in changed:
        f0, f1 = facts0.get(i), facts1[i]
        text_changed = f0 is None or f0.doc.doc.text != f1.doc.doc.text
        p0 = f0.passages if f0 else {}
        for ref in p0.keys() | f1.passages.keys():
            s0, s1 = p0.get(ref), f1.passages.get(ref)
            if text_changed or s0 != s1:
                moved.add((ref.doc, ref.id))
                owners.update(_owners(s0))
                owners.update(_owners(s1))
                quotes_moved = quotes_moved or (s0 is not None and s0.kind == "quote") or (s1 is not None and s1.kind == "quote")
    hue_changed = {e for e in hues0.keys() | hues1.keys() if hues0.get(e) != hues1.get(e)}
    statements_changed = before.statements is not after.statements and before.statements != after.statements
    # document pages: their related list, the statements their quotes belong to, their speakers' hues
    if statements_changed or moved:
        s0, s1 = set(before.statements), set(after.statements)
        for st in (s0 ^ s1) | {st for st in s0 | s1 if any((p.doc, p.id) in moved for p in st.passages)}:
            stale.update(urls.doc_page(p.doc) for p in st.passages if p.doc in facts1)
    if before.related is not after.related:
        stale.update(urls.doc_page(i) for i in facts1 if before.related.get(i) != after.related.get(i))
    if hue_changed:
        stale.update(urls.doc_page(i) for i, f in facts1.items() if f.speakers & hue_changed)
    # entity pages: their quotes and mentions, and the passages those show
    refs_changed = set()
    for index0, index1 in ((before.quotes_by, after.quotes_by), (before.mentions_of, after.mentions_of)):
        if index0 is not index1:
            refs_changed.update(e for e in index0.keys() | index1.keys() if index0.get(e) != index1.get(e))
    known = {e.id for e in after.entities}
    stale.update(urls.entity_page(e) for e in (refs_changed | owners | hue_changed) if e in known)

    def counts(linked: Linked, e: EntityId) -> tuple[int, int, int]:
        mentions = linked.mentions_of.get(e, ())
        return len(mentions), len(linked.quotes_by.get(e, ())), len({r.doc for r in mentions})

    if any(counts(before, e) != counts(after, e) for e in refs_changed):
        stale.add(SitePath("entities.html"))
    conflicts = (sum(1 for s in before.statements if s.conflict), sum(1 for s in after.statements if s.conflict))
    if conflicts[0] != conflicts[1] or any(facts0.get(i) is None or facts0[i].kinds != facts1[i].kinds for i in changed):
        stale.add(SitePath("index.html"))
    if (before.timeline is not after.timeline and before.timeline != after.timeline) or any(
            e.ref and (e.doc, e.ref) in moved for e in after.timeline if e.doc in changed) or any(
            e.ref and (e.doc, e.ref) in moved for e in before.timeline if e.doc in changed):
        stale.add(SitePath("timeline.html"))
    if statements_changed or quotes_moved or hue_changed or (before.quotes_by is not after.quotes_by and dict(
            before.quotes_by) != dict(after.quotes_by)):
        stale.add(SitePath("quotes.html"))
    return stale


@dataclass(frozen=True)
class Update:
    """What one build or render step did."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    changed: tuple[SitePath, ...] = ()      # site files whose bytes changed, appeared or disappeared
    rendered: tuple[str, ...] = ()          # pages (and the search index) rendered in this step
    pending: int = 0                        # pages still to render (render_pending, or get on demand)
    rechecked: tuple[str, ...] = ()         # inputs parsed again: documents, sidecars, INDEX.md, entities
    documents: int = 0
    annotations: int = 0
    seconds: float = 0.0


class IncrementalBuilder:
    """The site of one corpus, kept up to date edit by edit; thread-safe.

    The site it holds is always the last good one: a build with errors reports them
    and leaves the site as it was.
    """

    def __init__(self, corpus_dir: Path,
                 search_in_background: Callable[[set[SitePath]], None] | None = None) -> None:
        """`search_in_background`: build the search index on a thread of its own (it takes seconds on a
        large corpus and cannot stop half-way), serving the previous one meanwhile; the function is
        called with the files that changed when a new index is in place."""
        corpus_dir = corpus_dir.resolve()     # file events name resolved paths; so must the caches
        self.dir = corpus_dir
        self.search_done = search_in_background
        self._search_thread: threading.Thread | None = None
        self._search_child: Any = None
        self._closed = False
        self._last_build = 0.0
        self.files = Files((corpus_dir, theme.BUILTIN_THEME))
        self.checker = Checker(corpus_dir, self.files)
        self.linker = Linker()
        self.lock = threading.RLock()
        self.linked: Linked | None = None            # what the site shows
        self.facts: dict[DocId, DocFacts] = {}
        self.hues: Mapping[EntityId, int] = {}
        self.global_key: object = None
        self.env: Any = None
        self.makers: dict[SitePath, render.PageMaker] = {}
        self.statics: dict[SitePath, bytes] = {}
        self.pages: dict[SitePath, bytes] = {}
        self.search: dict[SitePath, bytes] = {}
        self.dirty: set[str] = set()
        self.diagnostics: tuple[Diagnostic, ...] = ()
        self.render_problems: dict[SitePath, Diagnostic] = {}   # pages a theme template failed on
        self._theme_key: object = None
        self._theme_env: Any = None
        self._theme_statics: dict[SitePath, bytes] = {}
        self._theme_problems: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return self.linked is not None

    # --- building

    def build(self, changed: Iterable[Path] | None = None, first: Collection[str] = ()) -> Update:
        """Check the corpus again after `changed` files (None: any file) changed, and render `first`.

        Pages in `first` (the ones readers have open) are brought up to date before this
        returns; the other out-of-date pages wait for render_pending() or get().
        """
        with self.lock:
            started = time.perf_counter()
            self._last_build = time.monotonic()
            # a changed file by its name in its (resolved) folder, as the caches know it, and by where it
            # leads if it is a link: a file just replaced by a link must be read (or refused) again
            paths = None if changed is None else sorted({q for p in map(Path, changed)
                                                        for q in (p.parent.resolve() / p.name, p.resolve())})
            self.files.forget(paths)
            checked = self.checker.check(paths)
            linked, found_l = self.linker.link(checked.corpus, checked.docs, checked.entities, checked.incomplete)
            theme_key, found_t = self._theme(checked.settings)
            diags = diagnostics.sort((*checked.diagnostics, *found_l, *found_t))
            rechecked = tuple(str(n) for m in (self.checker.index, self.checker.read, self.checker.entities,
                                               self.checker.sidecars) for n in m.misses)
            counts = {"documents": len(linked.docs), "annotations": sum(len(d.spans) for d in linked.docs)}
            self.diagnostics = diags
            if diagnostics.has_errors(diags):
                return Update(False, diags, pending=self.pending, rechecked=rechecked,
                              seconds=time.perf_counter() - started, **counts)
            changed_files = self._update(checked, linked, theme_key)
            if SEARCH in self.dirty:
                self._cancel_search()       # it is indexing a corpus that is already out of date
            done = [p for p in sorted(self.dirty) if p in first]
            for path in done:
                changed_files |= self._render(path)
            diags = diagnostics.sort((*diags, *theme.on_pages(self.render_problems.items())))
            return Update(not diagnostics.has_errors(diags), diags, tuple(sorted(changed_files)), tuple(done),
                          self.pending, rechecked, seconds=time.perf_counter() - started, **counts)

    def _theme(self, settings: config.Settings) -> tuple[object, tuple[Diagnostic, ...]]:
        """The theme's key (its folders and the digests of their files) and its problems; a
        new template environment and static files when the key changed."""
        the_theme, found = theme.theme_for(self.dir, settings)
        listed: list[tuple[Path, str | None]] = []
        for folder in (*the_theme.templates, *the_theme.static):
            files, problems = theme.theme_files(the_theme, folder)
            listed.extend((p, self.files.digest(p)) for _, p in files)
            found += tuple(problems)
        key = (the_theme, tuple(listed))
        if key != self._theme_key:
            env = render.environment(the_theme)
            statics, found_s = theme.static_files(the_theme)
            self._theme_key, self._theme_env, self._theme_statics = key, env, statics
            self._theme_problems = (*found, *found_s, *theme.compile_all(env, the_theme))
        return key, tuple(self._theme_problems)

    def _update(self, checked: Checked, linked: Linked, theme_key: object) -> set[SitePath]:
        """Take the newly linked corpus as the site's; mark what it makes out of date."""
        metas = tuple(d.meta for d in linked.docs)
        global_key = (checked.settings, theme_key, linked.corpus.title, linked.corpus.intro_md, metas,
                      linked.entities)
        pages = render.Pages(linked, checked.settings)
        old_statics, old_pages = self.statics, set(self.pages)
        if global_key != self.global_key:
            self.env = self._theme_env
            self.statics = dict(self._theme_statics)
            self.render_problems = {}
            self.statics[SitePath("static/speakers.css")] = render.speakers_css(pages.hues).encode("utf-8")
            self.statics[SitePath("static/pygments.css")] = (mdtext.pygments_css() + "\n").encode("utf-8")
            self.makers = render.page_makers(pages)
            self.pages = {p: b for p, b in self.pages.items() if p in self.makers}
            self.dirty = {*self.makers, SEARCH}
        else:
            assert self.linked is not None
            self.makers = render.page_makers(pages)
            self.dirty |= stale_pages(self.linked, linked, self.facts, self.linker.facts, self.hues, pages.hues)
            if any(self.facts.get(i) is not f for i, f in self.linker.facts.items()):
                self.dirty.add(SEARCH)
            if pages.hues != self.hues:
                self.statics = {**self.statics, SitePath("static/speakers.css"):
                                render.speakers_css(pages.hues).encode("utf-8")}
        self.global_key, self.linked, self.facts, self.hues = global_key, linked, dict(self.linker.facts), pages.hues
        changed = {p for p in old_statics.keys() | self.statics.keys() if old_statics.get(p) != self.statics.get(p)}
        return changed | (old_pages - set(self.pages))

    def _render(self, path: str) -> set[SitePath]:
        """Render one out-of-date page (or the search index); the site files that changed.

        It stays marked out of date until it is in place: get(), which reads without the lock,
        then waits for it instead of finding neither the page nor a reason to render it."""
        try:
            if path == SEARCH:
                assert self.linked is not None
                new = search.build_index(self.linked)
                old, self.search = self.search, dict(new)
                return {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
            page, data, problem = render.render_page(self.env, self.makers[SitePath(path)])
            if problem is not None:     # the theme fails on this page: keep showing the last good one
                self.render_problems[page] = problem
                return set()
            self.render_problems.pop(page, None)
            before = self.pages.get(page)
            self.pages[page] = data
            return {page} if before != data else set()
        finally:
            self.dirty.discard(path)

    def render_pending(self, stop: Callable[[], bool] = lambda: False) -> Update:
        """Render out-of-date pages until none are left or `stop()` says so (checked between pages)."""
        started = time.perf_counter()
        changed: set[SitePath] = set()
        rendered: list[str] = []
        while not stop():
            with self.lock:
                pages = [p for p in self.dirty if p != SEARCH]
                if not pages:
                    if SEARCH in self.dirty and self.search_done is None:
                        changed |= self._render(SEARCH)
                        rendered.append(SEARCH)
                    elif SEARCH in self.dirty and self._search_thread is None:
                        self._search_thread = threading.Thread(target=self._search_loop, name="glossator-search",
                                                               daemon=True)
                        self._search_thread.start()
                    break
                path = min(pages)
                changed |= self._render(path)
                rendered.append(path)
        found = diagnostics.sort((*self.diagnostics, *theme.on_pages(self.render_problems.items())))
        return Update(self.ok and not diagnostics.has_errors(found), found, tuple(sorted(changed)), tuple(rendered),
                      self.pending,
                      seconds=time.perf_counter() - started)

    def _search_loop(self) -> None:
        """Build the search index from the newest corpus, again while edits keep coming."""
        assert self.search_done is not None
        while True:
            while (wait := self._last_build + SEARCH_AFTER - time.monotonic()) > 0 and not self._closed:
                time.sleep(wait)    # edits often come in bursts: index the corpus once they pause
            with self.lock:
                if SEARCH not in self.dirty or self.linked is None or self._closed:
                    self._search_thread = None
                    return
                if time.monotonic() - self._last_build < SEARCH_AFTER:
                    continue
                self.dirty.discard(SEARCH)
                linked = self.linked
            files = self._search_elsewhere(linked)
            if files is None:
                continue        # cancelled by a newer edit, which marked the index out of date again
            with self.lock:
                old, self.search = self.search, dict(files)
                changed = {p for p in old.keys() | files.keys() if old.get(p) != files.get(p)}
            if changed:
                self.search_done(changed)

    def _search_elsewhere(self, linked: Linked) -> dict[SitePath, bytes] | None:
        """search.build_index(linked) in a forked, lower-priority process, so that it holds neither
        this process's interpreter lock nor its CPU while an edit is checked; None if cancelled."""
        import multiprocessing

        if not sys.platform.startswith("linux"):    # forking a threaded process is only safe there
            return search.build_index(linked)
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_search_child, args=(send, linked), name="glossator-search")
        with self.lock:
            if self._closed:
                return None
            child.start()           # not a daemon: the index may use a second process of its own
            self._search_child = child
        send.close()
        try:
            return receive.recv()
        except (EOFError, OSError):
            return None
        finally:
            receive.close()
            child.join()
            with self.lock:
                self._search_child = None

    def _cancel_search(self) -> None:
        child = self._search_child
        if child is not None and child.is_alive():
            child.terminate()

    def close(self) -> None:
        """Stop background work (a search index being built)."""
        with self.lock:
            self._closed = True
            self._cancel_search()

    @property
    def pending(self) -> int:
        """Pages not rendered yet (the search index, which may be building in the background, not counted)."""
        return len(self.dirty) - (SEARCH in self.dirty)

    @property
    def searching(self) -> bool:
        """Whether the search index is being built in the background."""
        return self._search_thread is not None

    # --- reading the site

    def files_now(self) -> dict[SitePath, bytes]:
        """The site's files as they stand, out-of-date pages included, in pipeline.build()'s precedence."""
        if self.linked is None:
            return {}
        return {**self.statics, **self.pages, **self.search, SitePath(".nojekyll"): b""}

    def get(self, path: str) -> bytes | None:
        """One file of the last good site (None if it has none), rendered first if it is out of date."""
        if self.linked is None:
            return None
        unit = SEARCH if path in self.search else path
        if unit in self.dirty and (unit != SEARCH or self.search_done is None):
            with self.lock:
                if unit in self.dirty:
                    self._render(unit)
        if path == ".nojekyll":
            return b""
        for layer in (self.search, self.pages, self.statics):
            data = layer.get(SitePath(path))
            if data is not None:
                return data
        return None

    def site(self) -> dict[SitePath, bytes]:
        """The whole site, every page up to date, sorted as pipeline.build() returns it."""
        with self.lock:
            self.render_pending()
            if SEARCH in self.dirty:
                self._render(SEARCH)
            return dict(sorted(self.files_now().items()))
