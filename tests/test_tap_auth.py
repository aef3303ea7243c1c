"""The three auth modes, OAuth refresh (before expiry, on 401) and the rotated token write-back."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time

import pytest
from helpers import TAP, Run, clean_env, run_tap, selected_catalog

STREAMS = {"order_types", "brands"}


def oauth_config(sb, **overrides):
    config = {
        "account_code": "sandbox",
        "api_url": sb.url,
        "app_ref": "sandbox-app",
        "oauth_access_token": "sandbox-access-token",
        "oauth_refresh_token": "sandbox-refresh-token",
        "oauth_expires_at": int(time.time()) + 3600,
        "oauth_token_url": f"{sb.url}/token/{{account}}",
        "start_date": "2023-01-01T00:00:00Z",
    }
    config.update(overrides)
    return config


def run_with_file(tmp_path, config, name="run"):
    """Run with a config FILE (the write-back target); return (run, file contents after)."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    cat = tmp_path / "catalog.json"
    cat.write_text(json.dumps(selected_catalog(frozenset(STREAMS))))
    proc = subprocess.run(
        [str(TAP), "--config", str(path), "--catalog", str(cat)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr), json.loads(path.read_text()), path


def assert_ok(run, sb):
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records("order_types")) == len(sb.primary_keys("order_types"))
    for secret in ("sandbox-access-token", "sandbox-refresh-token", "sandbox-staff-token"):
        assert secret not in run.stderr
        assert secret not in run.stdout


def test_staff_token(sandbox, tmp_path):
    assert_ok(run_tap(tmp_path, sandbox.tap_config(), streams=STREAMS), sandbox)


def test_account_token(sandbox, tmp_path):
    config = {**sandbox.tap_config(), "account_token": "sandbox-account-token"}
    del config["staff_token"]
    assert_ok(run_tap(tmp_path, config, streams=STREAMS), sandbox)


def test_oauth_with_a_valid_token_does_not_refresh(make_sandbox, tmp_path):
    sb = make_sandbox(seed=1)
    run, after, _ = run_with_file(tmp_path, oauth_config(sb, dev_ref="sandbox-dev"))
    assert_ok(run, sb)
    assert sb.counters()["tokens_refreshed"] == 0
    assert after["oauth_refresh_token"] == "sandbox-refresh-token"


def _past(kind: str):
    moment = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)
    return {
        "epoch_s": int(moment.timestamp()),
        "epoch_ms": int(moment.timestamp() * 1000),
        "iso": moment.isoformat(),
        "near_expiry": int(time.time()) + 20,  # inside the refresh margin
    }[kind]


@pytest.mark.parametrize("kind", ["epoch_s", "epoch_ms", "iso", "near_expiry"])
def test_oauth_refreshes_before_expiry_and_writes_the_rotated_token_back(
    make_sandbox, tmp_path, kind
):
    sb = make_sandbox(seed=1)
    config = oauth_config(sb, oauth_expires_at=_past(kind))
    run, after, path = run_with_file(tmp_path, config)
    assert_ok(run, sb)
    counters = sb.counters()
    assert counters["tokens_refreshed"] == 1
    assert counters["auth_failures"] == 0  # refreshed before the first call, not after a 401
    assert after["oauth_refresh_token"] != "sandbox-refresh-token"
    assert after["oauth_access_token"] != "sandbox-access-token"
    assert after["oauth_expires_at"] > time.time()
    assert after["api_url"] == sb.url  # the rest of the file is kept
    assert after["oauth_api_domain"]  # as the token response gave it
    assert path.stat().st_mode & 0o777 == 0o600
    assert after["oauth_refresh_token"] not in run.stderr


def test_rotated_token_lets_the_next_run_refresh(make_sandbox, tmp_path):
    sb = make_sandbox(seed=1)
    first, after, _ = run_with_file(tmp_path, oauth_config(sb, oauth_expires_at=_past("epoch_s")))
    assert_ok(first, sb)
    sb.expire_tokens()
    second, again, _ = run_with_file(
        tmp_path, {**after, "oauth_expires_at": _past("iso")}, name="second"
    )
    assert_ok(second, sb)
    assert sb.counters()["tokens_refreshed"] == 2
    assert again["oauth_refresh_token"] != after["oauth_refresh_token"]


def test_oauth_refreshes_once_on_401_token_expired(make_sandbox, tmp_path):
    """The config says the token is good for an hour, but the API says it expired."""
    sb = make_sandbox(seed=1)
    sb.expire_tokens()
    run, after, _ = run_with_file(tmp_path, oauth_config(sb))
    assert_ok(run, sb)
    counters = sb.counters()
    assert counters["tokens_refreshed"] == 1
    assert counters["auth_failures"] == 1
    assert after["oauth_refresh_token"] != "sandbox-refresh-token"


def test_revoked_refresh_token_fails_with_one_clear_line(make_sandbox, tmp_path):
    sb = make_sandbox(seed=1)
    sb.revoke_refresh_tokens()
    run, after, _ = run_with_file(tmp_path, oauth_config(sb, oauth_expires_at=_past("epoch_s")))
    assert run.returncode == 1
    last = run.stderr_lines()[-1]
    assert "invalid_grant" in last
    assert "re-authorise" in last
    assert not run.stderr_lines()[-1].startswith(" ")
    assert "Traceback" not in run.stderr
    assert sb.counters()["tokens_refreshed"] == 0
    assert after["oauth_refresh_token"] == "sandbox-refresh-token"
    assert "sandbox-refresh-token" not in run.stderr
