"""A type surprise never stops a SQL load, and nothing is lost: two runs into real targets.

The sandbox serves, over HTTP, values of another type where a field has a declared or an
earlier-added type (knob ``surprises``): a string in the integer ``version`` of the FIRST order
and of one mid-stream, a string in the integer ``productId`` of one order's rows (the child
stream ``order_rows``), and, in the second run only, an object in the first warehouse's
``dockDoors``, a field the first run added as text. The state keeps that type: without it the
second run would declare the field JSON, and target-duckdb would move the first run's values to
a renamed column (``dockdoors_<date>_<time>``) while target-postgres would store the object in
the TEXT column, not in ``_unfit_values``. (A declared integer that turned text would stop
target-postgres: "Altering columns is not supported", ``tests/test_targets_load.py``.)

The second run starts from the first's last STATE. Both outputs are piped, in order, into
MeltanoLabs target-postgres 0.8.1 (the embedded PostgreSQL), target-duckdb 0.8.0 and
target-jsonl 0.1.4: every load succeeds, every table holds every record, no column changes type,
and each surprising value comes back with one SQL expression on ``_unfit_values``.
"""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import UNTHROTTLED, run_tap
from target_helpers import (
    TARGET_DUCKDB,
    TARGET_JSONL,
    TARGET_POSTGRES,
    Postgres,
    duckdb_query,
    load,
    pg_config,
    require,
)
from test_targets_load import postgres

from tap_brightpearl.sandbox import Sandbox
from tap_brightpearl.sandbox.drift import Surprise

__all__ = ["postgres"]  # the module-scoped PostgreSQL server fixture, shared

STREAMS = {"orders", "order_rows", "warehouses", "brands"}
KEYS = {"orders": "id", "order_rows": "id", "warehouses": "id", "brands": "brandId"}
SCHEMA = "surprise"
WAREHOUSE_DOORS = {"north": 2, "south": 1}


def loaded_rows(singer: str) -> dict[str, set[Any]]:
    """Per stream, the primary keys of the RECORD messages of a Singer text."""
    out: dict[str, set[Any]] = {}
    for line in singer.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD" and message["stream"] in KEYS:
            out.setdefault(message["stream"], set()).add(message["record"][KEYS[message["stream"]]])
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two tap runs against one sandbox, the second from the first's state."""
    tmp = tmp_path_factory.mktemp("surprise")
    sb = Sandbox(seed=5, sizes={"orders": 90, "products": 30, "contacts": 30}, **UNTHROTTLED)
    sb.start()
    try:
        ids = sorted(k[0] for k in sb.primary_keys("orders"))
        first, middle, rows_of = ids[0], ids[len(ids) // 2], ids[len(ids) // 3]
        warehouse = min(k[0] for k in sb.primary_keys("warehouses"))
        sb.configure(
            surprises=[
                Surprise("order", "id", (first, middle), "version", "v7"),
                Surprise("order", "id", (rows_of,), "orderRows.*.productId", "SKU-9"),
            ]
        )
        one = run_tap(tmp, sb.tap_config(), streams=STREAMS, name="first")
        assert one.returncode == 0, one.describe()
        sb.configure(
            surprises=[Surprise("warehouse", "id", (warehouse,), "dockDoors", WAREHOUSE_DOORS)]
        )
        two = run_tap(tmp, sb.tap_config(), streams=STREAMS, state=one.last_state(), name="second")
        assert two.returncode == 0, two.describe()
    finally:
        sb.stop()
    return {
        "runs": [one, two],
        "first": first,
        "middle": middle,
        "rows_of": rows_of,
        "warehouse": warehouse,
    }


def test_the_tap_keeps_surprises_aside_and_never_retypes(runs):
    one, two = runs["runs"]
    orders = one.records("orders")
    assert orders[0]["id"] == runs["first"], "the surprise is in the FIRST record"
    aside = {r["id"]: r["_unfit_values"] for r in orders if "_unfit_values" in r}
    assert aside == {runs["first"]: {"version": "v7"}, runs["middle"]: {"version": "v7"}}
    assert all(r["version"] is None for r in orders if r["id"] in aside)
    rows = [r for r in one.records("order_rows") if r["orderId"] == runs["rows_of"]]
    assert rows
    assert all(
        r["productId"] is None and r["_unfit_values"] == {"productId": "SKU-9"} for r in rows
    )
    (door,) = [r for r in two.records("warehouses") if "_unfit_values" in r]
    assert door["id"] == runs["warehouse"]
    assert door["_unfit_values"] == {"dockDoors": WAREHOUSE_DOORS}
    assert door["dockDoors"] is None
    for run in (one, two):
        for stream, schemas in run.schemas().items():
            for before, after in zip(schemas, schemas[1:], strict=False):
                changed = {
                    k
                    for k in before["properties"]
                    if before["properties"][k] != after["properties"].get(k)
                }
                assert not changed, (stream, changed)
    (last, *_) = two.schemas()["warehouses"][::-1]
    assert last["properties"]["dockDoors"] == {"type": ["string", "null"]}


def test_the_first_run_warns_once_per_field_and_the_second_says_it_at_info(runs):
    one, two = runs["runs"]
    warned = [line.split("| ")[-1] for line in one.stderr_lines() if "| WARNING " in line]
    assert (
        "orders: field 'version' is declared integer but got 'v7': the value is kept in "
        "_unfit_values['version'] and the field is null in that record (the column keeps "
        "its type)"
    ) in warned
    assert sum("field 'version'" in w for w in warned) == 1
    assert sum("order_rows: field 'productId'" in w for w in warned) == 1
    for new in (
        "orders: field 'loyaltyPoints'",
        "warehouses: field 'dockDoors'",
        "brands: field 'brandCode'",
    ):
        assert sum(w.startswith(new) and "is not in the schema" in w for w in warned) == 1, new
    print("\n".join(warned))
    again = two.stderr_lines()
    assert not [
        line
        for line in again
        if "| WARNING " in line and ("'dockDoors' is not in" in line or "'brandCode'" in line)
    ]
    for new in (
        "warehouses: field 'dockDoors' is not in the schema: added as string",
        "brands: field 'brandCode' is not in the schema: added as string",
    ):
        assert [
            line
            for line in again
            if "| INFO " in line and new in line and line.endswith("(reported in an earlier run)")
        ], new
    # a surprise in a field reported before as new is a new kind of report: a WARNING
    assert [
        line
        for line in again
        if "| WARNING " in line
        and "warehouses: field 'dockDoors' is declared string but got" in line
    ]
    bookmark = two.last_state()["bookmarks"]["warehouses"]["schema_drift"]
    assert bookmark == {"added": {"dockDoors": "string"}, "unfit": {"dockDoors": "string"}}


def test_meltano_state_merge_keeps_what_was_reported(runs, tmp_path):
    """Meltano merges an interrupted run's state onto the last complete one (its ``merge``)."""
    meltano = Path(os.environ.get("MELTANO_VENV", ".venv-meltano"))
    python = meltano / "bin" / "python"
    require(python)
    one, two = runs["runs"]
    partial = {"bookmarks": {"warehouses": two.last_state()["bookmarks"]["warehouses"]}}
    script = (
        "import json, sys; from meltano.core.utils import merge; "
        "print(json.dumps(merge(json.loads(sys.argv[1]), json.loads(sys.argv[2]))))"
    )
    out = subprocess.run(
        [str(python), "-c", script, json.dumps(partial), json.dumps(one.last_state())],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    merged = json.loads(out.stdout)["bookmarks"]
    assert merged["orders"]["schema_drift"] == {
        "unfit": {"version": "integer"},
        "added": {"loyaltyPoints": "string"},
    }
    assert merged["warehouses"]["schema_drift"]["unfit"] == {"dockDoors": "string"}


def _all_rows(runs: dict[str, Any]) -> dict[str, set[Any]]:
    keys: dict[str, set[Any]] = {}
    for run in runs["runs"]:
        for stream, found in loaded_rows(run.stdout).items():
            keys.setdefault(stream, set()).update(found)
    return keys


@pytest.mark.slow
def test_both_runs_load_into_postgres_and_one_expression_recovers_each_value(
    runs, postgres: Postgres, tmp_path: Path
):
    require(TARGET_POSTGRES)
    for i, run in enumerate(runs["runs"]):
        load(TARGET_POSTGRES, pg_config(postgres, SCHEMA), run.stdout, tmp_path / f"pg{i}")
    for stream, keys in _all_rows(runs).items():
        (count,) = postgres.psql(
            f'select count(distinct "{KEYS[stream]}"), count(*) from {SCHEMA}.{stream}'
        )
        assert count == f"{len(keys)}|{len(keys)}", stream
    columns = postgres.columns(SCHEMA)
    assert columns["orders"]["version"] == "bigint"
    assert columns["orders"]["_unfit_values"] == "jsonb"
    assert columns["warehouses"]["dockDoors"] == "text"
    # target-postgres stores a record without the field as JSON null: ask for the key
    assert set(
        postgres.psql(
            f"select id, _unfit_values->>'version' from {SCHEMA}.orders "
            "where _unfit_values->>'version' is not null"
        )
    ) == {f"{runs['first']}|v7", f"{runs['middle']}|v7"}
    assert set(
        postgres.psql(
            f"select distinct _unfit_values->>'productId' from "
            f'{SCHEMA}.order_rows where "orderId" = {runs["rows_of"]}'
        )
    ) == {"SKU-9"}
    (doors,) = postgres.psql(
        f"select _unfit_values->>'dockDoors' from {SCHEMA}.warehouses "
        f"where id = {runs['warehouse']}"
    )
    assert json.loads(doors) == WAREHOUSE_DOORS


def test_both_runs_load_into_duckdb(runs, tmp_path: Path):
    require(TARGET_DUCKDB)
    db = tmp_path / "warehouse.duckdb"
    for i, run in enumerate(runs["runs"]):
        load(
            TARGET_DUCKDB,
            {"path": str(db), "default_target_schema": SCHEMA},
            run.stdout,
            tmp_path / f"duck{i}",
        )
    for stream, keys in _all_rows(runs).items():
        key = KEYS[stream].lower()
        got = duckdb_query(db, f"SELECT count(DISTINCT {key}), count(*) FROM {SCHEMA}.{stream}")
        assert got == [[len(keys), len(keys)]], stream
    columns = dict(
        map(
            tuple,
            duckdb_query(
                db,
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = '{SCHEMA}' AND table_name = 'warehouses'",
            ),
        )
    )
    # a changed type would have moved the first run's values to dockdoors_<date>_<time>
    assert [c for c in columns if c.startswith("dockdoors")] == ["dockdoors"]
    assert (columns["dockdoors"], columns["_unfit_values"]) == ("VARCHAR", "JSON")
    got = duckdb_query(
        db,
        f"SELECT id, _unfit_values->>'version' FROM {SCHEMA}.orders "
        "WHERE _unfit_values IS NOT NULL",
    )
    assert sorted(map(tuple, got)) == [(runs["first"], "v7"), (runs["middle"], "v7")]
    (doors,) = duckdb_query(
        db,
        f"SELECT _unfit_values->>'dockDoors' FROM {SCHEMA}.warehouses "
        f"WHERE id = {runs['warehouse']}",
    )
    assert json.loads(doors[0]) == WAREHOUSE_DOORS


def test_both_runs_land_in_jsonl(runs, tmp_path: Path):
    require(TARGET_JSONL)
    for i, run in enumerate(runs["runs"]):
        out = tmp_path / f"jsonl{i}"
        out.mkdir()
        load(
            TARGET_JSONL,
            {"destination_path": str(out), "do_timestamp_file": False},
            run.stdout,
            tmp_path / f"jsonl-work{i}",
        )
        for stream in STREAMS:
            records = run.records(stream)
            path = out / f"{stream}.jsonl"
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            assert [json.loads(line, parse_float=Decimal) for line in lines] == records
    aside = [
        json.loads(line) for line in (tmp_path / "jsonl0" / "orders.jsonl").read_text().splitlines()
    ]
    assert {r["id"]: r["_unfit_values"]["version"] for r in aside if "_unfit_values" in r} == {
        runs["first"]: "v7",
        runs["middle"]: "v7",
    }


def test_a_key_of_another_type_skips_its_stream_with_one_line(make_sandbox, tmp_path):
    sb = make_sandbox(sizes={"orders": 30, "products": 10, "contacts": 10}, **UNTHROTTLED)
    order = min(k[0] for k in sb.primary_keys("orders"))
    sb.configure(surprises=[Surprise("order", "id", (order,), "id", f"SO-{order}")])
    run = run_tap(tmp_path, sb.tap_config(), streams={"orders", "warehouses"})
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.records("warehouses"), "the other streams go on"
    errors = [line.split("| ")[-1] for line in run.stderr_lines() if "| ERROR " in line]
    assert (
        f"Stream 'orders' skipped (with its child streams order_rows, order_custom_field_values): orders: field 'id' "
        f"is declared integer, not null, and got 'SO-{order}': a record cannot be loaded "
        "without it"
    ) in errors[0], errors
