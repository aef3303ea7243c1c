# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Response shapes: search column lists (brightpearl-api.md §3e) and GET payloads (§4, §5).

Row functions turn an internal record into a search row (column order of its table, PERIOD
cells in epoch seconds, display offset last); render functions build the full GET object.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from .data import (
    CITIES,
    CUR,
    FIRST,
    LAST,
    ORDER_TYPES,
    PAYMENT_STATUSES,
    PRICE_LISTS,
    PRODUCT_CF,
    PURCHASE_CF,
    SALE_CF,
    SHIPPING_STATUSES,
    START_MS,
    STATUS_NAME,
    STOCK_STATUSES,
    STREETS,
    TAX,
    Store,
    dec4,
    money,
    secs,
    ts,
)
from .search import Table, cols
from .util import dumps, fmt_ts

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


# -- people and addresses: deterministic functions of ids ---------------------------------

def person(cid: int) -> tuple[str, str]:
    """First and last name of a contact id."""
    return FIRST[cid % len(FIRST)], LAST[(cid // 7) % len(LAST)]


def email(cid: int) -> str:
    """Primary e-mail of a contact id (ASCII local part, unicode-free)."""
    return f"contact{cid}@example.com"


def address(aid: int, cid: int) -> dict[str, Any]:
    """A postal address record as postal-address GET returns it."""
    city, iso2, iso3, country_id = CITIES[aid % len(CITIES)]
    return {
        "addressId": aid,
        "contactId": cid,
        "addressLine1": f"{aid % 300 + 1} {STREETS[aid % len(STREETS)]}",
        "addressLine2": None if aid % 3 else "Flat 2",
        "addressLine3": city,
        "addressLine4": None,
        "postalCode": f"{aid % 90000 + 10000}",
        "countryId": country_id,
        "countryIsoCode": iso3,
        "countryIsoCode2": iso2,
    }


def party(store: Store, cid: int, kind: str) -> dict[str, Any]:
    """An order party (customer/supplier, delivery, billing) from the contact's address."""
    first, last = person(cid)
    c = store.contacts.get(cid)
    aid = (c["addr"]["DEL" if kind == "delivery" else "BIL"]) if c else cid * 3
    a = store.addresses.get(aid) or address(aid, cid)
    return {
        "contactId": cid,
        "addressFullName": f"{first} {last}",
        "companyName": None if cid % 4 else "Acme Ltd",
        "addressLine1": a["addressLine1"],
        "addressLine2": a["addressLine2"],
        "addressLine3": a["addressLine3"],
        "addressLine4": a["addressLine4"],
        "postalCode": a["postalCode"],
        "country": a["addressLine3"],
        "telephone": f"+44 20 7946 {cid % 10000:04d}",
        "mobileTelephone": None,
        "email": email(cid),
        "countryId": a["countryId"],
        "countryIsoCode": a["countryIsoCode2"],
        "countryIsoCode3": a["countryIsoCode"],
    }


# -- orders ----------------------------------------------------------------------------------

def order_row(o: dict[str, Any]) -> tuple[Any, ...]:
    """The order-search row of an order (fresh orders show a null updatedOn)."""
    return (
        o["id"], o["type"], o["contact"], o["status"], o["stock"], secs(o["created"]),
        o["createdBy"], o["customerRef"], o["pay"], None if o["fresh"] else secs(o["updated"]),
        o["parent"], o["ship"], o["externalRef"], o["iii"], o["warehouse"], o["owner"],
        secs(o["tax"]), o["dept"], secs(o["delivery"]), o["off"],
    )


def render_order(store: Store, o: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full order GET object (decoded from the one template, order_bytes)."""
    return json.loads(order_bytes(store, o, variant))


def _s(v: str | None) -> str:
    """JSON literal of a string or None."""
    return "null" if v is None else encode_basestring(v)


def _n(v: int | None) -> str:
    return "null" if v is None else str(v)


def _t(ms: int | None, off: int) -> str:
    return "null" if ms is None else f'"{fmt_ts(ms, off)}"'


TAX_PCT = {k: int(float(v[3] or 0)) for k, v in TAX.items()}
_ROW = (
    '"{rid}":{{"orderRowSequence":"{seq}","productId":{pid},"productName":{name},'
    '"productSku":{sku},"quantity":{{"magnitude":"{qty}.0000"}},'
    '"itemCost":{{"currencyCode":"{cur}","value":"{cost}"}},'
    '"productPrice":{{"currencyCode":"{cur}","value":"{price}"}},"discountPercentage":"0.00",'
    '"rowValue":{{"taxRate":"{rate}","taxCode":"{tcode}","taxCalculator":"brightpearl",'
    '"rowNet":{{"currencyCode":"{cur}","value":"{net}"}},'
    '"rowTax":{{"currencyCode":"{cur}","value":"{tax}"}},"taxClassId":{tclass}}},'
    '"nominalCode":"{nominal}","composition":{{"bundleParent":false,"bundleChild":false,'
    '"parentOrderRowId":0}}}}'
)


def order_bytes(store: Store, o: dict[str, Any], variant: int) -> bytes:
    """Order GET JSON (variant 0 plain, 1 customFields, 2 + nullCustomFields).

    Written from a template rather than dict + json.dumps: this is the sandbox's hot path
    (GET-by-ID-set renders each order once, then serves the cached bytes).
    """
    off = o["off"]
    cur = CUR[o["currency"]]
    rate = cur[4]
    code = cur[1]
    net = tax = 0
    rows = []
    for r in o["rows"].values():
        rn = r["qty"] * r["price"]
        tc = TAX[r["tax"]]
        rt = rn * TAX_PCT[r["tax"]] // 100
        net += rn
        tax += rt
        rows.append(_ROW.format(
            rid=r["id"], seq=r["seq"], pid=r["product"], name=_s(r["name"]), sku=_s(r["sku"]),
            qty=r["qty"], cur=code, cost=dec4(r["cost"]), price=dec4(r["price"]),
            rate=tc[3] or "0.0000", tcode=tc[1], net=money(rn), tax=money(rt),
            tclass=r["tax"], nominal=r["nominal"]))
    purchase = o["type"] in (2, 4)
    tax_ms = o["tax"]
    invoices = "[]" if o["invoice"] is None else (
        f'[{{"invoiceReference":{_s(o["invoice"])},"taxDate":{_t(tax_ms, off)},'
        f'"dueDate":{_t(None if tax_ms is None else tax_ms + 30 * 86_400_000, off)}}}]')
    extra = ""
    if purchase:
        extra += f',"isDropship":{"true" if o["id"] % 5 == 0 else "false"}'
    if variant:
        cf = {k: v for k, v in o["cf"].items() if v is not None or variant == 2}
        extra += f',"customFields":{dumps(cf).decode()}'
    key = (o["contact"], purchase)
    block = store.party_cache.get(key)
    if block is None:
        block = dumps(parties(store, o["contact"], purchase)).decode()
        store.party_cache[key] = block
    return (
        f'{{"id":{o["id"]},"parentOrderId":{o["parent"]},'
        f'"orderTypeCode":"{ORDER_TYPES[o["type"]][0]}","reference":{_s(o["customerRef"])},'
        f'"acknowledged":0,"orderStatus":{{"orderStatusId":{o["status"]},'
        f'"name":{_s(STATUS_NAME[o["status"]])}}},'
        f'"orderPaymentStatus":"{PAYMENT_STATUSES[o["pay"] - 1][1]}",'
        f'"stockStatusCode":"{STOCK_STATUSES[o["stock"] - 1][1]}",'
        f'"allocationStatusCode":"{("AAA", "ANR", "APA", "AAA")[o["stock"] - 1]}",'
        f'"shippingStatusCode":"{SHIPPING_STATUSES[o["ship"] - 1][1]}",'
        f'"placedOn":{_t(o["placed"], off)},"createdOn":{_t(o["created"], off)},'
        f'"updatedOn":{_t(o["updated"], off)},"closedOn":{_t(o["closed"], off)},'
        f'"createdById":{o["createdBy"]},"priceListId":{o["priceList"]},"priceModeCode":"EXC",'
        f'"delivery":{{"deliveryDate":{_t(o["delivery"], off)},'
        f'"shippingMethodId":{o["shipMethod"]}}},"invoices":{invoices},'
        f'"currency":{{"accountingCurrencyCode":"GBP","orderCurrencyCode":"{code}",'
        f'"exchangeRate":"{rate // 1_000_000}.{rate % 1_000_000:06d}","fixedExchangeRate":true}},'
        f'"totalValue":{{"net":"{money(net)}","taxAmount":"{money(tax)}",'
        f'"baseNet":"{money(net * 1_000_000 // rate)}",'
        f'"baseTaxAmount":"{money(tax * 1_000_000 // rate)}",'
        f'"baseTotal":"{money((net + tax) * 1_000_000 // rate)}","total":"{money(net + tax)}"}},'
        f'"assignment":{{"current":{{"staffOwnerContactId":{o["owner"]},'
        f'"projectId":{o["project"]},"channelId":{_n(o["channel"])},'
        f'"leadSourceId":{_n(o["lead"])},"teamId":{o["team"]}}}}},'
        f'"orderRows":{{{",".join(rows)}}},"warehouseId":{o["warehouse"]},'
        f'"externalRef":{_s(o["externalRef"])},'
        f'"installedIntegrationInstanceId":{_n(o["iii"])}{extra},"parties":{block}}}'
    ).encode()


def parties(store: Store, cid: int, purchase: bool) -> dict[str, Any]:
    """The parties block of an order."""
    billing = party(store, cid, "billing")
    return {("supplier" if purchase else "customer"): billing,
            "delivery": party(store, cid, "delivery"), "billing": billing}


# -- products --------------------------------------------------------------------------------

def product_row(p: dict[str, Any]) -> tuple[Any, ...]:
    """The product-search row of a product."""
    return (
        p["id"], p["name"], p["sku"], p["barcode"], p["ean"], p["upc"], None, p["mpn"],
        p["tracked"], "Brightpearl", secs(p["created"]), secs(p["updated"]), str(p["category"]),
        p["group"], p["brand"], p["type"], p["status"], p["supplier"], p["off"],
    )


def render_product(store: Store, p: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full product GET object; variant 1 adds customFields (2 also null-valued ones)."""
    off = p["off"]
    tc = TAX[p["taxCode"]]
    out: dict[str, Any] = {
        "id": p["id"],
        "brandId": p["brand"],
        "collectionId": p["collection"],
        "productTypeId": p["type"],
        "identity": {"sku": p["sku"], "isbn": None, "ean": p["ean"], "upc": p["upc"],
                     "mpn": p["mpn"], "barcode": p["barcode"]},
        "productGroupId": p["group"],
        "featured": p["id"] % 11 == 0,
        "stock": {
            "stockTracked": p["tracked"],
            "weight": {"magnitude": f"{p['weight'] / 1000:.4f}"},
            "dimensions": {"length": "10.00", "height": "5.00", "width": "7.50",
                           "volume": "375.00"},
        },
        "financialDetails": {"taxable": tc[3] is not None, "taxCode": {"id": tc[0], "code": tc[1]}},
        "salesChannels": [{
            "salesChannelName": "Brightpearl",
            "productName": p["name"],
            "productCondition": "new",
            "categories": [{"categoryCode": str(p["category"])}],
            "description": {"languageCode": "en", "text": f"<p>{p['name']} – ünïcode ✓</p>",
                            "format": "HTML_FRAGMENT"},
            "shortDescription": {"languageCode": "en", "text": p["name"], "format": "TEXT"},
        }],
        "composition": {"bundle": False},
        "variations": [
            {"optionId": oid, "optionName": oname, "optionValueId": vid, "optionValue": vname}
            for oid, oname, vid, vname in p["options"]
        ],
        "createdOn": ts(p["created"], off),
        "updatedOn": ts(p["updated"], off),
        "warehouses": {str(w): {"defaultLocationId": loc, "reorderLevel": 5, "reorderQuantity": 20}
                       for w, loc in p["locations"].items()},
        "nominalCodeStock": "1000",
        "nominalCodePurchases": "5000",
        "nominalCodeSales": "4000",
        "seasonIds": p["seasons"],
        "reporting": {"categoryId": None, "seasonId": p["seasons"][0] if p["seasons"] else None,
                      "subcategoryId": None},
        "primarySupplierId": p["supplier"],
        "status": p["status"],
        "version": p["version"],
    }
    if variant:
        out["customFields"] = {k: v for k, v in p["cf"].items() if v is not None or variant == 2}
    return out


def render_price(store: Store, p: dict[str, Any], variant: int) -> dict[str, Any]:
    """Product-price GET object: every price list with its quantity breaks."""
    lists = []
    for pl_id, _code, _name, _kind, cur_id in PRICE_LISTS:
        base = p["prices"].get(pl_id)
        if base is None:
            continue
        cur = CUR[cur_id]
        value = base * cur[4] // 1_000_000
        breaks = {"1": dec4(value)}
        if p["id"] % 3 == 0:
            breaks["10"] = dec4(value * 95 // 100)
            breaks["50"] = dec4(value * 90 // 100)
        lists.append({"priceListId": pl_id, "currencyCode": cur[1], "currencyId": cur_id,
                      "sku": p["sku"], "quantityPrice": breaks})
    return {"productId": p["id"], "priceLists": lists}


def availability(p: dict[str, Any]) -> dict[str, Any]:
    """Product-availability entry of a stock-tracked product."""
    whs = {}
    tot = [0, 0, 0, 0]
    for w, (on_hand, allocated, in_transit) in p["stock"].items():
        vals = (on_hand - allocated, on_hand, allocated, in_transit)
        tot = [a + b for a, b in zip(tot, vals, strict=False)]
        whs[str(w)] = dict(zip(("inStock", "onHand", "allocated", "inTransit"), vals, strict=False))
    return {"total": dict(zip(("inStock", "onHand", "allocated", "inTransit"), tot, strict=False)),
            "warehouses": whs}


# -- contacts --------------------------------------------------------------------------------

def contact_row(c: dict[str, Any]) -> tuple[Any, ...]:
    """The contact-search row of a contact."""
    cid = c["id"]
    first, last = person(cid)
    company = c["companyName"]
    return (
        cid, email(cid), None if cid % 3 else f"alt{cid}@example.org", None, first, last,
        c["supplier"], company, c["staff"], c["customer"], secs(c["created"]),
        secs(c["updated"]), secs(c["lastContacted"]), secs(c["lastOrdered"]), c["nominal"],
        True, f"+44 20 7946 {cid % 10000:04d}", None, None if cid % 2 else "+44 7700 900123",
        company, c["title"], c["off"],
    )


def render_contact(store: Store, c: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full contact GET object."""
    cid = c["id"]
    off = c["off"]
    first, last = person(cid)
    tags = store.ref["contact-service/tag"]
    return {
        "contactId": cid,
        "isPrimaryContact": True,
        "salutation": c["title"],
        "firstName": first,
        "lastName": last,
        "postAddressIds": dict(c["addr"]),
        "communication": {
            "emails": {"PRI": {"email": email(cid)},
                       **({} if cid % 3 else {"SEC": {"email": f"alt{cid}@example.org"}})},
            "telephones": {"PRI": f"+44 20 7946 {cid % 10000:04d}",
                           **({} if cid % 2 else {"MOB": "+44 7700 900123"})},
            "messagingVoips": {},
            "websites": {} if cid % 5 else {"PRI": f"https://shop{cid}.example.com"},
        },
        "contactStatus": {"current": {"contactStatusId": 1, "contactStatusName": "Active"},
                          "history": []},
        "relationshipToAccount": {"isSupplier": c["supplier"], "isStaff": c["staff"]},
        "marketingDetails": {"isReceiveEmailNewsletter": cid % 2 == 0},
        "financialDetails": {
            "priceListId": c["priceList"], "nominalCode": int(c["nominal"]), "taxCodeId": 1,
            "creditLimit": money(c["credit"]), "creditTermDays": 30, "currencyId": 1,
            "discountPercentage": "0.00", "taxNumber": None,
        },
        "assignment": {"current": {"staffOwnerContactId": c["owner"], "projectId": 0,
                                   "leadSourceId": c["lead"], "teamId": 0}},
        "organisation": None if c["companyId"] is None else {
            "organisationId": c["companyId"], "name": c["companyName"], "jobTitle": None},
        "tradeStatus": "TRADE" if c["companyId"] else "RETAIL",
        "createdOn": ts(c["created"], off),
        "createdById": c["owner"],
        "updatedOn": ts(c["updated"], off),
        "updatedById": c["owner"],
        "lastContactedOn": ts(c["lastContacted"], off),
        "lastOrderedOn": ts(c["lastOrdered"], off),
        "contactTags": [{"tagId": t, "tagName": tags[str(t)]["tagName"]} for t in c["tags"]],
        "companyId": c["companyId"],
    }


# -- goods notes -----------------------------------------------------------------------------

def goods_out_row(n: dict[str, Any]) -> tuple[Any, ...]:
    """The goods-out-search row of a goods-out note."""
    return (
        n["id"], n["printed"] is not None, n["picked"] is not None, n["packed"] is not None,
        n["shipped"] is not None, secs(n["shipped"]), n["order"], n["shipMethod"],
        n["warehouse"], n["priority"], secs(n["created"]), secs(n["release"]), n["createdBy"],
        n["labelUri"], n["channel"], n["transfer"], n["off"],
    )


def render_goods_out(store: Store, n: dict[str, Any], variant: int) -> dict[str, Any]:
    """Goods-out note GET value (the map key is the note id)."""
    off = n["off"]
    status: dict[str, Any] = {}
    for step in ("shipped", "packed", "picked", "printed"):
        status[step] = n[step] is not None
        status[f"{step}On"] = ts(n[step], off)
        status[f"{step}ById"] = n["createdBy"] if n[step] is not None else None
    return {
        "orderId": n["order"],
        "warehouseId": n["warehouse"],
        "externalRef": None,
        "transfer": n["transfer"],
        "priority": n["priority"],
        "status": status,
        "shipping": {"reference": n["tracking"], "boxes": 1, "shippingMethodId": n["shipMethod"],
                     "weight": "1.250"},
        "releaseDate": ts(n["release"], off),
        "createdOn": ts(n["created"], off),
        "createdBy": n["createdBy"],
        "orderRows": {str(rid): [{"productId": p, "quantity": q, "locationId": loc,
                                  "externalRef": None} for p, q, loc in lines]
                      for rid, lines in n["rows"].items()},
        "sequence": 1,
        "events": [{"eventCode": "SHW" if step == "shipped" else step[:3].upper(),
                    "occured": ts(n[step], off), "eventOwnerId": n["createdBy"]}
                   for step in ("printed", "picked", "packed", "shipped") if n[step] is not None],
        "labelUri": n["labelUri"],
    }


def custom_field_meta(spec: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    """custom-field-meta-data GET list for one set of field definitions."""
    out = []
    for i, (code, name, kind) in enumerate(spec, start=1):
        item: dict[str, Any] = {"id": i, "code": code, "name": name, "customFieldType": kind,
                                "required": False}
        if kind == "SELECT":
            item["options"] = {"values": [{"id": j, "value": v} for j, v in
                                          enumerate(SELECT_VALUES[code], start=1)]}
        out.append(item)
    return out


def cf_value(code: str, kind: str, seed: int, off: int) -> Any:
    """A custom-field value of the given kind (None about a third of the time)."""
    if seed % 3 == 0:
        return None
    if kind == "CHECKBOX":
        return seed % 2 == 0
    if kind == "INTEGER":
        return seed % 100
    if kind == "DATE":
        return fmt_date(seed)
    if kind == "SELECT":
        values = SELECT_VALUES[code]
        j = seed % len(values)
        return {"id": j + 1, "value": values[j]}
    return f"{code.lower()}-{seed % 997} ✓" if seed % 5 == 0 else f"{code.lower()}-{seed % 997}"


def fmt_date(seed: int) -> str:
    """A date custom-field value (midnight UTC)."""
    return ts(START_MS + (seed % 1300) * 86_400_000, 2) or ""


SELECT_VALUES = {"PCF_PRIORITY": ("Low", "Normal", "Urgent 🔥"),
                 "PCF_INCOTERM": ("EXW", "FOB", "DDP"), "PCF_ORIGIN": ("UK", "China", "España")}
CUSTOM_FIELD_SETS = {"sale": SALE_CF, "purchase": PURCHASE_CF, "product": PRODUCT_CF}
