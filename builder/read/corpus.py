"""Read the corpus: `seeds/INDEX.md` (with markdown-it-py) and every document it lists.

This is the only stage that reads document files; it turns each into a list of
source blocks with the line each starts on.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Iterable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from builder.core import edtf, ids, langtag
from builder.core.diagnostics import Diagnostic, error, warning
from builder.core.models import Block, Corpus, DocId, DocMeta, Mark, RawDoc, SourcePath, Where

if TYPE_CHECKING:  # bs4 takes a fifth of a second to import: only saved pages need it
    from bs4 import BeautifulSoup, Tag

REQUIRED = ("id", "file", "title")
KNOWN = ("id", "file", "title", "source", "published", "url", "language", "author")
FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
MAX_BYTES = 64 * 1024 * 1024
NAME_BYTES = 255         # the longest file name (one path component) file systems allow


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@cache
def markdown() -> MarkdownIt:
    """One parser for every file: making one costs a third of a millisecond, parsing keeps no state in it."""
    return _parser()


@cache
def _blocks_only() -> MarkdownIt:
    """markdown() without its inline pass: INDEX.md's cells get theirs from _inline (a table of
    1,000 documents is 5,000 cells, ~60 ms of inline parsing before any document is read)."""
    return _parser().disable(["inline", "text_join"])


# Where an inline rule other than plain text can match: a line break, an escape, a code span,
# emphasis, a link or image, an autolink, an entity. A run without any is one text token.
_INLINE_START = re.compile(r"[\n\\`*_\[!<&]")


def _inline(tokens: list[Token], env: dict) -> None:
    """Give each inline token the children markdown()'s own inline pass would, except that
    a plain run (most cells: ids, file names, dates, words), which would be one text token,
    keeps children None: _marked reads its content as that text."""
    search, parse = _INLINE_START.search, markdown().parseInline
    for tok in tokens:
        if tok.type == "inline":
            tok.children = None if search(tok.content) is None else parse(tok.content, env)[0].children


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

    def file(self, path: Path | str) -> str:
        full = os.fspath(path)
        head, name = os.path.split(full)
        try:
            is_link = stat.S_ISLNK(os.lstat(full).st_mode)
        except OSError:
            is_link = True   # missing: let realpath say what it would
        if is_link or name in ("", ".", ".."):
            return os.path.realpath(full)
        return os.path.join(self.folder(head or "."), name)

    def within(self, path: Path | str, folder: Path | str) -> bool:
        """Is `path`, links followed, inside `folder`, links followed?"""
        return _inside(self.file(path), self.folder(folder))


def _inside(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


INDEX = SourcePath("seeds/INDEX.md")


def read_index(corpus_dir: Path) -> tuple[str, str, tuple[DocMeta, ...], tuple[Diagnostic, ...]]:
    """(title, introduction, document rows, diagnostics) from seeds/INDEX.md."""
    text, diags = read_text(corpus_dir / "seeds" / "INDEX.md", INDEX, within=corpus_dir)
    if text is None:
        return "", "", (), diags
    title, intro, metas, index_diags = parse_index(text, INDEX)
    return title, intro, metas, (*diags, *index_diags)


def doc_ids(metas: Iterable[DocMeta], found: Iterable[Diagnostic]) -> frozenset[DocId] | None:
    """The ids that references are checked against; None when INDEX.md could not be read (no
    rows, and errors): then every sidecar and link would be reported too, burying its error."""
    metas = tuple(metas)
    if not metas and any(d.severity == "error" for d in found):
        return None
    return frozenset(m.id for m in metas)


def read(corpus_dir: Path) -> tuple[Corpus, tuple[Diagnostic, ...]]:
    """The index and every document, one after the other (pipeline.check spreads the documents over cores)."""
    title, intro, metas, index_diags = read_index(corpus_dir)
    found: list[Diagnostic] = list(index_diags)
    docs: list[RawDoc] = []
    for meta in metas:
        doc, doc_diags = read_document(corpus_dir, meta)
        found.extend(doc_diags)
        if doc is not None:
            docs.append(doc)
    return Corpus(title, intro, INDEX, tuple(docs)), tuple(found)


def read_text(path: Path, rel: SourcePath, within: Path | None = None,
              real: RealPaths | None = None, max_bytes: int = MAX_BYTES) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """UTF-8 text with BOM and CRLF removed, or a diagnostic that says where it went wrong.

    With `within`, a file that is (or goes through) a link leaving that folder is refused
    unread: a corpus publishes its own files, never whatever a link points at. Only
    regular files are read, and never more than `max_bytes` of them (a device or a pipe
    would never end).
    """
    data, problem = read_bytes(path, within, real, max_bytes)
    if problem:
        message, hint = problem
        return None, (error(rel, 1, 1, message.replace("{rel}", rel), hint),)
    assert data is not None
    wide = _wide_encoding(data)
    if wide:
        return None, (error(rel, 1, 1, f"the file is {wide}, not UTF-8",
                            f"re-save it as UTF-8, e.g. `iconv -f {wide} -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}` "
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


def read_bytes(path: Path, within: Path | None = None, real: RealPaths | None = None,
               max_bytes: int = MAX_BYTES) -> tuple[bytes | None, tuple[str, str] | None]:
    """The bytes of a regular file, or (message, hint) saying why they are not read: the one
    place that reads an author's file (read_text decodes; serve digests)."""
    try:
        if within is not None and (os.path.lexists(path)) and not (real or RealPaths()).within(path, within):
            return None, ("{rel} is a link that leaves the corpus", "copy the file into the corpus instead of linking to it")
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
            data = f.read(max_bytes + 1)
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


# --- INDEX.md -----------------------------------------------------------------


def parse_index(text: str, rel: SourcePath) -> tuple[str, str, tuple[DocMeta, ...], tuple[Diagnostic, ...]]:
    env: dict = {}
    tokens = _blocks_only().parse(text, env)
    _inline(tokens, env)
    lines = text.split("\n")
    diags: list[Diagnostic] = []
    title = ""
    title_end = 0
    table_start: int | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1" and not title:
            title = _plain(tokens[i + 1])
            title_end = tok.map[1] if tok.map else 0
        if tok.type == "table_open" and table_start is None:
            table_start = tok.map[0] if tok.map else len(lines)
    if not title:
        diags.append(error(rel, 1, 1, "INDEX.md has no '# ' heading", "the first '# Title' line is the corpus title"))
    if table_start is None:
        diags.append(error(rel, 1, 1, "INDEX.md has no table of documents",
                           "add a Markdown table with the columns | id | file | title |"))
        return title, "\n".join(lines[title_end:]).strip(), (), tuple(diags)
    intro = "\n".join(lines[title_end:table_start]).strip()
    metas, table_diags = _parse_table(tokens, lines, rel)
    return title, intro, metas, (*diags, *table_diags, *_rows_after_the_table(tokens, lines, rel))


_ROW = re.compile(r" {0,3}\|.*\|")


def _rows_after_the_table(tokens: list[Token], lines: list[str], rel: SourcePath) -> list[Diagnostic]:
    """Table rows the table does not hold, never dropped without a word: markdown-it ends a
    table at a blank line, and the `| … |` lines after it become a paragraph or a second table."""
    first = next(t for t in tokens if t.type == "table_open")
    end = first.map[1] if first.map else len(lines)   # the first line after the table (0-based)
    found: list[Diagnostic] = []
    for tok in tokens:
        if tok.level != 0 or not tok.map or tok.map[0] < end or tok is first:
            continue
        start, stop = tok.map
        if tok.type == "table_open":
            found.append(error(rel, start + 1, lines[start].index("|") + 1,
                               "a second table: only the first table of INDEX.md lists documents",
                               f"move its rows into the first table (it ends on line {end}), with no blank line "
                               "between them"))
            continue
        if tok.type != "paragraph_open":
            continue
        row = next((n for n in range(start, stop) if _ROW.match(lines[n])), None)
        if row is None:
            continue
        col = lines[row].index("|") + 1
        if row == start and all(not line.strip() for line in lines[end:start]):
            blank = f"line {start}" if start - end == 1 else f"lines {end + 1}–{start}"
            found.append(error(rel, row + 1, col, "this row is not in the table of documents: a blank line ends the table",
                               f"remove the blank {blank} so that the row follows the others"))
        else:
            found.append(error(rel, row + 1, col, f"this row is not in the table of documents, which ends on line {end}",
                               "move the row into the table, with no blank line before it"))
    return found


def _plain(inline: Token) -> str:
    """The text of an inline run (a title, a table cell) without its formatting."""
    return _marked(inline)[0]


_MARK_OPEN = {"em_open": "em", "strong_open": "strong", "link_open": "link"}
_MARK_CLOSE = {"em_close": "em", "strong_close": "strong", "link_close": "link"}
_SAFE_HREF = re.compile(r"(?:https?://|mailto:)[^\s]*\Z", re.IGNORECASE)


def _marked(inline: Token) -> tuple[str, tuple[Mark, ...]]:
    """The plain text of a Markdown paragraph, and its emphasis, code and links as marks.

    Links keep their target only if it is an http(s) or mailto URL: a relative link in a
    source file points nowhere on the site, and anything else could run script.
    """
    if inline.children is None:   # a plain run (see _inline)
        return inline.content.strip(), ()
    parts: list[str] = []
    size = 0
    marks: list[Mark] = []
    open_: list[tuple[str, int, str]] = []
    for child in inline.children:
        if child.type in _MARK_OPEN:
            href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
            open_.append((_MARK_OPEN[child.type], size, href))
        elif child.type in _MARK_CLOSE and open_:
            kind, start, href = open_.pop()
            if size > start and (kind != "link" or _SAFE_HREF.match(href)):
                marks.append(Mark(start, size, kind, href))  # type: ignore[arg-type]
        elif child.type in ("text", "code_inline", "html_inline", "softbreak", "hardbreak"):
            piece = " " if child.type in ("softbreak", "hardbreak") else child.content
            if child.type == "code_inline" and piece:
                marks.append(Mark(size, size + len(piece), "code"))
            parts.append(piece)
            size += len(piece)
    raw = "".join(parts)
    text = raw.strip()
    lead = len(raw) - len(raw.lstrip())
    kept = []
    for mk in sorted(marks, key=lambda k: (k.start, -k.end, k.kind)):
        start, end = max(0, mk.start - lead), min(len(text), mk.end - lead)
        if end > start:
            kept.append(Mark(start, end, mk.kind, mk.href))
    return text, tuple(kept)


def _cell_url(inline: Token) -> str:
    for child in inline.children or []:
        if child.type == "link_open":
            return str(child.attrs.get("href", ""))
    return _plain(inline)


def _parse_table(tokens: list[Token], lines: list[str], rel: SourcePath) -> tuple[tuple[DocMeta, ...], tuple[Diagnostic, ...]]:
    diags: list[Diagnostic] = []
    rows: list[tuple[int, list[Token]]] = []
    row: list[Token] = []
    row_line = 0
    in_table = False
    for tok in tokens:
        if tok.type == "table_open":
            if in_table or rows:
                break
            in_table = True
        elif tok.type == "table_close":
            break
        elif tok.type == "tr_open":
            row, row_line = [], (tok.map[0] + 1 if tok.map else 0)
        elif tok.type == "inline" and in_table:
            row.append(tok)
        elif tok.type == "tr_close":
            rows.append((row_line, row))
    if not rows:
        return (), (error(rel, 1, 1, "the table of documents is empty"),)
    header_line, header = rows[0]
    columns = [_plain(c).strip().lower() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        diags.append(error(rel, header_line, 1, f"the table has no column {', '.join(repr(m) for m in missing)}",
                           "required columns: id, file, title; known optional ones: source, published, url, language, author"))
        return (), tuple(diags)
    metas: list[DocMeta] = []
    seen: dict[str, int] = {}
    for line_no, cells in rows[1:]:
        values = {col: (cells[i] if i < len(cells) else None) for i, col in enumerate(columns)}
        raw_line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""

        def col_of(name: str) -> int:
            tok = values.get(name)
            if tok is None or not tok.content:
                return 1
            found = raw_line.find(tok.content)
            return found + 1 if found >= 0 else 1

        text = {c: (_plain(t) if t is not None else "") for c, t in values.items()}
        doc_id = text["id"]
        where = Where(rel, line_no, col_of("id"))
        if not ids.SLUG.fullmatch(doc_id):
            diags.append(error(rel, line_no, col_of("id"), f"document id '{doc_id}' is not a slug",
                               ids.hint(doc_id, None, "document ids")))
            continue
        if len(doc_id) > ids.MAX_LENGTH:
            diags.append(error(rel, line_no, col_of("id"), ids.too_long("document id", doc_id), ids.TOO_LONG_HINT))
            continue
        if doc_id in seen:
            diags.append(error(rel, line_no, col_of("id"), f"document id '{doc_id}' is used twice",
                               f"the first use is on line {seen[doc_id]}; ids name output pages and must be unique"))
            continue
        seen[doc_id] = line_no
        if not text["title"]:
            diags.append(error(rel, line_no, col_of("title"), f"document '{doc_id}' has no title"))
        if not text["file"]:
            diags.append(error(rel, line_no, col_of("file"), f"document '{doc_id}' has no file",
                               "give a path relative to seeds/, e.g. 000_report.txt"))
            continue
        published = None
        if text.get("published"):
            try:
                published = edtf.parse(text["published"])
            except edtf.EdtfError as exc:
                diags.append(error(rel, line_no, col_of("published"), f"published: {exc}", exc.hint))
        wrong_language = langtag.problem(text["language"]) if text.get("language") else None
        if wrong_language:
            diags.append(error(rel, line_no, col_of("language"), f"language {wrong_language[0]}", wrong_language[1]))
        url = _cell_url(values["url"]) if values.get("url") is not None else ""
        if url and not re.match(r"https?://[^\s/]+", url, re.I):
            diags.append(warning(rel, line_no, col_of("url"), f"url '{url[:80]}' is not an http(s) address; it is not linked",
                                 "write the address of the original, e.g. https://example.org/story"))
            url = ""
        extra = tuple((c, text[c]) for c in columns if c not in KNOWN and c and text[c])
        metas.append(DocMeta(
            id=DocId(doc_id), file=SourcePath(text["file"]), title=text["title"] or doc_id, where=where,
            source=text.get("source", ""), published=published, url=url,
            language=text.get("language", ""), author=text.get("author", ""), extra=extra,
        ))
    if not metas and not diags:
        diags.append(warning(rel, header_line, 1, "the table lists no documents"))
    return tuple(metas), tuple(diags)


# --- documents ----------------------------------------------------------------


def resolve_file(corpus_dir: Path, meta: DocMeta, real: RealPaths | None = None) -> tuple[Path | None, Diagnostic | None]:
    """The document's path, refusing anything that would leave seeds/."""
    name = meta.file.replace("\\", "/")
    pure = PurePosixPath(name)
    hint = "give a path relative to seeds/ that stays inside it"
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return None, error(meta.where.path, meta.where.line, 1, f"file '{meta.file}' is an absolute path", hint)
    if ".." in pure.parts:
        return None, error(meta.where.path, meta.where.line, 1, f"file '{meta.file}' leaves seeds/ ('..')", hint)
    if any(len(os.fsencode(part)) > NAME_BYTES for part in pure.parts):
        return None, error(meta.where.path, meta.where.line, 1,
                           f"file '{meta.file[:60]}…': a name in it is longer than {NAME_BYTES} bytes, "
                           "more than file systems allow", "give the file a shorter name")
    real = real or RealPaths()
    seeds = real.folder(corpus_dir / "seeds")
    path = real.file(os.path.join(seeds, pure))
    if not _inside(path, seeds):
        return None, error(meta.where.path, meta.where.line, 1,
                           f"file '{meta.file}' is a link that leaves seeds/", hint)
    return Path(path), None


def read_document(corpus_dir: Path, meta: DocMeta, real: RealPaths | None = None
                  ) -> tuple[RawDoc | None, tuple[Diagnostic, ...]]:
    path, problem = resolve_file(corpus_dir, meta, real)
    if problem:
        return None, (problem,)
    assert path is not None
    fmt = FORMATS.get(path.suffix.lower())
    rel = SourcePath(f"seeds/{PurePosixPath(meta.file.replace(chr(92), '/'))}")
    if fmt is None:
        return None, (error(meta.where.path, meta.where.line, 1,
                            f"file '{meta.file}' has an unknown type '{path.suffix}'",
                            "documents are .txt, .md or .html files"),)
    if not os.path.lexists(path):
        return None, (error(meta.where.path, meta.where.line, 1, f"file '{meta.file}' not found in seeds/",
                            _closest_file(corpus_dir / "seeds", meta.file)),)
    text, diags = read_text(path, rel)
    if text is None:
        return None, diags
    blocks = {"txt": txt_blocks, "md": md_blocks, "html": html_blocks}[fmt](text)
    found = list(diags)
    if not blocks:
        found.append(warning(rel, 1, 1, "the document has no text"))
    return RawDoc(meta, fmt, tuple(blocks)), tuple(found)  # type: ignore[arg-type]


def _closest_file(seeds: Path, name: str) -> str:
    import difflib

    names = sorted(p.name for p in seeds.iterdir()) if seeds.is_dir() else []
    close = difflib.get_close_matches(PurePosixPath(name).name, names, n=1)
    return f"did you mean '{close[0]}'?" if close else "check the file name and that the file is in seeds/"


def txt_blocks(text: str) -> list[Block]:
    """Every non-blank line is a paragraph."""
    return [Block("p", line.strip(), n) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def md_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    container: list[str] = []
    tokens = markdown().parse(text)
    for i, tok in enumerate(tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            container.append("li")
        elif tok.type == "blockquote_open":
            container.append("blockquote")
        elif tok.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            container.pop()
        elif tok.type in ("fence", "code_block"):
            content = tok.content.rstrip("\n")
            if content.strip():
                blocks.append(Block("pre", content, (tok.map[0] + 1) if tok.map else 1))
        elif tok.type == "inline":
            parent = tokens[i - 1]
            content, marks = _marked(tok)
            if not content:
                continue
            line = (tok.map[0] + 1) if tok.map else 1
            kind = parent.tag if parent.type == "heading_open" else (container[-1] if container else "p")
            blocks.append(Block(kind, content, line, marks))  # type: ignore[arg-type]
    return blocks


_DROP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript",
              "template", "iframe", "svg", "button", "select", "textarea", "menu", "dialog")
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")


def html_blocks(text: str) -> list[Block]:
    """The article of a saved web page, without its chrome."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    container = _main_container(soup)
    if container is None:
        return []
    blocks: list[Block] = []
    for el in container.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):
            continue
        kind = el.name
        if kind == "p" and el.find_parent("blockquote"):
            kind = "blockquote"
        elif kind == "p" and el.find_parent("li"):
            kind = "li"
        content = el.get_text() if kind == "pre" else " ".join(el.get_text(" ").split())
        if content.strip():
            blocks.append(Block(kind, content, el.sourceline or 1))  # type: ignore[arg-type]
    if not blocks:
        body = container.get_text("\n")
        blocks = [Block("p", " ".join(line.split()), 1) for line in body.split("\n") if line.strip()]
    return blocks


def _main_container(soup: BeautifulSoup) -> Tag | None:
    candidates = soup.find_all("article") or soup.find_all("main") or soup.find_all(attrs={"role": "main"})
    if candidates:
        return max(candidates, key=lambda t: len(t.get_text()))
    return soup.body or soup
