"""Linking and page rendering of a corpus, timed in one process: how long linking takes, and
each page that lists the whole corpus, the entity pages and the document pages, per
document of the corpus (what grows faster than the corpus shows as a growing figure).

    python benchmarks/linking_and_pages.py CORPUS [SRC]

CORPUS: a corpus synth.py wrote (`synth.write(DIR, N)`); SRC: the Glossator tree to import
(default: this one), to time two commits in turn.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).resolve().parents[1]))
from builder.html import reads  # noqa: E402
from builder.read.files import CorpusFiles  # noqa: E402
from builder.run import collector, pipeline  # noqa: E402
from builder.run.executor import default  # noqa: E402
from builder.run.memo import Fresh  # noqa: E402


def main() -> None:
    corpus = Path(sys.argv[1])
    with collector.paused():    # as a build runs
        memo, files = Fresh(), CorpusFiles(corpus)
        prepared = pipeline.prepare(files, memo, default(), for_search=False)
        started = time.perf_counter()
        linked, _ = pipeline.link(prepared, memo)
        print(f"linking {time.perf_counter() - started:.2f} s")
        the_look = pipeline.look(corpus, prepared.settings, memo, files)
        site = pipeline.site(linked, prepared.settings, the_look)
        n = len(linked.docs)
        for path in (p for p in site.makers if p in reads.WHOLE_CORPUS):
            started = time.perf_counter()
            site.render(path)
            took = time.perf_counter() - started
            print(f"{path:28} {took:7.3f} s  {took / n * 1e6:6.1f} us a document")
        for kind, limit in (("entities/", 50), ("docs/", 300)):
            paths = [p for p in site.makers if p.startswith(kind)]
            started = time.perf_counter()
            for path in paths[:limit]:
                site.render(path)
            each = (time.perf_counter() - started) / min(limit, len(paths))
            print(f"{kind:28} {each * 1000:7.2f} ms a page x {len(paths)} = {each * len(paths):.2f} s, "
                  f"{each * len(paths) / n * 1e6:.1f} us a document")


if __name__ == "__main__":
    main()
