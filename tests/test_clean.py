"""Cleaning rules: each does one thing and records it."""

from __future__ import annotations

from builder.core.models import Block, CleanSpec, DocId, DocMeta, DropRule, RawDoc, ReplaceRule, SourcePath, Where
from builder.prepare import clean

W = Where(SourcePath("annotations/a.yaml"), 3, 5)


def raw(*paras: str) -> RawDoc:
    meta = DocMeta(DocId("a"), SourcePath("a.txt"), "A", Where(SourcePath("seeds/INDEX.md")))
    return RawDoc(meta, "txt", tuple(Block("p", p, i + 1) for i, p in enumerate(paras)))


def test_undouble() -> None:
    assert clean.undouble("Hello there.Hello there.") == "Hello there."
    assert clean.undouble("Hello there. Hello there.") == "Hello there."
    assert clean.undouble("Version 1 Version 2") is None
    assert clean.undouble("ab ab ab") is None
    assert clean.undouble("a") is None


def test_doubled_paragraphs_become_one_and_are_recorded() -> None:
    doc, diags = clean.clean(raw("One.One.", "Two."), CleanSpec())
    assert doc.text == "One.\n\nTwo."
    assert [(e.rule, e.block) for e in doc.edits] == [("doubled", 0)]
    assert doc.cleaned_blocks == ("One.", "Two.")
    assert diags == ()


def test_repeated_run_is_dropped_but_single_repeats_are_kept() -> None:
    body = [f"Paragraph number {i} has enough words in it to count as real text." for i in range(3)]
    doc, _ = clean.clean(raw("Yes.", *body, "Yes.", "No.", *body, "End."), CleanSpec())
    assert doc.text.split("\n\n") == ["Yes.", *body, "Yes.", "No.", "End."]
    assert [e.block for e in doc.edits if e.rule == "repeated-run"] == [6, 7, 8]


def test_declared_drop_exact_and_regex_and_unmatched_warning() -> None:
    spec = CleanSpec(drop=(DropRule("Share this", False, W), DropRule(r"Version \d+ Version \d+", True, W),
                           DropRule("nowhere", False, W)))
    doc, diags = clean.clean(raw("Version 1 Version 2", "Body.", "Share this"), spec)
    assert doc.text == "Body."
    assert [d.message for d in diags] == ["drop: no paragraph matches this entry"]
    assert (diags[0].path, diags[0].line) == ("annotations/a.yaml", 3)


def test_drop_matches_after_undoubling() -> None:
    spec = CleanSpec(drop=(DropRule("If you like this story, share it!", False, W),))
    doc, diags = clean.clean(raw("Body.", "If you like this story, share it!If you like this story, share it!"), spec)
    assert doc.text == "Body." and diags == ()


def test_replace_runs_on_raw_text_before_ftfy() -> None:
    spec = CleanSpec(replace=(ReplaceRule("â€TM", "’", W),))
    doc, diags = clean.clean(raw("Kabulâ€TMs remarks", "Moscowâ€™s ties"), spec)
    assert doc.text == "Kabul’s remarks\n\nMoscow’s ties"
    assert [e.rule for e in doc.edits] == ["replace", "ftfy"]
    assert diags == ()


def test_ftfy_keeps_curly_quotes_and_ligatures() -> None:
    doc, _ = clean.clean(raw("“Quoted” ﬁne"), CleanSpec())
    assert doc.text == "“Quoted” ﬁne" and doc.edits == ()


def test_unmatched_replace_is_reported() -> None:
    _, diags = clean.clean(raw("abc"), CleanSpec(replace=(ReplaceRule("zzz", "y", W),)))
    assert len(diags) == 1 and "not in the document" in diags[0].message


def test_paragraph_offsets_index_the_reading_text() -> None:
    doc, _ = clean.clean(raw("First.", "Second one."), CleanSpec())
    for p in doc.paragraphs:
        assert doc.text[p.start:p.start + len(p.text)] == p.text


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.text(st.characters(max_codepoint=0x7f), max_size=60))
@settings(max_examples=500, deadline=None)
def test_printable_ascii_is_what_ftfy_leaves_alone(text: str) -> None:
    import ftfy

    if text.isprintable():
        assert ftfy.fix_text(text, clean.fixer()[1]) == text


def test_source_formatting_follows_paragraphs_left_as_written_only() -> None:
    from builder.core.models import Block, CleanSpec, DocMeta, Mark, RawDoc, ReplaceRule, SourcePath, Where

    meta = DocMeta(id="d", file=SourcePath("d.md"), title="D", where=Where(SourcePath("seeds/INDEX.md")))  # type: ignore[arg-type]
    raw = RawDoc(meta, "md", (Block("p", "Kept as written.", 1, (Mark(0, 4, "em"),)),
                              Block("p", "Changed by a rule.", 3, (Mark(0, 7, "strong"),))))
    spec = CleanSpec(replace=(ReplaceRule("rule", "fix", Where(SourcePath("annotations/d.yaml"))),))
    cleaned, _ = clean.clean(raw, spec)
    assert cleaned.text == "Kept as written.\n\nChanged by a fix."
    assert [(m.kind, cleaned.text[m.start:m.end]) for m in cleaned.marks] == [("em", "Kept")]
