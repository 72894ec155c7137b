"""Drop patterns (`/…/` entries of a sidecar's `clean: drop:`): Python's regular-expression
syntax, run by RE2.

RE2 matches in time linear in the text whatever the pattern (Python's `re` backtracks:
`(a+)+$` against forty a's and a b runs for hours). Its Python module never falls back to
`re`: what RE2 cannot do (backreferences, lookaround) is refused, with a hint.

Where the two read the same pattern differently, the pattern is rewritten to mean what it
means in Python: `\\d`, `\\w`, `\\s` and their negations match Unicode digits, letters and
spaces (RE2's match ASCII only: a no-break space is not `\\s` there), `\\Z` is RE2's `\\z`,
`\\uXXXX` and `\\UXXXXXXXX` are RE2's `\\x{…}`. `\\b` and `\\B` stay RE2's: they see only
ASCII letters and digits as word characters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MAX_REGEX_CHARS = 10_000   # a pattern describes a paragraph; longer ones are refused uncompiled
RE2_SYNTAX = "https://github.com/google/re2/wiki/Syntax"

# Python's str.isspace() characters, as RE2 writes them inside [...]
SPACES = (r"\t\n\x{0b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
          r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}")
# Python's Unicode classes for RE2: (outside [...], inside [...] or None when it cannot be written there)
CLASSES = {
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "w": (r"[\p{L}\p{N}_]", r"\p{L}\p{N}_"),
    "W": (r"[^\p{L}\p{N}_]", None),
    "s": (f"[{SPACES}]", SPACES),
    "S": (f"[^{SPACES}]", None),
}
HEX = frozenset("0123456789abcdefABCDEF")


def to_re2(pattern: str) -> tuple[str, str]:
    """(the pattern in RE2's syntax, "") or ("", the construct that cannot be carried over)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class, closes_from = False, 0
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in CLASSES:
                outside, inside = CLASSES[e]
                if in_class and inside is None:
                    return "", f"\\{e} inside [...]"
                out.append(inside if in_class else outside)
                i += 2
            elif e == "Z":
                out.append(r"\z")
                i += 2
            elif e in "uU" and set(pattern[i + 2:i + (6 if e == "u" else 10)]) <= HEX \
                    and i + (6 if e == "u" else 10) <= n:
                end = i + (6 if e == "u" else 10)
                out.append(f"\\x{{{pattern[i + 2:end]}}}")
                i = end
            else:
                out.append(pattern[i:i + 2])
                i += 2
            continue
        if in_class:
            in_class = not (c == "]" and i >= closes_from)
        elif c == "[":
            in_class = True
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            closes_from = j + 1 if pattern[j:j + 1] == "]" else j   # a ']' first is a literal
        out.append(c)
        i += 1
    return "".join(out), ""


@lru_cache(maxsize=256)
def drop_regex(pattern: str) -> tuple[Any, str, str]:
    """(compiled pattern or None, why not, hint) for a drop entry's /pattern/."""
    if len(pattern) > MAX_REGEX_CHARS:
        return None, f"the regular expression is {len(pattern):,} characters long, over the limit of {MAX_REGEX_CHARS:,}", \
            "a drop pattern describes a paragraph; to drop one exact paragraph, write its text without slashes"
    translated, cannot = to_re2(pattern)
    if cannot:
        return None, f"bad regular expression: {cannot} is not supported", \
            ("inside [...], write the characters or Unicode classes you mean: \\p{L} letters, \\p{N} digits, "
             "\\p{Z} spaces; or put the negation outside, e.g. (?:\\S|,) for [\\S,]")
    import re2   # imported on first use, like ftfy: most corpora have no drop pattern

    options = re2.Options()
    options.log_errors = False   # the error comes back to us; RE2 would also print it
    try:
        return re2.compile(translated, options), "", ""
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return None, f"bad regular expression: {detail[:200]}", _hint(pattern, detail)


def _hint(pattern: str, detail: str) -> str:
    if "(?=" in detail or "(?!" in detail or "(?<=" in detail or "(?<!" in detail:
        return f"lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: drop patterns are RE2 ({RE2_SYNTAX})"
    if any(f"\\{d}" in detail for d in "123456789") or "(?P=" in pattern:
        return f"backreferences (\\1, (?P=name)) are not supported: drop patterns are RE2 ({RE2_SYNTAX})"
    if "(?>" in detail or "++" in detail or "*+" in detail or "?+" in detail:
        return f"atomic groups and possessive repeats are not supported (nor needed: RE2 never backtracks); see {RE2_SYNTAX}"
    if "repetition size" in detail:
        return "a counted repeat {n,m} may count to 1000 at most"
    if "too large" in detail:
        return "the pattern is too large for RE2 to compile; write a shorter one"
    return (f"a drop entry written /…/ is a regular expression as in Python, run by RE2 ({RE2_SYNTAX}); "
            "write it without slashes to match text exactly")
