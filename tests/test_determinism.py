"""Builds are deterministic: the same corpus gives byte-identical files.

The example corpus is built three times, by two separate processes with different hash
seeds (so set and dict iteration orders differ) and by this one, into three different
folders; every file must be byte-identical, and no build may name its output folder in a page.
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


def test_two_builds_are_byte_identical(tmp_path: Path):
    from builder.run.pipeline import build_and_write

    a, b, c = tmp_path / "one" / "site", tmp_path / "two" / "elsewhere", tmp_path / "three" / "out"
    build(a, "1")
    build(b, "2024")
    assert build_and_write(ROOT, c).ok   # and once in this process (another hash seed again)
    first = files(a)
    for other in (files(b), files(c)):
        assert sorted(other) == sorted(first)
        differ = [name for name in first if first[name] != other[name]]
        assert differ == [], f"files that differ between two builds: {differ}"
    for folder in (a, b, c):
        leaked = [n for n, data in first.items() if str(folder).encode() in data]
        assert leaked == [], f"the output folder's path is written into {leaked}"
