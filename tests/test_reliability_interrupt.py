"""Reliability 5: a killed backfill resumes within one date window (issue 5, point 5)."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import datetime, timedelta

import pytest
from reliability_helpers import (
    TAP,
    norm,
    norm_keys,
    run_tap,
    run_tap_until,
    tap_env,
    write_json,
)

WINDOW_DAYS = 30
# The sandbox spreads ~70 orders a month over 2023-2026. With 40-row pages a 30-day window
# holds 1-20 pages, so the tap's adaptive sizing (double below one page, halve above 20)
# keeps every window at exactly WINDOW_DAYS and "one window" is a fixed, known span.
PAGE_SIZE = 40
FAST = {"throttle_limit": 1_000_000}


def only_orders(config: dict, tmp_path) -> dict:
    """Discover the catalog and select just `orders` (as `meltano select` would)."""
    path = write_json(tmp_path / "discover-config.json", config)
    out = subprocess.run(
        [str(TAP), "--config", str(path), "--discover"],
        capture_output=True, text=True, timeout=120, env=tap_env(), check=True,
    ).stdout
    catalog = json.loads(out)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == "orders"
    return catalog


def bookmark(state: dict | None) -> str | None:
    """The orders bookmark in a STATE value (None if there is no checkpoint yet)."""
    return ((state or {}).get("bookmarks", {}).get("orders") or {}).get("replication_key_value")


def parse(ts: str) -> datetime:
    """A UTC datetime from a tap timestamp."""
    return datetime.fromisoformat(norm(ts))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_backfill_resumes_within_one_window(make_sandbox, tmp_path, sig):
    """Killed after its first checkpoint, a backfill restarted from the last STATE it emitted
    loses no order and resumes at that checkpoint, not before it.

    The tap windows a backfill on `createdOn` (a fresh order can show a null `updatedOn`), so
    the resumed run also finds, by design, the orders created before the checkpoint F and
    updated at or after it (any incremental run does): those are reported separately. How far
    past F run 1 had got at the kill is timing; the bound on it, over every possible kill
    point, is the next test's.
    """
    sb = make_sandbox(seed=51, sizes={"orders": 3000}, latency=0.01, **FAST)
    config = sb.tap_config(lookback_minutes=0, page_size=PAGE_SIZE, window_days=WINDOW_DAYS)
    catalog = only_orders(config, tmp_path)
    truth = norm_keys(sb.primary_keys("orders"))

    first = run_tap_until(
        config, tmp_path, lambda m: m.get("type") == "STATE" and bookmark(m["value"]) is not None,
        sig=sig, catalog=catalog,
    )
    state = first.last_state()
    resume_at = parse(bookmark(state))
    emitted_first = set(first.keys("orders"))
    assert len(emitted_first) < len(truth), "killed too late: the backfill had finished"

    second = run_tap(config, tmp_path, state=state, catalog=catalog, name="resumed")
    assert second.returncode == 0, second.describe()
    emitted_second = set(second.keys("orders"))
    lost = truth - emitted_first - emitted_second
    assert not lost, f"lost {len(lost)} orders, e.g. {sorted(lost)[:5]}"

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


def test_every_kill_point_rereads_at_most_one_window(make_sandbox, tmp_path):
    """Wherever a backfill is killed, the records a restart would read again lie in one window.

    A target has seen a prefix of the tap's messages when the tap dies; the restart begins at
    the last STATE of that prefix (F) and re-reads every order created at or after F (the
    previous test runs that restart for real). So for each message boundary of a full
    backfill, the orders already emitted with `createdOn` >= F must all fall in the window in
    flight, [F, F + window_days]. Checking every boundary of one run makes the bound
    deterministic instead of depending on when a signal lands.
    """
    sb = make_sandbox(seed=51, sizes={"orders": 3000}, **FAST)
    config = sb.tap_config(lookback_minutes=0, page_size=PAGE_SIZE, window_days=WINDOW_DAYS)
    run = run_tap(config, tmp_path, catalog=only_orders(config, tmp_path))
    assert run.returncode == 0, run.describe()
    checkpoints = [parse(b) for b in map(bookmark, run.states()) if b]
    assert len(set(checkpoints)) > 5, f"too few checkpoints to test: {checkpoints}"
    start = parse(config["start_date"])
    span = timedelta(days=WINDOW_DAYS)
    odd = [c for c in checkpoints if c < checkpoints[-1] and (c - start) % span]
    assert not odd, f"windows were resized, so 'one window' is not {WINDOW_DAYS} days: {odd}"

    resume_at = parse(config["start_date"])
    ahead: list[tuple[datetime, int]] = []  # emitted orders created at or after resume_at
    worst: tuple[int, datetime, list] = (0, resume_at, [])
    for message in run.messages:
        if message["type"] == "STATE" and bookmark(message["value"]):
            resume_at = parse(bookmark(message["value"]))
            ahead = [(c, i) for c, i in ahead if c >= resume_at]
        elif message["type"] == "RECORD" and message["stream"] == "orders":
            record = message["record"]
            ahead.append((parse(record["createdOn"]), record["id"]))
            if len(ahead) > worst[0]:
                worst = (len(ahead), resume_at, list(ahead))
    count, at, rows = worst
    window_end = at + timedelta(days=WINDOW_DAYS, seconds=1)
    beyond = sorted((c, i) for c, i in rows if c > window_end)
    print(
        f"kill points: worst re-read {count} orders from checkpoint {at:%Y-%m-%d}, spanning "
        f"{(max(rows)[0] - at).days if rows else 0} days (window {WINDOW_DAYS} days); "
        f"{len(set(checkpoints))} checkpoints over {len(run.records('orders'))} orders"
    )
    assert not beyond, (
        f"a kill just before the STATE after checkpoint {at:%Y-%m-%d} re-reads {count} orders, "
        f"{len(beyond)} of them created after the window's end {window_end:%Y-%m-%d}, "
        f"up to {beyond[-1][0]:%Y-%m-%d}"
    )


# The column each incremental stream's backfill is windowed on (streams.md; search -> GET
# streams window on createdOn, search streams on their replication key).
WINDOW_KEYS = {
    "orders": "createdOn", "products": "createdOn", "contacts": "createdOn",
    "goods_out_notes": "createdOn", "order_notes": "dateAdded",
    "goods_in_batches": "createdDate", "goods_movements": "updatedOn",
    "journal_rows": "journalDateEntered", "customer_payments": "createdOn",
    "supplier_payments": "createdOn",
}


def test_every_kill_point_every_stream(make_sandbox, tmp_path):
    """The kill-point bound for every incremental stream of a full sync, windows of any size.

    Window sizes adapt to each stream's density, so here "the window in flight" after a
    checkpoint F is (F, the stream's next checkpoint]: at every message boundary, what a
    stream emitted with its window column at or after F must lie within it.
    """
    sizes = {"orders": 3000, "products": 2500, "contacts": 2500}
    sb = make_sandbox(seed=51, sizes=sizes, **FAST)
    config = sb.tap_config(lookback_minutes=0, page_size=PAGE_SIZE, window_days=WINDOW_DAYS)
    run = run_tap(config, tmp_path)
    assert run.returncode == 0, run.describe()

    report = {}
    for stream, column in WINDOW_KEYS.items():
        marks = [
            ((state.get("bookmarks", {}).get(stream) or {}).get("replication_key_value"))
            for state in run.states()
        ]
        ends = sorted({parse(m) for m in marks if m})
        resume_at = parse(config["start_date"])
        ahead: list[datetime] = []
        worst = 0
        for message in run.messages:
            if message["type"] == "STATE":
                mark = (message["value"].get("bookmarks", {}).get(stream) or {}).get(
                    "replication_key_value"
                )
                if mark:
                    resume_at = parse(mark)
                    ahead = [c for c in ahead if c >= resume_at]
            elif message["type"] == "RECORD" and message["stream"] == stream:
                value = message["record"].get(column)
                if value is None:
                    continue
                ahead.append(parse(value))
                window_end = next((e for e in ends if e > resume_at), None)
                assert window_end is not None, f"{stream}: record after the final checkpoint"
                beyond = [c for c in ahead if c > window_end + timedelta(seconds=1)]
                assert not beyond, (
                    f"{stream}: a kill here re-reads {len(ahead)} records past checkpoint "
                    f"{resume_at}, {len(beyond)} beyond the window's end {window_end}"
                )
                worst = max(worst, len(ahead))
        report[stream] = (len(ends), worst)
    print(f"kill points per stream (checkpoints, worst re-read): {report}")
