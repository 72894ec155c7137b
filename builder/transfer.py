"""Send frozen records between processes as plain tuples, four times cheaper than pickle.

pickle handles a slotted frozen dataclass through Python-level __getstate__ and
__setstate__ calls: ~8 µs per record, more than preparing a document costs, so a
worker that prepares half the corpus would spend its gain sending it back. Here a
record travels as a list `[class number, field, field, …]` (a list, because records
never hold lists: tuples stay tuples), which pickle packs in C; the receiver calls
the class itself. Only the record classes named in `CLASSES` travel this way;
anything else (str, int, None, date) is left for pickle.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from builder import diagnostics, edtf, models

CLASSES: tuple[type, ...] = (
    models.Where, models.Block, models.DocMeta, models.RawDoc, models.Selector, models.Annotation,
    models.Edit, models.Paragraph, models.CleanDoc, models.Span, models.AnchoredDoc,
    edtf.Point, edtf.Edtf, diagnostics.Diagnostic,
)
_NUMBER = {cls: n for n, cls in enumerate(CLASSES)}


def _plain(annotation: str) -> bool:
    """Does a field of this declared type hold only str/int/bool/None/date (nothing to convert)?"""
    words = set(annotation.replace("[", " ").replace("]", " ").replace("|", " ").replace(",", " ").split())
    return not words & ({cls.__name__ for cls in CLASSES} | {"tuple", "Edtf"})


def _compile() -> tuple[dict[type, Any], list[Any]]:
    """One encoder and one decoder per class, written out field by field: walking every
    field generically costs more than pickle saves."""
    encoders: dict[type, Any] = {}
    decoders: list[Any] = []
    scope: dict[str, Any] = {"encode": encode, "decode": decode}
    for n, cls in enumerate(CLASSES):
        fields = dataclasses.fields(cls)
        enc = ", ".join(f"v.{f.name}" if _plain(str(f.type)) else f"encode(v.{f.name})" for f in fields)
        dec = ", ".join(f"v[{i + 1}]" if _plain(str(f.type)) else f"decode(v[{i + 1}])" for i, f in enumerate(fields))
        scope[f"C{n}"] = cls
        exec(f"def enc{n}(v): return [{n}, {enc}]\ndef dec{n}(v): return C{n}({dec})", scope)  # noqa: S102
        encoders[cls] = scope[f"enc{n}"]
        decoders.append(scope[f"dec{n}"])
    return encoders, decoders


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
