"""Writing `annotations/<id>.suggested.yaml`: only over a file Glossator wrote itself.

A file of that name that does not open with Glossator's header (output.HEADER), or that is
a link or not a regular file, is an author's: it is refused, with a positioned error, and
nothing is written. Files are written whole (a temporary file renamed into place); a file
of Glossator's for a document with nothing left to suggest is removed.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Mapping

from builder.core.diagnostics import Diagnostic, error
from builder.read.files import read_bytes
from builder.suggest.output import HEADER

SUFFIX = ".suggested.yaml"


def target(corpus_dir: Path, doc: str) -> Path:
    return corpus_dir / "annotations" / f"{doc}{SUFFIX}"


def refusal(corpus_dir: Path, doc: str) -> Diagnostic | None:
    """Why annotations/<doc>.suggested.yaml may not be replaced, or None when it may (absent, or Glossator's)."""
    path = target(corpus_dir, doc)
    rel = f"annotations/{doc}{SUFFIX}"
    hint = f"rename or move {rel} (it is not Glossator's), then run glossator suggest again"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        return error(rel, 1, 1, "this is a link or not a regular file, so suggest will not write over it", hint)
    data, problem = read_bytes(path, within=corpus_dir, max_bytes=64 * 1024 * 1024)
    if problem is not None or data is None or not data.startswith(HEADER.encode()):
        return error(rel, 1, 1, f"this file does not start with '{HEADER}', so Glossator did not write it "
                                "and will not overwrite it", hint)
    return None


def write(corpus_dir: Path, texts: Mapping[str, str | None]) -> tuple[int, int]:
    """Each document's file written (text) or, if Glossator's, removed (None); (written, removed)."""
    written = removed = 0
    folder = corpus_dir / "annotations"
    for doc, text in sorted(texts.items()):
        path = target(corpus_dir, doc)
        if text is None:
            if os.path.lexists(path):
                path.unlink()
                removed += 1
            continue
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{doc}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(temp, path)
        written += 1
    return written, removed
