"""Date windows of an incremental search, sized by the data so a checkpoint is never far."""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

from tap_brightpearl.records import format_utc

if t.TYPE_CHECKING:
    from collections.abc import Iterator

#: A backfill window that returned less than a page doubles the next one; one with more than
#: this many pages halves it (so a checkpoint is never more than ~20 pages of work away).
SHRINK_ABOVE_PAGES = 20

#: A backfill whose open-ended search finds at most this many pages is not split at all.
SPLIT_ABOVE_PAGES = 20
MIN_WINDOW = dt.timedelta(hours=1)


@dataclass
class Window:
    """One date window of an incremental search: ``start/end``, or ``start/`` when last."""

    start: dt.datetime | None
    end: dt.datetime | None  # None = open-ended (the last window)

    def value(self) -> str:
        """The PERIOD filter value (``start/end``; ``start/`` when open).

        A closed window reaches 1 s past its end, so a record on the boundary is found
        whichever way the API reads the bounds (duplicates are dropped).
        """
        lo = format_utc(self.start) if self.start else ""
        hi = format_utc(self.end + dt.timedelta(seconds=1)) if self.end else ""
        return f"{lo}/{hi}"

    def filter(self, column: str) -> dict[str, str]:
        """The search filter of this window on ``column`` (none at all when unbounded)."""
        return {column: self.value()} if self.start or self.end else {}


class WindowPlanner:
    """Date windows from ``start`` to ``stop``: closed ones of ``days``, then one open-ended.

    Sizes adapt to the data: a window that returned less than a page doubles the next (sparse
    history costs few searches), one that returned over SHRINK_ABOVE_PAGES pages halves it (a
    killed sync never loses more than a bounded window of work).
    """

    def __init__(
        self, start: dt.datetime | None, stop: dt.datetime, days: float, page_size: int
    ) -> None:
        self.cursor = start
        self.stop = stop
        self.span = dt.timedelta(days=days) if days > 0 else None
        self.page_size = page_size
        self.done = False

    def __iter__(self) -> Iterator[Window]:
        while not self.done:
            start = self.cursor
            if start is None or self.span is None or start + self.span >= self.stop:
                self.done = True
                yield Window(start, None)
                return
            end = start + self.span
            self.cursor = end
            yield Window(start, end)

    def feedback(self, rows: int) -> None:
        """Resize the next window from the rows the last one returned."""
        if self.span is None:
            return
        if rows < self.page_size:
            self.span *= 2
        elif rows > SHRINK_ABOVE_PAGES * self.page_size:
            self.span = max(self.span / 2, MIN_WINDOW)
