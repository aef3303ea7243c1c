"""The tap's stdout over a real pipe: written in blocks that end at each STATE, whole lines to
the end, however the run ends (``tap_brightpearl/output.py``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

import pytest
from helpers import TAP, UNTHROTTLED, clean_env, norm_keys, record_keys, run_tap, write_json
from test_reliability_interrupt import bookmark, only_orders, parse

LATENCY = 0.15  # seconds per request: after a checkpoint, the next output waits for a search


def start(tmp_path, config: dict[str, Any], catalog: dict[str, Any]) -> subprocess.Popen:
    cmd = [
        str(TAP),
        "--config",
        str(write_json(tmp_path / "config.json", config)),
        "--catalog",
        str(write_json(tmp_path / "catalog.json", catalog)),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())


def read_chunks(proc: subprocess.Popen, stop=None) -> list[bytes]:
    """stdout as the pipe delivers it, one read at a time; ``stop(data)``: send SIGTERM etc."""
    assert proc.stdout is not None
    fd, chunks, signalled = proc.stdout.fileno(), [], False
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        if stop is not None and not signalled and stop(b"".join(chunks)):
            signalled = True
    proc.wait(timeout=60)
    assert stop is None or signalled, "the run ended before the signal"
    return chunks


def messages(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines()]


@pytest.fixture
def orders_sandbox(make_sandbox, tmp_path):
    # As test_reliability_interrupt: 30-day windows of 1-20 pages, so many checkpoints.
    sb = make_sandbox(seed=51, sizes={"orders": 3000}, latency=LATENCY, **UNTHROTTLED)
    config = sb.tap_config(lookback_minutes=0, page_size=40, window_days=30)
    return sb, config, only_orders(config, tmp_path)


@pytest.mark.slow  # a run paced by a slow sandbox (about 25 s): scheduled first
def test_each_checkpoint_is_on_stdout_at_once_after_every_record_before_it(
    orders_sandbox, tmp_path
):
    """A STATE is written out when it is emitted (not at the next block or at exit), and
    every order its bookmark covers, with its rows, is on stdout before it."""
    sb, config, catalog = orders_sandbox
    proc = start(tmp_path, config, catalog)
    chunks = read_chunks(proc)
    assert proc.returncode == 0
    all_messages = messages(b"".join(chunks))  # every line whole JSON
    checkpoints = [
        i for i, m in enumerate(all_messages) if m["type"] == "STATE" and bookmark(m["value"])
    ]
    assert len(checkpoints) >= 4, "too few checkpoints to test"

    # A block ends at each STATE: the read that brings a checkpoint ends with a STATE line
    # (the tap then waits LATENCY for its next search; blocks written only when full would
    # end anywhere). A read may lag behind on a busy machine and take in the next block too.
    data, ending, end = b"".join(chunks), [], 0
    for chunk in chunks:
        end += len(chunk)
        if b'"type":"STATE"' in chunk and chunk.endswith(b"\n"):
            last = data[data.rfind(b"\n", 0, end - 1) + 1 : end]
            ending.append(json.loads(last)["type"])
    assert ending.count("STATE") >= 0.7 * len(ending), ending
    assert len(chunks) < len(all_messages) / 5  # blocks, not one write per message

    orders = [
        (i, m["record"])
        for i, m in enumerate(all_messages)
        if m["type"] == "RECORD" and m["stream"] == "orders"
    ]
    rows_at = {
        r["record"]["orderId"]: i
        for i, r in enumerate(all_messages)
        if r["type"] == "RECORD" and r["stream"] == "order_rows"
    }
    for at in checkpoints:
        mark = parse(bookmark(all_messages[at]["value"]))
        covered = [(i, o) for i, o in orders if parse(o["createdOn"]) < mark]
        assert all(i < at for i, _ in covered)
        assert all(rows_at.get(o["id"], -1) < at for _, o in covered)
    assert len(orders) == len(sb.primary_keys("orders"))


@pytest.mark.slow  # a run paced by a slow sandbox (about 25 s): scheduled first
@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"]
)
def test_a_killed_run_ends_with_whole_lines_and_a_rerun_loses_nothing(
    orders_sandbox, tmp_path, sig
):
    """Stopped mid-run (records gathered, not yet written), the tap writes what it gathered and
    its last STATE as whole lines; a run from that STATE brings the rest."""
    sb, config, catalog = orders_sandbox
    proc = start(tmp_path, config, catalog)
    sent: list[float] = []

    def after_first_checkpoint(data: bytes) -> bool:
        if b'"replication_key_value"' in data:
            time.sleep(LATENCY * 1.5)  # the next window's records: gathered, not yet out
            proc.send_signal(sig)
            sent.append(time.monotonic())
            return True
        return False

    data = b"".join(read_chunks(proc, after_first_checkpoint))
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        data = data[: data.rfind(b"\n") + 1]  # a write cut by kill -9: no loader parses it
    else:
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        assert data.endswith(b"\n")
    first = messages(data)  # every line whole JSON
    states = [m["value"] for m in first if m["type"] == "STATE"]
    orders_first = record_keys(
        [m["record"] for m in first if m["type"] == "RECORD" and m["stream"] == "orders"], "orders"
    )
    truth = norm_keys(sb.primary_keys("orders"))
    assert 0 < len(set(orders_first)) < len(truth), "stopped too late to test"

    second = run_tap(tmp_path, config, state=states[-1], catalog=catalog, name="rerun")
    assert second.returncode == 0, second.describe()
    assert truth <= set(orders_first) | set(second.keys("orders"))
    rows = set(
        record_keys(
            [m["record"] for m in first if m["type"] == "RECORD" and m["stream"] == "order_rows"],
            "order_rows",
        )
    )
    assert norm_keys(sb.primary_keys("order_rows")) <= rows | set(second.keys("order_rows"))
