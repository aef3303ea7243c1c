"""Deleted records: the id sweep against the sandbox over real HTTP, and its parts.

The sandbox deletes records as a user would (``Sandbox.delete``, the ``delete_during_run``
knob) and keeps the ground truth (``Sandbox.deleted``). Each test runs the tap as Meltano does,
each run from the previous run's last STATE, and compares ``deleted_records`` with the truth.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from helpers import SWEPT, UNTHROTTLED, Run, _command, clean_env, run_tap

from tap_brightpearl import sweeps

if TYPE_CHECKING:
    from pathlib import Path

STREAMS = {*SWEPT, "deleted_records"}


def reported(run: Run) -> list[tuple[str, int]]:
    """(stream, id) of every deleted_records record, duplicates kept."""
    return [(r["stream"], r["id"]) for r in run.records("deleted_records")]


def sweep_run(tmp_path: Path, sb: Any, state: dict | None, name: str, **config: Any) -> Run:
    """A run sweeping every deletable stream, the search sweeps included (not once a day)."""
    config.setdefault("delete_sweep_hours", 0)
    run = run_tap(tmp_path, sb.tap_config(**config), state=state, streams=STREAMS, name=name)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


# -- the parts ------------------------------------------------------------------------------


def test_id_sets_round_trip_and_stay_small_for_250000_ids():
    rng = random.Random(11)
    ids = [i for i in range(100_000, 400_000) if rng.random() > 0.02][:250_000]
    ids += [2**31 + 5, 2**33]  # ids above 2^31 exist
    text = sweeps.encode(ids)
    assert sweeps.decode(text) == sorted(ids)
    assert len(text) < 12_000, len(text)  # 250,000 ids with 2 % random gaps: about 9 KB
    assert sweeps.decode(sweeps.encode([])) == []
    with pytest.raises(ValueError, match="prefix"):
        sweeps.decode("1-3,7")


def test_idset_notation_of_getUris():
    assert list(sweeps.parse_idset("1-3,7,10-11")) == [1, 2, 3, 7, 10, 11]


def test_judge_reports_only_what_vanished_from_a_complete_trusted_sweep():
    prev = sweeps.Known(set(range(1, 101)), "2026-01-01T00:00:00.000Z")
    kw = {"started": "2026-01-02T00:00:00.000Z", "max_fraction": 0.2}
    # ids 1-5 gone, 200 created after the previous sweep: only 1-5 reported
    v = sweeps.judge(prev, set(range(6, 101)) | {200}, set(), **kw)
    assert v.deleted == [1, 2, 3, 4, 5]
    assert not v.warn
    assert v.keep.ids == set(range(6, 101)) | {200}
    assert v.keep.swept_at == kw["started"]
    # an id emitted this run but absent from the sweep is kept: the next run reports it
    v = sweeps.judge(prev, set(range(1, 101)), {300}, **kw)
    assert v.deleted == []
    assert 300 in v.keep.ids
    assert sweeps.judge(v.keep, set(range(1, 101)), set(), **kw).deleted == [300]
    # a failed request, an empty answer, more than the fraction: nothing, the old ids kept
    for current in (None, set(), set(range(30, 101))):
        v = sweeps.judge(prev, current, {400}, **kw)
        assert v.deleted == [], current
        assert v.warn, current
        assert prev.ids | {400} <= v.keep.ids
        assert v.keep.swept_at == prev.swept_at  # not a sweep that counts: due next run
    # the first sweep reports nothing
    v = sweeps.judge(None, {1, 2}, set(), **kw)
    assert v.deleted == []
    assert not v.warn
    assert v.keep.ids == {1, 2}


def test_a_sweep_is_due_after_its_hours_or_when_its_time_is_unknown():
    now = dt.datetime(2026, 1, 2, 12, tzinfo=dt.timezone.utc)
    known = sweeps.Known({1}, "2026-01-01T12:30:00.000Z")  # 23.5 h before now
    assert not known.due(now, 24)
    assert known.due(now, 23)
    assert known.due(now, 0)  # 0: every run
    for unknown in (None, "yesterday"):
        assert sweeps.Known({1}, unknown).due(now, 24)
    assert sweeps.Options("x").every_hours == 0  # one request: every run by default
    assert sweeps.IdSearch().every_hours == 24  # N/500 requests: daily by default


# -- against the sandbox ---------------------------------------------------------------------


def test_records_deleted_between_runs_are_reported_once_in_the_next_run(make_sandbox, tmp_path):
    sb = make_sandbox(seed=3, **UNTHROTTLED)
    first = sweep_run(tmp_path, sb, None, "first")
    assert reported(first) == []
    sweeps = first.last_state()["bookmarks"]["deleted_records"]["sweeps"]
    assert set(sweeps) == set(SWEPT)
    gone = {(s, rid) for s in SWEPT for rid in sb.delete(s, count=2)}
    assert len(gone) == 2 * len(SWEPT)
    second = sweep_run(tmp_path, sb, first.last_state(), "second")
    assert sorted(reported(second)) == sorted(gone)  # exactly those, each once
    assert {(s, i) for s in SWEPT for i in sb.deleted(s)} == gone
    record = second.records("deleted_records")[0]
    assert set(record) == {"stream", "id", "detected_at", "previous_sweep_at"}
    assert record["previous_sweep_at"] < record["detected_at"]
    keys = next(
        m for m in second.messages if m.get("type") == "SCHEMA" and m["stream"] == "deleted_records"
    )["key_properties"]
    assert keys == ["stream", "id"]
    assert not any(r.get("_sdc_deleted_at") for s in SWEPT for r in second.records(s))
    third = sweep_run(tmp_path, sb, second.last_state(), "third")
    assert reported(third) == []


def test_deletions_during_a_run_are_reported_no_later_than_the_run_after(make_sandbox, tmp_path):
    sb = make_sandbox(seed=4, **UNTHROTTLED)
    base = sweep_run(tmp_path, sb, None, "base")
    sb.configure(delete_during_run={"orders": 4, "contacts": 3}, delete_every=2)
    during = sweep_run(tmp_path, sb, base.last_state(), "during")
    assert sb.deletions_pending() in ({}, {"orders": 0, "contacts": 0})
    after = sweep_run(tmp_path, sb, during.last_state(), "after")
    truth = {(s, i) for s in ("orders", "contacts") for i in sb.deleted(s)}
    assert len(truth) == 7
    both = reported(during) + reported(after)
    assert sorted(both) == sorted(truth)  # each exactly once, nothing else


def _killed(tmp_path: Path, sb: Any, state: dict, stop_at: tuple[str, str]) -> Run:
    """A run from ``state`` SIGKILLed at the first (message type, stream) ``stop_at``."""
    cmd, _ = _command(
        tmp_path, sb.tap_config(), "killed", state=state, streams=STREAMS, catalog=None, args=()
    )
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=clean_env()
    )
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        message = json.loads(line)
        if (message.get("type"), message.get("stream")) == stop_at:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    return Run(proc.returncode, "".join(lines), "")


@pytest.mark.parametrize(
    "stop_at",
    [("SCHEMA", "orders"), ("SCHEMA", "deleted_records"), ("RECORD", "deleted_records")],
    ids=" ".join,
)
def test_a_killed_run_reports_nothing_false_and_the_next_run_catches_up(
    make_sandbox, tmp_path, stop_at
):
    sb = make_sandbox(seed=5, **UNTHROTTLED)
    base = sweep_run(tmp_path, sb, None, "base")
    gone = {("orders", i) for i in sb.delete("orders", count=3)}
    killed = _killed(tmp_path, sb, base.last_state(), stop_at)
    assert killed.returncode == -signal.SIGKILL
    assert set(reported(killed)) <= gone
    state = killed.last_state() or base.last_state()  # what Meltano kept of the killed run
    nxt = sweep_run(tmp_path, sb, state, "next")
    assert set(reported(killed)) | set(reported(nxt)) == gone
    assert set(reported(nxt)) <= gone


@pytest.mark.slow  # about a minute on the 2 shared cores under load: scheduled first
def test_a_failed_or_empty_sweep_reports_nothing_and_the_next_complete_one_catches_up(
    make_sandbox, tmp_path
):
    sb = make_sandbox(seed=6, **UNTHROTTLED)
    only = {"delete_streams": ["orders"]}
    base = sweep_run(tmp_path, sb, None, "base", **only)
    gone = {("orders", i) for i in sb.delete("orders", count=2)}
    sb.configure(fault_500=1.0)  # every request fails, through every retry
    run = run_tap(
        tmp_path,
        sb.tap_config(**only),
        state=base.last_state(),
        streams={"deleted_records"},
        name="failed",
        timeout=200,
    )
    sb.configure(fault_500=0.0)
    assert run.returncode == 0, run.stderr[-2000:]
    assert reported(run) == []
    assert "orders reports nothing: incomplete sweep (a request failed)" in run.stderr
    assert (
        run.last_state()["bookmarks"]["deleted_records"]
        == base.last_state()["bookmarks"]["deleted_records"]
    )
    caught = sweep_run(tmp_path, sb, run.last_state(), "caught", **only)
    assert set(reported(caught)) == gone


def test_a_mass_deletion_over_the_guard_is_refused_with_a_clear_warning(make_sandbox, tmp_path):
    sb = make_sandbox(seed=8, **UNTHROTTLED)
    base = sweep_run(tmp_path, sb, None, "base")
    orders = len(sb.primary_keys("orders"))
    gone = {("orders", i) for i in sb.delete("orders", count=orders * 3 // 10)}
    refused = sweep_run(tmp_path, sb, base.last_state(), "refused")
    assert reported(refused) == []
    warning = [line for line in refused.stderr_lines() if "WARNING" in line]
    assert any(
        "orders reports nothing" in w
        and "over max_delete_fraction 0.2" in w
        and "raise max_delete_fraction" in w
        for w in warning
    ), warning
    again = sweep_run(tmp_path, sb, refused.last_state(), "again")
    assert reported(again) == []  # still refused: nothing was accepted silently
    allowed = sweep_run(tmp_path, sb, again.last_state(), "allowed", max_delete_fraction=0.5)
    assert set(reported(allowed)) == gone


def test_every_deleted_record_gone_from_the_sandbox_empty_answer_is_refused(make_sandbox, tmp_path):
    sb = make_sandbox(seed=9, **UNTHROTTLED)
    only = {"delete_streams": ["customer_payments"]}
    base = sweep_run(tmp_path, sb, None, "base", **only)
    sb.delete("customer_payments", count=10_000)
    run = sweep_run(tmp_path, sb, base.last_state(), "empty", max_delete_fraction=1, **only)
    assert reported(run) == []
    assert "the answer held no ids" in run.stderr


def test_delete_sweep_hours_skips_a_recent_sweep_and_a_bad_stream_name_is_a_config_error(
    make_sandbox, tmp_path
):
    sb = make_sandbox(seed=10, **UNTHROTTLED)
    base = sweep_run(tmp_path, sb, None, "base")
    sb.delete("orders", count=1)
    sb.reset_counters()
    skipped = sweep_run(tmp_path, sb, base.last_state(), "skip", delete_sweep_hours=24)
    assert reported(skipped) == []
    assert "OPTIONS order" not in sb.counters()["requests"]
    due = sweep_run(tmp_path, sb, skipped.last_state(), "due")
    assert [s for s, _ in reported(due)] == ["orders"]
    bad = run_tap(tmp_path, sb.tap_config(delete_streams=["order"]), name="bad")
    assert bad.returncode == 1
    assert "delete_streams: 'order' cannot be swept" in bad.stderr


OPTIONS_SWEPT = ("orders", "products", "contacts")


def options_requests(sb: Any) -> dict[str, int]:
    return {k: v for k, v in sb.counters()["requests"].items() if k.startswith("OPTIONS")}


def aged(state: dict, hours: dict[str, float]) -> dict:
    """``state`` with each named stream's last sweep moved ``hours`` into the past."""
    out = json.loads(json.dumps(state))
    now = dt.datetime.now(dt.timezone.utc)
    for name, h in hours.items():
        when = now - dt.timedelta(hours=h)
        out["bookmarks"]["deleted_records"]["sweeps"][name]["swept_at"] = when.isoformat(
            timespec="milliseconds"
        ).replace("+00:00", "Z")
    return out


def test_by_default_every_deletable_stream_is_swept_and_the_searches_at_most_daily(
    make_sandbox, tmp_path
):
    """delete_streams and delete_sweep_hours unset: every selected deletable stream is swept;
    the OPTIONS sweeps every run, the id-only searches when their last sweep is a day old."""
    sb = make_sandbox(seed=6, **UNTHROTTLED)
    first = run_tap(tmp_path, sb.tap_config(), streams=STREAMS, name="default")
    assert first.returncode == 0, first.stderr[-3000:]
    assert set(first.last_state()["bookmarks"]["deleted_records"]["sweeps"]) == set(SWEPT)
    assert options_requests(sb) == {"OPTIONS order": 1, "OPTIONS product": 1, "OPTIONS contact": 1}
    # two search sweeps a day old, two an hour old; the OPTIONS ones an hour old
    old, recent = (
        ("goods_out_notes", "customer_payments"),
        ("goods_in_batches", "supplier_payments"),
    )
    state = aged(
        first.last_state(),
        {**dict.fromkeys(old, 25), **dict.fromkeys((*recent, *OPTIONS_SWEPT), 1)},
    )
    gone = {s: set(sb.delete(s, count=2)) for s in SWEPT}
    sb.reset_counters()
    second = run_tap(tmp_path, sb.tap_config(), streams=STREAMS, state=state, name="second")
    assert second.returncode == 0, second.stderr[-3000:]
    swept = (*OPTIONS_SWEPT, *old)
    assert sorted(reported(second)) == sorted((s, i) for s in swept for i in gone[s])
    assert options_requests(sb) == {"OPTIONS order": 1, "OPTIONS product": 1, "OPTIONS contact": 1}
    before = state["bookmarks"]["deleted_records"]["sweeps"]
    after = second.last_state()["bookmarks"]["deleted_records"]["sweeps"]
    assert [s for s in SWEPT if after[s]["swept_at"] == before[s]["swept_at"]] == list(recent)
    for name in recent:
        assert f"{name} not swept: the last sweep" in second.stderr
    # delete_sweep_hours 0: every sweep runs, the recent ones too (and they catch up)
    third = sweep_run(tmp_path, sb, second.last_state(), "every")
    assert sorted(reported(third)) == sorted((s, i) for s in recent for i in gone[s])
    again = third.last_state()["bookmarks"]["deleted_records"]["sweeps"]
    assert all(again[s]["swept_at"] > after[s]["swept_at"] for s in SWEPT)


def test_deleted_records_is_synced_after_every_other_stream(make_sandbox, tmp_path):
    # It keeps the ids the other streams emitted this run: synced in the SDK's name order it
    # would run before orders and products and keep none of theirs.
    sb = make_sandbox(seed=5, **UNTHROTTLED)
    run = sweep_run(tmp_path, sb, None, "order")
    streams = [m["stream"] for m in run.messages if m.get("type") in ("SCHEMA", "RECORD")]
    first_sweep = streams.index("deleted_records")
    assert {"orders", "products", "contacts"} <= set(streams[:first_sweep])
    assert set(streams[first_sweep:]) == {"deleted_records"}
