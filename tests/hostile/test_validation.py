"""Validation without gaps: every malformed value is refused (or warned about) where it is
written, with a message that says what is wrong and a hint that says what to write instead;
no crash, and no value silently dropped or let through.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from .corpus import Corpus, Run, build, person
from .test_inputs import GOOD_SIDECAR, GOOD_TEXT, base

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.+)\n"
    r"(?:  hint: (?P<hint>.+)\n|  hint:\n(?P<hints>(?:    .*\n)+))?", re.M)


@dataclass(frozen=True)
class Said:
    path: str
    line: int
    col: int
    severity: str
    message: str
    hint: str


def said(run: Run) -> list[Said]:
    return [Said(m["path"], int(m["line"]), int(m["col"]), m["severity"], m["message"],
                 m["hint"] or (m["hints"] or "").replace("\n    ", "\n").strip())
            for m in DIAGNOSTIC.finditer(run.err)]


def one(run: Run, path: str, message: str, severity: str = "error", code: int = 1) -> Said:
    """The one diagnostic of `path` whose message contains `message`; the run ended with `code`, no crash."""
    assert "Traceback" not in run.err, run.err
    assert run.code == code, f"expected exit {code}, got {run.code}:\n{run.err}"
    found = [d for d in said(run) if d.path == path and d.severity == severity and message.lower() in d.message.lower()]
    assert len(found) == 1, f"expected one '{path}:…: {severity}: …{message}…' in:\n{run.err}"
    return found[0]


def only_error(run: Run) -> Said:
    errors = [d for d in said(run) if d.severity == "error"]
    assert len(errors) == 1, f"expected exactly one error in:\n{run.err}"
    return errors[0]


def check(corpus: Path) -> Run:
    """`glossator check` in this process."""
    from builder.commands.cli import main

    o, e = io.StringIO(), io.StringIO()
    code = main(["check", str(corpus), "-q"], out=o, err=e)
    return Run(code, o.getvalue(), e.getvalue())


def index_line(root: Path, needle: str) -> tuple[int, int]:
    """(line, column) of the first occurrence of `needle` in seeds/INDEX.md."""
    for n, line in enumerate((root / "seeds" / "INDEX.md").read_text("utf-8").split("\n"), 1):
        if needle in line:
            return n, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in INDEX.md")


# --- ids: a length limit, and patterns anchored at the very end ------------------------------------------


def test_a_document_id_too_long_for_a_file_name_is_refused_by_check_and_build(tmp_path):
    long_id = "x" * 260
    c = base().doc(long_id, "b.txt", "Another text.\n")
    root = c.write(tmp_path / "corpus")
    for run in (check(root), build(root, tmp_path / "out")):
        d = one(run, "seeds/INDEX.md", "is longer than 100 characters")
        assert (d.line, d.col) == index_line(root, long_id)
        assert "260" in d.message and "shorten" in d.hint
    assert not (tmp_path / "out").exists()


def test_an_entity_id_too_long_for_a_file_name_is_refused(tmp_path):
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov"), "y" * 300: person("Y")}}
    root = c.write(tmp_path / "corpus")
    for run in (check(root), build(root, tmp_path / "out")):
        d = one(run, "annotations/entities.yaml", "is longer than 100 characters")
        assert (d.line, d.col) == (4, 5) and "300" in d.message and "shorten" in d.hint   # `? <long key>`
        assert "unknown speaker" not in run.err, "one error in entities.yaml is reported once, not in every sidecar"


def test_an_annotation_id_longer_than_the_limit_is_refused(tmp_path):
    c = base()
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov", "id": "q" * 101}]}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "longer than 100 characters")
    assert (d.line, d.col) == (4, 7) and "shorten" in d.hint


def test_an_id_of_exactly_the_limit_builds(tmp_path):
    c = base().doc("d" * 100, "b.txt", "Another text.\n")
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov"), "e" * 100: person("Someone Else")}}
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov", "id": "q" * 100}]}
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    assert run.code == 0, run.err
    assert (tmp_path / "out" / "docs" / f"{'d' * 100}.html").exists()
    assert (tmp_path / "out" / "entities" / f"{'e' * 100}.html").exists()


def test_an_entity_id_ending_in_a_newline_is_refused(tmp_path):
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov"), "evil\n": person("Evil")}}
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    d = one(run, "annotations/entities.yaml", "is not an id")
    assert (d.line, d.col) == (4, 5) and r"'evil\n'" in d.message   # `? 'evil\n'`
    assert "lowercase letters" in d.hint and "'evil'" in d.hint
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("field, value, where", [("speaker", "zamir-kabulov\n", (3, 12)), ("id", "q1\n", (4, 7))])
def test_a_sidecar_id_ending_in_a_newline_is_refused(tmp_path, field, value, where):
    c = base()
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov", field: value}]}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "is not an id")
    assert (d.line, d.col) == where and "lowercase" in d.hint


def test_a_wikidata_id_ending_in_a_newline_is_refused(tmp_path):
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov") | {"wikidata": "Q42\n"}}}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/entities.yaml", "wikidata")
    assert d.line == 4 and "Q42" in d.hint


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "pattern"] + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def test_every_schema_pattern_is_anchored_at_the_very_end_in_both_engines():
    """python-jsonschema searches with `re.search`, where `$` also matches before a final
    newline; jsonschema-rs and editors (ECMA-262) do not. Each pattern must refuse a
    trailing newline in both engines, and take a value that fits."""
    import jsonschema
    import jsonschema_rs

    from builder.read import annotations

    fitting = {"slug": "a-b", "wikidata": "Q42", "target": "doc:a#b", "same-as": "doc:a#b"}
    patterns = _patterns(annotations.schema("sidecar")) + _patterns(annotations.schema("entities"))
    assert len(patterns) >= 4
    for pattern in patterns:
        schema = {"type": "string", "pattern": pattern}
        good = next(v for v in fitting.values() if re.search(pattern, v))
        for value, expected in ((good, True), (good + "\n", False)):
            assert jsonschema.Draft202012Validator(schema).is_valid(value) is expected, (pattern, value)
            assert jsonschema_rs.is_valid(schema, value) is expected, (pattern, value)


def test_the_schemas_limit_ids_to_what_the_code_does():
    from builder.core import ids
    from builder.read import annotations

    assert annotations.schema("sidecar")["$defs"]["slug"]["maxLength"] == ids.MAX_LENGTH
    for group in ("people", "organizations", "places"):
        assert annotations.schema("entities")["properties"][group]["propertyNames"]["maxLength"] == ids.MAX_LENGTH


# --- language: a well-formed BCP 47 tag --------------------------------------------------------------


@pytest.mark.parametrize("tag", ["en", "en-GB", "zh-Hant-TW", "sr-Latn", "ast", "es-419", "de-CH-1996",
                                 "x-private", "en-US-x-twain", "i-klingon", "zh-min-nan", "EN-gb"])
def test_well_formed_language_tags_are_taken(tag):
    from builder.core import langtag

    assert langtag.problem(tag) is None


@pytest.mark.parametrize("tag, hint", [
    ("english", "'en'"), ("English", "'en'"), ("en_GB", "'en-GB'"), ("e", "en, en-GB"), ("en-", "en, en-GB"),
    ("en GB", "'en-GB'"), ("en-GB-", "en, en-GB"), ("zh-Hant-TW-toolongsubtag", "en, en-GB"), ("fr\n", "'fr'"),
])
def test_malformed_language_tags_are_explained(tag, hint):
    from builder.core import langtag

    found = langtag.problem(tag)
    assert found is not None
    assert hint in found[1]


def test_a_language_cell_that_is_not_a_tag_is_refused_at_its_cell(tmp_path):
    c = base()
    c.rows[0]["language"] = "English"
    root = c.write(tmp_path / "corpus")
    d = one(build(root, tmp_path / "out"), "seeds/INDEX.md", "language 'English' is not a BCP 47 language tag")
    assert (d.line, d.col) == index_line(root, "English") and "'en'" in d.hint


def test_a_language_setting_that_is_not_a_tag_is_refused_at_its_line(tmp_path):
    c = base()
    c.settings = 'title = "T"\nlanguage = "en_GB"\n'
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    d = one(run, "glossator.toml", "language 'en_GB' is not a BCP 47 language tag")
    assert (d.line, d.col) == (2, 12) and "'en-GB'" in d.hint
    assert not (tmp_path / "out").exists()


def test_a_well_formed_language_reaches_the_page(tmp_path):
    c = base()
    c.rows[0]["language"] = "zh-Hant-TW"
    c.settings = 'language = "sr-Latn"\n'
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    assert run.code == 0, run.err
    assert 'lang="zh-Hant-TW"' in (tmp_path / "out" / "docs" / "a.html").read_text()
    assert 'lang="sr-Latn"' in (tmp_path / "out" / "index.html").read_text()


# --- INDEX.md: a row after a blank line is reported, never dropped ------------------------------------


def test_a_row_after_a_blank_line_in_the_table_is_refused(tmp_path):
    c = base()
    c.files["b.txt"] = "Another text.\n"
    c.index_raw = c.index_text() + "\n| b | b.txt | Report B | 2021-08-18 |\n"
    root = c.write(tmp_path / "corpus")
    d = one(build(root, tmp_path / "out"), "seeds/INDEX.md", "not in the table of documents")
    assert (d.line, d.col) == index_line(root, "| b |")
    assert f"line {d.line - 1}" in d.hint and "blank line" in d.hint


def test_a_second_table_in_index_md_is_refused(tmp_path):
    c = base()
    c.files["b.txt"] = "Another text.\n"
    c.index_raw = c.index_text() + "\nMore documents:\n\n| id | title | file |\n|---|---|---|\n| b | B | b.txt |\n"
    root = c.write(tmp_path / "corpus")
    d = one(build(root, tmp_path / "out"), "seeds/INDEX.md", "second table")
    assert (d.line, d.col) == index_line(root, "| id | title | file |")
    assert "first table" in d.hint


def test_text_after_the_table_is_still_allowed(tmp_path):
    c = base()
    c.index_raw = c.index_text() + "\nSome closing words | with a bar.\n\n```\n| not | a | row |\n```\n"
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    assert run.code == 0, run.err


# --- a person listed under places: by mistake, used as a speaker ----------------------------------------


def test_a_person_listed_under_places_is_warned_about_where_it_speaks(tmp_path):
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov")}, "places": {"naeem": person("Muhammad Naeem")}}
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "naeem"}]}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "listed under places",
            severity="warning", code=0)
    assert (d.line, d.col) == (3, 12) and "looks like a person's" in d.message and "people:" in d.hint


@pytest.mark.parametrize("name", ["Moscow", "Saudi Arabia", "Kabul Province"])
def test_a_place_that_speaks_for_its_government_is_not_warned_about(tmp_path, name):
    """"Moscow said", "Russia has stated": a place as a speaker is how reports write it (the
    example corpus does too); only a place named like a person is suspect."""
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov")}, "places": {"capital": person(name)}}
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "capital"}]}
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    assert run.code == 0 and "warning" not in run.err, run.err


# --- messages that mislead no more -------------------------------------------------------------------------


def _date_error(tmp_path: Path, value: str) -> Said:
    c = base()
    c.sidecars["a"] = {"dates": [{"text": "on Tuesday", "date": value}]}
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    d = one(run, "annotations/a.yaml", "date:")
    assert (d.line, d.col) == (3, 9)
    assert "the sidecar is empty" not in run.err, "a sidecar whose only date is wrong is not empty"
    return d


def test_a_day_first_date_is_called_day_first_not_an_interval(tmp_path):
    d = _date_error(tmp_path, "13/03/2024")
    assert "interval" not in d.message and "day-first" in d.message
    assert "2024-03-13" in d.message + d.hint


@pytest.mark.parametrize("value, edtf", [("03/13/2024", "2024-03-13"), ("2024/03/13", "2024-03-13"),
                                         ("13.03.2024", "2024-03-13")])
def test_other_numeric_dates_get_their_edtf_form(tmp_path, value, edtf):
    d = _date_error(tmp_path, value)
    assert "interval" not in d.message and edtf in d.message + d.hint


def test_an_ambiguous_numeric_date_shows_both_readings(tmp_path):
    d = _date_error(tmp_path, "03/04/2024")
    assert "2024-04-03" in d.message + d.hint and "2024-03-04" in d.message + d.hint


@pytest.mark.parametrize("value, edtf", [("13 March 2024", "2024-03-13"), ("March 13, 2024", "2024-03-13"),
                                         ("13th Mar 2024", "2024-03-13"), ("March 2024", "2024-03")])
def test_a_date_in_words_gets_its_edtf_form_as_the_hint(tmp_path, value, edtf):
    d = _date_error(tmp_path, value)
    assert "is not an EDTF date" in d.message and f"write {edtf}" in d.hint


def test_a_published_date_in_words_gets_its_edtf_form_at_its_cell(tmp_path):
    c = base()
    c.rows[0]["published"] = "17 August 2021"
    root = c.write(tmp_path / "corpus")
    d = one(build(root, tmp_path / "out"), "seeds/INDEX.md", "published:")
    assert (d.line, d.col) == index_line(root, "17 August 2021") and "write 2021-08-17" in d.hint


def test_a_name_where_an_id_belongs_suggests_the_corpus_own_id(tmp_path):
    c = Corpus(entities={"people": {"muhammad-naeem": person("Muhammad Naeem"), "tass": person("TASS")}})
    c.doc("a", "a.txt", "Muhammad Naeem said the office is open.\n")
    c.sidecars["a"] = {"quotes": [{"text": "the office is open", "speaker": "Muhammad Naeem"},
                                  {"text": "said", "speaker": "muhammad-naeem", "via": "Tass"}],
                       "links": [{"text": "Naeem", "to": "entity:Naeem"}]}
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    assert "zamir-kabulov" not in run.err, "the hint names an id of this corpus, not of the example corpus"
    d = one(run, "annotations/a.yaml", "'Muhammad Naeem' is not an id")
    assert (d.line, d.col) == (3, 12) and "did you mean 'muhammad-naeem'?" in d.hint
    d = one(run, "annotations/a.yaml", "'Tass' is not an id")
    assert "did you mean 'tass'?" in d.hint
    d = one(run, "annotations/a.yaml", "'entity:Naeem' is not a link target")
    assert "did you mean 'entity:muhammad-naeem'?" in d.hint


def test_a_name_where_an_id_belongs_in_index_md_suggests_its_slug(tmp_path):
    c = base().doc("Report B", "b.txt", "Another text.\n")
    root = c.write(tmp_path / "corpus")
    d = one(build(root, tmp_path / "out"), "seeds/INDEX.md", "'Report B' is not a slug")
    assert "'report-b'" in d.hint and "rt-2021-naeem" not in d.hint


def test_the_closest_passage_hint_keeps_whole_words(tmp_path):
    c = base()
    c.files["a.txt"] = "The minister said that the embassy is safe and staying open.\n"
    c.sidecars["a"] = {"quotes": [{"text": "mbassy iz safe and stayin", "speaker": "zamir-kabulov"}]}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "text not found")
    assert "'embassy is safe and staying'" in d.hint


def test_a_tab_in_yaml_gets_the_tab_hint(tmp_path):
    c = base()
    c.sidecars["a"] = "quotes:\n\t- text: the embassy is safe\n\t  speaker: zamir-kabulov\n"
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "YAML syntax error")
    assert (d.line, d.col) == (2, 1) and "tab" in d.hint


def test_a_quote_that_differs_only_in_unicode_normalisation_says_so(tmp_path):
    c = base()
    c.files["a.txt"] = unicodedata.normalize("NFC", "Zamir Kabulov said the café is safe.\n")
    c.sidecars["a"] = {"quotes": [{"text": unicodedata.normalize("NFD", "the café is safe"), "speaker": "zamir-kabulov"}]}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "text not found")
    assert "Unicode normalisation" in d.hint and "NFD" in d.hint and "NFC" in d.hint


def test_an_alias_that_differs_from_the_text_only_in_normalisation_is_warned_about(tmp_path):
    c = base()
    c.files["a.txt"] = unicodedata.normalize("NFC", "José Ortega said on Tuesday that the embassy is safe.\n")
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov"),
                             "jose-ortega": person(unicodedata.normalize("NFD", "José Ortega"))}}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/entities.yaml", "normalisation",
            severity="warning", code=0)
    assert (d.line, d.col) == (5, 11) and "NFD" in d.message and "NFC" in d.message and "retype" in d.hint


def test_entity_names_that_are_normalisation_look_alikes_are_warned_about(tmp_path):
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov"),
                             "jose": person(unicodedata.normalize("NFC", "José")),
                             "jose-2": person(unicodedata.normalize("NFD", "José"))}}
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/entities.yaml", "look the same",
            severity="warning", code=0)
    assert (d.line, d.col) == (7, 11) and "jose" in d.message and "line 5" in d.hint


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"),
                                            ("utf-32", "UTF-32")])
def test_a_utf16_document_is_named_as_utf16(tmp_path, encoding, name):
    c = base()
    c.files["a.txt"] = GOOD_TEXT.encode(encoding)
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "seeds/a.txt", f"the file is {name}, not UTF-8")
    assert (d.line, d.col) == (1, 1)
    assert f"iconv -f {name} -t UTF-8 a.txt > a.utf8.txt" in d.hint


def test_a_utf16_settings_file_is_named_as_utf16(tmp_path):
    c = base()
    c.settings = 'title = "T"\n'.encode("utf-16")   # type: ignore[assignment]
    run = build(c.write(tmp_path / "corpus"), tmp_path / "out")
    d = one(run, "glossator.toml", "the file is UTF-16, not UTF-8")
    assert (d.line, d.col) == (1, 1) and "iconv -f UTF-16 -t UTF-8 glossator.toml" in d.hint


def test_a_utf16_sidecar_is_named_as_utf16(tmp_path):
    c = base()
    c.sidecars["a"] = "quotes:\n  - {text: the embassy is safe, speaker: zamir-kabulov}\n".encode("utf-16")
    d = one(build(c.write(tmp_path / "corpus"), tmp_path / "out"), "annotations/a.yaml", "UTF-16")
    assert "iconv" in d.hint


def test_a_yaml_error_in_entities_is_the_only_error(tmp_path):
    c = base()
    c.entities = "people:\n  zamir-kabulov: {name: 'Zamir Kabulov'\n"
    c.sidecars["a"] = dict(GOOD_SIDECAR, links=[{"text": "Zamir Kabulov", "to": "entity:zamir-kabulov"}])
    d = only_error(build(c.write(tmp_path / "corpus"), tmp_path / "out"))
    assert d.path == "annotations/entities.yaml" and "YAML syntax error" in d.message


def test_a_schema_error_in_entities_is_the_only_error(tmp_path):
    c = base()
    c.entities = {"people": {"zamir-kabulov": person("Zamir Kabulov") | {"wikidata": "42"}}}
    d = only_error(build(c.write(tmp_path / "corpus"), tmp_path / "out"))
    assert d.path == "annotations/entities.yaml" and "wikidata" in d.message


def test_an_index_without_a_table_is_the_only_error(tmp_path):
    c = base()
    c.sidecars["a"] = dict(GOOD_SIDECAR, links=[{"text": "Zamir Kabulov", "to": "doc:a"}])
    c.index_raw = "# Title\n\nNo table here.\n"
    d = only_error(build(c.write(tmp_path / "corpus"), tmp_path / "out"))
    assert d.path == "seeds/INDEX.md" and "no table" in d.message


SERVE_CASES = {
    "entities.yaml does not parse": lambda c: setattr(c, "entities", "people:\n  zamir-kabulov: {name: 'Zamir\n"),
    "INDEX.md has no table": lambda c: setattr(c, "index_raw", "# Title\n\nNo table here.\n"),
    "a person listed under places speaks": lambda c: (
        setattr(c, "entities", {"places": {"zamir-kabulov": person("Zamir Kabulov")}})),
}


@pytest.mark.parametrize("case", sorted(SERVE_CASES))
def test_glossator_serve_says_what_build_says(tmp_path, case):
    """The live server checks with builder.run.live.py: the same single error (no cascade
    into the sidecars), the same warning."""
    from builder.run import pipeline
    from builder.run.live import LiveSite

    c = base()
    SERVE_CASES[case](c)
    root = c.write(tmp_path / "corpus")
    served = LiveSite(root).build().diagnostics
    built = pipeline.build(root).diagnostics
    assert sorted(served) == sorted(built) and len(built) == 1, [d.format() for d in served]


def test_a_broken_sidecar_does_not_cascade_into_links_that_point_into_its_document(tmp_path: Path) -> None:
    """b.yaml has a YAML error: a.yaml's same-as into b cannot be checked, and must not be reported."""
    from builder.run.live import LiveSite

    c = base()
    c.doc("b", "b.txt", "Kabulov said the embassy is safe.\n", "Report B")
    c.sidecars["a"] = {"quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov", "same-as": "doc:b#q1"}]}
    c.sidecars["b"] = "quotes:\n  - {id: q1, text: the embassy is safe, speaker: zamir-kabulov\n"
    root = c.write(tmp_path / "c")
    run = build(root, tmp_path / "out")
    assert run.code == 1 and [m["path"] for m in run.errors()] == ["annotations/b.yaml"], run.err
    update = LiveSite(root).build()
    assert [d.path for d in update.diagnostics if d.severity == "error"] == ["annotations/b.yaml"]
    (root / "annotations" / "b.yaml").write_text("quotes:\n  - {id: q2, text: the embassy is safe, speaker: zamir-kabulov}\n")
    run = build(root, tmp_path / "out")
    assert [m["path"] for m in run.errors()] == ["annotations/a.yaml"] and "no annotation 'q1'" in run.err, run.err
