"""data/quotes.csv, quotes.json, entities.csv and dates.csv: RFC 4180, UTF-8 with a header row,
safe to open in a spreadsheet, and parsed back equal to the register they come from."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from builder.export import tables
from builder.run import pipeline
from tests.conftest import ROOT
from tests.hostile.corpus import Corpus, person

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "=1"]


def parse(data: bytes) -> list[dict[str, str]]:
    """RFC 4180 as a strict reader sees it; cells neutralised against formulas read back as written."""
    assert not data.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header, body = rows[0], rows[1:]
    assert all(len(r) == len(header) for r in body)
    return [{k: (v[1:] if v.startswith("'") and v[1:].startswith(tables.FORMULA_START) else v)
             for k, v in zip(header, r)} for r in body]


def records_end_in_crlf(data: bytes) -> bool:
    """Every record ends in CRLF (a line break inside a quoted field may be anything)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return data.endswith(b"\r\n") and data.count(b"\r\n") >= len(rows)


def test_quotes_csv_and_json_are_the_register(example_site: Path) -> None:
    linked, _ = pipeline.check(ROOT)
    entities = {e.id: e for e in linked.entities}
    docs = {d.meta.id: d for d in linked.docs}
    # the register: speakers by name, each one's quotes in corpus order (quotes.html)
    speakers = sorted(linked.quotes_by, key=lambda e: entities[e].name.lower())
    expected = [(sp, entities[sp].name, docs[r.doc].doc.text[linked.passages[r].start:linked.passages[r].end],
                 r.doc, docs[r.doc].meta.title, f"docs/{r.doc}.html#{r.id}")
                for sp in speakers for r in linked.quotes_by[sp]]
    data = (example_site / "data/quotes.csv").read_bytes()
    assert records_end_in_crlf(data)
    rows = parse(data)
    assert list(rows[0]) == list(tables.QUOTE_COLUMNS)
    assert [(r["speaker_id"], r["speaker_name"], r["words"], r["document_id"], r["document_title"], r["permalink"])
            for r in rows] == expected
    conflicts = {r["quote_id"] for r in rows if r["conflict"] == "true"}
    assert {"zhirnov-hair", "kabulov-hair"} <= conflicts
    assert {r["conflict"] for r in rows} == {"true", "false"}
    by_id = {r["quote_id"]: r for r in rows}
    assert by_id["zhirnov-guarded"]["statement_date"] == "2021-08-16~"    # "Today", inside the words
    assert by_id["naeem-china"]["via_name"] == "Al-Mayadeen"
    assert by_id["naeem-china"]["outlet"] == "RT" and by_id["naeem-china"]["published"] == "2021-08-24~"
    quotes = json.loads((example_site / "data/quotes.json").read_bytes())["quotes"]
    assert [{k: str(v).lower() if isinstance(v, bool) else v for k, v in q.items()} for q in quotes] == rows


def test_entities_and_dates_csv(example_site: Path) -> None:
    linked, _ = pipeline.check(ROOT)
    rows = parse((example_site / "data/entities.csv").read_bytes())
    assert [(r["entity_id"], r["kind"], r["name"], r["aliases"], r["description"], r["wikidata"]) for r in rows] == [
        (e.id, e.kind, e.name, "; ".join(e.aliases), e.description, e.wikidata) for e in linked.entities]
    putin = next(r for r in rows if r["entity_id"] == "vladimir-putin")
    assert int(putin["quotes"]) == len(linked.quotes_by["vladimir-putin"]) and putin["wikidata"] == "Q7747"
    dates = parse((example_site / "data/dates.csv").read_bytes())
    spans = [(d.meta.id, s) for d in linked.docs for s in d.spans if s.kind == "date"]
    assert [(r["document_id"], r["date_id"], r["date"], r["event"]) for r in dates] == [
        (doc, s.id, s.annotation.date.text, s.annotation.event) for doc, s in spans]
    last_week = next(r for r in dates if r["words"] == "last week")
    assert (last_week["earliest"], last_week["latest"]) == ("2021-08-16", "2021-08-22")


def test_cells_that_look_like_formulas_are_neutralised(tmp_path: Path) -> None:
    c = Corpus()
    c.entities = {"people": {f"p{i}": person(f, f) for i, f in enumerate(FORMULAS)}}
    text = " ".join(f"{f} said, comma \"quoted\" here;" for f in FORMULAS) + "\nA second line."
    c.doc("d", "d.txt", text, "=cmd|' /C calc'!A0", source="@outlet")
    c.sidecars["d"] = {"quotes": [{"text": "said, comma \"quoted\"", "occurrence": i + 1, "speaker": f"p{i}"}
                                  for i in range(len(FORMULAS))]}
    root = c.write(tmp_path / "corpus")
    result = pipeline.build(root)
    assert result.ok, [d.format() for d in result.diagnostics]
    raw = result.site["data/quotes.csv"].decode("utf-8")
    for row in csv.reader(io.StringIO(raw, newline="")):
        assert not any(cell.startswith(tables.FORMULA_START) for cell in row), row
    rows = parse(result.site["data/quotes.csv"])
    assert sorted(r["speaker_name"] for r in rows) == sorted(FORMULAS)
    assert {r["document_title"] for r in rows} == {"=cmd|' /C calc'!A0"} and {r["outlet"] for r in rows} == {"@outlet"}
    assert {r["words"] for r in rows} == {"said, comma \"quoted\""}
    json_names = sorted(q["speaker_name"] for q in json.loads(result.site["data/quotes.json"])["quotes"])
    assert json_names == sorted(FORMULAS), "JSON holds the values as written"
    assert all(r["name"] in FORMULAS for r in parse(result.site["data/entities.csv"]))


def test_tabs_and_carriage_returns_are_neutralised_too() -> None:
    assert [tables.neutralised(c) for c in ("\tx", "\rx", "a=b", "", "'=x")] == ["'\tx", "'\rx", "a=b", "", "'=x"]
