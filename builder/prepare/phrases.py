"""Finding words fast: a trie-shaped regular expression for many literal phrases.

Python's `re` tries alternatives one by one; factoring common prefixes into a
trie makes one pass over a document cost about the same for 10 or 3,000 aliases.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator


def trie_pattern(phrases: Iterable[str]) -> str:
    """A regex matching any of `phrases`, longest first at each position."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(trie) if trie else r"(?!x)x"


def _emit(node: dict[str, dict]) -> str:
    ends_here = "" in node
    branches = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy optional: the longer phrase is tried first, so the longest match wins.
    return f"(?:{body})?" if ends_here else body


class WholeWords:
    """Phrases found as whole words (not inside a longer word), case-sensitively.

    The check that a match does not start inside a word is made here, on the few matches,
    not in the pattern: a pattern that begins with a look-behind is tried at every
    character, one that begins with the trie lets `re` skip, in C, every character no
    phrase starts with (twice as fast over a corpus).
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self.pattern = re.compile("(?:" + trie_pattern(phrases) + r")(?!\w)")

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Like re.finditer with a look-behind `(?<!\\w)` in front: leftmost, longest, not overlapping."""
        search = self.pattern.search
        pos = 0
        while (m := search(text, pos)) is not None:
            start = m.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):   # what \w matches
                pos = start + 1
                continue
            yield m
            pos = m.end()


def whole_words(phrases: Iterable[str]) -> WholeWords:
    return WholeWords(phrases)
