"""schema.org JSON-LD for search engines and other readers of the open web.

A document page describes its source: a `NewsArticle` when INDEX.md names its publisher,
else a `CreativeWork`, with its publisher, author, language, date (when it is exact) and
original URL, the entities it mentions and its quotes as `Quotation`s whose `creator` is the
speaker. An entity page describes a `Person`, `Organization` or `Place`, `sameAs` its Wikidata item.

These are plain dicts: the template writes them with Jinja's `tojson`, which escapes `<`, `>`,
`&` and `'`, so no author text can close the script element or open another.
URLs are absolute under `base_url`, else relative to the page (as JSON-LD resolves them).
"""

from __future__ import annotations

from typing import Any, Mapping

from builder.core import urls
from builder.core.models import AnchoredDoc, Entity, EntityId, SitePath

CONTEXT = "https://schema.org"
ENTITY_TYPE = {"person": "Person", "organization": "Organization", "place": "Place"}


def _url(target: SitePath, page: SitePath, base_url: str, fragment: str = "") -> str:
    if base_url:
        return base_url + target + (f"#{fragment}" if fragment else "")
    return urls.relative(target, page, fragment)


def wikidata_page(entity: Entity) -> str:
    return f"https://www.wikidata.org/wiki/{entity.wikidata}" if entity.wikidata else ""


def _thing(entity: Entity, page: SitePath, base_url: str) -> dict[str, Any]:
    """An entity, as another page's data names it."""
    out: dict[str, Any] = {"@type": ENTITY_TYPE[entity.kind], "name": entity.name,
                           "url": _url(urls.entity_page(entity.id), page, base_url)}
    if entity.wikidata:
        out["sameAs"] = wikidata_page(entity)
    return out


def entity(ent: Entity, base_url: str) -> dict[str, Any]:
    page = urls.entity_page(ent.id)
    out: dict[str, Any] = {"@context": CONTEXT, **_thing(ent, page, base_url)}
    if ent.aliases:
        out["alternateName"] = list(ent.aliases)
    if ent.description:
        out["description"] = ent.description
    return out


def document(doc: AnchoredDoc, entities: Mapping[EntityId, Entity], base_url: str) -> dict[str, Any]:
    meta = doc.meta
    page = urls.doc_page(meta.id)
    out: dict[str, Any] = {"@context": CONTEXT, "@type": "NewsArticle" if meta.source else "CreativeWork",
                           "headline": meta.title, "name": meta.title}
    if meta.url.startswith(("https://", "http://")):
        out["url"] = meta.url
    if meta.source:
        out["publisher"] = {"@type": "Organization", "name": meta.source}
    if meta.author:
        out["author"] = {"@type": "Person", "name": meta.author}
    if meta.published is not None and meta.published.exact:
        # an ISO 8601 day, month or year; an approximate or uncertain date is left out rather
        # than stated as certain (the page itself shows it with its qualifier)
        out["datePublished"] = meta.published.html
    if meta.language:
        out["inLanguage"] = meta.language
    mentioned: dict[EntityId, None] = {}
    quotes = []
    text = doc.doc.text
    for span in doc.spans:
        ann = span.annotation
        if ann.kind == "mention" and ann.entity in entities:
            mentioned[ann.entity] = None   # type: ignore[index]
        elif ann.kind == "quote":
            quote: dict[str, Any] = {"@type": "Quotation", "text": text[span.start:span.end],
                                     "url": _url(page, page, base_url, span.id)}
            if ann.speaker in entities:
                quote["creator"] = _thing(entities[ann.speaker], page, base_url)   # type: ignore[index]
            quotes.append(quote)
    if mentioned:
        out["mentions"] = [_thing(entities[e], page, base_url) for e in mentioned]
    if quotes:
        out["hasPart"] = quotes
    return out
