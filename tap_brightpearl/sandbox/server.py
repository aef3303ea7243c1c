"""The sandbox's Python API (``Sandbox``): lifecycle, knobs, counters and ground truth.

The request pipeline is pipeline.py; its parts are throttle.py, faults.py, auth.py, mutate.py
(live changes) and routes.py. Everything here is public: the HTTP handler uses nothing else.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from . import control, deletes, generate, truth
from .auth import Auth
from .counters import Counters
from .data import Store
from .faults import Faults
from .handler import Handler
from .mutate import LiveChanges
from .pipeline import Headers, Pipeline, Reply
from .routes import router_for
from .throttle import Throttle

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

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
    "authorize_deny": False,  # the authorize page refuses: redirect with error=access_denied
    "redirect_uris": None,  # registered redirect URIs (None: any http(s) URI)
    "code_lifetime": 600.0,  # seconds an authorization code stays valid
    "installation_instance_id": "13",  # sent (as a string) with the code grant's tokens
    "refuse": None,  # {path prefix: status}: refused as a staff member without permission
    "fail_paths": None,  # {path prefix: 5xx}: that path answers the 5xx every time
    "delete_during_run": None,  # {stream: N}: N records deleted while a client syncs
    "delete_every": 1,  # ... one every this many API requests
    "surprises": None,  # [drift.Surprise]: values of another type served in some records
}


def _check_knobs(knobs: Mapping[str, Any]) -> None:
    unknown = set(knobs) - set(KNOB_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown sandbox knobs: {sorted(unknown)}")


class Sandbox:
    """A Brightpearl API on 127.0.0.1 serving seeded data from a background thread."""

    def __init__(
        self,
        seed: int = 7,
        sizes: dict[str, int] | None = None,
        scale: float = 1.0,
        port: int = 0,
        host: str = "127.0.0.1",
        **knobs: Any,
    ) -> None:
        _check_knobs(knobs)
        self.seed = seed
        self.host = host
        self.port = port
        self.knobs = dict(KNOB_DEFAULTS)
        self.knobs.update(knobs)
        started = time.perf_counter()
        self.store = Store(
            seed=seed, sizes=sizes, scale=scale, drift=bool(self.knobs["drift_fields"])
        )
        generate.build(self.store)
        self.generation_seconds = time.perf_counter() - started
        self._counters = Counters()
        self._auth = Auth(seed, self.knobs, self._counters, lambda: f"{self.host}:{self.port}")
        self._throttle = Throttle(self.knobs, self._counters)
        self._pipeline = Pipeline(
            self.store,
            self.knobs,
            self._counters,
            self._throttle,
            Faults(seed, self.knobs, self._counters),
            self._auth,
            LiveChanges(self.store, seed, self.knobs, self._counters),
            router_for(self.store),
        )
        self._delete_rng = random.Random(f"{seed}:delete")
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()

    # -- lifecycle -----------------------------------------------------------------------

    def _bind(self) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        server.sandbox = self  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_address[1]
        return server

    def start(self) -> Sandbox:
        """Bind and serve in a daemon thread; returns self."""
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="brightpearl-sandbox",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI)."""
        self._bind().serve_forever(poll_interval=0.2)

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

    # -- serving (the HTTP handler's side) -----------------------------------------------

    def respond(self, method: str, target: str, headers: Headers, body: bytes = b"") -> Reply:
        """The answer to one HTTP request (``target``: path and query of the request line)."""
        if target.startswith(control.PREFIX):
            return control.answer(self, method, target)
        return self._pipeline.respond(method, target, headers, body)

    def connection_opened(self, conn: socket.socket) -> None:
        """Track an open connection, so stop() can close it."""
        with self._lock:
            self._conns.add(conn)

    def connection_closed(self, conn: socket.socket) -> None:
        """Forget a closed connection."""
        with self._lock:
            self._conns.discard(conn)

    # -- knobs and tokens ----------------------------------------------------------------

    def configure(self, **knobs: Any) -> None:
        """Change knobs live (latency, faults, throttle_*, mutate, token_lifetime, ...)."""
        _check_knobs(knobs)
        if "drift_fields" in knobs and bool(knobs["drift_fields"]) != self.store.drift:
            raise TypeError("drift_fields is fixed when the sandbox is made")
        with self._lock:
            self.knobs.update(knobs)
        if "access_token" in knobs or "refresh_token" in knobs:
            self._auth.issue_default_tokens()
        if knobs.get("expire_tokens_early"):
            self.expire_tokens()
        if "delete_during_run" in knobs:
            with self.store.lock:
                self._pipeline.live.deletions.schedule(knobs["delete_during_run"])

    def hold_throttle_clock(self, held: bool = True) -> None:
        """Stop the throttle window's clock (no request leaves it) or let it run on.

        A test spends the pool while held, so a client meets the 503 however late it comes;
        released, the clock runs on from where it stopped.
        """
        self._throttle.hold(held)

    def expire_tokens(self) -> None:
        """Make every current OAuth access token expired now."""
        self._auth.expire_access_tokens()

    def revoke_refresh_tokens(self) -> None:
        """Invalidate every refresh token (the next refresh gets invalid_grant)."""
        self._auth.revoke_refresh_tokens()

    # -- counters and ground truth -------------------------------------------------------

    def reset_counters(self) -> None:
        """Zero every counter (the throttle window itself is kept)."""
        self._counters.reset()

    def counters(self) -> dict[str, Any]:
        """A snapshot of the counters."""
        return self._counters.snapshot()

    def primary_keys(self, stream: str) -> set[tuple[Any, ...]]:
        """Ground truth: PK tuples present now for a contract stream name."""
        with self.store.lock:
            return truth.primary_keys(self.store, stream)

    def changed_since(self, stream: str, since: datetime) -> set[tuple[Any, ...]]:
        """Ground truth: PK tuples whose replication key is at or after ``since``."""
        with self.store.lock:
            return truth.changed_since(self.store, stream, since)

    def delete(self, stream: str, ids: Iterable[int] | None = None, *, count: int = 0) -> list[int]:
        """Delete records now, as a user would between or during runs.

        The given ``ids`` (those that exist), or ``count`` picked at random (seeded); returns
        the ids deleted, ascending. Streams: ``deletes.DELETABLE``.
        """
        with self.store.lock:
            if ids is None:
                existing = deletes.existing_ids(self.store, stream)
                ids = self._delete_rng.sample(existing, min(count, len(existing)))
            done = deletes.delete_many(self.store, stream, ids)
        self._counters.add("deletions", len(done))
        for rid in done:
            deletes.logger.info("deleted %s %d", stream, rid)
        return done

    def deleted(self, stream: str) -> set[int]:
        """Ground truth: every id of ``stream`` deleted so far.

        By ``delete``, the ``delete_during_run`` knob or the mutation mode.
        """
        deletes.check_stream(stream)
        with self.store.lock:
            return set(self.store.deleted.get(stream, ()))

    def deletions_pending(self) -> dict[str, int]:
        """What the ``delete_during_run`` knob has still to delete, per stream."""
        with self.store.lock:
            return self._pipeline.live.deletions.pending()

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
