"""Helpers shared by the shell tests (test_shell_*.py)."""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_script(name: str) -> ModuleType:
    """Import a module from scripts/ (not a package) by path."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def console_script(name: str) -> str:
    """Path of a console script installed beside the running interpreter."""
    return str(Path(sys.executable).with_name(name))


def require_built(path: Path, builder: str) -> None:
    """Skip without a tool ``make`` installs (``builder`` says which target), except in CI,
    where ``make pytest`` must have built it: there its absence fails the test."""
    if path.exists():
        return
    message = f"{path} is missing: {builder} builds it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary directory every pytest-xdist worker of this session shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def session_work(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A directory of the session, shared by its workers, held under an exclusive lock: for
    something built once per session, the first caller builds it and later callers find it."""
    work = session_dir(tmp_path_factory) / name
    work.mkdir(exist_ok=True)
    with (work / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield work


def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the work tree, built the way `make wheel` builds it, once per session."""
    with session_work(tmp_path_factory, "wheel") as dist:
        if not list(dist.glob("tap_brightpearl-*.whl")):
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ROOT],
                check=True,
                capture_output=True,
            )
    (wheel,) = dist.glob("tap_brightpearl-*.whl")
    return wheel
