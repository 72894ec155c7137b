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
from bisect import bisect_right
from json.encoder import encode_basestring
from functools import partial
from typing import Iterator, Mapping, Sequence

from builder.core import urls
from builder.core.edtf import Edtf
from builder.core.pieces import Pieces
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


Row = tuple[str, ...]   # a row's cells as text, in its columns' order


ROWS_A_PIECE = 2_000   # a file is written this many rows at a time: never held whole as text


def csv_pieces(columns: Sequence[str], rows: Sequence[Row]) -> Pieces:
    return Pieces(partial(_csv_chunks, columns, rows))


def _csv_chunks(columns: Sequence[str], rows: Sequence[Row]) -> Iterator[bytes]:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for k in range(0, len(rows), ROWS_A_PIECE):
        writer.writerows([["'" + c if c.startswith(FORMULA_START) else c for c in row]   # neutralised()
                          for row in rows[k:k + ROWS_A_PIECE]])
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    if not rows:
        yield out.getvalue().encode("utf-8")


def tables(linked: Linked, base_url: str = "") -> dict[SitePath, Pieces]:
    """Every data file, by its path in the site: the rows made once (quotes.csv and quotes.json
    share theirs), each file's text a piece at a time as it is written. Held whole, the text
    of the quote files took three times their size at once (91 MB of files at 10,000 documents)."""
    quotes = quote_rows(linked, base_url)
    return {
        QUOTES_CSV: csv_pieces(QUOTE_COLUMNS, quotes),
        QUOTES_JSON: Pieces(partial(_quotes_json_chunks, quotes)),
        ENTITIES_CSV: csv_pieces(ENTITY_COLUMNS, entity_rows(linked, base_url)),
        DATES_CSV: csv_pieces(DATE_COLUMNS, date_rows(linked, base_url)),
    }


# A quote as one line of quotes.json: what json.dumps(dict(zip(QUOTE_COLUMNS, row)), ensure_ascii=False)
# writes, every value a string but `conflict`, a boolean. One %-template and json's C escaping
# of each string take a third of the time of a json.dumps per quote.
_QUOTE_LINE = "{" + ", ".join(f'"{c}": %s' for c in QUOTE_COLUMNS) + "}"
_CONFLICT = QUOTE_COLUMNS.index("conflict")


def _quotes_json_chunks(rows: Sequence[Row]) -> Iterator[bytes]:
    if not rows:
        yield b'{"quotes": []}\n'
        return
    yield b'{"quotes": [\n'
    for k in range(0, len(rows), ROWS_A_PIECE):
        lines = ",\n".join([_QUOTE_LINE % (*map(encode_basestring, r[:_CONFLICT]), r[_CONFLICT],
                                            *map(encode_basestring, r[_CONFLICT + 1:])) for r in rows[k:k + ROWS_A_PIECE]])
        yield (",\n" + lines if k else lines).encode("utf-8")
    yield b"\n]}\n"


def permalink(base_url: str, ref: PassageRef) -> str:
    return f"{base_url}{urls.doc_page(ref.doc)}#{ref.id}"


def register_order(linked: Linked, entities: Mapping[EntityId, Entity]) -> list[EntityId]:
    """Speakers as the quotes register lists them: by name."""
    return sorted(linked.quotes_by, key=lambda e: entities[e].name.lower() if e in entities else e)


def quote_rows(linked: Linked, base_url: str = "") -> list[Row]:
    """One row per quote (QUOTE_COLUMNS), speaker by speaker as in the quotes register, each
    speaker's in corpus order; `conflict` is "true" or "false"."""
    entities = {e.id: e for e in linked.entities}
    docs = {d.meta.id: d for d in linked.docs}
    conflicted = {ref for st in linked.statements if st.conflict for ref in st.passages}
    dates = {d.meta.id: _dates_by_paragraph(d) for d in linked.docs}
    rows = []
    for speaker in register_order(linked, entities):
        name = entities[speaker].name if speaker in entities else ""
        for ref in linked.quotes_by[speaker]:
            doc, span = docs[ref.doc], linked.passages[ref]
            ann, meta = span.annotation, doc.meta
            said = statement_date(doc, span, dates[ref.doc])
            via = entities.get(ann.via) if ann.via else None
            rows.append((
                ref.id, speaker, name, doc.doc.text[span.start:span.end], ref.doc, meta.title, meta.source or "",
                meta.published.text if meta.published else "", said.text if said else "",
                ann.via or "", via.name if via else "", "true" if ref in conflicted else "false",
                permalink(base_url, ref),
            ))
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


def entity_rows(linked: Linked, base_url: str = "") -> list[Row]:
    """One row per entity (ENTITY_COLUMNS), in entities.yaml's order."""
    rows = []
    for e in linked.entities:
        mentions = linked.mentions_of.get(e.id, ())
        rows.append((e.id, e.kind, e.name, "; ".join(e.aliases), e.description or "", e.wikidata or "",
                     str(len(linked.quotes_by.get(e.id, ()))), str(len(mentions)), str(len({r.doc for r in mentions})),
                     base_url + urls.entity_page(e.id)))
    return rows


def date_rows(linked: Linked, base_url: str = "") -> list[Row]:
    """One row per annotated date (DATE_COLUMNS), document by document, in reading order."""
    rows = []
    for doc in linked.docs:
        meta, text = doc.meta, doc.doc.text
        for s in doc.spans:
            d = s.annotation.date
            if s.kind != "date" or d is None:
                continue
            rows.append((s.id, meta.id, meta.title, text[s.start:s.end], d.text,
                         _iso(d, lower=True), _iso(d, lower=False), s.annotation.event or "",
                         permalink(base_url, PassageRef(DocId(meta.id), s.id))))
    return rows


def _iso(d: Edtf, lower: bool) -> str:
    """The first or last day the date can mean, or '' for an open end."""
    point = d.start if lower else d.end if d.interval else d.start
    if point is None:
        return ""
    return (point.lower if lower else point.upper).isoformat()
