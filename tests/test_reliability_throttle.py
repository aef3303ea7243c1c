"""The request budget: every record under a tight or shared throttle, and the tap's own cap kept."""

from __future__ import annotations

import threading

import pytest
import requests
from helpers import assert_complete, run_tap


def test_tight_throttle_full_sync(make_sandbox, tmp_path):
    """With 20 requests per 3 s, a full sync gets every record and meets at most 5 throttle 503s.

    The tap must pace from `brightpearl-requests-remaining` / `-next-throttle-period` rather
    than run into the 503 and wait: a tap that ignores the headers hits the wall every window.
    """
    sb = make_sandbox(seed=5, throttle_limit=20, throttle_window=3.0)
    run = run_tap(tmp_path, sb.tap_config(), timeout=300)
    compared = assert_complete(sb, run)
    counters = sb.counters()
    print(
        f"tight throttle: {counters['throttled']} throttle 503s, {counters['requests_total']} "
        f"requests, max_in_window {counters['max_in_window']}, {compared} records compared, "
        f"{run.seconds:.1f}s"
    )
    assert counters["throttled"] <= 5, f"{counters['throttled']} throttle 503s"


class OtherApp(threading.Thread):
    """Another integration on the same account: a steady stream of small GETs."""

    def __init__(self, sb, interval: float) -> None:
        super().__init__(daemon=True)
        config = sb.tap_config()
        self.url = f"{sb.url}/public-api/{config['account_code']}/order-service/order-status"
        self.headers = {
            "brightpearl-app-ref": config["app_ref"],
            "brightpearl-staff-token": config["staff_token"],
        }
        self.interval = interval
        self.stopped = threading.Event()
        self.sent = self.throttled = 0

    def run(self) -> None:
        with requests.Session() as session:
            while not self.stopped.wait(self.interval):
                response = session.get(self.url, headers=self.headers, timeout=10)
                self.sent += 1
                self.throttled += response.status_code == 503


def test_budget_shared_with_another_app(make_sandbox, tmp_path):
    """Another app asks for more than the whole budget (10 requests/s against 20 per 3 s)
    during the sync: the tap is never throttled into failure and every record arrives.

    The tap cannot see the other app's requests except through the throttle headers, so it
    may meet 503s; it must wait them out (they do not use up its retries) and finish. Its own
    503s are reported; the other app's are counted apart.
    """
    sb = make_sandbox(seed=5, throttle_limit=20, throttle_window=3.0)
    other = OtherApp(sb, interval=0.1)  # asks for more than the whole pool on its own
    other.start()
    try:
        run = run_tap(tmp_path, sb.tap_config(), timeout=300)
    finally:
        other.stopped.set()
        other.join(timeout=15)
    compared = assert_complete(sb, run)
    counters = sb.counters()
    tap_requests = counters["requests_total"] - other.sent
    tap_throttled = counters["throttled"] - other.throttled
    print(
        f"shared budget: tap met {tap_throttled} throttle 503s over {tap_requests} requests, "
        f"other app sent {other.sent} ({other.throttled} throttled); {compared} records, "
        f"{run.seconds:.1f}s"
    )
    assert other.throttled > 0, "the pool was never contested: the test proves nothing"


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
    run = run_tap(tmp_path, sb.tap_config(max_requests_per_minute=BUDGET), timeout=400)
    assert run.returncode == 0, run.describe()
    counters = sb.counters()
    print(
        f"max_requests_per_minute={BUDGET}: {counters['requests_total']} requests in "
        f"{run.seconds:.1f}s, max_in_window {counters['max_in_window']}"
    )
    assert counters["requests_total"] > BUDGET * 1.2, "run too short to exercise the budget"
    assert counters["max_in_window"] <= BUDGET
