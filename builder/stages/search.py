"""Search index: not built yet (the search issue replaces this module)."""

from __future__ import annotations

from builder.models import Linked, SitePath


def build_index(linked: Linked) -> dict[SitePath, bytes]:
    return {}
