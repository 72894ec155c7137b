"""What linking reads of a prepared document (`Summary`): its metadata, its reading text and,
for each annotation, where it is and what it says of whom (`Passage`), without the spans'
selectors or the notes. Linking, the keys of pages and the listings read summaries; a
document's own page reads the document."""

from __future__ import annotations

from builder.core.models import AnchoredDoc, Passage, Summary
from builder.core.passages import PassageTable


def summarize(doc: AnchoredDoc) -> Summary:
    return Summary(doc.meta, doc.doc.text, tuple(p.start for p in doc.doc.paragraphs), PassageTable.of(
        Passage(s.id, a.kind, s.start, s.end, a.speaker, a.via, a.entity, a.to, a.same_as, a.date, a.event,
                a.selector.text if a.kind == "quote" else "", a.where.path, a.where.line, a.where.column)
        for s in doc.spans for a in (s.annotation,)))
