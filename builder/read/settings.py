"""Settings a corpus keeps in `glossator.toml`: frozen, validated, unknown keys rejected."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path, PurePosixPath

from builder.core import langtag
from builder.core.diagnostics import Diagnostic, error
from builder.core.models import SourcePath
from builder.read.files import CorpusFiles, Text

FILE = SourcePath("glossator.toml")
MAX_BYTES = 1024 * 1024     # a settings file is a few lines


@dataclass(frozen=True)
class Settings:
    title: str = ""          # overrides the INDEX.md heading
    base_url: str = ""       # where the site is published; enables sitemap.xml and canonical links
    theme: str = "default"   # themes/<theme>/ in the corpus, falling back to the built-in theme
    output: str = "site"     # the output folder, relative to the corpus
    language: str = "en"     # the lang of pages and documents without a language column


def where(text: str, key: str) -> tuple[int, int]:
    """The line and column of a top-level setting's value (of its key when the value is not found)."""
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(rf"\s*{re.escape(key)}\s*=\s*", line)
        if m:
            return n, m.end() + 1
    return 1, 1


def load(corpus_dir: Path, **overrides: str | None) -> tuple[Settings, tuple[Diagnostic, ...]]:
    """The corpus's settings (defaults where it has no glossator.toml), with `overrides` from the command line."""
    return parse(CorpusFiles(corpus_dir).text(FILE, MAX_BYTES, optional=True), **overrides)


def parse(source: Text | None, **overrides: str | None) -> tuple[Settings, tuple[Diagnostic, ...]]:
    """Settings from glossator.toml as read (None: the corpus has none)."""
    settings = Settings()
    diags: list[Diagnostic] = []
    text = ""
    if source is not None:
        if source.text is None:
            return settings, source.found
        text = source.text
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
            line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
            return settings, (error(FILE, line, col, f"TOML syntax error: {str(exc).split(' (at')[0]}",
                                    'settings look like: title = "My corpus"'),)
        known = {f.name: f for f in fields(Settings)}
        values: dict[str, str] = {}
        for key, value in data.items():
            if key not in known:
                close = difflib.get_close_matches(key, list(known), n=1)
                diags.append(error(FILE, where(text, key)[0], 1, f"unknown setting '{key}'",
                                   f"did you mean '{close[0]}'?" if close else f"settings: {', '.join(known)}"))
            elif not isinstance(value, str):
                diags.append(error(FILE, *where(text, key), f"setting '{key}' must be a string"))
            else:
                values[key] = value
        settings = replace(settings, **values)
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    if settings.base_url and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", settings.base_url):
        diags.append(error(FILE, *where(text, "base_url"), f"base_url '{settings.base_url}' is not an http(s) URL",
                           "e.g. base_url = \"https://example.github.io/my-corpus/\""))
    wrong_language = langtag.problem(settings.language)
    if wrong_language:
        diags.append(error(FILE, *where(text, "language"), f"language {wrong_language[0]}", wrong_language[1]))
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", settings.theme) or settings.theme in (".", ".."):
        diags.append(error(FILE, *where(text, "theme"), f"theme '{settings.theme}' is not a folder name",
                           "the name of a folder in themes/, e.g. theme = \"default\""))
    problem = output_problem(settings.output)
    if problem:
        diags.append(error(FILE, *where(text, "output"), f"output '{settings.output}' {problem}",
                           "the output folder is a new folder inside the corpus, e.g. output = \"site\" or "
                           "\"_site\"; to build elsewhere, use glossator build --out"))
    if settings.base_url and not settings.base_url.endswith("/"):
        settings = replace(settings, base_url=settings.base_url + "/")
    return settings, tuple(diags)


def position(corpus_dir: Path, key: str) -> tuple[int, int] | None:
    """Where `key` is set in the corpus's settings file, or None when it is not."""
    source = CorpusFiles(corpus_dir).text(FILE, MAX_BYTES, optional=True)
    text = source.text if source is not None else None
    if text is None or not re.search(rf"(?m)^\s*{re.escape(key)}\s*=", text):
        return None
    return where(text, key)


def output_problem(output: str) -> str:
    """Why the `output` setting cannot name the output folder, or ''. The setting comes with
    the corpus (perhaps someone else's): it may only name a folder of its own inside it."""
    pure = PurePosixPath(output.replace("\\", "/"))
    if not output.strip() or pure.parts in ((), (".",)):
        return "is the corpus folder itself"
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", output):
        return "is an absolute path: the setting names a folder inside the corpus"
    if ".." in pure.parts:
        return "leaves the corpus ('..')"
    if pure.parts[0] == FILE:
        return "is the corpus's settings file"
    if pure.parts[0] in ("seeds", "annotations", "themes"):
        return f"is inside the corpus's {pure.parts[0]}/ folder"
    return ""
