"""No traceback reaches an author (issue: nothing lost, nothing leaked, item 6).

Each of these crashed the build with a Python traceback; each must be a positioned
diagnostic with a hint, exit 1, and leave the site already in the output folder as it was.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from builder.html.theme import BUILTIN_THEME

from .corpus import Corpus, build
from .test_inputs import GOOD_TEXT, base, refused, site, unchanged  # noqa: F401 - site is a fixture

TEMPLATE = "themes/default/templates/{}"


def _with(tmp_path: Path, change: callable) -> Path:
    root = base().write(tmp_path / "c")
    change(root)
    return root


def test_settings_that_are_not_utf8(tmp_path: Path, site: tuple[Path, dict[str, bytes]]) -> None:
    out, before = site
    root = _with(tmp_path, lambda r: (r / "glossator.toml").write_bytes(b'title = "caf\xe9"\n'))
    run = build(root, out)
    refused(run, "glossator.toml", "not valid UTF-8")
    assert re.search(r"^glossator\.toml:1:13: error", run.err, re.M), run.err
    unchanged(out, before)


def test_settings_that_are_a_folder(tmp_path: Path, site: tuple[Path, dict[str, bytes]]) -> None:
    out, before = site
    run = build(_with(tmp_path, lambda r: (r / "glossator.toml").mkdir()), out)
    refused(run, "glossator.toml", "this is a folder, not a file")
    unchanged(out, before)


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_settings_that_never_end(tmp_path: Path, special: str, site: tuple[Path, dict[str, bytes]]) -> None:
    """A named pipe would block the build forever; /dev/zero (through a link) would fill the memory."""
    out, before = site

    def change(root: Path) -> None:
        if special == "fifo":
            os.mkfifo(root / "glossator.toml")
        else:
            (root / "glossator.toml").symlink_to("/dev/zero")

    root = _with(tmp_path, change)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(build(root, out)), daemon=True)
    worker.start()
    worker.join(30)
    assert result, "the build is still waiting on the file"
    refused(result[0], "glossator.toml", "not a regular file" if special == "fifo" else "link that leaves the corpus")
    unchanged(out, before)


def test_a_document_file_name_longer_than_file_systems_allow(tmp_path: Path,
                                                           site: tuple[Path, dict[str, bytes]]) -> None:
    out, before = site
    c = base()
    c.doc("long", "x" * 300 + ".txt", None)
    run = build(c.write(tmp_path / "c"), out)
    refused(run, "seeds/INDEX.md", "longer than 255 bytes")
    line = next(m for m in run.errors() if "255 bytes" in m["msg"])
    assert line["line"] == str(8), "the error points at the document's row of the table"
    unchanged(out, before)


def test_a_document_that_is_a_pipe(tmp_path: Path, site: tuple[Path, dict[str, bytes]]) -> None:
    out, before = site
    c = base()
    c.doc("piped", "piped.txt", None)
    root = c.write(tmp_path / "c")
    os.mkfifo(root / "seeds" / "piped.txt")
    result: list = []
    worker = threading.Thread(target=lambda: result.append(build(root, out)), daemon=True)
    worker.start()
    worker.join(30)
    assert result, "the build is still waiting on the pipe"
    refused(result[0], "seeds/piped.txt", "not a regular file")
    unchanged(out, before)


_BUILTIN_READING = (BUILTIN_THEME / "templates" / "_reading.html").read_text("utf-8")
TEMPLATE_CASES = {
    # template file, its text, the line of the error, the message
    "undefined": ("entity.html", '{% extends "base.html" %}\n{% block main %}\n<p>{{ doc.title }}</p>\n{% endblock %}\n',
                  3, "template error: 'doc' is undefined (rendering entities/zamir-kabulov.html)"),
    "unknown filter": ("404.html", '{% extends "base.html" %}\n{% block main %}{{ site_title | shout }}{% endblock %}\n',
                       2, "template error: No filter named 'shout'."),
    "syntax": ("timeline.html", '{% extends "base.html" %}\n\n{% block main %}{{ x }{% endblock %}\n',
               3, "template error: unexpected '}'"),
    "arithmetic": ("quotes.html", '{% extends "base.html" %}\n{% block main %}{{ 1 / 0 }}{% endblock %}\n',
                   2, "template error: ZeroDivisionError: division by zero (rendering quotes.html)"),
    "missing parent": ("index.html", '{% extends "layout.html" %}\n', 1, "template error: template 'layout.html' not found"),
    "a page the document template fails": (
        "document.html", '{% extends "base.html" %}\n{% block main %}{{ doc.nothing.deeper }}{% endblock %}\n', 2,
        "template error: 'builder.core.models.DocMeta object' has no attribute 'nothing' (rendering docs/a.html)"),
    "a piece of the reading text missing": (
        "_reading.html", '{% macro speaker_chip(name, via, initials, short) %}{{ name }}{% endmacro %}\n', 1,
        "template error: _reading.html defines no macro conflict_link, go_link, reading_text, source_lines"),
    "a piece of the reading text that takes the wrong arguments": (
        "_reading.html", _BUILTIN_READING.replace("{% macro go_link(href, label, external) -%}",
                                                  "{% macro go_link(href, label) -%}"), 1,
        "template error: in _reading.html, these macros must take these arguments: go_link(href, label, external)"),
    "a piece of the reading text that fails": (
        "_reading.html", _BUILTIN_READING.replace("{% macro speaker_chip(name, via, initials, short) -%}",
                                                  "{% macro speaker_chip(name, via, initials, short) -%}{{ 1 / 0 }}"),
        _BUILTIN_READING[:_BUILTIN_READING.index("{% macro speaker_chip")].count("\n") + 1,
        "template error: ZeroDivisionError: division by zero (rendering docs/a.html)"),
}


@pytest.mark.parametrize("case", TEMPLATE_CASES)
def test_a_theme_template_error_is_reported_at_its_line(tmp_path: Path, case: str,
                                                        site: tuple[Path, dict[str, bytes]]) -> None:
    out, before = site
    name, text, line, message = TEMPLATE_CASES[case]

    def change(root: Path) -> None:
        path = root / TEMPLATE.format(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")

    run = build(_with(tmp_path, change), out)
    refused(run, TEMPLATE.format(name), message)
    found = next(m for m in run.errors() if m["path"] == TEMPLATE.format(name))
    assert int(found["line"]) == line, run.err
    assert "hint: fix the template in your theme" in run.err
    unchanged(out, before)


def test_one_template_mistake_on_many_pages_is_one_error(tmp_path: Path) -> None:
    c = Corpus(entities={"people": {f"p{i}": {"name": f"Person {i}"} for i in range(12)}})
    c.doc("a", "a.txt", GOOD_TEXT, "Report A")
    root = c.write(tmp_path / "c")
    (root / "themes/default/templates").mkdir(parents=True)
    (root / TEMPLATE.format("entity.html")).write_text('{% extends "base.html" %}{% block main %}{{ nope }}{% endblock %}')
    run = build(root, tmp_path / "out")
    assert len(run.errors()) == 1, run.err
    assert "'nope' is undefined (rendering entities/p0.html and 11 other pages)" in run.err


def test_template_errors_in_serve_are_reported_and_the_last_good_page_kept(tmp_path: Path) -> None:
    from builder.run.live import LiveSite

    root = base().write(tmp_path / "c")
    builder = LiveSite(root)
    assert builder.build().ok
    good = builder.site()["404.html"]
    path = root / TEMPLATE.format("404.html")
    path.parent.mkdir(parents=True)
    path.write_text('{% extends "base.html" %}{% block main %}{{ 1 / 0 }}{% endblock %}')
    update = builder.build([path], first=["404.html"])
    assert not update.ok
    assert [d.path for d in update.diagnostics if d.severity == "error"] == [TEMPLATE.format("404.html")]
    assert builder.get("404.html") == good
    path.write_text('{% extends "base.html" %}{% block main %}<p id="fixed">fixed</p>{% endblock %}')
    update = builder.build([path], first=["404.html"])
    assert update.ok and b'id="fixed"' in builder.get("404.html")

