"""INVENTED fields for the schema-drift tests: no schema declares them, no evidence shows them.

Brightpearl adds fields over time; a tap must add them to its SCHEMA instead of losing them.
The sandbox therefore serves a few fields that are NOT real Brightpearl fields, so that every
full sync against it goes through the tap's schema-widening path. They are listed here and only
here (``DRIFT_FIELDS``); ``Sandbox(drift_fields=False)`` (CLI ``--no-drift-fields``) serves the
evidenced shapes alone. A value of another type in a declared field (a string where Brightpearl
sends an integer) is served only on demand: the knob ``surprises`` (:class:`Surprise`).

``path`` uses the notation of ``tests/test_evidence_sandbox.py``: object keys joined by ``.``,
``[]`` for the items of a list, ``{id}`` for any key of a map keyed by numeric ids; search
columns appear as ``response.results[].<column>`` (rows zipped with ``metaData.columns``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple

from .util import fmt_ts

if TYPE_CHECKING:
    from collections.abc import Sequence


class DriftField(NamedTuple):
    """One invented field: where it is served and what it is."""

    endpoint: str  # as the evidence catalogue names endpoints (path below /public-api/{acct}/)
    path: str
    json_type: str
    what: str


DRIFT_FIELDS: tuple[DriftField, ...] = (
    DriftField(
        "order-service/order/{ids}",
        "response[].loyaltyPoints",
        "integer",
        "a new top-level scalar on every order",
    ),
    DriftField(
        "contact-service/contact/{ids}",
        "response[].loyalty",
        "object",
        "a new nested object on every contact: {tier, points, enrolledOn}, enrolledOn a "
        "timestamp with an offset (-06:00 or +01:00)",
    ),
    DriftField(
        "product-service/product/{ids}",
        "response[].lastStocktakeOn",
        "string",
        "a timestamp-looking string with an offset (-06:00 or +01:00) on every "
        "product: the tap must emit it in UTC",
    ),
    DriftField(
        "product-service/brand-search",
        "response.results[].brandCode",
        "string",
        "an extra STRING column in brand-search metaData.columns (and its cells)",
    ),
    DriftField(
        "warehouse-service/warehouse",
        "response[].dockDoors",
        "integer",
        "a field on a reference GET (every warehouse)",
    ),
)

BRAND_CODE_COLUMN = "brandCode:S"
LOYALTY_TIERS = ("BRONZE", "SILVER", "GOLD")


def loyalty_points(order_id: int) -> int:
    """The invented ``loyaltyPoints`` of an order."""
    return order_id % 250


def loyalty(contact_id: int, created_ms: int, off: int) -> dict[str, object]:
    """The invented ``loyalty`` object of a contact."""
    return {
        "tier": LOYALTY_TIERS[contact_id % 3],
        "points": contact_id % 1000,
        "enrolledOn": fmt_ts(created_ms + 86_400_000, off % 2),
    }


def last_stocktake(updated_ms: int, off: int) -> str:
    """The invented ``lastStocktakeOn`` of a product (always -06:00 or +01:00, never Z)."""
    return fmt_ts(updated_ms - 3 * 86_400_000, off % 2)


def dock_doors(warehouse_id: int) -> int:
    """The invented ``dockDoors`` of a warehouse."""
    return 2 + warehouse_id % 5


def brand_code(brand_id: int, name: str) -> str:
    """The invented ``brandCode`` cell of a brand-search row."""
    return f"{''.join(ch for ch in name.upper() if ch.isalnum())[:4]}{brand_id:03d}"


# -- surprises: a value of another type where a record's field has a declared type -----------


class Surprise(NamedTuple):
    """One INVENTED value of another type, served in some records (knob ``surprises``).

    E.g. ``Surprise("order", "id", (3,), "version", "v7")``: order 3 answers ``"version":"v7"``
    where Brightpearl sends an integer. ``path`` is dotted; ``*`` steps into every value of a
    map (``orderRows.*.productId``: every row of the order) or every item of a list.
    """

    endpoint: str  # the route's counter name: "order", "contact", "product", "warehouse", ...
    key: str  # the records' id field: "id", "contactId"
    ids: tuple[int, ...]  # the records served with it
    path: str
    value: Any


def surprised(surprises: Sequence[Surprise] | None, endpoint: str, body: bytes) -> bytes:
    """A 200 answer's body with the surprises of ``endpoint`` applied (unchanged without)."""
    mine = [s for s in surprises or () if s.endpoint == endpoint]
    if not mine:
        return body
    doc = json.loads(body)  # a float keeps its value (its text may lose trailing zeros)
    items = doc.get("response")
    for item in items if isinstance(items, list) else ():
        for s in mine:
            if isinstance(item, dict) and item.get(s.key) in s.ids:
                _put(item, s.path.split("."), s.value)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _put(node: Any, steps: list[str], value: Any) -> None:
    head, rest = steps[0], steps[1:]
    if head == "*":
        children = list(node.values()) if isinstance(node, dict) else node
        for child in children if isinstance(children, list) else ():
            _put(child, rest, value)
    elif isinstance(node, dict) and head in node:
        if rest:
            _put(node[head], rest, value)
        else:
            node[head] = value
