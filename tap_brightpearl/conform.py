"""The record path's one rule: every RECORD is valid against the latest SCHEMA of its stream.

A stream's schema is compiled once into a tree of :class:`Node` (one per declared property), and
each record is walked along it in one pass that also shapes the values the contract fixes:
timestamps to canonical UTC, decimals to exact strings, digit strings to integers where an
integer is declared (only when lossless: ``"0010"`` is not an integer), numbers to strings where
a string is declared.

What the schema cannot hold is *drift*, and a declared type never changes (SQL loaders cannot
alter a column, in this run or after an earlier one):

- a value its declared type cannot hold goes, as sent, into the record's ``_unfit_values``
  (``unfit.py``), and the field is null in that record;
- a field the schema lacks: ``evolve`` adds it to the schema (text, or JSON for an object or an
  array: ``widen.added_type``; the caller re-emits the SCHEMA), then its type is fixed like a
  declared one; ``ignore`` keeps its value in ``_unfit_values`` instead.

One line per field and run names it (``unfit.Memory``: WARNING once, INFO in later runs).
"""

from __future__ import annotations

import copy
import decimal
import re
import typing as t
from dataclasses import dataclass, field

from tap_brightpearl.errors import StreamLocalError
from tap_brightpearl.records import to_utc
from tap_brightpearl.unfit import UNFIT, UNFIT_SCHEMA, Memory, field_path, short, where
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
    STR,
    TEXT,
    added_schema,
    added_type,
    describe,
    kind_of,
    looks_like_timestamp,
)

EVOLVE, IGNORE = "evolve", "ignore"
MAX_ADDED_PER_RECORD = 200

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

    @property
    def name(self) -> str:
        """The dotted path of this property, ``[]`` for array items."""
        return ".".join(self.path) or "(record)"


class Drift(Exception):  # noqa: N818 - a signal, not an error
    """The schema cannot hold a value: a field ``key`` of ``node`` it lacks, or ``node``'s type.

    ``location`` is filled on the way up: the keys and array indexes from the record's root to
    the object holding ``key`` (a field it lacks) or to the value itself (a type).
    """

    def __init__(self, node: Node, key: str | None, value: t.Any) -> None:
        super().__init__(node.name, key)
        self.node = node
        self.key = key
        self.value = value
        self.up: list[str | int] = []  # the location, innermost first

    @property
    def location(self) -> tuple[str | int, ...]:
        """Keys and indexes from the record's root to the value that does not fit."""
        down = tuple(reversed(self.up))
        return down if self.key is None else (*down, self.key)


class UnloadableRecordError(StreamLocalError):
    """A value no record can do without (a key) that its declared type cannot hold."""


def compile_node(
    schema: dict[str, t.Any], path: tuple[str, ...] = (), added: t.Container[str] = ()
) -> Node:
    """The node tree of a (sub)schema; fields in ``added`` (their paths) are the tap's text."""
    kind = kind_of(schema)
    if kind == STR and field_path(path) in added:
        kind = TEXT  # a field added as text: any scalar, in its exact text form
    node = Node(kind, schema, path, open=bool(schema.get("additionalProperties")))
    if node.kind == OBJ:
        node.fields = {
            name: compile_node(prop, (*path, name), added)
            for name, prop in schema["properties"].items()
        }
        node.ready = {name: READY[sub.kind] for name, sub in node.fields.items()
                      if sub.kind in READY}
    elif node.kind == ARR:
        node.items = compile_node(schema.get("items") or {}, (*path, "[]"), added)
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


class Conformer:
    """One stream's record conformance: the live schema it adds fields to, the lines it logs."""

    def __init__(
        self,
        stream: str,
        schema: dict[str, t.Any],
        *,
        mode: str = EVOLVE,
        mirrors: t.Sequence[dict[str, t.Any]] = (),
        state: dict[str, t.Any] | None = None,
    ) -> None:
        self.stream = stream
        self.schema = copy.deepcopy(schema)
        self.mode = mode
        self.mirrors = list(mirrors)  # the schemas the SCHEMA messages carry: changed alike
        self.memory = Memory(state if state is not None else {})  # the stream's state entry
        self.added: set[str] = set()  # paths of the fields added in this run
        self.root = compile_node(self.schema)
        self.widened = False  # set when the schema changed: the caller re-emits SCHEMA

    def __call__(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """The record, conformed; what its schema cannot hold added (evolve) or kept aside.

        A record may arrive with values its stream already set aside under ``UNFIT`` (the
        typed custom-field columns do): they are kept with the ones found here.
        """
        unfit: dict[str, t.Any] = record.pop(UNFIT, None) or {}
        added = 0
        while True:  # each pass ends, or adds a field, or takes a value out of the record
            try:
                conform_object(self.root, record)
            except Drift as drift:  # noqa: PERF203 - rare: once per surprise
                if drift.key is not None and self.mode == EVOLVE:
                    added += 1
                    if added > MAX_ADDED_PER_RECORD:
                        msg = f"{self.stream}: over {MAX_ADDED_PER_RECORD} new fields in a record"
                        raise RuntimeError(msg) from None
                    self._add(drift)
                else:
                    self._set_aside(drift, record, unfit)
            else:
                break
        if unfit:
            self._declare_unfit()
            record[UNFIT] = unfit
        return record

    def _add(self, drift: Drift) -> None:
        """A field the schema lacks joins it, typed once and for all (``widen.added_type``)."""
        node, key = drift.node, drift.key
        assert key is not None
        path = (*node.path, key)
        name = field_path(path)
        kind = self.memory.added_type(name) or added_type(drift.value)
        self.memory.report(
            "added", name, kind,
            "%s: field '%s' is not in the schema: added as %s, SCHEMA re-emitted",
            self.stream, name, kind,
        )
        self.added.add(name)
        self._declare(path, added_schema(kind))

    def _set_aside(self, drift: Drift, record: dict[str, t.Any], unfit: dict[str, t.Any]) -> None:
        """The value into ``unfit`` as sent, keyed by where it was; null (or absent) in place."""
        location = drift.location
        parent: t.Any = record
        for part in location[:-1]:
            parent = parent[part]
        last = location[-1]
        value = parent[last]
        unfit[where(location)] = value
        if drift.key is not None:  # ignore mode: a field the schema lacks
            del parent[last]
            name = field_path((*drift.node.path, drift.key))
            self.memory.report(
                "unfit", name, "undeclared",
                "%s: field '%s' is not in the schema: kept in %s['%s'] (schema_drift=ignore)",
                self.stream, name, UNFIT, where(location),
            )
            return
        declared = describe(drift.node.schema)
        if not _nullable(drift.node.schema):
            msg = (f"{self.stream}: field '{where(location)}' is declared {declared}, not null, "
                   f"and got {short(value)}: a record cannot be loaded without it")
            raise UnloadableRecordError(msg)
        parent[last] = None
        name = field_path(drift.node.path)
        self.memory.report(
            "unfit", name, declared,
            "%s: field '%s' is declared %s but got %s: the value is kept in %s['%s'] and the "
            "field is null in that record (the column keeps its type)",
            self.stream, name, declared, short(value), UNFIT, where(location),
        )

    def _declare_unfit(self) -> None:
        if UNFIT not in self.root.fields:
            self._declare((UNFIT,), dict(UNFIT_SCHEMA))

    def _declare(self, path: tuple[str, ...], new: dict[str, t.Any]) -> None:
        """Put a new property in the schema and the SCHEMA messages' copies; recompile."""
        _set_path(self.schema, path, new)
        for mirror in self.mirrors:
            _set_path(mirror, path, new)
        self.root = compile_node(self.schema, added=self.added)
        self.widened = True


def _nullable(schema: dict[str, t.Any]) -> bool:
    kind = schema.get("type")
    return kind is None or kind == "null" or (isinstance(kind, list) and "null" in kind)


def _set_path(schema: dict[str, t.Any], path: tuple[str, ...], new: dict[str, t.Any]) -> None:
    """Put ``new`` at ``path`` in a copy of the schema, where its parent exists there."""
    node = schema
    for part in path[:-1]:
        nxt = node.get("items") if part == "[]" else (node.get("properties") or {}).get(part)
        if not isinstance(nxt, dict):
            return  # not in this copy (e.g. a deselected parent)
        node = nxt
    node.setdefault("properties", {})[path[-1]] = copy.deepcopy(new)
