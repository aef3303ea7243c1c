"""Schema drift over HTTP: what the schema lacks widens it (evolve) or is left out (ignore).

The replay server answers with a real-shaped payload of the catalogue, altered the way a later
Brightpearl release could alter it: a new field, a new nested object, a timestamp with an
offset, a value of another type. Every record must stay valid against the latest SCHEMA.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from decimal import Decimal
from typing import Any

import pytest
from evidence_replay import Payload, Replay, load_catalogue
from jsonschema import Draft7Validator
from test_evidence_tap import sync

CATALOGUE = load_catalogue()


def variant(stream: str, endpoint: str, change: Any) -> Payload:
    """The catalogue's first 200 payload of ``endpoint`` for ``stream``, changed by ``change``."""
    base = next(p for p in CATALOGUE
                if p.stream == stream and p.endpoint == endpoint and p.status == 200
                and p.body.get("response"))
    body = copy.deepcopy(base.body)
    change(body)
    return dataclasses.replace(base, body=body)


def first_order(body: dict[str, Any]) -> dict[str, Any]:
    return body["response"][0]


def drifted_order(body: dict[str, Any]) -> None:
    order = first_order(body)
    order["loyaltyTier"] = "gold"  # a new scalar
    order["fulfilment"] = {"promisedOn": "2024-03-01T17:30:00.000-06:00", "slots": 2}  # object
    order["riskScore"] = Decimal("0.731")  # a number: a decimal string
    order["version"] = "v7"  # a declared integer now text: the type widens


def validate(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    schema: dict[str, Any] = {}
    records = []
    for msg in messages:
        if msg.get("stream") != stream:
            continue
        if msg["type"] == "SCHEMA":
            schema = msg["schema"]
        elif msg["type"] == "RECORD":
            errors = list(Draft7Validator(
                schema, format_checker=Draft7Validator.FORMAT_CHECKER).iter_errors(msg["record"]))
            assert errors == [], errors[0].message
            records.append(msg["record"])
    return records


def schemas_of(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [m["schema"] for m in messages if m["type"] == "SCHEMA" and m["stream"] == stream]


def test_evolve_widens_the_schema_once_and_keeps_the_values(caplog):
    payload = variant("orders", "order-service/order/{ids}", drifted_order)
    with caplog.at_level(logging.WARNING, logger="tap-brightpearl"), Replay(
        CATALOGUE, [payload, payload]
    ) as replay:
        messages = sync(replay, {"orders", "order_rows"})
    records = validate(messages, "orders")
    drifted = next(r for r in records if r.get("loyaltyTier"))
    assert drifted["loyaltyTier"] == "gold"
    assert drifted["fulfilment"] == {"promisedOn": "2024-03-01T23:30:00.000Z", "slots": 2}
    assert drifted["riskScore"] == "0.731"
    assert drifted["version"] == "v7"
    schemas = schemas_of(messages, "orders")
    assert len(schemas) == 2, "declared, then widened once for the whole record"
    props = schemas[-1]["properties"]
    assert props["loyaltyTier"] == {"type": ["string", "null"]}
    assert props["fulfilment"]["properties"]["promisedOn"]["format"] == "date-time"
    assert props["riskScore"] == {"type": ["string", "null"], "format": "singer.decimal"}
    assert props["version"]["type"] == ["string", "null"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for field in ("loyaltyTier", "fulfilment", "riskScore", "version"):
        assert sum(f"'{field}'" in w for w in warnings) == 1, (field, warnings)
    assert all(w.startswith("orders: field") for w in warnings if "SCHEMA" in w)


def test_ignore_keeps_the_declared_schema_and_names_each_left_out_field(caplog):
    payload = variant("orders", "order-service/order/{ids}", drifted_order)
    with caplog.at_level(logging.WARNING, logger="tap-brightpearl"), Replay(
        CATALOGUE, [payload]
    ) as replay:
        messages = sync(replay, {"orders", "order_rows"}, schema_drift="ignore")
    records = validate(messages, "orders")
    assert len(schemas_of(messages, "orders")) == 1
    assert records
    for record in records:
        assert not {"loyaltyTier", "fulfilment", "riskScore"} & set(record)
        assert "version" not in record or isinstance(record["version"], int | type(None))
    warnings = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert sorted(w.split("'")[1] for w in warnings) == [
        "fulfilment", "loyaltyTier", "riskScore", "version"]


def test_convertible_values_are_converted_not_widened(caplog):
    def as_text(body: dict[str, Any]) -> None:
        order = first_order(body)
        order["id"] = str(order["id"])  # a digit string for an integer: converted
    payload = variant("orders", "order-service/order/{ids}", as_text)
    with caplog.at_level(logging.WARNING, logger="tap-brightpearl"), Replay(
        CATALOGUE, [payload]
    ) as replay:
        messages = sync(replay, {"orders"})
    records = validate(messages, "orders")
    assert all(isinstance(r["id"], int) for r in records)
    assert len(schemas_of(messages, "orders")) == 1
    assert not [r for r in caplog.records if "SCHEMA re-emitted" in r.getMessage()]


@pytest.mark.parametrize("value", ["0010", "4010-A"])
def test_integer_field_keeps_leading_zeros_by_widening(value):
    def retyped(body: dict[str, Any]) -> None:
        first_order(body)["version"] = value
    payload = variant("orders", "order-service/order/{ids}", retyped)
    with Replay(CATALOGUE, [payload]) as replay:
        messages = sync(replay, {"orders"})
    records = validate(messages, "orders")
    assert value in [r.get("version") for r in records]


def test_search_stream_new_column_widens(caplog):
    def new_column(body: dict[str, Any]) -> None:
        meta = body["response"]["metaData"]
        meta["columns"].append({"name": "updatedOn", "reportDataType": "PERIOD",
                                "sortable": True, "filterable": True})
        for row in body["response"]["results"]:
            row.append("2025-07-01T10:00:00.000+01:00")
    base = next(p for p in CATALOGUE if p.stream == "brands" and p.is_search)
    payload = variant("brands", base.endpoint, new_column)
    with caplog.at_level(logging.WARNING, logger="tap-brightpearl"), Replay(
        CATALOGUE, [payload]
    ) as replay:
        messages = sync(replay, {"brands"})
    records = validate(messages, "brands")
    assert {r["updatedOn"] for r in records} == {"2025-07-01T09:00:00.000Z"}
    assert schemas_of(messages, "brands")[-1]["properties"]["updatedOn"]["format"] == "date-time"
