"""The ``--config`` and ``--state`` files: each mistake in them is one line naming the file.

The SDK reads these files with simplejson and lets any error through as a traceback that names
neither the file nor, for the state, what to do. Here each file is parsed first (the standard
library's parser reports the same line and column); a file that is not a JSON object stops the
run with one line. So does a bookmark that is not a date-time: resyncing that stream from
``start_date`` would emit its records a second time, and failing silently is worse; the line
says how to fix the state or drop that bookmark on purpose.
"""

from __future__ import annotations

import json
import typing as t

from tap_brightpearl.records import parse_instant

if t.TYPE_CHECKING:
    from collections.abc import Iterator, MutableMapping
    from pathlib import Path

STATE_ADVICE = (
    "fix it, or run without it (no --state; under Meltano: meltano state clear) for a full resync"
)
JSON_KINDS = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


class InputFileError(Exception):
    """A ``--config`` or ``--state`` file the tap cannot use; the message is one line."""


def json_object(text: str, what: str) -> dict[str, t.Any]:
    """``text`` as a JSON object, else :class:`InputFileError` saying where and what is wrong."""
    if not text.strip():
        msg = f"{what} is empty"
        raise InputFileError(msg)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{what} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise InputFileError(msg) from None
    if not isinstance(data, dict):
        kind = JSON_KINDS.get(type(data), type(data).__name__)
        msg = f"{what} is not a JSON object (it is a JSON {kind})"
        raise InputFileError(msg)
    return data


def check_config_file(path: Path) -> None:
    """Raise :class:`InputFileError` if the ``--config`` file is missing or not a JSON object."""
    what = f"the --config file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{what} does not exist"
        raise InputFileError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{what} cannot be read ({type(exc).__name__})"
        raise InputFileError(msg) from None
    json_object(text, what)


def check_state_text(text: str, name: str) -> None:
    """Raise :class:`InputFileError` (with what to do) if the state is not a JSON object."""
    try:
        json_object(text, f"the --state file {name}")
    except InputFileError as exc:
        msg = f"{exc}; {STATE_ADVICE}"
        raise InputFileError(msg) from None


def _bookmarks(state: MutableMapping[str, t.Any]) -> Iterator[tuple[str, dict[str, t.Any]]]:
    """(stream, bookmark dict) of each stream, and of each partition of a child stream."""
    bookmarks = state.get("bookmarks")
    for stream, entry in bookmarks.items() if isinstance(bookmarks, dict) else ():
        if isinstance(entry, dict):
            yield stream, entry
            for partition in entry.get("partitions") or ():
                if isinstance(partition, dict):
                    yield stream, partition


def bad_bookmarks(state: MutableMapping[str, t.Any]) -> list[tuple[str, t.Any]]:
    """(stream, value) of each bookmark that is not a date-time (every replication key is one)."""
    bad = []
    for stream, entry in _bookmarks(state):
        value = entry.get("replication_key_value")
        if value is None:
            continue
        try:
            parse_instant(str(value))
        except ValueError:
            bad.append((stream, value))
    return bad


def check_bookmarks(state: MutableMapping[str, t.Any]) -> None:
    """Raise :class:`InputFileError` naming every bookmark that is not a date-time."""
    bad = bad_bookmarks(state)
    if bad:
        which = ", ".join(f"{stream} {value!r}" for stream, value in bad)
        msg = (
            f"the --state bookmark of {which} is not a date-time; fix it, or remove that "
            "bookmark to sync the stream again from start_date (under Meltano: meltano state "
            "edit)"
        )
        raise InputFileError(msg)
