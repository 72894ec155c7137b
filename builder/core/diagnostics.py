"""One diagnostic type and one reporter, shared by every stage.

Stages never print or raise for bad input: they return diagnostics, and only the
command line turns them into output and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    column: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        head = f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if not self.hint:
            return head
        hint = "\n".join("    " + line for line in self.hint.splitlines())
        return f"{head}\n  hint:\n{hint}" if "\n" in self.hint else f"{head}\n  hint: {self.hint}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


def error(path: str, line: int, column: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, column, "error", message, hint)


def warning(path: str, line: int, column: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, column, "warning", message, hint)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def sort(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Report in file order, so that an author can walk the list top to bottom."""
    return tuple(sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.column, d.message)))


def report(diagnostics: Iterable[Diagnostic]) -> str:
    items = sort(diagnostics)
    errors = sum(1 for d in items if d.severity == "error")
    warnings = len(items) - errors
    lines = [d.format() for d in items]
    if items:
        lines.append(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return "\n".join(lines)
