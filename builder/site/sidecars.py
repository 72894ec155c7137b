"""The one writer of an author's sidecars (`glossator import`): entries appended, nothing else touched.

The file is read back and written with ruamel.yaml's round-trip mode, which keeps comments,
quoting, flow mappings and block scalars as the author wrote them; new entries go at the end
of their section (`quotes:`, `notes:`), which is made at the end of the file when missing.
Before anything is written the result is checked: it parses to the same data with the new
entries added, every line of the old file is still there in order (only lines were added),
and the file has not changed since it was read. Otherwise nothing is written and the reason
is a diagnostic. A file is replaced whole (a new file beside it, renamed over it), never
through a link, and a new sidecar is created only where no file is.
"""

from __future__ import annotations

import difflib
import io
import os
from pathlib import Path
from typing import Sequence

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from builder.core.diagnostics import Diagnostic, error

Fields = tuple[tuple[str, object], ...]
BLOCK = (LiteralScalarString, FoldedScalarString)   # `|` and `>` values: they end their own line
HINT = "add the entries by hand; `glossator import --dry-run` prints them"


def _yaml(text: str) -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1 << 20                    # never fold an author's long lines
    indent, offset = 2, 0
    if text.strip():
        _, guessed, block_seq = load_yaml_guess_indent(text)
        if guessed:
            offset = block_seq or 0
            indent = max(2, guessed - offset)
    rt.indent(mapping=indent, sequence=indent + offset, offset=offset)
    return rt


def _value(value: object) -> object:
    return LiteralScalarString(value + "\n" if not value.endswith("\n") else value) \
        if isinstance(value, str) and "\n" in value else value


def appended(old: str | None, rel: str, entries: Sequence[tuple[str, Fields]]) -> tuple[str | None, Diagnostic | None]:
    """The sidecar's text with `entries` (section, fields) added at the end of their sections."""
    text = old or ""
    rt = _yaml(text)
    try:
        data = rt.load(text) if text.strip() else None
        before = yaml.safe_load(text) if text.strip() else None
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
    its last value) move to the new last entry, so they still end the section; an end-of-line
    comment stays where it is. After a plain value the kept text starts with the end of its own
    line; after a block scalar (`>-`, `|`) it does not."""
    if not isinstance(previous, CommentedMap) or not previous:
        return
    key = list(previous)[-1]
    slot = previous.ca.items.get(key)
    if not slot or len(slot) < 3 or slot[2] is None:
        return
    token = slot[2]
    if isinstance(previous[key], BLOCK):
        eol, following = "", token.value
    else:
        eol, _, following = token.value.partition("\n")
    if not following:
        return
    if eol.strip():
        token.value = eol + "\n"
    else:
        slot[2] = None
    last = list(item)[-1]
    block = isinstance(item[last], BLOCK)
    item.ca.items[last] = [None, None, CommentToken(following if block else "\n" + following, CommentMark(0), None), None]


def _lost(old: str, new: str, before: object, entries: Sequence[tuple[str, Fields]]) -> tuple[int, int, str] | None:
    """Where writing `new` over `old` would change anything but add the entries: (line, column, why)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    if old and not old.endswith("\n"):
        old_lines[-1] += "\n"
    for tag, i1, _, _, _ in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            return i1 + 1, 1, "adding to this sidecar would rewrite its existing lines, so nothing was written to it"
    expected = dict(before or {})     # type: ignore[arg-type]
    for section, fields in entries:
        expected[section] = [*(expected.get(section) or []), {k: v.strip() + "\n" if isinstance(v, str) and "\n" in v
                                                              else v for k, v in fields}]
    if yaml.safe_load(new) != expected:
        return 1, 1, "the sidecar would not read back as it was plus the new entries, so nothing was written to it"
    return None


def write(corpus_dir: Path, rel: str, old: str | None, new: str) -> Diagnostic | None:
    """Replace the sidecar at `rel` (or create it, when `old` is None) with `new`."""
    path = corpus_dir / rel
    if path.is_symlink():
        return error(rel, 1, 1, "is a link: glossator import writes only real files of the corpus", HINT)
    try:
        if old is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="") as f:   # "x": never replace a file that appeared
                f.write(new)
            return None
        if path.read_text("utf-8") != old:
            return error(rel, 1, 1, "changed while importing: nothing was written to it", "run the import again")
        temporary = path.with_name(f".{path.name}.glossator-import")
        with open(temporary, "x", encoding="utf-8", newline="") as f:
            f.write(new)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except FileExistsError:
        return error(rel, 1, 1, "appeared while importing, or an earlier import left a file beside it: "
                     "nothing was written", f"remove .{path.name}.glossator-import if it is there, then run it again")
    except OSError as exc:
        return error(rel, 1, 1, f"cannot be written: {exc.strerror or exc}", HINT)
    return None
