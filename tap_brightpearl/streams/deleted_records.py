"""``deleted_records``: ids of swept streams present at the previous sweep and gone now.

Synced after every other stream, so the ids those emitted this run are known
(``RunContext.emitted``) and kept with the sweep's. One record per vanished id,
never a tombstone in the resource's own stream: a SQL target that upserts would overwrite the
row's last known values with nulls. The state's ``deleted_records`` bookmark holds, per swept
stream, the ids (``sweeps.encode``) and the time of the last complete sweep (which spaces the
sweeps: ``delete_sweep_hours``, else daily for a search sweep); it is written
right after that stream's records, so a run killed before it reports nothing and the next run
compares with the old ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t

from tap_brightpearl.client import BrightpearlStream
from tap_brightpearl.progress import counted
from tap_brightpearl.records import format_utc
from tap_brightpearl.sweeps import Known, Sweep, Verdict, judge

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from singer_sdk.helpers.types import Context

logger = logging.getLogger("tap-brightpearl")
NAME = "deleted_records"


def deletable(stream_types: Iterable[t.Any]) -> list[str]:
    """Names of the streams that declare a ``delete_sweep``."""
    return [str(s.name) for s in stream_types if getattr(s, "delete_sweep", None) is not None]


def config_errors(names: Sequence[str] | None, stream_types: Sequence[type]) -> list[str]:
    """``delete_streams`` must name deletable streams (a typo would sweep nothing, silently)."""
    if names is None:
        return []
    allowed = deletable(stream_types)
    if unknown := [n for n in names if n not in allowed]:
        return [
            (
                f"delete_streams: {', '.join(map(repr, unknown))} cannot be swept for "
                f"deletions; deletable streams: {', '.join(allowed)}"
            )
        ]
    return []


class DeletedRecordsStream(BrightpearlStream):
    """One record per id that vanished from a swept stream since its previous complete sweep."""

    name = NAME
    primary_keys = ("stream", "id")
    replication_key = None
    endpoint_description = "the id sweep: `OPTIONS` of order, product, contact; id-only searches"

    def plan(self) -> list[str]:
        """The streams swept this run: ``delete_streams``, else every selected deletable one."""
        if not self.settings.detect_deletes:
            return []
        streams = self.run.streams()
        names = self.settings.delete_streams
        if names is None:
            names = [n for n in deletable(type(s) for s in streams.values()) if streams[n].selected]
        return [n for n in names if n in streams]

    def hours(self, sweep: Sweep) -> float:
        """Hours between two sweeps: ``delete_sweep_hours``, else the sweep's own cadence."""
        hours = self.settings.delete_sweep_hours
        return sweep.every_hours if hours is None else hours

    @property
    def sweeps(self) -> dict[str, t.Any]:
        """The state's per-stream entries (``Known.dump``)."""
        return t.cast("dict[str, t.Any]", self.stream_state.setdefault("sweeps", {}))

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002 - one unpartitioned sync
    ) -> Iterable[dict[str, t.Any]]:
        """Sweep each planned stream in turn; its records, then its state."""
        return self.timed(r for name in self.plan() for r in self.sweep(name))

    def sweep(self, name: str) -> Iterator[dict[str, t.Any]]:
        """Sweep one stream, judge it, yield what vanished, then keep the new ids in the state."""
        stream = t.cast("BrightpearlStream", self.run.streams()[name])
        sweep = stream.delete_sweep
        assert sweep is not None
        now = dt.datetime.now(dt.timezone.utc)
        started = format_utc(now)
        previous = Known.load(self.sweeps.get(name))
        emitted = self.run.emitted.of(name)
        hours = self.hours(sweep)
        if previous is not None and not previous.due(now, hours):
            previous.ids |= emitted
            self.sweeps[name] = previous.dump()
            logger.info(
                "%s: %s not swept: the last sweep (%s) is under %g h old (delete_sweep_hours)",
                NAME,
                name,
                previous.swept_at,
                hours,
            )
            self.run.write_state()
            return
        sent = stream.requests_made
        current: set[int] | None
        try:
            current = set(sweep.ids(stream))
        except Exception as exc:  # noqa: BLE001 - any failure voids the sweep: nothing reported
            logger.warning("%s: %s sweep failed: %s", NAME, name, exc)
            current = None
        verdict = judge(
            previous,
            current,
            emitted,
            started=started,
            max_fraction=self.settings.max_delete_fraction,
        )
        cost = stream.requests_made - sent
        if verdict.warn:
            logger.warning(
                "%s: %s reports nothing: %s; the previous ids are kept%s",
                NAME,
                name,
                verdict.note,
                self._remedy(verdict),
            )
        for rid in verdict.deleted:
            yield {
                "stream": name,
                "id": rid,
                "detected_at": started,
                "previous_sweep_at": previous.swept_at if previous else None,
            }
        logger.info(
            "%s: %s swept (%s, %s ids): %d deleted%s",
            NAME,
            name,
            counted(cost, "request"),
            f"{len(current):,}" if current is not None else "no",
            len(verdict.deleted),
            f" ({verdict.note})" if verdict.note else "",
        )
        self.sweeps[name] = verdict.keep.dump()
        self.run.write_state()

    def _remedy(self, verdict: Verdict) -> str:
        if verdict.note and "max_delete_fraction" in verdict.note:
            return (
                "; if these deletions are real, raise max_delete_fraction for one run "
                "(the next run reports them)"
            )
        return " (the next complete sweep catches up)"
