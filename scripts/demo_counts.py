"""Print the demo's per-stream row counts from DuckDB and check them against the tap's output.

Runs in target-duckdb's own virtualenv (stdlib + duckdb). For every stream the tap described
with a SCHEMA message it compares three numbers: RECORD messages emitted, distinct primary keys
among them, and rows in the DuckDB table (target-duckdb upserts on the key). All three must be
equal: fewer rows means the loader lost some, more records than keys means the tap repeated some.
The sandbox seeds every stream, so a stream without records is a failure too (unless
--allow-empty), except those named by --may-be-empty STREAM=WHY: ``deleted_records`` is empty on
a first sweep, which every run of the demo is (a full refresh has no earlier sweep to compare
with), and ``contact_custom_field_values`` unless the opt-in ``contact_custom_fields`` is on.
Exits 1 on any of these, naming the stream.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Emitted:
    """What the tap emitted for one stream."""

    key_properties: list[str]
    records: int = 0
    keys: set[tuple[object, ...]] = field(default_factory=set)


def read_emitted(path: Path) -> dict[str, Emitted]:
    """Count RECORD messages and distinct primary keys per stream in a Singer message file."""
    streams: dict[str, Emitted] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            message = json.loads(line)
            kind = message.get("type")
            if kind == "SCHEMA":
                keys = list(message.get("key_properties") or [])
                streams.setdefault(message["stream"], Emitted(keys))
                if set(message["schema"].get("properties", {})) <= set(keys):
                    print(f"note: {message['stream']} has only key columns in its schema")
            elif kind == "RECORD":
                stream = streams[message["stream"]]
                stream.records += 1
                record = message["record"]
                stream.keys.add(tuple(json.dumps(record.get(k)) for k in stream.key_properties))
    return streams


def table_rows(db: Path, schema: str) -> dict[str, int]:
    """Rows per table in the target schema."""
    # Only target-duckdb's virtualenv has duckdb; the rest of this module is tested without it.
    import duckdb  # noqa: PLC0415

    with duckdb.connect(str(db), read_only=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        ]
        counts: dict[str, int] = {}
        for name in tables:
            # Identifiers cannot be bound as parameters; these come from the catalog itself.
            query = f'select count(*) from "{schema}"."{name}"'  # noqa: S608
            row = conn.execute(query).fetchone()
            counts[name] = row[0] if row else 0
    return counts


def report(
    emitted: dict[str, Emitted],
    rows: dict[str, int],
    *,
    allow_empty: bool = False,
    may_be_empty: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """The printed table and the names of the streams that fail the check."""
    width = max((len(name) for name in emitted), default=6)
    lines = [f"{'stream':<{width}}  {'emitted':>8}  {'keys':>8}  {'duckdb':>8}"]
    problems = []
    for name in sorted(emitted):
        stream = emitted[name]
        # target-duckdb lower-cases table names and turns '-' into '_'.
        loaded = rows.get(name.lower().replace("-", "_"), 0)
        distinct = len(stream.keys)
        flag = ""
        if stream.records != distinct:
            flag = "  <- the tap emitted duplicate primary keys"
            problems.append(name)
        elif loaded != distinct:
            flag = "  <- DuckDB holds a different number of rows"
            problems.append(name)
        elif not loaded and name in (may_be_empty or {}):
            flag = f"  (none: {(may_be_empty or {})[name]})"
        elif not loaded:
            flag = "  (no records)"
            if not allow_empty:
                flag = "  <- no records"
                problems.append(name)
        lines.append(f"{name:<{width}}  {stream.records:>8}  {distinct:>8}  {loaded:>8}{flag}")
    total = sum(s.records for s in emitted.values())
    empty = sum(1 for s in emitted.values() if not s.records)
    lines.append(f"{len(emitted)} streams, {total} records, {empty} streams without records")
    return lines, problems


def main() -> int:
    """Print the table of counts and return 1 when any stream's numbers disagree."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--emitted", type=Path, required=True, help="the tap's Singer output")
    parser.add_argument("--allow-empty", action="store_true", help="streams may have no records")
    parser.add_argument(
        "--may-be-empty",
        action="append",
        default=[],
        metavar="STREAM=WHY",
        help="a stream that may have no records, and why (repeatable)",
    )
    args = parser.parse_args()

    emitted = read_emitted(args.emitted)
    rows = table_rows(args.db, args.schema)
    why = {name: reason for name, _, reason in (a.partition("=") for a in args.may_be_empty)}
    lines, problems = report(emitted, rows, allow_empty=args.allow_empty, may_be_empty=why)
    print("\n".join(lines))
    if not emitted:
        print("FAILED: the tap emitted no SCHEMA message at all", file=sys.stderr)
        return 1
    if problems:
        print(f"FAILED: check the streams marked <-: {', '.join(problems)}", file=sys.stderr)
        return 1
    print("OK: every stream's row count in DuckDB equals the records the tap emitted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
