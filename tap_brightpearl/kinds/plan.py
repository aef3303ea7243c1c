"""Load plans of a search-then-GET stream: the search's date windows, or the OPTIONS ids.

``OPTIONS`` on order, product or contact (no id set) answers every existing id in one request,
so a first load of N records costs 1 + N/200 requests instead of N/500 + N/200 for the
searches and GETs (docs/api-notes.md, "OPTIONS"). It cannot filter by date: with a window
from F (``start_date`` or the bookmark) the search is cheaper when the window holds few of
the account's records. :class:`Planner` decides per stream and run and says so in one line.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import typing as t

from tap_brightpearl.kinds.checkpoint import PlanProgress
from tap_brightpearl.progress import counted
from tap_brightpearl.records import format_utc, parse_datetime, parse_instant
from tap_brightpearl.sweeps import Options, OptionsAnswer

if t.TYPE_CHECKING:
    from tap_brightpearl.kinds.detail import DetailStream
    from tap_brightpearl.settings import Settings

logger = logging.getLogger("tap-brightpearl")


def search_cost(n: int, page_size: int, batch: int) -> int:
    """Requests to search ``n`` ids (pages overlap by one row; one page even when empty)."""
    return max(1, math.ceil(n / max(1, page_size - 1))) + math.ceil(n / batch)


def options_cost(total: int, batch: int) -> int:
    """Requests to ask OPTIONS and GET all ``total`` ids."""
    return 1 + math.ceil(total / batch)


def within(record: dict[str, t.Any], since: dt.datetime, keys: tuple[str, ...]) -> bool:
    """Whether the record belongs to a window from ``since``: created or changed at or after it.

    A record whose dates are missing or unreadable is kept (emitting one too many loses
    nothing; skipping one would).
    """
    known = False
    for key in keys:
        value = record.get(key)
        if not isinstance(value, str):
            continue
        try:
            if parse_datetime(value) >= since:
                return True
        except ValueError:
            return True
        known = True
    return not known


class Planner:
    """Which plan a detail stream runs, its OPTIONS answer, and the bookmark after a plan."""

    def __init__(self, stream: DetailStream) -> None:
        self.stream = stream
        sweep = type(stream).delete_sweep
        self.sweep = sweep if isinstance(sweep, Options) else None
        self.answer: OptionsAnswer | None = None
        self.failed = False  # OPTIONS was asked and failed: not again this run

    @property
    def settings(self) -> Settings:
        """The stream's settings."""
        return self.stream.settings

    def under_way(self) -> PlanProgress | None:
        """The OPTIONS load a killed run left in the state (it resumes, whatever the cost).

        Not with ``end_date`` now set, nor when the bookmark moved past the plan's start (a
        state a backend merged from a killed run's and a later one's): the searches then run
        from the bookmark, which loses nothing either, and their bookmark ends the plan.
        """
        if self.sweep is None or self.settings.end_date:
            return None
        state = self.stream.stream_state
        progress = PlanProgress.load(state.get("plan"))
        mark = state.get("replication_key_value")
        if progress is None or not mark:
            return progress
        lookback = dt.timedelta(minutes=self.settings.lookback_minutes)
        try:
            moved = progress.since is None or (
                parse_instant(str(mark)) > parse_instant(progress.since) + lookback
            )
        except ValueError:
            moved = False  # not a date: the plan is what there is
        return None if moved else progress

    def options_only(self, since: dt.datetime | None) -> bool:
        """No window at all (no bookmark, no start_date): OPTIONS, no search (if it answers)."""
        return (
            self.sweep is not None
            and since is None
            and not self.settings.end_date
            and self.answered()
        )

    def may_switch(self) -> bool:
        """Whether the search may give way to OPTIONS once its count is known.

        Not with ``end_date`` (OPTIONS cannot stop at a date) nor with ``window_days`` set
        (the user asked for date windows).
        """
        return (
            self.sweep is not None
            and not self.settings.end_date
            and self.settings.window_days is None
        )

    def ask(self) -> OptionsAnswer:
        """This run's OPTIONS answer (shared with the delete sweep)."""
        assert self.sweep is not None
        if self.answer is None:
            self.answer = self.sweep.answer(self.stream)
        return self.answer

    def answered(self) -> bool:
        """Whether OPTIONS answered; if it failed (refused, a bad answer) the searches run."""
        if self.failed:
            return False
        try:
            self.ask()
        except Exception as exc:  # noqa: BLE001 - any failure: the searches lose nothing
            why = (str(exc).splitlines() or [type(exc).__name__])[0]
            logger.warning(
                "%s: OPTIONS failed (%s); the searches run instead", self.stream.name, why
            )
            self.failed = True
        return not self.failed

    def costs(self, n: int) -> tuple[int, int]:
        """(search, OPTIONS) requests for ``n`` ids in the window (OPTIONS: asked, or n ids)."""
        batch = self.stream.id_batch_size
        total = len(self.answer.ids) if self.answer else n
        return search_cost(n, self.stream.page_size, batch), options_cost(total, batch)

    def switch(self, n: int) -> bool:
        """Whether a window of ``n`` ids is cheaper by OPTIONS (asked only if it could be)."""
        search, options = self.costs(n)
        if options < search and self.answered():  # cheaper even if no other records exist
            search, options = self.costs(n)
        chosen = self.answer is not None and options < search
        if chosen:
            self.say(
                f"OPTIONS ({n:,} ids in the window, {len(self.ask().ids):,} in all: "
                f"{options:,} requests; the search would take {search:,})"
            )
        else:
            other = f"{options:,}" if self.answer else f"at least {options:,}"
            self.say(
                f"search ({counted(n, 'id')}: {counted(search, 'request')}; "
                f"OPTIONS would take {other})"
            )
        return chosen

    def say(self, what: str) -> None:
        """The one INFO line of the plan."""
        logger.info("%s: load plan %s", self.stream.name, what)

    def start(self, since: dt.datetime | None) -> PlanProgress:
        """A new OPTIONS load from ``since`` (None: every record)."""
        answer = self.ask()
        return PlanProgress(format_utc(answer.at), 0, format_utc(since) if since else None)

    def say_options(self, progress: PlanProgress, left: int, *, resumed: bool) -> None:
        """The plan line of an OPTIONS load (new, or resumed from the state)."""
        requests = options_cost(left, self.stream.id_batch_size)
        if resumed:
            self.say(
                f"OPTIONS, resumed after id {progress.after_id} ({left:,} ids left: "
                f"{requests:,} requests)"
            )
        elif progress.since is None:
            search = search_cost(left, self.stream.page_size, self.stream.id_batch_size)
            self.say(
                f"OPTIONS ({left:,} ids: {requests:,} requests; the search would take {search:,})"
            )

    def bookmark(self, progress: PlanProgress) -> dt.datetime:
        """The bookmark after a complete plan: the OPTIONS answer's time, less lookback.

        Capped by the sync's start. What was created or changed during the load is found by
        the next run's searches.
        """
        lookback = dt.timedelta(minutes=self.settings.lookback_minutes)
        return min(parse_instant(progress.answered_at) - lookback, self.stream.sync_started)
