"""What the sandbox saw: request counts per endpoint, throttling, faults, tokens, mutations.

One lock for every counter, so a snapshot is consistent while requests are served.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

FAULTS = ("500", "503", "drop", "malformed")


class Counters:
    """Thread-safe counters; ``snapshot()`` is what ``Sandbox.counters()`` returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c: dict[str, Any] = {}
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._c = {
                "requests": {},
                "requests_total": 0,
                "throttled": 0,
                "max_in_window": 0,
                "tokens_refreshed": 0,
                "codes_exchanged": 0,
                "auth_failures": 0,
                "mutations": 0,
                "deletions": 0,
                "refused": 0,
                "path_failures": 0,
                "faults": dict.fromkeys(FAULTS, 0),
                "max_in_flight": {},  # per endpoint: the most requests served at once
                "statuses": {},  # per endpoint: {"200": n, "500": n, ...} of routed answers
            }
            self._in_flight: dict[str, int] = {}

    def hit(self, endpoint: str, status: int | None = None) -> None:
        """One request answered by ``endpoint`` (the names of ``counters()["requests"]``).

        A routed answer also counts its ``status`` (``counters()["statuses"]``).
        """
        with self._lock:
            requests = self._c["requests"]
            requests[endpoint] = requests.get(endpoint, 0) + 1
            if status is not None:
                by_status = self._c["statuses"].setdefault(endpoint, {})
                by_status[str(status)] = by_status.get(str(status), 0) + 1

    def add(self, key: str, n: int = 1) -> None:
        """Add to a top-level counter (``throttled``, ``mutations``, ...)."""
        with self._lock:
            self._c[key] += n

    def fault(self, name: str) -> None:
        """One injected fault of a kind."""
        with self._lock:
            self._c["faults"][name] += 1

    def window(self, size: int) -> None:
        """A request was admitted into a window now holding ``size`` requests."""
        with self._lock:
            self._c["max_in_window"] = max(self._c["max_in_window"], size)

    @contextlib.contextmanager
    def serving(self, endpoint: str) -> Iterator[None]:
        """One request of ``endpoint`` in progress (latency included) while inside."""
        with self._lock:
            now = self._in_flight[endpoint] = self._in_flight.get(endpoint, 0) + 1
            peak = self._c["max_in_flight"]
            peak[endpoint] = max(peak.get(endpoint, 0), now)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[endpoint] = max(0, self._in_flight.get(endpoint, 1) - 1)

    def snapshot(self) -> dict[str, Any]:
        """A copy of every counter."""
        with self._lock:
            out = dict(self._c)
            out["requests"] = dict(out["requests"])
            out["faults"] = dict(out["faults"])
            out["max_in_flight"] = dict(out["max_in_flight"])
            out["statuses"] = {k: dict(v) for k, v in out["statuses"].items()}
            return out
