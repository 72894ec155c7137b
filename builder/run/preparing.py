"""One document prepared: its file read, its sidecar checked, cleaned, anchored (the per-document
step of builder.run.pipeline, which the executor spreads), and what the authoring API reads to
check it again with another text of its sidecar (`Checked`)."""

from __future__ import annotations

from dataclasses import dataclass

from builder.core.diagnostics import Diagnostic
from builder.core.models import AnchoredDoc, CleanSpec, DocId, DocMeta, EntityId
from builder.prepare import anchoring, clean
from builder.read import annotations, documents
from builder.read.files import Text


@dataclass(frozen=True)
class Known:
    """What checking a sidecar reads besides the sidecar: the ids its references may name (None
    when INDEX.md or entities.yaml could not be read: then references go unchecked), and the
    places whose name looks like a person's."""

    entity_ids: frozenset[EntityId] | None
    doc_ids: frozenset[DocId] | None
    places: frozenset[EntityId]


# (anchored, problems, complete): the raw document, when the file was read, is anchored.doc.raw.
Prepared1 = tuple[AnchoredDoc | None, tuple[Diagnostic, ...], bool]


def prepare_document(meta: DocMeta, source: Text, sidecar: Text | None, known: Known,
                     names: anchoring.Aliases) -> Prepared1:
    """One document: its file read → its sidecar checked → cleaned → anchored. The last value
    says whether everything of it was read (its file, and its sidecar if it has one)."""
    raw, found_r = documents.read_document(meta, source)
    loaded, found_a = (None, ()) if sidecar is None else annotations.load_sidecar(
        sidecar, meta.id, known.entity_ids, known.doc_ids, known.places)
    complete = raw is not None and (sidecar is None or loaded is not None)
    if raw is None:
        return None, (*found_r, *found_a), complete
    cleaned, found_c = clean.clean(raw, loaded.clean if loaded else CleanSpec())
    anchored, found_n = anchoring.anchor_document(cleaned, loaded, names)
    return anchored, (*found_r, *found_a, *found_c, *found_n), complete


@dataclass(frozen=True)
class Checked:
    """One document as a build prepared it, and what `prepare_document` reads to check it
    again with another text of its sidecar (`glossator serve`'s authoring API)."""

    meta: DocMeta
    source: Text
    sidecar: Text | None
    known: Known
    names: anchoring.Aliases
    anchored: AnchoredDoc

    def check(self, sidecar: Text) -> Prepared1:
        return prepare_document(self.meta, self.source, sidecar, self.known, self.names)
