"""Custom fields in PostgreSQL (target-postgres 0.8.1), both ways the README shows.

Two runs, as Meltano makes them: the catalog is discovered once (with ``custom_field_columns``)
and reused; between the runs two sale custom fields are defined in the sandbox (PCF_CAMPAIGN, a
SELECT, and PCF_DISPATCH, a DATE) and set on some orders. Checked: the value rows land in
NUMERIC, BOOLEAN and DATE columns; the flattened ``customFields`` give one typed column per
field; the fields defined between the runs are new columns and no column changes type; the
README's two "orders with their channel and promised date" queries give the same rows.
Decimals travel as ``x-singer.decimal``, which target-postgres makes NUMERIC.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import run_tap
from test_targets_load import (  # noqa: F401 - postgres is a fixture
    TARGET_POSTGRES,
    Postgres,
    pg_config,
    postgres,
    require,
    run_target,
)

from tap_brightpearl.sandbox import Sandbox, shapes

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "tap_brightpearl"  # the README's queries name it
STREAMS = {"orders", "order_custom_field_values"}
# x-singer.decimal: NUMERIC in target-postgres (README "Money in SQL targets")
FLAT = {
    "custom_field_columns": True,
    "flattening_enabled": True,
    "flattening_max_depth": 2,
    "decimal_format": "x-singer.decimal",
}
CAMPAIGNS = {501: "Spring sale", 502: "Black Friday"}


def discover(sb: Sandbox, tmp: Path) -> dict[str, Any]:
    run = run_tap(tmp, sb.tap_config(**FLAT), args=("--discover",), name="discover")
    assert run.returncode == 0, run.stderr[-2000:]
    catalog = json.loads(run.stdout)
    for entry in catalog["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
    return catalog


def define_between_runs(sb: Sandbox) -> list[int]:
    """Define PCF_CAMPAIGN and PCF_DISPATCH and set them on every third sale order."""
    store = sb.store
    with store.lock:
        defs = store.ref["order-service/sale/custom-field-meta-data"]
        defs.append(
            {
                "id": 90,
                "code": "PCF_CAMPAIGN",
                "name": "Campaign",
                "customFieldType": "SELECT",
                "required": False,
                "options": {str(k): {"id": k, "value": v} for k, v in CAMPAIGNS.items()},
            }
        )
        defs.append(
            {
                "id": 91,
                "code": "PCF_DISPATCH",
                "name": "Dispatch by",
                "customFieldType": "DATE",
                "required": False,
            }
        )
        now = int(time.time() * 1000)
        changed = []
        for o in list(store.orders.values())[::3]:
            if o["type"] in (2, 4):
                continue
            option = 501 + o["id"] % 2
            o["cf"]["PCF_CAMPAIGN"] = {"id": option, "value": CAMPAIGNS[option]}
            o["cf"]["PCF_DISPATCH"] = shapes.cf_value("PCF_DISPATCH", "DATE", o["id"] * 3 + 1, 0)
            o["updated"] = now
            store.tables["order-service/order-search"].put(shapes.order_row(o))
            store.touch("orders", o["id"])
            changed.append(o["id"])
    return changed


def readme_queries() -> list[str]:
    """The ```sql blocks of the README's Custom fields section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Custom fields", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture(scope="module")
def loaded(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """Both runs loaded; the columns after each and the orders changed between them."""
    require(TARGET_POSTGRES)
    tmp = tmp_path_factory.mktemp("cfpg")
    sb = Sandbox(
        seed=13,
        sizes={"orders": 90, "products": 10, "contacts": 30},
        throttle_limit=1_000_000,
        drift_fields=False,
    ).start()
    try:
        catalog = discover(sb, tmp)
        first = run_tap(tmp, sb.tap_config(**FLAT), catalog=catalog, name="first")
        assert first.returncode == 0, first.describe()
        load(postgres, first.stdout, tmp / "first")
        before = postgres.columns(SCHEMA)
        changed = define_between_runs(sb)
        second = run_tap(
            tmp, sb.tap_config(**FLAT), catalog=catalog, state=first.last_state(), name="second"
        )
        assert second.returncode == 0, second.describe()
        load(postgres, second.stdout, tmp / "second")
    finally:
        sb.stop()
    return before, postgres.columns(SCHEMA), changed, second


def load(pg: Postgres, singer: str, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    path = work / "tap.singer"
    path.write_text(singer, encoding="utf-8")
    run = run_target(TARGET_POSTGRES, pg_config(pg, SCHEMA), path, work, env={"PGTZ": "UTC"})
    assert run.returncode == 0, run.describe()


@pytest.mark.slow
def test_value_rows_land_in_typed_columns(loaded, postgres: Postgres):  # noqa: F811
    _, after, _, _ = loaded
    cols = after["order_custom_field_values"]
    assert cols["valueNumber"] == "numeric"
    assert cols["valueBoolean"] == "boolean"
    assert cols["valueDate"] == "date"
    assert cols["valueOptionId"] in {"bigint", "integer"}
    rows = postgres.psql(
        f'select "customFieldType", count(*) filter (where "valueNumber" is not null), '
        f'count(*) filter (where "valueBoolean" is not null), '
        f'count(*) filter (where "valueDate" is not null), '
        f'count(*) filter (where "valueOptionId" is not null) '
        f"from {SCHEMA}.order_custom_field_values group by 1 order by 1"
    )
    counts = {r.split("|")[0]: r.split("|")[1:] for r in rows}
    assert int(counts["INTEGER"][0]) > 0
    assert int(counts["YES_NO"][1]) > 0
    assert int(counts["DATE"][2]) > 0
    assert int(counts["SELECT"][3]) > 0


@pytest.mark.slow
def test_flattened_custom_fields_are_typed_columns(loaded):
    before, _, _, _ = loaded
    cols = before["orders"]
    assert cols["customFields__PCF_SCORE"] == "numeric"
    assert cols["customFields__PCF_DELIVERY"] == "date"
    assert cols["customFields__PCF_GIFTWRAP"] == "boolean"
    assert cols["customFields__PCF_PRIORITY__id"] in {"bigint", "integer"}
    assert cols["customFields__PCF_ETA"] == "date"  # purchase definitions too


@pytest.mark.slow
def test_a_field_defined_between_runs_is_a_new_column(loaded):
    before, after, changed, second = loaded
    assert changed
    assert "customFields__PCF_DISPATCH" not in before["orders"]
    assert after["orders"]["customFields__PCF_DISPATCH"] == "date"
    assert after["orders"]["customFields__PCF_CAMPAIGN__value"] in {"text", "character varying"}
    for table, cols in before.items():  # nothing changed type
        assert {c: after[table][c] for c in cols} == cols, table
    assert not [line for line in second.stderr_lines() if "PCF_DISPATCH" in line], (
        "a defined field is declared, not drift"
    )


@pytest.mark.slow
def test_the_readme_queries_agree(loaded, postgres: Postgres):  # noqa: F811
    pivot, flat = readme_queries()
    by_values = postgres.psql(pivot)
    by_columns = postgres.psql(flat)
    assert by_values == by_columns
    with_both = [r for r in by_values if r.split("|")[1] and r.split("|")[2]]
    assert with_both  # the sandbox's sale orders carry PCF_CHANNEL and PCF_PROMISED
    assert all(r.split("|")[1] in shapes.SELECT_VALUES["PCF_CHANNEL"] for r in with_both)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.split("|")[2]) for r in with_both)
