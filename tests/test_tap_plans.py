"""Load plans over real HTTP: OPTIONS or the searches, chosen by cost; the bookmark after a
plan; one OPTIONS per resource per run; a killed OPTIONS load resumes after its last batch;
records created, changed and deleted during a plan; a refused OPTIONS falls back to the
searches (against the evidence replay, which answers OPTIONS with a 403 there).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import signal
from collections import Counter

import pytest
from evidence_replay import Replay, load_catalogue
from helpers import UNTHROTTLED, norm, norm_keys, run_tap, run_tap_until, selected_catalog
from test_evidence_tap import sync as replay_sync

UTC = dt.timezone.utc
ORDERS = ("orders", "order_rows")
LOOKBACK = 5


def requests(sb) -> dict[str, int]:
    """The sandbox's request counts by endpoint (``OPTIONS order``, ``order-search``, ...)."""
    return dict(sb.counters()["requests"])


def without_start(sb, **overrides) -> dict:
    """The sandbox's tap config with no ``start_date``: a new user's first load."""
    config = sb.tap_config(**overrides)
    del config["start_date"]
    return config


def plan_lines(run, stream: str = "orders") -> list[str]:
    return [line.split("| ")[-1] for line in run.stderr_lines() if f"{stream}: load plan" in line]


def bookmark(state: dict | None, stream: str = "orders") -> str | None:
    return ((state or {}).get("bookmarks", {}).get(stream) or {}).get("replication_key_value")


def instant(text: str) -> dt.datetime:
    value = norm(text)
    assert isinstance(value, dt.datetime), text
    return value


def in_window(sb, since: dt.datetime) -> set[tuple[int]]:
    """Orders created or changed at or after ``since`` (what an incremental run must emit)."""
    ms = since.timestamp() * 1000
    with sb.store.lock:
        return {
            (o["id"],) for o in sb.store.orders.values() if o["created"] >= ms or o["updated"] >= ms
        }


def created_at(sb, share: float) -> dt.datetime:
    """The creation time below which ``share`` of the orders lie."""
    with sb.store.lock:
        times = sorted(o["created"] for o in sb.store.orders.values())
    return dt.datetime.fromtimestamp(times[int(share * (len(times) - 1))] / 1000, UTC)


def test_a_first_load_without_start_date_is_one_options_then_gets(make_sandbox, tmp_path):
    """No bookmark, no start_date: no search at all, 1 + N/200 requests per resource, and the
    delete sweep reads the same OPTIONS answer. The bookmark is the answer's time less the
    lookback; the next run with no changes costs what an incremental run always cost."""
    sizes = {"orders": 2100, "products": 450, "contacts": 650}
    sb = make_sandbox(seed=61, sizes=sizes, **UNTHROTTLED)
    streams = {*ORDERS, "products", "contacts", "deleted_records"}
    config = without_start(sb, lookback_minutes=LOOKBACK)
    before = dt.datetime.now(UTC).replace(microsecond=0)
    run = run_tap(tmp_path, config, streams=streams)
    after = dt.datetime.now(UTC)
    assert run.returncode == 0, run.describe()
    used = requests(sb)
    for stream, resource, n in (
        ("orders", "order", 2100),
        ("products", "product", 450),
        ("contacts", "contact", 650),
    ):
        keys = run.keys(stream)
        assert len(keys) == len(set(keys)) == n, stream
        assert set(keys) == norm_keys(sb.primary_keys(stream)), stream
        assert used[f"OPTIONS {resource}"] == 1, used  # the plan's and the sweep's
        assert used.get(f"{resource}-search", 0) == 0, used
        assert used[resource] == math.ceil(n / 200), used
        [line] = plan_lines(run, stream)
        want = f"{stream}: load plan OPTIONS ({n:,} ids: {1 + math.ceil(n / 200)} requests"
        assert line.startswith(want), line
    state = run.last_state()
    assert "plan" not in state["bookmarks"]["orders"]
    mark = instant(bookmark(state))
    lookback = dt.timedelta(minutes=LOOKBACK)
    assert before - lookback <= mark <= after - lookback, (before, mark, after)

    sb.reset_counters()
    again = run_tap(tmp_path, config, streams=streams, state=state, name="again")
    assert again.returncode == 0, again.describe()
    used = requests(sb)
    assert {k: v for k, v in used.items() if k.startswith("OPTIONS")} == {
        "OPTIONS order": 1,
        "OPTIONS product": 1,
        "OPTIONS contact": 1,
    }, used  # the sweeps
    for resource in ("order", "product", "contact"):
        assert used[f"{resource}-search"] == 2, used  # changed since F, created since F
    assert plan_lines(again)[0].startswith("orders: load plan search ("), plan_lines(again)


def test_a_window_of_few_records_is_searched_without_asking_options(make_sandbox, tmp_path):
    sb = make_sandbox(seed=62, sizes={"orders": 2000}, **UNTHROTTLED)
    since = created_at(sb, 0.97)
    config = sb.tap_config(start_date=since.isoformat(), detect_deletes=False)
    run = run_tap(tmp_path, config, streams=ORDERS)
    assert run.returncode == 0, run.describe()
    assert "OPTIONS order" not in requests(sb)  # it could not have been cheaper
    assert set(run.keys("orders")) == in_window(sb, since)
    [line] = plan_lines(run)
    assert re.fullmatch(
        r"orders: load plan search \([\d,]+ ids: \d+ requests; "
        r"OPTIONS would take at least \d+\)",
        line,
    ), line


def test_a_window_of_most_records_switches_to_options_and_emits_only_the_window(
    make_sandbox,
    tmp_path,
):
    """The first page's count shows OPTIONS cheaper: the rest comes from OPTIONS, and what it
    fetches from before the window (created and changed before F) is not emitted."""
    sb = make_sandbox(seed=63, sizes={"orders": 2000}, **UNTHROTTLED)
    since = created_at(sb, 0.4)
    config = sb.tap_config(
        start_date=since.isoformat(), detect_deletes=False, page_size=50, lookback_minutes=0
    )
    run = run_tap(tmp_path, config, streams=ORDERS)
    assert run.returncode == 0, run.describe()
    want = in_window(sb, since)
    assert len(want) < 2000 - 500, "the window must leave records out to prove the filter"
    keys = run.keys("orders")
    assert len(keys) == len(set(keys))
    assert set(keys) == want
    used = requests(sb)
    assert used["OPTIONS order"] == 1
    assert used["order-search"] <= 3, used  # changed since F; created since F (+ a window)
    assert used["order"] <= math.ceil(2000 / 200) + 1, used  # the searched few, then the rest
    [line] = plan_lines(run)
    assert line.startswith("orders: load plan OPTIONS ("), line
    assert "2,000 in all" in line, line


@pytest.mark.parametrize("setting", [{"end_date": "2025-06-01T00:00:00Z"}, {"window_days": 90}])
def test_end_date_or_window_days_keep_the_search(make_sandbox, tmp_path, setting):
    sb = make_sandbox(seed=64, sizes={"orders": 1500}, **UNTHROTTLED)
    run = run_tap(tmp_path, sb.tap_config(detect_deletes=False, **setting), streams=ORDERS)
    assert run.returncode == 0, run.describe()
    assert "OPTIONS order" not in requests(sb)
    assert plan_lines(run) == [f"orders: load plan search ({next(iter(setting))} is set)"]


class PlanStates:
    """A kill point: once ``count`` STATE messages have recorded the plan's progress."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.seen: set[int] = set()

    def __call__(self, message: dict) -> bool:
        entry = (message.get("value") or {}).get("bookmarks", {}).get("orders") or {}
        if message.get("type") == "STATE" and entry.get("plan"):
            self.seen.add(entry["plan"]["after_id"])
        return len(self.seen) >= self.count


KILLS = {
    "before-first-state": lambda: lambda m: m.get("type") == "RECORD" and m["stream"] == "orders",
    "mid-plan": lambda: PlanStates(4),
    "after-plan": lambda: lambda m: m.get("type") == "STATE" and bookmark(m["value"]) is not None,
}


@pytest.mark.parametrize("start_date", [False, True], ids=["no-start-date", "start-date"])
@pytest.mark.parametrize("kill", list(KILLS))
def test_a_killed_options_load_resumes_after_its_last_batch(
    make_sandbox, tmp_path, kill, start_date
):
    """SIGKILL at a point of a first load, rerun from the last STATE: every order emitted,
    none twice beyond one batch per slot in flight; a plan under way resumes after its last
    id with the first answer's time for the bookmark."""
    batch, parallel = 100, 2
    sb = make_sandbox(seed=65, sizes={"orders": 1500}, latency=0.01, **UNTHROTTLED)
    settings = {
        "id_batch_size": batch,
        "max_parallel_requests": parallel,
        "lookback_minutes": LOOKBACK,
        "detect_deletes": False,
    }
    config = sb.tap_config(**settings) if start_date else without_start(sb, **settings)
    catalog = selected_catalog(frozenset(ORDERS))
    first = run_tap_until(tmp_path, config, KILLS[kill](), sig=signal.SIGKILL, catalog=catalog)
    state = first.last_state() or None
    second = run_tap(tmp_path, config, state=state, catalog=catalog, name="resumed")
    assert second.returncode == 0, second.describe()
    truth = norm_keys(sb.primary_keys("orders"))
    emitted = Counter(first.keys("orders")) + Counter(second.keys("orders"))
    assert set(emitted) == truth, f"lost {len(truth - set(emitted))}"
    twice = sum(n - 1 for n in emitted.values())
    assert twice <= batch * parallel, f"{twice} orders emitted twice"
    rows = set(first.keys("order_rows")) | set(second.keys("order_rows"))
    assert rows == norm_keys(sb.primary_keys("order_rows"))
    plan = (state or {}).get("bookmarks", {}).get("orders", {}).get("plan")
    if kill == "mid-plan":
        assert plan is not None, state
        [line] = plan_lines(second)
        assert line.startswith(f"orders: load plan OPTIONS, resumed after id {plan['after_id']}")
        assert min(k[0] for k in second.keys("orders")) > plan["after_id"]
        mark = instant(bookmark(second.last_state()))
        lookback = dt.timedelta(minutes=LOOKBACK)
        assert mark == instant(plan["answered_at"]) - lookback  # the first answer's time
    print(
        f"{kill} start_date={start_date}: run 1 {len(first.keys('orders'))}, run 2 "
        f"{len(second.keys('orders'))} of {len(truth)} orders, {twice} twice"
    )


def test_a_plan_the_bookmark_has_passed_is_not_resumed(make_sandbox, tmp_path):
    """A state merged from a killed load and a later complete run (a state backend may merge
    partial states): the bookmark already covers the plan, so the searches run from it and
    their bookmark ends the plan; a plan with no bookmark past it resumes."""
    sb = make_sandbox(seed=67, sizes={"orders": 600}, **UNTHROTTLED)
    config = without_start(sb, detect_deletes=False, lookback_minutes=0)
    plan = {"answered_at": "2024-01-01T00:00:00.000Z", "after_id": 0, "since": None}
    recent = dt.datetime.now(UTC) - dt.timedelta(days=30)
    entry = {
        "replication_key": "updatedOn",
        "replication_key_value": recent.isoformat(),
        "plan": plan,
    }
    run = run_tap(tmp_path, config, streams=ORDERS, state={"bookmarks": {"orders": entry}})
    assert run.returncode == 0, run.describe()
    assert plan_lines(run)[0].startswith("orders: load plan search ("), plan_lines(run)
    assert "plan" not in run.last_state()["bookmarks"]["orders"]
    assert set(run.keys("orders")) == in_window(sb, recent)

    alone = {"bookmarks": {"orders": {"plan": plan}}}
    run = run_tap(tmp_path, config, streams=ORDERS, state=alone, name="resumed")
    assert run.returncode == 0, run.describe()
    assert plan_lines(run)[0].startswith("orders: load plan OPTIONS, resumed after id 0")
    assert instant(bookmark(run.last_state())) == dt.datetime(2024, 1, 1, tzinfo=UTC)


def test_records_created_changed_and_deleted_during_a_plan(make_sandbox, tmp_path):
    """While an OPTIONS load runs the sandbox creates, changes and deletes orders. Nothing that
    existed before and after is lost; what was created or changed during it is emitted by it or
    found by the next run's searches (the bookmark is the answer's time); what was deleted is
    not emitted by later runs, and the next run's sweep reports what vanished."""
    sb = make_sandbox(
        seed=66, sizes={"orders": 2500}, mutate=True, mutations_per_request=4, **UNTHROTTLED
    )
    before = norm_keys(sb.primary_keys("orders"))
    config = without_start(sb, id_batch_size=50, lookback_minutes=0)
    streams = {*ORDERS, "deleted_records"}
    first = run_tap(tmp_path, config, streams=streams)
    assert first.returncode == 0, first.describe()
    assert sb.counters().get("mutations", 0) > 50, "the sandbox did not mutate"
    assert plan_lines(first)[0].startswith("orders: load plan OPTIONS (")
    after_first = norm_keys(sb.primary_keys("orders"))
    lost = (before & after_first) - set(first.keys("orders"))
    assert not lost, f"lost {len(lost)}"
    assert set(first.keys("orders")) <= before | after_first

    sb.configure(mutate=False)
    with sb.store.lock:
        latest = {(o["id"],): o["updated"] for o in sb.store.orders.values()}
    second = run_tap(tmp_path, config, streams=streams, state=first.last_state(), name="next")
    assert second.returncode == 0, second.describe()
    emitted: dict[tuple, dt.datetime] = {}
    for record in first.records("orders") + second.records("orders"):
        emitted[(record["id"],)] = instant(record["updatedOn"])
    assert set(latest) <= set(emitted), "a record created during the plan was never emitted"
    stale = [k for k, ms in latest.items() if emitted[k].timestamp() * 1000 < ms - 999]
    assert not stale, f"{len(stale)} orders changed during the plan kept an older version"
    gone = before - after_first
    assert gone, "nothing was deleted: the test would prove nothing"
    assert not gone & set(second.keys("orders"))
    reported = {r["id"] for r in second.records("deleted_records") if r["stream"] == "orders"}
    assert reported <= {k[0] for k in gone | (set(first.keys("orders")) - after_first)}
    assert reported, "the next run's sweep reported nothing"


def test_a_refused_options_falls_back_to_the_searches(caplog):
    """A staff member who may not ask OPTIONS (403): one warning, then the searches."""

    def refuse(handler) -> None:
        body = b'{"errors":[{"code":"GWY-403","message":"Forbidden"}]}'
        handler.send_response(403)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    caplog.set_level(logging.INFO, logger="tap-brightpearl")
    with Replay(load_catalogue()) as replay:
        replay.server.RequestHandlerClass.do_OPTIONS = refuse  # type: ignore[attr-defined]
        messages = replay_sync(replay, {"orders"}, start_date=None)
    orders = [m for m in messages if m["type"] == "RECORD" and m["stream"] == "orders"]
    assert orders, "the searches found no order"
    assert "order-service/order-search" in replay.requests
    warnings = [r.getMessage() for r in caplog.records if "OPTIONS failed" in r.getMessage()]
    assert warnings == [
        "orders: OPTIONS failed (HTTP 403 from /public-api/replay/order-service/"
        "order: GWY-403 Forbidden); the searches run instead"
    ], warnings
    assert any("orders: load plan search (" in r.getMessage() for r in caplog.records)
