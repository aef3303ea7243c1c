
"""Response shapes: search column lists (brightpearl-api.md §3e) and GET payloads (§4, §5).

Row functions turn an internal record into a search row (column order of its table, PERIOD
cells in epoch seconds, display offset last); render functions build the full GET object.
"""

from __future__ import annotations

from typing import Any

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

SEARCH_COLUMNS: dict[str, str] = {
    "order-service/order-search": (
        "orderId:I orderTypeId:I:orderTypeNames contactId:I orderStatusId:N:orderStatusNames "
        "orderStockStatusId:I:orderStockStatusNames createdOn:P createdById:I customerRef:S "
        "orderPaymentStatusId:I:orderPaymentStatusNames updatedOn:P parentOrderId:I "
        "orderShippingStatusId:I:orderShippingStatusNames externalRef:S "
        "installedIntegrationInstanceId:I warehouseId:I staffOwnerContactId:I taxDate:P "
        "departmentId:N deliveryDate:P"
    ),
    "order-service/order-note-search": (
        "orderId:I noteId:I contactId:I noteText:S isPublic:B dateAdded:P addedBy:I "
        "orderStatusId:N"
    ),
    "product-service/product-search": (
        "productId:I productName:T SKU:S barcode:S EAN:S UPC:S ISBN:S MPN:S stockTracked:B "
        "salesChannelName:S createdOn:P updatedOn:P brightpearlCategoryCode:S productGroupId:I "
        "brandId:I productTypeId:I productStatus:S primarySupplierId:I"
    ),
    "product-service/brand-search": "brandId:I brandName:S",
    "product-service/brightpearl-category-search": (
        "id:I name:S parentId:I active:B createdOn:P createdById:I updatedOn:P updatedBy:I"
    ),
    "product-service/collection-search": "collectionId:I collectionName:S brandId:I",
    "product-service/option-search": "id:I name:S",
    "product-service/option-value-search": (
        "optionId:I optionName:S optionValueId:I optionValueName:S"
    ),
    "product-service/product-type-search": "id:I name:S",
    "product-service/season-search": "id:I name:S description:S",
    "contact-service/contact-search": (
        "contactId:I primaryEmail:S secondaryEmail:S tertiaryEmail:S firstName:S lastName:S "
        "isSupplier:B companyName:S isStaff:B isCustomer:B createdOn:P updatedOn:P "
        "lastContactedOn:P lastOrderedOn:P nominalCode:S isPrimary:B pri:S sec:S mob:S "
        "exactCompanyName:S title:S"
    ),
    "contact-service/company-search": "companyId:I name:S",
    "contact-service/contact-group-search": (
        "contactGroupId:I name:S description:S numberOfMembers:N"
    ),
    "contact-service/contact-group-member-search": (
        "contactId:I firstName:S lastName:S contactGroupId:I contactGroupName:S "
        "contactGroupDescription:S"
    ),
    "warehouse-service/location-search": (
        "id:I warehouseId:I zoneId:I groupingA:S groupingB:S groupingC:S groupingD:S barcode:S"
    ),
    "warehouse-service/goods-note/goods-out-search": (
        "goodsOutNoteId:I printed:B picked:B packed:B shipped:B shippedOn:P orderId:I "
        "shippingMethodId:I warehouseId:I priority:B createdOn:P releaseDate:P createdBy:I "
        "labelUri:S channelId:I transfer:B"
    ),
    "warehouse-service/goods-in-search": (
        "purchaseOrderId:I batchId:I userBatchRef:S productId:I locationId:I groupingA:S "
        "groupingB:S groupingC:S groupingD:S price:S landedCosts:S currCode:S "
        "receivedQuantity:N onHand:N createdDate:P receivedDate:P warehouseId:I"
    ),
    "warehouse-service/goods-movement-search": (
        "goodsMovementId:I productId:I salesOrderRowId:I purchaseOrderRowId:I quantity:N "
        "destinationLocationId:I warehouseId:I goodsNoteId:I productValue:S currencyCode:S "
        "orderId:I isCleared:B isQuarantine:B batchId:I goodsNoteTypeCode:S updatedOn:P"
    ),
    "accounting-service/journal-search": (
        "journalId:I journalType:S orderId:I invoiceReference:S channelId:I nominalCode:S "
        "journalDate:P journalDebit:S journalCredit:S journalRef:S currencyId:I exchangeRate:S "
        "transactionDebit:S transactionCredit:S projectId:I leadSourceId:I contactId:I "
        "journalDueDate:P journalDateEntered:P createdContactId:I taxCodeId:I "
        "taxReconciliationDate:P taxPeriodId:N journalRowId:I"
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
    "accounting-service/nominal-code-search": "code:S name:S type:S bank:B currencyId:I active:B",
    "accounting-service/currency-search": (
        "id:I title:S code:S symbol:S exchangeRate:S isDefault:B "
        "exchangeRateVarianceNominalCode:S"
    ),
}
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
    for path, spec in SEARCH_COLUMNS.items():
        quirk = path == "accounting-service/supplier-payment-search"
        out[path] = Table(
            path, cols(spec), SEARCH_KEYS.get(path, ("id",)),
            reference=order_reference,
            quirk_results_available=500 if quirk else None,
            ignore_filters=("paymentId",) if quirk else (),
        )
    return out


def order_reference() -> dict[str, dict[str, Any]]:
    """The reference block of order-search: code -> label maps."""
    return {
        "orderTypeNames": {str(k): v[1] for k, v in ORDER_TYPES.items()},
        "orderStatusNames": {str(k): v for k, v in STATUS_NAME.items()},
        "orderStockStatusNames": {str(i): c for i, c, _ in STOCK_STATUSES},
        "orderPaymentStatusNames": {str(i): c for i, c in PAYMENT_STATUSES},
        "orderShippingStatusNames": {str(i): c for i, c, _ in SHIPPING_STATUSES},
    }
