"""BrightpearlStream: base URL, auth, error mapping, pacing and retries shared by every stream."""

from __future__ import annotations

import contextlib
import decimal
import functools
import itertools
import sys
import time
import typing as t
from urllib.parse import urlparse

import backoff
import msgspec
import requests
from singer_sdk import RESTStream, SchemaDirectory, StreamSchema
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_brightpearl import diagnose, logs, schemas, sdk_internals
from tap_brightpearl.auth import TokenExpiredError
from tap_brightpearl.conform import EVOLVE, SINGER_DECIMAL, Conformer, with_decimal_format

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from backoff.types import Details
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.singerlib import RecordMessage

    from tap_brightpearl.auth import BrightpearlAuthenticator
    from tap_brightpearl.budget import RequestBudget
    from tap_brightpearl.tap import TapBrightpearl

SCHEMAS = SchemaDirectory(schemas)


class ConfiguredSchema(StreamSchema):
    """A stream's schema file, its decimals in the format the ``decimal_format`` setting names.

    One copy per stream instance: the SDK's schema source hands every instance the same dict.
    """

    def get_stream_schema(self, stream: t.Any, stream_class: type[t.Any]) -> dict[str, t.Any]:
        """The schema of ``stream`` (cached on it)."""
        cached = stream.__dict__.get("_configured_schema")
        if cached is None:
            schema = super().get_stream_schema(stream, stream_class)
            fmt = str(stream.config.get("decimal_format") or SINGER_DECIMAL)
            cached = schema if fmt == SINGER_DECIMAL else with_decimal_format(schema, fmt)
            stream.__dict__["_configured_schema"] = cached
        return cached
BODY = "bp_body"  # where validate_response keeps the decoded body on the response
MAX_THROTTLE_WAITS = 30  # consecutive throttle 503s on one request before giving up


class ThrottledError(Exception):
    """A 503 "too many requests": wait next-throttle-period, retry, not counted as a failure."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__("throttled")
        self.response = response


class NotFoundError(FatalAPIError):
    """A ``CMNC-404`` answer (GET-by-ID-set: some or all of the ids do not exist)."""


class BadRequestError(FatalAPIError):
    """A 400: not retried; bisected on GET-by-ID-sets where one bad id fails a whole chunk."""


#: JSON with exact decimals (money never becomes a float); msgspec decodes about twice as fast
#: as the standard library here and raises ``msgspec.DecodeError`` (a ``ValueError``).
json_body = msgspec.json.Decoder(float_hook=decimal.Decimal).decode


def json_of(response: requests.Response) -> t.Any:
    """The decoded body, decoded only once."""
    body = vars(response).get(BODY, _MISSING)
    return json_body(response.content) if body is _MISSING else body


_MISSING = object()


def error_of(response: requests.Response) -> tuple[str, str]:
    """(code, message) of a Brightpearl error body (``errors`` list or ``response`` string)."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("code", "")), str(errors[0].get("message", ""))
        if isinstance(body.get("response"), str):
            return "", body["response"]
        if "error" in body:
            return str(body["error"]), str(body.get("error_description", ""))
    return "", ""


class BrightpearlStream(RESTStream[t.Any]):
    """Everything API-wide; subclasses only declare what differs."""

    schema: t.ClassVar[StreamSchema] = ConfiguredSchema(SCHEMAS)  # schemas/<stream name>.json
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # our parsing yields declared types
    records_jsonpath = "$.response[*]"
    id_batch_max = 200  # the endpoint's documented ID-set limit (GET-by-ID-set streams)

    def __init__(self, tap: TapBrightpearl) -> None:
        super().__init__(tap)
        self._bp_tap = tap
        self._attempts = itertools.count(1)  # thread-safe: GET batches may be in flight at once
        self.requests_made = 0
        self.records_emitted = 0
        self.seconds = 0.0
        self.progress_done = 0  # search rows, or ids fetched, so far (progress lines)
        self.progress_total: int | None = None  # resultsAvailable of its searches
        self._reported = False
        logs.quiet(self.logger)

    @property
    @override
    def url_base(self) -> str:
        return self._bp_tap.api_base

    @property
    @override
    def authenticator(self) -> BrightpearlAuthenticator:
        return self._bp_tap.authenticator

    @property
    def budget(self) -> RequestBudget:
        """The one request budget of this tap process."""
        return self._bp_tap.budget

    @property
    @override
    def http_headers(self) -> dict:
        return {"Accept": "application/json"}

    @functools.cached_property
    @override
    def user_agent(self) -> str:
        version = self._bp_tap.plugin_version
        return str(self.config.get("user_agent") or f"tap-brightpearl/{version}")

    @property
    @override
    def timeout(self) -> int:
        return int(self.config.get("request_timeout") or 300)

    @property
    def id_batch_size(self) -> int:
        """IDs per GET-by-ID-set (``id_batch_size`` setting, within the endpoint's limit)."""
        return min(int(self.config.get("id_batch_size") or 200), self.id_batch_max)

    @functools.cached_property
    def conformer(self) -> Conformer:
        """This stream's record conformance, widening the schema its SCHEMA messages carry."""
        mode = str(self.config.get("schema_drift") or EVOLVE)
        return Conformer(
            self.name, self.effective_schema, mode=mode,
            mirrors=sdk_internals.schema_mirrors(self),
            decimal_format=str(self.config.get("decimal_format") or SINGER_DECIMAL),
        )

    @functools.cached_property
    def _prune(self) -> bool:
        return not sdk_internals.everything_selected(self)

    @override
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Shape and check the record; a widened schema is re-emitted before it."""
        self.records_emitted += 1
        conformer = self.conformer
        record = conformer(row)
        if conformer.widened:
            conformer.widened = False
            if self.selected:
                sdk_internals.publish_schema(self)
        return record

    @override
    def _generate_record_messages(self, record: dict) -> Generator[RecordMessage, None, None]:
        """RECORD messages without the SDK's selection pass when everything is selected."""
        return sdk_internals.record_messages(self, record, prune=self._prune)

    # -- requests -------------------------------------------------------------------------

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Pace every attempt inside the SDK's backoff; one-line errors once retries are spent."""
        retried = super().request_decorator(self._paced(func))

        @functools.wraps(retried)
        def send(prepared: requests.PreparedRequest, context: Context | None) -> requests.Response:
            try:
                return retried(prepared, context)
            except RetriableAPIError as exc:
                raise FatalAPIError(str(exc)) from None
            except requests.exceptions.RequestException as exc:
                msg = f"{type(exc).__name__} calling {_url_of(prepared.url)} (retries exhausted)"
                if isinstance(exc, requests.exceptions.ConnectionError):
                    how = diagnose.wrong_host(exc)
                    msg = f"{msg}{': ' + how if how else ''}. {diagnose.host_note(self.config)}"
                raise FatalAPIError(msg) from None

        return send

    def _paced(self, func: RequestFunc) -> RequestFunc:
        """Acquire the budget before each attempt; absorb throttles and one token refresh."""

        def attempt(
            prepared: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            throttles = 0
            refreshed = False
            while True:
                self.budget.acquire()
                self.requests_made = next(self._attempts)
                token = self.authenticator.current_token()
                try:
                    return func(prepared, context)
                except requests.exceptions.ConnectionError as exc:
                    cause = diagnose.wrong_host(exc)
                    if cause and not self.budget.responses:  # the host never answered: a typo
                        msg = diagnose.unreachable(self.config, prepared.url, cause)
                        raise FatalAPIError(msg) from None
                    raise
                except ThrottledError as exc:
                    throttles += 1
                    if throttles > MAX_THROTTLE_WAITS:
                        msg = f"503 throttled {throttles} times in a row on {self._path(exc)}"
                        raise FatalAPIError(msg) from None
                    self.budget.throttled(exc.response.headers, self._path(exc))
                except TokenExpiredError:
                    if refreshed:
                        msg = f"401 Authorization token expired on {_path_of(prepared.url)}"
                        raise FatalAPIError(msg) from None
                    refreshed = True
                    self.authenticator.refresh_after_rejection(token)
                finally:
                    self.budget.finished()

        return attempt

    @staticmethod
    def _path(exc: ThrottledError) -> str:
        return _path_of(exc.response.url)

    @override
    def validate_response(self, response: requests.Response) -> None:
        self.budget.observe(response.headers)
        status = response.status_code
        if status < 400:
            try:  # parsed once here, inside the retries: a cut or garbled body is retried
                vars(response)[BODY] = json_body(response.content)
            except ValueError:
                msg = f"HTTP {status} from {_path_of(response.url)}: malformed JSON body"
                raise RetriableAPIError(msg, response) from None
            return
        code, message = error_of(response)
        lowered = message.lower()
        if code == "CMNC-018":
            raise FatalAPIError(self.response_error_message(response))
        if status == 503 and "too many requests" in lowered:
            raise ThrottledError(response)
        if status == 401 and "expired" in lowered and self.authenticator.method == "oauth":
            raise TokenExpiredError
        if status == 404 and code == "CMNC-404":
            raise NotFoundError(self.response_error_message(response))
        if status >= 500 or status in self.extra_retry_statuses:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status == 400:
            raise BadRequestError(self.response_error_message(response))
        if status == 401:
            hint = diagnose.unauthorized_hint(self.config)
            raise FatalAPIError(f"{self.response_error_message(response).rstrip('.')}. {hint}")
        raise FatalAPIError(self.response_error_message(response))

    @override
    def response_error_message(self, response: requests.Response) -> str:
        """One line: status, path without query, Brightpearl's error code and message."""
        code, message = error_of(response)
        detail = f"{code} {message}".strip()[:300]
        return f"HTTP {response.status_code} from {_path_of(response.url)}: {detail}".rstrip(": ")

    @override
    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        """Exponential 2, 4, 8, 16 s (5 tries), each capped at 30 s."""
        return backoff.expo(factor=2, max_value=30)

    @override
    def backoff_handler(self, details: Details) -> None:
        """One line per retry: where, how long, why (no query string, no headers)."""
        exc = details.get("exception")
        reason = str(exc) if isinstance(exc, RetriableAPIError) else type(exc).__name__
        if isinstance(exc, requests.exceptions.ConnectionError) and diagnose.wrong_host(exc):
            reason = f"{reason}: {diagnose.wrong_host(exc)}"
        self.logger.warning(
            "Retrying %s in %.1f s after %d tries: %s",
            self.name, details.get("wait") or 0.0, details.get("tries") or 0, reason,
        )

    def fetch(self, path: str, params: dict[str, t.Any] | None = None) -> requests.Response:
        """One paced, retried GET outside the paginated search loop (GET-by-ID-set, references)."""
        prepared = self.build_prepared_request(
            method="GET",
            url=self.url_base + path,
            params=params or {},
            headers={"User-Agent": self.user_agent, **self.http_headers},
        )
        return self._sender(prepared, None)

    @functools.cached_property
    def _sender(self) -> RequestFunc:
        return self.request_decorator(self._request)

    def timed(self, records: t.Iterable[dict]) -> t.Iterator[dict]:
        """Add the wall time of producing (and emitting) these records to the summary line.

        A top-level stream (its children run inside it) gets progress lines meanwhile.
        """
        started = time.perf_counter()
        watch = contextlib.nullcontext() if self.parent_stream_type else (
            self._bp_tap.progress.watching(self)
        )
        try:
            with watch:
                yield from records
        finally:
            self.seconds += time.perf_counter() - started

    @override
    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """Print the stream's summary line as soon as it is synced, parent first.

        The SDK calls this once a top-level stream is synced, and from it for its children.
        """
        if state is None or state == {}:
            self.log_sync_costs()
        super().finalize_state_progress_markers(state)

    @override
    def log_sync_costs(self) -> None:
        """One line per stream: records, requests and seconds (replaces the SDK's cost line).

        Printed when the stream finishes; the SDK's call at the end of the whole sync only
        prints the streams not reported yet.
        """
        if self._reported or not (self.selected or self.requests_made):
            return
        self._reported = True
        self.logger.info(
            "Stream '%s' done: %d records, %d requests, %.1f s",
            self.name,
            self.records_emitted if self.selected else 0,
            self.requests_made,
            self.seconds,
        )


def _path_of(url: str | None) -> str:
    """The path of a URL (never its query string)."""
    return urlparse(url or "").path


def _url_of(url: str | None) -> str:
    """Scheme, host and path of a URL (never its query string)."""
    parts = urlparse(url or "")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"

