"""Order-service shapes: order-search rows, the order GET and custom fields.

The order GET is written from a template (the sandbox's hot path).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from . import drift
from .columns import ROW
from .data import (
    CUR,
    CUSTOMER_CF,
    ORDER_TYPES,
    PAYMENT_STATUSES,
    PRODUCT_CF,
    PURCHASE_CF,
    SALE_CF,
    SHIPPING_STATUSES,
    START_MS,
    STATUS_NAME,
    STOCK_STATUSES,
    SUPPLIER_CF,
    TAX,
    Store,
    dec4,
    money,
    secs,
    ts,
)
from .shapes_people import parties
from .util import dumps, fmt_ts


def order_row(o: dict[str, Any]) -> Any:
    """The order-search row of an order (fresh orders show a null updatedOn)."""
    return ORDER_ROW(
        orderId=o["id"],
        orderTypeId=o["type"],
        contactId=o["contact"],
        orderStatusId=o["status"],
        orderStockStatusId=o["stock"],
        createdOn=secs(o["created"]),
        createdById=o["createdBy"],
        customerRef=o["customerRef"],
        orderPaymentStatusId=o["pay"],
        updatedOn=None if o["fresh"] else secs(o["updated"]),
        parentOrderId=o["parent"],
        orderShippingStatusId=o["ship"],
        externalRef=o["externalRef"],
        installedIntegrationInstanceId=o["iii"],
        warehouseId=o["warehouse"],
        staffOwnerContactId=o["owner"],
        taxDate=secs(o["created"] if o["tax"] is None else o["tax"]),
        departmentId=o["dept"],
        deliveryDate=secs(o["delivery"]),
        off=o["off"],
    )


def render_order(store: Store, o: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full order GET object (decoded from the one template, order_bytes)."""
    return json.loads(order_bytes(store, o, variant))


def _s(v: str | None) -> str:
    """JSON literal of a string or None."""
    return "null" if v is None else encode_basestring(v)


def _t(ms: int | None, off: int) -> str:
    return "null" if ms is None else f'"{fmt_ts(ms, off)}"'


ORDER_ROW = ROW["order-service/order-search"]
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
    '"parentOrderRowId":0}},"clonedFromId":{cloned}}}'
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
        rows.append(
            _ROW.format(
                rid=r["id"],
                seq=r["seq"],
                pid=r["product"],
                name=_s(r["name"]),
                sku=_s(r["sku"]),
                qty=r["qty"],
                cur=code,
                cost=dec4(r["cost"]),
                price=dec4(r["price"]),
                rate=tc[3] or "0.0000",
                tcode=tc[1],
                net=money(rn),
                tax=money(rt),
                tclass=r["tax"],
                nominal=r["nominal"],
                cloned=r["id"] - 1 if r["id"] % 9 == 0 else 0,
            )
        )
    purchase = o["type"] in (2, 4)
    tax_ms = o["tax"]
    invoices = (
        "[]"
        if o["invoice"] is None
        else (
            f'[{{"invoiceReference":{_s(o["invoice"])},"taxDate":{_t(tax_ms, off)},'
            f'"dueDate":{_t(None if tax_ms is None else tax_ms + 30 * 86_400_000, off)}}}]'
        )
    )
    custom = ""
    if variant:
        cf = {k: v for k, v in o["cf"].items() if v is not None}
        custom = f',"customFields":{dumps(cf).decode()}'
    extra = f',"costPriceListId":{0 if purchase else 1}'
    extra += f',"historicalOrder":{"true" if o["id"] % 17 == 0 else "false"}'
    if purchase:
        extra += f',"isDropship":{"true" if o["id"] % 5 == 0 else "false"}'
    if tax_ms is not None and o["invoice"] is not None:
        extra += f',"originalInvoiceDate":{_t(tax_ms - tax_ms % 86_400_000, off)}'
    extra += f',"orderWeighting":{100 if o["id"] % 7 else 50}'
    if variant == 2:
        nulls = [k for k, v in o["cf"].items() if v is None]
        extra += f',"nullCustomFields":{dumps(nulls).decode()}'
    if store.drift:
        extra += f',"loyaltyPoints":{drift.loyalty_points(o["id"])}'
    closed = "" if o["closed"] is None else f',"closedOn":{_t(o["closed"], off)}'
    delivery = "" if o["delivery"] is None else f'"deliveryDate":{_t(o["delivery"], off)},'
    key = (o["contact"], purchase)
    block = store.party_cache.get(key)
    if block is None:
        block = dumps(parties(store, o["contact"], purchase)).decode()
        store.party_cache[key] = block
    return (
        f'{{"id":{o["id"]},"parentOrderId":{o["parent"]},'
        f'"orderTypeCode":"{ORDER_TYPES[o["type"]][0]}","reference":{_s(o["customerRef"] or "")},'
        f'"version":{1 + (o["updated"] - o["created"]) // 3_600_000 % 40},'
        f'"state":{{"tax":"{"INVOICED" if o["invoice"] else "READY"}"}},'
        f'"orderStatus":{{"orderStatusId":{o["status"]},'
        f'"name":{_s(STATUS_NAME[o["status"]])}}},"tax":{{"errors":[]}},'
        f'"orderPaymentStatus":"{PAYMENT_STATUSES[o["pay"] - 1][1]}",'
        f'"stockStatusCode":"{STOCK_STATUSES[o["stock"] - 1][1]}",'
        f'"allocationStatusCode":"{("AAA", "ANR", "APA", "AAA")[o["stock"] - 1]}",'
        f'"shippingStatusCode":"{SHIPPING_STATUSES[o["ship"] - 1][1]}",'
        f'"placedOn":{_t(o["placed"], off)},"createdOn":{_t(o["created"], off)},'
        f'"updatedOn":{_t(o["updated"], off)}'
        f"{closed},"
        f'"createdById":{o["createdBy"]},"priceListId":{o["priceList"]},"priceModeCode":"EXC",'
        f'"delivery":{{'
        f"{delivery}"
        f'"shippingMethodId":{o["shipMethod"]}}},"invoices":{invoices},'
        f'"currency":{{"accountingCurrencyCode":"GBP","orderCurrencyCode":"{code}",'
        f'"exchangeRate":"{rate // 1_000_000}.{rate % 1_000_000:06d}","fixedExchangeRate":true}},'
        f'"totalValue":{{"net":"{money(net)}","taxAmount":"{money(tax)}",'
        f'"baseNet":"{money(net * 1_000_000 // rate)}",'
        f'"baseTaxAmount":"{money(tax * 1_000_000 // rate)}",'
        f'"baseTotal":"{money((net + tax) * 1_000_000 // rate)}","total":"{money(net + tax)}"}},'
        f'"assignment":{{"current":{{"staffOwnerContactId":{o["owner"]},'
        f'"projectId":{o["project"]},"channelId":{o["channel"] or 0},'
        f'"leadSourceId":{o["lead"] or 0},"teamId":{o["team"]}}}}},'
        f'"parties":{block},"orderRows":{{{",".join(rows)}}},"warehouseId":{o["warehouse"]}'
        f'{custom},"acknowledged":0{extra}}}'
    ).encode()


def custom_field_meta(
    spec: tuple[tuple[str, str, str], ...], first_id: int
) -> list[dict[str, Any]]:
    """custom-field-meta-data GET list for one set of field definitions.

    ``options`` (SELECT fields only) is a map keyed by option id, as recorded.
    """
    out = []
    for i, (code, name, kind) in enumerate(spec, start=first_id):
        item: dict[str, Any] = {
            "id": i,
            "code": code,
            "name": name,
            "customFieldType": kind,
            "required": i % 4 == 0,
        }
        if kind == "SELECT":
            ids = [option_id(code, j) for j in range(len(SELECT_VALUES[code]))]
            item["options"] = {
                str(o): {"id": o, "value": SELECT_VALUES[code][j]}
                for j, o in reversed(list(enumerate(ids)))
            }
        out.append(item)
    return out


def option_id(code: str, j: int) -> int:
    """The id of the j-th option of a SELECT custom field."""
    return 100 + 10 * sorted(SELECT_VALUES).index(code) + j


def cf_value(code: str, kind: str, seed: int, off: int) -> Any:
    """A custom-field value of the given kind (None about a third of the time)."""
    if seed % 3 == 0:
        return None
    if kind == "YES_NO":
        return seed % 2 == 0
    if kind == "INTEGER":
        return seed % 100
    if kind == "DATE":
        return fmt_date(seed)
    if kind == "SELECT":
        values = SELECT_VALUES[code]
        j = seed % len(values)
        return {"id": option_id(code, j), "value": values[j]}
    if kind in ("TEXTAREA", "TEXT_AREA"):
        return f"{code.lower()} {seed % 997}\r\nline two"
    if code == "PCF_CHANREF" and seed % 29 == 1:
        return seed % 1000  # a JSON number in a TEXT field: kept, never dropped, by the tap
    return f"{code.lower()}-{seed % 997} ✓" if seed % 5 == 0 else f"{code.lower()}-{seed % 997}"


def fmt_date(seed: int) -> str:
    """A DATE custom-field value: local midnight with the account's offset (+01:00).

    As the order custom-field GET reference shows it (``2015-06-19T00:00:00.000+01:00``): the
    calendar date is the local day, one hour after the previous day's 23:00 UTC.
    """
    return ts(START_MS + (seed % 1300) * 86_400_000 - 3_600_000, 1) or ""


SELECT_VALUES = {
    "PCF_PRIORITY": ("Low", "Normal", "Urgent 🔥"),
    "PCF_CHANNEL": ("Web shop", "Marketplace", "Phone"),
    "PCF_INCOTERM": ("EXW", "FOB", "DDP"),
    "PCF_ORIGIN": ("UK", "China", "España"),
    "PCF_TIER": ("Bronze", "Silver", "Gold ★"),
}
CUSTOM_FIELD_SETS = {
    "sale": SALE_CF,
    "purchase": PURCHASE_CF,
    "product": PRODUCT_CF,
    "customer": CUSTOMER_CF,
    "supplier": SUPPLIER_CF,
}
