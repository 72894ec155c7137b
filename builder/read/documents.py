"""Read a document in its format: each `.txt` line, Markdown block or saved page's article
paragraph becomes a source block with the line it starts on, and Markdown's inline
formatting becomes marks on it. The file itself was read by builder.read.files.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.token import Token

from builder.core.diagnostics import Diagnostic, warning
from builder.core.models import Block, DocMeta, Mark, RawDoc
from builder.read.files import FORMATS, Text

if TYPE_CHECKING:  # bs4 takes a fifth of a second to import: only saved pages need it
    from bs4 import BeautifulSoup, Tag


def read_document(meta: DocMeta, source: Text) -> tuple[RawDoc | None, tuple[Diagnostic, ...]]:
    """The document's blocks, or None and the problems of its file."""
    if source.text is None:
        return None, source.found
    fmt = FORMATS[PurePosixPath(source.rel).suffix.lower()]
    blocks = {"txt": txt_blocks, "md": md_blocks, "html": html_blocks}[fmt](source.text)
    found = list(source.found)
    if not blocks:
        found.append(warning(source.rel, 1, 1, "the document has no text"))
    return RawDoc(meta, fmt, tuple(blocks)), tuple(found)  # type: ignore[arg-type]


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@cache
def markdown() -> MarkdownIt:
    """One parser for every file: making one costs a third of a millisecond, parsing keeps no state in it."""
    return _parser()


@cache
def blocks_only() -> MarkdownIt:
    """markdown() without its inline pass: INDEX.md's cells get theirs from inline_children (a table of
    1,000 documents is 5,000 cells, ~60 ms of inline parsing before any document is read)."""
    return _parser().disable(["inline", "text_join"])


# Where an inline rule other than plain text can match: a line break, an escape, a code span,
# emphasis, a link or image, an autolink, an entity. A run without any is one text token.
_INLINE_START = re.compile(r"[\n\\`*_\[!<&]")


def inline_children(tokens: list[Token], env: dict) -> None:
    """Give each inline token the children markdown()'s own inline pass would, except that
    a plain run (most cells: ids, file names, dates, words), which would be one text token,
    keeps children None: marked() reads its content as that text."""
    search, parse = _INLINE_START.search, markdown().parseInline
    for tok in tokens:
        if tok.type == "inline":
            tok.children = None if search(tok.content) is None else parse(tok.content, env)[0].children


def plain(inline: Token) -> str:
    """The text of an inline run (a title, a table cell) without its formatting."""
    return marked(inline)[0]


_MARK_OPEN = {"em_open": "em", "strong_open": "strong", "link_open": "link"}
_MARK_CLOSE = {"em_close": "em", "strong_close": "strong", "link_close": "link"}
_SAFE_HREF = re.compile(r"(?:https?://|mailto:)[^\s]*\Z", re.IGNORECASE)


def marked(inline: Token) -> tuple[str, tuple[Mark, ...]]:
    """The plain text of a Markdown paragraph, and its emphasis, code and links as marks.

    Links keep their target only if it is an http(s) or mailto URL: a relative link in a
    source file points nowhere on the site, and anything else could run script.
    """
    if inline.children is None:   # a plain run (see inline_children)
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
            content, marks = marked(tok)
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
