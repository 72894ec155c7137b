"""A Hypothesis export, read: the annotations of the Hypothesis API's JSON, with where each is.

Accepted shapes: a list of annotations, the API's search answer (`{"rows": [...]}`), or the
client's export file (`{"annotations": [...]}`). Of each annotation: `id`, `uri` (or its
target's `source`), `text`, `tags`, `references` (a reply) and the target's
`TextQuoteSelector` (`exact`, `prefix`, `suffix`) and `TextPositionSelector` (`start`, `end`).
Every problem is a diagnostic at the file's line and column, never an exception.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from typing import Any

from builder.core.diagnostics import Diagnostic, error
from builder.core.models import HypothesisAnnotation as Annotation, Where

MAX_BYTES = 64 * 1024 * 1024
SHAPE_HINT = 'a Hypothesis export: a list of annotations, {"rows": [...]} from the API, or {"annotations": [...]}'


def _positions(text: str) -> tuple[Any, dict[int, int]]:
    """The parsed JSON, and the offset of every object's `{` by the object's id()."""
    starts: dict[int, int] = {}
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *rest: Any) -> tuple[Any, int]:
        obj, after = json.decoder.JSONObject(s_and_end, *rest)
        starts[id(obj)] = s_and_end[1] - 1
        return obj, after

    decoder.parse_object = parse_object               # type: ignore[assignment]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)   # the pure-Python scanner calls parse_object
    return decoder.decode(text), starts


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse(text: str, path: str) -> tuple[tuple[Annotation, ...], tuple[Diagnostic, ...]]:
    try:
        data, starts = _positions(text)
    except json.JSONDecodeError as exc:
        return (), (error(path, exc.lineno, exc.colno, f"not JSON: {exc.msg}", SHAPE_HINT),)
    except RecursionError:
        return (), (error(path, 1, 1, "not a Hypothesis export: nested too deeply", SHAPE_HINT),)

    def where(obj: object, key: str = "") -> Where:
        offset = starts.get(id(obj), 0)
        if key:
            found = text.find(json.dumps(key), offset)
            offset = found if found != -1 else offset
        return Where(path, *_line_col(text, offset))   # type: ignore[arg-type]

    rows = data
    if isinstance(data, dict):
        rows = data.get("rows", data.get("annotations"))
        if rows is None and "uri" in data:
            rows = [data]
    if not isinstance(rows, list):
        w = where(data)
        return (), (error(path, w.line, w.column, "not a Hypothesis export", SHAPE_HINT),)
    out: list[Annotation] = []
    found: list[Diagnostic] = []
    for n, row in enumerate(rows, 1):
        annotation, problems = _annotation(row, n, where)
        found += problems
        if annotation is not None:
            out.append(annotation)
    return tuple(out), tuple(found)


def _annotation(row: object, n: int, where: Any) -> tuple[Annotation | None, list[Diagnostic]]:
    w = where(row)
    if not isinstance(row, dict):
        return None, [error(w.path, w.line, w.column, f"annotation {n} is not an object", SHAPE_HINT)]
    problems = []
    for key, kind in (("id", str), ("uri", str), ("text", str), ("tags", list), ("target", list), ("references", list)):
        if key in row and row[key] is not None and not isinstance(row[key], kind):
            k = where(row, key)
            problems.append(error(k.path, k.line, k.column, f"annotation {n}: '{key}' should be a"
                                  f"{'n array' if kind is list else ' string'}, not {type(row[key]).__name__}"))
    if problems:
        return None, problems
    tags = row.get("tags") or []
    bad_tags = [t for t in tags if not isinstance(t, str)]
    if bad_tags:
        k = where(row, "tags")
        return None, [error(k.path, k.line, k.column, f"annotation {n}: tags should be strings")]
    targets = row.get("target") or []
    quote: dict[str, Any] = {}
    position: dict[str, Any] = {}
    source = ""
    for t in targets:
        if not isinstance(t, dict):
            continue
        source = source or (t.get("source") if isinstance(t.get("source"), str) else "")
        for sel in t.get("selector") or []:
            if isinstance(sel, dict) and sel.get("type") == "TextQuoteSelector" and not quote:
                quote = sel
            elif isinstance(sel, dict) and sel.get("type") == "TextPositionSelector" and not position:
                position = sel
    for sel, keys in ((quote, ("exact", "prefix", "suffix")), (position, ("start", "end"))):
        for key in keys:
            value = sel.get(key)
            kind = int if sel is position else str
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                k = where(sel, key)
                return None, [error(k.path, k.line, k.column, f"annotation {n}: selector '{key}' should be a"
                                    f"{'n integer' if kind is int else ' string'}")]
    uri = row.get("uri") or source
    return Annotation(
        id=row.get("id") or "", uri=uri, where=w, exact=quote.get("exact") or "", prefix=quote.get("prefix") or "",
        suffix=quote.get("suffix") or "", start=position.get("start"), text=row.get("text") or "",
        tags=tuple(tags), tags_where=where(row, "tags") if tags else None, reply=bool(row.get("references")),
    ), []
