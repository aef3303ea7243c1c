"""README.md and meltano.yml stay true to the tap they describe."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from typing import Any

import pytest
import yaml
from shell_helpers import ROOT, console_script, load_script

from tap_brightpearl.tap import TapBrightpearl

README = ROOT / "README.md"
TAP = console_script("tap-brightpearl")

# SDK built-ins that meltano.yml deliberately does not declare (none: every one is useful).
NOT_IN_MELTANO: set[str] = set()


@cache
def about() -> dict[str, Any]:
    """`tap-brightpearl --about --format=json`, as Meltano reads it."""
    out = subprocess.run(
        [TAP, "--about", "--format=json"], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


@cache
def meltano_tap() -> dict[str, Any]:
    """The tap-brightpearl extractor of meltano.yml."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-brightpearl"]
    return tap


def test_readme_holds_the_current_settings_table() -> None:
    tables = load_script("readme_tables")
    markdown = subprocess.run(
        [TAP, "--about", "--format=markdown"], check=True, capture_output=True, text=True
    ).stdout
    table = tables.settings_table(markdown)
    assert "| account_code |" in table
    assert "| staff_token |" in table
    assert table in README.read_text(encoding="utf-8"), "run `make readme-tables`"


def test_readme_holds_the_generated_stream_table() -> None:
    tables = load_script("readme_tables")
    table = tables.stream_table()
    assert len(table.splitlines()) == 2 + 49  # the contract's 48 and deleted_records
    assert "| `orders` | `id` | `updatedOn` |" in table
    assert table in README.read_text(encoding="utf-8"), "run `make readme-tables`"


def test_readme_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = quick_start.split("```")[1::2]
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()[1:]
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands == ["make demo", "make test"]


def test_meltano_declares_exactly_the_taps_settings() -> None:
    declared = {s["name"] for s in meltano_tap()["settings"]}
    expected = set(about()["settings"]["properties"]) - NOT_IN_MELTANO
    assert declared == expected


def test_meltano_marks_exactly_the_taps_secrets_sensitive() -> None:
    properties = about()["settings"]["properties"]
    secrets = {name for name, prop in properties.items() if prop.get("secret")}
    sensitive = {s["name"] for s in meltano_tap()["settings"] if s.get("sensitive")}
    assert "staff_token" in secrets
    assert sensitive == secrets


def test_meltano_settings_are_documented() -> None:
    for setting in meltano_tap()["settings"]:
        missing = {"kind", "label", "description"} - set(setting)
        assert not missing, f"{setting['name']} lacks {sorted(missing)}"


@pytest.mark.parametrize("group", meltano_tap()["settings_group_validation"])
def test_each_meltano_auth_group_is_a_config_the_tap_accepts(group: list[str]) -> None:
    """A config holding exactly one validation group passes the tap's own validation."""
    declared = {s["name"] for s in meltano_tap()["settings"]}
    assert set(group) <= declared
    config = {name: f"example-{name}" for name in group}
    config["api_url"] = "http://127.0.0.1:9"
    TapBrightpearl(config=config, validate_config=True, setup_mapper=False)


def test_meltano_project_needs_no_hub_and_sends_no_stats() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    assert project["send_anonymous_usage_stats"] is False
    assert project["default_environment"] == "sandbox"
    plugins = [p for kind in project["plugins"].values() for p in kind]
    assert {p["name"] for p in plugins} == {"tap-brightpearl", "target-duckdb", "target-jsonl"}
    for plugin in plugins:
        assert {"namespace", "pip_url", "executable", "settings"} <= set(plugin), plugin["name"]
        assert "variant" not in plugin
        assert "inherit_from" not in plugin
    (duckdb,) = [p for p in plugins if p["name"] == "target-duckdb"]
    assert duckdb["pip_url"].split() == ["target-duckdb==0.8.0", "duckdb==1.1.3"]
    # Capabilities and setting kinds/defaults: tests/test_shell_meltano.py, against --about.


def test_meltano_sandbox_environment_uses_the_sandbox_defaults() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (sandbox,) = [e for e in project["environments"] if e["name"] == "sandbox"]
    (tap,) = sandbox["config"]["plugins"]["extractors"]
    assert tap["config"]["api_url"] == "http://127.0.0.1:8734"
    assert tap["config"]["account_code"] == "sandbox"
    assert tap["config"]["app_ref"] == "sandbox-app"
    assert tap["config"]["staff_token"] == "sandbox-staff-token"
    (prod,) = [e for e in project["environments"] if e["name"] == "prod"]
    secrets = {s["name"] for s in meltano_tap()["settings"] if s.get("sensitive")}
    prod_taps = prod["config"]["plugins"].get("extractors", [])
    assert not any(secrets & set(t.get("config", {})) for t in prod_taps)


def test_readme_documents_every_sandbox_knob() -> None:
    """Every option of `brightpearl-sandbox --help` appears in the README's sandbox section."""
    sandbox = console_script("brightpearl-sandbox")
    helptext = subprocess.run(
        [sandbox, "--help"], check=True, capture_output=True, text=True
    ).stdout
    options = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", helptext)) - {"--help"}
    assert "--port" in options
    section = README.read_text(encoding="utf-8").split("## The sandbox", 1)[1]
    missing = sorted(o for o in options if o not in section)
    assert not missing, "run `make readme-tables`"
