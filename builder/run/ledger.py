"""A map's results as a rebuild reads them: one cache entry for them all (the ledger).

A rebuild after one edit used to read back each of the 10,000 prepared documents' cache
entries (a file each), unpickle and decode them, and hash each search shard and metadata
again to name them: ~4 s of ~12 at 10,000 documents, for results it then mostly did not open.
The ledger holds, for each result of a step's map, what a build reads of it without opening
it: the result with its heavy parts left out (a prepared document but for its metadata, a
search shard), and the names the memo gives it and its parts (builder.run.remember). Its
rows are keyed by the digest of the result's inputs, so a row is used only for a result
whose inputs are the same; it is one entry of the store, checked as any other (its digest,
the signed manifest), written again when a row changed.

A heavy part is read back from the result's own entry when something reads it (a page made
again opens its document; the search index merged again reads the shards): a document as a
`SealedDoc` whose bytes are loaded then, a shard as a `Shelved`. Should that entry be gone or
damaged by then, the result is made again instead (`remake`): never read unchecked.
"""

from __future__ import annotations

import pickle
from functools import partial
from typing import Any, Callable, Sequence

from builder.core.models import AnchoredDoc
from builder.run import transfer
from builder.run.sealed import SealedDoc
from builder.search.shards import Packed

Row = bytes   # one result's row, pickled: see row()


class Shelved:
    """A part of a kept result left in its cache entry (a document's search shard) until read."""

    __slots__ = ("_load", "_value", "at")

    def __init__(self, load: Callable[[], Any], at: InEntry | None = None) -> None:
        self._load: Callable[[], Any] | None = load
        self._value: Any = None
        self.at = at        # where it is kept, for a process that reads the same cache (by_place)

    def value(self) -> Any:  # noqa: ANN401 - the part it stands for
        if self._load is not None:
            self._value, self._load = self._load(), None
        return self._value

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to another process (the search index's) as the part itself."""
        return _same, (self.value(),)


def whole(values: Sequence[Any]) -> list[Any]:
    """`values`, each Shelved one read."""
    return [v.value() if type(v) is Shelved else v for v in values]


def _same(value: Any) -> Any:  # noqa: ANN401
    return value


class InEntry:
    """Where a shelved part is kept: its result's cache entry and its place in the result.
    Sent to a process that reads the same cache (the search index's job, which reads the
    shards itself, beside linking, instead of the main process reading 10,000 entries first)."""

    __slots__ = ("key", "i")

    def __init__(self, key: str, i: int) -> None:
        self.key, self.i = key, i

    def __reduce__(self) -> tuple[Any, ...]:
        return InEntry, (self.key, self.i)


def by_place(values: Sequence[Any]) -> list[Any]:
    """`values`, each Shelved one not read yet as where it is kept (InEntry), the others as
    they are (a Shelved one read already, as what it holds)."""
    return [(v.at if v._load is not None and v.at is not None else v.value()) if type(v) is Shelved else v
            for v in values]


def _heavy(part: object) -> bool:
    return type(part) in (AnchoredDoc, SealedDoc, Packed, Shelved)


def row(value: object, encoded: Any, made: str, by_value: Callable[[object, Any], str | None]) -> Row:  # noqa: ANN401
    """The row of a result named `made` (the digest of its value; `encoded`: transfer.encode(value),
    made already for its own entry): its light parts encoded, for each heavy part its place (and
    a document's metadata), and the names `by_value(part, part encoded)` gives its parts and its
    documents' metadata (None: named after the result)."""
    parts = value if type(value) is tuple else ()
    body = tuple(None if _heavy(p) else e for p, e in zip(parts, encoded)) if parts else encoded
    metas_encoded = {i: transfer.encode(p.meta) for i, p in enumerate(parts) if type(p) in (AnchoredDoc, SealedDoc)}
    heavy = tuple((i, metas_encoded.get(i)) for i, p in enumerate(parts) if _heavy(p))
    names = tuple(by_value(p, e) for p, e in zip(parts, encoded))
    metas = tuple((i, by_value(parts[i].meta, e)) for i, e in metas_encoded.items())
    return pickle.dumps((made, names, metas, heavy, pickle.dumps(body, protocol=5)), protocol=5)


Names = tuple[str, tuple[str | None, ...], tuple[tuple[int, str | None], ...]]


def names_of(data: Row) -> Names:
    """A row's names (see value_of), without reading the rest of it."""
    made, names, metas, _, _ = pickle.loads(data)  # noqa: S301 - an entry of the cache, checked (remember._load)
    return made, names, metas


def value_of(data: Row, part: Callable[[int], Any], entry: str | None = None) -> tuple[Any, Names]:
    """A result from its row, and its names: its own (the digest of its value), its parts' and
    its documents' metadata's; `part(i)` reads heavy part i when something asks for it (from
    the cache's `entry`, where it is kept)."""
    made, names, metas, heavy, body = pickle.loads(data)  # noqa: S301 - an entry of the cache, checked (remember._load)
    value = transfer.decode(pickle.loads(body))  # noqa: S301
    if heavy:
        parts = list(value)
        for i, meta in heavy:
            load = partial(part, i)
            parts[i] = SealedDoc(transfer.decode(meta), load) if meta is not None else \
                Shelved(load, InEntry(entry, i) if entry is not None else None)
        value = tuple(parts)
    return value, (made, names, metas)


def pack(rows: dict[str, Row]) -> bytes:
    return pickle.dumps(rows, protocol=5)


def unpack(data: bytes) -> dict[str, Row]:
    rows = pickle.loads(data)  # noqa: S301 - an entry of the cache, checked (remember._load)
    return rows if isinstance(rows, dict) else {}
