"""One test per error kind: the message, its path and its line (FORMAT §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.core.diagnostics import Diagnostic
from builder.run.pipeline import build
from tests.factory import ENTITIES, make_corpus, two_docs


def errors(root: Path) -> list[Diagnostic]:
    result = build(root)
    return [d for d in result.diagnostics if d.severity == "error"]


def only(root: Path) -> Diagnostic:
    found = errors(root)
    assert len(found) == 1, "\n".join(d.format() for d in found)
    return found[0]


def test_anchor_not_found_names_the_closest_passage_and_its_line(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="quotes:\n  - text: We will see how they governed\n    speaker: zamir-kabulov\n")
    d = only(root)
    assert (d.path, d.line, d.column) == ("annotations/a.yaml", 2, 11)
    assert "text not found" in d.message
    assert "'We will see how they govern'" in d.hint and "line 3" in d.hint


def test_anchor_not_found_says_when_only_quote_marks_differ(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.txt", "title": "A"}], {"a.txt": "He said it’s fine.\n"},
                       sidecars={"a": "notes:\n  - {text: \"it's fine\", note: x}\n"})
    d = only(root)
    assert "quote marks" in d.hint


def test_ambiguous_anchor_lists_every_occurrence_with_its_line(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="mentions:\n  - {text: said, entity: zamir-kabulov}\n")
    d = only(root)
    assert d.line == 2
    assert "occurs 2 times" in d.message
    assert "occurrence 1, line 1" in d.hint and "occurrence 2, line 3" in d.hint


def test_ambiguous_anchor_resolved_by_prefix_suffix_or_occurrence(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a=(
        "mentions:\n  - {text: said, entity: zamir-kabulov, prefix: 'Kabulov '}\n"
        "dates:\n  - {text: said, occurrence: 2, date: 2021-08-16}\n"
        "notes:\n  - {text: said, suffix: ' on Monday', note: x}\n"))
    assert errors(root) == []


def test_occurrence_out_of_range(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="notes:\n  - {text: said, occurrence: 5, note: x}\n")
    d = only(root)
    assert "occurrence 5" in d.message and "2 times" in d.message


def test_unknown_speaker_suggests_the_closest_id(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="quotes:\n  - text: We will see how they govern\n    speaker: zamir-kabulof\n")
    d = only(root)
    assert (d.line, d.column) == (3, 14)
    assert d.message == "unknown speaker 'zamir-kabulof'"
    assert "zamir-kabulov" in d.hint


def test_unknown_document_in_a_link(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="links:\n  - {text: The envoy, to: 'doc:c'}\n")
    d = only(root)
    assert d.line == 2 and "unknown document 'c'" in d.message


def test_unknown_annotation_id_in_same_as(tmp_path: Path) -> None:
    root = two_docs(
        tmp_path,
        sidecar_a="quotes:\n  - {text: Our embassy is guarded by the Taliban, speaker: zamir-kabulov, same-as: 'doc:b#nope'}\n",
        sidecar_b="quotes:\n  - {id: guarded, text: Our embassy is guarded by the Taliban, speaker: dmitry-zhirnov}\n")
    d = only(root)
    assert d.path == "annotations/a.yaml" and d.line == 2
    assert "no annotation 'nope' in document 'b'" in d.message and "annotations in b: guarded" in d.hint


def test_sidecar_for_unknown_document(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    (root / "annotations" / "aa.yaml").write_text("notes: []\n")
    d = only(root)
    assert d.path == "annotations/aa.yaml" and "unknown document 'aa'" in d.message and "a.yaml" in d.hint


def test_alias_collision_is_an_error_until_each_occurrence_is_disambiguated(tmp_path: Path) -> None:
    ents = ENTITIES + "  kabul-airport:\n    name: Kabul Airport\n    aliases: [Kabul]\n"
    root = two_docs(tmp_path, entities=ents)
    d = only(root)
    assert d.path == "annotations/entities.yaml"
    assert (d.line, d.column) == (17, 15)  # the second claim of "Kabul"
    assert "'Kabul' is a name or alias of kabul and kabul-airport" in d.message
    assert "line 2" in d.hint
    (root / "annotations" / "a.yaml").write_text("mentions:\n  - {text: Kabul, entity: kabul, prefix: 'that '}\n")
    assert errors(root) == []


def test_bad_edtf_in_a_sidecar_and_in_the_index(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.txt", "title": "A", "published": "2021-13-01"}],
                       {"a.txt": "On Monday it rained.\n"},
                       sidecars={"a": "dates:\n  - text: On Monday\n    date: 2021-02-30\n"})
    found = errors(root)
    assert [(d.path, d.line) for d in found] == [("annotations/a.yaml", 3), ("seeds/INDEX.md", 7)]
    assert "February 2021 has no day 30" in found[0].message
    assert "month 13 does not exist" in found[1].message
    assert "EDTF" in found[0].hint


def test_yaml_syntax_error_has_line_column_and_hint(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="notes:\n  - text: He said: yes\n    note: x\n")
    d = only(root)
    assert (d.path, d.line) == ("annotations/a.yaml", 2)
    assert d.message.startswith("YAML syntax error")
    assert "quoted" in d.hint


def test_schema_error_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="quotes:\n  - text: We will see how they govern\n    speker: zamir-kabulov\n")
    found = errors(root)
    unknown = [d for d in found if "unknown key" in d.message]
    assert unknown and unknown[0].line == 3 and unknown[0].column == 5
    assert "speaker" in unknown[0].hint


def test_missing_document_file_suggests_a_close_name(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "report.txt", "title": "A"}], {"reprot.txt": "x\n"})
    d = only(root)
    assert (d.path, d.line) == ("seeds/INDEX.md", 7)
    assert "not found" in d.message and "reprot.txt" in d.hint


def test_non_utf8_document_names_the_line_and_column(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.txt", "title": "A"}], {"a.txt": b"fine\nbad \xe9t\xe9\n"})
    d = only(root)
    assert (d.path, d.line, d.column) == ("seeds/a.txt", 2, 5)
    assert "not valid UTF-8" in d.message and "UTF-8" in d.hint


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "sub/../../x.txt"])
def test_path_escaping_seeds_is_refused(tmp_path: Path, name: str) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": name, "title": "A"}], {})
    (tmp_path / "outside.txt").write_text("secret\n")
    d = only(root)
    assert d.path == "seeds/INDEX.md" and d.line == 7
    assert "leaves seeds/" in d.message or "absolute path" in d.message


def test_symlink_leaving_seeds_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n")
    root = make_corpus(tmp_path / "c", [{"id": "a", "file": "link.txt", "title": "A"}], {})
    (root / "seeds" / "link.txt").symlink_to(outside)
    d = only(root)
    assert "a link that leaves seeds/" in d.message


def test_duplicate_and_malformed_document_ids(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, [{"id": "a", "file": "a.txt", "title": "A"}, {"id": "a", "file": "a.txt", "title": "A2"},
                                  {"id": "Bad Id", "file": "a.txt", "title": "B"}], {"a.txt": "x\n"})
    found = errors(root)
    assert [(d.line, d.message) for d in found] == [
        (8, "document id 'a' is used twice"), (9, "document id 'Bad Id' is not a slug")]


def test_yaml_alias_is_refused(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="notes:\n  - &n {text: The envoy, note: x}\n  - *n\n")
    d = only(root)
    assert "aliases" in d.message and d.line == 2


def test_every_error_is_reported_not_just_the_first(tmp_path: Path) -> None:
    root = two_docs(
        tmp_path,
        sidecar_a="quotes:\n  - {text: nowhere to be found, speaker: zamir-kabulov}\n  - {text: The envoy, speaker: nobody}\n",
        sidecar_b="dates:\n  - {text: said, date: 'not a date'}\n")
    found = errors(root)
    assert len(found) == 3
    assert {d.path for d in found} == {"annotations/a.yaml", "annotations/b.yaml"}
