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


def test_the_version_is_written_in_one_place() -> None:
    import re
    import tomllib

    import builder

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "builder.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", builder.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert "## Unreleased" in changelog and "## 0.1.0" in changelog


def test_the_release_workflow_publishes_a_checked_build_with_trusted_publishing() -> None:
    import yaml

    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8"))
    on = wf.get("on", wf.get(True))     # YAML 1.1 reads a bare `on` as true
    assert on == {"push": {"tags": ["v*"]}}
    assert wf["permissions"] == {"contents": "read"}, "only the publishing job may ask for an identity token"
    build, publish = wf["jobs"]["build"], wf["jobs"]["publish"]
    runs = "\n".join(s.get("run", "") for s in build["steps"])
    assert "bash .ci/package dist" in runs and 'test "${GITHUB_REF_NAME}" = "v${version}"' in runs
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert [s["uses"] for s in publish["steps"]][-1] == "pypa/gh-action-pypi-publish@release/v1"
    assert not any("password" in (s.get("with") or {}) for s in publish["steps"]), "no token: trusted publishing"


def test_ci_installs_the_wheel_in_a_fresh_venv_before_the_tests() -> None:
    run = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "bash .ci/setup && bash .ci/package && python3 -m pytest" in run
    package = (ROOT / ".ci" / "package").read_text("utf-8")
    assert "python3 -m build" in package and "twine check --strict" in package
    assert 'python3 -m venv "$work/venv"' in package and '"$work/venv/bin/glossator" build corpus' in package
