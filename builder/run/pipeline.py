"""build(): the stages in order. Read and check everything first; write nothing until the end.

    read index, entities → per document, in two halves (a forked child takes one):
        read → load sidecar → clean → anchor                  (prepare_corpus)
    → search index, in a child from here on                   (reads only documents and entities;
                                                                the child writes its files to staging)
    → link                                                    (all checks done; errors stop here)
    → render (on two workers) → pages written to staging      (the site, in memory)
    → search files, publishing files → swap into place        (atomically, in build_and_write)

With GLOSSATOR_WORKERS=1, or where forking is not available, the same stages run in
one process and give the same bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from functools import partial
from typing import Callable, Mapping, Sequence

from builder.core import diagnostics
from builder.read import settings as config
from builder.run import collector, executor as parallel, transfer
from builder.site import publish
from builder.core.diagnostics import Diagnostic
from builder.core.models import AnchoredDoc, CleanSpec, Corpus, DocId, DocMeta, Entity, EntityId, Linked, RawDoc, SitePath
from builder.html import render
from builder.prepare import anchoring, clean, linking
from builder.read import annotations, corpus
from builder.search import files as search
from builder.site import staging as write

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    diagnostics: tuple[Diagnostic, ...]
    site: Mapping[SitePath, bytes] = field(default_factory=dict)
    documents: int = 0
    annotations: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not diagnostics.has_errors(self.diagnostics)

    @property
    def pages(self) -> int:
        return sum(1 for p in self.site if p.endswith(".html"))


@dataclass(frozen=True)
class _Shared:
    """What every document's preparation reads: computed once, shared with forked workers."""

    corpus_dir: Path
    files: Mapping[str, Path]
    entity_ids: frozenset[EntityId] | None   # None: entities.yaml could not be loaded (references go unchecked)
    doc_ids: frozenset[DocId] | None         # None: INDEX.md could not be read
    names: anchoring.Aliases
    real: corpus.RealPaths   # made for this build: folders are looked up once
    person_like_places: frozenset[EntityId]  # places named like a person: a speaker is warned about


def shared_by(corpus_dir: Path, metas: Sequence[DocMeta], entities: Sequence[Entity],
              index_found: Sequence[Diagnostic] = (), entities_found: Sequence[Diagnostic] = ()) -> _Shared:
    """What every document's preparation reads. With the problems found reading INDEX.md and
    entities.yaml, references go unchecked when either could not be loaded."""
    return _Shared(corpus_dir, annotations.sidecar_files(corpus_dir), annotations.entity_ids(entities, entities_found),
                   corpus.doc_ids(metas, index_found), anchoring.aliases(entities), corpus.RealPaths(),
                   annotations.person_like_places(entities))


def prepare(shared: _Shared, meta: DocMeta
            ) -> tuple[RawDoc | None, AnchoredDoc | None, tuple[Diagnostic, ...], bool]:
    """One document through read → load its sidecar → clean → anchor; the last value says
    whether everything of it was read (its file, and its sidecar if it has one)."""
    raw, found_r = corpus.read_document(shared.corpus_dir, meta, shared.real)
    file = shared.files.get(meta.id)
    sidecar, found_a = annotations.load_for(file, meta.id, shared.entity_ids, shared.doc_ids,
                                            shared.real, shared.person_like_places)
    complete = raw is not None and (file is None or sidecar is not None)
    if raw is None:
        return None, None, (*found_r, *found_a), complete
    cleaned, found_c = clean.clean(raw, sidecar.clean if sidecar else CleanSpec())
    anchored, found_n = anchoring.anchor_document(cleaned, sidecar, shared.names)
    return raw, anchored, (*found_r, *found_a, *found_c, *found_n), complete


@dataclass(frozen=True)
class Prepared:
    """Every document read, cleaned and anchored, with the entities: what linking and the search index read."""

    corpus: Corpus
    docs: tuple[AnchoredDoc, ...]
    entities: tuple[Entity, ...]
    diagnostics: tuple[Diagnostic, ...]
    incomplete: frozenset[DocId] = frozenset()   # documents whose file or sidecar could not be read


def prepare_corpus(corpus_dir: Path, progress: Progress = lambda _: None) -> Prepared:
    progress("reading corpus")
    title, intro, metas, found = corpus.read_index(corpus_dir)
    progress("loading annotations")
    entities, found_e = annotations.load_entities(corpus_dir)
    shared = shared_by(corpus_dir, metas, entities, found, found_e)
    files = shared.files
    progress("cleaning and anchoring")
    # Half in a forked child. Its records come back as plain tuples (builder.run.transfer):
    # pickle's own handling of records costs twice as much (benchmarks/transfer_bench.py).
    # The parent keeps a little more than half: it also unpacks what the child sends.
    prepared = parallel.map_halves(partial(prepare, shared), metas, transfer.encode_all, transfer.decode_all,
                                   cut=len(metas) * 54 // 100)
    raws = tuple(r for r, _, _, _ in prepared if r is not None)
    anchored = tuple(a for _, a, _, _ in prepared if a is not None)
    found_d = [d for _, _, ds, _ in prepared for d in ds]
    incomplete = frozenset(meta.id for meta, (_, _, _, complete) in zip(metas, prepared) if not complete)
    return Prepared(Corpus(title, intro, corpus.INDEX, raws), anchored, entities,
                    (*found, *found_e, *annotations.orphan_sidecars(files, shared.doc_ids), *found_d), incomplete)


def link(prepared: Prepared, progress: Progress = lambda _: None) -> tuple[Linked, tuple[Diagnostic, ...]]:
    progress("linking")
    linked, found = linking.link(prepared.corpus, prepared.docs, prepared.entities, prepared.incomplete)
    return linked, (*prepared.diagnostics, *found)


def check(corpus_dir: Path, settings: config.Settings, progress: Progress = lambda _: None) -> tuple[Linked, tuple[Diagnostic, ...]]:
    """Every stage that can find a problem; returns (linked corpus, diagnostics)."""
    return link(prepare_corpus(corpus_dir, progress), progress)


def build(corpus_dir: Path, settings: config.Settings | None = None, progress: Progress = lambda _: None,
          staging: write.Staging | None = None) -> BuildResult:
    """The whole site in memory. With `staging`, pages are also written there as soon as they
    exist (while the search index is finished), for build_and_write to swap in."""
    # A build allocates a few million small objects and frees almost none until it ends:
    # the cycle collector would rescan them again and again for nothing (~8% of the time).
    with collector.paused():
        return _build(corpus_dir, settings, progress, staging)


def _build(corpus_dir: Path, settings: config.Settings | None, progress: Progress,
           staging: write.Staging | None) -> BuildResult:
    started = time.perf_counter()
    found_s: tuple[Diagnostic, ...] = ()
    if settings is None:
        settings, found_s = config.load(corpus_dir)
    prepared = prepare_corpus(corpus_dir, progress)
    # The search index reads only the prepared documents: a child builds it while this
    # process links and renders (dropped if linking finds an error). One process for the
    # index: beside rendering on both cores, splitting it too only added ~1 s of CPU.
    index = None
    if not diagnostics.has_errors((*found_s, *prepared.diagnostics)):
        if staging is not None:
            staging.open()   # before the fork: the child writes the index's files there itself
        index = parallel.Background(partial(_search_files, prepared, staging))
    linked, found = link(prepared, progress)
    diags = diagnostics.sort((*found_s, *found))
    n_docs = len(linked.docs)
    n_ann = sum(len(d.spans) for d in linked.docs)
    if index is None or diagnostics.has_errors(diags):
        if index is not None:
            index.cancel()
        return BuildResult(diags, {}, n_docs, n_ann, time.perf_counter() - started)
    progress("rendering and indexing")
    try:
        files, found_r = render.render(linked, settings, corpus_dir, staging)   # with staging, the pages are on disk
        if diagnostics.has_errors(found_r):
            index.cancel()
            return BuildResult(diagnostics.sort((*diags, *found_r)), {}, n_docs, n_ann, time.perf_counter() - started)
        if staging is not None:
            staging.write(files)   # what the workers did not: static files
    except BaseException:
        index.cancel()
        raise
    diags = diagnostics.sort((*diags, *found_r))
    index_files = index.result()
    if staging is not None:
        staging.written(index_files)
        files.update(publish.site_files(staging.site(files), settings))
        return BuildResult(diags, staging.site(files), n_docs, n_ann, time.perf_counter() - started)
    files.update(index_files)
    files.update(publish.site_files(files, settings))
    return BuildResult(diags, dict(sorted(files.items())), n_docs, n_ann, time.perf_counter() - started)


def _search_files(prepared: Prepared, staging: write.Staging | None) -> Mapping[SitePath, bytes] | list[SitePath]:
    """The search index's files; with `staging`, written there by the process that made them,
    which sends back only their names (see write.OnDisk).

    The index is usually done before the pages are, so its child has time to spare for
    the ~280 files of 1,000 documents, which the parent would otherwise write last, when
    everything else is waiting for it."""
    files = search.build_index(prepared, parallel=False)
    if staging is None:
        return files
    staging.write(files)
    return sorted(files)


def build_and_write(corpus_dir: Path, out: Path, settings: config.Settings | None = None,
                    progress: Progress = lambda _: None, force: bool = False) -> BuildResult:
    """build(), then the site swapped into `out`; nothing is touched when `out` is a folder a
    build must not replace (write.output_problem)."""
    started = time.perf_counter()
    problem = write.output_problem(corpus_dir, out, force)
    if problem is not None:
        return BuildResult((diagnostics.error(str(out), 1, 1, problem.message, problem.hint),))
    with write.Staging(out) as staging:
        result = build(corpus_dir, settings, progress, staging)
        if result.ok:
            progress("writing")
            staging.finish(result.site)
    return replace(result, seconds=time.perf_counter() - started)   # the time the user waited, writing included
