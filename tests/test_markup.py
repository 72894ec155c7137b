"""Property tests: any set of nested and overlapping spans renders to well-formed HTML
whose text equals the input and in which every annotation appears."""

from __future__ import annotations

import html.parser

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.html.spans import Markup, render_spans

TAGS = ("span", "time", "a", "mark")


class _Checker(html.parser.HTMLParser):
    """Checks nesting and collects text and ids; raises on any mismatch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.ids: list[str] = []
        self.anchor_depth_max = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.anchor_depth_max = max(self.anchor_depth_max, self.stack.count("a"))
        self.ids.extend(v for k, v in attrs if k == "id" and v)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(html_text: str) -> _Checker:
    c = _Checker()
    c.feed(html_text)
    c.close()
    assert not c.stack, f"unclosed: {c.stack}"
    return c


@st.composite
def texts_and_spans(draw: st.DrawFn) -> tuple[str, list[Markup]]:
    text = draw(st.text(alphabet=st.sampled_from("ab <>&\"'é\n"), min_size=1, max_size=40))
    n = draw(st.integers(0, 8))
    spans = []
    for i in range(n):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        tag = draw(st.sampled_from(TAGS))
        spans.append(Markup(start, end, tag, (("class", f"k{i}"),), (("id", f"s{i}"),),
                            lead=draw(st.sampled_from(["", "<i></i>"])),
                            trail=draw(st.sampled_from(["", "<b></b>"])), rank=draw(st.integers(0, 3))))
    return text, spans


@given(texts_and_spans())
@settings(max_examples=400, deadline=None)
def test_any_spans_render_well_formed_with_text_and_every_annotation(case: tuple[str, list[Markup]]) -> None:
    text, spans = case
    out = render_spans(text, spans)
    c = check(out)
    assert "".join(c.text) == text
    assert sorted(c.ids) == sorted(f"s{i}" for i in range(len(spans))), "each span's id appears exactly once"
    assert c.anchor_depth_max <= 1, "an <a> never holds another <a>"
    for s in spans:
        assert f'class="{s.attrs[0][1]}"' in out


@given(texts_and_spans(), st.integers(0, 39))
@settings(max_examples=200, deadline=None)
def test_spans_split_across_paragraphs_keep_text_and_ids(case: tuple[str, list[Markup]], cut: int) -> None:
    """A span crossing a paragraph boundary becomes fragments; only the first has the id."""
    text, spans = case
    cut = min(cut, len(text))
    first = render_spans(text[:cut], spans, 0) if cut else ""
    second = render_spans(text[cut:], spans, cut) if cut < len(text) else ""
    c1, c2 = check(first), check(second)
    assert "".join(c1.text) + "".join(c2.text) == text
    assert sorted(c1.ids + c2.ids) == sorted(f"s{i}" for i in range(len(spans)))


def test_crossing_spans_are_split_and_reopened() -> None:
    out = render_spans("abcdef", [Markup(0, 4, "span", (("class", "q"),), (("id", "q1"),)),
                                  Markup(2, 6, "time", (), (("id", "d1"),))])
    assert out == '<span class="q" id="q1">ab<time id="d1">cd</time></span><time>ef</time>'


def test_equal_ranges_nest_by_rank() -> None:
    out = render_spans("xy", [Markup(0, 2, "a", (("href", "e"),), rank=4), Markup(0, 2, "span", (("class", "quote"),), rank=0)])
    assert out == '<span class="quote"><a href="e">xy</a></span>'


def test_text_is_escaped() -> None:
    assert render_spans("<script>&", []) == "&lt;script&gt;&amp;"


def test_attribute_values_are_escaped() -> None:
    out = render_spans("x", [Markup(0, 1, "span", (("title", '"><img src=x onerror=alert(1)>'),))])
    assert "<img" not in out and "&quot;&gt;&lt;img" in out


def test_trail_waits_until_no_anchor_is_open() -> None:
    out = render_spans("abcd", [Markup(0, 4, "a", (("href", "e"),)), Markup(1, 2, "span", trail="<a href='t'></a>")])
    assert out == "<a href=\"e\">a<span>b</span>cd</a><a href='t'></a>"
