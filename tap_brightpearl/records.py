"""Timestamps in one canonical UTC format, Brightpearl's id-keyed maps as arrays, id runs.

The record path (``tap_brightpearl/conform.py``) uses :func:`to_utc` on every timestamp;
settings and state use the strict :func:`parse_instant`.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t

import pendulum

UTC = dt.timezone.utc

#: The one timestamp format in records and state: UTC, milliseconds, ``Z``. Fixed width, so
#: bookmark strings compare in time order.
CANONICAL_LEN = len("2024-05-01T09:12:44.000Z")

_LENIENT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.:](\d{1,6})\d*)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def format_utc(value: dt.datetime) -> str:
    """Canonical UTC string of an aware (or UTC-naive) datetime."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def parse_datetime(text: str) -> dt.datetime:
    """Parse Brightpearl's timestamps (offsets, ``Z``, ``+0000``, ``:999`` millis) as aware UTC."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        m = _LENIENT.match(text.strip())
        if not m:
            raise
        year, mon, day, hh, mi, ss, frac, zone = m.groups()
        micro = int((frac or "0").ljust(6, "0"))
        value = dt.datetime(  # noqa: DTZ001 - the zone the text gives is applied below
            int(year), int(mon), int(day), int(hh or 0), int(mi or 0), int(ss or 0), micro
        )
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            value = value.replace(tzinfo=dt.timezone(sign * offset))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_instant(text: str) -> dt.datetime:
    """A date-time a user or a state file gives (``start_date``, a bookmark), as aware UTC.

    Strict ISO 8601 / RFC 3339 by pendulum: a typo (``2024-13-01``) is an error, never another
    date; a date alone is midnight UTC. (Records use the faster, Brightpearl-lenient
    :func:`parse_datetime`.)
    """
    value = pendulum.parse(text.strip())
    if not isinstance(value, pendulum.DateTime):
        msg = f"not a date-time: {text!r}"
        raise ValueError(msg)  # noqa: TRY004 - callers catch ValueError for any bad text
    utc = value.in_timezone("UTC")
    return dt.datetime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
        tzinfo=UTC,
    )


def to_utc(text: str) -> str:
    """Normalise one timestamp string to the canonical UTC format."""
    if len(text) == CANONICAL_LEN and text[-1] == "Z" and text[19] == ".":
        return text
    return format_utc(parse_datetime(text))


def map_to_rows(mapping: t.Any, key_name: str, value_name: str = "value") -> list[dict[str, t.Any]]:
    """A Brightpearl map keyed by id as a list of objects carrying the id as an integer.

    An object value keeps its fields; a scalar one goes under ``value_name``.
    """
    if not isinstance(mapping, dict):
        return list(mapping or [])
    rows = []
    for key, value in mapping.items():
        row = dict(value) if isinstance(value, dict) else {value_name: value}
        row[key_name] = int(key)
        rows.append(row)
    return rows


def id_runs(ids: t.Iterable[int]) -> list[tuple[int, int]]:
    """Ascending ids as inclusive (first, last) runs of consecutive ids (a repeat starts a run)."""
    out: list[list[int]] = []
    for i in ids:
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]
