"""The suggestions files, `annotations/<id>.suggested.yaml`, as data: how many wait (for
`glossator check`'s summary), their entries (for `glossator serve`'s ghost highlights), and
the passages the author rejected (which `glossator suggest` does not propose again)."""

from __future__ import annotations

import hashlib
from typing import Any

import yaml

from builder.core.models import Selector
from builder.read.files import CorpusFiles

SECTIONS = ("quotes", "dates", "mentions", "entities")
KINDS = {"quotes": "quote", "dates": "date", "mentions": "mention"}    # sections of drafted annotations
REJECTED = "rejected"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parsed(text: str | None) -> dict[str, Any] | None:
    """The file's data, or None when it is absent, empty or not a YAML mapping."""
    try:
        loaded = yaml.load(text, Loader=_LOADER) if text else None
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None


def waiting(files: CorpusFiles) -> int:
    """Entries in every suggestions file; a file that cannot be read or parsed counts none (the
    build never reads these files, so their problems are not the corpus's)."""
    count = 0
    for rel in files.suggested():
        source = files.text(rel)
        loaded = parsed(source.text if source is not None else None)
        if loaded is not None:
            count += sum(len(v) for k, v in loaded.items() if k in SECTIONS and isinstance(v, list))
    return count


def selector_of(item: object) -> Selector | None:
    """An entry's text quote selector, or None when the entry has none that could anchor."""
    if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"]:
        return None
    occurrence = item.get("occurrence")
    return Selector(item["text"], str(item.get("prefix") or ""), str(item.get("suffix") or ""),
                    occurrence if isinstance(occurrence, int) and not isinstance(occurrence, bool) else None)


def suggestion_id(section: str, item: dict[str, Any]) -> str:
    """A suggestion's name in the file: its kind and a hash of its selector and value (the same
    entry has the same name in every run of suggest, and two entries never share one)."""
    key = "\x1f".join(str(item.get(k, "")) for k in ("text", "prefix", "suffix", "occurrence", "speaker", "date",
                                                      "entity"))
    return f"{KINDS.get(section, section)}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def rejected(data: dict[str, Any] | None) -> tuple[tuple[str, Selector], ...]:
    """The passages rejected, as (kind, selector): the `rejected:` list the server keeps."""
    items = data.get(REJECTED) if data else None
    out = []
    for item in items if isinstance(items, list) else []:
        sel = selector_of(item)
        if sel is not None and isinstance(item.get("kind"), str):
            out.append((item["kind"], sel))
    return tuple(out)
