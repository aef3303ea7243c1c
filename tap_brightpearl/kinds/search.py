"""SearchStream: rows of a ``*-search`` endpoint, zipped with ``metaData.columns``.

Full table, or incremental on a date column in date windows (``windows.py``) with a STATE
checkpoint after each completed window; the bookmark never passes an unemitted record.
"""

from __future__ import annotations

import datetime as dt
import itertools
import typing as t

from singer_sdk.exceptions import FatalAPIError

from tap_brightpearl import sdk_internals
from tap_brightpearl.client import BrightpearlStream
from tap_brightpearl.compat import override
from tap_brightpearl.errors import json_of
from tap_brightpearl.kinds.checkpoint import Checkpoints
from tap_brightpearl.kinds.lookahead import Lookahead, first_result, with_first_result
from tap_brightpearl.kinds.pagination import SearchPaginator
from tap_brightpearl.kinds.windows import SPLIT_ABOVE_PAGES, Window, WindowPlanner, row_date
from tap_brightpearl.records import parse_datetime, parse_instant

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.streams.rest import HTTPRequest, PageContext

_T = t.TypeVar("_T")


def search_context(filters: dict[str, str], columns: str | None) -> dict[str, t.Any]:
    """The SDK context of one search: its filters, and its columns when not all."""
    return {"filters": filters, "columns": columns} if columns else {"filters": filters}


class SearchStream(sdk_internals.NoRecordBookmarks, BrightpearlStream):
    """Rows of a ``*-search`` endpoint; incremental when ``replication_key`` is set.

    Declare ``path``, ``primary_keys``, ``replication_key`` and, when the search's key column
    is not the primary key, ``search_key``. Pages are sorted by the key ascending and
    paged by :class:`~tap_brightpearl.kinds.pagination.SearchPaginator` (no-loss overlap).
    """

    search_key: str | tuple[str, ...] | None = None  # sort/dedupe column(s); default: the PK
    reliable_metadata = True  # False: page while pages come back full (supplier payments)
    search_filters: t.ClassVar[dict[str, str]] = {}  # fixed filters, e.g. stockTracked=true
    is_sorted = False

    def __init__(self, tap: t.Any) -> None:
        super().__init__(tap)
        self._paginator: SearchPaginator | None = None
        self._counted: SearchPaginator | None = None  # the search already in progress_total
        self._total_fixed = False  # a backfill's first search counted the whole run
        #: the no-loss rule: marks, what is emitted, the BATCH hold-back, STATE writes
        self.checkpoints = Checkpoints(
            lambda: self.stream_state, self.replication_key, self.run.write_state
        )
        self.lookahead = Lookahead(self.parallel - 1, self.name)  # the search's own + these

    @property
    def sort_columns(self) -> tuple[str, ...]:
        """The key column(s) pages are sorted and de-duplicated by."""
        key = self.search_key or tuple(self.primary_keys)
        return (key,) if isinstance(key, str) else tuple(key)

    @property
    def page_size(self) -> int:
        """Rows per search page (``page_size`` setting, max 500)."""
        return self.settings.page_size

    @property
    def parallel(self) -> int:
        """Requests of one kind in flight at once: ID-set GETs, or a search's pages."""
        return self.settings.max_parallel_requests

    @override
    def get_new_paginator(self) -> SearchPaginator:
        self.lookahead.forget()
        self._paginator = SearchPaginator(
            self.page_size, self.sort_columns, trust_metadata=self.reliable_metadata
        )
        return self._paginator

    @property
    def paging(self) -> SearchPaginator | None:
        """The paginator of the search in progress (None before the first)."""
        return self._paginator

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """A search's pages: paced and retried, answered from the pages fetched ahead."""
        return self.lookahead.wrap(self.retried(func), self.pages_ahead)

    def pages_ahead(self, url: str) -> Iterator[str]:
        """The pages the paginator asks for after ``url`` if every page comes back full.

        Only for the page it is on, and only those its last ``resultsAvailable`` says exist
        (each next page starts at the previous one's last row).
        """
        paginator, first = self.paging, first_result(url)
        if paginator is None or first is None:
            return
        for later in paginator.expected_after(first):  # taken lazily, a few at a time
            yield with_first_result(url, later)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {
            "sort": ",".join(f"{c}.ASC" for c in self.sort_columns),
            "pageSize": self.page_size,
            "firstResult": next_page_token or 1,
            **self.search_filters,
        }
        if context:
            params.update(context.get("filters") or {})
            if columns := context.get("columns"):
                params["columns"] = columns
        return params

    @override
    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        request.safe_query_chars = "/:,"  # filters read like the docs: updatedOn=2024-...Z/
        return request

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict]:
        """The page's new records, read by the paginator (which keeps the next position)."""
        paginator = self.paging
        if paginator is None:
            msg = f"{self.path}: a page arrived before its search began"
            raise RuntimeError(msg)
        try:
            records = paginator.read(json_of(response).get("response") or {})
        except ValueError as exc:
            msg = f"{self.path} {exc}"
            raise FatalAPIError(msg) from None
        self._count_search(paginator)
        yield from records

    def _count_search(self, paginator: SearchPaginator) -> None:
        """Add a search's resultsAvailable (first page only) to the progress lines' total."""
        if self._counted is paginator or self._total_fixed:
            return
        self._counted = paginator
        if paginator.available is not None:
            self.progress_total = (self.progress_total or 0) + paginator.available

    def key_of(self, row: dict) -> t.Any:
        """The de-duplication key of a search row."""
        cols = self.sort_columns
        return row[cols[0]] if len(cols) == 1 else tuple(row[c] for c in cols)

    def search(
        self, filters: dict[str, str], columns: str | None = None
    ) -> t.Generator[dict, None, None]:
        """Page one search through the SDK's request loop with the no-loss paginator."""
        yield from self.request_records(search_context(filters, columns))

    def send_early(self, filters: dict[str, str], columns: str | None = None) -> None:
        """Send the first page of a search this run makes next, beside the current one."""
        context = search_context(filters, columns)
        first = sdk_internals.first_page(self, context, SearchPaginator(self.page_size))
        send = self.retried(sdk_internals.request_function(self))  # not through the wrap
        self.lookahead.send_early(first, context, send)

    # -- incremental windows and checkpoints --------------------------------------------

    def windows(self) -> WindowPlanner:
        """The date windows of this run: from bookmark - lookback (else start_date) to now.

        With ``end_date`` before now they stop there, the last window closed at it.
        """
        start: dt.datetime | None = None
        bookmark = self.get_starting_replication_key_value(None)
        if bookmark:
            lookback = dt.timedelta(minutes=self.settings.lookback_minutes)
            try:
                start = parse_instant(str(bookmark)) - lookback
            except ValueError:
                msg = f"the state's {self.name} bookmark {bookmark!r} is not a date-time"
                raise ValueError(msg) from None
        if start_date := self.settings.start_date:
            earliest = parse_instant(str(start_date))
            start = max(start, earliest) if start else earliest
        span = self.settings.window_days  # None: sized from the data; 0: one window
        end = self.end_bound
        stop = end or self.sync_started
        return WindowPlanner(start, stop, span, self.page_size, closed=end is not None)

    @property
    def end_bound(self) -> dt.datetime | None:
        """``end_date`` when it is before this sync began: the exclusive end of every search."""
        end_date = self.settings.end_date
        if not end_date or not self.replication_key:
            return None
        end = parse_instant(end_date)
        return end if end < self.sync_started else None

    def period(self, start: dt.datetime | None) -> Window:
        """The window from ``start`` to the end of this run (``end_date``, else open)."""
        return Window(start, self.end_bound)

    def within_end(self, items: Iterable[_T]) -> Iterator[_T]:
        """The items but records whose replication key is at or past ``end_date`` (exclusive).

        A record without one was found by a window within the period: it is kept.
        """
        end, key = self.end_bound, self.replication_key or ""
        for item in items:
            value = item.get(key) if end and isinstance(item, dict) else None
            try:
                if not value or parse_datetime(str(value)) < t.cast("dt.datetime", end):
                    yield item
            except ValueError:
                yield item

    @property
    def sync_started(self) -> dt.datetime:
        """The cap of every bookmark: when this stream's sync began (the SDK's signpost)."""
        signpost = self.get_replication_key_signpost(None)
        if isinstance(signpost, dt.datetime):
            return signpost.astimezone(dt.timezone.utc)
        return dt.datetime.now(dt.timezone.utc)

    def checkpoint(self, value: dt.datetime) -> None:
        """Advance the bookmark to ``value`` (all records before it are emitted), emit STATE.

        In BATCH mode those records may still be in a batch file not yet sent: the bookmark
        then moves with the stream's last BATCH message (:meth:`get_batches`).
        """
        self.checkpoints.checkpoint(value)

    @override
    def get_batches(
        self, batch_config: t.Any, context: Context | None = None
    ) -> Iterator[tuple[t.Any, list[str]]]:
        """The SDK's batches, the last held back until the bookmark has moved."""
        return self.checkpoints.hold_back(super().get_batches(batch_config, context))

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        return self.timed(self._records_then_close())

    def _records_then_close(self) -> Iterator[dict]:
        try:
            yield from self._records()
        finally:
            self.lookahead.close()

    def window_rows(self, column: str, columns: str | None = None) -> Iterator[dict | Window]:
        """Rows of this run's search on ``column``, each window followed by its ``Window``.

        The first request is the search of the whole run (from F, or everything): if it finds
        at most SPLIT_ABOVE_PAGES pages of rows (every incremental run, small backfills) it is
        the one window; otherwise it is dropped and the backfill goes window by window, from
        its first row's date, sized to its count unless ``window_days`` is set. A window whose
        first page counts too many rows is split before it is paged.
        """
        planner = self.windows()
        if planner.empty:
            return
        # rows carry their date, to plan windows by; but a search from F may have been sent
        # early (DetailStream) with the caller's columns, and must be asked for as it was
        dated = columns if not columns or column in columns.split(",") else f"{columns},{column}"
        whole = planner.whole()
        rows = self.search(whole.filter(column), dated if whole.start is None else columns)
        head = next(rows, None)
        available = self.search_count or 0  # unknown: the one window, as if small
        if available <= SPLIT_ABOVE_PAGES * self.page_size or not planner.splits:
            if head is not None:
                yield head
            yield from rows
            yield whole
            return
        rows.close()
        self._total_fixed = True  # its count is the whole backfill's: windows add nothing
        planner.fit(available, row_date(head, column))
        for window in planner:
            yield from self._window(planner, window, column, dated)

    def _window(
        self, planner: WindowPlanner, window: Window, column: str, columns: str | None
    ) -> Iterator[dict | Window]:
        """One window's rows then the window; nothing when its count has it split first."""
        rows = self.search(window.filter(column), columns)
        head = next(rows, None)
        if planner.split(window, self.search_count, row_date(head, column)):
            rows.close()
            return
        count = 0
        for row in itertools.chain([] if head is None else [head], rows):
            count += 1
            yield row
        planner.feedback(count)
        yield window

    @property
    def search_count(self) -> int | None:
        """The ``resultsAvailable`` of the current search's latest page (None if unknown).

        Unknown where the endpoint's count is unreliable (supplier payments answer 500
        whatever the count): windows are then never split by it.
        """
        if not self.reliable_metadata or not self.paging:
            return None
        return self.paging.available

    def _records(self) -> Iterator[dict]:
        if not self.replication_key:
            for row in self.search({}):
                self.progress_done += 1
                yield row
            return
        seen: set[t.Any] = set()
        seen_before: set[t.Any] = set()
        for item in self.within_end(self.window_rows(self.replication_key)):
            if isinstance(item, Window):
                self.checkpoint(item.end or self.sync_started)
                seen_before, seen = seen, set()
                continue
            key = self.key_of(item)
            if key in seen or key in seen_before:
                continue
            seen.add(key)
            self.progress_done += 1
            yield item
