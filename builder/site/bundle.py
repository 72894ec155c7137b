"""The offline bundle: the whole site in one deterministic zip that works from file://.

A bundle is for reading with no network (sent by mail, archived, opened from a USB
stick), so before anything is written every page and stylesheet is checked for
resources the browser would load from outside the site: a CDN script, a web font, an
image on another server, an absolute `/path` (which under file:// means the root of
the disk). Any such reference is an error naming the file, the line and the URL, and
nothing is written. Plain outbound links (`<a href>`) are fine: they load nothing.

The zip is deterministic: entries sorted, fixed timestamps (SOURCE_DATE_EPOCH when
set), fixed permissions, so the same site gives byte-identical zips.
"""

from __future__ import annotations

import html.parser
import io
import os
import posixpath
import re
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import unquote

from builder.core.diagnostics import Diagnostic, error
from builder.core.models import SitePath
from builder.site import staging as write

# Attributes through which an element makes the browser load something.
LOADING_ATTRS: dict[str, tuple[str, ...]] = {
    "script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",),
    "audio": ("src",), "video": ("src", "poster"), "source": ("src", "srcset"), "track": ("src",),
    "object": ("data",), "embed": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
    "input": ("src",),
}
# <link rel=…> values that load (or connect to) their href.
LOADING_RELS = {"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon",
                "preload", "modulepreload", "prefetch", "prerender", "preconnect", "dns-prefetch", "manifest"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""",
                     re.IGNORECASE)
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
HARMLESS_SCHEMES = {"data", "blob", "about", "javascript"}
FIX_HINT = ("copy the file into your theme's static/ folder (themes/<theme>/static/) and refer to it "
            "with a relative path; a bundle must work with no network")


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")   # a zip with entries, an empty zip


def target_problem(corpus_dir: Path, target: Path, force: bool = False) -> write.OutputProblem | None:
    """Why writing the zip to `target` could lose someone's file, or None when it is safe."""
    corpus = Path(os.path.realpath(corpus_dir))
    real = Path(os.path.realpath(target))
    for part in write.CORPUS_PARTS:
        if real == corpus / part or real.is_relative_to(corpus / part):
            what = "the corpus's settings file" if part == "glossator.toml" else f"inside the corpus's {part}/ folder"
            return write.OutputProblem(f"this is {what}", "write the zip elsewhere, e.g. "
                                       f"{default_target(corpus_dir).name}", True)
    if not os.path.lexists(target):
        return None
    if not real.is_file():
        return write.OutputProblem("exists and is not a file", "name a new .zip file", True)
    if force:
        return None
    with open(real, "rb") as f:
        if f.read(4) in ZIP_MAGIC:
            return None
    return write.OutputProblem("exists and is not a zip: writing the bundle would replace it",
                               "name a new .zip file, or pass --force to replace this one", False)


def default_target(corpus_dir: Path) -> Path:
    """`CORPUS/<corpus folder name>-site.zip`."""
    name = corpus_dir.resolve().name or "corpus"
    return corpus_dir / f"{name}-site.zip"


def top_folder(target: Path) -> str:
    """The folder the zip unpacks into: named like the zip, so `x-site.zip` gives `x-site/`."""
    return target.stem or "site"


# --- the outside-resource check -------------------------------------------------


def check(site: Mapping[SitePath, bytes]) -> tuple[Diagnostic, ...]:
    """Every resource a page or stylesheet would load from outside the site, or that is missing from it.

    One diagnostic per resource, at its first use, counting the other files that use it
    (a theme template repeats a reference on every page)."""
    first: dict[tuple[str, str, str], tuple[SitePath, int, int]] = {}
    users: dict[tuple[str, str, str], set[SitePath]] = {}
    for path in sorted(site):
        if path.endswith((".html", ".htm")):
            refs = _html_refs(site[path].decode("utf-8", "replace"))
        elif path.endswith(".css"):
            refs = [(line, col, "url()", url) for line, col, url in _css_refs(site[path].decode("utf-8", "replace"))]
        else:
            continue
        for line, col, what, url in refs:
            problem = _problem(url, path, site)
            if problem:
                key = (what, problem, url)
                first.setdefault(key, (path, line, col))
                users.setdefault(key, set()).add(path)
    found = []
    for (what, problem, url), (path, line, col) in first.items():
        more = len(users[(what, problem, url)]) - 1
        also = f" (and in {more} other file{'s' * (more != 1)})" if more else ""
        found.append(error(path, line, col, f"{what} {problem}: {url}{also}", FIX_HINT))
    return tuple(found)


def _problem(url: str, page: SitePath, site: Mapping[SitePath, bytes]) -> str:
    """Why loading `url` from `page` would fail offline, or '' when it is fine."""
    url = url.strip()
    if not url or url.startswith("#"):
        return ""
    scheme = SCHEME.match(url)
    if scheme:
        return "" if scheme.group(1).lower() in HARMLESS_SCHEMES else "loads a resource from outside the site"
    if url.startswith("//"):
        return "loads a resource from outside the site"
    if url.startswith("/"):
        return "uses an absolute path, which leaves the site folder when opened from file://"
    rel = unquote(re.split(r"[?#]", url, maxsplit=1)[0])
    if not rel:
        return ""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), rel))
    if target == ".." or target.startswith("../"):
        return "points outside the site folder"
    if target not in site:
        return "refers to a file that is not in the site"
    return ""


class _RefParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[int, int, str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        col += 1
        values = {k: v or "" for k, v in attrs}
        names: tuple[str, ...] = LOADING_ATTRS.get(tag, ())
        if tag == "link" and LOADING_RELS & set(values.get("rel", "").lower().split()):
            names = ("href", "imagesrcset")
        if tag == "input" and values.get("type", "").lower() != "image":
            names = ()
        for name in names:
            if name in values:
                urls = _srcset(values[name]) if name.endswith("srcset") else [values[name]]
                self.refs.extend((line, col, f"<{tag} {name}>", u) for u in urls)
        if "style" in values:
            self.refs.extend((line, col, f"<{tag} style> url()", u) for _, _, u in _css_refs(values["style"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            line, col = self.getpos()
            for l, c, u in _css_refs(data):
                self.refs.append((line + l - 1, c if l > 1 else col + c, "<style> url()", u))


def _html_refs(text: str) -> list[tuple[int, int, str, str]]:
    p = _RefParser()
    p.feed(text)
    p.close()
    return p.refs


def _srcset(value: str) -> list[str]:
    return [part.split()[0] for part in value.split(",") if part.strip()]


def _css_refs(text: str) -> Iterator[tuple[int, int, str]]:
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.DOTALL)
    for m in CSS_URL.finditer(text):
        url = next(g for g in m.groups() if g is not None)
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        yield line, col, url


# --- the zip ---------------------------------------------------------------------


def _timestamp() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        t = time.gmtime(max(int(epoch), 315532800))   # a zip cannot hold dates before 1980
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    return (1980, 1, 1, 0, 0, 0)


def zip_bytes(site: Mapping[SitePath, bytes], top: str) -> bytes:
    """The site as a zip under one top folder: sorted entries, fixed dates and permissions."""
    stamp = _timestamp()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for path in sorted(site):
            info = zipfile.ZipInfo(f"{top}/{path}", date_time=stamp)
            info.create_system = 3                  # Unix, so that the permissions below are honoured
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, site[path], compresslevel=9)
    return buffer.getvalue()


def write_zip(data: bytes, target: Path) -> None:
    """Write beside the target, then rename: a reader never sees half a zip."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
