"""The command line: exit codes, messages, and a failed build that loses nothing."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from builder.commands.cli import main
from tests.factory import two_docs


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_the_site_and_says_what_it_built(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    code, out, err = run("build", str(root))
    assert code == 0, err
    assert out.startswith("built 2 documents, ") and " pages in " in out and str(root / "site") in out
    for page in ("index.html", "docs/a.html", "docs/b.html", "entities/zamir-kabulov.html", "timeline.html",
                 "quotes.html", "search.html", "entities.html"):
        assert (root / "site" / page).is_file(), page


def test_quiet_build_prints_nothing(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    assert run("build", str(root), "-q") == (0, "", "")


def test_failed_build_keeps_the_previous_site_byte_for_byte(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    assert run("build", str(root))[0] == 0
    before = snapshot(root / "site")
    (root / "annotations" / "a.yaml").write_text("quotes:\n  - {text: not in the text, speaker: zamir-kabulov}\n")
    code, out, err = run("build", str(root))
    assert code == 1 and out == ""
    assert "annotations/a.yaml:2:" in err and "nothing was written" in err
    assert snapshot(root / "site") == before
    assert sorted(p.name for p in root.iterdir()) == [".glossator-cache", "annotations", "seeds", "site"], \
        "no staging folder left behind"


def test_check_writes_nothing_and_reports_all_errors(tmp_path: Path) -> None:
    root = two_docs(tmp_path, sidecar_a="notes:\n  - {text: nope, note: x}\n", sidecar_b="notes:\n  - {text: nada, note: x}\n")
    code, out, err = run("check", str(root))
    assert code == 1
    assert "annotations/a.yaml:2:" in err and "annotations/b.yaml:2:" in err and "2 errors, 0 warnings" in err
    assert not (root / "site").exists()


def test_check_ok(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    assert run("check", str(root)) == (0, "ok: 2 documents, 6 annotations, 4 entities\n", "")


def test_out_option_and_not_a_corpus(tmp_path: Path) -> None:
    root = two_docs(tmp_path / "c")
    assert run("build", str(root), "--out", str(tmp_path / "elsewhere"), "-q")[0] == 0
    assert (tmp_path / "elsewhere" / "index.html").is_file()
    code, _, err = run("build", str(tmp_path))
    assert code == 1 and "no seeds/INDEX.md" in err and "hint:" in err


def test_bad_settings_are_errors(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    (root / "glossator.toml").write_text('title = "X"\nthem = "dark"\n')
    code, _, err = run("build", str(root))
    assert code == 1 and "glossator.toml:2:1: error: unknown setting 'them'" in err and "theme" in err


def test_settings_title_overrides_index(tmp_path: Path) -> None:
    root = two_docs(tmp_path)
    (root / "glossator.toml").write_text('title = "Overridden <b>title</b>"\n')
    assert run("build", str(root), "-q")[0] == 0
    html = (root / "site" / "index.html").read_text()
    assert "<title>Overridden &lt;b&gt;title&lt;/b&gt;</title>" in html


def test_usage_errors_exit_2_and_help_works() -> None:
    assert run("frobnicate")[0] == 2
    assert run("build", "--no-such-flag")[0] == 2
    for command in ("build", "check"):
        proc = subprocess.run([sys.executable, "-m", "builder", command, "--help"], capture_output=True, text=True)
        assert proc.returncode == 0 and "usage: glossator " + command in proc.stdout


def test_console_script_is_installed() -> None:
    proc = subprocess.run(["glossator", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("glossator ")


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal the stages show as one updating line, cleared at the end; piped output
    has plain lines instead, with no carriage return or escape code."""
    import os
    import pty

    root = two_docs(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # the child: glossator on a terminal
        os.execvp(sys.executable, [sys.executable, "-m", "builder", "build", str(root)])
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    shown = b"".join(chunks).decode()
    assert "\rreading corpus…\x1b[K" in shown and "\rrendering pages and exports…\x1b[K" in shown
    assert "\r\x1b[Kbuilt 2 documents" in shown   # the line cleared before the summary
    piped = subprocess.run([sys.executable, "-m", "builder", "build", str(root)], capture_output=True, text=True)
    assert "\r" not in piped.stderr and "\x1b" not in piped.stderr and "…" not in piped.stderr
    assert "reading corpus\n" in piped.stderr and piped.stdout.startswith("built 2 documents")
