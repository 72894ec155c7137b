"""Search in headless Chromium: lunr.js against our Python-built indexes, and the search page.

Cross-runtime checks (lunr.py builds, lunr.js queries, both must agree) follow
lunr.py's own acceptance tests; page checks run from http:// and file://.
"""

from __future__ import annotations

import bisect
import logging
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from builder.core.models import Linked
from builder.run.pipeline import build_and_write, check
from builder.search.lunr_index import monolithic
from builder.search.catalogue import BOOSTS
from builder.search.stores import Catalogue, catalogue
from builder.search.words import STOP_WORDS, Analyzer, lunr_py_pipeline, porter, words
from builder.search import files as search_stage
from builder.search.stores import SLOTS
from tests.test_search_index import decoded, read_index

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['"', ":", "*", "~~", "x" * 10_000, "((", "\\", "<script>", "a:b:c", "-", "+", "^", '"""',
           "speaker:", 'title:"', "*tali", "~1", "-\"good relations\"", "é" * 600, "\u2028\ufeff"]
DONE = """q => { const s = document.getElementById('search-status');
  return s && s.dataset.query === q && (s.dataset.state === 'done' || s.dataset.state === 'error'); }"""
RESULTS = """els => els.map(li => ({ref: li.dataset.ref, href: li.querySelector('a').getAttribute('href'),
  text: li.textContent, quote: !!li.querySelector('.search-kind')}))"""


@pytest.fixture(scope="module")
def corpus() -> tuple[Linked, Catalogue]:
    linked, _ = check(ROOT)
    return linked, catalogue(linked)


@pytest.fixture(scope="module")
def whole_index(corpus: tuple[Linked, Catalogue]) -> str:
    """The example corpus as one lunr index: what lunr.py would build."""
    return monolithic(corpus[1].items, BOOSTS)


@pytest.fixture(scope="module")
def lunr_py(whole_index: str) -> Any:
    from lunr.index import Index

    logging.disable(logging.WARNING)
    try:
        lunr_py_pipeline()            # our stemmer, registered as "stemmer"
        return Index.load(whole_index)
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture(params=["http", "file"])
def site(request: pytest.FixtureRequest, example_site: Path, static_server: Any) -> str:
    return static_server(example_site) if request.param == "http" else example_site.as_uri() + "/"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus whose titles, source and text look like markup."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "seeds").mkdir()
    (root / "annotations").mkdir()
    (root / "seeds" / "INDEX.md").write_text(
        "# Hostile corpus\n\nMarkup in every field.\n\n| id | file | title | source | published |\n| --- | --- | --- | --- | --- |\n"
        '| evil | evil.txt | Evil <img src=x onerror="window.pwned=1"> envoy | <b>Bold</b> Source | 2020-01-02 |\n', "utf-8")
    (root / "seeds" / "evil.txt").write_text(
        'The envoy wrote <script>window.pwned=2</script> and <img src=x onerror="window.pwned=3"> here.\n\n'
        "O'Brien's \\ backslash and a 'quote' for the envoy.\n", "utf-8")
    (root / "annotations" / "entities.yaml").write_text("people: {}\n", "utf-8")
    out = root / "site"
    assert build_and_write(root, out).ok
    return out


@pytest.fixture
def search_page(page: Any, site: str) -> Any:
    """search.html from http:// and from file://."""
    quiet(page)
    page.goto(site + "search.html")
    return page


@pytest.fixture
def file_page(page: Any, example_site: Path) -> Any:
    """search.html from file:// only, for checks where the scheme makes no difference."""
    page.goto(example_site.as_uri() + "/search.html")
    return page


def quiet(page: Any) -> None:
    """No favicon.ico request: base.html links none, so http servers answer 404 and Chromium logs it."""
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))


def search(page: Any, query: str, timeout: float = 5000) -> list[dict[str, Any]]:
    """Type a query, wait for its results, and return all of them (pressing "Show more")."""
    page.fill("#q", query)
    page.wait_for_function(DONE, arg=query, timeout=timeout)
    while page.is_visible(".search-more"):
        shown = page.locator("#search-results > li").count()
        page.click(".search-more")
        page.wait_for_function("n => document.querySelectorAll('#search-results > li').length > n", arg=shown)
        page.wait_for_function(DONE, arg=query, timeout=timeout)
    return page.eval_on_selector_all("#search-results > li", RESULTS)


def corpus_words(linked: Linked) -> list[str]:
    texts = [d.doc.text for d in linked.docs] + [d.meta.title for d in linked.docs] + [e.name for e in linked.entities]
    return sorted({w for t in texts for w in words(t)})


# --- lunr.js and lunr.py agree ------------------------------------------------------------


def reindex(site: Path, linked: Linked, **sizes: int) -> None:
    """Replace the site's search files with an index cut to `sizes` (files.IndexBuilder's)."""
    shutil.rmtree(site / "search")
    for path, data in search_stage.build_index(linked, **sizes).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)


@pytest.fixture(scope="module")
def small_shards_site(example_site: Path, corpus: tuple[Linked, Catalogue], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site with its index cut into many tiny postings files and vocabulary blocks,
    common terms in tiers. (Its items are numbered as in the example site: same text files.)"""
    site = tmp_path_factory.mktemp("small-shards") / "site"
    shutil.copytree(example_site, site)
    reindex(site, corpus[0], file_bytes=60, block_bytes=1_500, tier_entries=30, tier_items=3)
    assert len(list((site / "search" / "postings").glob("*.js"))) > 20
    assert len(list((site / "search" / "words").glob("*.js"))) > 2
    return site


@pytest.fixture(scope="module")
def lab(browser: Any, small_shards_site: Path, whole_index: str) -> Iterator[Any]:
    """One page for the cross-runtime checks: lunr.js, search.js over many small files, and the
    whole index in one piece (as window.whole)."""
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(small_shards_site.as_uri() + "/search.html")
    pg.evaluate("index => { window.whole = lunr.Index.load(JSON.parse(index)); }", whole_index)
    yield pg
    context.close()


def test_search_js_cuts_folds_and_stems_every_word_as_python_does(lab: Any, corpus: tuple[Linked, Catalogue]) -> None:
    linked = corpus[0]
    texts = [d.doc.text for d in linked.docs] + [d.meta.title for d in linked.docs] + [e.name for e in linked.entities]
    js = lab.evaluate("ts => ts.map(t => [GlossatorSearch.words(t), GlossatorSearch.terms(t)])", texts)
    analyzer = Analyzer()
    assert js == [[words(t), analyzer.terms(t)] for t in texts]
    vocabulary = corpus_words(linked)
    stems = lab.evaluate("ws => ws.map(w => lunr.stemmer(new lunr.Token(w)).toString())", vocabulary)
    assert stems == [porter(w) for w in vocabulary]


def test_every_word_finds_in_lunr_js_what_it_finds_in_lunr_py(lab: Any, corpus: tuple[Linked, Catalogue], lunr_py: Any) -> None:
    vocabulary = [w for w in corpus_words(corpus[0]) if w not in STOP_WORDS]
    assert {"envoy", "tuesday", "today"} <= set(vocabulary)
    js = lab.evaluate("ws => ws.map(w => whole.query(q => q.term(w, {usePipeline: true})).map(r => [r.ref, r.score]))",
                      vocabulary)
    for word, found in zip(vocabulary, js):
        q = lunr_py.create_query()
        q.term(word, use_pipeline=True)
        expected = {r["ref"]: r["score"] for r in lunr_py.query(q)}
        assert expected, f"{word!r} finds nothing in lunr.py"
        assert {ref: pytest.approx(s, rel=1e-9) for ref, s in found} == expected, word


QUERIES = ["kabulov", "taliban embassy", "envoy", "tuesday", "today", "good relations", "speakers:kabulov",
           "title:russia", "tali*", "talibn~1", "+russia +china", "russia -china", "source:rt", "moscow^5 kabul"]


def test_lunr_js_ranks_queries_as_lunr_py_does(lab: Any, lunr_py: Any) -> None:
    def tied(results: list[list[Any]]) -> list[str]:      # ties may come in either order
        return [ref for ref, score in sorted(results, key=lambda r: (-round(r[1], 9), r[0]))]

    js_all = lab.evaluate("qs => qs.map(q => whole.search(q).map(r => [r.ref, r.score]))", QUERIES)
    for query, js in zip(QUERIES, js_all):
        py = [[r["ref"], r["score"]] for r in lunr_py.search(query)]
        assert py, query
        assert tied(js) == tied(py), query
        assert [s for _, s in js] == pytest.approx([s for _, s in py], rel=1e-9), query


def test_sharded_index_scores_each_word_as_the_whole_index(lab: Any) -> None:
    for query in ["kabulov", "taliban", "russia", "embas", "tali*", "talibn", "speaker:kabulov", "source:rt", "relations",
                  "envoy today", "the taliban said"]:
        explained = lab.evaluate("q => GlossatorSearch.explain(q)", query)
        assert explained, query
        whole = lab.evaluate("""words => words.map(w => whole.query(q => Object.keys(w.expand).forEach(t =>
              q.term(t, {fields: w.fields, boost: w.expand[t], usePipeline: false}))).map(r => [parseInt(r.ref, 36), r.score]))""",
                             explained)
        for word, expected in zip(explained, whole):
            assert {n: pytest.approx(s, abs=0.005) for n, s in expected} == dict(word["scores"]), (query, word["word"])


def test_a_closed_phrase_looks_up_its_words_exactly(lab: Any) -> None:
    """No typo or prefix expansions for the words of a closed phrase: the phrase check would
    turn down what they find, and their shards cost downloads before the first result."""
    def expand(query: str) -> list[dict[str, int]]:
        return [w["expand"] for w in lab.evaluate("q => GlossatorSearch.explain(q)", query)]

    assert "taliban" in expand("talibn relations")[0]          # words: one typo allowed
    assert expand('"talibn relations"')[0] == {}               # a phrase: that word is not in the corpus
    assert [list(e.values()) for e in expand('"good relations"')] == [[10], [10]]
    assert len(expand('"good relat')[1]) > 1                   # still being typed: searched as words, completed


def fresh_search_page(page: Any, base: str) -> None:
    """search.html with its head loaded and its idle warm-up (one shard) done, nothing else."""
    page.goto(base + "search.html")
    page.wait_for_function("() => window.GlossatorSearch && GlossatorSearch.ready()")
    page.evaluate("() => GlossatorSearch.warmed()")


def shows_early_then_all(page: Any, base: str, query: str, route: Any, held: list[Any], complete: list[int]) -> None:
    """Type `query` on a fresh page while `route` holds some shard requests back (in `held`):
    some of the complete results must show, marked as still loading; once the held shards
    are let through, the results must be the complete ones, in order."""
    fresh_search_page(page, base)              # no shard loaded yet but the warm-up's
    page.route("**/search/postings/*", route)
    page.fill("#q", query)
    page.wait_for_function("q => document.getElementById('search-status').dataset.shown === q", arg=query,
                           timeout=10000)
    early = [int(ref, 36) for ref in page.eval_on_selector_all("#search-results > li", "els => els.map(li => li.dataset.ref)")]
    assert held, "its typo variants live in other shards: those requests are held back"
    assert early and page.get_attribute("#search-status", "data-state") == "loading"
    assert set(early) <= set(complete)
    for r in held:
        r.continue_()
    page.unroute("**/search/postings/*")
    page.wait_for_function(DONE, arg=query)
    final = [int(r["ref"], 36) for r in page.eval_on_selector_all("#search-results > li", RESULTS)]
    assert final == complete[:len(final)]



def test_a_word_found_as_written_shows_before_its_typo_variants_load(page: Any, small_shards_site: Path,
                                                                    static_server: Any) -> None:
    """Only the first index shard a query asks for is served at once; the rest are held back
    until the results of the word as written are on screen. They must be, and then the
    complete results must come, the same as with nothing held back."""
    base = static_server(small_shards_site)
    query = "relations"                        # five letters or more: one-typo variants are looked up too
    page.goto(base + "search.html")
    page.wait_for_function("() => window.GlossatorSearch && GlossatorSearch.ready()")
    complete = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", query)]

    held: list[Any] = []
    served: list[str] = []

    def route(r: Any) -> None:
        if served:
            held.append(r)
        else:
            served.append(r.request.url)
            r.continue_()

    shows_early_then_all(page, base, query, route, held, complete)


def phrase_corpus_site(root: Path, docs: int) -> Path:
    """`docs` documents that all hold the words of one phrase, two thirds the phrase itself,
    built, each text in a file of its own."""
    (root / "seeds").mkdir()
    (root / "annotations").mkdir()
    rows = []
    for k in range(docs):
        order = "good relations" if k % 3 else "relations were not good"   # a third: the words, not the phrase
        (root / "seeds" / f"d{k}.txt").write_text(f"Report {k}. " + "The envoy spoke. " * (k % 12) +
                                                 f"He spoke of {order} with Kabul.\n", "utf-8")
        rows.append(f"| d{k} | d{k}.txt | Report {k} | Wire | 2020-01-{k % 28 + 1:02d} |")
    (root / "seeds" / "INDEX.md").write_text("# Phrases\n\nOne phrase, many documents.\n\n"
                                             "| id | file | title | source | published |\n| --- | --- | --- | --- | --- |\n"
                                             + "\n".join(rows) + "\n", "utf-8")
    (root / "annotations" / "entities.yaml").write_text("people: {}\n", "utf-8")
    out = root / "site"
    assert build_and_write(root, out).ok
    reindex(out, check(root)[0], store_bytes=1)
    assert len(list((out / "search" / "texts").glob("*.js"))) == docs
    return out


@pytest.fixture(scope="module")
def phrase_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return phrase_corpus_site(tmp_path_factory.mktemp("phrase"), 12)


def test_a_phrase_asks_for_a_few_texts_at_a_time(page: Any, phrase_site: Path, static_server: Any) -> None:
    """A phrase is checked against the texts of its candidates, best first. Asked for all at
    once, forty files made the first of them arrive late; a few at a time, the best
    candidates' texts come first, and each arrival asks for the next ones."""
    base = static_server(phrase_site)
    query = '"good relations"'
    page.goto(base + "search.html")
    page.wait_for_function("() => window.GlossatorSearch && GlossatorSearch.ready()")
    ranked = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", query)]   # candidates: both words
    assert len(ranked) == 12
    phrase = [n for n in ranked if n // SLOTS % 3]      # one document a text file, in INDEX order: d0 is item 0

    held: list[Any] = []
    fresh_search_page(page, base)              # no text loaded yet
    page.route("**/search/texts/*", lambda r: held.append(r))
    page.fill("#q", query)
    page.wait_for_function("() => document.getElementById('search-status').textContent.includes('checking')",
                           timeout=10000)
    page.wait_for_timeout(300)                 # time enough for any further request to be made
    assert 1 <= len(held) <= 4, f"{len(held)} text files asked for at once"
    for r in held:
        r.continue_()
    page.unroute("**/search/texts/*")
    page.wait_for_function(DONE, arg=query, timeout=10000)
    final = [int(r["ref"], 36) for r in page.eval_on_selector_all("#search-results > li", RESULTS)]
    assert final == phrase


@pytest.fixture(scope="module")
def many_phrases_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return phrase_corpus_site(tmp_path_factory.mktemp("many-phrases"), 50)


def test_a_phrase_is_checked_a_page_at_a_time(page: Any, many_phrases_site: Path, static_server: Any) -> None:
    """A phrase's candidates are checked down the ranking until a page of results (and one
    more) is known, not to its end: "the president" at 100,000 documents would fetch the
    text of every item holding "president". The next page is checked when asked for."""
    base = static_server(many_phrases_site)
    query = '"good relations"'
    fresh_search_page(page, base)
    asked: set[str] = set()
    page.on("request", lambda r: asked.add(r.url.split("?")[0]) if "/search/texts/" in r.url else None)
    page.fill("#q", query)
    page.wait_for_function(DONE, arg=query, timeout=10000)
    first = page.eval_on_selector_all("#search-results > li", RESULTS)
    assert len(first) == 20 and page.text_content("#search-status").startswith("More than 20 results")
    assert page.is_visible(".search-more")
    assert 21 <= len(asked) < 40, f"{len(asked)} of 50 texts fetched for the first page"
    page.click(".search-more")
    page.wait_for_function("() => document.getElementById('search-status').textContent.startsWith('33 results')",
                           timeout=10000)
    found = page.eval_on_selector_all("#search-results > li", RESULTS)
    assert [r["href"] for r in found[:20]] == [r["href"] for r in first], "the first page stays as it was"
    assert sorted(int(r["href"].split("/d")[1].split(".")[0]) for r in found) == [k for k in range(50) if k % 3]
    assert len(asked) == 50 and not page.is_visible(".search-more")


def test_a_slow_text_does_not_send_the_phrase_check_down_the_ranking(page: Any, many_phrases_site: Path,
                                                                     static_server: Any) -> None:
    """The best candidate's text held back while the others arrive: the check stops asking once
    a page of matches (and one more) is known behind it, instead of going on to the end of the
    ranking until the slow file comes (CI once saw 40 of 50 texts asked for a page of 20)."""
    base = static_server(many_phrases_site)
    query = '"good relations"'
    page.goto(base + "search.html")
    page.wait_for_function("() => window.GlossatorSearch && GlossatorSearch.ready()")
    ranked = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", query)]
    assert len(ranked) == 50
    hits = [k for k, n in enumerate(ranked) if n // SLOTS % 3]
    enough = hits[20] + 1                      # the candidates down to the 21st match
    fresh_search_page(page, base)
    asked: list[str] = []
    held: list[Any] = []

    def route(r: Any) -> None:
        asked.append(r.request.url)
        if len(asked) == 1:
            held.append(r)                     # the best candidate's text: slow
        else:
            r.continue_()

    page.route("**/search/texts/*", route)
    page.fill("#q", query)
    page.wait_for_function("() => document.getElementById('search-status').textContent.includes('checking')",
                           timeout=10000)
    settled = -1
    while settled != len(asked):               # until no text is asked for in half a second
        settled = len(asked)
        page.wait_for_timeout(500)
    # Three other texts may be on their way (four at a time) when the 21st match is known: each may
    # be a match that moves the end of the walk one match further down.
    assert len(held) == 1 and enough <= len(asked) <= hits[23] + 1, f"{len(asked)} of 50 texts asked for"
    held[0].continue_()
    page.wait_for_function(DONE, arg=query, timeout=10000)
    assert len(page.eval_on_selector_all("#search-results > li", RESULTS)) == 20
    assert page.text_content("#search-status").startswith("More than 20 results")
    assert len(set(asked)) == len(asked) <= hits[23] + 1


@pytest.fixture(scope="module")
def apart_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Linked]:
    """Quotes by Hashato Vika that name Rodor (both words of "vika rodor", in two fields), a
    quote by Vika Rodor, and a document that names her; each text in a file of its own."""
    root = tmp_path_factory.mktemp("apart")
    (root / "seeds").mkdir()
    (root / "annotations").mkdir()
    rows, texts = [], {
        "a": "Hashato Vika spoke twice. Rodor is far away. The harbour of Rodor was closed.",
        "b": "Hashato Vika again. We never went to Rodor, she said.",
        "c": "Vika Rodor answered. The harbour stays open.",
        "d": "A profile of Vika Rodor, the harbour master.",
    }
    quotes = {"a": [("Rodor is far away", "hashato-vika"), ("The harbour of Rodor was closed", "hashato-vika")],
              "b": [("We never went to Rodor", "hashato-vika")], "c": [("The harbour stays open", "vika-rodor")]}
    for k, (doc, text) in enumerate(texts.items()):
        (root / "seeds" / f"{doc}.txt").write_text(text + "\n", "utf-8")
        rows.append(f"| {doc} | {doc}.txt | Report {doc} | Wire | 2020-01-{k + 1:02d} |")
        if doc in quotes:
            (root / "annotations" / f"{doc}.yaml").write_text("quotes:\n" + "".join(
                f"  - {{text: {q}, speaker: {who}}}\n" for q, who in quotes[doc]), "utf-8")
    (root / "seeds" / "INDEX.md").write_text("# Apart\n\nTwo people.\n\n"
                                             "| id | file | title | source | published |\n| --- | --- | --- | --- | --- |\n"
                                             + "\n".join(rows) + "\n", "utf-8")
    (root / "annotations" / "entities.yaml").write_text(
        "people:\n  hashato-vika: {name: Hashato Vika}\n  vika-rodor: {name: Vika Rodor}\n", "utf-8")
    out = root / "site"
    assert build_and_write(root, out).ok
    linked = check(root)[0]
    reindex(out, linked, store_bytes=1)
    return out, linked


def test_a_phrase_wants_its_words_in_one_field(page: Any, apart_site: tuple[Path, Linked], static_server: Any) -> None:
    """An item that holds a phrase's words in two fields (a quote by Hashato Vika that says
    "Rodor") is turned down from the postings, before any text is loaded to check it; a quote
    by Vika Rodor holds the phrase in what its result shows (its speaker), and is found."""
    site, linked = apart_site
    base = static_server(site)
    query = '"vika rodor"'
    fresh_search_page(page, base)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.split("?")[0]) if "/search/texts/" in r.url else None)
    ranked = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", query)]
    assert not asked, "ranking a phrase loads no text"
    both = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", "vika rodor")]
    docs = [d.meta.id for d in linked.docs]
    by_item = {n: docs[n // SLOTS] for n in both}     # one document a text file, in INDEX order
    assert {by_item[n] for n in both if n % SLOTS} == {"a", "b", "c"}, "as words, every quote matches"
    kept = {(by_item[n], "quote" if n % SLOTS else "document") for n in ranked}
    # Documents a and b hold both words in their text: candidates, for their texts to turn down.
    assert kept == {("a", "document"), ("b", "document"), ("c", "document"), ("c", "quote"), ("d", "document")}, \
        "as a phrase, only where its words are in one field: no quote of Hashato Vika's"

    page.fill("#q", query)
    page.wait_for_function(DONE, arg=query, timeout=10000)
    found = page.eval_on_selector_all("#search-results > li", RESULTS)
    hrefs = {r["href"] for r in found}
    quote_c = next(f"docs/c.html#{s.id}" for s in linked.docs[2].spans if s.kind == "quote")
    assert hrefs == {"docs/d.html", "docs/c.html", quote_c}, hrefs


def test_results_are_on_screen_before_their_texts_are_asked_for(file_page: Any) -> None:
    """Adding a script costs the main thread a few ms from file://: a run puts its results on
    screen first (placeholders until their text files are in), and the scripts for those
    files are added in a later task."""
    file_page.evaluate("""() => { window.order = []; let task = 0;
      new MutationObserver(ms => { task++; ms.forEach(m => m.addedNodes.forEach(n => {
        if (n.tagName === 'LI') order.push([task, 'result']);
        if (n.src && n.src.includes('/search/texts/')) order.push([task, 'text']);
      })); }).observe(document, {childList: true, subtree: true}); }""")
    assert search(file_page, "kabulov")
    order = file_page.evaluate("window.order")
    first = {kind: next(task for task, k in order if k == kind) for kind in ("result", "text")}
    assert first["result"] < first["text"], order


def test_the_address_follows_the_query_once_typing_pauses(file_page: Any) -> None:
    file_page.click("#q")
    file_page.keyboard.type("kabulov taliban", delay=20)
    assert "q=" not in file_page.evaluate("location.search")      # not on every keystroke
    file_page.wait_for_function("() => location.search === '?q=kabulov%20taliban'")


def shard_terms(site: Path) -> dict[str, set[str]]:
    """Index term → the names of the postings files (search/postings/<n>.js) that hold it."""
    files = {f"search/{f.parent.name}/{f.name}": f.read_bytes() for f in (site / "search").glob("*/*.js")}
    files["search/index.js"] = (site / "search" / "index.js").read_bytes()
    head, blocks, _ = read_index(files)
    where: dict[str, set[str]] = {}
    for block in blocks:
        starts = [r[0] for r in block["p"]]
        for i, (term, _, _) in enumerate(decoded(block)):
            _, file, tiers = block["p"][bisect.bisect_right(starts, block["f"] + i) - 1]
            where[term] = {f"{file + k}.js" for k in range(tiers)}
    return where


def file_name(url: str) -> str:
    """A postings file's name in a request's address ("…/search/postings/12.js?v=…" → "12.js")."""
    return url.split("?")[0].rsplit("/", 1)[-1]


def test_a_word_being_typed_shows_its_completions_before_its_typo_variants_load(
        page: Any, small_shards_site: Path, static_server: Any, corpus: tuple[Linked, Catalogue]) -> None:
    """A word being typed that is not a word of the corpus yet is completed; its one-typo
    variants live elsewhere in the vocabulary. Results from the completions show while the
    variants' shards load, then the complete results come, as with nothing held back."""
    base = static_server(small_shards_site)
    where = shard_terms(small_shards_site)
    page.goto(base + "search.html")
    page.wait_for_function("() => window.GlossatorSearch && GlossatorSearch.ready()")
    query, completions = None, set()
    for word in [w for w in corpus_words(corpus[0]) if len(w) >= 8 and w.isascii() and w.isalpha()]:
        expand = page.evaluate("q => GlossatorSearch.explain(q)", word[:6])[0]["expand"]
        prefix = {t for t, b in expand.items() if b == 2}
        typos = {t for t, b in expand.items() if b == 1}
        if 10 not in expand.values() and prefix and typos:
            completions = set().union(*(where[t] for t in prefix))
            if set().union(*(where[t] for t in typos)) - completions:
                query = word[:6]
                break
    assert query, "the example corpus has such a word"
    complete = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", query)]

    held: list[Any] = []

    def route(r: Any) -> None:
        if file_name(r.request.url) in completions:
            r.continue_()
        else:
            held.append(r)

    shows_early_then_all(page, base, query, route, held, complete)


def field_terms(cat: Catalogue, field: str) -> set[str]:
    analyzer = Analyzer()
    return {t for item in cat.items for t in analyzer.terms(item.fields.get(field) or "")}


def test_a_fielded_word_completes_and_corrects_to_terms_of_that_field(lab: Any, corpus: tuple[Linked, Catalogue]) -> None:
    """`speaker:sel` wants speakers whose names start "sel": completions and one-typo
    variants from the whole vocabulary would load shards of words no speaker has."""
    speakers = field_terms(corpus[1], "speakers")

    def expand(query: str) -> dict[str, int]:
        explained = lab.evaluate("q => GlossatorSearch.explain(q)", query)
        return explained[0]["expand"] if explained else {}      # a stop word: nothing to look up

    checked = 0
    for term in sorted(speakers):
        prefix = term[:3]
        if prefix in STOP_WORDS or set(expand(prefix)) <= speakers:
            continue                            # every completion names a speaker anyway
        fielded = expand("speaker:" + prefix)
        assert term in fielded and set(fielded) <= speakers, prefix
        checked += 1
    assert checked >= 3
    assert expand("speaker:kabulv") == {"kabulov": 1}            # a typo, corrected within the field
    assert expand("speaker:embassy") == {}                        # a word no speaker's name has
    assert "embassi" in expand("text:embassy")                    # the text: every term


def test_a_word_being_typed_shows_results_once_one_of_its_completions_is_in(
        page: Any, small_shards_site: Path, static_server: Any, corpus: tuple[Linked, Catalogue]) -> None:
    """Completions of a short prefix are the most frequent words starting so, each with
    many postings: they fill several shards. Results show as soon as one completion's
    shards are in (the most frequent completion's are asked for first), then the
    complete results, as with nothing held back."""
    base = static_server(small_shards_site)
    where = shard_terms(small_shards_site)
    fresh_search_page(page, base)
    warm = loaded_shards(page)
    query, first = None, set()
    for word in [w for w in corpus_words(corpus[0]) if len(w) >= 6 and w.isascii() and w.isalpha()]:
        expand = page.evaluate("q => GlossatorSearch.explain(q)", word[:4])[0]["expand"]
        needed = set().union(*(where[t] for t in expand)) - warm
        smallest = min((where[t] for t in expand), key=len, default=set())
        if 10 not in expand.values() and len(needed - smallest) >= 2 and not smallest & warm:
            query, first = word[:4], smallest    # four letters: completed, no typo variants
            break
    assert query, "the example corpus has such a prefix"
    complete = [n for n, _ in page.evaluate("q => GlossatorSearch.search(q)", query)]

    held: list[Any] = []

    def route(r: Any) -> None:                   # one completion's shards only
        if file_name(r.request.url) in first:
            r.continue_()
        else:
            held.append(r)

    shows_early_then_all(page, base, query, route, held, complete)


def loaded_shards(page: Any) -> set[str]:
    return {file_name(url) for url in page.evaluate("""() => performance.getEntriesByType('resource').map(e => e.name)
        .filter(n => n.includes('/search/postings/'))""")}


def test_an_idle_search_page_loads_one_shard_and_a_page_with_a_query_only_its_own(
        page: Any, small_shards_site: Path, static_server: Any) -> None:
    """Before the first query, while the page is idle, the shard of the most frequent word
    comes in (the code that reads shards runs once before a keystroke waits for it); a
    page opened with a query asks for that query's shards only."""
    base = static_server(small_shards_site)
    where = shard_terms(small_shards_site)
    fresh_search_page(page, base)
    assert len(loaded_shards(page)) == 1
    page.goto(base + "search.html?q=kabulov")
    page.wait_for_function(DONE, arg="kabulov")
    page.evaluate("() => GlossatorSearch.warmed()")
    page.wait_for_timeout(300)
    expand = page.evaluate("q => GlossatorSearch.explain(q)", "kabulov")[0]["expand"]
    assert loaded_shards(page) == set().union(*(where[t] for t in expand))


def test_two_letters_being_typed_fetch_the_shards_of_their_likeliest_completions(
        page: Any, small_shards_site: Path, static_server: Any) -> None:
    """Completion starts at three letters; at two, the shards of the most frequent words
    starting so are fetched, so that the third letter usually finds them in."""
    base = static_server(small_shards_site)
    where = shard_terms(small_shards_site)
    fresh_search_page(page, base)
    before = loaded_shards(page)
    page.click("#q")
    page.keyboard.type("ka")
    page.wait_for_function("n => performance.getEntriesByType('resource').filter(e => e.name.includes('/postings/')).length > n",
                           arg=len(before))
    page.wait_for_timeout(200)
    fetched = loaded_shards(page) - before
    assert fetched and fetched <= set().union(*(f for t, f in where.items() if t.startswith("ka")))


def test_running_a_query_again_leaves_results_on_screen_alone(file_page: Any) -> None:
    """A query runs again as each index file arrives: results already shown for the same
    words are not rebuilt (their nodes stay), so those runs cost next to nothing."""
    assert search(file_page, "taliban ")
    file_page.evaluate("() => { document.querySelector('#search-results > li a').glossatorProbe = 1; }")
    file_page.evaluate("() => document.getElementById('q').form.requestSubmit()")   # runs the same query again
    file_page.wait_for_function(DONE, arg="taliban ")
    assert file_page.evaluate("() => document.querySelector('#search-results > li a').glossatorProbe") == 1
    assert search(file_page, "taliban kabul ")
    assert file_page.evaluate("() => document.querySelector('#search-results > li a').glossatorProbe") is None


def test_many_small_shards_give_the_same_results_as_one(lab: Any, file_page: Any) -> None:
    for query in ["taliban", "russia embassy", '"good relations"', "speaker:kabulov", "tali*"]:
        assert lab.evaluate("q => GlossatorSearch.search(q)", query) == file_page.evaluate("q => GlossatorSearch.search(q)", query)


# --- the search page ------------------------------------------------------------------------


def test_typed_queries_give_expected_results_in_order(search_page: Any, corpus: tuple[Linked, Catalogue]) -> None:
    linked = corpus[0]
    quotes = {f"docs/{d.meta.id}.html#{s.id}" for d in linked.docs for s in d.spans
              if s.kind == "quote" and s.annotation.speaker == "zamir-kabulov"}
    docs = {q.split("#")[0] for q in quotes}
    found = search(search_page, "speaker:kabulov")
    assert {r["href"] for r in found} == quotes | docs
    # Each of his quotes is about him alone; a document has other speakers too.
    assert all(r["quote"] for r in found[:len(quotes)])
    # A title word outranks the body: the one document with "Envoy" in its title comes first.
    found = search(search_page, "envoy")
    assert found[0]["href"] == "docs/unnamed-2017-mantytskiy.html"
    # Quotes of the phrase lead, then the document holding them.
    found = search(search_page, '"good relations"')
    assert [r["href"] for r in found][-1] == "docs/rt-2021-naeem.html"
    assert all(r["href"].startswith("docs/rt-2021-naeem.html#") for r in found[:-1]) and len(found) >= 2
    status = search_page.text_content("#search-status")
    assert status.startswith(f"{len(found)} results")


def test_results_appear_as_you_type(file_page: Any) -> None:
    file_page.click("#q")
    file_page.keyboard.type("kabu")           # the last word is completed: Kabul, Kabulov
    file_page.wait_for_function(DONE, arg="kabu")
    found = file_page.eval_on_selector_all("#search-results > li", RESULTS)
    assert any("Kabulov" in r["text"] for r in found)
    assert file_page.locator("#search-results mark").count() > 0


def test_following_a_result_lands_on_the_passage(search_page: Any) -> None:
    first = search(search_page, "speaker:kabulov")[0]
    search_page.click("#search-results > li:first-child a")
    search_page.wait_for_load_state()
    fragment = first["href"].split("#")[1]
    assert search_page.url.endswith(first["href"])
    assert search_page.evaluate("location.hash.slice(1)") == fragment
    passage = search_page.locator(f"[id='{fragment}']")
    assert passage.count() == 1 and "quote" in passage.get_attribute("class")


def test_fielded_prefix_typo_and_phrase_queries(file_page: Any, corpus: tuple[Linked, Catalogue]) -> None:
    linked = corpus[0]
    rt = search(file_page, "source:rt ")
    assert rt and all(r["href"].startswith("docs/rt-2021-naeem.html") for r in rt)
    with_taliban = {f"docs/{d.meta.id}.html" for d in linked.docs if "taliban" in d.doc.text.lower()}
    prefix = search(file_page, "tali* ")
    assert with_taliban <= {r["href"] for r in prefix}
    assert [r["ref"] for r in search(file_page, "talibn ")] == [r["ref"] for r in search(file_page, "taliban ")]
    assert search(file_page, "kabulv ")                      # one typo, six letters: found
    assert search(file_page, "kabl ") == []                  # four letters: no typo allowed
    assert search(file_page, '"relations good"') == []      # both words are there, not in this order
    for r in search(file_page, '"political spokesman"'):
        assert "political spokesman" in " ".join(r["text"].lower().split())
    assert search(file_page, "taliban -russia ") != search(file_page, "taliban ")


def test_hostile_queries_neither_error_nor_freeze(file_page: Any) -> None:
    for query in HOSTILE:
        file_page.fill("#q", query)
        file_page.wait_for_function(DONE, arg=query, timeout=3000)
        assert file_page.evaluate("document.getElementById('search-status').dataset.state") == "done", query
        assert file_page.evaluate("1 + 1") == 2
    assert search(file_page, "envoy")                         # still searching
    assert file_page.console_errors == []


def test_markup_in_the_corpus_is_shown_as_text(page: Any, hostile_site: Path) -> None:
    quiet(page)
    page.on("dialog", lambda d: d.dismiss())
    page.goto(hostile_site.as_uri() + "/search.html")
    found = search(page, "envoy")
    assert len(found) == 1
    assert "<img src=x onerror=" in found[0]["text"] and "<script>window.pwned=2</script>" in found[0]["text"]
    assert "<b>Bold</b> Source" in found[0]["text"]
    assert page.locator("#search-results img, #search-results script, #search-results b").count() == 0
    assert page.evaluate("window.pwned") is None
    assert search(page, "o'brien")                              # apostrophes and backslashes survive the wrapping
    assert page.console_errors == []


def test_search_page_is_accessible(file_page: Any) -> None:
    assert file_page.locator("label[for='q']").count() == 1
    status = file_page.locator("#search-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    search(file_page, "kabulov")
    assert file_page.locator("ol#search-results > li a").count() > 0
    assert "results" in status.text_content()


def test_slash_focuses_search_and_the_header_box_searches(page: Any, site: str) -> None:
    quiet(page)
    page.goto(site + "docs/rt-2021-naeem.html")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("kabulov")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search.html?q=kabulov")
    page.wait_for_function(DONE, arg="kabulov")
    assert page.locator("#search-results > li").count() > 0
    assert page.evaluate("document.getElementById('q').value") == "kabulov"
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_works_under_a_sub_path(page: Any, example_site: Path, static_server: Any, tmp_path: Path) -> None:
    shutil.copytree(example_site, tmp_path / "org" / "project")
    base = static_server(tmp_path) + "org/project/"
    quiet(page)
    page.goto(base + "search.html?q=kabulov")
    page.wait_for_function(DONE, arg="kabulov")
    page.click("#search-results > li:first-child a")
    page.wait_for_load_state()
    assert page.url.startswith(base + "docs/")
    assert page.console_errors == []


def test_typing_never_blocks_the_page(file_page: Any) -> None:
    file_page.evaluate("""() => { window.longTasks = [];
        new PerformanceObserver(l => l.getEntries().forEach(e => window.longTasks.push(e.duration)))
          .observe({type: 'longtask', buffered: false}); }""")
    file_page.click("#q")
    file_page.keyboard.type('speaker:kabulov "good rel" tali* envoy', delay=5)
    file_page.wait_for_function(DONE, arg=file_page.input_value("#q"))
    assert max(file_page.evaluate("window.longTasks"), default=0) < 300
