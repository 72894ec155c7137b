"""Slugs and site-relative links: the one place that knows how pages are named.

Every internal link is relative and names a file, so one build works on GitHub
Pages under any sub-path, on any static server and from file://.
"""

from __future__ import annotations

import re
import unicodedata

from builder.core.models import DocId, EntityId, SitePath


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def doc_page(doc: DocId) -> SitePath:
    return SitePath(f"docs/{doc}.html")


def entity_page(entity: EntityId, number: int = 1) -> SitePath:
    """An entity's page, or (`number` from 2) a later page of an entity with too much for one."""
    return SitePath(f"entities/{entity}.html") if number == 1 else SitePath(f"entities/{entity}/{number}.html")


def timeline_page(period: str) -> SitePath:
    """A page of a timeline too long for one: a year ("2021"), a month ("2021-08") or "undated"."""
    return SitePath(f"timeline/{period}.html")


def subject(page: str) -> tuple[str, str, str]:
    """What a document's, an entity's or a timeline period's page is of, read back from its path
    (the inverse of doc_page, entity_page and timeline_page): its section ("docs", "entities",
    "timeline"), the id or period, and an entity page's number as its path writes it ("" for the
    first). ("", "", "") for any other page."""
    section, slash, rest = page.partition("/")
    if not slash or section not in ("docs", "entities", "timeline"):
        return "", "", ""
    name, _, number = rest[:-5].partition("/") if section == "entities" else (rest[:-5], "", "")
    return section, name, number


def documents_page(number: int) -> SitePath:
    """A page of a documents list too long for one, from the second (the first is the home page)."""
    return SitePath("index.html") if number == 1 else SitePath(f"documents/{number}.html")


def relative(target: SitePath, from_page: SitePath, fragment: str = "") -> str:
    """A link from one site file to another, relative, naming the file."""
    folder = from_page[:from_page.rfind("/") + 1]
    if target.startswith(folder):             # in that folder or below it (every target, from the root)
        rel = target[len(folder):]
    elif folder.count("/") == 1:              # one folder deep: up, then down
        rel = "../" + target
    else:
        rel = _relative(target, folder)
    return f"{rel}#{fragment}" if fragment else rel


def _relative(target: str, folder: str) -> str:
    """`target` from a page in `folder` ('' or ending in '/'), in general."""
    here = folder.split("/")[:-1]
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "../" * (len(here) - common) + "/".join(there[common:])


def root_prefix(page: SitePath) -> str:
    """The path from a page back to the site root: '' or '../'."""
    depth = page.count("/")
    return "../" * depth
