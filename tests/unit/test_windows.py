"""Date windows of an incremental search (``kinds.windows``) and ID-set strings."""

from __future__ import annotations

import datetime as dt

from tap_brightpearl.kinds import WindowPlanner, format_idset

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
