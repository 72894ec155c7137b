"""Sending prepared documents between processes: pickle's own way against builder.run.transfer.

Prepares a synthetic corpus in one process (as the build's child does for its half),
then times, with the collector paused as in a build, pickle.dumps/loads of the records
as they are and of transfer.encode_all's tuples (plus the encoding and decoding).
Medians of several rounds, CPU seconds.

    python benchmarks/transfer_bench.py [--docs 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import synth  # noqa: E402

from builder.run import pipeline, transfer  # noqa: E402
from builder.read import annotations, corpus  # noqa: E402


def prepared(folder: Path) -> list:
    _, _, metas, _ = corpus.read_index(folder)
    entities, _ = annotations.load_entities(folder)
    shared = pipeline.shared_by(folder, metas, entities)
    return [partial(pipeline.prepare, shared)(m) for m in metas]


def timed(fn):  # noqa: ANN001, ANN201
    start = time.process_time()
    value = fn()
    return value, time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    gc.disable()
    with tempfile.TemporaryDirectory() as tmp:
        records = prepared(synth.write(Path(tmp) / "corpus", args.docs))
    rows: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        data, t = timed(lambda: pickle.dumps(records, protocol=5))
        rows.setdefault("pickle: dumps", []).append(t)
        _, t = timed(lambda: pickle.loads(data))
        rows.setdefault("pickle: loads", []).append(t)
        plain, t = timed(lambda: transfer.encode_all(records))
        rows.setdefault("transfer: encode", []).append(t)
        data, t = timed(lambda: pickle.dumps(plain, protocol=5))
        rows.setdefault("transfer: dumps", []).append(t)
        back, t = timed(lambda: pickle.loads(data))
        rows.setdefault("transfer: loads", []).append(t)
        again, t = timed(lambda: transfer.decode_all(back))
        rows.setdefault("transfer: decode", []).append(t)
        assert again == records
    print(f"{args.docs} prepared documents, CPU seconds, median of {args.rounds} rounds")
    for name, values in rows.items():
        print(f"  {name:<18} {statistics.median(values):5.2f}")
    for way in ("pickle", "transfer"):
        total = sum(statistics.median(v) for k, v in rows.items() if k.startswith(way))
        print(f"  {way + ' in all':<18} {total:5.2f}")


if __name__ == "__main__":
    main()
