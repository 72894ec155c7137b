"""A file made piece by piece (`Pieces`), and the one way to write either kind of file's content.

A file that would be large held whole (the W3C export: 199 MB at 10,000 documents) travels
from the step that makes it to the place that writes it as a way to make its pieces; the
writer writes each piece as it comes, so the file is never in memory at once. Whoever needs
its bytes (a build kept in memory, the live server) asks for them with `bytes()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Pieces:
    make: Callable[[], Iterable[bytes]]   # made again each time it is read

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.make())

    def __bytes__(self) -> bytes:
        return b"".join(self.make())

    def __reduce__(self) -> tuple[Any, ...]:
        """To another process (a Dask worker's result) as its bytes, never as what makes them."""
        return bytes, (bytes(self),)


Content = bytes | Pieces


def write(f: IO[bytes], data: Content) -> None:
    if isinstance(data, Pieces):
        for piece in data:
            f.write(piece)
    else:
        f.write(data)


def joined(data: Content) -> bytes:
    return data if isinstance(data, bytes) else bytes(data)


class Chunk(Protocol):
    """How a large file's maker gets one part of it (some documents' share, a speaker's quotes):
    `chunk(what, inputs, make)` returns make(), the bytes of that part, which depend on what
    inputs() returns alone. A build cache gives its own (builder.run.remember), which reads a
    part kept by an earlier build when its inputs are the same; the maker never knows which.
    Only a cache asks for the inputs."""

    def __call__(self, what: str, inputs: Callable[[], tuple[object, ...]], make: Callable[[], bytes]) -> bytes: ...


# Documents a chunk holds (annotations.jsonld, dates.csv): one edit makes their share again
# (a few ms), a corpus of 10,000 is 500 chunks to look up, not 10,000, and a chunk of the W3C
# export is ~0.4 MB, all that is held of it as it is written.
CHUNK_DOCUMENTS = 20


def batches(items: Sequence[T]) -> list[tuple[T, ...]]:
    """`items` in consecutive groups of CHUNK_DOCUMENTS."""
    n = CHUNK_DOCUMENTS
    return [tuple(items[i:i + n]) for i in range(0, len(items), n)]


def computed(what: str, inputs: Callable[[], tuple[object, ...]], make: Callable[[], bytes]) -> bytes:
    """Every part made (a build without a cache): its inputs are not asked for."""
    return make()


def lines(data: bytes) -> Iterator[bytes]:
    """The lines of `data` (split at b"\\n"), each made as it is asked for."""
    start, end = 0, data.find(b"\n")
    while end >= 0:
        yield data[start:end]
        start, end = end + 1, data.find(b"\n", end + 1)
    if data:
        yield data[start:]
