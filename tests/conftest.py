"""Sandbox fixtures shared by every test module (owned by the sandbox engineer).

``sandbox``: one session-wide Brightpearl sandbox with small data (every stream has records),
for read-only use; its throttle limit is raised so the whole suite never waits on it.
``make_sandbox``: a factory for tests that turn knobs; every sandbox it made is stopped at
teardown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tap_brightpearl.sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SMALL_SIZES = {"orders": 300, "products": 120, "contacts": 150}


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A read-only sandbox shared by the session (seed 7, small sizes, no throttling)."""
    sb = Sandbox(seed=7, sizes=dict(SMALL_SIZES), throttle_limit=1_000_000).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Factory ``make_sandbox(**kwargs) -> Sandbox`` (started; small sizes unless given)."""
    made: list[Sandbox] = []

    def factory(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("sizes", dict(SMALL_SIZES))
        sb = Sandbox(**kwargs).start()
        made.append(sb)
        return sb

    try:
        yield factory
    finally:
        for sb in made:
            sb.stop()
