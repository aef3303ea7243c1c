"""Deleted records: how a stream is swept, its id set kept compactly, and the verdict's guards.

Brightpearl lists no deletions; a record simply vanishes. Each deletable stream declares a
:class:`Sweep` (``OPTIONS`` on the resource: one request for every existing id; else an id-only
search), the previous sweep's ids live in the state as delta-encoded ranges (:func:`encode`),
and :func:`judge` decides what to report. A false delete is worse than a late one, so every
doubt reports nothing and keeps the old ids (see :func:`judge`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import itertools
import typing as t
import zlib
from dataclasses import dataclass, field

from tap_brightpearl.errors import json_of
from tap_brightpearl.records import id_runs

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests

    from tap_brightpearl.run_context import RunContext


class Swept(t.Protocol):
    """What a sweep uses of its stream (a ``BrightpearlStream``; a search one for IdSearch)."""

    @property
    def run(self) -> RunContext:
        """The run's shared context (its OPTIONS answers)."""
        ...

    def fetch(
        self, path: str, params: dict[str, t.Any] | None = None, *, method: str = "GET"
    ) -> requests.Response:
        """One paced, retried request."""
        ...


class Searched(Swept, t.Protocol):
    """A stream that searches (``SearchStream``)."""

    @property
    def sort_columns(self) -> tuple[str, ...]:
        """The key column(s) its searches are sorted by."""
        ...

    def search(
        self, filters: dict[str, str], columns: str | None = None
    ) -> t.Generator[dict, None, None]:
        """The rows of one search."""
        ...


#: Prefix of the state's encoded id sets (format version).
ENCODING = "z1:"


def ranges(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated ids as inclusive (first, last) runs."""
    return id_runs(sorted(set(ids)))


def encode(ids: Iterable[int]) -> str:
    """An id set as compact text: runs as hex (gap from the last run, run length), zlib, base64.

    250,000 ids with 2 % of them missing at random take about 9 KB (README "Deleted records").
    """
    parts, last = [], 0
    for first, end in ranges(ids):
        parts.append(f"{first - last:x}.{end - first:x}")
        last = end
    return ENCODING + base64.b64encode(zlib.compress(",".join(parts).encode(), 9)).decode()


def decode(text: str) -> list[int]:
    """The ids of :func:`encode`'s text, ascending; ValueError when it is not such text."""
    if not text.startswith(ENCODING):
        msg = f"not an id set of this tap (expected the {ENCODING!r} prefix)"
        raise ValueError(msg)
    try:
        body = zlib.decompress(base64.b64decode(text[len(ENCODING) :], validate=True)).decode()
    except (binascii.Error, zlib.error) as exc:
        msg = f"corrupt id set: {exc}"
        raise ValueError(msg) from None
    ids: list[int] = []
    last = 0
    for part in filter(None, body.split(",")):
        gap, length = (int(x, 16) for x in part.split("."))
        first = last + gap
        ids.extend(range(first, first + length + 1))
        last = first + length
    return ids


def parse_idset(text: str) -> Iterator[int]:
    """Ids of Brightpearl's ID-set notation (``1-3,7``), as ``OPTIONS`` getUris carry them."""
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        yield from range(int(first), int(last or first) + 1)


# -- how a stream is swept -----------------------------------------------------------------


class Sweep:
    """How a stream lists every existing id; requests fail loudly (the sweep is then void)."""

    #: Hours between sweeps when ``delete_sweep_hours`` is unset: a search sweep costs a
    #: request per 500 ids, so it runs at most daily; a one-request sweep runs every run.
    every_hours: t.ClassVar[float] = 24

    def ids(self, stream: Swept) -> Iterator[int]:
        """Every existing id of ``stream``, its requests sent (and counted) by the stream."""
        raise NotImplementedError


@dataclass(frozen=True)
class OptionsAnswer:
    """What ``OPTIONS`` on a resource answered: when, and every existing id (ascending)."""

    at: dt.datetime  # the response's Date header, else the clock when it arrived
    ids: tuple[int, ...]


def answered_at(response: requests.Response) -> dt.datetime:
    """When the API answered: its ``Date`` header (whole seconds, so never late), else now."""
    now = dt.datetime.now(dt.timezone.utc)
    try:
        stamp = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return now
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return min(stamp.astimezone(dt.timezone.utc), now)


@dataclass(frozen=True)
class Options(Sweep):
    """``OPTIONS {path}`` without an id set: one request, every existing id as getUris.

    Asked once per run (``RunContext.options``): the load plan of a first sync and the delete
    sweep read the same answer.
    """

    path: str  # e.g. order-service/order
    every_hours: t.ClassVar[float] = 0  # one request for every id: every run

    def ids(self, stream: Swept) -> Iterator[int]:
        """Every id of this run's answer."""
        return iter(self.answer(stream).ids)

    def answer(self, stream: Swept) -> OptionsAnswer:
        """This run's answer, asked by ``stream`` if no stream has asked yet."""
        return stream.run.options.get(self.path, lambda: self.ask(stream))

    def ask(self, stream: Swept) -> OptionsAnswer:
        """Send the OPTIONS: the ids of its getUris (``/order/1-200``, ...).

        Each URI checked to be this resource's; the ids ascending (as every documented answer
        is), sorted here if they are not.
        """
        response = stream.fetch(self.path, method="OPTIONS")
        body = json_of(response).get("response")
        uris = body.get("getUris") if isinstance(body, dict) else None
        if not isinstance(uris, list):
            msg = f"OPTIONS {self.path} answered no getUris list"
            raise ValueError(msg)  # noqa: TRY004 - a bad answer, not a programming error
        resource = "/" + self.path.rsplit("/", 1)[-1] + "/"
        ids: list[int] = []
        for uri in uris:
            if not (isinstance(uri, str) and uri.startswith(resource)):
                msg = f"OPTIONS {self.path} answered a getUri of another resource: {uri!r}"
                raise ValueError(msg)
            ids.extend(parse_idset(uri[len(resource) :]))
        if any(a >= b for a, b in itertools.pairwise(ids)):
            ids = sorted(set(ids))  # not as documented; a plan needs them ascending
        return OptionsAnswer(answered_at(response), tuple(ids))


@dataclass(frozen=True)
class IdSearch(Sweep):
    """The stream's own search, key column only, through its no-loss paginator (500 a page).

    Pages past a wrong ``resultsAvailable`` where the stream says so (supplier payments).
    """

    def ids(self, stream: Swept) -> Iterator[int]:
        """The key column of every search row."""
        search = t.cast("Searched", stream)
        key = search.sort_columns[0]
        for row in search.search({}, columns=key):
            yield int(row[key])


# -- the state and the verdict -------------------------------------------------------------


@dataclass
class Known:
    """A stream's ids as the state keeps them: the last sweep's, plus ids emitted since."""

    ids: set[int] = field(default_factory=set)
    swept_at: str | None = None  # the last complete, accepted sweep (None: never)

    @classmethod
    def load(cls, entry: t.Any) -> Known | None:
        """From the state's entry (None when there is none or it is unreadable: a first sweep)."""
        if not isinstance(entry, dict) or not isinstance(entry.get("ids"), str):
            return None
        try:
            ids = set(decode(entry["ids"]))
        except ValueError:
            return None
        swept = entry.get("swept_at")
        return cls(ids, swept if isinstance(swept, str) else None)

    def dump(self) -> dict[str, t.Any]:
        """The state's entry."""
        return {"ids": encode(self.ids), "count": len(self.ids), "swept_at": self.swept_at}

    def due(self, now: dt.datetime, hours: float) -> bool:
        """Whether ``hours`` have passed since the last sweep (0, none or unreadable: due)."""
        if not hours or not self.swept_at:
            return True
        try:
            last = dt.datetime.fromisoformat(self.swept_at.replace("Z", "+00:00"))
        except ValueError:
            return True
        if last.tzinfo is None:
            last = last.replace(tzinfo=dt.timezone.utc)
        return now - last >= dt.timedelta(hours=hours)


@dataclass(frozen=True)
class Verdict:
    """What a sweep reports and what the state keeps."""

    deleted: list[int]  # ids to report, ascending
    keep: Known  # the state's entry after this run
    note: str | None = None  # why nothing is reported (None: the report is trusted)
    warn: bool = False  # the note is a problem (incomplete, refused), not a first sweep


def judge(
    previous: Known | None,
    current: set[int] | None,
    emitted: set[int],
    *,
    started: str,
    max_fraction: float,
) -> Verdict:
    """Compare a sweep with the previous ids; every doubt reports nothing.

    - ``current`` None (a request failed) or empty while ids were known: incomplete, nothing
      reported, the previous ids kept;
    - more than ``max_fraction`` of the previous ids gone: refused, the previous ids kept (so
      the next run refuses again until the setting allows it);
    - ids created after the sweep began are in no previous set, so they are never reported;
      a reported id is not kept, so it is reported once (and not again if it reappears).

    The ids the stream emitted this run are always kept: one emitted and deleted before the
    sweep (absent from ``current``) is reported by the next run.
    """
    known = previous.ids if previous else set()
    swept_at = previous.swept_at if previous else None
    if current is None or (not current and (known or emitted)):
        why = "a request failed" if current is None else "the answer held no ids"
        note = f"incomplete sweep ({why})"
        return Verdict([], Known(known | emitted, swept_at), note, warn=True)
    if previous is None:
        return Verdict([], Known(current | emitted, started), "first sweep: nothing to compare")
    gone = sorted(known - current)
    if known and len(gone) > max_fraction * len(known):
        share = len(gone) / len(known)
        why = (
            f"{len(gone):,} of {len(known):,} ids ({share:.0%}) would be reported deleted, "
            f"over max_delete_fraction {max_fraction:g}"
        )
        return Verdict([], Known(known | current | emitted, swept_at), why, warn=True)
    return Verdict(gone, Known(current | emitted, started))
