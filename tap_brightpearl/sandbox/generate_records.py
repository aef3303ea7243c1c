# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Contacts (with companies, addresses, groups) and products (deterministic)."""

from __future__ import annotations

from . import shapes
from .columns import ROW
from .data import (
    COMPANIES,
    DAY,
    END_MS,
    Store,
    make_ids,
    spread,
)
from .generate_ref import ADJ, LEAD_SOURCES, NOUN, TAGS

MEMBER = ROW["contact-service/contact-group-member-search"]


def contacts(store: Store) -> None:
    """Contacts, their addresses, companies and contact groups."""
    rng = store.rng("contacts")
    r = rng.random
    n = max(12, store.sizes["contacts"])
    ids = make_ids(rng, n, 200, big=1 if n >= 50 else 0)
    created = spread(rng, n)
    n_comp = max(3, n // 6)
    comp_ids = make_ids(store.rng("companies"), n_comp, 1)
    comp_names = {
        c: f"{COMPANIES[k % len(COMPANIES)]}" + (f" #{k}" if k >= len(COMPANIES) else "")
        for k, c in enumerate(comp_ids)
    }
    company_row = ROW["contact-service/company-search"]
    store.tables["contact-service/company-search"].load(
        [company_row(companyId=c, name=comp_names[c], off=2) for c in comp_ids]
    )
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
            "id": cid,
            "off": off,
            "staff": is_staff,
            "supplier": supplier,
            "customer": not is_staff and not supplier,
            "created": created[k],
            "updated": min(END_MS, created[k] + int(r() * 200 * DAY)),
            "lastContacted": None if r() < 0.4 else created[k] + int(r() * 30 * DAY),
            "lastOrdered": None,
            "companyId": company,
            "companyName": comp_names.get(company) if company else None,
            "addr": {"DEF": addrs[0], "BIL": addrs[-1], "DEL": addrs[len(addrs) // 2]},
            "tags": sorted({tags[int(r() * len(tags))] for _ in range(int(r() * 3))}),
            "lead": LEAD_SOURCES[int(r() * len(LEAD_SOURCES))][0] if r() < 0.7 else None,
            "priceList": 2 if company is None else 3,
            "nominal": "5000" if supplier else "4000",
            "credit": int(r() * 5000) * 100 if company else 0,
            "owner": staff[int(r() * len(staff))],
            "title": ("Mr", "Ms", "Mx", "Dr", None)[int(r() * 5)],
        }
        kind = "supplier" if supplier else None if is_staff else "customer"
        c["cf"] = {
            code: shapes.cf_value(code, ftype, cid * 11 + j, 0)
            for j, (code, _n, ftype) in enumerate(shapes.CUSTOM_FIELD_SETS[kind] if kind else ())
        }
        store.contacts[cid] = c
        rows.append(shapes.contact_row(c))
    store.tables["contact-service/contact-search"].load(rows)
    groups = (
        (3, "Trade customers", "Wholesale accounts"),
        (4, "VIP", None),
        (7, "Newsletter – FR", "Abonnés"),
        (8, "Suppliers EU", "Lieferanten"),
    )
    members = []
    count = dict.fromkeys((g for g, _, _ in groups), 0)
    for cid in ids:
        if r() < 0.35:
            g, gname, gdesc = groups[int(r() * len(groups))]
            first, last = shapes.person(cid)
            members.append(
                MEMBER(
                    contactId=cid,
                    firstName=first,
                    lastName=last,
                    contactGroupId=g,
                    contactGroupName=gname,
                    contactGroupDescription=gdesc,
                    off=2,
                )
            )
            count[g] += 1
    store.tables["contact-service/contact-group-member-search"].load(members)
    group = ROW["contact-service/contact-group-search"]
    store.tables["contact-service/contact-group-search"].load(
        [
            group(contactGroupId=g, name=name, description=desc, numberOfMembers=count[g], off=2)
            for g, name, desc in groups
        ]
    )


def products(store: Store) -> None:
    """Products with prices, stock and custom fields."""
    rng = store.rng("products")
    r = rng.random
    n = max(10, store.sizes["products"])
    ids = make_ids(rng, n, 1000, big=1 if n >= 100 else 0)
    created = spread(rng, n)
    brands = [row.brandId for row in store.tables["product-service/brand-search"].rows.values()]
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
            options.append((ov.optionId, ov.optionName, ov.optionValueId, ov.optionValueName))
            name += f" – {ov.optionValueName}"
        tracked = r() < 0.8
        retail = 199 + int(r() * 20000)
        upd = min(END_MS, created[k] + int(r() * 300 * DAY))
        p = {
            "id": pid,
            "off": int(r() * 3),
            "name": name,
            "sku": f"SKU-{pid:06d}",
            "barcode": None if r() < 0.3 else f"50{pid:011d}",
            "ean": None if r() < 0.5 else f"40{pid:011d}",
            "upc": None if pid % 5 else f"0{pid:011d}",
            "mpn": None if pid % 4 else f"MPN-{pid}",
            "isbn": None if pid % 7 else f"978{pid:010d}",
            "tracked": tracked,
            "created": created[k],
            "updated": upd,
            "category": cats[int(r() * len(cats))],
            "group": group,
            "brand": brands[int(r() * len(brands))],
            "collection": colls[int(r() * len(colls))],
            "type": 1 if tracked else (4, 5)[int(r() * 2)],
            "status": "LIVE" if r() < 0.9 else "DISCONTINUED",
            "supplier": suppliers[int(r() * len(suppliers))],
            "weight": 100 + int(r() * 5000),
            "taxCode": (1, 1, 1, 2, 3)[int(r() * 5)],
            "options": options,
            "seasons": [] if r() < 0.5 else [1 + int(r() * 3)],
            "version": 1 + int(r() * 5),
            "prices": {1: retail * 4 // 10, 2: retail, 3: retail * 8 // 10}
            | ({5: retail} if r() < 0.6 else {}),
            "locations": {w: ls[int(r() * len(ls))] for w, ls in locs.items()} if tracked else {},
            "stock": {
                w: (q, min(q, int(r() * 5)), int(r() * 3))
                for w in locs
                if r() < 0.8
                for q in (int(r() * 200),)
            }
            if tracked
            else {},
            "cf": {
                code: None if kind == "SELECT" else shapes.cf_value(code, kind, pid * 7 + j, 0)
                for j, (code, _n, kind) in enumerate(cf_spec)
            },
        }
        if tracked and not p["stock"]:
            p["stock"] = {2: (0, 0, 0)}
        store.products[pid] = p
        rows.append(shapes.product_row(p))
    store.tables["product-service/product-search"].load(rows)
