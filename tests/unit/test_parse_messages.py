"""The suite's reader of tap output (``helpers.parse_messages``, on msgspec): numbers stay exact,
and a line a target could not parse fails the test."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import Run, parse_messages


def test_numbers_are_exact_and_the_last_duplicate_key_wins() -> None:
    (message,) = parse_messages('{"a": 1.10, "b": 123456789012345678901234567890, "a": 0.1}\n')
    assert message == {"a": Decimal("0.1"), "b": 123456789012345678901234567890}
    assert str(parse_messages('{"x": 1.10}')[0]["x"]) == "1.10"


@pytest.mark.parametrize("line", ["NaN", '{"type": "RECORD"', "INFO done", '{"a": 1} {"b": 2}'])
def test_a_line_a_target_cannot_parse_fails(line: str) -> None:
    with pytest.raises(AssertionError, match="not a Singer message"):
        parse_messages(f'{{"type": "STATE", "value": {{}}}}\n{line}\n')


def test_records_are_each_streams_in_order_and_a_fresh_list() -> None:
    text = "\n".join(
        f'{{"type": "RECORD", "stream": "{s}", "record": {{"id": {i}}}}}'
        for i, s in enumerate(["a", "b", "a"])
    )
    run = Run(0, text, "")
    assert run.records("a") == [{"id": 0}, {"id": 2}]
    run.records("a").clear()
    assert run.records("a") == [{"id": 0}, {"id": 2}]
    assert run.records("c") == []
