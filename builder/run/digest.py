"""Digests that name a result by everything it was made from (the build cache's keys).

`digest(value, named)` hashes a value as pickle writes it, with two changes that make the
same value give the same digest in every process: a set is written sorted, and an object
in `named` (a prepared document, the theme) is written as the digest it is already known
by instead of its whole content, and nothing is written as a reference to an earlier copy.
Two values with one digest are equal; two equal values may (rarely: a set of values of
different types) have two digests, which costs a miss, never a wrong result.

`plain(value)` hashes a value of plain values only (a record as builder.run.transfer writes
it) in C, without a memo: what names a kept result and a record named by its value.

`code()` is the digest of Glossator itself (its version and every file of the package), so
that a cache made by other code is never read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
from functools import lru_cache
from operator import attrgetter
from typing import Any, Mapping

from builder import __version__


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, named: Mapping[int, str]) -> None:
        super().__init__(file, protocol=5)
        self._named = named
        # No memo: an object met twice is written twice, so that the bytes depend on the
        # values alone, not on which of them happen to be one object (a result made, or
        # read back from the cache, shares different strings).
        self.fast = True

    def persistent_id(self, obj: Any) -> str | tuple[str, list[Any]] | None:  # noqa: ANN401 - any value a step reads
        """A named object's name; a set as its items in order (here: pickle writes a set in
        the order of its items' hashes, which for strings differ from process to process,
        and never asks reducer_override about one)."""
        named = self._named.get(id(obj))
        if named is None and type(obj) in (set, frozenset):
            return type(obj).__name__, sorted(obj, key=repr)
        return named

    def reducer_override(self, obj: Any) -> Any:  # noqa: ANN401
        kind = type(obj)
        names = _FIELDS.get(kind)
        if names is None:
            if kind in _NOT_RECORDS or not dataclasses.is_dataclass(kind):
                _NOT_RECORDS.add(kind)
                return NotImplemented
            names = _FIELDS[kind] = attrgetter(*(f.name for f in dataclasses.fields(kind)))
        # A record as its class and its fields' values: dataclasses' own __getstate__ asks
        # for the fields again on every call, the larger part of the cost of a digest.
        return kind, (), names(obj)


_FIELDS: dict[type, Any] = {}
_NOT_RECORDS: set[type] = set()


def digest(value: object, named: Mapping[int, str] = {}) -> str:
    buf = io.BytesIO()
    _Pickler(buf, named).dump(value)
    return hashlib.sha256(buf.getbuffer()).hexdigest()


def plain(value: object) -> str:
    """The digest of a value of plain values only (str, int, bytes, None, tuples and lists of
    them: a record as builder.run.transfer writes it), pickled in C without a memo, so that
    equal values have equal bytes (pickle's memo writes equal strings once or twice as they
    happen to be one object or two). Several times faster than digest(), which calls Python
    for every object; it names no object and sorts no set, so it is for plain values alone."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    h = hashlib.sha256(b"plain\0")
    h.update(buf.getbuffer())
    return h.hexdigest()


@lru_cache(maxsize=1)
def code() -> str:
    """Glossator's version and the bytes of every file of the package, as one digest."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256(__version__.encode())
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            h.update(os.path.relpath(path, package).encode() + b"\0")
            with open(path, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()
