"""The built wheel is complete: installed into a fresh virtualenv, both console scripts run."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from shell_helpers import ROOT, built_wheel

PACKAGE = ROOT / "tap_brightpearl"


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the work tree, built the way `make wheel` and CI build it."""
    return built_wheel(tmp_path_factory)


def test_wheel_holds_every_package_file(wheel: Path) -> None:
    """Schemas and other data files ship with the code (hatchling includes what git tracks)."""
    tracked = subprocess.run(
        ["git", "ls-files", "tap_brightpearl"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert any(name.endswith(".py") for name in tracked)
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    assert set(tracked) - shipped == set()
    entry_points = next(n for n in shipped if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        scripts = archive.read(entry_points).decode()
    assert "tap-brightpearl = tap_brightpearl.tap:TapBrightpearl.cli" in scripts
    assert "brightpearl-sandbox = " in scripts


def install_into_a_clean_venv(wheel: Path, env_dir: Path) -> None:
    """The wheel with its dependencies from the index, by the installer `make` uses: uv when
    .venv has it (about 1 s of CPU), else pip (about 12 s: ensurepip, then resolving)."""
    uv, python, cwd = (
        Path(sys.executable).with_name("uv"),
        env_dir / "bin" / "python",
        env_dir.parent,
    )
    if uv.is_file():
        run(uv, "venv", "--quiet", "--python", sys.executable, env_dir, cwd=cwd)
        run(uv, "pip", "install", "--quiet", "--python", python, wheel, cwd=cwd)
    else:
        venv.create(env_dir, with_pip=True)
        run(python, "-m", "pip", "install", "--quiet", wheel, cwd=cwd)


@pytest.mark.slow  # a wheel build, a virtualenv and the dependencies: scheduled first
def test_wheel_installs_and_runs_from_a_clean_venv(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel with its dependencies from the index, then discover and ask for help."""
    env_dir = tmp_path / "venv"
    install_into_a_clean_venv(wheel, env_dir)
    bin_dir = env_dir / "bin"

    # Outside the work tree, so nothing can be imported from it.
    where = run(
        bin_dir / "python",
        "-c",
        "import tap_brightpearl; print(tap_brightpearl.__file__)",
        cwd=tmp_path,
    ).stdout
    assert Path(where.strip()).is_relative_to(env_dir)

    catalog = json.loads(run(bin_dir / "tap-brightpearl", "--discover", cwd=tmp_path).stdout)
    streams = {entry["tap_stream_id"] for entry in catalog["streams"]}
    assert len(streams) == 49  # the 48 of the contract and deleted_records
    assert {"orders", "order_rows", "products", "contacts", "journal_rows"} <= streams
    assert all(entry["schema"]["properties"] for entry in catalog["streams"])

    helptext = run(bin_dir / "brightpearl-sandbox", "--help", cwd=tmp_path).stdout
    assert "--port" in helptext
    helptext = run(bin_dir / "tap-brightpearl-login", "--help", cwd=tmp_path).stdout
    assert "--print-meltano" in helptext
