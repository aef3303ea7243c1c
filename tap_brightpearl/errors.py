"""Brightpearl's answers as Python: decoded bodies, error bodies, and the errors they raise.

Every status and body here traces to docs/api-notes.md ("Errors", "Rate limit", "Expired token"):
``{"errors": [{"code", "message"}]}`` or a string ``response``; CMNC-018 (a rejected filter)
is permanent whatever its status; a throttle 503 says "too many requests"; an expired OAuth
token is a 401 "Authorization token expired"; CMNC-404 on an ID set means "not there".
"""

from __future__ import annotations

import decimal
import typing as t
from urllib.parse import urlparse

import msgspec
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_brightpearl import diagnose
from tap_brightpearl.auth import TokenExpiredError, sent_token

if t.TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    import requests

BODY = "bp_body"  # where check_response keeps the decoded body on the response
_MISSING = object()

#: JSON with exact decimals (money never becomes a float); msgspec decodes about twice as fast
#: as the standard library here and raises ``msgspec.DecodeError`` (a ``ValueError``).
json_body = msgspec.json.Decoder(float_hook=decimal.Decimal).decode


class ThrottledError(Exception):
    """A 503 "too many requests": wait next-throttle-period, retry, not counted as a failure."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__("throttled")
        self.response = response


class NotFoundError(FatalAPIError):
    """A ``CMNC-404`` answer (GET-by-ID-set: some or all of the ids do not exist)."""


class BadRequestError(FatalAPIError):
    """A 400: not retried; bisected on GET-by-ID-sets where one bad id fails a whole chunk."""


class StreamLocalError(FatalAPIError):
    """A failure of one endpoint, not of the run: the stream is skipped unless fail_fast."""


class ForbiddenError(StreamLocalError):
    """A 403: the staff member (or app) may not use this endpoint."""


class UnauthorizedError(FatalAPIError):
    """A 401 that is not an expired token: the run's credential, unless others were accepted.

    A 401 before any request of the run succeeded is an auth error (the run stops); after
    one did, it is a refusal of this path (see :func:`is_stream_local`).
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path

    @property
    def service(self) -> str:
        """The refused service (``accounting-service``) of ``/public-api/{account}/...``."""
        parts = self.path.strip("/").split("/")
        return parts[2] if len(parts) > 2 else self.path


class RetriesExhaustedError(StreamLocalError):
    """An endpoint that kept answering 5xx (or a retried status) through every retry."""


def is_stream_local(exc: BaseException, *, any_success: bool) -> bool:
    """Whether ``exc`` fails only the stream that met it (skip it) rather than the run.

    Local: a 403, a 5xx after the retries, and a 401 once other requests of this run were
    accepted (the credential is good; this service refuses it). Everything else stops the
    run: config errors, a 401 before any success, a refused OAuth refresh, a wrong host,
    throttling beyond its limit, a rejected filter, bugs.
    """
    if isinstance(exc, StreamLocalError):
        return True
    return isinstance(exc, UnauthorizedError) and any_success


def json_of(response: requests.Response) -> t.Any:
    """The decoded body, decoded only once."""
    body = vars(response).get(BODY, _MISSING)
    return json_body(response.content) if body is _MISSING else body


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


def error_message(response: requests.Response) -> str:
    """One line: status, path without query, Brightpearl's error code and message."""
    code, message = error_of(response)
    detail = f"{code} {message}".strip()[:300]
    return f"HTTP {response.status_code} from {path_of(response.url)}: {detail}".rstrip(": ")


def check_response(
    response: requests.Response,
    *,
    oauth: bool,
    config: Mapping[str, t.Any],
    retry_statuses: Collection[int] = (),
) -> None:
    """Keep a good answer's decoded body on it; raise the error a bad answer means."""
    status = response.status_code
    if status < 400:
        try:  # parsed once here, inside the retries: a cut or garbled body is retried
            vars(response)[BODY] = json_body(response.content)
        except ValueError:
            msg = f"HTTP {status} from {path_of(response.url)}: malformed JSON body"
            raise RetriableAPIError(msg, response) from None
        return
    code, message = error_of(response)
    lowered = message.lower()
    if code == "CMNC-018":
        raise FatalAPIError(error_message(response))
    if status == 503 and "too many requests" in lowered:
        raise ThrottledError(response)
    if status == 401 and "expired" in lowered and oauth:
        raise TokenExpiredError(sent_token(response.request))
    if status == 404 and code == "CMNC-404":
        raise NotFoundError(error_message(response))
    if status >= 500 or status in retry_statuses:
        raise RetriableAPIError(error_message(response), response)
    if status == 400:
        raise BadRequestError(error_message(response))
    if status == 401:
        hint = diagnose.unauthorized_hint(config)
        msg = f"{error_message(response).rstrip('.')}. {hint}"
        raise UnauthorizedError(msg, path_of(response.url))
    if status == 403:
        raise ForbiddenError(error_message(response))
    raise FatalAPIError(error_message(response))


def path_of(url: str | None) -> str:
    """The path of a URL (never its query string)."""
    return urlparse(url or "").path


def url_of(url: str | None) -> str:
    """Scheme, host and path of a URL (never its query string)."""
    parts = urlparse(url or "")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
