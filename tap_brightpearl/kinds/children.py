"""ChildStream: records a parent's fetched batch hands over, one state entry for the stream.

The parent (a :class:`~tap_brightpearl.kinds.detail.DetailStream`) gives each batch
to :meth:`ChildStream.collect` before emitting it, and the SDK then syncs the child once for
the batch (never once per parent record).
"""

from __future__ import annotations

import typing as t

from singer_sdk.pagination import SinglePagePaginator

from tap_brightpearl.client import BrightpearlStream
from tap_brightpearl.compat import override

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator


class ChildStream(BrightpearlStream):
    """A stream fed by its parent's batches.

    Declare ``parent_stream_type`` and :meth:`take`; override :meth:`records_for` when the
    items taken are not records yet (e.g. ids to fetch).
    """

    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()

    def __init__(self, tap: t.Any) -> None:
        super().__init__(tap)
        self.items: list[t.Any] = []

    @override
    def get_new_paginator(self) -> BaseAPIPaginator:
        return SinglePagePaginator()

    def take(self, record: dict[str, t.Any]) -> Iterable[t.Any]:
        """What this stream takes from one parent record (it may move it out of the record)."""
        raise NotImplementedError

    def collect(self, records: Iterable[dict[str, t.Any]]) -> None:
        """Take this stream's items from one parent batch (replacing an unsynced batch's)."""
        self.items = [item for record in records for item in self.take(record)]

    def records_for(self, items: list[t.Any]) -> Iterable[dict]:
        """Records from the items taken (default: they are the records)."""
        return items

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        items, self.items = self.items, []
        return self.timed(iter(self.records_for(items)))
