"""The data downloads: `data/quotes.csv`, `data/quotes.json`, `data/entities.csv`, `data/dates.csv`.

CSV files are UTF-8 (no byte-order mark), one header row, RFC 4180 (every row ends in CRLF;
a field holding a comma, a quote mark or a line break is quoted, its quote marks doubled).
A cell that a spreadsheet would take for a formula (one starting with `=`, `+`, `-`, `@`, a tab
or a carriage return) is neutralised with a leading `'`, as OWASP advises for CSV injection;
the JSON file holds the values as written. Rows come in the order the site lists them, so the
same corpus gives the same bytes.

Permalinks are absolute under `base_url`, else relative to the site's root
(`docs/<doc>.html#<annotation id>`).
"""

from __future__ import annotations

import csv
import io
import json
from bisect import bisect_right
from typing import Any, Iterable, Mapping, Sequence

from builder.core import urls
from builder.core.edtf import Edtf
from builder.core.models import AnchoredDoc, DocId, Entity, EntityId, Linked, PassageRef, SitePath, Span

QUOTES_CSV = SitePath("data/quotes.csv")
QUOTES_JSON = SitePath("data/quotes.json")
ENTITIES_CSV = SitePath("data/entities.csv")
DATES_CSV = SitePath("data/dates.csv")
PATHS = (QUOTES_CSV, QUOTES_JSON, ENTITIES_CSV, DATES_CSV)

QUOTE_COLUMNS = ("quote_id", "speaker_id", "speaker_name", "words", "document_id", "document_title", "outlet",
                 "published", "statement_date", "via_id", "via_name", "conflict", "permalink")
ENTITY_COLUMNS = ("entity_id", "kind", "name", "aliases", "description", "wikidata", "quotes", "mentions",
                  "documents", "permalink")
DATE_COLUMNS = ("date_id", "document_id", "document_title", "words", "date", "earliest", "latest", "event",
                "permalink")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralised(_cell(row[c])) for c in columns])
    return out.getvalue().encode("utf-8")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def tables(linked: Linked, base_url: str = "") -> dict[SitePath, bytes]:
    """Every data file, by its path in the site."""
    quotes = quote_rows(linked, base_url)
    return {
        QUOTES_CSV: csv_bytes(QUOTE_COLUMNS, quotes),
        QUOTES_JSON: quotes_json(quotes),
        ENTITIES_CSV: csv_bytes(ENTITY_COLUMNS, entity_rows(linked, base_url)),
        DATES_CSV: csv_bytes(DATE_COLUMNS, date_rows(linked, base_url)),
    }


def quotes_json(rows: list[dict[str, Any]]) -> bytes:
    """`{"quotes": [...]}`, one quote a line (each line made by json's C encoder: an indented
    dump goes through its pure-Python one, ten times slower on a large corpus)."""
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    return ('{"quotes": [\n' + lines + "\n]}\n" if rows else '{"quotes": []}\n').encode("utf-8")


def permalink(base_url: str, ref: PassageRef) -> str:
    return f"{base_url}{urls.doc_page(ref.doc)}#{ref.id}"


def register_order(linked: Linked, entities: Mapping[EntityId, Entity]) -> list[EntityId]:
    """Speakers as the quotes register lists them: by name."""
    return sorted(linked.quotes_by, key=lambda e: entities[e].name.lower() if e in entities else e)


def quote_rows(linked: Linked, base_url: str = "") -> list[dict[str, Any]]:
    """One row per quote, speaker by speaker as in the quotes register, each speaker's in corpus order."""
    entities = {e.id: e for e in linked.entities}
    docs = {d.meta.id: d for d in linked.docs}
    conflicted = {ref for st in linked.statements if st.conflict for ref in st.passages}
    dates = {d.meta.id: _dates_by_paragraph(d) for d in linked.docs}
    rows = []
    for speaker in register_order(linked, entities):
        for ref in linked.quotes_by[speaker]:
            doc, span = docs[ref.doc], linked.passages[ref]
            ann = span.annotation
            said = statement_date(doc, span, dates[ref.doc])
            via = entities.get(ann.via) if ann.via else None
            rows.append({
                "quote_id": ref.id, "speaker_id": speaker,
                "speaker_name": entities[speaker].name if speaker in entities else "",
                "words": doc.doc.text[span.start:span.end], "document_id": ref.doc,
                "document_title": doc.meta.title, "outlet": doc.meta.source,
                "published": doc.meta.published.text if doc.meta.published else "",
                "statement_date": said.text if said else "",
                "via_id": ann.via or "", "via_name": via.name if via else "",
                "conflict": ref in conflicted, "permalink": permalink(base_url, ref),
            })
    return rows


def _dates_by_paragraph(doc: AnchoredDoc) -> tuple[list[int], list[list[Span]]]:
    starts = [p.start for p in doc.doc.paragraphs]
    spans: list[list[Span]] = [[] for _ in starts]
    for s in doc.spans:
        if s.kind == "date" and s.annotation.date is not None and starts:
            spans[max(0, bisect_right(starts, s.start) - 1)].append(s)
    return starts, spans


def statement_date(doc: AnchoredDoc, quote: Span, by_paragraph: tuple[list[int], list[list[Span]]]) -> Edtf | None:
    """The date annotated for a quote: a date inside its words, else the last one before them in
    its paragraph ("Naeem said on Tuesday that …"); None where its paragraph dates nothing."""
    starts, spans = by_paragraph
    if not starts:
        return None
    here = spans[max(0, bisect_right(starts, quote.start) - 1)]
    inside = [s for s in here if quote.start <= s.start and s.end <= quote.end]
    before = [s for s in here if s.end <= quote.start]
    chosen = inside[0] if inside else (before[-1] if before else None)
    return chosen.annotation.date if chosen else None


def entity_rows(linked: Linked, base_url: str = "") -> list[dict[str, Any]]:
    """One row per entity, in entities.yaml's order."""
    rows = []
    for e in linked.entities:
        mentions = linked.mentions_of.get(e.id, ())
        rows.append({
            "entity_id": e.id, "kind": e.kind, "name": e.name, "aliases": "; ".join(e.aliases),
            "description": e.description, "wikidata": e.wikidata,
            "quotes": len(linked.quotes_by.get(e.id, ())), "mentions": len(mentions),
            "documents": len({r.doc for r in mentions}), "permalink": base_url + urls.entity_page(e.id),
        })
    return rows


def date_rows(linked: Linked, base_url: str = "") -> list[dict[str, Any]]:
    """One row per annotated date, document by document, in reading order."""
    rows = []
    for doc in linked.docs:
        for s in doc.spans:
            d = s.annotation.date
            if s.kind != "date" or d is None:
                continue
            rows.append({
                "date_id": s.id, "document_id": doc.meta.id, "document_title": doc.meta.title,
                "words": doc.doc.text[s.start:s.end], "date": d.text,
                "earliest": _iso(d, lower=True), "latest": _iso(d, lower=False), "event": s.annotation.event,
                "permalink": permalink(base_url, PassageRef(DocId(doc.meta.id), s.id)),
            })
    return rows


def _iso(d: Edtf, lower: bool) -> str:
    """The first or last day the date can mean, or '' for an open end."""
    point = d.start if lower else d.end if d.interval else d.start
    if point is None:
        return ""
    return (point.lower if lower else point.upper).isoformat()
