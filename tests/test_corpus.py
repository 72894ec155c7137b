"""Reading the corpus: INDEX.md with markdown-it-py, and .txt, .md and .html documents."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.core.models import SourcePath
from builder.read import documents, files, index
from builder.read.files import CorpusFiles
from tests.factory import make_corpus

INDEX = """\
# Russia and the *Taliban*

First paragraph of the introduction.

Second paragraph, with a [link](https://example.org).

| id | file | title | source | published | url | desk |
|----|------|-------|--------|-----------|-----|------|
| rt-1 | a.txt | A `title` | RT | 2021-08-24~ | <https://rt.com/x> | Moscow |
| b | b.md | B | | | [the page](https://b.example/) | |

Text after the table is ignored.
"""


def read_all(root: Path) -> tuple[SimpleNamespace, tuple]:
    """INDEX.md and every document it lists, read as the pipeline reads them."""
    files = CorpusFiles(root)
    title, intro, metas, found = index.read_index(files.text(index.INDEX))
    docs, problems = [], list(found)
    for meta in metas:
        doc, more = documents.read_document(meta, files.document(meta))
        problems.extend(more)
        if doc is not None:
            docs.append(doc)
    return SimpleNamespace(title=title, intro_md=intro, index_path=index.INDEX, docs=tuple(docs)), tuple(problems)


def test_index_title_intro_table_and_extra_columns() -> None:
    title, intro, metas, diags = index.parse_index(INDEX, SourcePath("seeds/INDEX.md"))
    assert diags == ()
    assert title == "Russia and the Taliban"
    assert intro == "First paragraph of the introduction.\n\nSecond paragraph, with a [link](https://example.org)."
    a, b = metas
    assert (a.id, a.file, a.title, a.source, a.url, a.extra) == ("rt-1", "a.txt", "A title", "RT", "https://rt.com/x",
                                                                 (("desk", "Moscow"),))
    assert a.published is not None and a.published.approximate and a.where.line == 9
    assert (b.url, b.published, b.where.line) == ("https://b.example/", None, 10)


def test_missing_required_column_and_missing_table() -> None:
    _, _, _, diags = index.parse_index("# T\n\n| id | title |\n|---|---|\n| a | A |\n", SourcePath("seeds/INDEX.md"))
    assert diags[0].message == "the table has no column 'file'" and diags[0].line == 3
    _, _, _, diags = index.parse_index("just text\n", SourcePath("seeds/INDEX.md"))
    assert {d.message for d in diags} == {"INDEX.md has no '# ' heading", "INDEX.md has no table of documents"}


def test_txt_every_non_blank_line_is_a_paragraph_with_its_line() -> None:
    blocks = documents.txt_blocks("One.\n\n  Two.  \nThree.\n")
    assert [(b.text, b.line) for b in blocks] == [("One.", 1), ("Two.", 3), ("Three.", 4)]


def test_md_blocks_keep_structure_and_plain_text() -> None:
    blocks = documents.md_blocks("# Head\n\nSome *emphasis* and [a link](http://x).\n\n- item one\n- item two\n\n> quoted\n\n```\ncode\n```\n")
    assert [(b.kind, b.text, b.line) for b in blocks] == [
        ("h1", "Head", 1), ("p", "Some emphasis and a link.", 3), ("li", "item one", 5), ("li", "item two", 6),
        ("blockquote", "quoted", 8), ("pre", "code", 10)]


def test_md_emphasis_code_and_web_links_become_marks_on_the_plain_text() -> None:
    [block] = documents.md_blocks("  See *the **full** report*, `code` and [TASS](https://tass.com/a?b=1) or "
                               "[a page](page.html) or [mail](mailto:desk@example.org).\n")
    text = block.text
    assert text == "See the full report, code and TASS or a page or mail."
    got = [(m.kind, text[m.start:m.end], m.href) for m in block.marks]
    assert got == [("em", "the full report", ""), ("strong", "full", ""), ("code", "code", ""),
                   ("link", "TASS", "https://tass.com/a?b=1"), ("link", "mail", "mailto:desk@example.org")], \
        "a relative link points nowhere on the site: its words stay, unlinked"


def test_md_links_that_could_run_script_are_never_marks() -> None:
    for source in ("[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](data:text/html,<script>1</script>)",
                   "[x](vbscript:msgbox)", "[x](file:///etc/passwd)", "<javascript:alert(1)>"):
        blocks = documents.md_blocks(source + "\n")
        assert all(m.kind != "link" for b in blocks for m in b.marks), source


def test_html_takes_the_article_not_the_chrome() -> None:
    page = """<html><head><title>x</title><script>var a = 1;</script></head><body>
<nav><p>Skip to main content</p></nav>
<header><p>Site name</p></header>
<article><h1>Envoy speaks</h1>
<p>The envoy <b>said</b> on Thursday
that ties exist.</p>
<aside><p>Related: other story</p></aside>
<blockquote><p>We have ties.</p></blockquote>
<ul><li>one</li><li><p>two</p></li></ul>
</article>
<footer><p>Comments are closed.</p></footer></body></html>"""
    blocks = documents.html_blocks(page)
    assert [(b.kind, b.text) for b in blocks] == [
        ("h1", "Envoy speaks"), ("p", "The envoy said on Thursday that ties exist."),
        ("blockquote", "We have ties."), ("li", "one"), ("li", "two")]
    assert blocks[1].line == 5


def test_html_without_paragraphs_falls_back_to_lines() -> None:
    assert [b.text for b in documents.html_blocks("<div>one<br>two</div>")] == ["one", "two"]


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.txt", "title": "A"}], {"a.txt": b"\xef\xbb\xbfOne.\r\nTwo.\r\n"})
    read, diags = read_all(root)
    assert diags == ()
    assert [b.text for b in read.docs[0].blocks] == ["One.", "Two."]


def test_empty_document_is_a_warning_not_an_error(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.txt", "title": "A"}], {"a.txt": ""})
    read, diags = read_all(root)
    assert [(d.severity, d.message) for d in diags] == [("warning", "the document has no text")]
    assert read.docs[0].blocks == ()


def test_unknown_file_type(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.pdf", "title": "A"}], {"a.pdf": "x"})
    _, diags = read_all(root)
    assert "unknown type '.pdf'" in diags[0].message


def test_a_url_that_is_not_http_is_not_linked() -> None:
    text = "# T\n\n| id | file | title | url |\n|---|---|---|---|\n| a | a.txt | A | javascript:alert(1) |\n"
    _, _, metas, diags = index.parse_index(text, SourcePath("seeds/INDEX.md"))
    assert metas[0].url == ""
    assert [(d.severity, d.line) for d in diags] == [("warning", 5)] and "not an http(s) address" in diags[0].message


# --- INDEX.md's cells: plain runs skip the inline parser -------------------------------------

CELL = st.lists(st.sampled_from(list("ab :-.#1é\\`*_[]()!<>&;/\"'~=+@") + ["http://x.y", "&amp;", "[l](http://e.f)", "[ref]"]),
                max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=6), CELL)
def test_index_cells_read_as_the_full_markdown_parse_reads_them(rows: list[list[str]], title: str) -> None:
    """parse_index leaves out the inline pass for cells with nothing but plain text (most of
    them): every cell and the title must come out as markdown-it's own inline pass gives them."""
    lines = [f"# {title}", "", "| id | file | title |", "| --- | --- | --- |"]
    lines += ["| " + " | ".join(c.replace("|", "") for c in row) + " |" for row in rows]
    lines += ["", "[ref]: http://r.s"]
    text = "\n".join(lines) + "\n"
    full = [t for t in documents.markdown().parse(text) if t.type == "inline"]
    env: dict = {}
    fast = [t for t in documents.blocks_only().parse(text, env) if t.type == "inline"]
    documents.inline_children(fast, env)
    assert [t.content for t in fast] == [t.content for t in full]
    for f, g in zip(fast, full):
        assert documents.marked(f) == documents.marked(g), f.content
        assert index._cell_url(f) == index._cell_url(g), f.content
    assert index.parse_index(text, SourcePath("seeds/INDEX.md"))[0] == documents.plain(full[0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab.X/", max_size=6), min_size=1, max_size=3).map("/".join))
def test_a_documents_suffix_is_what_pathlib_says(path: str) -> None:
    """document_path tells a document's type by files._suffix, which must agree with
    PurePosixPath(...).suffix on every name ('a.', '.txt', '..txt', 'a.b.', trailing slashes)."""
    assert files._suffix(path) == PurePosixPath(path).suffix, path
