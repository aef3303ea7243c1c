"""Record shaping: UTC timestamps in one canonical format, exact decimals, maps to arrays.

A stream's schema is compiled once into a small plan naming only the fields that need work
(date-times, decimals given as JSON numbers, and the objects/arrays that contain them), so each
record is touched where needed and nowhere else (no recursive pass over whole records, and the
SDK's own type conformance can stay off).
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t

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
        value = dt.datetime(
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


def to_utc(text: str) -> str:
    """Normalise one timestamp string to the canonical UTC format."""
    if len(text) == CANONICAL_LEN and text[-1] == "Z" and text[19] == ".":
        return text
    return format_utc(parse_datetime(text))


DT, DEC, OBJ, ARR, ARR_DT = range(5)
Plan = list[tuple[str, int, t.Any]]


def _types(prop: dict[str, t.Any]) -> set[str]:
    kind = prop.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def compile_plan(schema: dict[str, t.Any]) -> Plan:
    """The fields of an object schema that need shaping, with nested plans."""
    plan: Plan = []
    for name, prop in (schema.get("properties") or {}).items():
        types = _types(prop)
        fmt = prop.get("format")
        if fmt == "date-time":
            plan.append((name, DT, None))
        elif fmt == "singer.decimal":
            plan.append((name, DEC, None))
        elif "object" in types:
            if sub := compile_plan(prop):
                plan.append((name, OBJ, sub))
        elif "array" in types:
            items = prop.get("items") or {}
            if items.get("format") == "date-time":
                plan.append((name, ARR_DT, None))
            elif "object" in _types(items) and (sub := compile_plan(items)):
                plan.append((name, ARR, sub))
    return plan


def apply_plan(plan: Plan, record: dict[str, t.Any]) -> dict[str, t.Any]:
    """Shape a record in place (and return it)."""
    for name, kind, sub in plan:
        value = record.get(name)
        if value is None:
            continue
        if kind == DT:
            if isinstance(value, str):
                record[name] = to_utc(value) if value else None
        elif kind == DEC:
            if not isinstance(value, str):
                record[name] = str(value)
        elif kind == OBJ:
            if isinstance(value, dict):
                apply_plan(sub, value)
        elif kind == ARR:
            for item in value:
                if isinstance(item, dict):
                    apply_plan(sub, item)
        elif kind == ARR_DT:
            record[name] = [to_utc(v) if isinstance(v, str) and v else v for v in value]
    return record


def map_to_rows(mapping: t.Any, key_name: str) -> list[dict[str, t.Any]]:
    """A Brightpearl map keyed by id as a list of objects carrying the id as an integer."""
    if not isinstance(mapping, dict):
        return list(mapping or [])
    rows = []
    for key, value in mapping.items():
        row = dict(value) if isinstance(value, dict) else {"value": value}
        row[key_name] = int(key)
        rows.append(row)
    return rows
