"""Sandbox fixtures shared by every test module (owned by the sandbox engineer).

``sandbox``: one session-wide Brightpearl sandbox with small data (every stream has records),
for read-only use; its throttle limit is raised so the whole suite never waits on it.
``make_sandbox``: a factory for tests that turn knobs; every sandbox it made is stopped at
teardown. ``call``: send one raw HTTP request to a sandbox (staff-token auth by default).
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tap_brightpearl.sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SMALL_SIZES = {"orders": 300, "products": 120, "contacts": 150}

# The suite starts some hundreds of tap, target and Meltano processes. With
# PYTHONDONTWRITEBYTECODE set (some CI images and containers set it), each tap process compiled
# the package's modules afresh: about a quarter of its start-up CPU. Its children may cache
# bytecode (tap_brightpearl/__pycache__ is git-ignored and not in the wheel).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


STAFF = {"brightpearl-app-ref": "sandbox-app", "brightpearl-staff-token": "sandbox-staff-token"}


@dataclass
class Reply:
    """One raw HTTP answer from the sandbox."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def sandbox_request(
    sb: Sandbox,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    api: bool = True,
) -> Reply:
    """Send one request over real HTTP; ``path`` is relative to /public-api/{account}/ when
    ``api`` (staff-token headers unless ``headers`` is given), else to the server root."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
    try:
        url = f"/public-api/{sb.knobs['account']}/{path}" if api else path
        conn.request(method, url, body=body, headers=STAFF if headers is None else headers)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _own_token_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test its own default OAuth token store (``$XDG_STATE_HOME``), never the user's.

    The tap keeps rotated OAuth tokens in a per-user file keyed by account and app ref; every
    sandbox has the same ones, so a shared store would carry one test's tokens into the next.
    """
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))


@pytest.fixture(scope="session")
def call() -> Callable[..., Reply]:
    """``call(sb, path, method="GET", headers=None, body=None, api=True) -> Reply``."""
    return sandbox_request


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


# -- parallel runs (make pytest: -n 8 --dist loadscope --no-loadscope-reorder) ------------
# pytest-xdist's loadgroup cannot group under pytest 9 (it renames ``item._nodeid``, which
# pytest 9 no longer reads), so the scheduler is chosen here: a test goes to whichever worker
# is free, except that a file with module-scoped fixtures (a full sync, a PostgreSQL server, a
# wheel, a Meltano project) stays on one worker, so each such fixture is built once. So does the
# singer-sdk standard suite (get_tap_test_class): its class-scoped runner syncs the tap once per
# worker that runs any of its tests (a sync on each worker).
SHARED_FIXTURE = re.compile(r"@pytest\.fixture\(scope=\"module\"|= get_tap_test_class\(")


@functools.cache
def _shares_fixtures(path: str) -> bool:
    file = Path(path)
    return file.is_file() and bool(SHARED_FIXTURE.search(file.read_text(encoding="utf-8")))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadscope``: one scope per test, or per file for files sharing fixtures."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 (only under xdist)

    root = config.rootpath

    class PerTestUnlessShared(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if _shares_fixtures(str(root / module)) else nodeid

    return PerTestUnlessShared(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, then the files sharing fixtures, so no long test starts last
    and holds up the run (xdist hands the work out in this order: `make pytest` passes
    ``--no-loadscope-reorder``, which keeps it).

    A file sharing fixtures moves as one block (its fixtures are built once, and its tests
    run one after the other on one worker: a chain as long as a slow test). The slow blocks go
    out one file at a time in turn: a file's slow tests mostly wait the same way (the retry
    backoff, a budget minute), and eight of them side by side left the two cores idle.
    """
    blocks: dict[str, list[pytest.Item]] = {}
    for item in items:
        path = str(item.path)
        key = path if _shares_fixtures(path) else item.nodeid
        blocks.setdefault(key, []).append(item)

    def slow(block: list[pytest.Item]) -> bool:
        return any(i.get_closest_marker("slow") for i in block)

    def shared(block: list[pytest.Item]) -> bool:
        return _shares_fixtures(str(block[0].path))

    ordered = [
        *in_turn_by_file([b for b in blocks.values() if slow(b)]),
        *[b for b in blocks.values() if not slow(b) and shared(b)],
        *[b for b in blocks.values() if not slow(b) and not shared(b)],
    ]
    items[:] = [item for block in ordered for item in block]


def in_turn_by_file(blocks: list[list[pytest.Item]]) -> list[list[pytest.Item]]:
    """The blocks, one of each file in turn (each file's in their order)."""
    queues: dict[Path, list[list[pytest.Item]]] = {}
    for block in blocks:
        queues.setdefault(block[0].path, []).append(block)
    turns = [iter(q) for q in queues.values()]
    longest = max((len(q) for q in queues.values()), default=0)
    return [b for _ in range(longest) for turn in turns if (b := next(turn, None)) is not None]
