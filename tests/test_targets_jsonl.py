"""A full sandbox sync loaded into ``target-jsonl`` 0.1.4, as a user's pipeline would load it.

The tap's output is the session's full sync (``target_helpers.full_sync``, shared with
test_targets_load.py: seed 7, a fifth of the sandbox's default sizes, every stream selected by
default), piped unchanged into target-jsonl, which validates every record against its stream's
latest SCHEMA (jsonschema Draft 4, formats unchecked). The test validates each landed line
again, with Draft 7 and the formats the tap uses, against the SCHEMA in force when it was
emitted: per stream, the line count, the primary-key set and every line equal to its record.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import pytest
from jsonschema import Draft7Validator, FormatChecker
from target_helpers import TARGET_JSONL, Emitted, full_sync, require, run_target

if TYPE_CHECKING:
    from pathlib import Path

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Emitted:
    """The session's one full sync of the sandbox (target_helpers.FULL_SYNC_SCALE)."""
    return full_sync(tmp_path_factory)


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
    run = run_target(
        TARGET_JSONL,
        {"destination_path": str(out), "do_timestamp_file": False},
        emitted.path,
        tmp_path,
    )
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
            problems.append(
                f"{name}: {len(changed)} lines differ from their record, "
                f"first at line {changed[0] + 1}"
            )
        validators = [Draft7Validator(s, format_checker=checker) for s in stream.schemas]
        invalid = [
            (i, error.message, list(error.absolute_path))
            for i, (line, s) in enumerate(zip(lines, stream.schema_of, strict=False))
            for error in validators[s].iter_errors(line)
        ]
        if invalid:
            i, message, where = invalid[0]
            problems.append(
                f"{name}: {len(invalid)} errors against the SCHEMA in force, "
                f"first at line {i + 1} {where}: {message[:200]}"
            )
    assert not problems, "\n".join(problems)
