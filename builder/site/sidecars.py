"""The one writer of an author's sidecars (`glossator import`, `glossator serve`'s authoring
API): entries appended, edited or deleted, nothing else touched.

The file is read back and written with ruamel.yaml's round-trip mode, which keeps comments,
quoting, flow mappings and block scalars as the author wrote them; new entries go at the end
of their section (`quotes:`, `notes:`), which is made at the end of the file when missing.
Before anything is written the result is checked: it parses to the same data with the change
made, and only the lines the change is about differ (appending: only lines were added; an
edit: only the entry's own lines changed, every comment still there; a delete: only the
entry's own lines went, the comments and blank lines around it kept). Otherwise nothing is
written and the reason is a diagnostic. A file is replaced whole (a new file beside it,
renamed over it) if it still holds what was read, never through a link, and a new sidecar
is created only where no file is.
"""

from __future__ import annotations

import difflib
import io
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString, ScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from builder.core.diagnostics import Diagnostic, error

Fields = tuple[tuple[str, object], ...]
BLOCK = (LiteralScalarString, FoldedScalarString)   # `|` and `>` values: they end their own line
HINT = "add the entries by hand; `glossator import --dry-run` prints them"
EDIT_HINT = "make this change in the file by hand"


def _round_trip(text: str) -> tuple[YAML, Any]:
    """A round-trip YAML that writes as `text` is written (its indents guessed from it), and
    `text` loaded by it, in one pass (None when empty). Raises YAMLError for a text that is not YAML."""
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1 << 20                    # never fold an author's long lines
    indent, offset, data = 2, 0, None
    if text.strip():
        data, guessed, block_seq = load_yaml_guess_indent(text, yaml=rt)
        if guessed:
            offset = block_seq or 0
            indent = max(2, guessed - offset)
    rt.indent(mapping=indent, sequence=indent + offset, offset=offset)
    return rt, data


def _data(text: str) -> Any:
    """The plain data of a YAML text (libyaml's parser where it is there: the checks parse twice)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _value(value: object) -> object:
    return LiteralScalarString(value + "\n" if not value.endswith("\n") else value) \
        if isinstance(value, str) and "\n" in value else value


def appended(old: str | None, rel: str, entries: Sequence[tuple[str, Fields]]) -> tuple[str | None, Diagnostic | None]:
    """The sidecar's text with `entries` (section, fields) added at the end of their sections."""
    text = old or ""
    try:
        rt, data = _round_trip(text)
        before = _data(text) if text.strip() else None
    except (YAMLError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, error(rel, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                           f"cannot add to a sidecar that is not valid YAML: {getattr(exc, 'problem', exc)}", HINT)
    if data is None:
        data, before = CommentedMap(), {}
    if not isinstance(data, dict):
        return None, error(rel, 1, 1, "cannot add to a sidecar that is not a mapping of sections", HINT)
    for section, fields in entries:
        if data.get(section) is None:
            data[section] = CommentedSeq()
        if not isinstance(data[section], list):
            return None, error(rel, 1, 1, f"cannot add to '{section}:', which is not a list", HINT)
        item = CommentedMap((k, _value(v)) for k, v in fields)
        if data[section]:
            _take_trailing_lines(data[section][-1], item)
        data[section].append(item)
    out = io.StringIO()
    rt.dump(data, out)
    new = out.getvalue()
    problem = _lost(text, new, before, entries)
    return (None, error(rel, *problem, HINT)) if problem else (new, None)


def _take_trailing_lines(previous: object, item: CommentedMap) -> None:
    """The blank lines and comments that follow a section's last entry (ruamel keeps them with
    its last value) move to the new last entry, so they still end the section."""
    if isinstance(previous, CommentedMap) and previous:
        _move_trailing(previous, list(previous)[-1], item, list(item)[-1])


def _move_trailing(source: CommentedMap, key: object, target: CommentedMap, to: object) -> None:
    """The blank lines and comments kept after `source[key]` move after `target[to]`; an
    end-of-line comment stays where it is. After a plain value the kept text starts with the
    end of its own line; after a block scalar (`>-`, `|`) it does not."""
    slot = source.ca.items.get(key)
    if not slot or len(slot) < 3 or slot[2] is None:
        return
    token = slot[2]
    if isinstance(source[key], BLOCK):
        eol, following = "", token.value
    else:
        eol, _, following = token.value.partition("\n")
    if not following:
        return
    if eol.strip():
        token.value = eol + "\n"
    else:
        slot[2] = None
    block = isinstance(target[to], BLOCK)
    target.ca.items[to] = [None, None, CommentToken(following if block else "\n" + following, CommentMark(0), None), None]


def _rewritten(old: str, new: str) -> int | None:
    """The first line of `old` (1-based) that `new` changes or drops, if it does more than add lines."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    if old and not old.endswith("\n"):
        old_lines[-1] += "\n"
    for tag, i1, _, _, _ in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            return i1 + 1
    return None


def _lost(old: str, new: str, before: object, entries: Sequence[tuple[str, Fields]]) -> tuple[int, int, str] | None:
    """Where writing `new` over `old` would change anything but add the entries: (line, column, why)."""
    line = _rewritten(old, new)
    if line is not None:
        return line, 1, "adding to this sidecar would rewrite its existing lines, so nothing was written to it"
    expected = dict(before or {})     # type: ignore[arg-type]
    for section, fields in entries:
        expected[section] = [*(expected.get(section) or []), {k: v.strip() + "\n" if isinstance(v, str) and "\n" in v
                                                              else v for k, v in fields}]
    if _data(new) != expected:
        return 1, 1, "the sidecar would not read back as it was plus the new entries, so nothing was written to it"
    return None


def entity_added(old: str | None, rel: str, group: str, entity_id: str,
                 fields: Fields) -> tuple[str | None, Diagnostic | None]:
    """entities.yaml's text with one entity added at the end of its group (`people:`,
    `organizations:`, `places:`; made at the end of the file when missing), every line kept."""
    text = old or ""
    rt, data, before, problem = _load(text, rel, "add to")
    if problem is not None:
        return None, problem
    if data is None:
        data, before = CommentedMap(), {}
    if not isinstance(data, dict) or not isinstance(data.get(group) or {}, dict):
        return None, error(rel, 1, 1, f"cannot add to '{group}:', which is not a mapping of entities", EDIT_HINT)
    if entity_id in (data.get(group) or {}):
        return None, error(rel, 1, 1, f"entity id '{entity_id}' is used already", "choose another id")
    if data.get(group) is None:
        data[group] = CommentedMap()
    body = CommentedMap((k, _flow(v) if isinstance(v, list) else _value(v)) for k, v in fields)
    if data[group]:
        previous = data[group][list(data[group])[-1]]
        if isinstance(previous, CommentedMap) and previous:
            _move_trailing(previous, list(previous)[-1], body, list(body)[-1])
    data[group][entity_id] = body
    out = io.StringIO()
    rt.dump(data, out)
    new = out.getvalue()
    expected = dict(before)
    expected[group] = {**(expected.get(group) or {}), entity_id: dict(fields)}
    line = _rewritten(text, new)
    if line is not None or _data(new) != expected:
        return None, error(rel, line or 1, 1, "adding the entity would rewrite this file's lines, so nothing was "
                           "written to it", EDIT_HINT)
    return new, None


def _flow(items: list) -> CommentedSeq:
    """A list written on its key's line (`aliases: [Petrov]`), as entities.yaml's example writes them."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _load(text: str, rel: str, doing: str) -> tuple[YAML, Any, Any, Diagnostic | None]:
    try:
        rt, data = _round_trip(text)
        return (rt, data, _data(text), None) if text.strip() else (rt, None, None, None)
    except (YAMLError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return YAML(typ="rt"), None, None, error(rel, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                                     f"cannot {doing} a sidecar that is not valid YAML: {getattr(exc, 'problem', exc)}",
                                     EDIT_HINT)


def entry_lines(data: CommentedMap, section: str, index: int, lines: Sequence[str]) -> tuple[int, int]:
    """The lines of `data[section][index]`, 0-based [first, end): from its first key to its last
    line of content (the blank lines and comments that follow it are not its own)."""
    seq = data[section]
    first, column = seq.lc.item(index)
    if index + 1 < len(seq):
        end = seq.lc.item(index + 1)[0]
    else:
        keys = list(data)
        after = keys.index(section) + 1
        end = data.lc.key(keys[after])[0] if after < len(keys) else len(lines)
    while end > first + 1 and (not lines[end - 1].strip() or (
            lines[end - 1].lstrip().startswith("#") and len(lines[end - 1]) - len(lines[end - 1].lstrip()) <= column)):
        end -= 1
    return first, end


def deleted(old: str, rel: str, section: str, index: int) -> tuple[str | None, Diagnostic | None]:
    """The sidecar's text without `old[section][index]`: its lines taken out, every other line
    kept as it was (the comments above and below it too); the section's key goes with its last entry."""
    _, data, before, problem = _load(old, rel, "delete from")
    if problem is not None:
        return None, problem
    seq = data.get(section) if isinstance(data, dict) else None
    if not isinstance(seq, list) or not 0 <= index < len(seq) or seq.fa.flow_style():
        return None, error(rel, 1, 1, f"cannot find entry {index + 1} of '{section}:' written as a block list",
                           EDIT_HINT)
    lines = old.splitlines(keepends=True)
    first, end = entry_lines(data, section, index, lines)
    drop = set(range(first, end))
    expected = dict(before)
    expected[section] = [e for i, e in enumerate(before[section]) if i != index]
    if not expected[section]:
        key_line = data.lc.key(section)[0]
        if lines[key_line].split("#")[0].strip() != f"{section}:":
            return None, error(rel, key_line + 1, 1, f"cannot delete the last entry of '{section}:' here", EDIT_HINT)
        drop.add(key_line)
        del expected[section]
    new = "".join(line for n, line in enumerate(lines) if n not in drop)
    if _data(new) != (expected or None) and not (expected == {} and _data(new) is None):
        return None, error(rel, first + 1, 1, "deleting this entry would change other entries, so nothing was "
                           "written", EDIT_HINT)
    return new, None


def edited(old: str, rel: str, section: str, index: int,
           changes: Mapping[str, object]) -> tuple[str | None, Diagnostic | None]:
    """The sidecar's text with keys of `old[section][index]` set (a value of None removes the
    key): each value written in place, in the quoting it had; new keys at the entry's end.
    Nothing outside the entry's lines changes, and no comment is lost; otherwise, a diagnostic."""
    rt, data, before, problem = _load(old, rel, "edit")
    if problem is not None:
        return None, problem
    seq = data.get(section) if isinstance(data, dict) else None
    if not isinstance(seq, list) or not 0 <= index < len(seq) or not isinstance(seq[index], CommentedMap):
        return None, error(rel, 1, 1, f"cannot find entry {index + 1} of '{section}:'", EDIT_HINT)
    lines = old.splitlines(keepends=True)
    first, end = entry_lines(data, section, index, lines)
    item = seq[index]
    want = dict(before[section][index])
    for key, value in changes.items():
        keys = list(item)
        if value is None:
            if key not in item:
                continue
            if key == keys[-1] and len(keys) > 1:
                _move_trailing(item, key, item, keys[-2])
            del item[key]
            want.pop(key, None)
            continue
        new_value = _value(value)
        if key in item:
            old_value = item[key]
            if isinstance(old_value, ScalarString) and not isinstance(new_value, ScalarString) and isinstance(new_value, str):
                new_value = type(old_value)(new_value)       # the quoting it had
            if key == keys[-1] and isinstance(old_value, BLOCK) != isinstance(new_value, BLOCK):
                _retail(item, key, isinstance(new_value, BLOCK))
            item[key] = new_value
        else:
            item[key] = new_value
            _move_trailing(item, keys[-1], item, key)
        want[key] = value.strip() + "\n" if isinstance(value, str) and "\n" in value else value
    out = io.StringIO()
    rt.dump(data, out)
    new = out.getvalue()
    expected = dict(before)
    expected[section] = [want if i == index else e for i, e in enumerate(before[section])]
    if _data(new) != expected:
        return None, error(rel, first + 1, 1, "the sidecar would not read back as it was with this entry edited, "
                           "so nothing was written", EDIT_HINT)
    problem_line = _outside(lines, new, first, end)
    if problem_line is not None:
        return None, error(rel, problem_line + 1, 1, "editing this entry would rewrite other lines of the sidecar, "
                           "so nothing was written", EDIT_HINT)
    return new, None


def _retail(item: CommentedMap, key: object, block: bool) -> None:
    """The kept text after `item[key]`, re-cut for a value becoming (or ceasing to be) a block scalar."""
    slot = item.ca.items.get(key)
    if not slot or len(slot) < 3 or slot[2] is None:
        return
    token = slot[2]
    if block:
        eol, _, following = token.value.partition("\n")
        token.value = following
    else:
        token.value = "\n" + token.value


def _outside(old_lines: Sequence[str], new: str, first: int, end: int) -> int | None:
    """The first line outside [first, end) of the old text that `new` changes or drops; and
    a comment line of the old text missing from the new one."""
    new_lines = new.splitlines(keepends=True)
    if old_lines and not old_lines[-1].endswith("\n"):
        old_lines = [*old_lines[:-1], old_lines[-1] + "\n"]
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag != "equal" and (i1 < first or i2 > end or (tag == "insert" and not first <= i1 <= end)):
            return i1
    comments = [line.strip() for line in old_lines if line.lstrip().startswith("#")]
    kept = [line.strip() for line in new_lines if line.lstrip().startswith("#")]
    for n, c in enumerate(comments):
        if comments.count(c) > kept.count(c):
            return next(i for i, line in enumerate(old_lines) if line.strip() == c)
    return None


def write(corpus_dir: Path, rel: str, old: str | None, new: str, by: str = "import") -> Diagnostic | None:
    """Replace the sidecar at `rel` (or create it, when `old` is None) with `new`, if it still
    holds `old`: a new file beside it (`.NAME.glossator-BY`), renamed over it. `by`: the
    command writing (import, serve), named in the temporary file and the messages."""
    path = corpus_dir / rel
    hint = HINT if by == "import" else EDIT_HINT
    if path.is_symlink():
        return error(rel, 1, 1, f"is a link: glossator {by} writes only real files of the corpus", hint)
    temporary = path.with_name(f".{path.name}.glossator-{by}")
    try:
        if old is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "x", encoding="utf-8", newline="") as f:
                f.write(new)
            try:
                os.link(temporary, path)          # whole at once, and never over a file that appeared
            finally:
                temporary.unlink()
            return None
        if path.read_text("utf-8") != old:
            return error(rel, 1, 1, "changed since it was read: nothing was written to it", "try again")
        with open(temporary, "x", encoding="utf-8", newline="") as f:
            f.write(new)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except FileExistsError:
        return error(rel, 1, 1, "appeared meanwhile, or an earlier write left a file beside it: nothing was written",
                     f"remove {temporary.name} if it is there, then try again")
    except OSError as exc:
        return error(rel, 1, 1, f"cannot be written: {exc.strerror or exc}", hint)
    return None


def remove(corpus_dir: Path, rel: str, old: str) -> Diagnostic | None:
    """Remove a sidecar Glossator created, if it still holds `old` (an undone first entry)."""
    path = corpus_dir / rel
    try:
        if path.is_symlink() or path.read_text("utf-8") != old:
            return error(rel, 1, 1, "changed since it was written: it was not removed", "remove it by hand")
        path.unlink()
    except OSError as exc:
        return error(rel, 1, 1, f"cannot be removed: {exc.strerror or exc}", EDIT_HINT)
    return None
