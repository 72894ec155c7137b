"""Records sent from a worker come back equal, field for field, whatever they hold."""

from __future__ import annotations

import dataclasses
import pickle
import sys
from pathlib import Path

from builder.read.files import CorpusFiles
from builder.run import pipeline, transfer
from builder.run.executor import InProcess
from builder.run.memo import Fresh
from tests.factory import two_docs

ROOT = Path(__file__).resolve().parents[1]


class Recording(InProcess):
    """Runs here, and keeps what each map made: the values a forked executor sends back (as
    they are made, before any codec: which transfer.encode_all must carry)."""

    def __init__(self) -> None:
        self.made: list[list] = []

    def map(self, fn, items, **options):  # noqa: ANN001, ANN003, ANN201 - the executor's map
        options.pop("codec", None)
        results = super().map(fn, items, **options)
        self.made.append(results)
        return results


def _prepared(corpus_dir: Path) -> list:
    executor = Recording()
    pipeline.prepare(CorpusFiles(corpus_dir), Fresh(), executor)
    return executor.made[0]


def _classes(value: object, seen: set[type]) -> set[type]:
    if isinstance(value, tuple):
        for v in value:
            _classes(v, seen)
    elif dataclasses.is_dataclass(value):
        seen.add(type(value))
        for f in dataclasses.fields(value):
            _classes(getattr(value, f.name), seen)
    return seen


def test_the_example_corpus_survives_the_trip() -> None:
    prepared = _prepared(ROOT)
    back = transfer.decode_all(pickle.loads(pickle.dumps(transfer.encode_all(prepared))))
    assert back == prepared
    assert [type(a) for a, _, _, _, _ in back] == [type(a) for a, _, _, _, _ in prepared]


def test_every_record_class_of_a_prepared_document_travels_as_a_tuple(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    prepared = _prepared(synth.write(tmp_path / "corpus", docs=20))
    assert _classes(tuple(prepared), set()) <= set(transfer.CLASSES), "a record class pickle would send slowly"
    assert transfer.decode_all(pickle.loads(pickle.dumps(transfer.encode_all(prepared)))) == prepared


def test_diagnostics_and_missing_documents_travel_too(tmp_path: Path) -> None:
    folder = two_docs(tmp_path, sidecar_a="quotes:\n  - text: nowhere to be found\n    speaker: zamir-kabulov\n")
    (folder / "seeds" / "b.txt").unlink()
    prepared = _prepared(folder)
    assert any(ds for _, ds, _, _, _ in prepared)
    assert transfer.decode_all(pickle.loads(pickle.dumps(transfer.encode_all(prepared)))) == prepared
