"""Date windows of an incremental search (``kinds.windows``) and ID-set strings."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_brightpearl.kinds import WindowPlanner, format_idset
from tap_brightpearl.kinds.windows import FIT_PAGES, SHRINK_ABOVE_PAGES, Window

UTC = dt.timezone.utc


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


# -- backfills in bounded windows: planned from the first record, split when too big ----------

DAY = dt.timedelta(days=1)


def drive(
    planner: WindowPlanner, dates: list[dt.datetime], *, dated: bool = True
) -> tuple[list, int]:
    """Run the planner as ``SearchStream.window_rows`` does over records dated ``dates``
    (ascending, as their ids are): ``dated`` False when the rows carry no date (GET later).

    Returns the windows paged, each with its row count, and the first pages spent on splits.
    """

    def rows_in(w: Window) -> list[dt.datetime]:
        hi = w.end + dt.timedelta(seconds=1) if w.end else None  # Window.value's 1 s
        return [d for d in dates if (w.start is None or d >= w.start) and (hi is None or d <= hi)]

    paged, splits = [], 0
    for window in planner:
        found = rows_in(window)
        count, first = len(found), (found[0] if found and dated else None)
        if planner.split(window, count, first):
            splits += 1
            continue
        paged.append((window, count))
        planner.feedback(count)
    return paged, splits


def assert_contiguous(paged: list, start: dt.datetime | None) -> None:
    windows = [w for w, _ in paged]
    assert windows[0].start == start
    assert [w.end for w in windows[:-1]] == [w.start for w in windows[1:]]


def test_a_backfill_without_start_goes_in_windows_from_its_first_record():
    first, stop = dt.datetime(2023, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)
    dates = [first + i * dt.timedelta(hours=3) for i in range(8760)]  # 3 years, evenly
    planner = WindowPlanner(None, stop, None, page_size=100)
    assert planner.splits
    planner.fit(len(dates), first)
    paged, splits = drive(planner, dates)
    assert_contiguous(paged, None)
    assert paged[0][0].value().startswith("/")  # from the beginning: nothing before is missed
    assert paged[-1][0].end is None
    assert sum(n for _, n in paged) >= len(dates)
    assert max(n for _, n in paged) <= SHRINK_ABOVE_PAGES * 100
    assert len(paged) == pytest.approx(len(dates) / (FIT_PAGES * 99), abs=1)
    assert splits == 0


def test_a_start_years_before_the_first_record_costs_no_empty_windows():
    start, stop = dt.datetime(2010, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)
    first = dt.datetime(2025, 1, 1, tzinfo=UTC)
    dates = [first + i * dt.timedelta(hours=1) for i in range(8000)]
    planner = WindowPlanner(start, stop, None, page_size=100)
    planner.fit(len(dates), first)
    paged, splits = drive(planner, dates)
    assert_contiguous(paged, start)
    assert max(n for _, n in paged) <= SHRINK_ABOVE_PAGES * 100
    assert sum(1 for _, n in paged if n == 0) <= 1
    assert splits <= 1


def test_a_window_too_big_is_split_before_it_is_paged():
    """Every record in the last month of ten years, the first record unknown (no date)."""
    start, stop = dt.datetime(2016, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)
    dates = [stop - DAY * 30 + i * dt.timedelta(minutes=10) for i in range(4000)]
    planner = WindowPlanner(start, stop, None, page_size=100)
    planner.fit(len(dates))  # sized as if spread evenly: the open last window holds all
    paged, splits = drive(planner, dates, dated=False)
    assert_contiguous(paged, start)
    assert max(n for _, n in paged) <= SHRINK_ABOVE_PAGES * 100
    assert 1 <= splits <= 12  # halved: log2(10 years / a month) and a few
    assert len(paged) < 20  # the empty years double their windows away

    dated = WindowPlanner(start, stop, None, page_size=100)
    dated.fit(len(dates))
    paged, splits = drive(dated, dates)  # the rows show their date: sized from the first
    assert max(n for _, n in paged) <= SHRINK_ABOVE_PAGES * 100
    assert splits <= 2

    fixed = WindowPlanner(start, stop, 365, page_size=100)  # window_days: split all the same
    paged, splits = drive(fixed, dates)
    assert max(n for _, n in paged) <= SHRINK_ABOVE_PAGES * 100
    assert splits >= 1


def test_a_burst_in_one_hour_is_paged_whatever_its_count():
    stop = dt.datetime(2026, 1, 1, tzinfo=UTC)
    burst = [stop - DAY + dt.timedelta(seconds=i) for i in range(3000)]
    planner = WindowPlanner(stop - DAY * 400, stop, None, page_size=100)
    planner.fit(len(burst))
    paged, splits = drive(planner, burst)
    assert sum(n for _, n in paged) == len(burst)
    assert splits < 10  # halving at least, down to MIN_WINDOW: it ends
    assert max(n for _, n in paged) == len(burst)  # all in one window: paged all the same


def test_a_closed_plan_ends_at_stop_and_a_bookmark_past_it_is_empty():
    start, end = dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 7, 1, tzinfo=UTC)
    planner = WindowPlanner(start, end, 30, page_size=500, closed=True)
    assert planner.whole() == Window(start, end)
    windows = list(planner)
    assert windows[-1].end == end
    assert all(w.end is not None and w.end <= end for w in windows)
    assert not planner.empty
    assert WindowPlanner(end, end, None, 500, closed=True).empty
    assert not WindowPlanner(end, end, None, 500).empty  # open: up to now, never empty
    assert WindowPlanner(None, end, None, 500, closed=True).whole().value().startswith("/")
