"""build(): the stages in order. Read and check everything first; write nothing until the end.

    read corpus → load annotations → clean → anchor → link   (all checks; errors stop here)
    → render → index                                         (the site, in memory)
    → write                                                  (atomically, by the caller)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from builder import config, diagnostics, publish
from builder.diagnostics import Diagnostic
from builder.models import SitePath
from builder.stages import anchoring, annotations, clean, corpus, linking, render, search, write

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


def check(corpus_dir: Path, settings: config.Settings, progress: Progress = lambda _: None):  # noqa: ANN201
    """Every stage that can find a problem; returns (linked corpus, diagnostics)."""
    progress("reading corpus")
    raw, found = corpus.read(corpus_dir)
    progress("loading annotations")
    notes, found_a = annotations.load(corpus_dir, (d.meta.id for d in raw.docs))
    progress("cleaning")
    specs = {s.doc: s.clean for s in notes.sidecars}
    cleaned, found_c = [], []
    for doc in raw.docs:
        c, d = clean.clean(doc, specs.get(doc.meta.id, clean.CleanSpec()))
        cleaned.append(c)
        found_c.extend(d)
    progress("anchoring")
    anchored, found_n = anchoring.anchor(cleaned, notes.sidecars, notes.entities, notes.entities_path)
    progress("linking")
    linked, found_l = linking.link(raw, anchored, notes.entities)
    return linked, (*found, *found_a, *found_c, *found_n, *found_l)


def build(corpus_dir: Path, settings: config.Settings | None = None, progress: Progress = lambda _: None) -> BuildResult:
    started = time.perf_counter()
    found_s: tuple[Diagnostic, ...] = ()
    if settings is None:
        settings, found_s = config.load(corpus_dir)
    linked, found = check(corpus_dir, settings, progress)
    diags = diagnostics.sort((*found_s, *found))
    n_docs = len(linked.docs)
    n_ann = sum(len(d.spans) for d in linked.docs)
    if diagnostics.has_errors(diags):
        return BuildResult(diags, {}, n_docs, n_ann, time.perf_counter() - started)
    progress("rendering")
    files = render.render(linked, settings, corpus_dir)
    progress("indexing")
    files.update(search.build_index(linked))
    files.update(publish.site_files(files, settings))
    return BuildResult(diags, dict(sorted(files.items())), n_docs, n_ann, time.perf_counter() - started)


def build_and_write(corpus_dir: Path, out: Path, settings: config.Settings | None = None,
                    progress: Progress = lambda _: None) -> BuildResult:
    result = build(corpus_dir, settings, progress)
    if result.ok:
        progress("writing")
        write.write_site(result.site, out)
    return result
