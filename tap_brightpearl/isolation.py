"""One bad stream never sinks the run (unless ``fail_fast``).

A top-level stream whose sync fails for a reason local to it (:func:`errors.is_stream_local`: a
403, a 5xx after the retries, a 401 once other requests were accepted) is skipped with one
line, its children with it; its bookmarks go back to what they were at the start of the run
(window checkpoints it wrote this run are undone, so the next run repeats them) and a STATE
message says so at once. Every other stream runs to its end; then the run fails naming the
skipped streams. Anything else (auth, config, a wrong host, a bug) still stops the run at once,
and so does an outage: a 5xx through the retries before any request was accepted, or on a second
stream in a row with nothing accepted in between.
"""

from __future__ import annotations

import copy
import functools
import logging
import typing as t

from singer_sdk.exceptions import FatalAPIError

from tap_brightpearl import logs, sdk_internals, unfit
from tap_brightpearl.errors import RetriesExhaustedError, UnauthorizedError, is_stream_local

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import Stream
    from singer_sdk.tap_base import Tap

logger = logging.getLogger("tap-brightpearl")

#: The SDK's own ERROR line for any failed sync; the skip line replaces it (DEBUG instead).
SDK_FAILED_LINE = ("An unhandled error occurred while syncing",)


class StreamsFailedError(FatalAPIError):
    """Raised after every other stream completed: the streams that were skipped."""


def family(stream: Stream) -> list[Stream]:
    """The stream and its descendants, parent first (children fail with their parent)."""
    return [stream, *(s for child in stream.child_streams for s in family(child))]


#: What the SDK adds to a stream's state while it syncs (not a bookmark that moved).
#: Not bookmarks: the SDK's in-sync markers, and the memory of drift already reported (unfit.py).
SDK_MARKERS = (
    "replication_key_signpost",
    "starting_replication_value",
    "progress_markers",
    unfit.STATE_KEY,
)


def settled(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """A stream's bookmarks alone, without the markers above (partitions likewise)."""
    kept = {k: v for k, v in entry.items() if k not in SDK_MARKERS}
    if isinstance(kept.get("partitions"), list):
        kept["partitions"] = [settled(p) for p in kept["partitions"]]
    return kept


class Isolation:
    """Guards each top-level stream's sync; remembers the bookmarks the run started from."""

    def __init__(self, tap: Tap, accepted: t.Callable[[], int]) -> None:
        self.tap = tap
        self.accepted = accepted  # requests of this run answered below 400 so far
        self.silent_failure = False  # the last stream failed with nothing accepted meanwhile
        bookmarks = t.cast("dict[str, t.Any]", tap.state).get("bookmarks", {})
        self.start: dict[str, t.Any] = copy.deepcopy(bookmarks)
        self.failed: dict[str, str] = {}  # top-level stream name -> why
        # 401s met before any request was accepted: a refused service or a bad credential,
        # told apart by the next answer (a success, or a 401 from another service).
        self.pending: list[tuple[Stream, UnauthorizedError]] = []

    def guard(self, stream: Stream) -> None:
        """Wrap the stream's ``sync`` (the SDK's loop calls it) in :meth:`attempt`."""
        for member in family(stream):
            logs.quiet(member.logger, logs.SDK_CHATTER + SDK_FAILED_LINE)
        sdk_internals.wrap_sync(stream, functools.partial(self.attempt, stream, stream.sync))

    def attempt(
        self, stream: Stream, sync: t.Callable[..., None], context: Context | None = None
    ) -> None:
        """Sync; a stream-local failure skips the stream (and its children) instead."""
        self.settle()
        before = self.accepted()
        try:
            sync(context)
            self.silent_failure = False
        except RetriesExhaustedError as exc:
            # Nothing ever accepted, or a second stream in a row failing with no answer
            # accepted in between: the host is out, not one endpoint.
            silent = self.accepted() == before
            if not self.accepted() or (silent and self.silent_failure):
                raise
            self.silent_failure = silent
            self.skip(stream, exc)
        except UnauthorizedError as exc:
            if self.accepted():
                self.skip(stream, exc)
            elif any(p.service != exc.service for _, p in self.pending):
                raise  # two services refused and nothing accepted: the credential
            else:
                self.restore(stream)
                self.pending.append((stream, exc))
        except Exception as exc:
            if not is_stream_local(exc, any_success=self.accepted() > 0):
                raise
            self.skip(stream, exc)
        self.settle()

    def settle(self) -> None:
        """Early 401s become skips once a request was accepted (the credential is good)."""
        if self.pending and self.accepted():
            pending, self.pending = self.pending, []
            for stream, exc in pending:
                self.skip(stream, exc)

    def restore(self, stream: Stream) -> list[str]:
        """Bookmarks of the stream and its children back to the run's start: those moved."""
        members = family(stream)
        bookmarks = t.cast("dict[str, t.Any]", self.tap.state).setdefault("bookmarks", {})
        moved = [
            m.name
            for m in members
            if settled(bookmarks.get(m.name, {})) != settled(self.start.get(m.name, {}))
        ]
        for member in members:
            entry = bookmarks.setdefault(member.name, {})
            entry.clear()  # in place: the SDK's stream state points into this dict
            entry.update(copy.deepcopy(self.start.get(member.name, {})))
            t.cast("t.Any", member).reported = True  # no "done" line for a skipped stream
        sdk_internals.write_state(self.tap)
        return moved

    def skip(self, stream: Stream, exc: Exception) -> None:
        """One line; bookmarks of the stream and its children back to the run's start."""
        members = family(stream)
        moved = self.restore(stream)
        children = [m.name for m in members[1:]]
        with_children = f" (with its child streams {', '.join(children)})" if children else ""
        kept = (
            f"bookmark restored to the run's start (undoing this run's checkpoints of "
            f"{', '.join(moved)})"
            if moved
            else "bookmark unchanged"
        )
        logger.error(
            "Stream '%s' skipped%s: %s; %s; the other streams go on",
            stream.name,
            with_children,
            exc,
            kept,
        )
        self.failed[stream.name] = str(exc).split(":", 1)[0]

    def finish(self) -> None:
        """After every stream: fail the run, naming the skipped streams, if any was."""
        if self.pending:  # every request refused: the credential, not a service
            raise self.pending[0][1]
        if self.failed:
            names = ", ".join(f"{name} ({why})" for name, why in self.failed.items())
            msg = (
                f"{len(self.failed)} stream(s) skipped, their bookmarks unchanged: {names}; "
                "every other stream completed"
            )
            raise StreamsFailedError(msg)
