"""`glossator suggest`: draft annotations for the author to review (builder.suggest).

By default each document's suggestions go to annotations/<id>.suggested.yaml (the build
ignores these files); `--format json` writes nothing and prints one JSON object keyed by
document id; `--score` compares the suggestions with the corpus's own annotations and
prints the figures. Exit status: 0, 1 when the corpus has errors or a file would be
overwritten that Glossator did not write, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import difflib
import json
from pathlib import Path
from typing import TextIO

from builder.core import diagnostics
from builder.run import drafting
from builder.site import suggested as writing
from builder.suggest import output, score as scoring
from builder.read import suggested
from builder.read.files import CorpusFiles
from builder.suggest.draft import DEFAULT_MIN_CONFIDENCE, at_least, without

EXIT_OK, EXIT_CORPUS, EXIT_USAGE = 0, 1, 2


def add_parser(sub: argparse._SubParsersAction, corpus_arg) -> None:   # type: ignore[type-arg]
    s = sub.add_parser("suggest", help="draft annotations for you to review", description=(
        "Draft quotes with their speakers, dates resolved against each document's published date, mentions and "
        "new entities, and write them to annotations/<id>.suggested.yaml (the build ignores these files) for you "
        "to review and move into the sidecar. Passages already annotated are not proposed again. A "
        ".suggested.yaml that Glossator did not write is never overwritten."),
        epilog="Exit status: 0 on success; 1 when the corpus has errors or a suggestions file is not Glossator's; "
               "2 for a wrong command line.")
    corpus_arg(s)
    s.add_argument("--doc", action="append", metavar="ID", help="only this document (repeat for several)")
    s.add_argument("--format", choices=("yaml", "json"), default="yaml",
                   help="yaml (default): write annotations/<id>.suggested.yaml; json: write nothing, print one "
                        "JSON object keyed by document id")
    s.add_argument("--min-confidence", type=_confidence, default=DEFAULT_MIN_CONFIDENCE, metavar="X",
                   help=f"leave out suggestions less confident than X, 0 to 1 (default: {DEFAULT_MIN_CONFIDENCE})")
    s.add_argument("--score", action="store_true",
                   help="write nothing; compare the suggestions with the corpus's own annotations (as if absent) "
                        "and print precision and recall")
    s.add_argument("-v", "--verbose", action="store_true", help="with --score: list every miss")
    s.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def _confidence(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return number


def run(args: argparse.Namespace, corpus_dir: Path, progress, out: TextIO, err: TextIO) -> int:   # noqa: ANN001
    only = frozenset(args.doc) if args.doc else None
    prepared, drafted = drafting.suggest(corpus_dir, only, blind=args.score, progress=progress)
    found = diagnostics.sort((*prepared.diagnostics, *(d for one in drafted for d in one.diagnostics)))
    known = [d.meta.id for d in prepared.docs]
    unknown = sorted(only - set(known)) if only else []
    if diagnostics.has_errors(found):
        err.write(diagnostics.report(found) + "\nsuggest: fix these first (suggestions must know what is "
                                              "annotated); nothing was written\n")
        return EXIT_CORPUS
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1)
        err.write(f"glossator suggest: error: --doc {unknown[0]}: no such document in seeds/INDEX.md\n"
                  f"  hint: {f'did you mean {close[0]}?' if close else 'use an id from the table in seeds/INDEX.md'}\n")
        return EXIT_USAGE
    if found:
        err.write(diagnostics.report(found) + "\n")
    if args.score:
        result = scoring.score(prepared.docs, [at_least(d, args.min_confidence) for d in drafted])
        out.write(scoring.table(result, args.min_confidence) + "\n")
        if args.verbose:
            out.writelines(f"  {m.doc}: {m.kind}: {m.text[:80]!r}{'  ' + m.detail if m.detail else ''}\n"
                           for m in result.misses)
        return EXIT_OK
    files = CorpusFiles(corpus_dir)
    anchored = {d.meta.id: d for d in prepared.docs}
    rejected = {d.doc: suggested.rejected(suggested.parsed(_text(files, d.doc))) for d in drafted}
    kept = [without(at_least(d, args.min_confidence), anchored[d.doc], rejected[d.doc]) for d in drafted]
    if args.format == "json":
        out.write(json.dumps({d.doc: output.as_dict(d) for d in kept}, ensure_ascii=False, indent=1) + "\n")
        return EXIT_OK
    refused = [r for r in (writing.refusal(corpus_dir, d.doc) for d in kept) if r is not None]
    if refused:
        err.write(diagnostics.report(refused) + "\nsuggest: nothing was written\n")
        return EXIT_CORPUS
    written, removed = writing.write(corpus_dir, {d.doc: output.yaml_text(d, rejected[d.doc])
                                                  if d.count or rejected[d.doc] else None for d in kept})
    if not args.quiet:
        total = sum(d.count for d in kept)
        out.write(f"{total} suggestion{'s' * (total != 1)} for {len(kept)} document{'s' * (len(kept) != 1)}: "
                  f"{written} file{'s' * (written != 1)} written in annotations/ (*.suggested.yaml)"
                  + (f", {removed} emptied file{'s' * (removed != 1)} removed" if removed else "") + "\n")
    return EXIT_OK


def _text(files: CorpusFiles, doc: str) -> str | None:
    """The document's suggestions file now (None: none, or it cannot be read)."""
    source = files.text(f"annotations/{doc}{writing.SUFFIX}", optional=True)   # type: ignore[arg-type]
    return None if source is None else source.text
