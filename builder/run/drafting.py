"""`glossator suggest` run: the build's own read → clean → anchor steps (builder.run.pipeline),
then each document's annotations drafted (builder.suggest), spread by the executor."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from builder.core.models import DocId
from builder.prepare import anchoring
from builder.read.files import CorpusFiles
from builder.run import collector
from builder.run.executor import Executor, default
from builder.run.memo import Fresh
from builder.run.pipeline import Prepared, prepare
from builder.run.progress import Progress, silent
from builder.suggest import draft as suggesting
from builder.suggest.records import Drafted


def suggest(corpus_dir: Path, only: frozenset[DocId] | None = None, blind: bool = False,
            progress: Progress = silent, executor: Executor | None = None
            ) -> tuple[Prepared, tuple[Drafted, ...]]:
    """Every document read, cleaned and anchored as a build does, then its annotations drafted;
    `only` names the documents to draft, `blind` drafts as if their sidecars' annotations
    were absent (for --score)."""
    memo, executor = Fresh(), executor or default()
    with collector.paused():
        prepared = prepare(CorpusFiles(corpus_dir), memo, executor, {}, progress, for_search=False)
        docs = [d for d in prepared.docs if only is None or d.meta.id in only]
        names = memo.get("names", prepared.entities, lambda: anchoring.aliases(prepared.entities))
        progress(f"drafting suggestions for {len(docs)} document{'s' * (len(docs) != 1)}")
        one = partial(suggesting.draft, entities=prepared.entities, aliases=names, blind=blind)
        drafted = memo.get("suggest", (tuple(docs), blind), lambda: tuple(executor.map(one, docs)))
    return prepared, drafted
