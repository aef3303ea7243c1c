"""The HTTP handler of the sandbox: one keep-alive connection, the request pipeline.

``/public-api/{account}/...``: 414 if the URL exceeds 8 KB, the latency knob, the throttle
window, injected faults, authentication, live mutations, then the endpoint (see server.py).
"""

from __future__ import annotations

import socket
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import api

if TYPE_CHECKING:
    from .server import Sandbox

THROTTLE_TEXT = "You have sent too many requests. Please wait before sending another request"


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive with Content-Length on every answer."""

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
        with self.sb._lock:
            self.sb._conns.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            with self.sb._lock:
                self.sb._conns.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (tokens must never reach logs anyway)."""

    def do_GET(self) -> None:
        """GET: searches, GETs by ID set, reference GETs."""
        self._api("GET")

    def do_OPTIONS(self) -> None:
        """OPTIONS: the URI planner."""
        self._api("OPTIONS")

    def do_POST(self) -> None:
        """POST: the OAuth token endpoint; anything else 405."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path.startswith("/token/"):
            self.sb._count("", endpoint="token")
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            status, payload = self.sb._token(unquote(path[len("/token/"):]), form)
            self._send(status, api.dumps(payload), {})
            return
        self._api("POST")

    def do_PUT(self) -> None:
        """PUT: 405."""
        self._api("PUT")

    def do_DELETE(self) -> None:
        """DELETE: 405."""
        self._api("DELETE")

    def _send(self, status: int, body: bytes, headers: dict[str, str],
              ctype: str = "application/json;charset=UTF-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _api(self, method: str) -> None:
        sb = self.sb
        if len(self.path) > api.MAX_URL:
            self._send(414, b"<html><body><h1>414 Request-URI Too Large</h1></body></html>", {},
                       "text/html")
            return
        split = urlsplit(self.path)
        parts = split.path.split("/", 3)
        if len(parts) < 4 or parts[1] != "public-api":
            self._send(404, api.error(404, "GWY-404", "No resource matches this URI")[1], {})
            return
        account = unquote(parts[2])
        latency = float(sb.knobs["latency"])
        if latency > 0:
            time.sleep(latency)
        admitted, remaining, next_ms = sb._admit(account)
        headers = {"brightpearl-requests-remaining": str(remaining),
                   "brightpearl-next-throttle-period": str(next_ms),
                   "Ruid": uuid.uuid4().hex}
        if not admitted:
            self._send(503, api.dumps({"response": THROTTLE_TEXT}), headers)
            return
        fault = sb._fault()
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "500":
            self._send(500, api.error(500, "CMNU-003", "Internal server error")[1], headers)
            return
        if fault == "503":
            self._send(503, api.dumps({"response": "Service Temporarily Unavailable"}), headers)
            return
        denied = sb._authenticate(account, self.headers)
        if denied is not None:
            sb._count("", key="auth_failures")
            headers["Message-Type"] = "api-proxy"
            self._send(401, api.dumps({"response": denied}), headers)
            return
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        svc_path = unquote(parts[3])
        with sb.store.lock:
            if sb.knobs["mutate"]:
                sb._mutate()
            endpoint, (status, body, message_type) = api.route(
                sb.store, method, svc_path, params, sb.knobs["reject_filter"])
        sb._count("", endpoint=endpoint)
        headers["Message-Type"] = message_type
        if fault == "malformed" and status == 200:
            body = body[: max(1, len(body) // 2)]
        self._send(status, body, headers)
