"""The open pages of a live server: what each shows, and the events (status, reload) sent to them."""

from __future__ import annotations

import json
import os
import queue
import threading
from dataclasses import dataclass
from typing import Any, Iterable

from builder.core import diagnostics
from builder.core.diagnostics import Diagnostic


def page_of(url_path: str) -> str:
    """The site file a URL path names: '/' → 'index.html', '/docs/' → 'docs/index.html'."""
    path = url_path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def status_of(ok: bool, found: Iterable[Diagnostic], version: int, building: bool, builds: int,
              pending: int = 0) -> dict[str, Any]:
    """What /__glossator/status answers and "status" events carry; `pending`: pages still to render."""
    items = diagnostics.sort(found)
    return {
        "ok": ok, "version": version, "building": building, "builds": builds, "pending": pending,
        "errors": sum(1 for d in items if d.severity == "error"),
        "warnings": sum(1 for d in items if d.severity == "warning"),
        "diagnostics": [{**d.as_dict(), "where": f"{d.path}:{d.line}:{d.column}"} for d in items],
    }


@dataclass(eq=False)
class Client:
    page: str
    events: "queue.Queue[str | None]"


class Hub:
    """The open pages: what each shows, and the events to send them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[Client] = []
        self.version = 0                        # bumped whenever the site changes
        self._changed_at: dict[str, int] = {}   # page → version at which it last changed
        self._all_at = 0                        # version at which every page last changed (a stylesheet…)
        self.status: dict[str, Any] = status_of(True, (), 0, True, 0)
        self.closed = False
        self.run = os.urandom(6).hex()          # pages served by an earlier run of the server reload on connect

    def connect(self, page: str, since: int, run: str = "") -> Client:
        client = Client(page, queue.Queue())
        with self._lock:
            self._clients.append(client)
            client.events.put(_event("status", self.status))
            if max(self._changed_at.get(page, 0), self._all_at) > since or (run and run != self.run):
                client.events.put(_event("reload", {"version": self.version, "pages": [page], "all": False}))
            if self.closed:
                client.events.put(None)
        return client

    def disconnect(self, client: Client) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def open_pages(self) -> set[str]:
        with self._lock:
            return {c.page for c in self._clients}

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def changed(self, paths: Iterable[str], everything: bool = False) -> None:
        """Site files changed (`everything`: every page did): tell the pages that show them to reload."""
        pages = set()
        for p in paths:
            if p.endswith(".html"):
                pages.add(p)
            elif p.startswith("static/"):
                everything = True            # every page loads the theme's scripts and styles
            else:
                pages.add("search.html")     # the search index and other data files
        if not pages and not everything:
            return
        with self._lock:
            self.version += 1
            for p in pages:
                self._changed_at[p] = self.version
            if everything:
                self._all_at = self.version
            self._send(_event("reload", {"version": self.version, "pages": sorted(pages), "all": everything}))

    def set_status(self, status: dict[str, Any]) -> None:
        with self._lock:
            self.status = {**status, "version": self.version}
            self._send(_event("status", self.status))

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._send(None)

    def _send(self, event: str | None) -> None:
        for c in self._clients:
            c.events.put(event)


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
