"""Helpers shared by the shell tests (test_shell_*.py)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
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
