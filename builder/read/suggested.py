"""How many suggestions wait in annotations/*.suggested.yaml, for `glossator check`'s summary."""

from __future__ import annotations

import yaml

from builder.read.files import CorpusFiles

SECTIONS = ("quotes", "dates", "mentions", "entities")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def waiting(files: CorpusFiles) -> int:
    """Entries in every suggestions file; a file that cannot be read or parsed counts none (the
    build never reads these files, so their problems are not the corpus's)."""
    count = 0
    for rel in files.suggested():
        source = files.text(rel)
        try:
            loaded = yaml.load(source.text, Loader=_LOADER) if source is not None and source.text else None
        except yaml.YAMLError:
            continue
        if isinstance(loaded, dict):
            count += sum(len(v) for k, v in loaded.items() if k in SECTIONS and isinstance(v, list))
    return count
