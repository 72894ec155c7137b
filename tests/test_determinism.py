"""Builds are deterministic: the same corpus gives byte-identical files.

The example corpus is built twice, by two separate processes with different hash seeds
(so set and dict iteration orders differ), into two different folders; every file must be
byte-identical, and neither build may name its output folder inside a page.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "builder", "build", str(ROOT), "--out", str(out), "-q"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_two_builds_are_byte_identical(tmp_path: Path, example_site: Path):
    a, b = tmp_path / "one" / "site", tmp_path / "two" / "elsewhere"
    build(a, "1")
    build(b, "2024")
    first, second = files(a), files(b)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == [], f"files that differ between two builds: {differ}"
    # The session's in-process build (another folder, another process) agrees too.
    third = files(example_site)
    assert sorted(third) == sorted(first)
    assert [n for n in first if first[n] != third[n]] == []
    for folder in (a, b, example_site):
        leaked = [n for n, data in first.items() if str(folder).encode() in data]
        assert leaked == [], f"the output folder's path is written into {leaked}"
