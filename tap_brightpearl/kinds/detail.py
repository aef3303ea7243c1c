"""DetailStream: a search finds the ids, GET-by-ID-set fetches the objects (never one by one)."""

from __future__ import annotations

import collections
import itertools
import typing as t

from tap_brightpearl.compat import override
from tap_brightpearl.kinds.idset import IdSetFetcher
from tap_brightpearl.kinds.search import SearchStream
from tap_brightpearl.kinds.windows import Window
from tap_brightpearl.records import map_to_rows

if t.TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

    from tap_brightpearl.kinds.children import ChildStream


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

    Each fetched batch is handed to the child streams (``ChildStream.take``) before its
    records are emitted; the children then sync once for the batch.
    """

    detail_path: str
    window_key = "createdOn"
    changed_key: str | None = None
    bisect_on_400 = False  # product availability: one bad id fails its whole chunk
    detail_params: t.ClassVar[dict[str, str]] = {}
    custom_fields = False  # ask for includeOptional=customFields,nullCustomFields

    def __init__(self, tap: t.Any) -> None:
        super().__init__(tap)
        self.fetched = 0
        self.marks: collections.deque[tuple[int, dt.datetime]] = collections.deque()
        self._children_due = False  # a batch was handed to the children: sync them once
        self._inflight: collections.deque[tuple[list[int], Future[list[t.Any]]]] = (
            collections.deque()
        )

    @property
    def fetcher(self) -> IdSetFetcher:
        """The GET-by-ID-set of ``detail_path`` (one thread pool per run of the stream)."""
        if "_fetcher" not in self.__dict__:
            self.__dict__["_fetcher"] = IdSetFetcher(
                self, self.detail_path, parallel=self.parallel, bisect_on_400=self.bisect_on_400
            )
        return t.cast("IdSetFetcher", self.__dict__["_fetcher"])

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

    def detail_query(self) -> dict[str, str]:
        """The query string of the GETs (custom fields when declared and wanted)."""
        params = dict(self.detail_params)
        if self.custom_fields and self.settings.include_custom_fields:
            params["includeOptional"] = "customFields,nullCustomFields"
        return params

    def batch_records(self, ids: list[int], payloads: list[t.Any]) -> list[dict]:
        """A fetched batch's records, handed to the child streams first."""
        self.progress_done += len(ids)
        records = list(self.within_end(r for p in payloads for r in self.records_from(p)))
        children = t.cast("list[ChildStream]", self.child_streams)
        for child in children:
            child.collect(records)
        self._children_due = bool(children and records)
        return records

    @override
    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterable[Context]:
        """Children sync once per fetched batch, at its first record (never per record)."""
        if self._children_due:
            self._children_due = False
            yield {"batch_of": self.name}

    def emit_batches(self, queue: collections.deque[int], *, final: bool) -> Iterator[dict]:
        """Start GETs of queued ids while the search goes on; yield finished batches in order.

        Each full batch (and the rest when ``final``) is sent at once, up to ``parallel`` in
        flight, so the search's next page is not held up by the GETs of the last one. A slot
        is refilled as soon as its answer is in, before that batch's records are emitted.
        """

        def refill() -> None:
            size = self.id_batch_size
            while (len(queue) >= size or (final and queue)) and len(self._inflight) < self.parallel:
                ids = [queue.popleft() for _ in range(min(size, len(queue)))]
                self._inflight.append((ids, self.fetcher.submit(ids, self.detail_query())))

        refill()
        while self._inflight:
            waiting = len(queue) >= self.id_batch_size  # a full batch waits for a slot
            alone = self.parallel == 1  # one request at a time: the search waits for its GET
            if not (final or waiting or alone or self._inflight[0][1].done()):
                return  # nothing to wait for: the search goes on
            ids, future = self._inflight.popleft()
            payloads = future.result()
            refill()
            yield from self.emit_in_search_order(ids, self.batch_records(ids, payloads))

    def emit_in_search_order(self, ids: list[int], records: list[dict]) -> Iterator[dict]:
        """Yield a batch's records in the order the search found their ids.

        A batch may span windows: each window is checkpointed as soon as its last record is
        out, so a killed sync never re-reads more than one window.
        """
        position: dict[t.Any, int] = {rid: i for i, rid in enumerate(ids, start=self.fetched)}
        beyond = self.fetched + len(ids)
        key = self.primary_keys[0]
        records.sort(key=lambda r: position.get(r.get(key), beyond))
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
        try:
            yield from self._detail_records()
        finally:
            for _, future in self._inflight:
                future.cancel()
            self._inflight.clear()
            self.fetcher.close()

    def _detail_records(self) -> Iterator[dict]:
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
        planner = self.windows()  # with end_date: both searches end there
        start = None if planner.empty else planner.cursor
        searches: list[Iterator[dict | Window]] = []
        if start and self.changed_key and self.changed_key != self.window_key:
            since = self.period(start).filter(self.changed_key)
            created_before = Window(None, start).filter(self.window_key)
            searches.append(self.search({**since, **created_before}, columns=key))
            # the two searches do not depend on each other: the second's first page goes too
            self.send_early(self.period(start).filter(self.window_key), columns=key)
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
