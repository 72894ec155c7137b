"""Write corpora for the hostile tests, programmatically (FORMAT.md §1, §3, §4).

`Corpus` collects the pieces (INDEX.md title, introduction and table rows; document
files; entities; sidecars; settings) and `write()` lays them out in a folder. Values are
written as given, so a test can put any string, or any bytes, anywhere an author could.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

ROOT = Path(__file__).resolve().parents[2]
ERROR_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.+)$", re.M)


def md_cell(value: str) -> str:
    """A value as one Markdown table cell (a `|` would end the cell)."""
    return value.replace("\\", "\\\\").replace("|", "\\|")


@dataclass
class Corpus:
    title: str = "Hostile corpus"
    intro: str = "An introduction."
    rows: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, str | bytes] = field(default_factory=dict)       # path under seeds/ → content
    entities: dict[str, Any] | str | bytes | None = None             # YAML data, or raw text/bytes
    sidecars: dict[str, dict[str, Any] | str | bytes] = field(default_factory=dict)
    settings: str = ""
    index_raw: str | bytes | None = None                              # replaces the generated INDEX.md

    def doc(self, doc_id: str, file: str, text: str | bytes | None, title: str = "A document", **columns: str) -> "Corpus":
        """Add a table row and (unless text is None) the document file."""
        self.rows.append({"id": doc_id, "file": file, "title": title, **columns})
        if text is not None:
            self.files[file] = text
        return self

    def index_text(self) -> str:
        columns: list[str] = []
        for row in self.rows:
            columns.extend(c for c in row if c not in columns)
        lines = [f"# {self.title}", "", self.intro, ""]
        if columns:
            lines.append("| " + " | ".join(md_cell(c) for c in columns) + " |")
            lines.append("|" + "|".join("---" for _ in columns) + "|")
            lines += ["| " + " | ".join(md_cell(row.get(c, "")) for c in columns) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def write(self, root: Path) -> Path:
        seeds, notes = root / "seeds", root / "annotations"
        seeds.mkdir(parents=True, exist_ok=True)
        notes.mkdir(parents=True, exist_ok=True)
        _put(seeds / "INDEX.md", self.index_raw if self.index_raw is not None else self.index_text())
        for name, content in self.files.items():
            path = seeds / name
            path.parent.mkdir(parents=True, exist_ok=True)
            _put(path, content)
        if self.entities is not None:
            _put(notes / "entities.yaml", _yaml(self.entities))
        for doc_id, data in self.sidecars.items():
            _put(notes / f"{doc_id}.yaml", _yaml(data))
        if self.settings:
            _put(root / "glossator.toml", self.settings)
        return root


def _yaml(data: Mapping[str, Any] | str | bytes) -> str | bytes:
    if isinstance(data, (str, bytes)):
        return data
    return yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=10_000)


def _put(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8", newline="")


def person(name: str, description: str = "", aliases: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    if aliases:
        out["aliases"] = aliases
    if description:
        out["description"] = description
    return out


# --- running builds -----------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float = 0.0
    peak_mib: float = 0.0

    def errors(self) -> list[re.Match[str]]:
        return list(ERROR_LINE.finditer(self.err))


def build(corpus: Path, out: Path) -> Run:
    """`glossator build` in this process (fast): exit code, stdout, stderr."""
    import io

    from builder.commands.cli import main

    o, e = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = main(["build", str(corpus), "--out", str(out), "-q"], out=o, err=e)
    return Run(code, o.getvalue(), e.getvalue(), time.perf_counter() - started)


_MEASURE = r"""
import io, json, resource, sys, time
from builder.commands.cli import main
o, e = io.StringIO(), io.StringIO()
t = time.perf_counter()
try:
    code = main(["build", sys.argv[1], "--out", sys.argv[2], "-q"], out=o, err=e)
except BaseException as exc:  # a crash is a result too: report it, do not hide it
    import traceback
    code = "crash"
    e.write(traceback.format_exc())
seconds = time.perf_counter() - t
# ru_maxrss of this process would include the pytest process that spawned it: Linux keeps the
# old address space's high-water mark across exec, and a vfork child's old one is the parent's.
# VmHWM is this address space's own; the build's forked workers count through RUSAGE_CHILDREN.
status = open("/proc/self/status").read() if sys.platform == "linux" else ""
hwm = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
own = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak_kib = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"code": code, "out": o.getvalue(), "err": e.getvalue(), "seconds": seconds, "peak_kib": peak_kib}))
"""


def build_measured(corpus: Path, out: Path, timeout: float) -> Run:
    """`glossator build` in a fresh interpreter, with its wall time and peak memory (its own
    high-water mark and its workers')."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(corpus), str(out)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip(), f"the measuring process failed:\n{proc.stderr[-3000:]}"
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    code = data["code"] if isinstance(data["code"], int) else -1
    return Run(code, data["out"], data["err"], data["seconds"], data["peak_kib"] / 1024)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path → bytes); symlinks are recorded, not followed."""
    if not folder.exists():
        return {}
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[rel] = path.read_bytes()
        elif path.is_dir():
            out[rel + "/"] = b""
    return out


def leftovers(out: Path) -> list[str]:
    """Staging folders a build left beside the output folder."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


# --- a corpus whose annotations nest and overlap in every way ------------------------------------

NESTED_TEXT = ("On Tuesday the envoy Zamir Kabulov said in Doha that talks resume on 28 May 2024 at the embassy. "
               "Kabulov added that the embassy is safe, and Doha agreed.\n"
               "A second paragraph where a quote crosses into the next one begins here\n"
               "and ends here, with the date Monday inside it.\n")


def nested_corpus() -> Corpus:
    """Dates, notes and noted quotes inside mention links, crossing them, equal to them; spans
    that cross paragraphs. The pages must stay valid HTML and every note and date reachable
    by keyboard (tests/test_quality_html.py, tests/test_a11y.py)."""
    c = Corpus(title="Nested annotations", entities={
        "people": {"zamir-kabulov": person("Zamir Kabulov", aliases=["Kabulov"])},
        "places": {"doha": person("Doha"), "embassy": person("The embassy")},
    })
    c.doc("nested", "nested.txt", NESTED_TEXT, "Nested and overlapping annotations", published="2024-05-28")
    c.sidecars["nested"] = {
        "mentions": [
            {"text": "On Tuesday the envoy", "entity": "zamir-kabulov"},            # holds a date at its start
            {"text": "Kabulov said in Doha that talks resume on", "entity": "zamir-kabulov"},  # holds a noted quote
            {"text": "the embassy", "entity": "embassy", "occurrence": 1},           # equal to a note
            {"text": "Kabulov added that the embassy", "entity": "zamir-kabulov"},   # crosses a note's start
            {"text": "and Doha agreed", "entity": "doha"},                          # a link in a link,
            {"text": "Doha", "occurrence": 2, "entity": "doha"},                    # around a note
        ],
        "dates": [
            {"text": "On Tuesday", "date": "2024-05-28"},
            {"text": "28 May 2024", "date": "2024-05-28", "event": "Talks resume"},
            {"text": "Monday", "date": "2024-05-27~"},
        ],
        "notes": [
            {"text": "envoy Zamir", "note": "Crosses the end of a mention and the start of a name."},
            {"text": "the embassy", "occurrence": 1, "note": "Equal to a mention."},
            {"text": "embassy is safe", "note": "Starts inside a mention and ends after it."},
            {"text": "Doha", "occurrence": 2, "note": "Inside two links."},
        ],
        "quotes": [
            {"text": "said in Doha that talks resume", "speaker": "zamir-kabulov", "note": "A noted quote in a link."},
            {"text": "a quote crosses into the next one begins here\n\nand ends here", "speaker": "zamir-kabulov"},
        ],
        "links": [{"text": "talks resume on 28 May", "to": "https://example.org/talks"}],
    }
    return c
