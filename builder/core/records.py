"""@record: a frozen, slotted dataclass that is cheaper to make.

A build makes a few hundred thousand records (spans, annotations, selectors, passage
references…). dataclasses' frozen __init__ sets each field with
`object.__setattr__`, looked up again for every field of every record; setting the
slots through their own descriptors, fetched once per class, costs about half as much
(tests/test_records.py checks that the records behave as dataclasses make them).
Everything else — frozenness, equality, hashing, repr, replace(), pickling — is the
dataclass's own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    made: Any = dataclasses.dataclass(frozen=True, slots=True)(cls)
    fields = dataclasses.fields(made)
    if any(f.default_factory is not dataclasses.MISSING or not f.init or f.kw_only for f in fields) \
            or hasattr(made, "__post_init__"):
        return made   # keep dataclasses' own __init__ for anything but plain positional fields
    scope: dict[str, Any] = {}
    params, body = [], []
    for i, f in enumerate(fields):
        scope[f"set_{i}"] = made.__dict__[f.name].__set__   # the slot's member descriptor
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"default_{i}"] = f.default
            params.append(f"{f.name}=default_{i}")
        body.append(f"set_{i}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n    " + ("\n    ".join(body) or "pass")
    exec(source, scope)  # noqa: S102 - generated from the class's own field names
    init = scope["__init__"]
    init.__qualname__ = f"{made.__qualname__}.__init__"
    init.__doc__ = made.__init__.__doc__
    made.__init__ = init
    return made
