"""Bad input ends in one clear line, unretried, without secrets.

"Fast" is counted, not timed: retries announced by the tap (the bench times runs).
"""

from __future__ import annotations

import socket

import pytest
from helpers import ENDPOINT, UNTHROTTLED, assert_clean_failure, run_tap

STAFF = "sandbox-staff-token"
FAIL_FAST = 0  # retries allowed for errors that must not be retried
RETRIED = 4  # errors retried with bounded backoff first (5 tries: outages, garbled bodies)


def closed_port() -> int:
    """A local port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_bad(make_sandbox, tmp_path, *, sandbox=None, **overrides):
    """Run the tap on a fresh sandbox with config overrides; returns (sandbox, run, secrets)."""
    sb = make_sandbox(seed=41, **UNTHROTTLED, **(sandbox or {}))
    config = sb.tap_config(**overrides)
    run = run_tap(tmp_path, config, timeout=180)
    secrets = [STAFF, config.get("staff_token", "")]
    print(
        f"{overrides or sandbox}: exit {run.returncode} in {run.seconds:.1f}s; "
        f"last line: {run.last_stderr_line()}"
    )
    return sb, run, secrets


def test_wrong_token(make_sandbox, tmp_path):
    """A wrong staff token: 401 is not retried into a loop; the error says authentication."""
    sb, run, secrets = run_bad(make_sandbox, tmp_path, staff_token="WRONG-staff-token-777")
    secrets.append("WRONG-staff-token-777")
    assert_clean_failure(run, r"401|auth", secrets, FAIL_FAST)
    assert sb.counters()["requests_total"] <= 3


def test_unknown_account(make_sandbox, tmp_path):
    """An account code the server does not know (401, like the API): the line names the account."""
    _, run, secrets = run_bad(make_sandbox, tmp_path, account_code="no-such-account")
    assert_clean_failure(run, r"no-such-account", secrets, FAIL_FAST)


def test_wrong_datacenter_host(make_sandbox, tmp_path):
    """Nothing listens at the API host: connection errors retry a bounded time, then fail
    with a line naming the host it could not reach (the one thing a user must fix).

    `datacenter` is set too, but `api_url` wins (docs/contract.md), so nothing leaves the machine.
    """
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    _, run, secrets = run_bad(make_sandbox, tmp_path, api_url=url, datacenter="nowhere1")
    assert_clean_failure(run, rf"127\.0\.0\.1:{port}", secrets, RETRIED)


@pytest.mark.slow  # the tap's retry backoff (about 30 s): scheduled first
def test_malformed_json(make_sandbox, tmp_path):
    """The server answers 200 with a body that is not JSON: a clear error, not a traceback."""
    _, run, secrets = run_bad(make_sandbox, tmp_path, sandbox={"fault_malformed": 1.0})
    assert_clean_failure(run, r"json|malformed|decode|parse", secrets, RETRIED)


def test_rejected_filter_not_retried(make_sandbox, tmp_path):
    """A filter the server cannot parse (500 CMNC-018) is not retried: fails at once, says why."""
    sb, run, secrets = run_bad(make_sandbox, tmp_path, sandbox={"reject_filter": "updatedOn"})
    assert_clean_failure(run, r"CMNC-018", secrets, FAIL_FAST)
    endpoint = ENDPOINT.search(run.last_stderr_line())
    assert endpoint, "the error does not name the endpoint"
    # the rejected search is asked once; the run's other search on that endpoint (its first
    # page sent beside it, tests/test_tap_lookahead.py) is a different question, answered 200
    answers = sb.counters()["statuses"].get(endpoint.group(0).split("/")[-1], {})
    sent = answers.get("500", 0)
    assert sent == 1, f"{endpoint.group(0)} was asked {sent} times: the rejection was retried"
    assert set(answers) <= {"200", "500"}, answers


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("page_size", 501),
        ("id_batch_size", 201),
        ("page_size", 0),
        ("start_date", "last tuesday"),
        ("oauth_expires_at", "soon"),
        ("api_url", "127.0.0.1:8734"),
        ("auth_method", "oauth"),  # with no OAuth tokens in the config
        ("staff_token", ""),  # no credentials at all
    ],
)
def test_bad_setting(make_sandbox, tmp_path, setting, value):
    """A bad setting is a config error naming it, before any request is made."""
    sb, run, secrets = run_bad(make_sandbox, tmp_path, **{setting: value})
    cause = "staff_token|credentials" if setting == "staff_token" else setting
    assert_clean_failure(run, cause, secrets, FAIL_FAST)
    assert sb.counters()["requests_total"] == 0


def test_corrupt_state(make_sandbox, tmp_path):
    """A state file with a bookmark that is not a date-time (hand-edited, or written by another
    tool) ends in one clear line naming it, not a traceback."""
    sb = make_sandbox(seed=41, **UNTHROTTLED)
    bookmark = {"replication_key": "updatedOn", "replication_key_value": "27/11/2026"}
    run = run_tap(tmp_path, sb.tap_config(), state={"bookmarks": {"orders": bookmark}})
    print(f"corrupt state: exit {run.returncode}; last line: {run.last_stderr_line()}")
    assert_clean_failure(run, r"state|bookmark|27/11/2026", [STAFF], FAIL_FAST)
