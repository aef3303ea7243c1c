"""Auth helpers (``auth``): expiry instants, the inferred auth method."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_brightpearl.auth import parse_expires_at, resolve_auth_method

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("value", "epoch"),
    [
        (1_800_000_000, 1_800_000_000.0),
        (1_800_000_000_000, 1_800_000_000.0),
        ("1800000000", 1_800_000_000.0),
        ("2027-01-15T08:00:00Z", dt.datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()),
        ("2027-01-15T09:00:00+01:00", dt.datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()),
        (None, None),
    ],
)
def test_parse_expires_at(value, epoch):
    assert parse_expires_at(value) == epoch


def test_auth_method_is_inferred():
    assert resolve_auth_method({"staff_token": "x"}) == "staff_token"
    assert resolve_auth_method({"account_token": "x"}) == "account_token"
    assert resolve_auth_method({"oauth_refresh_token": "x", "staff_token": "y"}) == "oauth"
    assert resolve_auth_method({"auth_method": "account_token"}) == "account_token"
    assert resolve_auth_method({}) is None
