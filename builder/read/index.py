"""Read `seeds/INDEX.md`: the corpus title, its introduction, and the table of documents.

Read with markdown-it-py, never with regexes; every row becomes a `DocMeta` with the line
it is on, and every problem a diagnostic at its cell.
"""

from __future__ import annotations

import re
from typing import Iterable

from markdown_it.token import Token

from builder.core import edtf, ids, langtag
from builder.core.diagnostics import Diagnostic, error, warning
from builder.core.models import DocId, DocMeta, SourcePath, Where
from builder.read.documents import blocks_only, inline_children, plain
from builder.read.files import Text

REQUIRED = ("id", "file", "title")
KNOWN = ("id", "file", "title", "source", "published", "url", "language", "author")
INDEX = SourcePath("seeds/INDEX.md")


def read_index(source: Text) -> tuple[str, str, tuple[DocMeta, ...], tuple[Diagnostic, ...]]:
    """(title, introduction, document rows, diagnostics) from seeds/INDEX.md."""
    if source.text is None:
        return "", "", (), source.found
    title, intro, metas, index_diags = parse_index(source.text, source.rel)
    return title, intro, metas, (*source.found, *index_diags)


def doc_ids(metas: Iterable[DocMeta], found: Iterable[Diagnostic]) -> frozenset[DocId] | None:
    """The ids that references are checked against; None when INDEX.md could not be read (no
    rows, and errors): then every sidecar and link would be reported too, burying its error."""
    metas = tuple(metas)
    if not metas and any(d.severity == "error" for d in found):
        return None
    return frozenset(m.id for m in metas)


def parse_index(text: str, rel: SourcePath) -> tuple[str, str, tuple[DocMeta, ...], tuple[Diagnostic, ...]]:
    env: dict = {}
    tokens = blocks_only().parse(text, env)
    inline_children(tokens, env)
    lines = text.split("\n")
    diags: list[Diagnostic] = []
    title = ""
    title_end = 0
    table_start: int | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1" and not title:
            title = plain(tokens[i + 1])
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


def _cell_url(inline: Token) -> str:
    for child in inline.children or []:
        if child.type == "link_open":
            return str(child.attrs.get("href", ""))
    return plain(inline)


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
    columns = [plain(c).strip().lower() for c in header]
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

        text = {c: (plain(t) if t is not None else "") for c, t in values.items()}
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
