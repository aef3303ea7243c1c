"""Records shaped to the declared schema (``conform.Conformer``), widened rather than lost."""

from __future__ import annotations

from decimal import Decimal

from tap_brightpearl.conform import Conformer


def test_conformer_shapes_declared_fields():
    schema = {
        "properties": {
            "when": {"type": ["string", "null"], "format": "date-time"},
            "rate": {"type": ["string", "null"], "format": "singer.decimal"},
            "code": {"type": ["string", "null"]},
            "count": {"type": ["integer", "null"]},
            "nested": {
                "type": "object",
                "properties": {"at": {"type": "string", "format": "date-time"}},
            },
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"qty": {"type": "string", "format": "singer.decimal"}},
                },
            },
            "custom": {"type": ["object", "null"]},
        }
    }
    record = {
        "when": "2024-01-01T01:00:00.000+01:00",
        "rate": Decimal("20.0"),
        "code": 10,
        "count": "4010",
        "nested": {"at": "2024-01-01T00:00:00Z"},
        "lines": [{"qty": 3}, {"qty": "1.5"}],
        "custom": {"PCF_DATE": "2024-01-01T00:00:00.000-06:00", "PCF_TEXT": "x"},
    }
    conformer = Conformer("s", schema)
    assert conformer(record) == {
        "when": "2024-01-01T00:00:00.000Z",
        "rate": "20.0",
        "code": "10",
        "count": 4010,
        "nested": {"at": "2024-01-01T00:00:00.000Z"},
        "lines": [{"qty": "3"}, {"qty": "1.5"}],
        "custom": {"PCF_DATE": "2024-01-01T06:00:00.000Z", "PCF_TEXT": "x"},
    }
    assert not conformer.widened
