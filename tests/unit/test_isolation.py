"""One bad stream never sinks the run (``isolation.Isolation.attempt``), with fake streams.

The same cases tests/test_tap_isolation.py proves through the tap over HTTP (a 403, 5xx to the
end of the retries, 401s before and after a success), here on fake streams whose ``sync``
raises what the request path would raise, and a fake tap that records its STATE messages.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest
from singer_sdk.exceptions import FatalAPIError

from tap_brightpearl.errors import ForbiddenError, RetriesExhaustedError, UnauthorizedError
from tap_brightpearl.isolation import Isolation, StreamsFailedError

START = {
    "orders": {"replication_key_value": "2024-01-01T00:00:00.000Z"},
    "order_rows": {"replication_key_value": "2024-01-01T00:00:00.000Z"},
}


@dataclass
class FakeStream:
    name: str
    child_streams: list[FakeStream] = field(default_factory=list)
    reported: bool = False


class FakeStateWriter:
    def __init__(self) -> None:
        self.written: list[dict[str, Any]] = []

    def write_state(self, state: dict[str, Any]) -> None:
        self.written.append(copy.deepcopy(state))


class FakeTap:
    def __init__(self, bookmarks: dict[str, Any]) -> None:
        self.state: dict[str, Any] = {"bookmarks": copy.deepcopy(bookmarks)}
        self.state_writer = FakeStateWriter()


class Run:
    """An Isolation over a fake tap; ``accepted`` counts requests answered below 400."""

    def __init__(self) -> None:
        self.tap = FakeTap(START)
        self.accepted = 0
        self.isolation = Isolation(self.tap, lambda: self.accepted)

    def sync(
        self,
        stream: FakeStream,
        *,
        accept: int = 0,
        raises: Exception | None = None,
        moves: str | None = None,
    ) -> None:
        """Run ``stream`` through ``attempt``: it accepts, moves a bookmark, then raises."""

        def sync(context: Any) -> None:
            self.accepted += accept
            if moves:
                self.tap.state["bookmarks"][stream.name] = {"replication_key_value": moves}
            if raises is not None:
                raise raises

        self.isolation.attempt(stream, sync)


def orders() -> FakeStream:
    return FakeStream("orders", [FakeStream("order_rows")])


def refused(service: str) -> UnauthorizedError:
    return UnauthorizedError("HTTP 401 refused", f"/public-api/acme/{service}/x")


def test_a_good_stream_runs_and_the_run_completes():
    run = Run()
    run.sync(orders(), accept=3, moves="2024-02-01T00:00:00.000Z")
    run.isolation.finish()
    assert run.tap.state_writer.written == []


def test_a_403_skips_the_stream_and_its_children_and_restores_their_bookmarks(caplog):
    run = Run()
    run.sync(FakeStream("products"), accept=1)
    stream = orders()
    run.sync(stream, raises=ForbiddenError("HTTP 403 from /x"), moves="2024-03-01T00:00:00.000Z")
    assert run.tap.state["bookmarks"]["orders"] == START["orders"]
    assert run.tap.state_writer.written[-1]["bookmarks"]["orders"] == START["orders"]
    assert stream.reported
    assert stream.child_streams[0].reported
    line = caplog.records[-1].getMessage()
    assert "Stream 'orders' skipped (with its child streams order_rows): HTTP 403" in line
    assert "undoing this run's checkpoints of orders" in line
    run.sync(FakeStream("contacts"), accept=1)  # the others go on
    with pytest.raises(
        StreamsFailedError, match=r"1 stream\(s\) skipped.*orders \(HTTP 403 from /x\)"
    ):
        run.isolation.finish()


def test_a_skip_after_only_the_drift_memory_moved_says_the_bookmark_is_unchanged(caplog):
    """The memory of reported drift (unfit.STATE_KEY) sits beside a bookmark but is none."""
    run = Run()
    run.sync(FakeStream("products"), accept=1)

    def sync(context: Any) -> None:
        run.tap.state["bookmarks"]["orders"]["schema_drift"] = {"added": {"x": "string"}}
        raise ForbiddenError("HTTP 403 from /x")

    run.isolation.attempt(orders(), sync)
    assert run.tap.state["bookmarks"]["orders"] == START["orders"]
    assert "bookmark unchanged" in caplog.records[-1].getMessage()


def test_5xx_to_the_end_before_any_success_is_an_outage():
    run = Run()
    with pytest.raises(RetriesExhaustedError):
        run.sync(orders(), raises=RetriesExhaustedError("HTTP 500"))


def test_5xx_on_two_streams_in_a_row_with_nothing_accepted_is_an_outage():
    run = Run()
    run.sync(FakeStream("products"), accept=2)
    run.sync(orders(), raises=RetriesExhaustedError("HTTP 500"))  # skipped: one endpoint
    assert "orders" in run.isolation.failed
    with pytest.raises(RetriesExhaustedError):
        run.sync(FakeStream("contacts"), raises=RetriesExhaustedError("HTTP 500"))


def test_5xx_after_an_accepted_answer_in_between_is_local_again():
    run = Run()
    run.sync(FakeStream("products"), accept=2)
    run.sync(orders(), raises=RetriesExhaustedError("HTTP 500"))
    run.sync(FakeStream("contacts"), accept=1, raises=RetriesExhaustedError("HTTP 502"))
    assert set(run.isolation.failed) == {"orders", "contacts"}


def test_an_early_401_waits_for_the_next_answer_then_is_a_skip():
    run = Run()
    run.sync(orders(), raises=refused("order-service"), moves="2024-03-01T00:00:00.000Z")
    assert run.isolation.failed == {}
    assert run.tap.state["bookmarks"]["orders"] == START["orders"]  # restored meanwhile
    run.sync(FakeStream("products"), accept=1)  # the credential is good
    assert set(run.isolation.failed) == {"orders"}
    with pytest.raises(StreamsFailedError, match="orders"):
        run.isolation.finish()


def test_401s_from_two_services_with_nothing_accepted_are_the_credential():
    run = Run()
    run.sync(orders(), raises=refused("order-service"))
    with pytest.raises(UnauthorizedError):
        run.sync(FakeStream("contacts"), raises=refused("contact-service"))


def test_401s_only_ever_are_the_credential_at_the_end():
    run = Run()
    run.sync(orders(), raises=refused("order-service"))
    run.sync(FakeStream("order_notes"), raises=refused("order-service"))
    with pytest.raises(UnauthorizedError):
        run.isolation.finish()


def test_a_401_after_a_success_is_a_skip_at_once():
    run = Run()
    run.sync(FakeStream("products"), accept=1)
    run.sync(orders(), raises=refused("order-service"))
    assert set(run.isolation.failed) == {"orders"}


@pytest.mark.parametrize("exc", [FatalAPIError("CMNC-018 bad filter"), KeyError("a bug")])
def test_anything_else_stops_the_run(exc):
    run = Run()
    run.sync(FakeStream("products"), accept=1)
    with pytest.raises(type(exc)):
        run.sync(orders(), raises=exc)
    assert run.isolation.failed == {}
