"""The rate limit: a rolling window per account (Brightpearl: 200 requests a minute).

A throttled request does not enter the window (it consumes no quota); an admitted one does,
whatever it is answered with (401s and injected faults included, as on the real API).

The window's clock can be held by a test (``Sandbox.hold_throttle_clock``): while held, no
request leaves any window, so "the pool is spent" lasts until the test releases it, whatever
the time a loaded machine takes to get a client there; then the clock runs on from where it
stopped, and the periods it advertised hold again.
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
        return {
            "brightpearl-requests-remaining": str(self.remaining),
            "brightpearl-next-throttle-period": str(self.next_ms),
        }


class Throttle:
    """Per-account rolling windows sized by the ``throttle_limit``/``throttle_window`` knobs."""

    def __init__(self, knobs: dict[str, Any], counters: Counters) -> None:
        self._knobs = knobs
        self._counters = counters
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self._held_at: float | None = None  # real time the clock was held at
        self._skipped = 0.0  # real time the clock spent held, before the current hold

    def _now(self) -> float:
        """The window's clock: real time, less the time it was held (caller holds the lock)."""
        return (time.monotonic() if self._held_at is None else self._held_at) - self._skipped

    def hold(self, held: bool) -> None:
        """Stop the window's clock (True) or let it run on from where it stopped (False)."""
        with self._lock:
            if held and self._held_at is None:
                self._held_at = time.monotonic()
            elif not held and self._held_at is not None:
                self._skipped += time.monotonic() - self._held_at
                self._held_at = None

    def admit(self, account: str) -> Admission:
        """Let one request of ``account`` in, or not.

        The period is rounded up, so a client that waits exactly that long finds a free slot.
        """
        with self._lock:
            limit = int(self._knobs["throttle_limit"])
            window = float(self._knobs["throttle_window"])
            now = self._now()
            dq = self._windows.setdefault(account, deque())
            while dq and dq[0] <= now - window:
                dq.popleft()
            self._counters.add("requests_total")
            if len(dq) >= limit:
                self._counters.add("throttled")
                return Admission(False, 0, max(1, math.ceil((dq[0] + window - now) * 1000)))
            dq.append(now)
            self._counters.window(len(dq))
            return Admission(
                True, limit - len(dq), max(1, math.ceil((dq[0] + window - now) * 1000))
            )
