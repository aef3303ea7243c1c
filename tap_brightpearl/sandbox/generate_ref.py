# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""The reference GET payloads and the warehouse locations (deterministic).

The accounting ones are in generate_books.py, the product catalogue's search tables in
generate_catalogue.py.
"""

from __future__ import annotations

from typing import Any

from . import drift, shapes
from .columns import ROW
from .data import (
    CUR,
    ORDER_STATUSES,
    ORDER_TYPES,
    PRICE_LISTS,
    SHIPPING_STATUSES,
    STOCK_STATUSES,
    WAREHOUSES,
    Store,
)
from .generate_books import accounting, accounting_tables

ADJ = (
    "Classic",
    "Organic",
    "Deluxe",
    "Ultra",
    "Vintage",
    "Eco",
    "Smart",
    "Petite",
    "Grand",
    "Naïve",
)
NOUN = (
    "Mug",
    "T-Shirt",
    "Lamp",
    "Backpack",
    "Notebook",
    "Chair",
    "Candle",
    "Scarf",
    "Headphones",
    "Crème Brûlée Kit",
    "Teapot",
    "Bike Light",
)
TAGS = (
    (3, "VIP"),
    (4, "Wholesale"),
    (9, "Newsletter"),
    (16, "Late payer ⚠"),
    (17, "B2B"),
    (22, "Influencer"),
    (31, "Ökologisch"),
    (40, "Returns often"),
)
LEAD_SOURCES = (
    (1, None, "Website"),
    (2, None, "Trade show"),
    (3, 2, "Trade show – Berlin"),
    (5, None, "Referral"),
    (6, None, "Google Ads"),
    (8, 6, "Shopping campaign"),
)
CHANNELS = (
    (1, "Brightpearl POS"),
    (2, "Web store"),
    (3, "Amazon UK"),
    (5, "eBay"),
    (8, "Wholesale"),
)
SHIPPING_METHODS = (
    (1, "STD", "Standard"),
    (2, "EXP", "Express"),
    (4, "COL", "Click & collect"),
    (7, "INT", "International ✈"),
    (9, "PAL", "Pallet"),
)


def reference(store: Store) -> None:
    """Every reference GET payload, service by service, and the small accounting searches.

    Shapes follow tests/evidence; where versions or sources differ, the records alternate
    between the variants (e.g. order types with ``name`` or with ``code``/``description``).
    """
    ref = store.ref
    _order_service(ref)
    _custom_field_metas(ref)
    _product_service(ref)
    _contact_service(ref)
    _warehouse_service(store)
    accounting(ref)
    accounting_tables(store)
    _locations(store)


def _custom_field_metas(ref: dict[str, Any]) -> None:
    """The custom-field metadata of products, customers and suppliers."""
    ref["product-service/product/custom-field-meta-data"] = shapes.custom_field_meta(
        shapes.CUSTOM_FIELD_SETS["product"], 30
    )
    for kind, first_id in (("customer", 60), ("supplier", 80)):
        ref[f"contact-service/{kind}/custom-field-meta-data"] = shapes.custom_field_meta(
            shapes.CUSTOM_FIELD_SETS[kind], first_id
        )


def _product_service(ref: dict[str, Any]) -> None:
    """Price lists, channels and channel brands."""
    ref["product-service/price-list"] = [
        {
            "id": i,
            "code": code,
            "name": {"languageCode": "en", "text": name, "format": "PLAINTEXT"},
            "currencyCode": CUR[cur][1],
            "currencySymbol": CUR[cur][3],
            "currencyId": cur,
            "priceListTypeCode": kind,
            "gross": i == 5,
        }
        for i, code, name, kind, cur in PRICE_LISTS
    ]
    ref["product-service/channel"] = [_channel(i, name) for i, name in CHANNELS]
    ref["product-service/channel-brand"] = [
        {
            "channelBrandId": i,
            "addressBookId": 900 + i,
            "name": name,
            "companyName": company,
            "companyNumber": f"{i * 1234567:08d}",
            "telephone": f"+44 20 7946 {i:04d}",
            "emailAddress": f"brand{i}@example.com",
            "accountingEmailAddress": f"acc{i}@example.com",
            "templates": {
                "SOQUT": 20 + i,
                "SOQUE": 25 + i,
                "SOINV": 30 + i,
                "SOINE": 35 + i,
                "GNOUT": 40 + i,
                "PONTE": 50 + i,
                "SCNTE": 60 + i,
                "SOCUP": 70 + i,
            },
            "shippingTemplates": {str(m): 80 + m for m, _c, _n in SHIPPING_METHODS[: 1 + i % 3]},
            "financialDetails": {
                "bankName": "Sandbox Bank",
                "bankAccountNumber": f"{i:08d}",
                "bankSortCode": "20-00-00",
                "bankSwift": "SANDGB2L",
                "vatNumber": f"GB{i:09d}",
            },
            "logo": {"imageId": 7 + i},
        }
        for i, name, company in (
            (1, "Acme Online", "Acme Ltd"),
            (2, "Nordlys Store", "Nordisk Design AS"),
            (4, "Acme on Amazon", "Acme Ltd"),
        )
    ]


def _contact_service(ref: dict[str, Any]) -> None:
    """Lead sources and contact tags."""
    ref["contact-service/lead-source"] = [
        {"id": i, "name": name}
        if i == 8
        else {"id": i, "ownerId": 4, "parentId": parent or 0, "name": name, "isActive": i != 5}
        for i, parent, name in LEAD_SOURCES
    ]
    ref["contact-service/tag"] = {
        str(i): {
            "tagId": i,
            "tagName": n,
            "tagParentId": 3 if i in (16, 40) else 0,
            "tagColor": f"#{(i * 2654435761) % 0xFFFFFF:06x}",
        }
        for i, n in TAGS
    }


def _warehouse_service(store: Store) -> None:
    """Warehouses and shipping methods."""
    ref = store.ref
    ref["warehouse-service/warehouse"] = [
        _warehouse(store, i, name, code) for i, name, code in WAREHOUSES
    ]
    ref["warehouse-service/shipping-method"] = [
        {
            "id": i,
            "name": name,
            **({"code": code} if i % 2 else {}),
            "breaks": ",".join(str(b * i) for b in (500, 1500, 3000)),
            "methodType": 1,
            "additionalInformationRequired": i == 7,
            **({"carrier": "Northline Freight"} if i in (2, 7) else {}),
            "countries": "" if i != 7 else "US,CA,FR",
            **({"channelBrandTemplates": {"1": 14, "2": 9} if i == 7 else {}} if i > 2 else {}),
        }
        for i, code, name in SHIPPING_METHODS
    ]


def _locations(store: Store) -> None:
    """Eight locations per warehouse (location-search), and each warehouse's for the orders."""
    location = ROW["warehouse-service/location-search"]
    locations = []
    lid = 1
    for w, _n, _c in WAREHOUSES:
        for k in range(8):
            locations.append(
                location(
                    id=lid,
                    warehouseId=w,
                    zoneId=1 + k // 4,
                    groupingA=f"A{k // 4}",
                    groupingB=f"{k % 4:02d}",
                    groupingC=None if k % 3 else str(k % 2),
                    groupingD=None if k % 2 else "L",
                    barcode=f"LOC{lid:05d}",
                    off=2,
                )
            )
            lid += 1 + (k == 3)
    store.tables["warehouse-service/location-search"].load(locations)
    store.ref["_locations"] = {
        w: [r.id for r in locations if r.warehouseId == w] for w, _, _ in WAREHOUSES
    }


def _order_service(ref: dict[str, Any]) -> None:
    """Order statuses, types, stock and shipping statuses, order custom-field metadata."""
    statuses = []
    for i, (sid, name, t, color) in enumerate(ORDER_STATUSES):
        if sid == 11:  # the 2014 shape: "sort", no colour, no e-mail settings
            statuses.append(
                {
                    "statusId": sid,
                    "name": name,
                    "orderTypeCode": ORDER_TYPES[t][0],
                    "sort": i * 10,
                    "disabled": False,
                    "visible": True,
                }
            )
            continue
        statuses.append(
            {
                "statusId": sid,
                "name": name,
                "orderTypeCode": ORDER_TYPES[t][0],
                "sortOrder": i * 10,
                "disabled": sid == 20,
                "visible": sid != 1,
                "color": color,
                "remindAfterDays": (0, 2, 7)[sid % 3],
                "alertEmails": [] if sid % 4 else [f"team{sid}@example.com"],
                "emailContent": "" if sid % 5 else "Please chase this order",
                "batchProcess": sid in (4, 8),
                "state": "invoiced" if sid in (4, 8) else "draft",
            }
        )
    ref["order-service/order-status"] = statuses
    ref["order-service/order-type"] = [
        {"id": k, "name": v[1].replace("_", " ").title()}
        if k % 2
        else {"id": k, "code": v[0], "description": v[1].replace("_", " ").title()}
        for k, v in ORDER_TYPES.items()
    ]
    ref["order-service/order-stock-status"] = [
        {"id": i, "name": n} if i % 2 else {"id": i, "code": c, "description": n}
        for i, c, n in STOCK_STATUSES
    ]
    ref["order-service/order-shipping-status"] = [
        {"id": i, "code": c, "description": n} for i, c, n in SHIPPING_STATUSES
    ]
    for kind, first_id in (("sale", 40), ("purchase", 10)):
        ref[f"order-service/{kind}/custom-field-meta-data"] = shapes.custom_field_meta(
            shapes.CUSTOM_FIELD_SETS[kind], first_id
        )


def _channel(i: int, name: str) -> dict[str, Any]:
    if i == 8:
        return {"id": i, "name": name}  # the minimal shape of a client fixture
    out: dict[str, Any] = {
        "id": i,
        "name": name,
        "channelTypeId": 1 + i % 3,
        "channelBrandId": 1 if i < 3 else 2,
    }
    if i > 1:
        out.update(
            defaultWarehouseId=2,
            contactGroupId=3,
            defaultPriceListId=2,
            warehouseIds=[2, 7][: 1 + i % 2],
        )
    if i >= 3:
        out["integrationDetail"] = {
            "installedIntegrationId": 10 + i,
            "configSetId": i,
            "providerCode": "amazon" if i == 3 else "ebay",
            "integrationTypeCode": "MKP",
            "active": True,
        }
    return out


def _warehouse(store: Store, i: int, name: str, code: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": i,
        "name": name,
        "typeCode": code.lower(),
        "typeDescription": code.title().replace("_", " "),
        "address": {"addressId": 900 + i},
        "clickAndCollectEnabled": i == 3,
    }
    if i == 3:
        out["weeklyOperatingPeriods"] = {
            "timeZone": "Europe/Warsaw",
            "periods": [
                {
                    "dayOfWeek": d,
                    "openingHours": "09:00:00",
                    "closingHours": "17:00:00" if d < 6 else "13:00:00",
                }
                for d in range(1, 8)
            ],
        }
        out["collectionSla"] = {"value": 4, "timeUnits": "HOURS"}
        out["externalTransferSlas"] = [{"warehouseId": 2, "value": 1, "timeUnits": "DAYS"}]
    if store.drift:
        out["dockDoors"] = drift.dock_doors(i)
    return out
