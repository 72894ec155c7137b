"""The wheel carries everything a corpus outside this repository needs.

It is built from a copy of the project, so that the build's own `build/` and `*.egg-info`
folders never land in the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = ("pyproject.toml", "README.md", "builder", "themes")


def test_wheel_ships_every_module_theme_schemas_scaffold_and_vendor_files(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in PACKAGED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    before = sorted(p.name for p in ROOT.iterdir())
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path / "wheel"), str(source)], check=True, capture_output=True)
    assert sorted(p.name for p in ROOT.iterdir()) == before, "building the wheel wrote into the checkout"
    wheel = next((tmp_path / "wheel").glob("glossator-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "builder").rglob("*.py") if "__pycache__" not in p.parts}
    assert not modules - names, f"modules not in the wheel: {sorted(modules - names)}"
    theme = {p.relative_to(ROOT / "themes").as_posix() for p in (ROOT / "themes" / "default").rglob("*") if p.is_file()}
    missing = sorted(f"builder/themes/{t}" for t in theme if f"builder/themes/{t}" not in names)
    assert not missing, f"theme files not in the wheel: {missing}"
    scaffold = {p.relative_to(ROOT).as_posix() for p in (ROOT / "builder" / "scaffold").rglob("*") if p.is_file()}
    assert scaffold and scaffold <= names
    assert {"builder/schemas/sidecar.schema.json", "builder/schemas/entities.schema.json",
            "builder/livereload.js"} <= names
