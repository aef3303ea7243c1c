"""Search pages fetched ahead: the next pages a search's count says exist, already in flight.

Search pages are otherwise strictly one after another (each next ``firstResult`` is decided by
the page before, see ``pagination.py``), so a backfill's first requests trickle out at one per
round trip, and at 200 requests a minute every request after the 200th waits for the slot of
one of those first ones. When a page is sent and the last page's ``resultsAvailable`` says
more full pages follow, the pages the paginator will ask for if nothing moves are sent as well
(a few in flight, through the same pacing and retries). The paginator still decides every
page: a prefetched answer is used only when it asks for exactly that URL, so paging stays as
exact as before; a prediction that data movement made wrong costs one request, never a row.
"""

from __future__ import annotations

import itertools
import re
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import requests
    from singer_sdk.helpers.types import Context, RequestFunc

FIRST_RESULT = re.compile(r"([?&]firstResult=)(\d+)")


def first_result(url: str) -> int | None:
    """The ``firstResult`` of a search URL (None when it has none)."""
    match = FIRST_RESULT.search(url)
    return int(match.group(2)) if match else None


def with_first_result(url: str, value: int) -> str:
    """The same URL with another ``firstResult`` (byte for byte otherwise)."""
    return FIRST_RESULT.sub(lambda m: f"{m.group(1)}{value}", url, count=1)


class Lookahead:
    """Prefetched search pages of one stream, keyed by their exact URL."""

    def __init__(self, depth: int, name: str) -> None:
        self.depth = max(0, depth)
        self.name = name
        self._pending: dict[str, Future[requests.Response]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def wrap(self, send: RequestFunc, ahead: Callable[[str], Iterable[str]]) -> RequestFunc:
        """``send``, answering from a prefetched page when there is one for the URL.

        ``ahead(url)`` names the URLs of the pages expected after ``url``, nearest first (none
        for a request that is not a search page); only the first ``depth`` are taken.
        """

        def send_or_take(
            prepared: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            url = prepared.url or ""
            future = self._pending.pop(url, None)
            if self.depth:
                self._prefetch(prepared, context, send, ahead(url))
            if future is not None:
                return future.result()
            return send(prepared, context)

        return send_or_take

    def _prefetch(
        self,
        prepared: requests.PreparedRequest,
        context: Context | None,
        send: RequestFunc,
        urls: Iterable[str],
    ) -> None:
        for url in itertools.islice(urls, self.depth):
            if url in self._pending:
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.depth, thread_name_prefix=f"{self.name}-ahead")
            copy = prepared.copy()
            copy.url = url
            self._pending[url] = self._pool.submit(send, copy, context)

    def send_early(
        self, prepared: requests.PreparedRequest, context: Context | None, send: RequestFunc
    ) -> None:
        """Send the first page of a search that runs later: it waits for that search."""
        self._prefetch(prepared, context, send, [prepared.url or ""])

    def forget(self) -> None:
        """Drop the pages fetched ahead that nobody asked for (a new search starts).

        First pages sent early stay: their search is still to come.
        """
        for url in [u for u in self._pending if first_result(u) != 1]:
            self._pending.pop(url).cancel()

    def close(self) -> None:
        """Drop what is pending and stop the threads (a later page starts new ones)."""
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
