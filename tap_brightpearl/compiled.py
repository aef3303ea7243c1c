"""A stream's schema compiled once into closures, so a record costs only its own values.

:func:`compile_node` turns the schema into a tree of :class:`Node` (the names and schema dicts a
drift report needs); :func:`compiled` turns a node into one function per property, chosen by
its kind when the schema is compiled, never by reading the schema again at record time.

The per-record work is a loop over each object's own fields: a field already of its declared
type (most of them) or null costs one lookup; the others call the function compiled for them.

Each function returns its value in the declared type (converted only when lossless; the
object or array itself, changed in place) or raises :class:`Drift`.
"""

from __future__ import annotations

import decimal
import re
import typing as t
from dataclasses import dataclass, field

from tap_brightpearl.records import to_utc
from tap_brightpearl.unfit import field_path
from tap_brightpearl.widen import (
    ANY,
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
    kind_of,
    looks_like_timestamp,
)

Conform = t.Callable[[t.Any], t.Any]

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
        node.ready = {
            name: READY[sub.kind] for name, sub in node.fields.items() if sub.kind in READY
        }
    elif node.kind == ARR:
        node.items = compile_node(schema.get("items") or {}, (*path, "[]"), added)
    return node


def free(value: t.Any) -> t.Any:
    """A value of a free-form property: its timestamps to UTC (anywhere), the rest as is."""
    if type(value) is str:
        return to_utc(value) if looks_like_timestamp(value) else value
    if type(value) is dict:
        for key, item in value.items():
            if item is not None:
                value[key] = free(item)
    elif type(value) is list:
        value[:] = [free(item) for item in value]
    return value


def compiled(node: Node) -> Conform:
    """The function that conforms a value of ``node`` (built once per schema)."""
    return _BUILDERS[node.kind](node)


# -- scalars: one small function per kind -------------------------------------------------


def _string(node: Node) -> Conform:
    def conform(value: t.Any) -> t.Any:
        tv = type(value)
        if tv is str:
            return value
        if tv is int or tv is _Decimal:
            return str(value)
        raise Drift(node, None, value)

    return conform


def _datetime(node: Node) -> Conform:
    def conform(value: t.Any) -> t.Any:
        if type(value) is str:
            if not value:
                return None
            try:
                return to_utc(value)
            except ValueError:
                pass
        raise Drift(node, None, value)

    return conform


def _decimal(node: Node) -> Conform:
    def conform(value: t.Any) -> t.Any:
        tv = type(value)
        if tv is int or tv is _Decimal:
            return str(value)
        raise Drift(node, None, value)

    return conform


def _integer(node: Node) -> Conform:
    def conform(value: t.Any) -> t.Any:
        tv = type(value)
        if tv is int:
            return value
        if tv is str and _INT.fullmatch(value):
            return int(value)
        raise Drift(node, None, value)

    return conform


def _exactly(*types: type) -> t.Callable[[Node], Conform]:
    """Kinds whose values pass as they are, when of one of ``types``."""

    def build(node: Node) -> Conform:
        def conform(value: t.Any) -> t.Any:
            if type(value) in types:
                return value
            raise Drift(node, None, value)

        return conform

    return build


def _free_object(node: Node) -> Conform:
    verbatim = bool(node.path) and node.path[-1] in VERBATIM

    def conform(value: t.Any) -> t.Any:
        if type(value) is dict:
            return value if verbatim else free(value)
        raise Drift(node, None, value)

    return conform


def _text(node: Node) -> Conform:
    def conform(value: t.Any) -> t.Any:
        tv = type(value)
        if tv is str:
            return to_utc(value) if looks_like_timestamp(value) else value
        if tv is bool:
            return "true" if value else "false"
        if tv is int or tv is _Decimal or tv is float:
            return str(value)
        raise Drift(node, None, value)

    return conform


def _any(node: Node) -> Conform:  # noqa: ARG001 - every builder takes its node
    return free


# -- containers -----------------------------------------------------------------------------


def _array(node: Node) -> Conform:
    assert node.items is not None
    item_conform = compiled(node.items)
    ready = READY.get(node.items.kind)  # items already of their declared type need no call

    def conform(value: t.Any) -> t.Any:
        if type(value) is not list:
            raise Drift(node, None, value)
        for i, item in enumerate(value):
            if item is None or type(item) is ready:
                continue
            try:
                new = item_conform(item)
            except Drift as drift:
                drift.up.append(i)
                raise
            if new is not item:
                value[i] = new
        return value

    return conform


def object_conform(node: Node) -> Conform:
    """An object's fields conformed in place; undeclared or ill-typed ones raise :class:`Drift`."""
    steps = {name: compiled(sub) for name, sub in node.fields.items()}
    ready = node.ready
    extra: Conform | None = free if node.open else None  # an undeclared field

    def conform(obj: t.Any) -> t.Any:
        if type(obj) is not dict:
            raise Drift(node, None, obj)
        for key, value in obj.items():
            if type(value) is ready.get(key) or value is None:
                continue  # the declared type already (most fields), or null
            step = steps.get(key, extra)
            if step is None:
                raise Drift(node, key, value)
            try:
                new = step(value)
            except Drift as drift:
                drift.up.append(key)
                raise
            if new is not value:
                obj[key] = new
        return obj

    return conform


_BUILDERS: dict[int, t.Callable[[Node], Conform]] = {
    STR: _string,
    DT: _datetime,
    DEC: _decimal,
    INT: _integer,
    BOOL: _exactly(bool),
    NUM: _exactly(int, _Decimal),
    OBJ: object_conform,
    ARR: _array,
    FREE: _free_object,
    TEXT: _text,
    ANY: _any,
}
