"""@record: the frozen, slotted dataclass every record between stages is.

Frozen, so a stage can only hand on new values, never change the ones it was given;
slotted, so the few hundred thousand records of a build (spans, annotations, selectors,
passage references) are small.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    return dataclasses.dataclass(frozen=True, slots=True)(cls)
