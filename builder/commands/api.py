"""The HTTP side of `glossator serve`'s authoring API (builder.commands.authoring does the work).

    GET    /__glossator/api/annotations/<document>              the sidecar: path, sha256, text, annotations
    POST   /__glossator/api/annotations                         add one → 201 {id, path, line, sha256}
    PATCH  /__glossator/api/annotations/<document>/<id>         edit its keys → 200 {id, path, line, sha256}
    DELETE /__glossator/api/annotations/<document>/<id>         delete it → 200 {id, path, sha256}
    GET    /__glossator/api/entities                            the entities, and entities.yaml's sha256
    POST   /__glossator/api/entities                            add one → 201 {id, path, line, sha256}
    GET    /__glossator/api/documents                           the documents' ids and titles
    GET    /__glossator/api/undo                                what undo would take back
    POST   /__glossator/api/undo                                take back the last change → 200
    POST   /__glossator/api/propose                             a selection placed, and what suggest proposes
    GET    /__glossator/api/suggestions/<document>              the drafts of annotations/<id>.suggested.yaml
    POST   /__glossator/api/suggestions/<document>/accept       into the sidecar → 201
    POST   /__glossator/api/suggestions/<document>/reject       out of the drafts, not proposed again → 200

(the suggestions and proposals are builder.commands.suggestions')

Only the author's pages can use it. Every request must name the server's own address in
`Host` (a page of another site whose name was pointed here sends its own: DNS rebinding),
carry the run's secret token in `X-Glossator-Token` (served pages have it in
`<meta name="glossator-token">`; built sites never do), and, when it has an `Origin`, come
from the server's own origin; 403 otherwise. Writes must send `Content-Type:
application/json` (415 otherwise: a form of another site cannot send it without asking first).
Nothing is read or written before these checks pass.
"""

from __future__ import annotations

import hmac
import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Protocol
from urllib.parse import unquote

if TYPE_CHECKING:
    from email.message import Message

    from builder.commands.authoring import Answer, Authoring

API = "/__glossator/api/"
TOKEN_HEADER = "X-Glossator-Token"
MAX_BODY = 1 << 20      # bytes: a note of a few hundred pages


class Handler(Protocol):
    """What is read of the request being answered (builder.commands.http.Handler)."""

    path: str
    headers: Message
    server: Any                  # hosts (serveguard.Hosts), app.authoring
    incoming: Any                # serveguard.Incoming
    rfile: BinaryIO
    wfile: BinaryIO
    close_connection: bool

    def send_response(self, code: int, message: str | None = None) -> None: ...
    def send_header(self, keyword: str, value: str) -> None: ...
    def end_headers(self) -> None: ...


def route(path: str, method: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(what, its arguments, the methods it allows) of an API path; None: no such thing."""
    parts = [unquote(p) for p in path[len(API):].split("/")]
    if parts == ["annotations"]:
        return "add", (), ("POST",)
    if parts == ["undo"]:
        return ("undo" if method == "POST" else "last change"), (), ("GET", "POST")
    if parts == ["entities"]:
        return ("add entity" if method == "POST" else "entities"), (), ("GET", "POST")
    if parts == ["documents"]:
        return "documents", (), ("GET",)
    if parts == ["propose"]:
        return "propose", (), ("POST",)
    if len(parts) == 2 and parts[0] == "suggestions" and parts[1]:
        return "suggestions", (parts[1],), ("GET",)
    if len(parts) == 3 and parts[0] == "suggestions" and parts[1] and parts[2] in ("accept", "reject"):
        return parts[2], (parts[1],), ("POST",)
    if len(parts) == 2 and parts[0] == "annotations" and parts[1]:
        return "show", (parts[1],), ("GET",)
    if len(parts) == 3 and parts[0] == "annotations" and parts[1] and parts[2]:
        return ("edit" if method == "PATCH" else "delete"), (parts[1], parts[2]), ("PATCH", "DELETE")
    return None


def refused(handler: Handler, method: str) -> tuple[HTTPStatus, str] | None:
    """Why this request may not use the API (403, 415), or None."""
    hosts = handler.headers.get_all("Host") or []
    if len(hosts) != 1 or not handler.server.hosts.allows(hosts[0]):
        return HTTPStatus.FORBIDDEN, "the API answers only requests to the address glossator serve listens on"
    origin = handler.headers.get_all("Origin") or []
    if origin and (len(origin) != 1 or origin[0].strip().lower() != "http://" + hosts[0].strip().lower()):
        return HTTPStatus.FORBIDDEN, "the API answers only the pages of this server (Origin)"
    token = handler.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(token.encode("utf-8", "replace"), authoring(handler).token.encode()):
        return HTTPStatus.FORBIDDEN, (f"a missing or wrong {TOKEN_HEADER}: send the one in this server's pages' "
                                      '<meta name="glossator-token">')
    if method != "GET":
        kind = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the request as Content-Type: application/json"
    return None


def authoring(handler: Handler) -> Authoring:
    return handler.server.app.authoring


def answer(handler: Handler, method: str) -> None:
    """Answer one request to the API, whatever its method."""
    if method != "GET":
        handler.close_connection = True     # a refused request's body is never read: no request may follow it
    path = handler.path.partition("?")[0]
    found = route(path, method) if path.startswith(API) else None
    if found is None:
        if not path.startswith(API):
            return reply(handler, HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{method} is used only by the API "
                         f"({API}…)"}, allow="GET, HEAD")
        return reply(handler, HTTPStatus.NOT_FOUND, {"error": "no such API path", "see": "docs/authoring.md"})
    what, args, allowed = found
    if method not in allowed:
        return reply(handler, HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{path} answers {', '.join(allowed)}"},
                     allow=", ".join(allowed))
    problem = refused(handler, method)
    if problem is not None:
        return reply(handler, problem[0], {"error": problem[1]})
    body: Any = {}
    if method != "GET":
        body, why = read_body(handler)
        if why:
            return reply(handler, *why)
    api, drafts = authoring(handler), handler.server.app.suggestions
    answers: dict[str, Callable[[], Answer]] = {
        "show": lambda: api.show(*args), "add": lambda: api.add(body), "edit": lambda: api.edit(*args, body),
        "delete": lambda: api.delete(*args, body), "entities": api.show_entities,
        "add entity": lambda: api.add_entity(body), "documents": api.show_documents, "undo": api.undo,
        "last change": api.last_change, "propose": lambda: drafts.propose(body),
        "suggestions": lambda: drafts.show(*args), "accept": lambda: drafts.accept(*args, body),
        "reject": lambda: drafts.reject(*args, body)}
    return reply(handler, *answers[what]())


def read_body(handler: Handler) -> tuple[Any, tuple[HTTPStatus, dict[str, Any]] | None]:
    length = handler.headers.get("Content-Length")
    if handler.headers.get("Transfer-Encoding") or length is None or not length.isdigit():
        handler.close_connection = True
        return None, (HTTPStatus.LENGTH_REQUIRED, {"error": "send the body with a Content-Length"})
    if int(length) > MAX_BODY:
        handler.close_connection = True
        return None, (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"the body is over {MAX_BODY} bytes"})
    handler.incoming.expect(int(length))
    data = handler.rfile.read(int(length))
    try:
        body = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        return None, (HTTPStatus.BAD_REQUEST, {"error": f"the body is not JSON: {exc}"})
    if not isinstance(body, dict):
        return None, (HTTPStatus.BAD_REQUEST, {"error": "the body must be a JSON object"})
    return body, None


def reply(handler: Handler, status: HTTPStatus, body: dict[str, Any], allow: str = "") -> None:
    data = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("Cache-Control", "no-store")
    handler.send_header("X-Content-Type-Options", "nosniff")
    if allow:
        handler.send_header("Allow", allow)
    handler.end_headers()
    handler.wfile.write(data)
