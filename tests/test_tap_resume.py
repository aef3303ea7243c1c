"""A killed first sync resumes where it stopped: every backfill goes in bounded date windows.

With or without ``start_date`` (and with one years before the first record) a backfill over 20
pages is searched in windows of at most ~20 pages, each followed by a STATE checkpoint. The tap
runs as a subprocess against the sandbox with latency and is killed with SIGKILL at several
points; a rerun from the last STATE it emitted loses nothing, re-reads at most one window, and
makes the requests of what was left, not of the whole backfill (the sandbox's counters).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from helpers import UNTHROTTLED, norm, norm_keys, run_tap, run_tap_until, selected_catalog, truth

from tap_brightpearl.kinds.windows import SHRINK_ABOVE_PAGES

#: 20 pages are 800 rows: the backfills below (1,300-2,300 rows) take several windows.
PAGE_SIZE = 40
ONE_WINDOW = SHRINK_ABOVE_PAGES * PAGE_SIZE

#: stream -> (its search endpoint in the sandbox's counters, the column its windows are on)
STREAMS = {
    "journal_rows": ("journal-search", "journalDateEntered"),  # a search-only stream
    "orders": ("order-search", "createdOn"),  # search -> GET
}

CASES = {
    "journal_rows-without-start_date": ("journal_rows", None),
    "journal_rows-start_date-years-before": ("journal_rows", "2012-01-01T00:00:00Z"),
    "orders-start_date": ("orders", "2024-06-01T00:00:00Z"),
}
KILLS = {"after-first-checkpoint": (1, 0), "mid-window-after-second": (2, 15)}


def bookmark(state: dict | None, stream: str) -> str | None:
    """A stream's bookmark in a STATE value (None before its first checkpoint)."""
    return ((state or {}).get("bookmarks", {}).get(stream) or {}).get("replication_key_value")


def when(value: str) -> datetime:
    parsed = norm(value)
    assert isinstance(parsed, datetime), value
    return parsed


def killer(stream: str, checkpoints: int, records_after: int):
    """A ``stop_when`` that fires ``records_after`` records past the stream's Nth checkpoint."""
    marks: set[str] = set()
    after = [0]

    def stop(message: dict) -> bool:
        if message.get("type") == "STATE" and (mark := bookmark(message["value"], stream)):
            marks.add(mark)
        elif message.get("type") == "RECORD" and len(marks) >= checkpoints:
            after[0] += 1
        return len(marks) >= checkpoints and after[0] >= records_after

    return stop


@pytest.mark.parametrize("kill", list(KILLS.values()), ids=list(KILLS))
@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_a_killed_first_sync_resumes_within_one_window(make_sandbox, tmp_path, case, kill):
    stream, start_date = case
    endpoint, column = STREAMS[stream]
    sb = make_sandbox(
        seed=51,
        sizes={"orders": 3000, "products": 100, "contacts": 100},
        latency=0.005,
        **UNTHROTTLED,
    )
    config = sb.tap_config(lookback_minutes=0, page_size=PAGE_SIZE, start_date=start_date)
    if start_date is None:
        config.pop("start_date")
    if stream == "orders":  # its searches, not an OPTIONS load (tests/test_tap_plans.py)
        config["window_days"] = 30
    catalog = selected_catalog(frozenset({stream}))
    want = truth(sb, stream)
    if start_date:  # what changed since it (the contract's replication key)
        want = norm_keys(sb.changed_since(stream, when(start_date)))

    first = run_tap_until(tmp_path, config, killer(stream, *kill), catalog=catalog)
    state = first.last_state()
    resume_at = when(bookmark(state, stream) or "")
    emitted_first = first.keys(stream)
    assert len(set(emitted_first)) < len(want), "killed too late: the backfill had finished"

    before = sb.counters()["requests"].get(endpoint, 0)
    second = run_tap(tmp_path, config, state=state, catalog=catalog, name="resumed")
    assert second.returncode == 0, second.describe()
    searches = sb.counters()["requests"].get(endpoint, 0) - before
    emitted_second = second.keys(stream)

    for run in (emitted_first, emitted_second):
        assert len(run) == len(set(run)), "a record emitted twice in one run"
    lost = want - set(emitted_first) - set(emitted_second)
    assert not lost, f"lost {len(lost)} records, e.g. {sorted(lost)[:5]}"
    assert set(emitted_first) | set(emitted_second) <= truth(sb, stream)

    dates = {
        k[0]: when(r[column])
        for k, r in zip(
            first.keys(stream) + second.keys(stream),
            first.records(stream) + second.records(stream),
            strict=True,
        )
    }
    reread = set(emitted_first) & set(emitted_second)
    assert len(reread) <= ONE_WINDOW, f"run 2 re-read {len(reread)} records: over one window"
    if stream == "journal_rows":  # orders also find older orders changed since F, by design
        early = [k for k in emitted_second if dates[k[0]] < resume_at]
        assert not early, f"run 2 re-read {len(early)} records from before the checkpoint"
    left = sum(1 for d in dates.values() if d >= resume_at - timedelta(seconds=1))
    windows = len({bookmark(s, stream) for s in second.states()} - {None})
    bound = math.ceil(left / (PAGE_SIZE - 1)) + windows + 4
    assert searches <= bound, f"run 2 made {searches} searches for {left} records left ({bound})"
    print(
        f"{stream} start_date={start_date} kill={kill}: run 1 emitted "
        f"{len(set(emitted_first))}/{len(want)}, checkpoint {resume_at:%Y-%m-%d}; run 2 "
        f"{len(emitted_second)} records in {searches} searches ({windows} checkpoints), "
        f"re-read {len(reread)}"
    )


def test_an_unreliable_count_never_splits_windows(make_sandbox, tmp_path):
    # supplier-payment-search answers resultsAvailable 500 whatever the count: read as a count,
    # every window looked too big at a small page size and was split down to hours (tens of
    # thousands of searches). Its backfill pages while pages come back full, as before.
    sb = make_sandbox(**UNTHROTTLED)
    config = sb.tap_config(page_size=5, window_days=20)
    catalog = selected_catalog(frozenset({"supplier_payments"}))
    run = run_tap(tmp_path, config, catalog=catalog)
    assert run.returncode == 0, run.describe()
    rows = truth(sb, "supplier_payments")
    assert set(run.keys("supplier_payments")) == rows
    searches = sb.counters()["requests"].get("supplier-payment-search", 0)
    assert searches <= math.ceil(len(rows) / 4) + 40, searches
