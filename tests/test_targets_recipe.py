"""README "A flat, typed warehouse": nested money as flat NUMERIC columns in PostgreSQL.

Orders and their rows carry money in nested objects (``totalValue.total``,
``rowValue.rowNet.value``, ``productPrice.value``), which target-postgres 0.8.1 stores as
``jsonb``. The recipe, all tap settings read from README's ```yaml block:
``flattening_enabled: true`` with ``flattening_max_depth: 2`` (the Singer SDK's flattening: one
column per leaf, ``__`` between the parts of its path) and ``decimal_format: x-singer.decimal``
(the format target-postgres maps to ``NUMERIC``). The sandbox synced with them is piped into
target-postgres (column types from ``information_schema``, every amount read back as an exact
decimal) and into target-duckdb (the flat columns as VARCHAR, as README's loader table says).
"""

from __future__ import annotations

import json
import re
import typing as t
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import UNTHROTTLED, Run, run_tap
from target_helpers import (
    TARGET_DUCKDB,
    TARGET_POSTGRES,
    Postgres,
    duckdb_query,
    pg_config,
    quote,
    require,
    run_target,
)
from test_targets_load import postgres  # noqa: F401 - the module-scoped PostgreSQL server

from tap_brightpearl.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent


def recipe() -> dict[str, Any]:
    """The tap settings of README's "A flat, typed warehouse" (its ```yaml block)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n### A flat, typed warehouse\n", 1)[1].split("\n### ", 1)[0]
    settings = yaml.safe_load(re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)[0])
    assert settings == {
        "decimal_format": "x-singer.decimal",
        "flattening_enabled": True,
        "flattening_max_depth": 2,
    }
    return t.cast("dict[str, Any]", settings)


MONEY = {
    "orders": (
        "totalValue__total",
        "totalValue__net",
        "totalValue__taxAmount",
        "totalValue__baseTotal",
    ),
    "order_rows": (
        "rowValue__rowNet__value",
        "rowValue__rowTax__value",
        "productPrice__value",
        "itemCost__value",
        "quantity__magnitude",
    ),
}
SCHEMA = "flat"


def decimal_columns(run: Any, stream: str) -> list[str]:
    """The columns the tap declared as ``x-singer.decimal`` in its (flattened) SCHEMA."""
    schema = next(
        m["schema"] for m in run.messages if m.get("type") == "SCHEMA" and m["stream"] == stream
    )
    return [k for k, v in schema["properties"].items() if v.get("format") == "x-singer.decimal"]


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    """Orders and their rows synced with the recipe's settings, stdout kept as a file."""
    tmp = tmp_path_factory.mktemp("recipe")
    sb = Sandbox(
        seed=7, sizes={"orders": 300, "products": 60, "contacts": 60}, **UNTHROTTLED
    ).start()
    try:
        run = run_tap(tmp, sb.tap_config(**recipe()), streams={"orders", "order_rows"})
    finally:
        sb.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    singer = tmp / "flat.singer"
    singer.write_text(run.stdout, encoding="utf-8")
    return run, singer


def test_the_recipe_lands_nested_money_as_exact_numeric_columns(
    flat: tuple[Run, Path],
    postgres: Postgres,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    require(TARGET_POSTGRES)
    run, singer = flat
    load = run_target(TARGET_POSTGRES, pg_config(postgres, SCHEMA), singer, tmp_path)
    assert load.returncode == 0, load.describe()
    columns = postgres.columns(SCHEMA)
    for stream, money in MONEY.items():
        types = columns[stream]
        assert {c: types.get(c) for c in money} == dict.fromkeys(money, "numeric"), stream
        # nothing nested is left as jsonb: arrays and free-form objects arrive as JSON text
        assert [c for c, kind in types.items() if kind == "jsonb"] == [], stream
        assert not {"totalValue", "rowValue", "productPrice"} & set(types)
    assert columns["orders"]["invoices"] == "text"
    assert json.loads(
        postgres.psql(f"select invoices from {SCHEMA}.orders where invoices <> '[]' limit 1")[0]
    )
    for stream, keys in (("orders", ("id",)), ("order_rows", ("orderId", "id"))):
        decimals = decimal_columns(run, stream)
        assert set(MONEY[stream]) <= set(decimals)
        assert all(columns[stream][c] == "numeric" for c in decimals), stream
        select = ", ".join(quote(c) for c in (*keys, *decimals))
        landed = {}
        for line in postgres.psql(
            f"select json_build_array({select}) from {SCHEMA}.{quote(stream)}"
        ):
            values = json.loads(line, parse_float=Decimal)
            landed[tuple(values[: len(keys)])] = [
                None if v is None else Decimal(v) for v in values[len(keys) :]
            ]
        sent = {
            tuple(r[k] for k in keys): [
                None if r.get(c) is None else Decimal(r[c]) for c in decimals
            ]
            for r in run.records(stream)
        }
        assert landed == sent, stream  # every value, every digit
        cents = [v for row in sent.values() for v in row if v is not None]
        assert any(v != v.to_integral_value() for v in cents), f"{stream}: no decimals"


def test_target_duckdb_gets_the_flat_columns_as_varchar(
    flat: tuple[Run, Path], tmp_path: Path
) -> None:
    """README's loader table: target-duckdb 0.8 types every string VARCHAR, x-singer.decimal
    included, so the flat money columns hold the exact strings (cast them in SQL)."""
    require(TARGET_DUCKDB)
    run, singer = flat
    db = tmp_path / "warehouse.duckdb"
    load = run_target(
        TARGET_DUCKDB, {"path": str(db), "default_target_schema": SCHEMA}, singer, tmp_path
    )
    assert load.returncode == 0, load.describe()
    types = dict(
        duckdb_query(
            db,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'orders'",
        )
    )
    assert types["totalvalue__total"] == "VARCHAR"
    assert "totalvalue" not in types
    landed = dict(duckdb_query(db, f'SELECT id, "totalValue__total" FROM {SCHEMA}.orders'))
    assert landed == {r["id"]: r["totalValue__total"] for r in run.records("orders")}
