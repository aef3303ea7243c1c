"""ID sets and timestamps as the Brightpearl API writes and reads them.

ID sets (``1-100,105``) are kept as sorted intervals and never expanded, so a filter like
``orderId=1-4000000000`` costs as much as ``orderId=7``.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

# Display offsets used on timestamps. Stored values are UTC epoch milliseconds; each record
# carries the offset it is displayed with (real accounts show their display zone).
OFFSETS: tuple[tuple[str, int], ...] = (("-06:00", -360), ("+01:00", 60), ("Z", 0))


def dumps(obj: object) -> bytes:
    """Compact UTF-8 JSON, as the API sends it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class IdSetError(ValueError):
    """An ID set string that the API cannot parse."""


class IdSet:
    """A parsed ID set: sorted, merged, inclusive intervals."""

    __slots__ = ("_ends", "_starts", "count")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for lo, hi in sorted(intervals):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self._starts = [lo for lo, _ in merged]
        self._ends = [hi for _, hi in merged]
        self.count = sum(hi - lo + 1 for lo, hi in merged)

    @classmethod
    def parse(cls, text: str) -> IdSet:
        """Parse ``1-100,105`` (singles, ascending ranges, comma lists); raise IdSetError."""
        intervals: list[tuple[int, int]] = []
        for part in text.split(","):
            piece = part.strip()
            lo_s, dash, hi_s = piece.partition("-")
            if not lo_s.isdigit() or (dash and not hi_s.isdigit()):
                raise IdSetError(text)
            lo = int(lo_s)
            hi = int(hi_s) if dash else lo
            if hi < lo:
                raise IdSetError(text)
            intervals.append((lo, hi))
        return cls(intervals)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        i = bisect.bisect_right(self._starts, value) - 1
        return i >= 0 and value <= self._ends[i]

    def intervals(self) -> list[tuple[int, int]]:
        """The merged intervals, ascending."""
        return list(zip(self._starts, self._ends, strict=False))

    def select(self, sorted_ids: list[int]) -> list[int]:
        """The members of ``sorted_ids`` inside this set, without expanding any range."""
        out: list[int] = []
        for lo, hi in zip(self._starts, self._ends, strict=False):
            a = bisect.bisect_left(sorted_ids, lo)
            b = bisect.bisect_right(sorted_ids, hi)
            out.extend(sorted_ids[a:b])
        return out


def format_idset(ids: Iterable[int]) -> str:
    """Compress ascending ids into ID-set notation (``1-3,7``)."""
    parts: list[str] = []
    start = prev = None
    for i in ids:
        if start is None:
            start = prev = i
        elif prev is not None and i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = i
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(parts)


@functools.lru_cache(maxsize=8192)
def _day(day: int) -> str:
    tm = time.gmtime(day * 86400)
    return f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T"


def fmt_ts(ms: int, offset: int = 0, millis: bool = True) -> str:
    """Format UTC epoch ms in a display offset (index into OFFSETS), API style."""
    suffix, minutes = OFFSETS[offset]
    day, rest = divmod(ms // 1000 + minutes * 60, 86400)
    hh, rest = divmod(rest, 3600)
    mi, ss = divmod(rest, 60)
    return f"{_day(day)}{hh:02d}:{mi:02d}:{ss:02d}.{ms % 1000 if millis else 0:03d}{suffix}"


_TS = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.:](\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_ts(text: str) -> int:
    """Parse a filter timestamp to UTC epoch seconds; raise ValueError when unparseable.

    Accepts ``Z``, ``+hh:mm``, ``+hhmm``, no zone (read as UTC), date only, with or without
    fractional seconds. An unencoded ``+`` arrives as a space and is rejected, as the API does.
    """
    m = _TS.match(text)
    if not m or " " in text:
        raise ValueError(text)
    year, mon, day, hh, mi, ss, _frac, zone = m.groups()
    secs = _days_from_civil(int(year), int(mon), int(day)) * 86400
    if not (1 <= int(mon) <= 12 and 1 <= int(day) <= 31):
        raise ValueError(text)
    secs += int(hh or 0) * 3600 + int(mi or 0) * 60 + int(ss or 0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return secs


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (no datetime objects: fast)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def epoch_ms(year: int, month: int, day: int) -> int:
    """UTC midnight of a date as epoch ms."""
    return _days_from_civil(year, month, day) * 86_400_000
