"""Mentions the aliases miss, and the names entities.yaml does not have.

Mentions of known entities: a name in capitals, a person's surname on its own, a title
before a person's last name, a role read as a quotation's speaker ("the envoy added"), and a
role set beside a name ("Zamir Kabul, the Special Presidential Representative,"). Proposed
entities: every capitalised name that is nobody's alias, with each passage where it occurs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Sequence

from builder.core.models import CleanDoc, Selector
from builder.suggest.names import Name
from builder.suggest.records import NameKind, ProposedEntity
from builder.suggest.selectors import selector

_APPOSITION = re.compile(r",\s+(the\s+[A-Za-z][^,.;:\"“”]{2,70}?)(?=,|\.(?:\s|$)|;)")
_HOW = {"capitals": "the name in capitals", "surname": "the last name of", "title": "a title before the last name of"}
Found = tuple[int, int, str, float, str]     # start, end, entity id, confidence, why


def known_mentions(text: str, names: Sequence[Name], titles: dict[str, str]) -> list[Found]:
    found: list[Found] = []
    for n in names:
        if n.known and n.how in _HOW:
            found.append((n.start, n.end, n.id, n.confidence, f"{_HOW[n.how]} {titles.get(n.id, n.id)}"))
    for n in names:
        if n.known and n.kind == "person":
            m = _APPOSITION.match(text, n.end)
            if m and "\n" not in m.group(1):
                found.append((m.start(1), m.end(1), n.id, 0.55,
                              f"set beside {n.text}, as a description of {titles.get(n.id, n.id)}"))
    return found


def proposed_entities(doc: CleanDoc, names: Iterable[Name], speakers: set[str]) -> list[ProposedEntity]:
    groups: dict[str, list[Name]] = defaultdict(list)
    for n in names:
        if not n.known:
            groups[n.id].append(n)
    out = []
    for entity_id, found in groups.items():
        first = max(found, key=lambda n: (len(n.text), n.confidence))
        confidence = max(n.confidence for n in found)
        kind: NameKind = first.kind
        said = entity_id in speakers
        if said:
            confidence, kind = max(confidence, 0.8), "person" if first.kind != "organization" else kind
        passages: list[Selector] = [selector(doc, n.start, n.end) for n in found]
        why = (f"{'speaks in this document; ' if said else ''}named {len(found)} time{'s' * (len(found) != 1)}; "
               f"looks like {'a person' if kind == 'person' else 'an organisation' if kind == 'organization' else 'a place'}")
        out.append(ProposedEntity(entity_id, first.text, kind, tuple(dict.fromkeys(passages)), round(confidence, 2), why))
    return sorted(out, key=lambda e: e.id)
