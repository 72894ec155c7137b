"""Theme folders obey the link policy of seeds and annotations (issue: nothing lost, nothing leaked, item 3).

A theme folder, or any file below it, that is a link leaving the corpus is refused with a
positioned error; nothing outside the corpus (here a git config holding a token) ever
reaches the site or the bundle.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from builder.commands.cli import main

from .test_inputs import base

TOKEN = "ghp_SECRET0123456789abcdefTOKEN"


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), err.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    outside = tmp_path / "home" / ".git"
    outside.mkdir(parents=True)
    (outside / "config").write_text(f'[remote "origin"]\n\turl = https://x:{TOKEN}@github.com/me/private\n', "utf-8")
    (outside / "style.css").write_text(f"/* {TOKEN} */\n", "utf-8")
    (outside / "base.html").write_text(f"{TOKEN} {{{{ 6 * 7 }}}}", "utf-8")
    return base().write(tmp_path / "corpus")


def _link(corpus: Path, rel: str, target: Path) -> None:
    path = corpus / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


CASES = {
    "static folder": ("themes/default/static", "home/.git"),
    "templates folder": ("themes/default/templates", "home/.git"),
    "theme folder": ("themes/default", "home"),
    "a static file": ("themes/default/static/config.txt", "home/.git/config"),
    "a static file over a built-in one": ("themes/default/static/style.css", "home/.git/style.css"),
    "a folder below static": ("themes/default/static/vendor2", "home/.git"),
    "a template": ("themes/default/templates/base.html", "home/.git/base.html"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["build", "bundle"])
def test_a_theme_link_that_leaves_the_corpus_is_refused(corpus: Path, case: str, command: str) -> None:
    rel, target = CASES[case]
    _link(corpus, rel, corpus.parent / target)
    out = corpus.parent / ("site" if command == "build" else "site.zip")
    code, err = run(command, str(corpus), "-o", str(out), "-q")
    assert code == 1, err
    assert f"{rel}:1:1: error: {rel} is a link that leaves the corpus" in err, err
    assert "hint: copy the file into the corpus" in err and "Traceback" not in err
    assert not out.exists(), "a refused build wrote its output"


def test_the_token_never_reaches_a_site_that_builds(corpus: Path) -> None:
    """A link inside the corpus is fine: the file is the corpus's own."""
    (corpus / "themes" / "default" / "static").mkdir(parents=True)
    (corpus / "extra.css").write_text("body { margin: 0 }\n", "utf-8")
    _link(corpus, "themes/default/static/extra.css", corpus / "extra.css")
    out = corpus.parent / "site"
    code, err = run("build", str(corpus), "-o", str(out), "-q")
    assert code == 0, err
    assert (out / "static" / "extra.css").read_text() == "body { margin: 0 }\n"
    zipped = corpus.parent / "b.zip"
    assert run("bundle", str(corpus), "-o", str(zipped), "-q")[0] == 0
    with zipfile.ZipFile(zipped) as z:
        assert all(TOKEN.encode() not in z.read(n) for n in z.namelist())
    assert all(TOKEN.encode() not in p.read_bytes() for p in out.rglob("*") if p.is_file())
