"""The no-loss rule's one owner (``kinds/checkpoint.py``) against a fake state: no HTTP.

A mark says "once the first N ids are out, the state may say V". These tests check that the
state never says V before the N-th record is out, never moves a bookmark back, ends a plan
under way with the plan's bookmark, and in BATCH mode moves only with the last batch.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tap_brightpearl.kinds.checkpoint import Checkpoints, PlanProgress

UTC = dt.timezone.utc
JAN = dt.datetime(2024, 1, 1, tzinfo=UTC)
FEB = dt.datetime(2024, 2, 1, tzinfo=UTC)
MAR = dt.datetime(2024, 3, 1, tzinfo=UTC)


class FakeRun:
    """The stream's state entry and every STATE message written (a copy each)."""

    def __init__(self, state: dict | None = None) -> None:
        self.state: dict = state if state is not None else {}
        self.written: list[dict] = []

    def checkpoints(self) -> Checkpoints:
        return Checkpoints(lambda: self.state, "updatedOn", self.write)

    def write(self) -> None:
        self.written.append(dict(self.state))

    def bookmarks(self) -> list[str | None]:
        return [s.get("replication_key_value") for s in self.written]


def test_a_mark_waits_for_every_record_before_it():
    run = FakeRun()
    cp = run.checkpoints()
    cp.mark(3, JAN)
    cp.mark(5, FEB)
    cp.reach(2)
    assert run.written == []  # the third id is not out: no STATE
    cp.reach(3)
    assert run.bookmarks() == ["2024-01-01T00:00:00.000Z"]
    cp.reach(4)
    assert len(run.written) == 1
    cp.reach(9)
    assert run.bookmarks()[-1] == "2024-02-01T00:00:00.000Z"
    assert not cp.marks


def test_marks_due_at_once_write_one_state_with_the_last():
    run = FakeRun()
    cp = run.checkpoints()
    for position, value in ((1, JAN), (1, FEB), (2, MAR)):
        cp.mark(position, value)
    assert cp.due(1) and not cp.due(0)
    cp.reach(2)
    assert run.bookmarks() == ["2024-03-01T00:00:00.000Z"]


def test_reach_never_goes_back():
    run = FakeRun()
    cp = run.checkpoints()
    cp.reach(5)
    cp.reach(2)
    assert cp.emitted == 5
    cp.mark(4, JAN)  # a mark at or below what is out is due at the next report
    cp.reach(5)
    assert run.bookmarks() == ["2024-01-01T00:00:00.000Z"]


def test_a_bookmark_never_moves_back_and_an_unchanged_state_writes_nothing():
    run = FakeRun(
        {"replication_key": "updatedOn", "replication_key_value": "2024-02-01T00:00:00.000Z"}
    )
    cp = run.checkpoints()
    cp.checkpoint(JAN)
    cp.checkpoint(FEB)
    assert run.written == []
    assert run.state["replication_key_value"] == "2024-02-01T00:00:00.000Z"
    cp.checkpoint(MAR)
    assert run.bookmarks() == ["2024-03-01T00:00:00.000Z"]


@pytest.mark.parametrize("old", ["not a date", "2024-13-45"])
def test_an_unreadable_bookmark_is_replaced(old):
    run = FakeRun({"replication_key": "updatedOn", "replication_key_value": old})
    run.checkpoints().checkpoint(JAN)
    assert run.state["replication_key_value"] == "2024-01-01T00:00:00.000Z"


def test_another_keys_bookmark_is_replaced():
    run = FakeRun(
        {"replication_key": "createdOn", "replication_key_value": "2025-01-01T00:00:00.000Z"}
    )
    run.checkpoints().checkpoint(JAN)
    assert run.state == {
        "replication_key": "updatedOn",
        "replication_key_value": "2024-01-01T00:00:00.000Z",
    }


def test_plan_progress_moves_forward_only_and_the_plans_bookmark_ends_it():
    run = FakeRun()
    cp = run.checkpoints()
    at = "2024-05-01T10:00:00.000Z"
    cp.mark(200, PlanProgress(at, 200))
    cp.mark(400, PlanProgress(at, 450))
    cp.mark(430, MAR)
    cp.reach(200)
    assert run.written[-1]["plan"] == {"answered_at": at, "after_id": 200, "since": None}
    assert "replication_key_value" not in run.written[-1]  # no bookmark while under way
    cp.checkpoint(PlanProgress(at, 100))  # behind what is recorded: nothing written
    assert len(run.written) == 1
    cp.reach(430)
    assert "plan" not in run.state
    assert run.state["replication_key_value"] == "2024-03-01T00:00:00.000Z"
    assert [s.get("plan", {}).get("after_id") for s in run.written] == [200, None]


def test_a_plans_bookmark_ends_it_even_when_the_bookmark_stays():
    run = FakeRun(
        {
            "replication_key": "updatedOn",
            "replication_key_value": "2024-03-01T00:00:00.000Z",
            "plan": {"answered_at": "2024-05-01T10:00:00.000Z", "after_id": 7},
        }
    )
    run.checkpoints().checkpoint(FEB)
    assert run.state == {
        "replication_key": "updatedOn",
        "replication_key_value": "2024-03-01T00:00:00.000Z",
    }
    assert len(run.written) == 1


@pytest.mark.parametrize(
    "entry",
    [
        None,
        "x",
        {"after_id": 3},
        {"answered_at": "2024-01-01T00:00:00Z", "after_id": "3"},
        {"answered_at": "yesterday", "after_id": 3},
    ],
)
def test_an_unreadable_plan_entry_is_no_plan(entry):
    assert PlanProgress.load(entry) is None


def test_a_plan_entry_round_trips():
    entry = {
        "answered_at": "2024-01-01T00:00:00.000Z",
        "after_id": 3,
        "since": "2023-01-01T00:00:00.000Z",
    }
    assert PlanProgress.load(entry) == PlanProgress(**entry)


def test_batch_mode_moves_the_state_with_the_last_batch_only():
    """The SDK writes STATE after each BATCH message: the state must not move before the last
    batch is handed over, and must have moved by then."""
    run = FakeRun()
    cp = run.checkpoints()
    seen: list[tuple[str, dict]] = []

    def batches():
        for name, value in (("b1", JAN), ("b2", FEB)):
            cp.checkpoint(value)  # the stream checkpoints while the SDK writes files
            assert run.written == []  # held back: no STATE of its own in BATCH mode
            yield name

    for batch in cp.hold_back(batches()):
        seen.append((batch, dict(run.state)))
    assert [b for b, _ in seen] == ["b1", "b2"]
    assert seen[0][1] == {}  # the first batch goes out before the state moves
    assert seen[1][1]["replication_key_value"] == "2024-02-01T00:00:00.000Z"
    assert run.written == []  # the SDK's STATE after the last BATCH carries it
    assert not cp.batching


def test_batch_mode_with_no_batch_writes_the_state_itself():
    run = FakeRun()
    cp = run.checkpoints()

    def nothing():
        cp.checkpoint(JAN)
        yield from ()

    assert list(cp.hold_back(nothing())) == []
    assert run.bookmarks() == ["2024-01-01T00:00:00.000Z"]
