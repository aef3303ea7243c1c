"""No secret reaches stdout, stderr or the state file."""

from __future__ import annotations

import json

import pytest
from helpers import (
    UNTHROTTLED,
    assert_no_secrets,
    oauth_config,
    run_tap,
    write_json,
)

CREDENTIALS = {
    "staff_token": "SECRET-staff-1234",
    "account_token": "SECRET-account-5678",
    "access_token": "SECRET-access-9012",
    "refresh_token": "SECRET-refresh-3456",
}
CLIENT_SECRET = "SECRET-client-7890"


def outputs_clean(run, tmp_path, secrets) -> None:
    """The run's stdout, stderr and the state file Meltano would store hold no secret."""
    state = run.last_state()
    state_text = "" if state is None else write_json(tmp_path / "state.json", state).read_text()
    assert_no_secrets(run, secrets, state_text)


@pytest.mark.parametrize("method", ["staff_token", "account_token"])
def test_app_token_never_printed(make_sandbox, tmp_path, method):
    """Full sync with a recognisable staff (or account) token, then a failing run with a wrong
    one (whose value must not be echoed in the error either)."""
    sb = make_sandbox(seed=61, client_secret=CLIENT_SECRET, **CREDENTIALS, **UNTHROTTLED)
    base = {k: v for k, v in sb.tap_config().items() if k != "staff_token"}
    ok = run_tap(tmp_path, {**base, method: CREDENTIALS[method]}, name="ok")
    assert ok.returncode == 0, ok.describe()
    assert len(ok.records("orders")) > 0
    outputs_clean(ok, tmp_path, CREDENTIALS.values())

    wrong = f"SECRET-wrong-{method}-4321"
    failed = run_tap(tmp_path, {**base, method: wrong}, name="failed")
    assert failed.returncode != 0
    outputs_clean(failed, tmp_path, [*CREDENTIALS.values(), wrong])


def test_oauth_tokens_never_printed(make_sandbox, tmp_path):
    """OAuth sync with refresh (and rotation): neither the given nor the issued tokens leak.

    The issued ones are read back from the config file the tap rewrote, the only place they
    belong.
    """
    sb = make_sandbox(seed=61, client_secret=CLIENT_SECRET, **CREDENTIALS, **UNTHROTTLED)
    config = oauth_config(sb, oauth_client_secret=CLIENT_SECRET, oauth_expires_at=1_000_000_000)
    path = write_json(tmp_path / "config.json", config)
    run = run_tap(tmp_path, path)
    assert run.returncode == 0, run.describe()
    assert sb.counters()["tokens_refreshed"] >= 1
    saved = json.loads(path.read_text(encoding="utf-8"))
    issued = [saved["oauth_access_token"], saved["oauth_refresh_token"]]
    assert not set(issued) & {CREDENTIALS["access_token"], CREDENTIALS["refresh_token"]}
    outputs_clean(run, tmp_path, [*CREDENTIALS.values(), CLIENT_SECRET, *issued])


def test_secret_from_environment_never_printed(make_sandbox, tmp_path):
    """The platform's way: the staff token arrives as `PAN_SEC_BRIGHTPEARL-STAFF_TOKEN` with
    `--config ENV` (docs/contract.md), the rest from the config file; it is used and never shown."""
    secret = "SECRET-env-staff-2468"
    sb = make_sandbox(seed=61, staff_token=secret, **UNTHROTTLED)
    config = {k: v for k, v in sb.tap_config().items() if k != "staff_token"}
    run = run_tap(
        tmp_path, config, args=("--config", "ENV"), env={"PAN_SEC_BRIGHTPEARL-STAFF_TOKEN": secret}
    )
    assert run.returncode == 0, run.describe()
    assert len(run.records("orders")) > 0
    outputs_clean(run, tmp_path, [secret])
