"""One authenticator for the three ways Brightpearl accepts API calls.

- staff token: ``brightpearl-app-ref`` + ``brightpearl-staff-token``
- account token (legacy private system apps): ``brightpearl-app-ref`` +
  ``brightpearl-account-token``
- OAuth 2: ``Authorization: Bearer`` + ``brightpearl-app-ref`` (+ ``brightpearl-dev-ref``)

The SDK's ``OAuthAuthenticator`` is not used: in 0.54.9 it drops a rotated refresh token, has no
expiry margin, cannot start from a token it did not fetch itself (``oauth_expires_at``) and turns
every failure into a bare ``RuntimeError``. The refresh below is one form POST through
``requests``; the authenticator is built once per run and is thread-safe. Which tokens to start
from, and where a rotated refresh token is kept for the next run, is ``token_store``'s part.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import typing as t

import requests
from singer_sdk.authenticators import APIAuthenticatorBase
from singer_sdk.exceptions import FatalAPIError

from tap_brightpearl.settings import parse_expires_at, resolve_auth_method
from tap_brightpearl.token_store import TokenKeeper, TokenSet, write_private_json

if t.TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping
    from pathlib import Path

    from tap_brightpearl.settings import Settings

#: parse_expires_at and resolve_auth_method live in settings.py (the one settings reader); they
#: are importable from here too, where they used to be.
__all__ = [
    "REFRESH_MARGIN_SECONDS",
    "BrightpearlAuthenticator",
    "TokenExpiredError",
    "parse_expires_at",
    "resolve_auth_method",
]

logger = logging.getLogger("tap-brightpearl")

REFRESH_MARGIN_SECONDS = 60.0


class TokenExpiredError(Exception):
    """An API call was rejected with 401 "Authorization token expired".

    ``token`` is the access token that call carried: the authenticator may have refreshed before
    sending it (the token was near its expiry), so the token current when the attempt began is
    not necessarily the one refused.
    """

    def __init__(self, token: str | None = None) -> None:
        super().__init__('401 "Authorization token expired"')
        self.token = token


def sent_token(request: requests.PreparedRequest | None) -> str | None:
    """The access token of a request's ``Authorization: <type> <token>`` header, if any."""
    header = request.headers.get("Authorization", "") if request is not None else ""
    return header.partition(" ")[2] or None


class BrightpearlAuthenticator(APIAuthenticatorBase):
    """Sets the headers of the configured mode; under OAuth refreshes before expiry or on demand.

    Args:
        settings: The run's settings.
        config_path: The ``--config`` file to write a rotated refresh token back to, if any.
        state: The tap's state dict (holds the tokens when ``oauth_tokens_in_state``).
        clock: Wall clock (epoch seconds); injectable for tests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        config_path: Path | None = None,
        state: MutableMapping[str, t.Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.method = settings.auth_method
        self._clock = clock
        self._lock = threading.Lock()
        self._config_path = config_path
        self.auth_headers = _headers(settings)
        self.token_url = settings.token_url
        self.client_id = settings.app_ref
        self.client_secret = settings.oauth_client_secret
        self.access_token = settings.oauth_access_token
        self.refresh_token = settings.oauth_refresh_token
        self.token_type = settings.oauth_token_type
        self.expires_at = settings.oauth_expires_at
        self.api_domain = settings.oauth_api_domain
        self.margin = _margin(settings.oauth_expires_in)
        self.refreshes = 0
        self._session = requests.Session()
        self._keeper = None
        if self.method == "oauth":
            self._keeper = TokenKeeper.for_settings(settings, self.token_url, state)
        self._tokens = self._snapshot(issued_at=None)
        if self._keeper is not None:
            self._use(self._keeper.newest(self._tokens))

    def _snapshot(self, issued_at: float | None, lifetime: t.Any = None) -> TokenSet:
        return TokenSet(
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_at=self.expires_at,
            expires_in=float(lifetime) if lifetime else None,
            token_type=self.token_type,
            api_domain=self.api_domain,
            issued_at=issued_at,
        )

    def _use(self, tokens: TokenSet) -> None:
        """Start from ``tokens`` (newer than the config's)."""
        self._tokens = tokens
        self.access_token = tokens.access_token
        self.refresh_token = tokens.refresh_token
        self.expires_at = tokens.expires_at
        self.token_type = tokens.token_type or self.token_type
        self.api_domain = tokens.api_domain or self.api_domain
        if tokens.expires_in:
            self.margin = _margin(tokens.expires_in)

    def _needs_refresh(self) -> bool:
        if not self.access_token:
            return True
        if self.expires_at is None:
            return False
        return self._clock() >= self.expires_at - self.margin

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the mode's headers; under OAuth refresh first when the token is (nearly) expired."""
        request.headers.update(self.auth_headers)
        if self.method == "oauth":
            with self._lock:
                if self._needs_refresh():
                    self._refresh()
                token = self.access_token
            request.headers["Authorization"] = f"{self.token_type} {token}"
        return request

    def refresh_after_rejection(self, rejected_token: str | None) -> None:
        """Refresh once after a 401 "token expired" (unless another thread already did)."""
        with self._lock:
            if self.access_token == rejected_token:
                self._refresh()

    def _refresh(self) -> None:
        if not self.refresh_token:
            msg = (
                "OAuth access token expired and no oauth_refresh_token is configured: "
                "re-authorise the app"
            )
            raise FatalAPIError(msg)
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "client_id": self.client_id or "",
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        try:
            response = self._session.post(self.token_url, data=form, timeout=60)
        except requests.RequestException as exc:
            msg = f"OAuth token refresh failed: {type(exc).__name__} calling the token URL"
            raise FatalAPIError(msg) from None
        if response.status_code != 200:
            error = _oauth_error(response)
            msg = f"OAuth token refresh rejected (HTTP {response.status_code} {error})"
            if error == "invalid_grant":
                msg += ": the refresh token is expired or revoked; re-authorise the app"
            raise FatalAPIError(msg)
        body = response.json()
        used = self.refresh_token
        self.access_token = body["access_token"]
        self.refresh_token = body.get("refresh_token") or self.refresh_token
        self.token_type = body.get("token_type") or self.token_type
        self.api_domain = body.get("api_domain") or self.api_domain
        expires_in = body.get("expires_in")
        now = self._clock()
        self.expires_at = now + float(expires_in) if expires_in else None
        self.margin = _margin(expires_in)
        self.refreshes += 1
        logger.info("OAuth access token refreshed (valid for %s s)", expires_in)
        self._tokens = self._tokens.rotated(self._snapshot(issued_at=now, lifetime=expires_in))
        config_saved = self._write_back()
        if self._keeper is not None:
            rotated = self.refresh_token != used
            self._keeper.save(self._tokens, rotated=rotated, config_saved=config_saved)

    def _write_back(self) -> bool:
        """Store the new tokens in the ``--config`` file atomically (True when written)."""
        path = self._config_path
        if path is None:
            return False
        try:
            current = json.loads(path.read_text())
            current["oauth_access_token"] = self.access_token
            current["oauth_refresh_token"] = self.refresh_token
            if self.expires_at is not None:
                current["oauth_expires_at"] = int(self.expires_at)
            if self.api_domain:  # "the definitive host" (used from the next run on)
                current["oauth_api_domain"] = self.api_domain
            write_private_json(path, current)
        except (OSError, ValueError) as exc:
            logger.warning(
                "Could not write the rotated OAuth tokens back to the --config file %s (%s)",
                path,
                type(exc).__name__,
            )
            return False
        return True


def _headers(settings: Settings) -> dict[str, str]:
    """The headers of the auth method (the OAuth bearer token is added per request)."""
    headers: dict[str, str] = {}
    if settings.app_ref:
        headers["brightpearl-app-ref"] = settings.app_ref
    if settings.auth_method == "staff_token":
        headers["brightpearl-staff-token"] = settings.staff_token
    elif settings.auth_method == "account_token":
        headers["brightpearl-account-token"] = settings.account_token
    elif settings.dev_ref:
        headers["brightpearl-dev-ref"] = settings.dev_ref
    return headers


def _margin(lifetime: t.Any) -> float:
    """Refresh this long before expiry: 60 s, or half the token's lifetime if shorter.

    A short-lived token is then reused for half its life, not refreshed on every request.
    """
    try:
        return min(REFRESH_MARGIN_SECONDS, float(lifetime) / 2)
    except (TypeError, ValueError):
        return REFRESH_MARGIN_SECONDS


def _oauth_error(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", "error"))
    except ValueError:
        return "error"
