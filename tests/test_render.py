"""Rendering: the FORMAT §6 markup, theme overrides, speaker colours and safe Markdown."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from builder.run.pipeline import build
from tests.factory import two_docs

SIDE_A = """\
quotes:
  - {id: guarded, text: "Our embassy is guarded by the Taliban", speaker: zamir-kabulov, via: tass}
dates:
  - {text: on Monday, date: 2021-08-16~, event: Embassy guarded}
notes:
  - {text: Kabul was calm, note: "Was it? See [TASS](https://tass.com) and `code`."}
"""


def page(site: dict, path: str) -> BeautifulSoup:
    return BeautifulSoup(site[path], "html.parser")


def test_format_markup_of_each_annotation(tmp_path: Path) -> None:
    site = build(two_docs(tmp_path, sidecar_a=SIDE_A)).site
    article = page(site, "docs/a.html").find_all("article")
    assert len(article) == 1, "one <article> holds the reading text"
    q = article[0].find(id="guarded")
    assert "quote" in q["class"] and q["data-speaker"] == "zamir-kabulov"
    t = article[0].find("time")
    assert (t["datetime"], t["data-edtf"], t.get_text()) == ("2021-08-16", "2021-08-16~", "on Monday")
    m = article[0].select_one('a.mention[data-entity="kabul"]')
    assert m["href"] == "../entities/kabul.html"
    note = article[0].select_one(".note")
    assert note.get("tabindex") == "0"
    body = page(site, "docs/a.html").find(id=note["aria-describedby"])
    assert body.find("a", href="https://tass.com") and body.find("code")


def test_reading_text_is_the_article_text(tmp_path: Path) -> None:
    site = build(two_docs(tmp_path, sidecar_a=SIDE_A)).site
    text = page(site, "docs/a.html").find("article").get_text()
    for line in ('"Our embassy is guarded by the Taliban," Zamir Kabulov said on Monday.',
                 "Kabulov added that Kabul was calm. The envoy spoke to TASS."):
        assert line in text


def test_entity_page_lists_quotes_and_mentions_with_links_back(tmp_path: Path) -> None:
    site = build(two_docs(tmp_path, sidecar_a=SIDE_A)).site
    ent = page(site, "entities/zamir-kabulov.html")
    hrefs = [a["href"] for a in ent.find_all("a")]
    assert "../docs/a.html#guarded" in hrefs
    assert any(h.startswith("../docs/a.html#m-zamir-kabulov-") for h in hrefs)


def test_timeline_and_quotes_pages(tmp_path: Path) -> None:
    site = build(two_docs(tmp_path, sidecar_a=SIDE_A)).site
    timeline = page(site, "timeline.html").get_text(" ")
    assert "Embassy guarded" in timeline and "16 August 2021 (approximate)" in timeline
    assert timeline.index("Report B") < timeline.index("Embassy guarded"), "August 2021 sorts before 16 August"
    quotes = page(site, "quotes.html")
    assert quotes.find("a", href="docs/a.html#guarded")


def test_a_timeline_longer_than_a_page_is_a_page_a_year_or_a_month(monkeypatch) -> None:  # noqa: ANN001
    from builder.html import timeline

    root = Path(__file__).resolve().parents[1]
    whole = build(root).site
    entries = [li.get_text(" ", strip=True) for li in page(whole, "timeline.html").select("ol.timeline > li")]
    monkeypatch.setattr(timeline, "TIMELINE_ENTRIES", 4)
    cut = build(root).site
    index = page(cut, "timeline.html")
    assert not index.select("ol.timeline") and "too many for one page" in index.get_text()
    links = [a["href"] for a in index.select(".periods a")]
    assert links and all(href in cut for href in links) and len(set(links)) == len(links)
    assert sorted(links) == sorted(p for p in cut if p.startswith("timeline/")), "every period page is linked"
    assert any(len(href) == len("timeline/2021-08.html") for href in links), "a long year is cut into months"
    assert sum(int(c.get_text().split()[0].replace(",", "")) for c in index.select(".periods > li > .count")) == len(entries)
    shown, prev = [], None
    for href in links:
        p = page(cut, href)
        got = [li.get_text(" ", strip=True).replace("../", "") for li in p.select("ol.timeline > li")]
        assert got and (len(got) <= 4 or "-" in href[9:] or "undated" in href), "a year page holds at most a page's entries"
        shown += got
        assert p.select_one('.site-nav a[aria-current="true"]')["href"] == "../timeline.html", "the nav says where it is"
        pager = p.select_one("nav.pager")
        assert pager.select_one('a[href="../timeline.html"]')
        back = pager.select_one("a[rel=prev]")
        assert (back["href"] if back else None) == (prev.replace("timeline/", "") if prev else None)
        prev = href
        assert not [a["href"] for a in p.select("a[href]") if a["href"].startswith(("docs/", "entities/"))], \
            "links from timeline/ climb to the root"
    assert shown == entries, "every entry once, in date order"


def test_a_register_of_more_quotes_than_a_page_holds_links_each_speaker_to_their_page(monkeypatch) -> None:  # noqa: ANN001
    from builder.html import pages

    root = Path(__file__).resolve().parents[1]
    whole = page(build(root).site, "quotes.html")
    groups = whole.select(".speaker-group")
    counts = {g["data-speaker"]: g.select_one("h3 .count").get_text() for g in groups}
    assert all(len(g.select(".register-item")) == int(counts[g["data-speaker"]]) for g in groups), "the quotes, listed"
    monkeypatch.setattr(pages, "REGISTER_QUOTES", sum(map(int, counts.values())) - 1)
    short = page(build(root).site, "quotes.html")
    assert not short.select(".speaker-group")
    index = short.select(".speaker-index > li")
    assert [li["data-speaker"] for li in index] == list(counts), "the same speakers, in the same order"
    for li in index:
        assert li.select_one("a")["href"] == f"entities/{li['data-speaker']}.html#quotes-title"
        assert li.select_one(".count").get_text() == counts[li["data-speaker"]] + " quotes"
    assert "too many for one page" in short.get_text()
    assert len(short.select("#conflicts .statement")) == len(whole.select("#conflicts .statement")) > 0, \
        "conflicting attributions are still all listed"


def test_speaker_colours_are_set_by_each_page_that_shows_the_speaker(tmp_path: Path) -> None:
    site = build(two_docs(tmp_path, sidecar_a=SIDE_A)).site
    assert "static/speakers.css" not in site
    for path in ("docs/a.html", "entities/zamir-kabulov.html", "quotes.html"):
        style = page(site, path).head.style.get_text()
        assert '[data-speaker="zamir-kabulov"]{--speaker-color:#0072B2;--speaker-ink:#FFFFFF}' in style, path
        assert "prefers-color-scheme: dark" in style, path
    assert page(site, "entities/kabul.html").head.style is None, "a place that never speaks sets no colour"


def test_a_corpus_theme_overrides_templates_and_static_files_one_by_one(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    (root / "themes" / "default" / "templates").mkdir(parents=True)
    (root / "themes" / "default" / "static").mkdir(parents=True)
    (root / "themes" / "default" / "templates" / "timeline.html").write_text(
        '{% extends "base.html" %}{% block title %}Custom{% endblock %}{% block main %}<p id="mine">mine</p>{% endblock %}')
    (root / "themes" / "default" / "static" / "style.css").write_text("body{color:red}\n")
    site = build(root).site
    assert page(site, "timeline.html").find(id="mine")
    assert site["static/style.css"] == b"body{color:red}\n"
    assert page(site, "index.html").find("h1"), "other templates still come from the built-in theme"
    assert b"glossator" in site["static/glossator.js"].lower()


def _replace_macro(template: str, replacement: str) -> str:
    """A theme's copy of a built-in template with one macro (the one `replacement` defines) changed."""
    from builder.html.theme import BUILTIN_THEME

    text = (BUILTIN_THEME / "templates" / template).read_text("utf-8")
    return _with_macro(text, replacement)


def _with_macro(text: str, replacement: str) -> str:
    start = text.index(replacement[:replacement.index("(") + 1])
    end = text.index("endmacro %}", start) + len("endmacro %}")
    return text[:start] + replacement + text[end:]


def test_a_theme_that_overrides_the_passage_macro_changes_every_listing_of_passages(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a=SIDE_A)
    (root / "themes" / "default" / "templates").mkdir(parents=True)
    (root / "themes" / "default" / "templates" / "_macros.html").write_text(_replace_macro(
        "_macros.html",
        '{% macro passage(p, show_doc=true, show_speaker=false) %}'
        '<figure class="my-passage"><q>{{ p.text }}</q> <a href="{{ p.href }}">{{ p.doc_title }}</a></figure>'
        '{% endmacro %}'))
    site = build(root).site
    for path, href in (("entities/zamir-kabulov.html", "../docs/a.html#guarded"), ("quotes.html", "docs/a.html#guarded")):
        mine = page(site, path).select("figure.my-passage")
        assert [(f.q.get_text(), f.a["href"]) for f in mine] == [("Our embassy is guarded by the Taliban", href)], path
        assert not page(site, path).select("blockquote.passage"), path


def test_a_theme_that_overrides_the_listings_changes_them_on_every_page(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a=SIDE_A)
    (root / "themes" / "default" / "templates").mkdir(parents=True)
    listings = _replace_macro("_listings.html", '{% macro timeline_entries(entries) %}{% for e in entries %}'
                              '<li class="mine">{{ e.date_label }}: {{ e.label }}</li>{% endfor %}{% endmacro %}')
    listings = _with_macro(listings, '{% macro legend_items(legend) %}{% for item in legend %}'
                           '<li class="mine">{{ item.name }}</li>{% endfor %}{% endmacro %}')
    listings = _with_macro(listings, '{% macro index_rows(rows) %}{% for row in rows %}'
                           '<tr class="mine"><td>{{ row.meta.title }}</td></tr>{% endfor %}{% endmacro %}')
    listings = _with_macro(listings, '{% macro mention_groups(groups) %}{% for g in groups %}'
                           '<p class="mine">{{ g.meta.title }}: {{ g["items"] | length }}</p>{% endfor %}{% endmacro %}')
    (root / "themes" / "default" / "templates" / "_listings.html").write_text(listings)
    site = build(root).site
    assert [li.get_text() for li in page(site, "timeline.html").select("li.mine")] == [
        "August 2021: Report B", "16 August 2021 (approximate): Report A", "16 August 2021 (approximate): Embassy guarded"]
    assert [li.get_text() for li in page(site, "docs/a.html").select(".legend li.mine")] == ["Zamir Kabulov"]
    assert [tr.get_text() for tr in page(site, "index.html").select("tr.mine")] == ["Report A", "Report B"]
    assert [p.get_text() for p in page(site, "entities/kabul.html").select("p.mine")] == ["Report A: 1"]


def test_a_theme_that_overrides_the_reading_pieces_changes_every_document_page(tmp_path: Path) -> None:
    """The chip before a quote and the arrow after a cross-link come from _reading.html, so a theme can
    show the speaker's name in the text instead of initials."""
    root = two_docs(tmp_path, sidecar_a=SIDE_A + "links:\n  - {text: embassy, to: \"doc:b\"}\n")
    (root / "themes" / "default" / "templates").mkdir(parents=True)
    reading = _replace_macro("_reading.html", '{% macro speaker_chip(name, via, initials, short) -%}'
                             '<b class="who">{{ name }}{% if via %} (via {{ via }}){% endif %}:</b> {% endmacro %}')
    reading = _with_macro(reading, '{% macro go_link(href, label, external) -%}'
                          '<a class="mine" href="{{ href }}">({{ label }})</a>{% endmacro %}')
    (root / "themes" / "default" / "templates" / "_reading.html").write_text(reading)
    site = build(root).site
    quote = page(site, "docs/a.html").find(id="guarded")
    assert quote.b.get_text() == "Zamir Kabulov (via TASS):" and not quote.select(".speaker-tag")
    assert [(a["href"], a.get_text()) for a in page(site, "docs/a.html").select("a.mine")] == [("b.html", "(Report B)")]
    assert quote.get_text() == "Zamir Kabulov (via TASS): Our embassy(Report B) is guarded by the Taliban"


def test_a_named_theme_from_settings(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    (root / "glossator.toml").write_text('theme = "plain"\n')
    (root / "themes" / "plain" / "templates").mkdir(parents=True)
    (root / "themes" / "plain" / "templates" / "404.html").write_text("<p>gone</p>")
    site = build(root).site
    assert site["404.html"] == b"<p>gone</p>"


def test_theme_files_linking_out_of_the_corpus_are_refused_with_their_path(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("TOP SECRET {{ 7 * 7 }}")
    root = two_docs(tmp_path / "c")
    (root / "themes" / "default" / "templates").mkdir(parents=True)
    (root / "themes" / "default" / "static").mkdir(parents=True)
    (root / "themes" / "default" / "templates" / "timeline.html").symlink_to(secret)
    (root / "themes" / "default" / "static" / "leak.txt").symlink_to(secret)
    result = build(root)
    assert not result.ok and result.site == {}
    assert {(d.path, d.message) for d in result.diagnostics if d.severity == "error"} == {
        ("themes/default/templates/timeline.html", "themes/default/templates/timeline.html is a link that leaves the corpus"),
        ("themes/default/static/leak.txt", "themes/default/static/leak.txt is a link that leaves the corpus"),
    }


def test_a_markdown_document_keeps_its_emphasis_and_links_around_and_inside_annotations(tmp_path: Path) -> None:
    from tests.factory import ENTITIES, make_corpus

    corpus_dir = make_corpus(
        tmp_path, [{"id": "m", "file": "m.md", "title": "M"}],
        {"m.md": 'Zamir Kabulov said: "Our *embassy is guarded* by **the Taliban**," citing '
                 '[the wire](https://wire.example/x?a=1&b=<2>), [TASS](https://tass.com) and [this](javascript:alert(1)).\n'},
        entities=ENTITIES,
        sidecars={"m": "quotes:\n  - {id: q, text: \"Our embassy is guarded by the\", speaker: zamir-kabulov}\n"})
    result = build(corpus_dir)
    assert result.ok, result.diagnostics
    html = result.site["docs/m.html"].decode()
    article = BeautifulSoup(html, "html.parser").find("article")
    assert article.get_text().strip() == ('Zamir Kabulov said: "Our embassy is guarded by the Taliban," citing the wire, '
                                          'TASS and [this](javascript:alert(1)).')
    assert article.find("em").get_text() == "embassy is guarded"
    assert "".join(s.get_text() for s in article.find_all("strong")) == "the Taliban", \
        "split where the quote ends, the emphasis keeps all its words"
    assert article.find(id="q").find("em"), "the source's emphasis is drawn inside the quote"
    link = article.find("a", class_="source-link")
    assert link["href"] == "https://wire.example/x?a=1&b=%3C2%3E" and link.get_text() == "the wire"
    tass = article.find("a", class_="mention", attrs={"data-entity": "tass"})
    assert tass["href"] == "../entities/tass.html" and tass.find("span", class_="source-link").get_text() == "TASS", \
        "a source link on words that are also a mention: the mention keeps the link, no <a> inside <a>"
    assert "javascript:" not in str(article.find_all("a"))


SORTING = """\
people:
  zamir-kabulov: {name: Zamir Kabulov, aliases: [Kabulov, zamir kabulov]}
  dmitry-zhirnov: {name: Dmitry Zhirnov, aliases: [Zhirnov]}
  ban-ki-moon: {name: Ban Ki-moon, sort-as: "Ban, Ki-moon"}
  anna-abramova: {name: Anna Abramova}
organizations:
  tass: {name: TASS}
places:
  kabul: {name: Kabul, aliases: [Kabul]}
"""


def test_entity_pages_answer_a_fact_checker(tmp_path: Path) -> None:
    side_b = ('quotes:\n  - {id: hair, text: "Our embassy is guarded by the Taliban", speaker: dmitry-zhirnov}\n'
              '  - {id: nothing, text: "nothing else", speaker: zamir-kabulov}\n')
    side_a = ('quotes:\n  - {id: govern, text: "We will see how they govern", speaker: zamir-kabulov}\n'
              '  - {id: guarded, text: "Our embassy is guarded by the Taliban", speaker: zamir-kabulov}\n')
    root = two_docs(tmp_path, sidecar_a=side_a, sidecar_b=side_b, entities=SORTING)
    # Report B (August 2021) is dated before Report A (16 August 2021): its quotes come first.
    site = build(root).site
    zhirnov = page(site, "entities/dmitry-zhirnov.html")
    flag = zhirnov.select_one(".register-item.conflict .flag")
    assert flag and flag.a["href"] == "../docs/a.html#guarded" and "Zamir Kabulov" in flag.get_text()
    assert zhirnov.select_one(".register-item .passage footer a")["href"] == "../docs/b.html#hair"
    assert "1 of these quotes is attributed to someone else" in zhirnov.select_one(".conflict-summary").get_text()
    kabulov = page(site, "entities/zamir-kabulov.html")
    assert [a["href"] for a in kabulov.select(".register-item .passage footer a")] == [
        "../docs/b.html#nothing", "../docs/a.html#guarded", "../docs/a.html#govern"], \
        "by date; one document's quotes in the order of its text"
    assert kabulov.find("dt", string="Also written").find_next("dd").get_text() == "Kabulov", "not its own name again"
    kabul = page(site, "entities/kabul.html")
    assert kabul.find("dt", string="Also written") is None
    assert "quote" not in kabul.find("dt", string="In the corpus").find_next("dd").get_text()
    people = [a.get_text() for a in page(site, "entities.html").select("#g-person ~ ul a")]
    assert people == ["Anna Abramova", "Ban Ki-moon", "Zamir Kabulov", "Dmitry Zhirnov"], "by family name, sort-as first"
    register = [h.a.get_text() for h in page(site, "quotes.html").select(".speaker-group h3")]
    assert register == ["Zamir Kabulov", "Dmitry Zhirnov"]
