"""`glossator bundle`: one deterministic zip of the whole site that works from file://,
and a refusal (writing nothing) when a page would load anything from outside the site."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from builder.commands import bundle as bundling
from builder.site import bundle
from builder.commands.cli import main
from builder.core.models import SitePath
from builder.site import staging as write
from tests.conftest import cancelled_icon_load, search_warmed

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def copy_corpus(dst: Path) -> Path:
    for name in ("seeds", "annotations", "themes"):
        shutil.copytree(ROOT / name, dst / name)
    return dst


@pytest.fixture(scope="module")
def example_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bundle") / "example-site.zip"
    code, out, err = run("bundle", str(ROOT), "-o", str(target), "-q")
    assert code == 0, err
    assert out == "" and err == ""
    return target


# --- the outside-resource check (unit) ---------------------------------------------------

SITE = {SitePath(p): b"" for p in ("index.html", "static/style.css", "static/app.js", "static/font.woff2",
                                   "docs/a.html", "img/logo.png")}


def problems(page: str, markup: str, extra: dict[str, bytes] | None = None) -> list[str]:
    site = {**SITE, SitePath(page): markup.encode("utf-8"), **(extra or {})}
    return [f"{d.path}:{d.line}:{d.column}: {d.message}" for d in bundle.check(site)]


@pytest.mark.parametrize("markup", [
    '<script src="https://cdn.example.com/lunr.js"></script>',
    '<script src="//cdn.example.com/lunr.js"></script>',
    '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">',
    '<link rel="preconnect" href="https://fonts.gstatic.com">',
    '<link rel="icon" href="https://example.com/favicon.ico">',
    '<link rel="preload" as="font" href="https://example.com/f.woff2">',
    '<link rel="alternate stylesheet" href="http://example.com/dark.css">',
    '<img src="https://example.com/photo.jpg" alt="">',
    '<img src="img/logo.png" srcset="img/logo.png 1x, https://example.com/logo@2x.png 2x" alt="">',
    '<iframe src="https://www.youtube.com/embed/x"></iframe>',
    '<audio src="https://example.com/a.mp3"></audio>',
    '<video poster="https://example.com/p.jpg"></video>',
    '<video><source src="https://example.com/v.mp4"></video>',
    '<object data="https://example.com/doc.pdf"></object>',
    '<div style="background: url(\'https://example.com/bg.png\')"></div>',
    '<style>@import "https://example.com/more.css";</style>',
    '<style>body { font-family: X; src: url(https://example.com/x.woff2) }</style>',
    '<script src="/static/app.js"></script>',
    '<script src="../outside.js"></script>',
    '<script src="static/missing.js"></script>',
])
def test_refuses_resources_from_outside_the_site(markup: str) -> None:
    found = problems("index.html", f"<!doctype html>\n<html><head></head><body>\n{markup}\n</body></html>")
    assert len(found) == 1, found
    assert found[0].startswith("index.html:3:"), found


@pytest.mark.parametrize("markup", [
    '<a href="https://en.wikipedia.org/wiki/Kabul">Kabul</a>',
    '<a href="mailto:editor@example.com">mail</a>',
    '<link rel="canonical" href="https://example.github.io/corpus/index.html">',
    '<link rel="alternate" type="application/rss+xml" href="https://example.com/feed">',
    '<form action="https://example.com/search"></form>',
    '<script src="static/app.js"></script><link rel="stylesheet" href="static/style.css?v=2">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">',
    '<img src="img/logo.png#x" srcset="img/logo.png 1x, img/logo.png 2x" alt="">',
    '<svg><use href="#icon"></use></svg>',
    '<input type="text" src="https://example.com/ignored">',
    '<p>See https://example.com/x.js in the text: text is not a resource.</p>',
])
def test_accepts_links_inline_data_and_local_files(markup: str) -> None:
    assert problems("index.html", f"<!doctype html><html><body>{markup}</body></html>") == []


def test_one_diagnostic_per_resource_at_its_first_use() -> None:
    site = {**SITE, **{SitePath(p): b'<link rel="stylesheet" href="https://x.example/a.css">'
                       for p in ("b.html", "a.html", "c.html")}}
    found = [f"{d.path}:{d.line}:{d.column}: {d.message}" for d in bundle.check(site)]
    assert found == ["a.html:1:1: <link href> loads a resource from outside the site: https://x.example/a.css "
                     "(and in 2 other files)"]


def test_relative_paths_resolve_from_the_page_folder() -> None:
    assert problems("docs/a.html", '<link rel="stylesheet" href="../static/style.css">') == []
    assert problems("docs/a.html", '<link rel="stylesheet" href="static/style.css">') == [
        "docs/a.html:1:1: <link href> refers to a file that is not in the site: static/style.css"]


def test_inline_style_positions_count_lines_inside_the_element() -> None:
    found = problems("index.html", '<!doctype html>\n<style>\nbody {}\n  @import "https://example.com/x.css";\n</style>')
    assert found == ["index.html:4:3: <style> url() loads a resource from outside the site: https://example.com/x.css"]


def test_stylesheets_are_checked_for_url_and_import_with_their_line() -> None:
    css = ('/* url(https://example.com/in-a-comment.png) */\nbody { background: url("font.woff2") }\n'
           "@font-face { src: url(https://fonts.gstatic.com/x.woff2) }\n@import 'https://example.com/b.css';\n")
    found = problems("static/extra.css", css)
    assert found == [
        "static/extra.css:3:19: url() loads a resource from outside the site: https://fonts.gstatic.com/x.woff2",
        "static/extra.css:4:1: url() loads a resource from outside the site: https://example.com/b.css",
    ]


def test_the_example_site_loads_nothing_from_outside(example_zip: Path) -> None:
    with zipfile.ZipFile(example_zip) as z:
        site = {SitePath(n.split("/", 1)[1]): z.read(n) for n in z.namelist()}
    assert bundle.check(site) == ()


# --- the zip --------------------------------------------------------------------------------


def test_zip_has_the_whole_site_under_one_folder_sorted_with_fixed_dates(example_zip: Path, example_site: Path) -> None:
    with zipfile.ZipFile(example_zip) as z:
        infos = z.infolist()
        assert z.testzip() is None
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {n.split("/", 1)[0] for n in names} == {"example-site"}
    on_disk = sorted(p.relative_to(example_site).as_posix() for p in example_site.rglob("*")
                     if p.is_file() and p.name != write.MARKER)   # the marker says who wrote a folder: not part of a site
    assert [n.split("/", 1)[1] for n in names] == on_disk
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o644}


def test_zip_is_byte_identical_across_builds(example_zip: Path, tmp_path: Path) -> None:
    again = tmp_path / "example-site.zip"
    assert run("bundle", str(ROOT), "-o", str(again), "-q")[0] == 0
    assert again.read_bytes() == example_zip.read_bytes()


def test_zip_date_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1716854400")   # 2024-05-28 00:00 UTC
    with zipfile.ZipFile(io.BytesIO(bundle.zip_bytes({SitePath("index.html"): b"x"}, "s"))) as z:
        assert z.infolist()[0].date_time == (2024, 5, 28, 0, 0, 0)


def test_bundle_ignores_base_url(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "c")
    (corpus / "glossator.toml").write_text('base_url = "https://example.github.io/c/"\n', "utf-8")
    result = bundling.bundle(corpus, "c-site")
    assert result.ok, result.problems
    with zipfile.ZipFile(io.BytesIO(result.data)) as z:
        assert "c-site/sitemap.xml" not in z.namelist()
        assert b"https://example.github.io" not in z.read("c-site/index.html")


# --- the command -----------------------------------------------------------------------------


def test_default_target_is_in_the_corpus_named_after_its_folder(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "my-corpus")
    code, out, err = run("bundle", str(corpus))
    assert code == 0, err
    target = corpus / "my-corpus-site.zip"
    assert f"→ {target}" in out
    with zipfile.ZipFile(target) as z:
        assert "my-corpus-site/index.html" in z.namelist()
    assert not list(corpus.glob(".*.tmp"))


def test_out_may_name_a_folder(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "c")
    (tmp_path / "out").mkdir()
    assert run("bundle", str(corpus), "-o", str(tmp_path / "out"), "-q")[0] == 0
    assert (tmp_path / "out" / "c-site.zip").is_file()


def test_outside_resource_fails_names_file_and_url_and_writes_nothing(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "c")
    templates = corpus / "themes" / "default" / "templates"
    base = (templates / "base.html").read_text("utf-8")
    (templates / "base.html").write_text(base.replace(
        "</head>", '<script src="https://cdn.example.com/analytics.js"></script>\n</head>', 1), "utf-8")
    target = tmp_path / "c-site.zip"
    previous = bundle.zip_bytes({SitePath("index.html"): b"the previous bundle"}, "c-site")
    target.write_bytes(previous)
    code, out, err = run("bundle", str(corpus), "-o", str(target))
    assert code == 1
    # once, at its first use, with a count of the others (every page has it)
    assert re.search(r"^404\.html:\d+:1: error: <script src> loads a resource from outside the site: "
                     r"https://cdn\.example\.com/analytics\.js \(and in \d+ other files\)$", err, re.MULTILINE), err
    assert err.count("analytics.js") == 1 and err.count("hint: copy the file into your theme's static/ folder") == 1
    assert f"bundle failed: nothing was written; {target} is unchanged" in err
    assert out == ""
    assert target.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "c-site.zip"]


def test_corpus_errors_fail_the_bundle_and_write_nothing(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "c")
    (corpus / "annotations" / "rt-2021-naeem.yaml").write_text("quotes:\n  - text: no such words\n    speaker: x\n")
    code, _, err = run("bundle", str(corpus))
    assert code == 1
    assert "annotations/rt-2021-naeem.yaml:2:" in err and "bundle failed: nothing was written" in err
    assert not list(corpus.glob("*.zip"))


def test_not_a_corpus_and_bad_arguments(tmp_path: Path) -> None:
    assert run("bundle", str(tmp_path))[0] == 1
    assert run("bundle", "--no-such-option")[0] == 2
    assert run("bundle", "--help")[0] == 0


# --- in Chromium, from file:// ---------------------------------------------------------------


def test_unzipped_bundle_works_from_file_url_with_no_request_outside(example_zip: Path, tmp_path: Path, page) -> None:
    with zipfile.ZipFile(example_zip) as z:
        z.extractall(tmp_path)
    root = (tmp_path / "example-site").as_uri() + "/"
    requests, failed = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: cancelled_icon_load(r) or failed.append((r.url, r.failure)))

    # Navigation: home → people & places → an entity → back to a passage in a document.
    page.goto(root + "index.html")
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily") != ""
    page.locator(".site-nav a", has_text="People & places").click()
    page.wait_for_url(root + "entities.html")
    page.locator("main a[href^='entities/']").first.click()
    page.wait_for_url(root + "entities/*.html")
    assert page.locator("h1").inner_text().strip()

    # Search: type a query, follow a result to its passage.
    page.goto(root + "search.html")
    search_warmed(page)
    page.fill("#q", "Kabulov")
    result = page.locator("#search-results a").first
    result.wait_for(timeout=5000)
    result.click()
    page.wait_for_url(root + "docs/*.html*")
    assert page.url.startswith(root + "docs/")
    fragment = page.url.split("#", 1)[1] if "#" in page.url else ""
    if fragment:
        assert page.locator(f"[id='{fragment}']").count() == 1

    # A note opens on keyboard focus; an entity page opens from a mention.
    page.goto(root + "docs/rt-2021-naeem.html")
    note = page.locator("article .note[aria-describedby]").first
    note.focus()
    page.locator("[role=tooltip]").first.wait_for(timeout=2000)
    page.locator("article a.mention").first.click()
    page.wait_for_url(root + "entities/*.html")

    # The timeline and the quotes register.
    for name in ("timeline.html", "quotes.html"):
        page.goto(root + name)
        assert page.locator("main").inner_text().strip()

    outside = [u for u in requests if not u.startswith("file://")]
    assert not outside, outside
    assert not failed, failed
    assert not page.console_errors, page.console_errors
