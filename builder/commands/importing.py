"""`glossator import hypothesis FILE.json [CORPUS]`: annotations made in Hypothesis, added to the sidecars.

The export is read (builder.read.hypothesis), the corpus checked and linked (it must be free
of errors: the words are found in its reading texts), each annotation matched to a document
and its words (builder.prepare.hypothesis), and the new entries appended to the sidecars by
the one writer (builder.site.sidecars). It is all or nothing: any error, in the export or in
a sidecar that cannot be added to cleanly, and no file is written. Orphans and annotations of
pages that are no document are listed as warnings. A second run of the same export adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from builder.core import diagnostics
from builder.core.diagnostics import Diagnostic, error
from builder.core.models import SourcePath
from builder.prepare import hypothesis as matching
from builder.read import hypothesis
from builder.read.files import CorpusFiles
from builder.run import pipeline
from builder.site import sidecars

EXIT_OK, EXIT_CORPUS = 0, 1


def read_export(path: Path) -> tuple[str | None, Diagnostic | None]:
    """The export's text: a file the author names on the command line (it need not be in the corpus)."""
    try:
        if path.stat().st_size > hypothesis.MAX_BYTES:
            return None, error(str(path), 1, 1, f"is larger than {hypothesis.MAX_BYTES // 2**20} MB")
        return path.read_bytes().decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, error(str(path), 1, exc.start + 1, "is not UTF-8 text", hypothesis.SHAPE_HINT)
    except OSError as exc:
        return None, error(str(path), 1, 1, f"cannot be read: {exc.strerror or exc}",
                           "name the JSON file that Hypothesis exported")


def import_hypothesis(export: Path, corpus_dir: Path, dry_run: bool, quiet: bool, out: TextIO, err: TextIO) -> int:
    text, problem = read_export(export)
    if problem is not None:
        return _failed([problem], err)
    annotations, found = hypothesis.parse(text or "", str(export))
    if diagnostics.has_errors(found):
        return _failed(found, err)
    linked, found_c = pipeline.check(corpus_dir)
    if diagnostics.has_errors(found_c):
        err.write(diagnostics.report(found_c) + "\n")
        return _failed([error(str(corpus_dir), 1, 1, "the corpus has errors, so its texts cannot be matched",
                              "fix them (glossator check) and import again")], err)
    plan = matching.plan(annotations, linked)
    found = (*found, *plan.diagnostics)
    files = CorpusFiles(corpus_dir)
    existing = files.sidecars()
    changes: list[tuple[str, str | None, str, int]] = []   # (sidecar, old text, new text, entries)
    problems: list[Diagnostic] = []
    for doc_id, entries in sorted(plan.additions.items()):
        rel = existing.get(doc_id, SourcePath(f"annotations/{doc_id}.yaml"))
        source = files.text(rel, optional=True)
        if source is not None and source.text is None:
            problems += source.found
            continue
        old = source.text if source is not None else None
        new, problem = sidecars.appended(old, rel, [(e.section, e.fields) for e in entries])
        if problem is not None:
            problems.append(problem)
        else:
            changes.append((rel, old, new or "", len(entries)))
    found = diagnostics.sort((*found, *problems))
    if diagnostics.has_errors(found):
        return _failed(found, err)
    if found:
        err.write(diagnostics.report(found) + "\n")
    if dry_run:
        for doc_id, entries in sorted(plan.additions.items()):
            shown, _ = sidecars.appended(None, doc_id, [(e.section, e.fields) for e in entries])
            out.write(f"# {existing.get(doc_id, f'annotations/{doc_id}.yaml')}: would add\n{shown}\n")
        out.write(f"dry run: {_summary(plan, changes)}; nothing was written\n")
        return EXIT_OK
    return _write(corpus_dir, changes, plan, quiet, out, err)


def _write(corpus_dir: Path, changes: list[tuple[str, str | None, str, int]], plan: matching.Plan, quiet: bool,
           out: TextIO, err: TextIO) -> int:
    done: list[tuple[str, str | None]] = []
    for rel, old, new, _ in changes:
        problem = sidecars.write(corpus_dir, rel, old, new)
        if problem is not None:
            _undo(corpus_dir, done)
            return _failed([problem], err, "the sidecars written before it were put back as they were")
        done.append((rel, old))
    _, after = pipeline.check(corpus_dir)
    if diagnostics.has_errors(after):   # the new entries anchor by construction; if not, take them back
        _undo(corpus_dir, done)
        return _failed(after, err, "the imported entries made the corpus fail its check, so they were taken out again")
    if not quiet:
        out.write(f"imported {_summary(plan, changes)}\n")
        for rel, _, _, n in changes:
            out.write(f"  {rel}: {n} new entr{'y' if n == 1 else 'ies'}\n")
    return EXIT_OK


def _undo(corpus_dir: Path, done: list[tuple[str, str | None]]) -> None:
    for rel, old in reversed(done):
        path = corpus_dir / rel
        if old is None:
            path.unlink(missing_ok=True)      # a file this import created
        else:
            path.write_text(old, "utf-8", newline="")


def _summary(plan: matching.Plan, changes: list[tuple[str, str | None, str, int]]) -> str:
    entries = [e for es in plan.additions.values() for e in es]
    quotes = sum(1 for e in entries if e.section == "quotes")
    parts = [f"{len(entries)} annotation{'s' * (len(entries) != 1)} ({quotes} quote{'s' * (quotes != 1)}, "
             f"{len(entries) - quotes} note{'s' * (len(entries) - quotes != 1)}) into {len(changes)} "
             f"sidecar{'s' * (len(changes) != 1)}"]
    if plan.already:
        parts.append(f"{plan.already} already there")
    skipped = sum(1 for d in plan.diagnostics if d.severity == "warning")
    if skipped:
        parts.append(f"{skipped} not imported (see the warnings)")
    return "; ".join(parts)


def _failed(found: object, err: TextIO, note: str = "nothing was written") -> int:
    err.write(diagnostics.report(found) + f"\nimport failed: {note}\n")   # type: ignore[arg-type]
    return EXIT_CORPUS
