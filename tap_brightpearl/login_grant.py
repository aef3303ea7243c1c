"""The OAuth authorization-code grant of ``tap-brightpearl-login``: the code and its tokens.

One sign-in (:class:`Login`): the authorize URL the admin opens, the redirect's code checked
against the sign-in's ``state``, the code exchanged at the token endpoint (a form POST), and
what the new grant gives the tap: its settings and the first record of its token store. The
terminal dialogue around it is login.py. No message carries a secret.
"""

from __future__ import annotations

import hmac
import typing as t
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from tap_brightpearl.settings import DEFAULT_TOKEN_URL
from tap_brightpearl.token_store import TokenKeeper, TokenSet, write_private_json

if t.TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from tap_brightpearl.settings import Settings

HINTS = {
    "invalid_client": "check app_ref (the client_id) and oauth_client_secret",
    "invalid_grant": "sign in again: a code works once, within minutes, with the same redirect URI",
    "access_denied": "the sign-in was not approved in Brightpearl",
}


class LoginError(Exception):
    """A failed sign-in; the message is one line, without secrets."""


@dataclass(frozen=True)
class Login:
    """One sign-in: who asks, where Brightpearl sends the browser back, and the state."""

    account: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    authorize_url: str  # {account} substituted
    token_url_template: str  # as written to the config ({account} kept)
    state: str

    @property
    def token_url(self) -> str:
        """The token endpoint of this account."""
        return self.token_url_template.replace("{account}", self.account)

    def browser_url(self) -> str:
        """The authorize URL the admin opens (every value URL-encoded)."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "state": self.state,
            }
        )
        return f"{self.authorize_url}?{query}"


def code_from(redirect: str, state: str) -> str:
    """The code of the redirect Brightpearl sent, after checking it answers this sign-in."""
    parts = urlsplit(redirect.strip())
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if not (parts.scheme and parts.netloc) or not {"code", "state", "error"} & set(query):
        msg = (
            "that is not the redirect URL: paste the whole address from the browser's "
            "address bar after approving the app (a URL with code= and state=)"
        )
        raise LoginError(msg)
    got = query.get("state", "")
    if not got and not query.get("error"):
        msg = "the redirect URL has no state=: paste the whole address, not a part of it"
        raise LoginError(msg)
    if not hmac.compare_digest(got.encode(), state.encode()):
        msg = (
            "state mismatch: the redirect does not answer this sign-in (an old or forged "
            "link); start again"
        )
        raise LoginError(msg)
    if error := query.get("error"):
        raise LoginError(
            describe("Brightpearl refused the sign-in", error, query.get("error_description"))
        )
    if not query.get("code"):
        msg = "the redirect has no code: paste the whole URL the browser was sent to"
        raise LoginError(msg)
    return query["code"]


def describe(what: str, error: str, description: t.Any) -> str:
    """``what: error (description); hint`` in one line."""
    text = f"{what}: {error}"
    if description:
        text += f" ({' '.join(str(description).split())})"
    if error in HINTS:
        text += f"; {HINTS[error]}"
    return text


def exchange(login: Login, code: str) -> dict[str, t.Any]:
    """The token endpoint's answer to the code (form-encoded authorization_code grant)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": login.client_id,
        "redirect_uri": login.redirect_uri,
    }
    if login.client_secret:
        form["client_secret"] = login.client_secret
    try:
        response = requests.post(login.token_url, data=form, timeout=60)
    except requests.RequestException as exc:
        msg = f"cannot reach the token URL {login.token_url} ({type(exc).__name__})"
        raise LoginError(msg) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        msg = f"the token URL {login.token_url} answered HTTP {response.status_code}, not JSON"
        raise LoginError(msg)
    if response.status_code != 200 or "error" in body:
        raise LoginError(
            describe(
                f"the token endpoint refused the code (HTTP {response.status_code})",
                str(body.get("error", "error")),
                body.get("error_description"),
            )
        )
    if not body.get("access_token") or not body.get("refresh_token"):
        msg = "the token endpoint's answer has no access_token or refresh_token"
        raise LoginError(msg)
    return body


def config_updates(login: Login, body: Mapping[str, t.Any], now: float) -> dict[str, t.Any]:
    """The settings the new grant gives the tap."""
    updates: dict[str, t.Any] = {
        "auth_method": "oauth",
        "account_code": login.account,
        "app_ref": login.client_id,
        "oauth_access_token": body["access_token"],
        "oauth_refresh_token": body["refresh_token"],
        "oauth_token_type": body.get("token_type") or "Bearer",
    }
    if expires_in := body.get("expires_in"):
        expires = datetime.fromtimestamp(now + float(expires_in), tz=timezone.utc)
        updates["oauth_expires_at"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        updates["oauth_expires_in"] = int(float(expires_in))
    for key in ("api_domain", "installation_instance_id"):
        if body.get(key):
            updates[f"oauth_{key}"] = str(body[key])
    if login.token_url_template != DEFAULT_TOKEN_URL:
        updates["oauth_token_url"] = login.token_url_template
    return updates


def seed_store(settings: Settings, login: Login, body: Mapping[str, t.Any], now: float) -> Path:
    """Write the new grant to the tap's token store (where the first run looks)."""
    grant = replace(settings, account=login.account, app_ref=login.client_id)
    keeper = TokenKeeper.for_settings(grant, login.token_url, None)
    expires_in = float(body["expires_in"]) if body.get("expires_in") else None
    tokens = TokenSet(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_at=now + expires_in if expires_in else None,
        expires_in=expires_in,
        token_type=body.get("token_type") or "Bearer",
        api_domain=body.get("api_domain"),
        issued_at=now,
    )
    write_private_json(keeper.store_path, tokens.record(keeper.grant))
    return keeper.store_path
