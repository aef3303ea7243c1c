"""GET-by-ID-set, OPTIONS and reference GETs of the sandbox."""

from __future__ import annotations

import pytest

from tap_brightpearl.sandbox.truth import REFERENCE_STREAMS
from tap_brightpearl.sandbox.util import format_idset


def ids_of(sb, attr, n=None):
    ids = sorted(getattr(sb.store, attr))
    return ids if n is None else ids[:n]


def test_order_get_full_shape(call, sandbox):
    oid = ids_of(sandbox, "orders", 1)[0]
    reply = call(sandbox, f"order-service/order/{oid}")
    assert reply.status == 200
    [order] = reply.json()["response"]
    assert order["id"] == oid
    for key in (
        "orderTypeCode",
        "orderStatus",
        "parties",
        "orderRows",
        "totalValue",
        "currency",
        "assignment",
        "invoices",
        "createdOn",
        "updatedOn",
        "placedOn",
        "delivery",
    ):
        assert key in order
    assert "customFields" not in order
    row_id, row = next(iter(order["orderRows"].items()))
    assert row_id.isdigit()
    assert isinstance(row["quantity"]["magnitude"], str)
    assert isinstance(order["totalValue"]["total"], str)
    assert order["createdOn"][-10:-6] != ".000" or order["createdOn"][19] == "."


def test_all_four_order_types_with_parties(call, sandbox):
    by_type = {}
    for o in sandbox.store.orders.values():
        by_type.setdefault(o["type"], o["id"])
    assert set(by_type) == {1, 2, 3, 4}
    got = call(sandbox, f"order-service/order/{','.join(map(str, sorted(by_type.values())))}")
    orders = got.json()["response"]
    assert {o["orderTypeCode"] for o in orders} == {"SO", "PO", "SC", "PC"}
    for o in orders:
        party = "supplier" if o["orderTypeCode"] in ("PO", "PC") else "customer"
        assert party in o["parties"]
        assert {"delivery", "billing"} <= set(o["parties"])


@pytest.mark.parametrize(
    ("opt", "with_nulls"), [("customFields", False), ("customFields,nullCustomFields", True)]
)
def test_include_optional_custom_fields(call, sandbox, opt, with_nulls):
    ids = ids_of(sandbox, "orders", 40)
    orders = call(sandbox, f"order-service/order/{format_idset(ids)}?includeOptional={opt}").json()[
        "response"
    ]
    values = [v for o in orders for v in o["customFields"].values()]
    assert any(v is not None for v in values)
    assert None not in values  # null-valued fields are named in nullCustomFields instead
    nulls = [c for o in orders for c in o.get("nullCustomFields", [])]
    assert bool(nulls) is with_nulls
    assert all(isinstance(c, str) for c in nulls)


def test_get_by_id_set_arbitrary_order_and_missing_dropped(call, sandbox):
    ids = ids_of(sandbox, "orders", 50)
    wanted = f"{format_idset(ids)},1-5"
    got = [o["id"] for o in call(sandbox, f"order-service/order/{wanted}").json()["response"]]
    assert sorted(got) == ids
    assert got != ids
    again = [o["id"] for o in call(sandbox, f"order-service/order/{wanted}").json()["response"]]
    assert again == got
    none = call(sandbox, "order-service/order/1-5")
    assert (none.status, none.json()) == (200, {"response": []})


def test_limit_counts_expanded_ranges(call, sandbox):
    first = ids_of(sandbox, "orders", 1)[0]
    assert call(sandbox, f"order-service/order/{first}-{first + 199}").status == 200
    reply = call(sandbox, f"order-service/order/{first}-{first + 200}")
    assert reply.status == 400
    assert reply.json()["errors"][0]["code"]
    assert call(sandbox, "product-service/product/1-201").status == 400


def test_goods_out_notes_allow_500_and_return_a_map(call, sandbox):
    notes = ids_of(sandbox, "goods_out")
    reply = call(
        sandbox, f"warehouse-service/order/*/goods-note/goods-out/{notes[0]}-{notes[0] + 499}"
    )
    assert reply.status == 200
    body = reply.json()["response"]
    assert isinstance(body, dict)
    assert set(body) == {str(n) for n in notes if n <= notes[0] + 499}
    note = body[str(notes[0])]
    assert {"orderId", "status", "orderRows", "createdOn", "shipping"} <= set(note)
    assert isinstance(next(iter(note["orderRows"].values())), list)
    assert call(sandbox, "warehouse-service/order/*/goods-note/goods-out/1-501").status == 400
    shipped = [n for n in sandbox.store.goods_out.values() if n["shipped"]]
    assert shipped
    note = shipped[0]
    other = next(n for n in notes if sandbox.store.goods_out[n]["order"] != note["order"])
    scoped = call(
        sandbox,
        f"warehouse-service/order/{note['order']}/goods-note/goods-out/{note['id']},{other}",
    )
    assert set(scoped.json()["response"]) == {str(note["id"])}
    assert scoped.json()["response"][str(note["id"])]["status"]["shipped"] is True


def test_goods_in_notes_map(call, sandbox):
    notes = ids_of(sandbox, "goods_in", 5)
    body = call(
        sandbox, f"warehouse-service/order/*/goods-note/goods-in/{format_idset(notes)}"
    ).json()["response"]
    assert set(body) == {str(n) for n in notes}
    assert body[str(notes[0])]["goodsMoved"]
    assert call(sandbox, "warehouse-service/order/*/goods-note/goods-in/*").status == 400


def test_contacts_404_when_any_id_missing(call, sandbox):
    ids = ids_of(sandbox, "contacts", 3)
    ok = call(sandbox, f"contact-service/contact/{format_idset(ids)}")
    assert ok.status == 200
    assert {c["contactId"] for c in ok.json()["response"]} == set(ids)
    contact = ok.json()["response"][0]
    assert set(contact["postAddressIds"]) == {"DEF", "BIL", "DEL"}
    missing = max(ids_of(sandbox, "contacts")) + 1
    reply = call(sandbox, f"contact-service/contact/{ids[0]},{missing}")
    assert reply.status == 404
    assert reply.json() == {"errors": [{"code": "CMNC-404", "message": "No Contact Found"}]}


def test_product_prices_404_when_any_missing(call, sandbox):
    ids = ids_of(sandbox, "products", 4)
    body = call(sandbox, f"product-service/product-price/{format_idset(ids)}").json()
    entry = body["response"][0]
    assert {"productId", "priceLists"} <= set(entry)
    assert all(
        isinstance(v, str) for pl in entry["priceLists"] for v in pl["quantityPrice"].values()
    )
    gap = next(i for i in range(ids[0], ids[-1] + 50) if i not in sandbox.store.products)
    reply = call(sandbox, f"product-service/product-price/{ids[0]},{gap}")
    assert reply.status == 404
    assert reply.json()["errors"][0]["code"] == "CMNC-404"
    narrowed = call(sandbox, f"product-service/product-price/{ids[0]}/price-list/2").json()
    assert [pl["priceListId"] for pl in narrowed["response"][0]["priceLists"]] == [2]


def test_product_availability_rules(call, sandbox):
    products = sandbox.store.products
    tracked = [p for p in sorted(products) if products[p]["tracked"]][:3]
    untracked = [p for p in sorted(products) if not products[p]["tracked"]][:2]
    body = call(
        sandbox, f"warehouse-service/product-availability/{','.join(map(str, tracked + untracked))}"
    ).json()["response"]
    assert set(body) == {str(p) for p in tracked}
    entry = body[str(tracked[0])]
    assert {"inStock", "onHand", "allocated", "inTransit"} <= set(entry["total"])
    assert entry["warehouses"]
    missing = max(products) + 7
    bad = call(sandbox, f"warehouse-service/product-availability/{tracked[0]},{missing}")
    assert bad.status == 400
    empty = call(sandbox, "warehouse-service/product-availability/")
    assert empty.status == 400
    assert empty.json()["errors"][0]["code"] == "WHSC-020"


def test_postal_addresses_and_tags(call, sandbox):
    contact = sandbox.store.contacts[ids_of(sandbox, "contacts", 1)[0]]
    ids = sorted(set(contact["addr"].values()))
    body = call(sandbox, f"contact-service/postal-address/{format_idset(ids)}").json()
    assert {a["addressId"] for a in body["response"]} == set(ids)
    tags = call(sandbox, "contact-service/tag").json()["response"]
    assert isinstance(tags, dict)
    assert all(str(v["tagId"]) == k for k, v in tags.items())


def test_url_over_8kb_gets_414(call, sandbox):
    ids = ",".join(str(i) for i in range(1, 4000, 2))
    assert call(sandbox, f"order-service/order/{ids}").status == 414


@pytest.mark.parametrize("resource", ["order", "product", "contact", "product-price"])
def test_options_plans_existing_ids_in_chunks_of_200(call, sandbox, resource):
    attr = {"order": "orders", "contact": "contacts"}.get(resource, "products")
    service = {"order": "order", "contact": "contact"}.get(resource, "product")
    reply = call(sandbox, f"{service}-service/{resource}", method="OPTIONS")
    assert reply.status == 200
    uris = reply.json()["response"]["getUris"]
    ids = ids_of(sandbox, attr)
    assert len(uris) == -(-len(ids) // 200)
    assert all(u.startswith(f"/{resource}/") for u in uris)
    first = ids[0]
    narrowed = call(sandbox, f"{service}-service/{resource}/1-{first}", method="OPTIONS")
    assert narrowed.json()["response"]["getUris"] == [f"/{resource}/{first}"]
    none = call(sandbox, f"{service}-service/{resource}/1-{first - 1}", method="OPTIONS")
    assert none.json()["response"]["getUris"] == []


@pytest.mark.parametrize("stream", sorted(REFERENCE_STREAMS))
def test_reference_gets(call, sandbox, stream):
    path, keys = REFERENCE_STREAMS[stream]
    reply = call(sandbox, path)
    assert reply.status == 200
    items = reply.json()["response"]
    assert items
    assert all(all(k in item for k in keys) for item in items)


def test_order_custom_field_metadata_both_kinds(call, sandbox):
    for kind in ("sale", "purchase"):
        items = call(sandbox, f"order-service/{kind}/custom-field-meta-data").json()["response"]
        assert all({"id", "code", "name", "customFieldType"} <= set(i) for i in items)


def test_contact_get_without_id_set_pages(call, sandbox):
    body = call(sandbox, "contact-service/contact").json()
    assert len(body["response"]) == min(200, len(sandbox.store.contacts))
    assert body["pagination"]["firstResult"] == 1


def test_unknown_resource_is_not_a_cmnc_404(call, sandbox):
    reply = call(sandbox, "order-service/no-such-thing")
    assert reply.status == 404
    assert reply.json()["errors"][0]["code"] != "CMNC-404"
