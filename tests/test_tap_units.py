"""Unit tests of the tap's pure functions: paging plan, windows, timestamps, settings, budget."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from tap_brightpearl.auth import parse_expires_at, resolve_auth_method
from tap_brightpearl.budget import RequestBudget
from tap_brightpearl.conform import Conformer
from tap_brightpearl.pagination import Cursor, plan_page
from tap_brightpearl.records import map_to_rows, parse_instant, to_utc
from tap_brightpearl.settings import pan_env_config, settings_errors
from tap_brightpearl.streams.kinds import WindowPlanner, format_idset

UTC = dt.timezone.utc

# -- the paging plan ------------------------------------------------------------------------


def test_first_page_takes_all_and_overlaps_next():
    plan = plan_page(Cursor(), 1, [1, 2, 3, 4, 5], 5, True, 12)
    assert plan.take_from == 0
    assert plan.next_first_result == 5  # starts on the last row taken (the anchor)
    assert plan.cursor.last_key == 5


def test_anchored_page_drops_the_overlap():
    plan = plan_page(Cursor(last_key=5), 5, [5, 6, 7, 8, 9], 5, True, 12)
    assert plan.take_from == 1
    assert plan.next_first_result == 9
    assert plan.cursor.last_key == 9


def test_short_page_ends_without_extra_request():
    plan = plan_page(Cursor(last_key=9), 9, [9, 10, 11], 5, False, 11)
    assert plan.take_from == 1
    assert plan.next_first_result is None


def test_more_pages_false_ends_even_when_full():
    plan = plan_page(Cursor(), 1, [1, 2, 3], 3, False, 3)
    assert plan.next_first_result is None


def test_untrusted_metadata_pages_while_full():
    plan = plan_page(Cursor(), 1, [1, 2, 3], 3, False, 500, trust_metadata=False)
    assert plan.next_first_result == 3
    end = plan_page(plan.cursor, 3, [3, 4], 3, True, 500, trust_metadata=False)
    assert end.next_first_result is None
    assert end.take_from == 1


def test_shifted_page_is_discarded_and_steps_back():
    """Two rows before the anchor vanished: the page starts past the last key."""
    cursor = Cursor(last_key=5, available=12)
    plan = plan_page(cursor, 5, [8, 9, 10, 11, 12], 5, True, 10)
    assert plan.take_from == 5  # nothing emitted from an unanchored page
    assert plan.next_first_result == 3  # stepped back by the shrink of resultsAvailable
    assert plan.cursor.last_key == 5


def test_step_back_doubles_and_stops_at_one():
    cursor = Cursor(last_key=50, step=4, available=100)
    plan = plan_page(cursor, 20, [60, 61], 10, True, 100)
    assert plan.next_first_result == 12  # 20 - 8
    plan = plan_page(Cursor(last_key=50, step=8), 5, [60], 10, True, 100)
    assert plan.next_first_result == 1
    at_one = plan_page(Cursor(last_key=50, step=8), 1, [60, 61], 10, False, 2)
    assert at_one.take_from == 0  # at firstResult 1 the anchor holds by definition
    assert at_one.next_first_result is None


def test_step_back_is_capped_at_a_page():
    plan = plan_page(Cursor(last_key=5, step=400, available=0), 900, [9], 10, True, 0)
    assert plan.next_first_result == 900 - 9


def test_empty_page_never_loops():
    assert plan_page(Cursor(), 1, [], 500, False, 0).next_first_result is None
    back = plan_page(Cursor(last_key=7), 7, [], 5, False, 0)
    assert back.next_first_result is not None
    assert back.next_first_result < 7


def test_page_size_one_moves_forward():
    plan = plan_page(Cursor(last_key=3), 3, [4], 1, True, 10)
    assert plan.next_first_result == 4


def test_composite_keys_compare_as_tuples():
    plan = plan_page(Cursor(last_key=(1, 9)), 4, [(1, 9), (2, 1), (2, 3)], 3, True, 9)
    assert plan.take_from == 1
    assert plan.cursor.last_key == (2, 3)


def _page_through(live: list[int], page_size: int, mutate, trust=True) -> list[int]:
    """Drive plan_page against an in-memory sorted 'server' mutated before every request."""
    taken: list[int] = []
    cursor, first, requests = Cursor(), 1, 0
    while first is not None:
        mutate(live)
        requests += 1
        assert requests < 10_000, "paging did not terminate"
        rows = sorted(live)
        page = rows[first - 1 : first - 1 + page_size]
        more = first - 1 + len(page) < len(rows)
        plan = plan_page(cursor, first, page, page_size, more, len(rows), trust_metadata=trust)
        taken.extend(page[plan.take_from :])
        cursor, first = plan.cursor, plan.next_first_result
    return taken


@pytest.mark.parametrize("seed", range(40))
def test_no_loss_under_random_deletes_and_inserts(seed):
    """Every row present before and after paging is taken exactly once."""
    rnd = random.Random(seed)
    live = list(range(1, 400))
    before = set(live)
    ever = set(live)
    next_id = [1000]

    def mutate(rows):
        for _ in range(rnd.randint(0, 4)):
            if rnd.random() < 0.6 and rows:
                rows.remove(rnd.choice(rows))
            else:  # a new record: at the end, or (an update into the range) anywhere
                new = rnd.choice([next_id[0], rnd.randint(1, 999)])
                next_id[0] += 1
                if new not in ever:
                    ever.add(new)
                    rows.append(new)

    taken = _page_through(live, rnd.choice([7, 25, 50]), mutate, trust=rnd.random() < 0.7)
    assert len(taken) == len(set(taken)), "duplicates emitted"
    assert before & set(live) <= set(taken)


def test_plain_offset_paging_would_lose_rows():
    """The check above can fail: without the anchor a deletion before the offset loses a row."""
    live = list(range(1, 21))
    taken = []
    for first in (1, 6, 11, 16):
        if first == 6:
            live.remove(2)
        taken += sorted(live)[first - 1 : first + 4]
    assert 6 not in taken


# -- windows, ids, timestamps -------------------------------------------------------------


def test_windows_cover_the_range_and_end_open():
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    stop = dt.datetime(2024, 3, 15, tzinfo=UTC)
    planner = WindowPlanner(start, stop, 30, page_size=500)
    windows = []
    for w in planner:
        windows.append(w)
        planner.feedback(1000)  # >= a page and <= 20 pages: size stays
    assert windows[0].start == start
    assert [w.end for w in windows[:-1]] == [w.start for w in windows[1:]]
    assert windows[-1].end is None
    assert windows[0].value() == "2024-01-01T00:00:00.000Z/2024-01-31T00:00:01.000Z"
    assert windows[-1].value().endswith("/")


def test_windows_grow_when_sparse_and_shrink_when_dense():
    start, stop = dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2030, 1, 1, tzinfo=UTC)
    planner = WindowPlanner(start, stop, 10, page_size=100)
    spans = []
    for i, w in enumerate(planner):
        if w.end:
            spans.append((w.end - w.start).days)
        planner.feedback(5 if i < 3 else 5000)
        if i > 6:
            break
    assert spans[:4] == [10, 20, 40, 80]
    assert spans[5] < spans[4]


def test_unset_days_fit_the_windows_to_the_backfills_count():
    start, stop = dt.datetime(2023, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 1, tzinfo=UTC)
    planner = WindowPlanner(start, stop, None, page_size=500)
    assert planner.splits
    planner.fit(31_000)  # 15.5 pages of 499 new rows each is a quarter of it
    assert planner.span == (stop - start) * (15.5 * 499 / 31_000)
    windows = list(planner)
    assert len(windows) == 4
    assert windows[-1].end is None

    fixed = WindowPlanner(start, stop, 30, page_size=500)
    fixed.fit(31_000)  # window_days given: the count changes nothing
    assert fixed.span == dt.timedelta(days=30)
    one = WindowPlanner(start, stop, 0, page_size=500)
    assert not one.splits
    assert len(list(one)) == 1


def test_no_start_means_one_unfiltered_window():
    planner = WindowPlanner(None, dt.datetime(2024, 1, 1, tzinfo=UTC), 30, 500)
    windows = list(planner)
    assert len(windows) == 1
    assert windows[0].filter("updatedOn") == {}


def test_format_idset():
    assert format_idset([5, 1, 2, 3, 9, 10]) == "1-3,5,9-10"
    assert format_idset([7]) == "7"


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("2022-01-26T10:39:46.000-06:00", "2022-01-26T16:39:46.000Z"),
        ("2013-05-23T22:14:06.000Z", "2013-05-23T22:14:06.000Z"),
        ("2025-08-28T14:59:22.970+01:00", "2025-08-28T13:59:22.970Z"),
        ("2020-03-31T00:00:00.000+0000", "2020-03-31T00:00:00.000Z"),
        ("2015-01-01T23:59:59:999Z", "2015-01-01T23:59:59.999Z"),
        ("2024-05-01T09:12:44", "2024-05-01T09:12:44.000Z"),
    ],
)
def test_to_utc(raw, utc):
    assert to_utc(raw) == utc


def test_conformer_shapes_declared_fields():
    schema = {"properties": {
        "when": {"type": ["string", "null"], "format": "date-time"},
        "rate": {"type": ["string", "null"], "format": "singer.decimal"},
        "code": {"type": ["string", "null"]},
        "count": {"type": ["integer", "null"]},
        "nested": {"type": "object", "properties": {
            "at": {"type": "string", "format": "date-time"}}},
        "lines": {"type": "array", "items": {"type": "object", "properties": {
            "qty": {"type": "string", "format": "singer.decimal"}}}},
        "custom": {"type": ["object", "null"]},
    }}
    record = {"when": "2024-01-01T01:00:00.000+01:00", "rate": Decimal("20.0"), "code": 10,
              "count": "4010", "nested": {"at": "2024-01-01T00:00:00Z"},
              "lines": [{"qty": 3}, {"qty": "1.5"}],
              "custom": {"PCF_DATE": "2024-01-01T00:00:00.000-06:00", "PCF_TEXT": "x"}}
    conformer = Conformer("s", schema)
    assert conformer(record) == {
        "when": "2024-01-01T00:00:00.000Z", "rate": "20.0", "code": "10", "count": 4010,
        "nested": {"at": "2024-01-01T00:00:00.000Z"}, "lines": [{"qty": "3"}, {"qty": "1.5"}],
        "custom": {"PCF_DATE": "2024-01-01T06:00:00.000Z", "PCF_TEXT": "x"}}
    assert not conformer.widened


def test_conformer_widens_without_losing_leading_zeros():
    schema = {"properties": {"code": {"type": ["integer", "null"]}}}
    conformer = Conformer("s", schema)
    assert conformer({"code": "0010"}) == {"code": "0010"}
    assert conformer.schema["properties"]["code"] == {"type": ["string", "null"]}
    assert conformer({"code": 7}) == {"code": "7"}  # a number for a string field: converted


@pytest.mark.parametrize(("text", "utc"), [
    ("2024-05-01", "2024-05-01T00:00:00.000Z"),
    ("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00.000Z"),
    ("2024-05-01T09:12:44.123Z", "2024-05-01T09:12:44.123Z"),
])
def test_parse_instant(text, utc):
    assert parse_instant(text).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" == utc


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "2024-5-1", "soon", "P1D"])
def test_parse_instant_rejects_typos(text):
    with pytest.raises(ValueError):
        parse_instant(text)


def test_map_to_rows():
    assert map_to_rows({"7": {"a": 1}}, "id") == [{"a": 1, "id": 7}]


# -- settings and auth helpers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "epoch"),
    [
        (1_800_000_000, 1_800_000_000.0),
        (1_800_000_000_000, 1_800_000_000.0),
        ("1800000000", 1_800_000_000.0),
        ("2027-01-15T08:00:00Z", dt.datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()),
        ("2027-01-15T09:00:00+01:00", dt.datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()),
        (None, None),
    ],
)
def test_parse_expires_at(value, epoch):
    assert parse_expires_at(value) == epoch


def test_auth_method_is_inferred():
    assert resolve_auth_method({"staff_token": "x"}) == "staff_token"
    assert resolve_auth_method({"account_token": "x"}) == "account_token"
    assert resolve_auth_method({"oauth_refresh_token": "x", "staff_token": "y"}) == "oauth"
    assert resolve_auth_method({"auth_method": "account_token"}) == "account_token"
    assert resolve_auth_method({}) is None


def test_pan_env_config_maps_secret_names():
    env = {"PAN_SEC_BRIGHTPEARL-STAFF_TOKEN": "s", "PAN_SEC_BRIGHTPEARL-OAUTH_EXPIRES_AT": "1",
           "PAN_SEC_OTHER": "x", "PAN_SEC_BRIGHTPEARL-OAUTH_ACCOUNT": ""}
    assert pan_env_config(env) == {"staff_token": "s", "oauth_expires_at": "1"}


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"account_code": "a", "app_ref": "r"}, "staff_token"),
        ({"account_code": "a", "app_ref": "r", "auth_method": "oauth", "staff_token": "s"},
         "oauth_access_token"),
        ({"account_code": "a", "staff_token": "s"}, "app_ref"),
        ({"app_ref": "r", "staff_token": "s"}, "account_code"),
        ({"account_code": "a", "app_ref": "r", "staff_token": "s", "oauth_expires_at": "soon"},
         "oauth_expires_at"),
    ],
)
def test_settings_errors_name_the_setting(config, setting):
    errors = settings_errors(config)
    assert errors
    assert setting in errors[0]


def test_valid_settings_have_no_errors():
    assert settings_errors({"account_code": "a", "app_ref": "r", "staff_token": "s"}) == []


# -- the request budget ---------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_budget_waits_when_the_pool_is_spent():
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    budget.acquire()
    budget.observe({"brightpearl-requests-remaining": "1",
                    "brightpearl-next-throttle-period": "4000"})
    budget.finished()
    budget.acquire()  # the one left
    assert ft.slept == []
    budget.acquire()  # pool spent (the last request is still in flight): wait, then one probe
    assert ft.slept == [pytest.approx(4.0)]
    budget.acquire()  # no headers from the probe yet: wait a little for them
    assert ft.slept[1:] == [pytest.approx(0.5)]
    budget.observe({"brightpearl-requests-remaining": "150",
                    "brightpearl-next-throttle-period": "60000"})
    for _ in range(3):
        budget.finished()
    budget.acquire()  # the probe's headers opened the pool again
    budget.acquire()
    assert len(ft.slept) == 2


def test_budget_counts_requests_in_flight():
    """A response's count may not include requests sent after it: they are held back."""
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    for _ in range(3):
        budget.acquire()  # three in flight
    budget.observe({"brightpearl-requests-remaining": "3",
                    "brightpearl-next-throttle-period": "2000"})
    budget.finished()  # the first is answered: 3 left, 2 still in flight, 1 more may go
    budget.acquire()
    assert ft.slept == []
    budget.acquire()
    assert ft.slept == [pytest.approx(2.0)]


def test_budget_keeps_max_requests_per_minute():
    ft = FakeTime()
    budget = RequestBudget(3, clock=ft.clock, sleep=ft.sleep)
    sent = []
    for _ in range(7):
        budget.acquire()
        sent.append(ft.now)
        ft.now += 1
    for i, t0 in enumerate(sent):
        assert sum(1 for t1 in sent[i:] if t1 < t0 + 60) <= 3


def test_throttle_wait_uses_next_throttle_period():
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    wait = budget.throttled({"brightpearl-next-throttle-period": "2500"}, "/x")
    assert wait == pytest.approx(2.5)
    assert ft.slept == [pytest.approx(2.5)]
    assert budget.throttle_waits == 1
