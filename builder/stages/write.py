"""Write the site atomically: build it beside the output folder, then swap it in.

A failed build never reaches this stage, and a crash during it leaves the
previous site in place: readers see the old site or the new one, never half.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

from builder.models import SitePath


def write_site(files: Mapping[SitePath, bytes], out: Path) -> None:
    with Staging(out) as staging:
        staging.finish(files)


class Staging:
    """A new site written beside `out`, swapped in by finish(); removed if never finished.

    Files can be written in several batches (pages while the search index is still being
    built, then the rest), each file once.
    """

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.folder: Path | None = None
        self._root = ""
        self._made = {""}
        self._written: set[str] = set()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def open(self) -> None:
        """Make the staging folder now: before forking a process that writes into it."""
        if self.folder is None:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-", dir=self.out.parent))
            self._root = str(self.folder.resolve())

    def written(self, paths: Iterable[SitePath]) -> None:
        """Files that a forked process wrote into the open folder: finish() leaves them be."""
        self._written.update(paths)

    def write(self, files: Mapping[SitePath, bytes]) -> None:
        self.open()
        for rel in sorted(files):
            if rel in self._written:
                continue
            # The staging folder is new and holds only what this class writes (no links), so a
            # path that is relative and has no '..' stays inside it: no per-file resolve() needed.
            parts = rel.split("/")
            if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"refusing to write outside the site: {rel}")
            folder = "/".join(parts[:-1])
            if folder not in self._made:
                os.makedirs(os.path.join(self._root, folder), exist_ok=True)
                self._made.add(folder)
            with open(os.path.join(self._root, rel), "wb") as f:
                f.write(files[rel])
            self._written.add(rel)

    def finish(self, files: Mapping[SitePath, bytes]) -> None:
        """Write what is still missing of `files`, then put the new site in place of the old."""
        self.write(files)
        assert self.folder is not None
        os.chmod(self.folder, 0o755)
        swap(self.folder, self.out)
        self.folder = None


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
