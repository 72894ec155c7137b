"""schema.org JSON-LD in document and entity pages: what it says, that it parses as JSON-LD,
and that no author text can close its script element."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pyld import jsonld

from builder.run import pipeline
from tests.conftest import ROOT, copy_corpus
from tests.hostile.corpus import Corpus, person

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SCHEMA = "http://schema.org/"
EVIL = "</script><script>window.__pwned=1</script><!--"


def schema_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """schema.org's context, offline: its vocabulary is its terms ('@vocab'), which is what
    these pages use (no term of theirs needs the context's type coercions)."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": SCHEMA}}}


def data_of(html: str) -> dict[str, Any]:
    [found] = LD.findall(html)
    return json.loads(found)


def expanded(html: str, page_url: str) -> dict[str, Any]:
    [node] = jsonld.expand(data_of(html), {"documentLoader": schema_loader, "base": page_url})
    return node


def test_document_and_entity_pages_describe_their_subject(tmp_path: Path) -> None:
    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    base = "https://example.org/c/"
    site = pipeline.build(corpus, {"base_url": base}).site
    anadolu = expanded(site["docs/anadolu-2024-medvedev.html"].decode(), base + "docs/anadolu-2024-medvedev.html")
    assert anadolu["@type"] == [SCHEMA + "NewsArticle"]
    assert anadolu[SCHEMA + "datePublished"] == [{"@value": "2024-05-28"}]
    assert anadolu[SCHEMA + "publisher"][0][SCHEMA + "name"] == [{"@value": "Anadolu Agency"}]
    quotes = anadolu[SCHEMA + "hasPart"]
    assert quotes and all(q["@type"] == [SCHEMA + "Quotation"] for q in quotes)
    creators = {c[SCHEMA + "name"][0]["@value"]: c for q in quotes for c in q.get(SCHEMA + "creator", [])}
    assert creators["Dmitry Medvedev"]["@type"] == [SCHEMA + "Person"]
    assert creators["Dmitry Medvedev"][SCHEMA + "sameAs"] == [{"@value": "https://www.wikidata.org/wiki/Q23530"}]
    assert all(q[SCHEMA + "url"][0]["@value"].startswith(base + "docs/anadolu-2024-medvedev.html#") for q in quotes)
    rt = data_of(site["docs/rt-2021-naeem.html"].decode())
    assert "datePublished" not in rt, "an approximate date (2021-08-24~) is not stated as a day"
    assert rt["url"] == "https://www.rt.com/russia/533026-naeem-taliban-good-relations-russia/"
    unnamed = data_of(site["docs/unnamed-2017-mantytskiy.html"].decode())
    assert unnamed["@type"] == "CreativeWork" and "publisher" not in unnamed
    putin = expanded(site["entities/vladimir-putin.html"].decode(), base + "entities/vladimir-putin.html")
    assert putin["@type"] == [SCHEMA + "Person"]
    assert putin[SCHEMA + "sameAs"] == [{"@value": "https://www.wikidata.org/wiki/Q7747"}]
    kinds = {data_of(site[p].decode())["@type"] for p in site if p.startswith("entities/")}
    assert kinds == {"Person", "Organization", "Place"}
    assert not LD.findall(site["index.html"].decode()), "only document and entity pages carry it"


def test_author_text_cannot_close_the_script_element(tmp_path: Path) -> None:
    c = Corpus(title=EVIL)
    c.entities = {"people": {"evil": person(EVIL + " Person", EVIL, aliases=["Evil"])}}
    c.doc("d", "d.txt", f"Evil said {EVIL} here.\n", EVIL, source=EVIL, author=EVIL, url="https://example.org/</script>")
    c.sidecars["d"] = {"quotes": [{"text": EVIL, "speaker": "evil"}]}
    result = pipeline.build(c.write(tmp_path / "corpus"))
    assert result.ok, [d.format() for d in result.diagnostics]
    for path in ("docs/d.html", "entities/evil.html"):
        html = result.site[path].decode()
        [script] = LD.findall(html)
        assert "<" not in script and ">" not in script, "the JSON has no markup characters left to end the element"
        assert html.count("<script") == html.count("</script>")
        text = json.dumps(data_of(html), ensure_ascii=False)
        assert EVIL in text or json.dumps(EVIL)[1:-1] in text, "the author's text is kept, as data"
    doc = data_of(result.site["docs/d.html"].decode())
    assert doc["publisher"]["name"] == EVIL and doc["hasPart"][0]["text"] == EVIL
