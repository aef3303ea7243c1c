
"""Response shapes: search column lists (brightpearl-api.md §3e) and GET payloads (§4, §5).

Row functions turn an internal record into a search row (column order of its table, PERIOD
cells in epoch seconds, display offset last); render functions build the full GET object.
"""

from __future__ import annotations

import functools
from typing import Any

from . import drift
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
    render_goods_out,
    render_price,
    render_product,
)

__all__ = [
    "CUSTOM_FIELD_SETS", "SEARCH_COLUMNS", "SEARCH_KEYS", "SELECT_VALUES", "address",
    "availability", "cf_value", "contact_row", "custom_field_meta", "email", "goods_out_row",
    "new_tables", "order_bytes", "order_reference", "order_row", "parties", "party", "person",
    "product_row", "render_contact", "render_goods_out", "render_order", "render_price",
    "render_product",
]

# Column names and reportDataTypes as the evidence shows them (tests/evidence/*/search*.json;
# where versions differ, the current one). Words are name:TYPE[:referenceName], TYPE one of
# I=IDSET N=INTEGER S=STRING T=SEARCH_STRING B=BOOLEAN P=PERIOD.
SEARCH_COLUMNS: dict[str, str] = {
    "order-service/order-search": (
        "orderId:I orderTypeId:I:orderTypeNames contactId:N orderStatusId:N:orderStatusNames "
        "orderStockStatusId:N:orderStockStatusNames createdOn:P createdById:N customerRef:S "
        "orderPaymentStatusId:N:orderPaymentStatusNames updatedOn:P parentOrderId:I "
        "orderShippingStatusId:N:orderShippingStatusNames externalRef:S "
        "installedIntegrationInstanceId:N warehouseId:I staffOwnerContactId:N taxDate:P "
        "departmentId:N deliveryDate:P"
    ),
    "order-service/order-note-search": (
        "orderId:I noteId:I contactId:I noteText:T isPublic:B dateAdded:P addedBy:I "
        "orderStatusId:I"
    ),
    "product-service/product-search": (
        "productId:I:productCategoryMembership productName:T SKU:S barcode:S EAN:S UPC:S ISBN:S "
        "MPN:S stockTracked:B salesChannelName:S createdOn:P updatedOn:P "
        "brightpearlCategoryCode:I productGroupId:N brandId:I productTypeId:I productStatus:S "
        "primarySupplierId:I"
    ),
    "product-service/brand-search": "brandId:I brandName:T",
    "product-service/brightpearl-category-search": (
        "id:I name:T parentId:I active:B createdOn:P createdById:I updatedOn:P updatedBy:I"
    ),
    "product-service/collection-search": "collectionId:I collectionName:T brandId:I",
    "product-service/option-search": "id:I name:T",
    "product-service/option-value-search": (
        "optionId:I optionName:S optionValueId:I optionValueName:T"
    ),
    "product-service/product-type-search": "id:I name:T",
    "product-service/season-search": "id:I name:T description:S",
    "contact-service/contact-search": (
        "contactId:I primaryEmail:T secondaryEmail:T tertiaryEmail:T firstName:T lastName:T "
        "isSupplier:B companyName:T isStaff:B isCustomer:B createdOn:P updatedOn:P "
        "lastContactedOn:P lastOrderedOn:P nominalCode:N isPrimary:B pri:S sec:S mob:S "
        "exactCompanyName:S title:S"
    ),
    "contact-service/company-search": "companyId:I name:T",
    "contact-service/contact-group-search": (
        "contactGroupId:I name:T description:S numberOfMembers:N"
    ),
    "contact-service/contact-group-member-search": (
        "contactId:I firstName:T lastName:T contactGroupId:I contactGroupName:T "
        "contactGroupDescription:S"
    ),
    "warehouse-service/location-search": (
        "id:I warehouseId:I zoneId:I groupingA:S groupingB:S groupingC:S groupingD:S barcode:S"
    ),
    "warehouse-service/goods-note/goods-out-search": (
        "goodsOutNoteId:N printed:B picked:B packed:B shipped:B shippedOn:P orderId:N "
        "shippingMethodId:I warehouseId:N priority:B createdOn:P releaseDate:P createdBy:N "
        "labelUri:S channelId:N transfer:B"
    ),
    "warehouse-service/goods-in-search": (
        "purchaseOrderId:N batchId:N userBatchRef:T productId:N locationId:N groupingA:S "
        "groupingB:S groupingC:S groupingD:S price:S landedCosts:S currCode:S "
        "receivedQuantity:N onHand:N createdDate:P receivedDate:P warehouseId:N"
    ),
    "warehouse-service/goods-movement-search": (
        "goodsMovementId:I productId:N salesOrderRowId:I purchaseOrderRowId:I quantity:N "
        "destinationLocationId:N warehouseId:N goodsNoteId:I productValue:S currencyCode:S "
        "orderId:N isCleared:B isQuarantine:B batchId:N goodsNoteTypeCode:S updatedOn:P"
    ),
    "accounting-service/journal-search": (
        "journalId:I journalType:S orderId:I invoiceReference:T channelId:N nominalCode:S "
        "journalDate:P journalDebit:S journalCredit:S journalRef:N currencyId:N exchangeRate:S "
        "transactionDebit:S transactionCredit:S projectId:N leadSourceId:N contactId:N "
        "journalDueDate:P journalDateEntered:P createdContactId:N taxCodeId:N "
        "taxReconciliationDate:P taxPeriodId:I journalRowId:I"
    ),
    "accounting-service/customer-payment-search": (
        "paymentId:I transactionRef:S transactionCode:S paymentMethodCode:S paymentType:S "
        "orderId:I currencyId:I currencyCode:S amountAuthorized:S amountPaid:S expires:P "
        "paymentDate:P createdOn:P journalId:I"
    ),
    "accounting-service/supplier-payment-search": (
        "paymentId:I transactionRef:S paymentMethodCode:S paymentType:S orderId:I currencyId:I "
        "currencyCode:S amountPaid:S paymentDate:P createdOn:P journalId:I"
    ),
    "accounting-service/nominal-code-search": "code:T name:T type:I bank:B currencyId:I active:B",
    "accounting-service/currency-search": (
        "id:I title:S code:S symbol:S exchangeRate:S isDefault:B "
        "exchangeRateVarianceNominalCode:S"
    ),
}
# Searches whose evidence shows no isFreeTextSearchable on columns / no top-level reference.
NO_FREE_TEXT_FLAG = frozenset((
    "product-service/brand-search", "product-service/brightpearl-category-search",
    "product-service/collection-search", "product-service/option-search",
    "product-service/option-value-search", "product-service/product-type-search",
    "product-service/season-search", "contact-service/company-search",
    "contact-service/contact-group-search", "contact-service/contact-group-member-search",
    "order-service/order-note-search",
))
# Cells the evidence never shows as null: an unset text shows "", an unset id 0. (Filters
# still see null: a blank never matches a filter.)
SEARCH_BLANKS: dict[str, dict[str, Any]] = {
    "accounting-service/customer-payment-search": {"transactionCode": ""},
    "accounting-service/journal-search": {"channelId": 0, "leadSourceId": 0},
    "accounting-service/supplier-payment-search": {"orderId": 0},
    "contact-service/contact-group-member-search": {"contactGroupDescription": ""},
    "contact-service/contact-group-search": {"description": ""},
    "contact-service/contact-search": dict.fromkeys(
        ("companyName", "exactCompanyName", "mob", "sec", "secondaryEmail", "tertiaryEmail"),
        ""),
    "order-service/order-search": {"customerRef": ""},
    "product-service/brightpearl-category-search": {"parentId": 0},
    "product-service/product-search": {"barcode": ""},
    "product-service/season-search": {"description": ""},
    "warehouse-service/goods-movement-search": {"batchId": 0},
}
NO_REFERENCE_KEY = frozenset((
    "product-service/brand-search", "product-service/brightpearl-category-search",
    "product-service/collection-search", "product-service/option-search",
    "product-service/option-value-search", "product-service/product-type-search",
    "product-service/season-search", "order-service/order-note-search",
    "accounting-service/journal-search", "accounting-service/nominal-code-search",
    "accounting-service/currency-search", "accounting-service/supplier-payment-search",
))
SEARCH_KEYS: dict[str, tuple[str, ...]] = {
    "order-service/order-search": ("orderId",),
    "order-service/order-note-search": ("noteId",),
    "product-service/product-search": ("productId",),
    "product-service/brand-search": ("brandId",),
    "product-service/collection-search": ("collectionId",),
    "product-service/option-value-search": ("optionValueId",),
    "contact-service/contact-search": ("contactId",),
    "contact-service/company-search": ("companyId",),
    "contact-service/contact-group-search": ("contactGroupId",),
    "contact-service/contact-group-member-search": ("contactGroupId", "contactId"),
    "warehouse-service/goods-note/goods-out-search": ("goodsOutNoteId",),
    "warehouse-service/goods-in-search": ("batchId",),
    "warehouse-service/goods-movement-search": ("goodsMovementId",),
    "accounting-service/journal-search": ("journalRowId",),
    "accounting-service/customer-payment-search": ("paymentId",),
    "accounting-service/supplier-payment-search": ("paymentId",),
    "accounting-service/nominal-code-search": ("code",),
}


def new_tables(store: Store) -> dict[str, Table]:
    """Empty tables for every search resource."""
    out = {}
    for path, words in SEARCH_COLUMNS.items():
        spec = words
        quirk = path == "accounting-service/supplier-payment-search"
        if path == "product-service/brand-search" and store.drift:
            spec += " " + drift.BRAND_CODE_COLUMN
        out[path] = Table(
            path, cols(spec), SEARCH_KEYS.get(path, ("id",)),
            reference=(functools.partial(product_reference, store)
                       if path == "product-service/product-search" else order_reference),
            quirk_results_available=500 if quirk else None,
            ignore_filters=("paymentId",) if quirk else (),
            free_text_flag=path not in NO_FREE_TEXT_FLAG,
            reference_key=path not in NO_REFERENCE_KEY,
            blanks=SEARCH_BLANKS.get(path, {}),
        )
    return out


def product_reference(store: Store, rows: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """The reference block of product-search: productId -> its category ids (page's rows)."""
    products = store.products
    return {"productCategoryMembership": {
        str(r[0]): [products[r[0]]["category"]] for r in rows if r[0] in products}}


def order_reference(_rows: object = None) -> dict[str, dict[str, Any]]:
    """The reference block of order-search: code -> label maps."""
    return {
        "orderTypeNames": {str(k): v[1] for k, v in ORDER_TYPES.items()},
        "orderStatusNames": {str(k): v for k, v in STATUS_NAME.items()},
        "orderStockStatusNames": {str(i): c for i, c, _ in STOCK_STATUSES},
        "orderPaymentStatusNames": {str(i): c for i, c in PAYMENT_STATUSES},
        "orderShippingStatusNames": {str(i): c for i, c, _ in SHIPPING_STATUSES},
    }
