"""The write stage: the whole site swapped in at once, nothing written outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.core.models import SitePath
from builder.site import staging as write


def _tree(root: Path) -> dict[str, bytes]:
    """The site's files, without the marker that says Glossator wrote the folder."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).as_posix() != write.MARKER}


def test_writes_every_file_and_replaces_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write.write_site({SitePath("index.html"): b"one", SitePath("docs/a.html"): b"a"}, out)
    write.write_site({SitePath("index.html"): b"two", SitePath("docs/deep/b.html"): b"b",
                      SitePath("search/t-1.js"): b"t"}, out)
    assert _tree(out) == {"index.html": b"two", "docs/deep/b.html": b"b", "search/t-1.js": b"t"}
    assert (out / write.MARKER).read_bytes() == write.MARKER_TEXT
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "no staging or old folder left behind"


@pytest.mark.parametrize("bad", ["../escape.html", "docs/../../escape.html", "/abs.html", "a//b.html", "./x.html",
                                 "docs\\..\\x.html"])
def test_a_path_that_could_leave_the_site_is_refused_and_the_old_site_kept(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "site"
    write.write_site({SitePath("index.html"): b"old"}, out)
    with pytest.raises(ValueError, match="outside the site"):
        write.write_site({SitePath("index.html"): b"new", SitePath(bad): b"x"}, out)
    assert _tree(out) == {"index.html": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_staging_writes_in_batches_each_file_once_and_vanishes_unless_finished(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write.write_site({SitePath("index.html"): b"old"}, out)
    with write.Staging(out) as staging:
        staging.write({SitePath("docs/a.html"): b"a"})
        assert staging.folder is not None and (staging.folder / "docs" / "a.html").read_bytes() == b"a"
        assert _tree(out) == {"index.html": b"old"}, "nothing reaches the site before finish()"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "an unfinished staging folder is removed"
    with write.Staging(out) as staging:
        staging.write({SitePath("docs/a.html"): b"a"})
        staging.finish({SitePath("docs/a.html"): b"a", SitePath("index.html"): b"new"})
    assert _tree(out) == {"docs/a.html": b"a", "index.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_build_writes_its_search_files_from_the_index_process_and_a_link_error_leaves_nothing(
        tmp_path: Path) -> None:
    """The search index's child writes its own files into the staging folder; when linking
    fails after that child has started, the child is stopped and the folder removed."""
    from builder.run import pipeline
    from tests.factory import two_docs

    root = two_docs(tmp_path / "corpus")
    out = tmp_path / "site"
    result = pipeline.build_and_write(root, out)
    assert result.ok and _tree(out) == dict(result.site)
    assert any(p.startswith("search/") for p in result.site)
    before = _tree(out)
    (root / "annotations" / "a.yaml").write_text(
        "links:\n  - {text: Kabulov added, to: 'doc:b#q-nothing-here'}\n", "utf-8")
    failed = pipeline.build_and_write(root, out)
    assert not failed.ok and "no annotation 'q-nothing-here'" in "\n".join(d.message for d in failed.diagnostics)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "site"], "no staging folder left behind"
