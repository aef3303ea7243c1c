"""Date windows of an incremental search, sized by the data so a checkpoint is never far."""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

from tap_brightpearl.records import format_utc, parse_datetime

if t.TYPE_CHECKING:
    from collections.abc import Iterator

#: No window is paged while its first page counts more than this many pages: it is split
#: first (one request), so a checkpoint is never more than ~20 pages of work away. A window
#: that returned less than a page doubles the next one.
SHRINK_ABOVE_PAGES = 20

#: A backfill whose open-ended search finds at most this many pages is not split at all.
SPLIT_ABOVE_PAGES = 20
MIN_WINDOW = dt.timedelta(hours=1)

#: Windows sized from the backfill's row count (``window_days`` unset) aim at this many pages
#: each: under SHRINK_ABOVE_PAGES with room for uneven data, and few enough windows that their
#: part-filled last pages cost little (each page overlaps the previous by one row).
FIT_PAGES = 15.5

#: Where the date arithmetic of a backfill with no start and no dated first row begins. Only
#: sizes windows: the first window has no lower bound, so nothing earlier is missed.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def row_date(row: t.Mapping[str, t.Any] | None, column: str) -> dt.datetime | None:
    """A search row's ``column`` as a date-time (None when absent or not a date)."""
    value = (row or {}).get(column)
    try:
        return parse_datetime(str(value)) if value else None
    except ValueError:
        return None


@dataclass
class Window:
    """One date window of a search: ``start/end`` (``/end`` from the beginning, ``start/`` open)."""

    start: dt.datetime | None  # None = from the beginning
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
    """Date windows from ``start`` to ``stop``: closed ones, then the last one.

    The last window is open-ended, or ends at ``stop`` when ``closed`` (an ``end_date``).
    ``days`` None sizes the windows from the backfill's row count (:meth:`fit`); 0 is one
    window. Sizes adapt to the data: a window that returned less than a page doubles the
    next (sparse history costs few searches); one whose first page counts over
    SHRINK_ABOVE_PAGES pages is split before it is paged (:meth:`split`), so a killed sync
    never loses more than a bounded window of work, however the records are spread.
    """

    def __init__(
        self,
        start: dt.datetime | None,
        stop: dt.datetime,
        days: float | None,
        page_size: int,
        *,
        closed: bool = False,
    ) -> None:
        self.cursor = start  # start of the next window (None: from the beginning)
        self.origin = start  # where window arithmetic starts (the first record's date if later)
        self.stop = stop
        self.closed = closed
        self.span = dt.timedelta(days=days) if days else None
        self.fitted = days is None
        self.page_size = page_size
        self.done = False

    @property
    def splits(self) -> bool:
        """Whether this backfill may go in more than one window (``window_days`` not 0)."""
        return self.span is not None or self.fitted

    @property
    def rows_per_window(self) -> float:
        """The rows a window aims at: FIT_PAGES pages (each page overlaps the last by a row)."""
        return FIT_PAGES * max(1, self.page_size - 1)

    @property
    def empty(self) -> bool:
        """Whether the period is empty (a bookmark at or past a closed ``stop``)."""
        return self.closed and self.cursor is not None and self.cursor >= self.stop

    def whole(self) -> Window:
        """The one window of the whole run: the search that counts the backfill."""
        return Window(self.cursor, self.stop if self.closed else None)

    def fit(self, rows: int, first: dt.datetime | None = None) -> None:
        """Plan the windows of a backfill of ``rows`` rows whose first record is at ``first``.

        Windows start counting at ``first`` when it is after the start (years of empty
        history cost no windows); with ``days`` None they are sized so rows spread evenly
        would fill each with FIT_PAGES pages.
        """
        if first is not None and (self.origin is None or first > self.origin):
            self.origin = min(first, self.stop)
        if self.origin is None:
            self.origin = min(EARLIEST, self.stop)
        if self.fitted:
            share = min(1.0, self.rows_per_window / max(rows, 1))
            self.span = max((self.stop - self.origin) * share, MIN_WINDOW)

    def __iter__(self) -> Iterator[Window]:
        while not self.done:
            yield self._next()

    def _next(self) -> Window:
        start, span, origin = self.cursor, self.span, self.origin
        base = origin if start is None or (origin is not None and origin > start) else start
        # a fitted plan leaves no sliver: a rest under half a window joins the last one
        stretch = 1.5 if self.fitted else 1.0
        if base is None or span is None or base + span * stretch >= self.stop:
            self.done = True
            return Window(start, self.stop if self.closed else None)
        self.cursor = base + span
        return Window(start, self.cursor)

    def split(
        self, window: Window, available: int | None, first: dt.datetime | None = None
    ) -> bool:
        """Re-plan ``window`` when its first page counts too many rows; whether it was.

        The next window then starts where ``window`` did and ends sooner: sized from its
        first record's date (``first``, when known) so its rows spread evenly would fill
        FIT_PAGES pages, and never over half the rest. A window of MIN_WINDOW is paged
        whatever its count (a burst of records in one hour).
        """
        too_many = SHRINK_ABOVE_PAGES * self.page_size
        if self.span is None or available is None or available <= too_many:
            return False
        lo = window.start or self.origin
        hi = window.end or self.stop
        if first is not None and (lo is None or first > lo):
            lo = first  # little before it: the rows are spread over first..hi
        if lo is None or hi - lo <= MIN_WINDOW:
            return False
        width = hi - lo
        self.span = max(min(width * (self.rows_per_window / available), width / 2), MIN_WINDOW)
        self.origin, self.cursor, self.done = lo, window.start, False
        return True

    def feedback(self, rows: int) -> None:
        """Resize the next window from the rows the last one returned."""
        if self.span is None:
            return
        if rows < self.page_size:
            self.span *= 2
        elif rows > SHRINK_ABOVE_PAGES * self.page_size:
            self.span = max(self.span / 2, MIN_WINDOW)
