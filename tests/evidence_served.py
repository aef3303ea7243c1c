"""The evidence catalogue (tests/evidence/README.md) and everything the sandbox serves for an
endpoint of it, over real HTTP: every record (all GET-by-ID-set chunks, every search page).

test_evidence_sandbox.py holds these answers to the catalogue. Nothing here imports the tap:
the sandbox and the tap meet over HTTP only.
"""

from __future__ import annotations

import http.client
import json
from functools import cache
from pathlib import Path
from typing import Any

EVIDENCE = Path(__file__).parent / "evidence"


# -- the catalogue ------------------------------------------------------------------------------


def norm(endpoint: str) -> str:
    """An endpoint without its query string, trailing slash or leading slash."""
    return endpoint.split("?", 1)[0].strip("/")


@cache
def catalogue() -> dict[str, list[dict[str, Any]]]:
    """Variants by endpoint (normalised); each keeps its file name under ``_file``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(EVIDENCE.glob("*/*.json")):
        doc = json.loads(f.read_text())
        doc["_file"] = f"{f.parent.name}/{f.name}"
        out.setdefault(norm(doc["endpoint"]), []).append(doc)
    return out


def endpoint_query(endpoint: str) -> str:
    """The query string the tap sends with an endpoint (from its first catalogue variant)."""
    raw = catalogue()[endpoint][0]["endpoint"]
    return raw.split("?", 1)[1] if "?" in raw else ""


# -- what the sandbox serves ----------------------------------------------------------------------

STAFF = {"brightpearl-app-ref": "sandbox-app", "brightpearl-staff-token": "sandbox-staff-token"}


def get(sb: Any, path: str, method: str = "GET") -> tuple[int, Any]:
    """One request over real HTTP; (status, decoded JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
    try:
        conn.request(method, f"/public-api/{sb.knobs['account']}/{path}", headers=STAFF)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def search_pages(sb: Any, path: str, columns: str = "") -> list[Any]:
    pages, first = [], 1
    while True:
        extra = f"&columns={columns}" if columns else ""
        status, body = get(sb, f"{path}?pageSize=500&firstResult={first}{extra}")
        assert status == 200, (path, body)
        pages.append(body)
        meta = body["response"]["metaData"]
        if not meta["morePagesAvailable"] or not body["response"]["results"]:
            return pages
        first = meta["lastResult"] + 1


def chunks(ids: list[int], size: int) -> list[str]:
    return [",".join(map(str, ids[i : i + size])) for i in range(0, len(ids), size)]


def planned(sb: Any, base: str) -> list[str]:
    """ID sets of every record of an OPTIONS-planned resource."""
    status, body = get(sb, base, "OPTIONS")
    assert status == 200, (base, body)
    return [uri.rsplit("/", 1)[-1] for uri in body["response"]["getUris"]]


def product_ids(sb: Any) -> list[int]:
    return [
        row[0]
        for page in search_pages(sb, "product-service/product-search", "productId")
        for row in page["response"]["results"]
    ]


def id_sets(sb: Any, path: str) -> list[str]:
    """Every ID set needed to fetch all records of an ``{ids}`` endpoint."""
    base = path.split("/{ids}", 1)[0]
    if base in (
        "order-service/order",
        "product-service/product",
        "contact-service/contact",
        "product-service/product-price",
    ):
        return planned(sb, base)
    if base == "contact-service/postal-address":
        ids: set[int] = set()
        for idset in planned(sb, "contact-service/contact"):
            _, body = get(sb, f"contact-service/contact/{idset}")
            ids.update(v for c in body["response"] for v in c["postAddressIds"].values())
        return chunks(sorted(ids), 200)
    if base == "warehouse-service/product-availability":
        return chunks(product_ids(sb), 200)
    if base == "warehouse-service/order/*/goods-note/goods-out":
        pages = search_pages(sb, "warehouse-service/goods-note/goods-out-search", "goodsOutNoteId")
        return chunks([r[0] for p in pages for r in p["response"]["results"]], 500)
    raise AssertionError(f"no way to list the ids of {path}: teach id_sets()")


MISSING_IDS = "1-3"  # below every seeded id range
# GETs the tap may send with or without includeOptional (the setting include_custom_fields):
# every form is fetched, so the variants with and without custom fields are all compared.
OPTIONAL = dict.fromkeys(
    ("order-service/order/{ids}", "product-service/product/{ids}"),
    ("", "includeOptional=customFields", "includeOptional=customFields,nullCustomFields"),
)


def served(sb: Any, endpoint: str) -> list[tuple[int, Any]]:
    """(status, body) of everything the sandbox answers for an endpoint (plus, when the
    catalogue holds a non-200 variant, the answer for ids that do not exist)."""
    return _served(sb.port, endpoint)


_SB: dict[int, Any] = {}


@cache
def _served(port: int, endpoint: str) -> list[tuple[int, Any]]:
    if "{orderType}" in endpoint:
        return [
            a
            for kind in ("sale", "purchase")
            for a in _fetch(port, endpoint, endpoint.replace("{orderType}", kind))
        ]
    if "{contactType}" in endpoint:
        return [
            a
            for kind in ("customer", "supplier")
            for a in _fetch(port, endpoint, endpoint.replace("{contactType}", kind))
        ]
    if "{id}" in endpoint:  # one id per request: every contact (customers, suppliers, staff)
        return [
            _data_keyed(get(_SB[port], endpoint.replace("{id}", str(i))))
            for i in sorted(_SB[port].store.contacts)
        ]
    return _fetch(port, endpoint, endpoint)


def _data_keyed(answer: tuple[int, Any]) -> tuple[int, Any]:
    """An answer whose whole ``response`` is keyed by the account's field codes (data)."""
    status, body = answer
    return status, {"response": {"customFields": body.get("response")}}


def _fetch(port: int, template: str, endpoint: str) -> list[tuple[int, Any]]:
    sb = _SB[port]
    query = endpoint_query(template)
    if endpoint.endswith("-search"):
        return [(200, b) for b in search_pages(sb, endpoint)]
    queries = [query] if query else list(OPTIONAL.get(endpoint, ("",)))
    if "{ids}" not in endpoint:
        return [get(sb, endpoint + (f"?{q}" if q else "")) for q in queries]
    answers = [
        get(sb, endpoint.replace("{ids}", s) + (f"?{qq}" if qq else ""))
        for s in id_sets(sb, endpoint)
        for qq in queries
    ]
    if any(v.get("status", 200) != 200 for v in catalogue()[template]):
        answers.append(get(sb, endpoint.replace("{ids}", MISSING_IDS)))
    return answers
