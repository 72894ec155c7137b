"""builder.search.words: the Python half of the word analysis that search.js mirrors.

The browser tests (test_search_browser.py) check the two halves agree on every word
of the example corpus; these pin the Python half's behaviour on its own.
"""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from builder.search.words import SEPARATOR, STOP_WORDS, Analyzer, porter, split, trim, words

# lunr.js 2.3.9's stemmer on words lunr.py's stemmer gets wrong, and classic Porter cases.
LUNR_JS_STEMS = [
    ("envoy", "envoy"), ("tuesday", "tuesday"), ("today", "today"), ("lay", "lay"), ("try", "tri"),
    ("consign", "consign"), ("consigned", "consign"), ("consigning", "consign"), ("consignment", "consign"),
    ("relations", "relat"), ("relational", "relat"), ("taliban", "taliban"), ("kabulov", "kabulov"),
    ("yelling", "yell"), ("generalizations", "gener"), ("agreed", "agre"), ("hopping", "hop"),
    ("ponies", "poni"), ("caresses", "caress"), ("cats", "cat"), ("by", "by"), ("yes", "ye"),
    ("controll", "control"), ("rate", "rate"), ("hopeful", "hope"), ("goodness", "good"),
]


@pytest.mark.parametrize("word, stem", LUNR_JS_STEMS)
def test_stemmer_matches_lunr_js(word: str, stem: str) -> None:
    assert porter(word) == stem


def test_lunr_py_stemmer_differs_from_lunr_js_which_is_why_we_have_our_own() -> None:
    from lunr.stemmer import stemmer as lunr_py_stemmer
    from lunr.token import Token

    assert lunr_py_stemmer(Token("envoy")).string == "envoi"     # lunr.js: "envoy": a query would find nothing
    assert porter("envoy") == "envoy"


def test_astral_characters_count_as_two_like_javascript() -> None:
    # "😀a" is 3 UTF-16 units: long enough for lunr.js to stem, so "😀as" loses its "s".
    assert porter("😀as") == "😀a"
    assert porter("ab") == "ab"


@pytest.mark.parametrize("raw, expected", [
    ("Kabulov's", ["kabulov"]), ("Kabulov’s", ["kabulov"]), ('"good', ["good"]), ("relations”", ["relations"]),
    ("Zürich", ["zurich"]), ("café.", ["cafe"]), ("ﬁnd", ["find"]), ("Москва", ["москва"]),
    ("Al-Mayadeen", ["al", "mayadeen"]), ("Taliban—Russia", ["taliban", "russia"]), ("and/or", ["and", "or"]),
    ("f*ck", ["fck"]), ("— « »", []), ("10:30", ["10:30"]), ("U.S.", ["u.s"]),
])
def test_words(raw: str, expected: list[str]) -> None:
    assert words(raw) == expected


def test_trim_is_unicode_aware_unlike_lunr_trimmer() -> None:
    assert trim("«москва»") == "москва"
    assert trim("Naeem's,") == "Naeem"


@given(st.text(alphabet=" \t\n\x1c\x85\ufeff\u00a0\u2009\u2028-—/abcé'’*", max_size=40))
def test_fast_split_equals_the_javascript_separator(text: str) -> None:
    assert split(text) == [t for t in SEPARATOR.split(text.lower()) if t]


def test_analyzer_drops_stop_words_and_stems() -> None:
    analyzer = Analyzer()
    assert analyzer.terms("The envoy said the Taliban's relations were good") == ["envoy", "taliban", "relat", "good"]
    assert analyzer.frequencies("envoy envoys Envoy") == ({"envoy": 3}, 3)
    assert "the" in STOP_WORDS and "envoy" not in STOP_WORDS
