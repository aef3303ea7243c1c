"""The tap against the evidence: every catalogue payload, served over HTTP, lands cleanly.

For each payload of ``tests/evidence/`` the tap syncs its stream from the replay server (the
payload for its endpoint, the catalogue's first 200 answer for every other endpoint the sync
needs) and the test checks what it emitted:

- every RECORD is valid (JSON Schema draft 7, formats included) against the latest SCHEMA of
  its stream, carries its primary key, and every date-time is canonical UTC;
- the declared schema already holds the evidence: no SCHEMA is re-emitted, no drift warning;
- no value is lost: every non-null value of the payload is in the emitted records (by field
  name, compared as instants, exact numbers or text; leading zeros count).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from evidence_replay import ACCOUNT, Payload, Replay, load_catalogue, search_rows
from helpers import parse_messages
from jsonschema import Draft7Validator

from tap_brightpearl.tap import TapBrightpearl

CATALOGUE = load_catalogue()
#: Streams synced together: a child needs its parent, and a parent's values move to its child.
TOGETHER = {
    "orders": {"order_rows"},
    "order_rows": {"orders"},
    "contacts": {"postal_addresses"},
    "postal_addresses": {"contacts"},
    "order_custom_field_values": {"orders", "order_rows"},
    "product_custom_field_values": {"products"},
    "contact_custom_field_values": {"contacts", "postal_addresses"},
}
#: Settings a stream needs to read its endpoint at all (opt-in sources).
SETTINGS: dict[str, dict[str, Any]] = {
    "contact_custom_field_values": {"contact_custom_fields": True}
}
#: Searches that only find ids for a GET (their rows are not records).
ID_SEARCHES = {
    "order-service/order-search",
    "product-service/product-search",
    "contact-service/contact-search",
    "warehouse-service/goods-note/goods-out-search",
}
#: Parts of a payload the tap does not emit as such, with why.
NOT_RECORDED = {
    ("product_availability", "total"): "the sum of the per-warehouse rows it emits",
}
CANONICAL_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}")


def sync(replay: Replay, streams: set[str], **settings: Any) -> list[dict[str, Any]]:
    """Run the tap in this process against the replay server; its Singer messages."""
    # a start_date keeps search-then-GET streams on their searches (the replay answers no
    # OPTIONS; the load plans are tests/test_tap_plans.py's)
    config = {
        "api_url": replay.url,
        "account_code": ACCOUNT,
        "app_ref": "replay-app",
        "staff_token": "replay-token",
        "start_date": "2000-01-01T00:00:00Z",
        **settings,
    }
    catalog = TapBrightpearl(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in streams
    tap = TapBrightpearl(config=config, catalog=catalog)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    real, sys.stdout = sys.stdout, out
    try:
        tap.sync_all()
    finally:
        sys.stdout = real
    out.flush()
    text = out.buffer.getvalue().decode()  # type: ignore[attr-defined]
    return parse_messages(text)


def normal(value: Any) -> Any:
    """A value as compared: instants for timestamps, exact numbers, else the text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value).normalize()
    if isinstance(value, str):
        if TIMESTAMP.match(value):
            try:
                return _instant(value)
            except ValueError:
                return value
        if re.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?", value):
            try:
                return Decimal(value).normalize()
            except InvalidOperation:
                return value
    return value


def _instant(text: str) -> dt.datetime:
    fixed = re.sub(r"(\d{2}:\d{2}:\d{2}):(\d{3})", r"\1.\2", text.replace(" ", "T"))
    fixed = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", fixed.replace("Z", "+00:00"))
    value = dt.datetime.fromisoformat(fixed)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def leaves(value: Any, stream: str, name: str = "") -> list[tuple[str, Any]]:
    """(field name, value) of every non-null scalar; an id-keyed map's keys count as values."""
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if (stream, key) in NOT_RECORDED:
                continue
            if key.isdigit():  # a map keyed by id or quantity: the key is a value now
                out.append(("", normal(key)))
                out.extend(("" if n == "" else n, v) for n, v in leaves(item, stream, ""))
            else:
                out.extend(leaves(item, stream, key))
    elif isinstance(value, list):
        for item in value:
            out.extend(leaves(item, stream, name))
    elif value is not None:
        out.append((name, normal(value)))
    return out


def lost(source: list[tuple[str, Any]], emitted: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Source values not among the emitted ones (a nameless value matches under any name)."""
    named = set(emitted)
    values = {value for _, value in emitted}
    return [(n, v) for n, v in source if ((n, v) not in named if n else v not in values)]


def records_of(payload: Payload) -> Any:
    """What the payload offers as record values."""
    return search_rows(payload.body) if payload.is_search else payload.body.get("response")


def utc_violations(record: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Date-time values that are not canonical UTC."""
    out: list[str] = []
    if isinstance(record, dict):
        props = schema.get("properties") or {}
        for key, value in record.items():
            out.extend(utc_violations(value, props.get(key) or {}, f"{path}.{key}"))
    elif isinstance(record, list):
        for item in record:
            out.extend(utc_violations(item, schema.get("items") or {}, f"{path}[]"))
    elif (
        isinstance(record, str)
        and schema.get("format") == "date-time"
        and not CANONICAL_UTC.match(record)
    ):
        out.append(f"{path}={record}")
    return out


@pytest.mark.parametrize("payload", CATALOGUE, ids=lambda p: p.id)
def test_catalogue_payload_lands_cleanly(payload: Payload, caplog: pytest.LogCaptureFixture):
    streams = {payload.stream, *TOGETHER.get(payload.stream, ())}
    with (
        caplog.at_level(logging.WARNING, logger="tap-brightpearl"),
        Replay(CATALOGUE, [payload]) as replay,
    ):
        messages = sync(replay, streams, **SETTINGS.get(payload.stream, {}))
    schemas: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, list[str]] = {}
    emitted: list[tuple[str, Any]] = []
    for msg in messages:
        if msg["type"] == "SCHEMA":
            schemas.setdefault(msg["stream"], []).append(msg["schema"])
            keys[msg["stream"]] = msg["key_properties"]
        elif msg["type"] == "RECORD":
            missing_keys = [k for k in keys[msg["stream"]] if msg["record"].get(k) is None]
            assert missing_keys == [], (msg["stream"], "record without its key", msg["record"])
            schema = schemas[msg["stream"]][-1]
            errors = [
                e.message
                for e in Draft7Validator(
                    schema, format_checker=Draft7Validator.FORMAT_CHECKER
                ).iter_errors(msg["record"])
            ]
            assert errors == [], (msg["stream"], errors[:3], msg["record"])
            assert utc_violations(msg["record"], schema) == [], msg["stream"]
            emitted.extend(leaves(msg["record"], msg["stream"]))
    drift = [r.getMessage() for r in caplog.records if "SCHEMA re-emitted" in r.getMessage()]
    assert drift == [], "the declared schema does not hold the evidence"
    assert all(len(s) == 1 for s in schemas.values()), "a SCHEMA was re-emitted"
    records = [m for m in messages if m["type"] == "RECORD" and m["stream"] == payload.stream]
    if payload.status != 200 or not records_of(payload):
        assert records == [], "a not-found or empty answer gives no records"
        return
    if payload.endpoint in ID_SEARCHES:
        return  # its rows are ids for the GET; the GET payloads are checked themselves
    assert records, f"{payload.id}: no records emitted"
    missing = lost(leaves(records_of(payload), payload.stream), emitted)
    assert missing == [], f"{payload.id}: values not emitted: {missing[:10]}"
