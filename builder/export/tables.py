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
from builder.core.pieces import Chunk, Pieces, batches, computed
from builder.core.models import DocId, Entity, EntityId, Linked, Passage, PassageRef, SitePath, Summary

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


def csv_text(rows: Sequence[Sequence[str]]) -> bytes:
    """Rows (a header is one) as CSV, UTF-8, each cell neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows([["'" + c if c.startswith(FORMULA_START) else c for c in row] for row in rows])   # neutralised()
    return out.getvalue().encode("utf-8")


def csv_pieces(columns: Sequence[str], rows: Sequence[Row]) -> Pieces:
    return Pieces(lambda: (csv_text([columns, *rows]),))


def tables(linked: Linked, base_url: str = "", chunk: Chunk = computed) -> dict[SitePath, Pieces]:
    """Every data file, by its path in the site, each made a piece at a time as it is written:
    the quote files a speaker at a time, the dates CHUNK_DOCUMENTS documents at a time, each piece a chunk
    (pieces.Chunk) named by what it is made from. quotes.csv and quotes.json share their rows."""
    quotes = QuoteRows(linked, base_url, chunk)
    return {
        QUOTES_CSV: Pieces(quotes.csv),
        QUOTES_JSON: Pieces(quotes.json),
        ENTITIES_CSV: csv_pieces(ENTITY_COLUMNS, entity_rows(linked, base_url)),
        DATES_CSV: Pieces(partial(_dates_csv, linked, base_url, chunk)),
    }


# A quote as one line of quotes.json: what json.dumps(dict(zip(QUOTE_COLUMNS, row)), ensure_ascii=False)
# writes, every value a string but `conflict`, a boolean. One %-template and json's C escaping
# of each string take a third of the time of a json.dumps per quote.
_QUOTE_LINE = "{" + ", ".join(f'"{c}": %s' for c in QUOTE_COLUMNS) + "}"
_CONFLICT = QUOTE_COLUMNS.index("conflict")


def json_lines(rows: Sequence[Row]) -> bytes:
    return ",\n".join([_QUOTE_LINE % (*map(encode_basestring, r[:_CONFLICT]), r[_CONFLICT],
                                      *map(encode_basestring, r[_CONFLICT + 1:])) for r in rows]).encode("utf-8")


class QuoteRows:
    """The rows of the quote files (QUOTE_COLUMNS), speaker by speaker as the quotes register
    lists them, each speaker's in corpus order; `conflict` is "true" or "false". A speaker's
    rows are one chunk of each file, named by its quotes' documents, ids, relays and conflicts."""

    def __init__(self, linked: Linked, base_url: str, chunk: Chunk) -> None:
        self.linked, self.base_url, self.chunk = linked, base_url, chunk
        self.entities = {e.id: e for e in linked.entities}
        self.summaries = {s.meta.id: s for s in linked.summaries}
        self.conflicted = {ref for st in linked.statements if st.conflict for ref in st.passages}
        self.speakers = register_order(linked, self.entities)
        self._rows: dict[EntityId, list[Row]] = {}     # made for one file, kept for the other
        self._inputs: dict[EntityId, tuple[object, ...]] = {}

    def inputs(self, speaker: EntityId) -> tuple[object, ...]:
        """What a speaker's rows are made from: its quotes, each one's document, relay and
        conflict; few objects (a string for many), since the build cache hashes them."""
        made = self._inputs.get(speaker)
        if made is not None:
            return made
        passages, entities = self.linked.passages, self.entities
        refs = self.linked.quotes_by[speaker]
        vias = [passages[ref].via or "" for ref in refs]
        made = self._inputs[speaker] = (
            speaker, entities.get(speaker), self.base_url, "\n".join(f"{ref.doc}#{ref.id}" for ref in refs),
            tuple(self.summaries[d] for d in dict.fromkeys(ref.doc for ref in refs)),
            "\n".join(vias), tuple(entities.get(v) for v in sorted(set(vias)) if v),
            "".join("1" if ref in self.conflicted else "0" for ref in refs))
        return made

    def rows(self, speaker: EntityId) -> list[Row]:
        made = self._rows.get(speaker)
        if made is None:
            made = self._rows[speaker] = speaker_rows(self, speaker)
        return made

    def csv(self) -> Iterator[bytes]:
        yield csv_text([QUOTE_COLUMNS])
        for speaker in self.speakers:
            yield self.chunk("quotes.csv rows", partial(self.inputs, speaker), lambda: csv_text(self.rows(speaker)))

    def json(self) -> Iterator[bytes]:
        first = True
        for speaker in self.speakers:
            lines = self.chunk("quotes.json lines", partial(self.inputs, speaker), lambda: json_lines(self.rows(speaker)))
            if lines:
                yield (b'{"quotes": [\n' if first else b",\n") + lines
                first = False
        yield b'{"quotes": []}\n' if first else b"\n]}\n"


def permalink(base_url: str, ref: PassageRef) -> str:
    return f"{base_url}{urls.doc_page(ref.doc)}#{ref.id}"


def register_order(linked: Linked, entities: Mapping[EntityId, Entity]) -> list[EntityId]:
    """Speakers as the quotes register lists them: by name."""
    return sorted(linked.quotes_by, key=lambda e: entities[e].name.lower() if e in entities else e)


def speaker_rows(quotes: QuoteRows, speaker: EntityId) -> list[Row]:
    """The rows of one speaker's quotes, in corpus order."""
    entities, base_url = quotes.entities, quotes.base_url
    name = entities[speaker].name if speaker in entities else ""
    dates: dict[DocId, tuple[list[int], list[list[Passage]]]] = {}
    rows = []
    for ref in quotes.linked.quotes_by[speaker]:
        doc, span = quotes.summaries[ref.doc], quotes.linked.passages[ref]   # no document opened (builder.run.sealed)
        meta = doc.meta
        if ref.doc not in dates:
            dates[ref.doc] = _dates_by_paragraph(doc)
        said = statement_date(span, dates[ref.doc])
        via = entities.get(span.via) if span.via else None
        rows.append((
            ref.id, speaker, name, doc.text[span.start:span.end], ref.doc, meta.title, meta.source or "",
            meta.published.text if meta.published else "", said.text if said else "",
            span.via or "", via.name if via else "", "true" if ref in quotes.conflicted else "false",
            permalink(base_url, ref),
        ))
    return rows


def _dates_by_paragraph(doc: Summary) -> tuple[list[int], list[list[Passage]]]:
    starts = list(doc.paragraphs)
    dates: list[list[Passage]] = [[] for _ in starts]
    for p in doc.passages.of_kind("date"):
        if p.date is not None and starts:
            dates[max(0, bisect_right(starts, p.start) - 1)].append(p)
    return starts, dates


def statement_date(quote: Passage, by_paragraph: tuple[list[int], list[list[Passage]]]) -> Edtf | None:
    """The date annotated for a quote: a date inside its words, else the last one before them in
    its paragraph ("Naeem said on Tuesday that …"); None where its paragraph dates nothing."""
    starts, spans = by_paragraph
    if not starts:
        return None
    here = spans[max(0, bisect_right(starts, quote.start) - 1)]
    inside = [s for s in here if quote.start <= s.start and s.end <= quote.end]
    before = [s for s in here if s.end <= quote.start]
    chosen = inside[0] if inside else (before[-1] if before else None)
    return chosen.date if chosen else None


def entity_rows(linked: Linked, base_url: str = "") -> list[Row]:
    """One row per entity (ENTITY_COLUMNS), in entities.yaml's order."""
    rows = []
    for e in linked.entities:
        mentions = linked.mentions_of.get(e.id, ())
        rows.append((e.id, e.kind, e.name, "; ".join(e.aliases), e.description or "", e.wikidata or "",
                     str(len(linked.quotes_by.get(e.id, ()))), str(len(mentions)), str(len({r.doc for r in mentions})),
                     base_url + urls.entity_page(e.id)))
    return rows


def _dates_csv(linked: Linked, base_url: str, chunk: Chunk) -> Iterator[bytes]:
    yield csv_text([DATE_COLUMNS])
    for summaries in batches(linked.summaries):
        yield chunk("dates.csv rows", lambda: (summaries, base_url),
                    lambda: csv_text([row for doc in summaries for row in document_date_rows(doc, base_url)]))


def document_date_rows(doc: Summary, base_url: str) -> list[Row]:
    """One row per annotated date of a document (DATE_COLUMNS), in reading order."""
    rows = []
    meta, text = doc.meta, doc.text
    for p in doc.passages.of_kind("date"):
        d = p.date
        if d is None:
            continue
        rows.append((p.id, meta.id, meta.title, text[p.start:p.end], d.text,
                     _iso(d, lower=True), _iso(d, lower=False), p.event or "",
                     permalink(base_url, PassageRef(DocId(meta.id), p.id))))
    return rows


def _iso(d: Edtf, lower: bool) -> str:
    """The first or last day the date can mean, or '' for an open end."""
    point = d.start if lower else d.end if d.interval else d.start
    if point is None:
        return ""
    return (point.lower if lower else point.upper).isoformat()
