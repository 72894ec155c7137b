"""Malformed and hostile corpus files: each builds, or is refused with a clear
`path:line:column` error; never a crash; and a refused build leaves the site that
was already in the output folder byte-for-byte as it was.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import pytest

from .corpus import Corpus, Run, build, build_measured, leftovers, person, snapshot

GOOD_TEXT = "Zamir Kabulov said on Tuesday that the embassy is safe.\nThe talks went on.\n"
GOOD_SIDECAR = {
    "quotes": [{"text": "the embassy is safe", "speaker": "zamir-kabulov"}],
    "dates": [{"text": "on Tuesday", "date": "2021-08-17"}],
}


def base() -> Corpus:
    c = Corpus(entities={"people": {"zamir-kabulov": person("Zamir Kabulov", aliases=["Kabulov"])}})
    c.doc("a", "a.txt", GOOD_TEXT, "Report A", published="2021-08-17")
    c.sidecars["a"] = dict(GOOD_SIDECAR)
    return c


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """An output folder that already holds a good build, and its exact contents."""
    out = tmp_path / "out" / "site"
    run = build(base().write(tmp_path / "good"), out)
    assert run.code == 0, run.err
    return out, snapshot(out)


BOUND_SECONDS = 30   # small corpora: any of them takes well under a second; CI machines may be slow


def refused(run: Run, path: str, message: str) -> None:
    assert "Traceback" not in run.err, run.err
    assert run.seconds < BOUND_SECONDS, f"took {run.seconds:.1f} s to refuse"
    assert run.code == 1, f"expected a refusal (exit 1), got {run.code}:\n{run.err}"
    found = [m for m in run.errors() if m["path"] == path and message.lower() in m["msg"].lower()]
    assert found, f"no '{path}:line:column: error: …{message}…' in:\n{run.err}"
    assert "nothing was written" in run.err


def unchanged(out: Path, before: dict[str, bytes]) -> None:
    assert snapshot(out) == before, "a refused build changed the site already in the output folder"
    assert leftovers(out) == [], "a build left staging folders beside the output folder"


# --- paths that leave seeds/ ---------------------------------------------------------------


def _outside(root: Path) -> Path:
    secret = root.parent / f"{root.name}-outside" / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("A secret outside the corpus.\n")
    return secret


PATH_CASES: dict[str, Callable[[Corpus, Path], None]] = {
    "dot-dot": lambda c, root: c.doc("b", "../../outside.txt", None),
    "dot-dot-inside-then-out": lambda c, root: c.doc("b", "sub/../../x.txt", None),
    "backslash-dot-dot": lambda c, root: c.doc("b", "..\\..\\outside.txt", None),
    "absolute": lambda c, root: c.doc("b", str(_outside(root)), None),
    "windows-absolute": lambda c, root: c.doc("b", "C:/Windows/win.ini", None),
}


@pytest.mark.parametrize("case", sorted(PATH_CASES))
def test_a_file_outside_seeds_is_refused(tmp_path, site, case):
    out, before = site
    c = base()
    root = tmp_path / "corpus"
    PATH_CASES[case](c, root)
    run = build(c.write(root), out)
    refused(run, "seeds/INDEX.md", "")
    assert any(w in run.err for w in ("leaves seeds", "absolute path")), run.err
    unchanged(out, before)


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_symlink_that_leaves_the_corpus_is_refused(tmp_path, site, kind):
    out, before = site
    root = tmp_path / "corpus"
    secret = _outside(root)
    c = base().doc("b", "link.txt" if kind == "file" else "linked/secret.txt", None)
    c.write(root)
    if kind == "file":
        os.symlink(secret, root / "seeds" / "link.txt")
    else:
        os.symlink(secret.parent, root / "seeds" / "linked")
    run = build(root, out)
    refused(run, "seeds/INDEX.md", "leaves seeds")
    unchanged(out, before)
    assert b"A secret outside" not in b"".join(snapshot(out).values())


@pytest.mark.parametrize("name", ["annotations/a.yaml", "annotations/entities.yaml", "seeds/INDEX.md"])
def test_a_corpus_file_that_links_outside_the_corpus_is_refused(tmp_path, site, name):
    """Sidecars, entities.yaml and INDEX.md are read from the corpus only: a link to a file
    elsewhere on the machine is refused, and its content is not echoed in the messages."""
    out, before = site
    root = base().write(tmp_path / "corpus")
    outside = tmp_path / "elsewhere" / Path(name).name
    outside.parent.mkdir()
    outside.write_bytes((root / name).read_bytes() + b"# TOPSECRET-MARKER\nsecret_key_abc: 1\n")
    (root / name).unlink()
    os.symlink(outside, root / name)
    run = build(root, out)
    refused(run, name, "")
    assert "secret_key_abc" not in run.err and "TOPSECRET" not in run.err, run.err
    assert any(w in run.err for w in ("link", "leaves", "outside")), run.err
    unchanged(out, before)


def test_theme_files_that_link_outside_the_corpus_are_not_published(tmp_path, site):
    out, _ = site
    root = base().write(tmp_path / "corpus")
    secret = _outside(root)
    static = root / "themes" / "default" / "static"
    static.mkdir(parents=True)
    os.symlink(secret, static / "leak.txt")
    os.symlink(secret.parent, static / "leaked-folder")
    run = build(root, out)
    assert run.code in (0, 1) and "Traceback" not in run.err, run.err
    assert b"A secret outside" not in b"".join(snapshot(out).values())


def test_a_symlink_that_stays_inside_seeds_is_fine(tmp_path, site):
    out, _ = site
    root = base().write(tmp_path / "corpus")
    os.symlink(root / "seeds" / "a.txt", root / "seeds" / "again.txt")
    c = base().doc("b", "again.txt", None)
    run = build(c.write(root), out)
    assert run.code == 0, run.err
    assert (out / "docs" / "b.html").exists()


# --- YAML bombs ------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
quotes: *i
"""

YAML_CASES = {
    # name: (file under annotations/, content, expected message)
    "sidecar-billion-laughs": ("a", BILLION_LAUGHS, "alias"),
    "entities-billion-laughs": ("entities", "people:\n" + "".join(
        "  " + line + "\n" for line in BILLION_LAUGHS.replace("quotes: *i", "p: {name: *i}").splitlines()), "alias"),
    "sidecar-deep-nesting": ("a", "quotes: " + "[" * 5000 + "]" * 5000 + "\n", ""),
    "sidecar-deep-mappings": ("a", "quotes:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000)), ""),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_a_yaml_bomb_is_refused_quickly(tmp_path, site, case):
    out, before = site
    name, content, message = YAML_CASES[case]
    c = base()
    if name == "entities":
        c.entities = content
    else:
        c.sidecars[name] = content
    run = build_measured(c.write(tmp_path / "corpus"), out, timeout=120)
    assert "Traceback" not in run.err, f"the build crashed instead of reporting the problem:\n{run.err[-2500:]}"
    refused(run, f"annotations/{name}.yaml", message)
    assert run.seconds < 20, f"took {run.seconds:.1f} s"
    assert run.peak_mib < 400, f"peak memory {run.peak_mib:.0f} MiB"
    unchanged(out, before)


# --- encodings, line ends, empty files ------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_refused_with_their_position(tmp_path, site):
    out, before = site
    c = base()
    c.files["a.txt"] = "Zamir Kabulov said on Tuesday that the embassy is safe.\nThe caf\xe9 ".encode("latin-1") + b"is open.\n"
    run = build(c.write(tmp_path / "corpus"), out)
    refused(run, "seeds/a.txt", "not valid UTF-8")
    assert [(m["line"], m["col"]) for m in run.errors() if m["path"] == "seeds/a.txt"] == [("2", "8")]
    unchanged(out, before)


@pytest.mark.parametrize("where", ["INDEX.md", "sidecar", "entities"])
def test_non_utf8_in_index_and_yaml_is_refused(tmp_path, site, where):
    out, before = site
    c = base()
    bad = b"\xff\xfe"
    if where == "INDEX.md":
        c.index_raw = c.index_text().encode() + bad
        path = "seeds/INDEX.md"
    elif where == "sidecar":
        c.sidecars["a"] = b"quotes:\n  - {text: 'the embassy is safe', speaker: zamir-kabulov}\n# " + bad + b"\n"
        path = "annotations/a.yaml"
    else:
        c.entities = b"people:\n  zamir-kabulov: {name: 'Zamir \xe9'}\n"
        path = "annotations/entities.yaml"
    run = build(c.write(tmp_path / "corpus"), out)
    refused(run, path, "UTF-8")
    unchanged(out, before)


def _page_text(out: Path, page: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup((out / page).read_bytes(), "html.parser").get_text()


def test_a_bom_and_crlf_line_ends_build_and_leave_no_trace(tmp_path, site):
    out, _ = site
    c = base()
    c.index_raw = "\ufeff" + c.index_text().replace("\n", "\r\n")
    c.files["a.txt"] = "\ufeff" + GOOD_TEXT.replace("\n", "\r\n")
    c.sidecars["a"] = "\ufeffquotes:\r\n  - text: the embassy is safe\r\n    speaker: zamir-kabulov\r\n"
    c.entities = "\ufeffpeople:\r\n  zamir-kabulov:\r\n    name: Zamir Kabulov\r\n"
    run = build(c.write(tmp_path / "corpus"), out)
    assert run.code == 0, run.err
    files = snapshot(out)
    html = b"".join(data for name, data in files.items() if not name.endswith(".csv"))
    assert "\ufeff".encode() not in html and b"\r" not in html
    csv = b"".join(data for name, data in files.items() if name.endswith(".csv"))   # RFC 4180: CRLF ends each row
    assert csv and "\ufeff".encode() not in csv and b"\r" not in csv.replace(b"\r\n", b"")
    assert _page_text(out, "index.html").count("Hostile corpus") >= 1
    assert 'class="quote"' in (out / "docs" / "a.html").read_text()


def test_old_mac_line_ends_are_paragraphs(tmp_path, site):
    out, _ = site
    c = base()
    c.files["a.txt"] = GOOD_TEXT.replace("\n", "\r")
    run = build(c.write(tmp_path / "corpus"), out)
    assert run.code == 0, run.err
    assert (out / "docs" / "a.html").read_text().count("<p>") >= 2


EMPTY_OK = {
    "empty document": lambda c: (c.files.__setitem__("a.txt", ""), c.sidecars.pop("a")),
    "whitespace-only document": lambda c: (c.files.__setitem__("a.txt", "\n  \n\t\n"), c.sidecars.pop("a")),
    "empty sidecar": lambda c: c.sidecars.__setitem__("a", ""),
    "empty entities.yaml": lambda c: (c.__setattr__("entities", ""), c.sidecars.__setitem__("a", {
        "dates": GOOD_SIDECAR["dates"]})),
    "no annotations at all": lambda c: (c.sidecars.clear(), c.__setattr__("entities", None)),
    "empty .md and .html documents": lambda c: (c.doc("m", "m.md", ""), c.doc("h", "h.html", "")),
}


@pytest.mark.parametrize("case", sorted(EMPTY_OK))
def test_empty_files_and_unannotated_documents_build(tmp_path, site, case):
    out, _ = site
    c = base()
    EMPTY_OK[case](c)
    run = build(c.write(tmp_path / "corpus"), out)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err and run.seconds < BOUND_SECONDS
    assert (out / "docs" / "a.html").exists()
    assert leftovers(out) == []


def test_an_empty_index_is_refused(tmp_path, site):
    out, before = site
    c = base()
    c.index_raw = ""
    run = build(c.write(tmp_path / "corpus"), out)
    refused(run, "seeds/INDEX.md", "")
    unchanged(out, before)


# --- ids and names that are not slugs ------------------------------------------------------------------

ID_CASES = {
    "document id": ("seeds/INDEX.md", lambda c: c.doc('"><script>alert(1)</script>', "a.txt", None)),
    "annotation id": ("annotations/a.yaml", lambda c: c.sidecars.__setitem__("a", {"quotes": [
        {"text": "the embassy is safe", "speaker": "zamir-kabulov", "id": '"><img src=x onerror=alert(1)>'}]})),
    "entity id": ("annotations/entities.yaml", lambda c: c.__setattr__("entities", {"people": {
        "x onmouseover=alert(1)": person("X")}})),
    "speaker id": ("annotations/a.yaml", lambda c: c.sidecars.__setitem__("a", {"quotes": [
        {"text": "the embassy is safe", "speaker": '"]{}</style><script>alert(1)</script>'}]})),
}


@pytest.mark.parametrize("case", sorted(ID_CASES))
def test_an_id_that_is_not_a_slug_is_refused(tmp_path, site, case):
    out, before = site
    path, mutate = ID_CASES[case]
    c = base()
    mutate(c)
    run = build(c.write(tmp_path / "corpus"), out)
    refused(run, path, "")
    unchanged(out, before)


def test_a_file_of_unknown_type_is_refused(tmp_path, site):
    out, before = site
    c = base().doc("b", "b.exe", "MZ\x00\x00")
    run = build(c.write(tmp_path / "corpus"), out)
    refused(run, "seeds/INDEX.md", "unknown type")
    unchanged(out, before)


def test_control_characters_in_a_document_are_not_written_raw(tmp_path, site):
    """NUL and C0/C1 controls are not allowed in HTML text; they must not reach a page."""
    out, _ = site
    c = base()
    c.files["a.txt"] = GOOD_TEXT + "Bell \x07 nul \x00 escape \x1b[31m del \x7f c1 \x85\x9b end.\n"
    run = build(c.write(tmp_path / "corpus"), out)
    assert run.code in (0, 1) and "Traceback" not in run.err, run.err
    if run.code == 0:
        page = (out / "docs" / "a.html").read_text()
        bad = sorted({f"U+{ord(ch):04X}" for ch in page if (ord(ch) < 32 and ch not in "\n\t") or 0x7f <= ord(ch) <= 0x9f})
        assert bad == [], f"control characters written into docs/a.html: {bad}"
    else:
        assert any(m["path"] == "seeds/a.txt" for m in run.errors()), run.err


def test_a_refused_build_is_quick_to_say_so(tmp_path, site):
    out, before = site
    c = base()
    c.sidecars["a"] = {"quotes": [{"text": f"not in the text {i}", "speaker": "zamir-kabulov"} for i in range(300)]}
    started = time.perf_counter()
    run = build(c.write(tmp_path / "corpus"), out)
    assert time.perf_counter() - started < 30
    refused(run, "annotations/a.yaml", "not found")
    assert len(run.errors()) == 300, "every problem is reported, not just the first"
    unchanged(out, before)
