"""The build cache on disk: `.glossator-cache/` beside the corpus.

It holds results of earlier builds (each prepared document, each rendered page), each under
the digest of everything it was made from (builder.run.digest), which includes Glossator's
own code. Nothing in it is trusted unless this user's Glossator listed it:

- A result is a file `objects/<2 hex>/<digest>`, written under a temporary name and renamed:
  a file is whole or absent, never half-written.
- `manifest` lists the results the last finished build used, each with its size and
  modification time, and is signed (HMAC-SHA256) with a key kept in the user's own cache
  folder (`$XDG_CACHE_HOME/glossator/key`). A result it does not list (written by a build
  that was killed), one whose size or time differ (changed since), and a manifest that is
  damaged, from another Glossator, or signed with another key (a cache copied from someone
  else's machine, or shipped inside a corpus) are not read: the build makes them anew.
- A build holds `lock` for its whole run; another build of the same corpus meanwhile builds
  without the cache rather than wait.

At the end of a build that succeeded, the manifest is replaced and the results this build did
not use are removed, so the folder holds about one build's worth. `glossator clean` removes the
folder, and only a folder that is a Glossator cache (`CACHEDIR.TAG`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import hmac
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from builder.core import pieces

FOLDER = ".glossator-cache"
TAG = "CACHEDIR.TAG"
TAG_TEXT = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
            b"# This folder is Glossator's build cache (glossator clean removes it).\n"
            b"# For information about cache directory tags see https://bford.info/cachedir/\n")
FORMAT = 1


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int


def user_key() -> bytes | None:
    """This user's signing key (made on first use, readable by the user alone), or None when
    there is nowhere to keep one."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "glossator", "key")
    try:
        with open(path, "rb") as f:
            key = f.read(64)
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path + f".{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        key = os.urandom(32)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        try:
            os.link(path + f".{os.getpid()}", path)     # first one wins; a racing build reads it
        except FileExistsError:
            pass
        finally:
            os.unlink(path + f".{os.getpid()}")
        with open(path, "rb") as f:
            key = f.read(64)
        return key if len(key) >= 32 else None
    except OSError:
        return None


class Store:
    """One build's view of the cache: what it may read, and what it used (see the module)."""

    def __init__(self, folder: Path, key: bytes, lock: int, code: str) -> None:
        self.folder = folder
        self._key = key
        self._lock = lock
        self._code = code
        self._trusted = self._read_manifest()
        self._used: set[str] = set()
        self._folders: set[str] = set()
        self._objects = os.path.join(folder, "objects")

    # --- opening

    @classmethod
    def open(cls, corpus_dir: Path, code: str) -> tuple[Store | None, str]:
        """The cache of `corpus_dir` for Glossator code `code`; or None and why it is not used
        (the reason is empty when there is nothing the author needs to know)."""
        folder = corpus_dir / FOLDER
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return None, f"{FOLDER} is not a folder Glossator made: building without a cache"
        if folder.is_dir() and not (folder / TAG).is_file():
            return None, f"{FOLDER} holds files Glossator did not write: building without a cache (remove it to use one)"
        key = user_key()
        if key is None:
            return None, "no place for the cache's key in the user's cache folder: building without a cache"
        try:
            (folder / "objects").mkdir(parents=True, exist_ok=True)
            if not (folder / TAG).is_file():
                _write_atomic(folder / TAG, TAG_TEXT)
                _write_atomic(folder / ".gitignore", b"# Glossator's build cache: not part of the corpus\n*\n")
            lock = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None, ""    # a read-only corpus (an installed example): build as without a cache
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(lock)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None, "another build is using the cache: building without it"
            return None, ""
        return cls(folder, key, lock, code), ""

    def close(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- entries

    def path(self, key: str) -> str:
        return f"{self._objects}/{key[:2]}/{key}"   # asked for each page of a build: not a Path made each time

    def listed(self, key: str) -> bool:
        """Does the manifest list a result under `key`? (Not whether it is still there: has().)"""
        return key in self._trusted

    def has(self, key: str) -> bool:
        """Is there a trusted result under `key` (listed, and unchanged since)?"""
        entry = self._trusted.get(key)
        if entry is None:
            return False
        try:
            st = os.stat(self.path(key))
        except OSError:
            return False
        return st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns

    def get(self, key: str) -> bytes | None:
        if not self.has(key):
            return None
        try:
            with open(self.path(key), "rb") as f:
                data = f.read()
        except OSError:
            return None
        return data if len(data) == self._trusted[key].size else None

    def put(self, key: str, data: pieces.Content) -> None:
        """Keep `data` under `key` (in any process of the build: the file is renamed into place)."""
        folder = os.path.join(self._objects, key[:2])
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        _write_atomic(Path(folder, key), data)

    def link(self, key: str, to: str, just_put: bool = False) -> bool:
        """Put the result under `key` at path `to` (a hard link, or a copy across file systems):
        a trusted one, or one this process has just put there."""
        if not (just_put or self.has(key)):
            return False
        try:
            os.link(self.path(key), to)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                return False
            shutil.copyfile(self.path(key), to)
        return True

    def used(self, keys: Iterable[str]) -> None:
        """Results this build read or wrote: the next build may trust them."""
        self._used.update(keys)

    # --- the manifest

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def _read_manifest(self) -> dict[str, Entry]:
        try:
            data = (self.folder / "manifest").read_bytes()
            signature, _, body = data.partition(b"\n")
            if not hmac.compare_digest(signature.decode("ascii"), self._sign(body)):
                return {}
            doc = json.loads(body)
            if doc.get("format") != FORMAT or doc.get("code") != self._code:
                return {}
            return {k: Entry(int(v[0]), int(v[1])) for k, v in doc["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
            return {}

    def commit(self) -> None:
        """After a build that succeeded: list what it used, remove the rest."""
        entries: dict[str, list[int]] = {}
        for key in sorted(self._used):
            try:
                st = os.stat(self.path(key))
            except OSError:
                continue
            entries[key] = [st.st_size, st.st_mtime_ns]
        body = json.dumps({"format": FORMAT, "code": self._code, "entries": entries},
                          separators=(",", ":")).encode()
        _write_atomic(self.folder / "manifest", self._sign(body).encode() + b"\n" + body)
        self._trusted = {k: Entry(*v) for k, v in entries.items()}
        objects = self.folder / "objects"
        for sub in objects.iterdir():
            if not (len(sub.name) == 2 and sub.is_dir()):
                continue
            for f in sub.iterdir():
                if f.name not in entries:
                    f.unlink(missing_ok=True)   # unused, or a temporary file of a killed build


def _write_atomic(path: Path, data: pieces.Content) -> None:
    """`data` written beside `path` under a name of this process's own, then renamed to it."""
    _written[0] += 1
    tmp = os.path.join(os.path.dirname(path), f".tmp-{os.getpid()}-{_written[0]}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            pieces.write(f, data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_written = [0]   # temporary names made by this process (forked workers count on from their parent's: the pid differs)


def clean(corpus_dir: Path) -> tuple[bool, str, str]:
    """Remove the cache of `corpus_dir`: (whether all is well, what to tell the author, a hint
    when something was left as it is)."""
    folder = corpus_dir / FOLDER
    if not os.path.lexists(folder):
        return True, f"no cache to remove ({folder} does not exist)", ""
    if folder.is_symlink() or not folder.is_dir() or not (folder / TAG).is_file():
        return False, f"{folder}: error: not a Glossator cache (it has no {TAG}): left as it is", \
            "remove it yourself if nothing needs it"
    shutil.rmtree(folder)
    return True, f"removed {folder}", ""
