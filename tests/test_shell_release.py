"""The release workflow publishes exactly the tagged version, by trusted publishing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from shell_helpers import ROOT, built_wheel, load_script

if TYPE_CHECKING:
    from pathlib import Path

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def workflow() -> dict[str, Any]:
    return dict(yaml.safe_load(WORKFLOW.read_text(encoding="utf-8")))


def dist_with(tmp_path: Path, *names: str) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir(parents=True)
    for name in names:
        (dist / name).write_bytes(b"")
    return dist


def test_release_check_passes_the_tagged_version_of_a_real_wheel(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    check = load_script("check_release")
    version = check.project_version()
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = built_wheel(tmp_path_factory)
    shutil.copy(wheel, dist / wheel.name)
    (dist / f"tap_brightpearl-{version}.tar.gz").write_bytes(b"")  # hatchling's sdist name
    assert check.problems(f"v{version}", dist, version) == []
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "check_release.py"),
            "--tag",
            f"v{version}",
            str(dist),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_release_check_refuses_a_tag_that_is_not_the_version(tmp_path: Path) -> None:
    check = load_script("check_release")
    dist = dist_with(
        tmp_path, "tap_brightpearl-0.1.0-py3-none-any.whl", "tap_brightpearl-0.1.0.tar.gz"
    )
    assert check.problems("v0.1.0", dist, "0.1.0") == []
    (line,) = check.problems("v0.2.0", dist, "0.1.0")
    assert "tag v0.2.0 does not match pyproject.toml version 0.1.0" in line
    (line,) = check.problems("0.1.0", dist, "0.1.0")
    assert "(tag v0.1.0)" in line


def test_release_check_refuses_stray_or_missing_files(tmp_path: Path) -> None:
    check = load_script("check_release")
    dist = dist_with(
        tmp_path, "tap_brightpearl-0.0.9-py3-none-any.whl", "tap_brightpearl-0.1.0.tar.gz"
    )
    (line,) = check.problems("v0.1.0", dist, "0.1.0")
    assert "tap_brightpearl-0.0.9-py3-none-any.whl is not version 0.1.0" in line
    only_wheel = dist_with(tmp_path / "w", "tap_brightpearl-0.1.0-py3-none-any.whl")
    (line,) = check.problems("v0.1.0", only_wheel, "0.1.0")
    assert "must hold one wheel and one sdist" in line


def test_release_workflow_builds_checks_and_publishes_from_a_v_tag() -> None:
    flow = workflow()
    assert flow[True] == {"push": {"tags": ["v*"]}}  # YAML reads the key `on` as true
    assert flow["permissions"] == {"contents": "read"}
    jobs = flow["jobs"]
    build = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "python -m build" in build
    assert 'scripts/check_release.py --tag "$GITHUB_REF_NAME" dist' in build
    assert any(s.get("run") == "make test" for s in jobs["test"]["steps"])

    publish = jobs["publish"]
    assert set(publish["needs"]) == {"test", "build"}
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (upload,) = [s for s in publish["steps"] if "pypi-publish" in s.get("uses", "")]
    assert upload["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert "with" not in upload  # trusted publishing: no password, no token
    assert "secrets." not in WORKFLOW.read_text(encoding="utf-8")
