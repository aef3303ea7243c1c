"""Build a Store's data from its seed and sizes (deterministic; no real clock involved)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from . import shapes
from .columns import ROW
from .data import (
    CUR,
    CURRENCIES,
    DAY,
    END_MS,
    ORDER_TYPES,
    START_MS,
    STATUS_BY_TYPE,
    WAREHOUSES,
    Store,
    make_ids,
    money,
    secs,
    spread,
)
from .generate_records import contacts, products
from .generate_ref import CHANNELS, SHIPPING_METHODS, catalogue, reference

if TYPE_CHECKING:
    import random

NOTE = ROW["order-service/order-note-search"]
GOODS_IN = ROW["warehouse-service/goods-in-search"]
MOVE = ROW["warehouse-service/goods-movement-search"]
JOURNAL = ROW["accounting-service/journal-search"]
CPAY = ROW["accounting-service/customer-payment-search"]
SPAY = ROW["accounting-service/supplier-payment-search"]


def build(store: Store) -> None:
    """Generate everything; order matters (orders need contacts and products).

    The cyclic GC is paused while millions of long-lived objects are made, then they are
    frozen out of its reach: otherwise every full collection while serving walks them all.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        store.tables = shapes.new_tables(store)
        reference(store)
        catalogue(store)
        contacts(store)
        products(store)
        _orders(store)
        _supplier_payment_padding(store)
    finally:
        if enabled:
            gc.enable()
        gc.freeze()



class _Seq:
    """An ascending id allocator with gaps."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.r = rng.random
        self.cur = start

    def __call__(self) -> int:
        self.cur += 1 if self.r() < 0.9 else 2 + int(self.r() * 5)
        return self.cur


def _orders(store: Store) -> None:  # noqa: PLR0915 - one pass builds orders and their trail
    rng = store.rng("orders")
    r = rng.random
    n = store.sizes["orders"]
    ids = make_ids(rng, n, 1001, big=max(1, n // 100) if n >= 50 else 0)
    created = spread(rng, n)
    customers = [c["id"] for c in store.contacts.values() if c["customer"]]
    suppliers = [c["id"] for c in store.contacts.values() if c["supplier"]] or customers
    staff = store.ref["_staff"]
    products = store.products
    pids = list(products)
    n_prod = len(pids)
    channels = [c[0] for c in CHANNELS]
    sale_cf = shapes.CUSTOM_FIELD_SETS["sale"]
    purchase_cf = shapes.CUSTOM_FIELD_SETS["purchase"]
    row_id = _Seq(rng, 100)
    note_id = _Seq(rng, 500)
    gon_id = _Seq(rng, 70000)
    gin_id = _Seq(rng, 3000)
    batch_id = _Seq(rng, 8000)
    move_id = _Seq(rng, BIG_MOVES)
    journal_id = _Seq(rng, 40000)
    jrow_id = _Seq(rng, 90000)
    cpay_id = _Seq(rng, 600)
    spay_id = _Seq(rng, 300)
    notes: list[tuple[Any, ...]] = []
    goods_out_rows: list[tuple[Any, ...]] = []
    goods_in_rows: list[tuple[Any, ...]] = []
    moves: list[tuple[Any, ...]] = []
    journals: list[tuple[Any, ...]] = []
    cpays: list[tuple[Any, ...]] = []
    spays: list[tuple[Any, ...]] = []
    order_rows = []
    last_so = last_po = 0
    tie = 0
    n_fresh = max(1, n // 200) if n else 0
    for k, oid in enumerate(ids):
        x = r()
        otype = 1 if x < 0.7 else 2 if x < 0.85 else 3 if x < 0.95 else 4
        purchase = otype in (2, 4)
        contact = (suppliers if purchase else customers)[int(r() * len(suppliers if purchase
                                                                         else customers))]
        c_ms = created[k]
        if tie and tie >= c_ms and r() < 0.25:
            u_ms = tie  # bulk edits: several orders share one updatedOn
        else:
            u_ms = min(END_MS, c_ms + int(r() * 60 * DAY) + int(r() * 1000))
            tie = u_ms
        fresh = k >= n - n_fresh
        if fresh:
            u_ms = c_ms
        statuses = STATUS_BY_TYPE[otype]
        status = statuses[int(r() * len(statuses))]
        currency = 1 if r() < 0.75 else CURRENCIES[1 + int(r() * 3)][0]
        rows: dict[int, dict[str, Any]] = {}
        for seq in range(1 + int(r() * 4)):
            p = products[pids[int(r() * n_prod)]]
            rid = row_id()
            price = p["prices"][1 if purchase else 2]
            rows[rid] = {"id": rid, "seq": seq + 1, "product": p["id"], "name": p["name"],
                         "sku": p["sku"], "qty": 1 + int(r() * 5), "price": price,
                         "cost": p["prices"][1], "tax": p["taxCode"],
                         "nominal": "5000" if purchase else "4000"}
        invoiced = status in (4, 10, 8, 12)
        tax_ms = c_ms + int(r() * 3 * DAY) if invoiced else None
        ship = 4 if status in (4, 8) else (1, 1, 2, 3)[int(r() * 4)]
        if otype == 1:
            last_so = oid
        elif otype == 2:
            last_po = oid
        o = {
            "id": oid, "type": otype, "contact": contact, "status": status,
            "stock": 1 + int(r() * 4), "pay": 1 if invoiced else 2 + int(r() * 3),
            "ship": ship, "created": c_ms, "updated": u_ms, "placed": c_ms - int(r() * DAY),
            "closed": u_ms if status in (5, 10, 12) else None,
            "tax": tax_ms,
            "delivery": None if r() < 0.4 else c_ms + int(1 + r() * 10) * DAY,
            "createdBy": staff[int(r() * len(staff))], "owner": staff[int(r() * len(staff))],
            "customerRef": None if r() < 0.2 else f"#{oid % 100000:05d}",
            "externalRef": None if r() < 0.7 else f"EXT-{int(r() * 1e9)}",
            "iii": 13 if r() < 0.1 else None,
            "warehouse": WAREHOUSES[int(r() * 3)][0], "dept": int(r() * 3),
            "channel": None if purchase else channels[int(r() * len(channels))],
            "lead": None if r() < 0.5 else 1 + int(r() * 5), "project": 0, "team": 0,
            "priceList": 1 if purchase else 2, "currency": currency,
            "shipMethod": SHIPPING_METHODS[int(r() * len(SHIPPING_METHODS))][0],
            "parent": (last_so if otype == 3 else last_po if otype == 4 else 0),
            "invoice": (f"{ORDER_TYPES[otype][0]}I-{oid}" if invoiced else None),
            "rows": rows, "off": int(r() * 3), "fresh": fresh,
            "cf": {code: shapes.cf_value(code, kind, oid * 13 + j, 0)
                   for j, (code, _n, kind) in enumerate(purchase_cf if purchase else sale_cf)},
        }
        store.orders[oid] = o
        order_rows.append(shapes.order_row(o))
        if not purchase and contact in store.contacts:
            last = store.contacts[contact]["lastOrdered"]
            store.contacts[contact]["lastOrdered"] = max(last or 0, c_ms)
        off = o["off"]
        for _ in range(int(r() * 2.6)):
            nid = note_id()
            when = c_ms + int(r() * 5 * DAY)
            notes.append(NOTE(
                orderId=oid, noteId=nid, contactId=contact,
                noteText=f"Note for order {oid}: " + (
                    "customer called ☎" if r() < 0.3 else "checked stock"),
                isPublic=r() < 0.4, dateAdded=secs(when), addedBy=o["createdBy"],
                orderStatusId=status, off=off))
        if otype == 1 and ship != 1:
            gid = gon_id()
            wh = o["warehouse"]
            gon_created = c_ms + int(r() * 2 * DAY)
            shipped = gon_created + int(r() * 3 * DAY) if ship == 4 else None
            lines = {rid: [(row["product"], row["qty"], store.ref["_locations"][wh][0])]
                     for rid, row in rows.items()}
            note = {"id": gid, "order": oid, "warehouse": wh, "created": gon_created,
                    "printed": gon_created + 3_600_000, "picked": shipped and shipped - 7_200_000,
                    "packed": shipped and shipped - 3_600_000, "shipped": shipped,
                    "priority": r() < 0.1, "transfer": gid % 10 == 0, "shipMethod": o["shipMethod"],
                    "release": gon_created, "createdBy": o["createdBy"],
                    "labelUri": None if shipped is None else f"https://labels.example.com/{gid}.pdf",
                    "channel": o["channel"], "rows": lines, "off": off,
                    "tracking": None if shipped is None else f"TRK{gid}"}
            store.goods_out[gid] = note
            goods_out_rows.append(shapes.goods_out_row(note))
            if shipped is not None:
                for rid, row in rows.items():
                    moves.append(MOVE(
                        goodsMovementId=move_id(), productId=row["product"], salesOrderRowId=rid,
                        purchaseOrderRowId=None, quantity=-row["qty"],
                        destinationLocationId=lines[rid][0][2], warehouseId=wh, goodsNoteId=gid,
                        productValue=money(row["cost"] * row["qty"]), currencyCode="GBP",
                        orderId=oid, isCleared=True, isQuarantine=False, batchId=None,
                        goodsNoteTypeCode="GO", updatedOn=secs(shipped), off=off))
        if otype == 2 and status == 8:
            gid = gin_id()
            recv = c_ms + int((3 + r() * 10) * DAY)
            batches = []
            for rid, row in rows.items():
                bid = batch_id()
                loc = store.ref["_locations"][o["warehouse"]][0]
                batches.append(bid)
                goods_in_rows.append(GOODS_IN(
                    purchaseOrderId=oid, batchId=bid,
                    userBatchRef=None if r() < 0.5 else f"LOT-{bid}", productId=row["product"],
                    locationId=loc, groupingA="A0", groupingB="00",
                    groupingC=None if bid % 2 else "0", groupingD=None if bid % 3 else "B",
                    price=money(row["cost"]), landedCosts="0.00", currCode="GBP",
                    receivedQuantity=row["qty"], onHand=row["qty"], createdDate=secs(recv),
                    receivedDate=secs(recv), warehouseId=o["warehouse"], off=off))
                moves.append(MOVE(
                    goodsMovementId=move_id(), productId=row["product"], salesOrderRowId=None,
                    purchaseOrderRowId=rid, quantity=row["qty"], destinationLocationId=loc,
                    warehouseId=o["warehouse"], goodsNoteId=gid,
                    productValue=money(row["cost"] * row["qty"]), currencyCode="GBP",
                    orderId=oid, isCleared=True, isQuarantine=False, batchId=bid,
                    goodsNoteTypeCode="GI", updatedOn=secs(recv), off=off))
            store.goods_in[gid] = {"id": gid, "po": oid, "received": recv, "batches": batches,
                                   "warehouse": o["warehouse"], "off": off, "rows": rows,
                                   "by": o["createdBy"]}
        if invoiced and tax_ms is not None:
            jid = journal_id()
            total = sum(rr["qty"] * rr["price"] for rr in rows.values())
            vat = total // 5
            entered = tax_ms + int(r() * 3_600_000)
            jtype = ("SI", "PI", "SC", "PC")[otype - 1]
            for nominal, dr, cr in (("1100", total + vat, 0), ("4000", 0, total),
                                    ("2200", 0, vat)):
                debit, credit = (cr, dr) if purchase else (dr, cr)
                journals.append(JOURNAL(
                    journalId=jid, journalType=jtype, orderId=oid if oid % 50 else 0,
                    invoiceReference=o["invoice"], channelId=o["channel"], nominalCode=nominal,
                    journalDate=secs(tax_ms), journalDebit=money(debit),
                    journalCredit=money(credit),
                    journalRef=o["invoice"] if oid % 50 else f"ORD-{oid}-legacy",
                    currencyId=currency, exchangeRate="1.000000",
                    transactionDebit=money(debit), transactionCredit=money(credit),
                    projectId=0, leadSourceId=o["lead"], contactId=contact,
                    journalDueDate=secs(tax_ms + 30 * DAY), journalDateEntered=secs(entered),
                    createdContactId=o["createdBy"], taxCodeId=1, taxReconciliationDate=None,
                    taxPeriodId=None if oid % 2 else 100 + (tax_ms - START_MS) // (30 * DAY),
                    journalRowId=jrow_id(), off=off))
            if otype == 1:
                auth = oid % 3 == 0  # card authorisations carry a code and an expiry
                cpays.append(CPAY(
                    paymentId=cpay_id(), transactionRef=f"TX{oid}",
                    transactionCode=f"AUTH{oid % 100000:05d}" if auth else None,
                    paymentMethodCode=("CARD", "PAYPAL", "BACS")[oid % 3],
                    paymentType="AUTH" if auth else "RECEIPT", orderId=oid, currencyId=currency,
                    currencyCode=CUR[currency][1], amountAuthorized=money(total + vat),
                    amountPaid=money(total + vat),
                    expires=secs(tax_ms + 7 * DAY) if auth else None, paymentDate=secs(tax_ms),
                    createdOn=secs(entered), journalId=jid, off=off))
            elif otype == 2:
                spays.append(SPAY(
                    paymentId=spay_id(), transactionRef=f"BACS{oid}", paymentMethodCode="BACS",
                    paymentType="PAYMENT", orderId=oid, currencyId=currency, currencyCode="GBP",
                    amountPaid=money(total + vat), paymentDate=secs(tax_ms),
                    createdOn=secs(entered), journalId=jid, off=off))
    t = store.tables
    t["order-service/order-search"].load(order_rows)
    t["order-service/order-note-search"].load(notes)
    t["warehouse-service/goods-note/goods-out-search"].load(goods_out_rows)
    t["warehouse-service/goods-in-search"].load(goods_in_rows)
    t["warehouse-service/goods-movement-search"].load(moves)
    t["accounting-service/journal-search"].load(journals)
    t["accounting-service/customer-payment-search"].load(cpays)
    t["accounting-service/supplier-payment-search"].load(spays)
    for c in store.contacts.values():
        if c["lastOrdered"] is not None:
            store.tables["contact-service/contact-search"].put(shapes.contact_row(c))
    store.ref["_seq"] = {"row": row_id, "note": note_id, "gon": gon_id, "move": move_id,
                         "jrow": jrow_id, "journal": journal_id, "cpay": cpay_id}


def _supplier_payment_padding(store: Store) -> None:
    """Historic supplier payments so the table outgrows the search's stuck 500 count."""
    table = store.tables["accounting-service/supplier-payment-search"]
    want = store.sizes["supplier_payments"] - len(table.rows)
    if want <= 0:
        return
    rng = store.rng("supplier-payments")
    r = rng.random
    start = max(table.rows, default=300) + 1
    rows = []
    for k, when in enumerate(spread(rng, want)):
        rows.append(SPAY(
            paymentId=start + k * 2, transactionRef=f"HIST{k}", paymentMethodCode="BACS",
            paymentType="PAYMENT", orderId=None, currencyId=1, currencyCode="GBP",
            amountPaid=money(int(r() * 100000)), paymentDate=secs(when), createdOn=secs(when),
            journalId=None, off=int(r() * 3)))
    table.load(rows)


BIG_MOVES = 2**31 - 50  # goods movement ids cross 2^31 on busy accounts
