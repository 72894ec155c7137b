"""The Dask executor: the per-document map on a dask.distributed cluster, the rest here.

A LocalCluster of two worker processes (spawned: they share no memory with this one, so
whatever reaches them was pickled and sent) builds the example corpus and a synthetic one
to the bytes of a local build; the corpus's problems read the same; a worker that dies is
Dask's to retry; without Dask, --dask says how to install it.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Iterator

import dask
import distributed
import pytest

from builder.commands import cli
from builder.run import dask_executor, executor as local, pipeline

from conftest import copy_corpus


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def on_dask() -> Iterator[dask_executor.Dask]:
    """Two single-threaded worker processes; a task whose worker dies is tried once more."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0", silence_logs=50) as cluster, \
                distributed.Client(cluster, set_as_default=False) as client:
            yield dask_executor.Dask(client)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", *args], out, err)
    return code, out.getvalue(), err.getvalue()


# --- the executor's contract, as test_executor.py holds the others to it ------------------------


def test_map_keeps_input_order_with_heavy_items_and_a_codec(on_dask: dask_executor.Dask) -> None:
    items = list(range(300))
    assert on_dask.map(lambda x: x * x, items) == [x * x for x in items]
    assert on_dask.map(lambda x: -x, items, heavy=lambda x: x % 7 == 0) == [-x for x in items]
    assert on_dask.map(lambda x: x, []) == []
    sent: list[int] = []
    codec = local.Codec(lambda r: [("wire", v) for v in r], lambda r: sent.append(len(r)) or [v for _, v in r])
    assert on_dask.map(lambda x: x + 1, items, codec=codec) == [x + 1 for x in items]
    assert sum(sent) == len(items) and len(sent) > 1, "every chunk crossed in the codec's form, decoded here"


def test_the_map_runs_on_the_workers_and_keep_runs_here(on_dask: dask_executor.Dask) -> None:
    """A worker cannot reach this machine's staging folder: what it makes comes back and
    `keep` (the pages written) runs in this process, on each chunk as it arrives."""
    items = list(range(200))
    kept: list[int] = []

    def keep(made: list[tuple[int, int]]) -> list[int]:
        kept.append(len(made))
        return [x for x, _ in made]

    assert on_dask.map(lambda x: (x, os.getpid()), items, keep=keep) == items
    assert sum(kept) == len(items) and len(kept) > 1
    pids = {pid for _, pid in on_dask.map(lambda x: (x, os.getpid()), items)}
    assert pids and os.getpid() not in pids, "the worker processes, never this one"


def test_a_failure_on_a_worker_raises_the_same_exception_here(on_dask: dask_executor.Dask) -> None:
    def broken(x: int) -> int:
        if x == 150:
            raise ValueError("broken document 150")
        return x

    with pytest.raises(ValueError, match="broken document 150"):
        on_dask.map(broken, list(range(200)))
    assert on_dask.map(lambda x: x, [1, 2, 3]) == [1, 2, 3], "the cluster is still usable"


def test_a_worker_that_dies_is_retried_by_dask_then_reported(on_dask: dask_executor.Dask, tmp_path: Path) -> None:
    """Dask runs a dead worker's tasks again (allowed-failures=1 here: once); our code has no
    retry of its own, and a task that kills every worker it runs on fails the map (Dask gives
    up on it, or the function sent to the workers went with them)."""
    died = tmp_path / "died"

    def dies_once(x: int) -> int:
        if x == 7 and not died.exists():
            died.write_text("")
            os._exit(1)
        return x * 2

    assert on_dask.map(dies_once, list(range(40))) == [x * 2 for x in range(40)]
    assert died.exists(), "a worker did die, and its task ran again elsewhere"

    def always_dies(x: int) -> int:
        if x == 3:
            os._exit(1)
        return x

    with pytest.raises(local.WorkerLost, match=r"killed, or out of memory\?"):
        on_dask.map(always_dies, list(range(10)))


def test_a_job_beside_the_map_runs_here_and_returns_its_result_or_its_failure(on_dask: dask_executor.Dask) -> None:
    assert on_dask.submit(os.getpid).result() == os.getpid(), "the global steps stay in the client"

    def broken() -> None:
        raise ValueError("index exploded")

    job = on_dask.submit(broken)
    with pytest.raises(ValueError, match="index exploded"):
        job.result()
    job.cancel()


# --- builds --------------------------------------------------------------------------------------


def test_the_example_corpus_built_with_dask_local_equals_a_local_build(
        tmp_path: Path, example_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    code, out, err = build([str(ROOT), "--out", str(tmp_path / "site"), "--dask", "local"])
    assert code == 0 and "error" not in err and "warning" not in err, err
    # Not a terminal: plain progress lines, the counts made of the chunks that came back from the workers.
    assert err.startswith("starting Dask (local)\n") and "rendering pages and exports: 65/65 (100%)\n" in err
    assert out.startswith("built 5 documents")
    dask_site, local_site = files_of(tmp_path / "site"), files_of(example_site)
    assert dask_site.keys() == local_site.keys()
    assert [p for p in local_site if dask_site[p] != local_site[p]] == []


def test_a_synthetic_corpus_built_on_dask_equals_a_local_build(tmp_path: Path, on_dask: dask_executor.Dask) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    corpus = synth.write(tmp_path / "corpus", docs=200)
    on_cluster = pipeline.build_and_write(corpus, tmp_path / "dask", executor=on_dask)
    here = pipeline.build_and_write(corpus, tmp_path / "local", executor=local.default())
    assert on_cluster.ok and here.ok and on_cluster.pages == here.pages > 200
    dask_site, local_site = files_of(tmp_path / "dask"), files_of(tmp_path / "local")
    assert dask_site.keys() == local_site.keys()
    assert [p for p in local_site if dask_site[p] != local_site[p]] == []


def test_a_sidecar_error_reads_the_same_with_dask_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The document is read, checked and anchored on a worker: its problems come back as the
    same positioned lines a local build prints."""
    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    sidecar = corpus / "annotations" / "rt-2021-naeem.yaml"
    sidecar.write_text(sidecar.read_text("utf-8").replace("speaker: muhammad-naeem\n    via: al-mayadeen",
                                                          "speaker: muhammad-naem\n    via: al-mayadeen", 1), "utf-8")
    monkeypatch.setenv("GLOSSATOR_WORKERS", "2")
    local_code, _, local_err = build([str(corpus), "--out", str(tmp_path / "site"), "-q"])
    dask_code, _, dask_err = build([str(corpus), "--out", str(tmp_path / "site"), "--dask", "local", "-q"])
    assert local_err.startswith("annotations/rt-2021-naeem.yaml:28:14: error: unknown speaker 'muhammad-naem'\n"
                                "  hint: did you mean 'muhammad-naeem'?\n")
    assert (dask_code, dask_err) == (local_code, local_err) == (1, local_err)
    assert not (tmp_path / "site").exists()


def test_a_template_that_fails_on_a_worker_is_reported_at_its_line(
        tmp_path: Path, on_dask: dask_executor.Dask) -> None:
    """Pages render on the workers from the templates' text read here (the workers need not
    see the theme's files): an error while rendering names the same template line."""
    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    templates = corpus / "themes" / "default" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "entity.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<h1>{{ entity.name }}</h1>\n'
        '<p>{{ entity.no_such_field.deeper }}</p>\n{% endblock %}\n', "utf-8")
    on_cluster = pipeline.build(corpus, executor=on_dask)
    here = pipeline.build(corpus, executor=local.InProcess())
    lines = [d.format() for d in on_cluster.diagnostics]
    assert not on_cluster.ok and lines == [d.format() for d in here.diagnostics]
    assert any(line.startswith("themes/default/templates/entity.html:4:1: error: template error:") for line in lines)


# --- without Dask, or without a cluster ------------------------------------------------------------


def test_without_dask_the_option_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)   # `import distributed` raises ImportError
    code, out, err = build([str(ROOT), "--out", str(tmp_path / "site"), "--dask", "local", "-q"])
    assert code == cli.EXIT_USAGE and out == ""
    assert err == "glossator build: error: --dask needs Dask, which is not installed here: " \
                  "pip install 'glossator[dask]'\n"
    assert not (tmp_path / "site").exists()


def test_a_scheduler_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, _, err = build([str(ROOT), "--out", str(tmp_path / "site"), "--dask", "tcp://127.0.0.1:9", "-q"])
    assert code == cli.EXIT_USAGE
    assert err.startswith("glossator build: error: cannot reach a Dask scheduler at tcp://127.0.0.1:9: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "site").exists()


def test_workers_that_run_another_glossator_are_refused(on_dask: dask_executor.Dask) -> None:
    assert set(on_dask.client.run(dask_executor.glossator_version).values()) == {dask_executor.__version__}
    dask_executor.check_workers(on_dask.client, "here")   # the same version: accepted

    class Elsewhere:
        """A scheduler whose second worker has an older Glossator installed."""

        def run_on_scheduler(self, fn: object) -> str:
            return dask_executor.__version__

        def wait_for_workers(self, n: int, timeout: float) -> None:
            pass

        def run(self, fn: object, on_error: str) -> dict[str, str]:
            return {"tcp://10.0.0.1:1": dask_executor.__version__, "tcp://10.0.0.2:1": "0.0.9"}

    with pytest.raises(dask_executor.Unavailable, match=r"must run glossator .*tcp://10\.0\.0\.2:1 has 0\.0\.9$"):
        dask_executor.check_workers(Elsewhere(), "tcp://10.0.0.1:8786")


def test_a_look_crosses_as_its_templates_text_and_reads_no_file_there(tmp_path: Path) -> None:
    """What a worker renders from: the theme's templates as read here, so that the theme's
    folder (gone below, as it is on another machine) is never opened there."""
    import pickle
    import shutil

    corpus = copy_corpus(ROOT, tmp_path / "corpus")
    (corpus / "themes" / "default" / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}<p>Lost, here.</p>{% endblock %}\n', "utf-8")
    built = pipeline.build(corpus, executor=local.InProcess())
    linked, _ = pipeline.check(corpus, executor=local.InProcess())
    settings = pipeline.config.load(corpus)[0]
    the_site = pipeline.site(linked, settings, pipeline.look(corpus, settings, pipeline.Fresh(),
                                                             pipeline.CorpusFiles(corpus)))
    sent = pickle.dumps(the_site.render)
    shutil.rmtree(corpus / "themes")
    there = pickle.loads(sent)
    for path in ("404.html", "index.html", "docs/rt-2021-naeem.html"):
        assert there(path) == (path, built.site[path], None)
    assert b"Lost, here." in built.site["404.html"]
    assert pickle.loads(pickle.dumps(there)).__self__.look.env.loader.sources == \
        there.__self__.look.env.loader.sources, "sent on again (worker to worker) from the text, not the files"
