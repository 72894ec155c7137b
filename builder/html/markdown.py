"""Author Markdown (notes, descriptions, the introduction) → safe HTML.

Raw HTML is off, dangerous URL schemes are refused by markdown-it's link
validator, images are off (a page must not fetch from outside), and code
blocks are highlighted by pygments.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound


def _highlight(code: str, lang: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes and wraps it itself
    return highlight(code, lexer, HtmlFormatter(nowrap=True, classprefix="hl-"))


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight, "typographer": False})
    md.disable("image")
    return md


@lru_cache(maxsize=4096)
def render(text: str) -> str:
    return _md().render(text or "")


def render_inline(text: str) -> str:
    """For one-line fields: Markdown without the wrapping paragraph."""
    return _md().renderInline(text or "")


def pygments_css() -> str:
    return HtmlFormatter(classprefix="hl-").get_style_defs(".note-body pre")
