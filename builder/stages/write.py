"""Write the site atomically: build it beside the output folder, then swap it in.

A failed build never reaches this stage, and a crash during it leaves the
previous site in place: readers see the old site or the new one, never half.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from builder.models import SitePath


def write_site(files: Mapping[SitePath, bytes], out: Path) -> None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        root = str(staging.resolve())
        made = {""}
        for rel in sorted(files):
            # The staging folder is new and holds only what this loop writes (no links), so a
            # path that is relative and has no '..' stays inside it: no per-file resolve() needed.
            parts = rel.split("/")
            if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"refusing to write outside the site: {rel}")
            folder = "/".join(parts[:-1])
            if folder not in made:
                os.makedirs(os.path.join(root, folder), exist_ok=True)
                made.add(folder)
            with open(os.path.join(root, rel), "wb") as f:
                f.write(files[rel])
        os.chmod(staging, 0o755)
        swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap(staging: Path, out: Path) -> None:
    """Replace `out` with `staging` using renames, so the switch is (nearly) instant."""
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
