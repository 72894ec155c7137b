"""The vendored lunr.js is 2.3.9 from npm, unmodified, with its licence."""

from __future__ import annotations

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "themes" / "default" / "static" / "vendor" / "lunr"
SHA256 = {
    "lunr.js": "9431726f05c0eae2a6e54dc197709422869f25cad44f2430d2fb7ddae80cc717",
    "LICENSE": "ae33f5a0d538cd93de1136a052ffa734b59d6b28e7cfc19e03de1d8b5d9f40ea",
}


def test_lunr_js_is_the_npm_release_unmodified() -> None:
    for name, digest in SHA256.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_vendor_readme_names_source_and_hashes() -> None:
    readme = (VENDOR / "README.md").read_text("utf-8")
    assert "npm pack lunr@2.3.9" in readme
    for digest in SHA256.values():
        assert digest in readme
    assert "lunr.version = \"2.3.9\"" in (VENDOR / "lunr.js").read_text("utf-8")
