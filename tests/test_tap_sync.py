"""Full and incremental syncs of every stream against the sandbox, run as Meltano runs the tap."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from helpers import CANONICAL_UTC, CONTRACT_KEYS, norm_keys, run_tap, truth

from tap_brightpearl.sandbox.drift import DRIFT_FIELDS

if TYPE_CHECKING:
    from typing import Any

#: Every stream the tap emits: the contract's source streams and the deletes report.
KEYS = {**CONTRACT_KEYS, "deleted_records": ("stream", "id")}

INCREMENTAL_SEARCH = {
    "order_notes": "order-note-search",
    "goods_in_batches": "goods-in-search",
    "goods_movements": "goods-movement-search",
    "journal_rows": "journal-search",
    "customer_payments": "customer-payment-search",
    "supplier_payments": "supplier-payment-search",
}
SEARCH_THEN_GET = {
    "orders": ("order-search", "order"),
    "products": ("product-search", "product"),
    "contacts": ("contact-search", "contact"),
    "goods_out_notes": ("goods-out-search", "goods-out-note"),
}

#: The streams fed by the endpoints where the sandbox serves its invented drift fields.
DRIFT_STREAMS = {
    "order-service/order/{ids}": "orders",
    "contact-service/contact/{ids}": "contacts",
    "product-service/product/{ids}": "products",
    "product-service/brand-search": "brands",
    "warehouse-service/warehouse": "warehouses",
}


@pytest.fixture(scope="module")
def full(sandbox, tmp_path_factory):
    """One full sync of every stream, with the requests it made."""
    before = sandbox.counters()
    run = run_tap(tmp_path_factory.mktemp("full"), sandbox.tap_config())
    assert run.returncode == 0, run.stderr[-3000:]
    return run, requests_delta(before, sandbox.counters())


def test_every_stream_matches_ground_truth_without_duplicates(sandbox, full):
    run, _ = full
    assert run.records("deleted_records") == []  # a first sweep (tests/test_tap_deletes.py)
    for stream in CONTRACT_KEYS:
        keys = run.keys(stream)
        assert keys, f"{stream}: no records"
        assert len(keys) == len(set(keys)), f"{stream}: duplicate primary keys"
        want = truth(sandbox, stream)
        assert set(keys) == want, (
            f"{stream}: missing {sorted(want - set(keys))[:3]}, "
            f"extra {sorted(set(keys) - want)[:3]}"
        )


def test_schema_once_per_stream_then_only_widened(full):
    """One SCHEMA per stream, re-emitted only when the sandbox's invented fields widen it."""
    run, _ = full
    schemas = run.schemas()
    assert set(schemas) == set(KEYS)
    for stream, versions in schemas.items():
        for old, new in itertools.pairwise(versions):
            assert new != old, f"{stream}: an identical SCHEMA repeated"
            assert set(old["properties"]) <= set(new["properties"]), stream
    drifted = {stream for stream, versions in schemas.items() if len(versions) > 1}
    assert drifted == {DRIFT_STREAMS[f.endpoint] for f in DRIFT_FIELDS}


def test_every_record_field_is_declared(full):
    run, _ = full
    for stream in run.schemas():
        for record, schema in run.records_with_schema(stream):
            assert undeclared(record, schema) == [], stream


def test_no_schema_is_keys_only(full):
    run, _ = full
    for stream, (schema, *_) in run.schemas().items():
        assert set(schema["properties"]) - set(KEYS[stream]), stream


def test_values_are_typed(full):
    """No floats (money is a decimal string), UTC timestamps in one format, integer ids."""
    run, _ = full
    for stream, (schema, *_) in run.schemas().items():
        records = run.records(stream)
        for record, latest in run.records_with_schema(stream):
            assert floats(record) == [], stream
            for path in datetime_paths(latest):
                value = dig(record, path)
                assert value is None or CANONICAL_UTC.match(value), (stream, path, value)
        for key in KEYS[stream]:
            prop = schema["properties"][key]
            if "integer" in prop["type"]:
                assert all(type(r[key]) is int for r in records), (stream, key)
    money = run.records("orders")[0]["totalValue"]["total"]
    assert isinstance(money, str)
    assert run.schemas()["orders"][0]["properties"]["totalValue"]["properties"]["total"] == {
        "type": ["string", "null"],
        "format": "singer.decimal",
    }


def test_bookmarks_are_utc_and_not_in_the_future(full):
    run, _ = full
    bookmarks = run.last_state()["bookmarks"]
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for stream in (*INCREMENTAL_SEARCH, *SEARCH_THEN_GET):
        value = bookmarks[stream]["replication_key_value"]
        assert CANONICAL_UTC.match(value), (stream, value)
        assert value <= now
        assert "progress_markers" not in bookmarks[stream]


def test_full_sync_costs_about_the_floor(sandbox, full):
    """Each search→GET stream: ceil(N/500) searches and ceil(N/200) GETs, plus 1 search.

    (product-search also serves the one id sweep shared by product_prices and
    product_availability.)
    """
    _, used = full
    n_products = len(sandbox.primary_keys("products"))
    shared = {"products": math.ceil(n_products / 500)}
    # the first run's id-only delete sweeps, 500 ids a search (one more past a wrong count)
    swept = {
        s: math.ceil(len(sandbox.primary_keys(s)) / 500) + 1
        for s in ("goods_out_notes", "goods_in_batches", "customer_payments", "supplier_payments")
    }
    for stream, (search, get) in SEARCH_THEN_GET.items():
        n = len(sandbox.primary_keys(stream))
        floor = math.ceil(n / 500) + math.ceil(n / 200)
        made = used.get(search, 0) + used.get(get, 0) - shared.get(stream, 0)
        assert made <= floor + 2 + swept.get(stream, 0), (stream, made, floor)
    for stream, search in INCREMENTAL_SEARCH.items():
        n = len(sandbox.primary_keys(stream))
        assert used[search] <= math.ceil(n / 499) + 1 + swept.get(stream, 0), (stream, used[search])
    assert used["postal-address"] <= math.ceil(
        len(sandbox.primary_keys("postal_addresses")) / 200
    ) + math.ceil(150 / 200)


def test_no_change_incremental_run(sandbox, full, tmp_path):
    """From the final state: one search per incremental search stream, two per search→GET
    stream, and nothing emitted but the lookback overlap."""
    run, _ = full
    state = run.last_state()
    before = sandbox.counters()
    again = run_tap(tmp_path, sandbox.tap_config(), state=state, name="again")
    assert again.returncode == 0, again.stderr[-3000:]
    used = requests_delta(before, sandbox.counters())
    for stream, search in INCREMENTAL_SEARCH.items():
        assert used[search] == 1, (stream, used)
    sweeps = {"product-search": 1}  # the id sweep of product_prices + product_availability
    for stream, (search, _get) in SEARCH_THEN_GET.items():
        assert used[search] - sweeps.get(search, 0) == 2, (stream, used)
    # The default delete sweeps: one OPTIONS request each for orders, products and contacts
    # (the id-only search sweeps wait a day: tests/test_tap_deletes.py).
    assert {k: v for k, v in used.items() if k.startswith("OPTIONS")} == {
        "OPTIONS order": 1,
        "OPTIONS product": 1,
        "OPTIONS contact": 1,
    }, used
    lookback = dt.timedelta(minutes=5)
    for stream in (*INCREMENTAL_SEARCH, *SEARCH_THEN_GET):
        bookmark = dt.datetime.fromisoformat(
            state["bookmarks"][stream]["replication_key_value"].replace("Z", "+00:00")
        )
        overlap = truth_since(sandbox, stream, bookmark - lookback)
        assert set(again.keys(stream)) <= overlap, stream
    print(f"no-change run: {sum(used.values())} requests: {json.dumps(used, sort_keys=True)}")


def truth_since(sandbox, stream, since):
    return norm_keys(sandbox.changed_since(stream, since))


def test_small_pages_lose_nothing(sandbox, tmp_path):
    """page_size 37 / id_batch_size 50: many overlapping pages per search, same records."""
    streams = {
        "orders",
        "order_rows",
        "journal_rows",
        "supplier_payments",
        "contact_group_members",
        "product_availability",
        "goods_out_notes",
    }
    run = run_tap(tmp_path, sandbox.tap_config(page_size=37, id_batch_size=50), streams=streams)
    assert run.returncode == 0, run.stderr[-3000:]
    for stream in streams:
        keys = run.keys(stream)
        assert len(keys) == len(set(keys)), stream
        assert set(keys) == truth(sandbox, stream), stream


def test_children_without_their_parents(sandbox, tmp_path):
    """Only the child streams selected: the parents are read, not emitted; children complete."""
    run = run_tap(tmp_path, sandbox.tap_config(), streams={"order_rows", "postal_addresses"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert set(run.schemas()) == {"order_rows", "postal_addresses"}
    for stream in ("order_rows", "postal_addresses"):
        assert sorted(run.keys(stream)) == sorted(truth(sandbox, stream)), stream


def test_empty_result_ends_after_one_request(sandbox, tmp_path):
    """A start_date after every record: each incremental search is one empty page, no loop."""
    streams = set(INCREMENTAL_SEARCH) | {"orders"}
    before = sandbox.counters()
    run = run_tap(tmp_path, sandbox.tap_config(start_date="2099-01-01T00:00:00Z"), streams=streams)
    assert run.returncode == 0, run.stderr[-3000:]
    used = requests_delta(before, sandbox.counters())
    assert not [m for m in run.messages if m["type"] == "RECORD"]
    assert {INCREMENTAL_SEARCH[s]: 1 for s in INCREMENTAL_SEARCH} | {"order-search": 2} == used


def test_supplier_payments_past_the_stuck_count(make_sandbox, tmp_path):
    """supplier-payment-search says 500 results whatever the truth; every payment arrives."""
    sb = make_sandbox(seed=3)
    n = len(sb.primary_keys("supplier_payments"))
    assert n > 500, "the sandbox should hold more than the stuck count"
    run = run_tap(tmp_path, sb.tap_config(page_size=100), streams={"supplier_payments"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(run.keys("supplier_payments")) == sorted(truth(sb, "supplier_payments"))


def test_windows_checkpoint_a_long_backfill(make_sandbox, tmp_path):
    """A backfill larger than 20 pages goes in date windows with a STATE after each."""
    sb = make_sandbox(seed=4)
    run = run_tap(
        tmp_path,
        sb.tap_config(page_size=10, window_days=60),
        streams={"journal_rows", "orders", "order_rows"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for stream in ("journal_rows", "orders", "order_rows"):
        keys = run.keys(stream)
        assert len(keys) == len(set(keys)), stream
        assert set(keys) == truth(sb, stream), stream
    values = [
        m["value"]["bookmarks"].get("journal_rows", {}).get("replication_key_value")
        for m in run.messages
        if m["type"] == "STATE"
    ]
    checkpoints = sorted({v for v in values if v})
    assert len(checkpoints) > 3, checkpoints
    assert values[-1] == checkpoints[-1]


def undeclared(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Paths in ``value`` that its JSON schema does not declare."""
    out: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is None:
            return out  # a free-form object (custom fields)
        for key, item in value.items():
            if key not in props:
                out.append(f"{path}.{key}")
            else:
                out.extend(undeclared(item, props[key], f"{path}.{key}"))
    elif isinstance(value, list):
        for item in value:
            out.extend(undeclared(item, schema.get("items") or {}, f"{path}[]"))
    return out


def floats(value: Any, path: str = "") -> list[str]:
    """Paths holding a JSON float (parsed as Decimal)."""
    if isinstance(value, Decimal):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in floats(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for v in value for p in floats(v, f"{path}[]")]
    return []


def datetime_paths(schema: dict[str, Any], path: str = "") -> list[str]:
    """Dotted paths of top-level and nested date-time properties (not inside arrays)."""
    out = []
    for key, prop in (schema.get("properties") or {}).items():
        if prop.get("format") == "date-time":
            out.append(f"{path}{key}")
        elif "properties" in prop:
            out.extend(datetime_paths(prop, f"{path}{key}."))
    return out


def dig(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def requests_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """Requests per endpoint between two ``sb.counters()`` snapshots."""
    b, a = before["requests"], after["requests"]
    return {k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0)}
