"""Transient faults change no record; an outage or a hung server fails clearly in bounded time."""

from __future__ import annotations

import json

import pytest
from helpers import (
    CONTRACT_KEYS,
    ENDPOINT,
    UNTHROTTLED,
    assert_clean_failure,
    run_tap,
)

SEED = 23
# Smaller pages and ID sets: more requests (so more injected faults) from the same small data.
SMALL_PAGES = {"page_size": 100, "id_batch_size": 50}


def by_key(run, stream) -> dict:
    """A stream's records keyed by contract PK (as canonical JSON for full comparison)."""
    return {
        key: json.dumps(record, sort_keys=True, default=str)  # Decimals by their digits
        for key, record in zip(run.keys(stream), run.records(stream), strict=True)
    }


@pytest.mark.slow  # the tap's retry backoff (about 30 s): scheduled first
def test_transient_faults_change_nothing(make_sandbox, tmp_path):
    """5% 500s, 3% 503 outages and 2% dropped connections: exit 0, records identical.

    Two sandboxes with the same seed serve identical data; the one with faults must yield
    exactly the same records (every field of every record of every stream) as the clean one.
    """
    clean_sb = make_sandbox(seed=SEED, **UNTHROTTLED)
    rates = {"fault_500": 0.05, "fault_503": 0.03, "fault_drop": 0.02}
    faulty_sb = make_sandbox(seed=SEED, **rates, **UNTHROTTLED)
    clean = run_tap(tmp_path, clean_sb.tap_config(**SMALL_PAGES), name="clean", timeout=300)
    faulty = run_tap(tmp_path, faulty_sb.tap_config(**SMALL_PAGES), name="faulty", timeout=300)
    assert clean.returncode == 0, clean.describe()
    assert faulty.returncode == 0, faulty.describe()

    faults = faulty_sb.counters()["faults"]
    assert sum(faults.values()) > 0, "no fault was injected: the test proves nothing"
    compared = 0
    for stream in CONTRACT_KEYS:
        want, got = by_key(clean, stream), by_key(faulty, stream)
        assert len(got) == len(faulty.records(stream)), f"{stream}: duplicate keys"
        assert got.keys() == want.keys(), (
            f"{stream}: missing {sorted(want.keys() - got.keys())[:5]}, "
            f"extra {sorted(got.keys() - want.keys())[:5]}"
        )
        diff = [k for k in want if want[k] != got[k]]
        assert not diff, f"{stream}: {len(diff)} records differ, e.g. {diff[:3]}"
        compared += len(want)
    print(
        f"faults served {faults} over {faulty_sb.counters()['requests_total']} requests; "
        f"{compared} records compared equal; "
        f"clean {clean.seconds:.1f}s, faulty {faulty.seconds:.1f}s"
    )


@pytest.mark.slow  # the tap's retry backoff (about 30 s): scheduled first
@pytest.mark.parametrize("knob", ["fault_503", "fault_500"])
def test_persistent_outage_fails_clearly(make_sandbox, tmp_path, knob):
    """Every request fails: the tap gives up in bounded time, naming the endpoint and status.

    A 503 without the throttle text is an outage, not throttling: it must use up the bounded
    retries rather than wait forever; a persistent 500 likewise.
    """
    sb = make_sandbox(seed=SEED, **{knob: 1.0}, **UNTHROTTLED)
    config = sb.tap_config()
    run = run_tap(tmp_path, config, timeout=240)
    status = knob.removeprefix("fault_")
    assert_clean_failure(run, rf"\b{status}\b", [config["staff_token"]], max_retries=4)
    assert run.retries() == 4, "an outage must use up the retries (5 tries), not fail at once"
    assert ENDPOINT.search(run.last_stderr_line()), run.last_stderr_line()
    print(
        f"{knob}=1.0: exit {run.returncode} after {run.seconds:.1f}s, "
        f"{sb.counters()['requests_total']} requests; last line: {run.last_stderr_line()}"
    )


@pytest.mark.slow  # timeouts and the retry backoff (about 35 s): scheduled first
def test_hung_server_times_out(make_sandbox, tmp_path):
    """A server that stops answering (5 s per request, `request_timeout` 1 s): the timeouts are
    retried a bounded number of times, then one line names the timeout and where it happened.
    """
    sb = make_sandbox(seed=SEED, latency=5.0, **UNTHROTTLED)
    config = sb.tap_config(request_timeout=1)
    run = run_tap(tmp_path, config, timeout=240)
    assert_clean_failure(run, r"time", [config["staff_token"]], max_retries=4)
    assert run.retries() == 4, "timeouts must use up the retries (5 tries), not fail at once"
    assert ENDPOINT.search(run.last_stderr_line()), run.last_stderr_line()
    print(
        f"hung server: exit {run.returncode} after {run.seconds:.1f}s, "
        f"{sb.counters()['requests_total']} requests; last line: {run.last_stderr_line()}"
    )
