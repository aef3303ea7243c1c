"""Refuse a release whose tag, pyproject.toml and built files disagree on the version.

The release workflow runs it after building: the tag `v0.2.0` must match `version = "0.2.0"`
in pyproject.toml and every file in dist/ (wheel and sdist), so PyPI never gets a version the
tag does not name.

    python scripts/check_release.py --tag v0.2.0 dist
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST_NAME = re.compile(r"^tap_brightpearl-(?P<version>[^-]+?)(?:-py3-none-any\.whl|\.tar\.gz)$")


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """`version` of the [project] table (tomllib is not in Python 3.10)."""
    project = pyproject.read_text(encoding="utf-8").split("[project]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', project, re.MULTILINE)
    if not match:
        msg = f"{pyproject}: no version in [project]"
        raise ValueError(msg)
    return match.group(1)


def problems(tag: str, dist: Path, version: str) -> list[str]:
    """One line per disagreement between the tag, the project version and the dist files."""
    found = []
    if tag != f"v{version}":
        found.append(f"tag {tag} does not match pyproject.toml version {version} (tag v{version})")
    files = sorted(p.name for p in dist.iterdir()) if dist.is_dir() else []
    kinds = {name.endswith(".whl") for name in files}
    if kinds != {True, False}:
        found.append(f"{dist} must hold one wheel and one sdist, it holds {files}")
    for name in files:
        match = DIST_NAME.match(name)
        if not match or match["version"] != version:
            found.append(f"{dist / name} is not version {version} of tap-brightpearl")
    return found


def main() -> int:
    """Check and say what disagrees."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tag", required=True, help="the pushed tag, e.g. v0.2.0")
    parser.add_argument("dist", type=Path, help="the folder python -m build wrote")
    args = parser.parse_args()
    found = problems(args.tag, args.dist, project_version())
    for line in found:
        print(f"release check: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
