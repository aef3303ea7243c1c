"""The settings of the contract (docs/contract.md), and the checks the JSON schema cannot make."""

from __future__ import annotations

import difflib
import os
import typing as t
from dataclasses import dataclass
from urllib.parse import urlparse

from singer_sdk import typing as th

from tap_brightpearl.auth import parse_expires_at, resolve_auth_method
from tap_brightpearl.naming import SNAKE_CASE
from tap_brightpearl.progress import DEFAULT_INTERVAL
from tap_brightpearl.records import parse_instant
from tap_brightpearl.widen import SINGER_DECIMAL

#: ``PAN_SEC_BRIGHTPEARL-<NAME>`` secrets read with ``--config ENV`` (docs/contract.md).
PAN_PREFIX = "PAN_SEC_BRIGHTPEARL-"
AUTH_METHODS = ("staff_token", "account_token", "oauth")
_N = t.TypeVar("_N")


def pan_env_config(environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Settings from the platform's secrets: PAN_SEC_BRIGHTPEARL-STAFF_TOKEN -> staff_token."""
    env = os.environ if environ is None else environ
    return {
        name[len(PAN_PREFIX) :].lower(): value
        for name, value in env.items()
        if name.startswith(PAN_PREFIX) and value != ""
    }


def _s(name: str, title: str, description: str, **kwargs: t.Any) -> th.Property:
    return th.Property(name, th.StringType(), title=title, description=description, **kwargs)


def _i(name: str, title: str, description: str, **kwargs: t.Any) -> th.Property:
    return th.Property(name, th.IntegerType(), title=title, description=description, **kwargs)


CONFIG_SCHEMA: dict[str, t.Any] = th.PropertiesList(
    _s("account_code", "Account code", "Brightpearl account id, the {account} in "
       "/public-api/{account}/. Required unless oauth_account is given."),
    _s("datacenter", "Datacenter", "e.g. euw1, use1: gives "
       "https://{datacenter}.brightpearlconnect.com (default euw1)."),
    _s("api_url", "API URL", "Full override of scheme+host[:port], e.g. "
       "http://127.0.0.1:8734 for the sandbox. Wins over datacenter and oauth_api_domain."),
    th.Property("auth_method", th.StringType(), allowed_values=list(AUTH_METHODS),
                title="Auth method", description="staff_token, account_token or oauth. "
                "Optional: inferred from the credentials given; an explicit value that lacks "
                "its credentials is a config error."),
    _s("app_ref", "App reference", "Private app reference (brightpearl-app-ref); also the "
       "OAuth client_id."),
    _s("dev_ref", "Developer reference", "brightpearl-dev-ref, sent with OAuth bearer "
       "calls when given."),
    _s("staff_token", "Staff token", "brightpearl-staff-token of a private staff app.",
       secret=True),
    _s("account_token", "Account token", "brightpearl-account-token of a legacy private "
       "system app.", secret=True),
    _s("oauth_access_token", "OAuth access token", "Sent as Authorization: Bearer.",
       secret=True),
    _s("oauth_refresh_token", "OAuth refresh token", "Used at the token URL when the "
       "access token is expired, near expiry, or rejected with 401. A rotated refresh "
       "token is kept in oauth_token_store (and the state with oauth_tokens_in_state) and "
       "written back to a --config file.", secret=True),
    th.Property("oauth_expires_at", th.CustomType({"type": ["string", "number", "null"]}),
                title="OAuth expires at", description="When the access token expires: "
                "epoch seconds, epoch milliseconds or ISO-8601."),
    _i("oauth_expires_in", "OAuth expires in", "Seconds of validity at issue time "
       "(informational)."),
    _s("oauth_token_type", "OAuth token type", "Normally Bearer."),
    _s("oauth_account", "OAuth account", "Account code as stored with the OAuth grant; same "
       "meaning as account_code."),
    _s("oauth_installation_instance_id", "OAuth installation instance id",
       "Informational; logged at start."),
    _s("oauth_api_domain", "OAuth API domain", "API host from the token response (bare "
       "host, no scheme): the definitive host under OAuth."),
    _s("oauth_client_secret", "OAuth client secret", "Only for confidential OAuth apps.",
       secret=True),
    _s("oauth_token_url", "OAuth token URL", "Default "
       "https://oauth.brightpearl.com/token/{account}; {account} is substituted."),
    _s("oauth_authorize_url", "OAuth authorize URL", "Where tap-brightpearl-login sends "
       "the browser to approve the app. Default https://oauth.brightpearl.com/authorize/"
       "{account}; {account} is substituted."),
    _s("oauth_redirect_uri", "OAuth redirect URI", "The instance app's registered redirect "
       "URI, used by tap-brightpearl-login (an http://127.0.0.1:<port>/... one is listened "
       "on). The tap itself does not use it."),
    _s("oauth_token_store", "OAuth token store", "JSON file where the tap keeps the newest "
       "OAuth tokens between runs (written atomically, mode 0600), read at start when it "
       "holds newer tokens than the config. Default $XDG_STATE_HOME/tap-brightpearl/"
       "<account>-<app_ref>.json, else ~/.local/state/tap-brightpearl/<account>-<app_ref>"
       ".json."),
    th.Property("oauth_tokens_in_state", th.BooleanType(), default=False,
                title="OAuth tokens in state", description="Also keep the newest OAuth "
                "tokens in the Singer STATE (key tap_brightpearl_oauth), read back from "
                "--state, for workers where only Meltano's state survives. The state then "
                "holds a live credential: protect its backend like a secret (default "
                "false)."),
    th.Property("start_date", th.DateTimeType(), title="Start date", description="Earliest "
                "replication-key value (updatedOn, createdOn, ...) to extract on a first "
                "run. Without it a first run extracts everything."),
    th.Property("end_date", th.DateTimeType(), title="End date", description="Latest "
                "replication-key value (updatedOn, createdOn, ...) to extract, exclusive: "
                "with start_date, re-extracts a period. A bookmark never moves past it. "
                "Unset: up to the start of the run. Full-table streams ignore it."),
    _i("lookback_minutes", "Lookback minutes", "Overlap subtracted from every bookmark "
       "(search index lag, clock skew). Default 5.", default=5),
    th.Property("page_size", th.IntegerType(minimum=1, maximum=500), default=500,
                title="Page size", description="Search page size, 1 to 500 (default 500)."),
    th.Property("id_batch_size", th.IntegerType(minimum=1, maximum=200), default=200,
                title="ID batch size", description="IDs per GET-by-ID-set request, 1 to 200 "
                "(default 200)."),
    th.Property("include_custom_fields", th.BooleanType(), default=True,
                title="Include custom fields", description="Ask for includeOptional="
                "customFields,nullCustomFields on orders and products (default true)."),
    th.Property("custom_field_columns", th.BooleanType(), default=False,
                title="Custom field columns", description="Declare every custom field of "
                "orders, products and contacts under customFields in the SCHEMA, typed from the "
                "custom-field definitions (read at discovery and at sync start: up to 5 "
                "requests), so flattening gives one typed column per field; DATE fields as "
                "YYYY-MM-DD (default false)."),
    th.Property("contact_custom_fields", th.BooleanType(), default=False,
                title="Contact custom fields", description="Read each synced contact's custom "
                "fields (contact_custom_field_values, contacts' customFields): ONE request per "
                "contact, as Brightpearl has no bulk source: 10,000 contacts cost 10,000 "
                "requests, about 50 minutes of the 200/min pool (default false)."),
    th.Property("max_requests_per_minute", th.IntegerType(minimum=1),
                title="Max requests per minute", description="Client-side budget below "
                "the account's 200/min pool, for accounts shared with other apps (rolling "
                "minute)."),
    th.Property("window_days", th.DecimalType(minimum=0),
                title="Window days", description="A backfill of over 20 search pages is "
                "searched in date windows, with a STATE checkpoint after each, so a killed sync "
                "resumes within one window. Unset (default): windows sized from the "
                "backfill's row count to about 16 pages each; a number: windows starting at "
                "this many days. A window with less than a page of rows doubles the next; one "
                "whose first page counts over 20 pages is split before it is paged. With or "
                "without start_date. 0 = one window."),
    th.Property("max_parallel_requests", th.IntegerType(minimum=1, maximum=16), default=4,
                title="Max parallel requests", description="GET-by-ID-set requests in "
                "flight at once (default 4), and as many pages of a long search (the next ones "
                "fetched ahead), all within the request budget. 1 = one request at a time."),
    th.Property("decimal_format", th.StringType(),
                allowed_values=["singer.decimal", "x-singer.decimal"],
                default="singer.decimal", title="Decimal format", description="The JSON "
                "schema format of money, quantities and rates (exact decimal strings either "
                "way). singer.decimal (default) loads as text in most SQL targets; "
                "x-singer.decimal makes MeltanoLabs target-postgres (and other singer-sdk SQL "
                "targets) create exact NUMERIC columns; DuckDB and JSONL targets are "
                "unaffected."),
    th.Property("column_names", th.StringType(), allowed_values=["original", "snake_case"],
                default="original", title="Column names", description="original (default): "
                "Brightpearl's own field names (camelCase: orderId). snake_case: every "
                "property name at every level of the SCHEMA and RECORD messages (and batch "
                "files), the key and bookmark properties and the discovered catalog in "
                "snake_case (orderId -> order_id, totalValue__total -> total_value__total), "
                "so SQL needs no quoted identifiers. The state is the same either way: "
                "switching does not resync, but the tables get new columns."),
    th.Property("schema_drift", th.StringType(), allowed_values=["evolve", "ignore"],
                default="evolve", title="Schema drift", description="A declared type never "
                "changes (SQL loaders cannot alter a column): a value its type cannot hold "
                "is kept, as sent, in the record's _unfit_values JSON field, keyed by its path "
                "(e.g. orderRows[3].quantity), and the field is null. evolve (default): a "
                "field the schema lacks is added to the stream's SCHEMA (re-emitted once) as "
                "text, or JSON for an object or array, a type fixed for later runs. ignore: "
                "the declared schema only; such a field's values go to _unfit_values too. "
                "Each field is named once in a warning, then at INFO in later runs."),
    _s("user_agent", "User agent", "User-Agent header of every request (default "
       "tap-brightpearl/<version>)."),
    _i("request_timeout", "Request timeout", "Seconds before a request times out (default "
       "300)."),
    th.Property("progress_interval_seconds", th.IntegerType(minimum=0),
                default=DEFAULT_INTERVAL, title="Progress interval seconds",
                description="While a stream runs, one progress line (done of total, "
                "requests/min, time left) at most this often (default 30); 0 = none."),
    th.Property("fail_fast", th.BooleanType(), default=False, title="Fail fast",
                description="true: any stream's failure stops the run at once. false "
                "(default): a stream that fails on its own (a 403 or a 401 refusing its "
                "endpoint, a 5xx after the retries) is skipped with one line, its bookmark "
                "left as it was at the start of the run, the other streams complete, and the "
                "run exits non-zero naming it. Auth, config and host errors always stop at "
                "once."),
    th.Property("detect_deletes", th.BooleanType(), default=True, title="Detect deletes",
                description="Sweep the ids of deletable streams (orders, products, contacts: "
                "one OPTIONS request each; goods-out notes, goods-in batches, customer and "
                "supplier payments: id-only searches, 500 ids a request) and report ids gone "
                "since the previous complete sweep in the deleted_records stream (default "
                "true)."),
    th.Property("delete_streams", th.ArrayType(th.StringType()), title="Delete streams",
                description="Which streams are swept for deletions (default: every selected "
                "deletable stream: orders, products, contacts by one OPTIONS request each; "
                "goods_out_notes, goods_in_batches, customer_payments, supplier_payments by "
                "id-only searches, one request per 500 ids)."),
    th.Property("max_delete_fraction", th.NumberType(minimum=0, maximum=1), default=0.2,
                title="Max delete fraction", description="A sweep that would report more "
                "than this share of a stream's known ids as deleted reports nothing for it, "
                "keeps the previous ids and warns (default 0.2)."),
    th.Property("delete_sweep_hours", th.NumberType(minimum=0), title="Delete sweep hours",
                description="Sweep each stream at most this often, in hours (0: every run); "
                "the last sweep's time is kept in the state. Unset: the one-request OPTIONS "
                "sweeps run every run and the id-only search sweeps at most once a day."),
    th.Property("metrics_log_level", th.StringType(), allowed_values=["DEBUG", "INFO"],
                default="DEBUG", title="Metrics log level", description="Level of the "
                "Singer SDK's METRIC lines (one JSON line per request and stream): DEBUG "
                "(default: shown only with TAP_BRIGHTPEARL_LOGLEVEL=DEBUG) or INFO."),
).to_dict()


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
            warnings.append(f"Unknown setting {key!r} ignored (the closest setting is "
                            f"{near[0]!r})")
        else:
            warnings.append(f"Unknown setting {key!r} ignored (no setting is like it)")
    return errors, warnings


def settings_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """Config errors the JSON schema cannot express, each a line naming the setting."""
    errors = []
    method = config.get("auth_method")
    resolved = resolve_auth_method(config)
    needs = {
        "staff_token": ("staff_token",),
        "account_token": ("account_token",),
        "oauth": ("oauth_access_token", "oauth_refresh_token"),
    }
    if method:
        if not any(config.get(k) for k in needs.get(method, ())):
            wanted = " or ".join(needs.get(method, ("?",)))
            errors.append(f"auth_method is {method} but {wanted} is not set")
    elif not resolved:
        errors.append(
            "no credentials: set staff_token, account_token or oauth_access_token/"
            "oauth_refresh_token (see auth_method)"
        )
    if resolved in ("staff_token", "account_token") and not config.get("app_ref"):
        errors.append(f"app_ref is required with {resolved} (brightpearl-app-ref header)")
    if resolved == "oauth" and config.get("oauth_refresh_token") and not config.get("app_ref"):
        errors.append("app_ref is required to refresh OAuth tokens (it is the client_id)")
    if not Settings.of(config).account:
        errors.append("account_code is not set (nor oauth_account)")
    if start_date := config.get("start_date"):
        try:
            parse_instant(str(start_date))
        except ValueError:
            errors.append(f"start_date is not an ISO-8601 date-time: {start_date!r}")
    if end_date := config.get("end_date"):
        try:
            parse_instant(str(end_date))
        except ValueError:
            errors.append(f"end_date is not an ISO-8601 date-time: {end_date!r}")
    try:
        parse_expires_at(config.get("oauth_expires_at"))
    except (ValueError, TypeError):
        errors.append("oauth_expires_at is not epoch seconds, epoch ms or ISO-8601")
    if (url := config.get("api_url")) and urlparse(str(url)).scheme not in ("http", "https"):
        errors.append("api_url must start with http:// or https://")
    return errors


def _number(convert: t.Callable[[t.Any], _N], value: t.Any, default: _N) -> _N:
    """``convert(value)``, else the default (``--discover`` reads an unchecked config)."""
    try:
        return convert(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Settings:
    """Each setting the tap reads, read once: typed, its default applied, the rules derived.

    Built from the config by :meth:`of`; the streams reach it as ``self.run.settings``.
    """

    account: str  # account_code, else oauth_account: the {account} in every URL
    auth_method: str  # auth_method, else the one whose credentials are present
    app_ref: str
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

    @classmethod
    def of(cls, config: t.Mapping[str, t.Any]) -> Settings:
        """The settings of ``config``."""
        get = config.get
        days, hours, iid = get("window_days"), get("delete_sweep_hours"), None
        if get("oauth_installation_instance_id"):
            iid = str(get("oauth_installation_instance_id"))
        return cls(
            account=str(get("account_code") or get("oauth_account") or ""),
            auth_method=resolve_auth_method(config) or "staff_token",
            app_ref=str(get("app_ref") or ""),
            api_url=str(get("api_url")) if get("api_url") else None,
            oauth_api_domain=str(get("oauth_api_domain")) if get("oauth_api_domain") else None,
            datacenter=str(get("datacenter")) if get("datacenter") else None,
            decimal_format=str(get("decimal_format") or SINGER_DECIMAL),
            snake_case=get("column_names") == SNAKE_CASE,
            user_agent=str(get("user_agent")) if get("user_agent") else None,
            request_timeout=_number(int, get("request_timeout") or 300, 300),
            id_batch_size=_number(int, get("id_batch_size") or 200, 200),
            schema_drift=str(get("schema_drift") or "evolve"),  # conform.EVOLVE
            page_size=_number(int, get("page_size") or 500, 500),
            max_parallel_requests=max(1, _number(int, get("max_parallel_requests") or 4, 4)),
            lookback_minutes=_number(float, get("lookback_minutes") or 0, 0.0),
            start_date=str(get("start_date")) if get("start_date") else None,
            end_date=str(get("end_date")) if get("end_date") else None,
            window_days=None if days is None else _number(float, days, None),
            include_custom_fields=bool(get("include_custom_fields", True)),
            custom_field_columns=bool(get("custom_field_columns")),
            contact_custom_fields=bool(get("contact_custom_fields")),
            max_requests_per_minute=get("max_requests_per_minute"),
            progress_interval_seconds=_number(
                float, get("progress_interval_seconds", DEFAULT_INTERVAL), float(DEFAULT_INTERVAL)),
            metrics_log_level=get("metrics_log_level"),
            fail_fast=bool(get("fail_fast")),
            oauth_tokens_in_state=bool(get("oauth_tokens_in_state")),
            oauth_installation_instance_id=iid,
            detect_deletes=bool(get("detect_deletes", True)),
            delete_streams=get("delete_streams"),
            delete_sweep_hours=None if hours is None else _number(float, hours, None),
            max_delete_fraction=_number(float, get("max_delete_fraction", 0.2), 0.2),
        )

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
