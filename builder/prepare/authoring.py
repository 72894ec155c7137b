"""A selection in a document's reading text made a sidecar entry, for `glossator serve`'s
authoring API (pure: the server reads and writes the files, builder.commands.authoring).

- The selection is found as `build` finds a text quote selector (builder.prepare.anchoring):
  its `text` with the `prefix`/`suffix` or `occurrence` sent; when those do not fit exactly
  (a browser's idea of the spacing around a passage), the occurrence whose surroundings agree
  best, as `glossator import` matches a Hypothesis selection, and only when that one is clear.
- A selection that starts inside an existing annotation and ends outside it (or the other way
  round) is refused: it is nearly always a slip of the mouse.
- The entry gets the shortest selector that names the passage alone (the one `glossator
  import` writes), and an `id` only when the one `build` would derive is taken already.
"""

from __future__ import annotations

from typing import AbstractSet, Mapping

from builder.core.diagnostics import Diagnostic, error
from builder.core.models import (
    AnchoredDoc, Annotation, AnnotationId, HypothesisAnnotation, Selector, SourcePath, Span, Where,
)
from builder.prepare.anchoring import closest_passage, derived_id, locate, source_line
from builder.prepare.hypothesis import ranked, selector

Fields = tuple[tuple[str, object], ...]
SELECTOR_KEYS = ("text", "prefix", "suffix", "occurrence")
HINT = ("send the selection's text exactly as the page shows it, with a few words before it (prefix) or after it "
        "(suffix), or its occurrence")


def _where(doc: AnchoredDoc, offset: int) -> tuple[str, int]:
    return f"seeds/{doc.meta.file}", source_line(doc.doc, offset)


def find(doc: AnchoredDoc, wanted: Selector, start: int | None = None) -> tuple[tuple[int, int] | None, Diagnostic | None]:
    """Where in the reading text the selection is: [start, end), or why it cannot be placed."""
    text = doc.doc.text
    path = f"seeds/{doc.meta.file}"
    if not wanted.text.strip():
        return None, error(path, 1, 1, "the selection is empty", "select some words of the reading text")
    at, hits, fitting = locate(doc.doc, wanted)
    if at is not None:
        return (at, at + len(wanted.text)), None
    if wanted.occurrence is not None and fitting:
        return None, error(path, 1, 1, f"occurrence {wanted.occurrence} of {_short(wanted.text)} does not exist "
                           f"(it occurs {len(fitting)} time{'s' * (len(fitting) != 1)})", HINT)
    found = ranked(text, HypothesisAnnotation("", "", Where(SourcePath(path), 1, 1), exact=wanted.text,
                                              prefix=wanted.prefix, suffix=wanted.suffix, start=start))
    if not found:
        close = closest_passage(text, wanted.text)
        hint = (f"the closest passage, line {source_line(doc.doc, close[1])}: {close[0]!r}" if close else HINT)
        return None, error(path, 1, 1, f"{_short(wanted.text)} is not in the reading text of {doc.meta.id}", hint)
    clear = len(found) == 1 or found[0][1] > found[1][1] or (
        start is not None and abs(found[0][0][0] - start) < abs(found[1][0][0] - start))
    if not clear:
        lines = [f"line {source_line(doc.doc, h)}: …{text[max(0, h - 24):h]}[{text[h:e]}]{text[e:e + 24]}…"
                 for (h, e), _ in found[:6]]
        return None, error(path, 1, 1, f"{_short(wanted.text)} occurs {len(found)} times in {doc.meta.id} and the "
                           "prefix/suffix sent do not say which", "\n".join([HINT, *lines]))
    return found[0][0], None


def crossed(doc: AnchoredDoc, start: int, end: int) -> Span | None:
    """The first annotation whose edge the selection [start, end) crosses (one of the two is
    not inside the other), if any."""
    for s in doc.spans:
        if s.start < start < s.end < end or start < s.start < end < s.end:
            return s
    return None


def entry(doc: AnchoredDoc, kind: str, wanted: Selector, fields: Mapping[str, object], taken: AbstractSet[str],
          start: int | None = None) -> tuple[Fields, AnnotationId, tuple[int, int]] | Diagnostic:
    """The new entry's keys in the order they are written (id, text, prefix/suffix/occurrence,
    then `fields` as sent), its id and where it is; or why the selection cannot be saved.
    `taken`: the annotation ids the document's sidecar uses already."""
    where, problem = find(doc, wanted, start)
    if where is None:
        assert problem is not None
        return problem
    crossing = crossed(doc, *where)
    if crossing is not None:
        path, line = _where(doc, where[0])
        what = f"the {'name' if crossing.auto else crossing.kind} {_short(doc.doc.text[crossing.start:crossing.end])}"
        return error(path, line, 1, f"the selection {_short(doc.doc.text[where[0]:where[1]])} crosses the edge of "
                     f"{what} ({crossing.id}): one of the two must lie inside the other",
                     "select the whole annotation, or words inside it or beside it")
    keys = selector(doc.doc.text, *where)
    written = dict(keys)
    given = fields.get("id")
    ann_id = str(given) if given else derived_id(Annotation(kind, Selector(  # type: ignore[arg-type]
        str(written["text"]), str(written.get("prefix", "")), str(written.get("suffix", "")),
        written.get("occurrence")), Where(SourcePath(""), 1, 1)))   # type: ignore[arg-type]
    explicit = bool(given)
    if not given and ann_id in taken:
        n = 2
        while f"{ann_id}-{n}" in taken:
            n += 1
        ann_id, explicit = f"{ann_id}-{n}", True
    rest = tuple((k, v) for k, v in fields.items() if k != "id" and k not in SELECTOR_KEYS)
    return ((("id", ann_id),) if explicit else ()) + keys + rest, AnnotationId(ann_id), where


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "…")
