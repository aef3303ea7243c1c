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

#: Windows sized from the backfill's row count (``window_days`` unset) aim at this many pages
#: each: under SHRINK_ABOVE_PAGES with room for uneven data, and few enough windows that their
#: part-filled last pages cost little (each page overlaps the previous by one row).
FIT_PAGES = 15.5


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

    ``days`` None sizes the windows from the backfill's row count instead (:meth:`fit`); 0 is
    one window. Sizes adapt to the data: a window that returned less than a page doubles the
    next (sparse history costs few searches), one that returned over SHRINK_ABOVE_PAGES pages
    halves it (a killed sync never loses more than a bounded window of work).
    """

    def __init__(
        self, start: dt.datetime | None, stop: dt.datetime, days: float | None, page_size: int
    ) -> None:
        self.cursor = start
        self.stop = stop
        self.span = dt.timedelta(days=days) if days else None
        self.fitted = days is None
        self.page_size = page_size
        self.done = False

    @property
    def splits(self) -> bool:
        """Whether this backfill may go in more than one window."""
        return self.cursor is not None and (self.span is not None or self.fitted)

    def fit(self, rows: int) -> None:
        """Size the windows from the rows the whole backfill holds (when ``days`` was None).

        Rows spread evenly would fill each window with FIT_PAGES pages.
        """
        if not self.fitted or self.cursor is None:
            return
        per_window = FIT_PAGES * max(1, self.page_size - 1)
        share = min(1.0, per_window / max(rows, 1))
        self.span = max((self.stop - self.cursor) * share, MIN_WINDOW)

    def __iter__(self) -> Iterator[Window]:
        while not self.done:
            start, span = self.cursor, self.span
            # a fitted plan leaves no sliver: a rest under half a window joins the last one
            stretch = 1.5 if self.fitted else 1.0
            if start is None or span is None or start + span * stretch >= self.stop:
                self.done = True
                yield Window(start, None)
                return
            end = start + span
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
