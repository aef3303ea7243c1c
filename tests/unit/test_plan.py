"""Load-plan arithmetic and the window filter of an OPTIONS load (``kinds/plan.py``), and the
run's one-answer-per-key memo (``run_context.Once``) across threads.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from tap_brightpearl.kinds.plan import options_cost, search_cost, within
from tap_brightpearl.run_context import Once

SINCE = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
KEYS = ("createdOn", "updatedOn")


def test_costs_match_the_issue_figures():
    """30,000 orders: OPTIONS + GETs 151 requests; searches (499 new ids a page) + GETs 211."""
    assert options_cost(30_000, 200) == 151
    assert search_cost(30_000, 500, 200) == 61 + 150
    assert options_cost(0, 200) == 1
    assert search_cost(0, 500, 200) == 1  # a search costs its first page, empty or not


@pytest.mark.parametrize(
    ("record", "kept"),
    [
        ({"createdOn": "2024-06-01T00:00:00.000+00:00", "updatedOn": None}, True),
        ({"createdOn": "2024-05-31T23:59:59.000Z", "updatedOn": "2024-05-31T23:59:59Z"}, False),
        ({"createdOn": "2024-01-01T00:00:00Z", "updatedOn": "2024-06-02T01:00:00+01:00"}, True),
        ({"createdOn": "2024-06-01T00:30:00+01:00", "updatedOn": None}, False),  # 23:30 UTC
        ({"createdOn": "2024-01-01T00:00:00Z"}, False),
        ({}, True),  # no dates: kept (one too many loses nothing)
        ({"createdOn": "garbled", "updatedOn": "2024-01-01T00:00:00Z"}, True),
    ],
)
def test_an_options_load_keeps_what_was_created_or_changed_in_the_window(record, kept):
    assert within(record, SINCE, KEYS) is kept


def test_once_asks_one_time_per_key_even_from_many_threads():
    once = Once()
    calls: list[str] = []

    def ask(key: str):
        def slow() -> str:
            calls.append(key)
            time.sleep(0.05)  # long enough for every thread to be waiting
            return key.upper()

        return slow

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda k=k: results.append(once.get(k, ask(k))))
        for k in ("order", "order", "product", "order", "product")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(calls) == ["order", "product"]
    assert sorted(results) == ["ORDER"] * 3 + ["PRODUCT"] * 2


def test_once_keeps_no_failed_answer():
    once = Once()

    def fail() -> str:
        raise ValueError("no getUris")

    with pytest.raises(ValueError, match="no getUris"):
        once.get("order", fail)
    assert once.get("order", lambda: "asked again") == "asked again"
