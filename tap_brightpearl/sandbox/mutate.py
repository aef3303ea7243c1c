"""Live changes while a client syncs: seeded random updates, creates and deletes.

Each mutation picks a resource (orders 35 %, products 20 %, contacts 20 %, then order notes,
goods movements, journal rows, customer payments and goods-out notes), then an operation:
update 60 % (``updatedOn`` = the real clock, so the record moves across sorted and
date-filtered pages; orders may gain or lose a row), create 25 % (a new id above the current
maximum; new orders show a null ``updatedOn`` in search until updated again), delete 15 % (for
orders, products and contacts). The record is picked uniformly among existing ids.
"""

from __future__ import annotations

import copy
import random
import time
from typing import TYPE_CHECKING, Any

from . import deletes, shapes
from .data import STATUS_BY_TYPE, Store, secs

if TYPE_CHECKING:
    from .counters import Counters

ORDERS = "order-service/order-search"
PRODUCTS = "product-service/product-search"
CONTACTS = "contact-service/contact-search"
NOTES = "order-service/order-note-search"
MOVES = "warehouse-service/goods-movement-search"
JOURNAL = "accounting-service/journal-search"
CPAY = "accounting-service/customer-payment-search"
GOODS_OUT = "warehouse-service/goods-note/goods-out-search"


class LiveChanges:
    """What changes while a client syncs, run before each API request.

    The mutation mode and the deletions of the ``delete_during_run`` knob (deletes.DuringRun).
    """

    def __init__(self, store: Store, seed: int, knobs: dict[str, Any], counters: Counters) -> None:
        self._store = store
        self._knobs = knobs
        self._counters = counters
        self._rng = random.Random(f"{seed}:mutations")
        self.deletions = deletes.DuringRun(store, seed, counters)
        self.deletions.schedule(knobs["delete_during_run"])

    def before_request(self) -> None:
        """Apply this request's share of changes (caller holds store.lock)."""
        if self._knobs["mutate"]:
            n = int(self._knobs["mutations_per_request"])
            if n > 0:
                done = apply(self._store, self._rng, n, time.time_ns() // 1_000_000)
                self._counters.add("mutations", done)
        self.deletions.before_request(int(self._knobs["delete_every"]))


def apply(store: Store, rng: random.Random, count: int, now_ms: int) -> int:
    """Perform ``count`` mutations (caller holds store.lock); return how many took effect."""
    done = 0
    for _ in range(count):
        x = rng.random()
        op = rng.random()
        if x < 0.35:
            done += _entity(store, rng, op, now_ms, "orders", ORDERS)
        elif x < 0.55:
            done += _entity(store, rng, op, now_ms, "products", PRODUCTS)
        elif x < 0.75:
            done += _entity(store, rng, op, now_ms, "contacts", CONTACTS)
        elif x < 0.82:
            done += _append(store, rng, now_ms, NOTES)
        elif x < 0.88:
            done += (
                _touch_row(store, rng, now_ms, MOVES)
                if op < 0.6
                else _append(store, rng, now_ms, MOVES)
            )
        elif x < 0.92:
            done += _append(store, rng, now_ms, JOURNAL)
        elif x < 0.96:
            done += _append(store, rng, now_ms, CPAY)
        else:
            done += _goods_out(store, rng, now_ms)
    return done


_ROW_FN = {
    "orders": shapes.order_row,
    "products": shapes.product_row,
    "contacts": shapes.contact_row,
}
_TOUCH = {"orders": ("orders",), "products": ("products", "prices"), "contacts": ("contacts",)}


def _entity(  # noqa: PLR0917
    store: Store, rng: random.Random, op: float, now: int, kind: str, path: str
) -> int:
    records: dict[int, dict[str, Any]] = getattr(store, kind)
    ids = store.sorted_ids(kind)
    if not ids:
        return 0
    rid = ids[int(rng.random() * len(ids))]
    table = store.tables[path]
    rec = records[rid]
    if op < 0.6:
        rec["updated"] = max(now, rec["updated"])
        if kind == "orders":
            rec["fresh"] = False
            _reshape_order(store, rng, rec)
        elif kind == "products":
            rec["version"] += 1
            rec["prices"][2] = max(99, rec["prices"][2] + int((rng.random() - 0.5) * 500))
    elif op < 0.85:
        new_id = store.next_id(kind) + int(rng.random() * 3)
        rec = copy.deepcopy(rec)
        rec.update(id=new_id, created=now, updated=now)
        if kind == "orders":
            rec.update(
                fresh=True,
                placed=now,
                closed=None,
                tax=None,
                invoice=None,
                rows={},
                status=STATUS_BY_TYPE[rec["type"]][0],
                pay=2,
                ship=1,
            )
            _reshape_order(store, rng, rec, add=True)
        elif kind == "contacts":
            rec.update(lastOrdered=None, lastContacted=None)
            fresh_ids: dict[int, int] = {}
            for aid in rec["addr"].values():
                if aid not in fresh_ids:
                    fresh_ids[aid] = max(store.addresses) + 1
                    store.addresses[fresh_ids[aid]] = shapes.address(fresh_ids[aid], new_id)
            rec["addr"] = {k: fresh_ids[a] for k, a in rec["addr"].items()}
        records[new_id] = rec
        store.added(kind, new_id)
        rid = new_id
    else:
        return int(deletes.delete(store, kind, rid))  # kind is also the stream name
    table.put(_ROW_FN[kind](rec))
    for k in _TOUCH[kind]:
        store.touch(k, rid)
    return 1


def _reshape_order(store: Store, rng: random.Random, o: dict[str, Any], add: bool = False) -> None:
    """Maybe add or remove an order row (rows come and go on real orders)."""
    rows = o["rows"]
    x = rng.random()
    if add or x < 0.3:
        pids = store.sorted_ids("products")
        if not pids:
            return
        p = store.products[pids[int(rng.random() * len(pids))]]
        rid = store.ref["_seq"]["row"]()
        purchase = o["type"] in (2, 4)
        rows[rid] = {
            "id": rid,
            "seq": len(rows) + 1,
            "product": p["id"],
            "name": p["name"],
            "sku": p["sku"],
            "qty": 1 + int(rng.random() * 4),
            "price": p["prices"][1 if purchase else 2],
            "cost": p["prices"][1],
            "tax": p["taxCode"],
            "nominal": "5000" if purchase else "4000",
        }
    elif x < 0.5 and len(rows) > 1:
        del rows[next(iter(rows))]


def _append(store: Store, rng: random.Random, now: int, path: str) -> int:
    """Create a row like a random existing one, with a new key and the current time."""
    table = store.tables[path]
    if not table.rows:
        return 0
    keys = list(table.rows)
    template = table.rows[keys[int(rng.random() * len(keys))]]
    cells = {table.key[0]: max(*keys, table.top_removed) + 1 + int(rng.random() * 3)}
    for col in ("dateAdded", "updatedOn", "journalDateEntered", "createdOn"):
        if col in table.index:
            cells[col] = secs(now)
    table.put(table.replaced(template, **cells))
    return 1


def _touch_row(store: Store, rng: random.Random, now: int, path: str) -> int:
    table = store.tables[path]
    if not table.rows:
        return 0
    keys = list(table.rows)
    row = table.rows[keys[int(rng.random() * len(keys))]]
    table.put(table.replaced(row, updatedOn=secs(now)))
    return 1


def _goods_out(store: Store, rng: random.Random, now: int) -> int:
    """Ship an unshipped goods-out note, or raise a new one for a random sales order."""
    table = store.tables[GOODS_OUT]
    notes = store.sorted_ids("goods_out")
    if not notes:
        return 0
    note = store.goods_out[notes[int(rng.random() * len(notes))]]
    if note["shipped"] is None and rng.random() < 0.5:
        note.update(
            picked=now,
            packed=now,
            shipped=now,
            tracking=f"TRK{note['id']}",
            labelUri=f"https://labels.example.com/{note['id']}.pdf",
        )
    else:
        order_ids = store.sorted_ids("orders")
        if not order_ids:
            return 0
        o = store.orders[order_ids[int(rng.random() * len(order_ids))]]
        if o["type"] != 1:
            return 0  # goods-out notes belong to sales orders
        gid = store.next_id("goods_out")
        loc = store.ref["_locations"][o["warehouse"]][0]
        note = {
            "id": gid,
            "order": o["id"],
            "warehouse": o["warehouse"],
            "created": now,
            "printed": None,
            "picked": None,
            "packed": None,
            "shipped": None,
            "priority": False,
            "transfer": False,
            "shipMethod": o["shipMethod"],
            "release": now,
            "createdBy": o["createdBy"],
            "labelUri": None,
            "channel": o["channel"],
            "off": o["off"],
            "tracking": None,
            "rows": {rid: [(r["product"], r["qty"], loc)] for rid, r in o["rows"].items()},
        }
        store.goods_out[gid] = note
        store.added("goods_out", gid)
    table.put(shapes.goods_out_row(note))
    store.touch("goods_out", note["id"])
    return 1
