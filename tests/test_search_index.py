"""The search index files: lunr's numbers, cut into shards, deterministic, safely wrapped.

`monolithic()` must be byte for byte lunr.py's own index for the same items, so
that the fast builder is known to compute lunr's weights; the shards must hold
exactly the monolithic index's postings and weights.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from builder.run.pipeline import check
from builder.search.lunr_index import js_order, monolithic
from builder.search.catalogue import BOOSTS, Catalogue, catalogue
from builder.search.words import lunr_py_pipeline
from builder.search import files as search

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example() -> tuple[object, Catalogue]:
    linked, _ = check(ROOT)
    return linked, catalogue(linked)


def lunr_py_index(cat: Catalogue) -> str:
    from lunr.builder import Builder
    from lunr.pipeline import Pipeline

    builder = Builder()
    builder.pipeline.add(*lunr_py_pipeline())
    builder.search_pipeline.add(Pipeline.registered_functions["stemmer"])
    builder.ref("ref")
    for name, boost in BOOSTS.items():
        builder.field(name, boost=boost)
    for item in cat.items:
        builder.add({"ref": item.ref, **{f: item.fields.get(f, "") for f in BOOSTS}}, attributes={"boost": item.boost})
    return json.dumps(builder.build().serialize())


def test_monolithic_index_is_byte_for_byte_lunr_py(example: tuple[object, Catalogue]) -> None:
    logging.disable(logging.WARNING)   # lunr.py warns when our stemmer replaces its own
    try:
        assert monolithic(example[1].items, BOOSTS) == lunr_py_index(example[1])
    finally:
        logging.disable(logging.NOTSET)


def test_shards_hold_the_monolithic_postings_and_weights(example: tuple[object, Catalogue]) -> None:
    cat = example[1]
    whole = json.loads(monolithic(cat.items, BOOSTS))
    the_plan, shards = search.shards(cat.items, 800)   # small shards: many of them
    assert len(shards) > 5
    split = [sh for sh in the_plan.shards if sh.high - sh.low < len(cat.items)]
    assert split, "common terms are cut into item slices at this size"
    term_of = {posting["_index"]: term for term, posting in whole["invertedIndex"]}
    expected = {}
    for ref, flat in whole["fieldVectors"]:
        for i in range(0, len(flat), 2):
            expected[(ref, term_of[flat[i]])] = flat[i + 1]
    got, postings = {}, {}
    for text in shards:
        shard = json.loads(text)
        local = {posting["_index"]: term for term, posting in shard["invertedIndex"]}
        for term, posting in shard["invertedIndex"]:
            mine = postings.setdefault(term, {f: [] for f in BOOSTS})
            for f in BOOSTS:
                assert not set(mine[f]) & set(posting[f]), "an item slice repeats an item"
                mine[f] = sorted(mine[f] + list(posting[f]))
        for ref, flat in shard["fieldVectors"]:
            assert flat[0::2] == sorted(flat[0::2]), "lunr.js needs each vector sorted by term number"
            for i in range(0, len(flat), 2):
                got[(ref, local[flat[i]])] = flat[i + 1]
    assert postings == {term: {f: sorted(p[f]) for f in BOOSTS} for term, p in whole["invertedIndex"]}
    assert got.keys() == {k for k, v in expected.items()}
    assert all(abs(got[k] / 1000 - v) <= 0.0011 for k, v in expected.items())
    assert list(the_plan.vocab) == sorted(postings, key=js_order)


def test_build_is_deterministic(example: tuple[object, object]) -> None:
    first = search.build_index(example[0])
    assert first == search.build_index(example[0])
    assert "search/index.js" in first and any(p.startswith("search/t-") for p in first)


def _unwrap(script: bytes) -> object:
    """What the browser's JSON.parse('…') receives: undo the JS string escapes."""
    m = re.fullmatch(rb"\(window\.glossatorSearch=window\.glossatorSearch\|\|\[\]\)\.push\(\[\"(\w+)\",(\d+),JSON\.parse\('(.*)'\)\]\);\n",
                     script, re.S)
    assert m, script[:200]
    literal = m.group(3).decode("utf-8")
    return json.loads(re.sub(r"\\(u[0-9a-f]{4}|.)", lambda e: chr(int(e[1][1:], 16)) if len(e[1]) == 5 else e[1], literal))


def test_files_are_scripts_carrying_json(example: tuple[object, object]) -> None:
    files = search.build_index(example[0])
    head = _unwrap(files["search/index.js"])
    assert set(head["shards"]) | set(head["stores"]) | {"search/index.js"} == set(files)
    for name in head["shards"]:
        assert _unwrap(files[name])["pipeline"] == ["stemmer"]
    texts = [t for name in head["stores"] for t in _unwrap(files[name])["texts"]]
    assert any("'" in t for t in texts), "the example has apostrophes: the escaping is exercised"


def test_vocabulary_front_coding_round_trips(example: tuple[object, Catalogue]) -> None:
    cat = example[1]
    the_plan, _ = search.shards(cat.items, 50_000)
    decoded, prev = [], ""
    for line in search.front_code(the_plan).split("\n"):
        prev = prev[: ord(line[0]) - 48] + line[2:]
        decoded.append(prev)
    assert decoded == list(the_plan.vocab)


def test_javascript_order_puts_astral_characters_before_high_bmp() -> None:
    # UTF-16: U+1F600 is D83D DE00, which sorts before U+FF21; code points say otherwise.
    assert sorted(["\uff21", "\U0001f600"], key=js_order) == ["\U0001f600", "\uff21"]


def test_refs_in_bulk_are_the_base_36_numbers() -> None:
    from builder.search.catalogue import ref, refs
    for n in (0, 1, 36, 37, 1296, 1297, 46657):
        assert refs(n) == [ref(i) for i in range(n)]


def test_store_quote_offsets_count_utf16_units_like_javascript() -> None:
    from builder.search.catalogue import Catalogue, DocCard, QuoteCard
    text = "Zürich 😀 said: “we 𝒜gree” and 😀 left"
    start, end = text.index("we"), text.index(" and")
    cat = Catalogue((), (DocCard("t", "s", "", "", "docs/a.html", text),), (QuoteCard(0, "q1", "", start, end),))
    _, stores = search._stores(cat, 24_000)
    quote = json.loads(stores[0])["quotes"][0]
    utf16 = lambda i: len(text[:i].encode("utf-16-le")) // 2   # noqa: E731
    assert quote[2:] == [utf16(start), utf16(end)] and quote[2] == start + 1 and quote[3] == end + 2
