"""Suggestions in the sidecar's own keys: a plain dict (for JSON) and the text of
`annotations/<id>.suggested.yaml`, which opens with the header that marks it as Glossator's."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import yaml

from builder.core.models import Selector
from builder.suggest.records import Drafted, ProposedEntity, Suggestion

HEADER = "# Suggested by Glossator"


def _selector(s: Selector) -> dict[str, Any]:
    out: dict[str, Any] = {"text": s.text}
    if s.prefix:
        out["prefix"] = s.prefix
    if s.suffix:
        out["suffix"] = s.suffix
    if s.occurrence is not None:
        out["occurrence"] = s.occurrence
    return out


def suggestion(s: Suggestion) -> dict[str, Any]:
    out = _selector(s.selector)
    if s.kind == "quote":
        out["speaker"] = s.speaker
    elif s.kind == "date":
        out["date"] = s.date
    else:
        out["entity"] = s.entity
    out["confidence"] = s.confidence
    out["why"] = s.why
    return out


def entity(e: ProposedEntity) -> dict[str, Any]:
    return {"id": e.id, "name": e.name, "kind": e.kind, "passages": [_selector(p) for p in e.passages],
            "confidence": e.confidence, "why": e.why}


def as_dict(d: Drafted) -> dict[str, list[dict[str, Any]]]:
    return {"quotes": [suggestion(s) for s in d.quotes], "dates": [suggestion(s) for s in d.dates],
            "mentions": [suggestion(s) for s in d.mentions], "entities": [entity(e) for e in d.entities]}


def rejection(kind: str, s: Selector) -> dict[str, Any]:
    """A rejected passage as the `rejected:` list keeps it."""
    return {"kind": kind, **_selector(s)}


def yaml_text(d: Drafted, rejected: Sequence[tuple[str, Selector]] = ()) -> str:
    body = {k: v for k, v in as_dict(d).items() if v}
    if rejected:
        body["rejected"] = [rejection(kind, s) for kind, s in rejected]
    return text_of(d.doc, body)


def text_of(doc: str, body: Mapping[str, Any]) -> str:
    """A suggestions file: the header, then the sections that have entries."""
    head = (f"{HEADER} for {doc}: drafts, not part of the site (the build ignores this file).\n"
            f"# Review each entry; move the ones you accept into annotations/{doc}.yaml, without their\n"
            "# confidence and why; proposed entities go into annotations/entities.yaml. glossator suggest\n"
            "# rewrites this file each time it runs: keep nothing of your own here ('rejected:' lists the\n"
            "# passages you turned down in glossator serve, which are not proposed again).\n")
    kept = {k: v for k, v in body.items() if v}
    return head + (yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
                   if kept else "")
