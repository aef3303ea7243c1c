"""The sandbox's payloads against the evidence catalogue (tests/evidence/README.md).

Over real HTTP, for every endpoint of the catalogue, everything the sandbox serves for it (every
record: all GET-by-ID-set chunks, every search page) is reduced to field paths with JSON types
and held to the catalogue's variants of that endpoint:

(a) every (path, type) the sandbox sends appears in some variant, except the invented
    DRIFT_FIELDS; (b) every (path, type) of every variant appears in the sandbox's answers, so a
    full sync sees each variant; (c) a search's (column, reportDataType) list equals one
    variant's list, plus the drift column.

Paths: object keys joined by ``.``, ``[]`` for list items, ``{id}`` for any key of a map keyed by
numeric ids (and of ``customFields``, whose keys are the account's own field codes, i.e. data).
Search rows are zipped with ``metaData.columns`` first (``response.results[].orderId``). Types:
string, integer, number, boolean, object, array, null. A null in the catalogue matches any type
at its path (the value was unset where it was recorded); a null from the sandbox must appear as
null in some variant (Brightpearl mostly leaves unset fields out, or sends "" or 0). For (b) on
searches, only the variants whose column list the sandbox serves count (one account answers one
column list).

What the sandbox serves is fetched by evidence_served.py. This file imports nothing of the tap:
the sandbox and the tap meet over HTTP only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from evidence_served import _SB, EVIDENCE, _data_keyed, catalogue, norm, served

from tap_brightpearl.sandbox.drift import DRIFT_FIELDS

SANDBOX_README = Path(__file__).parents[1] / "tap_brightpearl" / "sandbox" / "README.md"
ANY = "{id}"
DATA_KEYED = ("customFields",)
Paths = set[tuple[str, str]]


# -- field paths ---------------------------------------------------------------------------------


def jtype(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def walk(value: Any, prefix: str, out: Paths) -> Paths:
    """Add (path, type) of ``value`` and of everything inside it to ``out``."""
    out.add((prefix, jtype(value)))
    if isinstance(value, dict):
        keyed = value and all(k.isdigit() for k in value)
        if keyed or prefix.rsplit(".", 1)[-1] in DATA_KEYED:
            for v in value.values():
                walk(v, _join(prefix, ANY), out)
        else:
            for k, v in value.items():
                walk(v, _join(prefix, k), out)
    elif isinstance(value, list):
        for item in value:
            walk(item, prefix + "[]", out)
    return out


def columns_of(body: Any) -> list[tuple[str, str]] | None:
    """(name, reportDataType) of a search answer's metaData.columns, or None (not a search)."""
    try:
        cols = body["response"]["metaData"]["columns"]
    except (KeyError, TypeError):
        return None
    return [(c["name"], c["reportDataType"]) for c in cols]


def body_paths(body: Any) -> Paths:
    """The paths of one response body (search rows zipped with their columns first)."""
    cols = columns_of(body)
    if cols is not None and isinstance(body["response"].get("results"), list):
        names = [n for n, _ in cols]
        body = json.loads(json.dumps(body))
        body["response"]["results"] = [
            dict(zip(names, row, strict=True)) for row in body["response"]["results"]
        ]
    return walk(body, "", set())


def drift_paths(endpoint: str) -> set[str]:
    return {d.path for d in DRIFT_FIELDS if norm(d.endpoint) == endpoint}


def is_drift(path: str, drift: set[str]) -> bool:
    return any(path == d or path.startswith((d + ".", d + "[")) for d in drift)


def unevidenced(served: Paths, evidence: Paths, drift: set[str]) -> list[tuple[str, str]]:
    """(a): served (path, type) that no variant shows (a catalogue null matches any type; a
    null the sandbox sends must be shown as null by some variant)."""
    return sorted(
        (p, t)
        for p, t in served
        if (p, t) not in evidence and (p, "null") not in evidence and not is_drift(p, drift)
    )


def uncovered(evidence: Paths, served: Paths) -> list[tuple[str, str]]:
    """(b): variant (path, type) the sandbox never sends (a catalogue null needs the path)."""
    known = {p for p, _ in served}
    return sorted(
        (p, t) for p, t in evidence if (p, t) not in served and not (t == "null" and p in known)
    )


# -- the checks --------------------------------------------------------------------------------

ENDPOINTS = sorted(catalogue())


def test_the_catalogue_is_there():
    assert ENDPOINTS, f"no evidence under {EVIDENCE}"
    for variants in catalogue().values():
        for v in variants:
            assert {"stream", "endpoint", "method", "status", "source", "cite", "body"} <= set(v), (
                v["_file"]
            )


def check(endpoint: str, answers: list[tuple[int, Any]]) -> list[str]:
    """Every problem of the sandbox's answers for one endpoint against its variants."""
    variants = catalogue()[endpoint]
    if "{id}" in endpoint:
        variants = [{**v, "body": _data_keyed((200, v["body"]))[1]} for v in variants]
    drift = drift_paths(endpoint)
    problems = []
    statuses = {v.get("status", 200) for v in variants}
    for status in sorted({s for s, _ in answers} | statuses):
        got = [b for s, b in answers if s == status]
        want = [v for v in variants if v.get("status", 200) == status]
        if not want:
            problems.append(f"HTTP {status}: the sandbox answers it, no variant shows it")
            continue
        if not got:
            problems.append(
                f"HTTP {status}: variants {[v['_file'] for v in want]} show it, "
                "the sandbox never answers it"
            )
            continue
        served_paths: Paths = set()
        for b in got:
            served_paths |= body_paths(b)
        evidence: Paths = set()
        for v in want:
            evidence |= body_paths(v["body"])
        problems += [
            f"HTTP {status}: served but not in the evidence: {p} ({t})"
            for p, t in unevidenced(served_paths, evidence, drift)
        ]
        sandbox_cols = {tuple(c) for b in got if (c := columns_of(b)) is not None}
        if sandbox_cols:
            strip = {d.rsplit(".", 1)[-1] for d in drift if d.startswith("response.results[].")}
            served_cols = {tuple(c for c in cols if c[0] not in strip) for cols in sandbox_cols}
            options = {tuple(c): v for v in want if (c := columns_of(v["body"])) is not None}
            if len(served_cols) != 1 or next(iter(served_cols)) not in options:
                problems.append(
                    f"HTTP {status}: columns {sorted(served_cols)} are none of the "
                    f"variants' column lists {sorted(options)}"
                )
                want = []
            else:
                want = [options[next(iter(served_cols))]]
        for v in want:
            problems += [
                f"HTTP {status}: {v['_file']} shows {p} ({t}), the sandbox never sends it"
                for p, t in uncovered(body_paths(v["body"]), served_paths)
            ]
    return problems


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_sandbox_serves_the_evidenced_shapes(sandbox, endpoint):
    _SB[sandbox.port] = sandbox
    answers = served(sandbox, endpoint)
    assert answers, endpoint
    problems = check(endpoint, answers)
    assert not problems, f"{endpoint}:\n  " + "\n  ".join(problems)


def names_in(value: Any, out: set[str]) -> set[str]:
    """Every object key and search column name anywhere in a payload."""
    if isinstance(value, dict):
        out.update(value)
        if value.get("reportDataType") and isinstance(value.get("name"), str):
            out.add(value["name"])
        for v in value.values():
            names_in(v, out)
    elif isinstance(value, list):
        for v in value:
            names_in(v, out)
    return out


def test_drift_fields_are_in_no_evidence_and_are_served(sandbox):
    _SB[sandbox.port] = sandbox
    everywhere: set[str] = set()
    for variants in catalogue().values():
        for v in variants:
            names_in(v["body"], everywhere)
    for d in DRIFT_FIELDS:
        name = d.path.rsplit(".", 1)[-1].removesuffix("[]")
        assert name not in everywhere, f"drift field {d} is a name the evidence uses"
        endpoint = norm(d.endpoint)
        assert endpoint in catalogue(), f"drift field on {endpoint}, which has no evidence"
        for v in catalogue()[endpoint]:
            seen = {p for p, _ in body_paths(v["body"])}
            assert not {p for p in seen if is_drift(p, {d.path})}, (d, v["_file"])
        got: Paths = set()
        for _, b in served(sandbox, endpoint):
            got |= body_paths(b)
        assert (d.path, d.json_type) in got, f"the sandbox does not serve drift field {d}"


def test_drift_fields_are_documented_and_fixed_at_construction(sandbox):
    readme = SANDBOX_README.read_text(encoding="utf-8")
    for d in DRIFT_FIELDS:
        assert d.path.rsplit(".", 1)[-1] in readme, d
    with pytest.raises(TypeError, match="drift_fields"):
        sandbox.configure(drift_fields=False)


def test_without_drift_fields_nothing_unevidenced_is_served(make_sandbox):
    sb = make_sandbox(drift_fields=False, sizes={"orders": 60, "products": 30, "contacts": 30})
    _SB[sb.port] = sb
    for endpoint in sorted({norm(d.endpoint) for d in DRIFT_FIELDS} & set(ENDPOINTS)):
        served_paths: Paths = set()
        for status, b in served(sb, endpoint):
            if status == 200:
                served_paths |= body_paths(b)
        evidence: Paths = set()
        for v in catalogue()[endpoint]:
            evidence |= body_paths(v["body"])
        assert not unevidenced(served_paths, evidence, set()), endpoint


# -- the check itself can fail -----------------------------------------------------------------


def test_the_check_fails_on_a_wrong_type_a_missing_variant_and_a_stray_field():
    evidence = walk(
        {"response": [{"id": 1, "tags": "9", "map": {"12": {"v": "1.00"}}}]}, "", set()
    ) | walk({"response": [{"id": 2, "tags": [{"tagId": 9}], "x": None}]}, "", set())
    good = walk(
        {
            "response": [
                {"id": 5, "tags": "3,4", "map": {"7": {"v": "2.00"}}, "x": 1},
                {"id": 6, "tags": [{"tagId": 4}]},
            ]
        },
        "",
        set(),
    )
    assert not unevidenced(good, evidence, set())
    assert ("response[].id", "null") in unevidenced(
        walk({"response": [{"id": None}]}, "", set()), evidence, set()
    )
    assert not uncovered(evidence, good)
    wrong = walk({"response": [{"id": "5", "tags": "3", "map": {"7": {"v": 2}}}]}, "", set())
    assert ("response[].id", "string") in unevidenced(wrong, evidence, set())
    assert ("response[].map.{id}.v", "integer") in unevidenced(wrong, evidence, set())
    assert ("response[].tags[].tagId", "integer") in uncovered(evidence, wrong)
    stray = walk({"response": [{"id": 5, "zzz": {"a": 1}}]}, "", set())
    assert ("response[].zzz", "object") in unevidenced(stray, evidence, set())
    assert not unevidenced(stray, evidence, {"response[].zzz"})


def test_the_live_check_fails_on_a_wrong_type(sandbox):
    _SB[sandbox.port] = sandbox
    endpoint = next((e for e in ENDPOINTS if e.startswith("contact-service/contact/")), None)
    if endpoint is None:
        pytest.fail("no contact GET evidence yet")
    answers = json.loads(json.dumps(served(sandbox, endpoint)))
    body = next(b for s, b in answers if s == 200)
    body["response"][0]["contactId"] = str(body["response"][0]["contactId"])
    assert any("response[].contactId (string)" in p for p in check(endpoint, answers))


def test_drift_timestamps_carry_a_non_utc_offset(sandbox):
    _SB[sandbox.port] = sandbox
    stamps = [
        p["lastStocktakeOn"]
        for s, b in served(sandbox, "product-service/product/{ids}")
        if s == 200
        for p in b["response"]
    ]
    contacts = served(sandbox, "contact-service/contact/{ids}")
    stamps += [c["loyalty"]["enrolledOn"] for s, b in contacts if s == 200 for c in b["response"]]
    assert stamps
    assert {s[-6:] for s in stamps} == {"-06:00", "+01:00"}
