"""What an order leaves behind: notes, goods notes, goods movements, journals, payments.

Each builder draws from the order pass's generator (generate_orders.py) in a fixed order and
appends search rows to the pass's tables; goods notes also go to the store's entity dicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import shapes
from .columns import ROW
from .data import CUR, DAY, START_MS, money, secs

if TYPE_CHECKING:
    from .generate_orders import OrderPass

NOTE = ROW["order-service/order-note-search"]
GOODS_IN = ROW["warehouse-service/goods-in-search"]
MOVE = ROW["warehouse-service/goods-movement-search"]
JOURNAL = ROW["accounting-service/journal-search"]
CPAY = ROW["accounting-service/customer-payment-search"]
SPAY = ROW["accounting-service/supplier-payment-search"]

#: The search tables the trail fills, in the order they are loaded.
TRAIL_TABLES = (
    "order-service/order-note-search",
    "warehouse-service/goods-note/goods-out-search",
    "warehouse-service/goods-in-search",
    "warehouse-service/goods-movement-search",
    "accounting-service/journal-search",
    "accounting-service/customer-payment-search",
    "accounting-service/supplier-payment-search",
)


def notes(p: OrderPass, o: dict[str, Any]) -> None:
    """Up to two notes on the order, within five days of it."""
    r = p.r
    oid = o["id"]
    for _ in range(int(r() * 2.6)):
        nid = p.seq["note"]()
        when = o["created"] + int(r() * 5 * DAY)
        p.out["order-service/order-note-search"].append(
            NOTE(
                orderId=oid,
                noteId=nid,
                contactId=o["contact"],
                noteText=f"Note for order {oid}: "
                + ("customer called ☎" if r() < 0.3 else "checked stock"),
                isPublic=r() < 0.4,
                dateAdded=secs(when),
                addedBy=o["createdBy"],
                orderStatusId=o["status"],
                off=o["off"],
            )
        )


def goods_out(p: OrderPass, o: dict[str, Any]) -> None:
    """A sales order's goods-out note; once shipped, a movement out per row."""
    r = p.r
    gid = p.seq["gon"]()
    wh = o["warehouse"]
    created = o["created"] + int(r() * 2 * DAY)
    shipped = created + int(r() * 3 * DAY) if o["ship"] == 4 else None
    lines = {
        rid: [(row["product"], row["qty"], p.store.ref["_locations"][wh][0])]
        for rid, row in o["rows"].items()
    }
    note = {
        "id": gid,
        "order": o["id"],
        "warehouse": wh,
        "created": created,
        "printed": created + 3_600_000,
        "picked": shipped and shipped - 7_200_000,
        "packed": shipped and shipped - 3_600_000,
        "shipped": shipped,
        "priority": r() < 0.1,
        "transfer": gid % 10 == 0,
        "shipMethod": o["shipMethod"],
        "release": created,
        "createdBy": o["createdBy"],
        "labelUri": None if shipped is None else f"https://labels.example.com/{gid}.pdf",
        "channel": o["channel"],
        "rows": lines,
        "off": o["off"],
        "tracking": None if shipped is None else f"TRK{gid}",
    }
    p.store.goods_out[gid] = note
    p.out["warehouse-service/goods-note/goods-out-search"].append(shapes.goods_out_row(note))
    if shipped is None:
        return
    for rid, row in o["rows"].items():
        p.out["warehouse-service/goods-movement-search"].append(
            MOVE(
                goodsMovementId=p.seq["move"](),
                productId=row["product"],
                salesOrderRowId=rid,
                purchaseOrderRowId=None,
                quantity=-row["qty"],
                destinationLocationId=lines[rid][0][2],
                warehouseId=wh,
                goodsNoteId=gid,
                productValue=money(row["cost"] * row["qty"]),
                currencyCode="GBP",
                orderId=o["id"],
                isCleared=True,
                isQuarantine=False,
                batchId=None,
                goodsNoteTypeCode="GO",
                updatedOn=secs(shipped),
                off=o["off"],
            )
        )


def goods_in(p: OrderPass, o: dict[str, Any]) -> None:
    """A received purchase order's goods-in note: a batch and a movement in per row."""
    r = p.r
    oid, off, wh = o["id"], o["off"], o["warehouse"]
    gid = p.seq["gin"]()
    recv = o["created"] + int((3 + r() * 10) * DAY)
    batches = []
    for rid, row in o["rows"].items():
        bid = p.seq["batch"]()
        loc = p.store.ref["_locations"][wh][0]
        batches.append(bid)
        p.out["warehouse-service/goods-in-search"].append(
            GOODS_IN(
                purchaseOrderId=oid,
                batchId=bid,
                userBatchRef=None if r() < 0.5 else f"LOT-{bid}",
                productId=row["product"],
                locationId=loc,
                groupingA="A0",
                groupingB="00",
                groupingC=None if bid % 2 else "0",
                groupingD=None if bid % 3 else "B",
                price=money(row["cost"]),
                landedCosts="0.00",
                currCode="GBP",
                receivedQuantity=row["qty"],
                onHand=row["qty"],
                createdDate=secs(recv),
                receivedDate=secs(recv),
                warehouseId=wh,
                off=off,
            )
        )
        p.out["warehouse-service/goods-movement-search"].append(
            MOVE(
                goodsMovementId=p.seq["move"](),
                productId=row["product"],
                salesOrderRowId=None,
                purchaseOrderRowId=rid,
                quantity=row["qty"],
                destinationLocationId=loc,
                warehouseId=wh,
                goodsNoteId=gid,
                productValue=money(row["cost"] * row["qty"]),
                currencyCode="GBP",
                orderId=oid,
                isCleared=True,
                isQuarantine=False,
                batchId=bid,
                goodsNoteTypeCode="GI",
                updatedOn=secs(recv),
                off=off,
            )
        )
    p.store.goods_in[gid] = {
        "id": gid,
        "po": oid,
        "received": recv,
        "batches": batches,
        "warehouse": wh,
        "off": off,
        "rows": o["rows"],
        "by": o["createdBy"],
    }


def journals(p: OrderPass, o: dict[str, Any]) -> None:
    """An invoiced order's journal (three rows: control, sales, VAT) and its payment."""
    r = p.r
    oid, tax_ms, purchase = o["id"], o["tax"], o["type"] in (2, 4)
    jid = p.seq["journal"]()
    total = sum(rr["qty"] * rr["price"] for rr in o["rows"].values())
    vat = total // 5
    entered = tax_ms + int(r() * 3_600_000)
    jtype = ("SI", "PI", "SC", "PC")[o["type"] - 1]
    for nominal, dr, cr in (("1100", total + vat, 0), ("4000", 0, total), ("2200", 0, vat)):
        debit, credit = (cr, dr) if purchase else (dr, cr)
        p.out["accounting-service/journal-search"].append(
            JOURNAL(
                journalId=jid,
                journalType=jtype,
                orderId=oid if oid % 50 else 0,
                invoiceReference=o["invoice"],
                channelId=o["channel"],
                nominalCode=nominal,
                journalDate=secs(tax_ms),
                journalDebit=money(debit),
                journalCredit=money(credit),
                journalRef=o["invoice"] if oid % 50 else f"ORD-{oid}-legacy",
                currencyId=o["currency"],
                exchangeRate="1.000000",
                transactionDebit=money(debit),
                transactionCredit=money(credit),
                projectId=0,
                leadSourceId=o["lead"],
                contactId=o["contact"],
                journalDueDate=secs(tax_ms + 30 * DAY),
                journalDateEntered=secs(entered),
                createdContactId=o["createdBy"],
                taxCodeId=1,
                taxReconciliationDate=None,
                taxPeriodId=None if oid % 2 else 100 + (tax_ms - START_MS) // (30 * DAY),
                journalRowId=p.seq["jrow"](),
                off=o["off"],
            )
        )
    if o["type"] == 1:
        _customer_payment(p, o, jid, amount=total + vat, entered=entered)
    elif o["type"] == 2:
        p.out["accounting-service/supplier-payment-search"].append(
            SPAY(
                paymentId=p.seq["spay"](),
                transactionRef=f"BACS{oid}",
                paymentMethodCode="BACS",
                paymentType="PAYMENT",
                orderId=oid,
                currencyId=o["currency"],
                currencyCode="GBP",
                amountPaid=money(total + vat),
                paymentDate=secs(tax_ms),
                createdOn=secs(entered),
                journalId=jid,
                off=o["off"],
            )
        )


def _customer_payment(
    p: OrderPass, o: dict[str, Any], jid: int, *, amount: int, entered: int
) -> None:
    """A sales order's receipt, or (every third) a card authorisation with code and expiry."""
    oid, currency, tax_ms = o["id"], o["currency"], o["tax"]
    auth = oid % 3 == 0
    p.out["accounting-service/customer-payment-search"].append(
        CPAY(
            paymentId=p.seq["cpay"](),
            transactionRef=f"TX{oid}",
            transactionCode=f"AUTH{oid % 100000:05d}" if auth else None,
            paymentMethodCode=("CARD", "PAYPAL", "BACS")[oid % 3],
            paymentType="AUTH" if auth else "RECEIPT",
            orderId=oid,
            currencyId=currency,
            currencyCode=CUR[currency][1],
            amountAuthorized=money(amount),
            amountPaid=money(amount),
            expires=secs(tax_ms + 7 * DAY) if auth else None,
            paymentDate=secs(tax_ms),
            createdOn=secs(entered),
            journalId=jid,
            off=o["off"],
        )
    )
