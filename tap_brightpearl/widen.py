"""The schema side of drift: property kinds, the schema a new value implies, the lattice.

Widening goes integer -> decimal -> string for scalars; mixed kinds become any JSON.
"""

from __future__ import annotations

import decimal
import typing as t

from tap_brightpearl.records import to_utc

_Decimal = decimal.Decimal

ANY, STR, DT, DEC, INT, NUM, BOOL, OBJ, FREE, ARR = range(10)
KIND_NAMES = ("any", "string", "date-time", "decimal", "integer", "number", "boolean", "object",
              "object", "array")

#: Decimal string formats: the contract's, and the one SQL targets of the SDK map to NUMERIC.
SINGER_DECIMAL, X_SINGER_DECIMAL = "singer.decimal", "x-singer.decimal"
DECIMAL_FORMATS = (SINGER_DECIMAL, X_SINGER_DECIMAL)
#: Every JSON type: the widest schema, for a field whose values disagree in kind.
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



# -- inferring and joining schemas ---------------------------------------------------------


def infer(value: t.Any, decimal: str = SINGER_DECIMAL) -> dict[str, t.Any]:
    """The schema of a value the declared schema lacks (always nullable)."""
    if isinstance(value, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(value, int):
        return {"type": ["integer", "null"]}
    if isinstance(value, float | _Decimal):
        return {"type": ["string", "null"], "format": decimal}
    if isinstance(value, str):
        if looks_like_timestamp(value):
            return {"type": ["string", "null"], "format": "date-time"}
        return {"type": ["string", "null"]}
    if isinstance(value, dict):
        if not value or all(k.isdigit() for k in value):  # keyed by id: free-form
            return {"type": ["object", "null"]}
        props = {k: infer(v, decimal) for k, v in value.items() if v is not None}
        return {"type": ["object", "null"], "properties": props} if props else {
            "type": ["object", "null"]}
    if isinstance(value, list):
        items = [infer(v, decimal) for v in value if v is not None]
        out: dict[str, t.Any] = {"type": ["array", "null"]}
        if items:
            joined = items[0]
            for other in items[1:]:
                joined = join(joined, other, decimal)
            out["items"] = joined
        return out
    return {"type": ANY_TYPES}


_SCALARS = {STR, DT, DEC, INT, NUM, BOOL}
#: Kinds whose values need no work when they arrive as this Python type (the fast path).
READY: dict[int, type] = {STR: str, DEC: str, INT: int, BOOL: bool}


def join(
    a: dict[str, t.Any], b: dict[str, t.Any], decimal: str = SINGER_DECIMAL
) -> dict[str, t.Any]:
    """The narrowest schema holding the values of both (the widening lattice)."""
    ka, kb = kind_of(a), kind_of(b)
    if ka == kb == OBJ:
        props = dict(a["properties"])
        for name, prop in b["properties"].items():
            props[name] = join(props[name], prop, decimal) if name in props else prop
        return {**a, "type": ["object", "null"], "properties": props}
    if ka == kb == ARR:
        ia, ib = a.get("items"), b.get("items")
        items = join(ia, ib, decimal) if ia and ib else None
        return {"type": ["array", "null"], **({"items": items} if items else {})}
    if ka == kb and ka != ANY:
        return a
    if {ka, kb} <= {OBJ, FREE}:
        return {"type": ["object", "null"]}
    if {ka, kb} <= {INT, NUM, DEC}:
        return {"type": ["string", "null"], "format": decimal}
    if {ka, kb} <= _SCALARS:
        return {"type": ["string", "null"]}
    return {"type": ANY_TYPES}



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
