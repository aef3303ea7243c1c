"""A killed backfill resumes within one date window."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from helpers import (
    TAP,
    UNTHROTTLED,
    clean_env,
    norm,
    norm_keys,
    run_tap,
    run_tap_until,
    write_json,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

WINDOW_DAYS = 30
# The sandbox spreads ~70 orders a month over 2023-2026. With 40-row pages a 30-day window
# holds 1-20 pages, so the tap's adaptive sizing (double below one page, halve above 20)
# keeps every window at exactly WINDOW_DAYS and "one window" is a fixed, known span.
PAGE_SIZE = 40


def only_orders(config: dict, tmp_path) -> dict:
    """Discover the catalog and select just `orders` and its `order_rows` (`meltano select`)."""
    path = write_json(tmp_path / "discover-config.json", config)
    out = subprocess.run(
        [str(TAP), "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=True,
    ).stdout
    catalog = json.loads(out)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in {"orders", "order_rows"}
    return catalog


def bookmark(state: dict | None, stream: str = "orders") -> str | None:
    """A stream's bookmark in a STATE value (None if there is no checkpoint yet)."""
    return ((state or {}).get("bookmarks", {}).get(stream) or {}).get("replication_key_value")


def parse(ts: str) -> datetime:
    """A UTC datetime from a tap timestamp."""
    value = norm(ts)
    assert isinstance(value, datetime), f"not a timestamp: {ts!r}"
    return value


@pytest.mark.parametrize(
    ("sig", "checkpoints"),
    [(signal.SIGKILL, 1), (signal.SIGTERM, 10)],
    ids=["SIGKILL-after-first-checkpoint", "SIGTERM-after-tenth-checkpoint"],
)
def test_killed_backfill_resumes_within_one_window(make_sandbox, tmp_path, sig, checkpoints):
    """Killed after its first (or tenth) checkpoint, a backfill restarted from the last STATE
    it emitted loses no order or order row and resumes at that checkpoint, not before it.

    The tap windows a backfill on `createdOn` (a fresh order can show a null `updatedOn`), so
    the resumed run also finds, by design, the orders created before the checkpoint F and
    updated at or after it (any incremental run does): those are reported separately. How far
    past F run 1 had got at the kill is timing; the bound on it, over every possible kill
    point, is the next test's.
    """
    sb = make_sandbox(seed=51, sizes={"orders": 3000}, latency=0.01, **UNTHROTTLED)
    config = sb.tap_config(lookback_minutes=0, page_size=PAGE_SIZE, window_days=WINDOW_DAYS)
    catalog = only_orders(config, tmp_path)
    truth = norm_keys(sb.primary_keys("orders"))

    seen: set[str] = set()

    def checkpointed(message: dict) -> bool:
        if message.get("type") == "STATE" and (mark := bookmark(message["value"])):
            seen.add(mark)
        return len(seen) >= checkpoints

    first = run_tap_until(tmp_path, config, checkpointed, sig=sig, catalog=catalog)
    state = first.last_state()
    resume_at = parse(bookmark(state))
    emitted_first = set(first.keys("orders"))
    assert len(emitted_first) < len(truth), "killed too late: the backfill had finished"

    second = run_tap(tmp_path, config, state=state, catalog=catalog, name="resumed")
    assert second.returncode == 0, second.describe()
    emitted_second = set(second.keys("orders"))
    lost = truth - emitted_first - emitted_second
    assert not lost, f"lost {len(lost)} orders, e.g. {sorted(lost)[:5]}"
    rows = set(first.keys("order_rows")) | set(second.keys("order_rows"))
    lost_rows = norm_keys(sb.primary_keys("order_rows")) - rows
    assert not lost_rows, f"lost {len(lost_rows)} order rows, e.g. {sorted(lost_rows)[:5]}"

    records = {(r["id"],): r for r in first.records("orders") + second.records("orders")}
    created = {k: parse(r["createdOn"]) for k, r in records.items()}
    updated = {k: parse(r["updatedOn"]) for k, r in records.items() if r.get("updatedOn")}
    window_end = resume_at + timedelta(days=WINDOW_DAYS, seconds=1)
    window = {k for k, ts in created.items() if resume_at <= ts <= window_end}
    changed = {k for k, ts in created.items() if ts < resume_at and updated.get(k, ts) >= resume_at}
    stale = emitted_second - window - changed - {k for k, ts in created.items() if ts > window_end}
    assert not stale, f"run 2 re-read {len(stale)} orders from before the checkpoint"

    reread = emitted_first & emitted_second
    print(
        f"interrupted ({sig.name}): run 1 emitted {len(emitted_first)}/{len(truth)} orders in "
        f"{first.seconds:.1f}s, checkpoint {resume_at:%Y-%m-%d}; run 2 emitted "
        f"{len(emitted_second)} in {second.seconds:.1f}s; re-read {len(reread & window)} of the "
        f"in-flight window's {len(window)} + {len(reread & changed)} changed since the checkpoint"
    )


# The column each incremental stream's backfill is windowed on (docs/contract.md; search -> GET
# streams window on createdOn, search streams on their replication key).
WINDOW_KEYS = {
    "orders": "createdOn",
    "products": "createdOn",
    "contacts": "createdOn",
    "goods_out_notes": "createdOn",
    "order_notes": "dateAdded",
    "goods_in_batches": "createdDate",
    "goods_movements": "updatedOn",
    "journal_rows": "journalDateEntered",
    "customer_payments": "createdOn",
    "supplier_payments": "createdOn",
}


def kill_points(run, stream: str, column: str, start: datetime) -> Iterator[tuple]:
    """Every point a kill can land in ``stream`` (after each of its records): the checkpoint a
    restart resumes from, and the ``column`` values of what was already emitted at or after it.
    """
    resume_at, ahead = start, []
    for message in run.messages:
        if message["type"] == "STATE" and (mark := bookmark(message["value"], stream)):
            resume_at = parse(mark)
            ahead = [value for value in ahead if value >= resume_at]
        elif (
            message["type"] == "RECORD"
            and message["stream"] == stream
            and (value := message["record"].get(column))
        ):
            ahead.append(parse(value))
            yield resume_at, ahead


def test_every_kill_point_rereads_at_most_one_window(make_sandbox, tmp_path):
    """Wherever a backfill is killed, the records a restart would read again lie in one window.

    A target has seen a prefix of the tap's messages when the tap dies; the restart begins at
    the last STATE of that prefix (F) and re-reads every record whose window column is at or
    after F (the previous test runs that restart for real, for orders). So at every message
    boundary of a full backfill, what each incremental stream already emitted at or after F
    must lie in the window in flight, [F, the stream's next checkpoint]. Checking every
    boundary of one run makes the bound deterministic instead of depending on when a signal
    lands. Window sizes adapt to each stream's density; for orders they stay at exactly
    window_days (checked), so there "one window" is the setting itself.
    """
    sizes = {"orders": 3000, "products": 2500, "contacts": 2500}
    sb = make_sandbox(seed=51, sizes=sizes, **UNTHROTTLED)
    config = sb.tap_config(lookback_minutes=0, page_size=PAGE_SIZE, window_days=WINDOW_DAYS)
    run = run_tap(tmp_path, config)
    assert run.returncode == 0, run.describe()
    start = parse(config["start_date"])

    report = {}
    for stream, column in WINDOW_KEYS.items():
        ends = sorted({parse(b) for b in (bookmark(s, stream) for s in run.states()) if b})
        if stream == "orders":
            assert len(ends) > 5, f"too few order checkpoints to test: {ends}"
            odd = [e for e in ends[:-1] if (e - start) % timedelta(days=WINDOW_DAYS)]
            assert not odd, f"order windows were resized, not {WINDOW_DAYS} days: {odd}"
        worst = 0
        for resume_at, ahead in kill_points(run, stream, column, start):
            window_end = next((e for e in ends if e > resume_at), None)
            assert window_end is not None, f"{stream}: a record after the final checkpoint"
            beyond = [v for v in ahead if v > window_end + timedelta(seconds=1)]
            assert not beyond, (
                f"{stream}: a kill here re-reads {len(ahead)} records past checkpoint "
                f"{resume_at}, {len(beyond)} beyond the window's end {window_end}"
            )
            worst = max(worst, len(ahead))
        report[stream] = (len(ends), worst)
    print(f"kill points per stream (checkpoints, worst re-read): {report}")
