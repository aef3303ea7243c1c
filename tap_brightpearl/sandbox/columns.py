"""Search resources as the evidence shows them: columns, keys, blanks, and a named row type each.

Every search row is a ``namedtuple`` of its resource (``ROW[path]``): the columns in metaData
order, PERIOD cells in UTC epoch seconds, then ``off``, the record's display offset. Rows are
built and read by column name (``ROW[path](orderId=..., ..., off=0)``, ``row.updatedOn``); only
the search engine (search.py) works by position.
"""

from __future__ import annotations

from typing import Any

from . import drift
from .search import RowType, cols, row_type

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
        "orderId:I noteId:I contactId:I noteText:T isPublic:B dateAdded:P addedBy:I orderStatusId:I"
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
        "id:I title:S code:S symbol:S exchangeRate:S isDefault:B exchangeRateVarianceNominalCode:S"
    ),
}
# Searches whose evidence shows no isFreeTextSearchable on columns / no top-level reference.
NO_FREE_TEXT_FLAG = frozenset(
    (
        "product-service/brand-search",
        "product-service/brightpearl-category-search",
        "product-service/collection-search",
        "product-service/option-search",
        "product-service/option-value-search",
        "product-service/product-type-search",
        "product-service/season-search",
        "contact-service/company-search",
        "contact-service/contact-group-search",
        "contact-service/contact-group-member-search",
        "order-service/order-note-search",
    )
)
# Cells the evidence never shows as null: an unset text shows "", an unset id 0. (Filters
# still see null: a blank never matches a filter.)
SEARCH_BLANKS: dict[str, dict[str, Any]] = {
    "accounting-service/customer-payment-search": {"transactionCode": ""},
    "accounting-service/journal-search": {"channelId": 0, "leadSourceId": 0},
    "accounting-service/supplier-payment-search": {"orderId": 0},
    "contact-service/contact-group-member-search": {"contactGroupDescription": ""},
    "contact-service/contact-group-search": {"description": ""},
    "contact-service/contact-search": dict.fromkeys(
        ("companyName", "exactCompanyName", "mob", "sec", "secondaryEmail", "tertiaryEmail"), ""
    ),
    "order-service/order-search": {"customerRef": ""},
    "product-service/brightpearl-category-search": {"parentId": 0},
    "product-service/product-search": {"barcode": ""},
    "product-service/season-search": {"description": ""},
    "warehouse-service/goods-movement-search": {"batchId": 0},
}
NO_REFERENCE_KEY = frozenset(
    (
        "product-service/brand-search",
        "product-service/brightpearl-category-search",
        "product-service/collection-search",
        "product-service/option-search",
        "product-service/option-value-search",
        "product-service/product-type-search",
        "product-service/season-search",
        "order-service/order-note-search",
        "accounting-service/journal-search",
        "accounting-service/nominal-code-search",
        "accounting-service/currency-search",
        "accounting-service/supplier-payment-search",
    )
)
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


def columns_of(path: str, with_drift: bool = False) -> str:
    """The column words of a search (brand-search gains the invented drift column)."""
    spec = SEARCH_COLUMNS[path]
    if with_drift and path == "product-service/brand-search":
        spec += " " + drift.BRAND_CODE_COLUMN
    return spec


def _row(path: str, with_drift: bool = False) -> RowType:
    return row_type(path, tuple(c.name for c in cols(columns_of(path, with_drift))))


ROW: dict[str, RowType] = {path: _row(path) for path in SEARCH_COLUMNS}
