"""Script injection: payloads in every field an author controls run nothing in Chromium.

One corpus carries the payloads everywhere (INDEX.md title, introduction and cells,
file names, entity names and descriptions, quotes, notes, events, link targets, cleaning
replacements, and .txt, .md and .html document text). Every page of its site is opened
in Chromium; no dialog opens, no injected global is set, no element carries an event
handler or a javascript: URL, no script runs but the theme's own, no request leaves the
site, and the author's text is shown as text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .corpus import Corpus, build, person

SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
IMG = '"><img src=x onerror="window.__pwned=1;alert(1)">'
SVG = "'><svg onload=alert(1)>"
TITLE = "</title><script>alert(1)</script>"
TEMPLATE = "{{ 7*7 }}{% if true %}TPL{% endif %}"
STYLE = "<style>body{display:none}</style>"
IFRAME = '<iframe src="javascript:alert(1)"></iframe>'
MD_LINKS = ("[click](javascript:alert(1)) <javascript:alert(1)> [x](JaVaScRiPt:alert(1)) "
            "[y](&#106;avascript:alert(1)) [z](data:text/html,<script>alert(1)</script>) [w](vbscript:msgbox)")
ALL = " ".join((SCRIPT, IMG, SVG, TITLE, TEMPLATE, STYLE, IFRAME))

HTML_DOC = f"""<!doctype html>
<html><head><title>{SCRIPT}</title><script>window.__pwned=1;alert(1)</script>
<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:alert(1)//">
<link rel="stylesheet" href="https://evil.example/x.css"></head>
<body onload="alert(1)"><nav>Menu</nav>
<article>
<h1 onclick="alert(1)">Envoy speaks <img src=x onerror=alert(1)></h1>
<p onmouseover="alert(1)">Zamir Kabulov said the embassy is safe. <a href="javascript:alert(1)">A link</a>
<iframe src="javascript:alert(1)"></iframe><object data="javascript:alert(1)"></object>
Escaped text: &lt;script&gt;alert(1)&lt;/script&gt; and &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</p>
<script>alert(2)</script><noscript><p>no script</p></noscript>
<p>Second paragraph with <svg onload="alert(1)"><circle r="1"/></svg> inline svg.</p>
<pre>&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;</pre>
</article></body></html>
"""

MD_DOC = f"""# Heading {SCRIPT}

Zamir Kabulov said the embassy is safe. {IMG} raw HTML in Markdown.

<script>alert(1)</script>

<div onclick="alert(1)">a block of raw HTML</div>

{MD_LINKS}

- a list item {SVG}
- {TEMPLATE}

> a quotation {STYLE}

```html
</pre><script>alert(1)</script>
```
"""

TXT_DOC = f"""Zamir Kabulov said "{SCRIPT} we stay" on Tuesday, and {IMG} too.
A line with a template {TEMPLATE} and a style {STYLE} and an {IFRAME}.
Kabulov added: the embassy is safe. {TITLE}
Mojibake â€TM here.
"""


def hostile_corpus() -> Corpus:
    c = Corpus(title=TITLE + " " + TEMPLATE, intro=ALL + "\n\n" + MD_LINKS)
    c.entities = {
        "people": {
            "zamir-kabulov": person("Zamir Kabulov", ALL + " " + MD_LINKS, aliases=["Kabulov"]),
            "evil-person": person(IMG + " Person", SCRIPT + " " + MD_LINKS),
        },
        "organizations": {"evil-org": person(TEMPLATE, STYLE)},
        "places": {"evil-place": person(SCRIPT, IFRAME)},
    }
    txt_name = 'x"><img src=x onerror=alert(1)>.txt'
    c.doc("txt", txt_name, TXT_DOC, IMG + " " + TEMPLATE, source=SCRIPT, author=SVG, published="2021-08-17",
          url="javascript:alert(1)", language="en", desk=IMG)
    c.doc("md", "{{7*7}} <b>.md", MD_DOC, TITLE, source=TEMPLATE, url="[x](javascript:alert(1))")
    c.doc("html", "<script>alert(1)<x>.html", HTML_DOC, SCRIPT, url='https://example.com/"><script>alert(1)</script>')
    c.sidecars["txt"] = {
        "clean": {"replace": [{"from": "â€TM", "to": SCRIPT}]},
        "quotes": [{"text": f"{SCRIPT} we stay", "speaker": "evil-person", "via": "evil-org", "note": ALL + " " + MD_LINKS}],
        "dates": [{"text": "on Tuesday", "date": "2021-08-17", "event": SCRIPT + " " + TEMPLATE}],
        "notes": [{"text": IMG, "note": ALL + "\n\n" + MD_LINKS},
                  {"text": TEMPLATE, "note": "```\n</pre><script>alert(1)</script>\n```"}],
        "links": [{"text": STYLE, "to": 'https://example.com/"><script>alert(1)</script>'},
                  {"text": "the embassy is safe", "to": "doc:md"}],
        "mentions": [{"text": TITLE, "entity": "evil-place"}],
    }
    c.sidecars["md"] = {
        "quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov", "same-as": "doc:html#html-safe"}],
        "notes": [{"text": "raw HTML in Markdown", "note": SVG}],
    }
    c.sidecars["html"] = {
        "quotes": [{"text": "the embassy is safe", "speaker": "evil-person", "id": "html-safe"}],
        "notes": [{"text": "Escaped text:", "note": IFRAME}],
    }
    return c


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile_corpus().write(tmp_path_factory.mktemp("hostile") / "corpus")
    out = root.parent / "site"
    run = build(root, out)
    assert run.code == 0, run.err
    return out


@pytest.fixture(scope="module")
def theme_scripts(example_site: Path) -> set[str]:
    """Inline scripts the theme itself writes (the same on any corpus)."""
    found: set[str] = set()
    for page in example_site.rglob("*.html"):
        found.update(m.strip() for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page.read_text(), re.S))
    return found


INSPECT = r"""() => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on")) bad.push(`${el.tagName} has ${name}`);
      if (urlAttrs.includes(name)) {
        const v = a.value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
        if (/^(javascript|vbscript|data):/.test(v)) bad.push(`${el.tagName} ${name}=${a.value}`);
      }
    }
  }
  for (const sel of ["iframe", "object", "embed", "img[src='x']", "svg[onload]", "base", "meta[http-equiv]",
                     "main style", "article script", "main script", "link[href^='http']"]) {
    for (const el of document.querySelectorAll(sel)) bad.push(`injected ${sel}: ${el.outerHTML.slice(0, 80)}`);
  }
  const scripts = [...document.scripts].map(s => ({src: s.getAttribute("src"), type: s.type, text: s.textContent.trim()}));
  return {bad, scripts, pwned: window.__pwned === 1, bodyShown: document.body.offsetHeight > 0,
          title: document.title, h1: (document.querySelector("h1") || {}).textContent || ""};
}"""


def pages_of(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_no_injected_script_runs_on_any_page(hostile_site, theme_scripts, browser, static_server):
    base = static_server(hostile_site)
    context = browser.new_context()
    page = context.new_page()
    events: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: "pwned" in m.text and events.append(f"console: {m.text}"))
    page.on("request", lambda r: r.url.startswith(base) or r.url.startswith("data:") or outside.append(r.url))
    problems: dict[str, Any] = {}
    try:
        for name in pages_of(hostile_site):
            page.goto(base + name)
            page.wait_for_load_state("load")
            # Hover and focus what a reader would: notes, dates and links open popups from author text.
            for el in page.locator("article .note, article time, article a").all()[:20]:
                el.hover()
                el.focus()
            found = page.evaluate(INSPECT)
            issues = list(found["bad"])
            for s in found["scripts"]:
                if s["src"]:
                    target = (hostile_site / name).parent / s["src"].split("?")[0]
                    if re.match(r"^([a-z][a-z0-9+.-]*:|//|/)", s["src"], re.I) or not target.resolve().is_file() \
                            or not target.resolve().is_relative_to(hostile_site.resolve()):
                        issues.append(f"script src {s['src']} is not a file of the site")
                elif s["type"] not in ("application/json", "application/ld+json") and s["text"] not in theme_scripts:
                    issues.append(f"inline script not from the theme: {s['text'][:80]}")
            if found["pwned"]:
                issues.append("window.__pwned was set")
            if not found["bodyShown"]:
                issues.append("an injected style hid the page")
            if issues:
                problems[name] = issues
    finally:
        context.close()
    assert events == [], events
    assert outside == [], f"requests that leave the site: {outside}"
    assert problems == {}, problems


def test_author_text_is_shown_as_text(hostile_site, browser, static_server):
    """Payloads are not dropped or half-parsed: a reader sees exactly what the author wrote."""
    base = static_server(hostile_site)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(base + "index.html")
        assert page.locator("h1").inner_text() == f"{TITLE} {TEMPLATE}"
        assert page.title() == f"{TITLE} {TEMPLATE}"
        intro = page.locator(".intro").inner_text()
        assert SCRIPT in intro and IMG in intro and "{{ 7*7 }}" in intro
        assert "49" not in page.locator("main").inner_text()
        page.goto(base + "docs/txt.html")
        assert page.locator("h1").inner_text() == f"{IMG} {TEMPLATE}"
        reading = page.locator("article").inner_text()
        assert SCRIPT + " we stay" in reading and IMG in reading and TEMPLATE in reading
        # The file name is shown, and a javascript: "url" is not a link.
        main = page.locator("main").inner_text()
        assert 'x"><img src=x onerror=alert(1)>.txt' in main
        assert page.locator("main a[href*='javascript' i]").count() == 0
        page.goto(base + "docs/html.html")
        reading = page.locator("article").inner_text()
        assert "Zamir Kabulov said the embassy is safe." in reading
        assert "<script>alert(1)</script>" in reading      # the escaped text of the page stays text
        assert "alert(2)" not in reading and "Menu" not in reading  # scripts and chrome are not article text
        page.goto(base + "entities/evil-person.html")
        assert page.locator("h1").inner_text().strip() == IMG + " Person"
    finally:
        context.close()


def test_the_html_document_keeps_no_markup_of_its_own(hostile_site):
    """A saved web page contributes text only: none of its elements or attributes reach the site."""
    from bs4 import BeautifulSoup

    article = BeautifulSoup((hostile_site / "docs" / "html.html").read_bytes(), "html.parser").article
    assert article.find_all(["script", "img", "iframe", "object", "svg", "style", "base", "meta", "noscript"]) == []
    handlers = [(el.name, a) for el in article.find_all(True) for a in el.attrs if a.lower().startswith("on")]
    assert handlers == []
    assert "no script" not in article.get_text()   # <noscript> content is page chrome, not article text
