"""The sandbox's OPTIONS (the URI planner) held to the evidence, over real HTTP.

``tests/evidence/<stream>/options/*.json`` (the reference's examples and recorded answers):
``{"response": {"getUris": [...]}}``, ascending ids, at most 200 a URI and every URI but the
last full (the fewest GETs), gaps folded into ranges (a run of two or more as ``a-b``, as
recorded), ids that do not exist dropped, Message-Type ``options-<resource>``, a ``Date``
header, and one request of the budget.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import sandbox_request

from tap_brightpearl.sweeps import parse_idset

EVIDENCE = Path(__file__).parent / "evidence"
VARIANTS = sorted(EVIDENCE.glob("*/options/*.json"))
RESOURCES = {
    "orders": "order-service/order",
    "products": "product-service/product",
    "contacts": "contact-service/contact",
}


def uri_ids(uri: str, resource: str) -> list[int]:
    prefix = "/" + resource.rsplit("/", 1)[-1] + "/"
    assert uri.startswith(prefix), uri
    return list(parse_idset(uri[len(prefix) :]))


def folded(text: str) -> bool:
    """Whether an ID set writes every run of consecutive ids as one ``a-b`` (or one id)."""
    bounds = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        bounds.append((int(first), int(last or first)))
    return all(b[0] > a[1] + 1 for a, b in itertools.pairwise(bounds))


def check_plan(uris: list, resource: str) -> list[int]:
    """The rules every answer of the evidence follows; the ids in order."""
    assert isinstance(uris, list) and uris, uris
    per_uri = [uri_ids(uri, resource) for uri in uris]
    ids = [i for part in per_uri for i in part]
    assert ids == sorted(set(ids)), "ids ascending, each once"
    assert all(len(part) <= 200 for part in per_uri)
    assert all(folded(uri.rsplit("/", 1)[-1]) for uri in uris)
    return ids


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_the_evidence_follows_the_rules_it_documents(path):
    data = json.loads(path.read_text())
    assert data["method"] == "OPTIONS"
    assert data["source"] in {"docs", "recording"} and data["cite"] and data["notes"]
    resource = RESOURCES[data["stream"]]
    assert data["endpoint"] in (resource, resource + "/{ids}")
    assert set(data["body"]) == {"response"} and set(data["body"]["response"]) == {"getUris"}
    check_plan(data["body"]["response"]["getUris"], resource)


def test_every_planned_resource_has_evidence():
    assert {json.loads(p.read_text())["stream"] for p in VARIANTS} >= {
        "orders",
        "contacts",
        "products",
    }


@pytest.mark.parametrize("stream", list(RESOURCES))
def test_the_sandbox_plans_every_existing_id_as_the_evidence_shows(make_sandbox, stream):
    sb = make_sandbox(
        seed=71, sizes={"orders": 900, "products": 450, "contacts": 500}, throttle_limit=200
    )
    resource = RESOURCES[stream]
    gone = sb.delete(stream, count=25)
    first = sandbox_request(sb, resource, "OPTIONS")
    assert first.status == 200, first.body
    ids = check_plan(first.json()["response"]["getUris"], resource)
    assert set(ids) == {k[0] for k in sb.primary_keys(stream)}
    assert not set(gone) & set(ids), "a deleted id was planned"
    sizes = [len(uri_ids(u, resource)) for u in first.json()["response"]["getUris"]]
    assert all(n == 200 for n in sizes[:-1]), sizes  # the fewest GETs
    assert first.headers["message-type"] == f"options-{resource.rsplit('/', 1)[-1]}"
    assert first.headers.get("date")
    second = sandbox_request(sb, resource, "OPTIONS")
    used = int(first.headers["brightpearl-requests-remaining"]) - int(
        second.headers["brightpearl-requests-remaining"]
    )
    assert used == 1, "an OPTIONS is one request of the budget"


def test_an_id_set_plans_only_the_existing_ids_ascending(make_sandbox):
    """The reference's second order example: an unordered id set with repeats and gaps."""
    sb = make_sandbox(seed=72, sizes={"orders": 700}, throttle_limit=1_000_000)
    a = min(k[0] for k in sb.primary_keys("orders")) - 1  # the example's ids from here
    deleted = sb.delete("orders", ids=[a + 10, a + 11, a + 560])
    assert len(deleted) == 3
    asked = f"{a + 1}-{a + 50},{a + 56},{a + 75}-{a + 82},{a + 55},{a + 120},{a + 500}-{a + 750}"
    reply = sandbox_request(sb, f"order-service/order/{asked}", "OPTIONS")
    assert reply.status == 200, reply.body
    ids = check_plan(reply.json()["response"]["getUris"], "order-service/order")
    wanted = set(parse_idset(asked)) & {k[0] for k in sb.primary_keys("orders")}
    assert ids == sorted(wanted)
    assert len(ids) > 200  # two URIs, as in the example
    assert not set(deleted) & set(ids)
