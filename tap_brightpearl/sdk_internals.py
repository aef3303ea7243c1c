"""Every use of a singer-sdk internal, in one place (``tests/test_sdk_internals.py`` pins them).

- :func:`record_messages` replaces ``Stream._generate_record_messages``: the SDK's per-property
  selection pass walks every nested field of every record even when every property is
  selected (about a quarter of the record path's CPU); here it runs only when something is
  deselected. Type conformance is off (``TypeConformanceLevel.NONE``), so it is not called.
- :func:`schema_mirrors` and :func:`publish_schema`: the schemas the SCHEMA messages carry
  (``StreamMap.transformed_schema``), widened in place on drift, and the SDK's writer of them.
"""

from __future__ import annotations

import typing as t

from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._util import utc_now
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from singer_sdk.streams import Stream


def everything_selected(stream: Stream) -> bool:
    """Whether no property of the stream is deselected (the selection pass has nothing to do)."""
    return all(stream.mask.values())


def record_messages(
    stream: Stream, record: dict[str, t.Any], *, prune: bool
) -> Generator[RecordMessage, None, None]:
    """The RECORD messages of one record, as ``Stream._generate_record_messages`` makes them."""
    if prune:
        pop_deselected_record_properties(record, stream.schema, stream.mask)
    for stream_map in stream.stream_maps:
        mapped = stream_map.transform(record)
        if mapped is not None:
            yield RecordMessage(
                stream=stream_map.stream_alias,
                record=mapped,
                version=stream._stream_version,
                time_extracted=utc_now(),
            )


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
