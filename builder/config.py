"""Settings a corpus keeps in `glossator.toml`: frozen, validated, unknown keys rejected."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from builder import langtag
from builder.diagnostics import Diagnostic, error
from builder.models import SourcePath

FILE = "glossator.toml"


@dataclass(frozen=True)
class Settings:
    title: str = ""          # overrides the INDEX.md heading
    base_url: str = ""       # where the site is published; enables sitemap.xml and canonical links
    theme: str = "default"   # themes/<theme>/ in the corpus, falling back to the built-in theme
    output: str = "site"     # the output folder, relative to the corpus
    language: str = "en"     # the lang of pages and documents without a language column


def _line_of(text: str, key: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return n
    return 1


def load(corpus_dir: Path, **overrides: str | None) -> tuple[Settings, tuple[Diagnostic, ...]]:
    path = corpus_dir / FILE
    settings = Settings()
    diags: list[Diagnostic] = []
    text = ""
    if path.exists():
        from builder.stages.corpus import read_text   # one reader for every file: links, BOM, UTF-16, bad bytes

        read, problems = read_text(path, SourcePath(FILE), within=corpus_dir)
        if read is None:
            return settings, problems
        text = read
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
                diags.append(error(FILE, _line_of(text, key), 1, f"unknown setting '{key}'",
                                   f"did you mean '{close[0]}'?" if close else f"settings: {', '.join(known)}"))
            elif not isinstance(value, str):
                diags.append(error(FILE, _line_of(text, key), 1, f"setting '{key}' must be a string"))
            else:
                values[key] = value
        settings = replace(settings, **values)
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    if settings.base_url and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", settings.base_url):
        diags.append(error(FILE, _line_of(text, "base_url"), 1,
                           f"base_url '{settings.base_url}' is not an http(s) URL",
                           "e.g. base_url = \"https://example.github.io/my-corpus/\""))
    wrong_language = langtag.problem(settings.language)
    if wrong_language:
        diags.append(error(FILE, _line_of(text, "language"), 1,
                           f"language {wrong_language[0]}", wrong_language[1]))
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", settings.theme):
        diags.append(error(FILE, _line_of(text, "theme"), 1, f"theme '{settings.theme}' is not a folder name"))
    if settings.base_url and not settings.base_url.endswith("/"):
        settings = replace(settings, base_url=settings.base_url + "/")
    return settings, tuple(diags)
