"""`glossator bundle`: build the site in memory, check it loads nothing from outside, zip it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.core.diagnostics import Diagnostic
from builder.run import pipeline
from builder.site.bundle import check, zip_bytes


@dataclass(frozen=True)
class BundleResult:
    build: pipeline.BuildResult
    problems: tuple[Diagnostic, ...] = ()    # outside or missing resources, in site paths
    data: bytes = b""                        # the zip, when everything is fine

    @property
    def ok(self) -> bool:
        return self.build.ok and not self.problems


def bundle(corpus_dir: Path, top: str, progress: pipeline.Progress = pipeline.silent) -> BundleResult:
    """Build the site in memory, check that it loads nothing from outside, zip it. Writes nothing.

    The bundle has no web address, so `base_url` is left out: no sitemap, no canonical
    links, and a 404 page with relative links.
    """
    result = pipeline.build(corpus_dir, {"base_url": ""}, progress)
    if not result.ok:
        return BundleResult(result)
    progress("checking for outside resources")
    problems = check(result.site)
    if problems:
        return BundleResult(result, problems)
    progress("zipping")
    return BundleResult(result, (), zip_bytes(result.site, top))
