"""OAuth tokens that expire, rotate or get revoked: refreshed, saved, or one clear error."""

from __future__ import annotations

import json
import threading
import time

import requests
from helpers import (
    UNTHROTTLED,
    assert_clean_failure,
    assert_complete,
    oauth_config,
    run_tap,
    write_json,
)

ACCESS, REFRESH = "sandbox-access-token", "sandbox-refresh-token"
# The mid-sync expiry case: tokens live LIFETIME s, each request sleeps LATENCY s in the sandbox.
LIFETIME, LATENCY = 2.0, 0.1


def token_requests(sb) -> int:
    """Requests the sandbox's OAuth token endpoint received (its counter name is "token")."""
    return sb.counters()["requests"].get("token", 0)


def refresh_works(sb, refresh_token: str, app_ref: str) -> bool:
    """Ask the sandbox's token endpoint directly whether a refresh token is still valid."""
    response = requests.post(
        f"{sb.url}/token/{sb.tap_config()['account_code']}",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": app_ref},
        timeout=10,
    )
    return response.status_code == 200


def test_expired_at_start_by_config(make_sandbox, tmp_path):
    """`oauth_expires_at` in the past: the tap refreshes before calling, then syncs fully."""
    sb = make_sandbox(seed=31, **UNTHROTTLED)
    run = run_tap(tmp_path, oauth_config(sb, oauth_expires_at=1_000_000_000))
    compared = assert_complete(sb, run)
    refreshed = sb.counters()["tokens_refreshed"]
    assert refreshed == 1, f"{refreshed} refreshes for one expired token"
    print(f"expired-by-config: {refreshed} refreshes, {compared} records, {run.seconds:.1f}s")


def test_expired_at_start_by_server(make_sandbox, tmp_path):
    """The config says the token is valid but the server says expired (401): refresh once, sync."""
    sb = make_sandbox(seed=31, **UNTHROTTLED)
    sb.expire_tokens()
    run = run_tap(tmp_path, oauth_config(sb))
    compared = assert_complete(sb, run)
    counters = sb.counters()
    assert counters["tokens_refreshed"] == 1, f"{counters['tokens_refreshed']} refreshes"
    assert counters["auth_failures"] >= 1, "the sandbox never rejected the expired token"
    print(
        f"expired-by-server: {counters['tokens_refreshed']} refreshes, "
        f"{counters['auth_failures']} 401s, {compared} records, {run.seconds:.1f}s"
    )


def test_token_expires_mid_sync(make_sandbox, tmp_path):
    """Tokens that live 2 s, in a sync that lasts several: refreshes as needed, nothing lost.

    "As needed" is bounded: at most one refresh per half-lifetime of the run's own duration
    (a token is reused for half its life). A fixed refresh margin longer than the token's
    lifetime would refresh before every request (each refresh also rotates the refresh token
    and rewrites the config file); the bound is the run's measured time, so a loaded machine
    (slower requests, a longer run) moves it with the run.
    """
    sb = make_sandbox(seed=31, token_lifetime=LIFETIME, latency=LATENCY, **UNTHROTTLED)
    run = run_tap(tmp_path, oauth_config(sb, oauth_expires_at=int(time.time()) + 2))
    compared = assert_complete(sb, run)
    counters = sb.counters()
    # Counted, not timed: a third refresh means the sync outlived two tokens the tap had been
    # issued mid-sync (each lives LIFETIME s; about 56 requests at LATENCY s each last longer).
    assert counters["tokens_refreshed"] >= 3, (
        f"{counters['tokens_refreshed']} refreshes: no token expired mid-sync"
    )
    # A 2 s token wants a refresh about every second of the run, not one per request.
    per_second = run.seconds / (LIFETIME / 2) + 1
    assert counters["tokens_refreshed"] <= per_second, (
        f"refresh storm: {counters['tokens_refreshed']} refreshes in {run.seconds:.1f} s, "
        f"{counters['requests_total']} requests"
    )
    assert counters["tokens_refreshed"] < counters["requests_total"], "refresh storm"
    print(
        f"mid-sync expiry: {counters['tokens_refreshed']} refreshes, {counters['auth_failures']} "
        f"401s, {counters['requests_total']} requests, {compared} records, {run.seconds:.1f}s"
    )


def test_rotated_refresh_token_is_written_back(make_sandbox, tmp_path):
    """A refresh rotates the refresh token; the tap saves it, so the next run can refresh too."""
    sb = make_sandbox(seed=31, **UNTHROTTLED)
    config = oauth_config(sb, oauth_expires_at=1_000_000_000)
    config_path = write_json(tmp_path / "config.json", config)

    first = run_tap(tmp_path, config_path, name="first")
    assert_complete(sb, first)
    saved = json.loads(config_path.read_text(encoding="utf-8"))
    assert saved["oauth_refresh_token"] != REFRESH, "rotated refresh token not written back"
    assert not refresh_works(sb, REFRESH, config["app_ref"]), "sandbox did not rotate"
    assert {k: v for k, v in saved.items() if not k.startswith("oauth_")} == {
        k: v for k, v in config.items() if not k.startswith("oauth_")
    }, "write-back changed settings other than the OAuth ones"

    sb.expire_tokens()
    before = sb.counters()["tokens_refreshed"]
    second = run_tap(tmp_path, config_path, name="second")
    assert_complete(sb, second)
    assert sb.counters()["tokens_refreshed"] > before, "second run did not refresh"
    print(f"rotation: refreshes {before} then {sb.counters()['tokens_refreshed']}")


def test_revoked_refresh_token_fails_fast(make_sandbox, tmp_path):
    """Expired access token and revoked refresh token: one clear error, no retry loop."""
    sb = make_sandbox(seed=31, **UNTHROTTLED)
    sb.revoke_refresh_tokens()
    sb.expire_tokens()
    config = oauth_config(sb, oauth_expires_at=1_000_000_000)
    run = run_tap(tmp_path, config, timeout=120)
    secrets = [ACCESS, REFRESH]
    assert_clean_failure(run, r"refresh|token|invalid_grant|oauth", secrets, max_retries=0)
    attempts = token_requests(sb)
    assert 1 <= attempts <= 2, f"{attempts} token requests"
    print(
        f"revoked: exit {run.returncode} in {run.seconds:.1f}s after {attempts} token requests; "
        f"last line: {run.last_stderr_line()}"
    )


def test_tokens_expired_by_server_during_parallel_fetches(make_sandbox, tmp_path):
    """The server expires the access token repeatedly while GET batches run in parallel.

    Several requests in flight get the same 401 "token expired"; one refresh must serve them
    all (a refresh per rejected request would rotate the refresh token under the others' feet
    and multiply refreshes), and the sync must still deliver every record.
    """
    sb = make_sandbox(
        seed=37,
        sizes={"orders": 1500, "products": 600, "contacts": 600},
        latency=0.05,
        **UNTHROTTLED,
    )
    stop = threading.Event()
    expirations = 0

    def expire_every_second() -> None:
        nonlocal expirations
        while not stop.wait(1.0):
            sb.expire_tokens()
            expirations += 1

    expirer = threading.Thread(target=expire_every_second, daemon=True)
    expirer.start()
    try:
        run = run_tap(tmp_path, oauth_config(sb, id_batch_size=50, max_parallel_requests=4))
    finally:
        stop.set()
        expirer.join(timeout=5)
    compared = assert_complete(sb, run)
    counters = sb.counters()
    print(
        f"parallel expiry: {expirations} server-side expirations, {counters['auth_failures']} "
        f"401s, {counters['tokens_refreshed']} refreshes, {counters['requests_total']} "
        f"requests, {compared} records, {run.seconds:.1f}s"
    )
    assert expirations >= 3, "the sync was too short to see the token expire"
    assert 1 <= counters["tokens_refreshed"] <= expirations + 1
