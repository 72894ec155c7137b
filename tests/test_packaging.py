"""The wheel carries everything a corpus outside this repository needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_theme_schemas_scaffold_and_vendor_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("glossator-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {p.relative_to(ROOT / "themes").as_posix() for p in (ROOT / "themes" / "default").rglob("*") if p.is_file()}
    missing = sorted(f"builder/themes/{t}" for t in theme if f"builder/themes/{t}" not in names)
    assert not missing, f"theme files not in the wheel: {missing}"
    scaffold = {p.relative_to(ROOT).as_posix() for p in (ROOT / "builder" / "scaffold").rglob("*") if p.is_file()}
    assert scaffold and scaffold <= names
    assert {"builder/schemas/sidecar.schema.json", "builder/schemas/entities.schema.json"} <= names
