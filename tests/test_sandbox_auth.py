"""Authentication modes, OAuth token endpoint, and the throttle window of the sandbox."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

PATH = "order-service/order-status"
APP = {"brightpearl-app-ref": "sandbox-app"}


def bearer(token: str) -> dict[str, str]:
    return {**APP, "Authorization": f"Bearer {token}"}


def refresh(call, sb, token, client_id="sandbox-app", **extra):
    form = urlencode(
        {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id, **extra}
    ).encode()
    return call(
        sb,
        f"/token/{sb.knobs['account']}",
        method="POST",
        body=form,
        api=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


@pytest.mark.parametrize(
    "headers",
    [
        {**APP, "brightpearl-staff-token": "sandbox-staff-token"},
        {**APP, "brightpearl-account-token": "sandbox-account-token"},
        bearer("sandbox-access-token"),
        {"Brightpearl-App-Ref": "sandbox-app", "Brightpearl-Staff-Token": "sandbox-staff-token"},
    ],
    ids=["staff", "account", "oauth", "capitalised"],
)
def test_each_auth_mode_is_accepted(call, sandbox, headers):
    assert call(sandbox, PATH, headers=headers).status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"brightpearl-staff-token": "sandbox-staff-token"},
        {**APP, "brightpearl-staff-token": "wrong"},
        {"brightpearl-app-ref": "other-app", "brightpearl-staff-token": "sandbox-staff-token"},
        {**APP, "brightpearl-account-token": "sandbox-staff-token"},
        {"Authorization": "Bearer sandbox-access-token"},
        {**APP, "Authorization": "Basic c2FuZGJveA=="},
    ],
    ids=["none", "no-app-ref", "bad-staff", "bad-app-ref", "crossed", "bearer-no-app", "basic"],
)
def test_anything_else_gets_the_401_string_body(call, sandbox, headers):
    reply = call(sandbox, PATH, headers=headers)
    assert reply.status == 401
    body = reply.json()
    assert set(body) == {"response"}
    assert isinstance(body["response"], str)
    assert "brightpearl-requests-remaining" in reply.headers


def test_unknown_bearer_and_unknown_account(call, sandbox):
    reply = call(sandbox, PATH, headers=bearer("not-a-token"))
    assert (reply.status, reply.json()) == (401, {"response": "Invalid instance token"})
    other = call(sandbox, "/public-api/nobody/order-service/order-status", api=False)
    assert other.status == 401
    assert other.json()["response"].startswith("Not authenticated")


def test_oauth_expiry_refresh_and_rotation(call, make_sandbox):
    sb = make_sandbox(token_lifetime=600)
    assert call(sb, PATH, headers=bearer("sandbox-access-token")).status == 200
    sb.expire_tokens()
    expired = call(sb, PATH, headers=bearer("sandbox-access-token"))
    assert (expired.status, expired.json()) == (401, {"response": "Authorization token expired"})

    reply = refresh(call, sb, "sandbox-refresh-token")
    assert reply.status == 200
    grant = reply.json()
    assert grant["token_type"] == "Bearer"
    assert grant["expires_in"] == 600
    assert grant["api_domain"] == f"127.0.0.1:{sb.port}"
    assert {"access_token", "refresh_token"} <= set(grant)
    assert any(c in grant["access_token"] for c in "+/=")
    assert call(sb, PATH, headers=bearer(grant["access_token"])).status == 200

    reused = refresh(call, sb, "sandbox-refresh-token")
    assert (reused.status, reused.json()) == (
        400,
        {
            "error": "invalid_grant",
            "error_description": "The auth token has either expired or does not exist",
        },
    )
    rotated = refresh(call, sb, grant["refresh_token"])
    assert rotated.status == 200
    assert sb.counters()["tokens_refreshed"] == 2


def test_short_token_lifetime_expires_by_itself(call, make_sandbox):
    # long enough for two calls on a loaded machine, short enough to wait for
    sb = make_sandbox(token_lifetime=2.0)
    grant = refresh(call, sb, "sandbox-refresh-token").json()
    assert call(sb, PATH, headers=bearer(grant["access_token"])).status == 200
    deadline = time.monotonic() + 60
    while call(sb, PATH, headers=bearer(grant["access_token"])).status == 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert call(sb, PATH, headers=bearer(grant["access_token"])).json() == {
        "response": "Authorization token expired"
    }


def test_bad_client_bad_grant_type_and_revocation(call, make_sandbox):
    sb = make_sandbox(client_secret="s3cret")
    assert refresh(call, sb, "sandbox-refresh-token", client_id="other").json() == {
        "error": "invalid_client"
    }
    assert refresh(call, sb, "sandbox-refresh-token").json() == {"error": "invalid_client"}
    assert refresh(call, sb, "sandbox-refresh-token", client_secret="s3cret").status == 200
    sb.revoke_refresh_tokens()
    assert refresh(call, sb, "anything", client_secret="s3cret").json()["error"] == (
        "invalid_grant"
    )
    form = urlencode({"grant_type": "password", "client_id": "sandbox-app"}).encode()
    bad = call(
        sb,
        "/token/sandbox",
        method="POST",
        body=form,
        api=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad.status == 400


def test_expire_tokens_early_switch(call, make_sandbox):
    sb = make_sandbox(expire_tokens_early=True)
    assert call(sb, PATH, headers=bearer("sandbox-access-token")).json() == {
        "response": "Authorization token expired"
    }
    assert call(sb, PATH).status == 200


def test_credentials_are_overridable(call, make_sandbox):
    sb = make_sandbox(account="acme", app_ref="acme_tap", staff_token="tok")
    headers = {"brightpearl-app-ref": "acme_tap", "brightpearl-staff-token": "tok"}
    assert (
        call(sb, "/public-api/acme/order-service/order-type", headers=headers, api=False).status
        == 200
    )
    assert (
        call(sb, "/public-api/sandbox/order-service/order-type", headers=headers, api=False).status
        == 401
    )
    assert sb.tap_config()["account_code"] == "acme"
    assert sb.tap_config(page_size=10)["page_size"] == 10


# -- throttle -----------------------------------------------------------------------------


def test_throttle_headers_window_and_503(call, make_sandbox):
    sb = make_sandbox(throttle_limit=5, throttle_window=1.0)
    sb.hold_throttle_clock()  # the 7 requests share one window however slowly they are made
    remaining = []
    for _ in range(5):
        reply = call(sb, PATH)
        assert reply.status == 200
        remaining.append(int(reply.headers["brightpearl-requests-remaining"]))
        assert int(reply.headers["brightpearl-next-throttle-period"]) == 1000
    assert remaining == [4, 3, 2, 1, 0]
    throttled = call(sb, PATH)
    assert throttled.status == 503
    assert throttled.json() == {
        "response": "You have sent too many requests. Please wait before sending another request"
    }
    wait_ms = int(throttled.headers["brightpearl-next-throttle-period"])
    assert wait_ms == 1000
    time.sleep(wait_ms / 1000)
    assert call(sb, PATH).status == 503, "the held clock let a request leave the window"
    sb.hold_throttle_clock(False)
    time.sleep(wait_ms / 1000)  # exactly the advertised period is enough (rounded up)
    assert call(sb, PATH).status == 200
    c = sb.counters()
    assert c["throttled"] == 2
    assert c["max_in_window"] == 5
    assert c["requests_total"] == 8


def test_401s_consume_quota_throttled_503s_do_not(call, make_sandbox):
    sb = make_sandbox(throttle_limit=3, throttle_window=30.0)
    assert call(sb, PATH, headers={}).status == 401
    assert call(sb, PATH, headers={}).headers["brightpearl-requests-remaining"] == "1"
    assert call(sb, PATH).status == 200
    for _ in range(3):
        assert call(sb, PATH).status == 503
    assert sb.counters()["auth_failures"] == 2
    assert sb.counters()["max_in_window"] == 3


def test_throttle_is_per_account_and_configurable_live(call, make_sandbox):
    sb = make_sandbox(throttle_limit=1, throttle_window=30.0)
    assert call(sb, PATH).status == 200
    assert call(sb, PATH).status == 503
    assert call(sb, "/public-api/other/order-service/order-status", api=False).status == 401
    sb.configure(throttle_limit=10)
    assert call(sb, PATH).status == 200
