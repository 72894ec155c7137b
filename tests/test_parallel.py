"""Both cores, same bytes: a parallel build equals a serial one, file for file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from builder import parallel

ROOT = Path(__file__).resolve().parents[1]


def test_map_ordered_keeps_input_order_across_workers() -> None:
    items = list(range(500))
    assert parallel.map_ordered(lambda x: x * x, items, 2) == [x * x for x in items]
    assert parallel.map_ordered(lambda x: x, [], 2) == []


def test_parallel_and_serial_builds_are_byte_identical(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=parallel.MIN_ITEMS * 2)
    sites = {}
    for workers in ("1", "2"):
        out = tmp_path / f"site-{workers}"
        subprocess.run([sys.executable, "-m", "builder", "build", str(corpus), "--out", str(out), "-q"], check=True,
                       env={**os.environ, "GLOSSATOR_WORKERS": workers}, cwd=ROOT)
        sites[workers] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sites["1"].keys() == sites["2"].keys()
    assert [p for p in sites["1"] if sites["1"][p] != sites["2"][p]] == []
