"""The demo's helper scripts: the count check that guards against lossy loads, and the wait."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from shell_helpers import ROOT, load_script

if TYPE_CHECKING:
    from pathlib import Path


def singer_file(tmp_path: Path, messages: list[dict[str, Any]]) -> Path:
    path = tmp_path / "tap.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def schema(stream: str, keys: list[str], *props: str) -> dict[str, Any]:
    properties = {p: {"type": ["integer", "null"]} for p in (*keys, *props)}
    return {
        "type": "SCHEMA",
        "stream": stream,
        "key_properties": keys,
        "schema": {"properties": properties},
    }


def record(stream: str, **values: Any) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": values}


TWO_ORDERS = [
    schema("orders", ["id"], "total"),
    record("orders", id=1, total=3),
    record("orders", id=2, total=4),
]


def test_counts_agree_when_every_record_landed(tmp_path: Path) -> None:
    counts = load_script("demo_counts")
    path = singer_file(
        tmp_path,
        [
            *TWO_ORDERS,
            {"type": "STATE", "value": {}},
            schema("order_rows", ["orderId", "id"], "qty"),
            record("order_rows", orderId=1, id=1, qty=1),
            record("order_rows", orderId=2, id=1, qty=1),
            schema("brands", ["brandId"], "name"),
        ],
    )
    emitted = counts.read_emitted(path)
    lines, problems = counts.report(emitted, {"orders": 2, "order_rows": 2}, allow_empty=True)
    assert problems == []
    assert any(line.split()[:4] == ["orders", "2", "2", "2"] for line in lines)
    assert any("brands" in line and "(no records)" in line for line in lines)
    assert lines[-1] == "3 streams, 4 records, 1 streams without records"


def test_counts_name_a_stream_without_records(tmp_path: Path) -> None:
    """The sandbox seeds every stream: an empty one means the tap or the sandbox broke."""
    counts = load_script("demo_counts")
    path = singer_file(tmp_path, [schema("brands", ["brandId"], "name")])
    _, problems = counts.report(counts.read_emitted(path), {})
    assert problems == ["brands"]


def test_counts_name_a_stream_that_lost_rows_in_the_loader(tmp_path: Path) -> None:
    """DuckDB 2.x with target-duckdb 0.8.0 drops a batch's first row: this is how it shows."""
    counts = load_script("demo_counts")
    path = singer_file(tmp_path, TWO_ORDERS)
    _, problems = counts.report(counts.read_emitted(path), {"orders": 1})
    assert problems == ["orders"]


def test_counts_name_a_stream_with_duplicate_keys(tmp_path: Path) -> None:
    counts = load_script("demo_counts")
    path = singer_file(
        tmp_path,
        [
            schema("order_rows", ["orderId", "id"], "qty"),
            record("order_rows", orderId=1, id=1, qty=1),
            record("order_rows", orderId=1, id=1, qty=2),
        ],
    )
    lines, problems = counts.report(counts.read_emitted(path), {"order_rows": 1})
    assert problems == ["order_rows"]
    assert "duplicate primary keys" in "\n".join(lines)


def test_wait_http_sees_a_server_answer_and_a_closed_port(sandbox: Any) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    script = str(ROOT / "scripts" / "wait_http.py")
    up = subprocess.run(
        [sys.executable, script, "--port", str(port), "--timeout", "5"], check=False
    )
    assert up.returncode == 0
    with socket.socket() as probe:  # a port that was free a moment ago, now closed again
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    down = subprocess.run(
        [sys.executable, script, "--port", str(free), "--timeout", "0"],
        check=False,
        capture_output=True,
    )
    assert down.returncode == 1


def test_counts_let_deleted_records_be_empty_on_a_first_sweep(tmp_path: Path) -> None:
    """The demo is a full refresh: deleted_records has nothing to compare with, and says so."""
    counts = load_script("demo_counts")
    path = singer_file(
        tmp_path, [*TWO_ORDERS, schema("deleted_records", ["stream", "id"], "detected_at")]
    )
    emitted = counts.read_emitted(path)
    lines, problems = counts.report(
        emitted, {"orders": 2}, may_be_empty={"deleted_records": "a first sweep"}
    )
    assert problems == []
    assert any("deleted_records" in line and "first sweep" in line for line in lines)
    _, strict = counts.report(emitted, {"orders": 2})
    assert strict == ["deleted_records"]
