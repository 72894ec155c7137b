"""Records sent from a worker come back equal, field for field, whatever they hold."""

from __future__ import annotations

import dataclasses
import pickle
import sys
from functools import partial
from pathlib import Path

from builder.run import pipeline, transfer
from builder.read import annotations, corpus
from tests.factory import two_docs

ROOT = Path(__file__).resolve().parents[1]


def _prepared(corpus_dir: Path) -> list:
    _, _, metas, _ = corpus.read_index(corpus_dir)
    entities, _ = annotations.load_entities(corpus_dir)
    shared = pipeline.shared_by(corpus_dir, metas, entities)
    return [partial(pipeline.prepare, shared)(m) for m in metas]


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
    assert [type(a) for _, a, _, _ in back] == [type(a) for _, a, _, _ in prepared]


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
    assert any(ds for _, _, ds, _ in prepared)
    assert transfer.decode_all(pickle.loads(pickle.dumps(transfer.encode_all(prepared)))) == prepared
