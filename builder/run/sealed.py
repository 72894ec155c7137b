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

A build holds every document it prepares so (the executor holds a map's results alike,
whichever process made them), and a build that writes its site keeps their bytes on disk, on
a `Shelf`: at 100,000 documents its main process held ~2 GB of documents, as records or bytes.
There too goes each document's reading text (`ShelvedText`), which its summary and its search
shard hold and which only the listings, the data files and the search index's job read, in the
processes that make them: ~6 KB a document, that the main process held from the moment the
document came until the pages ended, and that every process making pages copied as it read.
What reads a document (its page, its chunk of annotations.jsonld) holds what `opened()` gives
while it reads, and the document is let go after: a worker that makes every document's page
holds one at a time.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import tempfile
import threading
import weakref
from functools import partial
from typing import Any, Callable, SupportsIndex

from builder.core.models import AnchoredDoc, CleanDoc, DocMeta, SourcePath, Span, Summary
from builder.run import transfer
from builder.search.shards import Packed


class SealedDoc:
    """An AnchoredDoc as the cache keeps it (see above): the same fields, and equal to it.

    Given its bytes, it decodes them once and holds the document from then on (its bytes were
    all there was of it). Given how to read it (from the cache, or a Shelf), it holds the
    document it opened only weakly: while something reads it (a page being made, which holds
    what opened() returns), and no longer. A worker that makes every document's page then holds
    one document at a time, not every one it made a page of."""

    __slots__ = ("meta", "_data", "_doc", "_held")

    def __init__(self, meta: DocMeta, data: bytes | Callable[[], AnchoredDoc]) -> None:
        self.meta = meta
        self._data: bytes | Callable[[], AnchoredDoc] | None = data
        self._doc: AnchoredDoc | None = None
        self._held: weakref.ref[AnchoredDoc] | None = None

    def opened(self) -> AnchoredDoc:
        doc = self._doc if self._held is None else self._held()
        if doc is not None:
            return doc
        data = self._data
        assert data is not None
        if isinstance(data, bytes):
            doc = self._doc = _decoded(data)
            self._data = None
            return doc
        doc = data()
        self._held = weakref.ref(doc)
        return doc

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


def _same(value: Any) -> Any:  # noqa: ANN401 - what a stand-in stands for
    return value


class ShelvedText:
    """A document's reading text kept on a Shelf, read as the str it stands for: sliced (only
    the characters asked for are read: a listing shows a few words of a document of 50 MB),
    measured, str() (all of it); equal to it and hashed as it; sent elsewhere (a Dask worker,
    the search index's job) as it. A read costs ~2 us; a build at 2,000 documents makes
    ~80,000 (its passages in the listings and data files, a slice each). Holding
    the last 16 texts read saved a fifth of them, ~0.2 % of the build: not held."""

    __slots__ = ("_shelf", "_at", "_length", "_width")

    def __init__(self, shelf: Shelf, at: int, length: int, width: int) -> None:
        self._shelf, self._at, self._length, self._width = shelf, at, length, width

    def _chars(self, start: int, stop: int) -> str:
        return self._shelf._chars(self._at, self._width, start, stop)

    def __str__(self) -> str:
        return self._chars(0, self._length)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, at: SupportsIndex | slice) -> str:
        if type(at) is slice:
            start, stop, step = at.indices(self._length)
            return self._chars(start, max(start, stop)) if step == 1 else str(self)[at]
        i = operator.index(at)
        i = i + self._length if i < 0 else i
        if not 0 <= i < self._length:
            raise IndexError("string index out of range")
        return self._chars(i, i + 1)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (str, ShelvedText)):
            return len(self) == len(other) and str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"ShelvedText({self[:40]!r}…)"

    def __reduce__(self) -> tuple[Any, ...]:
        return _same, (str(self),)


# A text is kept in the narrowest encoding that gives each of its characters the same width
# (its characters' place in the file is then their place in the text, times the width).
_WIDTHS = {1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}


def _fixed_width(text: str) -> tuple[int, bytes]:
    if text.isascii():
        return 1, text.encode("ascii")
    for width in (1, 2):
        try:
            data = text.encode(_WIDTHS[width], "surrogatepass")
        except UnicodeEncodeError:
            continue
        if len(data) == width * len(text):   # (UTF-16 writes a character past U+FFFF as two)
            return width, data
    return 4, text.encode(_WIDTHS[4], "surrogatepass")


def seal(doc: AnchoredDoc, encoded: Any) -> tuple[Any, bytes]:  # noqa: ANN401 - transfer's encoding
    """A prepared document as the cache keeps it: its metadata, encoded, and the bytes of all
    of it (`encoded`: the document as transfer.encode wrote it)."""
    return transfer.encode(doc.meta), pickle.dumps(encoded, protocol=5)


def unseal(sealed: tuple[Any, bytes | Callable[[], AnchoredDoc]]) -> SealedDoc:
    """A sealed document's metadata decoded; the rest left as its bytes, or how to read it."""
    meta, data = sealed
    return SealedDoc(transfer.decode(meta), data)


def _decoded(data: bytes) -> AnchoredDoc:
    """A sealed document's bytes (seal()) as the document."""
    return transfer.decode(pickle.loads(data))  # noqa: S301 - this build's own, or the cache's, checked (remember._load)


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


# What holds a document's reading text: its summary, and its search shard (the same string, as
# the process that made them sends it, until the shard is sent on to the search index's job).
HOLDING_TEXT = (Summary, Packed)


def _unsealing(value: Any, shelf: Shelf | None, shelved: dict[int, ShelvedText]) -> Any:  # noqa: ANN401
    """`value` decoded; with `shelf`, a reading text it holds kept there, once for every record
    holding that string (`shelved`: by the id of the string, alive in the encoded values)."""
    kind = type(value)
    if kind is tuple:
        return tuple([_unsealing(v, shelf, shelved) for v in value])
    if kind is _InTransit:
        return unseal((value.meta, shelf.put(value.data) if shelf is not None else value.data))
    decoded = transfer.decode(value)
    if shelf is None or type(decoded) not in HOLDING_TEXT:
        return decoded
    text = shelved.get(id(decoded.text))
    if text is None:
        text = shelved[id(decoded.text)] = shelf.text(decoded.text)
    return dataclasses.replace(decoded, text=text)


def encode_all(values: list[Any]) -> list[Any]:
    """transfer.encode_all, each prepared document sealed: the process it reaches decodes only
    what reads more than its metadata."""
    return [_sealing(v) for v in values]


def decode_all(values: list[Any], shelf: Shelf | None = None) -> list[Any]:
    """Each value as it was; a prepared document as a SealedDoc, its bytes on `shelf` if given,
    and there its reading text too (its summary's and its search shard's)."""
    shelved: dict[int, ShelvedText] = {}
    return [_unsealing(v, shelf, shelved) for v in values]


SHELVES = hasattr(os, "pread") and hasattr(os, "pwrite")   # a Shelf can be made here (not on Windows)


class Shelf:
    """Sealed documents' bytes and summaries' reading texts kept on disk instead of in memory:
    a file with no name (gone when it is closed, or when the process that made it ends however
    it ends), in `folder`. Each is read back by its place in the file, in this process or in
    any forked after it was put (os.pread, which moves no shared file position). At 100,000
    documents the documents' bytes are ~1.8 GB and the texts ~0.6 GB that the build's main
    process held."""

    def __init__(self, folder: str) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._end = 0
        self._lock = threading.Lock()

    def put(self, data: bytes) -> Callable[[], AnchoredDoc]:
        """Keep `data` (a sealed document's bytes); returns how to open the document again."""
        return partial(self._opened, *self._put(data))

    def text(self, text: str) -> ShelvedText:
        """Keep `text` (a document's reading text); returns what reads it as that str."""
        width, data = _fixed_width(text)
        return ShelvedText(self, self._put(data)[0], len(text), width)

    def _put(self, data: bytes) -> tuple[int, int]:
        with self._lock:
            at, self._end = self._end, self._end + len(data)
        fd, view = self._file.fileno(), memoryview(data)
        while view:
            view = view[os.pwrite(fd, view, at + len(data) - len(view)):]
        return at, len(data)

    def _read(self, at: int, size: int) -> bytes:
        if self._file.closed:   # its file's number may name another file by now: never read it
            raise ValueError("a shelved document opened after the build that shelved it ended")
        data = os.pread(self._file.fileno(), size, at)
        assert len(data) == size, "a shelved document cut short"
        return data

    def _opened(self, at: int, size: int) -> AnchoredDoc:
        return _decoded(self._read(at, size))

    def _chars(self, at: int, width: int, start: int, stop: int) -> str:
        """Characters start to stop of the text kept at `at`, `width` bytes each."""
        return self._read(at + start * width, (stop - start) * width).decode(_WIDTHS[width], "surrogatepass")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Shelf:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

