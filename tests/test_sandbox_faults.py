"""Fault knobs, latency and live mutations of the sandbox."""

from __future__ import annotations

import http.client
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

PATH = "order-service/order-search?columns=orderId,updatedOn&pageSize=500"


def test_fault_500_has_an_error_body(call, make_sandbox):
    sb = make_sandbox(fault_500=1.0)
    reply = call(sb, PATH)
    assert reply.status == 500
    assert reply.json() == {"errors": [{"code": "CMNU-003", "message": "Internal server error"}]}
    assert "brightpearl-requests-remaining" in reply.headers
    assert sb.counters()["faults"]["500"] == 1


def test_fault_503_is_an_outage_not_the_throttle(call, make_sandbox):
    sb = make_sandbox(fault_503=1.0)
    reply = call(sb, PATH)
    assert reply.status == 503
    assert "too many requests" not in reply.json()["response"]
    assert sb.counters()["throttled"] == 0


def test_fault_drop_closes_the_connection(make_sandbox):
    sb = make_sandbox(fault_drop=1.0)
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    conn.request("GET", f"/public-api/sandbox/{PATH}")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()
    conn.close()
    assert sb.counters()["faults"]["drop"] == 1


def test_fault_malformed_is_200_with_invalid_json(call, make_sandbox):
    sb = make_sandbox(fault_malformed=1.0)
    reply = call(sb, PATH)
    assert reply.status == 200
    with pytest.raises(json.JSONDecodeError):
        reply.json()


def test_fault_rates_are_seeded_and_can_be_turned_off(call, make_sandbox):
    runs = []
    for _ in range(2):
        sb = make_sandbox(seed=3, fault_500=0.3, fault_503=0.2)
        runs.append([call(sb, PATH).status for _ in range(30)])
        sb.configure(fault_500=0.0, fault_503=0.0)
        assert call(sb, PATH).status == 200
    assert runs[0] == runs[1]
    assert {200, 500, 503} <= set(runs[0])


def test_reject_filter(call, make_sandbox):
    sb = make_sandbox(reject_filter="updatedOn")
    reply = call(sb, "order-service/order-search?updatedOn=2024-01-01T00:00:00Z/")
    assert reply.status == 500
    assert reply.json()["errors"][0]["code"] == "CMNC-018"
    assert call(sb, "order-service/order-search?createdOn=2024-01-01T00:00:00Z/").status == 200


def test_latency(call, make_sandbox):
    sb = make_sandbox(latency=0.25)
    started = time.perf_counter()
    assert call(sb, PATH).status == 200
    assert time.perf_counter() - started >= 0.25


def test_mutation_moves_creates_and_deletes(call, make_sandbox):
    sb = make_sandbox(seed=11, mutate=False, mutations_per_request=10)
    before = set(sb.store.orders)
    max_before = max(before)
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert not sb.changed_since("orders", started)
    first_page = [
        r[0]
        for r in call(
            sb, "order-service/order-search?columns=orderId&sort=updatedOn.DESC&pageSize=20"
        ).json()["response"]["results"]
    ]
    sb.configure(mutate=True)
    for _ in range(15):
        assert call(sb, "order-service/order-status").status == 200
    sb.configure(mutate=False)
    after = set(sb.store.orders)
    created = after - before
    deleted = before - after
    changed = sb.changed_since("orders", started)
    assert created
    assert deleted
    assert all(i > max_before for i in created)
    assert {(i,) for i in created} <= changed
    updated = {k for (k,) in changed} - created
    assert updated
    rows = call(
        sb, "order-service/order-search?columns=orderId,updatedOn&sort=updatedOn.DESC&pageSize=500"
    ).json()["response"]["results"]
    # an order created and then updated again shows its updatedOn too (a fresh one shows null):
    # under load the two get distinct milliseconds, and it sorts among the updated ones
    moved = updated | {i for i in created if not sb.store.orders[i]["fresh"]}
    top = [r[0] for r in rows[: len(moved)]]
    assert set(top) == moved
    assert top != first_page[: len(top)]
    fresh = call(
        sb,
        f"order-service/order-search?columns=orderId,updatedOn&orderId="
        f"{','.join(map(str, sorted(created)))}",
    ).json()["response"]["results"]
    still_fresh = {i for i in created if sb.store.orders[i]["fresh"]}
    assert still_fresh
    assert {r[0] for r in fresh if r[1] is None} == still_fresh
    assert sb.counters()["mutations"] == 150
    assert sb.primary_keys("orders") == {(i,) for i in after}
    deleted_id = min(deleted)
    assert call(sb, f"order-service/order/{deleted_id}").json() == {"response": []}


def test_mutations_are_seeded(call, make_sandbox):
    results = []
    for _ in range(2):
        sb = make_sandbox(seed=5, mutate=True, mutations_per_request=25)
        for _ in range(4):
            call(sb, "order-service/order-type")
        results.append(
            (sorted(sb.store.orders), sorted(sb.store.products), sorted(sb.store.contacts))
        )
    assert results[0] == results[1]


def test_created_contacts_get_their_own_addresses(call, make_sandbox):
    sb = make_sandbox(seed=2, mutate=True, mutations_per_request=50)
    before = set(sb.store.contacts)
    for _ in range(4):
        call(sb, "order-service/order-type")
    sb.configure(mutate=False)
    created = set(sb.store.contacts) - before
    assert created
    for cid in created:
        ids = sorted(set(sb.store.contacts[cid]["addr"].values()))
        got = call(sb, f"contact-service/postal-address/{','.join(map(str, ids))}").json()
        assert {a["contactId"] for a in got["response"]} == {cid}
