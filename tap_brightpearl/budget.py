"""The account-wide request budget: one object per tap process, shared by every stream.

Brightpearl allows a pool of requests per rolling minute per account (200 for private apps)
and answers 503 "too many requests" beyond it. Every response says how many requests are left
(``brightpearl-requests-remaining``) and when the window moves on
(``brightpearl-next-throttle-period``, ms). :meth:`RequestBudget.acquire` is called before every
attempt (retries included) and waits when the last response said the pool is spent (minus the
requests still in flight, which that count may not include), and when the optional client-side
``max_requests_per_minute`` rolling window is full. No library covers this header protocol, so
it is written here; it is small and thread-safe (GET batches may run a few in flight).

A wait of ANNOUNCE_SECONDS or more is logged once, with its reason (requests in flight that
wait for the same moment share one line); :meth:`RequestBudget.per_minute` gives the progress
lines their request rate.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import typing as t

from tap_brightpearl.progress import counted as progress_counted

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

REMAINING = "brightpearl-requests-remaining"
NEXT_PERIOD = "brightpearl-next-throttle-period"
WINDOW_SECONDS = 60.0
#: Slack on the client-side minute: the server times a request when it arrives, a little after
#: we let it go, so a send exactly 60 s after another could still share its minute there.
WINDOW_MARGIN = 0.5
#: After a spent pool's period is over, one request probes it; the others look again every
#: PROBE_SECONDS for its response headers, and probe again only if none came for
#: PROBE_PATIENCE (a second probe while the first is still out could meet a 503: a rolling
#: window frees one slot at a time).
PROBE_SECONDS = 0.5
PROBE_PATIENCE = 5.0
#: Waits at least this long get a line (why, how long); shorter ones would only be noise.
ANNOUNCE_SECONDS = 5.0

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
        # max_requests_per_minute: when each answered request was answered. A request counts
        # from its send until a minute after its answer: the server counts it from its arrival,
        # which lies between the two, however late a loaded machine lets it reach the server.
        self._answered: collections.deque[float] = collections.deque()
        self._remaining: int | None = None  # as of the last response
        self._outstanding = 0  # requests sent and not yet answered (maybe not in that count)
        self._reset_at = 0.0
        self._recent: collections.deque[float] = collections.deque()  # sends, last minute
        self._history: collections.deque[float] = collections.deque()  # sends, two minutes
        self._observed_at = 0.0  # when the last throttle headers came
        self._observed_sent = 0.0  # when the request those headers answered was let go
        self._local = threading.local()  # the send time of this thread's request
        self._guessed = False  # the count is the probe's guess, not one Brightpearl sent
        self._probe_at: float | None = None  # when the probe still out was let go
        self._probe_thread: int | None = None  # the thread that sends it
        self._announced_until = 0.0  # end of the last wait that was logged
        self._waiting_until = 0.0
        self._why = ""
        self.responses = 0  # responses seen (any status): the host has answered
        self.requests = 0
        self.throttle_waits = 0
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        """Block until one more request may be sent, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait(now)
                if wait <= 0:
                    self._recent.append(now)
                    while self._recent[0] <= now - WINDOW_SECONDS:
                        self._recent.popleft()
                    self._history.append(now)
                    while self._history[0] <= now - 2 * WINDOW_SECONDS:
                        self._history.popleft()
                    self._outstanding += 1
                    self.requests += 1
                    self._local.sent_at = now
                    return
                self.waited_seconds += wait
                self._announce(now, wait)
            self._sleep(wait)

    def _announce(self, now: float, wait: float) -> None:
        """Log a long wait once (caller holds the lock); threads waiting for it stay quiet."""
        end = now + wait
        self._waiting_until = max(self._waiting_until, end)
        if wait >= ANNOUNCE_SECONDS and end > self._announced_until + 1.0:
            self._announced_until = end
            logger.info("Waiting %.0f s for the request budget: %s", wait, self._why)

    def wait_left(self) -> float:
        """Seconds until the current budget wait ends (0 when no request is waiting)."""
        return max(0.0, self._waiting_until - self._clock())

    def per_minute(self) -> int:
        """Requests sent in the last minute (never above a max_requests_per_minute cap)."""
        with self._lock:
            now = self._clock()
            while self._recent and self._recent[0] <= now - WINDOW_SECONDS:
                self._recent.popleft()
            return len(self._recent)

    def _wait(self, now: float) -> float:
        """Seconds to wait before the next send (0 = send now); caller holds the lock."""
        wait = 0.0
        if self.max_per_minute:
            while self._answered and self._answered[0] <= now - WINDOW_SECONDS - WINDOW_MARGIN:
                self._answered.popleft()
            counted = self._outstanding + len(self._answered)
            over = counted - self.max_per_minute  # slots to free before the next send
            if over >= 0:
                # the over-th answer is the one whose minute ends soonest enough; when every
                # counted request is still in flight, look again shortly (an answer frees none
                # at once, but starts its minute)
                wait = (
                    self._answered[over] + WINDOW_SECONDS + WINDOW_MARGIN - now
                    if over < len(self._answered)
                    else PROBE_SECONDS
                )
                self._why = (
                    f"{progress_counted(counted, 'request')} sent in the last minute "
                    f"(max_requests_per_minute: {self.max_per_minute})"
                )
        if self._remaining is not None and self._remaining - self._outstanding <= 0:
            freed = self._own_slots_freed(now)
            if self._remaining + freed - self._outstanding > 0:
                pass  # our own sends have left the account's minute since it last answered
            elif now < self._reset_at and self._reset_at - now > wait:
                wait = self._reset_at - now
                self._why = (
                    "the account's requests are used up until Brightpearl's next throttle "
                    "period (brightpearl-requests-remaining)"
                )
            elif wait <= 0 and self._probe_at is not None and now < self._probe_at + PROBE_PATIENCE:
                wait = PROBE_SECONDS  # the probe is out: its headers tell how far the window moved
                self._why = "waiting for the answer of the request that probes the account's pool"
            elif wait <= 0:
                # The window has moved on, by how much is unknown (a rolling window frees one
                # slot at a time): send one probe, the rest wait for its headers.
                self._remaining = self._outstanding + 1
                self._reset_at = now + PROBE_SECONDS
                self._guessed = True
                self._probe_at, self._probe_thread = now, threading.get_ident()
        return wait

    def _own_slots_freed(self, now: float) -> int:
        """Our sends that left the account's rolling minute since its last answer.

        The server counts a request from its arrival, so we count it one margin later. Each
        frees a slot at once, instead of one probe per response at the end of a busy minute.
        Only a send still inside the minute at that answer counts: one that may have left
        before it (arrival + 60 s <= the answer) may be free in its count already.
        """
        freed = 0
        for sent in self._history:
            if sent + WINDOW_SECONDS + WINDOW_MARGIN > now:
                break
            if sent + WINDOW_SECONDS > self._observed_at:
                freed += 1
        return freed

    def finished(self) -> None:
        """One request sent by :meth:`acquire` is over (answered, or failed)."""
        with self._lock:
            self._outstanding = max(0, self._outstanding - 1)
            if self._probe_thread == threading.get_ident():  # the probe is over, headers or not
                self._probe_at = self._probe_thread = None
            if self.max_per_minute:
                self._answered.append(self._clock())

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the throttle headers of a response (any status), and count the response.

        Once the host has answered, a connection error is an outage, not a wrong host. With
        requests in flight, answers come out of order: one to a request let go before the one
        whose count we hold may only lower that count. Requests also reach the server out of
        order (one let go later may arrive first, and get the higher count): nothing leaves
        the window before the period the last count came with ends, so until then a later
        request's higher count is that reordering, not a freed slot, and is not believed.
        """
        with self._lock:
            self.responses += 1
        remaining = headers.get(REMAINING)
        period = headers.get(NEXT_PERIOD)
        if remaining is None or period is None:
            return
        try:
            left, period_ms = int(remaining), float(period)
        except ValueError:
            return
        sent = getattr(self._local, "sent_at", None)
        with self._lock:
            if sent is not None and sent < self._observed_sent:
                # an older request's answer: a higher count is stale, a lower one is news
                # (the server let it in after the newer one), and is kept
                if self._remaining is not None:
                    self._remaining = min(self._remaining, left)
                return
            now = self._clock()
            if (
                not self._guessed
                and self._remaining is not None
                and left > self._remaining
                and now < self._reset_at
            ):
                left = self._remaining  # it reached the server before the one counted last
            self._guessed = False
            self._probe_at = self._probe_thread = None  # a count as new as the probe's, or newer
            self._observed_sent = sent or 0.0
            self._remaining = left
            self._observed_at = now
            self._reset_at = self._observed_at + period_ms / 1000.0

    def throttled(self, headers: Mapping[str, str], path: str) -> float:
        """Wait out a throttle 503 (next-throttle-period, default 1 s); return the wait.

        The pool is spent until then for every thread, not only this one: the others wait for
        the same moment (and one probe) instead of each meeting a 503 of its own.
        """
        try:
            wait = float(headers.get(NEXT_PERIOD, "1000")) / 1000.0
        except ValueError:
            wait = 1.0
        wait = min(max(wait, 0.05), WINDOW_SECONDS + 5)
        with self._lock:
            self.throttle_waits += 1
            self.waited_seconds += wait
            self._remaining = 0
            self._reset_at = max(self._reset_at, self._clock() + wait)
        logger.warning("Throttled: waiting %.1f s for the request budget (%s)", wait, path)
        self._sleep(wait)
        return wait
