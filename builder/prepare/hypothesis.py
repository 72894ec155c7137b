"""What a Hypothesis export adds to a corpus: each annotation matched to a document and to the
words of its reading text, as sidecar entries (pure: no file is read or written here).

- A document is found by its annotation's `uri`: the `url` column of INDEX.md, or the
  document's own page (`…/docs/<id>.html`, wherever the site is published or opened).
- The words are found by the `TextQuoteSelector`: `exact` where it occurs once, else the
  occurrence whose surroundings match `prefix` and `suffix` best (spacing aside), the
  `TextPositionSelector` breaking ties. The entry gets the shortest selector that names that
  occurrence alone (a `prefix`, a `suffix`, or an `occurrence`).
- A tag `speaker:<entity id>` makes a quote (the annotation's text its note); otherwise the
  annotation is a note. Replies, page notes and highlights without a text add nothing.
- Each entry's `id` is made from the Hypothesis id, so importing the same export again adds
  nothing; an annotation whose passage already carries the same note is not added twice.
- Annotations whose words no longer occur (Hypothesis' "orphans") are reported with the
  closest passage, as are annotations of pages that are no document of the corpus.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from builder.core import ids
from builder.core.diagnostics import Diagnostic, error, warning
from builder.core.models import AnchoredDoc, DocId, Entity, EntityId, HypothesisAnnotation as Annotation, Linked
from builder.core.records import record
from builder.prepare.anchoring import closest_passage, find_all

SPEAKER_TAG = "speaker:"
CONTEXT = 32          # characters of prefix/suffix compared
_SPACE = re.compile(r"\s+")


@record
class Entry:
    """One sidecar entry to append: its section (`quotes` or `notes`) and its keys, in order."""

    section: str
    fields: tuple[tuple[str, object], ...]
    source: Annotation

    @property
    def id(self) -> str:
        return str(dict(self.fields)["id"])


@record
class Plan:
    additions: Mapping[DocId, tuple[Entry, ...]]
    diagnostics: tuple[Diagnostic, ...]
    already: int = 0               # annotations a previous import (or the author) already added


def note_of(annotation: Annotation) -> str:
    """The annotation's text as a sidecar note: line ends made \\n, spaces at line ends dropped
    (YAML's block scalars cannot keep them readably)."""
    return "\n".join(line.rstrip() for line in annotation.text.strip().splitlines()).strip()


def entry_id(annotation: Annotation) -> str:
    key = annotation.id or "\x1f".join((annotation.uri, annotation.exact, annotation.text))
    return "h-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _url_key(url: str) -> str:
    """A URL as pages are the same: no fragment, scheme and host in lower case, no trailing '/'."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


def document_for(uri: str, by_url: Mapping[str, DocId], doc_ids: Iterable[DocId]) -> DocId | None:
    if not uri:
        return None
    found = by_url.get(_url_key(uri))
    if found is not None:
        return found
    m = re.search(r"(?:^|/)docs/([a-z0-9][a-z0-9-]*)\.html$", urlsplit(uri).path)
    return DocId(m.group(1)) if m and m.group(1) in set(doc_ids) else None


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text)


def _find(text: str, exact: str) -> list[tuple[int, int]]:
    """Where `exact` occurs: as written, else with any run of spacing standing for any other."""
    hits = [(h, h + len(exact)) for h in find_all(text, exact)]
    if hits or not exact.strip():
        return hits
    pattern = r"\s+".join(re.escape(w) for w in exact.split())
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _score(text: str, hit: tuple[int, int], a: Annotation) -> int:
    """How many characters of the annotation's prefix and suffix agree with the text around `hit`."""
    before = _squash(text[max(0, hit[0] - 4 * CONTEXT):hit[0]])
    after = _squash(text[hit[1]:hit[1] + 4 * CONTEXT])
    prefix, suffix = _squash(a.prefix)[-CONTEXT:], _squash(a.suffix)[:CONTEXT]
    score = 0
    while score < len(prefix) and score < len(before) and prefix[-1 - score] == before[-1 - score]:
        score += 1
    same = 0
    while same < len(suffix) and same < len(after) and suffix[same] == after[same]:
        same += 1
    return score + same


def ranked(text: str, a: Annotation) -> list[tuple[tuple[int, int], int]]:
    """Every place the annotation's words occur, best first, with how many characters of its
    prefix and suffix agree there (ties: nearest its TextPositionSelector, then first)."""
    hits = [(h, _score(text, h, a)) for h in _find(text, a.exact)]
    return sorted(hits, key=lambda hs: (-hs[1], abs(hs[0][0] - (a.start if a.start is not None else hs[0][0])), hs[0][0]))


def locate(text: str, a: Annotation) -> tuple[int, int] | None:
    hits = ranked(text, a)
    return hits[0][0] if hits else None


def selector(text: str, start: int, end: int) -> tuple[tuple[str, object], ...]:
    """The shortest sidecar selector that names [start, end) alone."""
    words = text[start:end]
    hits = find_all(text, words)
    if len(hits) == 1:
        return (("text", words),)
    for n in range(1, CONTEXT + 1):
        prefix = text[max(0, start - n):start]
        if prefix.strip() and len([h for h in hits if text[max(0, h - len(prefix)):h] == prefix]) == 1:
            first = max(0, start - n)
            while first > 0 and not text[first - 1].isspace() and start - first < 2 * CONTEXT:
                first -= 1           # whole words: still unique, easier to read
            return ("text", words), ("prefix", text[first:start])
        suffix = text[end:end + n]
        if suffix.strip() and len([h for h in hits if text[h + len(words):h + len(words) + len(suffix)] == suffix]) == 1:
            last = end + n
            while last < len(text) and not text[last].isspace() and last - end < 2 * CONTEXT:
                last += 1
            return ("text", words), ("suffix", text[end:last])
    return ("text", words), ("occurrence", hits.index(start) + 1)


def plan(annotations: Iterable[Annotation], linked: Linked) -> Plan:
    docs = {d.meta.id: d for d in linked.docs}
    by_url = {_url_key(d.meta.url): d.meta.id for d in linked.docs if d.meta.url}
    entities = {e.id: e for e in linked.entities}
    additions: dict[DocId, list[Entry]] = defaultdict(list)
    found: list[Diagnostic] = []
    already = 0
    for a in annotations:
        w = a.where
        if a.reply:
            continue                 # a reply has no words of its own to anchor
        doc_id = document_for(a.uri, by_url, docs)
        if doc_id is None:
            found.append(warning(w.path, w.line, w.column, f"annotation {a.id or '(no id)'} is on {a.uri or 'no page'}, "
                                 "which is no document of this corpus: not imported",
                                 "a document is found by the url column of seeds/INDEX.md or by its page, docs/<id>.html"))
            continue
        if not a.exact.strip():
            found.append(warning(w.path, w.line, w.column, f"annotation {a.id or '(no id)'} is a page note, not on any "
                                 "words: not imported", "a sidecar note is anchored to words of the text"))
            continue
        speaker, problem = _speaker(a, entities)
        if problem is not None:
            found.append(problem)
            continue
        note = note_of(a)
        if not note and speaker is None:
            continue                 # a highlight: nothing to say about the words
        doc = docs[doc_id]
        hit = locate(doc.doc.text, a)
        if hit is None:
            found.append(_orphan(a, doc))
            continue
        if _present(note, doc, hit, entry_id(a), speaker):
            already += 1
            continue
        fields: list[tuple[str, object]] = [("id", entry_id(a)), *selector(doc.doc.text, *hit)]
        if speaker is not None:
            fields.append(("speaker", speaker))
        if note:
            fields.append(("note", note))
        additions[doc_id].append(Entry("quotes" if speaker else "notes", tuple(fields), a))
    return Plan({d: tuple(es) for d, es in additions.items()}, tuple(found), already)


def _speaker(a: Annotation, entities: Mapping[EntityId, Entity]) -> tuple[EntityId | None, Diagnostic | None]:
    named = [t[len(SPEAKER_TAG):].strip() for t in a.tags if t.lower().startswith(SPEAKER_TAG)]
    if not named:
        return None, None
    w = a.tags_where or a.where
    if len(set(named)) > 1:
        return None, error(w.path, w.line, w.column, f"annotation {a.id or '(no id)'} names {len(set(named))} "
                           f"speakers ({', '.join(sorted(set(named)))})", "a quote has one speaker: keep one tag")
    if named[0] not in entities:
        return None, error(w.path, w.line, w.column, f"annotation {a.id or '(no id)'}: tag 'speaker:{named[0]}' "
                           "names no entity of annotations/entities.yaml", ids.hint(named[0], set(entities), "entity ids"))
    return EntityId(named[0]), None


def _present(note: str, doc: AnchoredDoc, hit: tuple[int, int], new_id: str, speaker: EntityId | None) -> bool:
    """Is this annotation in the sidecar already: its id, or the same note (or quote) on the same words?"""
    for s in doc.spans:
        if s.id == new_id:
            return True
        if (s.start, s.end) == hit and not s.auto and s.annotation.note.strip() == note:
            if (speaker is None and s.kind == "note") or (speaker is not None and s.annotation.speaker == speaker):
                return True
    return False


def _orphan(a: Annotation, doc: AnchoredDoc) -> Diagnostic:
    w = a.where
    short = a.exact if len(a.exact) <= 60 else a.exact[:57] + "…"
    close = closest_passage(doc.doc.text, a.exact)
    hint = (f"the closest passage in {doc.meta.id}: '{close[0]}'" if close else
            f"nothing in {doc.meta.id} is close to it")
    return warning(w.path, w.line, w.column, f"annotation {a.id or '(no id)'} (an orphan): '{short}' no longer occurs "
                   f"in the reading text of {doc.meta.id}: not imported", hint)
