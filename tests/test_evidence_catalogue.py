"""The evidence catalogue itself: every stream covered, every payload sourced and well-formed."""

from __future__ import annotations

import json

import pytest
from evidence_replay import EVIDENCE, Payload, load_catalogue, search_rows
from helpers import CONTRACT_KEYS, OPT_IN_KEYS

from tap_brightpearl.tap import STREAM_TYPES

CATALOGUE = load_catalogue()
FIELDS = {"stream", "endpoint", "method", "status", "source", "cite", "notes", "body"}


def endpoints_read(stream_type: type) -> set[str]:
    """The paths a stream requests, as the catalogue names them (its search and its GET)."""
    paths = {getattr(stream_type, "path", None), getattr(stream_type, "detail_path", None)}
    return {p for p in paths if p} - {"{ids}"}


def test_every_stream_of_the_tap_has_evidence():
    assert {p.stream for p in CATALOGUE} == set(CONTRACT_KEYS) | set(OPT_IN_KEYS)


@pytest.mark.parametrize("stream_type", STREAM_TYPES, ids=lambda s: s.name)
def test_every_endpoint_a_stream_reads_has_evidence(stream_type):
    covered = {p.endpoint for p in CATALOGUE if p.status == 200}
    missing = endpoints_read(stream_type) - covered
    assert not missing, f"{stream_type.name}: no evidence for {sorted(missing)}"


@pytest.mark.parametrize("payload", CATALOGUE, ids=lambda p: p.id)
def test_payload_is_well_formed(payload: Payload):
    data = json.loads(payload.path.read_text())
    assert set(data) == FIELDS, set(data) ^ FIELDS
    assert payload.path.parent.name == payload.stream
    assert payload.source in {"recording", "docs"}
    assert payload.cite.strip()
    assert data["notes"].strip()
    assert data["method"] == "GET"
    if payload.status == 200 and payload.is_search:
        meta = payload.body["response"]["metaData"]
        assert all({"name", "reportDataType"} <= set(c) for c in meta["columns"])
        rows = search_rows(payload.body)  # rows positional against the columns
        assert meta["resultsReturned"] == len(rows)
    elif payload.status != 200:
        assert payload.body.get("errors"), "a failed answer carries Brightpearl's errors list"


def test_the_catalogue_readme_describes_the_format():
    text = (EVIDENCE / "README.md").read_text()
    for field in FIELDS:
        assert f"`{field}`" in text, field
