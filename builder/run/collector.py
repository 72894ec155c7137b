"""Pausing Python's cycle collector around work that builds many objects and frees few.

A build (and the search index on its own, as `serve` builds it) allocates millions of
small, long-lived, acyclic objects; each automatic collection would rescan all of them
for nothing. Pausing is nested safely: the collector is enabled again only by the
pause that disabled it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
