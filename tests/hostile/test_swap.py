"""The swap is atomic and leaves no debris (issue: nothing lost, nothing leaked, item 5).

The new site replaces the old one in one atomic exchange where Linux offers it; staging
folders of builds killed mid-way are removed by the next build, never one that a running
build holds; their names are git-ignored; a worker that dies makes the build fail, not hang.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.core.models import SitePath
from builder.site import staging as write

from .corpus import ROOT, leftovers, snapshot

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 and fork are Linux's")


def _site(out: Path, text: bytes) -> None:
    write.write_site({SitePath("index.html"): text, SitePath("docs/a.html"): text}, out)


@linux_only
def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("from a")
    (b / "y").write_text("from b")
    assert write.exchange(a, b)
    assert [p.name for p in a.iterdir()] == ["y"] and [p.name for p in b.iterdir()] == ["x"]


@linux_only
def test_replacing_a_site_never_renames_it_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the exchange there is no moment without a site: the old site is never renamed out of the way."""
    out = tmp_path / "site"
    _site(out, b"old")

    def no_rename(self: Path, target: object) -> None:
        raise AssertionError(f"renamed {self} → {target}: a window without a site")

    monkeypatch.setattr(Path, "rename", no_rename)
    _site(out, b"new")
    assert (out / "index.html").read_bytes() == b"new"
    assert leftovers(out) == []


def test_where_there_is_no_exchange_two_renames_do_it_and_leave_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    _site(out, b"old")
    monkeypatch.setattr(write, "_EXCHANGE", None)
    _site(out, b"new")
    assert (out / "index.html").read_bytes() == b"new" and leftovers(out) == []


def test_stale_staging_folders_are_removed_and_a_running_builds_never(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _site(out, b"old")
    with write.Staging(out) as running:       # a build in progress, holding its lock
        running.open()
        assert running.folder is not None and running.folder.name.startswith(".site.glossator-new-")
        stale = [".site.glossator-new-abcd1234", ".site.glossator-old-efgh5678", ".site.new-k2j4l5m6",
                 ".site.old-q1w2e3r4"]
        for name in stale:
            (tmp_path / name / "docs").mkdir(parents=True)
            (tmp_path / name / "docs" / "big.html").write_bytes(b"x" * 1000)
        kept = {".site.new-notes": "dir", ".site.glossator-new-file": "file", "site.new-abcd1234": "dir",
                ".site.glossator-new-link": "link", ".other.glossator-new-abcd1234": "dir"}
        for name, kind in kept.items():
            path = tmp_path / name
            if kind == "dir":
                path.mkdir()
            elif kind == "file":
                path.write_text("mine")
            else:
                path.symlink_to(tmp_path / "site")
        young_init = tmp_path / ".site.glossator-init-zzzz9999"
        young_init.mkdir()
        removed = write.remove_stale(out)
        assert sorted(removed) == sorted(stale)
        assert running.folder.is_dir(), "the running build's folder was removed"
        assert young_init.is_dir(), "a folder that may be taking its lock this instant is left for later"
        for name in kept:
            assert os.path.lexists(tmp_path / name), f"{name} is not ours to remove"
    _site(out, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", young_init.name, *kept])


@linux_only
def test_a_build_killed_mid_way_leaves_the_site_and_the_next_build_cleans_up(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    corpus = synth.write(tmp_path / "corpus", docs=300)
    out = tmp_path / "out" / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "builder", "build", str(corpus), "-o", str(out), "-q"]
    assert subprocess.run(cmd, env=env, capture_output=True, timeout=300).returncode == 0
    before = snapshot(out)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not leftovers(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the build ended before it could be killed: make the corpus bigger"
    time.sleep(0.2)                                   # let it write into its staging folder
    os.killpg(proc.pid, signal.SIGKILL)               # the build and every worker it forked
    proc.wait(timeout=30)
    time.sleep(0.2)
    assert leftovers(out), "the killed build left nothing to clean: the test did not kill it mid-way"
    assert snapshot(out) == before, "a killed build changed the site"
    assert subprocess.run(cmd, env=env, capture_output=True, timeout=300).returncode == 0
    assert leftovers(out) == [], "the next build did not remove the killed build's staging folder"


@linux_only
def test_a_killed_worker_fails_the_build_instead_of_hanging_it(tmp_path: Path) -> None:
    """Kill one render worker: the build must end, with an error and no traceback, and write nothing."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    corpus = synth.write(tmp_path / "corpus", docs=300)
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GLOSSATOR_WORKERS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", str(corpus), "-o", str(out), "-q"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Every child at once, while fewer than half the document pages are written: a child
    # that had already sent its result (the search index's, often) could die harmlessly,
    # but a render worker with pages still to make cannot.
    killed: list[int] = []
    deadline = time.monotonic() + 120
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        if 0 < _pages_written(out) < 150:
            for child in _descendants(proc.pid):
                try:
                    os.kill(child, signal.SIGKILL)
                    killed.append(child)
                except ProcessLookupError:
                    pass
        time.sleep(0.002)
    if not killed:
        proc.kill()
        pytest.fail("no worker was running while pages were written: make the corpus bigger")
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the build hung after one of its workers was killed")
    assert proc.returncode == 1, err
    assert "worker process ended" in err and "Traceback" not in err, err
    assert not out.exists() and leftovers(out) == []


def _pages_written(out: Path) -> int:
    """How many document pages are in the staging folder so far (0 before rendering starts)."""
    count = 0
    for staging in out.parent.glob(f".{out.name}.glossator-new-*"):
        try:
            count += len(os.listdir(staging / "docs"))
        except OSError:      # not made yet, or swapped in as the site meanwhile
            pass
    return count


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(c) for c in children)
        frontier.extend(int(c) for c in children)
    return found


def test_staging_folders_are_git_ignored_in_this_repository_and_in_a_new_corpus(tmp_path: Path) -> None:
    from builder.commands import init as scaffold

    names = [".site.glossator-new-abcd1234/index.html", ".site.glossator-old-abcd1234/index.html",
             ".site.glossator-init-abcd1234/x", "._site.glossator-new-abcd1234/index.html"]
    repo = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True)
    assert repo.stdout.split() == names, repo.stderr
    corpus = tmp_path / "new"
    assert scaffold.init(corpus).ok
    subprocess.run(["git", "init", "-q"], cwd=corpus, check=True)
    new = subprocess.run(["git", "check-ignore", *names], cwd=corpus, capture_output=True, text=True)
    assert new.stdout.split() == names, new.stderr
