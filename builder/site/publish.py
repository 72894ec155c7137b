"""What a host needs beside the pages: `.nojekyll` always, `sitemap.xml` with a base URL.

These files depend only on the settings and on which pages the site has, so they are
made from the rendered site (whatever pages it holds) rather than from the corpus.

- `.nojekyll` tells GitHub Pages, when it publishes from a branch, to serve the files
  as they are instead of running Jekyll over them (which drops files starting with `_`).
- `sitemap.xml` lists every page a search engine should index, as absolute URLs from
  `base_url`, in a fixed order; no `<lastmod>`, because nothing in a corpus says when a
  page last changed (a file's mtime is not part of the input, and output is deterministic).
"""

from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import quote
from html import escape

from builder.read.settings import Settings
from builder.core.models import SitePath

NOT_FOUND = SitePath("404.html")
_NOINDEX = re.compile(rb"""<meta\s+name=["']?robots["']?\s+content=["'][^"']*noindex""", re.IGNORECASE)


def site_files(site: Mapping[SitePath, bytes], settings: Settings) -> dict[SitePath, bytes]:
    """The files to add to a rendered site for publishing it."""
    files = {SitePath(".nojekyll"): b""}
    if settings.base_url:
        files[SitePath("sitemap.xml")] = sitemap(sitemap_pages(site), settings.base_url)
    return files


def sitemap_pages(site: Mapping[SitePath, bytes]) -> list[SitePath]:
    """Every HTML page but the 404 page and pages marked noindex: home first, then by depth and name."""
    pages = [p for p in site if p.endswith(".html") and p != NOT_FOUND and not _NOINDEX.search(site[p][:4096])]
    return sorted(pages, key=lambda p: (p != "index.html", p.count("/"), p))


def page_url(base_url: str, page: SitePath) -> str:
    """The absolute URL of a page: the same one its canonical link names."""
    return base_url + quote(page, safe="/")


def sitemap(pages: list[SitePath], base_url: str) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{escape(page_url(base_url, p), quote=False)}</loc></url>" for p in pages]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")
