"""Both cores, same bytes: a parallel build equals a serial one, file for file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder.run import executor as parallel

ROOT = Path(__file__).resolve().parents[1]


def test_map_ordered_keeps_input_order_across_workers() -> None:
    items = list(range(500))
    assert parallel.map_ordered(lambda x: x * x, items, 2) == [x * x for x in items]
    assert parallel.map_ordered(lambda x: x, [], 2) == []


def test_map_halves_keeps_order_and_decodes_the_childs_half(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    items = list(range(parallel.MIN_ITEMS * 3))
    sent = []
    result = parallel.map_halves(lambda x: x * x, items, encode=lambda r: [-v for v in r],
                                 decode=lambda r: sent.append(len(r)) or [-v for v in r])
    assert result == [x * x for x in items]
    assert sent == [len(items) // 2], "the second half comes from the child, through encode and decode"


def test_map_halves_reports_a_failing_child_instead_of_waiting(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    items = list(range(parallel.MIN_ITEMS * 2))

    def fails_late(x: int) -> int:
        if x == items[-1]:
            raise ValueError("broken document")
        return x

    with pytest.raises(RuntimeError, match="broken document"):
        parallel.map_halves(fails_late, items)


def test_parallel_and_serial_builds_are_byte_identical(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=parallel.MIN_ITEMS * 2)
    sites = {}
    for workers in ("1", "2"):
        out = tmp_path / f"site-{workers}"
        subprocess.run([sys.executable, "-m", "builder", "build", str(corpus), "--out", str(out), "-q"], check=True,
                       env={**os.environ, "GLOSSATOR_WORKERS": workers}, cwd=ROOT)
        sites[workers] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sites["1"].keys() == sites["2"].keys()
    assert [p for p in sites["1"] if sites["1"][p] != sites["2"][p]] == []


def test_background_returns_the_childs_result_or_its_failure(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    parent = os.getpid()
    assert parallel.Background(lambda: os.getpid()).result() != parent, "computed in a child"
    assert parallel.Background(lambda: os.getpid(), enabled=False).result() == parent

    def broken() -> None:
        raise ValueError("index exploded")

    with pytest.raises(RuntimeError, match="index exploded"):
        parallel.Background(broken).result()


def test_heavy_items_go_first_and_results_keep_input_order() -> None:
    items = list(range(300))
    started = parallel.map_ordered(lambda x: (x, os.getpid()), items, 2, heavy=lambda x: x in (150, 299))
    assert [x for x, _ in started] == items
    assert parallel.map_ordered(lambda x: -x, items, 2, heavy=lambda x: x % 7 == 0) == [-x for x in items]


def test_a_cancelled_background_child_is_stopped(monkeypatch) -> None:  # noqa: ANN001
    import time

    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    job = parallel.Background(lambda: time.sleep(60))
    child = job._child
    started = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - started < 5
    assert child is not None and not child.is_alive()


def test_map_halves_stops_its_child_when_the_parents_half_fails(monkeypatch) -> None:  # noqa: ANN001
    import multiprocessing
    import time

    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    items = list(range(parallel.MIN_ITEMS * 2))

    def slow_child_broken_parent(x: int) -> int:
        if x == 0:
            raise ValueError("the first half broke")
        if x >= len(items) // 2:
            time.sleep(60)
        return x

    started = time.perf_counter()
    with pytest.raises(ValueError, match="first half broke"):
        parallel.map_halves(slow_child_broken_parent, items)
    assert time.perf_counter() - started < 10
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("n", [1, 2])
def test_after_sees_every_result_once_in_the_process_that_computed_it(tmp_path: Path, n: int) -> None:
    """map_ordered's `after` runs where the results were made (a worker writes its own pages),
    and what it returns comes back in their place (the pages' names, not the pages)."""
    items = list(range(parallel.MIN_ITEMS * 3))

    def after(results: list[tuple[int, int]]) -> list[tuple[int, int]]:
        for x, pid in results:
            assert pid == os.getpid()
            (tmp_path / f"{x}.{pid}").write_text("")
        return [(x, pid) for x, pid in results]

    out = parallel.map_ordered(lambda x: (x, os.getpid()), items, n, heavy=lambda x: x == 5, after=after)
    assert [x for x, _ in out] == items
    written = sorted((int(p.name.split(".")[0]), int(p.name.split(".")[1])) for p in tmp_path.iterdir())
    assert written == sorted(out)
    assert parallel.map_ordered(lambda x: x * 2, items, n, after=lambda done: [str(x) for x in done]) == \
        [str(x * 2) for x in items]
    assert all(pid != os.getpid() for _, pid in out) == (n > 1), "with two workers, none of it is done here"


def test_a_written_build_reports_the_site_the_in_memory_build_makes(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """build_and_write's pages and index files are written by the processes that made them and
    only named to this one (write.OnDisk reads them back when asked): the site it reports is
    the one build() returns whole, byte for byte."""
    from builder.run import pipeline
    from builder.site import staging as write

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    corpus = synth.write(tmp_path / "corpus", docs=parallel.MIN_ITEMS * 2)
    written = pipeline.build_and_write(corpus, tmp_path / "site")
    whole = pipeline.build(corpus)
    assert isinstance(written.site, write.OnDisk) and not isinstance(whole.site, write.OnDisk)
    assert list(written.site) == list(whole.site) and written.pages == whole.pages
    assert dict(written.site) == dict(whole.site)
