"""Reliability 5: a killed backfill resumes within one date window (issue 5, point 5)."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import datetime, timedelta

from reliability_helpers import (
    TAP,
    norm,
    norm_keys,
    run_tap,
    run_tap_until,
    tap_env,
    write_json,
)

WINDOW_SETTING, WINDOW_DAYS = "window_days", 30
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


def test_killed_backfill_resumes_within_one_window(make_sandbox, tmp_path):
    """SIGKILL after the first checkpoint; the restart from the last STATE loses nothing
    and re-reads at most the one date window that was in flight."""
    sb = make_sandbox(seed=51, sizes={"orders": 3000}, latency=0.01, **FAST)
    config = sb.tap_config(lookback_minutes=0, page_size=100, **{WINDOW_SETTING: WINDOW_DAYS})
    catalog = only_orders(config, tmp_path)
    truth = norm_keys(sb.primary_keys("orders"))

    first = run_tap_until(
        config, tmp_path, lambda m: m.get("type") == "STATE" and bookmark(m["value"]) is not None,
        sig=signal.SIGKILL, catalog=catalog,
    )
    state = first.last_state()
    resume_at = parse(bookmark(state))
    emitted_first = set(first.keys("orders"))
    assert len(emitted_first) < len(truth), "killed too late: the backfill had finished"

    second = run_tap(config, tmp_path, state=state, catalog=catalog, name="resumed")
    assert second.returncode == 0, second.describe()
    emitted_second = set(second.keys("orders"))
    assert emitted_first | emitted_second == truth, (
        f"lost {len(truth - emitted_first - emitted_second)} orders"
    )

    updated = {
        (r["id"],): parse(r["updatedOn"])
        for r in first.records("orders") + second.records("orders") if r.get("updatedOn")
    }
    before_bookmark = [k for k in emitted_second if k in updated and updated[k] < resume_at]
    assert not before_bookmark, f"{len(before_bookmark)} orders from before the bookmark re-read"
    window_end = resume_at + timedelta(days=WINDOW_DAYS)
    in_window = {k for k, ts in updated.items() if resume_at <= ts < window_end}
    reread = emitted_first & emitted_second
    assert reread <= in_window, f"{len(reread - in_window)} re-read orders outside the window"
    print(
        f"interrupted: run 1 emitted {len(emitted_first)} of {len(truth)} orders in "
        f"{first.seconds:.1f}s, checkpoint {resume_at.isoformat()}; run 2 emitted "
        f"{len(emitted_second)}, re-read {len(reread)} (window holds {len(in_window)})"
    )
