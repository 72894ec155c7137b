"""Words → index terms, exactly as the browser's search.js turns them.

The index is built here and queried by lunr.js, so both sides must cut, fold and
stem text identically or a query silently finds nothing. lunr.py's Porter
stemmer differs from lunr.js's ("envoy" → "envoi" here, "envoy" there), so the
stemmer below is a line-by-line port of lunr.js 2.3.9's `lunr.stemmer`, and the
other steps have twins in themes/default/static/search.js (`Glossator.normalise`);
tests run both over every word of the example corpus.

Steps: lowercase → split on whitespace, dashes and "/" → fold accents (NFKD,
drop combining marks) and drop "*" (a wildcard to lunr's TokenSet) → trim
non-word characters at both ends (Unicode-aware, unlike lunr's ASCII trimmer,
which would erase "Москва") → drop a possessive "'s" → drop stop words (lunr's
list) → stem.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable

try:    # Counter.update's C loop, without Counter's per-call checks (~1 µs, 150,000 calls a build)
    from _collections import _count_elements as count_elements
except ImportError:   # pragma: no cover - other Pythons
    def count_elements(mapping: dict[str, int], iterable: Iterable[str]) -> None:  # type: ignore[misc]
        for x in iterable:
            mapping[x] = mapping.get(x, 0) + 1

# JavaScript's \s (ECMA-262 WhiteSpace + LineTerminator), plus dashes and "/".
# Python's own \s differs (it has \x1c-\x1f and \x85, lacks \ufeff), so it is spelt out.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d/"
SEPARATOR = re.compile(f"[{_JS_SPACE}{re.escape(_DASHES)}]+")
_NOT_PY_SPACE = re.compile("[\x1c-\x1f\x85\ufeff]")  # where str.split() and JavaScript's \s disagree
_EDGES = re.compile(r"^\W+|\W+\Z")  # \W is Unicode-aware in Python 3 (= [^\p{L}\p{N}_] in JS)

# lunr.js 2.3.9 lunr.stopWordFilter, verbatim.
STOP_WORDS = frozenset("""
a able about across after all almost also am among an and any are as at be because been but by can cannot
could dear did do does either else ever every for from get got had has have he her hers him his how however
i if in into is it its just least let like likely may me might most must my neither no nor not of off often
on only or other our own rather said say says she should since so some than that the their them then there
these they this tis to too twas us wants was we were what when where which while who whom why will with
would yet you your
""".split())


def fold(token: str) -> str:
    """Accents off, compatibility forms unified, "*" removed; ASCII passes untouched."""
    if token.isascii():
        return token.replace("*", "")
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("*", "")


def trim(token: str) -> str:
    token = _EDGES.sub("", token)
    if token.endswith(("'s", "\u2019s")):
        token = _EDGES.sub("", token[:-2])
    return token


def split(text: str) -> list[str]:
    """Lowercase and cut at separators. str.split() is three times faster than the regex
    and exact whenever the text has none of the four characters where they disagree."""
    low = text.lower()
    if _NOT_PY_SPACE.search(low):
        return [t for t in SEPARATOR.split(low) if t]
    low = low.replace("-", " ").replace("/", " ")
    if not low.isascii():
        for dash in _DASHES[1:-1]:
            if dash in low:
                low = low.replace(dash, " ")
    return low.split()


def words(text: str) -> list[str]:
    """The normalised words of `text`, stop words included (phrases need them)."""
    return [w for w in (trim(fold(raw)) for raw in split(text)) if w]


# --- lunr.js 2.3.9 lunr.stemmer, ported regex for regex ----------------------------

_C = "[^aeiou][^aeiouy]*"   # consonant sequence
_V = "[aeiouy][aeiou]*"     # vowel sequence
_MGR0 = re.compile(f"^({_C})?{_V}{_C}")
_MEQ1 = re.compile(f"^({_C})?{_V}{_C}({_V})?\\Z")
_MGR1 = re.compile(f"^({_C})?{_V}{_C}{_V}{_C}")
_S_V = re.compile(f"^({_C})?[aeiouy]")
_1A = re.compile(r"^(.+?)(ss|i)es\Z")
_1A2 = re.compile(r"^(.+?)([^s])s\Z")
_1B = re.compile(r"^(.+?)eed\Z")
_1B2 = re.compile(r"^(.+?)(ed|ing)\Z")
_1B_AT = re.compile(r"(at|bl|iz)\Z")
_1B_DOUBLE = re.compile(r"([^aeiouylsz])\1\Z")
_CVC = re.compile(f"^{_C}[aeiouy][^aeiouwxy]\\Z")
_1C = re.compile(r"^(.+?[^aeiou])y\Z")
_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
    "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
    "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al",
    "iviti": "ive", "biliti": "ble", "logi": "log",
}
_2 = re.compile(r"^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism"
                r"|iveness|fulness|ousness|aliti|iviti|biliti|logi)\Z")
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
_3 = re.compile(r"^(.+?)(icate|ative|alize|iciti|ical|ful|ness)\Z")
_4 = re.compile(r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)\Z")
_4B = re.compile(r"^(.+?)(s|t)(ion)\Z")
_5 = re.compile(r"^(.+?)e\Z")
_LL = re.compile(r"ll\Z")


def _utf16(w: str) -> str:
    """JavaScript strings are UTF-16: split astral characters into surrogates so that
    lengths and regex steps see what lunr.js sees."""
    return "".join(c if ord(c) < 0x10000 else chr(0xD800 + ((ord(c) - 0x10000) >> 10)) + chr(0xDC00 + ((ord(c) - 0x10000) & 0x3FF))
                   for c in w)


def _from_utf16(w: str) -> str:
    return w.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# Each step's regex can only match a word with one of these endings: testing the ending
# first (str.endswith, in C) skips most regex calls and changes no result.
_STEP2_ENDS = tuple(_STEP2)
_STEP3_ENDS = tuple(_STEP3)
_STEP4_ENDS = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ou", "ism", "ate",
               "iti", "ous", "ive", "ize")


def porter(word: str) -> str:
    """lunr.js's porterStemmer(w), step for step (including its departures from Porter)."""
    astral = not word.isascii()      # (non-ASCII words take the UTF-16 round trip, as they always did)
    w = _utf16(word) if astral else word
    if len(w) < 3:
        return word
    first_y = w[0] == "y"
    if first_y:
        w = "Y" + w[1:]
    if w[-1] == "s":
        if m := _1A.match(w):
            w = m.group(1) + m.group(2)
        elif m := _1A2.match(w):
            w = m.group(1) + m.group(2)
    if w.endswith("eed") and (m := _1B.match(w)):
        if _MGR0.match(m.group(1)):
            w = w[:-1]
    elif w.endswith(("ed", "ing")) and (m := _1B2.match(w)):
        stem = m.group(1)
        if _S_V.match(stem):
            w = stem
            if _1B_AT.search(w):
                w += "e"
            elif _1B_DOUBLE.search(w):
                w = w[:-1]
            elif _CVC.match(w):
                w += "e"
    if w[-1:] == "y" and (m := _1C.match(w)):
        w = m.group(1) + "i"
    if w.endswith(_STEP2_ENDS) and (m := _2.match(w)) and _MGR0.match(m.group(1)):
        w = m.group(1) + _STEP2[m.group(2)]
    if w.endswith(_STEP3_ENDS) and (m := _3.match(w)) and _MGR0.match(m.group(1)):
        w = m.group(1) + _STEP3[m.group(2)]
    if w.endswith(_STEP4_ENDS) and (m := _4.match(w)):
        if _MGR1.match(m.group(1)):
            w = m.group(1)
    elif w.endswith(("sion", "tion")) and (m := _4B.match(w)):
        stem = m.group(1) + m.group(2)
        if _MGR1.match(stem):
            w = stem
    if w[-1:] == "e" and (m := _5.match(w)):
        stem = m.group(1)
        if _MGR1.match(stem) or (_MEQ1.match(stem) and not _CVC.match(stem)):
            w = stem
    if w.endswith("ll") and _MGR1.match(w):
        w = w[:-1]
    if first_y:
        w = "y" + w[1:]
    return _from_utf16(w) if astral else w


class Analyzer(dict[str, "str | None"]):
    """Raw word → term, computed once per distinct word: stemming dominates build time.

    A dict whose misses are analysed, so the hot loop is a C-level lookup. Raw words
    that normalise alike ("Envoy", "envoy,", "envoy’s") share one stemming.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stems: dict[str, str] = {}

    def __missing__(self, raw: str) -> str | None:
        w = trim(fold(raw))
        if not w or w in STOP_WORDS:
            term = None
        elif (term := self.stems.get(w)) is None:
            term = self.stems[w] = porter(w)
        self[raw] = term
        return term

    def clear(self) -> None:
        super().clear()
        self.stems.clear()

    def frequencies(self, text: str) -> tuple[dict[str, int], int]:
        """Term → count, in order of first appearance (as lunr numbers terms), and the term count."""
        terms = list(filter(None, map(self.__getitem__, split(text))))
        return tally(terms), len(terms)

    def terms(self, text: str) -> list[str]:
        return list(filter(None, map(self.__getitem__, split(text))))


def tally(terms: Iterable[str]) -> dict[str, int]:
    """Term → count, in order of first appearance."""
    counts: dict[str, int] = {}
    count_elements(counts, terms)
    return counts


def lunr_py_pipeline() -> tuple[Callable[..., object], ...]:
    """The same analysis as lunr.py pipeline functions, so lunr.py can build (slowly) and load
    our indexes as a reference. Registers our stemmer under lunr.js's name, "stemmer"."""
    from lunr.pipeline import Pipeline
    from lunr.token import Token

    def glossator_words(token: Token, i: int, tokens: list[Token]) -> list[Token]:
        # The lunr.py tokenizer splits on fewer characters than ours; split again.
        return [Token(w, dict(token.metadata)) for w in (trim(fold(p)) for p in SEPARATOR.split(str(token))) if w]

    def glossator_stop_words(token: Token, i: int, tokens: list[Token]) -> Token | None:
        return None if str(token) in STOP_WORDS else token

    def stemmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
        return token.update(lambda s, _m: porter(s))

    Pipeline.register_function(glossator_words, "glossatorWords")
    Pipeline.register_function(glossator_stop_words, "glossatorStopWords")
    Pipeline.registered_functions["stemmer"] = stemmer
    stemmer.label = "stemmer"  # type: ignore[attr-defined]
    return glossator_words, glossator_stop_words, stemmer
