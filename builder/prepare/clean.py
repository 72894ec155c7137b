"""Text cleaning as an ordered list of named, pure rules (FORMAT §2).

Each rule takes the surviving paragraphs and returns new ones plus a record of
every change, so a reader can always see what the source said. The source
file itself is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Sequence

from builder.core.diagnostics import Diagnostic, error, warning
from builder.core.droppattern import drop_regex
from builder.core.models import CleanDoc, CleanSpec, Edit, Mark, Paragraph, RawDoc



@cache
def fixer() -> tuple[Any, Any]:
    """ftfy and our settings for it, imported on first use (a tenth of a second: ASCII corpora never need it).
    Only undo mojibake: never touch quote marks, ligatures, widths or line breaks."""
    import ftfy

    return ftfy, ftfy.TextFixerConfig(
        unescape_html=False, fix_latin_ligatures=False, fix_character_width=False,
        uncurl_quotes=False, fix_line_breaks=False, normalization=None, explain=True,
    )

# Replacements may make a document's text at most GROWTH_FACTOR times as long as its source,
# plus GROWTH_ALLOWANCE characters: 12 entries of `e` → 40 `e`s would otherwise reach 4 GB.
GROWTH_FACTOR = 2
GROWTH_ALLOWANCE = 1_000_000

MIN_RUN_PARAGRAPHS = 2
MIN_RUN_CHARS = 100
MAX_CANDIDATES = 64


@dataclass(frozen=True)
class Para:
    block: int
    text: str


State = tuple[Para, ...]
Rule = Callable[[State, CleanSpec], tuple[State, tuple[Edit, ...], tuple[Diagnostic, ...]]]


def replace_rule(state: State, spec: CleanSpec) -> tuple[State, tuple[Edit, ...], tuple[Diagnostic, ...]]:
    """Declared replacements, on the raw text the author sees in the source file. The first
    entry that would grow the text past the limit (see GROWTH_FACTOR) is an error, and no
    entry from it on is applied."""
    edits: list[Edit] = []
    diags: list[Diagnostic] = []
    out = list(state)
    source = sum(len(p.text) for p in state)
    limit = GROWTH_FACTOR * source + GROWTH_ALLOWANCE
    size = source
    for rule in spec.replace:
        counts = [para.text.count(rule.old) for para in out]
        hits = sum(counts)
        grown = size + hits * (len(rule.new) - len(rule.old))
        if grown > limit:   # counted before replacing: the text that would be too long is never made
            diags.append(error(rule.where.path, rule.where.line, rule.where.column,
                               f"replace: this entry would make the document's text {grown:,} characters long, "
                               f"over the limit of {limit:,} ({GROWTH_FACTOR}× its source's {source:,} characters "
                               f"plus {GROWTH_ALLOWANCE:,}); it and the entries after it were not applied",
                               "an entry whose 'to' contains its 'from' multiplies the text each time an entry repeats it: "
                               "replace with text that does not contain what is replaced, or write the entry once"))
            break
        size = grown
        for i, n in enumerate(counts):
            if n:
                para = out[i]
                out[i] = Para(para.block, para.text.replace(rule.old, rule.new))
                edits.append(Edit("replace", para.block, f"replaced {rule.old!r} with {rule.new!r} ({n}×)"))
        if not hits:
            diags.append(warning(rule.where.path, rule.where.line, rule.where.column,
                                 f"replace: {rule.old!r} is not in the document",
                                 "write 'from' exactly as the source file has it, or remove the entry"))
    return tuple(out), tuple(edits), tuple(diags)


def ftfy_rule(state: State, spec: CleanSpec) -> tuple[State, tuple[Edit, ...], tuple[Diagnostic, ...]]:
    """Mojibake that can be undone is undone."""
    edits: list[Edit] = []
    out: list[Para] = []
    for para in state:
        if para.text.isascii() and para.text.isprintable():
            out.append(para)  # printable ASCII has nothing for ftfy to fix, and this is ~50× faster
            continue
        ftfy, config = fixer()
        fixed, explanation = ftfy.fix_and_explain(para.text, config=config)
        if fixed != para.text:
            steps = ", ".join(f"{a} {b}" for a, b in explanation or []) or "ftfy"
            edits.append(Edit("ftfy", para.block, f"mojibake undone ({steps})"))
        out.append(Para(para.block, fixed))
    return tuple(out), tuple(edits), ()


def undouble(text: str) -> str | None:
    """`S S` or `SS` (a capture that put two versions side by side) → `S`, else None."""
    t = text.strip()
    n = len(t)
    if n < 2:
        return None
    half = n // 2
    if n % 2 == 0 and t[:half] == t[half:]:
        return t[:half]
    if n % 2 == 1 and t[half].isspace() and t[:half] == t[half + 1:]:
        return t[:half].rstrip()
    return None


def doubled_rule(state: State, spec: CleanSpec) -> tuple[State, tuple[Edit, ...], tuple[Diagnostic, ...]]:
    edits: list[Edit] = []
    out: list[Para] = []
    for para in state:
        single = undouble(para.text)
        if single is not None:
            edits.append(Edit("doubled", para.block, "the same text written twice in a row: kept once"))
            out.append(Para(para.block, single))
        else:
            out.append(para)
    return tuple(out), tuple(edits), ()


def drop_rule(state: State, spec: CleanSpec) -> tuple[State, tuple[Edit, ...], tuple[Diagnostic, ...]]:
    """Declared drops: a paragraph whose whole text equals the entry, or fully matches /regex/."""
    edits: list[Edit] = []
    diags: list[Diagnostic] = []
    dropped: set[int] = set()
    for rule in spec.drop:
        pattern = drop_regex(rule.pattern)[0] if rule.regex else None
        if rule.regex and pattern is None:
            continue  # reported by the annotations stage
        hits = 0
        for i, para in enumerate(state):
            text = para.text.strip()
            if (pattern.fullmatch(text) if pattern else text == rule.pattern.strip()):
                hits += 1
                if i not in dropped:
                    dropped.add(i)
                    what = f"/{rule.pattern}/" if rule.regex else "its exact text"
                    edits.append(Edit("drop", para.block, f"removed by a declared drop ({what}, "
                                                          f"{rule.where.path}:{rule.where.line})"))
        if not hits:
            diags.append(warning(rule.where.path, rule.where.line, rule.where.column,
                                 "drop: no paragraph matches this entry",
                                 "an entry matches a whole paragraph after mojibake and doubling are fixed; "
                                 "write /regex/ to match a pattern"))
    return tuple(p for i, p in enumerate(state) if i not in dropped), tuple(edits), tuple(diags)


def repeated_run_rule(state: State, spec: CleanSpec) -> tuple[State, tuple[Edit, ...], tuple[Diagnostic, ...]]:
    """A run of paragraphs that repeats an earlier run (a page captured twice) is dropped.

    Linear in the number of paragraphs: at most MAX_CANDIDATES earlier places are tried for
    each, the one that allows the longest run first, and a place is not tried when it cannot
    give a longer run, or one of MIN_RUN_CHARS. (Paragraphs left empty are left out: cleaning
    removes them anyway.)"""
    live = [k for k, p in enumerate(state) if p.text.strip()]
    texts = [state[k].text.strip() for k in live]
    n = len(texts)
    chars = [0]   # chars[k]: characters in texts[:k]
    for t in texts:
        chars.append(chars[-1] + len(t))
    seen: dict[str, list[int]] = {}
    keep = [True] * len(state)
    edits: list[Edit] = []
    i = 0
    while i < n:
        best_len, best_j = 0, -1
        for j in seen.get(texts[i], [])[-MAX_CANDIDATES:]:   # oldest first: the longest run possible
            bound = min(i - j, n - i)   # the earlier run ends before this one starts
            if bound <= best_len or chars[i + bound] - chars[i] < MIN_RUN_CHARS:
                break   # the places after this one allow shorter runs still
            length = 1
            while length < bound and texts[j + length] == texts[i + length]:
                length += 1
            if length > best_len:
                best_len, best_j = length, j
        if best_len >= MIN_RUN_PARAGRAPHS and chars[i + best_len] - chars[i] >= MIN_RUN_CHARS:
            first_block = state[live[best_j]].block
            for k in range(i, i + best_len):
                keep[live[k]] = False
                edits.append(Edit("repeated-run", state[live[k]].block,
                                  f"repeats an earlier run of {best_len} paragraphs (from source paragraph {first_block + 1})"))
            for k in range(i, i + best_len):
                seen.setdefault(texts[k], []).append(k)
            i += best_len
            continue
        seen.setdefault(texts[i], []).append(i)
        i += 1
    return tuple(p for p, k in zip(state, keep) if k), tuple(edits), ()


RULES: tuple[tuple[str, Rule], ...] = (
    ("replace", replace_rule),
    ("ftfy", ftfy_rule),
    ("doubled", doubled_rule),
    ("drop", drop_rule),
    ("repeated-run", repeated_run_rule),
)


def clean(doc: RawDoc, spec: CleanSpec, rules: Sequence[tuple[str, Rule]] = RULES) -> tuple[CleanDoc, tuple[Diagnostic, ...]]:
    state: State = tuple(Para(i, b.text) for i, b in enumerate(doc.blocks))
    edits: list[Edit] = []
    diags: list[Diagnostic] = []
    for _name, rule in rules:
        state, rule_edits, rule_diags = rule(state, spec)
        edits.extend(rule_edits)
        diags.extend(rule_diags)
    paragraphs: list[Paragraph] = []
    offset = 0
    for para in state:
        text = para.text.strip() if doc.blocks[para.block].kind != "pre" else para.text
        if not text:
            continue
        paragraphs.append(Paragraph(doc.blocks[para.block].kind, text, offset, para.block))
        offset += len(text) + 2
    cleaned: list[str | None] = [None] * len(doc.blocks)
    for p in paragraphs:
        cleaned[p.block] = p.text
    reading = "\n\n".join(p.text for p in paragraphs)
    edits.sort(key=lambda e: e.block)
    # A source's inline formatting follows a paragraph only as written: once cleaning has
    # changed its text, offsets into the old text mean nothing.
    marks = tuple(Mark(p.start + m.start, p.start + m.end, m.kind, m.href)
                  for p in paragraphs if p.text == doc.blocks[p.block].text for m in doc.blocks[p.block].marks)
    return CleanDoc(doc, reading, tuple(paragraphs), tuple(edits), tuple(cleaned), marks), tuple(diags)
