"""`glossator init`: a new corpus that builds at once with no diagnostics, its schemas for
editors, its Pages workflow, and a refusal to overwrite anything."""

from __future__ import annotations

import io
import os
import subprocess
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from builder.commands import init as scaffold
from builder.read import yamlpos
from builder.commands.cli import main
from builder.run.pipeline import build
from tests.test_publish import check_pages_workflow

EXPECTED = [
    ".github/workflows/pages.yml", ".gitignore", "annotations/.schemas/entities.schema.json",
    "annotations/.schemas/sidecar.schema.json", "annotations/entities.yaml",
    "annotations/harbour-bridge-vote.yaml", "glossator.toml", "seeds/INDEX.md", "seeds/harbour-bridge-vote.md",
]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "new" / "press-corpus"       # neither exists yet
    code, out, err = run("init", str(folder))
    assert code == 0, err
    assert err == "" and f"created a corpus in {folder}/ ({len(EXPECTED)} files)" in out
    return folder


def test_init_writes_the_corpus_files(corpus: Path) -> None:
    assert files_in(corpus) == EXPECTED


def test_new_corpus_builds_with_no_error_and_no_warning(corpus: Path, tmp_path: Path) -> None:
    code, out, err = run("build", str(corpus))
    assert code == 0 and "error" not in err and "warning" not in err, err   # only progress lines (not a terminal)
    assert "built 1 document," in out
    assert run("build", str(corpus), "-q") == (0, "", "")
    result = build(corpus)
    assert result.ok and result.diagnostics == ()
    assert run("check", str(corpus)) == (0, "ok: 1 document, 11 annotations, 4 entities\n", "")
    index = (corpus / "site" / "index.html").read_text("utf-8")
    assert "<title>" in index and "Press corpus" in index          # the title comes from the folder name
    page = (corpus / "site" / "docs" / "harbour-bridge-vote.html").read_text("utf-8")
    assert 'data-speaker="ana-ribeiro"' in page and 'datetime="2024-03-12"' in page and 'class="note' in page


def test_new_corpus_bundles(corpus: Path) -> None:
    assert run("bundle", str(corpus), "-q")[0] == 0
    assert (corpus / "press-corpus-site.zip").is_file()


def test_sidecar_has_a_quote_a_date_and_a_note_and_every_yaml_names_its_local_schema(corpus: Path) -> None:
    for name, schema in (("harbour-bridge-vote.yaml", "sidecar"), ("entities.yaml", "entities")):
        text = (corpus / "annotations" / name).read_text("utf-8")
        first = text.splitlines()[0]
        assert first == f"# yaml-language-server: $schema=.schemas/{schema}.schema.json"
        schema_path = corpus / "annotations" / first.split("$schema=", 1)[1]
        loaded, found = yamlpos.load(text, name)        # as editors read YAML: dates stay strings
        assert loaded is not None and found == ()
        jsonschema.validate(loaded.value, json.loads(schema_path.read_text("utf-8")))
    sidecar = yaml.safe_load((corpus / "annotations" / "harbour-bridge-vote.yaml").read_text("utf-8"))
    assert sidecar["quotes"] and sidecar["dates"] and sidecar["notes"]


def test_schemas_are_the_builders_own(corpus: Path) -> None:
    builtin = Path(scaffold.__file__).parents[1] / "schemas"
    for name in ("sidecar", "entities"):
        copied = corpus / "annotations" / ".schemas" / f"{name}.schema.json"
        assert copied.read_bytes() == (builtin / f"{name}.schema.json").read_bytes()


def test_settings_file_comments_every_setting_and_sets_none(corpus: Path) -> None:
    from dataclasses import fields

    from builder.read.settings import Settings
    import tomllib

    text = (corpus / "glossator.toml").read_text("utf-8")
    assert tomllib.loads(text) == {}
    for f in fields(Settings):
        assert f"# {f.name} = " in text, f.name


def test_gitignore_leaves_out_the_built_site(corpus: Path) -> None:
    lines = (corpus / ".gitignore").read_text("utf-8").splitlines()
    assert "/site/" in lines and "/*-site.zip" in lines


def test_scaffolded_workflow_is_valid_and_installs_glossator_in_one_line(corpus: Path) -> None:
    text = (corpus / ".github" / "workflows" / "pages.yml").read_text("utf-8")
    wf = check_pages_workflow(text)
    installs = [s["run"] for s in wf["jobs"]["build"]["steps"] if s.get("name") == "Install Glossator"]
    assert len(installs) == 1 and "\n" not in installs[0].strip()
    assert installs[0].startswith('pip install "glossator') and "__GLOSSATOR" not in text
    assert "Settings → Pages" in text and "GitHub Actions" in text


def test_install_spec_is_a_pip_requirement() -> None:
    spec = scaffold.install_spec()
    assert spec.startswith("glossator==") or spec.startswith("glossator @ git+")


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    (folder / "seeds").mkdir(parents=True)
    (folder / "seeds" / "INDEX.md").write_text("# Mine\n", "utf-8")
    (folder / ".gitignore").write_text("mine\n", "utf-8")
    code, out, err = run("init", str(folder))
    assert code == 1 and out == ""
    assert "init would overwrite 2 existing files, so it wrote nothing" in err
    assert str(folder / "seeds" / "INDEX.md") in err and str(folder / ".gitignore") in err
    assert "hint:" in err
    assert files_in(folder) == [".gitignore", "seeds/INDEX.md"]
    assert (folder / "seeds" / "INDEX.md").read_text("utf-8") == "# Mine\n"


def test_init_twice_refuses_the_second_time(corpus: Path) -> None:
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    code, _, err = run("init", str(corpus))
    assert code == 1 and f"init would overwrite {len(EXPECTED)} existing files" in err
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == before


def test_init_in_a_folder_with_other_files_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# My corpus\n", "utf-8")
    (tmp_path / ".git").mkdir()
    assert run("init", str(tmp_path))[0] == 0
    assert (tmp_path / "README.md").read_text("utf-8") == "# My corpus\n"
    assert run("build", str(tmp_path), "-q") == (0, "", "")


def test_init_on_a_file_and_bad_arguments(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", "utf-8")
    code, _, err = run("init", str(tmp_path / "f"))
    assert code == 1 and "exists and is not a folder" in err
    assert run("init", "a", "b")[0] == 2
    assert run("init", "--help")[0] == 0


def test_init_defaults_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init")[0] == 0
    assert (tmp_path / "seeds" / "INDEX.md").is_file()


def test_scaffold_files_are_packaged() -> None:
    """`pip install` (not -e) must ship builder/scaffold/, or init fails for every user.

    The package-data patterns in pyproject.toml must match every scaffold file."""
    import tomllib

    root = Path(scaffold.__file__).parents[1]
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["builder"]
    shipped = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    wanted = {p for p in (root / "scaffold").rglob("*") if p.is_file()}
    assert wanted <= shipped, sorted(str(p.relative_to(root)) for p in wanted - shipped)


def test_init_from_a_git_checkout_installs_its_origin_and_commit(tmp_path: Path) -> None:
    checkout = tmp_path / "glossator"
    (checkout / "builder").mkdir(parents=True)
    (checkout / "builder" / "__init__.py").write_text('__version__ = "0.1.0"\n', "utf-8")

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], check=True, capture_output=True, text=True,
                              env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    chosen = scaffold.install(checkout)
    assert chosen.spec.startswith("glossator==") and "no origin remote" in chosen.why
    git("remote", "add", "origin", "git@github.com:someone/glossator.git")
    commit = git("rev-parse", "HEAD")
    chosen = scaffold.install(checkout)
    assert chosen.spec == f"glossator @ git+https://github.com/someone/glossator.git@{commit}"
    assert "git checkout" in chosen.why and commit[:12] in chosen.why and "uncommitted" not in chosen.why
    (checkout / "builder" / "__init__.py").write_text('__version__ = "0.2.0"\n', "utf-8")
    assert "uncommitted changes are not part of it" in scaffold.install(checkout).why


def test_init_says_which_glossator_its_workflow_installs(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["init", str(tmp_path / "c")], out=out, err=err) == 0
    spec = scaffold.install().spec
    assert f"its workflow installs {spec}: " in out.getvalue()
    assert f'pip install "{spec}"' in (tmp_path / "c" / ".github/workflows/pages.yml").read_text("utf-8")
