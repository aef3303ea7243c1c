"""Seeded data realism, determinism, ground truth, CLI and unit tests of ID sets/timestamps."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from contract_keys import CONTRACT_KEYS, OPT_IN_KEYS

from tap_brightpearl.sandbox import KNOB_DEFAULTS, Sandbox
from tap_brightpearl.sandbox.data import SIZE_KEYS
from tap_brightpearl.sandbox.util import IdSet, IdSetError, fmt_ts, format_idset, parse_ts

# Every contract stream, the opt-in one included, with the width of its primary key.
KEY_WIDTH = {stream: len(keys) for stream, keys in {**CONTRACT_KEYS, **OPT_IN_KEYS}.items()}


def test_every_contract_stream_has_ground_truth_records(sandbox):
    assert len(KEY_WIDTH) == 48
    for stream, width in KEY_WIDTH.items():
        keys = sandbox.primary_keys(stream)
        assert keys, stream
        assert all(len(k) == width for k in keys), stream
    with pytest.raises(KeyError):
        sandbox.primary_keys("nope")


def test_ground_truth_matches_the_api(call, sandbox):
    orders = call(
        sandbox, "order-service/order/" + format_idset(sorted(sandbox.store.orders)[:20])
    ).json()["response"]
    rows = {(o["id"], int(r)) for o in orders for r in o["orderRows"]}
    assert rows <= sandbox.primary_keys("order_rows")
    assert {(o["id"],) for o in orders} <= sandbox.primary_keys("orders")
    notes = call(sandbox, "order-service/order-note-search?columns=noteId").json()
    assert {(r[0],) for r in notes["response"]["results"]} <= sandbox.primary_keys("order_notes")
    rates = call(sandbox, "accounting-service/exchange-rate").json()["response"]
    assert {(r["currencyId"], r["rateActiveFrom"]) for r in rates} == sandbox.primary_keys(
        "exchange_rates"
    )


def test_changed_since(sandbox):
    since = datetime(2026, 6, 1, tzinfo=timezone.utc)
    changed = sandbox.changed_since("orders", since)
    assert changed
    assert changed < sandbox.primary_keys("orders")
    ms = since.timestamp() * 1000
    assert changed == {(o["id"],) for o in sandbox.store.orders.values() if o["updated"] >= ms}
    assert sandbox.changed_since("brands", since) == sandbox.primary_keys("brands")
    assert sandbox.changed_since("journal_rows", since) < sandbox.primary_keys("journal_rows")
    with pytest.raises(ValueError, match="timezone"):
        sandbox.changed_since("orders", datetime(2026, 1, 1))


def test_same_seed_same_data_other_seed_other_data(call):
    bodies = []
    for seed in (4, 4, 5):
        with Sandbox(seed=seed, sizes={"orders": 60, "products": 30, "contacts": 30}) as sb:
            search = call(sb, "order-service/order-search").body
            ids = format_idset(sorted(sb.store.orders)[:30])
            got = call(sb, f"order-service/order/{ids}?includeOptional=customFields").body
            bodies.append((search, got, call(sb, "contact-service/contact").body))
    assert bodies[0] == bodies[1]
    assert bodies[0] != bodies[2]


def test_realistic_features(call, sandbox):
    store = sandbox.store
    assert any(i > 2**31 for i in store.orders)
    assert any(i > 2**31 for i in store.contacts)
    ids = sorted(store.orders)
    assert any(b - a > 1 for a, b in itertools.pairwise(ids))
    assert {o["type"] for o in store.orders.values()} == {1, 2, 3, 4}
    products = store.products.values()
    assert any(p["tracked"] for p in products)
    assert any(not p["tracked"] for p in products)
    body = call(sandbox, "order-service/order/" + format_idset(ids[:150])).json()["response"]
    stamps = [o["updatedOn"] for o in body]
    assert any(not s.endswith((".000Z", ".000+01:00", ".000-06:00")) for s in stamps)
    assert {s[-6:] if s[-6] in "+-" else "Z" for s in stamps} == {"-06:00", "+01:00", "Z"}
    text = call(sandbox, "contact-service/contact").body.decode()
    assert re.search(r"[^\x00-\x7f]", text)
    assert any("closedOn" not in o for o in body)  # null fields are left out, as recorded
    assert any(o["orderRows"] and o["parties"] and o["tax"] == {"errors": []} for o in body)
    search = call(sandbox, "order-service/order-search?columns=updatedOn&pageSize=500").json()
    values = [r[0] for r in search["response"]["results"] if r[0] is not None]
    assert len(values) > len(set(values))
    shipped = [n for n in store.goods_out.values() if n["shipped"]]
    assert shipped
    assert len(shipped) < len(store.goods_out)


def test_sizes_and_scale(sandbox):
    assert len(sandbox.store.orders) == 300
    assert len(sandbox.store.products) == 120
    assert len(sandbox.store.contacts) == 150
    sb = Sandbox(scale=0.01, sizes={"contacts": 40})
    assert len(sb.store.orders) == 50
    assert len(sb.store.contacts) == 40
    with pytest.raises(ValueError, match="unknown size"):
        Sandbox(sizes={"elephants": 3})
    with pytest.raises(TypeError):
        Sandbox(sizes={"orders": 5}, no_such_knob=1)


def test_cli_help_lists_every_knob():
    out = subprocess.run(
        [sys.executable, "-m", "tap_brightpearl.sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for knob in [*KNOB_DEFAULTS, *SIZE_KEYS, "seed", "scale", "port"]:
        assert f"--{knob.replace('_', '-')}" in out, knob
    for default in (
        "sandbox-app",
        "sandbox-staff-token",
        "sandbox-account-token",
        "sandbox-access-token",
        "sandbox-refresh-token",
    ):
        assert default in out


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system): what its work costs, however loaded the
    machine is (the wall time of the same work grows with the other processes on it)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_cli_serves_the_default_data_set_within_5_seconds(call):
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tap_brightpearl.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        remote = SimpleNamespace(port=port, knobs={"account": "sandbox"})
        reply = call(remote, "order-service/order-search?pageSize=1")
        assert reply.status == 200
        cpu = _cpu_seconds(proc.pid)
        print(f"serving after {time.monotonic() - started:.1f} s, {cpu:.1f} s of CPU")
        assert cpu < 5
        assert reply.json()["response"]["metaData"]["resultsAvailable"] == 5000
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_idset_unit():
    ids = IdSet.parse("1-100,105,200-300")
    assert ids.count == 100 + 1 + 101
    assert 50 in ids
    assert 105 in ids
    assert 104 not in ids
    assert 10**12 not in IdSet.parse("1-99999999999")
    assert 10**10 in IdSet.parse("1-99999999999")
    assert IdSet.parse("5-9").select([1, 5, 7, 9, 12]) == [5, 7, 9]
    for bad in ("", "5/", "9-5", "a", "1,,2", "-3"):
        with pytest.raises(IdSetError):
            IdSet.parse(bad)
    assert format_idset([1, 2, 3, 5, 7, 8]) == "1-3,5,7-8"
    assert format_idset([]) == ""


def test_timestamp_unit():
    base = parse_ts("2025-03-01T00:00:00Z")
    assert parse_ts("2025-03-01T01:00:00+01:00") == base
    assert parse_ts("2025-02-28T18:00:00.999-06:00") == base
    assert parse_ts("2025-03-01T01:00:00+0100") == base
    assert parse_ts("2025-03-01") == base
    assert parse_ts("2025-3-1") == base
    assert base == datetime(2025, 3, 1, tzinfo=timezone.utc).timestamp()
    for bad in ("2025-03-01T01:00:00 01:00", "yesterday", "2025-13-01"):
        with pytest.raises(ValueError):
            parse_ts(bad)
    assert fmt_ts(int(base) * 1000 + 5, 0) == "2025-02-28T18:00:00.005-06:00"
    assert fmt_ts(int(base) * 1000 + 5, 2, millis=False) == "2025-03-01T00:00:00.000Z"
