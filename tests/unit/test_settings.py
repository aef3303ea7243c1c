"""Settings checks (``settings``): each error names its setting; secrets from the environment."""

from __future__ import annotations

import pytest

from tap_brightpearl.settings import pan_env_config, settings_errors


def test_pan_env_config_maps_secret_names():
    env = {
        "PAN_SEC_BRIGHTPEARL-STAFF_TOKEN": "s",
        "PAN_SEC_BRIGHTPEARL-OAUTH_EXPIRES_AT": "1",
        "PAN_SEC_OTHER": "x",
        "PAN_SEC_BRIGHTPEARL-OAUTH_ACCOUNT": "",
    }
    assert pan_env_config(env) == {"staff_token": "s", "oauth_expires_at": "1"}


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"account_code": "a", "app_ref": "r"}, "staff_token"),
        (
            {"account_code": "a", "app_ref": "r", "auth_method": "oauth", "staff_token": "s"},
            "oauth_access_token",
        ),
        ({"account_code": "a", "staff_token": "s"}, "app_ref"),
        ({"app_ref": "r", "staff_token": "s"}, "account_code"),
        (
            {"account_code": "a", "app_ref": "r", "staff_token": "s", "oauth_expires_at": "soon"},
            "oauth_expires_at",
        ),
    ],
)
def test_settings_errors_name_the_setting(config, setting):
    errors = settings_errors(config)
    assert errors
    assert setting in errors[0]


def test_valid_settings_have_no_errors():
    assert settings_errors({"account_code": "a", "app_ref": "r", "staff_token": "s"}) == []
