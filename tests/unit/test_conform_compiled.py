"""The compiled conformer gives what the old walk gave, for every input: the same records, the
same ``_unfit_values`` (in the same order), the same widened schema and SCHEMA copies, the same
lines and the same state, in ``evolve`` and ``ignore`` mode. The old walk is kept as the oracle
in ``conform_reference.py``; one difference is intended and tested on its own (decimal strings
in an array of decimals are kept, not set aside).
"""

from __future__ import annotations

import copy
import logging
import random
from decimal import Decimal
from typing import Any

import pytest
from conform_reference import ReferenceConformer

from tap_brightpearl.conform import EVOLVE, IGNORE, Conformer

NULL = "null"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},  # not nullable: a bad id makes the record unloadable
        "code": {"type": ["string", NULL]},
        "count": {"type": ["integer", NULL]},
        "when": {"type": ["string", NULL], "format": "date-time"},
        "rate": {"type": ["string", NULL], "format": "singer.decimal"},
        "xrate": {"type": ["string", NULL], "format": "x-singer.decimal"},
        "flag": {"type": ["boolean", NULL]},
        "num": {"type": ["number", NULL]},
        "any": {},
        "multi": {"type": ["string", "integer", NULL]},
        "free": {"type": ["object", NULL]},
        "customFields": {"type": ["object", NULL]},
        "open": {
            "type": ["object", NULL],
            "additionalProperties": True,
            "properties": {"a": {"type": ["integer", NULL]}},
        },
        "nested": {
            "type": ["object", NULL],
            "properties": {
                "at": {"type": ["string", NULL], "format": "date-time"},
                "deep": {
                    "type": ["object", NULL],
                    "properties": {"n": {"type": ["integer", NULL]}},
                },
            },
        },
        "rows": {
            "type": ["array", NULL],
            "items": {
                "type": "object",
                "properties": {
                    "qty": {"type": ["string", NULL], "format": "singer.decimal"},
                    "sku": {"type": ["string", NULL]},
                    "at": {"type": ["string", NULL], "format": "date-time"},
                },
            },
        },
        "ints": {"type": ["array", NULL], "items": {"type": "integer"}},
        "tags": {"type": ["array", NULL], "items": {"type": "string"}},
        "anyarr": {"type": ["array", NULL]},
    },
}

TS = "2024-03-01T17:30:00.000-06:00"
TRICKY = [
    {"id": 1, "code": "A", "count": 3, "when": TS, "rate": Decimal("20.0"), "flag": True},
    {"id": "12", "code": 10, "count": "0010", "when": "", "rate": 3, "xrate": Decimal("1E+2")},
    {"id": 2, "count": "-0", "when": "not a time", "num": "1.5", "flag": "yes"},
    {"id": 3, "count": True, "when": 1700000000, "num": Decimal("1.25"), "code": Decimal("7.10")},
    {"id": 4, "code": 1.5, "count": 2.0, "rate": 1.5, "num": 2.5, "flag": 0},
    {"id": 5, "any": {"at": TS, "x": [TS, 1]}, "multi": TS, "anyarr": [TS, {"t": TS}, None]},
    {"id": 6, "free": {"t": TS, "l": [TS, "x"], "n": None}, "customFields": {"PCF_D": TS}},
    {"id": 7, "open": {"a": "5", "b": TS, "c": {"d": TS}}, "nested": {"at": TS, "deep": {"n": 1}}},
    {"id": 8, "nested": {"at": TS, "deep": {"n": "x", "m": 2}, "extra": {"e": [1]}}},
    {"id": 9, "rows": [{"qty": 3, "sku": 5, "at": TS}, None, {"qty": "1.5", "new": True}, 4]},
    {"id": 10, "ints": [1, "2", "x", True, None], "tags": ["a", 5, Decimal("1.0"), False]},
    {"id": 11, "loyalty": "gold", "fulfil": {"on": TS, "slots": 2}, "list": [1, "a"]},
    {"id": 12, "loyalty": True, "fulfil": "text now", "list": {"a": 1}, "count": "x"},
    {"id": 13, "loyalty": 15, "riskScore": Decimal("0.731"), "at2": TS, "loyalty2": 1.5},
    {"id": 14, "loyalty": {"obj": 1}, "_unfit_values": {"earlier": "kept"}, "code": []},
    {"id": 15, "free": [], "customFields": "x", "open": [], "nested": 5, "rows": {"a": 1}},
    {"id": 16, "when": None, "code": None, "rows": None, "nested": None, "extra2": None},
    {"id": "A-1"},
    {"id": None, "code": "x"},
    {"id": 17, "rows": [{"qty": Decimal("2.50"), "at": "2024-01-01 10:00:00"}] * 2},
]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))


def run(
    kind: type[Conformer],
    records: list[dict[str, Any]],
    mode: str,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a conformer's run shows: outputs (or errors), schema, mirror, state, lines."""
    mirror = copy.deepcopy(SCHEMA)
    state = copy.deepcopy(state) if state is not None else {}
    conformer = kind("s", SCHEMA, mode=mode, mirrors=[mirror], state=state)
    handler = Lines()
    logger = logging.getLogger("tap-brightpearl")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    outputs: list[Any] = []
    try:
        for record in copy.deepcopy(records):
            try:
                out = conformer(record)
            except Exception as exc:  # the error is part of the behaviour compared
                outputs.append((type(exc).__name__, str(exc)))
            else:
                outputs.append(
                    (copy.deepcopy(out), list(out.get("_unfit_values", {})), conformer.widened)
                )
                conformer.widened = False
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return {
        "outputs": outputs,
        "schema": conformer.schema,
        "mirror": mirror,
        "state": state,
        "lines": handler.lines,
        "added": sorted(conformer.added),
    }


@pytest.mark.parametrize("mode", [EVOLVE, IGNORE])
def test_each_tricky_record_alone(mode):
    for record in TRICKY:
        assert run(Conformer, [record], mode) == run(ReferenceConformer, [record], mode), record


@pytest.mark.parametrize("mode", [EVOLVE, IGNORE])
def test_the_tricky_records_in_one_run_and_a_later_run(mode):
    """Fields added by one record shape the next ones; a later run reads the state."""
    first = run(Conformer, TRICKY, mode)
    assert first == run(ReferenceConformer, TRICKY, mode)
    assert first["lines"] and any("_unfit_values" in str(o) for o in first["outputs"])
    later = run(Conformer, TRICKY[::-1], mode, state=first["state"])
    assert later == run(ReferenceConformer, TRICKY[::-1], mode, state=first["state"])


POOL: list[Any] = [
    None,
    "",
    "x",
    "0010",
    "42",
    "-7",
    TS,
    "2024-01-01",
    0,
    7,
    -3,
    True,
    False,
    Decimal("1.50"),
    2.5,
    [],
    [1, "a", None],
    [TS],
    {},
    {"k": TS},
    {"n": "3", "z": 1},
    {"at": TS, "deep": {"n": "4"}},
    [{"qty": 1, "sku": "s"}, {"qty": "x", "q2": 1}],
    ["1", 2],
]
KEYS = [*SCHEMA["properties"], "extraA", "extraB", "extra_c"]


def random_record(rng: random.Random, i: int) -> dict[str, Any]:
    record: dict[str, Any] = {"id": i}
    for key in rng.sample(KEYS, rng.randint(0, 8)):
        record[key] = copy.deepcopy(rng.choice(POOL))
    return record


@pytest.mark.parametrize(("mode", "seed"), [(EVOLVE, 1), (IGNORE, 2), (EVOLVE, 3)])
def test_random_records_from_a_pool_of_tricky_values(mode, seed):
    rng = random.Random(seed)
    records = [random_record(rng, i) for i in range(600)]
    compiled = run(Conformer, records, mode)
    assert compiled == run(ReferenceConformer, records, mode)
    assert any("_unfit_values" in str(o) for o in compiled["outputs"])  # drift was exercised


def test_a_field_added_recompiles_the_conformer():
    conformer = Conformer("s", SCHEMA)
    before = conformer.conform
    conformer({"id": 1, "extra": "2024-01-01T00:00:00.000+01:00"})
    assert conformer.conform is not before and conformer.widened
    # the added text field converts its timestamps from the next record on, as before
    assert conformer({"id": 2, "extra": TS})["extra"] == "2024-03-01T23:30:00.000Z"
    assert conformer({"id": 3, "extra": True})["extra"] == "true"


def test_decimal_strings_in_an_array_of_decimals_are_kept():
    """The one intended change: the old walk set aside a valid decimal string in an array."""
    schema = {
        "properties": {
            "id": {"type": "integer"},
            "decs": {
                "type": ["array", "null"],
                "items": {"type": ["string", "null"], "format": "singer.decimal"},
            },
        }
    }
    record = {"id": 1, "decs": ["1.50", 2, Decimal("0.1"), None]}
    assert Conformer("s", schema)(copy.deepcopy(record)) == {
        "id": 1,
        "decs": ["1.50", "2", "0.1", None],
    }
    old = ReferenceConformer("s", schema)(copy.deepcopy(record))
    assert old["_unfit_values"] == {"decs[0]": "1.50"}
