"""What one tap run said: its exit code, stderr, and stdout parsed as Singer messages.

Floats are kept as ``Decimal`` (so a float anywhere is detectable); a non-JSON line fails the
test, as it would break a target. Re-exported from helpers.py.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
from contract_keys import record_keys

RETRY_LINE = re.compile(r"\bRetrying \S+ in [\d.]+ s after \d+ tries")


# msgspec (singer-sdk's own reader and writer of messages) parses twice as fast as json, and
# the suite parses every tap run's output; like json it keeps big ints and the last duplicate key.
DECODE = msgspec.json.Decoder(float_hook=Decimal).decode


def parse_messages(stdout: str) -> list[dict[str, Any]]:
    """Singer messages, floats as Decimal; a non-JSON line would break a target, so it fails."""
    messages = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            messages.append(DECODE(line))
        except msgspec.DecodeError as exc:
            message = f"stdout line is not a Singer message: {line[:200]!r}"
            raise AssertionError(message) from exc
    return messages


@dataclass
class Run:
    """What one tap process did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0  # for messages only: tests assert behaviour, not durations
    config_path: Path | None = None
    singer: bool = True  # stdout is Singer messages (not --discover / --about output)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.singer:
            self.messages = parse_messages(self.stdout)

    @functools.cached_property
    def _records_by_stream(self) -> dict[str, list[dict[str, Any]]]:
        """Every stream's records in one pass (tests ask for many streams of long outputs)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for m in self.messages:
            if m.get("type") == "RECORD":
                out.setdefault(m.get("stream"), []).append(m["record"])
        return out

    def records(self, stream: str) -> list[dict[str, Any]]:
        """Records emitted for one stream, in order (a new list: the caller may change it)."""
        return list(self._records_by_stream.get(stream, []))

    def keys(self, stream: str) -> list[tuple[Any, ...]]:
        """The contract PK of every record of a stream, normalised, duplicates kept."""
        return record_keys(self.records(stream), stream)

    def records_with_schema(self, stream: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Each record of ``stream`` with the latest SCHEMA emitted before it."""
        out, schema = [], {}
        for m in self.messages:
            if m.get("stream") != stream:
                continue
            if m["type"] == "SCHEMA":
                schema = m["schema"]
            elif m["type"] == "RECORD":
                out.append((m["record"], schema))
        return out

    def schemas(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for m in self.messages:
            if m["type"] == "SCHEMA":
                out.setdefault(m["stream"], []).append(m["schema"])
        return out

    def states(self) -> list[dict[str, Any]]:
        """Every STATE value emitted, in order."""
        return [m["value"] for m in self.messages if m.get("type") == "STATE"]

    def last_state(self) -> dict[str, Any]:
        """The last STATE value, as Meltano would store it ({} when there was none)."""
        states = self.states()
        return states[-1] if states else {}

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def last_stderr_line(self) -> str:
        lines = self.stderr_lines()
        return lines[-1] if lines else ""

    def retries(self) -> int:
        """How many retries the tap announced (its own WARNING line per retry)."""
        return sum(1 for line in self.stderr_lines() if RETRY_LINE.search(line))

    def describe(self) -> str:
        """A short summary for assertion messages."""
        tail = "\n".join(self.stderr.splitlines()[-15:])
        return f"exit {self.returncode} after {self.seconds:.1f}s; stderr tail:\n{tail}"
