"""Which of the corpus's documents and sidecars are as an earlier build read them: a build with a
cache does not read those again (builder.read.files.Seen, Unread).

A build that reads a file keeps, in the build cache, where it is, its stat (device, inode, size,
modification and change times, to the nanosecond) and the name of its text (`name_of`: a
digest of the file's path in the corpus and its text). The next build stats the file: the same
stat, and the file is handed on unread, by that name, which names it in the cache's keys as
the text itself would (builder.run.remember): the prepared document is read back without the
file being read. Any difference (an edit, a file replaced by another, even one given back its
old time: its change time moves) and the file is read.

The stat is taken before the file is read, so a change made while it is read is a change the
next build's stat sees. A file modified less than `RACY` before the build began is not kept:
within the clock's step, a second change could leave its stat as it was (git's "racily
clean" files). A kept list that is damaged is an empty list; one made by other code is not read.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time

from builder.core.models import DocMeta
from builder.read.files import Seen, Text, Unread
from builder.run.store import Store

RACY = 3_000_000_000    # ns: file systems that keep times in steps of up to 2 s (FAT), and a margin

Stat = tuple[int, int, int, int, int]


def _stat(info: os.stat_result) -> Stat:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def text_name(text: Text) -> str:
    """The name of a file's text as a cache key holds it: its path in the corpus and its text."""
    h = hashlib.sha256(b"text\0" + text.rel.encode() + b"\0")
    h.update((text.text or "").encode("utf-8", "surrogatepass"))
    return "text:" + h.hexdigest()


class FileNames:
    """builder.read.files.Seen for one build: what the last build kept, and what this one reads."""

    def __init__(self, store: Store, code: str) -> None:
        self.store = store
        self.key = hashlib.sha256(b"unchanged files\0" + code.encode()).hexdigest()
        self.since = time.time_ns() - RACY     # a file modified after this is not kept
        self.earlier = _load(store.get(self.key))
        self.now: dict[str, tuple[Stat, str]] = {}       # what the next build may trust
        self._read: dict[int, tuple[Text, str]] = {}    # each text just read and its name, until name_of asks

    def known(self, path: str, info: os.stat_result) -> str | None:
        kept = self.earlier.get(path)
        if kept is None or not stat.S_ISREG(info.st_mode) or kept[0] != _stat(info):
            return None
        self.now[path] = kept
        return kept[1]

    def read(self, path: str, info: os.stat_result, text: Text) -> None:
        name = text_name(text)
        self._read[id(text)] = (text, name)    # hashed once: name_of takes it from here
        if stat.S_ISREG(info.st_mode) and info.st_mtime_ns < self.since:
            self.now[path] = (_stat(info), name)

    def name_of(self, text: Text | Unread) -> str | None:
        if isinstance(text, Unread):
            return text.name
        if text.text is None or text.found:
            return None
        kept = self._read.pop(id(text), None)
        return kept[1] if kept is not None and kept[0] is text else text_name(text)

    def keep(self) -> None:
        """At the end of a build that succeeded: what it found unchanged or read, for the next."""
        body = json.dumps({path: [*s, name] for path, (s, name) in sorted(self.now.items())},
                          separators=(",", ":")).encode()
        try:
            self.store.put(self.key, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
            self.store.used([self.key])
        except OSError:    # a cache that cannot take it: the next build reads every file
            pass


def _load(data: bytes | None) -> dict[str, tuple[Stat, str]]:
    if data is None:
        return {}
    check, _, body = data.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != check:
        return {}
    try:
        listed = json.loads(body)
        return {path: ((int(a), int(b), int(c), int(d), int(e)), str(name))
                for path, (a, b, c, d, e, name) in listed.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def by_name(seen: Seen | None, job: tuple[DocMeta, Text | Unread, Text | Unread | None]) -> tuple[object, ...]:
    """What a cache key holds of a document's job: each file by the name of its text where
    `seen` gives one (the same whether it was read or not), else as it is."""
    if seen is None:
        return job
    meta, source, sidecar = job
    return meta, seen.name_of(source) or source, None if sidecar is None else seen.name_of(sidecar) or sidecar
