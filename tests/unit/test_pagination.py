"""The paging plan (``pagination.plan_page``): anchored pages lose no row and repeat none."""

from __future__ import annotations

import random

import pytest

from tap_brightpearl.kinds.pagination import Cursor, SearchPaginator, plan_page, read_page


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


# -- reading a page: rows zipped with their columns, the overlap dropped, the next position --


def body(rows: list[list], *, available: int, more: bool = True) -> dict:
    """A search response's ``response`` object with columns id, updatedOn."""
    return {
        "results": rows,
        "metaData": {
            "resultsAvailable": available,
            "morePagesAvailable": more,
            "columns": [{"name": "id"}, {"name": "updatedOn"}],
        },
    }


def test_read_page_zips_rows_and_drops_the_overlap():
    first = read_page(body([[1, "a"], [2, "b"], [3, "c"]], available=5), ("id",), Cursor(), 1, 3)
    assert first.records == [
        {"id": 1, "updatedOn": "a"},
        {"id": 2, "updatedOn": "b"},
        {"id": 3, "updatedOn": "c"},
    ]
    assert first.next_first_result == 3  # one row of overlap, the anchor
    assert first.cursor == Cursor(last_key=3, step=0, available=5)
    last = read_page(
        body([[3, "c"], [4, "d"]], available=5, more=False), ("id",), first.cursor, 3, 3
    )
    assert last.records == [{"id": 4, "updatedOn": "d"}]
    assert last.next_first_result is None


def test_read_page_refuses_a_page_it_cannot_page_safely():
    with pytest.raises(ValueError, match="no orderId column"):
        read_page(body([[1, "a"]], available=1), ("orderId",), Cursor(), 1, 3)
    with pytest.raises(ValueError, match="did not sort by id"):
        read_page(body([[2, "a"], [1, "b"]], available=2), ("id",), Cursor(), 1, 3)
    empty = read_page({}, ("id",), Cursor(), 1, 3)  # no rows, no columns: the end
    assert empty.records == []
    assert empty.next_first_result is None


def test_read_page_by_two_columns():
    rows = [[1, "a"], [1, "b"], [2, "a"]]
    page = read_page(body(rows, available=9), ("id", "updatedOn"), Cursor(), 1, 3)
    assert page.cursor.last_key == (2, "a")
    assert page.next_first_result == 3


def test_the_paginator_reads_pages_and_names_the_pages_ahead():
    paginator = SearchPaginator(3, ("id",))
    assert list(paginator.expected_after(1)) == []  # nothing read yet: no count
    records = paginator.read(body([[1, "a"], [2, "b"], [3, "c"]], available=10))
    assert [r["id"] for r in records] == [1, 2, 3]
    assert paginator.available == 10
    assert list(paginator.expected_after(1)) == [3, 5, 7, 9]
    assert list(paginator.expected_after(3)) == []  # not the page paging is on
    assert paginator.get_next(None) == 3  # type: ignore[arg-type]  # the response is unused

    untrusted = SearchPaginator(3, ("id",), trust_metadata=False)
    untrusted.read(body([[1, "a"], [2, "b"], [3, "c"]], available=10))
    assert list(untrusted.expected_after(1)) == []  # its count may be stuck
