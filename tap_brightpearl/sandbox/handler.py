"""The HTTP handler of the sandbox: one keep-alive connection, no logic of its own.

It reads a request, asks ``Sandbox.respond`` for the answer (pipeline.py) and writes it, with
Content-Length on every answer. It uses the Sandbox's public methods only.
"""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import Sandbox


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"
    server_version = "brightpearl-sandbox"
    timeout = 60

    def version_string(self) -> str:
        """The Server header."""
        return self.server_version

    @property
    def sb(self) -> Sandbox:
        """The Sandbox this server belongs to."""
        return self.server.sandbox  # type: ignore[attr-defined]

    def setup(self) -> None:
        """Register the connection (so stop() can close it)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sb.connection_opened(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            self.sb.connection_closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (tokens must never reach logs anyway)."""

    def do_GET(self) -> None:
        """GET: searches, GETs by ID set, reference GETs, the OAuth authorize page."""
        self._answer("GET")

    def do_OPTIONS(self) -> None:
        """OPTIONS: the URI planner."""
        self._answer("OPTIONS")

    def do_POST(self) -> None:
        """POST: the OAuth token endpoint; anything else 405."""
        self._answer("POST")

    def do_PUT(self) -> None:
        """PUT: 405."""
        self._answer("PUT")

    def do_DELETE(self) -> None:
        """DELETE: 405."""
        self._answer("DELETE")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.sb.respond(method, self.path, self.headers, body)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
