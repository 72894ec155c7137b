"""`glossator serve`'s authoring API, over real HTTP against a running server on a copy of the
example corpus: each write is exactly the change asked for (the author's comments, quoting and
blank lines kept, `glossator check` clean), refused with reasons when it cannot be made, never
made without the run's token from the server's own pages, and undone byte for byte.

One server for the module; every test leaves the sidecars as it found them.
"""

from __future__ import annotations

import difflib
import hashlib
import http.client
import json
import re
import socket
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from builder.core import diagnostics
from builder.run import pipeline
from tests.conftest import ROOT, copy_corpus
from tests.test_serve import Served, read_until, save, serving

DOC = "rt-2021-naeem"
SIDECAR = f"annotations/{DOC}.yaml"
API = "/__glossator/api/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(copy_corpus(ROOT, tmp_path_factory.mktemp("authoring") / "corpus")) as served:
        yield served


@pytest.fixture
def api(server: Served) -> Iterator["Client"]:
    """The server, and a client with its token; the sidecars are put back after each test."""
    with annotations_kept(server):
        yield Client(server)


@contextmanager
def annotations_kept(server: Served) -> Iterator[None]:
    """The annotations folder put back as it was (saved as an editor saves), and rebuilt."""
    folder = server.corpus / "annotations"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    yield
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    if after != before:
        for name in after.keys() - before.keys():
            (folder / name).unlink()
        for name, data in before.items():
            if after.get(name) != data:
                save(folder / name, data.decode("utf-8"))
        # Every rebuild these writes start, done: waiting for one more build than before them
        # could end on a build already under way, which read a sidecar as it was being removed.
        server.settle()
    assert server.status()["ok"], server.output


class Client:
    def __init__(self, server: Served) -> None:
        self.server = server
        page = self.raw("GET", "/docs/" + DOC + ".html", token=None)[2].decode("utf-8")
        found = re.findall(r'<meta name="glossator-token" content="([A-Za-z0-9_-]{32,})">', page)
        assert len(found) == 1, "a served page carries the token once"
        self.token = found[0]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def raw(self, method: str, path: str, body: object = None, token: str | None = "", host: str = "",
            origin: str | None = None, content_type: str = "application/json") -> tuple[int, dict, bytes]:
        headers = {"Host": host or self.host}
        if token is not None:
            headers["X-Glossator-Token"] = token or self.token
        if origin is not None:
            headers["Origin"] = origin
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def call(self, method: str, path: str, body: object = None, **kw: Any) -> tuple[int, dict]:
        status, _, data = self.raw(method, API + path, body, **kw)
        return status, json.loads(data) if data.strip().startswith(b"{") else {}

    def base(self, rel: str = SIDECAR) -> str:
        path = self.server.corpus / rel
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""

    def add(self, kind: str, text: str, fields: dict, **selection: object) -> tuple[int, dict]:
        return self.call("POST", "annotations", {"document": DOC, "kind": kind, "text": text, **selection,
                                                 "fields": fields, "base": self.base()})


def sidecar(server: Served) -> str:
    return (server.corpus / SIDECAR).read_text("utf-8")


def checked_clean(corpus: Path) -> None:
    _, found = pipeline.check(corpus)
    assert not diagnostics.has_errors(found), diagnostics.report(found)


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def one_block_added(old: str, new: str) -> list[str]:
    """The lines `new` adds to `old`, asserting that it only adds one run of lines."""
    ops = [op for op in difflib.SequenceMatcher(None, old.splitlines(True), new.splitlines(True), autojunk=False)
           .get_opcodes() if op[0] != "equal"]
    assert len(ops) == 1 and ops[0][0] == "insert", ops
    return new.splitlines()[ops[0][3]:ops[0][4]]


def wait_reload(server: Served, page: str, since: int) -> None:
    """Until the open page `page` is told to reload (its event stream, as livereload.js reads it)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(f"GET /__glossator/events?page=/{page}&since={since} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        read_until(s, b"event: reload")


ADDITIONS = [
    ("quote", "has approached the situation differently than most Western countries", {"speaker": "kremlin"}, {},
     "quotes"),
    ("date", "declared victory", {"date": "2021-08-15"}, {}, "dates"),
    ("note", "regional powers", {"note": "Which ones: *Pakistan, Iran, Uzbekistan*\nand China."}, {}, "notes"),
    ("mention", "the group", {"entity": "taliban"}, {"prefix": "political spokesman for "}, "mentions"),
    ("link", "Western nations", {"to": "https://en.wikipedia.org/wiki/Western_world"}, {}, "links"),
]


@pytest.mark.parametrize("kind, text, fields, selection, section", ADDITIONS, ids=[a[0] for a in ADDITIONS])
def test_add_writes_exactly_one_entry(api: Client, kind: str, text: str, fields: dict, selection: dict,
                                      section: str) -> None:
    old = sidecar(api.server)
    version = api.server.status()["version"]
    status, answer = api.add(kind, text, fields, **selection)
    assert status == 201, answer
    new = sidecar(api.server)
    added = one_block_added(old, new)
    assert added[0].lstrip().startswith("- "), added
    assert comments(old) == comments(new)
    before, after = yaml.safe_load(old), yaml.safe_load(new)
    assert after[section][:-1] == (before.get(section) or [])
    entry = after[section][-1]
    assert entry["text"] == text and {k: entry[k] for k in fields} == {
        k: v.strip() + "\n" if "\n" in v else v for k, v in fields.items()}
    assert set(entry) <= {"id", "text", "prefix", "suffix", "occurrence", *fields}
    if kind == "mention":
        assert entry["prefix"].endswith("for ") and len(entry["prefix"]) < len(selection["prefix"])
    assert answer["path"] == SIDECAR and answer["sha256"] == api.base()
    assert new.splitlines()[answer["line"] - 1].lstrip().startswith("- ")
    checked_clean(api.server.corpus)
    wait_reload(api.server, f"docs/{DOC}.html", version)
    page = api.raw("GET", f"/docs/{DOC}.html", token=None)[2].decode()
    assert f'id="{answer["id"]}"' in page, "the page shows the new annotation after the reload"


def test_edit_and_delete_keep_the_rest_and_undo_restores_bytes(api: Client) -> None:
    original = (api.server.corpus / SIDECAR).read_bytes()
    status, answer = api.call("PATCH", f"annotations/{DOC}/naeem-china-neighbor",
                              {"fields": {"speaker": "taliban", "note": "Said twice."}, "base": api.base()})
    assert status == 200, answer
    edited = sidecar(api.server)
    ops = [op for op in difflib.SequenceMatcher(None, original.decode().splitlines(True), edited.splitlines(True))
           .get_opcodes() if op[0] != "equal"]
    assert [op[0] for op in ops] == ["replace", "insert"] or [op[0] for op in ops] == ["replace"], ops
    entry = next(e for e in yaml.safe_load(edited)["quotes"] if e.get("id") == "naeem-china-neighbor")
    assert entry["speaker"] == "taliban" and entry["note"] == "Said twice." and entry["via"] == "al-mayadeen"
    assert comments(edited) == comments(original.decode())
    checked_clean(api.server.corpus)

    status, answer = api.call("DELETE", f"annotations/{DOC}/putin-reality", {"base": api.base()})
    assert status == 200, answer
    deleted = sidecar(api.server)
    gone = [line for line in difflib.ndiff(edited.splitlines(), deleted.splitlines()) if line[:1] in "+-"]
    assert all(g.startswith("- ") for g in gone) and len(gone) == 3, gone
    assert not any(e.get("id") == "putin-reality" for e in yaml.safe_load(deleted)["quotes"])
    checked_clean(api.server.corpus)

    status, answer = api.call("DELETE", f"annotations/{DOC}/putin-reality", {"base": api.base()})
    assert status == 404, answer
    status, first = api.call("POST", "undo", {})
    assert status == 200 and first["undone"] == "deleted putin-reality"
    assert sidecar(api.server) == edited
    status, answer = api.call("POST", "undo", {})
    assert status == 200 and answer["left"] == first["left"] - 1, answer
    assert (api.server.corpus / SIDECAR).read_bytes() == original


def test_the_sidecar_as_the_page_sees_it(api: Client) -> None:
    status, answer = api.call("GET", f"annotations/{DOC}")
    assert status == 200 and answer["sha256"] == api.base() and answer["text"] == sidecar(api.server)
    ids = {a["id"]: a for a in answer["annotations"]}
    assert ids["putin-reality"]["section"] == "quotes"
    assert sidecar(api.server).splitlines()[ids["putin-reality"]["line"] - 1].strip() == "- id: putin-reality"
    assert api.call("GET", "annotations/no-such-document")[0] == 404


def test_a_sidecar_changed_on_disk_is_never_overwritten(api: Client) -> None:
    base = api.base()
    api.call("GET", f"annotations/{DOC}")        # the page read it
    changed = sidecar(api.server) + "# the author's editor saved this\n"
    save(api.server.corpus / SIDECAR, changed)
    status, answer = api.call("POST", "annotations", {"document": DOC, "kind": "note", "text": "regional powers",
                                                      "fields": {"note": "x"}, "base": base})
    assert status == 409, answer
    assert sidecar(api.server) == changed
    assert answer["sha256"] == api.base() and answer["text"] == changed
    assert "+# the author's editor saved this" in answer["diff"]
    status, answer = api.call("DELETE", f"annotations/{DOC}/putin-reality", {"base": base})
    assert status == 409 and sidecar(api.server) == changed


def test_undo_refuses_a_file_changed_since(api: Client) -> None:
    assert api.add("note", "regional powers", {"note": "x"})[0] == 201
    changed = sidecar(api.server).replace("x\n", "y\n")
    save(api.server.corpus / SIDECAR, changed)
    status, answer = api.call("POST", "undo", {})
    assert status == 409 and sidecar(api.server) == changed, answer
    assert "+    note: y" in answer["diff"]
    assert api.call("POST", "undo", {}) == (409, {"error": "nothing to undo"})


@pytest.mark.parametrize("fields, message", [
    ({"speaker": "Not An Id"}, "is not an id"),
    ({"speaker": "nobody-at-all"}, "unknown speaker"),
    ({"speaker": "kremlin", "colour": "red"}, "unknown key 'colour'"),
])
def test_an_invalid_result_is_refused_with_its_place(api: Client, fields: dict, message: str) -> None:
    path = api.server.corpus / SIDECAR
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    status, answer = api.add("quote", "has approached the situation differently", fields)
    assert status == 400, answer
    where = [d["where"] for d in answer["diagnostics"] if message in d["message"]]
    assert where and re.fullmatch(rf"{SIDECAR}:\d+:\d+", where[0]), answer
    line = int(where[0].split(":")[1])
    quotes = [a["line"] for a in api.call("GET", f"annotations/{DOC}")[1]["annotations"] if a["section"] == "quotes"]
    assert max(quotes) < line < max(quotes) + 10, "placed in the entry that would have been added"
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("text, selection, message", [
    ("Putin calling for the world", {}, "crosses the edge"),
    ("words that are nowhere in it", {}, "is not in the reading text"),
    ("Russia", {}, "occurs 5 times"),
    ("the group", {"occurrence": 3}, "occurrence 3"),
    ("   ", {}, "empty"),
])
def test_a_selection_that_cannot_be_saved_is_explained(api: Client, text: str, selection: dict, message: str) -> None:
    before = sidecar(api.server)
    status, answer = api.add("note", text, {"note": "x"}, **selection)
    assert status == 400 and message in answer["error"], answer
    assert answer["diagnostics"][0]["hint"]
    assert sidecar(api.server) == before


def test_a_selection_across_spacing_is_found(api: Client) -> None:
    """The prefix a browser sends may space the text otherwise (paragraphs): the best agreeing place."""
    status, answer = api.add("note", "Russia", {"note": "x"}, prefix="Western   countries,\nwith ")
    assert status == 201, answer
    assert yaml.safe_load(sidecar(api.server))["notes"][-1]["prefix"] == "with "


def test_a_new_sidecar_is_created_and_undo_removes_it(api: Client, server: Served) -> None:
    rel = "annotations/unnamed-2017-mantytskiy.yaml"
    path = server.corpus / rel
    builds = server.status()["builds"]
    path.unlink()
    server.wait_builds(builds + 1)
    text = pipeline.check(server.corpus)[0]
    words = next(d for d in text.docs if d.meta.id == "unnamed-2017-mantytskiy").doc.text.split("\n\n")[0][:40]
    words = words.rsplit(" ", 1)[0]
    status, answer = api.call("POST", "annotations", {"document": "unnamed-2017-mantytskiy", "kind": "note",
                                                      "text": words, "fields": {"note": "First."}, "base": ""})
    assert status == 201, answer
    assert yaml.safe_load(path.read_text("utf-8")) == {"notes": [{"text": words, "note": "First."}]}
    assert not list(path.parent.glob(".*glossator*")), "no temporary file left"
    assert api.call("POST", "undo", {})[0] == 200
    assert not path.exists()


def test_a_new_speaker_is_added_to_the_entities_and_quoted(api: Client) -> None:
    entities = api.server.corpus / "annotations/entities.yaml"
    original = entities.read_bytes()
    status, answer = api.call("GET", "entities")
    assert status == 200 and answer["sha256"] == api.base("annotations/entities.yaml")
    assert {"id": "kremlin", "kind": "organization"}.items() <= next(
        e for e in answer["entities"] if e["id"] == "kremlin").items()
    body = {"id": "ivan-petrov", "kind": "person", "fields": {"name": "Ivan Petrov", "aliases": ["Petrov"]},
            "base": answer["sha256"]}
    builds = api.server.status()["builds"]
    status, added = api.call("POST", "entities", body)
    assert status == 201, added
    api.server.wait_builds(builds + 1)
    new = entities.read_text("utf-8")
    lines = one_block_added(original.decode(), new)
    assert lines[0].strip() == "ivan-petrov:" and new.splitlines()[added["line"] - 1].strip() == "ivan-petrov:"
    assert yaml.safe_load(new)["people"]["ivan-petrov"] == {"name": "Ivan Petrov", "aliases": ["Petrov"]}
    assert comments(new) == comments(original.decode())
    assert api.call("POST", "entities", {**body, "base": added["sha256"]})[0] == 400, "the id is taken"
    status, answer = api.call("POST", "entities", {"id": "Not An Id", "kind": "place", "fields": {"name": "X"},
                                                   "base": added["sha256"]})
    assert status == 400 and answer["diagnostics"][0]["where"].startswith("annotations/entities.yaml:"), answer
    assert "ivan-petrov" in [e["id"] for e in api.call("GET", "entities")[1]["entities"]]
    assert api.add("quote", "has approached the situation differently", {"speaker": "ivan-petrov"})[0] == 201
    checked_clean(api.server.corpus)
    assert api.call("POST", "undo", {})[0] == 200
    assert api.call("POST", "undo", {})[0] == 200
    assert entities.read_bytes() == original


REFUSALS = [
    ("no token", dict(token=None), 403),
    ("wrong token", dict(token="x" * 43), 403),
    ("another site's page", dict(origin="http://evil.example"), 403),
    ("a sandboxed page", dict(origin="null"), 403),
    ("another port", dict(origin="http://127.0.0.1:1"), 403),
    ("a rebound name", dict(host="evil.example:{port}"), 403),
    ("a form's content type", dict(content_type="text/plain"), 415),
    ("a form's other content type", dict(content_type="application/x-www-form-urlencoded"), 415),
]


@pytest.mark.parametrize("what, how, expected", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_only_the_authors_pages_can_write(api: Client, what: str, how: dict, expected: int) -> None:
    path = api.server.corpus / SIDECAR
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    how = {k: v.format(port=api.server.port) if isinstance(v, str) else v for k, v in how.items()}
    body = {"document": DOC, "kind": "note", "text": "regional powers", "fields": {"note": "x"}, "base": api.base()}
    assert api.call("POST", "annotations", body, **how)[0] == expected
    assert api.call("DELETE", f"annotations/{DOC}/putin-reality", {"base": api.base()}, **how)[0] == expected
    assert api.call("POST", "undo", {}, **how)[0] == expected
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    if "token" not in how:
        assert api.call("GET", f"annotations/{DOC}", **{k: v for k, v in how.items() if k != "content_type"})[0] \
            == (421 if "host" in how else 403 if expected == 403 else 200)   # reads: 421, as every GET


def test_the_own_origin_may_write(api: Client) -> None:
    status, answer = api.add("note", "regional powers", {"note": "x"})
    assert status == 201
    assert api.call("POST", "undo", {}, origin=f"http://127.0.0.1:{api.server.port}")[0] == 200


def test_methods_and_paths(api: Client) -> None:
    assert api.raw("GET", API + "annotations")[0] == 405
    status, headers, _ = api.raw("PUT", API + "annotations", {})
    assert status == 405 and headers["Allow"] == "POST"
    assert api.raw("PATCH", API + "undo", {})[0] == 405
    assert api.raw("GET", API + f"suggestions/{DOC}/accept")[0] == 405
    assert api.raw("POST", "/docs/index.html", {})[0] == 405
    assert api.raw("HEAD", API + f"annotations/{DOC}")[0] == 405
    assert api.raw("POST", API + "nothing", {})[0] == 404
    assert api.call("POST", "annotations", b"{not json")[0] == 400
    assert api.call("POST", "annotations", {"document": DOC, "kind": "scribble"})[0] == 400
    assert api.call("PATCH", f"annotations/{DOC}/putin-reality", {"fields": {"text": "x"}, "base": api.base()})[0] == 400


def test_the_token_is_in_served_pages_only(api: Client, tmp_path: Path) -> None:
    for page in ("index.html", f"docs/{DOC}.html", "no-such-page.html"):
        assert api.token.encode() in api.raw("GET", "/" + page, token=None)[2]
    corpus = api.server.corpus
    out = tmp_path / "site"
    for command in (["build", str(corpus), "--out", str(out)], ["bundle", str(corpus), "--out", str(tmp_path / "s.zip")]):
        done = subprocess.run([sys.executable, "-m", "builder", *command], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    files = [p.read_bytes() for p in out.rglob("*") if p.is_file()]
    with zipfile.ZipFile(tmp_path / "s.zip") as z:
        files += [z.read(n) for n in z.namelist()]
    assert len(files) > 50
    assert not [f for f in files if b"glossator-token" in f or api.token.encode() in f]


# --- the writer's edits and deletes, on texts written to try it

SIDECAR_TEXT = """# top
quotes:
  # about a
  - text: 'a'
    speaker: b   # who said it

  # about c
  - text: "c"
    speaker: d
    note: >-
      folded
      text

# the end
notes: [{text: z, note: q}]
"""


def test_an_edit_keeps_quoting_comments_and_other_lines() -> None:
    from builder.site import sidecars

    new, problem = sidecars.edited(SIDECAR_TEXT, "s.yaml", "quotes", 0, {"speaker": "e", "via": "f"})
    assert problem is None and new == SIDECAR_TEXT.replace("speaker: b   # who said it",
                                                           "speaker: e   # who said it\n    via: f")
    new, problem = sidecars.edited(SIDECAR_TEXT, "s.yaml", "quotes", 1, {"note": None})
    assert problem is None and new == SIDECAR_TEXT.replace("    note: >-\n      folded\n      text\n", "")
    new, problem = sidecars.edited(SIDECAR_TEXT, "s.yaml", "quotes", 1, {"text": "C"})
    assert problem is None and new == SIDECAR_TEXT.replace('text: "c"', 'text: "C"')


def test_a_delete_takes_out_the_entry_and_keeps_what_is_around_it() -> None:
    from builder.site import sidecars

    new, problem = sidecars.deleted(SIDECAR_TEXT, "s.yaml", "quotes", 0)
    assert problem is None and new == SIDECAR_TEXT.replace("  - text: 'a'\n    speaker: b   # who said it\n", "")
    new, problem = sidecars.deleted(new, "s.yaml", "quotes", 0)
    assert problem is None and yaml.safe_load(new) == {"notes": [{"text": "z", "note": "q"}]}
    assert comments(new) == comments(SIDECAR_TEXT)
    assert sidecars.deleted(SIDECAR_TEXT, "s.yaml", "notes", 0)[1] is not None, "a flow list is left to the author"


def test_what_suggest_proposes_for_a_selection(api: Client) -> None:
    status, answer = api.call("POST", "propose", {"document": DOC, "text": "on Tuesday", "start": 150})
    assert status == 200 and answer["text"] == "on Tuesday"
    assert answer["proposals"]["date"]["value"] == "2021-08-24~" and "Tuesday" in answer["proposals"]["date"]["why"]
    status, answer = api.call("POST", "propose", {"document": DOC, "text": "relations\" with Moscow", "start": 80})
    assert status == 400 and "crosses the edge" in answer["error"]
    status, answer = api.call("GET", "documents")
    assert status == 200 and DOC in [d["id"] for d in answer["documents"]]


def test_suggestions_accepted_undone_and_rejected(api: Client, server: Served) -> None:
    doc = "cdmedia-2021-hair"
    sidecar_rel, drafts_rel = f"annotations/{doc}.yaml", f"annotations/{doc}.suggested.yaml"
    done = subprocess.run([sys.executable, "-m", "builder", "suggest", str(server.corpus), "-q", "--doc", doc],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    old_sidecar, old_drafts = (server.corpus / sidecar_rel).read_text("utf-8"), (server.corpus / drafts_rel).read_text("utf-8")
    status, shown = api.call("GET", f"suggestions/{doc}")
    assert status == 200 and len(shown["suggestions"]) >= 2
    first, second = shown["suggestions"][:2]
    assert first["start"] is not None and first["fields"]
    stale = {"ids": [first["id"]], "base": shown["base"], "suggested": "0" * 64}
    assert api.call("POST", f"suggestions/{doc}/accept", stale)[0] == 409
    assert (server.corpus / sidecar_rel).read_text("utf-8") == old_sidecar
    builds = server.status()["builds"]
    status, answer = api.call("POST", f"suggestions/{doc}/accept", {"ids": [first["id"]], "base": shown["base"],
                                                                    "suggested": shown["suggested"]})
    assert status == 201, answer
    added = "".join(one_block_added(old_sidecar, (server.corpus / sidecar_rel).read_text("utf-8")))
    assert f"text: {first['text']}" in added and "confidence" not in added and "why" not in added
    assert f"text: {first['text']}" not in (server.corpus / drafts_rel).read_text("utf-8")
    server.wait_builds(builds + 1)
    status, answer = api.call("POST", "undo", {})
    assert status == 200 and answer["undone"] == "accepted 1 suggestion"
    assert (server.corpus / sidecar_rel).read_text("utf-8") == old_sidecar
    assert (server.corpus / drafts_rel).read_text("utf-8") == old_drafts
    status, answer = api.call("POST", f"suggestions/{doc}/reject", {"ids": [second["id"]], "suggested": shown["suggested"]})
    assert status == 200, answer
    rejected = yaml.safe_load((server.corpus / drafts_rel).read_text("utf-8"))["rejected"]
    assert rejected == [{"kind": second["kind"], "text": second["text"],
                         **{k: second[k] for k in ("prefix", "suffix", "occurrence") if k in second}}]
    done = subprocess.run([sys.executable, "-m", "builder", "suggest", str(server.corpus), "-q", "--doc", doc],
                          cwd=ROOT, capture_output=True, text=True)
    again = yaml.safe_load((server.corpus / drafts_rel).read_text("utf-8"))
    assert again["rejected"] == rejected
    assert all(s["text"] != second["text"] for s in again.get(second["section"]) or [])


def test_a_write_of_the_api_is_one_rebuild_started_at_once(api: Client, server: Served) -> None:
    import time
    builds = server.settle()["builds"]   # the earlier tests' writes (`suggest` among them) rebuilt first
    status, _ = api.add("note", "Moscow", {"note": "One rebuild."}, prefix="relations\" with ")
    assert status == 201
    server.wait_builds(builds + 1)
    time.sleep(0.6)                      # the watcher's own events of that write come in meanwhile
    assert server.status()["builds"] == builds + 1
