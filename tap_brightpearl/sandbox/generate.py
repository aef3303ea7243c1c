# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Build a Store's data from its seed and sizes (deterministic; no real clock involved)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from . import shapes
from .data import (
    BRANDS,
    COMPANIES,
    CURRENCIES,
    DAY,
    END_MS,
    OPTIONS,
    ORDER_STATUSES,
    ORDER_TYPES,
    PRICE_LISTS,
    SHIPPING_STATUSES,
    START_MS,
    STATUS_BY_TYPE,
    STOCK_STATUSES,
    TAX_CODES,
    WAREHOUSES,
    Store,
    make_ids,
    money,
    secs,
    spread,
)
from .util import epoch_ms, fmt_ts

if TYPE_CHECKING:
    import random

ADJ = ("Classic", "Organic", "Deluxe", "Ultra", "Vintage", "Eco", "Smart", "Petite", "Grand",
       "Naïve")
NOUN = ("Mug", "T-Shirt", "Lamp", "Backpack", "Notebook", "Chair", "Candle", "Scarf",
        "Headphones", "Crème Brûlée Kit", "Teapot", "Bike Light")
TAGS = ((3, "VIP"), (4, "Wholesale"), (9, "Newsletter"), (16, "Late payer ⚠"), (17, "B2B"),
        (22, "Influencer"), (31, "Ökologisch"), (40, "Returns often"))
LEAD_SOURCES = ((1, None, "Website"), (2, None, "Trade show"), (3, 2, "Trade show – Berlin"),
                (5, None, "Referral"), (6, None, "Google Ads"), (8, 6, "Shopping campaign"))
CHANNELS = ((1, "Brightpearl POS"), (2, "Web store"), (3, "Amazon UK"), (5, "eBay"),
            (8, "Wholesale"))
SHIPPING_METHODS = ((1, "STD", "Standard"), (2, "EXP", "Express"), (4, "COL", "Click & collect"),
                    (7, "INT", "International ✈"), (9, "PAL", "Pallet"))
PAYMENT_METHODS = ((1, "CASH", "Cash"), (2, "CARD", "Card"), (3, "BACS", "Bank transfer"),
                   (5, "PAYPAL", "PayPal"), (6, "AMZ", "Amazon Pay"))
NOMINALS = (("1000", "Stock", "ASSET"), ("1100", "Debtors control", "ASSET"),
            ("1200", "Bank current account", "ASSET"), ("2100", "Creditors control", "LIABILITY"),
            ("2200", "VAT on sales", "LIABILITY"), ("2201", "VAT on purchases", "LIABILITY"),
            ("4000", "Sales", "INCOME"), ("4001", "Sales – Amazon", "INCOME"),
            ("4900", "Carriage", "INCOME"), ("5000", "Cost of sales", "EXPENSE"),
            ("7500", "Bank charges", "EXPENSE"), ("8000", "Bad debts", "EXPENSE"))


def build(store: Store) -> None:
    """Generate everything; order matters (orders need contacts and products).

    The cyclic GC is paused while millions of long-lived objects are made, then they are
    frozen out of its reach: otherwise every full collection while serving walks them all.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        store.tables = shapes.new_tables(store)
        _reference(store)
        _catalogue(store)
        _contacts(store)
        _products(store)
        _orders(store)
        _supplier_payment_padding(store)
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def _rows(store: Store, path: str, rows: list[tuple[Any, ...]]) -> None:
    store.tables[path].load(rows)


def _reference(store: Store) -> None:
    ref = store.ref
    ref["order-service/order-status"] = [
        {"statusId": sid, "name": name, "orderTypeCode": ORDER_TYPES[t][0], "sortOrder": i,
         "disabled": sid == 20, "visible": True, "color": color}
        for i, (sid, name, t, color) in enumerate(ORDER_STATUSES)
    ]
    ref["order-service/order-type"] = [{"id": k, "name": v[1]} for k, v in ORDER_TYPES.items()]
    ref["order-service/order-stock-status"] = [
        {"id": i, "code": c, "name": n} for i, c, n in STOCK_STATUSES]
    ref["order-service/order-shipping-status"] = [
        {"id": i, "code": c, "name": n} for i, c, n in SHIPPING_STATUSES]
    for kind in ("sale", "purchase"):
        ref[f"order-service/{kind}/custom-field-meta-data"] = shapes.custom_field_meta(
            shapes.CUSTOM_FIELD_SETS[kind])
    ref["product-service/product/custom-field-meta-data"] = shapes.custom_field_meta(
        shapes.CUSTOM_FIELD_SETS["product"])
    ref["product-service/price-list"] = [
        {"id": i, "code": code, "name": {"languageCode": "en", "text": name, "format": "TEXT"},
         "currencyCode": next(c[1] for c in CURRENCIES if c[0] == cur), "currencyId": cur,
         "priceListTypeCode": kind, "gross": i == 5, "useForPricing": True}
        for i, code, name, kind, cur in PRICE_LISTS
    ]
    ref["product-service/channel"] = [
        {"id": i, "name": name, "channelTypeId": 1 + i % 3, "defaultWarehouseId": 2,
         "defaultPriceListId": 2, "contactGroupId": None if i % 2 else 3,
         "integrationDetail": None if i < 3 else {"installedIntegrationInstanceId": 13}}
        for i, name in CHANNELS
    ]
    ref["product-service/channel-brand"] = [
        {"channelBrandId": i, "name": name, "channelId": c}
        for i, name, c in ((1, "Acme Online", 2), (2, "Nordlys Store", 2), (4, "Acme on Amazon", 3))
    ]
    ref["contact-service/lead-source"] = [
        {"id": i, "ownerId": 4, "parentId": parent, "name": name, "isActive": i != 5}
        for i, parent, name in LEAD_SOURCES
    ]
    ref["contact-service/tag"] = {str(i): {"tagId": i, "tagName": n} for i, n in TAGS}
    ref["warehouse-service/warehouse"] = [
        {"id": i, "name": name, "typeCode": code, "typeDescription": code.title().replace("_", " "),
         "addressId": 900 + i, "address": shapes.address(900 + i, 0)}
        for i, name, code in WAREHOUSES
    ]
    ref["warehouse-service/shipping-method"] = [
        {"id": i, "code": code, "name": name, "methodType": "SHIPPING", "breaks": []}
        for i, code, name in SHIPPING_METHODS
    ]
    ref["accounting-service/tax-code"] = [
        {"id": i, "code": code, "description": desc, **({"rate": float(rate)} if rate else {})}
        for i, code, desc, rate in TAX_CODES
    ]
    rates = []
    for cid, code, _title, _sym, rate in CURRENCIES[1:]:
        for k in range(6):
            when = epoch_ms(2023 + k // 2, 1 + 6 * (k % 2), 1)
            r = rate * (1000 + 7 * k - 15 * (k % 3)) // 1000
            rates.append({"currencyId": cid, "currencyCode": code,
                          "rateActiveFrom": fmt_ts(when, 2),
                          "rate": f"{r // 1_000_000}.{r % 1_000_000:06d}", "addedById": 4})
    ref["accounting-service/exchange-rate"] = rates
    periods = []
    for k in range(48):
        y, m = 2023 + k // 12, 1 + k % 12
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        closed = k < 40
        periods.append({
            "id": k + 1, "startDate": fmt_ts(epoch_ms(y, m, 1), 2),
            "endDate": fmt_ts(epoch_ms(ny, nm, 1) - 1000, 2),
            "closedDate": fmt_ts(epoch_ms(ny, nm, 10), 2) if closed else None,
            "closedByUserId": 4 if closed else None,
        })
    ref["accounting-service/accounting-period"] = periods
    ref["accounting-service/payment-method"] = [
        {"id": i, "code": code, "name": name, "isActive": i != 6,
         "bankAccountNominalCode": "1200", "installedIntegrationInstanceId": 13 if i == 6 else None}
        for i, code, name in PAYMENT_METHODS
    ]
    _rows(store, "accounting-service/nominal-code-search", [
        (code, name, kind, code == "1200", 1, code != "8000", 2) for code, name, kind in NOMINALS])
    _rows(store, "accounting-service/currency-search", [
        (cid, title, code, sym, f"{rate // 1_000_000}.{rate % 1_000_000:06d}", cid == 1, "7900", 2)
        for cid, code, title, sym, rate in CURRENCIES])
    locations = []
    lid = 1
    for w, _n, _c in WAREHOUSES:
        for k in range(8):
            locations.append((lid, w, 1 + k // 4, f"A{k // 4}", f"{k % 4:02d}", None,
                              None if k % 2 else "L", f"LOC{lid:05d}", 2))
            lid += 1 + (k == 3)
    _rows(store, "warehouse-service/location-search", locations)
    store.ref["_locations"] = {w: [r[0] for r in locations if r[1] == w] for w, _, _ in WAREHOUSES}


def _catalogue(store: Store) -> None:
    t = store.tables
    t["product-service/brand-search"].load(
        [(i * 2 + 1, name, 2) for i, name in enumerate(BRANDS)])
    t["product-service/collection-search"].load(
        [(10 + i * 3, f"{BRANDS[i % len(BRANDS)]} {season}", i % len(BRANDS) * 2 + 1, 0)
         for i, season in enumerate(("Spring", "Summer", "Autumn", "Winter", "Été", "Capsule"))])
    cats = []
    for i in range(24):
        cid = 270 + i * 2
        created = START_MS + i * 9 * DAY
        cats.append((cid, f"{ADJ[i % len(ADJ)]} {NOUN[i % len(NOUN)]}s",
                     None if i < 6 else 270 + (i % 6) * 2, i != 13, secs(created), 4,
                     secs(created + (i % 5) * 40 * DAY), 4, i % 3))
    t["product-service/brightpearl-category-search"].load(cats)
    t["product-service/option-search"].load(
        [(i + 1, name, 2) for i, (name, _vals) in enumerate(OPTIONS)])
    values = []
    vid = 100
    for i, (name, vals) in enumerate(OPTIONS):
        for v in vals:
            values.append((i + 1, name, vid, v, 2))
            vid += 1 + (vid % 4 == 0)
    t["product-service/option-value-search"].load(values)
    store.ref["_option_values"] = values
    t["product-service/product-type-search"].load(
        [(i, n, 2) for i, n in ((1, "Standard"), (2, "Bundle"), (4, "Service"),
                                (5, "Gift card"), (9, "Matériel"))])
    t["product-service/season-search"].load(
        [(i, n, d, 2) for i, n, d in ((1, "SS24", "Spring/summer 2024"),
                                      (2, "AW24", None), (3, "SS25", "Printemps–été"),
                                      (5, "AW25", "Autumn/winter 2025"))])


def _contacts(store: Store) -> None:
    rng = store.rng("contacts")
    r = rng.random
    n = max(12, store.sizes["contacts"])
    ids = make_ids(rng, n, 200, big=1 if n >= 50 else 0)
    created = spread(rng, n)
    n_comp = max(3, n // 6)
    comp_ids = make_ids(store.rng("companies"), n_comp, 1)
    comp_names = {c: f"{COMPANIES[k % len(COMPANIES)]}" + (f" #{k}" if k >= len(COMPANIES) else "")
                  for k, c in enumerate(comp_ids)}
    store.tables["contact-service/company-search"].load(
        [(c, comp_names[c], 2) for c in comp_ids])
    aid = 1000
    staff = ids[:5]
    store.ref["_staff"] = staff
    tags = [t for t, _ in TAGS]
    rows = []
    for k, cid in enumerate(ids):
        is_staff = k < 5
        supplier = not is_staff and r() < 0.12
        off = int(r() * 3)
        company = comp_ids[int(r() * n_comp)] if (supplier or r() < 0.3) else None
        addrs = []
        for _ in range(1 + int(r() * 3)):
            store.addresses[aid] = shapes.address(aid, cid)
            addrs.append(aid)
            aid += 1 + (r() < 0.1)
        c = {
            "id": cid, "off": off, "staff": is_staff, "supplier": supplier,
            "customer": not is_staff and not supplier,
            "created": created[k],
            "updated": min(END_MS, created[k] + int(r() * 200 * DAY)),
            "lastContacted": None if r() < 0.4 else created[k] + int(r() * 30 * DAY),
            "lastOrdered": None,
            "companyId": company, "companyName": comp_names.get(company) if company else None,
            "addr": {"DEF": addrs[0], "BIL": addrs[-1], "DEL": addrs[len(addrs) // 2]},
            "tags": sorted({tags[int(r() * len(tags))] for _ in range(int(r() * 3))}),
            "lead": LEAD_SOURCES[int(r() * len(LEAD_SOURCES))][0] if r() < 0.7 else None,
            "priceList": 2 if company is None else 3,
            "nominal": "5000" if supplier else "4000",
            "credit": int(r() * 5000) * 100 if company else 0,
            "owner": staff[int(r() * len(staff))],
            "title": ("Mr", "Ms", "Mx", "Dr", None)[int(r() * 5)],
        }
        store.contacts[cid] = c
        rows.append(shapes.contact_row(c))
    store.tables["contact-service/contact-search"].load(rows)
    groups = ((3, "Trade customers", "Wholesale accounts"), (4, "VIP", None),
              (7, "Newsletter – FR", "Abonnés"), (8, "Suppliers EU", "Lieferanten"))
    members = []
    count = dict.fromkeys((g for g, _, _ in groups), 0)
    for cid in ids:
        if r() < 0.35:
            g, gname, gdesc = groups[int(r() * len(groups))]
            first, last = shapes.person(cid)
            members.append((cid, first, last, g, gname, gdesc, 2))
            count[g] += 1
    store.tables["contact-service/contact-group-member-search"].load(members)
    store.tables["contact-service/contact-group-search"].load(
        [(g, name, desc, count[g], 2) for g, name, desc in groups])


def _products(store: Store) -> None:
    rng = store.rng("products")
    r = rng.random
    n = max(10, store.sizes["products"])
    ids = make_ids(rng, n, 1000, big=1 if n >= 100 else 0)
    created = spread(rng, n)
    brands = [row[0] for row in store.tables["product-service/brand-search"].rows.values()]
    cats = sorted(store.tables["product-service/brightpearl-category-search"].rows)
    colls = sorted(store.tables["product-service/collection-search"].rows)
    opt_values = store.ref["_option_values"]
    suppliers = [c["id"] for c in store.contacts.values() if c["supplier"]] or [None]
    locs = store.ref["_locations"]
    cf_spec = shapes.CUSTOM_FIELD_SETS["product"]
    rows = []
    for k, pid in enumerate(ids):
        group = pid if r() < 0.7 else ids[max(0, k - 1)]
        name = f"{ADJ[int(r() * len(ADJ))]} {NOUN[int(r() * len(NOUN))]}"
        options = []
        if group != pid or r() < 0.2:
            ov = opt_values[int(r() * len(opt_values))]
            options.append((ov[0], ov[1], ov[2], ov[3]))
            name += f" – {ov[3]}"
        tracked = r() < 0.8
        retail = 199 + int(r() * 20000)
        upd = min(END_MS, created[k] + int(r() * 300 * DAY))
        p = {
            "id": pid, "off": int(r() * 3), "name": name, "sku": f"SKU-{pid:06d}",
            "barcode": None if r() < 0.3 else f"50{pid:011d}",
            "ean": None if r() < 0.5 else f"40{pid:011d}", "upc": None, "mpn": None,
            "tracked": tracked, "created": created[k], "updated": upd,
            "category": cats[int(r() * len(cats))], "group": group,
            "brand": brands[int(r() * len(brands))], "collection": colls[int(r() * len(colls))],
            "type": 1 if tracked else (4, 5)[int(r() * 2)],
            "status": "LIVE" if r() < 0.9 else "DISCONTINUED",
            "supplier": suppliers[int(r() * len(suppliers))],
            "weight": 100 + int(r() * 5000), "taxCode": (1, 1, 1, 2, 3)[int(r() * 5)],
            "options": options, "seasons": [] if r() < 0.5 else [1 + int(r() * 3)],
            "version": 1 + int(r() * 5),
            "prices": {1: retail * 4 // 10, 2: retail, 3: retail * 8 // 10}
            | ({5: retail} if r() < 0.6 else {}),
            "locations": {w: ls[int(r() * len(ls))] for w, ls in locs.items()} if tracked else {},
            "stock": {w: (q, min(q, int(r() * 5)), int(r() * 3)) for w in locs
                      if r() < 0.8 for q in (int(r() * 200),)} if tracked else {},
            "cf": {code: shapes.cf_value(code, kind, pid * 7 + j, 0)
                   for j, (code, _n, kind) in enumerate(cf_spec)},
        }
        if tracked and not p["stock"]:
            p["stock"] = {2: (0, 0, 0)}
        store.products[pid] = p
        rows.append(shapes.product_row(p))
    store.tables["product-service/product-search"].load(rows)


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
            notes.append((oid, nid, contact, f"Note for order {oid}: " + (
                "customer called ☎" if r() < 0.3 else "checked stock"), r() < 0.4, secs(when),
                o["createdBy"], status, off))
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
                    "priority": r() < 0.1, "transfer": False, "shipMethod": o["shipMethod"],
                    "release": gon_created, "createdBy": o["createdBy"],
                    "labelUri": None if shipped is None else f"https://labels.example.com/{gid}.pdf",
                    "channel": o["channel"], "rows": lines, "off": off,
                    "tracking": None if shipped is None else f"TRK{gid}"}
            store.goods_out[gid] = note
            goods_out_rows.append(shapes.goods_out_row(note))
            if shipped is not None:
                for rid, row in rows.items():
                    moves.append((move_id(), row["product"], rid, None, -row["qty"],
                                  lines[rid][0][2], wh, gid, money(row["cost"] * row["qty"]),
                                  "GBP", oid, True, False, None, "GO", secs(shipped), off))
        if otype == 2 and status == 8:
            gid = gin_id()
            recv = c_ms + int((3 + r() * 10) * DAY)
            batches = []
            for rid, row in rows.items():
                bid = batch_id()
                loc = store.ref["_locations"][o["warehouse"]][0]
                batches.append(bid)
                goods_in_rows.append((oid, bid, None if r() < 0.5 else f"LOT-{bid}",
                                      row["product"], loc, "A0", "00", None, None,
                                      money(row["cost"]), "0.00", "GBP", row["qty"],
                                      row["qty"], secs(recv), secs(recv), o["warehouse"], off))
                moves.append((move_id(), row["product"], None, rid, row["qty"], loc,
                              o["warehouse"], gid, money(row["cost"] * row["qty"]), "GBP", oid,
                              True, False, bid, "GI", secs(recv), off))
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
                journals.append((
                    jid, jtype, oid if oid % 50 else 0, o["invoice"], o["channel"], nominal,
                    secs(tax_ms), money(debit), money(credit),
                    o["invoice"] if oid % 50 else f"ORD-{oid}-legacy", currency,
                    "1.000000", money(debit), money(credit), 0, o["lead"], contact,
                    secs(tax_ms + 30 * DAY), secs(entered), o["createdBy"], 1, None, None,
                    jrow_id(), off))
            if otype == 1:
                cpays.append((cpay_id(), f"TX{oid}", None, ("CARD", "PAYPAL", "BACS")[oid % 3],
                               "RECEIPT", oid, currency, CURRENCIES[0][1] if currency == 1 else
                               next(c[1] for c in CURRENCIES if c[0] == currency),
                               money(total + vat), money(total + vat), None, secs(tax_ms),
                               secs(entered), jid, off))
            elif otype == 2:
                spays.append((spay_id(), f"BACS{oid}", "BACS", "PAYMENT", oid, currency, "GBP",
                              money(total + vat), secs(tax_ms), secs(entered), jid, off))
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
        rows.append((start + k * 2, f"HIST{k}", "BACS", "PAYMENT", None, 1, "GBP",
                     money(int(r() * 100000)), secs(when), secs(when), None, int(r() * 3)))
    table.load(rows)


BIG_MOVES = 2**31 - 50  # goods movement ids cross 2^31 on busy accounts
