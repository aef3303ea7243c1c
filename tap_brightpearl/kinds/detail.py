"""DetailStream: a search finds the ids, GET-by-ID-set fetches the objects (never one by one)."""

from __future__ import annotations

import collections
import dataclasses
import typing as t

from tap_brightpearl.compat import override
from tap_brightpearl.kinds.idset import IdSetFetcher
from tap_brightpearl.kinds.plan import Planner, within
from tap_brightpearl.kinds.search import SearchStream
from tap_brightpearl.kinds.windows import Window
from tap_brightpearl.records import map_to_rows, parse_instant

if t.TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Generator, Iterable, Iterator
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

    from tap_brightpearl.kinds.checkpoint import PlanProgress
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

    A stream with an ``OPTIONS`` delete sweep may get its ids from OPTIONS instead (a load
    plan, ``plan.py``): always on a first load with no window, and when the searches' first
    count shows it cheaper. Either way the checkpoints (``checkpoint.py``) say when the state
    may move: a window's end, an OPTIONS load's last batch out, the plan's bookmark.

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
        self.found = 0  # ids queued this run (the positions of checkpoint marks)
        self._seen: set[int] = set()  # ids found since the last window's end
        self._seen_before: set[int] = set()  # ... and in the window before
        self._since: dt.datetime | None = None  # an OPTIONS load keeps records from here on
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
        if self._since is not None:  # an OPTIONS load: not the records outside the window
            keys = (self.window_key, self.changed_key or self.window_key)
            records = [r for r in records if within(r, self._since, keys)]
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
        """Yield a batch's records in the order their ids were found.

        A batch may span checkpoint marks: each is applied as soon as the records before it
        are out, so a killed sync never re-reads more than one window or batch.
        """
        done = self.checkpoints.emitted
        position: dict[t.Any, int] = {rid: i for i, rid in enumerate(ids, start=done)}
        beyond = done + len(ids)
        key = self.primary_keys[0]
        records.sort(key=lambda r: position.get(r.get(key), beyond))
        for record in records:
            at = position.get(record.get(key), beyond)
            if self.checkpoints.due(at):
                self.checkpoints.reach(at)
            yield record
        self.checkpoints.reach(beyond)

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
        self.checkpoints.start()
        self.found, self._since = 0, None
        self._seen, self._seen_before = set(), set()
        if not self.replication_key:
            for rid in self.all_ids():
                queue.append(rid)
                yield from self.emit_batches(queue, final=False)
            yield from self.emit_batches(queue, final=True)
            return
        windows = self.windows()  # with end_date: both searches end there
        if windows.empty:  # the bookmark is at end_date: nothing to extract
            return
        planner = Planner(self)
        start = windows.cursor
        if (progress := planner.under_way()) and planner.answered():
            yield from self.options_load(planner, progress, queue, resumed=True)
            return
        if planner.options_only(start):
            yield from self.options_load(planner, planner.start(None), queue, resumed=False)
            return
        yield from self.search_load(planner, start, queue)

    def search_load(
        self, planner: Planner, start: dt.datetime | None, queue: collections.deque[int]
    ) -> Iterator[dict]:
        """Ids from the searches (changed since F, then created since F in windows).

        Once the created search's first page is in, the count of both may show OPTIONS to
        be cheaper (:meth:`Planner.switch`): the rest of the ids then come from OPTIONS.
        """
        key = self.sort_columns[0]
        if start and self.changed_key and self.changed_key != self.window_key:
            since = self.period(start).filter(self.changed_key)
            created_before = Window(None, start).filter(self.window_key)
            # the two searches do not depend on each other: the second's first page goes too
            self.send_early(self.period(start).filter(self.window_key), columns=key)
            for row in self.search({**since, **created_before}, columns=key):
                yield from self.take(row[key], queue)
        created = t.cast(
            "Generator[dict | Window, None, None]", self.window_rows(self.window_key, columns=key)
        )
        may_switch = planner.may_switch()
        if not may_switch and planner.sweep is not None:
            why = "end_date is set" if self.settings.end_date else "window_days is set"
            planner.say(f"search ({why})")
        for item in created:
            if isinstance(item, Window):
                self.checkpoints.mark(self.found, item.end or self.sync_started)
                self._seen_before, self._seen = self._seen, set()
            else:
                yield from self.take(item[key], queue)
            if may_switch:
                may_switch = False
                if planner.switch(self.progress_total or 0):
                    created.close()
                    progress = planner.start(start)
                    yield from self.options_load(planner, progress, queue, resumed=False)
                    return
        yield from self.emit_batches(queue, final=True)
        self.checkpoints.reach(self.found)

    def take(self, rid: int, queue: collections.deque[int]) -> Iterator[dict]:
        """Queue an id found by a search (once), sending the GETs of full batches."""
        if rid in self._seen or rid in self._seen_before:
            return
        self._seen.add(rid)
        queue.append(rid)
        self.found += 1
        yield from self.emit_batches(queue, final=False)

    def options_load(
        self,
        planner: Planner,
        progress: PlanProgress,
        queue: collections.deque[int],
        *,
        resumed: bool,
    ) -> Iterator[dict]:
        """Every id of the OPTIONS answer above ``progress.after_id`` not yet found, by GET.

        In ascending order, the plan's progress marked after each batch (a killed run resumes
        after the last batch out); then the bookmark of the complete plan.
        """
        found = self._seen | self._seen_before
        ids = [i for i in planner.ask().ids if i > progress.after_id and i not in found]
        planner.say_options(progress, len(ids), resumed=resumed)
        self._since = parse_instant(progress.since) if progress.since else None
        self.progress_total = self.found + len(ids)  # the searches' count no longer applies
        size = self.id_batch_size
        for n, rid in enumerate(ids, start=1):
            queue.append(rid)
            self.found += 1
            if n % size == 0:
                self.checkpoints.mark(self.found, dataclasses.replace(progress, after_id=rid))
            yield from self.emit_batches(queue, final=False)
        self.checkpoints.mark(self.found, planner.bookmark(progress))
        yield from self.emit_batches(queue, final=True)
        self.checkpoints.reach(self.found)
