"""@record: the frozen, slotted dataclass every record between stages is.

Frozen, so a stage can only hand on new values, never change the ones it was given;
slotted, so the few hundred thousand records of a build (spans, annotations, selectors,
passage references) are small.

Records hold read-only mappings (`types.MappingProxyType`: the linked corpus's tables),
which pickle refuses; a record that must reach another machine (a Dask worker renders
pages from the linked corpus) could not. Registered here, once: a read-only mapping
travels as the dict it shows and arrives read-only.
"""

from __future__ import annotations

import copyreg
import dataclasses
from types import MappingProxyType
from typing import Any, Mapping, TypeVar

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    return dataclasses.dataclass(frozen=True, slots=True)(cls)


def weak_record(cls: type[T]) -> type[T]:
    """A record that may be held weakly (weakref.ref): a slot more for the reference."""
    return dataclasses.dataclass(frozen=True, slots=True, weakref_slot=True)(cls)


def read_only(items: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(items)


def _reduce_read_only(view: Mapping[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return read_only, (dict(view),)


copyreg.pickle(MappingProxyType, _reduce_read_only)
