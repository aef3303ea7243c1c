"""The record walk as it was before the conformer was compiled (commit 5f04335), kept as the
oracle ``test_conform_compiled.py`` compares the compiled closures with: the same input must give
the same record, the same ``_unfit_values``, the same schema and the same lines.
"""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal as _Decimal

from tap_brightpearl.compiled import VERBATIM, Drift, Node, compile_node
from tap_brightpearl.conform import Conformer
from tap_brightpearl.records import to_utc
from tap_brightpearl.widen import (
    ARR,
    BOOL,
    DEC,
    DT,
    FREE,
    INT,
    NUM,
    OBJ,
    STR,
    TEXT,
    looks_like_timestamp,
)

_INT = re.compile(r"-?(?:0|[1-9]\d*)")


def _free(value: t.Any) -> t.Any:
    """A value of a free-form property: its timestamps to UTC (anywhere), the rest as is."""
    if type(value) is str:
        return to_utc(value) if looks_like_timestamp(value) else value
    if type(value) is dict:
        for key, item in value.items():
            if item is not None:
                value[key] = _free(item)
    elif type(value) is list:
        value[:] = [_free(item) for item in value]
    return value


def conform_value(node: Node, value: t.Any) -> t.Any:  # noqa: C901 - the old walk, verbatim
    """``value`` in ``node``'s declared type (converted when lossless), else :class:`Drift`."""
    kind = node.kind
    tv = type(value)
    if kind == STR:
        if tv is str:
            return value
        if tv is int or tv is _Decimal:
            return str(value)
    elif kind == DT:
        if tv is str:
            if not value:
                return None
            try:
                return to_utc(value)
            except ValueError:
                pass
    elif kind == DEC:
        if tv is int or tv is _Decimal:
            return str(value)
    elif kind == INT:
        if tv is int:
            return value
        if tv is str and _INT.fullmatch(value):
            return int(value)
    elif kind == OBJ:
        if tv is dict:
            conform_object(node, value)
            return value
    elif kind == ARR:
        if tv is list:
            items = node.items
            assert items is not None
            for i, item in enumerate(value):
                if item is not None:
                    try:
                        value[i] = conform_value(items, item)
                    except Drift as drift:
                        drift.up.append(i)
                        raise
            return value
    elif kind == BOOL:
        if tv is bool:
            return value
    elif kind == FREE:
        if tv is dict:
            return value if node.path[-1:] and node.path[-1] in VERBATIM else _free(value)
    elif kind == NUM:
        if tv is int or tv is _Decimal:
            return value
    elif kind == TEXT:
        if tv is str:
            return to_utc(value) if looks_like_timestamp(value) else value
        if tv is bool:
            return "true" if value else "false"
        if tv is int or tv is _Decimal or tv is float:
            return str(value)
    else:  # ANY
        return _free(value)
    raise Drift(node, None, value)


def conform_object(node: Node, obj: dict[str, t.Any]) -> None:
    """Conform an object's fields in place; undeclared or ill-typed ones raise :class:`Drift`."""
    fields = node.fields
    ready = node.ready
    for key, value in obj.items():
        if type(value) is ready.get(key) or value is None:
            continue  # the declared type already (most fields), or null
        sub = fields.get(key)
        if sub is None:
            if not node.open:
                raise Drift(node, key, value)
            obj[key] = _free(value)
        else:
            try:
                new = conform_value(sub, value)
            except Drift as drift:
                drift.up.append(key)
                raise
            if new is not value:
                obj[key] = new


class ReferenceConformer(Conformer):
    """The live :class:`Conformer` (drift handling, memory, schema) around the old walk."""

    def _compile(self) -> tuple[Node, t.Callable[[t.Any], t.Any]]:
        root = compile_node(self.schema, added=self.added)
        return root, lambda record: conform_object(root, record)
