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

from builder.diagnostics import Diagnostic, error

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


class _TooLarge(Exception):
    pass


class _Alias(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def load(text: str, path: str) -> tuple[Loaded | None, tuple[Diagnostic, ...]]:
    """Parse one YAML document; on failure return None and a positioned diagnostic."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        unclosed = exc.context and "quoted scalar" in exc.context
        mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "YAML syntax error"
        context = f" ({exc.context})" if exc.context else ""
        return None, (
            error(path, line, col, f"YAML syntax error: {problem}{context}", _yaml_hint(problem)),
        )
    except yaml.YAMLError as exc:
        return None, (error(path, 1, 1, f"YAML error: {exc}"),)
    finally:
        loader.dispose()
    if node is None:
        return Loaded({}, {(): (1, 1)}), ()
    positions: dict[PathKey, tuple[int, int]] = {}
    try:
        value = _convert(node, (), positions, set(), [0], path)
    except _Alias as exc:
        m = exc.node.start_mark
        return None, (
            error(
                path,
                m.line + 1,
                m.column + 1,
                "YAML anchors and aliases (&name, *name) are not allowed here",
                "write the value out in full; aliases can expand without bound",
            ),
        )
    except _TooLarge:
        return None, (error(path, 1, 1, f"the YAML file has more than {_MAX_NODES} values"),)
    except _DuplicateKey as exc:
        return None, (exc.diagnostic,)
    return Loaded(value, positions), ()


class _DuplicateKey(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(
    node: yaml.Node,
    path: PathKey,
    positions: dict[PathKey, tuple[int, int]],
    seen: set[int],
    count: list[int],
    file: str,
) -> Any:
    if id(node) in seen:
        raise _Alias(node)
    seen.add(id(node))
    count[0] += 1
    if count[0] > _MAX_NODES:
        raise _TooLarge()
    positions[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _DuplicateKey(error(file, *_pos(key_node), "a mapping key must be a plain value"))
            key = _scalar(key_node)
            if key in out:
                raise _DuplicateKey(
                    error(file, *_pos(key_node), f"duplicate key '{key}'", "each key may appear once in a mapping")
                )
            positions[path + (key, KEY)] = _pos(key_node)
            out[key] = _convert(value_node, path + (key,), positions, seen, count, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, path + (i,), positions, seen, count, file) for i, item in enumerate(node.value)
        ]
    return _scalar(node)


_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


def _scalar(node: yaml.Node) -> Any:
    """YAML 1.1 plain scalars as PyYAML's safe loader reads them, except that dates and
    timestamps stay strings (they are EDTF, checked later). Quoted scalars are strings."""
    value = node.value
    if node.style:  # quoted, literal or folded
        return str(value)
    if value in _NULL:
        return None
    lowered = value.lower()
    if lowered in _BOOL and value in (lowered, lowered.capitalize(), lowered.upper()):
        return _BOOL[lowered]
    if _INT.match(value):
        return int(value.replace("_", ""))
    if _FLOAT.match(value):
        return float(value.replace("_", ""))
    return str(value)


def _yaml_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return 'a value that contains ": " must be quoted, e.g. text: "He said: yes"'
    if "found character '\\t'" in problem or "tab" in problem:
        return "YAML indents with spaces, not tabs"
    if "could not find expected ':'" in problem or "expected key" in problem or "expected <block end>" in problem:
        return "check the indentation of this line and the one before it"
    if "end of stream" in problem:
        return "a quoted value that starts here is never closed"
    return "check quoting and indentation around this position"
