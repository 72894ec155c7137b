"""Golden files: the rendered pages of tests/golden/corpus, byte for byte.

A change to templates or markup shows up here as a readable diff. When the change is
intended, regenerate the expected files and review them in the commit:

    GLOSSATOR_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from builder.run.pipeline import build

HERE = Path(__file__).resolve().parent / "golden"
CORPUS, EXPECTED = HERE / "corpus", HERE / "expected"
# Pages and generated files; the theme's own static files are not corpus output, and the
# search page is an empty shell filled by search.js (tested in the browser instead).
KEPT = lambda p: p.endswith(".html") and p != "search.html"  # noqa: E731


def rendered() -> dict[str, bytes]:
    result = build(CORPUS)
    assert result.diagnostics == (), "\n".join(d.format() for d in result.diagnostics)
    return {p: b for p, b in result.site.items() if KEPT(p)}


def test_golden_pages() -> None:
    site = rendered()
    if os.environ.get("GLOSSATOR_UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for path, data in site.items():
            (EXPECTED / path).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / path).write_bytes(data)
        pytest.skip("golden files regenerated: review them with git diff")
    expected = {p.relative_to(EXPECTED).as_posix(): p.read_bytes() for p in EXPECTED.rglob("*") if p.is_file()}
    assert sorted(site) == sorted(expected), "the set of pages changed"
    for path in sorted(site):
        if site[path] != expected[path]:
            diff = "\n".join(difflib.unified_diff(expected[path].decode().splitlines(), site[path].decode().splitlines(),
                                                  f"expected/{path}", f"built/{path}", lineterm="", n=2))
            pytest.fail(f"{path} differs from its golden file:\n{diff[:6000]}")
