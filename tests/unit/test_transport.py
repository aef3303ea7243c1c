"""How one request is sent (``transport.paced``), with a fake budget and a fake authenticator.

tests/test_tap_budget.py and tests/test_reliability_throttle.py prove the pacing against the
sandbox's throttle over HTTP; here each branch: the budget is taken and given back around every
attempt, throttles are waited out (up to a limit), one expired token is refreshed, and a host
that never answered fails at once naming the setting that chose it.
"""

from __future__ import annotations

import itertools
import socket
from typing import Any

import pytest
import requests
from fakes import API, response
from singer_sdk.exceptions import FatalAPIError

from tap_brightpearl.auth import TokenExpiredError
from tap_brightpearl.errors import ThrottledError
from tap_brightpearl.transport import MAX_THROTTLE_WAITS, paced

THROTTLE = {
    "response": "You have sent too many requests. Please wait before sending another request"
}


class FakeBudget:
    def __init__(self, responses: int = 0) -> None:
        self.responses = responses
        self.calls: list[str] = []
        self.waits: list[tuple[str, str]] = []

    def acquire(self) -> None:
        self.calls.append("acquire")

    def finished(self) -> None:
        self.calls.append("finished")

    def throttled(self, headers: Any, path: str) -> float:
        self.waits.append((headers["brightpearl-next-throttle-period"], path))
        return 0.0


class FakeAuthenticator:
    def __init__(self) -> None:
        self.token = "token-1"
        self.refreshed: list[str | None] = []

    def refresh_after_rejection(self, rejected: str | None) -> None:
        self.refreshed.append(rejected)
        if rejected == self.token:  # as the real one: only a token nobody replaced yet
            self.token = f"token-{int(self.token[6:]) + 1}"


class FakeStream:
    def __init__(self, responses: int = 0, config: dict[str, Any] | None = None) -> None:
        self.attempts = itertools.count(1)
        self.requests_made = 0
        self.budget = FakeBudget(responses)
        self.authenticator = FakeAuthenticator()
        self.config = config or {"datacenter": "euw1"}


def scripted(*outcomes: Any):
    """A request function answering with (or raising, or calling) each outcome in turn."""
    queue = list(outcomes)

    def func(prepared: requests.PreparedRequest, context: Any) -> Any:
        outcome = queue.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome(prepared, context) if callable(outcome) else outcome

    return func


def get(url: str = f"{API}/order-service/order-search?firstResult=1") -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def throttle() -> ThrottledError:
    return ThrottledError(
        response(503, THROTTLE, headers={"brightpearl-next-throttle-period": "1500"})
    )


def test_each_attempt_takes_the_budget_and_gives_it_back():
    stream, ok = FakeStream(), response(200, {"response": []})
    send = paced(stream, scripted(ok, ok))
    assert send(get(), None) is ok
    assert send(get(), None) is ok
    assert stream.budget.calls == ["acquire", "finished"] * 2
    assert stream.requests_made == 2


def test_throttles_are_waited_out_then_the_request_goes_again():
    stream, ok = FakeStream(), response(200, {"response": []})
    send = paced(stream, scripted(throttle(), throttle(), ok))
    assert send(get(), None) is ok
    where = "/public-api/acme/order-service/order-search"  # never the query string
    assert stream.budget.waits == [("1500", where)] * 2
    assert stream.budget.calls == ["acquire", "finished"] * 3
    assert stream.requests_made == 3


def test_throttled_past_the_limit_stops_with_one_line():
    stream = FakeStream()
    send = paced(stream, scripted(*[throttle() for _ in range(MAX_THROTTLE_WAITS + 1)]))
    with pytest.raises(
        FatalAPIError,
        match=(
            f"^503 throttled {MAX_THROTTLE_WAITS + 1} times in a row on "
            "/public-api/acme/order-service/order-search$"
        ),
    ):
        send(get(), None)
    assert stream.budget.calls.count("finished") == MAX_THROTTLE_WAITS + 1


def test_an_expired_token_is_refreshed_once():
    stream, ok = FakeStream(), response(200, {"response": []})
    send = paced(stream, scripted(TokenExpiredError("token-1"), ok))
    assert send(get(), None) is ok
    assert stream.authenticator.refreshed == ["token-1"]  # the token the 401 answered


def test_the_token_refused_is_the_one_sent_not_the_one_current_before():
    """The authenticator refreshes before sending a token near its expiry: when the server then
    refuses the new token, that one is refreshed (a fresh-clone run stopped on "expired twice",
    having asked to replace the older token, which was already replaced)."""
    stream, ok = FakeStream(), response(200, {"response": []})

    def refreshed_before_sending(prepared: Any, context: Any) -> requests.Response:
        stream.authenticator.token = "token-2"  # as authenticate_request does near expiry
        raise TokenExpiredError("token-2")

    send = paced(stream, scripted(refreshed_before_sending, ok))
    assert send(get(), None) is ok
    assert stream.authenticator.refreshed == ["token-2"]
    assert stream.authenticator.token == "token-3"


def test_a_token_expired_twice_stops():
    stream = FakeStream()
    send = paced(stream, scripted(TokenExpiredError("token-1"), TokenExpiredError("token-2")))
    with pytest.raises(FatalAPIError, match="^401 Authorization token expired on /public-api/"):
        send(get(), None)
    assert stream.authenticator.refreshed == ["token-1"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def real_send(prepared: requests.PreparedRequest, context: Any) -> requests.Response:
    with requests.Session() as session:
        return session.send(prepared, timeout=5)


def test_a_host_that_never_answered_fails_at_once_naming_the_setting():
    """A real refused connection on 127.0.0.1 (nothing listens on the port)."""
    port = closed_port()
    stream = FakeStream(config={"api_url": f"http://127.0.0.1:{port}"})
    send = paced(stream, real_send)
    with pytest.raises(FatalAPIError) as caught:
        send(get(f"http://127.0.0.1:{port}/public-api/acme/x?secret=1"), None)
    text = str(caught.value)
    assert text.startswith(f"cannot reach 127.0.0.1:{port}: the connection was refused.")
    assert f"api_url = http://127.0.0.1:{port}" in text
    assert "secret" not in text
    assert stream.budget.calls == ["acquire", "finished"]


def test_a_host_that_answered_before_is_retried_not_blamed():
    port = closed_port()
    stream = FakeStream(responses=5, config={"api_url": f"http://127.0.0.1:{port}"})
    with pytest.raises(requests.exceptions.ConnectionError):  # the SDK's backoff retries it
        paced(stream, real_send)(get(f"http://127.0.0.1:{port}/public-api/acme/x"), None)
