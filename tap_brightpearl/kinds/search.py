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
from tap_brightpearl.kinds.windows import SPLIT_ABOVE_PAGES, Window, WindowPlanner
from tap_brightpearl.records import parse_instant

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.streams.rest import HTTPRequest, PageContext


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
        self._paginator = SearchPaginator(self.page_size, trust_metadata=self.reliable_metadata)
        return self._paginator

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        return self.lookahead.wrap(super().request_decorator(func), self.pages_ahead)

    def pages_ahead(self, url: str) -> Iterator[str]:
        """The pages the paginator asks for after ``url`` if every page comes back full.

        Only for the page it is on, and only those its last ``resultsAvailable`` says exist
        (each next page starts at the previous one's last row).
        """
        paginator = self._paginator
        first = first_result(url)
        if paginator is None or first is None or first != paginator.current_value:
            return
        available = paginator.cursor.available
        if not paginator.trust_metadata or not isinstance(available, int):
            return
        step = max(1, self.page_size - 1)
        for later in range(first + step, available, step):  # taken lazily, a few at a time
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
        inner = json_of(response).get("response") or {}
        meta = inner.get("metaData") or {}
        results = inner.get("results") or []
        names = [c["name"] for c in meta.get("columns") or []]
        if results and not set(self.sort_columns) <= set(names):
            msg = f"{self.path} returned no {','.join(self.sort_columns)} column: cannot page"
            raise FatalAPIError(msg)
        idx = [names.index(c) for c in self.sort_columns] if results else []
        if len(idx) == 1:
            keys: list[t.Any] = [row[idx[0]] for row in results]
        else:
            keys = [tuple(row[i] for i in idx) for row in results]
        if any(a > b for a, b in itertools.pairwise(keys)):
            msg = f"{self.path} did not sort by {','.join(self.sort_columns)}: cannot page safely"
            raise FatalAPIError(msg)
        assert self._paginator is not None
        start = self._paginator.take(keys, meta)
        self._count_search(meta.get("resultsAvailable"))
        for row in results[start:]:
            yield dict(zip(names, row, strict=True))

    def _count_search(self, available: t.Any) -> None:
        """Add a search's resultsAvailable (first page only) to the progress lines' total."""
        if self._counted is self._paginator or self._total_fixed:
            return
        self._counted = self._paginator
        if isinstance(available, int):
            self.progress_total = (self.progress_total or 0) + available

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
        send = super().request_decorator(sdk_internals.request_function(self))
        self.lookahead.send_early(first, context, send)

    # -- incremental windows and checkpoints --------------------------------------------

    def windows(self) -> WindowPlanner:
        """The date windows of this run: from bookmark - lookback (else start_date) to now."""
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
        return WindowPlanner(start, self.sync_started, span, self.page_size)

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

        The first request is the open-ended search from F: if it finds at most
        SPLIT_ABOVE_PAGES pages of rows (every incremental run, small backfills) it is the one
        window; otherwise it is dropped and the backfill goes window by window (their size
        fitted to its count unless ``window_days`` is set).
        """
        planner = self.windows()
        start = planner.cursor
        if start is not None and planner.splits:
            rows = self.search(Window(start, None).filter(column), columns)
            first = next(rows, None)
            available = self._paginator.cursor.available if self._paginator else None
            if available is None or available <= SPLIT_ABOVE_PAGES * self.page_size:
                if first is not None:
                    yield first
                yield from rows
                yield Window(start, None)
                return
            rows.close()
            self._total_fixed = True  # its count is the whole backfill's: windows add nothing
            planner.fit(available)
        for window in planner:
            count = 0
            for row in self.search(window.filter(column), columns):
                count += 1
                yield row
            planner.feedback(count)
            yield window

    def _records(self) -> Iterator[dict]:
        if not self.replication_key:
            for row in self.search({}):
                self.progress_done += 1
                yield row
            return
        seen: set[t.Any] = set()
        seen_before: set[t.Any] = set()
        for item in self.window_rows(self.replication_key):
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
