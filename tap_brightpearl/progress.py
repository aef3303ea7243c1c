"""Progress lines, so that a long run is never silent for longer than the interval.

While a top-level stream runs (its children inside it), a watcher thread logs one line per
``progress_interval_seconds`` (30 by default, 0 = none): how far the stream is, from the
search's ``resultsAvailable``, the request rate from the budget, and the time left at the
stream's pace so far; during a long budget wait it says how much of the wait is left. A thread,
because a stream can be silent inside one call: a budget wait, a slow response, or a target
that is not reading its input.
"""

from __future__ import annotations

import contextlib
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Iterable, Iterator

    from tap_brightpearl.budget import RequestBudget

DEFAULT_INTERVAL = 30  # seconds


class Watched(t.Protocol):
    """What a progress line (and a summary line) reads from a stream."""

    name: str
    progress_done: int  # search rows (or ids fetched) so far
    progress_total: int | None  # resultsAvailable of its searches, when known
    records_emitted: int
    requests_made: int
    seconds: float
    reported: bool
    selected: bool
    parent_stream_type: type | None

    @property
    def logger(self) -> logging.Logger:
        """Where the line goes."""
        ...


def duration(seconds: float) -> str:
    """``40 s``, ``17 min``, ``2 h 5 min``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min"


def progress_line(  # noqa: PLR0917
    name: str,
    done: int,
    total: int | None,
    records: int,
    per_minute: float,
    elapsed: float,
    waiting: float = 0.0,
) -> str:
    """``orders: 12,000 of 243,112 (4.9%), 38 requests/min, about 17 min left``."""
    left = ""
    if total:
        head = f"{name}: {done:,} of {total:,} ({min(done / total, 1.0):.1%})"
        if 0 < done < total and elapsed > 0:
            pace = (total - done) * elapsed / done
            left = f", about {duration(max(pace, waiting))} left"  # never less than the wait
    else:
        head = f"{name}: {records:,} records so far"
    wait = f", waiting {waiting:.0f} s more for the request budget" if waiting >= 1 else ""
    return f"{head}, {per_minute:.0f} requests/min{left}{wait}"


class Progress:
    """The progress lines of one tap process (one stream runs at a time at the top level)."""

    def __init__(self, budget: RequestBudget, interval: float = DEFAULT_INTERVAL) -> None:
        self.budget = budget
        self.interval = float(interval)

    @contextlib.contextmanager
    def watching(self, stream: Watched) -> Iterator[None]:
        """Log progress lines for ``stream`` while the ``with`` body runs."""
        if self.interval <= 0:
            yield
            return
        stop = threading.Event()
        thread = threading.Thread(
            target=self._watch, args=(stream, stop), name=f"progress-{stream.name}", daemon=True
        )
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _watch(self, stream: Watched, stop: threading.Event) -> None:
        started = last = time.monotonic()
        while not stop.wait(min(1.0, self.interval)):
            now = time.monotonic()
            if now - last >= self.interval:
                last = now
                stream.logger.info(self.line(stream, now - started))

    def line(self, stream: Watched, elapsed: float) -> str:
        """The progress line of ``stream`` now."""
        return progress_line(
            stream.name,
            stream.progress_done,
            stream.progress_total,
            stream.records_emitted,
            self.budget.per_minute(),
            elapsed,
            self.budget.wait_left(),
        )


def timed(stream: Watched, records: Iterable[dict], progress: Progress) -> Iterator[dict]:
    """Add the wall time of producing (and emitting) these records to the summary line.

    A top-level stream (its children run inside it) gets progress lines meanwhile.
    """
    started = time.perf_counter()
    watch = contextlib.nullcontext() if stream.parent_stream_type else progress.watching(stream)
    try:
        with watch:
            yield from records
    finally:
        stream.seconds += time.perf_counter() - started


def summary_line(stream: Watched) -> None:
    """One line per stream, once: records, requests and seconds."""
    if stream.reported or not (stream.selected or stream.requests_made):
        return
    stream.reported = True
    records = stream.records_emitted if stream.selected else 0
    stream.logger.info(
        "Stream '%s' done: %s, %s, %.1f s",
        stream.name,
        counted(records, "record"),
        counted(stream.requests_made, "request"),
        stream.seconds,
    )


def counted(number: int, noun: str) -> str:
    """``1 request``, ``2 requests``, ``12,000 records``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
