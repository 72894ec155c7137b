"""The theme: templates and static files, from the corpus's `themes/<theme>/` over the built-in one.

A corpus theme obeys the link policy of seeds and annotations (builder.read.corpus):
a folder or file of it that is, or goes through, a link leaving the corpus is refused with
a positioned error and never read. Template problems (syntax, unknown filters, undefined
names while a page renders) are diagnostics at the template's own line, never tracebacks.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable

import jinja2

from builder.read.settings import Settings
from builder.core.diagnostics import Diagnostic, error
from builder.core.models import SitePath
from builder.read.files import RealPaths


def _builtin_theme() -> Path:
    """themes/default of the source tree, or its installed copy (packaged as builder.themes)."""
    source = Path(__file__).resolve().parents[2] / "themes" / "default"
    if (source / "templates").is_dir():
        return source
    return Path(str(resources.files("builder"))) / "themes" / "default"


BUILTIN_THEME = _builtin_theme()
PAGE_TEMPLATES = ("index.html", "document.html", "entity.html", "entities.html", "timeline.html", "quotes.html",
                  "search.html", "404.html")
LINK_HINT = "copy the file into the corpus instead of linking to it"


@dataclass(frozen=True)
class Theme:
    templates: tuple[Path, ...]   # searched in order
    static: tuple[Path, ...]      # copied in order; later folders override earlier ones
    corpus: Path | None = None    # the corpus folder its own files must stay in


def theme_for(corpus_dir: Path, settings: Settings) -> tuple[Theme, tuple[Diagnostic, ...]]:
    """The corpus's theme over the built-in one, without any folder that links out of the corpus."""
    real = RealPaths()
    own = corpus_dir / "themes" / settings.theme
    found: list[Diagnostic] = []
    kept: dict[str, Path | None] = {"templates": None, "static": None}
    if os.path.lexists(own) and not real.within(own, corpus_dir):
        found.append(_leaves(corpus_dir, own))
    elif own.is_dir():
        for name in kept:
            folder = own / name
            if os.path.lexists(folder) and not real.within(folder, corpus_dir):
                found.append(_leaves(corpus_dir, folder))
            elif folder.is_dir():
                kept[name] = folder
    builtin = BUILTIN_THEME
    templates = tuple(dict.fromkeys(p for p in (kept["templates"], builtin / "templates") if p is not None))
    static = tuple(dict.fromkeys(p for p in (builtin / "static", kept["static"]) if p is not None))
    return Theme(templates, static, corpus_dir), tuple(found)


def _shown(corpus_dir: Path | None, path: Path) -> str:
    """A theme file as diagnostics name it: relative to the corpus, or within the built-in theme."""
    for root, label in ((corpus_dir, ""), (BUILTIN_THEME, "(built-in theme) ")):
        if root is not None:
            try:
                return label + Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
            except ValueError:
                continue
    return str(path)


def _leaves(corpus_dir: Path, path: Path) -> Diagnostic:
    return error(_shown(corpus_dir, path), 1, 1, f"{_shown(corpus_dir, path)} is a link that leaves the corpus",
                 LINK_HINT)


def theme_files(theme: Theme, folder: Path) -> tuple[list[tuple[str, Path]], list[Diagnostic]]:
    """Every file below one of the theme's folders, as (relative path, path), links that
    leave the corpus (or, for the built-in theme, its folder) refused; in name order."""
    root = folder if folder.is_relative_to(BUILTIN_THEME) or theme.corpus is None else theme.corpus
    real = RealPaths()
    files: list[tuple[str, Path]] = []
    found: list[Diagnostic] = []
    seen: set[str] = set()

    def walk(path: Path, rel: str) -> None:
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            child = Path(entry.path)
            child_rel = f"{rel}{entry.name}"
            if not real.within(child, root):
                found.append(error(_shown(theme.corpus, child), 1, 1,
                                   f"{_shown(theme.corpus, child)} is a link that leaves the corpus", LINK_HINT))
            elif entry.is_dir():
                target = os.path.realpath(child)
                if target not in seen:         # a link back up the tree is followed once
                    seen.add(target)
                    walk(child, child_rel + "/")
            elif entry.is_file():
                files.append((child_rel, child))

    if folder.is_dir():
        seen.add(os.path.realpath(folder))
        walk(folder, "")
    return files, found


def fingerprint(theme: Theme, read: Callable[[Path], bytes | None]) -> tuple[object, ...]:
    """Every file of the theme and its bytes (through `read`): the same fingerprint, the same theme."""
    parts: list[object] = []
    for folder in (*theme.templates, *theme.static):
        listed, problems = theme_files(theme, folder)
        parts.append((folder, tuple((rel, read(path)) for rel, path in listed), tuple(problems)))
    return tuple(parts)


def static_files(theme: Theme) -> tuple[dict[SitePath, bytes], tuple[Diagnostic, ...]]:
    files: dict[SitePath, bytes] = {}
    found: list[Diagnostic] = []
    for folder in theme.static:
        listed, problems = theme_files(theme, folder)
        found.extend(problems)
        for rel, path in listed:
            files[SitePath("static/" + rel)] = path.read_bytes()
    return files, tuple(found)


class ContainedLoader(jinja2.BaseLoader):
    """FileSystemLoader's search order, refusing templates that link out of their theme's bounds."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.find(template)
        mtime = path.stat().st_mtime
        return path.read_text("utf-8"), str(path), lambda p=path, m=mtime: p.stat().st_mtime == m

    def find(self, template: str) -> Path:
        for folder in self.theme.templates:
            root = folder if folder.is_relative_to(BUILTIN_THEME) or self.theme.corpus is None else self.theme.corpus
            path = folder / template
            if path.is_file() and RealPaths().within(path, root):
                return path
        raise jinja2.TemplateNotFound(template)


Sources = dict[str, tuple[str, str]]   # template name -> (its text, the file it was read from)


def template_sources(theme: Theme) -> Sources:
    """The text of every template the theme's loader would find, read here: what another
    process (a Dask worker, which may not see these files) renders from."""
    loader = ContainedLoader(theme)
    sources: Sources = {}
    for folder in theme.templates:
        for name, _ in theme_files(theme, folder)[0]:
            if name not in sources:
                path = loader.find(name)
                try:
                    sources[name] = (path.read_text("utf-8"), str(path))
                except (OSError, UnicodeDecodeError, jinja2.TemplateNotFound):
                    pass   # gone, or not text: a page that used it could not render in any build
    return sources


class SourcesLoader(ContainedLoader):
    """ContainedLoader's templates, from their text read by `template_sources` in another
    process: the same names, the same file names (a template's error is at the same line of
    the same file), no file opened here."""

    def __init__(self, theme: Theme, sources: Sources) -> None:
        super().__init__(theme)
        self.sources = sources

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in self.sources:
            raise jinja2.TemplateNotFound(template)
        text, filename = self.sources[template]
        return text, filename, lambda: True


def template_problems(theme: Theme) -> tuple[Diagnostic, ...]:
    """Links out of the corpus among the theme's templates."""
    found: list[Diagnostic] = []
    for folder in theme.templates:
        found.extend(theme_files(theme, folder)[1])
    return tuple(found)


def compile_all(env: jinja2.Environment, theme: Theme) -> tuple[Diagnostic, ...]:
    """Compile every page template now (once, before any worker forks); their problems as diagnostics."""
    found: list[Diagnostic] = []
    for name in PAGE_TEMPLATES:
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            found.append(template_problem(exc, theme, name))
    return tuple(found)


def template_problem(exc: BaseException | None, theme: Theme, name: str, message: str | None = None) -> Diagnostic:
    """A template that could not be compiled or read, at its line where the error says it."""
    if isinstance(exc, jinja2.TemplateSyntaxError):   # TemplateAssertionError too: an unknown filter or test
        return error(_shown(theme.corpus, Path(exc.filename or name)), exc.lineno or 1, 1,
                     f"template error: {exc.message}", _TEMPLATE_HINT)
    if isinstance(exc, jinja2.TemplateNotFound):
        return error(_shown(theme.corpus, _template_path(theme, name)), 1, 1,
                     f"template error: template '{exc.name}' not found",
                     "templates extend or include templates of the built-in theme by their names, "
                     "e.g. {% extends \"base.html\" %}")
    if exc is not None and message is None:
        problem = rendering_problem(exc, theme)   # raised while it ran: at the line that raised
        if problem is not None:
            return problem
        message = f"template error: {type(exc).__name__}: {exc}" if not isinstance(exc, jinja2.TemplateError) \
            else f"template error: {exc}"
    return error(_shown(theme.corpus, _template_path(theme, name)), 1, 1, message or "template error", _TEMPLATE_HINT)


_TEMPLATE_HINT = ("fix the template in your theme, or remove it to use the built-in one "
                  "(the templates' variables are described in docs/authoring.md)")


def _template_path(theme: Theme, name: str) -> Path:
    return next((folder / name for folder in theme.templates if (folder / name).is_file()), Path(name))


def rendering_problem(exc: BaseException, theme: Theme) -> Diagnostic | None:
    """A diagnostic for an exception raised while a template rendered a page, at the template
    line it came from; None when no template line is in its traceback (a bug of ours)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_template(f.filename, theme)]
    if not frames:
        return None
    frame = frames[-1]
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found"
    elif isinstance(exc, jinja2.TemplateError) and exc.message:
        message = exc.message
    else:
        message = f"{type(exc).__name__}: {exc}"
    return error(_shown(theme.corpus, Path(frame.filename)), frame.lineno or 1, 1,
                 f"template error: {message}", _TEMPLATE_HINT)


def on_pages(problems: Iterable[tuple[SitePath, Diagnostic]]) -> tuple[Diagnostic, ...]:
    """Rendering problems, one per template line and message, naming the pages it failed on
    (a mistake in entity.html fails every entity page the same way)."""
    pages: dict[Diagnostic, list[SitePath]] = {}
    for page, problem in problems:
        pages.setdefault(problem, []).append(page)
    return tuple(replace(problem, message=f"{problem.message} (rendering {sorted(on)[0]}"
                         f"{f' and {len(on) - 1} other page' + 's' * (len(on) > 2) if len(on) > 1 else ''})")
                 for problem, on in pages.items())


def _is_template(filename: str, theme: Theme) -> bool:
    return filename.endswith((".html", ".xml", ".txt", ".js", ".css")) and any(
        filename.startswith(str(folder) + os.sep) for folder in theme.templates)
