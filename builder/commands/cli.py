"""The command line: the only place that prints diagnostics and turns them into exit codes.

Exit status: 0 success, 1 the corpus has errors, 2 a wrong command line.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import NoReturn, Sequence, TextIO

from builder import __version__
from builder.commands import bundle as bundling, init as scaffold, suggest as suggesting
from builder.commands.progress import Reporter
from builder.core import diagnostics
from builder.core.models import annotation_count
from builder.read import settings as config, suggested
from builder.read.files import CorpusFiles
from builder.run import dask_executor as cluster, digest, executor as parallel, pipeline, store
from builder.site import bundle, staging as write

EXIT_OK, EXIT_CORPUS, EXIT_USAGE = 0, 1, 2


def _corpus_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("corpus", nargs="?", default=".", type=Path,
                   help="the folder that holds seeds/, annotations/ and themes/ (default: the current folder)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="glossator",
        description="Build annotated document readers: static sites from source documents and YAML annotations.",
    )
    top.add_argument("--version", action="version", version=f"glossator {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    b = sub.add_parser("build", help="build the site", description="Build the site into CORPUS/site/ (or --out).")
    _corpus_arg(b)
    b.add_argument("-o", "--out", type=Path, help="output folder (default: the 'output' setting, site/)")
    b.add_argument("--base-url", help="where the site will be published (adds sitemap.xml and canonical links)")
    b.add_argument("--force", action="store_true",
                   help="replace the output folder even though it does not look like a site Glossator built "
                        "(never the corpus itself, nor a folder that holds it)")
    b.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    b.add_argument("--no-cache", action="store_true",
                   help=f"neither read nor fill the build cache ({store.FOLDER}/ in the corpus folder, which "
                        "makes a build after a small edit much faster; glossator clean removes it)")
    b.add_argument("--dask", metavar="ADDRESS",
                   help="read, prepare and render the documents on a Dask cluster: a scheduler's address "
                        "(tcp://host:8786) or scheduler file (.json), or 'local' for a LocalCluster on this machine; "
                        "needs pip install 'glossator[dask]' (see docs/scale.md)")

    c = sub.add_parser("check", help="validate everything, write nothing",
                       description="Check the corpus and annotations and report every problem; write nothing.")
    _corpus_arg(c)
    c.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    z = sub.add_parser("bundle", help="the whole site in one zip that works offline",
                       description="Build the site into one zip that works unzipped anywhere, from file://, with no "
                                   "network. Fails, writing nothing, if a page loads anything from outside the site.")
    _corpus_arg(z)
    z.add_argument("-o", "--out", type=Path, metavar="FILE.zip",
                   help="the zip to write, or a folder to write it in (default: CORPUS/<folder name>-site.zip)")
    z.add_argument("--force", action="store_true", help="replace FILE.zip even though it is not a zip")
    z.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    v = sub.add_parser("serve", help="live-reload authoring server on 127.0.0.1", description=(
        "Build the site, serve it on http://127.0.0.1:8000/, watch seeds/, annotations/, themes/ and "
        "glossator.toml, rebuild what an edit changes and reload the open pages. A build with errors shows them "
        "in the terminal and over every open page, and the last good site stays up. Nothing is written to disk."),
        epilog="Exit status: 0 when stopped with Ctrl-C; 1 when CORPUS is not a corpus folder; "
               "2 for a wrong command line or when the port is in use (choose another with --port).")
    _corpus_arg(v)
    v.add_argument("-p", "--port", type=int, default=8000, help="the port to listen on (default: 8000)")
    v.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 shares the site "
                        "with your network). A request is answered only if its Host header is 127.0.0.1, localhost, "
                        "[::1] or the --host given (with this port or none); with 0.0.0.0 or :: also any IP address "
                        "and this machine's name (and name.local). Other names get 421, so that a web page cannot "
                        "point its own domain at this machine (DNS rebinding) and read the site")

    suggesting.add_parser(sub, _corpus_arg)

    m = sub.add_parser("import", help="add annotations made elsewhere (Hypothesis) to the sidecars", description=(
        "Read a Hypothesis export (the API's annotation JSON), match each annotation to a document by its url "
        "column (or its page, docs/<id>.html) and to the words of its reading text, and append notes (quotes, "
        "where a tag names the speaker: speaker:<entity id>) to the sidecars, keeping their comments. Annotations "
        "whose words no longer occur are listed with the closest passage; running it again adds nothing."),
        epilog="Exit status: 0 imported (warnings list what was not); 1 errors in the export or the corpus "
               "(nothing is written); 2 a wrong command line.")
    m.add_argument("format", choices=["hypothesis"], help="where the annotations come from")
    m.add_argument("file", type=Path, metavar="FILE.json", help="the export")
    _corpus_arg(m)
    m.add_argument("-n", "--dry-run", action="store_true", help="print the entries it would add; write nothing")
    m.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    k = sub.add_parser("clean", help=f"remove the build cache ({store.FOLDER}/)", description=(
        f"Remove the build cache, {store.FOLDER}/ in the corpus folder: the next build starts from nothing. "
        "Removes only a folder that Glossator made (it holds CACHEDIR.TAG); never the site or the corpus."))
    _corpus_arg(k)

    i = sub.add_parser("init", help="start a new corpus", description=(
        "Create a corpus that builds at once: seeds/INDEX.md and one document, annotations/ with entities and a "
        "sidecar (and the JSON Schemas for editors), glossator.toml, a GitHub Pages workflow and a .gitignore. "
        "Never overwrites a file."))
    i.add_argument("folder", nargs="?", default=".", type=Path,
                   help="the folder of the new corpus, created if missing (default: the current folder)")
    return top


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def find_corpus(path: Path, err: TextIO) -> Path | None:
    if (path / "seeds" / "INDEX.md").is_file():
        return path
    err.write(f"{path}: error: no seeds/INDEX.md here, so this is not a corpus folder\n"
              f"  hint: run glossator in the folder that holds seeds/ and annotations/, or name it: "
              f"glossator build path/to/corpus\n")
    return None


def open_corpus(args: argparse.Namespace, err: TextIO, base_url: str | None = None
                ) -> tuple[Path, config.Settings, tuple[diagnostics.Diagnostic, ...]] | None:
    """The corpus folder named on the command line and its settings (with their problems), or None if it is not one."""
    corpus_dir = find_corpus(args.corpus, err)
    if corpus_dir is None:
        return None
    settings, found = config.load(corpus_dir, base_url=base_url)
    return corpus_dir, settings, found


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    opened = open_corpus(args, err, base_url=args.base_url)
    if opened is None:
        return EXIT_CORPUS
    corpus_dir, settings, found = opened
    if diagnostics.has_errors(found):
        err.write(diagnostics.report(found) + "\nbuild failed: nothing was written\n")
        return EXIT_CORPUS
    target = args.out if args.out else corpus_dir / settings.output
    problem = write.output_problem(corpus_dir, target, args.force)
    if problem is not None:
        return refuse_output(problem, "build", args.out, corpus_dir, settings, err)
    reporter = Reporter(err, args.quiet)
    if args.dask is not None:
        reporter(f"starting Dask ({args.dask})")
    cache, why = (None, "") if args.no_cache else store.Store.open(corpus_dir, digest.code())
    if why and not args.quiet:
        err.write(f"{store.FOLDER}: note: {why}\n")
    try:
        with cache if cache is not None else nullcontext(), \
                nullcontext() if args.dask is None else cluster.connect(args.dask) as executor:
            result = pipeline.build_and_write(corpus_dir, target, {"base_url": args.base_url}, reporter,
                                              force=args.force, executor=executor, cache=cache)
    except cluster.Unavailable as exc:
        reporter.finish()
        err.write(f"glossator build: error: {exc}\n")
        return EXIT_USAGE
    finally:   # also when interrupted: what is printed next starts on a clean line
        reporter.finish()
    report = diagnostics.report((*found, *result.diagnostics))
    if report:
        err.write(report + "\n")
    if not result.ok:
        err.write(f"build failed: nothing was written; {target} is unchanged\n")
        return EXIT_CORPUS
    if not args.quiet:
        cached = result.from_cache
        reused = "" if cached is None else \
            f" (from the cache: {cached.documents} of the documents, {cached.pages} of the pages)"
        out.write(f"built {plural(result.documents, 'document')}, {plural(result.annotations, 'annotation')}, "
                  f"{plural(result.pages, 'page')} in {result.seconds:.2f} s{reused} → {target}\n")
    return EXIT_OK


def refuse_output(problem: write.OutputProblem, command: str, given: Path | None, corpus_dir: Path,
                  settings: config.Settings, err: TextIO) -> int:
    """Say why the output cannot be written there, touching nothing: as a command-line error
    (exit 2) when --out named it, else at the `output` setting (exit 1)."""
    if given is not None:
        err.write(f"glossator {command}: error: --out {given}: {problem.message}\n  hint: {problem.hint}\n")
        return EXIT_USAGE
    at = config.position(corpus_dir, "output")
    where = f"{config.FILE}:{at[0]}:{at[1]}" if at else settings.output
    err.write(f"{where}: error: output '{settings.output}': {problem.message}\n  hint: {problem.hint}"
              f"{'' if problem.always else ', or build elsewhere with --out'}\n")
    return EXIT_CORPUS


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    opened = open_corpus(args, err)
    if opened is None:
        return EXIT_CORPUS
    corpus_dir, settings, found = opened
    linked, found_c = pipeline.check(corpus_dir)
    all_found = diagnostics.sort((*found, *found_c))
    report = diagnostics.report(all_found)
    if report:
        err.write(report + "\n")
    if diagnostics.has_errors(all_found):
        return EXIT_CORPUS
    if not args.quiet:
        n = annotation_count(linked.summaries)
        waiting = suggested.waiting(CorpusFiles(corpus_dir))
        drafts = f"; {plural(waiting, 'suggestion')} waiting (glossator suggest)" if waiting else ""
        out.write(f"ok: {plural(len(linked.docs), 'document')}, {plural(n, 'annotation')}, "
                  f"{plural(len(linked.entities), 'entity').replace('entitys', 'entities')}"
                  f"{drafts}\n")
    return EXIT_OK


def cmd_bundle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    opened = open_corpus(args, err)
    if opened is None:
        return EXIT_CORPUS
    corpus_dir, settings, found = opened
    target = args.out or bundle.default_target(corpus_dir)
    if target.is_dir():
        target = target / bundle.default_target(corpus_dir).name
    problem = bundle.target_problem(corpus_dir, target, args.force)
    if problem is not None:
        err.write(f"glossator bundle: error: {'--out ' if args.out else ''}{target}: {problem.message}\n"
                  f"  hint: {problem.hint}\n")
        return EXIT_USAGE if args.out else EXIT_CORPUS
    result = None
    if not diagnostics.has_errors(found):
        reporter = Reporter(err, args.quiet)
        try:
            result = bundling.bundle(corpus_dir, bundle.top_folder(target), reporter)
        finally:
            reporter.finish()
    report = diagnostics.report((*found, *(result.build.diagnostics if result else ())))
    if report:
        err.write(report + "\n")
    if result and result.problems:
        err.write(diagnostics.report(result.problems) + "\n"
                  "  (the paths above are files of the built site; they usually come from a theme template)\n")
    if result is None or not result.ok:
        err.write(f"bundle failed: nothing was written; {target} is unchanged\n")
        return EXIT_CORPUS
    bundle.write_zip(result.data, target)
    if not args.quiet:
        out.write(f"bundled {len(result.build.site)} files ({len(result.data) / 1024:.0f} KB, "
                  f"{result.build.pages} pages) → {target}\n")
    return EXIT_OK


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = scaffold.init(args.folder)
    if result.problem:
        err.write(f"{args.folder}: error: {result.problem}\n")
        return EXIT_CORPUS
    if result.existing:
        names = "".join(f"\n  {args.folder / p}" for p in result.existing)
        err.write(f"{args.folder}: error: init would overwrite {len(result.existing)} existing "
                  f"file{'s' * (len(result.existing) != 1)}, so it wrote nothing:{names}\n"
                  f"  hint: init only creates new files: choose a new or empty folder, or move these files away\n")
        return EXIT_CORPUS
    out.write(f"created a corpus in {args.folder}/ ({len(result.written)} files)\n"
              f"  next: glossator build {args.folder}   (then open {args.folder / 'site' / 'index.html'})\n"
              f"  publish: see the top of {args.folder / '.github' / 'workflows' / 'pages.yml'}\n")
    if result.install is not None:
        out.write(f"  its workflow installs {result.install.spec}: {result.install.why}\n")
    return EXIT_OK


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    corpus_dir = find_corpus(args.corpus, err)
    if corpus_dir is None:
        return EXIT_CORPUS
    from builder.commands import importing

    return importing.import_hypothesis(args.file, corpus_dir, args.dry_run, args.quiet, out, err)


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    corpus_dir = find_corpus(args.corpus, err)
    if corpus_dir is None:
        return EXIT_CORPUS
    from builder.commands import serve

    return serve.serve(corpus_dir, args.host, args.port, out, err)


def cmd_suggest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    corpus_dir = find_corpus(args.corpus, err)
    if corpus_dir is None:
        return EXIT_CORPUS
    reporter = Reporter(err, args.quiet)
    try:
        return suggesting.run(args, corpus_dir, reporter, out, err)
    finally:
        reporter.finish()


def cmd_clean(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    corpus_dir = find_corpus(args.corpus, err)
    if corpus_dir is None:
        return EXIT_CORPUS
    ok, message, hint = store.clean(corpus_dir)
    if ok:
        out.write(message + "\n")
        return EXIT_OK
    err.write(f"{message}\n  hint: {hint}\n")
    return EXIT_CORPUS


COMMANDS = {"clean": cmd_clean, "build": cmd_build, "check": cmd_check, "bundle": cmd_bundle, "init": cmd_init, "serve": cmd_serve,
            "suggest": cmd_suggest, "import": cmd_import}


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return COMMANDS[args.command](args, out, err)
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except parallel.WorkerLost as exc:
        err.write(f"glossator {args.command}: error: {exc}\n  nothing was written; the previous output is unchanged\n")
        return EXIT_CORPUS


def run() -> NoReturn:
    """The `glossator` command: main(), then an exit that skips the interpreter's teardown.

    A build leaves some 150 MB of small objects behind; Python's own exit collects and frees
    them one by one, ~0.15 s after the work is done, while the author waits for the prompt.
    Everything is written and closed by then and the streams are flushed here. If a child
    process is still running (none should be), the ordinary exit waits for it as usual.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):    # a closed pipe: nothing more can reach it anyway
            pass
    if multiprocessing.active_children():
        sys.exit(code)
    os._exit(code)
