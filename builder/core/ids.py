"""Ids: what they may be, how long, and which one a wrong value most likely meant.

Document, entity and annotation ids name the site's files and fragments (docs/<id>.html,
entities/<id>.html, #<id>); builder/schemas/*.json say the same (pattern, maxLength).
"""

from __future__ import annotations

import difflib
import re
from typing import AbstractSet

from builder.core.urls import slugify

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
# 100 characters keeps every file name far below the 255 bytes file systems allow.
MAX_LENGTH = 100
TOO_LONG_HINT = f"shorten it to {MAX_LENGTH} characters or fewer: ids name the pages and links of the site"


def too_long(what: str, value: str) -> str:
    return f"{what} '{value[:40]}…' is longer than {MAX_LENGTH} characters ({len(value)})"


def shown(value: object) -> str:
    """A value quoted for a message: control characters escaped, a long one cut."""
    text = str(value)
    text = text if len(text) <= 60 else text[:57] + "…"
    return repr(text) if not text.isprintable() else f"'{text}'"


def closest(value: str, ids: AbstractSet[str]) -> str | None:
    """The id a name, or a misspelt id, written in its place most likely means: the id its
    words make, the one id that holds all of them, or the closest in spelling."""
    slug = slugify(value)
    if slug in ids:
        return slug
    words = set(slug.split("-")) - {""}
    holding = [i for i in sorted(ids) if words and words <= set(i.split("-"))]
    if len(holding) == 1:
        return holding[0]
    close = difflib.get_close_matches(slug or value, sorted(ids), n=1)
    return close[0] if close else None


def hint(value: str, ids: AbstractSet[str] | None = None, what: str = "ids") -> str:
    """'did you mean …' with an id of this corpus, else what an id looks like, made from the value."""
    close = closest(value, ids) if ids else None
    if close:
        return f"did you mean '{close}'? {what} are lowercase letters, digits and '-', not names"
    slug = slugify(value)[:MAX_LENGTH].strip("-")
    return f"{what} are lowercase letters, digits and '-'" + (f", e.g. '{slug}'" if slug else "")
