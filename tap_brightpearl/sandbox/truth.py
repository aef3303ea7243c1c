"""Ground truth per contract stream (docs/contract.md): primary keys present now, and changes.

PK tuples follow the contract's key order. ``exchange_rates`` keys carry ``rateActiveFrom`` as
the string the API serves. ``changed_since`` uses the internal (millisecond) timestamps for
orders, products, contacts and goods-out notes, the served second-precision values for search
rows; full-table streams count as changed in full; ``order_rows`` and ``postal_addresses``
follow their parents; ``goods_out_notes`` counts notes created OR shipped since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .data import PRICE_LISTS, Store

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

Keys = set[tuple[Any, ...]]

# stream -> (search path, key columns, replication column or None)
SEARCH_STREAMS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "order_notes": ("order-service/order-note-search", ("noteId",), "dateAdded"),
    "brands": ("product-service/brand-search", ("brandId",), None),
    "categories": ("product-service/brightpearl-category-search", ("id",), None),
    "collections": ("product-service/collection-search", ("collectionId",), None),
    "options": ("product-service/option-search", ("id",), None),
    "option_values": ("product-service/option-value-search", ("optionValueId",), None),
    "product_types": ("product-service/product-type-search", ("id",), None),
    "seasons": ("product-service/season-search", ("id",), None),
    "companies": ("contact-service/company-search", ("companyId",), None),
    "contact_groups": ("contact-service/contact-group-search", ("contactGroupId",), None),
    "contact_group_members": (
        "contact-service/contact-group-member-search",
        ("contactGroupId", "contactId"),
        None,
    ),
    "warehouse_locations": ("warehouse-service/location-search", ("id",), None),
    "goods_in_batches": ("warehouse-service/goods-in-search", ("batchId",), "createdDate"),
    "goods_movements": (
        "warehouse-service/goods-movement-search",
        ("goodsMovementId",),
        "updatedOn",
    ),
    "journal_rows": ("accounting-service/journal-search", ("journalRowId",), "journalDateEntered"),
    "customer_payments": (
        "accounting-service/customer-payment-search",
        ("paymentId",),
        "createdOn",
    ),
    "supplier_payments": (
        "accounting-service/supplier-payment-search",
        ("paymentId",),
        "createdOn",
    ),
    "nominal_codes": ("accounting-service/nominal-code-search", ("code",), None),
    "currencies": ("accounting-service/currency-search", ("id",), None),
}

# stream -> (reference GET path, key fields)
REFERENCE_STREAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "order_statuses": ("order-service/order-status", ("statusId",)),
    "order_types": ("order-service/order-type", ("id",)),
    "order_stock_statuses": ("order-service/order-stock-status", ("id",)),
    "order_shipping_statuses": ("order-service/order-shipping-status", ("id",)),
    "price_lists": ("product-service/price-list", ("id",)),
    "channels": ("product-service/channel", ("id",)),
    "channel_brands": ("product-service/channel-brand", ("channelBrandId",)),
    "product_custom_field_metadata": ("product-service/product/custom-field-meta-data", ("id",)),
    "lead_sources": ("contact-service/lead-source", ("id",)),
    "warehouses": ("warehouse-service/warehouse", ("id",)),
    "shipping_methods": ("warehouse-service/shipping-method", ("id",)),
    "tax_codes": ("accounting-service/tax-code", ("id",)),
    "exchange_rates": ("accounting-service/exchange-rate", ("currencyId", "rateActiveFrom")),
    "accounting_periods": ("accounting-service/accounting-period", ("id",)),
    "payment_methods": ("accounting-service/payment-method", ("id",)),
}


def _all(store: Store, stream: str) -> Keys:
    if stream in SEARCH_STREAMS:
        path, key, _ = SEARCH_STREAMS[stream]
        table = store.tables[path]
        return {table.cells(row, key) for row in table.rows.values()}
    if stream in REFERENCE_STREAMS:
        path, key = REFERENCE_STREAMS[stream]
        return {tuple(item[k] for k in key) for item in store.ref[path]}
    return SPECIAL[stream](store)


SPECIAL: dict[str, Callable[[Store], Keys]] = {
    "orders": lambda s: {(i,) for i in s.orders},
    "order_rows": lambda s: {(o["id"], r) for o in s.orders.values() for r in o["rows"]},
    "order_custom_field_metadata": lambda s: {
        (kind, item["id"])
        for kind in ("sale", "purchase")
        for item in s.ref[f"order-service/{kind}/custom-field-meta-data"]
    },
    "order_custom_field_values": lambda s: {
        (o["id"], code) for o in s.orders.values() for code in o["cf"]
    },
    "contact_custom_field_metadata": lambda s: {
        (kind, item["id"])
        for kind in ("customer", "supplier")
        for item in s.ref[f"contact-service/{kind}/custom-field-meta-data"]
    },
    "product_custom_field_values": lambda s: {
        (p["id"], code) for p in s.products.values() for code in p["cf"]
    },
    "contact_custom_field_values": lambda s: {
        (c["id"], code) for c in s.contacts.values() for code in c.get("cf", {})
    },
    "products": lambda s: {(i,) for i in s.products},
    "product_prices": lambda s: {
        (p["id"], pl) for p in s.products.values() for pl, *_ in PRICE_LISTS if pl in p["prices"]
    },
    "product_availability": lambda s: {
        (p["id"], w) for p in s.products.values() if p["tracked"] for w in p["stock"]
    },
    "contacts": lambda s: {(i,) for i in s.contacts},
    "postal_addresses": lambda s: {
        (a,) for c in s.contacts.values() for a in set(c["addr"].values())
    },
    "contact_tags": lambda s: {(v["tagId"],) for v in s.ref["contact-service/tag"].values()},
    "goods_out_notes": lambda s: {(i,) for i in s.goods_out},
}

STREAMS = frozenset(SEARCH_STREAMS) | frozenset(REFERENCE_STREAMS) | frozenset(SPECIAL)


def primary_keys(store: Store, stream: str) -> Keys:
    """PK tuples present now."""
    if stream not in STREAMS:
        raise KeyError(f"unknown stream {stream!r}; known: {sorted(STREAMS)}")
    return _all(store, stream)


def changed_since(store: Store, stream: str, since: datetime) -> Keys:
    """PK tuples whose replication key >= since (tz-aware datetime)."""
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    ms = int(since.timestamp() * 1000)
    if stream in ("orders", "order_rows", "order_custom_field_values"):
        orders = [o for o in store.orders.values() if o["updated"] >= ms]
        if stream == "orders":
            return {(o["id"],) for o in orders}
        if stream == "order_custom_field_values":
            return {(o["id"], code) for o in orders for code in o["cf"]}
        return {(o["id"], r) for o in orders for r in o["rows"]}
    if stream in ("products", "product_custom_field_values"):
        products = [p for p in store.products.values() if p["updated"] >= ms]
        if stream == "products":
            return {(p["id"],) for p in products}
        return {(p["id"], code) for p in products for code in p["cf"]}
    if stream in ("contacts", "postal_addresses", "contact_custom_field_values"):
        contacts = [c for c in store.contacts.values() if c["updated"] >= ms]
        if stream == "contacts":
            return {(c["id"],) for c in contacts}
        if stream == "contact_custom_field_values":
            return {(c["id"], code) for c in contacts for code in c.get("cf", {})}
        return {(a,) for c in contacts for a in set(c["addr"].values())}
    if stream == "goods_out_notes":
        return {
            (n["id"],)
            for n in store.goods_out.values()
            if n["created"] >= ms or (n["shipped"] is not None and n["shipped"] >= ms)
        }
    if stream in SEARCH_STREAMS and SEARCH_STREAMS[stream][2] is not None:
        path, key, col = SEARCH_STREAMS[stream]
        table = store.tables[path]
        sec = ms // 1000
        return {
            table.cells(row, key)
            for row in table.rows.values()
            if getattr(row, col or "") is not None and getattr(row, col or "") >= sec
        }
    return primary_keys(store, stream)
