"""Helpers of the Meltano tests: the real Meltano of .venv-meltano, and the --about agreement.

``disagreements`` is the rule a Meltano extractor definition (meltano.yml's, or the shipped
plugin/tap-brightpearl.yml) must follow to pass exactly what the tap declares: the same
capabilities, the same settings, each with the Meltano kind of its JSON schema type, its
default as ``value``, its allowed values as ``options`` and ``sensitive`` when secret.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml
from shell_helpers import ROOT, console_script, require_built

if TYPE_CHECKING:
    from pathlib import Path

MELTANO = ROOT / os.environ.get("MELTANO_VENV", ".venv-meltano") / "bin" / "meltano"
TAP = console_script("tap-brightpearl")

# JSON schema type -> the Meltano 4.4 kind that passes it unchanged. Meltano casts a string
# value to its kind: `integer` by int() and `decimal` by Decimal() (a typo is an error),
# `boolean` by a truthy test. Dates are `string`: `date_iso8601` runs dateparser over any
# value that is not strict ISO 8601 and turned 2024-13-01 into 2024-01-13T00:00:00.
KIND_OF_TYPE = {
    "string": "string",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
}


@cache
def about() -> dict[str, Any]:
    """`tap-brightpearl --about --format=json` of the tap under test."""
    out = subprocess.run(
        [TAP, "--about", "--format=json"], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out))


def expected_kind(prop: dict[str, Any]) -> str:
    """The kind a setting needs: options for an enum, string for any type admitting a string."""
    if "enum" in prop:
        return "options"
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    if "string" in types or prop.get("format") in ("date-time", "date"):
        return "string"
    if len(types) != 1 or types[0] not in KIND_OF_TYPE:
        return f"(no Meltano kind passes {types} unchanged)"
    return KIND_OF_TYPE[types[0]]


def disagreements(plugin: dict[str, Any], info: dict[str, Any]) -> list[str]:
    """Every way the extractor definition ``plugin`` differs from the tap's ``--about``."""
    problems = []
    have, want = set(plugin.get("capabilities", [])), set(info["capabilities"])
    if have != want:
        problems.append(f"capabilities: missing {sorted(want - have)}, extra {sorted(have - want)}")
    settings = {s["name"]: s for s in plugin.get("settings", [])}
    properties: dict[str, Any] = info["settings"]["properties"]
    problems += [f"{n}: not declared" for n in sorted(set(properties) - set(settings))]
    problems += [f"{n}: not a setting of the tap" for n in sorted(set(settings) - set(properties))]
    for name in sorted(set(settings) & set(properties)):
        setting, prop = settings[name], properties[name]
        if (kind := setting.get("kind")) != expected_kind(prop):
            problems.append(f"{name}: kind {kind}, the tap's type needs {expected_kind(prop)}")
        if "enum" in prop:
            values = [o.get("value") for o in setting.get("options", [])]
            if values != [v for v in prop["enum"] if v is not None]:
                problems.append(f"{name}: options {values}, the tap allows {prop['enum']}")
        sensitive, secret = setting.get("sensitive"), prop.get("secret")
        if bool(sensitive) != bool(secret):
            problems.append(f"{name}: sensitive {sensitive}, secret {secret}")
        value, default = setting.get("value"), prop.get("default")
        if value != default or ("value" in setting and type(value) is not type(default)):
            problems.append(f"{name}: value {value!r}, default {default!r}")
    return problems


def require_meltano() -> None:
    """Skip without .venv-meltano, except in CI, where `make pytest` must have built it."""
    require_built(MELTANO, "`make pytest` (or `make .venv-meltano/.installed`)")


def meltano_env(**extra: str) -> dict[str, str]:
    """The test's environment without TAP_BRIGHTPEARL_* settings, no telemetry, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_BRIGHTPEARL_")}
    env.update(
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS="[]",
        DO_NOT_TRACK="1",
    )
    env.update(extra)
    return env


def meltano(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the real Meltano in ``project``; the caller checks the exit code."""
    return subprocess.run(
        [str(MELTANO), *args],
        cwd=project,
        env=env if env is not None else meltano_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def repo_project(tmp_path: Path, **tap_changes: Any) -> Path:
    """A copy of the repo's meltano.yml whose tap is the one under test (no install step).

    Only the install fields change (no pip_url, the executable by path): the settings, the
    capabilities and the environments are the repo's. ``tap_changes`` update the extractor.
    """
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-brightpearl"]
    tap.pop("pip_url")
    tap["executable"] = TAP
    tap.update(tap_changes)
    (tmp_path / "meltano.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    return tmp_path


def current_defaults(listing: str) -> dict[str, str]:
    """``name -> printed value`` of each line of `meltano config list` at its default."""
    values = {}
    for line in listing.splitlines():
        name, sep, rest = line.partition(" [env: ")
        if sep and rest.endswith(" (default)") and "current value: " in rest:
            values[name] = rest.split("current value: ", 1)[1].removesuffix(" (default)")
    return values
