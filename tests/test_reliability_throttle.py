"""Reliability 2: the request budget (issue 5, point 2)."""

from __future__ import annotations

import pytest
from reliability_helpers import STREAM_KEYS, norm_keys, run_tap


def assert_complete(sb, run) -> int:
    """Every stream emitted exactly the sandbox's ground truth; returns the records compared."""
    assert run.returncode == 0, run.describe()
    compared = 0
    for stream in STREAM_KEYS:
        truth = norm_keys(sb.primary_keys(stream))
        emitted = run.keys(stream)
        assert len(emitted) == len(set(emitted)), f"{stream}: duplicate keys"
        assert set(emitted) == truth, (
            f"{stream}: missing {sorted(truth - set(emitted))[:5]}, "
            f"extra {sorted(set(emitted) - truth)[:5]}"
        )
        compared += len(truth)
    return compared


def test_tight_throttle_full_sync(make_sandbox, tmp_path):
    """With 20 requests per 3 s, a full sync gets every record and meets at most 5 throttle 503s.

    The tap must pace from `brightpearl-requests-remaining` / `-next-throttle-period` rather
    than run into the 503 and wait: a tap that ignores the headers hits the wall every window.
    """
    sb = make_sandbox(seed=5, throttle_limit=20, throttle_window=3.0)
    run = run_tap(sb.tap_config(), tmp_path, timeout=300)
    compared = assert_complete(sb, run)
    counters = sb.counters()
    print(
        f"tight throttle: {counters['throttled']} throttle 503s, {counters['requests_total']} "
        f"requests, max_in_window {counters['max_in_window']}, {compared} records compared, "
        f"{run.seconds:.1f}s"
    )
    assert counters["throttled"] <= 5, f"{counters['throttled']} throttle 503s"


BUDGET = 40


@pytest.mark.slow
def test_max_requests_per_minute_is_kept(make_sandbox, tmp_path):
    """`max_requests_per_minute` keeps the tap under its figure in every rolling minute.

    The sandbox's own budget is far above the figure (so only the tap's setting can hold it
    down) and its window is the real 60 s, so `max_in_window` is the most requests the tap
    sent in any rolling minute. The run must send clearly more than BUDGET requests,
    otherwise the limit would never bind and the test could not fail; that makes it last a
    little over a minute.
    """
    sb = make_sandbox(seed=5, throttle_limit=100_000, throttle_window=60.0)
    run = run_tap(sb.tap_config(max_requests_per_minute=BUDGET), tmp_path, timeout=400)
    assert run.returncode == 0, run.describe()
    counters = sb.counters()
    print(
        f"max_requests_per_minute={BUDGET}: {counters['requests_total']} requests in "
        f"{run.seconds:.1f}s, max_in_window {counters['max_in_window']}"
    )
    assert counters["requests_total"] > BUDGET * 1.2, "run too short to exercise the budget"
    assert counters["max_in_window"] <= BUDGET
