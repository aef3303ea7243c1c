"""Host and credential mistakes fail fast with a line that says what to fix.

DNS: no query may leave the machine, so the tap runs with ``tests/offline_dns`` on its
``PYTHONPATH`` (a resolver that knows no host name but ``localhost``): a mistyped ``datacenter``
and an unknown ``api_url`` host fail end to end exactly as an unknown name does; the
``oauth_api_domain`` path builds the same line, tested at the message builder.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
import requests
from helpers import run_tap
from singer_sdk.exceptions import FatalAPIError

from tap_brightpearl import diagnose
from tap_brightpearl.tap import TapBrightpearl

SECRET = "sandbox-staff-token"
OFFLINE_DNS = {"PYTHONPATH": str(Path(__file__).parent / "offline_dns")}


def free_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(**overrides):
    return {"account_code": "sandbox", "app_ref": "sandbox-app", "staff_token": SECRET, **overrides}


def failed_fast(tmp_path, cfg):
    """Fast is counted, not timed: not one retry (the backoff alone would take 30 s)."""
    run = run_tap(tmp_path, cfg, streams={"orders", "brands"}, timeout=120, env=OFFLINE_DNS)
    lines = run.stderr_lines()
    print(f"exit {run.returncode} in {run.seconds:.1f} s; last line: {lines[-1]}")
    assert run.returncode == 1
    assert run.retries() == 0, run.describe()
    assert not any("Retrying" in line or "Backing off" in line for line in lines)
    assert SECRET not in run.stderr
    return lines[-1]


def test_refused_connection_on_the_first_request_fails_at_once(tmp_path):
    port = free_port()
    last = failed_fast(tmp_path, config(api_url=f"http://127.0.0.1:{port}"))
    assert f"Sync failed: cannot reach 127.0.0.1:{port}: the connection was refused" in last
    assert f"The host comes from api_url = http://127.0.0.1:{port}" in last
    assert "euw1, use1" in last
    assert "ws-eu1.brightpearl.com" in last


def test_unresolvable_host_fails_at_once(tmp_path):
    last = failed_fast(tmp_path, config(api_url="https://eu1.tap-brightpearl-test.invalid"))
    assert "cannot reach eu1.tap-brightpearl-test.invalid: the host name does not resolve" in last
    assert "api_url = https://eu1.tap-brightpearl-test.invalid" in last


def test_mistyped_datacenter_fails_at_once(tmp_path):
    last = failed_fast(tmp_path, config(datacenter="eu1"))
    assert "cannot reach eu1.brightpearlconnect.com: the host name does not resolve" in last
    assert "datacenter = eu1" in last
    assert "euw1, use1" in last


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"datacenter": "eu1"}, "datacenter = eu1;"),
        ({}, "datacenter = euw1 (the default);"),
        (
            {
                "oauth_access_token": "x",
                "oauth_api_domain": "ws-eu9.brightpearl.com",
                "datacenter": "euw1",
            },
            "oauth_api_domain = ws-eu9.brightpearl.com;",
        ),
        (
            {"api_url": "https://user:pw@bp.example.invalid:8443/", "datacenter": "eu1"},
            "api_url = https://bp.example.invalid:8443;",
        ),
    ],
)
def test_the_line_names_the_setting_that_chose_the_host(settings, named):
    line = diagnose.unreachable(
        config(**settings), "https://h.invalid/public-api/x/y?z=1", diagnose.DNS
    )
    assert line.startswith("cannot reach h.invalid: the host name does not resolve. ")
    assert named in line
    assert "known datacentres: euw1, use1" in line
    assert "pw" not in line
    assert "z=1" not in line


def test_connection_errors_are_classified():
    port = free_port()
    with pytest.raises(requests.exceptions.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert diagnose.wrong_host(refused.value) == diagnose.REFUSED
    assert diagnose.wrong_host(requests.exceptions.ConnectionError("reset")) is None


def test_refused_after_the_host_answered_is_still_retried(make_sandbox, caplog):
    """Later in a run a refused connection is an outage: retried, then one line naming the
    setting."""
    sb = make_sandbox(seed=5)
    tap = TapBrightpearl(config=sb.tap_config(), parse_env_config=False)
    stream = tap.streams["brands"]
    stream.backoff_max_tries = lambda: 2  # one retry is enough to see it
    stream.fetch("product-service/brand-search")
    sb.stop()
    with caplog.at_level(logging.INFO), pytest.raises(FatalAPIError) as failed:
        stream.fetch("product-service/brand-search")
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retries) == 1, retries
    assert retries[0].endswith("ConnectionError: the connection was refused")
    line = str(failed.value)
    assert line.startswith(f"ConnectionError calling {sb.url}/public-api/sandbox/product-service/")
    assert "(retries exhausted): the connection was refused. The host comes from api_url" in line


def test_401_says_what_to_check(make_sandbox, tmp_path):
    sb = make_sandbox(seed=5)
    run = run_tap(tmp_path, sb.tap_config(staff_token="WRONG-token-4242"), streams={"brands"})
    last = run.stderr_lines()[-1]
    print(last)
    assert run.returncode == 1
    assert "HTTP 401 from /public-api/sandbox/" in last
    assert "token. Check account_code ('sandbox'), app_ref ('sandbox-app') and staff_token" in last
    assert "WRONG-token-4242" not in run.stderr
