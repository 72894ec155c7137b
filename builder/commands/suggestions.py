"""`glossator serve`'s suggestions, for the page: what `glossator suggest` drafted for a
document (annotations/<id>.suggested.yaml), shown as ghost highlights, accepted into the
sidecar or rejected; and what the suggest code proposes for a passage the author selects.

    GET  /__glossator/api/suggestions/<document>           the drafts, placed in the reading text
    POST /__glossator/api/suggestions/<document>/accept    {ids | min_confidence, fields?, base, suggested}
    POST /__glossator/api/suggestions/<document>/reject    {ids, suggested}
    POST /__glossator/api/propose                          {document, text, prefix, suffix, occurrence, start}

Accepting moves each entry into the sidecar (through the same writer and checks as an
annotation added on the page: the shortest selector, the author's lines kept), adds the
speaker or entity it names to entities.yaml when suggest proposed it as new, and takes the
entry out of the suggestions file; rejecting takes it out and lists its passage under
`rejected:`, which `glossator suggest` keeps and does not propose again. Each is one change
that undo takes back whole. Both are made against the files the page saw (`base`, the
sidecar's SHA-256; `suggested`, the suggestions file's): 409 when either changed since.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus
from typing import Any, Mapping

from builder.commands.authoring import (
    Answer, Authoring, Written, _shape, bad, entries_in, ids_in, sha256,
)
from builder.core import diagnostics
from builder.core.diagnostics import Diagnostic
from builder.core.models import Selector, SourcePath
from builder.prepare import authoring
from builder.prepare.anchoring import locate
from builder.read import suggested as reading
from builder.read.annotations import ENTITIES, GROUPS
from builder.read.files import Text
from builder.site import sidecars
from builder.site.suggested import SUFFIX
from builder.suggest import draft, output

VALUE_KEYS = {"quote": "speaker", "date": "date", "mention": "entity"}   # the key each kind of draft proposes


class Suggestions:
    """The suggestions of one corpus as the page reviews them (changes go through `Authoring`:
    its lock, its history, its conflict answers)."""

    def __init__(self, authoring: Authoring) -> None:
        self.api = authoring

    def _file(self, doc_id: str) -> tuple[str, str | None]:
        rel = f"annotations/{doc_id}{SUFFIX}"
        return rel, self.api._read(rel)

    def show(self, doc_id: str) -> Answer:
        checked = self.api.document(doc_id)
        if checked is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no document '{doc_id}'"}
        rel, text = self._file(doc_id)
        data = reading.parsed(text) or {}
        found = []
        for section, kind in reading.KINDS.items():
            for item in data.get(section) or []:
                sel = reading.selector_of(item)
                if sel is None:
                    continue
                start = locate(checked.anchored.doc, sel)[0]
                found.append({"id": reading.suggestion_id(section, item), "kind": kind, "section": section,
                              **{k: v for k, v in item.items() if k not in ("confidence", "why")},
                              "fields": {VALUE_KEYS[kind]: item.get(VALUE_KEYS[kind])},
                              "confidence": item.get("confidence"), "why": item.get("why"),
                              "start": start, "end": None if start is None else start + len(sel.text)})
        found.sort(key=lambda s: (s["start"] is None, s["start"] or 0))
        _, sidecar, _ = self.api._sidecar(doc_id)
        return HTTPStatus.OK, {"document": doc_id, "path": rel, "exists": text is not None, "suggested": sha256(text),
                               "base": sha256(sidecar), "suggestions": found,
                               "entities": [e for e in data.get("entities") or [] if isinstance(e, dict)],
                               "rejected": len(reading.rejected(data))}

    def propose(self, body: Mapping[str, Any]) -> Answer:
        """What suggest would draft on the selected words: where they are, and per kind the value
        proposed (a date's EDTF and its reasoning, a quote's speaker, a mention's entity); or why
        the selection cannot be annotated (not found, ambiguous, across an annotation's edge)."""
        problem = _shape(body, {"text": str, "prefix": str, "suffix": str, "occurrence": int, "start": int})
        if problem or not isinstance(body.get("document"), str):
            return bad(problem or "send 'document' and the selection (text, prefix, suffix, start)")
        checked = self.api.document(body["document"])
        if checked is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no document '{body['document']}'"}
        doc = checked.anchored
        wanted = Selector(body.get("text") or "", body.get("prefix") or "", body.get("suffix") or "",
                          body.get("occurrence"))
        made = authoring.entry(doc, "note", wanted, {}, set(), body.get("start"))
        if isinstance(made, Diagnostic):
            return bad(made.message, made.hint, (made,))
        start, end = made[2]
        near = draft.at(draft.draft(doc, self.api.entities(), checked.names, blind=True), start, end)
        return HTTPStatus.OK, {"start": start, "end": end, "text": doc.doc.text[start:end], "proposals": {
            kind: {"value": getattr(s, VALUE_KEYS[kind]), "why": s.why, "confidence": s.confidence,
                   "text": doc.doc.text[s.start:s.end], "exact": (s.start, s.end) == (start, end)}
            for kind, s in near.items()}}

    # --- changes

    def accept(self, doc_id: str, body: Mapping[str, Any]) -> Answer:
        problem = _shape(body, {"ids": list, "min_confidence": float, "fields": dict, "base": str, "suggested": str})
        if problem and isinstance(body.get("min_confidence"), int):
            problem = _shape({**body, "min_confidence": float(body["min_confidence"])},
                             {"ids": list, "min_confidence": float, "fields": dict, "base": str, "suggested": str})
        if problem or (body.get("ids") is None) == (body.get("min_confidence") is None):
            return bad(problem or "send 'ids' (the suggestions to accept) or 'min_confidence' (all as confident "
                                  "as that, or more)")
        if body.get("fields") and len(body.get("ids") or ()) != 1:
            return bad("'fields' (an edited suggestion's values) goes with one id")
        checked = self.api.document(doc_id)
        if checked is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no document '{doc_id}'"}
        with self.api.lock:
            rel_s, stext = self._file(doc_id)
            rel, text, problem_d = self.api._sidecar(doc_id)
            if problem_d is not None:
                return bad(problem_d.message, problem_d.hint, (problem_d,))
            found = self._drafts(rel_s, stext, body, self.api._conflict(rel, text, body))
            if isinstance(found[0], tuple):
                return found[0]
            chosen, data = found
            known = {e.id for e in self.api.entities()}
            proposed = {e.get("id"): e for e in data.get("entities") or [] if isinstance(e, dict)}
            taken, entries, accepted, skipped, new_entities = set(ids_in(text or "", rel)), [], [], [], []
            for section, n, item in chosen:
                kind = reading.KINDS[section]
                fields = {VALUE_KEYS[kind]: item.get(VALUE_KEYS[kind]), **(body.get("fields") or {})}
                fields = {k: v for k, v in fields.items() if v not in (None, "")}
                made = authoring.entry(checked.anchored, kind, reading.selector_of(item), fields, taken)
                if isinstance(made, Diagnostic):
                    skipped.append({"id": reading.suggestion_id(section, item), "error": made.message})
                    continue
                keys, ann_id, _ = made
                taken.add(ann_id)
                entries.append((section, keys))
                accepted.append({"suggestion": reading.suggestion_id(section, item), "id": ann_id, "kind": kind,
                                 "at": (section, n)})
                for value in (fields.get("speaker"), fields.get("entity"), fields.get("via")):
                    if value not in known and value in proposed and value not in new_entities:
                        new_entities.append(value)
            if not entries:
                return bad("no suggestion could be accepted" + (f": {skipped[0]['error']}" if skipped else ""))
            new, problem_d = sidecars.appended(text, rel, entries)
            if problem_d is not None:
                return bad(problem_d.message, problem_d.hint, (problem_d,))
            written = []
            etext = self.api._read(ENTITIES)
            enew = etext
            for entity_id in new_entities:
                e = proposed[entity_id]
                group = {kind: group for group, kind in GROUPS.items()}.get(e.get("kind"), "people")
                enew, problem_d = sidecars.entity_added(enew, ENTITIES, group, entity_id, (("name", e.get("name")),))
                if problem_d is not None:
                    return bad(problem_d.message, problem_d.hint, (problem_d,))
            if new_entities:
                written.append(Written(ENTITIES, etext, enew))
            check = replace(checked, known=replace(checked.known, entity_ids=(checked.known.entity_ids or frozenset())
                                                   | frozenset(new_entities)))
            anchored, found, _ = check.check(Text(SourcePath(rel), new))
            errors = tuple(d for d in found if d.severity == "error" and (d.path == rel or anchored is None))
            if diagnostics.has_errors(errors):
                return bad(f"accepting would make {rel} fail its check: nothing was written", found=errors)
            written.append(Written(rel, text, new))
            gone = {a["at"] for a in accepted}
            rest = {k: ([v for i, v in enumerate(data[k]) if (k, i) not in gone] if k in reading.KINDS else
                        [v for v in data[k] if not (k == "entities" and isinstance(v, dict) and v.get("id") in
                                                    new_entities)] if isinstance(data[k], list) else data[k])
                    for k in data}
            written.append(Written(rel_s, stext, _rewritten(doc_id, rest)))
            answer = self.api._write_all(tuple(written), f"accepted {len(accepted)} suggestion"
                                         + "s" * (len(accepted) != 1))
            if answer is not None:
                return answer
            lines = entries_in(new, rel)
            return HTTPStatus.CREATED, {"path": rel, "sha256": sha256(new), "suggested": sha256(written[-1].after),
                                        "entities": new_entities, "skipped": skipped, "accepted": [
                                            {"suggestion": a["suggestion"], "id": a["id"], "kind": a["kind"],
                                             "line": lines[a["id"]][2] if a["id"] in lines else None}
                                            for a in accepted]}

    def reject(self, doc_id: str, body: Mapping[str, Any]) -> Answer:
        problem = _shape(body, {"ids": list, "suggested": str})
        if problem or not body.get("ids"):
            return bad(problem or "send 'ids': the suggestions to reject")
        if self.api.document(doc_id) is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no document '{doc_id}'"}
        with self.api.lock:
            rel_s, stext = self._file(doc_id)
            found = self._drafts(rel_s, stext, body)
            if isinstance(found[0], tuple):
                return found[0]
            chosen, data = found
            gone = {(section, n) for section, n, _ in chosen}
            rest = {k: [v for i, v in enumerate(data[k]) if (k, i) not in gone] if k in reading.KINDS else data[k]
                    for k in data}
            rejected = [*(data.get(reading.REJECTED) or []), *(
                output.rejection(reading.KINDS[section], reading.selector_of(item)) for section, _, item in chosen)]
            rest[reading.REJECTED] = rejected
            after = _rewritten(doc_id, rest)
            answer = self.api._write_all((Written(rel_s, stext, after),), f"rejected {len(chosen)} suggestion"
                                         + "s" * (len(chosen) != 1))
            if answer is not None:
                return answer
            return HTTPStatus.OK, {"path": rel_s, "suggested": sha256(after), "rejected": [
                reading.suggestion_id(section, item) for section, _, item in chosen]}

    def _drafts(self, rel_s: str, stext: str | None, body: Mapping[str, Any], conflict: Answer | None = None,
                ) -> tuple[list[tuple[str, int, dict]] | Answer, dict[str, Any]]:
        """The entries the request names and the suggestions file's data; or the answer why not
        (409: the file, or the sidecar (`conflict`), changed since the page read it)."""
        conflict = self.api._conflict(rel_s, stext, {"base": body.get("suggested")}) or conflict
        if conflict:
            return conflict, {}
        data = reading.parsed(stext) or {}
        return self._chosen(data, body), data

    def _chosen(self, data: Mapping[str, Any], body: Mapping[str, Any]) -> list[tuple[str, int, dict]] | Answer:
        """The entries the request names: by id, or all as confident as `min_confidence`."""
        everything = [(section, n, item) for section in reading.KINDS for n, item in enumerate(data.get(section) or [])
                      if reading.selector_of(item) is not None]
        if body.get("ids") is not None:
            by_id = {reading.suggestion_id(section, item): (section, n, item) for section, n, item in everything}
            missing = [i for i in body["ids"] if i not in by_id]
            if missing:
                return HTTPStatus.NOT_FOUND, {"error": f"no suggestion '{missing[0]}' (run glossator suggest again, "
                                                       "or reload the page)"}
            return [by_id[i] for i in dict.fromkeys(body["ids"])]
        least = float(body["min_confidence"])
        return [(s, n, item) for s, n, item in everything
                if isinstance(item.get("confidence"), (int, float)) and item["confidence"] >= least]


def _rewritten(doc_id: str, data: Mapping[str, Any]) -> str | None:
    """The suggestions file with what is left (None: nothing is left, and the file goes)."""
    if not any(v for v in data.values()):
        return None
    return output.text_of(doc_id, data)

