"""What one prepared document costs: held as objects (by part), encoded as run/transfer.py
sends it between processes, compressed, and the time to encode and decode it, with the
cycle collector paused as a build runs. The figures for holding documents encoded between
preparing and the pages (issue #20).

    python benchmarks/document_cost.py CORPUS      # a corpus synth.py wrote; pympler installed
"""

from __future__ import annotations

import gc
import pickle
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.read.files import CorpusFiles  # noqa: E402
from builder.run import pipeline, transfer  # noqa: E402
from builder.run.executor import InProcess  # noqa: E402
from builder.run.memo import Fresh  # noqa: E402


def main() -> None:
    from pympler import asizeof

    gc.disable()
    docs = pipeline.prepare(CorpusFiles(Path(sys.argv[1])), Fresh(), InProcess()).docs
    n = len(docs)

    def kb(x: object) -> str:
        return f"{asizeof.asizeof(x) / n / 1024:.1f} KB"

    spans = [s for d in docs for s in d.spans]
    auto = [s for s in spans if s.auto]
    print(f"{n} documents, {len(spans) / n:.1f} passages a document ({len(auto) / n:.1f} alias mentions)")
    print(f"held as objects: {kb(docs)} a document; spans {kb([d.spans for d in docs])}, "
          f"raw blocks {kb([d.doc.raw for d in docs])}, reading text {kb([d.doc.text for d in docs])}")
    print(f"a passage {asizeof.asizeof(spans[:2000]) / min(2000, len(spans)):.0f} B, "
          f"an alias mention {asizeof.asizeof(auto[:2000]) / max(1, min(2000, len(auto))):.0f} B")
    started = time.perf_counter()
    blobs = [pickle.dumps(transfer.encode_all([d]), 5) for d in docs]
    encoding = time.perf_counter() - started
    started = time.perf_counter()
    packed = [zlib.compress(b, 1) for b in blobs]
    compressing = time.perf_counter() - started
    started = time.perf_counter()
    for b in blobs:
        transfer.decode_all(pickle.loads(b))
    decoding = time.perf_counter() - started
    print(f"encoded {sum(map(len, blobs)) / n / 1024:.1f} KB a document ({encoding / n * 1000:.2f} ms); "
          f"zlib level 1 {sum(map(len, packed)) / n / 1024:.1f} KB ({compressing / n * 1000:.2f} ms); "
          f"decoded in {decoding / n * 1000:.2f} ms a document")


if __name__ == "__main__":
    main()
