"""Faults by path: a service refused as for a staff member without permission, a path that
keeps answering 5xx; everything else served as usual."""

from __future__ import annotations

import pytest

from tap_brightpearl.sandbox import __main__ as sandbox_cli

JOURNALS = "accounting-service/journal-search?pageSize=1"
ORDERS = "order-service/order-search?pageSize=1"
DENIED = {
    "errors": [
        {
            "code": "GWY-403",
            "message": "The staff member does not have permission to access this resource",
        }
    ]
}


def test_a_refused_service_answers_403_with_an_errors_list(call, make_sandbox):
    sb = make_sandbox(refuse={"accounting-service": 403})
    for path in (
        JOURNALS,
        "accounting-service/tax-code",
        "accounting-service/journal-search/meta-data",
    ):
        reply = call(sb, path)
        assert (reply.status, reply.json()) == (403, DENIED)
        assert "brightpearl-requests-remaining" in reply.headers  # it consumed quota
    assert call(sb, ORDERS).status == 200
    assert call(sb, "warehouse-service/warehouse").status == 200
    counters = sb.counters()
    assert counters["refused"] == 3
    assert counters["requests"]["journal-search"] == 1
    assert counters["requests"]["tax-code"] == 1
    sb.configure(refuse=None)
    assert call(sb, JOURNALS).status == 200


def test_a_refusal_needs_authentication_first(call, make_sandbox):
    sb = make_sandbox(refuse={"accounting-service": 403})
    assert call(sb, JOURNALS, headers={"brightpearl-app-ref": "sandbox-app"}).status == 401


def test_prefixes_are_whole_segments_and_the_longest_wins(call, make_sandbox):
    sb = make_sandbox(refuse={"product-service/product": 403}, fail_paths={"product-service": 503})
    ids = sorted(sb.store.products)[:2]
    assert call(sb, f"product-service/product/{ids[0]}").status == 403
    price = call(sb, f"product-service/product-price/{ids[0]}")  # not below .../product
    assert price.status == 503
    assert "too many requests" not in price.json()["response"]
    assert sb.counters()["throttled"] == 0


def test_a_failing_path_answers_5xx_every_time(call, make_sandbox):
    sb = make_sandbox(fail_paths={"product-service/product-price": 500})
    pid = sorted(sb.store.products)[0]
    for _ in range(5):
        reply = call(sb, f"product-service/product-price/{pid}")
        assert reply.status == 500
        assert reply.json()["errors"][0]["code"] == "CMNU-003"
    assert call(sb, f"product-service/product/{pid}").status == 200
    assert sb.counters()["path_failures"] == 5
    assert sb.counters()["requests"]["product-price"] == 5


@pytest.mark.parametrize(
    ("flag", "knob", "want"),
    [
        ("--refuse=accounting-service", "refuse", {"accounting-service": 403}),
        (
            "--fail-paths=product-service/product-price=502",
            "fail_paths",
            {"product-service/product-price": 502},
        ),
    ],
)
def test_cli_flags(flag, knob, want):
    args = sandbox_cli.build_parser().parse_args([flag])
    assert dict(getattr(args, knob)) == want
    with pytest.raises(SystemExit):
        sandbox_cli.build_parser().parse_args(["--refuse=x=forbidden"])
