"""`glossator serve`'s authoring API: annotations added, edited and deleted in the sidecars,
and the last change undone (the HTTP side, with its checks of who asks, is builder.commands.api).

Every change is made against the sidecar the page saw (`base`, the SHA-256 of its bytes, ""
for none): if the file changed on disk since, nothing is written and the answer is 409 with
what changed. The new text is written by the one writer of sidecars (builder.site.sidecars:
comments, key order, quoting and blank lines kept), and only after it passed the checks a
build makes of that document (schema, anchoring, references): otherwise 400 with the
diagnostics, placed in the text that was refused. The file is replaced whole (a new file
renamed over it); the watcher then rebuilds and the open pages reload, as after any edit.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Mapping

from builder.core import diagnostics
from builder.core.diagnostics import Diagnostic, error
from builder.core.models import Annotation, DocMeta, Entity, Selector, SourcePath, Where
from builder.prepare import authoring
from builder.prepare.anchoring import derived_id
from builder.read import yamlpos
from builder.read.annotations import ENTITIES, GROUPS, SECTIONS, load_entities
from builder.read.files import CorpusFiles, Text
from builder.run.preparing import Checked
from builder.site import sidecars

SECTION_OF = {kind: section for section, kind in SECTIONS.items()}
KINDS = ("quote", "date", "mention", "note", "link")
REQUEST = "(request)"
Answer = tuple[HTTPStatus, dict[str, Any]]


def sha256(text: str | None) -> str:
    return "" if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Written:
    """One file a change wrote: its text before (None: there was no file) and after."""

    rel: str
    before: str | None
    after: str | None         # None: the change removed it


@dataclass(frozen=True)
class Change:
    """One change of the API, to undo: the files it wrote (an accepted suggestion writes the
    sidecar, the suggestions file and perhaps entities.yaml), in the order they were written."""

    files: tuple[Written, ...]
    what: str


def bad(message: str, hint: str = "", found: tuple[Diagnostic, ...] = ()) -> Answer:
    items = found or (error(REQUEST, 1, 1, message, hint),)
    return HTTPStatus.BAD_REQUEST, {"error": message, "diagnostics": [
        {**d.as_dict(), "where": f"{d.path}:{d.line}:{d.column}"} for d in diagnostics.sort(items)]}


class Authoring:
    """The sidecars of one corpus as the API changes them; one change at a time."""

    def __init__(self, corpus_dir: Path, document: Callable[[str], Checked | None],
                 entities: Callable[[], tuple[Entity, ...]] = tuple,
                 documents: Callable[[], tuple[DocMeta, ...]] = tuple,
                 on_write: Callable[[Path, str | None], None] = lambda _path, _text: None) -> None:
        self.dir = corpus_dir
        self.on_write = on_write            # told of each file written (the server rebuilds at once)
        self.document = document            # the live site's LiveSite.document
        self.entities = entities            # LiveSite.entities
        self.documents = documents          # and LiveSite.documents
        self.token = secrets.token_urlsafe(32)
        self.lock = threading.Lock()
        self.history: list[Change] = []
        self.seen: OrderedDict[str, str] = OrderedDict()   # texts the pages may have seen, by SHA-256

    # --- reading

    def _sidecar(self, doc_id: str) -> tuple[str, str | None, Diagnostic | None]:
        """The sidecar's path, its text now (None: no file) or why it cannot be read."""
        files = CorpusFiles(self.dir)
        # as files.sidecars() finds it (x.yaml before x.yml), without listing every sidecar
        rel = next((SourcePath(f"annotations/{doc_id}{ext}") for ext in (".yaml", ".yml")
                    if os.path.lexists(self.dir / "annotations" / f"{doc_id}{ext}")), SourcePath(f"annotations/{doc_id}.yaml"))
        source = files.text(rel, optional=True)
        if source is not None and source.text is None:
            return rel, None, source.found[0] if source.found else error(rel, 1, 1, "cannot be read")
        text = None if source is None else source.text
        self._remember(text)
        return rel, text, None

    def _remember(self, text: str | None) -> None:
        if text is not None:
            self.seen[sha256(text)] = text
            self.seen.move_to_end(sha256(text))
            while len(self.seen) > 256:
                self.seen.popitem(last=False)

    def show(self, doc_id: str) -> Answer:
        """GET: the sidecar's path, hash and text, and its annotations with their ids and lines."""
        if self.document(doc_id) is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no document '{doc_id}'"}
        rel, text, problem = self._sidecar(doc_id)
        if problem is not None:
            return bad(problem.message, problem.hint, (problem,))
        return HTTPStatus.OK, {"document": doc_id, "path": rel, "sha256": sha256(text), "exists": text is not None,
                               "text": text or "", "annotations": [
                                   {"id": i, "section": s, "kind": SECTIONS[s], "index": n, "line": line,
                                    "fields": _plain(item)}
                                   for i, (s, n, line, item) in entries_in(text or "", rel).items()]}

    # --- changing

    def add(self, body: Mapping[str, Any]) -> Answer:
        doc_id, kind = body.get("document"), body.get("kind")
        if not isinstance(doc_id, str) or kind not in KINDS:
            return bad("send 'document' (a document id) and 'kind' (one of " + ", ".join(KINDS) + ")")
        problem = _shape(body, {"text": str, "prefix": str, "suffix": str, "occurrence": int, "start": int,
                                "fields": dict, "base": str, "entity": dict, "entities_base": str})
        if problem:
            return bad(problem)
        if (body.get("occurrence") or 1) < 1:
            return bad("'occurrence' counts from 1")
        fields = {k: v for k, v in (body.get("fields") or {}).items() if v is not None}
        misplaced = [k for k in fields if k in authoring.SELECTOR_KEYS]
        if misplaced:
            return bad(f"'{misplaced[0]}' belongs beside 'fields', not in it", "the selection is text, prefix, "
                       "suffix and occurrence at the top of the request")
        checked = self.document(doc_id)
        if checked is None:
            return bad(f"no document '{doc_id}' (or it could not be read in the last build)")
        with self.lock:
            rel, text, problem_d = self._sidecar(doc_id)
            if problem_d is not None:
                return bad(problem_d.message, problem_d.hint, (problem_d,))
            conflict = self._conflict(rel, text, body)
            if conflict:
                return conflict
            wanted = Selector(body.get("text") or "", body.get("prefix") or "", body.get("suffix") or "",
                              body.get("occurrence"))
            made = authoring.entry(checked.anchored, kind, wanted, fields, set(ids_in(text or "", rel)),
                                   body.get("start"))
            if isinstance(made, Diagnostic):
                return bad(made.message, made.hint, (made,))
            keys, ann_id, _ = made
            new, problem_d = sidecars.appended(text, rel, [(SECTION_OF[kind], keys)])
            if problem_d is not None:
                return bad(problem_d.message, problem_d.hint, (problem_d,))
            assert new is not None
            first: tuple[Written, ...] = ()
            entity = body.get("entity")
            if entity:       # a new speaker or entity, added to entities.yaml in the same change
                group = {kind: group for group, kind in GROUPS.items()}.get(entity.get("kind"))
                if group is None or not isinstance(entity.get("id"), str) or not isinstance(
                        (entity.get("fields") or {}).get("name"), str):
                    return bad("'entity': " + NEW_ENTITY)
                etext = self._read(ENTITIES)
                conflict = self._conflict(ENTITIES, etext, {"base": body.get("entities_base")})
                if conflict:
                    return conflict
                enew = _entity_added(etext, group, entity["id"], entity["fields"])
                if not isinstance(enew, str):
                    return enew
                first = (Written(ENTITIES, etext, enew),)
                checked = replace(checked, known=replace(checked.known, entity_ids=(
                    checked.known.entity_ids or frozenset()) | {entity["id"]}))
            return self._save(checked, rel, text, new, ann_id, f"added {kind} {ann_id}", HTTPStatus.CREATED, first)

    def edit(self, doc_id: str, ann_id: str, body: Mapping[str, Any]) -> Answer:
        problem = _shape(body, {"fields": dict, "base": str})
        if problem or not body.get("fields"):
            return bad(problem or "send 'fields': the keys to set (null removes one)")
        fixed = [k for k in body["fields"] if k in (*authoring.SELECTOR_KEYS, "id")]
        if fixed:
            return bad(f"'{fixed[0]}' cannot be edited here", "delete the annotation and add it again on other words")
        return self._change(doc_id, ann_id, body, lambda text, rel, s, n: sidecars.edited(text, rel, s, n, body["fields"]),
                            "edited")

    def delete(self, doc_id: str, ann_id: str, body: Mapping[str, Any]) -> Answer:
        problem = _shape(body, {"base": str})
        if problem:
            return bad(problem)
        return self._change(doc_id, ann_id, body, sidecars.deleted, "deleted")

    def _change(self, doc_id: str, ann_id: str, body: Mapping[str, Any],
                make: Callable[[str, str, str, int], tuple[str | None, Diagnostic | None]], verb: str) -> Answer:
        checked = self.document(doc_id)
        if checked is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no document '{doc_id}'"}
        with self.lock:
            rel, text, problem = self._sidecar(doc_id)
            if problem is not None:
                return bad(problem.message, problem.hint, (problem,))
            conflict = self._conflict(rel, text, body)
            if conflict:
                return conflict
            place = ids_in(text or "", rel).get(ann_id)
            if text is None or place is None:
                return HTTPStatus.NOT_FOUND, {"error": f"{rel} has no annotation '{ann_id}'"}
            new, problem = make(text, rel, place[0], place[1])
            if problem is not None:
                return bad(problem.message, problem.hint, (problem,))
            assert new is not None
            return self._save(checked, rel, text, new, ann_id, f"{verb} {ann_id}", HTTPStatus.OK)

    def _conflict(self, rel: str, text: str | None, body: Mapping[str, Any]) -> Answer | None:
        """409 when the page's idea of the sidecar (`base`) is not the file on disk: with the
        file now, and what changed since the page's version when the server has seen it."""
        base, now = body.get("base"), sha256(text)
        if base == now:
            return None
        if not isinstance(base, str):
            return bad("send 'base': the SHA-256 of the sidecar the change was made against (\"\" for none)")
        seen = self.seen.get(base, "" if base == "" else None)
        diff = None if seen is None else "".join(difflib.unified_diff(
            seen.splitlines(keepends=True), (text or "").splitlines(keepends=True), f"{rel} (the page's)", f"{rel} (on disk)"))
        return HTTPStatus.CONFLICT, {"error": f"{rel} changed on disk since the page read it: nothing was written",
                                     "path": rel, "base": base, "sha256": now, "text": text or "", "diff": diff}

    def _save(self, checked: Checked, rel: str, old: str | None, new: str, ann_id: str, what: str,
              status: HTTPStatus, first: tuple[Written, ...] = ()) -> Answer:
        anchored, found, _ = checked.check(Text(SourcePath(rel), new))
        errors = tuple(d for d in found if d.severity == "error" and (d.path == rel or anchored is None))
        if diagnostics.has_errors(errors):
            return bad(f"the change would make {rel} fail its check: nothing was written", found=errors)
        answer = self._write_all((*first, Written(rel, old, new)), what)
        if answer is not None:
            return answer
        line = ids_in(new, rel).get(ann_id)
        return status, {"id": ann_id, "path": rel, "sha256": sha256(new), **({"line": line[2]} if line else {})}

    def _write_all(self, files: tuple[Written, ...], what: str) -> Answer | None:
        """Write each file in turn, if each still holds what was read; one change in the history.
        If one cannot be written, those written before it are put back and the answer says why."""
        done: list[Written] = []
        for w in files:
            if w.after is None:
                problem = sidecars.remove(self.dir, w.rel, w.before) if w.before is not None else None
            else:
                problem = sidecars.write(self.dir, w.rel, w.before, w.after, by="serve")
            if problem is not None:
                for back in reversed(done):
                    if back.before is None:
                        sidecars.remove(self.dir, back.rel, back.after or "")
                    else:
                        sidecars.write(self.dir, back.rel, back.after, back.before, by="serve")
                now = self._read(w.rel)
                if now != w.before:
                    return self._conflict(w.rel, now, {"base": sha256(w.before)}) or (
                        HTTPStatus.CONFLICT, {"error": problem.message})
                return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": problem.message, "diagnostics": [problem.as_dict()]}
            done.append(w)
            self._remember(w.after)
            self.on_write(self.dir / w.rel, w.after)
        self.history.append(Change(files, what))
        return None

    def show_entities(self) -> Answer:
        """GET: the entities (as the last build read them), and entities.yaml's hash now."""
        text = self._read(ENTITIES)
        return HTTPStatus.OK, {"path": ENTITIES, "sha256": sha256(text), "entities": [
            {"id": e.id, "kind": e.kind, "name": e.name, "aliases": list(e.aliases)} for e in self.entities()]}

    def show_documents(self) -> Answer:
        """GET: the documents (id and title), for a link's type-ahead."""
        return HTTPStatus.OK, {"documents": [{"id": m.id, "title": m.title} for m in self.documents()]}

    def add_entity(self, body: Mapping[str, Any]) -> Answer:
        """A person, organisation or place added to entities.yaml (for a quote's new speaker)."""
        group = {kind: group for group, kind in GROUPS.items()}.get(body.get("kind"))   # type: ignore[arg-type]
        problem = _shape({k: v for k, v in body.items() if k not in ("id", "kind")}, {"fields": dict, "base": str})
        fields = body.get("fields") or {}
        if group is None or not isinstance(body.get("id"), str) or problem or not isinstance(fields.get("name"), str):
            return bad(problem or NEW_ENTITY)
        with self.lock:
            text = self._read(ENTITIES)
            conflict = self._conflict(ENTITIES, text, body)
            if conflict:
                return conflict
            new = _entity_added(text, group, body["id"], fields)
            if not isinstance(new, str):
                return new
            answer = self._write_all((Written(ENTITIES, text, new),), f"added {body['kind']} {body['id']}")
            if answer is not None:
                return answer
            loaded, _ = yamlpos.load(new, ENTITIES)
            line = loaded.where((group, body["id"], yamlpos.KEY))[0] if loaded else 1
            return HTTPStatus.CREATED, {"id": body["id"], "path": ENTITIES, "line": line, "sha256": sha256(new)}

    def _read(self, rel: str) -> str | None:
        source = CorpusFiles(self.dir).text(SourcePath(rel), optional=True)
        text = None if source is None else source.text
        self._remember(text)
        return text

    def undo(self) -> Answer:
        """The last change the API made, taken back, if its files are as that change left them."""
        with self.lock:
            if not self.history:
                return HTTPStatus.CONFLICT, {"error": "nothing to undo"}
            last = self.history[-1]
            for written in last.files:
                path = self.dir / written.rel
                try:
                    now = path.read_text("utf-8") if path.exists() else None
                except OSError as exc:
                    return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{written.rel} cannot be read: {exc.strerror or exc}"}
                if now != written.after:    # changed since: neither it nor anything before it can be undone
                    self._remember(written.after)
                    self.history.clear()
                    status, answer = self._conflict(written.rel, now, {"base": sha256(written.after)}) or (
                        HTTPStatus.CONFLICT, {})
                    return status, {**answer, "error": f"{written.rel} changed on disk since the last change "
                                                       f"({last.what}): it was not undone, and the changes before it "
                                                       "cannot be any more"}
            for written in reversed(last.files):
                if written.before is None:
                    problem = sidecars.remove(self.dir, written.rel, written.after or "")
                else:
                    problem = sidecars.write(self.dir, written.rel, written.after, written.before, by="serve")
                if problem is not None:
                    return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": problem.message}
                self._remember(written.before)
                self.on_write(self.dir / written.rel, written.before)
            self.history.pop()
            first = last.files[0]
            return HTTPStatus.OK, {"undone": last.what, "path": first.rel, "sha256": sha256(first.before),
                                   "exists": first.before is not None, "left": len(self.history)}

    def last_change(self) -> Answer:
        """GET: what an undo would take back (the page's Undo button names it), and how many are kept."""
        with self.lock:
            return HTTPStatus.OK, {"last": self.history[-1].what if self.history else None,
                                   "left": len(self.history)}


NEW_ENTITY = "send 'id', 'kind' (person, organization or place) and 'fields' with at least 'name'"


def _entity_added(text: str | None, group: str, entity_id: str, fields: Mapping[str, Any]) -> str | Answer:
    """entities.yaml's text with one entity added, checked as a build checks it; or the 400."""
    new, problem = sidecars.entity_added(text, ENTITIES, group, entity_id,
                                         tuple((k, v) for k, v in fields.items() if v is not None))
    if problem is not None:
        return bad(problem.message, problem.hint, (problem,))
    assert new is not None
    _, found = load_entities(Text(ENTITIES, new))
    errors = tuple(d for d in found if d.severity == "error")
    if errors:
        return bad(f"the change would make {ENTITIES} fail its check: nothing was written", found=errors)
    return new


def ids_in(text: str, rel: str) -> dict[str, tuple[str, int, int]]:
    """Each annotation of a sidecar's text by its id (written, or derived as `build` derives
    it): (section, index, line of its entry)."""
    return {ann_id: (section, n, line) for ann_id, (section, n, line, _) in entries_in(text, rel).items()}


def entries_in(text: str, rel: str) -> dict[str, tuple[str, int, int, dict[str, Any]]]:
    """ids_in's, with each entry's keys as plain data."""
    loaded, _ = yamlpos.load(text, rel) if text.strip() else (None, ())
    if loaded is None or not isinstance(loaded.value, dict):
        return {}
    found: dict[str, tuple[str, int, int, dict[str, Any]]] = {}
    for section, kind in SECTIONS.items():
        items = loaded.value.get(section)
        for n, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                continue
            ann_id = item.get("id") or derived_id(Annotation(kind, Selector(  # type: ignore[arg-type]
                item["text"], str(item.get("prefix") or ""), str(item.get("suffix") or ""), item.get("occurrence")),
                Where(SourcePath(rel), 1, 1)))
            found.setdefault(str(ann_id), (section, n, loaded.where((section, n))[0], item))
    return found


def _plain(value: Any) -> Any:
    """A YAML value as JSON can carry it (dates written unquoted are text again)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _shape(body: Mapping[str, Any], types: Mapping[str, type]) -> str:
    """What is wrong with the request's keys and their types ("" when nothing)."""
    for key, value in body.items():
        if key in ("document", "kind"):
            continue
        want = types.get(key)
        if want is None:
            return f"unknown key '{key}' in the request (known: {', '.join(types)})"
        if value is not None and (not isinstance(value, want) or isinstance(value, bool)):
            return f"'{key}' should be {'a number' if want is int else 'an object' if want is dict else 'text'}"
    return ""
