"""Custom fields as typed data, against the sandbox over HTTP (README "Custom fields").

The sandbox serves every documented type on orders (sale and purchase), products and contacts,
DATE fields as local midnight at +01:00 (the reference's example), and now and then a JSON
number in a TEXT field. Expected values are computed from the sandbox's own store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from decimal import Decimal
from typing import Any

import pytest
from helpers import run_tap

from tap_brightpearl.sandbox import Sandbox, shapes

SIZES = {"orders": 80, "products": 40, "contacts": 40}
VALUE_STREAMS = {
    "order_custom_field_values": ("orderId", "orders"),
    "product_custom_field_values": ("productId", "products"),
    "contact_custom_field_values": ("contactId", "contacts"),
}
STREAMS = {"orders", "products", "contacts", *VALUE_STREAMS}
VALUE_COLUMNS = (
    "valueText",
    "valueNumber",
    "valueBoolean",
    "valueDate",
    "valueOptionId",
    "valueOptionValue",
)


def expected(kind: str, raw: Any) -> dict[str, Any]:
    """The value columns a raw sandbox value must land in (None: every column null)."""
    out: dict[str, Any] = dict.fromkeys(VALUE_COLUMNS)
    if raw is None:
        return out
    if kind in {"TEXT", "TEXTAREA", "TEXT_AREA"}:
        out["valueText"] = raw if isinstance(raw, str) else json.dumps(raw)
    elif kind == "INTEGER":
        out["valueNumber"] = Decimal(raw)
    elif kind == "YES_NO":
        out["valueBoolean"] = raw
    elif kind == "DATE":
        out["valueDate"] = raw[:10]  # local midnight: its day as written
    elif kind == "SELECT":
        out["valueOptionId"], out["valueOptionValue"] = raw["id"], raw["value"]
    return out


def kinds(sb: Sandbox) -> dict[str, dict[str, str]]:
    """Per definition group, code -> type, from the sandbox's definitions."""
    return {
        group: {code: kind for code, _, kind in spec}
        for group, spec in shapes.CUSTOM_FIELD_SETS.items()
    }


@pytest.fixture(scope="module")
def sb():
    sandbox = Sandbox(seed=11, sizes=SIZES, throttle_limit=1_000_000, drift_fields=False).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def synced(sb, tmp_path_factory):
    before = sb.counters()["requests"]
    run = run_tap(
        tmp_path_factory.mktemp("cf"), sb.tap_config(contact_custom_fields=True), streams=STREAMS
    )
    assert run.returncode == 0, run.describe()
    after = sb.counters()["requests"]
    return run, {k: after[k] - before.get(k, 0) for k in after}


def raw_values(sb: Sandbox, stream: str) -> dict[tuple[int, str], tuple[str, Any]]:
    """(parent id, code) -> (type, raw value) for every field the sandbox holds."""
    types = kinds(sb)
    out = {}
    store = sb.store
    if stream == "order_custom_field_values":
        for o in store.orders.values():
            group = types["purchase" if o["type"] in (2, 4) else "sale"]
            out.update({(o["id"], c): (group[c], v) for c, v in o["cf"].items()})
    elif stream == "product_custom_field_values":
        for p in store.products.values():
            out.update({(p["id"], c): (types["product"][c], v) for c, v in p["cf"].items()})
    else:
        for c in store.contacts.values():
            group = types["supplier" if c["supplier"] else "customer"]
            out.update({(c["id"], k): (group[k], v) for k, v in c.get("cf", {}).items()})
    return out


@pytest.mark.parametrize("stream", sorted(VALUE_STREAMS))
def test_every_value_lands_in_its_typed_column(sb, synced, stream):
    run, _ = synced
    key = VALUE_STREAMS[stream][0]
    records = {(r[key], r["code"]): r for r in run.records(stream)}
    want = raw_values(sb, stream)
    assert set(records) == set(want)
    seen = set()
    for k, (kind, raw) in want.items():
        got = {c: records[k][c] for c in VALUE_COLUMNS}
        if got["valueNumber"] is not None:
            got["valueNumber"] = Decimal(got["valueNumber"])
        assert got == expected(kind, raw), (stream, k, kind, raw, got)
        assert records[k]["customFieldType"] == kind
        seen.add(kind)
    assert {"TEXT", "YES_NO", "DATE"} <= seen, seen
    if stream != "product_custom_field_values":
        assert {"TEXTAREA", "INTEGER", "SELECT"} <= seen, seen


def test_every_type_of_the_definitions_is_served(sb):
    types = {kind for spec in shapes.CUSTOM_FIELD_SETS.values() for _, _, kind in spec}
    assert {"TEXT", "TEXTAREA", "INTEGER", "YES_NO", "DATE", "SELECT"} <= types


def test_a_date_with_a_positive_offset_keeps_its_day(sb, synced):
    run, _ = synced
    dates = [r for r in run.records("order_custom_field_values") if r["valueDate"]]
    assert dates
    orders = {o["id"]: o for o in run.records("orders")}
    for r in dates:
        raw = orders[r["orderId"]]["customFields"][r["code"]]
        assert raw.endswith("T00:00:00.000+01:00"), raw  # the record keeps it as sent
        assert r["valueDate"] == raw[:10]
        utc_day = dt.datetime.fromisoformat(raw).astimezone(dt.timezone.utc).date().isoformat()
        assert utc_day != r["valueDate"]  # what a UTC conversion would have made of it


def test_a_cleared_field_gives_a_row_of_nulls(sb, synced):
    run, _ = synced
    orders = {o["id"]: o for o in run.records("orders")}
    nulls = [
        r
        for r in run.records("order_custom_field_values")
        if r["code"] in orders[r["orderId"]].get("nullCustomFields", [])
    ]
    assert nulls
    assert all(all(r[c] is None for c in VALUE_COLUMNS) and r["name"] for r in nulls)


def test_a_misfit_is_kept_as_json_text_and_named_once(sb, synced):
    run, _ = synced
    misfits = [
        r
        for r in run.records("order_custom_field_values")
        if r["code"] == "PCF_CHANREF" and r["valueText"] and r["valueText"].isdigit()
    ]
    assert len(misfits) >= 2, "the sandbox serves a few numbers in the TEXT field PCF_CHANREF"
    warnings = [
        line
        for line in run.stderr_lines()
        if "order_custom_field_values: custom field PCF_CHANREF declared TEXT" in line
    ]
    assert len(warnings) == 1, warnings


def test_contact_values_cost_one_request_per_contact_and_are_opt_in(sb, synced, tmp_path):
    run, used = synced
    assert used.get("contact/custom-field") == len(run.records("contacts"))
    assert used.get("order") and not used.get("order/custom-field")  # orders: from the GET
    before = sb.counters()["requests"].get("contact/custom-field", 0)
    off = run_tap(tmp_path, sb.tap_config(), streams={"contacts", "contact_custom_field_values"})
    assert off.returncode == 0, off.describe()
    assert off.records("contact_custom_field_values") == []
    assert sb.counters()["requests"].get("contact/custom-field", 0) == before
    assert any("set contact_custom_fields=true" in line for line in off.stderr_lines())


def test_a_cleared_field_clears_its_row_on_the_next_run(tmp_path):
    sb = Sandbox(seed=5, sizes=SIZES, throttle_limit=1_000_000, drift_fields=False).start()
    try:
        first = run_tap(
            tmp_path, sb.tap_config(), name="first", streams={"orders", "order_custom_field_values"}
        )
        assert first.returncode == 0, first.describe()
        row = next(r for r in first.records("order_custom_field_values") if r["valueDate"])
        clear_field(sb, row["orderId"], row["code"])
        second = run_tap(
            tmp_path,
            sb.tap_config(),
            state=first.last_state(),
            name="second",
            streams={"orders", "order_custom_field_values"},
        )
        assert second.returncode == 0, second.describe()
        again = [
            r
            for r in second.records("order_custom_field_values")
            if (r["orderId"], r["code"]) == (row["orderId"], row["code"])
        ]
        assert len(again) == 1
        assert all(again[0][c] is None for c in VALUE_COLUMNS)
    finally:
        sb.stop()


def clear_field(sb: Sandbox, order_id: int, code: str) -> None:
    """Clear one custom field of an order in the sandbox, as a user would (updatedOn moves)."""
    with sb.store.lock:
        order = sb.store.orders[order_id]
        order["cf"][code] = None
        order["updated"] = int(time.time() * 1000)
        sb.store.tables["order-service/order-search"].put(shapes.order_row(order))
        sb.store.touch("orders", order_id)


def test_discovery_reads_definitions_only_with_custom_field_columns(sb, tmp_path):
    before = dict(sb.counters()["requests"])
    plain = run_tap(tmp_path, sb.tap_config(), args=("--discover",), name="plain")
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert sb.counters()["requests"] == before  # no request at discovery
    typed = run_tap(
        tmp_path, sb.tap_config(custom_field_columns=True), args=("--discover",), name="typed"
    )
    assert typed.returncode == 0, typed.stderr[-2000:]
    made = {
        k: v - before.get(k, 0)
        for k, v in sb.counters()["requests"].items()
        if v != before.get(k, 0)
    }
    assert sum(made.values()) == 3, made  # sale, purchase, product definitions
    catalog = {s["tap_stream_id"]: s["schema"] for s in json.loads(typed.stdout)["streams"]}
    fields = catalog["orders"]["properties"]["customFields"]["properties"]
    assert fields["PCF_DELIVERY"] == {"type": ["string", "null"], "format": "date"}
    assert fields["PCF_SCORE"]["format"] == "singer.decimal"
    assert fields["PCF_GIFTWRAP"] == {"type": ["boolean", "null"]}
    assert set(fields["PCF_PRIORITY"]["properties"]) == {"id", "value"}
    assert "PCF_ETA" in fields  # purchase definitions too
    assert "customFields" not in json.dumps(
        catalog["contacts"]["properties"].get("customFields", {}).get("properties", {})
    )  # contacts: only with contact_custom_fields


def test_columns_hold_typed_values(sb, tmp_path):
    run = run_tap(tmp_path, sb.tap_config(custom_field_columns=True), streams={"orders"})
    assert run.returncode == 0, run.describe()
    day = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for record, schema in run.records_with_schema("orders"):
        declared = schema["properties"]["customFields"]["properties"]
        for code, value in (record.get("customFields") or {}).items():
            assert code in declared, code
            if value is not None and declared[code].get("format") == "date":
                assert day.match(value), value
    assert any(
        "orders: custom field PCF_CHANREF declared TEXT" in line
        and "kept in _unfit_values['customFields.PCF_CHANREF']" in line
        for line in run.stderr_lines()
    )
    # the misfit keeps its column's type and is not lost: it waits in _unfit_values, as sent
    kept = [
        r["_unfit_values"]["customFields.PCF_CHANREF"]
        for r in run.records("orders")
        if (r.get("_unfit_values") or {}).get("customFields.PCF_CHANREF") is not None
    ]
    assert kept and all(isinstance(v, int) for v in kept), kept
    assert run.schemas()["orders"][-1]["properties"]["_unfit_values"]
