"""The search index at scale: what a reader downloads before the first result does not grow with
the corpus, and search works over many vocabulary blocks, postings files and tiers.

The corpus is generated as the index's own input, one record a document (the index is a
function of those records), so that a few thousand documents take seconds, not a build.
Bounds are computed from the files, never from timings.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import random
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from builder.search import files as search
from builder.search.catalogue import DocCard, DocRecord, QuoteCard
from builder.search.lunr_index import Item
from builder.search.words import Analyzer
from tests.test_search_index import decoded, read_index

SYLLABLES = "ka ba ro mi tu ve sha lin dor an ek ul zar pe to ni ga ha mu sel vi ra ko de".split()
SPEAKERS = ["Anna Petrova", "Boris Karimov", "Carla Mendes", "Dmitri Orlov"]


def vocabulary(size: int = 4000) -> list[str]:
    rng = random.Random(3)
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))] = None
    return list(words)


def records(n: int, seed: int = 1, words: int = 120) -> Iterator[DocRecord]:
    """`n` documents of ~`words` words drawn Zipf-like, each with two quotes."""
    rng = random.Random(seed)
    vocab = vocabulary()
    cum = []
    total = 0.0
    for rank in range(len(vocab)):
        total += 1 / (rank + 2.7)
        cum.append(total)
    for d in range(n):
        text = " ".join(rng.choices(vocab, cum_weights=cum, k=words)) + "."
        title = " ".join(rng.choices(vocab[:500], k=5)).capitalize()
        cuts = sorted(rng.sample([i for i, c in enumerate(text) if c == " "], 4))
        quotes = [(cuts[0] + 1, cuts[1]), (cuts[2] + 1, cuts[3])]
        who = [rng.choice(SPEAKERS) for _ in quotes]
        card = DocCard(title, "Wire", "2020", "2020", f"docs/d{d}.html")
        items = [Item("", {"title": title, "text": text, "source": "Wire", "speakers": "\n".join(dict.fromkeys(who)),
                           "entities": ""})]
        items += [Item("", {"text": text[a:b], "source": "Wire", "speakers": s, "entities": ""}, within=(0, a, b))
                  for (a, b), s in zip(quotes, who)]
        yield DocRecord(card, text, tuple(QuoteCard(f"q{k}", s, a, b) for k, ((a, b), s) in enumerate(zip(quotes, who))),
                        tuple(items))


def index(n: int, **sizes: int) -> dict[str, bytes]:
    builder = search.IndexBuilder(Analyzer(), **sizes)
    files: dict[str, bytes] = {}
    for record in records(n):
        files.update(builder.add(record))
    files.update(builder.finish())
    return files


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6, mtime=0))


def test_the_head_does_not_grow_with_the_corpus() -> None:
    small, large = index(400), index(1600)
    assert sum(p.startswith("search/texts/") for p in large) > 3 * sum(p.startswith("search/texts/") for p in small)
    heads = [len(f["search/index.js"]) for f in (small, large)]
    assert heads[1] < 1_000 and heads[1] - heads[0] < 100, heads


def test_text_files_are_handed_back_as_documents_come() -> None:
    """Fed a document at a time, the index hands back each text file once it is complete,
    so a stream of documents need not be held: only the last one waits for finish()."""
    builder = search.IndexBuilder(Analyzer())
    handed = []
    for k, record in enumerate(records(300)):
        handed.append(sorted(builder.add(record)))
    rest = builder.finish()
    streamed = [p for batch in handed for p in batch]
    texts = sorted((p for p in [*streamed, *rest] if p.startswith("search/texts/")), key=lambda p: int(p[13:-3]))
    assert len(streamed) == len(texts) - 1 > 20 and streamed == texts[:-1]


def test_a_generated_corpus_builds_the_same_bytes_twice() -> None:
    sizes = {"file_bytes": 4_000, "tier_entries": 200, "tier_items": 50}
    assert index(500, **sizes) == index(500, **sizes)


# --- in the browser ---------------------------------------------------------------------------

DOCS = 2400
STORE_BYTES = 1_000        # one document a text file: a first result costs little beside a word's postings
SIZES = {"file_bytes": 6_000, "block_bytes": 3_000, "tier_entries": 300, "tier_items": 40, "store_bytes": STORE_BYTES}


@pytest.fixture(scope="module")
def scale_site(example_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site's pages and scripts with the index of 2,400 generated documents."""
    site = tmp_path_factory.mktemp("scale") / "site"
    shutil.copytree(example_site, site)
    shutil.rmtree(site / "search")
    for path, data in index(DOCS, **SIZES).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    return site


def where(site: Path) -> tuple[dict[str, tuple[int, int, int]], dict[str, bytes]]:
    """term → (its block, its first postings file, its tiers); and every search file."""
    files = {f"search/{f.relative_to(site / 'search')}": f.read_bytes() for f in (site / "search").rglob("*.js")}
    _, blocks, _ = read_index(files)
    out = {}
    for k, block in enumerate(blocks):
        starts = [r[0] for r in block["p"]]
        for i, (term, _, _) in enumerate(decoded(block)):
            _, file, tiers = block["p"][bisect.bisect_right(starts, block["f"] + i) - 1]
            out[term] = (k, file, tiers)
    return out, files


@functools.cache
def generated_items() -> list[tuple[int, str, frozenset[str]]]:
    """Every item of the generated corpus: its number, its link, its terms."""
    analyzer, out = Analyzer(), []
    packer = search.StorePacker(STORE_BYTES)
    for record in records(DOCS):
        first, _ = packer.add(record)
        for k, item in enumerate(record.items):
            href = record.card.href + (f"#{record.quotes[k - 1].fragment}" if k else "")
            out.append((first + k, href, frozenset().union(*(analyzer.terms(v) for v in item.fields.values() if v))))
    return out


def holding(terms: list[str]) -> dict[int, str]:
    """The items holding every one of `terms` in some field, each with its link."""
    return {n: href for n, href, has in generated_items() if all(t in has for t in terms)}


def plain(terms: dict[str, Any]) -> list[str]:
    """Terms that are their own stem and too short for one-typo variants: typed, they find exactly their items."""
    analyzer = Analyzer()
    return [t for t in terms if len(t) < 5 and analyzer.terms(t) == [t]]


DONE = """q => { const s = document.getElementById('search-status');
  return s && s.dataset.query === q && s.dataset.state === 'done'; }"""


def test_a_common_word_shows_its_first_result_after_its_first_tier(page: Any, scale_site: Path, static_server: Any) -> None:
    """Before its first result, a common word's page downloads the head, a vocabulary block or
    two, the first tier of its postings and a few text files, not its postings: the bound is
    computed from those files, and the word's postings alone are larger than it."""
    terms, files = where(scale_site)
    word = max(plain(terms), key=lambda t: terms[t][2])            # the term in the most tiers
    block, first, tiers = terms[word]
    assert tiers >= 3
    postings = [gz(files[f"search/postings/{first + k}.js"]) for k in range(tiers)]
    size = {kind: max(gz(d) for p, d in files.items() if p.startswith(f"search/{kind}/")) for kind in ("words", "texts")}
    bound = gz(files["search/index.js"]) + 2 * size["words"] + postings[0] + 4 * size["texts"]
    assert sum(postings) > bound, "the word's postings would not fit: the bound can fail"
    base = static_server(scale_site)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.goto(base + "search.html?q=" + word)
    page.wait_for_function("() => performance.getEntriesByName('glossator-first-result').length > 0")
    fetched = page.evaluate("""() => { const m = performance.getEntriesByName('glossator-first-result')[0].startTime;
        return performance.getEntriesByType('resource').filter(e => e.responseEnd <= m && e.name.includes('/search/'))
          .map(e => e.name.split('?')[0].split('/search/')[1]); }""")
    got = sum(gz(files["search/" + name]) for name in fetched)
    assert f"postings/{first}.js" in fetched and got <= bound, (fetched, got, bound)
    page.wait_for_function(DONE, arg=word, timeout=20000)
    shown = page.eval_on_selector_all("#search-results > li", "els => els.map(li => parseInt(li.dataset.ref, 36))")
    complete = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", word + " ")]   # (not being typed)
    assert shown == complete[:len(shown)] and set(complete) == set(holding([word]))
    assert len(complete) > 4 * len(shown) + 1000, "only the best of its results are sorted"
    page.click(".search-more")                 # the next page: sorted then
    page.wait_for_function("() => document.querySelectorAll('#search-results > li:not([data-pending])').length > 20")
    page.wait_for_function(DONE, arg=word, timeout=20000)
    shown = page.eval_on_selector_all("#search-results > li", "els => els.map(li => parseInt(li.dataset.ref, 36))")
    assert len(shown) == 40 and shown == complete[:40]
    assert page.text_content("#search-status").startswith(f"{len(complete)} results")


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_two_words_from_different_blocks_page_through_every_result(page: Any, scale_site: Path, static_server: Any,
                                                                  scheme: str) -> None:
    """Two words whose vocabulary blocks and postings files differ: every item holding both
    is found, page after page ("Show more"), from http:// and from file://."""
    terms, _ = where(scale_site)
    common = sorted(plain(terms), key=lambda t: -terms[t][2])
    a = common[0]
    b = next(t for t in common[1:] if terms[t][0] != terms[a][0] and terms[t][1] != terms[a][1]
             and 25 < len(holding([a, t])) < 60)
    expected = holding([a, b])
    base = static_server(scale_site) if scheme == "http" else scale_site.as_uri() + "/"
    page.goto(base + "search.html")
    query = f"{a} {b} "
    page.fill("#q", query)
    page.wait_for_function(DONE, arg=query, timeout=20000)
    while page.is_visible(".search-more"):
        shown = page.locator("#search-results > li").count()
        page.click(".search-more")
        page.wait_for_function("n => document.querySelectorAll('#search-results > li').length > n", arg=shown)
        page.wait_for_function(DONE, arg=query, timeout=20000)
    found = page.eval_on_selector_all("#search-results > li", """els => els.map(li => [parseInt(li.dataset.ref, 36),
        li.querySelector('a').getAttribute('href')])""")
    assert dict(found) == expected and len(found) == len(expected) > 20
    assert page.text_content("#search-status").startswith(f"{len(expected)} results")
    assert page.console_errors == []
