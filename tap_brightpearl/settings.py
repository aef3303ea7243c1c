"""The settings of the contract (docs/contract.md): read once, typed, and checked.

:class:`Settings` is the one reader of the config: every module reads its settings from it,
with the defaults applied and the rules derived (the account, the auth method, the host).
The JSON schema is declared in config_schema.py; :func:`settings_errors` makes the checks it
cannot express.
"""

from __future__ import annotations

import difflib
import os
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlparse

from tap_brightpearl.config_schema import AUTH_METHODS, CONFIG_SCHEMA
from tap_brightpearl.naming import SNAKE_CASE
from tap_brightpearl.progress import DEFAULT_INTERVAL
from tap_brightpearl.records import parse_instant
from tap_brightpearl.widen import SINGER_DECIMAL

__all__ = [
    "AUTH_METHODS",
    "CONFIG_SCHEMA",
    "DEFAULT_AUTHORIZE_URL",
    "DEFAULT_TOKEN_URL",
    "PAN_PREFIX",
    "Settings",
    "auth_choice",
    "pan_env_config",
    "parse_expires_at",
    "resolve_auth_method",
    "settings_errors",
    "unknown_settings",
]

#: ``PAN_SEC_BRIGHTPEARL-<NAME>`` secrets read with ``--config ENV`` (docs/contract.md).
PAN_PREFIX = "PAN_SEC_BRIGHTPEARL-"
DEFAULT_TOKEN_URL = "https://oauth.brightpearl.com/token/{account}"  # noqa: S105 (a URL)
DEFAULT_AUTHORIZE_URL = "https://oauth.brightpearl.com/authorize/{account}"
EPOCH_MS_THRESHOLD = 10**11  # larger epoch numbers are milliseconds (year 5138 in seconds)
#: Each auth method and the settings that are its credentials, in the order a guess prefers.
CREDENTIALS = {
    "oauth": ("oauth_access_token", "oauth_refresh_token"),
    "staff_token": ("staff_token",),
    "account_token": ("account_token",),
}
_N = t.TypeVar("_N")


def pan_env_config(environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Settings from the platform's secrets: PAN_SEC_BRIGHTPEARL-STAFF_TOKEN -> staff_token."""
    env = os.environ if environ is None else environ
    return {
        name[len(PAN_PREFIX) :].lower(): value
        for name, value in env.items()
        if name.startswith(PAN_PREFIX) and value != ""
    }


def parse_expires_at(value: t.Any) -> float | None:
    """Epoch seconds from ``oauth_expires_at`` given as epoch s, epoch ms or ISO-8601."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return parse_instant(text).timestamp()
    else:
        number = float(value)
    return number / 1000.0 if number > EPOCH_MS_THRESHOLD else number


def resolve_auth_method(config: t.Mapping[str, t.Any]) -> str | None:
    """The configured ``auth_method``, else the one whose credentials are present."""
    if method := config.get("auth_method"):
        return str(method)
    return next(iter(_credentials(config)), None)


def _credentials(config: t.Mapping[str, t.Any]) -> tuple[str, ...]:
    """The auth methods whose credentials the config holds, in the order a guess prefers."""
    return tuple(m for m, keys in CREDENTIALS.items() if any(config.get(k) for k in keys))


def auth_choice(settings: Settings) -> str:
    """Why the auth method was chosen, when it was guessed among several credentials, else ""."""
    if settings.auth_method_given:
        return ""
    labels = {
        "staff_token": "staff_token",
        "account_token": "account_token",
        "oauth": "OAuth tokens",
    }
    given = [label for method, label in labels.items() if method in settings.credentials]
    if len(given) < 2:
        return ""
    both = "both " if len(given) == 2 else ""
    listed = f"{', '.join(given[:-1])} and {given[-1]}"
    return f" (chosen: {both}{listed} are set; set auth_method to choose)"


def unknown_settings(
    given: t.Iterable[str], known: t.Collection[str]
) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the config's keys no setting has, each naming the closest one.

    A near miss (``start_dat``, ``Page-Size``) stops the run: it is a setting the user meant to
    set, and running without it is silently wrong (a ``start_date`` typo extracts the whole
    history). Other unknown keys only warn: a note, or a setting of another version or tool.
    Meltano passes only the settings it knows, so both come from hand-written config files;
    the SDK's own settings (stream maps, flattening, batch) and the environment never warn.
    """
    errors, warnings = [], []
    for key in sorted(set(given) - set(known)):
        norm = key.strip().lower().replace("-", "_").replace(" ", "_")
        if typo := difflib.get_close_matches(norm, known, n=1, cutoff=0.85):
            errors.append(f"unknown setting {key!r}: did you mean {typo[0]!r}?")
        elif near := difflib.get_close_matches(norm, known, n=1, cutoff=0.6):
            warnings.append(f"Unknown setting {key!r} ignored (the closest setting is {near[0]!r})")
        else:
            warnings.append(f"Unknown setting {key!r} ignored (no setting is like it)")
    return errors, warnings


def settings_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """Config errors the JSON schema cannot express, each a line naming the setting."""
    settings = Settings.of(config)
    return _auth_errors(settings) + _value_errors(settings)


def _auth_errors(s: Settings) -> list[str]:
    """The credentials, app_ref and account each auth mode needs."""
    errors = []
    method, resolved = s.auth_method_given, s.auth_method_chosen
    if method:
        if method not in s.credentials:
            wanted = " or ".join(CREDENTIALS.get(method, ("?",)))
            errors.append(f"auth_method is {method} but {wanted} is not set")
    elif not resolved:
        errors.append(
            "no credentials: set staff_token, account_token or oauth_access_token/"
            "oauth_refresh_token (see auth_method)"
        )
    if resolved in ("staff_token", "account_token") and not s.app_ref:
        errors.append(f"app_ref is required with {resolved} (brightpearl-app-ref header)")
    if resolved == "oauth" and s.oauth_refresh_token and not s.app_ref:
        errors.append("app_ref is required to refresh OAuth tokens (it is the client_id)")
    if not s.account:
        errors.append("account_code is not set (nor oauth_account)")
    return errors


def _value_errors(s: Settings) -> list[str]:
    """Values that must parse: the dates, the token expiry, the API URL's scheme."""
    errors = []
    for name, value in (("start_date", s.start_date), ("end_date", s.end_date)):
        if value:
            try:
                parse_instant(value)
            except ValueError:
                errors.append(f"{name} is not an ISO-8601 date-time: {value!r}")
    if "oauth_expires_at" in s.unreadable:
        errors.append("oauth_expires_at is not epoch seconds, epoch ms or ISO-8601")
    if s.api_url and urlparse(s.api_url).scheme not in ("http", "https"):
        errors.append("api_url must start with http:// or https://")
    return errors


def _number(convert: t.Callable[[t.Any], _N], value: t.Any, default: _N) -> _N:
    """``convert(value)``, else the default (``--discover`` reads an unchecked config)."""
    try:
        return convert(value)
    except (TypeError, ValueError):
        return default


def _text(value: t.Any) -> str | None:
    """A string setting: None when unset or empty."""
    return str(value) if value else None


def _expiry(value: t.Any) -> tuple[float | None, tuple[str, ...]]:
    """``oauth_expires_at`` in epoch seconds, and the setting's name when it cannot be read."""
    try:
        return parse_expires_at(value), ()
    except (TypeError, ValueError):
        return None, ("oauth_expires_at",)


@dataclass(frozen=True)
class Settings:
    """Each setting the tap reads, read once: typed, its default applied, the rules derived.

    Built from the config by :meth:`of`; the streams reach it as ``self.run.settings``.
    Secrets are left out of its ``repr``.
    """

    account: str  # account_code, else oauth_account: the {account} in every URL
    auth_method: str  # auth_method, else the one whose credentials are present
    auth_method_given: str | None  # auth_method as set (None: inferred)
    credentials: tuple[str, ...]  # the auth methods whose credentials are set
    app_ref: str
    dev_ref: str | None
    staff_token: str = field(repr=False)
    account_token: str = field(repr=False)
    oauth_access_token: str | None = field(repr=False)
    oauth_refresh_token: str | None = field(repr=False)
    oauth_client_secret: str | None = field(repr=False)
    oauth_token_type: str
    oauth_expires_at: float | None  # epoch seconds
    oauth_expires_in: float | None
    oauth_token_url: str  # {account} kept (the template, as the setting holds it)
    oauth_authorize_url: str  # likewise
    oauth_redirect_uri: str | None
    oauth_token_store: str | None
    api_url: str | None
    oauth_api_domain: str | None
    datacenter: str | None
    decimal_format: str
    snake_case: bool  # column_names: snake_case
    user_agent: str | None
    request_timeout: int
    id_batch_size: int
    schema_drift: str
    page_size: int
    max_parallel_requests: int
    lookback_minutes: float
    start_date: str | None
    end_date: str | None
    window_days: float | None  # None: sized from the data; 0: one window
    include_custom_fields: bool
    custom_field_columns: bool
    contact_custom_fields: bool  # one request per contact: opt-in
    max_requests_per_minute: int | None
    progress_interval_seconds: float
    metrics_log_level: str | None
    fail_fast: bool
    oauth_tokens_in_state: bool
    oauth_installation_instance_id: str | None
    detect_deletes: bool
    delete_streams: list[str] | None
    delete_sweep_hours: float | None
    max_delete_fraction: float
    unreadable: tuple[str, ...] = ()  # settings whose value could not be read (settings_errors)

    @classmethod
    def of(cls, config: t.Mapping[str, t.Any]) -> Settings:
        """The settings of ``config``."""
        get = config.get
        days, hours = get("window_days"), get("delete_sweep_hours")
        lifetime = get("oauth_expires_in")
        expires_at, unreadable = _expiry(get("oauth_expires_at"))
        return cls(
            account=str(get("account_code") or get("oauth_account") or ""),
            auth_method=resolve_auth_method(config) or "staff_token",
            auth_method_given=_text(get("auth_method")),
            credentials=_credentials(config),
            app_ref=str(get("app_ref") or ""),
            dev_ref=_text(get("dev_ref")),
            staff_token=str(get("staff_token") or ""),
            account_token=str(get("account_token") or ""),
            oauth_access_token=_text(get("oauth_access_token")),
            oauth_refresh_token=_text(get("oauth_refresh_token")),
            oauth_client_secret=_text(get("oauth_client_secret")),
            oauth_token_type=str(get("oauth_token_type") or "Bearer"),
            oauth_expires_at=expires_at,
            oauth_expires_in=None if lifetime is None else _number(float, lifetime, None),
            oauth_token_url=str(get("oauth_token_url") or DEFAULT_TOKEN_URL),
            oauth_authorize_url=str(get("oauth_authorize_url") or DEFAULT_AUTHORIZE_URL),
            oauth_redirect_uri=_text(get("oauth_redirect_uri")),
            oauth_token_store=_text(get("oauth_token_store")),
            api_url=_text(get("api_url")),
            oauth_api_domain=_text(get("oauth_api_domain")),
            datacenter=_text(get("datacenter")),
            decimal_format=str(get("decimal_format") or SINGER_DECIMAL),
            snake_case=get("column_names") == SNAKE_CASE,
            user_agent=_text(get("user_agent")),
            request_timeout=_number(int, get("request_timeout") or 300, 300),
            id_batch_size=_number(int, get("id_batch_size") or 200, 200),
            schema_drift=str(get("schema_drift") or "evolve"),  # conform.EVOLVE
            page_size=_number(int, get("page_size") or 500, 500),
            max_parallel_requests=max(1, _number(int, get("max_parallel_requests") or 4, 4)),
            lookback_minutes=_number(float, get("lookback_minutes") or 0, 0.0),
            start_date=_text(get("start_date")),
            end_date=_text(get("end_date")),
            window_days=None if days is None else _number(float, days, None),
            include_custom_fields=bool(get("include_custom_fields", True)),
            custom_field_columns=bool(get("custom_field_columns")),
            contact_custom_fields=bool(get("contact_custom_fields")),
            max_requests_per_minute=get("max_requests_per_minute"),
            progress_interval_seconds=_number(
                float, get("progress_interval_seconds", DEFAULT_INTERVAL), float(DEFAULT_INTERVAL)
            ),
            metrics_log_level=get("metrics_log_level"),
            fail_fast=bool(get("fail_fast")),
            oauth_tokens_in_state=bool(get("oauth_tokens_in_state")),
            oauth_installation_instance_id=_text(get("oauth_installation_instance_id")),
            detect_deletes=bool(get("detect_deletes", True)),
            delete_streams=get("delete_streams"),
            delete_sweep_hours=None if hours is None else _number(float, hours, None),
            max_delete_fraction=_number(float, get("max_delete_fraction", 0.2), 0.2),
            unreadable=unreadable,
        )

    @property
    def auth_method_chosen(self) -> str | None:
        """auth_method as set, else the one the credentials point to; None: no credentials."""
        return self.auth_method_given or next(iter(self.credentials), None)

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint of this account (``oauth_token_url``, {account} filled)."""
        return self.oauth_token_url.replace("{account}", self.account)

    def host_source(self, oauth_domain: str | None) -> tuple[str, str | None]:
        """The host rule: the setting that chooses the API host, and its value.

        api_url, else (OAuth) the domain, else datacenter. ``oauth_domain`` is the
        authenticator's (the config's, or a newer one) or, for error hints, the config's.
        """
        if self.api_url:
            return "api_url", self.api_url
        if self.auth_method == "oauth" and oauth_domain:
            return "oauth_api_domain", oauth_domain
        return "datacenter", self.datacenter

    def host_setting(self) -> tuple[str, str]:
        """The setting that chooses the API host, and its value as error hints show it."""
        setting, value = self.host_source(self.oauth_api_domain)
        if setting == "api_url":
            parts = urlparse(str(value))
            port = f":{parts.port}" if parts.port else ""
            return setting, f"{parts.scheme}://{parts.hostname or ''}{port}"
        return setting, value or "euw1 (the default)"

    def api_base(self, oauth_domain: str | None) -> str:
        """``{host}/public-api/{account}/`` by the host rule (:meth:`host_source`)."""
        setting, value = self.host_source(oauth_domain)
        if setting == "api_url":
            host = str(value).rstrip("/")
        elif setting == "oauth_api_domain":
            host = f"https://{value}"
        else:
            host = f"https://{value or 'euw1'}.brightpearlconnect.com"
        return f"{host}/public-api/{self.account}/"
