"""Checkpoints: the one owner of the rule "a bookmark never passes an unemitted record".

A plan (date windows of a search, or the id ranges of an OPTIONS load) hands its marks here:
``(position, value)``, meaning "once the first ``position`` ids found are emitted, the state
may say ``value``". The stream reports how far it has emitted (:meth:`Checkpoints.reach`); due
marks go to the state, never moving a bookmark back, and a STATE message is written. In BATCH
mode the records sit in files the SDK sends later, so the state moves with the last BATCH
message instead (:meth:`Checkpoints.hold_back`).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import typing as t

from tap_brightpearl.records import format_utc, parse_instant

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

T = t.TypeVar("T")


@dataclasses.dataclass(frozen=True)
class PlanProgress:
    """An OPTIONS load under way, kept in the state for a resumed run.

    When OPTIONS answered, the last id emitted with all before it, and the start of the
    run's window (None: every record).
    """

    answered_at: str
    after_id: int
    since: str | None = None

    @classmethod
    def load(cls, entry: t.Any) -> PlanProgress | None:
        """From the state's ``plan`` entry (None when there is none or it is unreadable)."""
        if not isinstance(entry, dict):
            return None
        answered, after, since = entry.get("answered_at"), entry.get("after_id"), entry.get("since")
        if not isinstance(answered, str) or not isinstance(after, int):
            return None
        try:
            parse_instant(answered)
        except ValueError:
            return None
        return cls(answered, after, since if isinstance(since, str) else None)


Mark = dt.datetime | PlanProgress


class Checkpoints:
    """Marks, what has been emitted, the BATCH hold-back, and the STATE writes of one stream."""

    def __init__(
        self, state: Callable[[], dict[str, t.Any]], key: str | None, write: Callable[[], None]
    ) -> None:
        self._state = state  # the stream's state entry (read each time: the SDK owns it)
        self.key = key  # the replication key the bookmark is of
        self._write = write  # a STATE message of the whole tap state, now
        self.marks: collections.deque[tuple[int, Mark]] = collections.deque()
        self.emitted = 0  # ids found and emitted (positions below this are out)
        self.batching = False
        self._deferred: list[Mark] = []

    def start(self) -> None:
        """A new sync of the stream: no marks, nothing emitted."""
        self.marks.clear()
        self.emitted = 0

    def mark(self, position: int, value: Mark) -> None:
        """Once the first ``position`` ids are emitted, the state may say ``value``."""
        self.marks.append((position, value))

    def due(self, position: int) -> bool:
        """Whether a mark falls due once the ids before ``position`` are out."""
        return bool(self.marks) and self.marks[0][0] <= position

    def reach(self, position: int) -> None:
        """The first ``position`` ids are emitted: checkpoint every mark now due."""
        self.emitted = max(self.emitted, position)
        values = []
        while self.marks and self.marks[0][0] <= self.emitted:
            values.append(self.marks.popleft()[1])
        if values:
            self.checkpoint(*values)

    def checkpoint(self, *values: Mark) -> None:
        """Put ``values`` in the state (in order) and write STATE if it changed.

        In BATCH mode they wait for the stream's last BATCH message (:meth:`hold_back`).
        """
        if self.batching:
            self._deferred.extend(values)
            return
        if self._apply(values):
            self._write()

    def _apply(self, values: Iterable[Mark]) -> bool:
        moved = False
        for value in values:
            moved = self.advance(value) or moved
        return moved

    def advance(self, value: Mark) -> bool:
        """Put one value in the state, never moving it back; whether the state changed.

        A bookmark ends a plan under way (it is only marked once the plan is complete).
        """
        state = self._state()
        if isinstance(value, PlanProgress):
            old = PlanProgress.load(state.get("plan"))
            if old == value or (
                old and old.answered_at == value.answered_at and old.after_id >= value.after_id
            ):
                return False
            state["plan"] = dataclasses.asdict(value)
            return True
        moved = state.pop("plan", None) is not None
        old_value = state.get("replication_key_value")
        if old_value and state.get("replication_key") == self.key:
            try:
                if parse_instant(str(old_value)) >= value:
                    return moved  # never move a bookmark back
            except ValueError:
                pass  # not a timestamp: replace it
        state["replication_key"] = self.key
        state["replication_key_value"] = format_utc(value)
        return True

    def hold_back(self, batches: Iterable[T]) -> Iterator[T]:
        """The SDK's batches, the last held back until the state has moved.

        The SDK writes STATE after each BATCH, so no STATE runs ahead of the records' files.
        """
        self.batching, self._deferred = True, []
        pending: list[T] = []
        try:
            for batch in batches:
                yield from pending
                pending = [batch]
        finally:
            self.batching = False
        if self._apply(self._deferred) and not pending:
            self._write()
        self._deferred = []
        yield from pending
