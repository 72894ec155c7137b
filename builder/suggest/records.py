"""The records `glossator suggest` hands on: suggestions for one document, and the entities it proposes."""

from __future__ import annotations

from typing import Literal

from builder.core.diagnostics import Diagnostic
from builder.core.models import DocId, Selector
from builder.core.records import record

Kind = Literal["quote", "date", "mention"]
NameKind = Literal["person", "organization", "place"]


@record
class Suggestion:
    """One drafted annotation: where it is in the reading text, what it says, and why."""

    kind: Kind
    start: int
    end: int
    selector: Selector
    confidence: float
    why: str
    speaker: str | None = None      # quote: an entity id (known, or a proposed entity's id)
    date: str | None = None         # date: EDTF
    entity: str | None = None       # mention: an entity id


@record
class ProposedEntity:
    """A name that looks like a person, organisation or place and is not in entities.yaml."""

    id: str
    name: str
    kind: NameKind
    passages: tuple[Selector, ...]
    confidence: float
    why: str


@record
class Drafted:
    """Everything suggested for one document."""

    doc: DocId
    quotes: tuple[Suggestion, ...] = ()
    dates: tuple[Suggestion, ...] = ()
    mentions: tuple[Suggestion, ...] = ()
    entities: tuple[ProposedEntity, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def count(self) -> int:
        return len(self.quotes) + len(self.dates) + len(self.mentions) + len(self.entities)
