"""Finding words fast: a trie-shaped regular expression for many literal phrases.

Python's `re` tries alternatives one by one; factoring common prefixes into a
trie makes one pass over a document cost about the same for 10 or 3,000 aliases.
"""

from __future__ import annotations

import re
from typing import Iterable


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


def whole_words(phrases: Iterable[str]) -> re.Pattern[str]:
    """Match phrases as whole words (not inside a longer word), case-sensitively."""
    return re.compile(r"(?<!\w)(?:" + trie_pattern(phrases) + r")(?!\w)")
