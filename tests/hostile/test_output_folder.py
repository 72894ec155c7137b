"""The output folder can never swallow inputs (issue: nothing lost, nothing leaked, item 1).

A build replaces its output folder whole. Pointed at the corpus, at a folder above it, at
a folder that looks like a corpus or at someone's folder of work, it must refuse before
touching anything: every file on disk stays as it was.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from builder.commands.cli import main
from builder.site import staging as write

from .corpus import snapshot
from .test_inputs import base


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, err.getvalue()


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """(the parent folder, a corpus inside it), with a sibling folder of someone's work beside the corpus."""
    parent = tmp_path / "work"
    corpus = base().write(parent / "corpus")
    (parent / "thesis").mkdir()
    (parent / "thesis" / "chapter-1.md").write_text("Months of work.\n", "utf-8")
    return parent, corpus


@pytest.mark.parametrize("setting, message", [
    (".", "is the corpus folder itself"),
    ("", "is the corpus folder itself"),
    ("./", "is the corpus folder itself"),
    ("..", "leaves the corpus"),
    ("../thesis", "leaves the corpus"),
    ("site/../..", "leaves the corpus"),
    ("/tmp/glossator-absolute", "is an absolute path"),
    ("seeds", "is inside the corpus's seeds/ folder"),
    ("annotations/site", "is inside the corpus's annotations/ folder"),
    ("themes", "is inside the corpus's themes/ folder"),
    ("glossator.toml", "is the corpus's settings file"),
])
def test_an_output_setting_that_would_swallow_inputs_is_refused_at_its_line(
        world: tuple[Path, Path], setting: str, message: str) -> None:
    parent, corpus = world
    (corpus / "glossator.toml").write_text(f'title = "T"\noutput = "{setting}"\n', "utf-8")
    before = snapshot(parent)
    code, err = run("build", str(corpus), "-q")
    assert code == 1, err
    assert re.search(rf"^glossator\.toml:2:10: error: output '{re.escape(setting)}' {re.escape(message)}", err, re.M), err
    assert "hint:" in err and "Traceback" not in err
    assert snapshot(parent) == before, "a refused build touched the disk"


@pytest.mark.parametrize("out", [".", "..", "CORPUS", "PARENT", "/", "seeds", "seeds/site", "annotations/x",
                                 "themes/default/static", "OTHER_CORPUS", "HOLDS_TOML"])
@pytest.mark.parametrize("command", ["build", "build --force"])
def test_an_out_folder_that_is_or_holds_a_corpus_is_refused_even_with_force(
        world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, out: str, command: str) -> None:
    parent, corpus = world
    other = base().write(parent / "other-corpus")
    (parent / "settings-only").mkdir()
    (parent / "settings-only" / "glossator.toml").write_text('title = "x"\n', "utf-8")
    named = {"CORPUS": str(corpus), "PARENT": str(parent), "OTHER_CORPUS": str(other),
             "HOLDS_TOML": str(parent / "settings-only")}.get(out, out)
    monkeypatch.chdir(corpus)
    before = snapshot(parent)
    code, err = run(*command.split(), ".", "-o", named, "-q")
    assert code == 2, err
    assert err.startswith(f"glossator build: error: --out {named}: ") and "\n  hint: " in err, err
    assert "Traceback" not in err
    assert snapshot(parent) == before, "a refused build touched the disk"


def test_a_folder_of_someones_work_is_replaced_only_with_force(world: tuple[Path, Path]) -> None:
    parent, corpus = world
    thesis = parent / "thesis"
    before = snapshot(parent)
    code, err = run("build", str(corpus), "-o", str(thesis), "-q")
    assert code == 2 and "was not written by Glossator" in err and "--force" in err, err
    assert snapshot(parent) == before
    code, err = run("build", str(corpus), "-o", str(thesis), "-q", "--force")
    assert code == 0, err
    assert (thesis / "index.html").is_file() and (thesis / write.MARKER).is_file()
    assert not (thesis / "chapter-1.md").exists()


def test_the_default_output_folder_holding_other_files_is_refused_at_the_setting(world: tuple[Path, Path]) -> None:
    parent, corpus = world
    (corpus / "site").mkdir()
    (corpus / "site" / "notes.txt").write_text("mine\n", "utf-8")
    before = snapshot(parent)
    code, err = run("build", str(corpus), "-q")
    assert code == 1 and err.startswith("site: error: output 'site': ") and "--force" in err, err
    assert snapshot(parent) == before
    (corpus / "glossator.toml").write_text('\noutput = "site"\n', "utf-8")
    code, err = run("build", str(corpus), "-q")
    assert code == 1 and err.startswith("glossator.toml:2:10: error: output 'site': "), err


def test_a_site_is_marked_and_replaced_by_the_next_build_and_an_earlier_versions_site_counts(
        world: tuple[Path, Path]) -> None:
    parent, corpus = world
    assert run("build", str(corpus), "-q")[0] == 0
    site = corpus / "site"
    assert (site / write.MARKER).read_bytes() == write.MARKER_TEXT
    assert run("build", str(corpus), "-q")[0] == 0, "a site Glossator wrote is replaced without --force"
    (site / write.MARKER).unlink()        # as an earlier version left it: recognised by its own pages
    assert write.replaceable(site)
    code, err = run("build", str(corpus), "-q")
    assert code == 0, err
    (site / write.MARKER).unlink()
    (site / "index.html").write_text("<!doctype html><title>my own page</title>\n", "utf-8")
    (site / ".nojekyll").unlink()
    assert not write.replaceable(site)
    assert run("build", str(corpus), "-q")[0] == 1
    empty = parent / "empty"
    empty.mkdir()
    assert run("build", str(corpus), "-o", str(empty), "-q")[0] == 0, "an empty folder is fine"


def test_an_output_that_is_a_file_is_refused(world: tuple[Path, Path]) -> None:
    parent, corpus = world
    (parent / "a-file").write_text("x", "utf-8")
    code, err = run("build", str(corpus), "-o", str(parent / "a-file"), "--force", "-q")
    assert code == 2 and "is not a folder" in err and (parent / "a-file").read_text() == "x"


def test_build_and_write_refuses_too_for_callers_of_the_library(world: tuple[Path, Path]) -> None:
    from builder.run import pipeline

    parent, corpus = world
    before = snapshot(parent)
    result = pipeline.build_and_write(corpus, parent)
    assert not result.ok and "holds the corpus" in result.diagnostics[0].message
    assert snapshot(parent) == before


@pytest.mark.parametrize("target, message, code", [
    ("seeds/INDEX.md", "inside the corpus's seeds/ folder", 2),
    ("annotations/a.yaml", "inside the corpus's annotations/ folder", 2),
    ("glossator.toml", "the corpus's settings file", 2),
    ("../thesis/chapter-1.md", "exists and is not a zip", 2),
])
def test_bundle_out_never_overwrites_an_input_or_someones_file(
        world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, target: str, message: str, code: int) -> None:
    parent, corpus = world
    (corpus / "glossator.toml").write_text('title = "T"\n', "utf-8")
    monkeypatch.chdir(corpus)
    before = snapshot(parent)
    got, err = run("bundle", ".", "-o", target, "-q")
    assert got == code and message in err and "hint:" in err, err
    assert snapshot(parent) == before


def test_bundle_force_replaces_a_file_that_is_not_a_zip_but_never_an_input(world: tuple[Path, Path]) -> None:
    parent, corpus = world
    notes = parent / "notes.zip"
    notes.write_text("not a zip", "utf-8")
    assert run("bundle", str(corpus), "-o", str(notes), "-q")[0] == 2
    assert notes.read_text() == "not a zip"
    assert run("bundle", str(corpus), "-o", str(notes), "-q", "--force")[0] == 0
    assert notes.read_bytes()[:4] == b"PK\x03\x04"
    assert run("bundle", str(corpus), "-o", str(notes), "-q")[0] == 0, "a zip is replaced without --force"
    index = (corpus / "seeds" / "INDEX.md").read_bytes()
    assert run("bundle", str(corpus), "-o", str(corpus / "seeds" / "INDEX.md"), "-q", "--force")[0] == 2
    assert (corpus / "seeds" / "INDEX.md").read_bytes() == index
