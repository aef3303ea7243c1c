"""HTTP front of the sandbox and its Python API (``Sandbox``).

Request pipeline for ``/public-api/{account}/...``: 414 if the URL exceeds 8 KB, then the
latency knob (a sleep before anything is answered), then the per-account rolling throttle
window (a throttled 503 does not consume quota), then injected faults, then authentication
(a 401 still consumed quota, as on the real API), then live mutations (when on), then the
endpoint. ``POST /token/{account}`` is the OAuth token
endpoint (not throttled: on the real service it is another host).
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import math
import random
import socket
import threading
import time
from collections import deque
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from . import generate, mutate, truth
from .data import Store
from .handler import Handler

if TYPE_CHECKING:
    from datetime import datetime

NOT_AUTHENTICATED = "Not authenticated. You must provide a valid authentication token."

KNOB_DEFAULTS: dict[str, Any] = {
    "latency": 0.0,
    "fault_500": 0.0,
    "fault_503": 0.0,
    "fault_drop": 0.0,
    "fault_malformed": 0.0,
    "reject_filter": None,
    "throttle_limit": 200,
    "throttle_window": 60.0,
    "mutate": False,
    "mutations_per_request": 3,
    "token_lifetime": 3600.0,
    "expire_tokens_early": False,
    "account": "sandbox",
    "app_ref": "sandbox-app",
    "staff_token": "sandbox-staff-token",
    "account_token": "sandbox-account-token",
    "access_token": "sandbox-access-token",
    "refresh_token": "sandbox-refresh-token",
    "client_id": None,  # None: same as app_ref
    "client_secret": None,  # None: any or no client_secret accepted
    "drift_fields": True,  # serve the invented DRIFT_FIELDS of drift.py (fixed at construction)
}


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


class Sandbox:
    """A Brightpearl API on 127.0.0.1 serving seeded data from a background thread."""

    def __init__(self, seed: int = 7, sizes: dict[str, int] | None = None, scale: float = 1.0,
                 port: int = 0, host: str = "127.0.0.1", **knobs: Any) -> None:
        unknown = set(knobs) - set(KNOB_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown sandbox knobs: {sorted(unknown)}")
        self.seed = seed
        self.host = host
        self.port = port
        self.knobs = dict(KNOB_DEFAULTS)
        self.knobs.update(knobs)
        started = time.perf_counter()
        self.store = Store(seed=seed, sizes=sizes, scale=scale,
                           drift=bool(self.knobs["drift_fields"]))
        generate.build(self.store)
        self.generation_seconds = time.perf_counter() - started
        self._lock = threading.Lock()
        self._fault_rng = random.Random(f"{seed}:faults")
        self._mutate_rng = random.Random(f"{seed}:mutations")
        self._windows: dict[str, deque[float]] = {}
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self._token_serial = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self.reset_counters()
        self._issue_default_tokens()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a daemon thread; returns self."""
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        server.sandbox = self  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, name="brightpearl-sandbox",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI)."""
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        server.sandbox = self  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_address[1]
        server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving and close every open keep-alive connection."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> Sandbox:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8734``."""
        return f"http://{self.host}:{self.port}"

    # -- knobs and tokens ----------------------------------------------------------------

    def configure(self, **knobs: Any) -> None:
        """Change knobs live (latency, faults, throttle_*, mutate, token_lifetime, ...)."""
        unknown = set(knobs) - set(KNOB_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown sandbox knobs: {sorted(unknown)}")
        if "drift_fields" in knobs and bool(knobs["drift_fields"]) != self.store.drift:
            raise TypeError("drift_fields is fixed when the sandbox is made")
        with self._lock:
            self.knobs.update(knobs)
        if "access_token" in knobs or "refresh_token" in knobs:
            self._issue_default_tokens()
        if knobs.get("expire_tokens_early"):
            self.expire_tokens()

    def _issue_default_tokens(self) -> None:
        with self._lock:
            k = self.knobs
            expiry = 0.0 if k["expire_tokens_early"] else time.time() + float(k["token_lifetime"])
            self._access[k["access_token"]] = expiry
            self._refresh.add(k["refresh_token"])

    def expire_tokens(self) -> None:
        """Make every current OAuth access token expired now."""
        with self._lock:
            for tok in self._access:
                self._access[tok] = 0.0

    def revoke_refresh_tokens(self) -> None:
        """Invalidate every refresh token (the next refresh gets invalid_grant)."""
        with self._lock:
            self._refresh.clear()

    # -- counters and ground truth -------------------------------------------------------

    def reset_counters(self) -> None:
        """Zero every counter (the throttle window itself is kept)."""
        with self._lock:
            self._counters: dict[str, Any] = {
                "requests": {}, "requests_total": 0, "throttled": 0, "max_in_window": 0,
                "tokens_refreshed": 0, "auth_failures": 0, "mutations": 0,
                "faults": {"500": 0, "503": 0, "drop": 0, "malformed": 0},
            }

    def counters(self) -> dict[str, Any]:
        """A snapshot of the counters."""
        with self._lock:
            c = dict(self._counters)
            c["requests"] = dict(c["requests"])
            c["faults"] = dict(c["faults"])
            return c

    def primary_keys(self, stream: str) -> set[tuple[Any, ...]]:
        """Ground truth: PK tuples present now for a contract stream name."""
        with self.store.lock:
            return truth.primary_keys(self.store, stream)

    def changed_since(self, stream: str, since: datetime) -> set[tuple[Any, ...]]:
        """Ground truth: PK tuples whose replication key is at or after ``since``."""
        with self.store.lock:
            return truth.changed_since(self.store, stream, since)

    def tap_config(self, **overrides: Any) -> dict[str, Any]:
        """A ready tap config for this sandbox (staff-token auth)."""
        config: dict[str, Any] = {
            "account_code": self.knobs["account"],
            "api_url": self.url,
            "app_ref": self.knobs["app_ref"],
            "staff_token": self.knobs["staff_token"],
            "start_date": "2023-01-01T00:00:00Z",
        }
        config.update(overrides)
        return config

    # -- request plumbing used by the handler --------------------------------------------

    def _count(self, name: str, key: str | None = None, endpoint: str | None = None) -> None:
        with self._lock:
            c = self._counters
            if key is not None:
                c[key] += 1
            if endpoint is not None:
                c["requests"][endpoint] = c["requests"].get(endpoint, 0) + 1
            if name:
                c["faults"][name] += 1

    def _admit(self, account: str) -> tuple[bool, int, int]:
        """Rolling window: (admitted, requests remaining, ms until the oldest request leaves it).

        The period is rounded up, so a client that waits exactly that long finds a free slot.
        """
        with self._lock:
            limit = int(self.knobs["throttle_limit"])
            window = float(self.knobs["throttle_window"])
            now = time.monotonic()
            dq = self._windows.setdefault(account, deque())
            while dq and dq[0] <= now - window:
                dq.popleft()
            self._counters["requests_total"] += 1
            if len(dq) >= limit:
                self._counters["throttled"] += 1
                return False, 0, max(1, math.ceil((dq[0] + window - now) * 1000))
            dq.append(now)
            self._counters["max_in_window"] = max(self._counters["max_in_window"], len(dq))
            return True, limit - len(dq), max(1, math.ceil((dq[0] + window - now) * 1000))

    def _fault(self) -> str | None:
        """Draw an injected fault: drop, 500, 503, malformed or None."""
        with self._lock:
            k = self.knobs
            x = self._fault_rng.random()
            for name in ("drop", "500", "503", "malformed"):
                rate = float(k[f"fault_{name}"])
                if x < rate:
                    self._counters["faults"][name] += 1
                    return name
                x -= rate
            return None

    def _authenticate(self, account: str, headers: Any) -> str | None:
        """None when the request is authenticated, else the 401 response text."""
        k = self.knobs
        app = headers.get("brightpearl-app-ref")
        auth = headers.get("authorization")
        if account != k["account"]:
            return NOT_AUTHENTICATED
        if auth is not None:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token:
                return NOT_AUTHENTICATED
            with self._lock:
                expiry = self._access.get(token.strip())
            if expiry is None:
                return "Invalid instance token"
            if expiry <= time.time():
                return "Authorization token expired"
            return None if _same(app, k["app_ref"]) else NOT_AUTHENTICATED
        if not _same(app, k["app_ref"]):
            return NOT_AUTHENTICATED
        staff = headers.get("brightpearl-staff-token")
        if staff is not None:
            return None if _same(staff, k["staff_token"]) else NOT_AUTHENTICATED
        acct = headers.get("brightpearl-account-token")
        if acct is not None:
            return None if _same(acct, k["account_token"]) else NOT_AUTHENTICATED
        return NOT_AUTHENTICATED

    def _token(self, account: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """OAuth refresh grant with rotation."""
        k = self.knobs
        client = k["client_id"] or k["app_ref"]
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if not _same(form.get("client_id"), client) or (
            k["client_secret"] is not None
            and not _same(form.get("client_secret"), k["client_secret"])
        ):
            return 400, {"error": "invalid_client"}
        with self._lock:
            old = form.get("refresh_token", "")
            if account != k["account"] or old not in self._refresh:
                return 400, {"error": "invalid_grant",
                             "error_description": "The auth token has either expired or does "
                                                  "not exist"}
            self._refresh.discard(old)
            self._token_serial += 1
            raw = f"{self.seed}:{self._token_serial}:{time.time_ns()}".encode()
            access = base64.b64encode(b"access+/" + raw).decode()
            refresh = base64.b64encode(b"refresh+/" + raw).decode()
            lifetime = float(k["token_lifetime"])
            self._access[access] = time.time() + lifetime
            self._refresh.add(refresh)
            self._counters["tokens_refreshed"] += 1
        return 200, {"access_token": access, "refresh_token": refresh,
                     "api_domain": f"{self.host}:{self.port}", "token_type": "Bearer",
                     "expires_in": int(lifetime)}

    def _mutate(self) -> None:
        n = int(self.knobs["mutations_per_request"])
        if n > 0:
            done = mutate.apply(self.store, self._mutate_rng, n, time.time_ns() // 1_000_000)
            with self._lock:
                self._counters["mutations"] += done
