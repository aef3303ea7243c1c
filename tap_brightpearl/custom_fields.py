"""Custom fields typed from their definitions: value records, column schemas, the run's definitions.

Brightpearl sends a custom field's value in the JSON shape of its type (the custom-field GET
reference): TEXT and TEXTAREA a string, INTEGER a number, YES_NO (spelt YESNO on the contact
page) a boolean, DATE local midnight with the account's offset
(``2015-06-19T00:00:00.000+01:00`` means 19 June), SELECT ``{"id": 9, "value": "Ringo"}``.
Types come from the definitions (``*/custom-field-meta-data``), never from the values: a value
that does not fit its definition, or a code with no definition, is kept as its JSON text.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import logging
import re
import threading
import typing as t

from tap_brightpearl.errors import NotFoundError, json_of

if t.TYPE_CHECKING:
    from tap_brightpearl.client import BrightpearlStream

logger = logging.getLogger("tap-brightpearl")

TEXT = frozenset({"TEXT", "TEXTAREA", "TEXT_AREA"})
NUMBER = frozenset({"INTEGER", "NUMBER", "DECIMAL"})
BOOLEAN = frozenset({"YES_NO", "YESNO"})
VALUE_COLUMNS = (
    "valueText",
    "valueNumber",
    "valueBoolean",
    "valueDate",
    "valueOptionId",
    "valueOptionValue",
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

#: entity -> (definition group -> metadata path); the group of a record is chosen by ``group_of``.
SOURCES: dict[str, dict[str, str]] = {
    "order": {
        kind: f"order-service/{kind}/custom-field-meta-data" for kind in ("sale", "purchase")
    },
    "product": {"product": "product-service/product/custom-field-meta-data"},
    "contact": {
        kind: f"contact-service/{kind}/custom-field-meta-data" for kind in ("customer", "supplier")
    },
}

Definitions = dict[str, dict[str, dict[str, t.Any]]]  # group -> code -> definition


class Misfit(ValueError):  # noqa: N818 - a signal, like conform.Drift
    """A value whose JSON shape does not fit its field's type."""


def group_of(entity: str, record: dict[str, t.Any]) -> str:
    """Which definitions a parent record's fields belong to."""
    if entity == "order":
        return "purchase" if str(record.get("orderTypeCode") or "").startswith("P") else "sale"
    if entity == "contact":
        relation = record.get("relationshipToAccount") or {}
        if relation.get("isSupplier"):
            return "supplier"
        return "staff" if relation.get("isStaff") else "customer"  # staff: no definitions
    return "product"


def typed(kind: str | None, value: t.Any) -> dict[str, t.Any]:
    """The value columns of one value of a field of type ``kind`` (raises :class:`Misfit`)."""
    if kind in TEXT and isinstance(value, str):
        return {"valueText": value}
    if kind in NUMBER:
        if isinstance(value, int | decimal.Decimal) and not isinstance(value, bool):
            return {"valueNumber": decimal.Decimal(value)}
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            return {"valueNumber": decimal.Decimal(value.strip())}
    if kind in BOOLEAN and isinstance(value, bool):
        return {"valueBoolean": value}
    if kind == "DATE" and isinstance(value, str) and _DAY.match(value):
        try:  # the calendar day as Brightpearl shows it, whatever the offset
            return {"valueDate": dt.date.fromisoformat(value[:10]).isoformat()}
        except ValueError:
            pass
    if kind == "SELECT" and isinstance(value, dict) and isinstance(value.get("id"), int):
        label = value.get("value")
        return {
            "valueOptionId": value["id"],
            "valueOptionValue": label if isinstance(label, str) else None,
        }
    raise Misfit(kind)


def json_text(value: t.Any) -> str:
    """A value as JSON text (exact decimals kept as written)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def column_value(kind: str | None, value: t.Any) -> t.Any:
    """A value as its typed ``customFields`` column holds it (raises :class:`Misfit`)."""
    cols = typed(kind, value)
    if "valueOptionId" in cols:
        return {"id": cols["valueOptionId"], "value": cols["valueOptionValue"]}
    return next(iter(cols.values()))


def column_schema(kind: str | None, decimal_format: str) -> dict[str, t.Any] | None:
    """The property schema of a field of type ``kind`` under ``customFields`` (None: unknown)."""
    if kind in TEXT:
        return {"type": ["string", "null"]}
    if kind in NUMBER:
        return {"type": ["string", "null"], "format": decimal_format}
    if kind in BOOLEAN:
        return {"type": ["boolean", "null"]}
    if kind == "DATE":
        return {"type": ["string", "null"], "format": "date"}
    if kind == "SELECT":
        return {
            "type": ["object", "null"],
            "properties": {
                "id": {"type": ["integer", "null"]},
                "value": {"type": ["string", "null"]},
            },
        }
    return None


def with_columns(
    schema: dict[str, t.Any],
    defs: Definitions,
    decimal_format: str,
) -> dict[str, t.Any]:
    """A copy of a parent schema whose ``customFields`` declares every defined field.

    Codes already declared keep their declaration: a field only ever adds a column.
    """
    if "customFields" not in schema.get("properties", {}):
        return schema  # not declared (or deselected in the catalog)
    out = copy.deepcopy(schema)
    props = out["properties"]["customFields"].setdefault("properties", {})
    for group in defs.values():
        for code, definition in sorted(group.items()):
            prop = column_schema(definition.get("customFieldType"), decimal_format)
            if prop is not None and code not in props:
                props[code] = prop
    return out


class Warnings:
    """One warning per stream and code for values kept as JSON text."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.lock = threading.Lock()

    def misfit(self, stream: str, code: str, kind: str | None, value: t.Any, where: str) -> None:
        """Name a value that does not fit its definition (once per stream and code)."""
        with self.lock:
            if (stream, code) in self.seen:
                return
            self.seen.add((stream, code))
        what = f"declared {kind}" if kind else "has no definition"
        text = json_text(value)
        logger.warning(
            "%s: custom field %s %s but holds %s: %s",
            stream,
            code,
            what,
            text if len(text) <= 40 else text[:37] + "...",
            where,
        )


class RunDefinitions:
    """The custom-field definitions and misfit warnings of one run (``RunContext.custom_fields``).

    Definitions are read once per run and entity, whichever stream asks first; streams on
    other threads wait for that read.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cache: dict[str, Definitions] = {}
        self.warnings = Warnings()


def run_of(stream: t.Any) -> t.Any:
    """The SDK's tap object of a stream: only for its stream-map mapper (an SDK object)."""
    return stream._tap  # noqa: SLF001


def warnings_of(stream: t.Any) -> Warnings:
    """The run's misfit warnings."""
    return t.cast("RunDefinitions", stream.run.custom_fields).warnings


def definitions(stream: BrightpearlStream, entity: str) -> Definitions:
    """The entity's custom-field definitions, read once per tap run (one GET per group)."""
    run = stream.run.custom_fields
    with run.lock:
        if entity in run.cache:
            return run.cache[entity]
        defs: Definitions = {}
        for group, path in SOURCES[entity].items():
            try:
                items = json_of(stream.fetch(path)).get("response") or []
            except NotFoundError:  # CMNC-404: no fields defined
                items = []
            if isinstance(items, dict):
                items = list(items.values())
            defs[group] = {d["code"]: d for d in items if isinstance(d, dict) and d.get("code")}
        run.cache[entity] = defs
        return defs


def value_records(
    key: str,
    parent_id: t.Any,
    *,
    values: dict[str, t.Any] | None,
    nulls: t.Iterable[str],
    group: dict[str, dict[str, t.Any]],
    on_misfit: t.Callable[[str, str | None, t.Any], None],
) -> list[dict]:
    """One record per field of one parent: typed values, then the cleared (null) codes."""
    out = []
    for code, value in (values or {}).items():
        definition = group.get(code) or {}
        kind = definition.get("customFieldType")
        record = _record(key, parent_id, code, definition)
        if value is not None:
            try:
                record.update(typed(kind, value) if definition else _no_definition())
            except Misfit:
                record["valueText"] = json_text(value)
                on_misfit(code, kind, value)
        out.append(record)
    seen = set(values or {})
    out.extend(
        _record(key, parent_id, code, group.get(code) or {})
        for code in dict.fromkeys(nulls)
        if code not in seen
    )
    return out


def _no_definition() -> dict[str, t.Any]:
    raise Misfit(None)


def _record(key: str, parent_id: t.Any, code: str, definition: dict[str, t.Any]) -> dict:
    return {
        key: parent_id,
        "code": code,
        "name": definition.get("name"),
        "customFieldType": definition.get("customFieldType"),
        **dict.fromkeys(VALUE_COLUMNS),
    }
