"""``output.BlockWriter``: whole lines, written in blocks that end at every STATE, and a signal
handler that runs only between two messages (the subprocess tests are in test_tap_output.py).
"""

from __future__ import annotations

import io
import json
import sys

import pytest
from singer_sdk.singerlib import RecordMessage, StateMessage

from tap_brightpearl.output import BLOCK_BYTES, BlockWriter


class Pipe(io.RawIOBase):
    """A stdout that keeps each write the tap makes (a system call each, on a real pipe)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.most = 1 << 30  # bytes one write takes at most (a pipe write cut by a signal)
        self.during_write = None  # called inside the next write (a signal arriving then)
        self.broken = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        if self.broken:
            raise BrokenPipeError
        data = bytes(data)[: self.most]
        self.writes.append(data)
        if self.during_write is not None:
            hook, self.during_write = self.during_write, None
            hook()
        return len(data)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in b"".join(self.writes).splitlines()]


@pytest.fixture
def pipe(monkeypatch) -> Pipe:
    """The writer's stdout, set in the test's body (pytest sets its own between phases)."""
    raw = Pipe()

    def install(*, unbuffered: bool = False) -> None:
        binary = raw if unbuffered else io.BufferedWriter(raw)  # PYTHONUNBUFFERED: the raw file
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(binary))  # type: ignore[arg-type]

    raw.install = install  # type: ignore[attr-defined]
    return raw


def record(i: int, size: int = 10) -> RecordMessage:
    return RecordMessage(stream="orders", record={"id": i, "note": "x" * size})


def test_records_wait_for_the_state_then_leave_in_one_write(pipe):
    pipe.install()
    writer = BlockWriter()
    for i in range(50):
        writer.write_message(record(i))
    assert pipe.writes == []  # gathered, not one write per message as the SDK's writer does
    writer.write_message(StateMessage(value={"bookmarks": {"orders": {"n": 50}}}))
    assert len(pipe.writes) == 1
    lines = pipe.lines()
    assert [m["record"]["id"] for m in lines[:-1]] == list(range(50))
    assert lines[-1] == {"type": "STATE", "value": {"bookmarks": {"orders": {"n": 50}}}}


def test_without_a_state_blocks_of_whole_lines_leave_as_they_fill(pipe):
    """Memory stays flat however long no STATE comes, and a block never cuts a line."""
    pipe.install()
    writer = BlockWriter()
    line = len(writer.format_message(record(0, 500)))
    total = 2000
    for i in range(total):
        writer.write_message(record(i, 500))
    assert len(pipe.writes) == total * line // BLOCK_BYTES
    assert all(w.endswith(b"\n") and len(w) >= BLOCK_BYTES for w in pipe.writes)
    assert len(writer._pending) < BLOCK_BYTES
    writer.flush()  # at exit: the rest
    writer.flush()  # nothing twice
    assert [m["record"]["id"] for m in pipe.lines()] == list(range(total))


def test_a_signal_during_a_write_runs_its_handler_after_it(pipe):
    """The SDK's handler writes a STATE and exits: it must not cut the block being written."""
    pipe.install()
    writer = BlockWriter()
    ran = []

    def handler() -> None:  # as Tap._handle_termination: a STATE, then (here) a mark
        writer.write_message(StateMessage(value={"at": "signal"}))
        ran.append(len(pipe.writes))

    for i in range(3):
        writer.write_message(record(i))
    pipe.during_write = lambda: writer.when_idle(handler)
    writer.write_message(StateMessage(value={"at": "checkpoint"}))
    assert ran == [2]  # after the first block was whole, in a write of its own
    assert [m.get("value") for m in pipe.lines()] == [
        None,
        None,
        None,
        {"at": "checkpoint"},
        {"at": "signal"},
    ]


def test_unbuffered_stdout_taking_part_of_a_write_gets_the_rest(pipe):
    """Under PYTHONUNBUFFERED a write cut short (a signal, a full pipe) must not drop the tail."""
    pipe.install(unbuffered=True)
    pipe.most = 1000
    writer = BlockWriter()
    for i in range(300):
        writer.write_message(record(i, 300))
    writer.write_message(StateMessage(value={"n": 300}))
    assert [m.get("record", {}).get("id") for m in pipe.lines()] == [*range(300), None]
    assert len(pipe.writes) > 300 * 300 // 1000


def test_a_signal_between_messages_runs_its_handler_at_once(pipe):
    pipe.install()
    writer = BlockWriter()
    writer.write_message(record(1))
    ran = []
    writer.when_idle(lambda: ran.append("now"))
    assert ran == ["now"]


def test_a_reader_gone_is_an_error_and_the_block_is_not_kept(pipe):
    """A target that died: the error propagates (as with the SDK's writer); the exit flush
    does not try the same block again."""
    pipe.install()
    writer = BlockWriter()
    writer.write_message(record(1))
    pipe.broken = True
    with pytest.raises(BrokenPipeError):
        writer.write_message(StateMessage(value={}))
    assert not writer._pending
