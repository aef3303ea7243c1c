"""Authentication: the three header modes of the API and OAuth sign-in, code and refresh.

Staff token, account token (each with ``brightpearl-app-ref``) and OAuth bearer tokens (with
the app ref too). ``GET /authorize/{account}`` approves at once (or refuses, knob
``authorize_deny``) and redirects to ``redirect_uri`` with a single-use ``code`` and the same
``state``. The token endpoint ``POST /token/{account}`` takes the authorization-code grant and
the refresh grant; refresh tokens rotate (the old one is invalid once used). Error answers are
Brightpearl's recorded ones (docs/api-notes.md). Secrets are compared in constant time and
never logged.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .counters import Counters
    from .pipeline import Headers

NOT_AUTHENTICATED = "Not authenticated. You must provide a valid authentication token."
NO_SUCH_TOKEN = "The auth token has either expired or does not exist"  # noqa: S105 - a message
WRONG_REDIRECT = "Redirect uri does not match that used to request auth token"
Grant = tuple[int, dict[str, Any]]


class Code(NamedTuple):
    """An authorization code: what it was issued for, and until when."""

    account: str
    redirect_uri: str
    expiry: float


class Authorization(NamedTuple):
    """The authorize endpoint's answer: a redirect (``location``) or a refusal page."""

    status: int
    location: str | None = None
    error: dict[str, str] | None = None


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (None never matches)."""
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


class Auth:
    """Issued tokens and the checks on every API request."""

    def __init__(
        self, seed: int, knobs: dict[str, Any], counters: Counters, api_domain: Callable[[], str]
    ) -> None:
        self._seed = seed
        self._knobs = knobs
        self._counters = counters
        self._api_domain = api_domain
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}  # access token -> expiry (epoch s)
        self._refresh: set[str] = set()
        self._codes: dict[str, Code] = {}
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

    def authorize(self, account: str, query: Mapping[str, str]) -> Authorization:
        """``GET /authorize/{account}``: approve at once and redirect with a code, or refuse.

        Without a valid client, account or redirect URI there is nowhere safe to send the user,
        so those get a 400 page, not a redirect (an assumption: Brightpearl's page is not
        recorded).
        """
        k = self._knobs
        redirect = query.get("redirect_uri", "")
        if account != k["account"]:
            return Authorization(
                400, error={"error": "invalid_request", "error_description": "Unknown account"}
            )
        if not same(query.get("client_id"), k["client_id"] or k["app_ref"]):
            return Authorization(400, error={"error": "invalid_client"})
        allowed = k["redirect_uris"]
        if urlsplit(redirect).scheme not in ("http", "https") or (
            allowed is not None and redirect not in allowed
        ):
            return Authorization(
                400, error={"error": "invalid_request", "error_description": "Invalid redirect_uri"}
            )
        state = {"state": query["state"]} if "state" in query else {}
        if query.get("response_type") != "code":
            return _redirect(redirect, error="unsupported_response_type", **state)
        if k["authorize_deny"]:
            return _redirect(redirect, error="access_denied", **state)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Code(account, redirect, time.time() + float(k["code_lifetime"]))
        return _redirect(redirect, code=code, **state)

    def token(self, account: str, form: Mapping[str, str]) -> Grant:
        """``POST /token/{account}``: (HTTP status, JSON body) of the grant in ``form``."""
        grant = form.get("grant_type")
        if grant not in ("refresh_token", "authorization_code"):
            return 400, {"error": "unsupported_grant_type"}
        if not self._client_ok(form):
            return 400, {"error": "invalid_client"}
        if grant == "authorization_code":
            return self._code_grant(account, form)
        with self._lock:
            old = form.get("refresh_token", "")
            if account != self._knobs["account"] or old not in self._refresh:
                return 400, {"error": "invalid_grant", "error_description": NO_SUCH_TOKEN}
            self._refresh.discard(old)
            body = self._issue()
        self._counters.add("tokens_refreshed")
        return 200, body

    def _code_grant(self, account: str, form: Mapping[str, str]) -> Grant:
        """Exchange a code, once: a used, unknown or expired code is ``invalid_grant``."""
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)
            if code is None or code.expiry <= time.time() or code.account != account:
                return 400, {"error": "invalid_grant", "error_description": NO_SUCH_TOKEN}
            if form.get("redirect_uri") != code.redirect_uri:
                return 400, {"error": "invalid_grant", "error_description": WRONG_REDIRECT}
            issued = self._issue()
        self._counters.add("codes_exchanged")
        return 200, {
            "access_token": issued["access_token"],
            "refresh_token": issued["refresh_token"],
            "installation_instance_id": str(self._knobs["installation_instance_id"]),
            "api_domain": issued["api_domain"],
            "token_type": "Bearer",
            "expires_in": issued["expires_in"],
        }

    def _client_ok(self, form: Mapping[str, str]) -> bool:
        k = self._knobs
        secret = k["client_secret"]
        return same(form.get("client_id"), k["client_id"] or k["app_ref"]) and (
            secret is None or same(form.get("client_secret"), secret)
        )

    def _issue(self) -> dict[str, Any]:
        """A new access and refresh token pair (caller holds the lock)."""
        self._serial += 1
        raw = f"{self._seed}:{self._serial}:{time.time_ns()}".encode()
        access = base64.b64encode(b"access+/" + raw).decode()
        refresh = base64.b64encode(b"refresh+/" + raw).decode()
        lifetime = float(self._knobs["token_lifetime"])
        self._access[access] = time.time() + lifetime
        self._refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "api_domain": self._api_domain(),
            "token_type": "Bearer",
            "expires_in": int(lifetime),
        }


def _redirect(uri: str, **params: str) -> Authorization:
    """302 to ``uri`` with ``params`` added to its query."""
    sep = "&" if urlsplit(uri).query else "?"
    return Authorization(302, location=f"{uri}{sep}{urlencode(params)}")
