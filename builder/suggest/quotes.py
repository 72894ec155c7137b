"""Quoted spans in a reading text: the words inside quote marks, paragraph by paragraph.

Double marks (curly “…” or straight "…") are the quotation; single marks inside them are a
quotation within it. A paragraph with no double marks may quote with single ones (‘…’ or
'…', as British papers do); an apostrophe (Russia’s, don't) is never taken for one. A
quotation left open at the end of a paragraph runs on when the next paragraph opens with a
mark (the convention for quotations of several paragraphs); otherwise it ends with its
paragraph, and says it was not closed.
"""

from __future__ import annotations

import re
from typing import Sequence

from builder.core.models import Paragraph
from builder.core.records import record

OPEN_DOUBLE, CLOSE_DOUBLE = "“„«", "”»"
OPEN_SINGLE, CLOSE_SINGLE = "‘", "’"
ALL_MARKS = "\"“”„«»‘’'"
_DOUBLE_MARKS = re.compile("[\"“”„«»]")
_SINGLE_MARKS = re.compile("[‘’']")
_TRIM_END = " \t\n,;:—–-"
_TRIM_START = " \t\n—–-"
_TITLE_WORDS = re.compile(r"(?:so-called|dubbed|called|named|titled|entitled|known\s+as|the\s+(?:term|word|phrase|label|"
                          r"slogan|motto|hashtag|headline|book|film|song|album|show|series|programme|program|report|plan)"
                          r"|(?:report|review|study|paper|strategy|policy|scheme|bill|document|book|film|plan)s?,)\s*$",
                          re.I)


@record
class Quoted:
    """One quoted span: [start, end) is the words, without the marks and the comma the
    attribution replaced; [open, close) the marks around it (close is None when unclosed)."""

    start: int
    end: int
    open: int
    close: int | None
    paragraph: int
    runs_on: bool = False        # continues in the next paragraph
    continued: bool = False      # continues a quotation from the paragraph before
    single: bool = False         # quoted with single marks


def find_quotes(text: str, paragraphs: Sequence[Paragraph]) -> list[Quoted]:
    found: list[Quoted] = []
    open_from_before = False
    for index, para in enumerate(paragraphs):
        body = para.text
        single = not any(ch in body for ch in "\"“”„«»")
        pieces = _single_pieces(body) if single else double_pieces(body)
        next_opens = index + 1 < len(paragraphs) and paragraphs[index + 1].text[:1] in "\"“„«‘'"
        for n, (a, b, closed) in enumerate(pieces):
            runs_on = not closed and next_opens
            continued = open_from_before and n == 0 and a <= 1
            start, end = _trim(body, a + 1, b)
            if start < end:
                found.append(Quoted(para.start + start, para.start + end, para.start + a,
                                    None if not closed else para.start + b, index, runs_on, continued, single))
        open_from_before = bool(pieces) and not pieces[-1][2] and next_opens
    return found


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start] in _TRIM_START:
        start += 1
    while end > start and body[end - 1] in _TRIM_END:
        end -= 1
    return start, end


def double_pieces(body: str) -> list[tuple[int, int, bool]]:
    """(offset of the opening mark, offset of the closing mark or the paragraph's end, closed?)."""
    pieces: list[tuple[int, int, bool]] = []
    opened: int | None = None
    for mark in _DOUBLE_MARKS.finditer(body):
        i, ch = mark.start(), mark.group()
        if ch == '"':
            before = body[i - 1] if i else " "
            after = body[i + 1] if i + 1 < len(body) else " "
            if opened is None and (before.isspace() or before in "([{—–-/:") and not after.isspace():
                opened = i
            elif opened is not None and not before.isspace():
                pieces.append((opened, i, True))
                opened = None
        elif ch in OPEN_DOUBLE:
            if opened is None:
                opened = i
        elif ch in CLOSE_DOUBLE and opened is not None:
            pieces.append((opened, i, True))
            opened = None
    if opened is not None:
        pieces.append((opened, len(body), False))
    return pieces


def _single_pieces(body: str) -> list[tuple[int, int, bool]]:
    """Single marks as the quotation marks: one opens before a word (after a space, or at the
    start); one closes after a word when no letter follows (not an apostrophe, as in don’t)."""
    pieces: list[tuple[int, int, bool]] = []
    opened: int | None = None
    for mark in _SINGLE_MARKS.finditer(body):
        i, ch = mark.start(), mark.group()
        before = body[i - 1] if i else " "
        after = body[i + 1] if i + 1 < len(body) else " "
        if opened is None:
            if ch != "’" and (before.isspace() or before in "([—–-") and after.isalnum():
                opened = i
        elif ch != "‘" and not before.isspace() and not after.isalnum() and i - opened > 1:
            if before == "s" and after == " " and body[i + 2:i + 3].islower():
                continue   # the workers’ union: a plural possessive inside the quotation
            pieces.append((opened, i, True))
            opened = None
    if opened is not None:
        pieces.append((opened, len(body), False))
    return pieces


def speech_likeness(text: str, quoted: Quoted, attributed: bool, in_sentence: bool = False) -> tuple[float, str]:
    """How likely the marks hold speech rather than a title or a scare-quoted term, and why;
    `attributed`: the attribution touches the marks; `in_sentence`: it is in their sentence."""
    words = text[quoted.start:quoted.end].split()
    before = text[max(0, quoted.open - 40):quoted.open]
    if _TITLE_WORDS.search(before):
        return 0.3, "the words before it name a title or a term, not speech"
    if 0 < len(words) <= 6 and all(w[:1].isupper() or w.lower() in ("of", "the", "and", "for", "a", "in", "on", "to",
                                                                   "at", "by", "with", "from", "&")
                                   for w in words) and not text[quoted.end - 1:quoted.end] in ".!?":
        return 0.3, "every word capitalised: a title or a name, not speech"
    if len(words) <= 2 and not attributed and in_sentence:
        return 0.7, "one or two quoted words, attributed in their sentence: a partial quotation or a term"
    if len(words) <= 2 and not attributed:
        return 0.35, "one or two quoted words with no attribution: a term, not a quotation"
    if quoted.close is None and not quoted.runs_on:
        return 0.75, "the quotation is not closed in its paragraph"
    return 1.0, ""
