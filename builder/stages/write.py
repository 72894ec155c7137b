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
        for rel in sorted(files):
            target = staging / rel
            if not target.resolve().is_relative_to(staging.resolve()):
                raise ValueError(f"refusing to write outside the site: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
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
