# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Product- and warehouse-service shapes.

Product GET and search rows, prices, availability, goods-out notes.
"""

from __future__ import annotations

from typing import Any

from .data import CUR, PRICE_LISTS, TAX, Store, dec4, secs, ts


def product_row(p: dict[str, Any]) -> tuple[Any, ...]:
    """The product-search row of a product."""
    return (
        p["id"], p["name"], p["sku"], p["barcode"], p["ean"], p["upc"], p["isbn"], p["mpn"],
        p["tracked"], "Brightpearl", secs(p["created"]), secs(p["updated"]), p["category"],
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
        "identity": {"sku": p["sku"], "isbn": p["isbn"], "ean": p["ean"], "upc": p["upc"],
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


