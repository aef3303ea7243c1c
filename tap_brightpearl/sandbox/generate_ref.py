# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Reference tables and the product catalogue's small search tables (deterministic)."""

from __future__ import annotations

from typing import Any

from . import drift, shapes
from .columns import ROW
from .data import (
    BRANDS,
    CUR,
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
    """Every reference GET payload (and the small accounting/warehouse search tables).

    Shapes follow tests/evidence; where versions or sources differ, the records alternate
    between the variants (e.g. order types with ``name`` or with ``code``/``description``).
    """
    ref = store.ref
    _order_service(ref)
    ref["product-service/product/custom-field-meta-data"] = shapes.custom_field_meta(
        shapes.CUSTOM_FIELD_SETS["product"], 30)
    for kind, first_id in (("customer", 60), ("supplier", 80)):
        ref[f"contact-service/{kind}/custom-field-meta-data"] = shapes.custom_field_meta(
            shapes.CUSTOM_FIELD_SETS[kind], first_id)
    ref["product-service/price-list"] = [
        {"id": i, "code": code,
         "name": {"languageCode": "en", "text": name, "format": "PLAINTEXT"},
         "currencyCode": CUR[cur][1], "currencySymbol": CUR[cur][3], "currencyId": cur,
         "priceListTypeCode": kind, "gross": i == 5}
        for i, code, name, kind, cur in PRICE_LISTS
    ]
    ref["product-service/channel"] = [_channel(i, name) for i, name in CHANNELS]
    ref["product-service/channel-brand"] = [
        {"channelBrandId": i, "addressBookId": 900 + i, "name": name, "companyName": company,
         "companyNumber": f"{i * 1234567:08d}", "telephone": f"+44 20 7946 {i:04d}",
         "emailAddress": f"brand{i}@example.com", "accountingEmailAddress": f"acc{i}@example.com",
         "templates": {"SOQUT": 20 + i, "SOQUE": 25 + i, "SOINV": 30 + i, "SOINE": 35 + i,
                       "GNOUT": 40 + i, "PONTE": 50 + i, "SCNTE": 60 + i, "SOCUP": 70 + i},
         "shippingTemplates": {str(m): 80 + m for m, _c, _n in SHIPPING_METHODS[: 1 + i % 3]},
         "financialDetails": {"bankName": "Sandbox Bank", "bankAccountNumber": f"{i:08d}",
                              "bankSortCode": "20-00-00", "bankSwift": "SANDGB2L",
                              "vatNumber": f"GB{i:09d}"},
         "logo": {"imageId": 7 + i}}
        for i, name, company in ((1, "Acme Online", "Acme Ltd"),
                                 (2, "Nordlys Store", "Nordisk Design AS"),
                                 (4, "Acme on Amazon", "Acme Ltd"))
    ]
    ref["contact-service/lead-source"] = [
        {"id": i, "name": name} if i == 8 else
        {"id": i, "ownerId": 4, "parentId": parent or 0, "name": name, "isActive": i != 5}
        for i, parent, name in LEAD_SOURCES
    ]
    ref["contact-service/tag"] = {
        str(i): {"tagId": i, "tagName": n, "tagParentId": 3 if i in (16, 40) else 0,
                 "tagColor": f"#{(i * 2654435761) % 0xFFFFFF:06x}"} for i, n in TAGS}
    ref["warehouse-service/warehouse"] = [_warehouse(store, i, name, code)
                                          for i, name, code in WAREHOUSES]
    ref["warehouse-service/shipping-method"] = [
        {"id": i, "name": name, **({"code": code} if i % 2 else {}),
         "breaks": ",".join(str(b * i) for b in (500, 1500, 3000)), "methodType": 1,
         "additionalInformationRequired": i == 7,
         **({"carrier": "Northline Freight"} if i in (2, 7) else {}),
         "countries": "" if i != 7 else "US,CA,FR",
         **({"channelBrandTemplates": {"1": 14, "2": 9} if i == 7 else {}} if i > 2 else {})}
        for i, code, name in SHIPPING_METHODS
    ]
    ref["accounting-service/tax-code"] = [
        {"id": i, "code": code, "description": desc, **_tax_rate(i, rate)}
        for i, code, desc, rate in TAX_CODES
    ]
    rates = []
    for cid, _code, _title, _sym, rate in CURRENCIES[1:]:
        for k in range(6):
            when = epoch_ms(2023 + k // 2, 1 + 6 * (k % 2), 1)
            r = rate * (1000 + 7 * k - 15 * (k % 3)) // 1000
            rates.append({"currencyId": cid, "rateActiveFrom": fmt_ts(when, 2),
                          "rate": r / 1_000_000, "addedById": 4})
    ref["accounting-service/exchange-rate"] = rates
    periods = []
    for k in range(48):
        y, m = 2023 + k // 12, 1 + k % 12
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        period: dict[str, Any] = {"id": k + 1, "startDate": fmt_ts(epoch_ms(y, m, 1), 2),
                                  "endDate": fmt_ts(epoch_ms(ny, nm, 1) - 1000, 2)}
        if k < 40:  # closed periods only: the fields are absent on open ones
            period.update(closedDate=fmt_ts(epoch_ms(ny, nm, 10), 2), closedByUserId=4)
        periods.append(period)
    ref["accounting-service/accounting-period"] = periods
    ref["accounting-service/payment-method"] = [
        {"id": i, "name": name} if i == 1 else
        {"id": i, "name": name, "code": code, "isActive": i != 6,
         "bankAccounts": [{"paymentMethodId": i, "currencyIsoCode": CUR[c][1],
                           "bankAccountNominalCode": "1200" if c == 1 else f"120{c}"}
                          for c in (1, 2)[: 1 + i % 2]],
         "installedIntegrationId": "13" if i == 6 else "0"}
        for i, code, name in PAYMENT_METHODS
    ]
    nominal = ROW["accounting-service/nominal-code-search"]
    _rows(store, "accounting-service/nominal-code-search", [
        nominal(code=code, name=name, type=NOMINAL_TYPES[kind], bank=code == "1200",
                currencyId=1, active=code != "8000", off=2)
        for code, name, kind in NOMINALS])
    currency = ROW["accounting-service/currency-search"]
    _rows(store, "accounting-service/currency-search", [
        currency(id=cid, title=title, code=code, symbol=sym,
                 exchangeRate=f"{rate // 1_000_000}.{rate % 1_000_000:06d}", isDefault=cid == 1,
                 exchangeRateVarianceNominalCode="7900", off=2)
        for cid, code, title, sym, rate in CURRENCIES])
    location = ROW["warehouse-service/location-search"]
    locations = []
    lid = 1
    for w, _n, _c in WAREHOUSES:
        for k in range(8):
            locations.append(location(
                id=lid, warehouseId=w, zoneId=1 + k // 4, groupingA=f"A{k // 4}",
                groupingB=f"{k % 4:02d}", groupingC=None if k % 3 else str(k % 2),
                groupingD=None if k % 2 else "L", barcode=f"LOC{lid:05d}", off=2))
            lid += 1 + (k == 3)
    _rows(store, "warehouse-service/location-search", locations)
    store.ref["_locations"] = {w: [r.id for r in locations if r.warehouseId == w]
                               for w, _, _ in WAREHOUSES}


def catalogue(store: Store) -> None:
    """Brands, collections, categories, options, option values, product types, seasons."""
    t = store.tables
    brand = t["product-service/brand-search"].Row
    t["product-service/brand-search"].load(
        [brand(brandId=i * 2 + 1, brandName=name, off=2,
               **({"brandCode": drift.brand_code(i * 2 + 1, name)} if store.drift else {}))
         for i, name in enumerate(BRANDS)])
    collection = ROW["product-service/collection-search"]
    t["product-service/collection-search"].load(
        [collection(collectionId=10 + i * 3, collectionName=f"{BRANDS[i % len(BRANDS)]} {season}",
                    brandId=i % len(BRANDS) * 2 + 1, off=0)
         for i, season in enumerate(("Spring", "Summer", "Autumn", "Winter", "Été", "Capsule"))])
    category = ROW["product-service/brightpearl-category-search"]
    cats = []
    for i in range(24):
        cid = 270 + i * 2
        created = START_MS + i * 9 * DAY
        cats.append(category(
            id=cid, name=f"{ADJ[i % len(ADJ)]} {NOUN[i % len(NOUN)]}s",
            parentId=None if i < 6 else 270 + (i % 6) * 2, active=i != 13,
            createdOn=secs(created), createdById=4, updatedOn=secs(created + (i % 5) * 40 * DAY),
            updatedBy=4, off=i % 3))
    t["product-service/brightpearl-category-search"].load(cats)
    option = ROW["product-service/option-search"]
    t["product-service/option-search"].load(
        [option(id=i + 1, name=name, off=2) for i, (name, _vals) in enumerate(OPTIONS)])
    option_value = ROW["product-service/option-value-search"]
    values = []
    vid = 100
    for i, (name, vals) in enumerate(OPTIONS):
        for v in vals:
            values.append(option_value(optionId=i + 1, optionName=name, optionValueId=vid,
                                       optionValueName=v, off=2))
            vid += 1 + (vid % 4 == 0)
    t["product-service/option-value-search"].load(values)
    store.ref["_option_values"] = values
    product_type = ROW["product-service/product-type-search"]
    t["product-service/product-type-search"].load(
        [product_type(id=i, name=n, off=2)
         for i, n in ((1, "Standard"), (2, "Bundle"), (4, "Service"), (5, "Gift card"),
                      (9, "Matériel"))])
    season = ROW["product-service/season-search"]
    t["product-service/season-search"].load(
        [season(id=i, name=n, description=d, off=2)
         for i, n, d in ((1, "SS24", "Spring/summer 2024"), (2, "AW24", None),
                         (3, "SS25", "Printemps–été"), (5, "AW25", "Autumn/winter 2025"))])


def _order_service(ref: dict[str, Any]) -> None:
    """Order statuses, types, stock and shipping statuses, order custom-field metadata."""
    statuses = []
    for i, (sid, name, t, color) in enumerate(ORDER_STATUSES):
        if sid == 11:  # the 2014 shape: "sort", no colour, no e-mail settings
            statuses.append({"statusId": sid, "name": name, "orderTypeCode": ORDER_TYPES[t][0],
                             "sort": i * 10, "disabled": False, "visible": True})
            continue
        statuses.append({
            "statusId": sid, "name": name, "orderTypeCode": ORDER_TYPES[t][0],
            "sortOrder": i * 10, "disabled": sid == 20, "visible": sid != 1, "color": color,
            "remindAfterDays": (0, 2, 7)[sid % 3],
            "alertEmails": [] if sid % 4 else [f"team{sid}@example.com"],
            "emailContent": "" if sid % 5 else "Please chase this order",
            "batchProcess": sid in (4, 8), "state": "invoiced" if sid in (4, 8) else "draft"})
    ref["order-service/order-status"] = statuses
    ref["order-service/order-type"] = [
        {"id": k, "name": v[1].replace("_", " ").title()} if k % 2 else
        {"id": k, "code": v[0], "description": v[1].replace("_", " ").title()}
        for k, v in ORDER_TYPES.items()]
    ref["order-service/order-stock-status"] = [
        {"id": i, "name": n} if i % 2 else {"id": i, "code": c, "description": n}
        for i, c, n in STOCK_STATUSES]
    ref["order-service/order-shipping-status"] = [
        {"id": i, "code": c, "description": n} for i, c, n in SHIPPING_STATUSES]
    for kind, first_id in (("sale", 40), ("purchase", 10)):
        ref[f"order-service/{kind}/custom-field-meta-data"] = shapes.custom_field_meta(
            shapes.CUSTOM_FIELD_SETS[kind], first_id)


def _channel(i: int, name: str) -> dict[str, Any]:
    if i == 8:
        return {"id": i, "name": name}  # the minimal shape of a client fixture
    out: dict[str, Any] = {"id": i, "name": name, "channelTypeId": 1 + i % 3,
                           "channelBrandId": 1 if i < 3 else 2}
    if i > 1:
        out.update(defaultWarehouseId=2, contactGroupId=3, defaultPriceListId=2,
                   warehouseIds=[2, 7][: 1 + i % 2])
    if i >= 3:
        out["integrationDetail"] = {"installedIntegrationId": 10 + i, "configSetId": i,
                                    "providerCode": "amazon" if i == 3 else "ebay",
                                    "integrationTypeCode": "MKP", "active": True}
    return out


def _warehouse(store: Store, i: int, name: str, code: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": i, "name": name, "typeCode": code.lower(),
                           "typeDescription": code.title().replace("_", " "),
                           "address": {"addressId": 900 + i}, "clickAndCollectEnabled": i == 3}
    if i == 3:
        out["weeklyOperatingPeriods"] = {"timeZone": "Europe/Warsaw", "periods": [
            {"dayOfWeek": d, "openingHours": "09:00:00",
             "closingHours": "17:00:00" if d < 6 else "13:00:00"} for d in range(1, 8)]}
        out["collectionSla"] = {"value": 4, "timeUnits": "HOURS"}
        out["externalTransferSlas"] = [{"warehouseId": 2, "value": 1, "timeUnits": "DAYS"}]
    if store.drift:
        out["dockDoors"] = drift.dock_doors(i)
    return out


def _tax_rate(i: int, rate: str | None) -> dict[str, Any]:
    """``rate`` a JSON number, absent when zero; whole rates on odd ids as integers."""
    if rate is None or float(rate) == 0:
        return {}
    value = float(rate)
    return {"rate": int(value) if value.is_integer() and i % 2 else value}
