"""Requests in flight: search pages fetched ahead, ID-set GETs beside the search, fitted windows.

The budget case: at 200 requests a minute every request after the 200th waits for the
slot of one of the first, so a backfill's first requests must not trickle out one round trip
at a time, and a large backfill must not pay one part-filled page per month. Counted by the
sandbox over real HTTP: what was in flight at once, and how many searches were made.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from helpers import UNTHROTTLED, norm, run_tap, truth

PAGE_SIZE = 25


def sync_orders(make_sandbox, tmp_path, parallel: int, orders: int = 600, **config):
    """A backfill of orders (with their rows) at ``parallel``: run, counters, truth, start."""
    sb = make_sandbox(
        seed=23,
        sizes={"orders": orders, "products": 40, "contacts": 40},
        latency=0.02,
        **UNTHROTTLED,
    )
    settings = sb.tap_config(
        page_size=PAGE_SIZE, id_batch_size=20, max_parallel_requests=parallel, **config
    )
    sb.reset_counters()
    run = run_tap(tmp_path, settings, streams=["orders", "order_rows"], name=f"p{parallel}")
    assert run.returncode == 0, run.describe()
    return run, sb.counters(), truth(sb, "orders"), norm(settings["start_date"])


def test_a_long_search_has_its_next_pages_in_flight_and_wastes_none(make_sandbox, tmp_path):
    """At max_parallel_requests 4 the order search's pages overlap and the GETs run beside it,
    with exactly the requests of one-at-a-time (1), and the same records."""
    one, used_one, want, _ = sync_orders(make_sandbox, tmp_path, 1, window_days=0)
    four, used_four, _, _ = sync_orders(make_sandbox, tmp_path, 4, window_days=0)
    assert set(one.keys("orders")) == set(four.keys("orders")) == want
    assert one.keys("order_rows") and set(one.keys("order_rows")) == set(four.keys("order_rows"))
    assert used_one["max_in_flight"]["order-search"] == 1
    assert used_one["max_in_flight"]["order"] == 1
    assert used_four["max_in_flight"]["order-search"] >= 2, used_four["max_in_flight"]
    assert used_four["max_in_flight"]["order"] >= 2, used_four["max_in_flight"]
    searches = used_one["requests"]["order-search"]
    assert used_four["requests"]["order-search"] == searches, "a page fetched ahead was wasted"
    assert used_four["requests"]["order"] == used_one["requests"]["order"]
    # one page per 24 new rows (each page repeats the last row of the one before), plus the
    # search for orders created before start_date and changed since
    assert searches == math.ceil((len(want) - 1) / (PAGE_SIZE - 1)) + 1


def test_a_backfill_is_windowed_from_its_row_count(make_sandbox, tmp_path):
    """window_days unset: the backfill's first search counts its rows and the windows are
    sized to hold about 16 pages each, so windows cost few part-filled pages, and a killed
    sync still resumes within one window of at most about 20 pages."""
    # end_date (far ahead) keeps orders on the searches: a backfill this size would otherwise
    # load by an OPTIONS plan (tests/test_tap_plans.py), which has no windows
    run, used, want, start = sync_orders(
        make_sandbox, tmp_path, 4, orders=2000, end_date="2100-01-01T00:00:00Z"
    )
    assert set(run.keys("orders")) == want
    pages = math.ceil(len(want) / (PAGE_SIZE - 1))
    assert pages > 20, "the backfill must be large enough to be windowed"
    marks = [(s.get("bookmarks", {}).get("orders") or {}) for s in run.states()]
    ends = sorted(
        {norm(m["replication_key_value"]) for m in marks if m.get("replication_key_value")}
    )
    assert 2 <= len(ends) <= math.ceil(pages / 10), f"{pages} pages in {len(ends)} windows"
    # each window's last page is part-filled; the first search (the count) and the search for
    # orders created before start_date are the only others
    assert used["requests"]["order-search"] <= pages + len(ends) + 2
    print(
        f"{len(want)} orders, {pages} pages: {len(ends)} windows, "
        f"{used['requests']['order-search']} searches"
    )
    created = [norm(r["createdOn"]) for r in run.records("orders")]
    assert isinstance(start, datetime)
    for lo, hi in zip([start, *ends], ends, strict=False):
        rows = sum(1 for c in created if lo <= c <= hi + timedelta(seconds=1))
        assert rows <= 21 * PAGE_SIZE, f"window {lo}..{hi} held {rows} orders"
