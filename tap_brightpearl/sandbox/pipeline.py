"""The request pipeline of ``/public-api/{account}/...`` and the token endpoint.

In order: 414 when the URL exceeds 8 KB, the latency knob (a sleep before anything is
answered), the per-account throttle window (a throttled 503 consumes no quota), injected faults,
authentication (a 401 still consumed quota, as on the real API), path faults (``refuse``,
``fail_paths``), live changes (when on), then the route table. ``POST /token/{account}`` (the
OAuth token endpoint) and ``GET /authorize/{account}`` (the sign-in page) are not throttled
and get no faults (on the real service they are another host).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from . import drift
from . import faults as fault_bodies
from .api import MAX_URL, Request, error
from .throttle import THROTTLE_TEXT
from .util import dumps

if TYPE_CHECKING:
    from .auth import Auth
    from .counters import Counters
    from .data import Store
    from .faults import Faults
    from .mutate import LiveChanges
    from .routes import Router
    from .throttle import Throttle

JSON = "application/json;charset=UTF-8"


class Headers(Protocol):
    """Request headers, looked up case-insensitively (http.server's message, or a dict)."""

    def get(self, name: str, /) -> str | None:
        """The header's value or None."""


URI_TOO_LONG = b"<html><body><h1>414 Request-URI Too Large</h1></body></html>"


@dataclass
class Reply:
    """An HTTP answer; ``drop`` closes the connection without one."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON
    drop: bool = False


@dataclass
class Pipeline:
    """The parts a request passes through, wired once by the Sandbox."""

    store: Store
    knobs: dict[str, Any]
    counters: Counters
    throttle: Throttle
    faults: Faults
    auth: Auth
    live: LiveChanges
    router: Router

    def respond(self, method: str, target: str, headers: Headers, body: bytes) -> Reply:
        """Answer one request (``target`` is the request line's path and query)."""
        split = urlsplit(target)
        path = split.path
        if method == "POST" and path.startswith("/token/"):
            self.counters.hit("token")
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            status, payload = self.auth.token(unquote(path[len("/token/") :]), form)
            return Reply(status, dumps(payload))
        if method == "GET" and path.startswith("/authorize/"):
            self.counters.hit("authorize")
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            answer = self.auth.authorize(unquote(path[len("/authorize/") :]), query)
            if answer.location is not None:
                return Reply(answer.status, b"", {"Location": answer.location}, "text/html")
            return Reply(answer.status, dumps(answer.error))
        return self._api(method, target, headers)

    def _api(self, method: str, target: str, headers: Headers) -> Reply:
        if len(target) > MAX_URL:
            return Reply(414, URI_TOO_LONG, content_type="text/html")
        split = urlsplit(target)
        parts = split.path.split("/", 3)
        if len(parts) < 4 or parts[1] != "public-api":
            return Reply(404, error(404, "GWY-404", "No resource matches this URI")[1])
        account = unquote(parts[2])
        path = unquote(parts[3]).rstrip("/")
        with self.counters.serving(self.router.name_of(method, path)):
            return self._serve(method, path, split.query, account, headers)

    def _serve(self, method: str, path: str, query: str, account: str, headers: Headers) -> Reply:
        latency = float(self.knobs["latency"])
        if latency > 0:
            time.sleep(latency)
        admission = self.throttle.admit(account)
        out = admission.headers()
        out["Ruid"] = uuid.uuid4().hex
        if not admission.admitted:
            return Reply(503, dumps({"response": THROTTLE_TEXT}), out)
        fault = self.faults.draw()
        if fault == "drop":
            return Reply(0, drop=True)
        if fault == "500":
            return Reply(500, fault_bodies.INTERNAL_ERROR, out)
        if fault == "503":
            return Reply(503, fault_bodies.OUTAGE, out)
        denied = self.auth.check(account, headers)
        if denied is not None:
            self.counters.add("auth_failures")
            out["Message-Type"] = "api-proxy"
            return Reply(401, dumps({"response": denied}), out)
        req = Request(
            self.store,
            path,
            dict(parse_qsl(query, keep_blank_values=True)),
            {},
            self.knobs["reject_filter"],
        )
        by_path = self.faults.for_path(req.path)
        if by_path is not None:
            kind, status = by_path
            self.counters.hit(self.router.name_of(method, req.path))
            out["Message-Type"] = "error"
            return Reply(status, fault_bodies.path_answer(kind, status), out)
        with self.store.lock:
            self.live.before_request()
            endpoint, (status, body, message_type) = self.router.dispatch(req, method)
        self.counters.hit(endpoint, status)
        if status == 200 and self.knobs["surprises"]:
            body = drift.surprised(self.knobs["surprises"], endpoint, body)
        out["Message-Type"] = message_type
        if fault == "malformed" and status == 200:
            body = body[: max(1, len(body) // 2)]
        return Reply(status, body, out)
