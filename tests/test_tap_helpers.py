"""Helpers for the tap's tests (no tests here): run the CLI as Meltano does, read its output.

The tap runs as a subprocess of its console script; stdout is parsed as Singer messages with
floats kept as ``Decimal`` (so a float anywhere is detectable), stderr kept as text.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

TAP = Path(sys.executable).parent / "tap-brightpearl"
CANONICAL_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# The contract (streams.md): stream -> primary key.
CONTRACT_KEYS: dict[str, tuple[str, ...]] = {
    "orders": ("id",), "order_rows": ("orderId", "id"), "order_notes": ("noteId",),
    "order_statuses": ("statusId",), "order_types": ("id",), "order_stock_statuses": ("id",),
    "order_shipping_statuses": ("id",), "order_custom_field_metadata": ("orderType", "id"),
    "products": ("id",), "product_prices": ("productId", "priceListId"),
    "product_availability": ("productId", "warehouseId"), "price_lists": ("id",),
    "brands": ("brandId",), "categories": ("id",), "collections": ("collectionId",),
    "options": ("id",), "option_values": ("optionValueId",), "product_types": ("id",),
    "seasons": ("id",), "channels": ("id",), "channel_brands": ("channelBrandId",),
    "product_custom_field_metadata": ("id",), "contacts": ("contactId",),
    "postal_addresses": ("addressId",), "companies": ("companyId",),
    "contact_groups": ("contactGroupId",), "contact_group_members": ("contactGroupId", "contactId"),
    "lead_sources": ("id",), "contact_tags": ("tagId",), "warehouses": ("id",),
    "warehouse_locations": ("id",), "shipping_methods": ("id",), "goods_out_notes": ("id",),
    "goods_in_batches": ("batchId",), "goods_movements": ("goodsMovementId",),
    "journal_rows": ("journalRowId",), "customer_payments": ("paymentId",),
    "supplier_payments": ("paymentId",), "nominal_codes": ("code",), "tax_codes": ("id",),
    "currencies": ("id",), "exchange_rates": ("currencyId", "rateActiveFrom"),
    "accounting_periods": ("id",), "payment_methods": ("id",),
}
INCREMENTAL_SEARCH = {
    "order_notes": "order-note-search", "goods_in_batches": "goods-in-search",
    "goods_movements": "goods-movement-search", "journal_rows": "journal-search",
    "customer_payments": "customer-payment-search", "supplier_payments": "supplier-payment-search",
}
SEARCH_THEN_GET = {
    "orders": ("order-search", "order"), "products": ("product-search", "product"),
    "contacts": ("contact-search", "contact"),
    "goods_out_notes": ("goods-out-search", "goods-out-note"),
}


@dataclass
class Run:
    """What one tap process did."""

    returncode: int
    stdout: str
    stderr: str
    singer: bool = True  # stdout is Singer messages (not --discover / --about output)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.singer:
            self.messages = [
                json.loads(line, parse_float=Decimal) for line in self.stdout.splitlines() if line
            ]

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"] for m in self.messages
                if m["type"] == "RECORD" and m["stream"] == stream]

    def keys(self, stream: str) -> list[tuple[Any, ...]]:
        names = CONTRACT_KEYS[stream]
        return [tuple(norm(r.get(n)) for n in names) for r in self.records(stream)]

    def records_with_schema(self, stream: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Each record of ``stream`` with the latest SCHEMA emitted before it."""
        out, schema = [], {}
        for m in self.messages:
            if m.get("stream") != stream:
                continue
            if m["type"] == "SCHEMA":
                schema = m["schema"]
            elif m["type"] == "RECORD":
                out.append((m["record"], schema))
        return out

    def schemas(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for m in self.messages:
            if m["type"] == "SCHEMA":
                out.setdefault(m["stream"], []).append(m["schema"])
        return out

    def last_state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def norm(value: Any) -> Any:
    """Comparable form of a key value from the tap or the sandbox (timestamps as UTC)."""
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    return value


def truth(sb: Any, stream: str) -> set[tuple[Any, ...]]:
    """The sandbox's ground truth for a stream, normalised like ``Run.keys``."""
    return {tuple(norm(v) for v in key) for key in sb.primary_keys(stream)}


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Our environment minus anything the tap would read as config."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PAN_SEC_", "PAN_CFG_", "TAP_BRIGHTPEARL_"))}
    env.update(extra or {})
    return env


def run_tap(
    tmp_path: Path,
    config: dict[str, Any] | None = None,
    *,
    state: dict[str, Any] | None = None,
    streams: set[str] | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    name: str = "run",
    timeout: float = 240,
) -> Run:
    """Run ``tap-brightpearl`` (with ``--config FILE`` when a config is given)."""
    cmd = [str(TAP), *args]
    if config is not None:
        path = tmp_path / f"{name}-config.json"
        path.write_text(json.dumps(config))
        cmd += ["--config", str(path)]
    if state is not None:
        path = tmp_path / f"{name}-state.json"
        path.write_text(json.dumps(state))
        cmd += ["--state", str(path)]
    if streams is not None:
        path = tmp_path / f"{name}-catalog.json"
        path.write_text(json.dumps(catalog(frozenset(streams))))
        cmd += ["--catalog", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=clean_env(env), check=False)
    singer = not {"--discover", "--about"} & set(args)
    return Run(proc.returncode, proc.stdout, proc.stderr, singer)


@functools.cache
def discovered() -> str:
    """The catalog from ``--discover`` without config (cached per process)."""
    out = subprocess.run([str(TAP), "--discover"], capture_output=True, text=True,
                         env=clean_env(), check=True, timeout=120)
    return out.stdout


def catalog(streams: frozenset[str]) -> dict[str, Any]:
    """The discovered catalog with only ``streams`` selected."""
    cat = json.loads(discovered())
    for entry in cat["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return cat


def undeclared(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Paths in ``value`` that its JSON schema does not declare."""
    out: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is None:
            return out  # a free-form object (custom fields)
        for key, item in value.items():
            if key not in props:
                out.append(f"{path}.{key}")
            else:
                out.extend(undeclared(item, props[key], f"{path}.{key}"))
    elif isinstance(value, list):
        for item in value:
            out.extend(undeclared(item, schema.get("items") or {}, f"{path}[]"))
    return out


def floats(value: Any, path: str = "") -> list[str]:
    """Paths holding a JSON float (parsed as Decimal)."""
    if isinstance(value, Decimal):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in floats(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for v in value for p in floats(v, f"{path}[]")]
    return []


def datetime_paths(schema: dict[str, Any], path: str = "") -> list[str]:
    """Dotted paths of top-level and nested date-time properties (not inside arrays)."""
    out = []
    for key, prop in (schema.get("properties") or {}).items():
        if prop.get("format") == "date-time":
            out.append(f"{path}{key}")
        elif "properties" in prop:
            out.extend(datetime_paths(prop, f"{path}{key}."))
    return out


def dig(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def requests_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """Requests per endpoint between two ``sb.counters()`` snapshots."""
    b, a = before["requests"], after["requests"]
    return {k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0)}
