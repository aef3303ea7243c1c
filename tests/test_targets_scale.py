"""The load tests' smaller sandbox reaches everything the default sizes emit.

test_targets_load.py and test_targets_jsonl.py load the full sync of a sandbox at a fifth of its
default sizes (``target_helpers.FULL_SYNC_SCALE``): the loaders' CPU is mostly per record. That
is only as good as the default sizes if it emits the same things: every stream, every SCHEMA,
and every field path (into objects and arrays) with every JSON type it takes at the default
sizes. A sandbox change that puts a rare value only into the larger data fails here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from target_helpers import FULL_SYNC_SCALE, Emitted, full_sync

Kinds = set[tuple[str, str]]


def kinds(value: Any, path: str, into: Kinds) -> None:
    """Each (field path, JSON type) in ``value``; array items share the path ``name[]``."""
    kind = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    if isinstance(value, int) and not isinstance(value, bool):
        into.add((path, "integer"))
    elif isinstance(value, Decimal):
        into.add((path, "number"))
    else:
        into.add((path, kind[type(value)]))
    if isinstance(value, dict):
        for key, item in value.items():
            kinds(item, f"{path}.{key}", into)
    elif isinstance(value, list):
        for item in value:
            kinds(item, f"{path}[]", into)


def reach(emitted: Emitted) -> tuple[Kinds, dict[str, list[Any]]]:
    found: Kinds = set()
    for name, stream in emitted.streams.items():
        for record in stream.records:
            kinds(record, name, found)
    return found, {name: s.schemas for name, s in emitted.streams.items()}


@pytest.mark.slow
def test_the_load_tests_sandbox_emits_every_kind_the_default_sizes_do(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    small, full = full_sync(tmp_path_factory), full_sync(tmp_path_factory, scale=1.0)
    (small_kinds, small_schemas), (full_kinds, full_schemas) = reach(small), reach(full)
    assert small_schemas == full_schemas
    missing = sorted(full_kinds - small_kinds)
    assert not missing, f"{len(missing)} kinds only at the default sizes, e.g. {missing[:10]}"
    records = sum(len(s.records) for s in small.streams.values())
    assert records < sum(len(s.records) for s in full.streams.values()) * FULL_SYNC_SCALE * 1.2
