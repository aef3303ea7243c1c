"""The record path's one rule: every RECORD is valid against the latest SCHEMA of its stream.

A stream's schema is compiled once into a tree of :class:`Node` (one per declared property), and
each record is walked along it in one pass that also shapes the values the contract fixes:
timestamps to canonical UTC, decimals to exact strings, digit strings to integers where an
integer is declared (only when lossless: ``"0010"`` stays a string), numbers to strings where a
string is declared.

What the schema cannot hold (a field it lacks, a value of another type) is *drift*. In
``evolve`` mode the schema is widened where it happened (a new field typed from its value; a
type joined with the value's), the caller re-emits the SCHEMA and the record is kept intact. In
``ignore`` mode the value is left out of the record. Either way one warning per field names it.
"""

from __future__ import annotations

import copy
import decimal
import logging
import re
import typing as t
from dataclasses import dataclass, field

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
    READY,
    SINGER_DECIMAL,
    STR,
    describe,
    infer,
    join,
    kind_of,
    looks_like_timestamp,
)

logger = logging.getLogger("tap-brightpearl")

EVOLVE, IGNORE = "evolve", "ignore"
MAX_DRIFTS_PER_RECORD = 200

_INT = re.compile(r"-?(?:0|[1-9]\d*)")
# Free-form objects kept exactly as Brightpearl sends them: a DATE custom field is a calendar
# day written as local midnight with the account's offset, which a conversion to UTC would move.
VERBATIM = frozenset({"customFields"})
_Decimal = decimal.Decimal


@dataclass(eq=False, slots=True)
class Node:
    """One declared property: its kind, its schema dict (widened in place), its children."""

    kind: int
    schema: dict[str, t.Any]
    path: tuple[str, ...]
    fields: dict[str, Node] = field(default_factory=dict)
    items: Node | None = None
    open: bool = False  # additionalProperties allowed: extra fields pass (timestamps to UTC)
    ready: dict[str, type] = field(default_factory=dict)  # field -> the type needing no work
    ignored: set[str] = field(default_factory=set)  # ignore mode: fields already warned about

    @property
    def name(self) -> str:
        """The dotted path of this property, ``[]`` for array items."""
        return ".".join(self.path) or "(record)"


class Drift(Exception):  # noqa: N818 - a signal to widen, not an error
    """The schema cannot hold a value: a field ``key`` of ``node`` it lacks, or ``node``'s type."""

    def __init__(self, node: Node, key: str | None, value: t.Any) -> None:
        super().__init__(node.name, key)
        self.node = node
        self.key = key
        self.value = value


def compile_node(schema: dict[str, t.Any], path: tuple[str, ...] = ()) -> Node:
    """The node tree of a (sub)schema."""
    node = Node(kind_of(schema), schema, path, open=bool(schema.get("additionalProperties")))
    if node.kind == OBJ:
        node.fields = {
            name: compile_node(prop, (*path, name))
            for name, prop in schema["properties"].items()
        }
        node.ready = {name: READY[sub.kind] for name, sub in node.fields.items()
                      if sub.kind in READY}
    elif node.kind == ARR:
        node.items = compile_node(schema.get("items") or {}, (*path, "[]"))
    return node


# -- the walk ------------------------------------------------------------------------------


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


def conform_value(node: Node, value: t.Any) -> t.Any:
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
                    value[i] = conform_value(items, item)
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
            new = conform_value(sub, value)
            if new is not value:
                obj[key] = new


class Conformer:
    """One stream's record conformance: the live schema it widens and the warnings it gives."""

    def __init__(
        self,
        stream: str,
        schema: dict[str, t.Any],
        *,
        mode: str = EVOLVE,
        mirrors: t.Sequence[dict[str, t.Any]] = (),
        decimal_format: str = SINGER_DECIMAL,
    ) -> None:
        self.stream = stream
        self.schema = copy.deepcopy(schema)
        self.mode = mode
        self.decimal = decimal_format
        self.mirrors = list(mirrors)  # the schemas the SCHEMA messages carry: widened alike
        self.root = compile_node(self.schema)
        self.widened = False  # set when the schema changed: the caller re-emits SCHEMA

    def __call__(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """The record, conformed; the schema widened (evolve) or the value left out (ignore)."""
        for _ in range(MAX_DRIFTS_PER_RECORD):
            try:
                conform_object(self.root, record)
            except Drift as drift:  # noqa: PERF203 - rare: once per new field of a run
                if self.mode == EVOLVE:
                    self._widen(drift)
                else:
                    self._leave_out(drift, record)
            else:
                return record
        msg = f"{self.stream}: more than {MAX_DRIFTS_PER_RECORD} schema changes in one record"
        raise RuntimeError(msg)

    def _widen(self, drift: Drift) -> None:
        node = drift.node
        if drift.key is not None:
            path = (*node.path, drift.key)
            new = infer(drift.value, self.decimal)
            node.schema.setdefault("properties", {})[drift.key] = new
            logger.warning(
                "%s: field '%s' is not in the schema: added as %s, SCHEMA re-emitted",
                self.stream, ".".join(path), describe(new),
            )
        else:
            path = node.path
            new = copy.deepcopy(join(node.schema, infer(drift.value, self.decimal), self.decimal))
            old = describe(node.schema)
            node.schema.clear()
            node.schema.update(new)
            logger.warning(
                "%s: field '%s' declared %s got %r: widened to %s, SCHEMA re-emitted",
                self.stream, node.name, old, _short(drift.value), describe(new),
            )
        for mirror in self.mirrors:
            _set_path(mirror, path, new)
        self.root = compile_node(self.schema)
        self.widened = True

    def _leave_out(self, drift: Drift, record: dict[str, t.Any]) -> None:
        """Ignore mode: drop the value from this record; warn once per field."""
        node, key = drift.node, drift.key
        if key is None:  # a declared field of another type: drop that field
            parent_path, key = _owner(node.path)
            owner = _node_at(self.root, parent_path)
            what = f"declared {describe(node.schema)}, got {_short(drift.value)!r}"
        else:
            parent_path, owner, what = node.path, node, "not in the schema"
        if key not in owner.ignored:
            owner.ignored.add(key)
            logger.warning(
                "%s: field '%s' %s: left out (schema_drift=ignore)",
                self.stream, ".".join((*parent_path, key)), what,
            )
        for obj in _objects_at(record, parent_path):
            obj.pop(key, None)


def _short(value: t.Any) -> t.Any:
    text = repr(value)
    return value if len(text) <= 40 else text[:37] + "..."


def _owner(path: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The object path and key owning a property path (array items belong to their array)."""
    while path and path[-1] == "[]":
        path = path[:-1]
    return path[:-1], path[-1]


def _node_at(root: Node, path: tuple[str, ...]) -> Node:
    node = root
    for part in path:
        nxt = node.items if part == "[]" else node.fields.get(part)
        assert nxt is not None
        node = nxt
    return node


def _objects_at(value: t.Any, path: tuple[str, ...]) -> t.Iterator[dict[str, t.Any]]:
    """Every object at ``path`` in a record (``[]`` steps into each array item)."""
    if not path:
        if isinstance(value, dict):
            yield value
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        for item in value if isinstance(value, list) else ():
            yield from _objects_at(item, rest)
    elif isinstance(value, dict) and value.get(head) is not None:
        yield from _objects_at(value[head], rest)


def _set_path(schema: dict[str, t.Any], path: tuple[str, ...], new: dict[str, t.Any]) -> None:
    """Put ``new`` at ``path`` in another copy of the schema, where its parent exists there."""
    node = schema
    for part in path[:-1]:
        nxt = node.get("items") if part == "[]" else (node.get("properties") or {}).get(part)
        if not isinstance(nxt, dict):
            return  # not in this copy (e.g. a deselected parent)
        node = nxt
    last = path[-1]
    if last == "[]":
        node["items"] = copy.deepcopy(new)
    else:
        node.setdefault("properties", {})[last] = copy.deepcopy(new)
