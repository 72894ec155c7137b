"""YAML loading that keeps every value's line and column.

PyYAML composes a node tree that knows its positions; we turn it into plain
values plus a side table of positions keyed by the value's path, so that schema
errors and anchor errors can point at `path:line:column`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from builder.core.diagnostics import Diagnostic, error

PathKey = tuple[object, ...]
KEY = "<key>"  # path suffix under which a mapping key's own position is stored

_MAX_NODES = 1_000_000
# libyaml's parser is ~10× faster and keeps the same marks; PyYAML's is the fallback. The base
# loader skips PyYAML's Python-side tag resolution: _scalar resolves plain scalars itself.
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}


@dataclass(frozen=True)
class Loaded:
    value: Any
    positions: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))


MAX_DEPTH = 64


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def load(text: str, path: str) -> tuple[Loaded | None, tuple[Diagnostic, ...]]:
    """Parse one YAML document; on failure return None and a positioned diagnostic."""
    loader = _Loader(text)
    try:
        return _compose(loader, path), ()
    except _Refused as exc:
        return None, (exc.diagnostic,)
    except yaml.MarkedYAMLError as exc:
        unclosed = exc.context and "quoted scalar" in exc.context
        mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "YAML syntax error"
        context = f" ({exc.context})" if exc.context else ""
        lines = text.split("\n")
        near = "\n".join(lines[max(0, line - 2):line])   # the line of the error and the one before it
        return None, (
            error(path, line, col, f"YAML syntax error: {problem}{context}", _yaml_hint(problem, near)),
        )
    except yaml.YAMLError as exc:
        return None, (error(path, 1, 1, f"YAML error: {exc}"),)
    finally:
        loader.dispose()


def _pos(event: yaml.Event) -> tuple[int, int]:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


_SCALAR, _MAP_START, _SEQ_START = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_SKIPPED = (yaml.StreamStartEvent, yaml.DocumentEndEvent)


def _compose(loader: Any, file: str) -> Loaded:
    """Values and positions straight from the parser's events, with an explicit stack.

    No recursion (a document nested 50,000 levels deep cannot overflow any stack),
    no node objects, no alias expansion (aliases are refused: they can expand without bound).
    One pass, dispatching on the event's exact class, scalars first: they are most events,
    and this loop is most of the cost of loading a sidecar.
    """
    positions: dict[PathKey, tuple[int, int]] = {}
    # Each frame: [container, its path, is a mapping, pending key (mappings) or None, key position]
    stack: list[list[Any]] = []
    frame: list[Any] | None = None
    root: Any = None
    documents = 0
    count = 0
    get_event = loader.get_event
    while True:
        event = get_event()
        kind = type(event)
        if kind is not _SCALAR and kind is not _MAP_START and kind is not _SEQ_START:
            if kind in _ENDS:
                stack.pop()
                frame = stack[-1] if stack else None
                continue
            if event is None or kind is yaml.StreamEndEvent:
                break
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Refused(error(file, *_pos(event), "the file holds more than one YAML document",
                                         "remove the '---' line: a sidecar is one mapping"))
                continue
            if kind in _SKIPPED:
                continue
            raise _Refused(error(file, *_pos(event), "YAML anchors and aliases (&name, *name) are not allowed here",
                                 "write the value out in full; aliases can expand without bound"))
        if event.anchor is not None:
            raise _Refused(error(file, *_pos(event), "YAML anchors and aliases (&name, *name) are not allowed here",
                                 "write the value out in full; aliases can expand without bound"))
        count += 1
        if count > _MAX_NODES:
            raise _Refused(error(file, *_pos(event), f"the YAML file has more than {_MAX_NODES} values"))
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        if frame is not None and frame[2] and frame[3] is None:
            # This event is a mapping key.
            if kind is not _SCALAR:
                raise _Refused(error(file, *pos, "a mapping key must be a plain value"))
            key = _scalar(event)
            if key in frame[0]:
                raise _Refused(error(file, *pos, f"duplicate key '{key}'", "each key may appear once in a mapping"))
            frame[3], frame[4] = key, pos
            continue
        value: Any = _scalar(event) if kind is _SCALAR else {} if kind is _MAP_START else []
        # Put the value into the current container; `path` is where it went.
        if frame is None:
            root, path = value, ()
        elif frame[2]:
            key = frame[3]
            frame[0][key] = value
            path = frame[1] + (key,)
            positions[path + (KEY,)] = frame[4]
            frame[3] = None
        else:
            container = frame[0]
            path = frame[1] + (len(container),)
            container.append(value)
        positions[path] = pos
        if kind is not _SCALAR:
            if len(stack) >= MAX_DEPTH:
                raise _Refused(error(file, *pos, f"the YAML is nested more than {MAX_DEPTH} levels deep",
                                     "sidecars are a few levels deep: check the indentation and the brackets"))
            frame = [value, path, kind is _MAP_START, None, None]
            stack.append(frame)
    if root is None:
        return Loaded({}, {(): (1, 1)})
    return Loaded(root, positions)


_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


_NUMBER_START = frozenset("+-.0123456789")


def _scalar(node: Any) -> Any:
    """YAML 1.1 plain scalars as PyYAML's safe loader reads them, except that dates and
    timestamps stay strings (they are EDTF, checked later). Quoted scalars are strings."""
    value = node.value
    if node.style:  # quoted, literal or folded
        return value
    if value in _NULL:
        return None
    if value[0] in _NUMBER_START:   # most plain scalars are words: no pattern to try
        if _INT.match(value):
            return int(value.replace("_", ""))
        if _FLOAT.match(value):
            return float(value.replace("_", ""))
    elif len(value) <= 5:
        lowered = value.lower()
        if lowered in _BOOL and value in (lowered, lowered.capitalize(), lowered.upper()):
            return _BOOL[lowered]
    return value


def _yaml_hint(problem: str, near: str = "") -> str:
    """What to do, from libyaml's problem and the lines where it was found (libyaml often calls
    a tab "a character that cannot start any token")."""
    if "tab" in problem or re.search(r"^ *\t", near, re.M):
        return "YAML indents with spaces, not tabs: replace the tab at the start of the line with spaces"
    if "mapping values are not allowed" in problem:
        return 'a value that contains ": " must be quoted, e.g. text: "He said: yes"'
    if "could not find expected ':'" in problem or "expected key" in problem or "expected <block end>" in problem:
        return "check the indentation of this line and the one before it"
    if "end of stream" in problem:
        return "a quoted value that starts here is never closed"
    return "check quoting and indentation around this position"
