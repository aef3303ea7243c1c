"""What each Brightpearl answer means (``errors.check_response``), as a table of responses.

Every row is a real ``requests.Response`` built by hand (status, headers, body): the same
shapes the subprocess proofs meet over HTTP from the sandbox (tests/test_reliability_*.py,
tests/test_tap_isolation.py), here in milliseconds. The bodies follow docs/api-notes.md.
"""

from __future__ import annotations

import decimal

import pytest
from fakes import errors_body, response
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_brightpearl.auth import TokenExpiredError
from tap_brightpearl.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RetriesExhaustedError,
    ThrottledError,
    UnauthorizedError,
    check_response,
    error_message,
    is_stream_local,
    json_of,
)

CONFIG = {"account_code": "acme", "app_ref": "acme-app", "staff_token": "s3cret-staff"}
THROTTLE = {
    "response": "You have sent too many requests. Please wait before sending another request"
}
EXPIRED = {"response": "Authorization token expired"}

# (case, response, oauth, retry statuses, the exception it raises; None: accepted)
TABLE = [
    ("200 search page", response(200, {"response": {"results": [[1, "9.99"]]}}), False, (), None),
    (
        "200 garbled body is retried",
        response(200, raw=b'{"response": [1, 2'),
        False,
        (),
        RetriableAPIError,
    ),
    ("200 cut to nothing is retried", response(200, raw=b""), False, (), RetriableAPIError),
    (
        "CMNC-018 filter at 500 is permanent",
        response(500, errors_body("CMNC-018", "bad filter")),
        False,
        (),
        FatalAPIError,
    ),
    (
        "CMNC-018 filter at 400 is permanent",
        response(400, errors_body("CMNC-018", "bad filter")),
        False,
        (),
        FatalAPIError,
    ),
    ("503 too many requests is a throttle", response(503, THROTTLE), False, (), ThrottledError),
    (
        "503 without the text is an outage",
        response(503, {"response": "Service Unavailable"}),
        False,
        (),
        RetriableAPIError,
    ),
    (
        "503 HTML page is an outage",
        response(503, raw=b"<html>down</html>"),
        False,
        (),
        RetriableAPIError,
    ),
    ("401 expired under OAuth refreshes", response(401, EXPIRED), True, (), TokenExpiredError),
    ("401 expired without OAuth is refused", response(401, EXPIRED), False, (), UnauthorizedError),
    ("401 refused", response(401, {"response": "Not authenticated"}), False, (), UnauthorizedError),
    (
        "404 CMNC-404 is no such id",
        response(404, errors_body("CMNC-404", "No Contact Found")),
        False,
        (),
        NotFoundError,
    ),
    ("404 without CMNC-404 stops", response(404, raw=b"Not Found"), False, (), FatalAPIError),
    (
        "500 is retried",
        response(500, errors_body("CMNU-003", "Internal server error")),
        False,
        (),
        RetriableAPIError,
    ),
    ("429 in retry statuses is retried", response(429, raw=b""), False, (429,), RetriableAPIError),
    ("429 otherwise stops", response(429, raw=b""), False, (), FatalAPIError),
    (
        "400 is a bad request",
        response(400, errors_body("WHSC-020", "ids needed")),
        False,
        (),
        BadRequestError,
    ),
    ("403 is forbidden", response(403, {"response": "Forbidden"}), False, (), ForbiddenError),
    ("418 stops", response(418, raw=b"teapot"), False, (), FatalAPIError),
]


@pytest.mark.parametrize(
    ("case", "resp", "oauth", "retry", "raises"), TABLE, ids=[row[0] for row in TABLE]
)
def test_check_response(case, resp, oauth, retry, raises):
    if raises is None:
        check_response(resp, oauth=oauth, config=CONFIG, retry_statuses=retry)
        return
    with pytest.raises(raises) as caught:
        check_response(resp, oauth=oauth, config=CONFIG, retry_statuses=retry)
    assert type(caught.value) is raises, f"{case}: {type(caught.value).__name__}"
    text = str(caught.value)
    assert "updatedOn" not in text, "the query string reached an error"
    assert CONFIG["staff_token"] not in text


def test_an_expired_token_error_names_the_token_the_request_carried():
    resp = response(401, EXPIRED)
    resp.request.headers["Authorization"] = "Bearer the-token-sent"
    with pytest.raises(TokenExpiredError) as caught:
        check_response(resp, oauth=True, config=CONFIG, retry_statuses=())
    assert caught.value.token == "the-token-sent"
    assert "the-token-sent" not in str(caught.value)


def test_a_good_body_is_decoded_once_with_exact_decimals():
    resp = response(200, raw=b'{"response": {"total": 12.10}}')
    check_response(resp, oauth=False, config=CONFIG)
    body = json_of(resp)
    assert body == {"response": {"total": decimal.Decimal("12.10")}}
    resp._content = b"changed"  # json_of answers from what check_response kept
    assert json_of(resp) is body


def test_error_lines_name_status_path_code_and_message():
    resp = response(
        404, errors_body("CMNC-404", "No Contact Found"), path="contact-service/contact/1-3?x=1"
    )
    assert error_message(resp) == (
        "HTTP 404 from /public-api/acme/contact-service/contact/1-3: CMNC-404 No Contact Found"
    )
    oauth_error = response(400, {"error": "invalid_grant", "error_description": "expired code"})
    assert error_message(oauth_error).endswith(": invalid_grant expired code")
    assert error_message(response(500, raw=b"")) == (
        "HTTP 500 from /public-api/acme/order-service/order-search"
    )


def test_a_401_says_what_to_check_and_which_service_refused():
    resp = response(
        401,
        {"response": "Not authenticated"},
        path="accounting-service/journal-search?firstResult=1",
    )
    with pytest.raises(UnauthorizedError) as caught:
        check_response(resp, oauth=False, config=CONFIG)
    assert caught.value.service == "accounting-service"
    text = str(caught.value)
    assert text.startswith("HTTP 401 from /public-api/acme/accounting-service/journal-search")
    assert "account_code ('acme')" in text
    assert "app_ref ('acme-app')" in text
    assert "staff_token" in text
    assert CONFIG["staff_token"] not in text


def test_the_throttle_keeps_the_response_for_its_headers():
    resp = response(503, THROTTLE, headers={"brightpearl-next-throttle-period": "2500"})
    with pytest.raises(ThrottledError) as caught:
        check_response(resp, oauth=False, config=CONFIG)
    assert caught.value.response.headers["brightpearl-next-throttle-period"] == "2500"


@pytest.mark.parametrize(
    ("exc", "any_success", "local"),
    [
        (ForbiddenError("HTTP 403"), False, True),
        (RetriesExhaustedError("HTTP 500"), False, True),
        (UnauthorizedError("HTTP 401", "/public-api/acme/order-service/x"), True, True),
        (UnauthorizedError("HTTP 401", "/public-api/acme/order-service/x"), False, False),
        (BadRequestError("HTTP 400"), True, False),
        (FatalAPIError("CMNC-018"), True, False),
        (ValueError("a bug"), True, False),
    ],
)
def test_which_failures_are_local_to_a_stream(exc, any_success, local):
    assert is_stream_local(exc, any_success=any_success) is local
