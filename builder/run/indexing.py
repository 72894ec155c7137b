"""The search index as a build makes it: a job started before the documents are prepared
(Executor.stream), sent each document's shard once they are counted, which writes each of
the index's files into the staging folder as it comes (search.files.merging), or links
them from the build cache."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Iterable, Iterator, Sequence

from builder.run import ledger
from builder.run.jobs import Stream
from builder.run.kept import Kept
from builder.run.remember import read_part
from builder.search import files as search
from builder.search.shards import Packed
from builder.site.staging import Staging

SHARDS_SENT = 256   # shards a message to the index's job


# The job's answer when it was to link the index from the cache and the cache no longer had it
# (removed by hand meanwhile): the build then makes the index itself (made_here).
MISSING = "the search index was not in the cache after all"


def feed(job: Stream[Any, Any], kept: Kept | None, shards: Sequence[Packed]) -> None:
    """Send the job what it reads: the cache's name for the index (None without the cache) and
    whether the cache holds it, then, unless it does, every document's shard, in document order
    (a rebuild whose edit changed no shard reads none of them from the cache, builder.run.ledger)."""
    linked = kept is not None and kept.search_kept()
    job.send([(kept.search_key if kept is not None else None, linked)])
    # A shard still in its cache entry is sent as where it is: the job, which reads the same
    # cache, reads it there, beside linking (without the cache, every shard is at hand).
    sendable = ledger.by_place if kept is not None else ledger.whole
    for k in range(0, 0 if linked else len(shards), SHARDS_SENT):
        job.send(sendable(shards[k:k + SHARDS_SENT]))
    job.close()


def index_files(staging: Staging | None, kept: Kept | None, received: Iterator[Any]) -> Any:
    """The job: files() over what feed() sends. `kept`: the cache as it was when the job
    started, before the documents it names were prepared."""
    key, linked = next(received)
    kept = replace(kept, search_key=key) if kept is not None else None
    try:
        if linked and kept is not None:
            return kept.search(_not_sent)
        return files(_read(received, kept), staging, kept)
    except _NotSent:
        return MISSING


def _read(received: Iterator[Any], kept: Kept | None) -> Iterator[Any]:
    """The shards sent, each sent as where it is kept (ledger.InEntry) read from the cache;
    one gone or damaged there ends the job (MISSING: the build makes the index itself)."""
    for shard in received:
        if type(shard) is ledger.InEntry:
            assert kept is not None
            shard = read_part(kept.memo.store, shard)
            if shard is None:
                raise _NotSent
        yield shard


def made_here(shards: Sequence[Packed], staging: Staging | None, kept: Kept | None, found: Any) -> Any:  # noqa: ANN401
    """What the job found (index_files), or when it found MISSING, the index made in this process."""
    return files(ledger.whole(shards), staging, kept) if isinstance(found, str) and found == MISSING else found


class _NotSent(Exception):
    pass


def _not_sent() -> Iterator[tuple[str, bytes]]:
    raise _NotSent


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
