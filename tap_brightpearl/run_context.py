"""RunContext: what a stream may use of its run, built once by the tap (``TapBrightpearl.run``).

Streams hold this small object instead of the tap: the API base and the authenticator, the one
request budget and progress lines, the ids emitted for ``deleted_records``, the once-per-run
product id search, custom-field definitions and OPTIONS answers, the count of accepted
answers (isolation's evidence that the credential is good), and the two things of the tap a
stream acts on (write the STATE now; the other streams).
Counters and id sets are shared by the threads of GET batches and pages fetched ahead, so they
are locked here.
"""

from __future__ import annotations

import threading
import typing as t
from dataclasses import dataclass, field

from tap_brightpearl.custom_fields import RunDefinitions

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from singer_sdk.streams import Stream

    from tap_brightpearl.auth import BrightpearlAuthenticator
    from tap_brightpearl.budget import RequestBudget
    from tap_brightpearl.progress import Progress
    from tap_brightpearl.settings import Settings


class Counter:
    """A count that threads may add to at once (``+=`` on an attribute is not atomic)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, n: int = 1) -> None:
        """Count ``n`` more."""
        with self._lock:
            self._value += n

    @property
    def value(self) -> int:
        """The count so far."""
        return self._value


class EmittedIds:
    """Ids each swept stream emitted this run (``deleted_records`` keeps them with its sweep)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, set[t.Any]] = {}

    def add(self, stream: str, rid: t.Any) -> None:
        """Note that ``stream`` emitted the record ``rid``."""
        with self._lock:
            self._ids.setdefault(stream, set()).add(rid)

    def of(self, stream: str) -> set[t.Any]:
        """A copy of the ids ``stream`` emitted so far."""
        with self._lock:
            return set(self._ids.get(stream, ()))


T = t.TypeVar("T")


class Once:
    """Answers asked at most once per run, by key.

    One ``OPTIONS`` per resource serves both the load plan and the delete sweep. A second
    thread asking for the same key waits for the first's answer; a failed ask stores nothing
    (the next one asks again).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._answers: dict[str, t.Any] = {}

    def get(self, key: str, ask: Callable[[], T]) -> T:
        """The answer for ``key``: ``ask()`` the first time, the same object afterwards."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._answers:
                self._answers[key] = ask()
            return t.cast("T", self._answers[key])


class ProductIds(t.Protocol):
    """The once-per-run search of every product id (``streams.products.ProductIdSweep``)."""

    def ids(self, stream: t.Any, *, stock_tracked_only: bool) -> Iterator[int]:
        """The ids (all, or the stock-tracked ones), searched by ``stream`` if not yet."""
        ...


@dataclass(frozen=True)
class RunContext:
    """Everything a stream may use beyond its own config; one per tap process."""

    settings: Settings  # every setting, read once
    #: ``{host}/public-api/{account}/``, on first use (an OAuth host may come from the token).
    api_base: Callable[[], str]
    #: The one authenticator of this run, on first use (after the config is checked).
    authenticator: Callable[[], BrightpearlAuthenticator]
    budget: RequestBudget
    progress: Progress
    product_ids: ProductIds
    user_agent: str
    #: Write the tap's whole state as a STATE message now (a checkpoint).
    write_state: Callable[[], None]
    #: The tap's streams by name (``deleted_records`` sweeps the others).
    streams: Callable[[], Mapping[str, Stream]]
    accepted: Counter = field(default_factory=Counter)  # answers below 400 this run
    emitted: EmittedIds = field(default_factory=EmittedIds)
    #: Custom-field definitions and misfit warnings, read and said once per run.
    custom_fields: RunDefinitions = field(default_factory=RunDefinitions)
    #: ``OPTIONS`` answers by path (``sweeps.Options.answer``), one per resource per run.
    options: Once = field(default_factory=Once)


class RunOwner(t.Protocol):
    """A tap that builds the run context (``TapBrightpearl``), as the streams see it."""

    @property
    def run(self) -> RunContext:
        """The run context of this process (built once)."""
        ...
