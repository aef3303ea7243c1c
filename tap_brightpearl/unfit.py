"""Where a surprise goes, how it is named, and what the state remembers of it.

A value its declared type cannot hold goes, exactly as the API sent it, into one JSON field of
the record, :data:`UNFIT` (``_unfit_values``), keyed by where it was (:func:`where`): a column
never changes type, and no value is lost. The field is added to the stream's SCHEMA on its first
value (one plain column added, the same JSON type in every run), not declared up front: 45
always-null columns would say nothing, and every discovered catalog would change.

The state remembers, per stream, each field already reported (:class:`Memory`, under the
stream's bookmark, like ``deleted_records`` keeps its sweeps), so a later run names it at INFO
rather than WARNING, and gives a field the schema lacks the type an earlier run gave its column.
"""

from __future__ import annotations

import logging
import typing as t

from tap_brightpearl.widen import ADDED_TYPES

logger = logging.getLogger("tap-brightpearl")

#: The record field holding the values that did not fit: lowercase snake case, so it needs no
#: quoting in SQL whatever the naming of the other columns.
UNFIT = "_unfit_values"
UNFIT_SCHEMA: dict[str, t.Any] = {"type": ["object", "null"]}
#: The stream bookmark's key of :class:`Memory`.
STATE_KEY = "schema_drift"


def where(location: t.Sequence[str | int]) -> str:
    """A value's place in its record: ``orderRows[3].quantity`` (array indexes from 0)."""
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def field_path(path: t.Sequence[str]) -> str:
    """A schema path as users read it: ``orderRows[].quantity`` (``[]``: every array item)."""
    return where(path).replace(".[]", "[]")


def short(value: t.Any) -> str:
    """A value as a warning quotes it (at most 40 characters)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Memory:
    """The fields of one stream already reported, kept in its state entry under :data:`STATE_KEY`.

    ``added``: field path -> the JSON type it was added as (``evolve``); ``unfit``: field path
    -> its declared type (``undeclared``: a field the schema lacks, in ``ignore`` mode). Only
    objects (no lists), so Meltano's merge of an interrupted run's state keeps both runs' keys.
    The key is written only once there is something to remember.
    """

    def __init__(self, stream_state: dict[str, t.Any]) -> None:
        self.stream_state = stream_state
        self.seen: set[tuple[str, str]] = set()  # (kind, path) named in this run

    def known(self, kind: str) -> dict[str, t.Any]:
        """The fields of ``kind`` (``added``, ``unfit``) reported by earlier runs or this one."""
        entry = self.stream_state.get(STATE_KEY)
        found = entry.get(kind) if isinstance(entry, dict) else None
        return found if isinstance(found, dict) else {}

    def added_type(self, path: str) -> str | None:
        """The type an earlier run added this field as (None: never added)."""
        kind = self.known("added").get(path)
        return kind if kind in ADDED_TYPES else None

    def report(self, kind: str, path: str, detail: str, message: str, *args: t.Any) -> None:
        """Name a field once per run: WARNING the first time ever, INFO in later runs."""
        if (kind, path) in self.seen:
            return
        self.seen.add((kind, path))
        if path in self.known(kind):
            logger.info("%s (reported in an earlier run)", message % args)
        else:
            logger.warning(message, *args)
        entry = self.stream_state.get(STATE_KEY)
        if not isinstance(entry, dict):
            entry = self.stream_state[STATE_KEY] = {}
        known = entry.get(kind)
        if not isinstance(known, dict):
            known = entry[kind] = {}
        known[path] = detail
