"""Deleting records, as a Brightpearl user does, with the ground truth of what went.

A deleted record vanishes everywhere at once: its search row, its GET (orders drop it, contacts
and product prices answer 404 CMNC-404 when it is asked for, see routes.py), OPTIONS getUris, and
``Sandbox.primary_keys``. Ids are never reused: records created later get ids above every id
ever used. ``deleted`` keeps, per stream, each deleted id with the time (epoch seconds) it went.
"""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .counters import Counters
    from .data import Store

# stream -> (Store dict or None for search-only records, search path, caches to forget)
DELETABLE: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "orders": ("orders", "order-service/order-search", ("orders",)),
    "products": ("products", "product-service/product-search", ("products", "prices")),
    "contacts": ("contacts", "contact-service/contact-search", ("contacts",)),
    "goods_out_notes": (
        "goods_out",
        "warehouse-service/goods-note/goods-out-search",
        ("goods_out",),
    ),
    "goods_in_batches": (None, "warehouse-service/goods-in-search", ()),
    "customer_payments": (None, "accounting-service/customer-payment-search", ()),
    "supplier_payments": (None, "accounting-service/supplier-payment-search", ()),
    "order_notes": (None, "order-service/order-note-search", ()),
    "goods_movements": (None, "warehouse-service/goods-movement-search", ()),
    "journal_rows": (None, "accounting-service/journal-search", ()),
}
#: One INFO line per deletion; the command line shows them (tests in process leave it silent).
logger = logging.getLogger("brightpearl-sandbox")

MEMBERS = "contact-service/contact-group-member-search"


def _check(stream: str) -> tuple[str | None, str, tuple[str, ...]]:
    if stream not in DELETABLE:
        known = ", ".join(sorted(DELETABLE))
        raise KeyError(f"the sandbox deletes no {stream!r} records; it deletes {known}")
    return DELETABLE[stream]


def check_stream(stream: str) -> None:
    """KeyError naming the deletable streams when ``stream`` is not one of them."""
    _check(stream)


def existing_ids(store: Store, stream: str) -> list[int]:
    """Ascending ids of a deletable stream now."""
    attr, path, _ = _check(stream)
    return list(store.sorted_ids(attr)) if attr else sorted(store.tables[path].rows)


def delete(store: Store, stream: str, rid: int) -> bool:
    """Delete one record (caller holds store.lock); False when it does not exist."""
    attr, path, caches = _check(stream)
    table = store.tables[path]
    if attr is not None:
        records: dict[int, Any] = getattr(store, attr)
        if records.pop(rid, None) is None:
            return False
        store.removed(attr, rid)
    elif rid not in table.rows:
        return False
    table.delete(rid)
    for kind in caches:
        store.touch(kind, rid)
    if stream == "contacts":
        members = store.tables[MEMBERS]
        for key in [k for k in members.rows if k[1] == rid]:
            members.delete(key)
    store.deleted.setdefault(stream, {})[rid] = time.time()
    return True


def delete_many(store: Store, stream: str, ids: Iterable[int]) -> list[int]:
    """Delete the ids that exist; returns them, ascending."""
    return sorted(rid for rid in set(ids) if delete(store, stream, rid))


class DuringRun:
    """The ``delete_during_run`` knob: {stream: N} deletions spread over the next requests.

    One record (picked by a seeded generator among the stream's ids) every ``delete_every``
    API requests, streams taking turns, until each stream's N are done.
    """

    def __init__(self, store: Store, seed: int, counters: Counters) -> None:
        self._store = store
        self._counters = counters
        self._rng = random.Random(f"{seed}:deletions")
        self._pending: dict[str, int] = {}
        self._seen = 0

    def schedule(self, plan: dict[str, int] | None) -> None:
        """Replace what is still to delete (None or {} cancels)."""
        for stream in plan or {}:
            _check(stream)
        self._pending = {s: int(n) for s, n in (plan or {}).items() if int(n) > 0}
        self._seen = 0

    def pending(self) -> dict[str, int]:
        """Deletions still to come, per stream."""
        return dict(self._pending)

    def before_request(self, every: int) -> None:
        """Count one API request; delete one record on every ``every``-th (store.lock held)."""
        if not self._pending:
            return
        self._seen += 1
        if self._seen % max(1, every):
            return
        stream = next(iter(self._pending))
        ids = existing_ids(self._store, stream)
        rid = ids[int(self._rng.random() * len(ids))] if ids else None
        if rid is not None and delete(self._store, stream, rid):
            self._counters.add("deletions")
            logger.info("deleted %s %d (delete_during_run)", stream, rid)
        left = self._pending.pop(stream) - 1
        if left > 0 and ids:
            self._pending[stream] = left  # to the back: streams take turns
