"""One JSON schema per stream, ``<stream name>.json``, loaded as the settings want them."""

from __future__ import annotations

import typing as t
from importlib import resources

from singer_sdk import SchemaDirectory, StreamSchema

from tap_brightpearl.widen import SINGER_DECIMAL, with_decimal_format


class ConfiguredSchema(StreamSchema):
    """A stream's schema file, its decimals in the format the ``decimal_format`` setting names.

    One copy per stream instance: the SDK's schema source hands every instance the same dict.
    """

    def get_stream_schema(self, stream: t.Any, stream_class: type[t.Any]) -> dict[str, t.Any]:
        """The schema of ``stream`` (cached on it)."""
        cached = stream.__dict__.get("_configured_schema")
        if cached is None:
            schema = super().get_stream_schema(stream, stream_class)
            fmt = stream.settings.decimal_format
            cached = schema if fmt == SINGER_DECIMAL else with_decimal_format(schema, fmt)
            stream.__dict__["_configured_schema"] = cached
        return cached


#: ``schemas/<stream name>.json`` of every stream.
STREAM_SCHEMA = ConfiguredSchema(SchemaDirectory(resources.files(__name__)))
