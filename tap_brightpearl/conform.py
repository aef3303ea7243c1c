"""The record path's one rule: every RECORD is valid against the latest SCHEMA of its stream.

A stream's schema is compiled once into one function per property (``compiled.py``), and each
record goes through them in one pass that also shapes the values the contract fixes: timestamps
to canonical UTC, decimals to exact strings, digit strings to integers where an integer is
declared (only when lossless: ``"0010"`` is not an integer), numbers to strings where a string
is declared. A change of the schema (a field added) compiles it again.

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
import typing as t

from tap_brightpearl.compiled import Conform, Drift, Node, compile_node, object_conform
from tap_brightpearl.errors import StreamLocalError
from tap_brightpearl.unfit import UNFIT, UNFIT_SCHEMA, Memory, field_path, short, where
from tap_brightpearl.widen import added_schema, added_type, describe

__all__ = ["EVOLVE", "IGNORE", "Conformer", "Drift", "Node", "UnloadableRecordError"]

EVOLVE, IGNORE = "evolve", "ignore"
MAX_ADDED_PER_RECORD = 200


class UnloadableRecordError(StreamLocalError):
    """A value no record can do without (a key) that its declared type cannot hold."""


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
        self.root, self.conform = self._compile()
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
                self.conform(record)
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
            "added",
            name,
            kind,
            "%s: field '%s' is not in the schema: added as %s, SCHEMA re-emitted",
            self.stream,
            name,
            kind,
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
                "unfit",
                name,
                "undeclared",
                "%s: field '%s' is not in the schema: kept in %s['%s'] (schema_drift=ignore)",
                self.stream,
                name,
                UNFIT,
                where(location),
            )
            return
        declared = describe(drift.node.schema)
        if not _nullable(drift.node.schema):
            msg = (
                f"{self.stream}: field '{where(location)}' is declared {declared}, not null, "
                f"and got {short(value)}: a record cannot be loaded without it"
            )
            raise UnloadableRecordError(msg)
        parent[last] = None
        name = field_path(drift.node.path)
        self.memory.report(
            "unfit",
            name,
            declared,
            "%s: field '%s' is declared %s but got %s: the value is kept in %s['%s'] and the "
            "field is null in that record (the column keeps its type)",
            self.stream,
            name,
            declared,
            short(value),
            UNFIT,
            where(location),
        )

    def _declare_unfit(self) -> None:
        if UNFIT not in self.root.fields:
            self._declare((UNFIT,), dict(UNFIT_SCHEMA))

    def _declare(self, path: tuple[str, ...], new: dict[str, t.Any]) -> None:
        """Put a new property in the schema and the SCHEMA messages' copies; recompile."""
        _set_path(self.schema, path, new)
        for mirror in self.mirrors:
            _set_path(mirror, path, new)
        self.root, self.conform = self._compile()
        self.widened = True

    def _compile(self) -> tuple[Node, Conform]:
        """The schema's node tree and the record's function, compiled from the live schema."""
        root = compile_node(self.schema, added=self.added)
        return root, object_conform(root)


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
