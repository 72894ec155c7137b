"""Cleaning is bounded in time and memory: the source view's diff of a huge paragraph,
`replace` entries that grow the text without end, and `drop` patterns that would make a
backtracking regex engine run for years.

Builds and checks run in a fresh interpreter (time and peak memory measured) with a
timeout, so a hang fails the test instead of stalling the suite. The bounds are generous
for slow CI machines; the figures on a laptop are a small fraction of them.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.core import droppattern
from builder.html import sourcediff as srcdiff
from builder.html.document import visible
from builder.core.models import CleanSpec
from builder.prepare import clean

from .corpus import ROOT, Corpus, Run, build, build_measured, leftovers, snapshot

WORDS = ("the envoy said talks would resume and ministers agreed with a plan in the city on that day "
         "after a report in the news about relations trade security and the embassy").split()


def sentences_text(size: int, seed: int = 2) -> str:
    """About `size` characters of sentences on one line: one paragraph."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        s = f"Sentence {len(parts)} says " + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 30))) + ". "
        parts.append(s)
        total += len(s)
    return "".join(parts).rstrip()


def check_measured(corpus: Path, timeout: float) -> Run:
    """`glossator check` in a fresh interpreter, killed after `timeout` seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "builder", "check", str(corpus)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    return Run(proc.returncode, proc.stdout, proc.stderr)


# --- the source view of a huge paragraph ------------------------------------------------------


def test_a_1_mb_paragraph_with_a_replace_rule_builds_in_seconds(tmp_path: Path) -> None:
    """Before: the character diff of this paragraph had not finished after 200 s. Now ~1 s."""
    text = sentences_text(1_000_000)
    hits = text.count("envoy")
    c = Corpus().doc("a", "a.txt", text + "\n", "One huge paragraph")
    c.sidecars["a"] = {"clean": {"replace": [{"from": "envoy", "to": "envoi"}]}}
    out = tmp_path / "site"
    run = build_measured(c.write(tmp_path / "corpus"), out, timeout=120)
    assert run.code == 0, run.err[-3000:]
    assert run.seconds < 30, f"a 1 MB paragraph with one replace rule took {run.seconds:.1f} s"
    page = (out / "docs" / "a.html").read_text("utf-8")
    # Diffed word by word, sentence by sentence: each replacement is marked where it is.
    assert page.count("envo<del>y</del><ins>i</ins>") > hits * 0.9
    assert page.count("<del>") <= hits


def test_a_100_kb_doubled_paragraph_builds_in_seconds(tmp_path: Path) -> None:
    """Before: ~60-110 s (the character diff of 100 KB against 50 KB)."""
    half = sentences_text(50_000, seed=3)
    c = Corpus().doc("a", "a.txt", f"{half} {half}\nAnother paragraph.\n", "Doubled")
    out = tmp_path / "site"
    run = build_measured(c.write(tmp_path / "corpus"), out, timeout=120)
    assert run.code == 0, run.err[-3000:]
    assert run.seconds < 30, f"a doubled 100 KB paragraph took {run.seconds:.1f} s"
    page = (out / "docs" / "a.html").read_text("utf-8")
    assert f"<del> {visible(half)}</del>" in page
    assert "the same text written twice in a row" in page


# --- replace entries that grow the text ------------------------------------------------------


def test_replace_entries_that_grow_the_text_stop_at_the_entry_that_crosses_the_limit(tmp_path: Path) -> None:
    """12 entries of e → 40 e's: 35 characters would become 4 × 10^19. Before: a MemoryError
    (with a 4 GB address-space limit) or the machine's memory exhausted."""
    text = "the envoy said these were the terms\n"
    c = Corpus().doc("a", "a.txt", text, "Growth")
    c.sidecars["a"] = {"clean": {"replace": [{"from": "e", "to": "e" * 40} for _ in range(12)]}}
    good = Corpus().doc("a", "a.txt", text).write(tmp_path / "good")
    out = tmp_path / "site"
    assert build(good, out).code == 0
    before = snapshot(out)
    run = build_measured(c.write(tmp_path / "corpus"), out, timeout=120)
    assert run.code == 1, run.err[-3000:]
    assert "Traceback" not in run.err
    # Entries are two YAML lines each from line 3: the 4th (~16 million characters) crosses
    # the limit of 2 × 35 + 1,000,000; the 3rd (~400,000) does not.
    errors = [(m["line"], m["msg"]) for m in run.errors()]
    assert errors == [("9", errors[0][1])], run.err
    assert "replace: this entry would make the document's text" in errors[0][1]
    assert "over the limit of 1,000,070" in errors[0][1]
    assert "hint: " in run.err
    assert run.peak_mib < 400, f"peak {run.peak_mib:.0f} MiB"
    assert snapshot(out) == before and leftovers(out) == []


def test_replace_may_grow_the_text_up_to_the_limit() -> None:
    from builder.core.models import Block, CleanSpec, DocId, DocMeta, RawDoc, ReplaceRule, SourcePath, Where

    where = Where(SourcePath("annotations/a.yaml"), 3, 5)
    meta = DocMeta(DocId("a"), SourcePath("a.txt"), "A", Where(SourcePath("seeds/INDEX.md")))
    doc = RawDoc(meta, "txt", (Block("p", "x" * 1000, 1),))
    limit = clean.GROWTH_FACTOR * 1000 + clean.GROWTH_ALLOWANCE
    only_replace = (("replace", clean.replace_rule),)   # (the doubled rule would halve y…y)
    at_limit = CleanSpec(replace=(ReplaceRule("x", "y" * (limit // 1000), where),))
    cleaned, diags = clean.clean(doc, at_limit, only_replace)
    assert diags == () and len(cleaned.text) == limit
    over = CleanSpec(replace=(ReplaceRule("x", "y" * (limit // 1000 + 1), where),
                              ReplaceRule("x", "z", where)))
    cleaned, diags = clean.clean(doc, over, only_replace)
    assert [(d.severity, d.line, d.column) for d in diags] == [("error", 3, 5)]
    assert cleaned.text == "x" * 1000   # neither the entry that crossed the limit nor the ones after it


# --- drop patterns ---------------------------------------------------------------------------


def test_a_catastrophically_backtracking_drop_pattern_does_not_hang_check(tmp_path: Path) -> None:
    """Python's re takes ~2^n steps for /(a+)+$/ on n a's and a b: with 40 a's, hours."""
    c = Corpus().doc("a", "a.txt", "Body.\n" + "a" * 40 + "b\n" + "a" * 100_000 + "\n", "Backtracking")
    c.sidecars["a"] = {"clean": {"drop": ["/(a+)+$/"]}}
    try:
        run = check_measured(c.write(tmp_path / "corpus"), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("glossator check did not finish in 60 s")
    assert run.code == 0, run.err
    out = tmp_path / "site"
    assert build(tmp_path / "corpus", out).code == 0
    page = (out / "docs" / "a.html").read_text("utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    assert "a" * 40 + "b" in article and "a" * 100_000 not in article   # the run of a's alone matches


UNSUPPORTED = [
    (r"/(\w+) \1/", "backreferences"),
    (r"/(?P<w>\w+) (?P=w)/", "backreferences"),
    (r"/Share(?= this)/", "lookahead and lookbehind"),
    (r"/(?<!not )shared/", "lookahead and lookbehind"),
    (r"/[\S,]+/", "inside [...], write the characters or Unicode classes you mean"),
    (r"/(?>a+)b/", "atomic groups and possessive repeats"),
    (r"/a{1001}/", "may count to 1000 at most"),
]


@pytest.mark.parametrize("pattern,hint", UNSUPPORTED)
def test_a_pattern_re2_cannot_match_in_linear_time_is_a_positioned_error_with_a_hint(
        tmp_path: Path, pattern: str, hint: str) -> None:
    """Python's re accepts each of these (and did, before); RE2 does not, and is never swapped for re."""
    c = Corpus().doc("a", "a.txt", "Share this\nBody.\n", "Patterns")
    c.sidecars["a"] = {"clean": {"drop": ["Body.", pattern]}}
    out = tmp_path / "site"
    run = build(c.write(tmp_path / "corpus"), out)
    assert run.code == 1, run.err
    assert [(m["path"], m["line"], m["col"]) for m in run.errors()] == [("annotations/a.yaml", "4", "5")], run.err
    assert "drop: bad regular expression" in run.err
    assert hint in run.err, run.err
    assert not out.exists()


def test_a_drop_pattern_over_the_size_limit_is_refused_before_it_is_compiled(tmp_path: Path) -> None:
    pattern = "(?:" + "|".join(f"word{i}" for i in range(200_000)) + ")"   # ~1.5 MB
    c = Corpus().doc("a", "a.txt", "word7\nBody.\n", "A huge pattern")
    c.sidecars["a"] = {"clean": {"drop": [f"/{pattern}/"]}}
    run = build_measured(c.write(tmp_path / "corpus"), tmp_path / "site", timeout=120)
    assert run.code == 1
    assert re.search(r"^annotations/a\.yaml:3:5: error: drop: the regular expression is [\d,]+ characters long, "
                     r"over the limit of 10,000$", run.err, re.M), run.err
    assert run.seconds < 30


SAME_AS_PYTHON = [
    # (pattern, text): RE2 reads \d \w \s as ASCII, \Z and \u as errors; rewritten, they mean what Python's do
    (r"Donate!\s+You Won’t\s*", "Donate!\xa0\xa0You Won’t"),   # no-break spaces, as in the example corpus
    (r"\w+", "éclair"), (r"\d+", "٣٤"), (r"[\w\s]+", "café au lait"), (r"[^\s]+", "café"), (r"[^\s]+", "a\xa0b"),
    (r"\W+", "…—"), (r"\S+", "…—"), (r"\D+", "abc"), (r"[\d,]+", "1,٣"), (r"\w+", "a-b"),
    (r"Share this\Z", "Share this"), (r"caf\u00e9", "café"), (r"\U0001F600!", "😀!"),
    (r"\\s", "\\s"), (r"[\\]s+", "\\ss"), (r"[]a]+", "]a]"), (r"[^]a]+", "bc"), (r"\bKabul\b.*", "Kabul said"),
]


@pytest.mark.parametrize("pattern,text", SAME_AS_PYTHON)
def test_drop_patterns_mean_what_they_mean_in_python(pattern: str, text: str) -> None:
    compiled, why, _ = droppattern.drop_regex(pattern)
    assert compiled is not None, why
    assert (compiled.fullmatch(text) is not None) == (re.fullmatch(pattern, text) is not None)


def test_drop_patterns_still_match_whole_paragraphs(tmp_path: Path) -> None:
    c = Corpus().doc("a", "a.txt", "Version 1 Version 2\nBody.\nShare this story\n", "Patterns")
    c.sidecars["a"] = {"clean": {"drop": [r"/Version \d+ Version \d+/", "/Share (this|that) .*/", "/Body/"]}}
    out = tmp_path / "site"
    run = build(c.write(tmp_path / "corpus"), out)
    assert run.code == 0, run.err
    page = (out / "docs" / "a.html").read_text("utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    assert "Body." in article and "Version" not in article and "Share" not in article
    assert "annotations/a.yaml:5:5: warning: drop: no paragraph matches" in run.err   # /Body/ is not all of "Body."


# --- the word diff --------------------------------------------------------------------------

DIFFS = [
    # (before, after, source view HTML)
    ("Kabulâ€TMs remarks", "Kabul’s remarks", "Kabul<del>â€TM</del><ins>’</ins>s remarks"),
    ("The envoy said so. He left.", "The envoi said so. He left.", "The envo<del>y</del><ins>i</ins> said so. He left."),
    ("S one. S one.", "S one.", "S one.<del> S one.</del>"),
    ("the envoy said and the envoy left", "the envoi said and the envoi left",
     "the envo<del>y</del><ins>i</ins> said and the envo<del>y</del><ins>i</ins> left"),
    ("One. Two envoy. Three. Four envoy.", "One. Two envoi. Three. Four envoi.",
     "One. Two envo<del>y</del><ins>i</ins>. Three. Four envo<del>y</del><ins>i</ins>."),
    ("talks resume today", "talks will resume today", "talks <ins>will </ins>resume today"),
    ("a\x07b", "ab", 'a<del><span class="ctl" title="control character U+0007">\u2407</span></del>b'),
    ("<b> & x", "<b> & y", "&lt;b&gt; &amp; <del>x</del><ins>y</ins>"),
    ("abc", "", "<del>abc</del>"),
]


@pytest.mark.parametrize("before,after,html", DIFFS)
def test_the_source_view_diff_by_words(before: str, after: str, html: str) -> None:
    assert srcdiff.diff_html(before, after, visible, srcdiff.Budget(len(before))) == html


def test_a_changed_part_over_the_limit_is_shown_removed_and_inserted_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(srcdiff, "MAX_CHANGED_CHARS", 20)
    before, after = "Start. The envoy said this. And the envoy said that. End.", "Start. The envoi said this. And the envoi said that. End."
    assert srcdiff.diff_html(before, after, visible, srcdiff.Budget(len(before))) == (
        "Start. The envo<del>y said this. And the envoy</del><ins>i said this. And the envoi</ins> said that. End.")


def test_comparisons_the_budget_cannot_pay_for_are_shown_whole() -> None:
    """Each search is charged 1 + the places in b of each item of a in its range: here the
    sentences cost 1; the words 5 ("x " 1, "b " 1 + 2, "b" 1), then 1 on each side of "b "."""
    before, after = "a a x b b", "a a y b b z"
    budget = srcdiff.Budget(0)
    budget.left = 7
    assert srcdiff.diff_html(before, after, visible, budget) == "a a <del>x b b</del><ins>y b b z</ins>"
    budget.left = 8
    assert srcdiff.diff_html(before, after, visible, budget) == "a a <del>x</del><ins>y</ins> b b<ins> z</ins>"
    assert budget.left == 0


def _strip(html: str, tag: str) -> str:
    """The text with `tag` elements removed and the other's tags dropped."""
    other = "ins" if tag == "del" else "del"
    return re.sub(rf"</?{other}>", "", re.sub(rf"<{tag}>.*?</{tag}>", "", html, flags=re.S))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .!\n€", max_size=40), st.text(alphabet="ab .!\n€", max_size=40))
def test_the_diff_reads_as_before_without_insertions_and_as_after_without_deletions(before: str, after: str) -> None:
    html = srcdiff.diff_html(before, after, lambda s: s, srcdiff.Budget(len(before)))
    assert _strip(html, "ins") == before
    assert _strip(html, "del") == after


def test_sentences_and_words_join_back_to_the_text() -> None:
    text = 'One. Two!  Three?\nFour... five "six." seven'
    assert srcdiff.sentences(text) == ["One. ", "Two!  ", "Three?\n", "Four... ", 'five "six." ', "seven"]
    assert "".join(srcdiff.WORDS.findall(text)) == text


# --- repeated runs --------------------------------------------------------------------------


def test_half_a_million_one_letter_paragraphs_build_in_seconds(tmp_path: Path) -> None:
    """Before: ~280 s in the repeated-run rule (64 earlier places tried for each paragraph,
    each compared as far as it could go, for runs too short to count)."""
    c = Corpus().doc("a", "a.txt", "a\n" * 500_000, "Many short paragraphs")
    out = tmp_path / "site"
    run = build_measured(c.write(tmp_path / "corpus"), out, timeout=120)
    assert run.code == 0, run.err[-3000:]
    assert run.seconds < 60, f"500,000 one-letter paragraphs took {run.seconds:.1f} s"


def reference_repeated_runs(texts: list[str]) -> list[tuple[int, int, int]]:
    """The rule as first written (quadratic in the worst case): (paragraph, run length, run start) dropped."""
    seen: dict[str, list[int]] = {}
    dropped: list[tuple[int, int, int]] = []
    i = 0
    while i < len(texts):
        best_len, best_j = 0, -1
        for j in seen.get(texts[i], [])[-clean.MAX_CANDIDATES:]:
            length = 0
            while i + length < len(texts) and j + length < i and texts[j + length] == texts[i + length]:
                length += 1
            if length > best_len:
                best_len, best_j = length, j
        if best_len >= clean.MIN_RUN_PARAGRAPHS and sum(len(t) for t in texts[i:i + best_len]) >= clean.MIN_RUN_CHARS:
            dropped += [(k, best_len, best_j) for k in range(i, i + best_len)]
            for k in range(i, i + best_len):
                seen.setdefault(texts[k], []).append(k)
            i += best_len
            continue
        seen.setdefault(texts[i], []).append(i)
        i += 1
    return dropped


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["p0 " * 40, "p1", "p2 " * 10, "p3 " * 40, "p4"]), max_size=60))
def test_the_linear_repeated_run_rule_drops_what_the_first_one_did(texts: list[str]) -> None:
    state = tuple(clean.Para(i, t) for i, t in enumerate(texts))
    _, edits, _ = clean.repeated_run_rule(state, CleanSpec())
    expected = reference_repeated_runs(texts)
    assert [(e.block, e.detail) for e in edits] == [
        (k, f"repeats an earlier run of {n} paragraphs (from source paragraph {j + 1})") for k, n, j in expected]
