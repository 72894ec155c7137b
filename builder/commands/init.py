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
import re
import subprocess
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
    install: Install | None = None             # what the workflow installs

    @property
    def ok(self) -> bool:
        return not self.existing and not self.problem


def title_for(folder: Path) -> str:
    """A first title from the folder name: `my-corpus` → `My corpus`."""
    name = folder.resolve().name.replace("-", " ").replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else "My corpus"


@dataclass(frozen=True)
class Install:
    """The pip requirement the new corpus's workflow installs, and why it is that one."""

    spec: str
    why: str


def install_spec() -> str:
    return install().spec


def install(checkout: Path | None = None) -> Install:
    """The Glossator that is running, as a pip requirement: the commit of the git checkout it
    runs from (its `origin` URL), else the commit it was installed from (PEP 610
    direct_url.json), else its version on PyPI."""
    from_git = git_checkout(checkout or Path(__file__).resolve().parents[2])
    if from_git is not None:
        return from_git
    try:
        dist = metadata.distribution("glossator")
    except metadata.PackageNotFoundError:
        return Install(f"glossator=={__version__}", f"version {__version__} from PyPI")
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    vcs = direct.get("vcs_info") or {}
    url = direct.get("url", "")
    if vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://", "git://")):
        commit = vcs.get("commit_id") or vcs.get("requested_revision") or "HEAD"
        return Install(f"glossator @ git+{url}@{commit}", f"the commit this Glossator was installed from, {url}")
    return Install(f"glossator=={dist.version}", f"version {dist.version} from PyPI")


def git_checkout(root: Path) -> Install | None:
    """The checkout's `origin` and commit, when Glossator runs from a git checkout that has them."""
    if not (root / ".git").exists() or not (root / "builder" / "__init__.py").is_file():
        return None

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    url, commit = https_url(git("remote", "get-url", "origin")), git("rev-parse", "HEAD")
    if not url or not re.fullmatch(r"[0-9a-f]{40}", commit):
        return Install(f"glossator=={__version__}", f"version {__version__} from PyPI: the git checkout Glossator "
                       "runs from has no origin remote (or no commit) that a workflow could install")
    dirty = " (its uncommitted changes are not part of it)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return Install(f"glossator @ git+{url}@{commit}", f"the git checkout Glossator runs from: origin {url}, "
                                                      f"commit {commit[:12]}{dirty}")


def https_url(url: str) -> str:
    """A remote as pip fetches it on a machine with no keys: git@host:owner/repo → https://host/owner/repo."""
    m = re.fullmatch(r"(?:ssh://)?git@([^:/]+)[:/](.+)", url)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    return url if url.startswith(("https://", "http://", "file://")) else ""


def files(folder: Path, installing: Install | None = None) -> dict[PurePosixPath, bytes]:
    """Every file init writes, by path relative to the new corpus folder."""
    out: dict[PurePosixPath, bytes] = {}
    substitutions = {TITLE: title_for(folder), INSTALL: (installing or install()).spec}

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
    installing = install()
    planned = files(folder, installing)
    existing = tuple(rel for rel in planned if (folder / rel).exists() or (folder / rel).is_symlink())
    if existing:
        return InitResult(folder, existing=existing)
    for rel, data in planned.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as f:     # "x": never replace a file that appeared meanwhile
            f.write(data)
    return InitResult(folder, written=tuple(planned), install=installing)
