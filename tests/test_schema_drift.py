"""Schema drift over HTTP: a new field is added (evolve) or set aside (ignore); a declared
type never changes, and a value it cannot hold is kept in ``_unfit_values``.

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

from tap_brightpearl.conform import Conformer, UnloadableRecordError

CATALOGUE = load_catalogue()


def variant(stream: str, endpoint: str, change: Any) -> Payload:
    """The catalogue's first 200 payload of ``endpoint`` for ``stream``, changed by ``change``."""
    base = next(
        p
        for p in CATALOGUE
        if p.stream == stream
        and p.endpoint == endpoint
        and p.status == 200
        and p.body.get("response")
    )
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
    order["version"] = "v7"  # a declared integer now text: kept aside, the type unchanged


def validate(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    schema: dict[str, Any] = {}
    records = []
    for msg in messages:
        if msg.get("stream") != stream:
            continue
        if msg["type"] == "SCHEMA":
            schema = msg["schema"]
        elif msg["type"] == "RECORD":
            errors = list(
                Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER).iter_errors(
                    msg["record"]
                )
            )
            assert errors == [], errors[0].message
            records.append(msg["record"])
    return records


def schemas_of(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [m["schema"] for m in messages if m["type"] == "SCHEMA" and m["stream"] == stream]


def test_evolve_adds_new_fields_and_never_changes_a_declared_type(caplog):
    payload = variant("orders", "order-service/order/{ids}", drifted_order)
    with (
        caplog.at_level(logging.WARNING, logger="tap-brightpearl"),
        Replay(CATALOGUE, [payload, payload]) as replay,
    ):
        messages = sync(replay, {"orders", "order_rows"})
    records = validate(messages, "orders")
    drifted = next(r for r in records if r.get("loyaltyTier"))
    assert drifted["loyaltyTier"] == "gold"
    assert drifted["fulfilment"] == {"promisedOn": "2024-03-01T23:30:00.000Z", "slots": 2}
    assert drifted["riskScore"] == "0.731"
    assert drifted["version"] is None
    assert drifted["_unfit_values"] == {"version": "v7"}
    schemas = schemas_of(messages, "orders")
    assert len(schemas) == 2, "declared, then once for the whole record"
    declared, latest = schemas[0]["properties"], schemas[-1]["properties"]
    assert latest["version"] == declared["version"] == {"type": ["integer", "null"]}
    assert latest["loyaltyTier"] == {"type": ["string", "null"]}
    assert latest["fulfilment"] == {"type": ["object", "null"]}
    assert latest["riskScore"] == {"type": ["string", "null"]}
    assert latest["_unfit_values"] == {"type": ["object", "null"]}
    assert all(latest[k] == declared[k] for k in declared), "a declared type changed"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for field in ("loyaltyTier", "fulfilment", "riskScore", "version"):
        assert sum(f"'{field}'" in w for w in warnings) == 1, (field, warnings)
    assert (
        "orders: field 'version' is declared integer but got 'v7': the value is kept in "
        "_unfit_values['version'] and the field is null in that record (the column keeps "
        "its type)"
    ) in warnings


def test_ignore_keeps_the_declared_schema_and_the_values_aside(caplog):
    payload = variant("orders", "order-service/order/{ids}", drifted_order)
    with (
        caplog.at_level(logging.WARNING, logger="tap-brightpearl"),
        Replay(CATALOGUE, [payload]) as replay,
    ):
        messages = sync(replay, {"orders", "order_rows"}, schema_drift="ignore")
    records = validate(messages, "orders")
    schemas = schemas_of(messages, "orders")
    assert len(schemas) == 2
    assert set(schemas[1]["properties"]) - set(schemas[0]["properties"]) == {"_unfit_values"}
    for record in records:
        assert not {"loyaltyTier", "fulfilment", "riskScore"} & set(record)
        assert "version" not in record or isinstance(record["version"], int | type(None))
    (aside,) = [r["_unfit_values"] for r in records if r.get("_unfit_values")]
    assert aside == {
        "loyaltyTier": "gold",
        "riskScore": Decimal("0.731"),
        "version": "v7",
        "fulfilment": {"promisedOn": "2024-03-01T17:30:00.000-06:00", "slots": 2},
    }
    warnings = [r.getMessage() for r in caplog.records if "_unfit_values" in r.getMessage()]
    assert sorted(w.split("'")[1] for w in warnings) == [
        "fulfilment",
        "loyaltyTier",
        "riskScore",
        "version",
    ]
    assert all(
        r.levelno == logging.WARNING for r in caplog.records if "_unfit_values" in r.getMessage()
    )


def test_convertible_values_are_converted_not_widened(caplog):
    def as_text(body: dict[str, Any]) -> None:
        order = first_order(body)
        order["id"] = str(order["id"])  # a digit string for an integer: converted

    payload = variant("orders", "order-service/order/{ids}", as_text)
    with (
        caplog.at_level(logging.WARNING, logger="tap-brightpearl"),
        Replay(CATALOGUE, [payload]) as replay,
    ):
        messages = sync(replay, {"orders"})
    records = validate(messages, "orders")
    assert all(isinstance(r["id"], int) for r in records)
    assert len(schemas_of(messages, "orders")) == 1
    assert not [r for r in caplog.records if "SCHEMA re-emitted" in r.getMessage()]


@pytest.mark.parametrize("value", ["0010", "4010-A"])
def test_integer_field_keeps_leading_zeros_aside(value):
    def retyped(body: dict[str, Any]) -> None:
        first_order(body)["version"] = value

    payload = variant("orders", "order-service/order/{ids}", retyped)
    with Replay(CATALOGUE, [payload]) as replay:
        messages = sync(replay, {"orders"})
    records = validate(messages, "orders")
    assert [r["_unfit_values"] for r in records if "_unfit_values" in r] == [{"version": value}]
    assert schemas_of(messages, "orders")[-1]["properties"]["version"]["type"] == [
        "integer",
        "null",
    ]


def test_search_stream_new_column_is_added_as_text(caplog):
    def new_column(body: dict[str, Any]) -> None:
        meta = body["response"]["metaData"]
        meta["columns"].append(
            {"name": "updatedOn", "reportDataType": "PERIOD", "sortable": True, "filterable": True}
        )
        for row in body["response"]["results"]:
            row.append("2025-07-01T10:00:00.000+01:00")

    base = next(p for p in CATALOGUE if p.stream == "brands" and p.is_search)
    payload = variant("brands", base.endpoint, new_column)
    with (
        caplog.at_level(logging.WARNING, logger="tap-brightpearl"),
        Replay(CATALOGUE, [payload]) as replay,
    ):
        messages = sync(replay, {"brands"})
    records = validate(messages, "brands")
    assert {r["updatedOn"] for r in records} == {"2025-07-01T09:00:00.000Z"}
    assert schemas_of(messages, "brands")[-1]["properties"]["updatedOn"] == {
        "type": ["string", "null"]
    }


# -- the conformer alone: paths, types fixed across runs, what the state remembers -----------

ROWS = {
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": ["integer", "null"]},
        "rows": {
            "type": ["array", "null"],
            "items": {"type": "object", "properties": {"qty": {"type": ["integer", "null"]}}},
        },
    }
}


def test_unfit_values_are_keyed_by_their_place_and_kept_as_sent():
    conformer = Conformer("s", ROWS)
    record = conformer({"id": 1, "code": "0010", "rows": [{"qty": 2}, {"qty": "two"}]})
    assert record == {
        "id": 1,
        "code": None,
        "rows": [{"qty": 2}, {"qty": None}],
        "_unfit_values": {"code": "0010", "rows[1].qty": "two"},
    }
    assert conformer.schema["properties"]["code"] == {"type": ["integer", "null"]}
    assert conformer({"id": 2, "code": "7"}) == {"id": 2, "code": 7}  # lossless: converted


def test_a_new_field_is_text_whatever_its_first_value_and_takes_every_scalar():
    conformer = Conformer("s", ROWS)
    values = [5, True, Decimal("0.10"), "2024-03-01T17:30:00-06:00", "x"]
    out = [conformer({"id": i, "extra": v})["extra"] for i, v in enumerate(values)]
    assert out == ["5", "true", "0.10", "2024-03-01T23:30:00.000Z", "x"]
    assert conformer.schema["properties"]["extra"] == {"type": ["string", "null"]}
    assert conformer({"id": 9, "extra": {"a": 1}})["_unfit_values"] == {"extra": {"a": 1}}


def test_the_state_keeps_a_new_fields_type_and_a_later_run_says_it_at_info(caplog):
    state: dict[str, Any] = {}
    with caplog.at_level(logging.INFO, logger="tap-brightpearl"):
        Conformer("s", ROWS, state=state)({"id": 1, "extra": {"a": 1}, "code": "x"})
        first = [(r.levelno, r.getMessage()) for r in caplog.records]
        caplog.clear()
        later = Conformer("s", ROWS, state=copy.deepcopy(state))
        record = later({"id": 2, "extra": "text now", "code": "y"})
    assert state == {"schema_drift": {"added": {"extra": "object"}, "unfit": {"code": "integer"}}}
    assert record["extra"] is None  # the column an earlier run made JSON stays JSON
    assert record["_unfit_values"] == {"code": "y", "extra": "text now"}
    assert [level for level, _ in first] == [logging.WARNING, logging.WARNING]
    assert sorted((r.levelno, r.getMessage()) for r in caplog.records) == [
        (
            logging.INFO,
            "s: field 'code' is declared integer but got 'y': the value is kept in "
            "_unfit_values['code'] and the field is null in that record (the column keeps its "
            "type) (reported in an earlier run)",
        ),
        (
            logging.INFO,
            "s: field 'extra' is not in the schema: added as object, SCHEMA "
            "re-emitted (reported in an earlier run)",
        ),
        (
            logging.WARNING,
            "s: field 'extra' is declared object but got 'text now': the value is "
            "kept in _unfit_values['extra'] and the field is null in that record (the column "
            "keeps its type)",
        ),  # a new surprise in a known field: a warning
    ]


def test_a_key_its_type_cannot_hold_fails_clearly():
    with pytest.raises(
        UnloadableRecordError,
        match=r"s: field 'id' is declared integer, not null, and "
        r"got 'A-1': a record cannot be loaded without it",
    ):
        Conformer("s", ROWS)({"id": "A-1"})
