"""The corpus's files, read through one policy: the only place the pipeline reads an author's file.

- A file that is (or goes through) a link leaving the corpus is refused, unread; a document
  must stay inside seeds/.
- Only regular files are read (a pipe or a device would never end), never more than a
  bound, opened without blocking.
- Text is UTF-8 (a byte order mark dropped, line ends made \\n); UTF-16 and UTF-32 are named.

`CorpusFiles` hands the pipeline each file as a `Text` (its contents, or the diagnostics that
say why there are none). A live server keeps what it read until told that files changed. A
build with a cache is told which documents and sidecars are as an earlier build read them
(`Seen`): those it hands on `Unread`, by the name of their text, and reads only if they must
be prepared again (`whole`).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Protocol

from builder.core.diagnostics import Diagnostic, error
from builder.core.models import DocId, DocMeta, SourcePath
from builder.core.records import record

MAX_BYTES = 64 * 1024 * 1024
NAME_BYTES = 255         # the longest file name (one path component) file systems allow
FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
LINK_HINT = "copy the file into the corpus instead of linking to it"


@record
class Text:
    """One file as the pipeline reads it: its text, or None and the diagnostics that say why."""

    rel: SourcePath
    text: str | None
    found: tuple[Diagnostic, ...] = ()


@record
class Unread:
    """A document or sidecar not read: it is the file an earlier build read, unchanged since
    (`Seen` tells), and `name` names the Text read then. What needs its text reads it (CorpusFiles.whole)."""

    rel: SourcePath
    name: str


class Seen(Protocol):
    """What a build with a cache knows of the files earlier builds read (builder.run.unchanged)."""

    def known(self, path: str, info: os.stat_result) -> str | None:
        """The name of the Text an earlier build read at `path`, if the file is unchanged since
        (`info`: its stat, taken now)."""

    def read(self, path: str, info: os.stat_result, text: Text) -> None:
        """A file read now, whole (`info`: its stat, taken before it was read)."""

    def name_of(self, text: Text | Unread) -> str | None:
        """The name of a text read whole, or of one not read; None for one that could not be read."""


class RealPaths:
    """Where files really are, links followed, asking the file system about each folder once.

    realpath() runs Python code and an lstat for every component of the path; a build asks
    about a thousand files in the same two folders. A file that is not itself a link is
    where its folder really is. Make one per build: folders can change between builds.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def folder(self, path: Path | str) -> str:
        key = os.fspath(path)
        real = self._folders.get(key)
        if real is None:
            real = self._folders[key] = os.path.realpath(key)
        return real

    def file(self, path: Path | str, mode: int | None = None) -> str:
        """Where a file really is; `mode`: its lstat's st_mode, when the caller has it."""
        full = os.fspath(path)
        head, name = os.path.split(full)
        if mode is None:
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                mode = None
        if mode is None or stat.S_ISLNK(mode) or name in ("", ".", ".."):   # missing: let realpath say what it would
            return os.path.realpath(full)
        return os.path.join(self.folder(head or "."), name)

    def within(self, path: Path | str, folder: Path | str, mode: int | None = None) -> bool:
        """Is `path`, links followed, inside `folder`, links followed? (`mode`: see file())"""
        return inside(self.file(path, mode), self.folder(folder))


def inside(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


def read_text(path: Path | str, rel: SourcePath, within: Path | None = None,
              real: RealPaths | None = None, max_bytes: int = MAX_BYTES) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """UTF-8 text with BOM and CRLF removed, or a diagnostic that says where it went wrong.

    With `within`, a file that is (or goes through) a link leaving that folder is refused
    unread: a corpus publishes its own files, never whatever a link points at.
    """
    data, problem = read_bytes(path, within, real, max_bytes)
    if problem:
        message, hint = problem
        return None, (error(rel, 1, 1, message.replace("{rel}", rel), hint),)
    assert data is not None
    return decode(data, rel)


def decode(data: bytes, rel: SourcePath) -> tuple[str | None, tuple[Diagnostic, ...]]:
    wide = _wide_encoding(data)
    if wide:
        name = PurePosixPath(rel)
        return None, (error(rel, 1, 1, f"the file is {wide}, not UTF-8",
                            f"re-save it as UTF-8, e.g. `iconv -f {wide} -t UTF-8 {name.name} > {name.stem}.utf8{name.suffix}` "
                            "and put that file in its place"),)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, (
            error(rel, line, column, f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                  "re-save the file as UTF-8 (e.g. `iconv -f windows-1252 -t utf-8`)"),
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), ()


def read_bytes(path: Path | str, within: Path | None = None, real: RealPaths | None = None,
               max_bytes: int = MAX_BYTES) -> tuple[bytes | None, tuple[str, str] | None]:
    """The bytes of a regular file, or (message, hint) saying why they are not read."""
    try:
        if within is not None:
            try:
                mode: int | None = os.lstat(path).st_mode
            except OSError:
                mode = None      # not there: opening it says so
            if mode is not None and not (real or RealPaths()).within(path, within, mode):
                return None, ("{rel} is a link that leaves the corpus", LINK_HINT)
        # Non-blocking: opening a named pipe would otherwise wait for a writer.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                return None, ("this is a folder, not a file", "")
            if not stat.S_ISREG(info.st_mode):
                return None, ("this is not a regular file (a device, a pipe or a socket)",
                              "a corpus holds plain files: copy the content into one")
            if info.st_size > max_bytes:
                return None, (f"the file is larger than {_size(max_bytes)}", "split it into several files")
            # The size fstat gave and a byte more (a file that grew since reads on, to the bound):
            # read(max_bytes + 1) allocated 64 MiB for every file, 29 µs of CPU a file against 11.
            want = info.st_size + 1
            data = f.read(want)
            if len(data) == want and want <= max_bytes:
                data += f.read(max_bytes + 1 - want)
    except FileNotFoundError:
        return None, ("file not found", "")
    except IsADirectoryError:
        return None, ("this is a folder, not a file", "")
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return None, ("the file name is too long for the file system (at most 255 bytes a name)",
                          "give the file a shorter name")
        return None, (f"cannot read the file: {exc.strerror}", "")
    if len(data) > max_bytes:
        return None, (f"the file is larger than {_size(max_bytes)}", "split it into several files")
    return data, None


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 else f"{n // 1024} KiB"


def _wide_encoding(data: bytes) -> str | None:
    """The encoding (as iconv names it) of a file saved as UTF-16 or UTF-32: it starts with their
    byte order mark, or it is ASCII with a NUL byte beside every character (then valid UTF-8,
    NULs and all). None for anything else."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:4096]
    pairs = len(head) // 2
    if pairs >= 2 and head[1::2].count(0) * 10 >= pairs * 9:
        return "UTF-16LE"
    if pairs >= 2 and head[0::2].count(0) * 10 >= pairs * 9:
        return "UTF-16BE"
    return None


def document_path(corpus_dir: Path, meta: DocMeta, real: RealPaths) -> tuple[str | None, Diagnostic | None]:
    """A document's file, refusing anything that would leave seeds/; problems at its INDEX.md row."""
    name = meta.file.replace("\\", "/")
    pure = PurePosixPath(name)
    hint = "give a path relative to seeds/ that stays inside it"
    row = meta.where
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return None, error(row.path, row.line, 1, f"file '{meta.file}' is an absolute path", hint)
    if ".." in pure.parts:
        return None, error(row.path, row.line, 1, f"file '{meta.file}' leaves seeds/ ('..')", hint)
    if any(len(os.fsencode(part)) > NAME_BYTES for part in pure.parts):
        return None, error(row.path, row.line, 1,
                           f"file '{meta.file[:60]}…': a name in it is longer than {NAME_BYTES} bytes, "
                           "more than file systems allow", "give the file a shorter name")
    seeds = real.folder(os.path.join(corpus_dir, "seeds"))
    path = real.file(os.path.join(seeds, pure))
    if not inside(path, seeds):
        return None, error(row.path, row.line, 1, f"file '{meta.file}' is a link that leaves seeds/", hint)
    suffix = _suffix(path)
    if FORMATS.get(suffix.lower()) is None:
        return None, error(row.path, row.line, 1, f"file '{meta.file}' has an unknown type '{suffix}'",
                           "documents are .txt, .md or .html files")
    if not os.path.lexists(path):
        return None, error(row.path, row.line, 1, f"file '{meta.file}' not found in seeds/",
                           _closest_file(corpus_dir / "seeds", meta.file))
    return path, None


def _suffix(path: str) -> str:
    """The suffix PurePosixPath(path).suffix gives (".txt"; "" for ".txt", "a." or "a"; the
    last name that is not "." and not empty), without making one: a build asks for every document."""
    names = [n for n in path.split("/") if n and n != "."]
    name = names[-1] if names else ""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _closest_file(seeds: Path, name: str) -> str:
    names = sorted(p.name for p in seeds.iterdir()) if seeds.is_dir() else []
    close = difflib.get_close_matches(PurePosixPath(name).name, names, n=1)
    return f"did you mean '{close[0]}'?" if close else "check the file name and that the file is in seeds/"


def suggested(name: str) -> bool:
    """Is this file name one `glossator suggest` writes (x.suggested.yaml), which no build reads as a sidecar?"""
    return name.endswith((".suggested.yaml", ".suggested.yml"))


def _stem(name: str) -> str:
    """PurePosixPath(name).stem, without making one: the name up to its last dot, unless that
    dot starts the name (".yaml" is its own stem)."""
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def document_rel(meta: DocMeta) -> SourcePath:
    return SourcePath(f"seeds/{PurePosixPath(meta.file.replace(chr(92), '/'))}")


class CorpusFiles:
    """The files of one corpus, as the pipeline reads them. With `keep`, each file is read once
    and kept until `forget()` names it (a live server, told by its watcher)."""

    def __init__(self, corpus_dir: Path, keep: bool = False, seen: Seen | None = None) -> None:
        self.dir = corpus_dir
        self.keep = keep
        self.seen = seen
        self.real = RealPaths()
        self._kept: dict[tuple[object, ...], tuple[Any, str, str | None]] = {}   # → (value, its path, where it really is)
        self._sidecars: dict[DocId, SourcePath] | None = None

    def text(self, rel: SourcePath, max_bytes: int = MAX_BYTES, optional: bool = False) -> Text | None:
        """A file of the corpus by its path; None when `optional` and there is no such file."""
        def read() -> tuple[Text, str, str | None]:
            path = os.path.join(self.dir, rel)
            if optional and not os.path.lexists(path):
                return Text(rel, None, ()), path, None
            text, found = read_text(path, rel, within=self.dir, real=self.real, max_bytes=max_bytes)
            return Text(rel, text, found), path, self.real.file(path) if self.keep else None

        got = self._through(("file", rel), read)
        return None if optional and got.text is None and not got.found else got

    def document(self, meta: DocMeta) -> Text | Unread:
        """A document's file (seeds/<file>), or the diagnostic at its INDEX.md row that says why
        not; Unread when `seen` knows it unchanged."""
        return self._document(meta, trust=True)

    def sidecar(self, rel: SourcePath) -> Text | Unread:
        """A sidecar (annotations/<id>.yaml); Unread when `seen` knows it unchanged."""
        if self.seen is None:
            return self.text(rel)   # type: ignore[return-value] - a sidecar is not optional: never None
        return self._read(os.path.join(self.dir, rel), rel, True, trust=True)

    def whole(self, meta: DocMeta, source: Text | Unread, sidecar: Text | Unread | None) -> tuple[Text, Text | None]:
        """A document's file and sidecar, each read now if it was handed on Unread."""
        if isinstance(source, Unread):
            source = self._document(meta, trust=False)
        if isinstance(sidecar, Unread):
            sidecar = self._read(os.path.join(self.dir, sidecar.rel), sidecar.rel, True, trust=False)
        return source, sidecar   # type: ignore[return-value] - read with trust=False: never Unread

    def _document(self, meta: DocMeta, trust: bool) -> Text | Unread:
        def read() -> tuple[Text | Unread, str, str | None]:
            rel = document_rel(meta)
            path, problem = document_path(self.dir, meta, self.real)
            if problem is not None:
                return Text(rel, None, (problem,)), os.path.join(self.dir, rel), None
            assert path is not None
            return self._read(path, rel, False, trust), os.path.join(self.dir, rel), path

        return self._through(("document", meta.file, meta.where), read) if trust else read()[0]

    def _read(self, path: str, rel: SourcePath, within: bool, trust: bool) -> Text | Unread:
        """The file at `path` (inside the corpus, links followed, when `within`); with `seen`, its
        stat taken first (a change after it is a change the next build's stat finds), and with
        `trust`, Unread when `seen` knows it unchanged."""
        seen = self.seen
        info = None
        if seen is not None:
            try:
                info = os.stat(path)
            except OSError:
                info = None
            if info is not None and within and not self.real.within(path, self.dir):
                info = None   # a link that leaves the corpus: read_text says so
        if trust and info is not None and seen is not None:
            name = seen.known(path, info)
            if name is not None:
                return Unread(rel, name)
        text, found = read_text(path, rel, within=self.dir if within else None, real=self.real)
        got = Text(rel, text, found)
        if info is not None and seen is not None and text is not None and not found:
            seen.read(path, info, got)
        return got

    def data(self, path: Path) -> bytes | None:
        """The bytes of a file that is not the corpus's own text (a theme's template or static
        file, which the theme has checked), or None when it cannot be read."""
        return self._through(("data", path), lambda: (read_bytes(path, real=self.real)[0], path, str(path)))

    def sidecars(self) -> dict[DocId, SourcePath]:
        """Sidecar files by the document id they name, entities.yaml excluded: files only, and
        where both x.yaml and x.yml exist, x.yaml (the one way sidecars are found)."""
        if self._sidecars is None or not self.keep:
            folder = self.dir / "annotations"
            try:   # one listing: its entries say which are files (links followed) without a stat each
                with os.scandir(folder) as entries:
                    names = [e.name for e in entries if e.name.endswith((".yml", ".yaml")) and e.is_file()]
            except (NotADirectoryError, FileNotFoundError):
                names = []
            names = sorted(n for n in names if n.endswith(".yml")) + sorted(n for n in names if n.endswith(".yaml"))
            self._sidecars = {DocId(stem): SourcePath(f"annotations/{n}") for n in names
                              if (stem := _stem(n)) != "entities" and not suggested(n)}
        return self._sidecars

    def suggested(self) -> list[SourcePath]:
        """The files `glossator suggest` writes (annotations/<id>.suggested.yaml): never sidecars."""
        folder = self.dir / "annotations"
        return [SourcePath(f"annotations/{f.name}") for f in sorted(folder.glob("*.suggested.y*ml"))
                if suggested(f.name) and f.is_file()] if folder.is_dir() else []

    def forget(self, paths: Iterable[Path] | None) -> None:
        """Files that changed (None: any may have): read them again when next asked for."""
        self.real = RealPaths()     # folders may have become links, or stopped being ones
        if paths is None:
            self._kept.clear()
            self._sidecars = None
            return
        changed = {os.path.abspath(p) for p in paths}
        real = {os.path.realpath(p) for p in changed}
        folder = os.path.abspath(self.dir / "annotations")
        listed = {os.path.abspath(self.dir / rel) for rel in (self._sidecars or {}).values()}
        if any(p == folder or (os.path.dirname(p) == folder and (p in listed) != os.path.isfile(p)) for p in changed):
            self._sidecars = None   # a sidecar came or went (an edit of one keeps the listing)
        for key, (_, named, where) in list(self._kept.items()):
            if named in changed or where in real or where in changed or any(
                    named.startswith(p + os.sep) for p in changed):
                del self._kept[key]

    def _through(self, key: tuple[object, ...], read: Callable[[], tuple[Any, Path | str, str | None]]) -> Any:
        if not self.keep:
            return read()[0]
        kept = self._kept.get(key)
        if kept is None:
            value, path, where = read()
            kept = self._kept[key] = (value, os.path.abspath(path), where)
        return kept[0]
