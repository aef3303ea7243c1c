"""The JSON schema of the settings (the contract, docs/contract.md): type, title, description.

Declaration only: the typed reader of these settings and the checks the schema cannot make are
in settings.py.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_brightpearl.progress import DEFAULT_INTERVAL

AUTH_METHODS = ("staff_token", "account_token", "oauth")


def _s(name: str, title: str, description: str, **kwargs: t.Any) -> th.Property:
    return th.Property(name, th.StringType(), title=title, description=description, **kwargs)


def _i(name: str, title: str, description: str, **kwargs: t.Any) -> th.Property:
    return th.Property(name, th.IntegerType(), title=title, description=description, **kwargs)


CONFIG_SCHEMA: dict[str, t.Any] = th.PropertiesList(
    _s(
        "account_code",
        "Account code",
        "Brightpearl account id, the {account} in "
        "/public-api/{account}/. Required unless oauth_account is given.",
    ),
    _s(
        "datacenter",
        "Datacenter",
        "e.g. euw1, use1: gives https://{datacenter}.brightpearlconnect.com (default euw1).",
    ),
    _s(
        "api_url",
        "API URL",
        "Full override of scheme+host[:port], e.g. "
        "http://127.0.0.1:8734 for the sandbox. Wins over datacenter and oauth_api_domain.",
    ),
    th.Property(
        "auth_method",
        th.StringType(),
        allowed_values=list(AUTH_METHODS),
        title="Auth method",
        description="staff_token, account_token or oauth. "
        "Optional: inferred from the credentials given; an explicit value that lacks "
        "its credentials is a config error.",
    ),
    _s(
        "app_ref",
        "App reference",
        "Private app reference (brightpearl-app-ref); also the OAuth client_id.",
    ),
    _s(
        "dev_ref",
        "Developer reference",
        "brightpearl-dev-ref, sent with OAuth bearer calls when given.",
    ),
    _s(
        "staff_token", "Staff token", "brightpearl-staff-token of a private staff app.", secret=True
    ),
    _s(
        "account_token",
        "Account token",
        "brightpearl-account-token of a legacy private system app.",
        secret=True,
    ),
    _s("oauth_access_token", "OAuth access token", "Sent as Authorization: Bearer.", secret=True),
    _s(
        "oauth_refresh_token",
        "OAuth refresh token",
        "Used at the token URL when the "
        "access token is expired, near expiry, or rejected with 401. A rotated refresh "
        "token is kept in oauth_token_store (and the state with oauth_tokens_in_state) and "
        "written back to a --config file.",
        secret=True,
    ),
    th.Property(
        "oauth_expires_at",
        th.CustomType({"type": ["string", "number", "null"]}),
        title="OAuth expires at",
        description="When the access token expires: epoch seconds, epoch milliseconds or ISO-8601.",
    ),
    _i(
        "oauth_expires_in", "OAuth expires in", "Seconds of validity at issue time (informational)."
    ),
    _s("oauth_token_type", "OAuth token type", "Normally Bearer."),
    _s(
        "oauth_account",
        "OAuth account",
        "Account code as stored with the OAuth grant; same meaning as account_code.",
    ),
    _s(
        "oauth_installation_instance_id",
        "OAuth installation instance id",
        "Informational; logged at start.",
    ),
    _s(
        "oauth_api_domain",
        "OAuth API domain",
        "API host from the token response (bare host, no scheme): the definitive host under OAuth.",
    ),
    _s(
        "oauth_client_secret",
        "OAuth client secret",
        "Only for confidential OAuth apps.",
        secret=True,
    ),
    _s(
        "oauth_token_url",
        "OAuth token URL",
        "Default https://oauth.brightpearl.com/token/{account}; {account} is substituted.",
    ),
    _s(
        "oauth_authorize_url",
        "OAuth authorize URL",
        "Where tap-brightpearl-login sends "
        "the browser to approve the app. Default https://oauth.brightpearl.com/authorize/"
        "{account}; {account} is substituted.",
    ),
    _s(
        "oauth_redirect_uri",
        "OAuth redirect URI",
        "The instance app's registered redirect "
        "URI, used by tap-brightpearl-login (an http://127.0.0.1:<port>/... one is listened "
        "on). The tap itself does not use it.",
    ),
    _s(
        "oauth_token_store",
        "OAuth token store",
        "JSON file where the tap keeps the newest "
        "OAuth tokens between runs (written atomically, mode 0600), read at start when it "
        "holds newer tokens than the config. Default $XDG_STATE_HOME/tap-brightpearl/"
        "<account>-<app_ref>.json, else ~/.local/state/tap-brightpearl/<account>-<app_ref>"
        ".json.",
    ),
    th.Property(
        "oauth_tokens_in_state",
        th.BooleanType(),
        default=False,
        title="OAuth tokens in state",
        description="Also keep the newest OAuth "
        "tokens in the Singer STATE (key tap_brightpearl_oauth), read back from "
        "--state, for workers where only Meltano's state survives. The state then "
        "holds a live credential: protect its backend like a secret (default "
        "false).",
    ),
    th.Property(
        "start_date",
        th.DateTimeType(),
        title="Start date",
        description="Earliest "
        "replication-key value (updatedOn, createdOn, ...) to extract on a first "
        "run. Without it a first run extracts everything.",
    ),
    th.Property(
        "end_date",
        th.DateTimeType(),
        title="End date",
        description="Latest "
        "replication-key value (updatedOn, createdOn, ...) to extract, exclusive: "
        "with start_date, re-extracts a period. A bookmark never moves past it. "
        "Unset: up to the start of the run. Full-table streams ignore it.",
    ),
    _i(
        "lookback_minutes",
        "Lookback minutes",
        "Overlap subtracted from every bookmark (search index lag, clock skew). Default 5.",
        default=5,
    ),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=500),
        default=500,
        title="Page size",
        description="Search page size, 1 to 500 (default 500).",
    ),
    th.Property(
        "id_batch_size",
        th.IntegerType(minimum=1, maximum=200),
        default=200,
        title="ID batch size",
        description="IDs per GET-by-ID-set request, 1 to 200 (default 200).",
    ),
    th.Property(
        "include_custom_fields",
        th.BooleanType(),
        default=True,
        title="Include custom fields",
        description="Ask for includeOptional="
        "customFields,nullCustomFields on orders and products (default true).",
    ),
    th.Property(
        "custom_field_columns",
        th.BooleanType(),
        default=False,
        title="Custom field columns",
        description="Declare every custom field of "
        "orders, products and contacts under customFields in the SCHEMA, typed from the "
        "custom-field definitions (read at discovery and at sync start: up to 5 "
        "requests), so flattening gives one typed column per field; DATE fields as "
        "YYYY-MM-DD (default false).",
    ),
    th.Property(
        "contact_custom_fields",
        th.BooleanType(),
        default=False,
        title="Contact custom fields",
        description="Read each synced contact's custom "
        "fields (contact_custom_field_values, contacts' customFields): ONE request per "
        "contact, as Brightpearl has no bulk source: 10,000 contacts cost 10,000 "
        "requests, about 50 minutes of the 200/min pool (default false).",
    ),
    th.Property(
        "max_requests_per_minute",
        th.IntegerType(minimum=1),
        title="Max requests per minute",
        description="Client-side budget below "
        "the account's 200/min pool, for accounts shared with other apps (rolling "
        "minute).",
    ),
    th.Property(
        "window_days",
        th.DecimalType(minimum=0),
        title="Window days",
        description="A backfill of over 20 search pages is "
        "searched in date windows, with a STATE checkpoint after each, so a killed sync "
        "resumes within one window. Unset (default): windows sized from the "
        "backfill's row count to about 16 pages each; a number: windows starting at "
        "this many days. A window with less than a page of rows doubles the next; one "
        "whose first page counts over 20 pages is split before it is paged. With or "
        "without start_date. 0 = one window.",
    ),
    th.Property(
        "max_parallel_requests",
        th.IntegerType(minimum=1, maximum=16),
        default=4,
        title="Max parallel requests",
        description="GET-by-ID-set requests in "
        "flight at once (default 4), and as many pages of a long search (the next ones "
        "fetched ahead), all within the request budget. 1 = one request at a time.",
    ),
    th.Property(
        "decimal_format",
        th.StringType(),
        allowed_values=["singer.decimal", "x-singer.decimal"],
        default="singer.decimal",
        title="Decimal format",
        description="The JSON "
        "schema format of money, quantities and rates (exact decimal strings either "
        "way). singer.decimal (default) loads as text in most SQL targets; "
        "x-singer.decimal makes MeltanoLabs target-postgres (and other singer-sdk SQL "
        "targets) create exact NUMERIC columns; DuckDB and JSONL targets are "
        "unaffected.",
    ),
    th.Property(
        "column_names",
        th.StringType(),
        allowed_values=["original", "snake_case"],
        default="original",
        title="Column names",
        description="original (default): "
        "Brightpearl's own field names (camelCase: orderId). snake_case: every "
        "property name at every level of the SCHEMA and RECORD messages (and batch "
        "files), the key and bookmark properties and the discovered catalog in "
        "snake_case (orderId -> order_id, totalValue__total -> total_value__total), "
        "so SQL needs no quoted identifiers. The state is the same either way: "
        "switching does not resync, but the tables get new columns.",
    ),
    th.Property(
        "schema_drift",
        th.StringType(),
        allowed_values=["evolve", "ignore"],
        default="evolve",
        title="Schema drift",
        description="A declared type never "
        "changes (SQL loaders cannot alter a column): a value its type cannot hold "
        "is kept, as sent, in the record's _unfit_values JSON field, keyed by its path "
        "(e.g. orderRows[3].quantity), and the field is null. evolve (default): a "
        "field the schema lacks is added to the stream's SCHEMA (re-emitted once) as "
        "text, or JSON for an object or array, a type fixed for later runs. ignore: "
        "the declared schema only; such a field's values go to _unfit_values too. "
        "Each field is named once in a warning, then at INFO in later runs.",
    ),
    _s(
        "user_agent",
        "User agent",
        "User-Agent header of every request (default tap-brightpearl/<version>).",
    ),
    _i("request_timeout", "Request timeout", "Seconds before a request times out (default 300)."),
    th.Property(
        "progress_interval_seconds",
        th.IntegerType(minimum=0),
        default=DEFAULT_INTERVAL,
        title="Progress interval seconds",
        description="While a stream runs, one progress line (done of total, "
        "requests/min, time left) at most this often (default 30); 0 = none.",
    ),
    th.Property(
        "fail_fast",
        th.BooleanType(),
        default=False,
        title="Fail fast",
        description="true: any stream's failure stops the run at once. false "
        "(default): a stream that fails on its own (a 403 or a 401 refusing its "
        "endpoint, a 5xx after the retries) is skipped with one line, its bookmark "
        "left as it was at the start of the run, the other streams complete, and the "
        "run exits non-zero naming it. Auth, config and host errors always stop at "
        "once.",
    ),
    th.Property(
        "detect_deletes",
        th.BooleanType(),
        default=True,
        title="Detect deletes",
        description="Sweep the ids of deletable streams (orders, products, contacts: "
        "one OPTIONS request each; goods-out notes, goods-in batches, customer and "
        "supplier payments: id-only searches, 500 ids a request) and report ids gone "
        "since the previous complete sweep in the deleted_records stream (default "
        "true).",
    ),
    th.Property(
        "delete_streams",
        th.ArrayType(th.StringType()),
        title="Delete streams",
        description="Which streams are swept for deletions (default: every selected "
        "deletable stream: orders, products, contacts by one OPTIONS request each; "
        "goods_out_notes, goods_in_batches, customer_payments, supplier_payments by "
        "id-only searches, one request per 500 ids).",
    ),
    th.Property(
        "max_delete_fraction",
        th.NumberType(minimum=0, maximum=1),
        default=0.2,
        title="Max delete fraction",
        description="A sweep that would report more "
        "than this share of a stream's known ids as deleted reports nothing for it, "
        "keeps the previous ids and warns (default 0.2).",
    ),
    th.Property(
        "delete_sweep_hours",
        th.NumberType(minimum=0),
        title="Delete sweep hours",
        description="Sweep each stream at most this often, in hours (0: every run); "
        "the last sweep's time is kept in the state. Unset: the one-request OPTIONS "
        "sweeps run every run and the id-only search sweeps at most once a day.",
    ),
    th.Property(
        "metrics_log_level",
        th.StringType(),
        allowed_values=["DEBUG", "INFO"],
        default="DEBUG",
        title="Metrics log level",
        description="Level of the "
        "Singer SDK's METRIC lines (one JSON line per request and stream): DEBUG "
        "(default: shown only with TAP_BRIGHTPEARL_LOGLEVEL=DEBUG) or INFO.",
    ),
).to_dict()
