"""The search index as a build makes it: a job started before the documents are prepared
(Executor.stream), sent each document's shard once they are counted, which writes each of
the index's files into the staging folder as it comes (search.files.merging), or links
them from the build cache."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Iterable, Iterator, Sequence

from builder.run.jobs import Stream
from builder.run.remember import Kept
from builder.search import files as search
from builder.search.shards import Packed
from builder.site.staging import Staging

SHARDS_SENT = 256   # shards a message to the index's job


def feed(job: Stream[Any, Any], kept: Kept | None, shards: Sequence[Packed]) -> None:
    """Send the job what it reads: the cache's name for the index (None without the cache),
    then every document's shard, in document order."""
    job.send([kept.search_key if kept is not None else None])
    for k in range(0, len(shards), SHARDS_SENT):
        job.send(shards[k:k + SHARDS_SENT])
    job.close()


def index_files(staging: Staging | None, kept: Kept | None, received: Iterator[Any]) -> Any:
    """The job: files() over what feed() sends. `kept`: the cache as it was when the job
    started, before the documents it names were prepared."""
    key = next(received)
    return files(received, staging, replace(kept, search_key=key) if kept is not None else None)


def files(shards: Iterable[Packed], staging: Staging | None, kept: Kept | None = None) -> Any:
    """The search index's files. With `staging`, written there one at a time as they are made,
    by the process that made them, which sends back only their names (see staging.OnDisk),
    as (path, Written or None, None) each; without, all of them, by path."""
    made = partial(search.merging, shards)
    if kept is not None:
        return kept.search(made)
    if staging is None:
        return dict(sorted(made()))
    names = []
    for path, data in made():
        staging.write({path: data})
        names.append((path, None, None))
    return names
