"""Search paging that loses nothing: ``firstResult``/``pageSize`` with an anchored overlap.

Offset paging over live data skips a row whenever something before the current offset leaves
the result set (deleted, or updated out of a closed date window): every later row moves up one
place. Searches are therefore sorted by their key ascending and each next page starts one row
early (``firstResult`` = previous ``lastResult``). Its first row must be a row already taken
(key <= the last key taken); if it is greater, rows have shifted up and the page may have
skipped some, so we step back (geometrically, by up to a page) until the anchor holds or we are
at ``firstResult`` 1. Rows whose key is <= the last key taken are dropped, so the overlap never
duplicates. The last page is recognised without an extra request: a short page, or
``morePagesAvailable`` false (unless the endpoint's metaData is unreliable, e.g.
``supplier-payment-search``; then only a short page ends it). An empty page never loops: it is
either the end (at ``firstResult`` 1) or a failed anchor, which steps back towards 1.

The decision is the pure function :func:`plan_page`, and reading a page (rows zipped with
their columns, the overlap dropped, the next position) the pure :func:`read_page`;
:class:`SearchPaginator` is the singer-sdk paginator that applies it page by page.
"""

from __future__ import annotations

import bisect
import itertools
import typing as t
from dataclasses import dataclass

from singer_sdk.pagination import BaseAPIPaginator

from tap_brightpearl.compat import override

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    import requests


@dataclass(frozen=True)
class Cursor:
    """What paging has established so far (immutable; :func:`plan_page` returns a new one)."""

    last_key: t.Any = None  # greatest key taken so far (None before the first page)
    step: int = 0  # size of the last step back (0 when the last page was anchored)
    available: int | None = None  # resultsAvailable of the last page


@dataclass(frozen=True)
class Plan:
    """The decision for one page."""

    take_from: int  # index of the first row to emit (len(keys) = emit nothing)
    next_first_result: int | None  # None = paging is complete
    cursor: Cursor


def plan_page(  # noqa: PLR0917
    cursor: Cursor,
    first_result: int,
    keys: Sequence[t.Any],
    page_size: int,
    more_pages: bool | None,  # noqa: FBT001 - a pure function of the page's metaData
    available: int | None,
    *,
    trust_metadata: bool = True,
) -> Plan:
    """Decide what to take from a page and where the next page starts.

    Args:
        cursor: State after the previous page (``Cursor()`` before the first).
        first_result: The 1-based ``firstResult`` this page was requested with.
        keys: The sort key of each row, ascending.
        page_size: The requested ``pageSize``.
        more_pages: ``metaData.morePagesAvailable`` (None if absent).
        available: ``metaData.resultsAvailable`` (None if absent).
        trust_metadata: False where the endpoint's metaData is unreliable.

    Returns:
        Which rows to emit, the next ``firstResult`` (None when done) and the new cursor.
    """
    n = len(keys)
    last = cursor.last_key
    anchored = last is None or first_result == 1 or page_size == 1 or (n > 0 and keys[0] <= last)
    if not anchored:
        if cursor.step:
            step = cursor.step * 2
        else:
            shrink = (cursor.available or 0) - (available or 0)
            step = max(1, shrink)
        step = min(step, max(1, page_size - 1))
        back = max(1, first_result - step)
        return Plan(n, back, Cursor(last, step, available))

    take_from = 0 if last is None else bisect.bisect_right(keys, last)
    new_last = keys[-1] if take_from < n else last
    done = n < page_size or (trust_metadata and more_pages is False)
    if done:
        return Plan(take_from, None, Cursor(new_last, 0, available))
    # Start one row early so the next page can prove nothing moved (page_size 1 cannot overlap).
    next_first = first_result + n - 1 if n > 1 else first_result + n
    return Plan(take_from, next_first, Cursor(new_last, 0, available))


def page_keys(
    results: Sequence[Sequence[t.Any]], names: Sequence[str], sort_columns: Sequence[str]
) -> list[t.Any]:
    """The sort key of each row of a page (a tuple when several columns), checked ascending.

    Raises:
        ValueError: the page lacks a sort column, or is not sorted by it: paging would lose rows.
    """
    if not results:
        return []
    if not set(sort_columns) <= set(names):
        msg = f"returned no {','.join(sort_columns)} column: cannot page"
        raise ValueError(msg)
    idx = [names.index(c) for c in sort_columns]
    if len(idx) == 1:
        keys: list[t.Any] = [row[idx[0]] for row in results]
    else:
        keys = [tuple(row[i] for i in idx) for row in results]
    if any(a > b for a, b in itertools.pairwise(keys)):
        msg = f"did not sort by {','.join(sort_columns)}: cannot page safely"
        raise ValueError(msg)
    return keys


@dataclass(frozen=True)
class PageRead:
    """What one search page gives: its new records and where paging goes next."""

    records: list[dict[str, t.Any]]
    next_first_result: int | None  # None = paging is complete
    cursor: Cursor


def read_page(
    body: t.Mapping[str, t.Any],
    sort_columns: Sequence[str],
    cursor: Cursor,
    first_result: int,
    page_size: int,
    *,
    trust_metadata: bool = True,
) -> PageRead:
    """Read a search page (``response``: its ``results`` and ``metaData``) at a position.

    The rows are zipped with ``metaData.columns``; those already taken (the overlap) are
    dropped; :func:`plan_page` decides the next ``firstResult``.

    Raises:
        ValueError: the page cannot be paged safely (:func:`page_keys`).
    """
    meta = body.get("metaData") or {}
    results = body.get("results") or []
    names = [c["name"] for c in meta.get("columns") or []]
    keys = page_keys(results, names, sort_columns)
    plan = plan_page(
        cursor,
        first_result,
        keys,
        page_size,
        meta.get("morePagesAvailable"),
        meta.get("resultsAvailable"),
        trust_metadata=trust_metadata,
    )
    records = [dict(zip(names, row, strict=True)) for row in results[plan.take_from :]]
    return PageRead(records, plan.next_first_result, plan.cursor)


class SearchPaginator(BaseAPIPaginator[int]):
    """singer-sdk paginator for ``*-search`` endpoints; the token is ``firstResult``.

    The stream's ``parse_response`` hands each page's body to :meth:`read` (one
    :func:`read_page`), which keeps the position; ``advance`` then uses that decision, so no
    response is parsed twice.
    """

    def __init__(
        self,
        page_size: int,
        sort_columns: Sequence[str] = (),
        *,
        trust_metadata: bool = True,
    ) -> None:
        super().__init__(start_value=1)
        self.page_size = page_size
        self.sort_columns = tuple(sort_columns)
        self.trust_metadata = trust_metadata
        self.cursor = Cursor()
        self._next: int | None = None

    def read(self, body: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
        """The new records of the current page; the next position is kept for ``advance``."""
        page = read_page(
            body,
            self.sort_columns,
            self.cursor,
            self.current_value,
            self.page_size,
            trust_metadata=self.trust_metadata,
        )
        self.cursor, self._next = page.cursor, page.next_first_result
        return page.records

    @property
    def available(self) -> int | None:
        """The ``resultsAvailable`` of the last page read (None before one, or if absent)."""
        available = self.cursor.available
        return available if isinstance(available, int) else None

    def expected_after(self, first_result: int) -> range:
        """The ``firstResult`` of the pages that follow page ``first_result`` if all are full.

        Only for the page paging is on, and only those the last ``resultsAvailable`` says
        exist (each next page starts at the previous one's last row); none when the
        endpoint's count cannot be trusted.
        """
        available = self.available
        if first_result != self.current_value or not self.trust_metadata or available is None:
            return range(0)
        step = max(1, self.page_size - 1)
        return range(first_result + step, available, step)

    @override
    def has_more(self, response: requests.Response) -> bool:
        return self._next is not None

    @override
    def get_next(self, response: requests.Response) -> int | None:
        return self._next

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        """A page may yield nothing (all overlap, or a failed anchor) and still not be the end."""
        return self._next is not None
