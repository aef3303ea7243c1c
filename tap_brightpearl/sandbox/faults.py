"""Injected faults: random ones, and by path (a service refused, a path failing every time).

Random: seeded 500s, 503 outages, dropped connections, truncated bodies. By path: ``refuse``
and ``fail_paths``.

Random faults are drawn after the throttle admitted a request (so a fault consumes quota) and
before authentication; path faults come after authentication (the staff member is known, the
endpoint refuses or fails). The token and authorize endpoints get none.

``refuse={"accounting-service": 403}`` answers every request below that path prefix (whole
segments: a service, a resource, or a full path) as a staff member without permission is
answered. ASSUMPTION: no recording or reference shows Brightpearl's answer to a request its
staff member may not make; the sandbox sends HTTP 403 with an ``errors`` list,
``{"errors":[{"code":"GWY-403","message":"..."}]}``, the API's error shape. Another status
(e.g. 401) gets the same body. ``fail_paths={"product-service/product-price": 500}`` answers
every request below the prefix with that 5xx (500: the CMNU-003 body; 503: the outage text, not
the throttle's), whatever the retries.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING, Any

from .util import dumps

if TYPE_CHECKING:
    from .counters import Counters

INTERNAL_ERROR = dumps({"errors": [{"code": "CMNU-003", "message": "Internal server error"}]})
OUTAGE = dumps({"response": "Service Temporarily Unavailable"})
DRAW_ORDER = ("drop", "500", "503", "malformed")  # the seeded sequence depends on this order
PERMISSION_DENIED = dumps(
    {
        "errors": [
            {
                "code": "GWY-403",
                "message": "The staff member does not have permission to access this resource",
            }
        ]
    }
)


def rule_for(rules: dict[str, int] | None, path: str) -> int | None:
    """The status of the longest prefix of ``path`` (whole segments) in ``rules``, or None."""
    best: tuple[int, int] | None = None
    for prefix, status in (rules or {}).items():
        p = prefix.strip("/")
        if (path == p or path.startswith(p + "/")) and (best is None or len(p) > best[0]):
            best = (len(p), int(status))
    return None if best is None else best[1]


def path_answer(kind: str, status: int) -> bytes:
    """The body of a path fault: ``refuse`` or ``fail`` with its status."""
    if kind == "refuse":
        return PERMISSION_DENIED
    return OUTAGE if status == 503 else INTERNAL_ERROR


class Faults:
    """Draws a fault per request from the ``fault_*`` rate knobs and a seeded generator."""

    def __init__(self, seed: int, knobs: dict[str, Any], counters: Counters) -> None:
        self._knobs = knobs
        self._counters = counters
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:faults")

    def draw(self) -> str | None:
        """One of ``drop``, ``500``, ``503``, ``malformed``, or None (no fault)."""
        with self._lock:
            x = self._rng.random()
            for name in DRAW_ORDER:
                rate = float(self._knobs[f"fault_{name}"])
                if x < rate:
                    self._counters.fault(name)
                    return name
                x -= rate
            return None

    def for_path(self, path: str) -> tuple[str, int] | None:
        """("refuse" | "fail", HTTP status) when a path knob covers ``path``."""
        refused = rule_for(self._knobs["refuse"], path)
        if refused is not None:
            self._counters.add("refused")
            return "refuse", refused
        failed = rule_for(self._knobs["fail_paths"], path)
        if failed is not None:
            self._counters.add("path_failures")
            return "fail", failed
        return None
