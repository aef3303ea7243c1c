"""Response shapes: the search tables (columns in columns.py) and GET payloads (tests/evidence/).

Row functions turn an internal record into a search row (a named row of columns.ROW, PERIOD
cells in epoch seconds, display offset ``off``); render functions build the full GET object.
"""

from __future__ import annotations

import functools
from typing import Any

from .columns import (
    NO_FREE_TEXT_FLAG,
    NO_REFERENCE_KEY,
    SEARCH_BLANKS,
    SEARCH_COLUMNS,
    SEARCH_KEYS,
    columns_of,
)
from .data import (
    ORDER_TYPES,
    PAYMENT_STATUSES,
    SHIPPING_STATUSES,
    STATUS_NAME,
    STOCK_STATUSES,
    Store,
)
from .search import Table, cols
from .shapes_orders import (
    CUSTOM_FIELD_SETS,
    SELECT_VALUES,
    cf_value,
    custom_field_meta,
    order_bytes,
    order_row,
    render_order,
)
from .shapes_people import address, contact_row, email, parties, party, person, render_contact
from .shapes_products import (
    availability,
    goods_out_row,
    product_row,
    render_goods_in,
    render_goods_out,
    render_price,
    render_product,
)

__all__ = [
    "CUSTOM_FIELD_SETS",
    "SEARCH_COLUMNS",
    "SEARCH_KEYS",
    "SELECT_VALUES",
    "address",
    "availability",
    "cf_value",
    "contact_row",
    "custom_field_meta",
    "email",
    "goods_out_row",
    "new_tables",
    "order_bytes",
    "order_reference",
    "order_row",
    "parties",
    "party",
    "person",
    "product_row",
    "render_contact",
    "render_goods_in",
    "render_goods_out",
    "render_order",
    "render_price",
    "render_product",
]


def new_tables(store: Store) -> dict[str, Table]:
    """Empty tables for every search resource."""
    out = {}
    for path in SEARCH_COLUMNS:
        quirk = path == "accounting-service/supplier-payment-search"
        out[path] = Table(
            path,
            cols(columns_of(path, store.drift)),
            SEARCH_KEYS.get(path, ("id",)),
            reference=(
                functools.partial(product_reference, store)
                if path == "product-service/product-search"
                else order_reference
            ),
            quirk_results_available=500 if quirk else None,
            ignore_filters=("paymentId",) if quirk else (),
            free_text_flag=path not in NO_FREE_TEXT_FLAG,
            reference_key=path not in NO_REFERENCE_KEY,
            blanks=SEARCH_BLANKS.get(path, {}),
        )
    return out


def product_reference(store: Store, rows: list[Any]) -> dict[str, dict[str, Any]]:
    """The reference block of product-search: productId -> its category ids (page's rows)."""
    products = store.products
    return {
        "productCategoryMembership": {
            str(r.productId): [products[r.productId]["category"]]
            for r in rows
            if r.productId in products
        }
    }


def order_reference(_rows: object = None) -> dict[str, dict[str, Any]]:
    """The reference block of order-search: code -> label maps."""
    return {
        "orderTypeNames": {str(k): v[1] for k, v in ORDER_TYPES.items()},
        "orderStatusNames": {str(k): v for k, v in STATUS_NAME.items()},
        "orderStockStatusNames": {str(i): c for i, c, _ in STOCK_STATUSES},
        "orderPaymentStatusNames": {str(i): c for i, c in PAYMENT_STATUSES},
        "orderShippingStatusNames": {str(i): c for i, c, _ in SHIPPING_STATUSES},
    }
