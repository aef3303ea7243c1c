"""``end_date`` re-extracts a period: the exclusive end of every incremental search.

``start_date`` + ``end_date`` emit exactly the records whose replication key falls in
[start_date, end_date), over search-only streams and search -> GET streams (both their created
windows and their changed-since search); the bookmark stops at ``end_date``; a rerun with the
same settings emits nothing new. Full-table streams ignore it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import UNTHROTTLED, norm, norm_keys, run_tap, truth

START, END = "2024-03-01T00:00:00Z", "2025-03-01T00:00:00Z"
INCREMENTAL = ("journal_rows", "order_notes", "orders", "goods_out_notes")
CHILDREN = ("order_rows",)  # the rows of the orders emitted, no others
FULL_TABLE = ("brands", "nominal_codes")
STREAMS = {*INCREMENTAL, *CHILDREN, *FULL_TABLE}


def period(sb, stream: str) -> set[tuple]:
    """The sandbox's records of ``stream`` whose replication key is in [START, END)."""
    since = norm_keys(sb.changed_since(stream, norm(START)))
    return since - norm_keys(sb.changed_since(stream, norm(END)))


def bookmark(state: dict, stream: str) -> dt.datetime:
    value = state["bookmarks"][stream]["replication_key_value"]
    parsed = norm(value)
    assert isinstance(parsed, dt.datetime), value
    return parsed


@pytest.mark.parametrize("page_size", [500, 15], ids=["one-search", "windows"])
def test_end_date_re_extracts_exactly_a_period(make_sandbox, tmp_path, page_size):
    sb = make_sandbox(
        seed=51, sizes={"orders": 2000, "products": 100, "contacts": 100}, **UNTHROTTLED
    )
    config = sb.tap_config(start_date=START, end_date=END, page_size=page_size)
    run = run_tap(tmp_path, config, streams=STREAMS)
    assert run.returncode == 0, run.describe()
    for stream in (*INCREMENTAL, *CHILDREN):
        keys = run.keys(stream)
        want = period(sb, stream)
        assert want, f"{stream}: no records in the period: the test proves nothing"
        assert len(keys) == len(set(keys)), f"{stream}: duplicates"
        if stream == "goods_out_notes":  # the sandbox's truth: created or shipped since
            outside = [
                r["id"]
                for r in run.records(stream)
                if not norm(START) <= norm(r["createdOn"]) < norm(END)
            ]
            assert not outside, f"{stream}: created outside the period: {outside[:5]}"
            assert want <= set(keys), f"{stream}: missing {sorted(want - set(keys))[:5]}"
            continue
        assert set(keys) == want, (
            f"{stream}: missing {sorted(want - set(keys))[:5]}, "
            f"outside the period {sorted(set(keys) - want)[:5]}"
        )
    for stream in FULL_TABLE:
        assert set(run.keys(stream)) == truth(sb, stream), f"{stream}: not the whole table"
    state = run.last_state()
    for stream in INCREMENTAL:
        assert bookmark(state, stream) == norm(END), f"{stream}: bookmark not at end_date"
        marks = {
            bookmark(s, stream)
            for s in run.states()
            if (s.get("bookmarks", {}).get(stream) or {}).get("replication_key_value")
        }
        assert max(marks) == norm(END), f"{stream}: a bookmark past end_date"
        if len(period(sb, stream)) > 20 * page_size:  # windows, the last closed at END
            assert len(marks) > 1, f"{stream}: one checkpoint only: {marks}"

    before = sb.counters()["requests"]
    again = run_tap(tmp_path, config, state=state, streams=STREAMS, name="again")
    assert again.returncode == 0, again.describe()
    after = sb.counters()["requests"]
    used = {k: after[k] - before.get(k, 0) for k in ("order-search", "journal-search")}
    # as a no-change run: the lookback's few minutes before end_date, one search each (two
    # for orders: created since, and changed since; the second sent early, asked for once)
    assert used == {"order-search": 2, "journal-search": 1}, used
    for stream in INCREMENTAL:
        new = set(again.keys(stream)) - set(run.keys(stream))
        assert not new, f"{stream}: the rerun emitted {len(new)} new records"
        assert bookmark(again.last_state(), stream) == norm(END), f"{stream}: moved past"
    print({s: len(run.keys(s)) for s in STREAMS}, {s: len(again.keys(s)) for s in INCREMENTAL})


def test_end_date_after_now_changes_nothing(make_sandbox, tmp_path):
    """An end_date in the future is no bound: the run goes to its start, as without one."""
    sb = make_sandbox(seed=51, **UNTHROTTLED)
    streams = {"journal_rows", "orders"}
    run = run_tap(tmp_path, sb.tap_config(end_date="2999-01-01T00:00:00Z"), streams=streams)
    assert run.returncode == 0, run.describe()
    since = norm(sb.tap_config()["start_date"])
    for stream in streams:
        assert set(run.keys(stream)) == norm_keys(sb.changed_since(stream, since)), stream
        assert bookmark(run.last_state(), stream) < norm("2999-01-01T00:00:00Z")
