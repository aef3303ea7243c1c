"""INVENTED fields for the schema-drift tests: no schema declares them, no evidence shows them.

Brightpearl adds fields over time; a tap must widen its SCHEMA for them instead of losing them.
The sandbox therefore serves a few fields that are NOT real Brightpearl fields, so that every
full sync against it goes through the tap's schema-widening path. They are listed here and only
here (``DRIFT_FIELDS``); ``Sandbox(drift_fields=False)`` (CLI ``--no-drift-fields``) serves the
evidenced shapes alone.

``path`` uses the notation of ``tests/test_evidence_sandbox.py``: object keys joined by ``.``,
``[]`` for the items of a list, ``{id}`` for any key of a map keyed by numeric ids; search
columns appear as ``response.results[].<column>`` (rows zipped with ``metaData.columns``).
"""

from __future__ import annotations

from typing import NamedTuple

from .util import fmt_ts


class DriftField(NamedTuple):
    """One invented field: where it is served and what it is."""

    endpoint: str  # as the evidence catalogue names endpoints (path below /public-api/{acct}/)
    path: str
    json_type: str
    what: str


DRIFT_FIELDS: tuple[DriftField, ...] = (
    DriftField("order-service/order/{ids}", "response[].loyaltyPoints", "integer",
               "a new top-level scalar on every order"),
    DriftField("contact-service/contact/{ids}", "response[].loyalty", "object",
               "a new nested object on every contact: {tier, points, enrolledOn}, enrolledOn a "
               "timestamp with an offset (-06:00 or +01:00)"),
    DriftField("product-service/product/{ids}", "response[].lastStocktakeOn", "string",
               "a timestamp-looking string with an offset (-06:00 or +01:00) on every "
               "product: the tap must emit it in UTC"),
    DriftField("product-service/brand-search", "response.results[].brandCode", "string",
               "an extra STRING column in brand-search metaData.columns (and its cells)"),
    DriftField("warehouse-service/warehouse", "response[].dockDoors", "integer",
               "a field on a reference GET (every warehouse)"),
)

BRAND_CODE_COLUMN = "brandCode:S"
LOYALTY_TIERS = ("BRONZE", "SILVER", "GOLD")


def loyalty_points(order_id: int) -> int:
    """The invented ``loyaltyPoints`` of an order."""
    return order_id % 250


def loyalty(contact_id: int, created_ms: int, off: int) -> dict[str, object]:
    """The invented ``loyalty`` object of a contact."""
    return {"tier": LOYALTY_TIERS[contact_id % 3], "points": contact_id % 1000,
            "enrolledOn": fmt_ts(created_ms + 86_400_000, off % 2)}


def last_stocktake(updated_ms: int, off: int) -> str:
    """The invented ``lastStocktakeOn`` of a product (always -06:00 or +01:00, never Z)."""
    return fmt_ts(updated_ms - 3 * 86_400_000, off % 2)


def dock_doors(warehouse_id: int) -> int:
    """The invented ``dockDoors`` of a warehouse."""
    return 2 + warehouse_id % 5


def brand_code(brand_id: int, name: str) -> str:
    """The invented ``brandCode`` cell of a brand-search row."""
    return f"{''.join(ch for ch in name.upper() if ch.isalnum())[:4]}{brand_id:03d}"
