"""Pins the singer-sdk internals that ``tap_brightpearl/sdk_internals.py`` relies on.

An SDK upgrade that renames or changes one of them fails here, by name, before it can silently
change what the tap emits.
"""

from __future__ import annotations

import inspect

from singer_sdk.helpers import _catalog, _util
from singer_sdk.mapper import SameRecordTransform, StreamMap
from singer_sdk.streams import RESTStream
from singer_sdk.streams.core import Stream
from singer_sdk.tap_base import Tap

from tap_brightpearl import sdk_internals
from tap_brightpearl.kinds import SearchStream
from tap_brightpearl.tap import TapBrightpearl


def test_generate_record_messages_is_what_we_replace():
    """Our replacement must do what the SDK's does: prune, (no-op) conform, map, message."""
    source = inspect.getsource(Stream._generate_record_messages)
    for step in (
        "pop_deselected_record_properties(record, self.schema, self.mask)",
        "conform_record_data_types(",
        "for stream_map in self.stream_maps",
        "stream_map.transform(record)",
        "version=self._stream_version",
        "time_extracted=utc_now()",
    ):
        assert step in source, step
    assert list(inspect.signature(Stream._generate_record_messages).parameters) == [
        "self",
        "record",
    ]


def test_helpers_we_import_exist():
    assert callable(_catalog.pop_deselected_record_properties)
    assert callable(_util.utc_now)
    assert callable(Stream._write_schema_message)
    assert "_stream_version" in inspect.getsource(Stream.__init__)


def test_same_record_transform_carries_the_schema_it_was_given():
    """Widening in place reaches the SCHEMA message only if the map keeps that very dict."""
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    stream_map = SameRecordTransform("s", schema, ["id"], flattening_options=None)
    assert stream_map.transformed_schema is schema
    assert isinstance(stream_map, StreamMap)
    assert hasattr(stream_map, "flattening_enabled")
    assert sdk_internals.schema_mirrors  # the one module that uses them


def test_increment_stream_state_is_what_we_silence():
    params = list(inspect.signature(Stream._increment_stream_state).parameters)
    assert params == ["self", "latest_record", "context"], params
    assert "_increment_stream_state(record" in inspect.getsource(Stream._sync_records)


def test_request_and_state_writer_exist():
    assert list(inspect.signature(RESTStream._request).parameters) == [
        "self",
        "prepared_request",
        "context",
    ]
    assert list(inspect.signature(RESTStream._prepare_request).parameters) == [
        "self",
        "context",
        "page",
    ]
    loop = inspect.getsource(RESTStream.request_records)
    assert "self._prepare_request(context=context, page=paginator)" in loop
    assert isinstance(inspect.getattr_static(Tap, "state_writer"), property)
    assert "def write_state" in inspect.getsource(inspect.getmodule(Tap).StateWriter)  # type: ignore[union-attr]


def test_our_overrides_replace_the_sdk_methods():
    silenced = sdk_internals.NoRecordBookmarks._increment_stream_state
    assert SearchStream._increment_stream_state is silenced
    assert (
        SearchStream._generate_record_messages is sdk_internals.RecordPath._generate_record_messages
    )


def test_sync_all_calls_each_top_level_streams_sync_on_the_instance():
    """GuardedSyncAll relies on the SDK's loop calling ``stream.sync()`` (found on the instance,
    so :func:`sdk_internals.wrap_sync` reaches it) and Tap.invoke calling ``sync_all``."""
    loop = inspect.getsource(Tap.sync_all)
    assert "for stream in self.streams.values()" in loop
    assert "stream.sync()" in loop
    assert "if stream.parent_stream_type:" in loop
    assert "tap.sync_all()" in inspect.getsource(Tap.invoke)
    assert TapBrightpearl.sync_all is sdk_internals.GuardedSyncAll.sync_all
    assert "child_stream.sync(context=child_context)" in inspect.getsource(Stream._sync_children)


def test_get_batches_takes_the_records_synced_records_gives():
    """``column_names: snake_case`` renames batched records: the SDK must take them from there."""
    assert "self._sync_records(context, write_messages=False)" in inspect.getsource(
        Stream.get_batches
    )
    assert list(inspect.signature(Stream._sync_records).parameters) == [
        "self",
        "context",
        "write_messages",
    ]


def test_the_writer_we_replace_writes_and_flushes_every_message():
    """``output.BlockWriter`` replaces this write (one system call per message) and keeps the
    SDK's ``format_message``: one whole line per message."""
    from singer_sdk.contrib.msgspec import MsgSpecWriter
    from singer_sdk.singerlib import StateMessage

    from tap_brightpearl.output import BlockWriter
    from tap_brightpearl.tap import SchemaOnceWriter

    write = inspect.getsource(MsgSpecWriter.write_message)
    assert "sys.stdout.buffer.write(self.format_message(message))" in write
    assert "sys.stdout.flush()" in write
    line = BlockWriter().format_message(StateMessage(value={"a": 1}))
    assert bytes(line) == b'{"type":"STATE","value":{"a":1}}\n'
    assert issubclass(SchemaOnceWriter, BlockWriter)
    assert TapBrightpearl.message_writer_class is SchemaOnceWriter


def test_state_and_termination_reach_the_writer_as_flushed_output_expects():
    """A STATE comes as a ``StateMessage`` through the tap's writer (a block ends there); the
    SDK's signal handler is the bound ``_handle_termination`` (so our override is the one
    called): it writes the state, then exits through ``sys.exit``."""
    from singer_sdk.helpers._state import StateWriter
    from singer_sdk.plugin_base import PluginBase

    assert "self._message_writer.write_message(StateMessage(value=state))" in inspect.getsource(
        StateWriter.write_state
    )
    assert "signal.signal(signal.SIGTERM, self._handle_termination)" in inspect.getsource(
        PluginBase._setup_signal_handlers
    )
    assert "signal.signal(signal.SIGINT, self._handle_termination)" in inspect.getsource(
        PluginBase._setup_signal_handlers
    )
    assert "self._state_writer.write_state(self.state)" in inspect.getsource(
        Tap._handle_termination
    )
    assert "sys.exit(0)" in inspect.getsource(PluginBase._handle_termination)
    assert list(inspect.signature(Tap._handle_termination).parameters) == [
        "self",
        "signum",
        "frame",
    ]
    assert TapBrightpearl._handle_termination is sdk_internals.FlushedOutput._handle_termination
    assert issubclass(sdk_internals.GuardedSyncAll, sdk_internals.FlushedOutput)


def test_streams_are_synced_in_the_order_load_streams_gives():
    """OrderedStreams relies on Tap.streams keeping load_streams' order (the SDK sorts it by
    name) and sync_all iterating that dict: deleted_records must come last."""
    assert "for stream in self.load_streams():" in inspect.getsource(Tap.streams.fget)
    assert "key=lambda x: x.name" in inspect.getsource(Tap.load_streams)
    assert TapBrightpearl.load_streams is sdk_internals.OrderedStreams.load_streams
    names = list(
        TapBrightpearl(
            config={"account_code": "a", "staff_token": "s", "app_ref": "r"}, validate_config=False
        ).streams
    )
    assert names[-1] == "deleted_records"
    assert names[:-1] == sorted(names[:-1])
