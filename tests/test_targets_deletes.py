"""deleted_records lands in DuckDB and JSONL, and README's SQL applies it in DuckDB.

Two runs of the tap against the sandbox (the second from the first's last STATE, two orders and
a contact deleted in between) are piped, as ``meltano run`` pipes them, into target-duckdb 0.8.0
(duckdb 1.1.3, as meltano.yml pins them) and target-jsonl 0.1.4. Then README's DELETE statement
runs on the DuckDB file: the orders and contacts left are exactly the sandbox's.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import UNTHROTTLED, run_tap

from tap_brightpearl.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / os.environ.get("TARGETS_VENV", ".venv-targets")
DUCKDB = TARGETS / "duckdb" / "bin"
JSONL = TARGETS / "jsonl" / "bin" / "target-jsonl"
STREAMS = {"orders", "contacts", "deleted_records"}

# README "Deleted records": the statement a data engineer runs after each load.
APPLY_SQL = """
DELETE FROM brightpearl.orders AS o
USING brightpearl.deleted_records AS d
WHERE d.stream = 'orders' AND d.id = o.id;
DELETE FROM brightpearl.contacts AS c
USING brightpearl.deleted_records AS d
WHERE d.stream = 'contacts' AND d.id = c.contactid;
"""


def require(path: Path) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: `make .venv-targets/.installed` builds it")
        pytest.skip(f"{path} is missing: `make .venv-targets/.installed` builds it")


def load(exe: Path, config: dict[str, Any], singer: str, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{exe.name}-config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    proc = subprocess.run([str(exe), "--config", str(path)], input=singer, text=True,
                          capture_output=True, cwd=work, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


def duckdb_query(db: Path, sql: str) -> Any:
    script = ("import duckdb, json, sys; c = duckdb.connect(sys.argv[1]); "
              "r = None\nfor s in sys.argv[2].split(';'):\n    "
              "r = c.execute(s).fetchall() if s.strip() else r\nprint(json.dumps(r))")
    proc = subprocess.run([str(DUCKDB / "python"), "-c", script, str(db), sql],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], set, Any]:
    tmp = tmp_path_factory.mktemp("deletes-load")
    sb = Sandbox(seed=12, sizes={"orders": 300, "products": 120, "contacts": 150},
                 **UNTHROTTLED).start()
    try:
        first = run_tap(tmp, sb.tap_config(), streams=STREAMS, name="first")
        assert first.returncode == 0, first.stderr[-2000:]
        gone = {("orders", i) for i in sb.delete("orders", count=2)}
        gone |= {("contacts", i) for i in sb.delete("contacts", count=1)}
        second = run_tap(tmp, sb.tap_config(), streams=STREAMS, state=first.last_state(),
                         name="second")
        assert second.returncode == 0, second.stderr[-2000:]
        assert {(r["stream"], r["id"]) for r in second.records("deleted_records")} == gone
        truth = {s: {k[0] for k in sb.primary_keys(s)} for s in ("orders", "contacts")}
    finally:
        sb.stop()
    return [first.stdout, second.stdout], gone, truth


def test_deleted_records_land_in_duckdb_and_readme_sql_applies_them(two_runs, tmp_path):
    require(DUCKDB / "target-duckdb")
    outputs, gone, truth = two_runs
    db = tmp_path / "warehouse.duckdb"
    for i, singer in enumerate(outputs):
        load(DUCKDB / "target-duckdb", {"path": str(db), "default_target_schema": "brightpearl"},
             singer, tmp_path / f"duck{i}")
    rows = duckdb_query(db, "SELECT stream, id, detected_at IS NOT NULL, previous_sweep_at "
                            "IS NOT NULL FROM brightpearl.deleted_records")
    assert {(s, i) for s, i, *_ in rows} == gone
    assert all(a and b for *_, a, b in rows)
    before = duckdb_query(db, "SELECT count(*) FROM brightpearl.orders")[0][0]
    assert before == len(truth["orders"]) + 2  # the warehouse still has the deleted orders
    duckdb_query(db, APPLY_SQL)
    orders = {r[0] for r in duckdb_query(db, "SELECT id FROM brightpearl.orders")}
    contacts = {r[0] for r in duckdb_query(db, "SELECT contactid FROM brightpearl.contacts")}
    assert orders == truth["orders"]
    assert contacts == truth["contacts"]


def test_deleted_records_land_in_jsonl(two_runs, tmp_path):
    require(JSONL)
    outputs, gone, _ = two_runs
    out = tmp_path / "jsonl"
    out.mkdir()
    load(JSONL, {"destination_path": str(out), "do_timestamp_file": False}, outputs[1],
         tmp_path / "jsonl-work")
    lines = (out / "deleted_records.jsonl").read_text(encoding="utf-8").splitlines()
    assert {(r["stream"], r["id"]) for r in map(json.loads, lines)} == gone
