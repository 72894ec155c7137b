"""Render pages with Jinja2: the theme made ready (`Look`), and one page at a time (`render_page`).

Templates come from the corpus's `themes/<theme>/templates/`, falling back to the
built-in default theme; everything an author wrote reaches them either as text
(autoescaped) or as HTML built by html.document and html.markdown, which escape or
sanitise it. A template that fails is a diagnostic at its line, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from builder.core.diagnostics import Diagnostic
from builder.core.models import SitePath
from builder.html import document, markdown
from builder.html.pages import PageMaker
from builder.html.theme import (
    ContainedLoader, Sources, SourcesLoader, Theme, compile_all, rendering_problem, static_files, template_problem,
    template_problems, template_sources,
)


@dataclass(frozen=True, eq=False)
class Look:
    """A theme made ready to render: its templates compiled, its static files read, its problems."""

    theme: Theme
    env: jinja2.Environment
    static: Mapping[SitePath, bytes]
    problems: tuple[Diagnostic, ...]
    pieces: document.Pieces | None   # _reading.html's macros (None when it has a problem)

    def __reduce__(self) -> tuple[Any, ...]:
        """A Look crosses to another process (a Dask worker, which may not see the theme's
        files) as its theme and its templates' text, read here; compiled again there."""
        loader = self.env.loader
        sources = loader.sources if isinstance(loader, SourcesLoader) else template_sources(self.theme)
        return _look_from, (self.theme, sources, self.static, self.problems)


def _look_from(theme: Theme, sources: Sources, static: Mapping[SitePath, bytes],
               problems: tuple[Diagnostic, ...]) -> Look:
    env = environment(theme, SourcesLoader(theme, sources))
    return Look(theme, env, static, problems, reading_pieces(env, theme)[0])


SHARED_TEMPLATES = ("base.html", "_macros.html", "_listings.html")   # the built-in pages extend or import these
READING = "_reading.html"   # what the document pages' text is made of (document.Pieces)


def look(theme: Theme, found: tuple[Diagnostic, ...] = ()) -> Look:
    """`theme` ready to render; `found`: the problems met finding its folders."""
    env = environment(theme)
    files, found_static = static_files(theme)
    problems = (*found, *found_static, *template_problems(theme), *compile_all(env, theme))
    for name in SHARED_TEMPLATES:   # compiled once here, not in every render worker
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass   # reported by the pages that use it, when they render
    pieces, found_pieces = reading_pieces(env, theme)
    return Look(theme, env, files, (*problems, *found_pieces), pieces)


def reading_pieces(env: jinja2.Environment, theme: Theme) -> tuple[document.Pieces | None, tuple[Diagnostic, ...]]:
    """_reading.html's macros, which the document pages' text is made of, or the problem with it."""
    try:
        module: Any = env.get_template(READING).module
    except Exception as exc:   # a theme's template can raise anything while it is read
        return None, (template_problem(exc, theme, READING),)
    missing = [name for name in document.PIECES if not isinstance(getattr(module, name, None), jinja2.runtime.Macro)]
    if missing:
        return None, (template_problem(None, theme, READING, f"template error: {READING} defines no macro "
                                       + ", ".join(missing)),)
    wrong = [f"{name}({', '.join(args)})" for name, args in document.PIECES.items()
             if len(getattr(module, name).arguments) != len(args)]
    if wrong:
        return None, (template_problem(None, theme, READING, f"template error: in {READING}, these macros must "
                                       "take these arguments: " + "; ".join(wrong)),)
    return module, ()


def generated_static() -> dict[SitePath, bytes]:
    """The static files made here rather than copied from the theme."""
    return {SitePath("static/pygments.css"): (markdown.pygments_css() + "\n").encode("utf-8")}


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(jinja2.Environment):
    """jinja2's Environment, with `row.key` on a page context's dicts made cheap.

    `x.y` tries getattr first and the item second; on a plain dict getattr can only
    find dict's own attributes, so for any other name it fails, and raising and
    catching that AttributeError for every field of every row is most of a
    listing's cost. Looking the item up directly gives the same result.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # jinja2.Environment.getattr, inline: super() would add a call to every lookup
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


def environment(theme: Theme, loader: ContainedLoader | None = None) -> jinja2.Environment:
    env = Environment(
        loader=loader or ContainedLoader(theme),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,   # a build reads each template once; serve makes a new environment when a theme file changes
    )
    env.filters["markdown"] = lambda text: Markup(markdown.render(text))
    env.filters["markdown_inline"] = lambda text: Markup(markdown.render_inline(text))
    env.filters["initials"] = document.initials
    return env


Rendered = tuple[SitePath, "bytes | None", "Diagnostic | None"]


def render_page(env: jinja2.Environment, path: SitePath, make: PageMaker) -> Rendered:
    """The page at `path`: (path, bytes, None), or (path, None, the problem) when the theme's template fails on it."""
    try:
        try:   # making the context calls _reading.html's macros: a theme's mistake may show there too
            _, template, context = make()
        except Exception:
            env.handle_exception()   # raised again at the template's own lines, as render() does
        return path, env.get_template(template).render(context).encode("utf-8"), None
    except Exception as exc:   # a theme's template can raise anything; ours never do
        problem = rendering_problem(exc, env.loader.theme)
        if problem is None:
            raise
        return path, None, problem
