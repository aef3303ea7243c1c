"""``column_names: snake_case``: Brightpearl's camelCase names renamed where they leave the tap.

The streams, the record path, stream maps, flattening and the state all work in Brightpearl's
own names; only the output is renamed (SCHEMA and RECORD messages, batch files, the discovered
catalog). One rule for every name at every level, so a field added by schema drift or a
flattened name (``totalValue__total``) is renamed like a declared one. An input catalog is
mapped back to Brightpearl's names, level by level against the stream's own schema, so select
rules and metadata may name a field either way. The state keeps Brightpearl's names: switching
the setting never resyncs.
"""

from __future__ import annotations

import re
import typing as t

from singer_sdk.exceptions import ConfigValidationError

from tap_brightpearl.unfit import UNFIT

ORIGINAL = "original"
SNAKE_CASE = "snake_case"

_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")  # SKUCode -> SKU_Code
_WORD = re.compile(r"([a-z\d])([A-Z])")  # orderId -> order_Id, line1Name -> line1_Name
_NOT_WORD = re.compile(r"\W")
_PATH_NAME = re.compile(r"[A-Za-z_]\w*")  # the names in a path (not its dots and [3]s)
_NAMES: dict[str, str] = {}  # every name converted so far: a record costs one lookup per key


def snake(name: str) -> str:
    """``orderId`` -> ``order_id``, ``SKU`` -> ``sku``, ``isoCode3`` -> ``iso_code3``.

    Underscores are kept (``totalValue__total`` -> ``total_value__total``), any other character
    outside ``[A-Za-z0-9_]`` becomes ``_``; converting a converted name changes nothing.
    """
    out = _NAMES.get(name)
    if out is None:
        out = _NOT_WORD.sub("_", _WORD.sub(r"\1_\2", _ACRONYM.sub(r"\1_\2", name))).lower()
        _NAMES[name] = out
    return out


class NameCollisionError(ConfigValidationError):
    """Two names of one object give the same snake_case name."""

    def __init__(self, where: str, names: t.Iterable[str]) -> None:
        names = sorted(names)
        msg = (
            f"column_names: snake_case gives {' and '.join(names)} of {where} the same name "
            f"'{snake(names[0])}'; use column_names: original for this account"
        )
        super().__init__(msg, errors=[msg])


def _renamed(props: dict[str, t.Any], where: str) -> dict[str, str]:
    """Each property's new name; two properties with one new name are an error."""
    new = {name: snake(name) for name in props}
    if len(set(new.values())) != len(new):
        seen: dict[str, str] = {}
        for name, to in new.items():
            if to in seen:
                raise NameCollisionError(where, [seen[to], name])
            seen[to] = name
    return new


def schema(node: t.Any, where: str = "a stream") -> t.Any:
    """A JSON schema with every property name (and ``required`` entry) in snake_case."""
    if isinstance(node, list):
        return [schema(item, where) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, t.Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            new = _renamed(value, where)
            out[key] = {new[name]: schema(sub, where) for name, sub in value.items()}
        elif key == "required" and isinstance(value, list):
            out[key] = [snake(name) for name in value]
        elif isinstance(value, dict | list):
            out[key] = schema(value, where)
        else:
            out[key] = value
    return out


def record(value: t.Any) -> t.Any:
    """A record with every key at every level in snake_case (values untouched)."""
    if isinstance(value, dict):
        return _record(value)
    return _items(value) if isinstance(value, list) else value


def unfit_paths(unfit: dict[str, t.Any]) -> dict[str, t.Any]:
    """``_unfit_values`` renamed: its keys are paths, renamed name by name.

    ``orderRows[3].productId`` -> ``order_rows[3].product_id``; the values stay exactly as
    Brightpearl sent them (they are data, not names).
    """
    return {_PATH_NAME.sub(lambda m: snake(m.group()), path): item for path, item in unfit.items()}


def _record(value: dict[str, t.Any]) -> dict[str, t.Any]:
    out: dict[str, t.Any] = {}
    known = _NAMES.get  # the per-record path: a lookup per key, no call for a plain value
    for key, item in value.items():
        kind = type(item)
        if key == UNFIT and kind is dict:
            out[key] = unfit_paths(item)
            continue
        out[known(key) or snake(key)] = (
            _record(item) if kind is dict else _items(item) if kind is list else item
        )
    if len(out) != len(value):
        _renamed(value, "a record")  # raises, naming the two keys
    return out


def _items(values: list[t.Any]) -> list[t.Any]:
    return [record(v) if type(v) in (dict, list) else v for v in values]


def names(values: t.Iterable[str] | None) -> list[str] | None:
    """Key or bookmark properties in snake_case."""
    return None if values is None else [snake(v) for v in values]


# -- catalogs ----------------------------------------------------------------------------------


def _renamed_list(holder: dict[str, t.Any], key: str, rename: t.Callable[[str], str]) -> None:
    if isinstance(holder.get(key), list | tuple):
        holder[key] = [rename(n) for n in holder[key]]
    elif isinstance(holder.get(key), str) and holder[key]:
        holder[key] = rename(holder[key])


def _stream_level(entry: dict[str, t.Any], rename: t.Callable[[str], str]) -> None:
    """Key properties and replication keys of a catalog entry and its metadata, in place."""
    for key in ("key_properties", "replication_key"):
        _renamed_list(entry, key, rename)
    for md in entry.get("metadata", []):
        for key in ("table-key-properties", "valid-replication-keys", "replication-key"):
            _renamed_list(md.get("metadata", {}), key, rename)


def catalog(data: dict[str, t.Any]) -> dict[str, t.Any]:
    """The discovered catalog with snake_case names (schemas, keys, breadcrumbs)."""
    for entry in data.get("streams", []):
        entry["schema"] = schema(entry.get("schema", {}), f"stream {entry.get('stream')}")
        _stream_level(entry, snake)
        for md in entry.get("metadata", []):
            md["breadcrumb"] = [snake(b) for b in md.get("breadcrumb", [])]
    return data


def _back(names_here: t.Iterable[str]) -> dict[str, str]:
    """Brightpearl's name for each name of one level, given as it is or in snake_case."""
    out = {snake(n): n for n in names_here}
    out.update({n: n for n in names_here})
    return out


def _props(node: t.Any) -> dict[str, t.Any]:
    return node.get("properties", {}) if isinstance(node, dict) else {}


def schema_back(node: t.Any, original: t.Any) -> t.Any:
    """``node`` (a catalog's schema) in Brightpearl's names, walked beside ``original``."""
    if isinstance(node, list):
        originals = original if isinstance(original, list) else []
        return [
            schema_back(n, originals[i] if i < len(originals) else None) for i, n in enumerate(node)
        ]
    if not isinstance(node, dict):
        return node
    orig = original if isinstance(original, dict) else {}
    out: dict[str, t.Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            back, here = _back(_props(orig)), _props(orig)
            named = {str(back.get(n, n)): sub for n, sub in value.items()}
            out[key] = {n: schema_back(sub, here.get(n, {})) for n, sub in named.items()}
        elif key == "required" and isinstance(value, list):
            back = _back(_props(orig))
            out[key] = [back.get(n, n) for n in value]
        elif isinstance(value, dict | list):
            out[key] = schema_back(value, orig.get(key))
        else:
            out[key] = value
    return out


def breadcrumb_back(crumbs: list[str], original: dict[str, t.Any]) -> list[str]:
    """A metadata breadcrumb (``properties``, ``order_id``, ...) in Brightpearl's names."""
    out, node = [], original
    for i, crumb in enumerate(crumbs):
        name = crumb
        if i % 2 and crumbs[i - 1] == "properties":
            name = _back(_props(node)).get(crumb, crumb)
            node = _props(node).get(name, {})
        out.append(name)
    return out


def catalog_back(
    data: dict[str, t.Any], originals: dict[str, dict[str, t.Any]]
) -> dict[str, t.Any]:
    """An input catalog in Brightpearl's names (``originals``: each stream's own schema)."""
    for entry in data.get("streams", []):
        original = originals.get(entry.get("tap_stream_id") or entry.get("stream") or "")
        if original is None:
            continue
        top = _back(_props(original))
        entry["schema"] = schema_back(entry.get("schema", {}), original)
        _stream_level(entry, lambda n, top=top: top.get(n, n))  # type: ignore[misc]
        for md in entry.get("metadata", []):
            md["breadcrumb"] = breadcrumb_back(list(md.get("breadcrumb", [])), original)
    return data
