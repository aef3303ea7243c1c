"""Injected faults: seeded random 500s, 503 outages, dropped connections, truncated bodies.

Drawn after the throttle admitted a request (so a fault consumes quota) and before
authentication; the token and authorize endpoints get none.
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
