"""BATCH messages: the tap's ``batch_config`` run piped into a loader that
reads BATCH files (MeltanoLabs target-postgres 0.8.1 on a real PostgreSQL, the server of
``test_targets_load``).

The loaders that do not (target-duckdb 0.8.0, target-jsonl 0.1.4) are named in README's
"BATCH messages"; this test is the one that accepts them.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from helpers import CONTRACT_KEYS, norm, run_tap, truth
from test_targets_load import (
    TARGET_POSTGRES,
    Postgres,
    pg_config,
    postgres,  # noqa: F401 - the module-scoped PostgreSQL server fixture
    quote,
    require,
    run_target,
)

if TYPE_CHECKING:
    from pathlib import Path

    from helpers import Run

# orders re-emit a widened SCHEMA (the sandbox's drift field) before their BATCH; order_rows is
# a child synced per parent batch (several BATCH messages).
STREAMS = {"orders", "order_rows", "contacts", "brands", "journal_rows", "tax_codes"}


def batch_files(run: Run) -> dict[str, list[dict[str, Any]]]:
    """stream -> the records in the files of its BATCH messages (jsonl, gzip)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for message in run.messages:
        if message["type"] != "BATCH":
            continue
        assert message["encoding"] == {"format": "jsonl", "compression": "gzip"}, message
        for url in message["manifest"]:
            with gzip.open(urlparse(url).path, "rt", encoding="utf-8") as lines:
                out.setdefault(message["stream"], []).extend(json.loads(x) for x in lines)
    return out


def test_batch_run_lands_in_target_postgres(
    postgres: Postgres,  # noqa: F811
    make_sandbox,
    tmp_path: Path,
) -> None:
    require(TARGET_POSTGRES)
    sb = make_sandbox(seed=5, throttle_limit=1_000_000)
    root = tmp_path / "batches"
    root.mkdir()
    batch_config = {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": root.as_uri(), "prefix": "bp-"},
    }
    run = run_tap(tmp_path, sb.tap_config(batch_config=batch_config), streams=STREAMS)
    assert run.returncode == 0, run.stderr[-2000:]
    kinds = Counter(m["type"] for m in run.messages)
    assert kinds["RECORD"] == 0, kinds
    assert kinds["BATCH"] >= len(STREAMS), kinds
    files = batch_files(run)
    assert set(files) == STREAMS
    for stream, records in files.items():
        keys = [tuple(norm(r.get(k)) for k in CONTRACT_KEYS[stream]) for r in records]
        assert len(keys) == len(set(keys)), f"{stream}: duplicates in the batch files"
        assert set(keys) == truth(sb, stream), f"{stream}: batch files not complete"

    singer = tmp_path / "batch.singer"
    singer.write_text(run.stdout, encoding="utf-8")
    load = run_target(TARGET_POSTGRES, pg_config(postgres, "batch"), singer, tmp_path / "pg")
    assert load.returncode == 0, load.describe()
    for stream, records in files.items():
        (count,) = postgres.psql(f"select count(*) from batch.{quote(stream)}")
        assert int(count) == len(records), stream
    # The drift field the re-emitted SCHEMA added is a column, filled from the batch files.
    (filled,) = postgres.psql('select count("loyaltyPoints") from batch.orders')
    assert int(filled) == sum(r.get("loyaltyPoints") is not None for r in files["orders"]) > 0


def test_no_bookmark_moves_before_its_records_are_in_a_batch(make_sandbox, tmp_path: Path):
    """A STATE may carry a stream's new bookmark only after the BATCH holding its records: a
    run killed between the two would resume past records never loaded (the window checkpoints
    of a search stream did that before the fix)."""
    sb = make_sandbox(seed=5, throttle_limit=1_000_000)
    batch_config = {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": (tmp_path / "b").as_uri()},
    }
    (tmp_path / "b").mkdir()
    incremental = {"orders", "contacts", "journal_rows"}
    run = run_tap(tmp_path, sb.tap_config(batch_config=batch_config), streams=incremental)
    assert run.returncode == 0, run.stderr[-2000:]
    last_batch = {m["stream"]: i for i, m in enumerate(run.messages) if m["type"] == "BATCH"}
    assert set(last_batch) == incremental
    for stream, last in last_batch.items():
        early = [
            m["value"]["bookmarks"].get(stream, {}).get("replication_key_value")
            for m in run.messages[:last]
            if m["type"] == "STATE"
        ]
        assert set(early) <= {None}, f"{stream}: bookmark {early[-1]} sent before its BATCH"
        final = run.last_state()["bookmarks"][stream]["replication_key_value"]
        assert final is not None, stream
