"""What the sandbox saw: request counts per endpoint, throttling, faults, tokens, mutations.

One lock for every counter, so a snapshot is consistent while requests are served.
"""

from __future__ import annotations

import threading
from typing import Any

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
                "requests": {}, "requests_total": 0, "throttled": 0, "max_in_window": 0,
                "tokens_refreshed": 0, "codes_exchanged": 0, "auth_failures": 0,
                "mutations": 0, "deletions": 0, "refused": 0, "path_failures": 0,
                "faults": dict.fromkeys(FAULTS, 0),
            }

    def hit(self, endpoint: str) -> None:
        """One request answered by ``endpoint`` (the names of ``counters()["requests"]``)."""
        with self._lock:
            requests = self._c["requests"]
            requests[endpoint] = requests.get(endpoint, 0) + 1

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

    def snapshot(self) -> dict[str, Any]:
        """A copy of every counter."""
        with self._lock:
            out = dict(self._c)
            out["requests"] = dict(out["requests"])
            out["faults"] = dict(out["faults"])
            return out
