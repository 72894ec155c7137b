"""docs/authoring.md's example corpus builds, and renders what the guide says it does."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from builder.run.pipeline import build

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "authoring.md"
FILE_BLOCK = re.compile(r"\*\*File: (?P<path>[^*]+)\*\*\n\n```[a-z]*\n(?P<body>.*?)\n```", re.S)


def write_guide_corpus(root: Path) -> list[str]:
    paths = []
    for m in FILE_BLOCK.finditer(GUIDE.read_text("utf-8")):
        path = root / m.group("path")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(m.group("body") + "\n", "utf-8")
        paths.append(m.group("path"))
    return paths


def test_the_guide_example_builds_with_no_error_and_no_warning(tmp_path: Path) -> None:
    paths = write_guide_corpus(tmp_path)
    assert {"seeds/INDEX.md", "annotations/entities.yaml", "annotations/tass-kabulov.yaml", "glossator.toml"} <= set(paths)
    result = build(tmp_path)
    assert result.diagnostics == (), "\n".join(d.format() for d in result.diagnostics)
    tass = BeautifulSoup(result.site["docs/tass-kabulov.html"], "html.parser")
    article = tass.find("article")
    assert "Share this article" not in article.get_text()
    assert article.find(id="kabulov-guarding")["data-speaker"] == "zamir-kabulov"
    assert article.find("time")["datetime"] == "2021-08-16"
    wire = BeautifulSoup(result.site["docs/wire-kabulov.html"], "html.parser").find("article")
    assert "Comments are closed" not in wire.get_text() and "Home" not in wire.get_text()
    assert "russia" in [a["data-entity"] for a in wire.select("a.mention")]
    assert any(a.get_text() == "Zamir Kabul" and a["data-entity"] == "zamir-kabulov" for a in wire.select("a.mention"))


def test_the_guide_shows_a_real_error_message(tmp_path: Path) -> None:
    write_guide_corpus(tmp_path)
    sidecar = tmp_path / "annotations" / "tass-kabulov.yaml"
    sidecar.write_text(sidecar.read_text().replace(
        "text: We will carefully see how responsibly they govern the country",
        "text: We will carefully see how responsible they govern"))
    shown = re.search(r"```text\n(annotations/tass-kabulov\.yaml:.*?)\n```", GUIDE.read_text(), re.S).group(1)
    found = build(tmp_path).diagnostics
    assert len(found) == 1
    assert found[0].format().replace("error: ", "") == shown.replace("error: ", "")
