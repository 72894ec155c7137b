"""Write the site atomically: build it beside the output folder, then swap it in.

A failed build never reaches this stage, and a crash during it leaves the
previous site in place: readers see the old site or the new one, never half.

- The output folder is checked before anything is touched (`output_problem`): it may
  never be the corpus, hold it, look like a corpus, or lie inside its seeds/,
  annotations/ or themes/; and a folder that exists, is not empty and was not written
  by Glossator is replaced only when the author says so (--force).
- Every site carries a marker file (`MARKER`) that says Glossator wrote it.
- The new site is made in a staging folder beside the output folder, locked (flock)
  for as long as its build runs, and swapped in with one atomic exchange
  (renameat2(RENAME_EXCHANGE), Linux) where the system has one, else with two renames.
- Staging folders left by builds that were killed (their lock is free) are removed by
  the next build; their names are git-ignored (`STAGING_GLOB`).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from builder.core import pieces
from builder.core.models import SitePath

MARKER = ".glossator-site"
MARKER_TEXT = (b"This folder was written by Glossator (glossator build). Each build replaces it whole:\n"
               b"do not keep anything else in it.\n")
CORPUS_PARTS = ("seeds", "annotations", "themes", "glossator.toml")
STAGING = ".glossator-"            # staging folders: .<out name>.glossator-<new|old|init>-XXXXXXXX
STAGING_GLOB = ".*.glossator-*/"   # the .gitignore line that covers them
_LEGACY = ("new-", "old-")          # what builds before the marker named them: .<out name>.new-XXXXXXXX
_INIT_GRACE = 60.0                  # seconds: an -init- folder younger than this may still be taking its lock


@dataclass(frozen=True)
class OutputProblem:
    message: str
    hint: str
    always: bool     # True: no flag can override it (it would replace the corpus itself)


def output_problem(corpus_dir: Path, out: Path, force: bool = False) -> OutputProblem | None:
    """Why building into `out` could lose someone's files, or None when it is safe."""
    corpus = Path(os.path.realpath(corpus_dir))
    target = Path(os.path.realpath(out))
    inside = "choose a folder of its own, e.g. site (the default) or _site"
    if target == corpus:
        return OutputProblem("the output folder is the corpus folder itself: the build would replace seeds/ and "
                             "annotations/", inside, True)
    if corpus.is_relative_to(target):
        return OutputProblem(f"the output folder {target} holds the corpus: the build would replace it", inside, True)
    for part in CORPUS_PARTS[:3]:
        if target.is_relative_to(corpus / part):
            return OutputProblem(f"the output folder is inside the corpus's {part}/ folder", inside, True)
    if target.exists() and not target.is_dir():
        return OutputProblem(f"{target} exists and is not a folder", "choose a folder for the site", True)
    held = [p for p in CORPUS_PARTS if (target / p).exists()]
    if held:
        return OutputProblem(f"the output folder {target} holds {', '.join(held)}: it looks like a corpus",
                             inside, True)
    if not force and not replaceable(target):
        return OutputProblem(
            f"the output folder {target} already exists, is not empty and was not written by Glossator: "
            f"the build would delete what it holds",
            "choose another folder, or empty it; if it is an old site, pass --force to replace it", False)
    return None


def replaceable(folder: Path) -> bool:
    """May a build replace `folder`? When it is missing or empty, or holds a site Glossator wrote:
    one with the marker, or one that an earlier version built (its home page names Glossator
    as its generator, or it has the files every Glossator site has)."""
    if not folder.is_dir():
        return True
    try:
        if next(os.scandir(folder), None) is None:
            return True
    except OSError:
        return False
    if (folder / MARKER).is_file():
        return True
    index = folder / "index.html"
    if not index.is_file():
        return False
    try:
        with open(index, "rb") as f:
            head = f.read(4096).lower()
    except OSError:
        return False
    if b'<meta name="generator" content="glossator' in head:
        return True
    return all((folder / p).exists() for p in (".nojekyll", "404.html", "search.html", "static/style.css"))


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
        self._lock: int | None = None
        self._root = ""
        self._made = {""}
        self._written: set[str] = set()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def open(self) -> None:
        """Make the staging folder now: before forking a process that writes into it."""
        if self.folder is None:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(self.out)
            self.folder, self._lock = _locked_folder(self.out, "new")
            self._root = str(self.folder)

    def written(self, paths: Iterable[SitePath]) -> None:
        """Files that a forked process wrote into the open folder: finish() leaves them be."""
        self._written.update(paths)

    def where(self) -> Path:
        """Where the new site's files are: the staging folder until finish(), then `out`."""
        return self.folder if self.folder is not None else self.out

    def site(self, files: Mapping[SitePath, bytes]) -> Mapping[SitePath, bytes]:
        """`files` and every file forked processes wrote here, as one site (see OnDisk)."""
        return OnDisk(files, frozenset(self._written), self.where)

    def write(self, files: Mapping[SitePath, pieces.Content]) -> None:
        self.open()
        for rel in sorted(files):
            if rel in self._written:
                continue
            # The staging folder is new and holds only what this class writes (no links), so a
            # path that is relative and has no '..' stays inside it: no per-file resolve() needed.
            parts = rel.split("/")
            if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts) or rel == MARKER:
                raise ValueError(f"refusing to write outside the site: {rel}")
            folder = "/".join(parts[:-1])
            if folder not in self._made:
                os.makedirs(os.path.join(self._root, folder), exist_ok=True)
                self._made.add(folder)
            with open(os.path.join(self._root, rel), "wb") as f:
                pieces.write(f, files[rel])
            self._written.add(rel)

    def finish(self, files: Mapping[SitePath, bytes]) -> None:
        """Write what is still missing of `files` and the marker, then put the new site in place of the old."""
        self.write(files)
        assert self.folder is not None
        (self.folder / MARKER).write_bytes(MARKER_TEXT)
        os.chmod(self.folder, 0o755)
        swap(self.folder, self.out)
        self.folder = None


def _locked_folder(out: Path, kind: str) -> tuple[Path, int]:
    """A new, empty folder beside `out`, named as staging of `kind`, with an exclusive lock held on it.

    It is made under an -init- name and renamed once locked, so that another build's
    clean-up never sees an unlocked -new- folder that is in use."""
    made = Path(tempfile.mkdtemp(prefix=f".{out.name}{STAGING}init-", dir=out.parent))
    fd = os.open(made, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    fcntl.flock(fd, fcntl.LOCK_EX)
    final = made.with_name(made.name.replace(f"{STAGING}init-", f"{STAGING}{kind}-", 1))
    os.rename(made, final)
    return final, fd


def remove_stale(out: Path) -> list[str]:
    """Remove the staging folders beside `out` that builds killed mid-way left behind (no
    process holds their lock any more); the names of those removed."""
    removed = []
    prefix = f".{out.name}"
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        ours = rest.startswith(STAGING) and rest[len(STAGING):][:4] in ("new-", "old-", "init")
        legacy = rest.startswith(".") and rest[1:5] in _LEGACY and len(rest) == 13   # mkdtemp's 8 characters
        if not (ours or legacy) or not entry.is_dir(follow_symlinks=False):
            continue
        if rest[len(STAGING):].startswith("init") and time.time() - entry.stat(follow_symlinks=False).st_mtime < _INIT_GRACE:
            continue
        if _unlocked(entry.path):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(name)
    return removed


def _unlocked(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def swap(staging: Path, out: Path) -> None:
    """Put `staging` in the place of `out` in one atomic step where the system allows it."""
    if not out.exists():
        staging.rename(out)
        return
    if exchange(staging, out):     # staging now holds the old site
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}{STAGING}old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Callable[..., int] | None:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    return fn


_EXCHANGE = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE): True when done, False
    where the system or the file system cannot (the caller falls back to renames)."""
    if _EXCHANGE is None:
        return False
    if _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


class OnDisk(Mapping[SitePath, bytes]):
    """A built site, in path order, whose files are partly in memory and partly only on disk.

    The processes that render pages and build the search index write their files into the
    staging folder themselves; sending the bytes back as well (62 MB at 1,000 documents)
    cost the parent twice that in fresh memory, a receive buffer and the copy unpickled
    from it, and the build ~0.2 s. A file only on disk is read from wherever the site is
    when it is asked for: after the swap, from the output folder.
    """

    def __init__(self, memory: Mapping[SitePath, bytes], on_disk: Iterable[SitePath], where: Callable[[], Path]) -> None:
        self._memory = dict(memory)
        self._disk = frozenset(on_disk) - self._memory.keys()
        self._where = where
        self._paths = sorted(self._memory.keys() | self._disk)

    def __getitem__(self, path: SitePath) -> bytes:
        if path in self._memory:
            return self._memory[path]
        if path in self._disk:
            return (self._where() / path).read_bytes()
        raise KeyError(path)

    def __contains__(self, path: object) -> bool:
        return path in self._memory or path in self._disk

    def __iter__(self) -> Iterator[SitePath]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
