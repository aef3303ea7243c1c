"""meltano.yml and plugin/tap-brightpearl.yml declare what the tap declares, and Meltano passes
each value to the tap as it was given.

The agreement tests read the files; the others run the real Meltano 4.4 of .venv-meltano on a
copy of the repo's meltano.yml whose tap is the one under test.
"""

from __future__ import annotations

import ast
import copy
import json
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from meltano_helpers import (
    about,
    current_defaults,
    disagreements,
    meltano,
    meltano_env,
    repo_project,
    require_meltano,
)
from shell_helpers import ROOT, load_script

from tap_brightpearl.auth import resolve_auth_method
from tap_brightpearl.settings import settings_errors

if TYPE_CHECKING:
    from pathlib import Path

PLUGIN = ROOT / "plugin" / "tap-brightpearl.yml"
BAD_DATE = "2024-13-01"  # Meltano's date kind made it 2024-01-13T00:00:00
# A host nothing listens on: were a bad value to get through, the run fails on connect.
NOWHERE = {"TAP_BRIGHTPEARL_API_URL": "http://127.0.0.1:9"}


@cache
def meltano_tap() -> dict[str, Any]:
    """The tap-brightpearl extractor of the repo's meltano.yml."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-brightpearl"]
    return dict(tap)


def test_meltano_yml_agrees_with_about() -> None:
    assert disagreements(meltano_tap(), about()) == []


def test_plugin_definition_agrees_with_about() -> None:
    assert disagreements(yaml.safe_load(PLUGIN.read_text(encoding="utf-8")), about()) == []


def test_plugin_definition_is_generated_from_about() -> None:
    script = load_script("plugin_definition")
    assert PLUGIN.read_text(encoding="utf-8") == script.render(about()), "run `make plugin`"


# The Meltano Hub's extractor definition format (meltano/hub schemas/plugin_definitions/
# extractors.schema.json and what it includes): its keys, a setting's keys and kinds, the
# maintenance statuses and the extractor capabilities it knows.
HUB_KEYS = {
    "name",
    "pip_url",
    "variant",
    "namespace",
    "label",
    "description",
    "executable",
    "settings",
    "docs",
    "repo",
    "logo_url",
    "hidden",
    "settings_group_validation",
    "commands",
    "capabilities",
    "metadata",
    "schema",
    "select",
    "maintenance_status",
    "domain_url",
    "keywords",
    "requires",
    "definition",
    "next_steps",
    "settings_preamble",
    "usage",
    "prereq",
}
HUB_SETTING_KEYS = {
    "name",
    "aliases",
    "label",
    "value",
    "placeholder",
    "kind",
    "description",
    "tooltip",
    "documentation",
    "protected",
    "env",
    "value_processor",
    "value_post_processor",
    "oauth",
    "options",
    "docs",
    "sensitive",
    "hidden",
}
# The Hub schema's kinds, and Meltano's own `decimal` (a typo is an error, not another
# number): the tap's decimal settings need it (see the agreement tests).
HUB_KINDS = {
    "oauth",
    "hidden",
    "password",
    "date_iso8601",
    "file",
    "email",
    "integer",
    "options",
    "object",
    "array",
    "boolean",
    "string",
    "decimal",
}
HUB_STATUSES = {"active", "beta", "development", "inactive", "unknown"}
HUB_CAPABILITIES = {
    "properties",
    "catalog",
    "discover",
    "state",
    "about",
    "stream-maps",
    "schema-flattening",
    "activate-version",
    "batch",
    "test",
    "log-based",
    "structured-logging",
}


def plugin_definition() -> dict[str, Any]:
    return dict(yaml.safe_load(PLUGIN.read_text(encoding="utf-8")))


def test_plugin_definition_has_the_hub_extractor_format() -> None:
    plugin = plugin_definition()
    assert set(plugin) <= HUB_KEYS, set(plugin) - HUB_KEYS
    assert {
        "name",
        "namespace",
        "label",
        "description",
        "pip_url",
        "executable",
        "logo_url",
        "domain_url",
        "maintenance_status",
        "keywords",
        "capabilities",
        "prereq",
        "usage",
        "settings_group_validation",
        "settings",
        "commands",
    } <= set(plugin)
    assert (plugin["name"], plugin["namespace"]) == ("tap-brightpearl", "tap_brightpearl")
    assert plugin["executable"] == "tap-brightpearl"
    assert plugin["maintenance_status"] in HUB_STATUSES
    assert plugin["domain_url"].startswith("https://")
    assert plugin["logo_url"].startswith("/assets/logos/extractors/")
    assert "meltano_sdk" in plugin["keywords"]
    assert all(isinstance(k, str) for k in plugin["keywords"])
    assert plugin["capabilities"] == about()["capabilities"]  # exactly, in --about's order
    assert set(plugin["capabilities"]) <= HUB_CAPABILITIES
    for setting in plugin["settings"]:
        assert {"name", "kind", "label", "description"} <= set(setting) <= HUB_SETTING_KEYS
        assert setting["kind"] in HUB_KINDS, setting
        assert all(isinstance(o["value"], str) for o in setting.get("options", [])), setting
    secret = {n for n, p in about()["settings"]["properties"].items() if p.get("secret")}
    assert {s["name"] for s in plugin["settings"] if s.get("sensitive")} == secret
    assert {"staff_token", "oauth_refresh_token", "oauth_client_secret"} <= secret


def test_plugin_definition_prereq_and_usage_cover_what_a_newcomer_needs() -> None:
    plugin = plugin_definition()
    prereq, usage = plugin["prereq"], plugin["usage"]
    for needed in (
        "private staff app",
        "instance app",
        "account_code",
        "datacenter",
        "euw1",
        "use1",
        "tap-brightpearl:login",
    ):
        assert needed in prereq, needed
    for needed in (
        "max_requests_per_minute",
        "200 requests a minute",
        "fail_fast",
        "brightpearl-sandbox",
        "api_url",
    ):
        assert needed in usage, needed
    if "detect_deletes" in about()["settings"]["properties"]:
        assert "deleted_records" in usage


@pytest.mark.parametrize("mode", ["staff_token", "account_token", "oauth"])
def test_each_settings_group_is_one_auth_mode_and_the_least_it_needs(mode: str) -> None:
    """A group's settings alone pass the tap's config checks in that mode; without any one of
    them they do not (so Meltano's group validation says what the tap says)."""
    groups = plugin_definition()["settings_group_validation"]
    assert len(groups) == 3
    (group,) = [g for g in groups if resolve_auth_method(dict.fromkeys(g, "x")) == mode]
    assert settings_errors(dict.fromkeys(group, "x")) == []
    for dropped in group:
        config = {k: "x" for k in group if k != dropped}
        assert settings_errors(config) or resolve_auth_method(config) != mode, dropped


def test_meltano_yml_and_the_plugin_definition_agree() -> None:
    """Both agree with --about (above); they also carry the same commands and capabilities."""
    plugin = plugin_definition()
    assert plugin["commands"] == meltano_tap()["commands"]
    assert sorted(plugin["capabilities"]) == sorted(meltano_tap()["capabilities"])
    assert [s["name"] for s in plugin["settings"]] == list(about()["settings"]["properties"])


def test_disagreements_name_what_meltano_yml_got_wrong_before() -> None:
    """The rule catches each mistake the old meltano.yml made (so the tests above can fail)."""
    old = copy.deepcopy(meltano_tap())
    old["capabilities"] = [
        "catalog",
        "discover",
        "state",
        "about",
        "stream-maps",
        "schema-flattening",
        "batch",
    ]
    settings = {s["name"]: s for s in old["settings"]}
    settings["start_date"]["kind"] = "date_iso8601"
    settings["window_days"].update(kind="integer")
    settings["max_parallel_requests"].pop("value")
    settings["page_size"].pop("value")
    settings["lookback_minutes"]["value"] = 5.0
    settings["staff_token"].pop("sensitive")
    settings["schema_drift"]["options"] = [{"label": "Evolve", "value": "evolve"}]
    old["settings"] = [s for s in old["settings"] if s["name"] != "user_agent"]
    old["settings"].append({"name": "start_dat", "kind": "string"})
    problems = "\n".join(disagreements(old, about()))
    for expected in (
        "capabilities: missing ['structured-logging']",
        "start_date: kind date_iso8601, the tap's type needs string",
        "window_days: kind integer, the tap's type needs decimal",
        "max_parallel_requests: value None, default 4",
        "page_size: value None, default 500",
        "lookback_minutes: value 5.0, default 5",
        "staff_token: sensitive None, secret True",
        "schema_drift: options ['evolve'], the tap allows ['evolve', 'ignore']",
        "user_agent: not declared",
        "start_dat: not a setting of the tap",
    ):
        assert expected in problems


# -- the real Meltano ----------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    require_meltano()
    return repo_project(tmp_path)


def dumped_config(project: Path, env: dict[str, str]) -> dict[str, Any]:
    """The config file Meltano writes for the tap (`meltano invoke --dump=config`)."""
    result = meltano(project, "invoke", "--dump=config", "tap-brightpearl", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize("given_in", ["environment variable", "meltano config set"])
def test_a_bad_start_date_fails_the_meltano_run_with_the_taps_error(
    project: Path, given_in: str
) -> None:
    env = meltano_env(**NOWHERE)
    if given_in == "environment variable":
        env["TAP_BRIGHTPEARL_START_DATE"] = BAD_DATE
    else:  # into the active (sandbox) environment of meltano.yml, the way a user sets it
        args = ("--environment=sandbox", "config", "set", "tap-brightpearl", "start_date")
        result = meltano(project, *args, BAD_DATE, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
    assert dumped_config(project, env)["start_date"] == BAD_DATE  # passed on as typed

    run = meltano(project, "invoke", "tap-brightpearl", env=env)
    assert run.returncode != 0
    assert run.stdout == ""  # not one record
    lines = [line for line in run.stderr.splitlines() if "start_date is not" in line]
    assert len(lines) == 1, run.stderr[-3000:]
    assert f"start_date is not an ISO-8601 date-time: '{BAD_DATE}'" in lines[0]
    assert "[error" in lines[0]  # structured-logging: Meltano shows it at its level


@pytest.mark.parametrize("value", ["2024-02-01T06:30+05:45", "2024-02-01", "2015-01-01T00:00:00Z"])
def test_meltano_passes_a_good_start_date_unchanged(project: Path, value: str) -> None:
    env = meltano_env(**NOWHERE, TAP_BRIGHTPEARL_START_DATE=value)
    assert dumped_config(project, env)["start_date"] == value


@pytest.mark.parametrize("value", [BAD_DATE, "2024-02-01T06:30+05:45"])
def test_the_date_kind_would_have_rewritten_the_value(tmp_path: Path, value: str) -> None:
    """Why start_date is a string: with kind date_iso8601 the same Meltano changes the value."""
    require_meltano()
    settings = copy.deepcopy(meltano_tap()["settings"])
    (start_date,) = [s for s in settings if s["name"] == "start_date"]
    start_date["kind"] = "date_iso8601"
    project = repo_project(tmp_path, settings=settings)
    env = meltano_env(**NOWHERE, TAP_BRIGHTPEARL_START_DATE=value)
    rewritten = dumped_config(project, env)["start_date"]
    assert rewritten != value
    if value == BAD_DATE:
        assert rewritten == "2024-01-13T00:00:00"


def test_meltano_config_list_shows_the_taps_defaults(project: Path) -> None:
    result = meltano(project, "config", "list", "--all", "tap-brightpearl")
    assert result.returncode == 0, result.stderr[-3000:]
    printed = current_defaults(result.stdout)
    defaults = {
        name: prop["default"]
        for name, prop in about()["settings"]["properties"].items()
        if "default" in prop
    }
    assert {"page_size", "lookback_minutes", "max_parallel_requests"} <= set(defaults)
    for name, default in defaults.items():
        assert name in printed, f"{name} is not listed at its default"
        assert ast.literal_eval(printed[name]) == default, (name, printed[name])


def test_window_days_reaches_the_tap_from_meltano_yml_not_from_the_environment(
    project: Path,
) -> None:
    """README's note: Meltano 4.4 casts an environment value of a decimal setting to Decimal
    and then cannot write the config file; the same value from meltano.yml passes as a number."""
    env = meltano_env(**NOWHERE)
    result = meltano(
        project,
        "--environment=sandbox",
        "config",
        "set",
        "tap-brightpearl",
        "window_days",
        "0.5",
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert dumped_config(project, env)["window_days"] == 0.5

    env["TAP_BRIGHTPEARL_WINDOW_DAYS"] = "7"
    result = meltano(project, "invoke", "--dump=config", "tap-brightpearl", env=env)
    assert result.returncode != 0
    assert "Object of type Decimal is not JSON serializable" in result.stderr


def test_meltano_reads_a_mistyped_boolean_from_the_environment_as_false(project: Path) -> None:
    """README's note: Meltano's boolean kind reads anything but true/1/yes/on as false."""
    env = meltano_env(**NOWHERE, TAP_BRIGHTPEARL_INCLUDE_CUSTOM_FIELDS="ture")
    assert dumped_config(project, env)["include_custom_fields"] is False
    env["TAP_BRIGHTPEARL_INCLUDE_CUSTOM_FIELDS"] = "yes"
    assert dumped_config(project, env)["include_custom_fields"] is True
