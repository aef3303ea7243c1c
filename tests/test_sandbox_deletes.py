"""Deleted records in the sandbox: the Python API, the during-a-run knob, the API's answers."""

from __future__ import annotations

import pytest

from tap_brightpearl.sandbox.util import IdSet, format_idset

SEARCHES = {
    "orders": ("order-service/order-search", "orderId"),
    "products": ("product-service/product-search", "productId"),
    "contacts": ("contact-service/contact-search", "contactId"),
    "goods_out_notes": ("warehouse-service/goods-note/goods-out-search", "goodsOutNoteId"),
    "goods_in_batches": ("warehouse-service/goods-in-search", "batchId"),
    "customer_payments": ("accounting-service/customer-payment-search", "paymentId"),
    "supplier_payments": ("accounting-service/supplier-payment-search", "paymentId"),
}


def listed(call, sb, stream):
    """Every id a full id-only search lists (paging until an empty page: the supplier-payment
    search reports a wrong resultsAvailable)."""
    path, column = SEARCHES[stream]
    ids, first = [], 1
    while True:
        body = call(sb, f"{path}?columns={column}&pageSize=500&firstResult={first}").json()
        rows = body["response"]["results"]
        if not rows:
            return ids
        ids.extend(r[0] for r in rows)
        first += len(rows)


def planned(call, sb, resource):
    """OPTIONS without an id set: the ids of its getUris, and the URIs."""
    reply = call(sb, resource, method="OPTIONS")
    assert reply.status == 200
    uris = reply.json()["response"]["getUris"]
    ids = []
    for uri in uris:
        name, idtext = uri.rsplit("/", 1)
        assert name == "/" + resource.split("/")[1]
        chunk = [i for lo, hi in IdSet.parse(idtext).intervals() for i in range(lo, hi + 1)]
        assert 0 < len(chunk) <= 200
        ids.extend(chunk)
    return ids, uris


@pytest.mark.parametrize(
    ("resource", "stream"),
    [
        ("order-service/order", "orders"),
        ("product-service/product", "products"),
        ("contact-service/contact", "contacts"),
    ],
)
def test_options_without_ids_plans_every_record_in_uris_of_200(call, sandbox, resource, stream):
    before = sandbox.counters()["requests"].get(f"OPTIONS {resource.split('/')[1]}", 0)
    ids, uris = planned(call, sandbox, resource)
    assert ids == sorted(k for (k,) in sandbox.primary_keys(stream))
    assert len(uris) == -(-len(ids) // 200)
    assert sandbox.counters()["requests"][f"OPTIONS {resource.split('/')[1]}"] == before + 1


def test_deleted_orders_vanish_from_search_get_and_options(call, make_sandbox):
    sb = make_sandbox(seed=3)
    ids = sorted(sb.store.orders)
    gone = [ids[0], ids[10], ids[-1]]
    assert sb.delete("orders", [*gone, 1]) == gone  # 1 never existed
    assert sb.deleted("orders") == set(gone)
    assert (gone[0],) not in sb.primary_keys("orders")
    assert not set(gone) & set(listed(call, sb, "orders"))
    assert not set(gone) & set(planned(call, sb, "order-service/order")[0])
    mixed = call(sb, f"order-service/order/{format_idset(sorted([*gone, ids[1]]))}")
    assert mixed.status == 200
    assert [o["id"] for o in mixed.json()["response"]] == [ids[1]]
    alone = call(sb, f"order-service/order/{gone[1]}")
    assert (alone.status, alone.json()) == (200, {"response": []})
    around = call(sb, f"order-service/order/{ids[9]}-{ids[11]}", method="OPTIONS").json()
    assert str(gone[1]) not in around["response"]["getUris"][0]


def test_deleted_contacts_answer_404_when_asked_for(call, make_sandbox):
    sb = make_sandbox(seed=3)
    ids = sorted(sb.store.contacts)
    member = next(
        r.contactId
        for r in sb.store.tables["contact-service/contact-group-member-search"].rows.values()
    )
    gone = sb.delete("contacts", [ids[5], member])
    reply = call(sb, f"contact-service/contact/{ids[4]},{ids[5]}")
    assert reply.status == 404
    assert reply.json() == {"errors": [{"code": "CMNC-404", "message": "No Contact Found"}]}
    assert call(sb, f"contact-service/contact/{ids[4]}").status == 200
    assert not set(gone) & set(listed(call, sb, "contacts"))
    assert not set(gone) & set(planned(call, sb, "contact-service/contact")[0])
    page = call(sb, "contact-service/contact").json()["response"]
    assert ids[5] not in {c["contactId"] for c in page}
    members = call(
        sb, "contact-service/contact-group-member-search?columns=contactId&pageSize=500"
    ).json()["response"]["results"]
    assert member not in {r[0] for r in members}


def test_deleted_products_drop_from_get_and_404_on_prices(call, make_sandbox):
    sb = make_sandbox(seed=3)
    ids = sorted(sb.store.products)
    [gone] = sb.delete("products", [ids[2]])
    both = format_idset([ids[1], gone])
    reply = call(sb, f"product-service/product/{both}")
    assert [p["id"] for p in reply.json()["response"]] == [ids[1]]
    assert call(sb, f"product-service/product/{gone}").status == 404
    prices = call(sb, f"product-service/product-price/{both}")
    assert prices.status == 404
    assert prices.json()["errors"][0]["code"] == "CMNC-404"
    assert gone not in planned(call, sb, "product-service/product")[0]
    assert gone not in listed(call, sb, "products")
    assert (gone, 2) not in sb.primary_keys("product_prices")


@pytest.mark.parametrize(
    "stream", ["goods_out_notes", "goods_in_batches", "customer_payments", "supplier_payments"]
)
def test_deleted_search_records_stop_being_listed(call, make_sandbox, stream):
    sb = make_sandbox(seed=3)
    before = listed(call, sb, stream)
    gone = sb.delete(stream, count=3)
    assert len(gone) == 3
    assert set(gone) <= set(before)
    assert sorted(listed(call, sb, stream)) == sorted(set(before) - set(gone))
    assert sb.deleted(stream) == set(gone)
    assert not {(i,) for i in gone} & sb.primary_keys(stream)


def test_deleted_goods_notes_and_batches_leave_the_goods_note_gets(call, make_sandbox):
    sb = make_sandbox(seed=3)
    note = min(sb.store.goods_out)
    sb.delete("goods_out_notes", [note])
    reply = call(sb, f"warehouse-service/order/*/goods-note/goods-out/{note}")
    assert reply.status == 404
    assert reply.json()["errors"][0]["code"] == "CMNC-404"
    gin = next(n for n in sb.store.goods_in.values() if len(n["batches"]) > 1)
    sb.delete("goods_in_batches", [gin["batches"][0]])
    got = call(sb, f"warehouse-service/order/*/goods-note/goods-in/{gin['id']}").json()
    moved = got["response"][str(gin["id"])]["goodsMoved"]
    assert [m["batchId"] for m in moved] == gin["batches"][1:]


def test_random_deletions_are_seeded(make_sandbox):
    runs = [make_sandbox(seed=9).delete("orders", count=5) for _ in range(2)]
    assert runs[0] == runs[1]
    assert len(runs[0]) == 5


def test_deleting_during_a_run_spreads_over_requests(call, make_sandbox):
    sb = make_sandbox(seed=4, delete_during_run={"orders": 3, "contacts": 2}, delete_every=2)
    assert sb.deletions_pending() == {"orders": 3, "contacts": 2}
    seen = []
    for _ in range(12):
        assert call(sb, "order-service/order-status").status == 200
        seen.append(len(sb.deleted("orders")) + len(sb.deleted("contacts")))
    assert seen == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5]
    assert (len(sb.deleted("orders")), len(sb.deleted("contacts"))) == (3, 2)
    assert sb.deletions_pending() == {}
    assert sb.counters()["deletions"] == 5
    assert not {(i,) for i in sb.deleted("orders")} & sb.primary_keys("orders")
    sb.configure(delete_during_run={"products": 1}, delete_every=1)
    call(sb, "order-service/order-status")
    assert len(sb.deleted("products")) == 1


def test_ids_are_never_reused_and_mutation_deletes_are_ground_truth(call, make_sandbox):
    sb = make_sandbox(seed=11, mutations_per_request=20)
    top = max(sb.store.orders)
    sb.delete("orders", [top])
    before = set(sb.store.orders)
    sb.configure(mutate=True)
    for _ in range(10):
        call(sb, "order-service/order-status")
    sb.configure(mutate=False)
    created = set(sb.store.orders) - before
    assert created
    assert min(created) > top
    assert top in sb.deleted("orders")
    assert len(sb.deleted("orders")) > 1  # the mutation mode's deletions are recorded too
    assert not {(i,) for i in sb.deleted("orders")} & sb.primary_keys("orders")


def test_unknown_streams_are_refused_with_the_list(make_sandbox):
    sb = make_sandbox()
    with pytest.raises(KeyError, match="goods_in_batches"):
        sb.delete("brands", [1])
    with pytest.raises(KeyError, match="orders"):
        sb.deleted("order_rows")
    with pytest.raises(KeyError, match="contacts"):
        sb.configure(delete_during_run={"nope": 1})
