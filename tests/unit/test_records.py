"""Timestamps and record shapes (``records``): to UTC, strict instants, maps to rows."""

from __future__ import annotations

import pytest

from tap_brightpearl.records import map_to_rows, parse_instant, to_utc


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


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-05-01", "2024-05-01T00:00:00.000Z"),
        ("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00.000Z"),
        ("2024-05-01T09:12:44.123Z", "2024-05-01T09:12:44.123Z"),
    ],
)
def test_parse_instant(text, utc):
    assert parse_instant(text).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" == utc


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "2024-5-1", "soon", "P1D"])
def test_parse_instant_rejects_typos(text):
    with pytest.raises(ValueError):
        parse_instant(text)


def test_map_to_rows():
    assert map_to_rows({"7": {"a": 1}}, "id") == [{"a": 1, "id": 7}]
