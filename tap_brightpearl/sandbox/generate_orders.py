"""Orders and the trail each leaves, in one seeded pass (deterministic).

The pass draws from one generator in a fixed order: the order's header and lines, then its
notes, goods-out note, goods-in batches and journals (generate_trail.py). Any reordering of the
draws changes every later record, so each step below draws exactly as the one before it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import shapes
from .data import (
    CURRENCIES,
    DAY,
    END_MS,
    ORDER_TYPES,
    STATUS_BY_TYPE,
    WAREHOUSES,
    Store,
    make_ids,
    spread,
)
from .generate_ref import CHANNELS, SHIPPING_METHODS
from .generate_trail import TRAIL_TABLES, goods_in, goods_out, journals, notes

if TYPE_CHECKING:
    import random

BIG_MOVES = 2**31 - 50  # goods movement ids cross 2^31 on busy accounts
INVOICED = (4, 10, 8, 12)  # order statuses that carry an invoice and a tax date
SHIPPED = (4, 8)  # ... and those whose goods have all gone out (or come in)
CLOSED = (5, 10, 12)


class Seq:
    """An ascending id allocator with gaps."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.r = rng.random
        self.cur = start

    def __call__(self) -> int:
        """The next id: one up, or a gap of 2 to 6 one time in ten."""
        self.cur += 1 if self.r() < 0.9 else 2 + int(self.r() * 5)
        return self.cur


class OrderPass:
    """The generator, the id allocators and the search rows of one pass over the orders."""

    def __init__(self, store: Store) -> None:
        self.store = store
        rng = store.rng("orders")
        self.r = rng.random
        n = store.sizes["orders"]
        self.ids = make_ids(rng, n, 1001, big=max(1, n // 100) if n >= 50 else 0)
        self.created = spread(rng, n)
        self.n_fresh = max(1, n // 200) if n else 0
        self.customers = [c["id"] for c in store.contacts.values() if c["customer"]]
        self.suppliers = [c["id"] for c in store.contacts.values() if c["supplier"]]
        self.suppliers = self.suppliers or self.customers
        self.staff = store.ref["_staff"]
        self.pids = list(store.products)
        self.channels = [c[0] for c in CHANNELS]
        starts = {
            "row": 100,
            "note": 500,
            "gon": 70000,
            "gin": 3000,
            "batch": 8000,
            "move": BIG_MOVES,
            "journal": 40000,
            "jrow": 90000,
            "cpay": 600,
            "spay": 300,
        }
        self.seq = {name: Seq(rng, start) for name, start in starts.items()}
        self.out: dict[str, list[tuple[Any, ...]]] = {
            path: [] for path in ("order-service/order-search", *TRAIL_TABLES)
        }
        self.last = {1: 0, 2: 0}  # the latest sales and purchase order: credits' parents
        self.tie = 0  # the last updatedOn, which bulk edits share

    def pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        """One of ``items`` (one draw)."""
        return items[int(self.r() * len(items))]


def orders(store: Store) -> None:
    """Every order, its notes, goods notes, movements, journals and payments."""
    p = OrderPass(store)
    for k, oid in enumerate(p.ids):
        o = _order(p, k, oid)
        store.orders[oid] = o
        p.out["order-service/order-search"].append(shapes.order_row(o))
        _last_ordered(store, o)
        notes(p, o)
        if o["type"] == 1 and o["ship"] != 1:
            goods_out(p, o)
        if o["type"] == 2 and o["status"] == 8:
            goods_in(p, o)
        if o["tax"] is not None:
            journals(p, o)
    for path, rows in p.out.items():
        store.tables[path].load(rows)
    for c in store.contacts.values():
        if c["lastOrdered"] is not None:
            store.tables["contact-service/contact-search"].put(shapes.contact_row(c))
    seq = p.seq
    store.ref["_seq"] = {
        name: seq[name] for name in ("row", "note", "gon", "move", "jrow", "journal", "cpay")
    }


def _order(p: OrderPass, k: int, oid: int) -> dict[str, Any]:
    """One order: its kind, party, dates, status, currency and lines, then the rest."""
    r = p.r
    x = r()
    otype = 1 if x < 0.7 else 2 if x < 0.85 else 3 if x < 0.95 else 4
    purchase = otype in (2, 4)
    contact = p.pick(p.suppliers if purchase else p.customers)
    c_ms = p.created[k]
    fresh = k >= len(p.ids) - p.n_fresh
    u_ms = _updated(p, c_ms, fresh=fresh)
    status = p.pick(STATUS_BY_TYPE[otype])
    currency = 1 if r() < 0.75 else CURRENCIES[1 + int(r() * 3)][0]
    rows = _lines(p, purchase=purchase)
    tax_ms = c_ms + int(r() * 3 * DAY) if status in INVOICED else None
    ship = 4 if status in SHIPPED else (1, 1, 2, 3)[int(r() * 4)]
    if otype in p.last:
        p.last[otype] = oid
    drawn = {
        "id": oid,
        "type": otype,
        "contact": contact,
        "status": status,
        "ship": ship,
        "created": c_ms,
        "updated": u_ms,
        "tax": tax_ms,
        "currency": currency,
        "rows": rows,
        "fresh": fresh,
    }
    return _header(p, drawn)


def _updated(p: OrderPass, c_ms: int, *, fresh: bool) -> int:
    """updatedOn: within 60 days of creation, a quarter of bulk edits sharing the last one."""
    r = p.r
    if p.tie and p.tie >= c_ms and r() < 0.25:
        u_ms = p.tie  # bulk edits: several orders share one updatedOn
    else:
        u_ms = min(END_MS, c_ms + int(r() * 60 * DAY) + int(r() * 1000))
        p.tie = u_ms
    return c_ms if fresh else u_ms


def _lines(p: OrderPass, *, purchase: bool) -> dict[int, dict[str, Any]]:
    """One to four order rows of random products (cost or retail price)."""
    r = p.r
    rows: dict[int, dict[str, Any]] = {}
    for seq in range(1 + int(r() * 4)):
        product = p.store.products[p.pids[int(r() * len(p.pids))]]
        rid = p.seq["row"]()
        price = product["prices"][1 if purchase else 2]
        rows[rid] = {
            "id": rid,
            "seq": seq + 1,
            "product": product["id"],
            "name": product["name"],
            "sku": product["sku"],
            "qty": 1 + int(r() * 5),
            "price": price,
            "cost": product["prices"][1],
            "tax": product["taxCode"],
            "nominal": "5000" if purchase else "4000",
        }
    return rows


def _header(p: OrderPass, d: dict[str, Any]) -> dict[str, Any]:
    """The order's record: the ``drawn`` values and the others, drawn in the order of keys."""
    r = p.r
    oid, otype, status, created = d["id"], d["type"], d["status"], d["created"]
    purchase = otype in (2, 4)
    invoiced = status in INVOICED
    cf = shapes.CUSTOM_FIELD_SETS["purchase" if purchase else "sale"]
    return {
        "id": oid,
        "type": otype,
        "contact": d["contact"],
        "status": status,
        "stock": 1 + int(r() * 4),
        "pay": 1 if invoiced else 2 + int(r() * 3),
        "ship": d["ship"],
        "created": created,
        "updated": d["updated"],
        "placed": created - int(r() * DAY),
        "closed": d["updated"] if status in CLOSED else None,
        "tax": d["tax"],
        "delivery": None if r() < 0.4 else created + int(1 + r() * 10) * DAY,
        "createdBy": p.pick(p.staff),
        "owner": p.pick(p.staff),
        "customerRef": None if r() < 0.2 else f"#{oid % 100000:05d}",
        "externalRef": None if r() < 0.7 else f"EXT-{int(r() * 1e9)}",
        "iii": 13 if r() < 0.1 else None,
        "warehouse": WAREHOUSES[int(r() * 3)][0],
        "dept": int(r() * 3),
        "channel": None if purchase else p.pick(p.channels),
        "lead": None if r() < 0.5 else 1 + int(r() * 5),
        "project": 0,
        "team": 0,
        "priceList": 1 if purchase else 2,
        "currency": d["currency"],
        "shipMethod": p.pick(SHIPPING_METHODS)[0],
        "parent": p.last[1] if otype == 3 else p.last[2] if otype == 4 else 0,
        "invoice": f"{ORDER_TYPES[otype][0]}I-{oid}" if invoiced else None,
        "rows": d["rows"],
        "off": int(r() * 3),
        "fresh": d["fresh"],
        "cf": {
            code: shapes.cf_value(code, kind, oid * 13 + j, 0)
            for j, (code, _n, kind) in enumerate(cf)
        },
    }


def _last_ordered(store: Store, o: dict[str, Any]) -> None:
    """A sale moves its customer's lastOrderedOn."""
    contact = store.contacts.get(o["contact"])
    if o["type"] in (2, 4) or contact is None:
        return
    contact["lastOrdered"] = max(contact["lastOrdered"] or 0, o["created"])
