"""The rate limit: a rolling window per account (Brightpearl: 200 requests a minute).

A throttled request does not enter the window (it consumes no quota); an admitted one does,
whatever it is answered with (401s and injected faults included, as on the real API).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .counters import Counters

THROTTLE_TEXT = "You have sent too many requests. Please wait before sending another request"


class Admission(NamedTuple):
    """The throttle's verdict and the two headers every API answer carries."""

    admitted: bool
    remaining: int  # brightpearl-requests-remaining: left after this request
    next_ms: int  # brightpearl-next-throttle-period: ms until the oldest request leaves

    def headers(self) -> dict[str, str]:
        """The rate-limit headers of the answer."""
        return {"brightpearl-requests-remaining": str(self.remaining),
                "brightpearl-next-throttle-period": str(self.next_ms)}


class Throttle:
    """Per-account rolling windows sized by the ``throttle_limit``/``throttle_window`` knobs."""

    def __init__(self, knobs: dict[str, Any], counters: Counters) -> None:
        self._knobs = knobs
        self._counters = counters
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    def admit(self, account: str) -> Admission:
        """Let one request of ``account`` in, or not.

        The period is rounded up, so a client that waits exactly that long finds a free slot.
        """
        with self._lock:
            limit = int(self._knobs["throttle_limit"])
            window = float(self._knobs["throttle_window"])
            now = time.monotonic()
            dq = self._windows.setdefault(account, deque())
            while dq and dq[0] <= now - window:
                dq.popleft()
            self._counters.add("requests_total")
            if len(dq) >= limit:
                self._counters.add("throttled")
                return Admission(False, 0, max(1, math.ceil((dq[0] + window - now) * 1000)))
            dq.append(now)
            self._counters.window(len(dq))
            return Admission(True, limit - len(dq),
                             max(1, math.ceil((dq[0] + window - now) * 1000)))
