"""Generate README.md's reference sections from the code itself, so the README stays true.

The settings table is the one `tap-brightpearl --about --format=markdown` prints; the stream
table comes from the tap's stream classes (name, primary key, replication key, endpoint); the
sandbox's knobs are its `--help`. Each sits between `<!-- NAME:start -->` and
`<!-- NAME:end -->` markers in README.md.

    python scripts/readme_tables.py --write README.md   # regenerate in place
    python scripts/readme_tables.py --check README.md   # exit 1 when README is stale
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tap_brightpearl.tap import TapBrightpearl

# Enough config to construct the tap offline; discovery makes no request.
OFFLINE_CONFIG = {
    "account_code": "example",
    "api_url": "http://127.0.0.1:9",
    "app_ref": "example-app",
    "staff_token": "unused",
}


def console(script: str, *args: str) -> str:
    """Output of one of our console scripts, run the way a user runs it."""
    path = Path(sys.executable).with_name(script)
    env = {**os.environ, "COLUMNS": "100"}  # argparse wraps help to the terminal width
    return subprocess.run(
        [str(path), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def about_markdown() -> str:
    """`tap-brightpearl --about --format=markdown`."""
    return console("tap-brightpearl", "--about", "--format=markdown")


def sandbox_help() -> str:
    """`brightpearl-sandbox --help` as a fenced block."""
    return "```text\n" + console("brightpearl-sandbox", "--help").rstrip() + "\n```"


def settings_table(about: str | None = None) -> str:
    """The table under `## Settings` in the --about markdown, verbatim."""
    text = about if about is not None else about_markdown()
    section = text.split("## Settings", 1)[1]
    rows = [line for line in section.strip().splitlines() if line.startswith("|")]
    return "\n".join(rows)


def _code(names: Any) -> str:
    """Render names as code spans, joined by commas."""
    return ", ".join(f"`{name}`" for name in names)


def _replication(stream: Any) -> str:
    """How a stream replicates, in words a reader of the README needs."""
    if stream.replication_key:
        return f"`{stream.replication_key}`"
    parent = getattr(stream, "parent_stream_type", None)
    if parent is not None:
        return f"follows `{parent.name}`"
    return "full table"


def _endpoint(stream: Any) -> str:
    """The Brightpearl endpoint(s) a stream reads, relative to /public-api/{account}/."""
    described = getattr(stream, "endpoint_description", None)
    if described:
        return str(described)
    paths = [getattr(stream, attr, None) for attr in ("path", "detail_path")]
    shown = " → ".join(f"`{path.lstrip('/')}`" for path in paths if path)
    partitions = getattr(type(stream), "partitions", None)  # a class list, not the SDK property
    if shown and isinstance(partitions, list):
        values = ", ".join("/".join(str(v) for v in p.values()) for p in partitions)
        return f"{shown} ({values})"
    if shown:
        return shown
    parent = getattr(stream, "parent_stream_type", None)
    return f"from `{parent.name}` records" if parent is not None else ""


def stream_table() -> str:
    """One row per stream of the tap, sorted by name."""
    tap = TapBrightpearl(config=OFFLINE_CONFIG, validate_config=False, setup_mapper=False)
    rows = [
        "| Stream | Primary key | Replication | Endpoint |",
        "|:-------|:------------|:------------|:---------|",
    ]
    for name, stream in sorted(tap.streams.items()):
        keys = _code(stream.primary_keys or [])
        rows.append(f"| `{name}` | {keys} | {_replication(stream)} | {_endpoint(stream)} |")
    return "\n".join(rows)


def render(readme: str, tables: dict[str, str]) -> str:
    """Put each table between its markers in the README text."""
    for name, table in tables.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        pattern = re.compile(rf"{start}\n.*?{end}", flags=re.DOTALL)
        if not pattern.search(readme):
            raise SystemExit(f"README has no {start} ... {end} block")
        block = f"{start}\n{table}\n{end}"
        readme = pattern.sub(lambda _, b=block: b, readme)  # a function: no escapes in b
    return readme


def main() -> int:
    """Write or check the README tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, metavar="README")
    mode.add_argument("--check", type=Path, metavar="README")
    args = parser.parse_args()
    path: Path = args.write or args.check
    current = path.read_text(encoding="utf-8")
    sections = {
        "settings": settings_table(),
        "streams": stream_table(),
        "sandbox-help": sandbox_help(),
    }
    fresh = render(current, sections)
    if args.write:
        path.write_text(fresh, encoding="utf-8")
        return 0
    if fresh != current:
        print(f"{path} is stale: run `make readme-tables`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
