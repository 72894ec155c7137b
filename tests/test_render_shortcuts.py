"""The render stage's shortcuts give what the slower forms they replaced gave."""

from __future__ import annotations

import html

import jinja2
import markupsafe
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.html import document, spans, theme
from builder.html import render

# The initials macro as _macros.html had it before the `initials` filter.
OLD_INITIALS = """\
{% macro initials(name) -%}
{%- set ns = namespace(parts=[]) -%}
{%- for p in name.replace("-", " ").split() if p[:1].isalpha() %}{% set ns.parts = ns.parts + [p] %}{% endfor -%}
{%- if ns.parts | length > 1 %}{{ (ns.parts[0][0] ~ ns.parts[-1][0]) | upper }}{% elif ns.parts %}{{ ns.parts[0][0] | upper }}{% else %}?{% endif -%}
{%- endmacro %}{{ initials(name) }}"""

NAMES = ["Zamir Kabulov", "kabul", "Jean-Luc Picard", "1st Battalion", "", "  ", "-", "ßtraße Ödön",
         "al-Qaeda in the <Arabian> Peninsula", "Ǆemal & 'Ω' \"x\"", "ŉ word", "42 7"]


def _env() -> jinja2.Environment:
    return render.environment(theme.Theme((theme.BUILTIN_THEME / "templates",), ()))


@pytest.mark.parametrize("name", NAMES)
def test_initials_filter_and_macro_match_the_old_macro(name: str) -> None:
    env = _env()
    old = jinja2.Environment(autoescape=True).from_string(OLD_INITIALS).render(name=name)
    assert env.from_string("{{ name | initials }}").render(name=name) == old
    macro = env.from_string('{% from "_macros.html" import initials %}{{ initials(name) }}').render(name=name)
    assert macro == old == document.initials(name)


def test_dict_fields_as_jinja_reads_them() -> None:
    env = _env()
    row = {"text": "<b>", "items": [1, 2], "get": "shadowed"}
    template = env.from_string("{{ row.text }}|{{ row['items'] | length }}|{{ row.items is callable }}|{{ row.get is callable }}")
    assert template.render(row=row) == "&lt;b&gt;|2|True|True"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ row.missing }}").render(row=row)
    assert env.from_string("{{ row.missing is defined }}").render(row=row) == "False"


def test_date_view_matches_the_date() -> None:
    from builder.core.edtf import parse

    for text in ("2021-08-16", "2021-08", "2021-08-16~", "2021?", "2021-21", "2021-08-16/2021-08-20", "../2021"):
        d = parse(text)
        assert document.date_view(d) == (d.html, None if d.exact else d.text, d.label)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab<>&\"' =#34;x\u00e9\u2019\n") | st.characters(), max_size=40))
def test_escaping_shortcuts_give_the_public_functions_bytes(text: str) -> None:
    """Author text reaches pages through these: they must escape exactly as html.escape and
    markupsafe.escape do (attributes and text of every listing and annotation)."""
    assert spans.attr_escape(text) == html.escape(text)
    assert spans.markupsafe_escape(text) == str(markupsafe.escape(text))


def test_the_templates_pages_import_are_compiled_before_any_page_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render workers fork after look(): what it compiled they share, rather than each compiling it."""
    ready = render.look(theme.Theme((theme.BUILTIN_THEME / "templates",), ()))

    def unread(*args: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(ready.env.loader, "get_source", unread)
    for name in ("base.html", "_macros.html", "_listings.html", "_reading.html", *theme.PAGE_TEMPLATES):
        ready.env.get_template(name)
