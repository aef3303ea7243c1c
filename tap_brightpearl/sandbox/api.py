"""Endpoint logic: search, GET-by-ID-set, OPTIONS and reference GETs over a Store.

Every function returns ``(status, body_bytes, message_type)``; the caller holds store.lock.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from . import shapes
from .data import Store, ts
from .search import SearchError
from .util import IdSet, IdSetError, dumps, format_idset

Answer = tuple[int, bytes, str]
MAX_URL = 8192




def error(status: int, code: str, message: str) -> Answer:
    """An ``errors`` body (brightpearl-api.md §6)."""
    return status, dumps({"errors": [{"code": code, "message": message}]}), "error"


def not_found(message: str) -> Answer:
    """404 CMNC-404, the API's "nothing found" answer."""
    return error(404, "CMNC-404", message)


# Entities served by GET-by-ID-set: endpoint -> (store attribute, cache kind, render, limit)
Renderer = Callable[[Store, dict[str, Any], int], bytes]


def _json(render: Callable[[Store, dict[str, Any], int], Any]) -> Renderer:
    return lambda store, rec, variant: dumps(render(store, rec, variant))


ENTITIES: dict[str, tuple[str, str, Renderer, int]] = {
    "order-service/order": ("orders", "orders", shapes.order_bytes, 200),
    "product-service/product": ("products", "products", _json(shapes.render_product), 200),
    "product-service/product-price": ("products", "prices", _json(shapes.render_price), 200),
    "contact-service/contact": ("contacts", "contacts", _json(shapes.render_contact), 200),
}
RENDER_CONTACT = ENTITIES["contact-service/contact"][2]
RENDER_GOODS_OUT = _json(shapes.render_goods_out)
# Which of them answer 404 when ANY requested id is missing (the harsher reading of [REC]).
STRICT_404 = {"contact-service/contact": "No Contact Found",
              "product-service/product-price": "No Product Price Found"}


def cached(  # noqa: PLR0917 - hot path, positional on purpose
    store: Store, kind: str, attr: str, rid: int, variant: int, render: Renderer
) -> bytes:
    """The JSON bytes of one full record, rendered once per change."""
    key = (kind, rid, variant)
    hit = store.cache.get(key)
    if hit is None:
        hit = render(store, getattr(store, attr)[rid], variant)
        store.cache[key] = hit
    return hit


def variant_of(params: dict[str, str]) -> int:
    """includeOptional: 0 none, 1 customFields, 2 customFields + nullCustomFields."""
    opts = set(params.get("includeOptional", "").split(","))
    if "customFields" not in opts:
        return 0
    return 2 if "nullCustomFields" in opts else 1


def parse_ids(text: str, limit: int) -> IdSet | Answer:
    """Parse a path ID set and enforce the per-request limit (counted after expanding ranges)."""
    try:
        ids = IdSet.parse(text)
    except IdSetError:
        return error(400, "CMNC-400", f"Invalid ID set: {text}")
    if ids.count > limit:
        return error(400, "CMNC-029",
                     f"Too many ids requested: {ids.count}; the limit is {limit} per request")
    return ids


def shuffled(store: Store, salt: str, items: list[Any]) -> list[Any]:
    """Arbitrary but seeded order, as the API returns ID-set elements."""
    random.Random(f"{store.seed}:{salt}").shuffle(items)
    return items


def get_entities(store: Store, endpoint: str, idtext: str, params: dict[str, str],
                 rest: str) -> Answer:
    """GET order/product/product-price/contact by ID set."""
    attr, kind, render, limit = ENTITIES[endpoint]
    parsed = parse_ids(idtext, limit)
    if not isinstance(parsed, IdSet):
        return parsed
    existing = store.sorted_ids(attr)
    ids = parsed.select(existing)
    if kind == "prices":
        ids = [i for i in ids if store.products[i]["prices"]]
    if endpoint in STRICT_404 and len(ids) < parsed.count:
        return not_found(STRICT_404[endpoint])
    if not ids and endpoint != "order-service/order":
        return not_found("No Product Found" if kind == "products" else "Not found")
    variant = variant_of(params) if kind in ("orders", "products") else 0
    parts = [cached(store, kind, attr, i, variant, render) for i in ids]
    if kind == "prices" and rest:
        lists = parse_ids(rest, 10_000)
        if not isinstance(lists, IdSet):
            return lists
        objs = [json.loads(p) for p in parts]
        for o in objs:
            o["priceLists"] = [pl for pl in o["priceLists"] if pl["priceListId"] in lists]
        parts = [dumps(o) for o in objs]
    body = b'{"response":[' + b",".join(shuffled(store, idtext, parts)) + b"]"
    if kind == "contacts":  # recorded: an ID-set answer is one page, with its pagination
        body += (b',"pagination":' + dumps({"morePagesAvailable": False,
                                             "resultsReturned": len(parts), "firstResult": 1,
                                             "lastResult": len(parts)})
                 + b',"sorting":[{"field":"contactId","direction":"ASC"}]')
    return 200, body + b"}", f"get-{kind.rstrip('s')}"


def contact_page(store: Store, params: dict[str, str]) -> Answer:
    """Contact GET without an ID set: one page of up to 200 with a pagination object."""
    ids = store.sorted_ids("contacts")
    if params.get("sort", "").upper().endswith("DESC"):
        ids = ids[::-1]
    first = max(1, int(params.get("firstResult", "1") or 1))
    size = min(200, max(1, int(params.get("pageSize", "200") or 200)))
    page = ids[first - 1 : first - 1 + size]
    parts = [cached(store, "contacts", "contacts", i, 0, RENDER_CONTACT) for i in page]
    meta = dumps({"morePagesAvailable": first - 1 + len(page) < len(ids),
                  "resultsReturned": len(page), "firstResult": first,
                  "lastResult": first + len(page) - 1})
    sort = dumps([{"field": "contactId",
                   "direction": "DESC" if params.get("sort", "").upper().endswith("DESC")
                   else "ASC"}])
    body = (b'{"response":[' + b",".join(parts) + b'],"pagination":' + meta + b',"sorting":'
            + sort + b"}")
    return 200, body, "get-contact"


def options(store: Store, endpoint: str, idtext: str) -> Answer:
    """OPTIONS planner: getUris for the existing ids, in chunks of 200."""
    attr, kind, _render, limit = ENTITIES[endpoint]
    existing = store.sorted_ids(attr)
    if idtext:
        try:
            existing = IdSet.parse(idtext).select(existing)
        except IdSetError:
            return error(400, "CMNC-400", f"Invalid ID set: {idtext}")
    if kind == "prices":
        existing = [i for i in existing if store.products[i]["prices"]]
    name = endpoint.split("/", 1)[1]
    uris = [f"/{name}/{format_idset(existing[i : i + limit])}"
            for i in range(0, len(existing), limit)]
    return 200, dumps({"response": {"getUris": uris}}), f"options-{name}"


def postal_addresses(store: Store, idtext: str) -> Answer:
    """postal-address GET: a list; missing ids dropped, 404 when none exist."""
    parsed = parse_ids(idtext, 200)
    if not isinstance(parsed, IdSet):
        return parsed
    found = parsed.select(sorted(store.addresses))
    if not found:
        return not_found("No Postal Address Found")
    items = shuffled(store, idtext, [store.addresses[a] for a in found])
    return 200, dumps({"response": items}), "get-postal-address"


def availability(store: Store, idtext: str) -> Answer:
    """product-availability GET: map keyed by product id, stock-tracked products only."""
    if not idtext:
        return error(400, "WHSC-020", "Product IDs must be specified")
    parsed = parse_ids(idtext, 200)
    if not isinstance(parsed, IdSet):
        return parsed
    existing = parsed.select(store.sorted_ids("products"))
    if len(existing) < parsed.count:
        missing = next(i for lo, hi in parsed.intervals() for i in range(lo, hi + 1)
                       if i not in store.products)
        return error(400, "WHSC-004", f"Product {missing} does not exist")
    out = {str(p): shapes.availability(store.products[p]) for p in existing
           if store.products[p]["tracked"]}
    return 200, dumps({"response": out}), "get-product-availability"


def goods_out(store: Store, order_text: str, note_text: str) -> Answer:
    """Goods-out note GET: a map keyed by note id (≤ 500 per request)."""
    parsed = parse_ids(note_text, 500)
    if not isinstance(parsed, IdSet):
        return parsed
    orders = None
    if order_text != "*":
        try:
            orders = IdSet.parse(order_text)
        except IdSetError:
            return error(400, "CMNC-400", f"Invalid ID set: {order_text}")
    found = [g for g in parsed.select(store.sorted_ids("goods_out"))
             if orders is None or store.goods_out[g]["order"] in orders]
    if not found:
        return not_found("No goods-out notes found")
    parts = [b'"%d":' % g + cached(store, "goods_out", "goods_out", g, 0, RENDER_GOODS_OUT)
             for g in found]
    body = b'{"response":{' + b",".join(shuffled(store, note_text, parts)) + b"}}"
    return 200, body, "get-goods-out-note"


def goods_in(store: Store, order_text: str, note_text: str) -> Answer:
    """Goods-in note GET: a map keyed by note id (≤ 200; not all notes of all orders)."""
    if note_text in ("", "*"):
        return error(400, "WHSC-030", "You cannot request all goods-in notes for all orders")
    parsed = parse_ids(note_text, 200)
    if not isinstance(parsed, IdSet):
        return parsed
    found = parsed.select(sorted(store.goods_in))
    if order_text != "*":
        try:
            orders = IdSet.parse(order_text)
        except IdSetError:
            return error(400, "CMNC-400", f"Invalid ID set: {order_text}")
        found = [g for g in found if store.goods_in[g]["po"] in orders]
    if not found:
        return not_found("No goods-in notes found")
    batches = store.tables["warehouse-service/goods-in-search"]
    out = {}
    for g in shuffled(store, note_text, found):
        n = store.goods_in[g]
        moved = []
        for b in n["batches"]:
            row = batches.rows.get(b)
            if row is not None:
                moved.append({"productId": row[3], "quantity": row[12], "batchId": b,
                              "destinationLocationId": row[4],
                              "productValue": {"currency": "GBP", "value": row[9]}})
        out[str(g)] = {"purchaseOrderId": n["po"], "goodsNoteStatus": "CLOSED",
                       "userBatchReference": None, "warehouseId": n["warehouse"],
                       "receivedOn": ts(n["received"], n["off"]), "receivedById": n["by"],
                       "goodsMoved": moved}
    return 200, dumps({"response": out}), "get-goods-in-note"


def reference(store: Store, path: str, idtext: str) -> Answer:
    """Plain reference GET (optionally narrowed by an ID set)."""
    payload = store.ref[path]
    if idtext:
        try:
            ids = IdSet.parse(idtext)
        except IdSetError:
            return error(400, "CMNC-400", f"Invalid ID set: {idtext}")
        if isinstance(payload, dict):
            payload = {k: v for k, v in payload.items() if int(k) in ids}
        else:
            key = next(iter(payload[0])) if payload else "id"
            payload = [item for item in payload if item.get(key) in ids]
    return 200, dumps({"response": payload}), "get-" + path.rsplit("/", 1)[-1]


def search(store: Store, path: str, params: dict[str, str], reject: str | None) -> Answer:
    """A *-search endpoint."""
    try:
        return 200, store.tables[path].search(params, reject), "bulk-data-search"
    except SearchError as exc:
        return error(exc.status, exc.code, exc.message)


def route(store: Store, method: str, svc_path: str, params: dict[str, str],
          reject: str | None) -> tuple[str, Answer]:
    """Dispatch ``{service}-service/...`` to an endpoint; returns (endpoint name, answer)."""
    svc_path = svc_path.rstrip("/")
    if method == "GET" and svc_path in store.tables:
        return svc_path.rsplit("/", 1)[-1], search(store, svc_path, params, reject)
    if method == "GET" and svc_path.endswith("/meta-data") and svc_path[:-10] in store.tables:
        table = store.tables[svc_path[:-10]]
        return svc_path.rsplit("/", 2)[-2] + "/meta-data", (200, table.metadata(), "search-meta")
    parts = svc_path.split("/")
    if (len(parts) == 6 and parts[0] == "warehouse-service" and parts[1] == "order"
            and parts[3] == "goods-note" and method == "GET"):
        if parts[4] == "goods-out":
            return "goods-out-note", goods_out(store, parts[2], parts[5])
        if parts[4] == "goods-in":
            return "goods-in-note", goods_in(store, parts[2], parts[5])
    base = "/".join(parts[:2])
    idtext = parts[2] if len(parts) > 2 else ""
    if method == "OPTIONS":
        if base in ENTITIES and len(parts) <= 3:
            return "OPTIONS " + parts[1], options(store, base, idtext)
        return "OPTIONS", error(405, "CMNC-405", "Method not allowed")
    if method != "GET":
        return method, error(405, "CMNC-405", "Method not allowed")
    whole = "/".join(parts)
    if whole in store.ref and not whole.startswith("_"):
        return whole.split("/", 1)[1], reference(store, whole, "")
    if base in store.ref and len(parts) == 3:
        return parts[1], reference(store, base, idtext)
    if base == "contact-service/contact" and not idtext:
        return "contact", contact_page(store, params)
    if base in ENTITIES and len(parts) in (3, 5):
        rest = parts[4] if len(parts) == 5 and parts[3] == "price-list" else ""
        if len(parts) == 5 and not rest:
            return "unknown", error(404, "GWY-404", "No resource matches this URI")
        return parts[1], get_entities(store, base, idtext, params, rest)
    if base == "contact-service/postal-address":
        return "postal-address", postal_addresses(store, idtext)
    if base == "warehouse-service/product-availability":
        return "product-availability", availability(store, idtext)
    return "unknown", error(404, "GWY-404", "No resource matches this URI")
