"""What a run prints: a report, never silent for long, no SDK noise.

The tap runs as a subprocess the way Meltano runs it; stderr lines are timed as they arrive.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import time
from dataclasses import dataclass

import pytest
from helpers import CONTRACT_KEYS, TAP, clean_env, run_tap, selected_catalog

from tap_brightpearl.budget import RequestBudget
from tap_brightpearl.progress import duration, progress_line

CHATTER = (
    "METRIC",
    "Beginning sync",
    "Pagination stopped",
    "Backing off",
    "Giving up",
    "Starting incremental sync",
    "Skipping parse of env var",
    "as child stream",
)
SILENCE = 30.0  # the default progress interval
SLACK = 10.0


@dataclass
class TimedRun:
    returncode: int
    lines: list[tuple[float, str]]  # (seconds since start, line) as each arrived
    seconds: float

    def gaps(self) -> list[tuple[float, str]]:
        """Each silence (from the start, between lines, to the exit) and the line ending it."""
        times = [0.0] + [at for at, _ in self.lines] + [self.seconds]
        texts = [text for _, text in self.lines] + ["<exit>"]
        return [(b - a, text) for a, b, text in zip(times[:-1], times[1:], texts, strict=True)]


def run_timed(tmp_path, config, streams, timeout=300.0) -> TimedRun:
    """Run the tap, reading stderr line by line and noting when each line arrives."""
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(selected_catalog(frozenset(streams))))
    cmd = [
        str(TAP),
        "--config",
        str(tmp_path / "config.json"),
        "--catalog",
        str(tmp_path / "catalog.json"),
    ]
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    lines = []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append((time.monotonic() - started, line.rstrip("\n")))
        assert time.monotonic() - started < timeout, "the run took too long"
    proc.wait(timeout=30)
    return TimedRun(proc.returncode, lines, time.monotonic() - started)


@pytest.mark.slow
def test_budget_bound_run_is_never_silent(make_sandbox, tmp_path):
    """max_requests_per_minute 4 and 8 requests: a 61 s wait for the budget. The wait gets a
    line saying why and how long, progress lines keep every silence under the interval, and
    the streams' lines come when they end."""
    sb = make_sandbox(seed=3, sizes={"orders": 300, "products": 50, "contacts": 50})
    config = sb.tap_config(
        max_requests_per_minute=4, page_size=100, id_batch_size=100, max_parallel_requests=1
    )
    run = run_timed(tmp_path, config, {"orders", "order_rows"})
    for at, line in run.lines:
        print(f"{at:6.1f} {line[:200]}")
    assert run.returncode == 0
    assert sb.counters()["requests_total"] >= 6, "too few requests to spend the budget"
    waits = [(at, line) for at, line in run.lines if "for the request budget:" in line]
    assert len(waits) == 1, waits
    at, wait_line = waits[0]
    assert "(max_requests_per_minute: 4)" in wait_line
    # the minute and its margin (60.5 s) from the first request, all sent since the tap
    # started: at most that, and at least that less the time the test saw pass (a loaded
    # machine makes the 4 requests slower, and the wait shorter by as much)
    announced = int(re.search(r"Waiting (\d+) s", wait_line).group(1))
    assert 60.5 - at - 0.5 <= announced <= 61, (at, wait_line)
    longest, after = max(run.gaps())
    assert longest <= SILENCE + SLACK, f"{longest:.0f} s of silence before {after!r}"
    progress = [line for _, line in run.lines if "requests/min" in line]
    assert progress, "a 60 s stream printed no progress line"
    assert "orders: 100 of 300 (33.3%)" in progress[0], progress[0]
    assert "waiting" in progress[0]
    assert "more for the request budget" in progress[0]
    done = [line.split("| ")[-1] for _, line in run.lines if " done: " in line]
    assert done[0].startswith("Stream 'orders' done: 300 records, ")
    assert done[1].startswith("Stream 'order_rows' done: ")


def test_full_run_reads_like_a_report(sandbox, tmp_path):
    """Every stream: the start line, one line per stream (each printed when that stream ends,
    a child once, after its parent), the sandbox's drift warnings, and nothing else."""
    run = run_tap(tmp_path, sandbox.tap_config())
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stderr_lines()
    noise = [line for line in lines if any(c in line for c in CHATTER)]
    assert noise == []
    done = [line.split("Stream '")[1].split("'")[0] for line in lines if "' done: " in line]
    assert sorted(done) == sorted([*CONTRACT_KEYS, "deleted_records"]), "one line per stream"
    sweeps = [line for line in lines if "deleted_records: " in line and " swept (" in line]
    assert len(sweeps) == 7, sweeps  # the default sweeps: every deletable stream
    assert done.index("order_rows") == done.index("orders") + 1
    assert done.index("postal_addresses") == done.index("contacts") + 1
    warnings = [line for line in lines if "| WARNING " in line]
    # drift, and the sandbox's number in a TEXT custom field (tests/test_custom_fields.py)
    assert all(
        "is not in the schema" in line or "kept in valueText as JSON text" in line
        for line in warnings
    ), warnings
    # per stream as it ends, not all at the end: the orders warning comes after brands' line
    text = "\n".join(lines)
    assert text.index("Stream 'brands' done") < text.index("orders: field 'loyaltyPoints'")
    assert text.index("Stream 'orders' done") < text.index("Stream 'payment_methods' done")
    starts = [line for line in lines if "Syncing Brightpearl account" in line]
    assert len(starts) == 1
    # one load plan line for each stream that may load by OPTIONS (README "First loads")
    plans = [line.split("| ")[-1].split(":")[0] for line in lines if ": load plan " in line]
    assert sorted(plans) == ["contacts", "orders", "products"], plans
    # the SDK's version line, the start line, a line per stream, the sweeps, the plans, the
    # warnings
    assert len(lines) == 1 + 1 + len(done) + len(sweeps) + len(plans) + len(warnings)
    print(f"{len(lines)} stderr lines for a full run of {len(CONTRACT_KEYS)} streams")


def test_metrics_and_sdk_lines_on_demand(sandbox, tmp_path):
    """metrics_log_level INFO brings the SDK's METRIC lines back; LOGLEVEL=DEBUG shows the
    demoted bookkeeping (as DEBUG) as well."""
    streams = {"orders", "order_rows", "brands"}
    run = run_tap(tmp_path, sandbox.tap_config(metrics_log_level="INFO"), streams=streams)
    assert run.returncode == 0, run.stderr[-2000:]
    assert any("METRIC: " in line for line in run.stderr_lines())
    assert not any("Beginning sync" in line for line in run.stderr_lines())
    debug = run_tap(
        tmp_path,
        sandbox.tap_config(),
        streams=streams,
        name="debug",
        env={"TAP_BRIGHTPEARL_LOGLEVEL": "DEBUG"},
    )
    assert debug.returncode == 0, debug.stderr[-2000:]
    child = [line for line in debug.stderr_lines() if "Beginning sync of 'order_rows'" in line]
    assert child
    assert all("| DEBUG " in line for line in child)
    assert any("METRIC: " in line for line in debug.stderr_lines())


def test_progress_line():
    assert progress_line("orders", 12_000, 243_112, 12_000, 38, 60.0) == (
        "orders: 12,000 of 243,112 (4.9%), 38 requests/min, about 19 min left"
    )
    assert progress_line("orders", 0, 500, 0, 0, 31.0, waiting=29.4) == (
        "orders: 0 of 500 (0.0%), 0 requests/min, waiting 29 s more for the request budget"
    )
    assert progress_line("goods_movements", 1_997, 2_062, 1_997, 25, 30.0, 31.0) == (
        "goods_movements: 1,997 of 2,062 (96.8%), 25 requests/min, about 31 s left, "
        "waiting 31 s more for the request budget"
    )
    assert progress_line("order_types", 0, None, 1_234, 12, 40.0) == (
        "order_types: 1,234 records so far, 12 requests/min"
    )
    assert progress_line("x", 600, 500, 600, 5, 40.0).startswith("x: 600 of 500 (100.0%), 5 ")
    assert [duration(s) for s in (40, 100, 3_000, 7_500)] == [
        "40 s",
        "2 min",
        "50 min",
        "2 h 5 min",
    ]


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_budget_wait_lines(caplog):
    """A wait of 5 s or more is logged once with its reason; a short one is not."""
    ft = FakeTime()
    budget = RequestBudget(2, clock=ft.clock, sleep=ft.sleep)
    with caplog.at_level(logging.INFO, logger="tap-brightpearl"):
        for _ in range(2):  # two requests, answered at once
            budget.acquire()
            budget.finished()
        budget.acquire()  # the minute is full: 60.5 s (the minute and its margin)
        budget.observe(
            {"brightpearl-requests-remaining": "0", "brightpearl-next-throttle-period": "3000"}
        )
        budget.finished()
        budget.acquire()  # the pool is spent for 3 s: too short for a line
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Waiting 60 s for the request budget: 2 requests sent in the last minute "
        "(max_requests_per_minute: 2)"
    ]
    assert budget.per_minute() == 2  # the first two left the minute while it waited
