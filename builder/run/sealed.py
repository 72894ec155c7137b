"""A prepared document read back from the build cache, decoded only when something reads it.

A rebuild after one edit reads every prepared document back from the cache, and decoding them
was most of what it spent (at 10,000 documents ~3 s of ~14: a document's spans are ~360
objects). What linking, the pages' keys and the counts read of a document is its summary
(builder.prepare.summary), kept beside it; the document itself is needed only by the pages
made again and the passages they list. So the cache keeps a prepared document as its
metadata and the bytes of its encoding (builder.run.transfer), and `SealedDoc` stands for the
AnchoredDoc: its metadata at once, the rest decoded on first use, then held. A rebuild reads
a prepared document's metadata from the cache's ledger (builder.run.ledger), and its bytes
only if something opens it: then `SealedDoc` is given how to get the document, not its bytes.
"""

from __future__ import annotations

import pickle
from typing import Any, Callable

from builder.core.models import AnchoredDoc, CleanDoc, DocMeta, SourcePath, Span
from builder.run import transfer


class SealedDoc:
    """An AnchoredDoc as the cache keeps it (see above): the same fields, and equal to it."""

    __slots__ = ("meta", "_data", "_doc")

    def __init__(self, meta: DocMeta, data: bytes | Callable[[], AnchoredDoc]) -> None:
        self.meta = meta
        self._data: bytes | Callable[[], AnchoredDoc] | None = data
        self._doc: AnchoredDoc | None = None

    def opened(self) -> AnchoredDoc:
        if self._doc is None:
            data = self._data
            assert data is not None
            self._doc = transfer.decode(pickle.loads(data)) if isinstance(data, bytes) else data()  # noqa: S301 - the cache's own, checked (remember._load)
            self._data = None
        return self._doc

    @property
    def doc(self) -> CleanDoc:
        return self.opened().doc

    @property
    def spans(self) -> tuple[Span, ...]:
        return self.opened().spans

    @property
    def sidecar(self) -> SourcePath | None:
        return self.opened().sidecar

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SealedDoc):
            other = other.opened()
        return self.opened() == other

    def __hash__(self) -> int:
        return hash(self.opened())

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent elsewhere (a Dask worker) as the AnchoredDoc it stands for."""
        return _same, (self.opened(),)


def _same(doc: AnchoredDoc) -> AnchoredDoc:
    return doc


def seal(doc: AnchoredDoc, encoded: Any) -> tuple[Any, bytes]:  # noqa: ANN401 - transfer's encoding
    """A prepared document as the cache keeps it: its metadata, encoded, and the bytes of all
    of it (`encoded`: the document as transfer.encode wrote it)."""
    return transfer.encode(doc.meta), pickle.dumps(encoded, protocol=5)


def unseal(sealed: tuple[Any, bytes]) -> SealedDoc:
    meta, data = sealed
    return SealedDoc(transfer.decode(meta), data)


class _InTransit:
    """A prepared document crossing from a worker: its metadata, encoded, and its bytes."""

    __slots__ = ("meta", "data")

    def __init__(self, meta: Any, data: bytes) -> None:  # noqa: ANN401 - transfer's encoding
        self.meta, self.data = meta, data

    def __reduce__(self) -> tuple[Any, ...]:
        return _InTransit, (self.meta, self.data)


def _sealing(value: Any) -> Any:  # noqa: ANN401 - any result of a map
    kind = type(value)
    if kind is tuple:
        return tuple([_sealing(v) for v in value])
    if kind is AnchoredDoc:
        return _InTransit(*seal(value, transfer.encode(value)))
    return transfer.encode(value)


def _unsealing(value: Any) -> Any:  # noqa: ANN401
    kind = type(value)
    if kind is tuple:
        return tuple([_unsealing(v) for v in value])
    if kind is _InTransit:
        return unseal((value.meta, value.data))
    return transfer.decode(value)


def encode_all(values: list[Any]) -> list[Any]:
    """transfer.encode_all, each prepared document sealed: the process it reaches decodes only
    what reads more than its metadata."""
    return [_sealing(v) for v in values]


def decode_all(values: list[Any]) -> list[Any]:
    return [_unsealing(v) for v in values]
