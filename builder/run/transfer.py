"""Send frozen records between processes as plain tuples, at half pickle's cost.

pickle handles a slotted frozen dataclass through Python-level __getstate__ and
__setstate__ calls, so a worker that prepares half the corpus would spend much of its
gain sending it back (benchmarks/transfer_bench.py: 1.5 s of CPU for 1,000 prepared
documents by pickle's own way, 0.7-0.8 s this way). Here a
record travels as a list `[class number, field, field, …]` (a list, because records
never hold lists: tuples stay tuples), which pickle packs in C; the receiver calls
the class itself. Only the record classes named in `CLASSES` travel this way;
anything else (str, int, None, date) is left for pickle.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from builder.core import diagnostics, edtf, models
from builder.search import shards

CLASSES: tuple[type, ...] = (
    models.Where, models.Mark, models.Block, models.DocMeta, models.RawDoc, models.Selector, models.Annotation,
    models.Edit, models.Paragraph, models.CleanDoc, models.Span, models.AnchoredDoc, models.Target,
    edtf.Point, edtf.Edtf, diagnostics.Diagnostic,
    shards.Packed,   # a document's search shard
    models.Passage, models.Summary,   # a document's summary (a Passage is a NamedTuple: made by tuple.__new__)
)
_NAMES = frozenset(cls.__name__ for cls in CLASSES)


def _plain(annotation: str) -> bool:
    """Does a field of this declared type hold no record (only str, int, None, dates, tuples of them)?"""
    words = set(annotation.replace("[", " ").replace("]", " ").replace("|", " ").replace(",", " ").split())
    return not words & _NAMES


def _field_code(annotation: str, value: str, way: str) -> str:
    """Code that converts one field, specialised to its declared type: a generic walk over
    every value costs more than pickle saves, so each known shape gets a direct call."""
    t = annotation.replace(" ", "")
    optional = t.endswith("|None")
    core = t[:-5] if optional else t
    if _plain(annotation):
        return value
    if core in _NAMES:
        code = f"{way}_{core}({value})"
    elif core.startswith("tuple[") and core.endswith(",...]") and core[6:-5] in _NAMES:
        code = f"tuple([{way}_{core[6:-5]}(x) for x in {value}])"
    else:
        code = f"{'encode' if way == 'enc' else 'decode'}({value})"
    return f"(None if {value} is None else {code})" if optional else code


def _compile() -> tuple[dict[type, Any], list[Any]]:
    """One encoder and one decoder per class, written out field by field."""
    scope: dict[str, Any] = {"encode": encode, "decode": decode, "new": object.__new__, "tuple_new": tuple.__new__}
    lines = []
    for n, cls in enumerate(CLASSES):
        name = cls.__name__
        scope[f"C_{name}"] = cls
        if not dataclasses.is_dataclass(cls):     # a NamedTuple
            types = cls.__annotations__
            enc = ", ".join(_field_code(str(types[f]), f"v[{i}]", "enc") for i, f in enumerate(cls._fields))
            dec = ", ".join(_field_code(str(types[f]), f"v[{i + 1}]", "dec") for i, f in enumerate(cls._fields))
            lines.append(f"def enc_{name}(v): return [{n}, {enc}]")
            lines.append(f"def dec_{name}(v): return tuple_new(C_{name}, ({dec},))")
            continue
        fields = dataclasses.fields(cls)
        enc = ", ".join(_field_code(str(f.type), f"v.{f.name}", "enc") for f in fields)
        lines.append(f"def enc_{name}(v): return [{n}, {enc}]")
        # A record is made as its __init__ would make it, each field set through its slot's
        # descriptor: a frozen dataclass's __init__ goes through object.__setattr__ for each
        # field, which made decoding a prepared document from the cache 2.3 times slower. A record
        # without slots (a Diagnostic) is made by its class.
        values = [_field_code(str(f.type), f"v[{i + 1}]", "dec") for i, f in enumerate(fields)]
        if "__slots__" not in cls.__dict__:
            lines.append(f"def dec_{name}(v): return C_{name}({', '.join(values)})")
            continue
        sets = []
        for f, value in zip(fields, values):
            scope[f"S_{name}_{f.name}"] = getattr(cls, f.name).__set__
            sets.append(f"S_{name}_{f.name}(o, {value})")
        lines.append(f"def dec_{name}(v):\n    o = new(C_{name})\n    " + "\n    ".join(sets) + "\n    return o")
    exec("\n".join(lines), scope)  # noqa: S102 - code generated from our own dataclass fields
    return ({cls: scope[f"enc_{cls.__name__}"] for cls in CLASSES},
            [scope[f"dec_{cls.__name__}"] for cls in CLASSES])


def encode(value: Any) -> Any:
    """A value whose records are [number, *fields] lists; pickle does the rest."""
    kind = type(value)
    if kind is tuple:
        return tuple([encode(v) for v in value])
    enc = _ENCODERS.get(kind)
    return value if enc is None else enc(value)


def decode(value: Any) -> Any:
    kind = type(value)
    if kind is tuple:
        return tuple([decode(v) for v in value])
    if kind is list:
        return _DECODERS[value[0]](value)
    return value


_ENCODERS, _DECODERS = _compile()


def encode_all(values: Sequence[Any]) -> list[Any]:
    return [encode(v) for v in values]


def decode_all(values: Sequence[Any]) -> list[Any]:
    return [decode(v) for v in values]
