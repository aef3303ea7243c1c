"""The contract's streams and primary keys, and one normal form to compare key values in.

The tests' stream lists live here (``helpers`` re-exports every name): add a stream to
``CONTRACT_KEYS`` and, when a search's pages feed it, to ``SEARCH_STREAMS``;
tests/unit/test_stream_lists.py fails until both agree with the tap.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# The contract (docs/contract.md): stream -> primary key, in the contract's order.
CONTRACT_KEYS: dict[str, tuple[str, ...]] = {
    "orders": ("id",),
    "order_rows": ("orderId", "id"),
    "order_notes": ("noteId",),
    "order_statuses": ("statusId",),
    "order_types": ("id",),
    "order_stock_statuses": ("id",),
    "order_shipping_statuses": ("id",),
    "order_custom_field_metadata": ("orderType", "id"),
    "products": ("id",),
    "product_prices": ("productId", "priceListId"),
    "product_availability": ("productId", "warehouseId"),
    "price_lists": ("id",),
    "brands": ("brandId",),
    "categories": ("id",),
    "collections": ("collectionId",),
    "options": ("id",),
    "option_values": ("optionValueId",),
    "product_types": ("id",),
    "seasons": ("id",),
    "channels": ("id",),
    "channel_brands": ("channelBrandId",),
    "product_custom_field_metadata": ("id",),
    "contacts": ("contactId",),
    "postal_addresses": ("addressId",),
    "companies": ("companyId",),
    "contact_groups": ("contactGroupId",),
    "contact_group_members": ("contactGroupId", "contactId"),
    "lead_sources": ("id",),
    "contact_tags": ("tagId",),
    "warehouses": ("id",),
    "warehouse_locations": ("id",),
    "shipping_methods": ("id",),
    "goods_out_notes": ("id",),
    "goods_in_batches": ("batchId",),
    "goods_movements": ("goodsMovementId",),
    "journal_rows": ("journalRowId",),
    "customer_payments": ("paymentId",),
    "supplier_payments": ("paymentId",),
    "nominal_codes": ("code",),
    "tax_codes": ("id",),
    "currencies": ("id",),
    "exchange_rates": ("currencyId", "rateActiveFrom"),
    "accounting_periods": ("id",),
    "payment_methods": ("id",),
    "order_custom_field_values": ("orderId", "code"),
    "product_custom_field_values": ("productId", "code"),
    "contact_custom_field_metadata": ("contactType", "id"),
}
# Contract streams synced only when a setting turns them on (one request per record).
OPT_IN_KEYS: dict[str, tuple[str, ...]] = {"contact_custom_field_values": ("contactId", "code")}
# Streams whose source is a *-search endpoint (alone or followed by GET-by-ID-set).
SEARCH_STREAMS: tuple[str, ...] = (
    "orders",
    "order_notes",
    "products",
    "brands",
    "categories",
    "collections",
    "options",
    "option_values",
    "product_types",
    "seasons",
    "contacts",
    "companies",
    "contact_groups",
    "contact_group_members",
    "warehouse_locations",
    "goods_out_notes",
    "goods_in_batches",
    "goods_movements",
    "journal_rows",
    "customer_payments",
    "supplier_payments",
    "nominal_codes",
    "currencies",
)
# Streams whose deletions the sweep finds (deleted_records' "stream" values).
SWEPT: tuple[str, ...] = (
    "orders",
    "products",
    "contacts",
    "goods_out_notes",
    "goods_in_batches",
    "customer_payments",
    "supplier_payments",
)


def norm(value: Any) -> Any:
    """One comparable form for a key value from the tap or from the sandbox.

    Both serve ids with their API types (ints, and strings such as nominal codes "1000": a
    string id stays a string, so a type change is seen). An ISO date-time string becomes an
    aware UTC datetime, so the same instant compares equal whatever its offset or precision.
    """
    if isinstance(value, str) and ISO_DATETIME.match(value):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    return value


def norm_keys(keys: Iterable[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Normalise a set of PK tuples (as from ``sb.primary_keys`` or ``sb.changed_since``)."""
    return {tuple(norm(v) for v in key) for key in keys}


def truth(sb: Any, stream: str) -> set[tuple[Any, ...]]:
    """The sandbox's ground truth for a stream, normalised like ``Run.keys``."""
    return norm_keys(sb.primary_keys(stream))


def record_keys(records: Iterable[dict[str, Any]], stream: str) -> list[tuple[Any, ...]]:
    """Contract PK tuples of records (normalised, duplicates kept)."""
    names = CONTRACT_KEYS[stream]
    return [tuple(norm(r.get(n)) for n in names) for r in records]
