# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Reference tables and the product catalogue's small search tables (deterministic)."""

from __future__ import annotations

from typing import Any

from . import drift, shapes
from .data import (
    BRANDS,
    CURRENCIES,
    DAY,
    OPTIONS,
    ORDER_STATUSES,
    ORDER_TYPES,
    PRICE_LISTS,
    SHIPPING_STATUSES,
    START_MS,
    STOCK_STATUSES,
    TAX_CODES,
    WAREHOUSES,
    Store,
    secs,
)
from .util import epoch_ms, fmt_ts

ADJ = ("Classic", "Organic", "Deluxe", "Ultra", "Vintage", "Eco", "Smart", "Petite", "Grand",
       "Naïve")
NOUN = ("Mug", "T-Shirt", "Lamp", "Backpack", "Notebook", "Chair", "Candle", "Scarf",
        "Headphones", "Crème Brûlée Kit", "Teapot", "Bike Light")
TAGS = ((3, "VIP"), (4, "Wholesale"), (9, "Newsletter"), (16, "Late payer ⚠"), (17, "B2B"),
        (22, "Influencer"), (31, "Ökologisch"), (40, "Returns often"))
LEAD_SOURCES = ((1, None, "Website"), (2, None, "Trade show"), (3, 2, "Trade show – Berlin"),
                (5, None, "Referral"), (6, None, "Google Ads"), (8, 6, "Shopping campaign"))
CHANNELS = ((1, "Brightpearl POS"), (2, "Web store"), (3, "Amazon UK"), (5, "eBay"),
            (8, "Wholesale"))
SHIPPING_METHODS = ((1, "STD", "Standard"), (2, "EXP", "Express"), (4, "COL", "Click & collect"),
                    (7, "INT", "International ✈"), (9, "PAL", "Pallet"))
PAYMENT_METHODS = ((1, "CASH", "Cash"), (2, "CARD", "Card"), (3, "BACS", "Bank transfer"),
                   (5, "PAYPAL", "PayPal"), (6, "AMZ", "Amazon Pay"))
NOMINAL_TYPES = {"ASSET": 1, "LIABILITY": 2, "INCOME": 4, "EXPENSE": 5}  # IDSET ids
NOMINALS = (("1000", "Stock", "ASSET"), ("1100", "Debtors control", "ASSET"),
            ("1200", "Bank current account", "ASSET"), ("2100", "Creditors control", "LIABILITY"),
            ("2200", "VAT on sales", "LIABILITY"), ("2201", "VAT on purchases", "LIABILITY"),
            ("4000", "Sales", "INCOME"), ("4001", "Sales – Amazon", "INCOME"),
            ("4900", "Carriage", "INCOME"), ("5000", "Cost of sales", "EXPENSE"),
            ("7500", "Bank charges", "EXPENSE"), ("8000", "Bad debts", "EXPENSE"))


def _rows(store: Store, path: str, rows: list[tuple[Any, ...]]) -> None:
    store.tables[path].load(rows)


def reference(store: Store) -> None:
    """Every reference GET payload (and the small accounting/warehouse search tables)."""
    ref = store.ref
    ref["order-service/order-status"] = [
        {"statusId": sid, "name": name, "orderTypeCode": ORDER_TYPES[t][0], "sortOrder": i,
         "disabled": sid == 20, "visible": True, "color": color}
        for i, (sid, name, t, color) in enumerate(ORDER_STATUSES)
    ]
    ref["order-service/order-type"] = [{"id": k, "name": v[1]} for k, v in ORDER_TYPES.items()]
    ref["order-service/order-stock-status"] = [
        {"id": i, "code": c, "name": n} for i, c, n in STOCK_STATUSES]
    ref["order-service/order-shipping-status"] = [
        {"id": i, "code": c, "name": n} for i, c, n in SHIPPING_STATUSES]
    for kind in ("sale", "purchase"):
        ref[f"order-service/{kind}/custom-field-meta-data"] = shapes.custom_field_meta(
            shapes.CUSTOM_FIELD_SETS[kind])
    ref["product-service/product/custom-field-meta-data"] = shapes.custom_field_meta(
        shapes.CUSTOM_FIELD_SETS["product"])
    ref["product-service/price-list"] = [
        {"id": i, "code": code, "name": {"languageCode": "en", "text": name, "format": "TEXT"},
         "currencyCode": next(c[1] for c in CURRENCIES if c[0] == cur), "currencyId": cur,
         "priceListTypeCode": kind, "gross": i == 5, "useForPricing": True}
        for i, code, name, kind, cur in PRICE_LISTS
    ]
    ref["product-service/channel"] = [
        {"id": i, "name": name, "channelTypeId": 1 + i % 3, "defaultWarehouseId": 2,
         "defaultPriceListId": 2, "contactGroupId": None if i % 2 else 3,
         "integrationDetail": None if i < 3 else {"installedIntegrationInstanceId": 13}}
        for i, name in CHANNELS
    ]
    ref["product-service/channel-brand"] = [
        {"channelBrandId": i, "name": name, "channelId": c}
        for i, name, c in ((1, "Acme Online", 2), (2, "Nordlys Store", 2), (4, "Acme on Amazon", 3))
    ]
    ref["contact-service/lead-source"] = [
        {"id": i, "ownerId": 4, "parentId": parent, "name": name, "isActive": i != 5}
        for i, parent, name in LEAD_SOURCES
    ]
    ref["contact-service/tag"] = {str(i): {"tagId": i, "tagName": n} for i, n in TAGS}
    ref["warehouse-service/warehouse"] = [
        {"id": i, "name": name, "typeCode": code, "typeDescription": code.title().replace("_", " "),
         "addressId": 900 + i, "address": shapes.address(900 + i, 0)}
        for i, name, code in WAREHOUSES
    ]
    ref["warehouse-service/shipping-method"] = [
        {"id": i, "code": code, "name": name, "methodType": "SHIPPING", "breaks": []}
        for i, code, name in SHIPPING_METHODS
    ]
    ref["accounting-service/tax-code"] = [
        {"id": i, "code": code, "description": desc, **({"rate": float(rate)} if rate else {})}
        for i, code, desc, rate in TAX_CODES
    ]
    rates = []
    for cid, code, _title, _sym, rate in CURRENCIES[1:]:
        for k in range(6):
            when = epoch_ms(2023 + k // 2, 1 + 6 * (k % 2), 1)
            r = rate * (1000 + 7 * k - 15 * (k % 3)) // 1000
            rates.append({"currencyId": cid, "currencyCode": code,
                          "rateActiveFrom": fmt_ts(when, 2),
                          "rate": f"{r // 1_000_000}.{r % 1_000_000:06d}", "addedById": 4})
    ref["accounting-service/exchange-rate"] = rates
    periods = []
    for k in range(48):
        y, m = 2023 + k // 12, 1 + k % 12
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        closed = k < 40
        periods.append({
            "id": k + 1, "startDate": fmt_ts(epoch_ms(y, m, 1), 2),
            "endDate": fmt_ts(epoch_ms(ny, nm, 1) - 1000, 2),
            "closedDate": fmt_ts(epoch_ms(ny, nm, 10), 2) if closed else None,
            "closedByUserId": 4 if closed else None,
        })
    ref["accounting-service/accounting-period"] = periods
    ref["accounting-service/payment-method"] = [
        {"id": i, "code": code, "name": name, "isActive": i != 6,
         "bankAccountNominalCode": "1200", "installedIntegrationInstanceId": 13 if i == 6 else None}
        for i, code, name in PAYMENT_METHODS
    ]
    _rows(store, "accounting-service/nominal-code-search", [
        (code, name, NOMINAL_TYPES[kind], code == "1200", 1, code != "8000", 2)
        for code, name, kind in NOMINALS])
    _rows(store, "accounting-service/currency-search", [
        (cid, title, code, sym, f"{rate // 1_000_000}.{rate % 1_000_000:06d}", cid == 1, "7900", 2)
        for cid, code, title, sym, rate in CURRENCIES])
    locations = []
    lid = 1
    for w, _n, _c in WAREHOUSES:
        for k in range(8):
            locations.append((lid, w, 1 + k // 4, f"A{k // 4}", f"{k % 4:02d}",
                              None if k % 3 else str(k % 2),
                              None if k % 2 else "L", f"LOC{lid:05d}", 2))
            lid += 1 + (k == 3)
    _rows(store, "warehouse-service/location-search", locations)
    store.ref["_locations"] = {w: [r[0] for r in locations if r[1] == w] for w, _, _ in WAREHOUSES}


def catalogue(store: Store) -> None:
    """Brands, collections, categories, options, option values, product types, seasons."""
    t = store.tables
    t["product-service/brand-search"].load(
        [(i * 2 + 1, name, *((drift.brand_code(i * 2 + 1, name),) if store.drift else ()), 2)
         for i, name in enumerate(BRANDS)])
    t["product-service/collection-search"].load(
        [(10 + i * 3, f"{BRANDS[i % len(BRANDS)]} {season}", i % len(BRANDS) * 2 + 1, 0)
         for i, season in enumerate(("Spring", "Summer", "Autumn", "Winter", "Été", "Capsule"))])
    cats = []
    for i in range(24):
        cid = 270 + i * 2
        created = START_MS + i * 9 * DAY
        cats.append((cid, f"{ADJ[i % len(ADJ)]} {NOUN[i % len(NOUN)]}s",
                     None if i < 6 else 270 + (i % 6) * 2, i != 13, secs(created), 4,
                     secs(created + (i % 5) * 40 * DAY), 4, i % 3))
    t["product-service/brightpearl-category-search"].load(cats)
    t["product-service/option-search"].load(
        [(i + 1, name, 2) for i, (name, _vals) in enumerate(OPTIONS)])
    values = []
    vid = 100
    for i, (name, vals) in enumerate(OPTIONS):
        for v in vals:
            values.append((i + 1, name, vid, v, 2))
            vid += 1 + (vid % 4 == 0)
    t["product-service/option-value-search"].load(values)
    store.ref["_option_values"] = values
    t["product-service/product-type-search"].load(
        [(i, n, 2) for i, n in ((1, "Standard"), (2, "Bundle"), (4, "Service"),
                                (5, "Gift card"), (9, "Matériel"))])
    t["product-service/season-search"].load(
        [(i, n, d, 2) for i, n, d in ((1, "SS24", "Spring/summer 2024"),
                                      (2, "AW24", None), (3, "SS25", "Printemps–été"),
                                      (5, "AW25", "Autumn/winter 2025"))])


