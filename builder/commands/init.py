"""`glossator init`: a new corpus folder that builds at once, with no error and no warning.

The files come from `builder/scaffold/` (one small annotated document, its entities and
sidecar, every setting commented, a GitHub Pages workflow, a .gitignore), plus the JSON
Schemas copied to `annotations/.schemas/`, so that the `# yaml-language-server: $schema=…`
comment at the top of each YAML file lets an editor validate and complete it offline.

Names in `builder/scaffold/` that start with `dot-` are written with a leading dot
(`dot-gitignore` → `.gitignore`), so that packaging never skips them as hidden files.
init never overwrites: if any file it would write exists, it writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from builder import __version__

SCHEMAS = ("sidecar", "entities")
TITLE = "__GLOSSATOR_TITLE__"
INSTALL = "__GLOSSATOR_INSTALL__"


@dataclass(frozen=True)
class InitResult:
    folder: Path
    written: tuple[PurePosixPath, ...] = ()
    existing: tuple[PurePosixPath, ...] = ()   # files that stopped init: nothing was written
    problem: str = ""                          # the folder itself is unusable

    @property
    def ok(self) -> bool:
        return not self.existing and not self.problem


def title_for(folder: Path) -> str:
    """A first title from the folder name: `my-corpus` → `My corpus`."""
    name = folder.resolve().name.replace("-", " ").replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else "My corpus"


def install_spec() -> str:
    """The pip requirement for the Glossator that is running: its git commit when installed
    from a git URL (PEP 610 direct_url.json), else its version from PyPI."""
    try:
        dist = metadata.distribution("glossator")
    except metadata.PackageNotFoundError:
        return f"glossator=={__version__}"
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    vcs = direct.get("vcs_info") or {}
    url = direct.get("url", "")
    if vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://", "git://")):
        return f"glossator @ git+{url}@{vcs.get('commit_id') or vcs.get('requested_revision') or 'HEAD'}"
    return f"glossator=={dist.version}"


def files(folder: Path) -> dict[PurePosixPath, bytes]:
    """Every file init writes, by path relative to the new corpus folder."""
    out: dict[PurePosixPath, bytes] = {}
    substitutions = {TITLE: title_for(folder), INSTALL: install_spec()}

    def walk(node: Traversable, rel: PurePosixPath) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name.startswith(".") or child.name == "__pycache__":
                continue
            name = "." + child.name[4:] if child.name.startswith("dot-") else child.name
            if child.is_dir():
                walk(child, rel / name)
            else:
                text = child.read_text("utf-8")
                for token, value in substitutions.items():
                    text = text.replace(token, value)
                out[rel / name] = text.encode("utf-8")

    walk(resources.files("builder").joinpath("scaffold"), PurePosixPath())
    for name in SCHEMAS:
        schema = resources.files("builder").joinpath(f"schemas/{name}.schema.json").read_bytes()
        out[PurePosixPath(f"annotations/.schemas/{name}.schema.json")] = schema
    return dict(sorted(out.items()))


def init(folder: Path) -> InitResult:
    """Create the corpus in `folder` (made if missing); refuse if any file is already there."""
    if folder.exists() and not folder.is_dir():
        return InitResult(folder, problem="exists and is not a folder")
    planned = files(folder)
    existing = tuple(rel for rel in planned if (folder / rel).exists() or (folder / rel).is_symlink())
    if existing:
        return InitResult(folder, existing=existing)
    for rel, data in planned.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as f:     # "x": never replace a file that appeared meanwhile
            f.write(data)
    return InitResult(folder, written=tuple(planned))
