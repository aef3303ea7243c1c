"""Error lines that say what to fix: a host that cannot be reached, a rejected credential.

A mistyped ``datacenter`` (``eu1``) or a wrong ``api_url`` is a setting to correct, not an outage
to retry: on the first request of a run (before the host ever answered) a name that does not
resolve or a refused connection fails at once, naming the setting that chose the host and the
known datacentres. Values shown are never secrets (no token, no userinfo of a URL).
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlparse

import urllib3.exceptions

from tap_brightpearl.settings import Settings

if t.TYPE_CHECKING:
    import requests

#: docs/api-notes.md, "Base URL": the documented datacentres and the legacy hosts that still answer.
KNOWN_HOSTS = (
    "known datacentres: euw1, use1 (https://<datacenter>.brightpearlconnect.com); legacy "
    "hosts ws-eu1.brightpearl.com, ws-use.brightpearl.com (set api_url to https://<host>)"
)
DNS = "the host name does not resolve"
REFUSED = "the connection was refused"
TOKENS = {
    "staff_token": "staff_token",
    "account_token": "account_token",
    "oauth": "oauth_access_token/oauth_refresh_token",
}


def wrong_host(exc: requests.exceptions.ConnectionError) -> str | None:
    """DNS or REFUSED when the connection error means the host is wrong, else None."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return DNS
    if isinstance(reason, urllib3.exceptions.NewConnectionError) and isinstance(
        reason.__cause__, ConnectionRefusedError
    ):
        return REFUSED
    return None


def host_setting(config: t.Mapping[str, t.Any]) -> tuple[str, str]:
    """The setting that chose the API host and its shown value (``Settings.host_setting``)."""
    return Settings.of(config).host_setting()


def host_note(config: t.Mapping[str, t.Any]) -> str:
    """The setting that chose the host, and the known hosts."""
    setting, value = host_setting(config)
    return f"The host comes from {setting} = {value}; {KNOWN_HOSTS}"


def unreachable(config: t.Mapping[str, t.Any], url: str | None, cause: str) -> str:
    """One line: which host failed, how, the setting that chose it and the known hosts."""
    parts = urlparse(url or "")
    host = f"{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")
    return f"cannot reach {host}: {cause}. {host_note(config)}"


def unauthorized_hint(config: t.Mapping[str, t.Any]) -> str:
    """What to check after a 401: the account, the app reference and the token (never shown)."""
    settings = Settings.of(config)
    method, account, app_ref = settings.auth_method, settings.account, settings.app_ref
    return (
        f"Check account_code ({account!r}), app_ref ({app_ref!r}) and {TOKENS.get(method, method)} "
        f"(not shown): the token must belong to that app on that account"
    )
