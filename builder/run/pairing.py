"""Linking's statement pairs as a build finds them: in a job started before the documents are
prepared (Executor.stream), sent the quotes once linking has them, which finds the pairs
(statements.pairs_of) and hands back their bytes.

The shingles the pairs are found from (~6 KB a document: every quote's, and their postings)
then never come into the build's main process, which holds the corpus; the job's process
ends with them. It is forked before the corpus is read for the same reason the search
index's job is (builder.run.indexing): a process forked later, from a heap of 100,000s of
scattered objects, copies a page of that heap for each one it writes into (a private 230 MB
at 10,000 documents, for ~60 MB of shingles). A build with the cache reads the pairs back
while every quote's words and place are the same (pipeline.link); the job is then cancelled
unasked.
"""

from __future__ import annotations

import pickle
from typing import Iterator

from builder.prepare import statements
from builder.run.executor import Executor
from builder.run.jobs import Stream

Quotes = tuple[tuple[str, str, str, int, int], ...]   # (document, id, words, start, end) each: linking.PairsOf


def job(executor: Executor) -> Stream[bytes, bytes]:
    """The job, started now (before the documents are prepared)."""
    return executor.stream(_pairs)


def found(pairs: Stream[bytes, bytes], quotes: Quotes) -> bytes:
    """The pairs of `quotes`, found by the job: the quotes sent as one blob (read from one
    place, not from each string's)."""
    pairs.send([pickle.dumps(quotes, 5)])
    pairs.close()
    return pairs.result()


def _pairs(received: Iterator[bytes]) -> bytes:
    return statements.pairs_of(pickle.loads(next(received)))   # noqa: S301 - sent by this build (found)
