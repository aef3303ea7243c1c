"""deleted_records lands in DuckDB, PostgreSQL and JSONL, and README's SQL applies it.

Two runs of the tap against the sandbox (the second from the first's last STATE, two records
of every swept stream deleted in between) are piped, as ``meltano run`` pipes them, into
target-duckdb 0.8.0 (duckdb 1.1.3, as meltano.yml pins them), MeltanoLabs target-postgres 0.8.1
and target-jsonl 0.1.4. Then the ```sql blocks of README's "Deleted records" section run as
written on the DuckDB file and the PostgreSQL database: the marking query finds the deleted
orders, and after the DELETE statements every table (the swept streams and their child rows:
order rows, postal addresses, product prices and availability) holds exactly the sandbox's
records, so no orphaned child row is left and nothing else was removed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers import CONTRACT_KEYS, SWEPT, UNTHROTTLED, run_tap
from target_helpers import (
    ROOT,
    TARGET_DUCKDB,
    TARGET_JSONL,
    TARGET_POSTGRES,
    Postgres,
    duckdb_query,
    load,
    quote,
    require,
)
from test_targets_load import postgres  # noqa: F401 - the module-scoped PostgreSQL server

from tap_brightpearl.sandbox import Sandbox

CHILDREN = ("order_rows", "postal_addresses", "product_prices", "product_availability")
TABLES = (*SWEPT, *CHILDREN)
STREAMS = {*TABLES, "deleted_records"}
SCHEMA = "tap_brightpearl"  # README's statements name this schema (the demo's)


def readme_sql() -> list[str]:
    """The ```sql blocks of README's "Deleted records" section for the default names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Deleted records\n", 1)[1].split("\n## ", 1)[0]
    blocks = [
        block
        for block in re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
        if block.startswith("-- column_names: original\n")
    ]
    assert len(blocks) == 2, "README's Deleted records section: the DELETE and the marking query"
    return blocks


def keys_sql(table: str) -> str:
    columns = ", ".join(quote(k) for k in CONTRACT_KEYS[table])
    return f"SELECT {columns} FROM {SCHEMA}.{table}"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two syncs with two records of each swept stream deleted in between, and the truth."""
    tmp = tmp_path_factory.mktemp("deletes-load")
    sb = Sandbox(
        seed=12, sizes={"orders": 300, "products": 120, "contacts": 150}, **UNTHROTTLED
    ).start()
    try:
        first = run_tap(tmp, sb.tap_config(), streams=STREAMS, name="first")
        assert first.returncode == 0, first.stderr[-2000:]
        gone = {(s, i) for s in SWEPT for i in sb.delete(s, count=2)}
        # the search sweeps ran minutes ago: delete_sweep_hours 0 sweeps them again now
        second = run_tap(
            tmp,
            sb.tap_config(delete_sweep_hours=0),
            streams=STREAMS,
            state=first.last_state(),
            name="second",
        )
        assert second.returncode == 0, second.stderr[-2000:]
        assert {(r["stream"], r["id"]) for r in second.records("deleted_records")} == gone
        truth = {t: {tuple(k) for k in sb.primary_keys(t)} for t in TABLES}
        before = {
            t: {tuple(r[k] for k in CONTRACT_KEYS[t]) for r in first.records(t)} for t in TABLES
        }
    finally:
        sb.stop()
    # the deletions left rows behind in every table, children included: the SQL has work
    assert all(before[t] > truth[t] for t in TABLES), [
        t for t in TABLES if not before[t] > truth[t]
    ]
    return {"outputs": [first.stdout, second.stdout], "gone": gone, "truth": truth}


def check_applied(query: Any, runs: dict[str, Any]) -> None:
    """README's marking query, then its DELETEs; every table then equals the sandbox's."""
    apply_sql, mark_sql = readme_sql()
    gone, truth = runs["gone"], runs["truth"]
    rows = {(s, i) for s, i, *_ in query(f"SELECT stream, id FROM {SCHEMA}.deleted_records")}
    assert rows == gone
    marked = {row[0] for row in query(mark_sql) if row[2] is not None}
    assert marked == {i for s, i in gone if s == "orders"}
    query(apply_sql)
    left = {t: {tuple(row) for row in query(keys_sql(t))} for t in TABLES}
    wrong = {
        t: (sorted(left[t] - truth[t])[:3], sorted(truth[t] - left[t])[:3])
        for t in TABLES
        if left[t] != truth[t]
    }
    assert not wrong, f"table: (rows left that the sandbox lacks, rows removed wrongly) {wrong}"


def test_readme_sql_applies_deleted_records_in_duckdb(two_runs, tmp_path):
    require(TARGET_DUCKDB)
    db = tmp_path / "warehouse.duckdb"
    for i, singer in enumerate(two_runs["outputs"]):
        load(
            TARGET_DUCKDB,
            {"path": str(db), "default_target_schema": SCHEMA},
            singer,
            tmp_path / f"duck{i}",
        )
    check_applied(lambda sql: duckdb_query(db, sql), two_runs)


def test_readme_sql_applies_deleted_records_in_postgres(
    two_runs,
    postgres: Postgres,  # noqa: F811
    tmp_path,
):
    require(TARGET_POSTGRES)
    config = {"sqlalchemy_url": postgres.url(), "default_target_schema": SCHEMA}
    for i, singer in enumerate(two_runs["outputs"]):
        load(TARGET_POSTGRES, config, singer, tmp_path / f"pg{i}")

    def query(sql: str) -> list[list[Any]]:
        """Statements as written; a SELECT's rows as lists of values, in column order."""
        body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
        body = body.strip().rstrip(";")
        if not body.upper().startswith("SELECT"):
            postgres.psql(sql)
            return []
        lines = postgres.psql(f"SELECT row_to_json(q) FROM ({body}) AS q")
        return [list(json.loads(line).values()) for line in lines]

    check_applied(query, two_runs)


def test_deleted_records_land_in_jsonl(two_runs, tmp_path):
    require(TARGET_JSONL)
    out = tmp_path / "jsonl"
    out.mkdir()
    load(
        TARGET_JSONL,
        {"destination_path": str(out), "do_timestamp_file": False},
        two_runs["outputs"][1],
        tmp_path / "jsonl-work",
    )
    lines = (out / "deleted_records.jsonl").read_text(encoding="utf-8").splitlines()
    assert {(r["stream"], r["id"]) for r in map(json.loads, lines)} == two_runs["gone"]
