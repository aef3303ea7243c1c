"""Every use of a singer-sdk internal, in one place (``tests/test_sdk_internals.py`` pins them).

- :class:`RecordPath` replaces ``Stream._generate_record_messages``: the SDK's per-property
  selection pass walks every nested field of every record even when every property is
  selected (about a quarter of the record path's CPU); here it runs only when something is
  deselected. Type conformance is off (``TypeConformanceLevel.NONE``), so it is not called.
- :class:`NoRecordBookmarks` replaces ``Stream._increment_stream_state``: search pages are
  key-sorted, not date-sorted, so the bookmark moves only at a completed window's end.
- :func:`schema_mirrors` and :func:`publish_schema`: the schemas the SCHEMA messages carry
  (``StreamMap.transformed_schema``), widened in place on drift, and the SDK's writer of them.
- :func:`write_state`: a STATE message now (a window's checkpoint), through the tap's writer.
- :func:`synced_records`: the records ``Stream.get_batches`` writes to batch files, for a
  ``get_batches`` that renames them first (``column_names: snake_case``).
- :func:`request_function`: the SDK's own request function (``_request``), for requests
  outside its paginated loop (GET-by-ID-set, OPTIONS) and a search's first page sent early.
- :func:`first_page`: the SDK's ``_prepare_request`` for a search's first page, so a page sent
  early (``lookahead.py``) has exactly the URL the SDK's loop asks for later.
- :class:`OrderedStreams` overrides ``Tap.load_streams`` (``@final``; it sorts the streams by
  name, which is the order ``sync_all`` syncs them in) to sync ``synced_last`` at the end.
- :class:`FlushedOutput` overrides ``Tap.sync_all`` (the gathered output written at its end,
  however it ends) and ``Tap._handle_termination`` (run only between two messages:
  ``output.py``), so the SDK's own STATE on SIGTERM/SIGINT follows whole lines.
- :class:`GuardedSyncAll` overrides ``Tap.sync_all`` and :func:`wrap_sync` replaces a stream's
  ``sync`` on the instance (both ``@final`` in the SDK): the SDK's own loop still runs, each
  top-level stream's sync inside a guard (``isolation.py``: one bad stream never sinks the run).
"""

from __future__ import annotations

import functools
import typing as t

from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._util import utc_now
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams import RESTStream, Stream
from singer_sdk.tap_base import Tap

from tap_brightpearl.output import BlockWriter

if t.TYPE_CHECKING:
    from collections.abc import Generator
    from types import FrameType

    import requests
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.pagination import BaseAPIPaginator


class SyncGuard(t.Protocol):
    """What :class:`GuardedSyncAll` needs: a guard per top-level stream, a check at the end."""

    def guard(self, stream: Stream) -> None:
        """Wrap the stream's sync (with :func:`wrap_sync`)."""
        ...

    def finish(self) -> None:
        """After the SDK's loop: raise if the run must fail."""
        ...


class OrderedStreams(Tap):
    """``Tap.load_streams`` (streams sorted by name), with ``synced_last`` moved to the end."""

    #: streams synced after every other one (e.g. a sweep that keeps what the others emitted)
    synced_last: t.ClassVar[tuple[str, ...]] = ()

    def load_streams(self) -> list[Stream]:  # type: ignore[misc]  # @final in the SDK
        """The SDK's list, stably re-sorted: ``synced_last`` after the rest."""
        return sorted(super().load_streams(), key=lambda s: s.name in self.synced_last)


class FlushedOutput(OrderedStreams):
    """The tap's gathered output (``output.BlockWriter``) written out however the sync ends."""

    def sync_all(self) -> None:  # type: ignore[misc]  # @final in the SDK
        """The SDK's loop; then every message still gathered, on success or not."""
        try:
            super().sync_all()
        finally:
            if isinstance(self.message_writer, BlockWriter):
                self.message_writer.flush()

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """The SDK's handler (a last STATE, then exit), once no message is half written."""
        handler = functools.partial(super()._handle_termination, signum, frame)
        if isinstance(self.message_writer, BlockWriter):
            self.message_writer.when_idle(handler)
        else:
            handler()


class GuardedSyncAll(FlushedOutput):
    """``Tap.sync_all`` with each top-level stream's sync inside the guard of :meth:`sync_guard`."""

    def sync_guard(self) -> SyncGuard | None:
        """The guard of this run, or None for the SDK's plain loop."""
        return None

    def sync_all(self) -> None:  # type: ignore[misc]  # @final in the SDK
        """The SDK's loop; its ``stream.sync()`` calls reach the guard's wrappers."""
        guard = self.sync_guard()
        if guard is None:
            super().sync_all()
            return
        for stream in self.streams.values():
            if stream.parent_stream_type is None:
                guard.guard(stream)
        super().sync_all()
        guard.finish()


def wrap_sync(stream: Stream, wrapper: t.Callable[..., None]) -> None:
    """The stream's ``sync(context)`` becomes ``wrapper(context)`` (on this instance only)."""
    stream.sync = wrapper  # type: ignore[misc,method-assign]  # @final in the SDK


def everything_selected(stream: Stream) -> bool:
    """Whether no property of the stream is deselected (the selection pass has nothing to do)."""
    return all(stream.mask.values())


class RecordPath(Stream):
    """RECORD messages as the SDK makes them, without the selection pass when it is a no-op."""

    def _generate_record_messages(self, record: dict) -> Generator[RecordMessage, None, None]:
        prune = self.__dict__.get("_bp_prune")
        if prune is None:
            prune = self.__dict__["_bp_prune"] = not everything_selected(self)
        if prune:
            pop_deselected_record_properties(record, self.schema, self.mask)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=utc_now(),
                )


class NoRecordBookmarks(Stream):
    """No per-record bookmark: the stream moves its bookmark itself (:func:`write_state`)."""

    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        """Nothing: a record's replication value says nothing about the records before it."""


def schema_mirrors(stream: Stream) -> list[dict[str, t.Any]]:
    """The schema dicts the stream's SCHEMA messages carry (unflattened, unmapped maps only)."""
    return [
        m.transformed_schema
        for m in stream.stream_maps
        if isinstance(m, SameRecordTransform) and not m.flattening_enabled
    ]


def publish_schema(stream: Stream) -> None:
    """Write the stream's SCHEMA message(s) now (after a widening)."""
    stream._write_schema_message()


def write_state(tap: Tap) -> None:
    """Write the tap's whole state as a STATE message now."""
    tap.state_writer.write_state(tap.state)


def synced_records(stream: Stream, context: Context | None) -> t.Iterator[dict[str, t.Any]]:
    """The stream's records as the SDK's ``get_batches`` takes them (no RECORD messages)."""
    return iter(stream._sync_records(context, write_messages=False))


def request_function(stream: RESTStream[t.Any]) -> RequestFunc:
    """The SDK's own request function (send one prepared request, validate the answer)."""
    return stream._request


def first_page(
    stream: RESTStream[t.Any], context: Context | None, paginator: BaseAPIPaginator[t.Any]
) -> requests.PreparedRequest:
    """The request the SDK's loop sends first for ``context`` (``paginator`` not yet moved)."""
    return stream._prepare_request(context=context, page=paginator)
