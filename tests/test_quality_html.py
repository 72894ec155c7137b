"""Every page of the example site is valid HTML for the W3C Nu HTML Checker (vnu), and so is
every page built from hostile input (script payloads, odd file names, bad URLs) and from
annotations that nest and overlap (dates and notes inside links, spans across paragraphs).

The checker is the `vnu-jar` npm package pinned in tests/package.json (installed by
`.ci/setup`, or `cd tests && npm ci`), run with Java once over all pages. Outside CI a
missing Java or jar skips the test; in CI (CI=true) it fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
VNU = TESTS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def require(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI must provide it: .ci/setup)")
    pytest.skip(why)


def java() -> str:
    found = shutil.which("java") or ("/usr/bin/java" if Path("/usr/bin/java").exists() else None)
    require(found is not None, "java is not installed (apt-get install default-jre-headless)")
    return found  # type: ignore[return-value]


def vnu_messages(files: list[Path]) -> list[dict]:
    """The checker's messages for `files` (one run, JSON)."""
    require(VNU.exists(), f"{VNU} is missing (cd tests && npm ci)")
    proc = subprocess.run([java(), "-Xss4m", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
                           *map(str, files)], capture_output=True, text=True, timeout=300)
    assert proc.stderr.strip(), f"vnu printed nothing (exit {proc.returncode}): {proc.stdout[-2000:]}"
    return json.loads(proc.stderr)["messages"]


def describe(m: dict, root: Path) -> str:
    where = m.get("url", "").split(str(root) + "/")[-1]
    return f"{where}:{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}: {m['message']}  [{m.get('extract', '').strip()[:120]}]"


def test_every_page_passes_the_nu_html_checker(example_site: Path, tmp_path: Path):
    """The example site, a site built from hostile input and one whose annotations nest and
    overlap in every way (tests/hostile): one checker run for all three."""
    from hostile.corpus import build, nested_corpus
    from hostile.test_injection import hostile_corpus

    sites = [example_site]
    for name, corpus in (("hostile", hostile_corpus()), ("nested", nested_corpus())):
        out = tmp_path / f"{name}-site"
        assert build(corpus.write(tmp_path / name), out).code == 0
        sites.append(out)
    pages = [page for site in sites for page in sorted(site.rglob("*.html"))]
    assert len(pages) > 30
    messages = vnu_messages(pages)
    errors = [describe(m, next(s for s in sites if str(s) + "/" in m.get("url", "") + "/")) for m in messages
              if m["type"] in ("error", "non-document-error") or m.get("subType") == "fatal"]
    assert errors == [], "\n".join(errors)
