"""Endpoint kinds: search, GET by ID set, OPTIONS, reference GETs, the few special GETs.

Each takes a ``Request`` (the route's captures in ``args``) and returns ``(status, body bytes,
Message-Type)``; the caller holds ``store.lock``. Which URL reaches which kind, with which
entity, is the route table's business (routes.py); what a record looks like is the shapes'.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import shapes
from .data import Store
from .search import SearchError
from .util import IdSet, IdSetError, dumps, format_idset

Answer = tuple[int, bytes, str]
Renderer = Callable[[Store, dict[str, Any], int], bytes]
MAX_URL = 8192


@dataclass(frozen=True)
class Request:
    """What an endpoint sees: the store, the query and the route's ``{captures}``."""

    store: Store
    path: str  # below /public-api/{account}/, without a trailing slash
    params: dict[str, str]
    args: dict[str, str]
    reject_filter: str | None = None


@dataclass(frozen=True)
class Entity:
    """A resource served by GET-by-ID-set and planned by OPTIONS.

    ``missing`` is how the API answers ids that do not exist: ``drop`` (200 with the rest, 200
    ``[]`` when none), ``drop-404`` (the rest; 404 CMNC-404 ``message`` when none) or ``any-404``
    (404 CMNC-404 ``message`` when any requested id is missing).
    """

    attr: str  # the Store dict of the records
    kind: str  # cache key, Message-Type get-{kind}
    render: Renderer
    limit: int  # ids per request
    missing: str
    message: str = "Not found"
    uri: str = ""  # OPTIONS getUris prefix, e.g. /order
    only: Callable[[dict[str, Any]], bool] | None = None  # records this resource covers
    paged: bool = False  # the answer carries pagination and sorting (contacts)
    variants: bool = False  # includeOptional=customFields[,nullCustomFields] applies


def json_renderer(render: Callable[[Store, dict[str, Any], int], Any]) -> Renderer:
    """A renderer of JSON bytes from a renderer of objects."""
    return lambda store, rec, variant: dumps(render(store, rec, variant))


def error(status: int, code: str, message: str) -> Answer:
    """An ``errors`` body (docs/api-notes.md, "Errors")."""
    return status, dumps({"errors": [{"code": code, "message": message}]}), "error"


def not_found(message: str) -> Answer:
    """404 CMNC-404, the API's "nothing found" answer."""
    return error(404, "CMNC-404", message)


def unknown(_req: Request) -> Answer:
    """404 GWY-404: no such resource (never CMNC-404, so a wrong URL is not read as no rows)."""
    return error(404, "GWY-404", "No resource matches this URI")


def not_allowed(_req: Request) -> Answer:
    """405 for a method the resource does not take."""
    return error(405, "CMNC-405", "Method not allowed")


def cached(store: Store, entity: Entity, rid: int, variant: int) -> bytes:
    """The JSON bytes of one full record, rendered once per change."""
    key = (entity.kind, rid, variant)
    hit = store.cache.get(key)
    if hit is None:
        hit = entity.render(store, getattr(store, entity.attr)[rid], variant)
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
        return error(
            400,
            "CMNC-029",
            f"Too many ids requested: {ids.count}; the limit is {limit} per request",
        )
    return ids


def shuffled(store: Store, salt: str, items: list[Any]) -> list[Any]:
    """Arbitrary but seeded order, as the API returns ID-set elements."""
    random.Random(f"{store.seed}:{salt}").shuffle(items)
    return items


def existing(store: Store, entity: Entity) -> list[int]:
    """Ascending ids of the records the entity covers now."""
    ids = store.sorted_ids(entity.attr)
    if entity.only is not None:
        records = getattr(store, entity.attr)
        ids = [i for i in ids if entity.only(records[i])]
    return ids


def get_entities(entity: Entity, req: Request) -> Answer:
    """GET {resource}/{ids}[/price-list/{lists}]: the records of an ID set."""
    store = req.store
    idtext = req.args["ids"]
    parsed = parse_ids(idtext, entity.limit)
    if not isinstance(parsed, IdSet):
        return parsed
    ids = parsed.select(store.sorted_ids(entity.attr))
    if entity.only is not None:
        records = getattr(store, entity.attr)
        ids = [i for i in ids if entity.only(records[i])]
    if entity.missing == "any-404" and len(ids) < parsed.count:
        return not_found(entity.message)
    if not ids and entity.missing != "drop":
        return not_found(entity.message)
    variant = variant_of(req.params) if entity.variants else 0
    parts = [cached(store, entity, i, variant) for i in ids]
    if "lists" in req.args:
        lists = parse_ids(req.args["lists"], 10_000)
        if not isinstance(lists, IdSet):
            return lists
        objs = [json.loads(p) for p in parts]
        for o in objs:
            o["priceLists"] = [pl for pl in o["priceLists"] if pl["priceListId"] in lists]
        parts = [dumps(o) for o in objs]
    body = b'{"response":[' + b",".join(shuffled(store, idtext, parts)) + b"]"
    if entity.paged:  # recorded: an ID-set answer is one page, with its pagination
        body += (
            b',"pagination":'
            + dumps(
                {
                    "morePagesAvailable": False,
                    "resultsReturned": len(parts),
                    "firstResult": 1,
                    "lastResult": len(parts),
                }
            )
            + b',"sorting":[{"field":"contactId","direction":"ASC"}]'
        )
    return 200, body + b"}", f"get-{entity.kind.rstrip('s')}"


def page_of(entity: Entity, req: Request) -> Answer:
    """GET {resource} without an ID set: one page of up to 200 with a pagination object."""
    params = req.params
    ids = existing(req.store, entity)
    descending = params.get("sort", "").upper().endswith("DESC")
    if descending:
        ids = ids[::-1]
    first = max(1, int(params.get("firstResult", "1") or 1))
    size = min(200, max(1, int(params.get("pageSize", "200") or 200)))
    page = ids[first - 1 : first - 1 + size]
    parts = [cached(req.store, entity, i, 0) for i in page]
    meta = dumps(
        {
            "morePagesAvailable": first - 1 + len(page) < len(ids),
            "resultsReturned": len(page),
            "firstResult": first,
            "lastResult": first + len(page) - 1,
        }
    )
    sort = dumps([{"field": "contactId", "direction": "DESC" if descending else "ASC"}])
    body = (
        b'{"response":['
        + b",".join(parts)
        + b'],"pagination":'
        + meta
        + b',"sorting":'
        + sort
        + b"}"
    )
    return 200, body, f"get-{entity.kind.rstrip('s')}"


def options(entity: Entity, req: Request) -> Answer:
    """OPTIONS {resource}[/{ids}]: getUris of the existing ids, ``limit`` ids per URI."""
    ids = existing(req.store, entity)
    idtext = req.args.get("ids", "")
    if idtext:
        try:
            ids = IdSet.parse(idtext).select(ids)
        except IdSetError:
            return error(400, "CMNC-400", f"Invalid ID set: {idtext}")
    step = entity.limit
    uris = [f"{entity.uri}/{format_idset(ids[i : i + step])}" for i in range(0, len(ids), step)]
    return 200, dumps({"response": {"getUris": uris}}), f"options-{entity.uri.lstrip('/')}"


def contact_custom_fields(req: Request) -> Answer:
    """Contact custom-field GET (one contact id): a map of the codes that hold a value."""
    try:
        contact = req.store.contacts.get(int(req.args["id"]))
    except ValueError:
        return error(400, "CMNC-400", f"Invalid contact id: {req.args['id']}")
    if contact is None:
        return not_found("No Contact Found")
    values = {k: v for k, v in contact.get("cf", {}).items() if v is not None}
    return 200, dumps({"response": values}), "get-custom-fields"


def postal_addresses(req: Request) -> Answer:
    """postal-address GET: a list; missing ids dropped, 404 when none exist."""
    store = req.store
    idtext = req.args.get("ids", "")
    parsed = parse_ids(idtext, 200)
    if not isinstance(parsed, IdSet):
        return parsed
    found = parsed.select(sorted(store.addresses))
    if not found:
        return not_found("No Postal Address Found")
    items = shuffled(store, idtext, [store.addresses[a] for a in found])
    return 200, dumps({"response": items}), "get-postal-address"


def availability(req: Request) -> Answer:
    """product-availability GET: map keyed by product id, stock-tracked products only."""
    store = req.store
    idtext = req.args.get("ids", "")
    if not idtext:
        return error(400, "WHSC-020", "Product IDs must be specified")
    parsed = parse_ids(idtext, 200)
    if not isinstance(parsed, IdSet):
        return parsed
    found = parsed.select(store.sorted_ids("products"))
    if len(found) < parsed.count:
        missing = next(
            i for lo, hi in parsed.intervals() for i in range(lo, hi + 1) if i not in store.products
        )
        return error(400, "WHSC-004", f"Product {missing} does not exist")
    out = {
        str(p): shapes.availability(store.products[p])
        for p in found
        if store.products[p]["tracked"]
    }
    return 200, dumps({"response": out}), "get-product-availability"


def _orders_filter(text: str) -> IdSet | Answer | None:
    """The ``{orders}`` part of a goods-note URI: ``*`` (all) or an ID set."""
    if text == "*":
        return None
    try:
        return IdSet.parse(text)
    except IdSetError:
        return error(400, "CMNC-400", f"Invalid ID set: {text}")


GOODS_OUT = Entity(
    "goods_out",
    "goods_out",
    json_renderer(shapes.render_goods_out),
    500,
    "drop-404",
    "No goods-out notes found",
)


def goods_out(req: Request) -> Answer:
    """Goods-out note GET: a map keyed by note id (≤ 500 per request)."""
    store = req.store
    note_text = req.args["notes"]
    parsed = parse_ids(note_text, 500)
    if not isinstance(parsed, IdSet):
        return parsed
    orders = _orders_filter(req.args["orders"])
    if isinstance(orders, tuple):
        return orders
    found = [
        g
        for g in parsed.select(store.sorted_ids("goods_out"))
        if orders is None or store.goods_out[g]["order"] in orders
    ]
    if not found:
        return not_found(GOODS_OUT.message)
    parts = [b'"%d":' % g + cached(store, GOODS_OUT, g, 0) for g in found]
    body = b'{"response":{' + b",".join(shuffled(store, note_text, parts)) + b"}}"
    return 200, body, "get-goods-out-note"


def goods_in(req: Request) -> Answer:
    """Goods-in note GET: a map keyed by note id (≤ 200; not all notes of all orders)."""
    store = req.store
    note_text = req.args["notes"]
    if note_text in ("", "*"):
        return error(400, "WHSC-030", "You cannot request all goods-in notes for all orders")
    parsed = parse_ids(note_text, 200)
    if not isinstance(parsed, IdSet):
        return parsed
    found = parsed.select(sorted(store.goods_in))
    orders = _orders_filter(req.args["orders"])
    if isinstance(orders, tuple):
        return orders
    if orders is not None:
        found = [g for g in found if store.goods_in[g]["po"] in orders]
    if not found:
        return not_found("No goods-in notes found")
    out = {
        str(g): shapes.render_goods_in(store, store.goods_in[g])
        for g in shuffled(store, note_text, found)
    }
    return 200, dumps({"response": out}), "get-goods-in-note"


def reference(req: Request) -> Answer:
    """Plain reference GET (optionally narrowed by an ID set)."""
    idtext = req.args.get("ids", "")
    path = req.path.rsplit("/", 1)[0] if "ids" in req.args else req.path
    payload = req.store.ref[path]
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


def search(req: Request) -> Answer:
    """A *-search endpoint."""
    try:
        return (
            200,
            req.store.tables[req.path].search(req.params, req.reject_filter),
            "bulk-data-search",
        )
    except SearchError as exc:
        return error(exc.status, exc.code, exc.message)


def search_metadata(req: Request) -> Answer:
    """``{search}/meta-data``: the columns and default sorting."""
    return 200, req.store.tables[req.path.removesuffix("/meta-data")].metadata(), "search-meta"
