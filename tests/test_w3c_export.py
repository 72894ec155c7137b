"""annotations.jsonld is a W3C Web Annotation collection: expanded with a JSON-LD processor
(pyld) against the vendored context (no network) and checked against the model's rules, on
the example corpus and on the hostile one."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from pyld import jsonld

from builder.export import w3c
from builder.run import pipeline
from tests.conftest import ROOT, copy_corpus
from tests.hostile.test_injection import hostile_corpus

VENDOR = Path(__file__).resolve().parent / "vendor" / "w3c-anno"
SHA256 = {
    "anno.jsonld": "48c6e5e80f86bb1bf812233d13e70fab8b19516ac4e57e1e4576473f0bbd062e",
    "LICENSE.md": "6bb0235e84e19f807f271b54459eb494742a421e1c5c36a1de702c151ecb15f3",
}
OA, AS, RDF = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/activitystreams#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TYPE, VALUE, ID, LIST = "@type", "@value", "@id", "@list"
MOTIVATIONS = {OA + m for m in ("bookmarking", "classifying", "commenting", "describing", "editing", "highlighting",
                                "identifying", "linking", "moderating", "questioning", "replying", "reviewing", "tagging")}
BASE = "https://example.org/corpus/"


def test_the_vendored_context_is_the_w3c_file_unmodified() -> None:
    for name, digest in SHA256.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    readme = (VENDOR / "README.md").read_text("utf-8")
    assert all(d in readme for d in SHA256.values()) and "46de385ecb84c831c2595f02c7326325254b583a" in readme


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") in (w3c.CONTEXT, w3c.CONTEXT.replace("http:", "https:")):
        return {"contextUrl": None, "documentUrl": url,
                "document": json.loads((VENDOR / "anno.jsonld").read_text("utf-8"))}
    raise AssertionError(f"the test asked the network for {url}")


def expand(data: bytes, base: str) -> list[dict[str, Any]]:
    return jsonld.expand(json.loads(data), {"documentLoader": offline_loader, "base": base + "annotations.jsonld"})


def one(node: dict[str, Any], key: str) -> Any:
    values = node[key]
    assert len(values) == 1, (key, values)
    return values[0]


def value(node: dict[str, Any], key: str) -> Any:
    return one(node, key)[VALUE]


def check_collection(data: bytes, site: dict[str, bytes], texts: dict[str, str], base: str) -> list[dict[str, Any]]:
    """The model's rules, on the expanded form; returns the annotations."""
    nodes = {node[ID]: node for node in expand(data, base)}
    collection = nodes.pop(base + "annotations.jsonld")
    assert collection[TYPE] == [AS + "OrderedCollection"]
    annotations: list[dict[str, Any]] = []
    page, index = nodes.pop(one(collection, AS + "first")[ID]), 0
    last = one(collection, AS + "last")[ID]
    while True:
        assert page[TYPE] == [AS + "OrderedCollectionPage"]
        assert one(page, AS + "partOf")[ID] == collection[ID]
        assert value(page, AS + "startIndex") == index
        items = one(page, AS + "items")[LIST]
        assert 0 < len(items) <= w3c.PAGE_SIZE
        annotations += items
        index += len(items)
        if AS + "next" not in page:
            assert page[ID] == last
            break
        after = nodes.pop(one(page, AS + "next")[ID])
        assert one(after, AS + "prev")[ID] == page[ID]
        page = after
    assert not nodes, "every page is reached from the first"
    assert value(collection, AS + "totalItems") == len(annotations)
    ids = [a[ID] for a in annotations]
    assert len(ids) == len(set(ids)), "annotation ids are unique"
    for a in annotations:
        assert a[TYPE] == [OA + "Annotation"]
        assert {m[ID] for m in a[OA + "motivatedBy"]} <= MOTIVATIONS
        for body in a.get(OA + "hasBody", []):
            check_body(body, base)
        for target in a[OA + "hasTarget"]:
            if OA + "hasSelector" in target:
                check_target(a, target, site, texts, base)
            else:   # a linking annotation: its targets are annotations of the collection
                assert target[ID] in ids, target
    return annotations


def check_body(body: dict[str, Any], base: str) -> None:
    if body[TYPE] == [OA + "Choice"]:
        for item in one(body, AS + "items")[LIST]:
            check_body(item, base)
        return
    assert {p[ID] for p in body[OA + "hasPurpose"]} <= MOTIVATIONS
    if body[TYPE] == [OA + "TextualBody"]:
        assert isinstance(value(body, RDF + "value"), str)
    else:
        assert body[TYPE] == [OA + "SpecificResource"]
        assert one(body, OA + "hasSource")[ID].startswith((base, "http://www.wikidata.org/entity/Q", "https://", "http://"))


def check_target(annotation: dict[str, Any], target: dict[str, Any], site: dict[str, bytes], texts: dict[str, str],
                 base: str) -> None:
    source = one(target, OA + "hasSource")[ID]
    assert source.startswith(base)
    page = source[len(base):]
    assert annotation[ID] == source + "#" + annotation[ID].split("#")[1], "the id is the passage's anchor on its page"
    fragment = annotation[ID].split("#")[1]
    html = site[page].decode("utf-8")
    assert f'id="{fragment}"' in html, f"{page} has no element #{fragment}"
    selectors = {s[TYPE][0]: s for s in target[OA + "hasSelector"]}
    quote, position = selectors[OA + "TextQuoteSelector"], selectors[OA + "TextPositionSelector"]
    text = texts[page]
    start, end = value(position, OA + "start"), value(position, OA + "end")
    exact = value(quote, OA + "exact")
    assert text[start:end] == exact, "the exact words occur in the reading text at start"
    assert text[:start].endswith(value(quote, OA + "prefix"))
    assert text[end:].startswith(value(quote, OA + "suffix"))


def reading_texts(corpus: Path) -> dict[str, str]:
    linked, found = pipeline.check(corpus)
    return {f"docs/{d.meta.id}.html": d.doc.text for d in linked.docs}


def test_the_example_corpus_exports_every_annotation(tmp_path: Path) -> None:
    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    result = pipeline.build(corpus, {"base_url": BASE})
    assert result.ok
    annotations = check_collection(result.site["annotations.jsonld"], dict(result.site), reading_texts(corpus), BASE)
    linked, _ = pipeline.check(corpus)
    spans = sum(len(d.spans) for d in linked.docs)
    statements = [st for st in linked.statements if len(st.passages) > 1]
    assert len(annotations) == spans + len(statements)
    by_id = {a[ID]: a for a in annotations}
    # a quote: its speaker's page and Wikidata URI, identifying
    putin = by_id[BASE + "docs/rt-2021-naeem.html#putin-reality"]
    assert {m[ID] for m in putin[OA + "motivatedBy"]} == {OA + "identifying"}
    assert {one(b, OA + "hasSource")[ID] for b in putin[OA + "hasBody"]} == {
        BASE + "entities/vladimir-putin.html", "http://www.wikidata.org/entity/Q7747"}
    # a date: its EDTF value, tagging
    [tuesday] = [a for a in annotations if a[ID].startswith(BASE + "docs/rt-2021-naeem.html#d-on-tuesday-")]
    tags = [b for b in tuesday[OA + "hasBody"] if {p[ID] for p in b.get(OA + "hasPurpose", [])} == {OA + "tagging"}]
    assert [value(b, RDF + "value") for b in tags] == ["2021-08-24~"]
    # a quote's note: Markdown and HTML
    zhirnov = by_id[BASE + "docs/rt-2021-naeem.html#zhirnov-guarded"]
    [choice] = [b for b in zhirnov[OA + "hasBody"] if b[TYPE] == [OA + "Choice"]]
    formats = {value(i, "http://purl.org/dc/elements/1.1/format"): value(i, RDF + "value")
               for i in one(choice, AS + "items")[LIST]}
    assert "[TASS's own report" in formats["text/markdown"]
    assert '<a href="https://tass.com/politics/1326341">' in formats["text/html"]
    # the conflicting attribution: a linking annotation on both reports, with a questioning body
    conflicts = [a for a in annotations if any(
        {p[ID] for p in b.get(OA + "hasPurpose", [])} == {OA + "questioning"} for b in a.get(OA + "hasBody", []))]
    assert conflicts and all({m[ID] for m in a[OA + "motivatedBy"]} == {OA + "linking"} for a in conflicts)
    pairs = [{t[ID] for t in a[OA + "hasTarget"]} for a in conflicts]
    assert {BASE + "docs/rt-2021-naeem.html#zhirnov-hair", BASE + "docs/cdmedia-2021-hair.html#kabulov-hair"} in pairs


def test_without_a_base_url_ids_are_relative_to_the_site_root(example_site: Path) -> None:
    data = json.loads((example_site / "annotations.jsonld").read_bytes())
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    collection, first_page = data["@graph"][:2]
    assert collection["id"] == "annotations.jsonld" and collection["first"] == first_page["id"]
    first = first_page["items"][0]
    assert re.fullmatch(r"docs/[a-z0-9-]+\.html#[a-z0-9-]+", first["id"])
    assert first["target"]["source"] == first["id"].split("#")[0]
    site = {p.relative_to(example_site).as_posix(): p.read_bytes() for p in example_site.rglob("*") if p.is_file()}
    check_collection((example_site / "annotations.jsonld").read_bytes(), site, reading_texts(ROOT), BASE)


def test_the_hostile_corpus_exports_valid_json_ld(tmp_path: Path) -> None:
    corpus = hostile_corpus().write(tmp_path / "corpus")
    result = pipeline.build(corpus, {"base_url": BASE})
    assert result.ok, [d.format() for d in result.diagnostics]
    annotations = check_collection(result.site["annotations.jsonld"], dict(result.site), reading_texts(corpus), BASE)
    notes = [value(i, RDF + "value") for a in annotations for b in a.get(OA + "hasBody", []) if b[TYPE] == [OA + "Choice"]
             for i in one(b, AS + "items")[LIST] if value(i, "http://purl.org/dc/elements/1.1/format") == "text/html"]
    assert notes
    for html in notes:   # the HTML of notes is the page's: author HTML escaped, unsafe links dropped
        soup = BeautifulSoup(html, "html.parser")
        assert not soup.find_all(["script", "iframe", "img", "svg", "style"])
        assert not [a for el in soup.find_all(True) for a in el.attrs if a.startswith("on")]
        assert not [a["href"] for a in soup.find_all("a") if not a["href"].startswith(("https:", "http:", "mailto:"))]


def pages(items: list[bytes]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The collection of `items` and its pages in order, followed from the first page by `next`."""
    text = w3c.collection("Test", items, w3c.Iris(""))
    [collection, *rest] = json.loads(text)["@graph"]
    by_id = {p["id"]: p for p in rest}
    order, at = [], collection.get("first")
    while at is not None:
        order.append(by_id[at])
        at = by_id[at].get("next")
    assert len(order) == len(rest) and (not order or order[-1]["id"] == collection["last"])
    return collection, order


@pytest.mark.parametrize("count", [0, 1, w3c.PAGE_SIZE, w3c.PAGE_SIZE + 1, 3 * w3c.PAGE_SIZE + 7])
def test_pages_hold_every_annotation_in_order(count: int) -> None:
    items = [json.dumps({"id": f"a{i}"}).encode() for i in range(count)]
    collection, order = pages(items)
    assert [json.dumps(a).encode() for p in order for a in p["items"]] == items and collection["total"] == count
    assert [p["startIndex"] for p in order] == list(range(0, count, w3c.PAGE_SIZE))
    assert ("last" in collection) == bool(count)


HUNDRED_THOUSAND_DOCUMENTS = 100_000 * 37   # annotations: the synthetic corpus has ~36.5 a document


def test_a_hundred_thousand_documents_parse_in_python() -> None:
    """12,334 pages: nested one in the next, Python's parser gave up at about 1,000."""
    collection, order = pages([b"0"] * HUNDRED_THOUSAND_DOCUMENTS)
    assert sum(len(p["items"]) for p in order) == collection["total"] == HUNDRED_THOUSAND_DOCUMENTS


def test_a_hundred_thousand_documents_parse_in_a_browser(page: Any) -> None:
    text = w3c.collection("Test", [b"0"] * HUNDRED_THOUSAND_DOCUMENTS, w3c.Iris("")).decode("utf-8")
    counted = page.evaluate("""text => {
        const [collection, ...rest] = JSON.parse(text)["@graph"];
        const byId = new Map(rest.map(p => [p.id, p]));
        let n = 0;
        for (let at = collection.first; at; at = byId.get(at).next) n += byId.get(at).items.length;
        return [n, collection.total];
    }""", text)
    assert counted == [HUNDRED_THOUSAND_DOCUMENTS, HUNDRED_THOUSAND_DOCUMENTS]


def test_the_export_is_written_a_page_at_a_time(tmp_path: Path) -> None:
    """A staged build writes annotations.jsonld as its pages are made: the file (199 MB at 10,000
    documents) is never held whole by the process that writes it, and its bytes are the same."""
    import pickle
    import sys
    import tracemalloc

    from builder.core.pieces import Pieces
    from builder.read.files import CorpusFiles
    from builder.run.executor import InProcess
    from builder.run.memo import Fresh
    from builder.site.staging import Staging

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=240)
    linked, _ = pipeline.link(pipeline.prepare(CorpusFiles(corpus), Fresh(), InProcess(), for_search=False), Fresh())
    whole = w3c.annotations(linked)
    export = Pieces(lambda: w3c.pieces(linked))
    assert pickle.loads(pickle.dumps(export)) == whole   # to another process (Dask) as its bytes
    with Staging(tmp_path / "site") as staging:
        tracemalloc.start()
        staging.write({w3c.PATH: export})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert (staging.where() / w3c.PATH).read_bytes() == whole
    # ~1.9 MB, however large the file: a chunk being made (CHUNK_DOCUMENTS documents, ~0.4 MB
    # here, as a list of lines and joined) beside the last one, and a page of the collection
    assert len(whole) > 4_000_000 and peak < 2_500_000, (len(whole), peak)
