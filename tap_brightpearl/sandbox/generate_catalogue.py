# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""The product catalogue's small search tables (deterministic).

Brands, collections, categories, options, option values, product types and seasons.
"""

from __future__ import annotations

from . import drift
from .columns import ROW
from .data import BRANDS, DAY, OPTIONS, START_MS, Store, secs
from .generate_ref import ADJ, NOUN


def catalogue(store: Store) -> None:
    """Brands, collections, categories, options, option values, product types, seasons."""
    t = store.tables
    brand = t["product-service/brand-search"].Row
    t["product-service/brand-search"].load(
        [
            brand(
                brandId=i * 2 + 1,
                brandName=name,
                off=2,
                **({"brandCode": drift.brand_code(i * 2 + 1, name)} if store.drift else {}),
            )
            for i, name in enumerate(BRANDS)
        ]
    )
    collection = ROW["product-service/collection-search"]
    t["product-service/collection-search"].load(
        [
            collection(
                collectionId=10 + i * 3,
                collectionName=f"{BRANDS[i % len(BRANDS)]} {season}",
                brandId=i % len(BRANDS) * 2 + 1,
                off=0,
            )
            for i, season in enumerate(("Spring", "Summer", "Autumn", "Winter", "Été", "Capsule"))
        ]
    )
    category = ROW["product-service/brightpearl-category-search"]
    cats = []
    for i in range(24):
        cid = 270 + i * 2
        created = START_MS + i * 9 * DAY
        cats.append(
            category(
                id=cid,
                name=f"{ADJ[i % len(ADJ)]} {NOUN[i % len(NOUN)]}s",
                parentId=None if i < 6 else 270 + (i % 6) * 2,
                active=i != 13,
                createdOn=secs(created),
                createdById=4,
                updatedOn=secs(created + (i % 5) * 40 * DAY),
                updatedBy=4,
                off=i % 3,
            )
        )
    t["product-service/brightpearl-category-search"].load(cats)
    option = ROW["product-service/option-search"]
    t["product-service/option-search"].load(
        [option(id=i + 1, name=name, off=2) for i, (name, _vals) in enumerate(OPTIONS)]
    )
    option_value = ROW["product-service/option-value-search"]
    values = []
    vid = 100
    for i, (name, vals) in enumerate(OPTIONS):
        for v in vals:
            values.append(
                option_value(
                    optionId=i + 1, optionName=name, optionValueId=vid, optionValueName=v, off=2
                )
            )
            vid += 1 + (vid % 4 == 0)
    t["product-service/option-value-search"].load(values)
    store.ref["_option_values"] = values
    product_type = ROW["product-service/product-type-search"]
    t["product-service/product-type-search"].load(
        [
            product_type(id=i, name=n, off=2)
            for i, n in (
                (1, "Standard"),
                (2, "Bundle"),
                (4, "Service"),
                (5, "Gift card"),
                (9, "Matériel"),
            )
        ]
    )
    season = ROW["product-service/season-search"]
    t["product-service/season-search"].load(
        [
            season(id=i, name=n, description=d, off=2)
            for i, n, d in (
                (1, "SS24", "Spring/summer 2024"),
                (2, "AW24", None),
                (3, "SS25", "Printemps–été"),
                (5, "AW25", "Autumn/winter 2025"),
            )
        ]
    )
