"""One JSON schema per stream, ``<stream name>.json`` (loaded with ``SchemaDirectory``)."""
