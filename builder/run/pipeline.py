"""The pipeline: every step of a build, declared once, in order.

    read      settings, INDEX.md, entities.yaml, the sidecars' names     (builder.read)
    prepare   per document: its file, its sidecar → clean → anchor, its share of the
              search index counted (search.shards) and its summary made   (spread by the executor)
    link      the corpus cross-referenced from the summaries; every check done, errors stop here
    look      the theme: templates compiled, static files read
    pages     each page from what it reads (html.pages)                   (spread by the executor)
    search    the search index's files, the shards merged                 (beside linking and the pages:
              a job started before preparing, sent the shards: builder.run.indexing)
    export    annotations.jsonld (W3C Web Annotation), data/*.csv, data/quotes.json    (with the pages)
    publish   .nojekyll, sitemap.xml
    write     staged beside the output folder, swapped in whole          (build_and_write)

A full build (`build`) runs each step once: its memo keeps nothing. `glossator serve` runs
the same steps through a memo it keeps for the session (builder.run.live), so an edit
recomputes only the steps whose inputs changed, and the site it serves is the site a build
makes (tests/test_live.py holds them to the same bytes, edit after edit). Where a step runs
(here, or in forked processes) is the executor's choice; no step forks, writes or prints.

Progress: every step tells its caller how it goes through one callback (builder.run.progress);
the stages that count are the documents prepared, then the pages rendered with the exports' parts.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from builder.core import diagnostics, pieces, urls
from builder.core.diagnostics import Diagnostic
from builder.core.models import AnchoredDoc, annotation_count, Corpus, DocId, DocMeta, Entity, EntityId, Linked, SitePath, Summary
from builder.export import parts as exporting
from builder.html import pages as site_pages, reads, render, theme
from builder.prepare import anchoring, linking
from builder.prepare.summary import summarize
from builder.read import annotations, index, settings as config
from builder.read.files import CorpusFiles, Text, Unread
from builder.run import collector, indexing, memory, pairing, sealed, transfer, unchanged
from builder.run.executor import Codec, Executor, default
from builder.run.jobs import Stream
from builder.run.digest import plain
from builder.run.memo import Fresh
from builder.run.preparing import Known, prepare_document
from builder.run.progress import Progress, counting, silent
from builder.run.kept import Kept, Written, linked_pages, used as kept_entries
from builder.run.remember import Remembered
from builder.run.store import Store
from builder.search import shards as search_shards
from builder.search.words import Analyzer
from builder.site import publish, staging as write

SETTINGS = config.FILE
ENTITIES = annotations.ENTITIES
RECORDS = Codec(transfer.encode_all, transfer.decode_all)
SEALED = Codec(sealed.encode_all, sealed.decode_all)     # how prepared documents cross processes: sealed


# --- read and prepare ------------------------------------------------------------------


# A document prepared (preparing.Prepared1: its raw document is anchored.doc.raw, not sent or
# kept a second time), its search shard, and its summary (what linking reads of it).
Indexed1 = tuple[AnchoredDoc | None, tuple[Diagnostic, ...], bool, search_shards.Packed | None, Summary | None]


@dataclass(frozen=True)
class Prepared:
    """Every document read, cleaned and anchored, with the settings and the entities: what
    linking and the search index read."""

    settings: config.Settings
    corpus: Corpus
    docs: tuple[AnchoredDoc, ...]
    entities: tuple[Entity, ...]
    diagnostics: tuple[Diagnostic, ...]
    incomplete: frozenset[DocId] = frozenset()   # documents whose file or sidecar could not be read
    shards: tuple[search_shards.Packed, ...] = ()   # each document's share of the search index (`for_search`)
    summaries: tuple[Summary, ...] = ()            # each document's summary, as `docs`


def prepare(files: CorpusFiles, memo: Fresh, executor: Executor, overrides: Mapping[str, str | None] = {},
            progress: Progress = silent, for_search: bool = True, shelf: sealed.Shelf | None = None) -> Prepared:
    """Everything read, each document prepared; `for_search`: each document's search shard
    counted too, by the process that prepared it. Each prepared document is held sealed, its
    bytes on `shelf` when there is one (builder.run.sealed)."""
    progress("reading corpus")
    source = files.text(SETTINGS, config.MAX_BYTES, optional=True)
    settings, found_s = memo.get("settings", (source, tuple(overrides.items())),
                                 lambda: config.parse(source, **overrides))
    source_i = files.text(index.INDEX)
    title, intro, metas, found_i = memo.get("index", source_i, lambda: index.read_index(source_i),
                                              lasting=True)
    source_e = files.text(ENTITIES, optional=True)
    entities, found_e = memo.get("entities", source_e, lambda: annotations.load_entities(source_e))
    known = memo.get("known", (metas, found_i, entities, found_e), lambda: Known(
        annotations.entity_ids(entities, found_e), index.doc_ids(metas, found_i),
        annotations.person_like_places(entities)))
    names = memo.get("names", entities, lambda: anchoring.aliases(entities))
    name_of = memo.get("entity names", entities, lambda: {e.id: e.name for e in entities}) if for_search else None
    sidecars = files.sidecars()
    progress("preparing documents")
    # A document's file and sidecar, each read, or (a build with a cache) Unread when it is
    # the file an earlier build read: then read only if the document must be prepared again.
    jobs: list[tuple[DocMeta, Text | Unread, Text | Unread | None]] = [
        (meta, files.document(meta), files.sidecar(sidecars[meta.id]) if meta.id in sidecars else None)
        for meta in metas]
    inputs = [(unchanged.by_name(files.seen, job), known, names, name_of) for job in jobs]

    def fill(i: int) -> object:
        meta, source, sidecar = jobs[i]
        if isinstance(source, Unread) or isinstance(sidecar, Unread):
            jobs[i] = (meta, *files.whole(meta, source, sidecar))
            inputs[i] = (unchanged.by_name(files.seen, jobs[i]), known, names, name_of)
        return inputs[i]

    # One Analyzer (word → term) for the documents each process counts: a word is stemmed once there.
    one = partial(_prepare_job, known=known, names=names, name_of=name_of, analyzer=Analyzer())
    codec = SEALED if shelf is None else Codec(sealed.encode_all, partial(sealed.decode_all, shelf=shelf))
    prepared: list[Indexed1] = memo.map(
        "document", [m.id for m in metas], inputs,
        lambda todo, keep: executor.map(one, [jobs[i] for i in todo], codec=codec, keep=keep,
                                        done=counting(progress, "preparing documents", len(todo))),
        lambda result: result[0].meta.id if result[0] is not None else None, fill)
    memo.forget_others("document", [m.id for m in metas])
    anchored = tuple(a for a, _, _, _, _ in prepared if a is not None)
    found_d = [d for _, ds, _, _, _ in prepared for d in ds]
    incomplete = frozenset(meta.id for meta, (_, _, complete, _, _) in zip(metas, prepared) if not complete)
    orphans = annotations.orphan_sidecars(sidecars, known.doc_ids)
    return Prepared(settings, Corpus(title, intro, index.INDEX), anchored, entities,
                    (*found_s, *found_i, *found_e, *orphans, *found_d), incomplete,
                    tuple(s for a, _, _, s, _ in prepared if a is not None and s is not None),
                    tuple(m for a, _, _, _, m in prepared if a is not None))


def _prepare_job(job: tuple[DocMeta, Text, Text | None], known: Known, names: anchoring.Aliases,
                 name_of: Mapping[EntityId, str] | None, analyzer: Analyzer) -> Indexed1:
    """A document prepared, and (given the entities' names) its search shard counted."""
    anchored, found, complete = prepare_document(*job, known, names)
    counted = None if anchored is None or name_of is None else search_shards.pack(search_shards.shard(anchored, name_of, analyzer))
    return anchored, found, complete, counted, None if anchored is None else summarize(anchored)


def link(prepared: Prepared, memo: Fresh, progress: Progress = silent,
         pairs: Stream[bytes, bytes] | None = None) -> tuple[Linked, tuple[Diagnostic, ...]]:
    """The corpus linked. With `pairs` (a build: a job started before the documents were
    prepared, builder.run.pairing), the statements' pairs are found there unless the cache holds them:
    the shingles they are found from (~6 KB a document) never come into this process, which
    holds the corpus. Without (a live server), by the linker, which keeps the shingles for the
    next edit."""
    progress("linking")
    linker = memo.keep("linker", linking.Linker)

    def pairs_of(quotes: tuple[tuple[str, str, str, int, int], ...], compute: Callable[[], bytes]) -> bytes:
        # Kept between builds: at 10,000 documents finding them is 2.3 s of linking's 4.0.
        return memo.get("statement pairs", plain(quotes), compute if pairs is None else partial(pairing.found, pairs, quotes),
                        lasting=True)

    try:
        linked, found = linker.link(prepared.corpus, prepared.docs, prepared.entities, prepared.incomplete, pairs_of,
                                    prepared.summaries)
    finally:
        if pairs is not None:
            pairs.cancel()   # (not asked: the cache held them, or no quote changed)
    return linked, diagnostics.sort((*prepared.diagnostics, *found))


def check(corpus_dir: Path, overrides: Mapping[str, str | None] = {}, progress: Progress = silent,
          executor: Executor | None = None) -> tuple[Linked, tuple[Diagnostic, ...]]:
    """Every step that can find a problem (`glossator check`); returns (linked corpus, diagnostics)."""
    memo, executor = Fresh(), executor or default()
    with collector.paused():
        pairs = pairing.job(executor)
        try:
            prepared = prepare(CorpusFiles(corpus_dir), memo, executor, overrides, progress, for_search=False)
        except BaseException:
            pairs.cancel()
            raise
        return link(prepared, memo, progress, pairs)


# --- pages -----------------------------------------------------------------------------


def look(corpus_dir: Path, settings: config.Settings, memo: Fresh, files: CorpusFiles) -> render.Look:
    """The theme, ready: made again only when a file of it (or where it is) changed."""
    the_theme, found = theme.theme_for(corpus_dir, settings)
    return memo.get("look", (the_theme, found, theme.fingerprint(the_theme, files.data)),
                    lambda: render.look(the_theme, found))


@dataclass(frozen=True, eq=False)
class Site:
    """The pages of a checked corpus, each made when asked for: their makers, what each reads,
    and the files that do not depend on a page (static files, generated styles)."""

    pages: site_pages.Pages
    makers: Mapping[SitePath, site_pages.PageMaker]
    look: render.Look
    static: Mapping[SitePath, bytes]

    def inputs(self, path: SitePath, named: reads.Names = reads.unnamed) -> tuple[object, ...]:
        return (self.look, *reads.inputs(self.pages, path, named))

    def render(self, path: SitePath) -> render.Rendered:
        return render.render_page(self.look.env, path, self.makers[path])

    def __reduce__(self) -> tuple[Any, ...]:
        """A Site crosses to another machine (a Dask worker renders its pages) as what it is made of."""
        return site, (self.pages.linked, self.pages.settings, self.look)


def site(linked: Linked, settings: config.Settings, the_look: render.Look) -> Site:
    assert the_look.pieces is not None, "a look with problems makes no site"
    the_pages = site_pages.Pages(linked, settings, the_look.pieces)
    return Site(the_pages, site_pages.page_makers(the_pages), the_look,
                {**the_look.static, **render.generated_static()})


RENDERING = "rendering pages and exports"   # the stage that counts the pages and the exports' parts


def publishing(files: Mapping[SitePath, bytes], settings: config.Settings) -> dict[SitePath, bytes]:
    return publish.site_files(files, settings)


# --- a full build ------------------------------------------------------------------------


@dataclass(frozen=True)
class FromCache:
    """What a build took from the build cache instead of making it."""

    documents: int    # prepared documents read back
    pages: int        # pages linked from an earlier build's copy


@dataclass(frozen=True)
class BuildResult:
    diagnostics: tuple[Diagnostic, ...]
    site: Mapping[SitePath, bytes] = field(default_factory=dict)
    documents: int = 0
    annotations: int = 0
    seconds: float = 0.0
    from_cache: FromCache | None = None     # None: built without the cache

    @property
    def ok(self) -> bool:
        return not diagnostics.has_errors(self.diagnostics)

    @property
    def pages(self) -> int:
        return sum(1 for p in self.site if p.endswith(".html"))


def build(corpus_dir: Path, overrides: Mapping[str, str | None] = {}, progress: Progress = silent,
          staging: write.Staging | None = None, executor: Executor | None = None,
          cache: Store | None = None) -> BuildResult:
    """The whole site. With `staging`, files are written there as they are made (by the
    processes that made them), for build_and_write to swap in; without, kept in memory.
    With `cache`, results of earlier builds are used where their inputs are the same
    (builder.run.remember), and this build's are kept there."""
    # A build allocates a few million small objects and frees almost none until it ends:
    # the cycle collector would rescan them again and again for nothing (~8% of the time).
    with collector.paused():
        memo = Remembered(cache) if cache is not None else Fresh()
        if staging is not None:
            staging.open()   # before the index job starts: it writes its files there itself
        # A site written to disk: the prepared documents' bytes wait there too (beside the new
        # site's files, in a file with no name), not in memory.
        with sealed.Shelf(str(staging.where())) if staging is not None and sealed.SHELVES else nullcontext() as shelf:
            return _build(corpus_dir, overrides, progress, staging, executor or default(), memo, shelf)


def _build(corpus_dir: Path, overrides: Mapping[str, str | None], progress: Progress,
           staging: write.Staging | None, executor: Executor, memo: Fresh,
           shelf: sealed.Shelf | None = None) -> BuildResult:
    started = time.perf_counter()
    files = CorpusFiles(corpus_dir, seen=memo.seen)
    # The search index reads only the documents' shards: it is made beside linking and the
    # pages, by a job started now, before this process holds the corpus (a process forked now
    # shares next to nothing of it), and sent the shards once they are counted.
    early = Kept.early(memo, staging, executor)
    index_job = executor.stream(partial(indexing.index_files, staging, early))
    pairs = pairing.job(executor)   # linking's statement pairs, found where the corpus is not

    def failed(found: Sequence[Diagnostic], linked: Linked | None = None) -> BuildResult:
        index_job.cancel()
        summaries = linked.summaries if linked is not None else prepared.summaries
        return BuildResult(diagnostics.sort(found), {}, len(summaries), annotation_count(summaries),
                           time.perf_counter() - started)

    try:
        prepared = prepare(files, memo, executor, overrides, progress, shelf=shelf)
        if diagnostics.has_errors(prepared.diagnostics):
            return failed(link(prepared, memo, progress, pairs)[1])
        kept = early.keyed(prepared) if early is not None else None
        indexing.feed(index_job, kept, prepared.shards)
        # the index's job has them: not held through the pages (a rebuild holds them shelved, builder.run.ledger)
        shards, prepared = prepared.shards if kept is not None else (), replace(prepared, shards=())
        memory.give_back()   # what they and the documents took while they came: returned before linking, the peak
        linked, found = link(prepared, memo, progress, pairs)
        the_look = look(corpus_dir, prepared.settings, memo, files)
        found = diagnostics.sort((*found, *the_look.problems))
        if diagnostics.has_errors(found):
            return failed(found, linked)
        progress(RENDERING)
        the_site = site(linked, prepared.settings, the_look)
        # The data files read only the linked corpus: made by the workers that make the pages
        # (heavy, so handed out first). A child of their own copied the corpus's memory it read.
        make = partial(_make, the_site, linked, prepared.settings.base_url)
        if kept is not None:    # pages and exports from the cache, or made and kept there
            kept = kept.paged(the_look, {urls.doc_page(d.meta.id): kept.memo.name_of(d) for d in linked.docs},
                              the_site.pages)
            make = partial(kept.page, make, partial(_page_inputs, the_site, kept), exporting.READS_DOCUMENTS)
        items = [*the_site.makers, *exporting.PARTS]
        made = [one for part in executor.map(make, items, heavy=_heavy,
                                             keep=partial(_keep_pages, staging) if staging is not None else None,
                                             done=counting(progress, RENDERING, len(items)))
                for one in part]
        problems = theme.on_pages((path, problem) for path, _, problem in made if problem is not None)
        if diagnostics.has_errors(problems):
            return failed((*found, *problems), linked)
        static = dict(the_site.static)
        if staging is not None:
            staging.write(static)
            staging.written(path for path, _, _ in made)
    except BaseException:
        index_job.cancel()
        pairs.cancel()
        raise
    progress("finishing the search index")
    index_files = indexing.made_here(shards, staging, kept, index_job.result())
    memo.finished()
    if kept is not None:
        kept.memo.store.used(kept_entries([*made, *index_files]))
        if kept.pages is not None:
            kept.memo.store.used(kept.pages.keep(kept.memo.store, made))
    if staging is not None:
        staging.written(path for path, _, _ in index_files)
        out: Mapping[SitePath, bytes] = staging.site(static)
    else:
        out = {**static, **{path: pieces.joined(data) for path, data, _ in made}, **index_files}
    extra = publishing(out, prepared.settings)
    if staging is not None:
        out = staging.site({**static, **extra})
    else:
        out = dict(sorted({**out, **extra}.items()))
    from_cache = FromCache(memo.hits, linked_pages(made)) if isinstance(memo, Remembered) else None
    return BuildResult(found, out, len(linked.docs), annotation_count(linked.summaries),
                       time.perf_counter() - started, from_cache)


def _make(the_site: Site, linked: Linked, base_url: str, item: str,
          chunk: pieces.Chunk = pieces.computed) -> list[render.Rendered]:
    """A page (a list of one), or the files of a part of the exports."""
    if item in exporting.PARTS:
        return [(path, data, None) for path, data in exporting.PARTS[item](linked, base_url, chunk).items()]
    return [the_site.render(SitePath(item))]


def _page_inputs(the_site: Site, kept: Kept, path: SitePath) -> tuple[object, ...]:
    """What names a page in the build cache: what it reads, each record the cache knows by a
    name written as that name (reads.Names), or for a page that reads the whole corpus, the
    digest of what linking read (cheaper to hash, and as exact)."""
    if path in reads.WHOLE_CORPUS:
        return (the_site.look, kept.linked)
    return the_site.inputs(path, kept.memo.name_of)


def _heavy(item: str) -> bool:
    return item in site_pages.LISTINGS or item in exporting.PARTS


def _keep_pages(staging: write.Staging, made: list[list[render.Rendered]]) -> list[list[render.Rendered]]:
    """In the process that made them: files written to the staging folder, only their names
    (and any problem) sent back. Sending 62 MB of pages back cost more than writing them here."""
    staging.write({path: data for part in made for path, data, _ in part if isinstance(data, (bytes, pieces.Pieces))})
    return [[(path, data if isinstance(data, Written) else None, problem) for path, data, problem in part]
            for part in made]


def build_and_write(corpus_dir: Path, out: Path, overrides: Mapping[str, str | None] = {},
                    progress: Progress = silent, force: bool = False,
                    executor: Executor | None = None, cache: Store | None = None) -> BuildResult:
    """build(), then the site swapped into `out`; nothing is touched when `out` is a folder a
    build must not replace (staging.output_problem). With `cache`, see build()."""
    started = time.perf_counter()
    problem = write.output_problem(corpus_dir, out, force)
    if problem is not None:
        return BuildResult((diagnostics.error(str(out), 1, 1, problem.message, problem.hint),))
    with write.Staging(out) as staging:
        result = build(corpus_dir, overrides, progress, staging, executor, cache)
        if result.ok:
            progress("writing")
            staging.finish(result.site)
            if cache is not None:
                cache.commit()
    return replace(result, seconds=time.perf_counter() - started)   # the time the user waited, writing included
