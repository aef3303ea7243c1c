"""``settings.Settings``: each setting read once, its default, and the derived rules.

The same rules are proven over HTTP (tests/test_tap_hosts.py, tests/test_tap_accounts.py);
this table states them in one place, without a tap process.
"""

from __future__ import annotations

import pytest

from tap_brightpearl.settings import Settings


@pytest.mark.parametrize(
    ("config", "domain", "shown", "base"),
    [
        (
            {},
            None,
            ("datacenter", "euw1 (the default)"),
            "https://euw1.brightpearlconnect.com/public-api/acme/",
        ),
        (
            {"datacenter": "use1"},
            None,
            ("datacenter", "use1"),
            "https://use1.brightpearlconnect.com/public-api/acme/",
        ),
        (
            {"api_url": "http://127.0.0.1:8080/x/", "datacenter": "use1"},
            None,
            ("api_url", "http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/x/public-api/acme/",
        ),
        (
            {"oauth_access_token": "a", "oauth_api_domain": "ws-use.brightpearl.com"},
            "ws-use.brightpearl.com",
            ("oauth_api_domain", "ws-use.brightpearl.com"),
            "https://ws-use.brightpearl.com/public-api/acme/",
        ),
        # a staff token ignores the OAuth domain; OAuth without one falls back to datacenter
        (
            {"staff_token": "s", "oauth_api_domain": "d.example"},
            "d.example",
            ("datacenter", "euw1 (the default)"),
            "https://euw1.brightpearlconnect.com/public-api/acme/",
        ),
        (
            {"oauth_refresh_token": "r", "datacenter": "usw2"},
            None,
            ("datacenter", "usw2"),
            "https://usw2.brightpearlconnect.com/public-api/acme/",
        ),
    ],
)
def test_the_host_rule(config, domain, shown, base):
    settings = Settings.of({"account_code": "acme", **config})
    assert settings.host_setting() == shown
    assert settings.api_base(domain) == base


def test_account_and_defaults():
    settings = Settings.of({"oauth_account": "beta", "page_size": 0})
    assert settings.account == "beta"
    assert Settings.of({"account_code": "a", "oauth_account": "b"}).account == "a"
    assert settings.auth_method == "staff_token"
    assert (settings.page_size, settings.request_timeout, settings.id_batch_size) == (500, 300, 200)
    assert settings.max_parallel_requests == 4
    assert settings.decimal_format == "singer.decimal"
    assert settings.window_days is None
    assert settings.include_custom_fields and settings.detect_deletes
    assert Settings.of({"max_parallel_requests": -3}).max_parallel_requests == 1
    assert Settings.of({"window_days": 0}).window_days == 0
    assert Settings.of({"column_names": "snake_case"}).snake_case


def test_an_unchecked_config_never_raises():
    """``--discover`` reads the config unchecked: a bad number falls back to the default."""
    settings = Settings.of({"page_size": "many", "max_delete_fraction": None})
    assert settings.page_size == 500
    assert settings.max_delete_fraction == 0.2


def test_secrets_stay_out_of_the_settings_repr():
    secrets = {
        "staff_token": "st-SECRET-1",
        "account_token": "at-SECRET-2",
        "oauth_access_token": "oa-SECRET-3",
        "oauth_refresh_token": "or-SECRET-4",
        "oauth_client_secret": "cs-SECRET-5",
    }
    settings = Settings.of({"account_code": "acme", **secrets})
    shown = repr(settings) + str(settings)
    assert "acme" in shown  # the repr is not empty: it shows the harmless settings
    for value in secrets.values():
        assert value not in shown
