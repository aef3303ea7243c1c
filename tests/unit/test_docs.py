"""docs/contract.md against the code: every setting and stream, with the stream's keys.

The contract page is written by hand (the rules behind the names); this keeps its tables true
when a setting or stream is added or a key changes. The files the docs cite exist, and no file
cites a document the repository does not hold.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

from tap_brightpearl.settings import CONFIG_SCHEMA
from tap_brightpearl.tap import STREAM_TYPES

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROW = re.compile(r"^\| `([a-z_]+)` \|(.*)$", re.MULTILINE)


def section(text: str, title: str) -> str:
    """The text of the ``## title`` section."""
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def rows(text: str) -> dict[str, list[str]]:
    return {
        name: [c.strip() for c in rest.rstrip(" |").split(" | ")]
        for name, rest in ROW.findall(text)
    }


def ticked(cell: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([^`]+)`", cell))


CONTRACT = (DOCS / "contract.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_contract_and_no_other():
    """The SDK adds its own settings to the schema once a tap is built (another test may have
    built one in this process): those are the ones the contract names in prose, not in a table."""
    sdk = ticked(re.search(r"The SDK adds its own:(.*?)\(", CONTRACT, re.DOTALL)[1])
    documented = set(rows(section(CONTRACT, "Settings")))
    assert documented == {
        name
        for name in CONFIG_SCHEMA["properties"]
        if not any(fnmatchcase(name, pattern) for pattern in sdk)
    }


def test_every_stream_is_in_the_contract_with_its_keys():
    table = rows(section(CONTRACT, "Streams"))
    assert set(table) == {s.name for s in STREAM_TYPES}
    for stream in STREAM_TYPES:
        kind, _source, keys, replication = table[stream.name][:4]
        assert ticked(keys) == tuple(stream.primary_keys), stream.name
        parent = getattr(stream, "parent_stream_type", None)
        if parent is not None:
            assert replication == f"follows `{parent.name}`", stream.name
            assert kind == f"child of `{parent.name}`", stream.name
        elif isinstance(stream.replication_key, str):
            assert ticked(replication) == (stream.replication_key,), stream.name
        else:
            assert not ticked(replication), stream.name


def test_the_files_the_docs_cite_exist():
    root = DOCS.parent
    for page in [*DOCS.glob("*.md"), root / "CONTRIBUTING.md"]:
        text = page.read_text(encoding="utf-8")
        for path in re.findall(r"`((?:tests|tap_brightpearl|scripts)/[\w./-]+)`", text):
            assert (root / path.rstrip("/")).exists(), f"{page.name} cites {path}"


# Files a user of the repository does not have, and labels of the project's issue tracker.
DANGLING = re.compile(
    r"\b(?:streams|brightpearl-api|design|singer-sdk-notes)\.md\b|/work/share[d]"
    r"|\bissues? \d|§ ?\d",
    re.IGNORECASE,
)


def test_no_file_cites_what_the_repository_lacks():
    """Code, tests, benches and scripts cite the repo's own docs and say what a test proves."""
    root = DOCS.parent
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for folder in ("tap_brightpearl", "tests", "bench", "scripts")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
        and path.suffix in {".py", ".md", ".json", ".yml", ".sh", ".txt"}
        and "__pycache__" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DANGLING.search(line)
    ]
    assert not found, "\n".join(found)
