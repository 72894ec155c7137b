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
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any, Iterable

import jsonschema_rs

from builder import edtf, yamlpos
from builder.diagnostics import Diagnostic, error, warning
from builder.droppattern import drop_regex
from builder.models import (
    Annotation, AnnotationId, CleanSpec, DocId, DropRule, Entity, EntityId,
    ReplaceRule, Selector, Sidecar, SourcePath, Where,
)
from builder.stages.corpus import RealPaths, read_text

if TYPE_CHECKING:  # python-jsonschema (a tenth of a second to import) only explains invalid files
    import jsonschema

GROUPS = {"people": "person", "organizations": "organization", "places": "place"}
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


def sidecar_files(corpus_dir: Path) -> dict[str, Path]:
    """Sidecar files by the document id they name (entities.yaml excluded)."""
    folder = corpus_dir / "annotations"
    if not folder.is_dir():
        return {}
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))  # .yaml wins over .yml
    return {f.stem: f for f in files if f.stem != "entities" and f.is_file()}


def orphan_sidecars(files: dict[str, Path], doc_ids: Iterable[DocId]) -> tuple[Diagnostic, ...]:
    ids = frozenset(doc_ids)
    found = []
    for stem, file in sorted(files.items()):
        if stem not in ids:
            close = difflib.get_close_matches(stem, sorted(ids), n=1)
            found.append(error(f"annotations/{file.name}", 1, 1, f"sidecar for unknown document '{stem}'",
                               f"did you mean '{close[0]}.yaml'?" if close else
                               "a sidecar is named after a document id from seeds/INDEX.md"))
    return tuple(found)


def load_for(file: Path | None, doc: DocId, entities: AbstractSet[EntityId], docs: AbstractSet[DocId],
             real: RealPaths | None = None) -> tuple[Sidecar | None, tuple[Diagnostic, ...]]:
    """The sidecar of one document, or None when it has none (or it cannot be read)."""
    if file is None:
        return None, ()
    return load_sidecar(file, SourcePath(f"annotations/{file.name}"), doc, entities, docs, real)


def _load_checked(path: Path, rel: SourcePath, schema_name: str,
                  real: RealPaths | None = None) -> tuple[yamlpos.Loaded | None, list[Diagnostic]]:
    text, diags = read_text(path, rel, within=path.parents[1], real=real)  # the corpus folder
    if text is None:
        return None, list(diags)
    loaded, yaml_diags = yamlpos.load(text, rel)
    if loaded is None:
        return None, list(yaml_diags)
    if loaded.value is None:
        loaded = yamlpos.Loaded({}, loaded.positions)
    if fast_validator(schema_name).is_valid(loaded.value):
        return loaded, []
    errors = [_schema_diagnostic(e, loaded, rel) for e in validator(schema_name).iter_errors(loaded.value)]
    return (None if errors else loaded), errors


def _schema_diagnostic(err: jsonschema.ValidationError, loaded: yamlpos.Loaded, rel: SourcePath) -> Diagnostic:
    path = tuple(err.absolute_path)
    where = ".".join(str(p) for p in path) or "the file"
    line, col = loaded.where(path)
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
    if err.validator == "pattern" and err.schema.get("pattern") == "^[a-z0-9][a-z0-9-]*$":
        return error(rel, line, col, f"{where}: '{err.instance}' is not an id",
                     "ids are lowercase letters, digits and '-', e.g. zamir-kabulov")
    if err.validator == "propertyNames":
        return error(rel, line, col, f"{where}: {err.message}",
                     "entity ids are lowercase letters, digits and '-', e.g. zamir-kabulov")
    if err.validator == "pattern" and path and path[-1] in ("to", "same-as"):
        return error(rel, line, col, f"{where}: '{err.instance}' is not a link target",
                     "write doc:<document id>, doc:<document id>#<annotation id>, entity:<entity id> or an https:// URL")
    if err.validator == "type":
        return error(rel, line, col, f"{where}: expected {err.validator_value}, found {type(err.instance).__name__} "
                                     f"{json.dumps(err.instance, default=str)[:60]}",
                     "quote the value if it is text" if err.validator_value == "string" else "")
    return error(rel, line, col, f"{where}: {err.message}")


def load_entities(corpus_dir: Path) -> tuple[tuple[Entity, ...], tuple[Diagnostic, ...]]:
    path = corpus_dir / "annotations" / "entities.yaml"
    rel = SourcePath("annotations/entities.yaml")
    if not path.exists():
        return (), ()
    loaded, diags = _load_checked(path, rel, "entities")
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
                phrase_where=tuple(phrases),
            ))
    return tuple(entities), tuple(diags)


def load_sidecar(
    path: Path, rel: SourcePath, doc: DocId, entities: AbstractSet[EntityId], docs: AbstractSet[DocId],
    real: RealPaths | None = None,
) -> tuple[Sidecar | None, tuple[Diagnostic, ...]]:
    loaded, diags = _load_checked(path, rel, "sidecar", real)
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
        if value is not None and value not in entities:
            close = difflib.get_close_matches(value, sorted(entities), n=1)
            line, col = loaded.where(p)
            diags.append(error(rel, line, col, f"unknown {role} '{value}'",
                               f"did you mean '{close[0]}'?" if close else
                               "entities are declared in annotations/entities.yaml"))

    def check_target(value: str | None, p: tuple[object, ...]) -> None:
        if not value:
            return
        line, col = loaded.where(p)
        if value.startswith("doc:"):
            target = value[4:].split("#", 1)[0]
            if target not in docs:
                close = difflib.get_close_matches(target, sorted(docs), n=1)
                diags.append(error(rel, line, col, f"unknown document '{target}' in '{value}'",
                                   f"did you mean 'doc:{close[0]}'?" if close else "document ids are listed in seeds/INDEX.md"))
        elif value.startswith("entity:"):
            check_entity(value[7:], p, "entity")

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
                    diags.append(error(rel, line, col, f"date: {exc}", edtf.HINT))
                    continue
            check_entity(item.get("speaker"), p + ("speaker",), "speaker")
            check_entity(item.get("via"), p + ("via",), "entity in 'via'")
            check_entity(item.get("entity"), p + ("entity",), "entity")
            check_target(item.get("to"), p + ("to",))
            check_target(item.get("same-as"), p + ("same-as",))
            annotations.append(Annotation(
                kind=kind,  # type: ignore[arg-type]
                selector=Selector(item["text"], item.get("prefix", ""), item.get("suffix", ""), item.get("occurrence")),
                where=text_where,
                id=AnnotationId(item["id"]) if item.get("id") else None,
                speaker=item.get("speaker"), via=item.get("via"), same_as=item.get("same-as"),
                note=item.get("note", ""), date=date, event=item.get("event", ""),
                entity=item.get("entity"), to=item.get("to"),
            ))
    if not annotations and not spec.drop and not spec.replace:
        diags.append(warning(rel, 1, 1, "the sidecar is empty"))
    return Sidecar(doc, rel, spec, tuple(annotations)), tuple(diags)
