"""The three stream kinds that carry the whole catalogue, plus children fed by a parent batch.

- :class:`ReferenceStream`: one plain GET of a small collection; full table.
- :class:`SearchStream`: rows of a ``*-search`` endpoint zipped with ``metaData.columns``;
  full table, or incremental on a date column in date windows with a STATE checkpoint after
  each completed window.
- :class:`DetailStream`: a search finds the ids, GET-by-ID-set fetches the objects in chunks
  (a few in flight), 404/400 chunks are bisected so nothing is lost.
- :class:`ChildStream`: records a parent collected from its current batch (``order_rows`` from
  the order payloads, ``postal_addresses`` by batched GETs). The SDK syncs a child once per
  parent *batch* (never per record), with one state entry for the whole child stream.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import logging
import sys
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.pagination import SinglePagePaginator

from tap_brightpearl.client import BadRequestError, BrightpearlStream, NotFoundError, json_of
from tap_brightpearl.pagination import SearchPaginator
from tap_brightpearl.streams.records import format_utc, map_to_rows, parse_instant

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator
    from singer_sdk.streams.rest import HTTPRequest, PageContext

logger = logging.getLogger("tap-brightpearl")

#: A backfill window that returned less than a page doubles the next one; one with more than
#: this many pages halves it (so a checkpoint is never more than ~20 pages of work away).
SHRINK_ABOVE_PAGES = 20
#: A backfill whose open-ended search finds at most this many pages is not split at all.
SPLIT_ABOVE_PAGES = 20
MIN_WINDOW = dt.timedelta(hours=1)


def format_idset(ids: Iterable[int]) -> str:
    """Ascending ids in Brightpearl's ID-set notation (``1-3,7``): short URLs for runs."""
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(ids):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [i]
    if run:
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(parts)


def get_id_set(
    stream: BrightpearlStream,
    path: str,
    ids: list[int],
    params: dict[str, str] | None = None,
    *,
    bisect_on_400: bool = False,
) -> list[t.Any]:
    """GET ``path`` (with ``{ids}``) for an ID set; the ``response`` payload(s).

    A CMNC-404 means "gone" for a single id; for several it is bisected, because an API may
    answer 404 when *any* id of the set is missing (deleted mid-sync) as well as when all are.
    Where allowed, a 400 is bisected the same way down to the one id the API rejects.
    """
    try:
        response = stream.fetch(path.format(ids=format_idset(ids)), params)
    except NotFoundError:
        if len(ids) == 1:
            return []
    except BadRequestError:
        if not bisect_on_400:
            raise
        if len(ids) == 1:
            logger.warning("%s: skipping id %s rejected by the API", stream.name, ids[0])
            return []
    else:
        return [json_of(response).get("response")]
    half = len(ids) // 2
    return get_id_set(stream, path, ids[:half], params, bisect_on_400=bisect_on_400) + get_id_set(
        stream, path, ids[half:], params, bisect_on_400=bisect_on_400
    )


# -- date windows --------------------------------------------------------------------------


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


# -- the kinds -----------------------------------------------------------------------------


class ReferenceStream(BrightpearlStream):
    """One plain GET of a small collection (a list, or a map keyed by id); full table."""

    @override
    def get_new_paginator(self) -> BaseAPIPaginator:
        return SinglePagePaginator()

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        body = json_of(response).get("response")
        if isinstance(body, dict):
            return map_to_rows(body, self.primary_keys[0]) if _is_id_map(body) else [body]
        return body or []

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        def records() -> Iterator[dict]:
            try:
                yield from self.request_records(context)
            except NotFoundError:  # CMNC-404: an empty collection
                return

        return self.timed(records())


def _is_id_map(body: dict) -> bool:
    return all(isinstance(k, str) and k.isdigit() for k in body)


class SearchStream(BrightpearlStream):
    """Rows of a ``*-search`` endpoint; incremental when ``replication_key`` is set.

    Declare ``path``, ``primary_keys``, ``replication_key`` and, when the search's key column
    is not the primary key, ``search_key``. Pages are sorted by the key ascending and
    paged by :class:`~tap_brightpearl.pagination.SearchPaginator` (no-loss overlap).
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
        self._batching = False  # BATCH mode: records go to files sent later (get_batches)
        self._deferred: dt.datetime | None = None  # the checkpoint waiting for the last BATCH

    @property
    def sort_columns(self) -> tuple[str, ...]:
        """The key column(s) pages are sorted and de-duplicated by."""
        key = self.search_key or tuple(self.primary_keys)
        return (key,) if isinstance(key, str) else tuple(key)

    @property
    def page_size(self) -> int:
        """Rows per search page (``page_size`` setting, max 500)."""
        return int(self.config.get("page_size") or 500)

    @override
    def get_new_paginator(self) -> SearchPaginator:
        self._paginator = SearchPaginator(self.page_size, trust_metadata=self.reliable_metadata)
        return self._paginator

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
        context: dict[str, t.Any] = {"filters": filters}
        if columns:
            context["columns"] = columns
        yield from self.request_records(context)

    # -- incremental windows and checkpoints --------------------------------------------

    def windows(self) -> WindowPlanner:
        """The date windows of this run: from bookmark - lookback (else start_date) to now."""
        start: dt.datetime | None = None
        bookmark = self.get_starting_replication_key_value(None)
        if bookmark:
            lookback = dt.timedelta(minutes=float(self.config.get("lookback_minutes") or 0))
            try:
                start = parse_instant(str(bookmark)) - lookback
            except ValueError:
                msg = f"the state's {self.name} bookmark {bookmark!r} is not a date-time"
                raise ValueError(msg) from None
        if start_date := self.config.get("start_date"):
            earliest = parse_instant(str(start_date))
            start = max(start, earliest) if start else earliest
        stop = self.sync_started
        days = float(self.config.get("window_days", 30) or 0)
        return WindowPlanner(start, stop, days, self.page_size)

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
        if self._batching:
            self._deferred = value
        elif self._advance(value):
            self._bp_tap.state_writer.write_state(self._bp_tap.state)

    def _advance(self, value: dt.datetime) -> bool:
        """Move the bookmark to ``value`` in the state (never back); whether it moved."""
        state = self.stream_state
        old = state.get("replication_key_value")
        if old and state.get("replication_key") == self.replication_key:
            try:
                if parse_instant(str(old)) >= value:
                    return False  # never move a bookmark back
            except ValueError:
                pass  # not a timestamp: replace it
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = format_utc(value)
        return True

    @override
    def get_batches(
        self, batch_config: t.Any, context: Context | None = None
    ) -> Iterator[tuple[t.Any, list[str]]]:
        """The SDK's batches, the last held back until the bookmark has moved.

        The SDK writes STATE after each BATCH, so no STATE runs ahead of the records' files.
        """
        self._batching, self._deferred = True, None
        pending: list[tuple[t.Any, list[str]]] = []
        try:
            for batch in super().get_batches(batch_config, context):
                yield from pending
                pending = [batch]
        finally:
            self._batching = False
        if self._deferred is not None and self._advance(self._deferred) and not pending:
            self._bp_tap.state_writer.write_state(self._bp_tap.state)
        yield from pending

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        """No per-record bookmark (pages are key-sorted, not date-sorted).

        The bookmark only moves to a completed window's end (:meth:`checkpoint`), so it never
        passes an unemitted record.
        """

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        return self.timed(self._records())

    def window_rows(self, column: str, columns: str | None = None) -> Iterator[dict | Window]:
        """Rows of this run's search on ``column``, each window followed by its ``Window``.

        The first request is the open-ended search from F: if it finds at most
        SPLIT_ABOVE_PAGES pages of rows (every incremental run, small backfills) it is the one
        window; otherwise it is dropped and the backfill goes window by window.
        """
        planner = self.windows()
        start = planner.cursor
        if start is not None and planner.span is not None:
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


class DetailStream(SearchStream):
    """A search finds the ids, GET-by-ID-set fetches the objects.

    Declare ``detail_path`` (with ``{ids}``) besides the search's ``path``. Override
    :meth:`records_from` when the GET payload is not a plain list of records.

    Incremental runs from F (bookmark - lookback, else start_date) make two searches that
    partition what changed: records *created* since F, in date windows on ``window_key`` (a
    fresh record can show a null ``updatedOn``, so creation is the column that finds it; and
    creation dates never move, so records never leave a window), plus records created before F
    and *changed* since (``changed_key``, e.g. ``updatedOn``, or ``shippedOn`` for goods-out
    notes) in one search filtered on both columns. A no-change run costs exactly these two.
    """

    detail_path: str
    window_key = "createdOn"
    changed_key: str | None = None
    bisect_on_400 = False  # product availability: one bad id fails its whole chunk
    detail_params: t.ClassVar[dict[str, str]] = {}
    custom_fields = False  # ask for includeOptional=customFields,nullCustomFields

    def __init__(self, tap: t.Any) -> None:
        super().__init__(tap)
        self.pending: dict[str, list[t.Any]] = collections.defaultdict(list)
        self._batch_first: dict | None = None
        self.fetched = 0
        self.marks: collections.deque[tuple[int, dt.datetime]] = collections.deque()

    @property
    def parallel(self) -> int:
        """GET-by-ID-set requests in flight at once (all paced by the one budget)."""
        return max(1, int(self.config.get("max_parallel_requests") or 4))

    def records_from(self, payload: t.Any) -> Iterable[dict]:
        """Records of one GET payload (a list, or a map keyed by id)."""
        if isinstance(payload, dict):
            return map_to_rows(payload, self.primary_keys[0])
        return payload or []

    def all_ids(self) -> Iterator[int]:
        """Every id of a full-table detail stream (the search, streamed)."""
        key = self.sort_columns[0]
        for row in self.search({}, columns=key):
            yield row[key]

    def fetch_ids(self, ids: list[int]) -> list[t.Any]:
        """GET one ID set of this stream's ``detail_path``."""
        params = dict(self.detail_params)
        if self.custom_fields and self.config.get("include_custom_fields", True):
            params["includeOptional"] = "customFields,nullCustomFields"
        return get_id_set(self, self.detail_path, ids, params, bisect_on_400=self.bisect_on_400)

    def fetch_batches(self, batches: list[list[int]]) -> Iterator[tuple[list[int], list[dict]]]:
        """Fetch ID sets (a few in flight) and yield (ids, records) in order."""
        if self.parallel == 1 or len(batches) == 1:
            results: Iterable[list[t.Any]] = map(self.fetch_ids, batches)
        else:
            with ThreadPoolExecutor(self.parallel, thread_name_prefix=self.name) as pool:
                results = list(pool.map(self.fetch_ids, batches))
        for ids, payloads in zip(batches, results, strict=True):
            self.pending.clear()  # children of the previous batch are synced by now
            self.progress_done += len(ids)
            records = [r for payload in payloads for r in self.records_from(payload)]
            yield ids, records

    @override
    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterable[Context]:
        """Children sync once per fetched batch, at its first record (never per record)."""
        if record is self._batch_first and self.child_streams:
            yield {"batch_of": self.name}

    def emit_batches(self, queue: collections.deque[int], *, final: bool) -> Iterator[dict]:
        """Fetch and yield queued ids in full batches (and the rest when ``final``)."""
        size = self.id_batch_size
        while len(queue) >= size * self.parallel or (final and queue):
            batches: list[list[int]] = []
            while queue and len(batches) < self.parallel and (final or len(queue) >= size):
                batches.append([queue.popleft() for _ in range(min(size, len(queue)))])
            for ids, records in self.fetch_batches(batches):
                yield from self.emit_in_search_order(ids, records)

    def emit_in_search_order(self, ids: list[int], records: list[dict]) -> Iterator[dict]:
        """Yield a batch's records in the order the search found their ids.

        A batch may span windows: each window is checkpointed as soon as its last record is
        out, so a killed sync never re-reads more than one window.
        """
        position: dict[t.Any, int] = {rid: i for i, rid in enumerate(ids, start=self.fetched)}
        beyond = self.fetched + len(ids)
        key = self.primary_keys[0]
        records.sort(key=lambda r: position.get(r.get(key), beyond))
        self._batch_first = records[0] if records else None
        for record in records:
            at = position.get(record.get(key), beyond)
            if self.marks and self.marks[0][0] <= at:
                self.fetched = at
                self.apply_checkpoints()
            yield record
        self.fetched = beyond
        self.apply_checkpoints()

    def apply_checkpoints(self) -> None:
        """Checkpoint every window whose ids have all been fetched and emitted."""
        value = None
        while self.marks and self.marks[0][0] <= self.fetched:
            value = self.marks.popleft()[1]
        if value is not None:
            self.checkpoint(value)

    @override
    def _records(self) -> Iterator[dict]:
        queue: collections.deque[int] = collections.deque()
        self.fetched = 0
        self.marks.clear()
        key = self.sort_columns[0]
        found = 0
        if not self.replication_key:
            for rid in self.all_ids():
                queue.append(rid)
                yield from self.emit_batches(queue, final=False)
            yield from self.emit_batches(queue, final=True)
            return
        start = self.windows().cursor
        searches: list[Iterator[dict | Window]] = []
        if start and self.changed_key and self.changed_key != self.window_key:
            since = Window(start, None).filter(self.changed_key)
            created_before = Window(None, start).filter(self.window_key)
            searches.append(self.search({**since, **created_before}, columns=key))
        searches.append(self.window_rows(self.window_key, columns=key))
        seen: set[int] = set()
        seen_before: set[int] = set()
        for item in itertools.chain.from_iterable(searches):
            if isinstance(item, Window):
                self.marks.append((found, item.end or self.sync_started))
                seen_before, seen = seen, set()
                continue
            rid = item[key]
            if rid in seen or rid in seen_before:
                continue
            seen.add(rid)
            queue.append(rid)
            found += 1
            yield from self.emit_batches(queue, final=False)
        yield from self.emit_batches(queue, final=True)
        self.apply_checkpoints()


class ChildStream(BrightpearlStream):
    """Records the parent collected from its current batch; one state entry for the stream.

    Declare ``parent_stream_type``; the parent puts this stream's items in
    ``parent.pending[<this stream's name>]``. Override :meth:`records_for` to turn items
    (e.g. ids) into records.
    """

    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()

    @override
    def get_new_paginator(self) -> BaseAPIPaginator:
        return SinglePagePaginator()

    @property
    def parent(self) -> DetailStream:
        """The parent stream instance of this tap."""
        parent_type = self.parent_stream_type or DetailStream
        parent = next(s for s in self._bp_tap.streams.values() if isinstance(s, parent_type))
        assert isinstance(parent, DetailStream)
        return parent

    def records_for(self, items: list[t.Any]) -> Iterable[dict]:
        """Records from the items the parent collected (default: they are the records)."""
        return items

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        items = self.parent.pending.pop(self.name, [])
        return self.timed(iter(self.records_for(items)))
