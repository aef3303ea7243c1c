"""Authentication: the three header modes of the API and the OAuth token endpoint.

Staff token, account token (each with ``brightpearl-app-ref``) and OAuth bearer tokens (with
the app ref too). The token endpoint ``POST /token/{account}`` takes the refresh grant, and
refresh tokens rotate (the old one is invalid once used). Secrets are compared in constant time
and never logged.
"""

from __future__ import annotations

import base64
import hmac
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .counters import Counters
    from .pipeline import Headers

NOT_AUTHENTICATED = "Not authenticated. You must provide a valid authentication token."
NO_SUCH_TOKEN = "The auth token has either expired or does not exist"  # noqa: S105 - a message
Grant = tuple[int, dict[str, Any]]


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (None never matches)."""
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


class Auth:
    """Issued tokens and the checks on every API request."""

    def __init__(self, seed: int, knobs: dict[str, Any], counters: Counters,
                 api_domain: Callable[[], str]) -> None:
        self._seed = seed
        self._knobs = knobs
        self._counters = counters
        self._api_domain = api_domain
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}  # access token -> expiry (epoch s)
        self._refresh: set[str] = set()
        self._serial = 0
        self.issue_default_tokens()

    def issue_default_tokens(self) -> None:
        """Make the knobs' ``access_token`` and ``refresh_token`` valid."""
        with self._lock:
            k = self._knobs
            expiry = 0.0 if k["expire_tokens_early"] else time.time() + float(k["token_lifetime"])
            self._access[k["access_token"]] = expiry
            self._refresh.add(k["refresh_token"])

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired from now on."""
        with self._lock:
            for token in self._access:
                self._access[token] = 0.0

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far is invalid from now on."""
        with self._lock:
            self._refresh.clear()

    def check(self, account: str, headers: Headers) -> str | None:
        """None when the request is authenticated, else the text of the 401 answer."""
        k = self._knobs
        app = headers.get("brightpearl-app-ref")
        if account != k["account"]:
            return NOT_AUTHENTICATED
        auth = headers.get("authorization")
        if auth is not None:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token:
                return NOT_AUTHENTICATED
            with self._lock:
                expiry = self._access.get(token.strip())
            if expiry is None:
                return "Invalid instance token"
            if expiry <= time.time():
                return "Authorization token expired"
            return None if same(app, k["app_ref"]) else NOT_AUTHENTICATED
        if not same(app, k["app_ref"]):
            return NOT_AUTHENTICATED
        staff = headers.get("brightpearl-staff-token")
        if staff is not None:
            return None if same(staff, k["staff_token"]) else NOT_AUTHENTICATED
        acct = headers.get("brightpearl-account-token")
        if acct is not None:
            return None if same(acct, k["account_token"]) else NOT_AUTHENTICATED
        return NOT_AUTHENTICATED

    def token(self, account: str, form: Mapping[str, str]) -> Grant:
        """``POST /token/{account}``: (HTTP status, JSON body) of the grant in ``form``."""
        grant = form.get("grant_type")
        if grant != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if not self._client_ok(form):
            return 400, {"error": "invalid_client"}
        with self._lock:
            old = form.get("refresh_token", "")
            if account != self._knobs["account"] or old not in self._refresh:
                return 400, {"error": "invalid_grant", "error_description": NO_SUCH_TOKEN}
            self._refresh.discard(old)
            body = self._issue()
        self._counters.add("tokens_refreshed")
        return 200, body

    def _client_ok(self, form: Mapping[str, str]) -> bool:
        k = self._knobs
        secret = k["client_secret"]
        return same(form.get("client_id"), k["client_id"] or k["app_ref"]) and (
            secret is None or same(form.get("client_secret"), secret))

    def _issue(self) -> dict[str, Any]:
        """A new access and refresh token pair (caller holds the lock)."""
        self._serial += 1
        raw = f"{self._seed}:{self._serial}:{time.time_ns()}".encode()
        access = base64.b64encode(b"access+/" + raw).decode()
        refresh = base64.b64encode(b"refresh+/" + raw).decode()
        lifetime = float(self._knobs["token_lifetime"])
        self._access[access] = time.time() + lifetime
        self._refresh.add(refresh)
        return {"access_token": access, "refresh_token": refresh,
                "api_domain": self._api_domain(), "token_type": "Bearer",
                "expires_in": int(lifetime)}
