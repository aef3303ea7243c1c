"""The request budget against the sandbox's throttle, and GET-by-ID-set bisection."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from helpers import run_tap, truth

from tap_brightpearl.tap import TapBrightpearl

STREAMS = {"orders", "order_rows", "journal_rows", "brands", "order_types", "tax_codes"}


def test_paced_from_headers_without_503(make_sandbox, tmp_path):
    """15 requests per 2 s window: the tap waits on the headers and never meets a 503.

    Load-proof without a margin: the tap counts a period from when it reads the header, after
    the sandbox measured it, so it never comes back early however slow the machine is. A 503
    here is a pacing bug (one was: two requests that reached the sandbox in the other order).
    """
    sb = make_sandbox(seed=2, throttle_limit=15, throttle_window=2.0)
    # id_batch_size 10: enough GETs for the window even when orders load by an OPTIONS plan
    run = run_tap(tmp_path, sb.tap_config(page_size=40, id_batch_size=10), streams=STREAMS)
    assert run.returncode == 0, run.stderr[-2000:]
    counters = sb.counters()
    assert counters["requests_total"] > 30, "too few requests to exercise the window"
    assert counters["throttled"] == 0
    assert counters["max_in_window"] <= 15
    for stream in STREAMS:
        assert set(run.keys(stream)) == truth(sb, stream), stream


def _spend_the_pool(sb, n):
    """Another app of the same account uses up the window."""
    req = urllib.request.Request(
        f"{sb.url}/public-api/sandbox/order-service/order-type",
        headers={"brightpearl-app-ref": "sandbox-app", "brightpearl-staff-token": "x"},
    )
    for _ in range(n):
        try:
            urllib.request.urlopen(req, timeout=10).read()
        except urllib.error.HTTPError as exc:
            exc.read()


def test_throttle_503_waits_and_retries_without_failing(make_sandbox, tmp_path):
    """The pool is spent by someone else: 503 "too many requests" is waited out (logged once
    per wait, in seconds) however often it comes, never counted as a failed try."""
    sb = make_sandbox(seed=2, throttle_limit=8, throttle_window=1.0)
    # the window stands still until the tap has met the 503, however long it takes to start
    sb.hold_throttle_clock()
    _spend_the_pool(sb, 8)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(
            run_tap, tmp_path, sb.tap_config(), streams={"order_types", "brands", "tax_codes"}
        )
        deadline = time.monotonic() + 240
        while not sb.counters()["throttled"] and not running.done():
            assert time.monotonic() < deadline, "the tap never met the spent pool"
            time.sleep(0.02)
        sb.hold_throttle_clock(False)
        run = running.result()
    assert run.returncode == 0, run.stderr[-2000:]
    waits = [line for line in run.stderr_lines() if "Throttled: waiting" in line]
    assert sb.counters()["throttled"] >= 1
    assert len(waits) == sb.counters()["throttled"]
    assert " s for the request budget" in waits[0]
    assert len(run.records("order_types")) == len(sb.primary_keys("order_types"))


def _stream(sb, name, **config):
    tap = TapBrightpearl(config=sb.tap_config(**config), parse_env_config=False)
    return tap.streams[name]


def test_404_on_an_id_set_is_bisected_down_to_the_missing_ids(sandbox):
    """contact GET answers 404 when ANY id of the set is missing: nothing else is lost."""
    contacts = _stream(sandbox, "contacts")
    ids = sorted(k[0] for k in sandbox.primary_keys("contacts"))[:20]
    missing = [max(ids) + 100_000, max(ids) + 100_001]
    payloads = contacts.fetcher.get(sorted(ids + missing))
    got = {c["contactId"] for p in payloads for c in p}
    assert got == set(ids)
    assert contacts.fetcher.get(missing[:1]) == []


def test_availability_400_is_bisected_to_the_bad_id(sandbox):
    availability = _stream(sandbox, "product_availability")
    ids = sorted(k[0] for k in sandbox.primary_keys("products"))[:30]
    bad = max(ids) + 50_000
    rows = [r for p in availability.fetcher.get([*ids, bad]) for r in availability.records_from(p)]
    want = {k for k in truth(sandbox, "product_availability") if k[0] in ids}
    assert {(r["productId"], r["warehouseId"]) for r in rows} == want
