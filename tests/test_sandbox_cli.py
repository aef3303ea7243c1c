"""The sandbox as a command-line user runs it: deletions logged, counters over HTTP and on exit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

from shell_helpers import ROOT

HEADERS = {"brightpearl-app-ref": "sandbox-app", "brightpearl-staff-token": "sandbox-staff-token"}


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> dict:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:  # 127.0.0.1 only
        return json.loads(answer.read())


def test_the_command_line_shows_deletions_and_counters() -> None:
    command = [
        sys.executable,
        "-m",
        "tap_brightpearl.sandbox",
        "--port",
        "0",
        "--scale",
        "0.05",
        "--delete-during-run",
        "orders=2",
    ]
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "brightpearl-sandbox serving http://127.0.0.1:" in first, first
        counters_url = first.rsplit("GET ", 1)[1].strip()
        base = counters_url.removesuffix("/sandbox/counters")
        assert counters_url.endswith("/sandbox/counters")
        for _ in range(3):
            get(f"{base}/public-api/sandbox/order-service/order-status", HEADERS)
        counters = get(counters_url)
        assert counters["requests_total"] == 3  # the counters' own request is not counted
        assert counters["deletions"] == 2
        deleted = get(f"{base}/sandbox/delete?stream=contacts&count=1", method="POST")
        assert deleted["stream"] == "contacts"
        assert len(deleted["deleted"]) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    lines = out.splitlines()
    assert len([line for line in lines if " deleted orders " in line]) == 2, out
    assert len([line for line in lines if " deleted contacts " in line]) == 1, out
    assert proc.returncode == 0, out
    assert lines[-1] == (
        "brightpearl-sandbox stopped: 3 API requests, 0 throttled, 0 faults injected, "
        "3 records deleted, 0 tokens refreshed"
    )
