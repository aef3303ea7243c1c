"""Build a Store's data from its seed and sizes (deterministic; no real clock involved)."""

from __future__ import annotations

import gc

from . import shapes
from .data import Store, money, secs, spread
from .generate_catalogue import catalogue
from .generate_orders import orders
from .generate_records import contacts, products
from .generate_ref import reference
from .generate_trail import SPAY


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
        orders(store)
        _supplier_payment_padding(store)
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


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
        rows.append(
            SPAY(
                paymentId=start + k * 2,
                transactionRef=f"HIST{k}",
                paymentMethodCode="BACS",
                paymentType="PAYMENT",
                orderId=None,
                currencyId=1,
                currencyCode="GBP",
                amountPaid=money(int(r() * 100000)),
                paymentDate=secs(when),
                createdOn=secs(when),
                journalId=None,
                off=int(r() * 3),
            )
        )
    table.load(rows)
