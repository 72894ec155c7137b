"""Load and validate `annotations/entities.yaml` and the per-document sidecars.

Everything is checked against the JSON Schemas that ship in `builder/schemas/`
(the same files editors use), with each error placed at its YAML line and column.
References that only need ids (speakers, entities, documents) are checked here;
references to annotation ids wait for anchoring, which derives them.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, AbstractSet, Any, Iterable, Mapping

import jsonschema_rs

from builder.core import edtf, ids, targets
from builder.read import yamlpos
from builder.core.diagnostics import Diagnostic, error, warning
from builder.core.droppattern import drop_regex
from builder.core.models import (
    Annotation, AnnotationId, CleanSpec, DocId, DropRule, Entity, EntityId, ReplaceRule, Selector, Sidecar, SourcePath,
    Target, Where,
)
from builder.core.normalisation import normalisation_form
from builder.read.files import Text

if TYPE_CHECKING:  # python-jsonschema (a tenth of a second to import) only explains invalid files
    import jsonschema

ENTITIES = SourcePath("annotations/entities.yaml")
GROUPS = {"people": "person", "organizations": "organization", "places": "place"}
SLUG_PATTERN = "^[a-z0-9][a-z0-9-]*(?![\\s\\S])"   # as the schemas write it: anchored at the very end
ENTITY_FIELDS = ("speaker", "via", "entity")
SECTIONS = {
    "quotes": "quote", "dates": "date", "mentions": "mention",
    "not-mentions": "not-mention", "links": "link", "notes": "note",
}


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    text = resources.files("builder").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def validator(name: str) -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(schema(name))


@lru_cache(maxsize=None)
def fast_validator(name: str) -> Any:
    """jsonschema-rs answers "valid?" ~70× faster; python-jsonschema explains the rare invalid file."""
    return jsonschema_rs.validator_for(schema(name))


def orphan_sidecars(files: Mapping[DocId, SourcePath], doc_ids: Iterable[DocId] | None) -> tuple[Diagnostic, ...]:
    """Sidecars named after no document (none are, when INDEX.md could not be read: None)."""
    if doc_ids is None:
        return ()
    known = frozenset(doc_ids)
    found = []
    for stem, rel in sorted(files.items()):
        if stem not in known:
            close = difflib.get_close_matches(stem, sorted(known), n=1)
            found.append(error(rel, 1, 1, f"sidecar for unknown document '{stem}'",
                               f"did you mean '{close[0]}.yaml'?" if close else
                               "a sidecar is named after a document id from seeds/INDEX.md"))
    return tuple(found)


def _load_checked(source: Text, schema_name: str, entities: AbstractSet[str] | None = None,
                  docs: AbstractSet[str] | None = None) -> tuple[yamlpos.Loaded | None, list[Diagnostic]]:
    """The file, parsed and valid, or None and why not. `entities` and `docs`, when known,
    let a hint name the id that a value written in an id's place means."""
    if source.text is None:
        return None, list(source.found)
    text, rel = source.text, source.rel
    loaded, yaml_diags = yamlpos.load(text, rel)
    if loaded is None:
        return None, list(yaml_diags)
    if loaded.value is None:
        loaded = yamlpos.Loaded({}, loaded.positions)
    if fast_validator(schema_name).is_valid(loaded.value):
        return loaded, []
    errors = [_schema_diagnostic(e, loaded, rel, entities, docs)
              for e in validator(schema_name).iter_errors(loaded.value)]
    return (None if errors else loaded), errors


def _schema_diagnostic(err: jsonschema.ValidationError, loaded: yamlpos.Loaded, rel: SourcePath,
                       entities: AbstractSet[str] | None = None, docs: AbstractSet[str] | None = None) -> Diagnostic:
    path = tuple(err.absolute_path)
    where = ".".join(str(p) for p in path) or "the file"
    line, col = loaded.where(path)
    field = path[-1] if path else ""
    if "propertyNames" in err.schema_path:   # an entity id (a key of people/organizations/places)
        line, col = loaded.where(path + (err.instance, yamlpos.KEY))
        if err.validator == "maxLength":
            return error(rel, line, col, f"{where}: {ids.too_long('entity id', str(err.instance))}", ids.TOO_LONG_HINT)
        return error(rel, line, col, f"{where}: {ids.shown(err.instance)} is not an id",
                     ids.hint(str(err.instance), None, "entity ids"))
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        key = extra[0] if extra else "?"
        line, col = loaded.where(path + (key, yamlpos.KEY))
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys here: {', '.join(allowed)}"
        return error(rel, line, col, f"unknown key '{key}' in {where}", hint)
    if err.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        return error(rel, line, col, f"{where} is missing '{missing[0] if missing else err.message}'")
    if err.validator == "maxLength" and err.schema.get("pattern") == SLUG_PATTERN:
        return error(rel, line, col, f"{where}: {ids.too_long('id', str(err.instance))}", ids.TOO_LONG_HINT)
    if err.validator == "pattern" and err.schema.get("pattern") == SLUG_PATTERN:
        value = str(err.instance)
        return error(rel, line, col, f"{where}: {ids.shown(value)} is not an id",
                     ids.hint(value, entities if field in ENTITY_FIELDS else None))
    if err.validator == "pattern" and field in ("to", "same-as"):
        value = str(err.instance)
        kind, _, target = value.partition(":")
        known = {"entity": entities, "doc": docs}.get(kind)
        hint = "write doc:<document id>, doc:<document id>#<annotation id>, entity:<entity id> or an https:// URL"
        if known is not None and "#" not in target:
            close = ids.closest(target, known)
            hint = f"did you mean '{kind}:{close}'? " + hint if close else hint
        return error(rel, line, col, f"{where}: {ids.shown(value)} is not a link target", hint)
    if err.validator == "pattern" and field == "wikidata":
        value = str(err.instance)
        digits = re.sub(r"\D", "", value).lstrip("0")
        return error(rel, line, col, f"{where}: {ids.shown(value)} is not a Wikidata id",
                     "write the item's id as Wikidata shows it" + (f", e.g. Q{digits}" if digits else ", e.g. Q42"))
    if err.validator == "type":
        return error(rel, line, col, f"{where}: expected {err.validator_value}, found {type(err.instance).__name__} "
                                     f"{json.dumps(err.instance, default=str)[:60]}",
                     "quote the value if it is text" if err.validator_value == "string" else "")
    return error(rel, line, col, f"{where}: {err.message}")


def load_entities(source: Text | None) -> tuple[tuple[Entity, ...], tuple[Diagnostic, ...]]:
    """The people, organisations and places of annotations/entities.yaml (None: the corpus has none)."""
    if source is None:
        return (), ()
    rel = source.rel
    loaded, diags = _load_checked(source, "entities")
    if loaded is None:
        return (), tuple(diags)
    entities: list[Entity] = []
    seen: dict[str, Where] = {}
    for group, kind in GROUPS.items():
        for ent_id, body in (loaded.value.get(group) or {}).items():
            line, col = loaded.where((group, ent_id, yamlpos.KEY))
            if ent_id in seen:
                diags.append(error(rel, line, col, f"entity id '{ent_id}' is used twice",
                                   f"the first is on line {seen[ent_id].line}"))
                continue
            seen[ent_id] = Where(rel, line, col)
            phrases = [(body["name"].strip(), Where(rel, *loaded.where((group, ent_id, "name"))))]
            phrases += [(a.strip(), Where(rel, *loaded.where((group, ent_id, "aliases", i))))
                        for i, a in enumerate(body.get("aliases") or [])]
            entities.append(Entity(
                id=EntityId(ent_id), kind=kind, name=body["name"].strip(), where=Where(rel, line, col),  # type: ignore[arg-type]
                aliases=tuple(dict.fromkeys(a.strip() for a in body.get("aliases") or [] if a.strip())),
                description=body.get("description") or "", wikidata=body.get("wikidata") or "",
                phrase_where=tuple(phrases), sort_as=(body.get("sort-as") or "").strip(),
            ))
    return tuple(entities), (*diags, *_look_alike_names(entities))


def _look_alike_names(entities: Iterable[Entity]) -> Iterable[Diagnostic]:
    """Names and aliases of two entities that look the same but differ in Unicode normalisation
    (José with é as one character, and with e and a combining accent). One entity may list both
    forms on purpose, to match texts in either."""
    first: dict[str, tuple[Entity, str, Where]] = {}
    for entity in entities:
        for phrase, w in entity.phrase_where:
            if phrase.isascii():
                continue
            other, other_phrase, other_where = first.setdefault(unicodedata.normalize("NFC", phrase), (entity, phrase, w))
            if other.id != entity.id and other_phrase != phrase:
                yield warning(w.path, w.line, w.column,
                              f"'{phrase}' ({entity.id}) and '{other_phrase}' ({other.id}) look the same but differ in "
                              f"Unicode normalisation: this is in {normalisation_form(phrase)}, that in "
                              f"{normalisation_form(other_phrase)}",
                              f"retype one of them (the other is on line {other_where.line}); a text matches only "
                              "the form it is written in")


def entity_ids(entities: Iterable[Entity], found: Iterable[Diagnostic]) -> frozenset[EntityId] | None:
    """The ids that references are checked against; None when entities.yaml could not be
    loaded, so that its one error is not followed by an 'unknown entity' for every reference."""
    entities = tuple(entities)
    if not entities and any(d.severity == "error" for d in found):
        return None
    return frozenset(e.id for e in entities)


# Words of places' names, never of people's: "Saudi Arabia", "Kabul Province", "United States".
_PLACE_WORDS = frozenset(
    "north south east west new saint st san santa los las el united saudi hong sri costa puerto sierra great "
    "upper lower central mount lake port fort cape gulf bay river valley island islands city province region "
    "district county state states republic kingdom emirate oblast".split())


def person_like_places(entities: Iterable[Entity]) -> frozenset[EntityId]:
    """Places whose name looks like a person's (two or more capitalised words, none of them a
    place's word): listed under places: by mistake, most likely. A place that speaks for its
    government ("Moscow said", "Russia has stated") has a place's name, and is not one of them."""
    def person_like(name: str) -> bool:
        words = name.split()
        return len(words) >= 2 and all(
            w[:1].isupper() and re.fullmatch(r"[^\W\d_][^\W\d_'’-]*", w) and w.lower() not in _PLACE_WORDS for w in words)
    return frozenset(e.id for e in entities if e.kind == "place" and person_like(e.name))


def load_sidecar(source: Text, doc: DocId, entities: AbstractSet[EntityId] | None, docs: AbstractSet[DocId] | None,
                 places: AbstractSet[EntityId] = frozenset()) -> tuple[Sidecar | None, tuple[Diagnostic, ...]]:
    """One sidecar, checked. `entities` and `docs` are the ids references may name, or None
    when entities.yaml or INDEX.md could not be loaded: then references are not checked (the
    one real error is reported where it is). `places`: the places whose name looks like a
    person's (person_like_places), which a speaker is warned about."""
    rel = source.rel
    loaded, diags = _load_checked(source, "sidecar", entities, docs)
    if loaded is None:
        return None, tuple(diags)
    data = loaded.value

    def where(p: tuple[object, ...]) -> Where:
        return Where(rel, *loaded.where(p))

    clean = data.get("clean") or {}
    spec = CleanSpec(
        drop=tuple(
            DropRule(d[1:-1], True, where(("clean", "drop", i))) if len(d) > 2 and d.startswith("/") and d.endswith("/")
            else DropRule(d, False, where(("clean", "drop", i)))
            for i, d in enumerate(clean.get("drop") or [])
        ),
        replace=tuple(
            ReplaceRule(r["from"], r["to"], where(("clean", "replace", i)))
            for i, r in enumerate(clean.get("replace") or [])
        ),
    )
    for rule in spec.drop:
        if rule.regex:
            compiled, why, hint = drop_regex(rule.pattern)
            if compiled is None:
                diags.append(error(rel, rule.where.line, rule.where.column, f"drop: {why}", hint))

    def check_entity(value: str | None, p: tuple[object, ...], role: str) -> None:
        if value is not None and entities is not None and value not in entities:
            close = difflib.get_close_matches(value, sorted(entities), n=1)
            line, col = loaded.where(p)
            diags.append(error(rel, line, col, f"unknown {role} '{value}'",
                               f"did you mean '{close[0]}'?" if close else
                               "entities are declared in annotations/entities.yaml"))

    def check_target(value: str | None, p: tuple[object, ...]) -> Target | None:
        if not value:
            return None
        target = targets.parse(value)
        line, col = loaded.where(p)
        if target.kind == "doc" and docs is not None and target.id not in docs:
            close = difflib.get_close_matches(target.id, sorted(docs), n=1)
            diags.append(error(rel, line, col, f"unknown document '{target.id}' in '{value}'",
                               f"did you mean 'doc:{close[0]}'?" if close else "document ids are listed in seeds/INDEX.md"))
        elif target.kind == "entity":
            check_entity(target.id, p, "entity")
        return target

    annotations: list[Annotation] = []
    for section, kind in SECTIONS.items():
        for i, item in enumerate(data.get(section) or []):
            p = (section, i)
            text_where = where(p + ("text",))
            date = None
            if kind == "date":
                try:
                    date = edtf.parse(str(item["date"]))
                except edtf.EdtfError as exc:
                    line, col = loaded.where(p + ("date",))
                    diags.append(error(rel, line, col, f"date: {exc}", exc.hint))
                    continue
            check_entity(item.get("speaker"), p + ("speaker",), "speaker")
            if item.get("speaker") in places:
                line, col = loaded.where(p + ("speaker",))
                diags.append(warning(rel, line, col, f"speaker '{item['speaker']}' is listed under places: in "
                                                     "annotations/entities.yaml, but its name looks like a person's",
                                     "if it is a person, move it under people: in annotations/entities.yaml"))
            check_entity(item.get("via"), p + ("via",), "entity in 'via'")
            check_entity(item.get("entity"), p + ("entity",), "entity")
            to = check_target(item.get("to"), p + ("to",))
            same_as = check_target(item.get("same-as"), p + ("same-as",))
            annotations.append(Annotation(
                kind=kind,  # type: ignore[arg-type]
                selector=Selector(item["text"], item.get("prefix", ""), item.get("suffix", ""), item.get("occurrence")),
                where=text_where,
                id=AnnotationId(item["id"]) if item.get("id") else None,
                speaker=item.get("speaker"), via=item.get("via"), same_as=same_as,
                note=item.get("note", ""), date=date, event=item.get("event", ""),
                entity=item.get("entity"), to=to,
            ))
    if not any(data.get(section) for section in SECTIONS) and not spec.drop and not spec.replace:
        diags.append(warning(rel, 1, 1, "the sidecar is empty"))
    return Sidecar(doc, rel, spec, tuple(annotations)), tuple(diags)
