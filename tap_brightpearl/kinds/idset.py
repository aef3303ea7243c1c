"""GET-by-ID-set: chunks of the endpoint's limit, a few in flight, refused chunks bisected.

Bisection means one missing or rejected id never costs the others of its chunk.
"""

from __future__ import annotations

import logging
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

from tap_brightpearl.errors import BadRequestError, NotFoundError, json_of
from tap_brightpearl.records import id_runs

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from tap_brightpearl.client import BrightpearlStream

logger = logging.getLogger("tap-brightpearl")


def format_idset(ids: Iterable[int]) -> str:
    """Ascending ids in Brightpearl's ID-set notation (``1-3,7``): short URLs for runs."""
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in id_runs(sorted(ids)))


class IdSetFetcher:
    """GET one ``path`` (with ``{ids}``) by ID sets for a stream; one thread pool for its run."""

    def __init__(
        self,
        stream: BrightpearlStream,
        path: str,
        *,
        parallel: int = 1,
        bisect_on_400: bool = False,
    ) -> None:
        self.stream = stream
        self.path = path
        self.parallel = max(1, parallel)
        self.bisect_on_400 = bisect_on_400
        self._pool: ThreadPoolExecutor | None = None

    def chunks(self, ids: Sequence[int]) -> list[list[int]]:
        """``ids`` in chunks of the stream's ``id_batch_size``."""
        size = self.stream.id_batch_size
        return [list(ids[i : i + size]) for i in range(0, len(ids), size)]

    def get(self, ids: list[int], params: dict[str, str] | None = None) -> list[t.Any]:
        """The ``response`` payload(s) of one ID set.

        A CMNC-404 means "gone" for a single id; for several it is bisected, because an API
        may answer 404 when *any* id of the set is missing (deleted mid-sync) as well as when
        all are. Where allowed, a 400 is bisected the same way down to the one rejected id.
        """
        try:
            response = self.stream.fetch(self.path.format(ids=format_idset(ids)), params)
        except NotFoundError:
            if len(ids) == 1:
                return []
        except BadRequestError:
            if not self.bisect_on_400:
                raise
            if len(ids) == 1:
                logger.warning("%s: skipping id %s rejected by the API", self.stream.name, ids[0])
                return []
        else:
            return [json_of(response).get("response")]
        half = len(ids) // 2
        return self.get(ids[:half], params) + self.get(ids[half:], params)

    def submit(self, ids: list[int], params: dict[str, str] | None = None) -> Future[list[t.Any]]:
        """Start one ID set in the pool (the caller keeps at most ``parallel`` in flight)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix=self.stream.name)
        return self._pool.submit(self.get, ids, params)

    def close(self) -> None:
        """Stop the thread pool (a later call starts a new one)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
