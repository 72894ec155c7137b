"""A prepared document read back from the build cache, decoded only when something reads it.

A rebuild after one edit reads every prepared document back from the cache, and decoding them
was most of what it spent (at 10,000 documents ~3 s of ~14: a document's spans are ~360
objects). What linking, the pages' keys and the counts read of a document is its summary
(builder.prepare.summary), kept beside it; the document itself is needed only by the pages
made again and the passages they list. So the cache keeps a prepared document as its
metadata and the bytes of its encoding (builder.run.transfer), and `SealedDoc` stands for the
AnchoredDoc: its metadata at once, the rest decoded on first use, then held.
"""

from __future__ import annotations

import pickle
from typing import Any

from builder.core.models import AnchoredDoc, CleanDoc, DocMeta, SourcePath, Span
from builder.run import transfer


class SealedDoc:
    """An AnchoredDoc as the cache keeps it (see above): the same fields, and equal to it."""

    __slots__ = ("meta", "_data", "_doc")

    def __init__(self, meta: DocMeta, data: bytes) -> None:
        self.meta = meta
        self._data: bytes | None = data
        self._doc: AnchoredDoc | None = None

    def opened(self) -> AnchoredDoc:
        if self._doc is None:
            assert self._data is not None
            self._doc = transfer.decode(pickle.loads(self._data))   # noqa: S301 - the cache's own, checked (remember._load)
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
