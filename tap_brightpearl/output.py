"""Singer messages to stdout in blocks: one write per block, not one per message.

The SDK's writer writes and flushes every message (a system call per record, a fifth of the
record path's CPU). :class:`BlockWriter` gathers whole lines and writes them out at every STATE
message, whenever :data:`BLOCK_BYTES` have gathered (so memory stays flat however long no STATE
comes), and at exit (``sdk_internals.FlushedOutput``: normal end, exception, SIGTERM/SIGINT).
So a STATE is never on stdout before a record written ahead of it, stdout only ever holds
whole lines, and a ``kill -9`` loses at most lines after the last STATE, which the next run
reads again from that STATE.

A termination signal that arrives while a message is being added or written waits until the
write is done (:meth:`BlockWriter.when_idle`): the SDK's handler then writes its STATE after
every line before it, never into the middle of one.
"""

from __future__ import annotations

import contextlib
import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import StateMessage

if t.TYPE_CHECKING:
    from collections.abc import Iterator

#: Bytes gathered before they are written without waiting for a STATE: the size of a Linux
#: pipe's buffer, so a write rarely blocks and a loader is fed as it goes.
BLOCK_BYTES = 1 << 16


class BlockWriter(MsgSpecWriter):
    """msgspec output, written in blocks that end at every STATE message."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()
        self._busy = False
        self._after: t.Callable[[], None] | None = None

    def write_message(self, message: t.Any) -> None:
        """Add the message's line; write the block out at a STATE or once it is big enough."""
        with self._busy_writing():
            self._pending += self.format_message(message)
            if type(message) is StateMessage or len(self._pending) >= BLOCK_BYTES:
                self._write_out()

    def flush(self) -> None:
        """Write out whatever is gathered (at exit)."""
        with self._busy_writing():
            self._write_out()

    def when_idle(self, action: t.Callable[[], None]) -> None:
        """Run ``action`` now, or right after the message being added or written (a signal)."""
        if self._busy:
            self._after = action
        else:
            action()

    @contextlib.contextmanager
    def _busy_writing(self) -> Iterator[None]:
        """Mark a message being added or written; then run what a signal deferred meanwhile."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
        action, self._after = self._after, None
        if action is not None:
            action()

    def _write_out(self) -> None:
        if not self._pending:
            return
        out = sys.stdout  # looked up at each write, as the SDK's writer does
        binary = out.buffer  # the raw file itself under PYTHONUNBUFFERED (Meltano sets it)
        try:
            done, size = 0, len(self._pending)
            with memoryview(self._pending) as view:
                while done < size:  # a raw write may take part (a signal, a full pipe)
                    done += binary.write(view[done:]) or 0
            out.flush()
        finally:
            self._pending.clear()  # written, or the reader is gone: never written twice
