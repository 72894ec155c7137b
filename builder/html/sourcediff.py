"""The source view's diff: what cleaning changed in one paragraph, as <del>/<ins> HTML, in bounded time.

difflib's time grows with the product of the lengths it compares (a 46 KB paragraph
compared character by character took 37 s), so a paragraph is compared from coarse to
fine, each level looking only at what the level above found changed:

1. the common start and end are set aside (a doubled paragraph, one fixed word: done);
2. what is left, if not too long, is compared by sentences (and lines), then the
   sentences that changed by words (a word with the spaces after it, or a punctuation
   mark with them); where two changed stretches have as many sentences each, they are
   compared sentence by sentence;
3. a changed stretch of words is shown without the characters it starts and ends with on
   both sides (`Kabul<del>â€TM</del><ins>’</ins>s`, `envo<del>y</del><ins>i</ins>`).

Every search difflib makes is paid for, before it starts, from one budget per document (the
places it will look at: see BudgetedMatcher); what the budget cannot pay for, and a changed
part over MAX_CHANGED_CHARS, is shown removed whole and inserted whole. So the time is at
most linear in the document, and the output depends on the text alone.
"""

from __future__ import annotations

import difflib
import re
from itertools import accumulate
from typing import Any, Callable, Sequence

MAX_CHANGED_CHARS = 2_000_000   # either side of the changed middle of a paragraph, in characters
# difflib lookups for one document: WORK_BASE + WORK_PER_CHAR × its source's characters. Prose
# takes under one per character; text made to be costly runs out (~0.2 µs a lookup).
WORK_BASE = 1_000_000
WORK_PER_CHAR = 4

WORDS = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")   # each alternative matches at once: linear
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n")   # linear: each match starts at one mark

Visible = Callable[[str], str]


class Budget:
    """The lookups difflib may still make for one document's source view."""

    def __init__(self, source_chars: int) -> None:
        self.left = WORK_BASE + WORK_PER_CHAR * source_chars


def diff_html(before: str, after: str, visible: Visible, budget: Budget) -> str:
    """`before` → `after` as escaped text (`visible`) with <del> and <ins> around what changed."""
    head = common_prefix(before, after)
    tail = common_suffix(before, after, min(len(before), len(after)) - head)
    a, b = before[head:len(before) - tail], after[head:len(after) - tail]
    parts = [visible(before[:head])]
    if len(a) > MAX_CHANGED_CHARS or len(b) > MAX_CHANGED_CHARS:
        parts.append(_replaced(a, b, visible))
    else:
        _Differ(visible, parts, budget).sentences(a, b)
    parts.append(visible(before[len(before) - tail:]))
    return "".join(parts)


def common_prefix(a: str, b: str, limit: int | None = None) -> int:
    """Length of the common start of a and b (at most `limit`)."""
    n = min(len(a), len(b), len(a) if limit is None else limit)
    return _common(lambda i, k: a[i:i + k] == b[i:i + k], n)


def common_suffix(a: str, b: str, limit: int | None = None) -> int:
    """Length of the common end of a and b (at most `limit`)."""
    n = min(len(a), len(b), len(a) if limit is None else limit)
    la, lb = len(a), len(b)
    return _common(lambda i, k: a[la - i - k:la - i] == b[lb - i - k:lb - i], n)


def _common(same: Callable[[int, int], bool], n: int, step: int = 1 << 16) -> int:
    """The largest i <= n with same(0, i): compared a block at a time, then by halves
    (linear time, and no copy of more than a block)."""
    i = 0
    while i + step <= n and same(i, step):
        i += step
    size = min(step, n - i)
    while size:   # the first difference, if any, is within the next `size` characters
        half = size // 2 or 1
        if same(i, half):
            i += half
            size -= half
        elif half == 1:
            break
        else:
            size = half
    return i


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence end (`.`, `!` or `?` then a space) and line break; joined, they are `text`."""
    cuts = [m.end() for m in SENTENCE_END.finditer(text)]
    out, start = [], 0
    for end in cuts:
        out.append(text[start:end])
        start = end
    if start < len(text):
        out.append(text[start:])
    return out


class OverBudget(Exception):
    pass


class BudgetedMatcher(difflib.SequenceMatcher):
    """difflib's matcher, charged for each search for a longest common run: for each item of
    a in the range, the places it occurs in b (what the search looks through). When the
    budget cannot pay for a search, OverBudget is raised before it starts."""

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: Budget) -> None:
        super().__init__(None, a, b, autojunk=False)
        places = self.b2j
        self.charges = list(accumulate((len(places.get(x, ())) + 1 for x in a), initial=0))
        self.budget = budget

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None) -> Any:
        ahi = len(self.a) if ahi is None else ahi
        charge = self.charges[ahi] - self.charges[alo]
        if charge > self.budget.left:
            raise OverBudget
        self.budget.left -= charge
        return super().find_longest_match(alo, ahi, blo, bhi)


def _replaced(a: str, b: str, visible: Visible) -> str:
    return (f"<del>{visible(a)}</del>" if a else "") + (f"<ins>{visible(b)}</ins>" if b else "")


class _Differ:
    def __init__(self, visible: Visible, parts: list[str], budget: Budget) -> None:
        self.visible = visible
        self.parts = parts
        self.budget = budget

    def sentences(self, a: str, b: str) -> None:
        self._compare(sentences(a), sentences(b), self._sentence_pair)

    def _sentence_pair(self, a: Sequence[str], b: Sequence[str]) -> None:
        if len(a) == len(b):   # as many sentences changed as there are: compared one by one
            for x, y in zip(a, b):
                self._compare(WORDS.findall(x), WORDS.findall(y), self._word_pair)
        else:
            self._compare(WORDS.findall("".join(a)), WORDS.findall("".join(b)), self._word_pair)

    def _word_pair(self, a: Sequence[str], b: Sequence[str]) -> None:
        """A changed stretch of words, its common first and last characters set aside."""
        x, y = "".join(a), "".join(b)
        head = common_prefix(x, y)
        tail = common_suffix(x, y, min(len(x), len(y)) - head)
        self.parts.append(self.visible(x[:head]))
        self.parts.append(_replaced(x[head:len(x) - tail], y[head:len(y) - tail], self.visible))
        self.parts.append(self.visible(x[len(x) - tail:]))

    def _compare(self, a: Sequence[str], b: Sequence[str], changed: Callable[[Sequence[str], Sequence[str]], None]) -> None:
        """Equal runs of a and b as text; each changed pair of runs to `changed` (both sides
        non-empty) or shown removed/inserted whole."""
        try:
            opcodes = BudgetedMatcher(a, b, self.budget).get_opcodes()
        except OverBudget:
            self.parts.append(_replaced("".join(a), "".join(b), self.visible))
            return
        for op, a0, a1, b0, b1 in opcodes:
            if op == "equal":
                self.parts.append(self.visible("".join(a[a0:a1])))
            elif op == "replace":
                changed(a[a0:a1], b[b0:b1])
            else:
                self.parts.append(_replaced("".join(a[a0:a1]), "".join(b[b0:b1]), self.visible))
