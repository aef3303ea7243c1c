"""OAuth sign-in against the sandbox: the authorize redirect and the authorization-code grant."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

APP = "sandbox-app"
REDIRECT = "http://127.0.0.1:8765/callback"
NO_SUCH = {
    "error": "invalid_grant",
    "error_description": "The auth token has either expired or does not exist",
}
WRONG_REDIRECT = {
    "error": "invalid_grant",
    "error_description": "Redirect uri does not match that used to request auth token",
}


def authorize(call, sb, account=None, **query):
    params = {
        "response_type": "code",
        "client_id": APP,
        "redirect_uri": REDIRECT,
        "state": "st+/=8",
        **query,
    }
    return call(
        sb,
        f"/authorize/{account or sb.knobs['account']}?{urlencode(params)}",
        api=False,
        headers={},
    )


def redirected(reply):
    """The redirect's target (without query) and its query parameters."""
    assert reply.status == 302
    location = urlsplit(reply.headers["location"])
    return (
        f"{location.scheme}://{location.netloc}{location.path}",
        {k: v[0] for k, v in parse_qs(location.query).items()},
    )


def exchange(call, sb, code, redirect_uri=REDIRECT, client_id=APP, **extra):
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            **extra,
        }
    ).encode()
    return call(
        sb,
        f"/token/{sb.knobs['account']}",
        method="POST",
        body=form,
        api=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def code_of(call, sb, **query):
    return redirected(authorize(call, sb, **query))[1]["code"]


def test_sign_in_end_to_end(call, make_sandbox):
    sb = make_sandbox()
    target, params = redirected(authorize(call, sb))
    assert target == REDIRECT
    assert params["state"] == "st+/=8"
    reply = exchange(call, sb, params["code"])
    assert reply.status == 200
    body = reply.json()
    assert list(body) == [
        "access_token",
        "refresh_token",
        "installation_instance_id",
        "api_domain",
        "token_type",
        "expires_in",
    ]
    assert body["installation_instance_id"] == "13"
    assert body["api_domain"] == f"127.0.0.1:{sb.port}"
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    headers = {"brightpearl-app-ref": APP, "Authorization": f"Bearer {body['access_token']}"}
    assert call(sb, "order-service/order-status", headers=headers).status == 200
    form = urlencode(
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": APP}
    ).encode()
    assert (
        call(
            sb,
            "/token/sandbox",
            method="POST",
            body=form,
            api=False,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ).status
        == 200
    )
    counters = sb.counters()
    assert counters["requests"]["authorize"] == 1
    assert counters["requests"]["token"] == 2
    assert (counters["codes_exchanged"], counters["tokens_refreshed"]) == (1, 1)


def test_a_code_is_single_use_and_unknown_codes_are_refused(call, make_sandbox):
    sb = make_sandbox()
    code = code_of(call, sb)
    assert exchange(call, sb, code).status == 200
    again = exchange(call, sb, code)
    assert (again.status, again.json()) == (400, NO_SUCH)
    unknown = exchange(call, sb, "not-a-code")
    assert (unknown.status, unknown.json()) == (400, NO_SUCH)


def test_a_different_redirect_uri_is_refused_and_burns_the_code(call, make_sandbox):
    sb = make_sandbox()
    code = code_of(call, sb)
    reply = exchange(call, sb, code, redirect_uri=REDIRECT + "/")
    assert (reply.status, reply.json()) == (400, WRONG_REDIRECT)
    assert exchange(call, sb, code).json() == NO_SUCH


def test_a_wrong_client_is_invalid_client(call, make_sandbox):
    sb = make_sandbox(client_secret="s3cret+/=")
    code = code_of(call, sb)
    for extra in ({"client_id": "other-app", "client_secret": "s3cret+/="}, {}):
        reply = exchange(call, sb, code, **extra)
        assert (reply.status, reply.json()) == (400, {"error": "invalid_client"})
    assert exchange(call, sb, code, client_secret="s3cret+/=").status == 200


def test_an_expired_code_is_refused(call, make_sandbox):
    sb = make_sandbox(code_lifetime=0.0)
    assert exchange(call, sb, code_of(call, sb)).json() == NO_SUCH


def test_the_refusal_knob_redirects_with_access_denied(call, make_sandbox):
    sb = make_sandbox(authorize_deny=True)
    target, params = redirected(authorize(call, sb))
    assert target == REDIRECT
    assert params == {"error": "access_denied", "state": "st+/=8"}
    sb.configure(authorize_deny=False)
    assert "code" in redirected(authorize(call, sb))[1]


def test_the_redirect_keeps_the_uri_query_and_an_odd_response_type_is_refused(call, make_sandbox):
    sb = make_sandbox()
    reply = authorize(call, sb, redirect_uri=REDIRECT + "?tenant=a")
    assert reply.headers["location"].startswith(REDIRECT + "?tenant=a&code=")
    assert redirected(authorize(call, sb, response_type="token"))[1] == {
        "error": "unsupported_response_type",
        "state": "st+/=8",
    }


@pytest.mark.parametrize(
    ("query", "account"),
    [
        ({"client_id": "other-app"}, None),
        ({"redirect_uri": "javascript:alert(1)"}, None),
        ({"redirect_uri": "http://127.0.0.1:9/not-registered"}, None),
        ({}, "nobody"),
    ],
    ids=["client", "scheme", "unregistered", "account"],
)
def test_no_redirect_without_a_valid_client_account_and_redirect_uri(
    call, make_sandbox, query, account
):
    sb = make_sandbox(redirect_uris=[REDIRECT])
    reply = authorize(call, sb, account=account, **query)
    assert reply.status == 400
    assert "location" not in reply.headers
    assert "error" in reply.json()
    assert redirected(authorize(call, sb))[0] == REDIRECT  # the registered one is fine
