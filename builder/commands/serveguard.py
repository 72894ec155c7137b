"""What `glossator serve` checks before it answers a request: who is asking, and how fast.

    Hosts     the Host header must name the address the server is bound to: a page of
              another site whose name was pointed at this machine (DNS rebinding) sends
              its own name, and is refused before it can read the site or its status
    Incoming  a connection's request line and headers must arrive within REQUEST_SECONDS
              of the request's start (idle keep-alive connections included) and fit in
              HEAD_BYTES; answers are written with a SEND_SECONDS timeout

Everything here is read by builder/commands/serve.py's Server and Handler.
"""

from __future__ import annotations

import io
import ipaddress
import re
import socket
import time
from dataclasses import dataclass

REQUEST_SECONDS = 5.0     # from the start of a request (or the end of the last answer) to the end of its headers
SEND_SECONDS = 30.0       # the longest one write of an answer may wait for the browser to take it
HEAD_BYTES = 64 * 1024    # the request line and headers together (http.server caps each line at 64 KiB
                          # and a request at 100 header lines; this caps their sum)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
_PORT = re.compile(r":[0-9]{1,5}")


@dataclass(frozen=True)
class Hosts:
    """The Host header values the server answers: one of `names`, with its port or none.

    Listening on every address (0.0.0.0, ::), the site is meant to be read from other
    machines by this machine's address, so any IP literal is accepted as well as the
    machine's own name (and name.local): neither can be a name that someone else's DNS
    points here. Any other name is refused.
    """

    names: frozenset[str]
    port: int
    any_ip: bool = False

    @classmethod
    def bound(cls, host: str, port: int) -> Hosts:
        given = host.strip().lower()
        if _unspecified(given):
            own = socket.gethostname().lower()
            return cls(LOOPBACK | ({own, own + ".local"} if own else set()), port, any_ip=True)
        return cls(LOOPBACK | {f"[{given}]" if ":" in given else given}, port)

    def allows(self, value: str | None) -> bool:
        if not value:
            return False
        value = value.strip().lower()
        if value.startswith("["):
            end = value.find("]") + 1
            name, rest = (value[:end], value[end:]) if end else (value, "")
        else:
            name, colon, port = value.partition(":")
            rest = colon + port
        if rest and not (_PORT.fullmatch(rest) and int(rest[1:]) == self.port):
            return False
        return name in self.names or (self.any_ip and _ip_literal(name))


def _unspecified(host: str) -> bool:
    if host in ("", "0.0.0.0", "::"):
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _ip_literal(name: str) -> bool:
    try:
        if name.startswith("[") and name.endswith("]"):
            ipaddress.IPv6Address(name[1:-1])
        else:
            ipaddress.IPv4Address(name)   # dotted quads only: no "127.1", no "0x7f.1"
    except ValueError:
        return False
    return True


class HeadTooLarge(Exception):
    """The request line and headers are longer than HEAD_BYTES."""


class Incoming(io.RawIOBase):
    """The bytes a connection sends, read with a deadline and a budget per request.

    http.server reads the request line and headers through a buffered file; a socket
    timeout alone would let a client that sends one byte a second hold a thread for ever.
    `start()` is called when a request begins: from then on every read waits at most
    until REQUEST_SECONDS have passed, and at most HEAD_BYTES are read.
    """

    def __init__(self, sock: socket.socket, seconds: float = REQUEST_SECONDS, limit: int = HEAD_BYTES) -> None:
        super().__init__()
        self.sock, self.seconds, self.limit = sock, seconds, limit
        self.start()

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.budget = self.limit

    def expect(self, body: int) -> None:
        """A request body of `body` bytes follows the headers: REQUEST_SECONDS more for it."""
        self.deadline = time.monotonic() + self.seconds
        self.budget = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        if self.budget <= 0:
            raise HeadTooLarge
        timeout = self.sock.gettimeout()
        self.sock.settimeout(left)
        try:
            n = self.sock.recv_into(memoryview(buffer)[:self.budget])
        finally:
            self.sock.settimeout(timeout)     # what the answer is written with
        self.budget -= n
        return n
