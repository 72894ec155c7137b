"""The search index files: lunr's numbers, cut into shards, deterministic, safely wrapped.

`monolithic()` must be byte for byte lunr.py's own index for the same items, so
that the fast builder is known to compute lunr's weights; the shards must hold
exactly the monolithic index's postings and weights.
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import re
from pathlib import Path

import pytest

from builder.run.pipeline import check
from builder.search.lunr_index import js_order, monolithic
from builder.search.catalogue import BOOSTS, DocCard, DocRecord, QuoteCard
from builder.search.stores import Catalogue, catalogue
from builder.search.lunr_index import Item
from builder.search.stores import StorePacker
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


def read_index(files: dict[str, bytes]) -> tuple[dict, list[dict], dict[int, dict]]:
    """The head, the vocabulary blocks in order, and the postings files by number."""
    head = _unwrap(files["search/index.js"])
    blocks = [_unwrap(files[f"search/words/{k}.js"]) for k in range(len(head["at"]))]
    postings = {int(p.split("/")[-1][:-3]): _unwrap(data) for p, data in files.items() if p.startswith("search/postings/")}
    return head, blocks, postings


def decoded(block: dict) -> list[tuple[str, int, int]]:
    """A block's (term, df class, field bits)."""
    out, prev = [], ""
    for line in block["t"].split("\n"):
        prev = prev[: ord(line[0]) - 48] + line[3:]
        out.append((prev, ord(line[1]) - 48, ord(line[2]) - 48))
    return out


def postings_of(files: dict[str, bytes]) -> dict[str, list[dict[tuple[int, int], int]]]:
    """term → its tiers, each {(item, field): weight}, read back from the files as search-index.js reads them."""
    head, blocks, postings = read_index(files)
    out = {}
    for block in blocks:
        starts = [r[0] for r in block["p"]]
        for i, (term, _, _) in enumerate(decoded(block)):
            p = block["f"] + i
            first, file, tiers = block["p"][bisect.bisect_right(starts, p) - 1]
            lists = ([postings[file + k]["p"][0] for k in range(tiers)] if tiers > 1
                     else [postings[file]["p"][p - postings[file]["f"]]])
            out[term] = []
            for tier in lists:
                got = {}
                for field, *pairs in tier:
                    n = 0
                    for k in range(0, len(pairs), 2):
                        n = pairs[0] if k == 0 else n + pairs[k]
                        got[(n, field)] = pairs[k + 1]
                out[term].append(got)
    return out


SMALL = {"file_bytes": 800, "block_bytes": 400, "tier_entries": 30, "tier_items": 3}


def test_postings_hold_the_monolithic_postings_and_weights(example: tuple[object, Catalogue]) -> None:
    cat = example[1]
    whole = json.loads(monolithic(cat.items, BOOSTS))
    files = search.build_index(example[0], **SMALL)    # small files: many of them, common terms in tiers
    assert sum(p.startswith("search/postings/") for p in files) > 20
    assert sum(p.startswith("search/words/") for p in files) > 5
    fields = list(BOOSTS)
    term_of = {posting["_index"]: term for term, posting in whole["invertedIndex"]}
    expected = {}
    for ref, flat in whole["fieldVectors"]:
        field, item = ref.split("/")
        for i in range(0, len(flat), 2):
            expected[(term_of[flat[i]], int(item, 36), fields.index(field))] = flat[i + 1]
    got = {}
    found = postings_of(files)
    assert any(len(tiers) > 2 for tiers in found.values()), "common terms come in tiers"
    for term, tiers in found.items():
        items = [{n for n, _ in tier} for tier in tiers]
        assert all(not (a & b) for i, a in enumerate(items) for b in items[i + 1:]), "a tier repeats an item"
        totals = [[sum(w for (m, _), w in tier.items() if m == n) for n in mine] for tier, mine in zip(tiers, items)]
        for better, worse in zip(totals, totals[1:]):
            assert min(better) >= max(worse), f"{term}: a tier holds an item better than one of the tier before"
        for tier in tiers:
            got.update({(term, n, f): w for (n, f), w in tier.items()})
    assert got.keys() == expected.keys()
    assert all(abs(got[k] / 1000 - v) <= 0.0011 for k, v in expected.items())
    assert list(found) == sorted(found, key=js_order)


def test_blocks_know_each_terms_fields_and_frequency(example: tuple[object, Catalogue]) -> None:
    files = search.build_index(example[0], **SMALL)
    found = postings_of(files)
    for block in read_index(files)[1]:
        for term, df_class, bits in decoded(block):
            pairs = {key for tier in found[term] for key in tier}
            assert bits == sum(1 << f for f in {f for _, f in pairs}), term
            assert df_class == len(pairs).bit_length(), term


def test_build_is_deterministic(example: tuple[object, object]) -> None:
    first = search.build_index(example[0])
    assert first == search.build_index(example[0])
    assert "search/index.js" in first and any(p.startswith("search/postings/") for p in first)
    small = search.build_index(example[0], **SMALL)
    assert small == search.build_index(example[0], **SMALL)
    assert _unwrap(small["search/index.js"])["build"] != _unwrap(first["search/index.js"])["build"]


def _unwrap(script: bytes) -> object:
    """What the browser's JSON.parse('…') receives: undo the JS string escapes."""
    m = re.fullmatch(rb"\(window\.glossatorSearch=window\.glossatorSearch\|\|\[\]\)\.push\(\[\"(\w+)\",(\d+),JSON\.parse\('(.*)'\)\]\);\n",
                     script, re.S)
    assert m, script[:200]
    literal = m.group(3).decode("utf-8")
    return json.loads(re.sub(r"\\(u[0-9a-f]{4}|.)", lambda e: chr(int(e[1][1:], 16)) if len(e[1]) == 5 else e[1], literal))


def test_files_are_scripts_carrying_json(example: tuple[object, object]) -> None:
    files = search.build_index(example[0], **SMALL)
    head, blocks, postings = read_index(files)
    n_texts = sum(p.startswith("search/texts/") for p in files)
    assert set(files) == ({"search/index.js"} | {f"search/words/{k}.js" for k in range(len(blocks))}
                          | {f"search/postings/{n}.js" for n in postings} | {f"search/texts/{n}.js" for n in range(n_texts)})
    assert sorted(postings) == list(range(len(postings)))
    assert [b["f"] for b in blocks] == list(itertools.accumulate(head["at"]))
    texts = [part[7] for n in range(n_texts) for part in _unwrap(files[f"search/texts/{n}.js"]) if part[7]]
    assert any("'" in t for t in texts), "the example has apostrophes: the escaping is exercised"


def test_javascript_order_puts_astral_characters_before_high_bmp() -> None:
    # UTF-16: U+1F600 is D83D DE00, which sorts before U+FF21; code points say otherwise.
    assert sorted(["\uff21", "\U0001f600"], key=js_order) == ["\U0001f600", "\uff21"]


def record(text: str, quotes: list[tuple[int, int]], title: str = "t") -> DocRecord:
    return DocRecord(DocCard(title, "s", "", "", "docs/a.html"), text,
                     tuple(QuoteCard(f"q{k}", "", a, b) for k, (a, b) in enumerate(quotes)),
                     (Item("", {"text": text}),) + tuple(Item("", {"text": text[a:b]}, within=(0, a, b)) for a, b in quotes))


def test_store_quote_offsets_count_utf16_units_like_javascript() -> None:
    text = "Zürich 😀 said: “we 𝒜gree” and 😀 left"
    start, end = text.index("we"), text.index(" and")
    packer = StorePacker()
    packer.add(record(text, [(start, end)]))
    quote = json.loads(packer.finish()[0][1])[0][8][0]
    utf16 = lambda i: len(text[:i].encode("utf-16-le")) // 2   # noqa: E731
    assert quote[2:] == [utf16(start), utf16(end)] and quote[2] == start + 1 and quote[3] == end + 2


def test_items_are_numbered_by_the_text_file_that_holds_them() -> None:
    """Item n is in text file n // SLOTS: a document's items stay together while they fit;
    a document with more quotes than a file has numbers goes on in the next files, its
    quotes carrying their own words there."""
    packer = StorePacker(store_bytes=90, slots=4)
    words = "one two three four five six seven eight nine ten"
    firsts, done = [], []
    for quotes in ([(0, 3)], [(4, 7), (8, 13)], [(0, 3), (4, 7), (8, 13), (14, 18), (19, 23)], []):
        first, files = packer.add(record(words, quotes))
        firsts.append(first)
        done += files
    done += packer.finish()
    assert firsts == [0, 4, 8, 16]     # 2 items; 3 (2 + 3 > 4: a new file); 6 (two files); 1 (too much text)
    parts = {n: json.loads(text) for n, text in done}
    assert [[p[:2] for p in parts[n]] for n in sorted(parts)] == [[[0, 1]], [[0, 1]], [[0, 1]], [[0, 0]], [[0, 1]]]
    assert parts[3][0][7] is None and [q[2] for q in parts[3][0][8]] == ["four", "five"]
    assert [q[2:] for q in parts[2][0][8]] == [[0, 3], [4, 7], [8, 13]]


# --- shards: each document counted where it is prepared, merged here


def test_counts_hold_each_vectors_terms_in_order() -> None:
    from builder.search.lunr_index import count
    from builder.search.shards import Counts

    items = [Item("", {"title": "Envoy speaks", "text": "The envoy said the envoys agreed."}),
             Item("", {"text": "envoy said"}, within=(0, 4, 14)), Item("", {"text": ""})]
    tfs = count(items, tuple(BOOSTS)).tfs
    counts = Counts.of(tfs)
    import numpy as np

    vectors = np.frombuffer(counts.vectors, np.uint32).reshape(-1, 4).tolist()
    numbers = np.frombuffer(counts.counts, np.uint32).tolist()
    terms, at = counts.term_list(), 0
    rebuilt = []
    for item, field, length, n in vectors:
        rebuilt.append((item, field, dict(zip(terms[at:at + n], numbers[at:at + n])), length))
        at += n
    assert rebuilt == tfs and at == len(terms) == len(numbers)
    assert [v[0] for v in vectors] == [0, 0, 1], "an empty field, an empty item: no vector"
    assert Counts.of([]).term_list() == []


@pytest.mark.parametrize("cuts", [(1,), (2, 3), (1, 2, 3, 4)])
def test_shards_counted_apart_merge_into_the_index_counted_in_one_process(example: tuple[object, object],
                                                                          cuts: tuple[int, ...]) -> None:
    """As forked workers count them: each run of documents with an Analyzer of its own (a
    stemming memo that starts empty), the shards merged in document order."""
    from builder.search.shards import pack, shards
    from builder.search.words import Analyzer

    linked = example[0]
    docs, name_of = list(linked.docs), {e.id: e.name for e in linked.entities}
    bounds = [0, *cuts, len(docs)]
    apart = [s for a, b in zip(bounds, bounds[1:]) for s in shards(docs[a:b], name_of, Analyzer())]
    assert search.merge(apart, **SMALL) == search.build_index(linked, **SMALL)
    assert search.merge(apart) == search.build_index(linked)
    packed = [pack(s) for s in apart]   # as a build holds them until the index is merged
    assert [p.unpack() for p in packed] == apart and all(p.text is s.text for p, s in zip(packed, apart))
    assert search.merge(packed, **SMALL) == search.build_index(linked, **SMALL)


def test_the_search_files_come_out_as_they_are_made_and_are_written_so(tmp_path: Path) -> None:
    """The index hands out each file when it is complete (a text file as soon as its documents
    are in, long before the last one), and a staged build writes each as it comes, holding
    none: at 100,000 documents they weigh gigabytes. The same files as the whole merge."""
    import sys

    from builder.read.files import CorpusFiles
    from builder.run import indexing, pipeline
    from builder.run.executor import InProcess
    from builder.run.memo import Fresh
    from builder.site.staging import Staging

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=80)
    prepared = pipeline.prepare(CorpusFiles(corpus), Fresh(), InProcess())
    read: list[int] = []

    def shards():  # noqa: ANN202 - counts the documents read so far
        for n, shard in enumerate(prepared.shards):
            read.append(n)
            yield shard

    when = [(path, len(read)) for path, _ in search.merging(shards(), store_bytes=4_000)]
    assert when[0][0].startswith("search/texts/") and when[0][1] < len(prepared.shards) / 4, when[:3]
    assert when[-1][0] == "search/index.js", "the head last: it names every other file"
    whole = search.merge(prepared.shards, store_bytes=4_000)
    assert [path for path, _ in when] != sorted(whole) and sorted(path for path, _ in when) == sorted(whole)
    assert dict(sorted(search.merging(prepared.shards, store_bytes=4_000))) == whole

    with Staging(tmp_path / "site") as staging:
        names = indexing.files(prepared.shards, staging)
        assert all(data is None for _, data, _ in names), "only their names come back"
        written = {path: (staging.where() / path).read_bytes() for path, _, _ in names}
    assert written == search.merge(prepared.shards)
