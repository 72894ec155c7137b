"""`glossator import hypothesis`: a Hypothesis export (tests/fixtures/hypothesis-export.json: notes
and a quote on words of the example corpus, an orphan, a page that is no document, a page note
and a reply) added to a copy of the corpus, comments kept, nothing else touched; check clean, the
notes rendered; a second run adds nothing; bad input is a positioned error, never a traceback."""

from __future__ import annotations

import difflib
import io
import json
from pathlib import Path

import pytest

from builder.commands.cli import main
from builder.run import pipeline
from builder.site import sidecars
from tests.conftest import ROOT, copy_corpus

EXPORT = Path(__file__).resolve().parent / "fixtures" / "hypothesis-export.json"
TOUCHED = ("rt-2021-naeem", "cdmedia-2021-hair", "anadolu-2024-medvedev")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def sidecar_texts(corpus: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted((corpus / "annotations").iterdir()) if p.is_file()}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(ROOT, tmp_path / "corpus")


def test_import_adds_notes_and_quotes_keeping_every_line(corpus: Path) -> None:
    before = sidecar_texts(corpus)
    code, out, err = run("import", "hypothesis", str(EXPORT), str(corpus))
    assert code == 0, err
    assert "imported 3 annotations (1 quote, 2 notes) into 3 sidecars" in out
    after = sidecar_texts(corpus)
    assert {n for n in after if after[n] != before[n]} == {f"{d}.yaml" for d in TOUCHED}
    for name in after:
        ops = difflib.SequenceMatcher(None, before[name].splitlines(), after[name].splitlines()).get_opcodes()
        assert {tag for tag, *_ in ops} <= {"equal", "insert"}, f"{name}: a line was changed or removed"
    assert after["rt-2021-naeem.yaml"].startswith(before["rt-2021-naeem.yaml"].split("\nclean:")[0]), "comments kept"
    # the orphan, with the closest passage; the page that is no document; the page note: listed
    assert "(an orphan): 'Russia is close to restoring full relations" in err
    assert "the closest passage in anadolu-2024-medvedev: 'Russia is close to restoring full-fledged relations" in err
    assert "https://www.example.com/news/taliban-moscow-talks, which is no document" in err
    assert "is a page note" in err
    assert all(line.startswith(str(EXPORT) + ":") for line in err.splitlines() if ": warning: " in line)
    # check is clean, and the build shows the new notes and the quote
    code, _, err = run("check", str(corpus))
    assert code == 0 and " error" not in err.replace("0 errors", "")
    site = pipeline.build(corpus).site
    rt = site["docs/rt-2021-naeem.html"].decode()
    assert "Al-Mayadeen is a Lebanese pan-Arab satellite channel." in rt
    assert '<a href="https://www.almayadeen.net/">its own site</a>' in rt
    cd = site["docs/cdmedia-2021-hair.html"].decode()
    assert 'data-speaker="taliban"' in cd and "as Kabulov reports it" in cd
    linked, _ = pipeline.check(corpus)
    anadolu = next(d for d in linked.docs if d.meta.id == "anadolu-2024-medvedev")
    [note] = [s for s in anadolu.spans if s.annotation.note.startswith("Listed as a terrorist organisation")]
    text = anadolu.doc.text
    assert text[note.start:note.end] == "the Taliban"
    assert text[:note.start].endswith("partners regarding the removal of "), "the occurrence the export's prefix names"


def test_a_second_run_adds_nothing(corpus: Path) -> None:
    assert run("import", "hypothesis", str(EXPORT), str(corpus))[0] == 0
    once = sidecar_texts(corpus)
    code, out, _ = run("import", "hypothesis", str(EXPORT), str(corpus))
    assert code == 0 and "imported 0 annotations" in out and "3 already there" in out
    assert sidecar_texts(corpus) == once


def test_dry_run_prints_the_entries_and_writes_nothing(corpus: Path) -> None:
    before = sidecar_texts(corpus)
    code, out, _ = run("import", "hypothesis", str(EXPORT), str(corpus), "--dry-run")
    assert code == 0 and "nothing was written" in out and "speaker: taliban" in out
    assert sidecar_texts(corpus) == before


@pytest.mark.parametrize("content, where, message", [
    ('{"rows": [\n  {"id": "a", "uri": 5}\n]}', ":2:15:", "'uri' should be a string"),
    ('{"rows": [\n  {"id": "a",\n', ":3:1:", "not JSON"),
    ('"just a string"', ":1:1:", "not a Hypothesis export"),
    (None, ":", "names no entity"),
    ("\udcff", ":1:1:", "not UTF-8"),
])
def test_bad_input_is_a_positioned_error_and_nothing_is_written(corpus: Path, tmp_path: Path, content: str | None,
                                                                where: str, message: str) -> None:
    export = tmp_path / "export.json"
    if content is None:    # a speaker tag naming no entity, in the real export's shape
        data = json.loads(EXPORT.read_text("utf-8"))
        data["annotations"][1]["tags"] = ["speaker:zamir-kabulv"]
        export.write_text(json.dumps(data, indent=2), "utf-8")
    else:
        export.write_bytes(content.encode("utf-8", "surrogateescape"))
    before = sidecar_texts(corpus)
    code, out, err = run("import", "hypothesis", str(export), str(corpus))
    assert code == 1 and "Traceback" not in err
    assert f"{export}{where}" in err and message in err and "nothing was written" in err
    if content is None:
        assert "did you mean 'zamir-kabulov'?" in err
    assert sidecar_texts(corpus) == before


def test_a_missing_export_is_an_error(corpus: Path, tmp_path: Path) -> None:
    code, _, err = run("import", "hypothesis", str(tmp_path / "nope.json"), str(corpus))
    assert code == 1 and "cannot be read" in err


def test_the_writer_creates_a_sidecar_and_refuses_to_rewrite_lines() -> None:
    new, problem = sidecars.appended(None, "annotations/x.yaml", [("notes", (("id", "h-1"), ("text", "- a: b"),
                                                                             ("note", "two\nlines")))])
    assert problem is None and new is not None
    import yaml
    assert yaml.safe_load(new) == {"notes": [{"id": "h-1", "text": "- a: b", "note": "two\nlines\n"}]}
    flow = "quotes: [{text: a, speaker: b}]   # kept as written\n"
    new, problem = sidecars.appended(flow, "annotations/y.yaml", [("quotes", (("text", "c"), ("speaker", "d")))])
    assert new is None and problem is not None and problem.line == 1 and "rewrite" in problem.message


def test_a_sidecar_that_is_a_link_is_not_written_through(corpus: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text((corpus / "annotations/rt-2021-naeem.yaml").read_text("utf-8"), "utf-8")
    problem = sidecars.write(corpus, "annotations/link.yaml", None, "notes: []\n")
    assert problem is None
    (corpus / "annotations/link.yaml").unlink()
    (corpus / "annotations/link.yaml").symlink_to(outside)
    problem = sidecars.write(corpus, "annotations/link.yaml", outside.read_text("utf-8"), "x: 1\n")
    assert problem is not None and "is a link" in problem.message
    assert outside.read_text("utf-8").startswith("# RT")


def test_notes_that_look_like_yaml_are_written_as_text(corpus: Path, tmp_path: Path) -> None:
    data = json.loads(EXPORT.read_text("utf-8"))
    tricky = "key: value  \r\n- item\r\n# not a comment\r\n&anchor *alias !!python/object:os.system '\"{[\t]}\"'"
    data["annotations"] = [dict(data["annotations"][0], id="tricky-1", text=tricky)]
    export = tmp_path / "tricky.json"
    export.write_text(json.dumps(data), "utf-8")
    code, out, err = run("import", "hypothesis", str(export), str(corpus))
    assert code == 0, err
    linked, found = pipeline.check(corpus)
    rt = next(d for d in linked.docs if d.meta.id == "rt-2021-naeem")
    [span] = [s for s in rt.spans if s.annotation.note.startswith("key: value")]
    assert span.annotation.note.rstrip("\n") == "key: value\n- item\n# not a comment\n" + tricky.splitlines()[-1]
