# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Product- and warehouse-service shapes.

Product GET and search rows, prices, availability, goods-out notes.
"""

from __future__ import annotations

from typing import Any

from . import drift
from .columns import ROW
from .data import CUR, PRICE_LISTS, TAX, Store, dec4, secs, ts

PRODUCT_ROW = ROW["product-service/product-search"]
GOODS_OUT_ROW = ROW["warehouse-service/goods-note/goods-out-search"]


def product_row(p: dict[str, Any]) -> Any:
    """The product-search row of a product."""
    return PRODUCT_ROW(
        productId=p["id"],
        productName=p["name"],
        SKU=p["sku"],
        barcode=p["barcode"],
        EAN=p["ean"],
        UPC=p["upc"],
        ISBN=p["isbn"],
        MPN=p["mpn"],
        stockTracked=p["tracked"],
        salesChannelName="Brightpearl",
        createdOn=secs(p["created"]),
        updatedOn=secs(p["updated"]),
        brightpearlCategoryCode=p["category"],
        productGroupId=p["group"],
        brandId=p["brand"],
        productTypeId=p["type"],
        productStatus=p["status"],
        primarySupplierId=p["supplier"],
        off=p["off"],
    )


def render_product(store: Store, p: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full product GET object; variant 1 adds customFields (2 also nullCustomFields).

    As recorded: weights and dimensions JSON numbers, ``reporting`` {}, pop-up messages,
    overflow locations; every 13th product is a bundle with ``bundleComponents`` (every
    26th has a component that is itself a bundle).
    """
    off = p["off"]
    pid = p["id"]
    tc = TAX[p["taxCode"]]
    composition: dict[str, Any] = {"bundle": pid % 13 == 0}
    if composition["bundle"]:
        parts = [c for c in store.sorted_ids("products")[:4] if c != pid][:2]
        composition["bundleComponents"] = [
            {"productId": c, "productQuantity": 1 + k} for k, c in enumerate(parts)
        ]
        if pid % 26 == 0 and composition["bundleComponents"]:
            composition["bundleComponents"][-1]["composition"] = {
                "bundle": True,
                "bundleComponents": [{"productId": parts[0], "productQuantity": 3}],
            }
    stock: dict[str, Any] = {
        "stockTracked": p["tracked"],
        "weight": {"magnitude": p["weight"] / 1000},
    }
    if pid % 13:
        stock["dimensions"] = {"length": 10.0, "height": 5.0, "width": 7.5, "volume": 375.0}
    out: dict[str, Any] = {
        "id": pid,
        "brandId": p["brand"],
        "collectionId": p["collection"],
        "productTypeId": p["type"],
        "identity": {
            "sku": p["sku"],
            "isbn": p["isbn"] or "",
            "ean": p["ean"] or "",
            "upc": p["upc"] or "",
            "mpn": p["mpn"] or "",
            "barcode": p["barcode"] or "",
        },
        "productGroupId": p["group"],
        "featured": pid % 11 == 0,
        "stock": stock,
        "financialDetails": {"taxable": tc[3] is not None, "taxCode": {"id": tc[0], "code": tc[1]}},
        "salesChannels": [
            {
                "salesChannelName": "Brightpearl",
                "productName": p["name"],
                "productCondition": "new",
                "categories": [{"categoryCode": str(p["category"])}],
                "description": {
                    "languageCode": "en",
                    "text": f"<p>{p['name']} – ünïcode ✓</p>",
                    "format": "HTML_FRAGMENT",
                },
                "shortDescription": {"languageCode": "en", "text": p["name"], "format": "TEXT"},
            }
        ],
        "composition": composition,
        "variations": [
            {"optionId": oid, "optionName": oname, "optionValueId": vid, "optionValue": vname}
            for oid, oname, vid, vname in p["options"]
        ],
        "createdOn": ts(p["created"], off),
        "updatedOn": ts(p["updated"], off),
        "warehouses": {
            str(w): {
                "defaultLocationId": loc,
                "overflowLocationId": loc + 1,
                "reorderLevel": 5,
                "reorderQuantity": 20,
            }
            for w, loc in p["locations"].items()
        },
        "nominalCodeStock": "1000",
        "nominalCodePurchases": "5000",
        "nominalCodeSales": "4000",
        "seasonIds": p["seasons"],
        "reporting": {},
        "status": p["status"],
        "salesPopupMessage": "" if pid % 6 else "Check the colour with the customer",
        "warehousePopupMessage": "" if pid % 8 else "Fragile: pack with care",
        "version": p["version"],
    }
    if variant:
        out["customFields"] = {k: v for k, v in p["cf"].items() if v is not None}
    if variant == 2:
        out["nullCustomFields"] = [k for k, v in p["cf"].items() if v is None]
    if store.drift:
        out["lastStocktakeOn"] = drift.last_stocktake(p["updated"], off)
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
        lists.append(
            {
                "priceListId": pl_id,
                "currencyCode": cur[1],
                "currencyId": cur_id,
                "sku": p["sku"],
                "quantityPrice": breaks,
            }
        )
    return {"productId": p["id"], "priceLists": lists}


def availability(p: dict[str, Any]) -> dict[str, Any]:
    """Product-availability entry of a stock-tracked product."""
    whs = {}
    tot = [0, 0, 0, 0]
    for w, (on_hand, allocated, in_transit) in p["stock"].items():
        vals = (on_hand - allocated, on_hand, allocated, in_transit)
        tot = [a + b for a, b in zip(tot, vals, strict=False)]
        whs[str(w)] = dict(zip(("inStock", "onHand", "allocated", "inTransit"), vals, strict=False))
    return {
        "total": dict(zip(("inStock", "onHand", "allocated", "inTransit"), tot, strict=False)),
        "warehouses": whs,
    }


def goods_out_row(n: dict[str, Any]) -> Any:
    """The goods-out-search row of a goods-out note."""
    return GOODS_OUT_ROW(
        goodsOutNoteId=n["id"],
        printed=n["printed"] is not None,
        picked=n["picked"] is not None,
        packed=n["packed"] is not None,
        shipped=n["shipped"] is not None,
        shippedOn=secs(n["shipped"]),
        orderId=n["order"],
        shippingMethodId=n["shipMethod"],
        warehouseId=n["warehouse"],
        priority=n["priority"],
        createdOn=secs(n["created"]),
        releaseDate=secs(n["release"]),
        createdBy=n["createdBy"],
        labelUri=n["labelUri"],
        channelId=n["channel"],
        transfer=n["transfer"],
        off=n["off"],
    )


def render_goods_out(store: Store, n: dict[str, Any], variant: int) -> dict[str, Any]:
    """Goods-out note GET value (the map key is the note id), as recorded.

    Status times and users appear only for the steps done; transfers carry
    ``targetWarehouseId``; shipped notes have boxes and a numeric weight.
    """
    off = n["off"]
    status: dict[str, Any] = {}
    for step in ("shipped", "packed", "picked", "printed"):
        status[step] = n[step] is not None
    for step in ("picked", "packed", "shipped", "printed"):
        if n[step] is not None:
            status[f"{step}On"] = ts(n[step], off)
    for step in ("picked", "packed", "shipped", "printed"):
        if n[step] is not None:
            status[f"{step}ById"] = n["createdBy"]
    out: dict[str, Any] = {"orderId": n["order"], "warehouseId": n["warehouse"]}
    if n["transfer"]:
        out["targetWarehouseId"] = 7 if n["warehouse"] != 7 else 2
    shipping: dict[str, Any] = {"reference": n["tracking"] or ""}
    if n["shipped"] is not None:
        shipping.update(boxes=1 + n["id"] % 3, weight=1.25 * (1 + n["id"] % 4))
    shipping["shippingMethodId"] = n["shipMethod"]
    events = [
        {"occured": ts(n["created"], off), "eventOwnerId": n["createdBy"], "eventCode": "PLA"}
    ]
    events += [
        {
            "occured": ts(n[step], off),
            "eventOwnerId": n["createdBy"],
            "eventCode": "SHW" if step == "shipped" else step[:3].upper(),
        }
        for step in ("printed", "picked", "packed", "shipped")
        if n[step] is not None
    ]
    out.update(
        {
            "transfer": n["transfer"],
            "priority": n["priority"],
            "status": status,
            "shipping": shipping,
            "releaseDate": ts(n["release"], off),
            "createdOn": ts(n["created"], off),
            "createdBy": n["createdBy"],
            "orderRows": {
                str(rid): [
                    {"productId": p, "quantity": q, "locationId": loc} for p, q, loc in lines
                ]
                for rid, lines in n["rows"].items()
            },
            "sequence": 1,
            "events": events,
        }
    )
    if n["labelUri"] is not None:
        out["labelUri"] = n["labelUri"]
    out["lastEventVersion"] = 880_000 + n["id"] % 100_000 * 8 + len(events)
    return out


def render_goods_in(store: Store, n: dict[str, Any]) -> dict[str, Any]:
    """Goods-in note GET value (the map key is the note id): its batches still on record."""
    batches = store.tables["warehouse-service/goods-in-search"].rows
    moved = []
    for b in n["batches"]:
        row = batches.get(b)
        if row is not None:
            moved.append(
                {
                    "productId": row.productId,
                    "quantity": row.receivedQuantity,
                    "batchId": b,
                    "destinationLocationId": row.locationId,
                    "productValue": {"currency": "GBP", "value": row.price},
                }
            )
    return {
        "purchaseOrderId": n["po"],
        "goodsNoteStatus": "CLOSED",
        "userBatchReference": None,
        "warehouseId": n["warehouse"],
        "receivedOn": ts(n["received"], n["off"]),
        "receivedById": n["by"],
        "goodsMoved": moved,
    }
