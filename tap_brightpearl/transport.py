"""How one request is sent: paced by the budget, throttles and one token refresh absorbed.

The SDK's backoff goes around it, and one clear line comes once its retries are spent.
"""

from __future__ import annotations

import functools
import typing as t

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_brightpearl import diagnose
from tap_brightpearl.auth import TokenExpiredError
from tap_brightpearl.errors import RetriesExhaustedError, ThrottledError, path_of, url_of

if t.TYPE_CHECKING:
    import itertools
    import logging
    from collections.abc import Mapping

    from backoff.types import Details
    from singer_sdk.helpers.types import Context, RequestFunc

    from tap_brightpearl.auth import BrightpearlAuthenticator
    from tap_brightpearl.budget import RequestBudget

MAX_THROTTLE_WAITS = 30  # consecutive throttle 503s on one request before giving up


class PacedStream(t.Protocol):
    """What the pacing needs of a stream."""

    attempts: itertools.count[int]
    requests_made: int

    @property
    def budget(self) -> RequestBudget:
        """The tap's one request budget."""
        ...

    @property
    def authenticator(self) -> BrightpearlAuthenticator:
        """The tap's one authenticator."""
        ...

    @property
    def config(self) -> Mapping[str, t.Any]:
        """The settings."""
        ...


def paced(stream: PacedStream, func: RequestFunc) -> RequestFunc:
    """Acquire the budget before each attempt; absorb throttles and one token refresh."""

    def attempt(prepared: requests.PreparedRequest, context: Context | None) -> requests.Response:
        throttles = 0
        refreshed = False
        while True:
            stream.budget.acquire()
            stream.requests_made = next(stream.attempts)
            try:
                return func(prepared, context)
            except requests.exceptions.ConnectionError as exc:
                cause = diagnose.wrong_host(exc)
                if cause and not stream.budget.responses:  # the host never answered: a typo
                    raise FatalAPIError(
                        diagnose.unreachable(stream.config, prepared.url, cause)
                    ) from None
                raise
            except ThrottledError as exc:
                throttles += 1
                where = path_of(exc.response.url)
                if throttles > MAX_THROTTLE_WAITS:
                    msg = f"503 throttled {throttles} times in a row on {where}"
                    raise FatalAPIError(msg) from None
                stream.budget.throttled(exc.response.headers, where)
            except TokenExpiredError as exc:
                if refreshed:
                    msg = f"401 Authorization token expired on {path_of(prepared.url)}"
                    raise FatalAPIError(msg) from None
                refreshed = True
                stream.authenticator.refresh_after_rejection(exc.token)
            finally:
                stream.budget.finished()

    return attempt


def one_line_errors(retried: RequestFunc, config: Mapping[str, t.Any]) -> RequestFunc:
    """Once the SDK's retries are spent: one line naming the URL (never its query) and why."""

    @functools.wraps(retried)
    def send(prepared: requests.PreparedRequest, context: Context | None) -> requests.Response:
        try:
            return retried(prepared, context)
        except RetriableAPIError as exc:  # the endpoint answered, badly, every time
            raise RetriesExhaustedError(f"{exc} (retries exhausted)") from None
        except requests.exceptions.RequestException as exc:
            msg = f"{type(exc).__name__} calling {url_of(prepared.url)} (retries exhausted)"
            if isinstance(exc, requests.exceptions.ConnectionError):
                how = diagnose.wrong_host(exc)
                msg = f"{msg}{': ' + how if how else ''}. {diagnose.host_note(config)}"
            raise FatalAPIError(msg) from None

    return send


def log_retry(logger: logging.Logger, stream: str, details: Details) -> None:
    """One line per retry: where, how long, why (no query string, no headers)."""
    exc = details.get("exception")
    reason = str(exc) if isinstance(exc, RetriableAPIError) else type(exc).__name__
    if isinstance(exc, requests.exceptions.ConnectionError) and diagnose.wrong_host(exc):
        reason = f"{reason}: {diagnose.wrong_host(exc)}"
    logger.warning(
        "Retrying %s in %.1f s after %d tries: %s",
        stream,
        details.get("wait") or 0.0,
        details.get("tries") or 0,
        reason,
    )
