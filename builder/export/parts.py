"""The exports as a build makes them: in parts, each made in one go by a worker that makes pages
(pages and parts share one map, builder.run.pipeline), and each given how to get a chunk of a
file (pieces.Chunk), which a build cache keeps (builder.run.kept)."""

from __future__ import annotations

from functools import partial
from typing import Callable

from builder.core import pieces
from builder.core.models import Linked, SitePath
from builder.export import tables, w3c

PATHS = (w3c.PATH, *tables.PATHS)   # every site has them, whatever its corpus

# annotations.jsonld, then the data files (whose quote rows two of them share). Named as no page
# is. Each is given the linked corpus, the base URL and how to get a chunk of a file.
PARTS: dict[str, Callable[[Linked, str, pieces.Chunk], dict[SitePath, pieces.Content]]] = {
    "export:w3c": lambda linked, base_url, chunk: {w3c.PATH: pieces.Pieces(partial(w3c.pieces, linked, base_url, chunk))},
    "export:tables": tables.tables,
}

# Whether a part reads the documents (the W3C export: notes, selectors), or only what linking
# made of their summaries (the data files): the build cache names it accordingly.
READS_DOCUMENTS = {"export:w3c": True, "export:tables": False}
assert READS_DOCUMENTS.keys() == PARTS.keys()


def made(linked: Linked, base_url: str) -> dict[SitePath, bytes]:
    """Every export, whole, made from the linked corpus and the site's base URL alone."""
    return {path: pieces.joined(data) for part in PARTS.values()
            for path, data in part(linked, base_url, pieces.computed).items()}
