"""The command line: config checked up front, discovery/about without config, ENV, logs."""

from __future__ import annotations

import json

import pytest
from helpers import run_tap

STAFF = "sandbox-staff-token"


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"staff_token": None}, "staff_token"),
        ({"auth_method": "oauth"}, "oauth_access_token"),
        ({"auth_method": "account_token"}, "account_token"),
        ({"account_code": None}, "account_code"),
        ({"app_ref": None}, "app_ref"),
        ({"page_size": 501}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"id_batch_size": 201}, "id_batch_size"),
        ({"auth_method": "magic"}, "auth_method"),
        ({"oauth_expires_at": "tomorrow", "auth_method": "staff_token"}, "oauth_expires_at"),
    ],
)
def test_bad_config_fails_before_any_request(sandbox, tmp_path, change, setting):
    config = {k: v for k, v in {**sandbox.tap_config(), **change}.items() if v is not None}
    before = sandbox.counters()["requests_total"]
    run = run_tap(tmp_path, config, timeout=60)
    assert run.returncode == 1, run.stderr[-2000:]
    assert sandbox.counters()["requests_total"] == before
    lines = run.stderr_lines()
    assert any(setting in line for line in lines), lines
    assert not any(line.startswith("Traceback") for line in lines), run.stderr
    assert STAFF not in run.stderr


@pytest.mark.parametrize("args", [("--discover",), ("--about",), ("--about", "--format=json")])
def test_discover_and_about_need_no_config(tmp_path, args):
    run = run_tap(tmp_path, None, args=args, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    if args == ("--discover",):
        streams = {s["tap_stream_id"] for s in json.loads(run.stdout)["streams"]}
        assert len(streams) == 49  # the 48 of the contract and deleted_records
    elif "--format=json" in args:
        about = json.loads(run.stdout)
        props = about["settings"]["properties"]
        assert props["staff_token"]["secret"] is True
        assert all(p.get("description") for p in props.values())


def test_config_env_reads_pan_secrets(sandbox, tmp_path):
    config = sandbox.tap_config()
    env = {
        "TAP_BRIGHTPEARL_ACCOUNT_CODE": config["account_code"],
        "TAP_BRIGHTPEARL_API_URL": config["api_url"],
        "TAP_BRIGHTPEARL_APP_REF": config["app_ref"],
        "PAN_SEC_BRIGHTPEARL-STAFF_TOKEN": config["staff_token"],
    }
    run = run_tap(
        tmp_path, None, args=("--config", "ENV"), env=env, streams={"order_types"}, timeout=60
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records("order_types")) == len(sandbox.primary_keys("order_types"))


def test_logs_name_account_host_auth_and_stream_totals(sandbox, tmp_path):
    run = run_tap(tmp_path, sandbox.tap_config(), streams={"orders", "order_rows", "brands"})
    assert run.returncode == 0, run.stderr[-2000:]
    start = [line for line in run.stderr_lines() if "Syncing Brightpearl account" in line]
    assert len(start) == 1
    assert "'sandbox'" in start[0]
    assert sandbox.url in start[0]
    assert "staff_token auth" in start[0]
    assert "brands, order_rows, orders" in start[0]
    orders = [line for line in run.stderr_lines() if "Stream 'orders' done:" in line]
    assert len(orders) == 1
    assert f"{len(sandbox.primary_keys('orders'))} records" in orders[0]
    assert STAFF not in run.stderr
    assert STAFF not in run.stdout
