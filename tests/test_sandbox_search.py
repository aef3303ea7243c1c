"""Search endpoints of the sandbox: columns, sort, paging, metaData, filters by type."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

ORDERS = "order-service/order-search"


def search(call, sb, path, query=""):
    reply = call(sb, f"{path}?{query}")
    assert reply.status == 200, reply.body
    assert reply.headers["message-type"] == "bulk-data-search"
    return reply.json()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def all_rows(call, sb, path, query, page_size=100):
    rows, first = [], 1
    while True:
        body = search(call, sb, path, f"{query}&pageSize={page_size}&firstResult={first}")
        meta = body["response"]["metaData"]
        rows.extend(body["response"]["results"])
        if not meta["morePagesAvailable"]:
            return rows
        first = meta["lastResult"] + 1


def test_response_shape_and_metadata(call, sandbox):
    body = search(call, sandbox, ORDERS, "pageSize=7")
    meta = body["response"]["metaData"]
    assert meta["resultsReturned"] == 7 == len(body["response"]["results"])
    assert meta["firstResult"] == 1
    assert meta["lastResult"] == 7
    assert meta["resultsAvailable"] == len(sandbox.store.orders)
    assert meta["morePagesAvailable"] is True
    names = [c["name"] for c in meta["columns"]]
    assert names[:4] == ["orderId", "orderTypeId", "contactId", "orderStatusId"]
    assert "deliveryDate" in names
    assert "reference" not in names
    col = meta["columns"][0]
    assert set(col) >= {
        "name",
        "sortable",
        "filterable",
        "reportDataType",
        "referenceData",
        "required",
    }
    assert col["reportDataType"] == "IDSET"
    assert meta["sorting"] == [{"filterable": col, "direction": "ASC"}]
    assert body["reference"]["orderTypeNames"] == {
        "1": "SALES_ORDER",
        "2": "PURCHASE_ORDER",
        "3": "SALES_CREDIT",
        "4": "PURCHASE_CREDIT",
    }
    assert all(len(r) == len(names) for r in body["response"]["results"])


def test_columns_restrict_and_order(call, sandbox):
    body = search(call, sandbox, ORDERS, "columns=updatedOn,orderId&pageSize=3")
    meta = body["response"]["metaData"]
    assert [c["name"] for c in meta["columns"]] == ["updatedOn", "orderId"]
    assert all(isinstance(r[1], int) for r in body["response"]["results"])
    assert body["reference"] == {}


def test_unknown_column_and_page_size_over_500_are_errors(call, sandbox):
    assert call(sandbox, f"{ORDERS}?columns=nope").status == 400
    reply = call(sandbox, f"{ORDERS}?pageSize=501")
    assert reply.status == 400
    assert reply.json()["errors"][0]["code"]


def test_paging_is_one_based_and_complete(call, sandbox):
    rows = all_rows(call, sandbox, ORDERS, "columns=orderId", page_size=37)
    ids = [r[0] for r in rows]
    assert ids == sorted(sandbox.store.orders)
    body = search(call, sandbox, ORDERS, "columns=orderId&pageSize=5&firstResult=3")
    assert [r[0] for r in body["response"]["results"]] == ids[2:7]
    beyond = search(call, sandbox, ORDERS, f"pageSize=5&firstResult={len(ids) + 10}")
    assert beyond["response"]["results"] == []
    assert beyond["response"]["metaData"]["morePagesAvailable"] is False


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_sort_by_period_column(call, sandbox, direction):
    rows = all_rows(
        call,
        sandbox,
        ORDERS,
        f"columns=orderId,createdOn&sort=createdOn.{direction}",
        page_size=500,
    )
    stamps = [utc(r[1]) for r in rows]
    assert stamps == sorted(stamps, reverse=direction == "DESC")
    body = search(call, sandbox, ORDERS, f"sort=createdOn.{direction}&pageSize=1")
    assert body["response"]["metaData"]["sorting"][0]["direction"] == direction


def test_sort_desc_on_key_and_bad_sort(call, sandbox):
    body = search(call, sandbox, ORDERS, "columns=orderId&sort=orderId.DESC&pageSize=3")
    assert [r[0] for r in body["response"]["results"]] == sorted(sandbox.store.orders)[::-1][:3]
    assert call(sandbox, f"{ORDERS}?sort=orderId.SIDEWAYS").status == 400


def test_search_rows_show_seconds_only(call, sandbox):
    body = search(call, sandbox, ORDERS, "columns=createdOn&pageSize=200")
    values = [r[0] for r in body["response"]["results"]]
    assert all(".000" in v for v in values)
    suffixes = {v[-6:] if v[-6] in "+-" else v[-1] for v in values}
    assert suffixes == {"-06:00", "+01:00", "Z"}


@pytest.mark.parametrize("sep", ["/", "%2F"])
@pytest.mark.parametrize(
    "bound",
    [
        "2025-03-01T00:00:00Z",
        "2025-03-01T00:00:00.000Z",
        "2025-02-28T18:00:00-06:00",
        "2025-03-01T01:00:00%2B01:00",
        "2025-03-01T01:00:00.250%2B0100",
        "2025-03-01",
    ],
)
def test_period_filter_open_end(call, sandbox, sep, bound):
    since = datetime(2025, 3, 1, tzinfo=timezone.utc)
    rows = all_rows(
        call, sandbox, ORDERS, f"columns=orderId,updatedOn&updatedOn={bound}{sep}", page_size=500
    )
    got = {r[0] for r in rows}
    expected = {
        o["id"]
        for o in sandbox.store.orders.values()
        if not o["fresh"] and o["updated"] // 1000 >= since.timestamp()
    }
    assert got == expected
    assert all(utc(r[1]) >= since for r in rows)


def test_period_filter_both_bounds_inclusive_at_second_precision(call, sandbox):
    table = sandbox.store.tables[ORDERS]
    row = next(r for r in table.rows.values() if r.updatedOn is not None)
    stamp = datetime.fromtimestamp(row.updatedOn, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    body = search(call, sandbox, ORDERS, f"columns=orderId&updatedOn={stamp}Z/{stamp}.999Z")
    assert [row.orderId] == [r[0] for r in body["response"]["results"] if r[0] == row.orderId]
    closed = search(
        call, sandbox, ORDERS, "columns=orderId&updatedOn=/2023-02-01T00:00:00Z&pageSize=500"
    )
    expected = {
        o["id"]
        for o in sandbox.store.orders.values()
        if not o["fresh"] and o["updated"] // 1000 <= 1675209600
    }
    assert {r[0] for r in closed["response"]["results"]} == expected


def test_unencoded_plus_offset_is_rejected(call, sandbox):
    reply = call(sandbox, f"{ORDERS}?updatedOn=2025-03-01T01:00:00+01:00/")
    assert reply.status == 500
    assert reply.json()["errors"][0]["code"] == "CMNC-018"


def test_fresh_orders_have_null_updated_on_and_are_found_by_created_on(call, sandbox):
    fresh = [o for o in sandbox.store.orders.values() if o["fresh"]]
    assert fresh
    o = fresh[0]
    body = search(call, sandbox, ORDERS, f"columns=orderId,updatedOn,createdOn&orderId={o['id']}")
    [[oid, updated, created]] = body["response"]["results"]
    assert (oid, updated) == (o["id"], None)
    since = created.replace("+", "%2B")
    by_created = all_rows(
        call, sandbox, ORDERS, f"columns=orderId&createdOn={since}/", page_size=500
    )
    assert o["id"] in {r[0] for r in by_created}
    by_updated = all_rows(
        call, sandbox, ORDERS, "columns=orderId&updatedOn=2023-01-01T00:00:00Z/", page_size=500
    )
    assert o["id"] not in {r[0] for r in by_updated}
    got = call(sandbox, f"order-service/order/{o['id']}").json()["response"][0]
    assert got["updatedOn"] == got["createdOn"]


def test_idset_filter_with_ranges_and_huge_range(call, sandbox):
    ids = sorted(sandbox.store.orders)
    query = f"columns=orderId&orderId={ids[0]}-{ids[4]},{ids[10]}&pageSize=500"
    body = search(call, sandbox, ORDERS, query)
    assert [r[0] for r in body["response"]["results"]] == [*ids[:5], ids[10]]
    everything = search(call, sandbox, ORDERS, "columns=orderId&orderId=1-9999999999&pageSize=1")
    assert everything["response"]["metaData"]["resultsAvailable"] == len(ids)


@pytest.mark.parametrize(
    "query",
    [
        "orderId=1000/",
        "orderId=/5000",
        "orderStatusId=2/",
        "orderStatusId=BAD",
        "orderId=abc",
        "updatedOn=yesterday/",
        "updatedOn=2025-01-01",
    ],
)
def test_unparseable_filters_get_cmnc_018(call, sandbox, query):
    reply = call(sandbox, f"{ORDERS}?{query}")
    assert reply.status == 500
    error = reply.json()["errors"][0]
    assert error["code"] == "CMNC-018"
    assert "cannot be parsed as:" in error["message"]


def test_range_on_idset_message_names_the_type(call, sandbox):
    reply = call(sandbox, f"{ORDERS}?orderId=5/")
    assert reply.json()["errors"][0]["message"] == (
        "The filter orderId=5/ cannot be parsed as: IDSET"
    )


def test_integer_string_boolean_exact_filters(call, sandbox):
    orders = sandbox.store.orders.values()
    body = search(call, sandbox, ORDERS, "columns=orderId&orderStatusId=4&pageSize=500")
    assert {r[0] for r in body["response"]["results"]} == {
        o["id"] for o in orders if o["status"] == 4
    }
    ref = next(o["customerRef"] for o in orders if o["customerRef"])
    body = search(call, sandbox, ORDERS, f"columns=orderId,customerRef&customerRef=%23{ref[1:]}")
    assert {r[1] for r in body["response"]["results"]} == {ref}
    body = search(
        call,
        sandbox,
        "product-service/product-search",
        "columns=productId,stockTracked&stockTracked=false&pageSize=500",
    )
    assert body["response"]["results"]
    assert {r[1] for r in body["response"]["results"]} == {False}
    assert {r[0] for r in body["response"]["results"]} == {
        p["id"] for p in sandbox.store.products.values() if not p["tracked"]
    }
    assert call(sandbox, "product-service/product-search?stockTracked=maybe").status == 500


def test_unknown_parameters_are_ignored(call, sandbox):
    body = search(call, sandbox, ORDERS, "pageSize=1&notAColumn=5")
    assert body["response"]["metaData"]["resultsAvailable"] == len(sandbox.store.orders)


def test_supplier_payment_search_quirks(call, sandbox):
    path = "accounting-service/supplier-payment-search"
    total = len(sandbox.store.tables[path].rows)
    assert total > 500
    first = search(call, sandbox, path, "pageSize=500")
    meta = first["response"]["metaData"]
    assert meta["resultsAvailable"] == 500
    assert meta["morePagesAvailable"] is False
    second = search(call, sandbox, path, "pageSize=500&firstResult=501")
    assert len(second["response"]["results"]) == total - 500
    some = first["response"]["results"][0][0]
    ignored = search(call, sandbox, path, f"paymentId={some}&pageSize=10")
    assert len(ignored["response"]["results"]) == 10


def test_composite_key_search_and_string_key(call, sandbox):
    body = search(call, sandbox, "contact-service/contact-group-member-search", "pageSize=500")
    keys = [(r[3], r[0]) for r in body["response"]["results"]]
    assert keys == sorted(keys)
    codes = search(call, sandbox, "accounting-service/nominal-code-search", "")
    values = [r[0] for r in codes["response"]["results"]]
    assert values == sorted(values)
    assert all(isinstance(v, str) for v in values)


def test_metadata_endpoint_and_trailing_slash(call, sandbox):
    meta = call(sandbox, f"{ORDERS}/meta-data").json()["response"]
    assert meta["columns"][0]["name"] == "orderId"
    assert meta["sorting"][0]["direction"] == "ASC"
    assert call(sandbox, f"{ORDERS}/?pageSize=1").status == 200


def test_counters_name_endpoints(call, make_sandbox):
    sb = make_sandbox()
    call(sb, f"{ORDERS}?pageSize=1")
    call(sb, "order-service/order/1")
    call(sb, "order-service/order", method="OPTIONS")
    call(sb, "order-service/order-status")
    counts = sb.counters()
    assert counts["requests"] == {
        "order-search": 1,
        "order": 1,
        "OPTIONS order": 1,
        "order-status": 1,
    }
    assert counts["requests_total"] == 4
    sb.reset_counters()
    assert sb.counters()["requests_total"] == 0


def test_count_only(call, sandbox):
    body = search(call, sandbox, ORDERS, "countOnly=true&orderStatusId=4")
    meta = body["response"]["metaData"]
    assert body["response"]["results"] == []
    assert meta["resultsAvailable"] == sum(
        1 for o in sandbox.store.orders.values() if o["status"] == 4
    )
    assert meta["morePagesAvailable"] is False
