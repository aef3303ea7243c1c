"""The schema side of drift: property kinds, and the type a field the schema lacks is given.

A declared type never changes; a new field gets a type every later value of its kind fits.
"""

from __future__ import annotations

import typing as t

from tap_brightpearl.records import to_utc

ANY, STR, DT, DEC, INT, NUM, BOOL, OBJ, FREE, ARR, TEXT = range(11)
KIND_NAMES = (
    "any",
    "string",
    "date-time",
    "decimal",
    "integer",
    "number",
    "boolean",
    "object",
    "object",
    "array",
    "string",
)

#: Decimal string formats: the contract's, and the one SQL targets of the SDK map to NUMERIC.
SINGER_DECIMAL, X_SINGER_DECIMAL = "singer.decimal", "x-singer.decimal"
DECIMAL_FORMATS = (SINGER_DECIMAL, X_SINGER_DECIMAL)
#: Every JSON type: what a property declared without a type allows.
ANY_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"]


def looks_like_timestamp(text: str) -> bool:
    """``YYYY-MM-DDTHH:MM...`` that parses: a drifted string declared as a date-time."""
    if len(text) < 16 or text[4] != "-" or text[7] != "-" or text[10] not in "T ":
        return False
    try:
        to_utc(text)
    except ValueError:
        return False
    return True


def _types(schema: dict[str, t.Any]) -> set[str]:
    kind = schema.get("type")
    if kind is None:
        return set(ANY_TYPES)
    return ({kind} if isinstance(kind, str) else set(kind)) - {"null"}


def kind_of(schema: dict[str, t.Any]) -> int:
    """The one kind a property schema declares (ANY when it allows several)."""
    if "type" not in schema and "properties" in schema:
        return OBJ  # a root schema written without "type"
    types = _types(schema)
    if len(types) != 1:
        return ANY
    (only,) = types
    fmt = schema.get("format")
    if only == "string":
        return DT if fmt == "date-time" else DEC if fmt in DECIMAL_FORMATS else STR
    if only == "object":
        return OBJ if schema.get("properties") else FREE
    return {"integer": INT, "number": NUM, "boolean": BOOL, "array": ARR}[only]


#: Kinds whose values need no work when they arrive as this Python type (the fast path).
READY: dict[int, type] = {STR: str, DEC: str, INT: int, BOOL: bool}


# -- the type of a field the schema lacks ---------------------------------------------------


#: What a field the schema lacks is declared as, by the JSON kind of its first value. Coarse
#: on purpose: a column's type can never change later (SQL loaders cannot alter a column), so
#: every scalar is text (integers, decimals, booleans and timestamps all have an exact text
#: form), and objects and arrays are JSON. A later value of the same kind always fits.
ADDED_TYPES = ("string", "object", "array")


def added_type(value: t.Any) -> str:
    """The JSON type a new field is declared as, from its first non-null value."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def added_schema(json_type: str) -> dict[str, t.Any]:
    """The property schema of a new field of ``json_type`` (one of :data:`ADDED_TYPES`)."""
    return {"type": [json_type, "null"]}


def with_decimal_format(schema: t.Any, fmt: str) -> t.Any:
    """A copy of a schema with every decimal string in format ``fmt``."""
    if isinstance(schema, dict):
        out = {k: with_decimal_format(v, fmt) for k, v in schema.items()}
        if out.get("format") in DECIMAL_FORMATS:
            out["format"] = fmt
        return out
    if isinstance(schema, list):
        return [with_decimal_format(v, fmt) for v in schema]
    return schema


def describe(schema: dict[str, t.Any]) -> str:
    """A short name of a property schema's type (``string``, ``date-time``, ``object``)."""
    return KIND_NAMES[kind_of(schema)]
