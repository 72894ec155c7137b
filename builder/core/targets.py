"""The link-target grammar, parsed in one place: `doc:<id>`, `doc:<id>#<annotation id>`,
`entity:<id>`, or an http(s) or mailto URL (the sidecar schema checks the syntax first)."""

from __future__ import annotations

from builder.core.models import Target


def parse(text: str) -> Target:
    if text.startswith("doc:"):
        doc, _, fragment = text[4:].partition("#")
        return Target("doc", doc, fragment)
    if text.startswith("entity:"):
        return Target("entity", text[7:])
    return Target("url", text)
