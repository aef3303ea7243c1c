"""``column_names: snake_case`` over HTTP: every name the output carries, at every level.

The tap runs as a subprocess against the sandbox (and in process against the evidence replay
server for drift), once per naming; the snake_case run must be the original run renamed, value
for value, with nothing else changed: the same records, the same keys, the same state.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from evidence_replay import ACCOUNT, Replay
from helpers import discovered, ends_with_traceback, run_tap
from meltano_helpers import meltano, meltano_env, repo_project, require_meltano
from test_evidence_tap import sync
from test_schema_drift import CATALOGUE, drifted_order, schemas_of, validate, variant

from tap_brightpearl import naming

SNAKE = {"column_names": "snake_case"}
STREAMS = {
    "orders",
    "order_rows",
    "contacts",
    "postal_addresses",
    "nominal_codes",
    "currencies",
    "price_lists",
    "deleted_records",
}
SQL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$|^\d+$")  # ids as map keys stay digits


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("orderId", "order_id"),
        ("createdByid", "created_byid"),
        ("nominalCode", "nominal_code"),
        ("SKU", "sku"),
        ("priceListId", "price_list_id"),
        ("isoCode3", "iso_code3"),
        ("totalValue__total", "total_value__total"),
        ("SKUCode", "sku_code"),
        ("PCF_COLOUR", "pcf_colour"),
        ("detected_at", "detected_at"),
        ("id", "id"),
        ("addressLine1", "address_line1"),
        ("line1Name", "line1_name"),
        ("order-id", "order_id"),
        ("_sdc_extracted_at", "_sdc_extracted_at"),
        ("12", "12"),
    ],
)
def test_snake(name: str, want: str) -> None:
    assert naming.snake(name) == want
    assert naming.snake(want) == want  # converting again changes nothing


def every_name(node: Any) -> set[str]:
    """Every property name of a schema, at every level."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out |= set(value)
            out |= every_name(value)
    elif isinstance(node, list):
        for item in node:
            out |= every_name(item)
    return out


def record_names(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(record_names(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(record_names(v) for v in node))
    return set()


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run per naming against one sandbox, the second naming from the first's state too."""
    from tap_brightpearl.sandbox import Sandbox  # noqa: PLC0415

    tmp = tmp_path_factory.mktemp("names")
    sb = Sandbox(
        seed=7, sizes={"orders": 120, "products": 40, "contacts": 60}, throttle_limit=1_000_000
    ).start()
    try:
        runs = {  # every stream
            "original": run_tap(tmp, sb.tap_config(), name="original"),
            "snake_case": run_tap(tmp, sb.tap_config(**SNAKE), name="snake"),
        }
        for run in runs.values():
            assert run.returncode == 0, run.stderr[-2000:]
        state = runs["original"].last_state()
        runs["snake_again"] = run_tap(
            tmp, sb.tap_config(**SNAKE), streams=STREAMS, state=state, name="snake-again"
        )
        runs["original_again"] = run_tap(
            tmp, sb.tap_config(), streams=STREAMS, state=state, name="original-again"
        )
    finally:
        sb.stop()
    return runs


def test_every_name_of_every_schema_and_record_is_snake_case(both: dict[str, Any]) -> None:
    snake = both["snake_case"]
    bad = {
        n
        for s in snake.schemas().values()
        for schema in s
        for n in every_name(schema)
        if not SQL_NAME.match(n)
    }
    bad |= {
        n
        for m in snake.messages
        if m["type"] == "RECORD"
        for n in record_names(m["record"])
        if not SQL_NAME.match(n)
    }
    assert not bad, sorted(bad)
    deep = [n for s in snake.schemas()["orders"] for n in every_name(s)]
    assert {"total_value", "tax_amount", "order_status_id", "delivery"} <= set(deep)


def test_snake_case_is_the_original_output_renamed(both: dict[str, Any]) -> None:
    """Same records, values untouched; the same SCHEMA renamed; keys and bookmarks renamed."""
    original, snake = both["original"], both["snake_case"]
    streams = original.schemas()
    assert len(streams) > 40
    for stream, schemas in streams.items():
        want = [naming.record(r) for r in original.records(stream)]
        assert snake.records(stream) == want, stream
        assert want or stream == "deleted_records", stream
        assert snake.schemas()[stream] == [naming.schema(s) for s in schemas], stream
    headers = {m["stream"]: m for m in snake.messages if m["type"] == "SCHEMA"}
    assert headers["order_rows"]["key_properties"] == ["order_id", "id"]
    assert headers["contacts"]["key_properties"] == ["contact_id"]
    assert headers["orders"]["bookmark_properties"] == ["updated_on"]
    assert headers["deleted_records"]["key_properties"] == ["stream", "id"]
    assert set(headers["deleted_records"]["schema"]["properties"]) == {
        "stream",
        "id",
        "detected_at",
        "previous_sweep_at",
    }


def test_state_is_the_same_in_both_namings(both: dict[str, Any]) -> None:
    """The bookmarks keep Brightpearl's names: a switch neither resyncs nor loses a bookmark."""
    original, snake = both["original"], both["snake_case"]
    strip = re.compile(r'"(replication_key_value|detected_at|last_sweep_at|[a-z_]*_at)": "[^"]*"')

    def shape(state: dict[str, Any]) -> str:
        return strip.sub(r'"\1": ""', json.dumps(state, sort_keys=True))

    assert shape(snake.last_state()) == shape(original.last_state())
    assert snake.last_state()["bookmarks"]["orders"]["replication_key"] == "updatedOn"
    again, back = both["snake_again"], both["original_again"]
    assert again.returncode == 0, again.stderr[-2000:]
    assert back.returncode == 0, back.stderr[-2000:]
    for stream in ("orders", "contacts"):  # incremental: only the lookback's overlap again
        assert len(again.records(stream)) < len(original.records(stream)) / 2, stream
        assert again.records(stream) == [naming.record(r) for r in back.records(stream)]


def test_discovered_catalog_names_and_select_by_either_name(sandbox, tmp_path: Path) -> None:
    """The catalog shows the output's names; a catalog in either naming selects the same."""
    disc = run_tap(tmp_path, sandbox.tap_config(**SNAKE), args=("--discover",), name="disc")
    assert disc.returncode == 0, disc.stderr[-2000:]
    catalog = json.loads(disc.stdout)
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "contacts")
    assert entry["key_properties"] == ["contact_id"]
    assert entry["replication_key"] == "updated_on"
    crumbs = {tuple(md["breadcrumb"]) for md in entry["metadata"]}
    assert ("properties", "contact_id") in crumbs and ("properties", "created_byid") in crumbs
    top = next(md["metadata"] for md in entry["metadata"] if md["breadcrumb"] == [])
    assert top["table-key-properties"] == ["contact_id"]
    assert top["valid-replication-keys"] == ["updated_on"]

    def select(cat: dict[str, Any], drop: str) -> dict[str, Any]:
        for e in cat["streams"]:
            for md in e["metadata"]:
                if md["breadcrumb"] == []:
                    md["metadata"]["selected"] = e["tap_stream_id"] == "contacts"
                if e["tap_stream_id"] == "contacts" and md["breadcrumb"] == ["properties", drop]:
                    md["metadata"]["selected"] = False
        return cat

    by_snake = run_tap(
        tmp_path,
        sandbox.tap_config(**SNAKE),
        catalog=select(catalog, "created_byid"),
        name="by-snake",
    )
    by_original = run_tap(
        tmp_path,
        sandbox.tap_config(**SNAKE),
        catalog=select(json.loads(discovered()), "createdByid"),
        name="by-original",
    )
    for run in (by_snake, by_original):
        assert run.returncode == 0, run.stderr[-2000:]
        records = run.records("contacts")
        assert records and all("contact_id" in r and "created_byid" not in r for r in records)
        assert "updated_on" in records[0]
    assert by_snake.records("contacts") == by_original.records("contacts")
    assert by_snake.last_state()["bookmarks"]["contacts"]["replication_key"] == "updatedOn"


def test_flattened_names_are_snake_case(sandbox, tmp_path: Path) -> None:
    config = sandbox.tap_config(**SNAKE, flattening_enabled=True, flattening_max_depth=1)
    run = run_tap(tmp_path, config, streams={"orders"}, name="flat")
    assert run.returncode == 0, run.stderr[-2000:]
    props = run.schemas()["orders"][-1]["properties"]
    assert "total_value__total" in props and "total_value__tax_amount" in props
    records = run.records("orders")
    assert any(r.get("total_value__total") is not None for r in records)
    assert all(SQL_NAME.match(k) for r in records for k in r)


def test_drift_added_fields_are_renamed_too() -> None:
    payload = variant("orders", "order-service/order/{ids}", drifted_order)
    with Replay(CATALOGUE, [payload, payload]) as replay:
        messages = sync(replay, {"orders", "order_rows"}, **SNAKE)
    records = validate(messages, "orders")
    drifted = next(r for r in records if r.get("loyalty_tier"))
    assert drifted["fulfilment"] == {"promised_on": "2024-03-01T23:30:00.000Z", "slots": 2}
    assert drifted["risk_score"] == "0.731"
    widened = schemas_of(messages, "orders")[-1]["properties"]
    assert {"loyalty_tier", "fulfilment", "risk_score"} <= set(widened)
    # an object the schema lacked is added as JSON (schema_drift): its keys are renamed in
    # the record, and the schema has no properties to rename
    assert "object" in widened["fulfilment"]["type"]
    assert "properties" not in widened["fulfilment"]


def test_two_names_for_one_column_fail_clearly(tmp_path: Path) -> None:
    """A field that renames onto an existing one stops the run with one line, no traceback."""

    def clash(body: dict[str, Any]) -> None:
        body["response"][0]["parent_order_id"] = 1  # beside parentOrderId

    payload = variant("orders", "order-service/order/{ids}", clash)
    with Replay(CATALOGUE, [payload, payload]) as replay:
        config = {
            "api_url": replay.url,
            "account_code": ACCOUNT,
            "app_ref": "replay-app",
            "staff_token": "replay-token",
            **SNAKE,
        }
        run = run_tap(tmp_path, config, streams={"orders"}, name="clash")
    assert run.returncode == 1
    assert not ends_with_traceback(run.stderr), run.stderr[-2000:]
    assert re.search(
        r"Config error: column_names: snake_case gives parentOrderId and "
        r"parent_order_id of stream orders the same name 'parent_order_id'; "
        r"use column_names: original",
        run.last_stderr_line(),
    ), run.stderr[-2000:]
    bookmarks = [s.get("bookmarks", {}).get("orders", {}) for s in run.states()]
    assert not any("replication_key_value" in b for b in bookmarks)  # the next run redoes it


def test_batch_files_carry_snake_case_records(sandbox, tmp_path: Path) -> None:
    root = tmp_path / "batches"
    config = sandbox.tap_config(
        **SNAKE,
        batch_config={
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": root.as_uri(), "prefix": "bp-"},
        },
    )
    run = run_tap(tmp_path, config, streams={"contacts"}, name="batch")
    assert run.returncode == 0, run.stderr[-2000:]
    files = [m for m in run.messages if m["type"] == "BATCH"]
    assert files
    lines = [
        json.loads(line)
        for path in root.glob("*.gz")
        for line in gzip.open(path, "rt", encoding="utf-8")
    ]
    assert lines and all("contact_id" in r and "contactId" not in r for r in lines)
    assert all(SQL_NAME.match(n) for r in lines for n in record_names(r))


def test_meltano_selects_by_the_names_that_land(sandbox, tmp_path: Path) -> None:
    """Meltano discovers the snake_case catalog, applies select rules by those names and
    passes the catalog back: the tap maps it to Brightpearl's names and honours the rules."""
    require_meltano()
    project = repo_project(tmp_path, select=["contacts.*", "!contacts.created_byid"])
    env = meltano_env(
        **{f"TAP_BRIGHTPEARL_{k.upper()}": str(v) for k, v in sandbox.tap_config(**SNAKE).items()}
    )
    run = meltano(project, "invoke", "tap-brightpearl", env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    messages = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    streams = {m["stream"] for m in messages if m["type"] == "RECORD"}
    assert streams == {"contacts"}
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert len(records) == len(sandbox.primary_keys("contacts"))
    assert all("contact_id" in r and "updated_on" in r for r in records)
    assert not any("created_byid" in r or "createdByid" in r for r in records)
    header = next(m for m in messages if m["type"] == "SCHEMA" and m["stream"] == "contacts")
    assert header["key_properties"] == ["contact_id"]
    assert "created_byid" not in header["schema"]["properties"]


def test_unfit_value_paths_are_renamed_and_their_values_kept() -> None:
    """_unfit_values' keys are paths into the record: renamed as the record's names are."""
    record = {
        "orderId": 7,
        "_unfit_values": {
            "orderRows[3].productId": "SKU-9",
            "parties.customer.contactId": {"rawValue": 1},
        },
    }
    assert naming.record(record) == {
        "order_id": 7,
        "_unfit_values": {
            "order_rows[3].product_id": "SKU-9",
            "parties.customer.contact_id": {"rawValue": 1},
        },
    }
