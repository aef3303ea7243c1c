"""A newcomer's Meltano project adds the tap from plugin/tap-brightpearl.yml.

`meltano init`, then `meltano add --from-ref` with the shipped definition, its `pip_url` set to
a wheel of this work tree (README's step before a PyPI release sets it to the git URL the same
way): the only network is the package index, for the tap's dependencies. The added plugin
declares --about's settings, the installed tap reports them, and it syncs from a sandbox.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from meltano_helpers import (
    about,
    current_defaults,
    disagreements,
    meltano,
    meltano_env,
    require_meltano,
)
from shell_helpers import ROOT, built_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tap_brightpearl.sandbox import Sandbox

PLUGIN = ROOT / "plugin" / "tap-brightpearl.yml"
INSTALL_TIMEOUT = 900.0  # the tap's dependencies from the index into the plugin's venv


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result, once it is known to have succeeded."""
    assert result.returncode == 0, f"{result.args}:\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh `meltano init` project with the tap added from the shipped definition."""
    require_meltano()
    tmp = tmp_path_factory.mktemp("newcomer")
    wheel = built_wheel(tmp_path_factory)
    lines = PLUGIN.read_text(encoding="utf-8").splitlines(keepends=True)
    assert sum(line.startswith("pip_url: ") for line in lines) == 1
    definition = tmp / "tap-brightpearl.yml"
    definition.write_text(
        "".join(f"pip_url: {wheel}\n" if line.startswith("pip_url: ") else line for line in lines),
        encoding="utf-8",
    )
    ok(meltano(tmp, "init", "project", "--no-usage-stats"))
    project = tmp / "project"
    ok(
        meltano(
            project,
            "add",
            "--from-ref",
            str(definition),
            "tap-brightpearl",
            timeout=INSTALL_TIMEOUT,
        )
    )
    return project


def project_plugins(project: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((project / "meltano.yml").read_text(encoding="utf-8"))["plugins"])


@pytest.mark.slow  # 15 s with a warm package cache; installing the dependencies cold
# into the plugin's new venv takes minutes
def test_meltano_add_from_the_definition_declares_the_taps_settings(added: Path) -> None:
    plugins = project_plugins(added)
    assert list(plugins) == ["extractors"]  # `add ... extractor tap-brightpearl` adds a utility too
    (tap,) = plugins["extractors"]
    assert tap["name"] == "tap-brightpearl"
    assert disagreements(tap, about()) == []
    shipped = yaml.safe_load(PLUGIN.read_text(encoding="utf-8"))
    assert tap["settings"] == shipped["settings"]
    assert tap["capabilities"] == shipped["capabilities"]
    # Meltano keeps what it uses of the Hub format (auth groups, the login command) and
    # accepts the rest (keywords, notes, logo: the Hub's page) without writing it here.
    for key in ("settings_group_validation", "commands"):
        assert tap.get(key) == shipped[key], key
    assert {"keywords", "prereq", "usage", "maintenance_status"} <= set(shipped)


@pytest.mark.slow
def test_the_added_tap_is_installed_and_reports_the_same_settings(added: Path) -> None:
    assert (added / ".meltano/extractors/tap-brightpearl/venv/bin/tap-brightpearl").exists()
    result = ok(meltano(added, "invoke", "tap-brightpearl", "--about", "--format=json"))
    installed = json.loads(result.stdout)
    assert installed["settings"] == about()["settings"]
    assert installed["capabilities"] == about()["capabilities"]

    listing = ok(meltano(added, "config", "list", "--all", "tap-brightpearl")).stdout
    printed = current_defaults(listing)
    assert printed["page_size"] == "500"
    assert printed["max_parallel_requests"] == "4"
    assert printed["lookback_minutes"] == "5"


@pytest.mark.slow
def test_the_added_tap_syncs_from_a_sandbox(added: Path, sandbox: Sandbox) -> None:
    config = sandbox.tap_config()
    env = meltano_env(**{f"TAP_BRIGHTPEARL_{k.upper()}": str(v) for k, v in config.items()})
    ok(meltano(added, "select", "tap-brightpearl", "currencies", "*", env=env))
    run = ok(meltano(added, "invoke", "tap-brightpearl", env=env, timeout=300))
    messages = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    records = [m for m in messages if m["type"] == "RECORD"]
    assert records
    assert {m["stream"] for m in records} == {"currencies"}
