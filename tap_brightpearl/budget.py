"""The account-wide request budget: one object per tap process, shared by every stream.

Brightpearl allows a pool of requests per rolling minute per account (200 for private apps)
and answers 503 "too many requests" beyond it. Every response says how many requests are left
(``brightpearl-requests-remaining``) and when the window moves on
(``brightpearl-next-throttle-period``, ms). :meth:`RequestBudget.acquire` is called before every
attempt (retries included) and waits when the last response said the pool is spent (minus the
requests still in flight, which that count may not include), and when the optional client-side
``max_requests_per_minute`` rolling window is full. No library covers this header protocol, so
it is written here; it is small and thread-safe (GET batches may run a few in flight).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

REMAINING = "brightpearl-requests-remaining"
NEXT_PERIOD = "brightpearl-next-throttle-period"
WINDOW_SECONDS = 60.0
#: Slack on the client-side minute: the server times a request when it arrives, a little after
#: we let it go, so a send exactly 60 s after another could still share its minute there.
WINDOW_MARGIN = 1.0
#: After a spent pool's period is over, one request probes it; others wait this long at most
#: for its response headers before probing again.
PROBE_SECONDS = 0.5

logger = logging.getLogger("tap-brightpearl")


class RequestBudget:
    """Paces requests from Brightpearl's throttle headers and a client-side per-minute cap."""

    def __init__(
        self,
        max_per_minute: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_per_minute = max_per_minute
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: collections.deque[float] = collections.deque()
        self._remaining: int | None = None  # as of the last response
        self._outstanding = 0  # requests sent and not yet answered (maybe not in that count)
        self._reset_at = 0.0
        self.requests = 0
        self.throttle_waits = 0
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        """Block until one more request may be sent, then count it."""
        while True:
            with self._lock:
                wait = self._wait(self._clock())
                if wait <= 0:
                    self._sent.append(self._clock())
                    self._outstanding += 1
                    self.requests += 1
                    return
                self.waited_seconds += wait
            self._sleep(wait)

    def _wait(self, now: float) -> float:
        """Seconds to wait before the next send (0 = send now); caller holds the lock."""
        wait = 0.0
        if self.max_per_minute:
            while self._sent and self._sent[0] <= now - WINDOW_SECONDS:
                self._sent.popleft()
            if len(self._sent) >= self.max_per_minute:
                oldest = self._sent[-self.max_per_minute]
                wait = oldest + WINDOW_SECONDS + WINDOW_MARGIN - now
        if self._remaining is not None and self._remaining - self._outstanding <= 0:
            if now < self._reset_at:
                wait = max(wait, self._reset_at - now)
            elif wait <= 0:
                # The window has moved on, by how much is unknown (a rolling window frees one
                # slot at a time): send one probe, the rest wait for its headers.
                self._remaining = self._outstanding + 1
                self._reset_at = now + PROBE_SECONDS
        if not self.max_per_minute:
            self._sent.clear()
        return wait

    def finished(self) -> None:
        """One request sent by :meth:`acquire` is over (answered, or failed)."""
        with self._lock:
            self._outstanding = max(0, self._outstanding - 1)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the throttle headers of a response (any status)."""
        remaining = headers.get(REMAINING)
        period = headers.get(NEXT_PERIOD)
        if remaining is None or period is None:
            return
        try:
            left, period_ms = int(remaining), float(period)
        except ValueError:
            return
        with self._lock:
            self._remaining = left
            self._reset_at = self._clock() + period_ms / 1000.0

    def throttled(self, headers: Mapping[str, str], path: str) -> float:
        """Wait out a throttle 503 (next-throttle-period, default 1 s); return the wait."""
        try:
            wait = float(headers.get(NEXT_PERIOD, "1000")) / 1000.0
        except ValueError:
            wait = 1.0
        wait = min(max(wait, 0.05), WINDOW_SECONDS + 5)
        with self._lock:
            self.throttle_waits += 1
            self.waited_seconds += wait
            self._remaining = None
        logger.warning("Throttled: waiting %.1f s for the request budget (%s)", wait, path)
        self._sleep(wait)
        return wait
